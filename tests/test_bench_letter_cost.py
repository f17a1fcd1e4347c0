"""The letter figure of `make bench` (issue 19) compares like with like: the plain document it renders against a
letter carries the letter's own words, in the same font, as a tagged PDF/A-2a, and the measurement reports both.

The letter is TEST DATA (tests/test_rendering.py). No timing is asserted: the machine is shared.
"""

from __future__ import annotations

import subprocess
from collections import Counter

from pypdf import PdfReader

from pipelines.documents import pdf, templating
from tests.benchmarks import feedback
from tests.test_rendering import letter_context


def _words(pdf: bytes) -> Counter:
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    # a word hyphenated at a line end (WeasyPrint's hyphen is U+2010) counts as the whole word
    return Counter(text.replace("\u2010\n", "").replace("-\n", "").split())


def test_plain_document_has_the_letter_s_words_as_tagged_pdfa(tmp_path):
    ctx = letter_context("nn")
    letter_html = templating.render_html("brev.html.j2", ctx, "nn")
    letter_pdf, _ = pdf.pdf_from_html(letter_html)
    plain_pdf, pages = feedback._render_plain(feedback.plain_document(letter_html))

    letter, plain = _words(letter_pdf), _words(plain_pdf)
    # every word of the plain document is in the letter, and the letter's body words are all in the plain one:
    # what the letter adds is its running header, «Side N av M» on each page and its list bullets
    assert plain and not plain - letter
    extra = letter - plain
    assert set(extra) <= {
        "Oppfølgingsbrev",
        "2013",
        "–",
        "P1-01",
        "UTKAST",
        "Eksempeldata",
        "Side",
        "av",
        "•",
        *map(str, range(1, 10)),
    }, extra
    path = tmp_path / "plain.pdf"
    path.write_bytes(plain_pdf)
    reader = PdfReader(path)
    assert len(reader.pages) == pages
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert reader.trailer["/Root"]["/Lang"] == "nn-NO"
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="2"' in xmp and 'pdfaid:conformance="A"' in xmp


def test_letter_cost_reports_both_documents_side_by_side():
    job = ("brev.html.j2", letter_context("nb"), "nb", None)
    result = feedback.letter_cost([job, job], 2)
    assert result["letters"] == 2
    assert result["letter_cpu_s"] > 0 and result["plain_cpu_s"] > 0
    assert result["ratio"] == result["letter_cpu_s"] / result["plain_cpu_s"]
    assert sum(result["letter_pages"].values()) == sum(result["plain_pages"].values()) == 2
