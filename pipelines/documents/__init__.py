"""The documents stage: from the marts to the annual report and the letters, as archival PDFs.

In the order a document is made: `report_context` reads a document's facts from the marts
(`report_rules` derives the report's key messages and tables, `findings` a letter's findings,
`letter_journal` numbers and keeps the dispatched letters); `templating` makes the HTML (with
`charts`, inline SVG), writing every number, date and label through `formatting`; `pdf` turns the
HTML into PDF/A-2a (WeasyPrint, the tag-tree finisher, the PDF cache and the process pool).
"""
