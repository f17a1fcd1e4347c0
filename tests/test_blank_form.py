"""The blank form as a person opens and prints it: read back with openpyxl, which reads what Excel reads.

Protection (labels and headers locked, answers open), number formats of the answer cells, required cells
marked, a validation with help and error text in the form's language on every answer cell, print settings
(one page wide, header rows repeated), instructions first; the same bytes every time.
"""

from __future__ import annotations

import openpyxl
import pytest
from openpyxl.worksheet.cell_range import CellRange

from schemas import form as F
from tools.form_writer import DATE_RANGE, GUIDANCE_SHEET, REQUIRED_FILL, sheet_names, write_blank_form

YEAR = 2014


@pytest.fixture(scope="module", params=F.FORMS)
def blank(request, tmp_path_factory):
    form = request.param
    path = write_blank_form(YEAR, form, tmp_path_factory.mktemp("skjema") / f"skjema-{form}.xlsx")
    return form, path, openpyxl.load_workbook(path)


def validation_at(ws, ref: str):
    hits = [dv for dv in ws.data_validations.dataValidation if any(ref in CellRange(str(r)) for r in dv.sqref.ranges)]
    assert len(hits) == 1, (ws.title, ref, hits)
    return hits[0]


def test_instructions_come_first_and_warn_about_dates(blank):
    form, _path, wb = blank
    i = F.FORMS.index(form)
    assert wb.sheetnames[0] == GUIDANCE_SHEET[i]
    ws = wb.worksheets[0]
    lines = [c.value for c in ws["A"] if c.value]
    assert str(YEAR) in lines[0]
    assert any("8.4" in line and "dato" in line for line in lines)  # typed in a Norwegian setup, 8.4 is a date
    assert any("*" in line for line in lines)  # the legend of the required marks
    width = ws.column_dimensions["A"].width
    for row, line in enumerate(lines, start=1):
        if row == 1 or not line:
            continue
        assert ws.cell(row, 1).alignment.wrap_text
        needed_lines = -(-len(line) // int(width))  # wrapped at the column width
        assert ws.row_dimensions[row].height >= 15 * needed_lines, (row, line)  # tall enough to show it all


def test_labels_are_protected_and_answers_open_and_formatted(blank):
    form, _path, wb = blank
    names = sheet_names(form)
    for name in (names["prosjekt"], names["indikatorer"], names["tiltak"], names["risiko"]):
        ws = wb[name]
        assert ws.protection.sheet and not ws.protection.password  # no password: it guards against slips
    ws = wb[names["prosjekt"]]
    kinds = {"kommunenummer": "@", "date": "dd.mm.yyyy", "year": "0", "int03": "0", "nok": "#,##0", "longtext": "@"}
    for r, f in enumerate(F.PROSJEKT_FIELDS, start=1):
        label, answer = ws.cell(r, 1), ws.cell(r, 2)
        assert label.value == f.label(form) and label.protection.locked
        assert not answer.protection.locked, f.key
        if f.kind in kinds:
            assert answer.number_format == kinds[f.kind], f.key
        required = answer.fill.fgColor.rgb.endswith(REQUIRED_FILL.lstrip("#").upper())
        assert required == f.required, f.key
        assert ws.cell(r, 3).value.startswith("*") == f.required  # the mark beside it
        if f.kind == "longtext":
            assert answer.alignment.wrap_text and ws.row_dimensions[r].height >= 100
    ind = wb[names["indikatorer"]]
    assert all(c.protection.locked for c in ind[1])  # the header
    for r, _indicator in enumerate(F.STANDARD_INDICATORS, start=2):
        assert ind.cell(r, 1).protection.locked and ind.cell(r, 2).protection.locked  # label and unit
        for c in (3, 5, 7):
            assert not ind.cell(r, c).protection.locked
            # General, not a percent format: in Calc 8,4 typed in a percent cell becomes 840 %
            assert ind.cell(r, c).number_format == "General"
        assert ind.cell(r, 4).number_format == "0" and ind.cell(r, 6).number_format == "0"
    own = len(F.STANDARD_INDICATORS) + 2
    assert not ind.cell(own, 1).protection.locked and not ind.cell(own, 2).protection.locked
    assert not ind.column_dimensions["A"].protection.locked  # rows below the boxes stay open too
    tiltak = wb[names["tiltak"]]
    assert tiltak.cell(2, 3).number_format == "dd.mm.yyyy" and not tiltak.cell(2, 3).protection.locked


def test_every_answer_cell_has_help_and_every_check_an_error_text(blank):
    form, _path, wb = blank
    names = sheet_names(form)
    i = F.FORMS.index(form)
    ws = wb[names["prosjekt"]]
    for r, f in enumerate(F.PROSJEKT_FIELDS, start=1):
        dv = validation_at(ws, f"B{r}")
        assert dv.showInputMessage and dv.prompt and dv.promptTitle, f.key
        if dv.type is not None:
            assert dv.showErrorMessage and dv.error and dv.errorTitle, f.key
        expected = {
            "yesno": "list",
            "status": "list",
            "int03": "whole",
            "year": "whole",
            "date": "date",
            "nok": "decimal",
            "longtext": "textLength",
        }.get(f.kind)
        assert dv.type == expected, f.key
        if f.kind == "status":
            assert dv.formula1 == '"' + ",".join(dict.fromkeys(v[i] for v in F.STATUS_LABELS.values())) + '"'
        if f.kind == "int03":
            assert (dv.formula1, dv.formula2) == ("0", "3")
        if f.kind == "nok":
            assert dv.operator == "greaterThanOrEqual" and dv.formula1 == "0"
    # the help is in the form's own language form
    temadag = validation_at(ws, f"B{[f.key for f in F.PROSJEKT_FIELDS].index('samlinger_deltatt') + 1}").prompt
    assert ("samlingar" in temadag) == (form == "nn")
    ind = wb[names["indikatorer"]]
    for r, indicator in enumerate(F.STANDARD_INDICATORS, start=2):
        dv = validation_at(ind, f"G{r}")
        assert dv.type == "decimal" and dv.error
        if indicator.is_percent:
            assert (dv.formula1, dv.formula2) == ("0", "100") and "8,4 %" in dv.prompt
    assert validation_at(ind, "D40").type == "whole"
    tiltak = wb[names["tiltak"]]
    statuses = dict.fromkeys(v[i] for v in F.TILTAK_STATUS_LABELS.values())
    assert validation_at(tiltak, "B2").formula1 == '"' + ",".join(statuses) + '"'
    assert validation_at(tiltak, "C150").type == "date"
    assert (validation_at(wb[names["risiko"]], "C2").formula1, validation_at(wb[names["risiko"]], "C2").formula2) == (
        "1",
        "5",
    )


def test_help_texts_say_what_the_cell_needs(blank):
    """A date cell's help speaks of dates (not of «8.4», which belongs to number cells) and its error names the
    range it checks; an own indicator's value cell says how to write a percentage; the status help names
    what the drop-down offers."""
    form, _path, wb = blank
    names = sheet_names(form)
    lo, hi = (d.strftime("%d.%m.%Y") for d in DATE_RANGE)
    prosjekt = wb[names["prosjekt"]]
    dates = [validation_at(prosjekt, f"B{r}") for r, f in enumerate(F.PROSJEKT_FIELDS, start=1) if f.kind == "date"]
    for dv in [*dates, validation_at(wb[names["tiltak"]], "D7")]:
        assert "8.4" not in dv.prompt + dv.error and "23.11.2013" in dv.prompt
        assert f"{lo} og {hi}" in dv.error
    own = validation_at(wb[names["indikatorer"]], f"E{len(F.STANDARD_INDICATORS) + 2}").prompt
    assert "Skriv prosent som 8,4 eller 8,4 %" in own
    status_row = [f.kind for f in F.PROSJEKT_FIELDS].index("status") + 1
    offered = validation_at(prosjekt, f"B{status_row}").formula1.strip('"').split(",")
    help_text = prosjekt.cell(status_row, 3).value
    assert all(term in help_text for term in offered) and f"eller {offered[-1]}." in help_text
    texts = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    texts += [dv.prompt or "" for ws in wb.worksheets for dv in ws.data_validations.dataValidation]
    assert not [t for t in texts if " skriv de " in t.lower() or t.lower().startswith("kommunenummer skriv")]


def test_every_term_the_form_offers_is_read(blank):
    """A drop-down never offers what the reader would reject."""
    from pipelines import values

    form, _path, wb = blank
    names = sheet_names(form)
    offered = {
        "status": validation_at(wb[names["prosjekt"]], "B7").formula1,
        "tiltak": validation_at(wb[names["tiltak"]], "B2").formula1,
    }
    for term in offered["status"].strip('"').split(","):
        values.parse_status(term)
    for term in offered["tiltak"].strip('"').split(","):
        values.parse_measure_status(term)
    for v in ("Ja", "Nei"):
        values.parse_yesno(v)


def test_prints_one_page_wide_with_headers_repeated(blank):
    form, _path, wb = blank
    names = sheet_names(form)
    for ws in wb.worksheets:
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (1, None)
        assert ws.page_setup.fitToHeight == 0
        assert int(ws.page_setup.paperSize) == 9  # A4
    for name in (names["indikatorer"], names["tiltak"], names["risiko"]):
        ws = wb[name]
        assert ws.print_title_rows.replace("$", "") == "1:1" and ws.page_setup.orientation == "landscape"
        assert ws.freeze_panes == "A2"


def test_the_same_bytes_every_time(blank, tmp_path):
    form, path, _wb = blank
    again = write_blank_form(YEAR, form, tmp_path / "igjen.xlsx")
    assert again.read_bytes() == path.read_bytes()
    other_year = write_blank_form(YEAR + 1, form, tmp_path / "neste.xlsx")
    assert other_year.read_bytes() != path.read_bytes()


@pytest.mark.parametrize("suffix", [".ods", ".xls", ".xlsm", ""])
def test_the_form_is_offered_as_xlsx_only_and_says_so(tmp_path, capsys, suffix):
    """Written as .ods or .xls the form would lose its protection, validations and print settings without a
    word: `samanom template` refuses, in one Norwegian line that names .xlsx, and writes nothing."""
    from pipelines.cli import main

    out = tmp_path / f"skjema{suffix}"
    assert main(["template", "--year", str(YEAR), "--out", str(out)]) == 2
    assert not out.exists() and list(tmp_path.iterdir()) == []
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and ".xlsx" in err and "Traceback" not in err
    assert f"«{suffix or out.name}»" in err and "LibreOffice" in err
