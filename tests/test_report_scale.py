"""The annual report is bounded: at three times the projects it has at most two more pages.

The same generated inbox (`samanom sample`) at scale 1 and 3, for one year, run through the real Dagster
stages up to the annual report (the letters are left out: they are not what is measured and take the
longest). The report summarises per pool, network and theme once a list would pass a page, so its length
follows the networks and themes, which do not grow with the scale, while a list of projects (the risks
without mitigation, the repayments, the reports not received) would grow three times over. Scale 10 and 100 (at most 1.3 times the pages) are measured by `make bench`,
as they take minutes.
"""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader

from tests.benchmarks.pipeline import STAGES, Year

YEAR = 2013
STAGES_TO_REPORT = tuple(s for s in STAGES if s != "letters")


def report_pages(work: Path, scale: int) -> tuple[int, Path]:
    from tools.sample_inbox import generate_inbox

    inbox, out = work / f"skala-{scale}" / "inbox", work / f"skala-{scale}" / "out"
    manifest = generate_inbox(inbox, [YEAR], scale=scale)
    register = inbox / manifest["register_dir"] if manifest["register_dir"] else None
    year = Year(inbox, out, YEAR, register)
    try:
        rows = year.run(f"skala {scale}", stages=STAGES_TO_REPORT)
    finally:
        year.close()
    assert all(r["success"] for r in rows), [r for r in rows if not r["success"]]
    path = out / str(YEAR) / f"arsrapport-{YEAR}.pdf"
    return len(PdfReader(path).pages), path


def test_report_at_scale_3_has_at_most_two_more_pages_than_at_scale_1(tmp_path):
    pages_1, _ = report_pages(tmp_path, 1)
    pages_3, path = report_pages(tmp_path, 3)
    assert pages_3 <= pages_1 + 2, (pages_1, pages_3, path)
