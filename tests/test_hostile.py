"""The hostile corpus: files built here, in tmp_path, each of which must end as a recorded issue with a
reason (or as a cleaned value), never as an exception, never running code, never touching the network.

Every file goes through the same two calls the pipeline makes:
`reading.read_file(path, landing.sniff_format(path))`.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from pipelines import landing, reading, validation
from pipelines.issues import REJECT_FILE, RULES, Issue
from schemas import form
from tests import conftest
from tools.form_writer import form_sheets, render_workbook, write_workbook

ROOT = Path(__file__).resolve().parents[1]
YEAR = 2013

# --- guard: nothing in a read may open a socket or start a process ----------------------------------

_FORBIDDEN_EVENTS = (
    "socket.connect",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "subprocess.Popen",
    "os.system",
    "os.exec",
    "os.spawn",
    "os.posix_spawn",
    "webbrowser.open",
    "urllib.Request",
)
_guard = {"on": False, "seen": []}


def _audit(event: str, args) -> None:
    if _guard["on"] and event.startswith(_FORBIDDEN_EVENTS):
        _guard["seen"].append((event, args))


sys.addaudithook(_audit)  # audit hooks cannot be removed; this one only records while a read runs


def read(path: Path) -> reading.ReadResult:
    """Read as the pipeline does, recording any network or process event, and time it."""
    _guard["on"], _guard["seen"] = True, []
    start = time.perf_counter()
    try:
        result = reading.read_file(path, landing.sniff_format(path))
    finally:
        _guard["on"] = False
    elapsed = time.perf_counter() - start
    assert _guard["seen"] == [], f"a read of {path.name} tried {_guard['seen']}"
    assert elapsed < 10, f"reading {path.name} took {elapsed:.1f} s"
    return result


def all_issues(result: reading.ReadResult) -> list[Issue]:
    return list(result.issues) + [i for s in result.submissions for i in s.issues]


def assert_rejected(result: reading.ReadResult, rule: str) -> Issue:
    """The file as a whole ends as one issue of `rule`, which rejects it, and whose message says why."""
    hits = [i for i in all_issues(result) if i.regel == rule]
    assert hits, f"expected {rule}, got {[i.regel for i in all_issues(result)]}"
    issue = hits[0]
    assert issue.alvorsgrad == REJECT_FILE
    for lang in ("nb", "nn"):
        message = issue.message(lang)
        assert RULES[rule][1 if lang == "nb" else 2].lower() in message.lower()
    issue.record()  # every issue must serialise for core_avvik
    return issue


def prosjekt_values(**over) -> dict:
    return conftest.prosjekt_values(**{"hovedfunn": "Fleire lærlingar.", **over})


INDICATORS = [
    dict(indikator="fagutdanning_andel_pst", utgangspunkt=61.0, utgangsaar=2011, maal=70, maalaar=2014, resultat=64.5)
]
TILTAK = [dict(tiltak="Lærlingordning", status="paagaar", start=dt.date(2012, 1, 1))]
RISIKO = [dict(risikofaktor="Manglande forankring", sannsynlighet=2, konsekvens=5, mottiltak="Forankring i AMU")]


def good_workbook_bytes(suffix: str = ".xlsx", **over) -> bytes:
    return render_workbook(suffix, form_sheets("nn", prosjekt_values(**over), INDICATORS, TILTAK, RISIKO))


def rezip(data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    """The same package with some parts replaced and some added."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, body in add.items():
            dst.writestr(name, body)
    return out.getvalue()


def part(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(name).decode("utf-8")


def row_of(key: str) -> int:
    return form.PROSJEKT_KEYS.index(key) + 1


def field(result: reading.ReadResult, key: str) -> str | None:
    assert len(result.submissions) == 1
    return result.submissions[0].fields[key][0]


def set_cell(sheet_xml: str, ref: str, cell_xml: str) -> str:
    new, n = re.subn(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', cell_xml, sheet_xml, count=1)
    assert n == 1, ref
    return new


# --- files that are not what they say --------------------------------------------------------------


def test_binary_csv(tmp_path):
    p = tmp_path / "2014-01-10_eksport.csv"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    issue = assert_rejected(read(p), "fil_ulesbar")
    assert issue.verdi == "binært innhald"


def test_binary_csv_without_nul(tmp_path):
    """Bytes that are not text but hold no NUL: read as Windows-1252, and rejected for the missing columns."""
    p = tmp_path / "eksport.csv"
    p.write_bytes(bytes(range(1, 256)) * 40)
    result = read(p)
    assert result.rejected and not result.submissions
    assert {i.regel for i in result.issues} == {"kolonne_mangler"}


def test_xlsx_that_is_really_csv(tmp_path):
    p = tmp_path / "2014-01-10_P1-01_arsrapport.xlsx"
    p.write_bytes(b"prosjektnummer;rapporteringsaar\nP1-01;2013\n")
    assert landing.sniff_format(p) == "ukjent"
    issue = assert_rejected(read(p), "fil_ulesbar")
    assert issue.verdi == ".xlsx" and issue.expected("nb").startswith("et regneark")


def test_csv_that_is_really_xlsx_is_read_as_workbook(tmp_path):
    """The bytes decide, not the name: a workbook saved as .csv is read as the workbook it is."""
    p = tmp_path / "rapport.csv"
    p.write_bytes(good_workbook_bytes())
    assert landing.sniff_format(p) == "xlsx"
    result = read(p)
    assert not result.rejected
    assert field(result, "prosjektnummer") == "P1-01"


def test_unknown_type(tmp_path):
    p = tmp_path / "rapport.pdf"
    p.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    issue = assert_rejected(read(p), "fil_feil_type")
    assert issue.verdi == ".pdf"


@pytest.mark.parametrize("name", ["tom.csv", "tom.xlsx", "tom.xls", "tom.ods", "tom"])
def test_empty_file(tmp_path, name):
    p = tmp_path / name
    p.write_bytes(b"")
    assert_rejected(read(p), "fil_tom")


def test_whitespace_only_csv(tmp_path):
    p = tmp_path / "tom.csv"
    p.write_bytes(b"\r\n \r\n\t\n")
    assert_rejected(read(p), "fil_tom")


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm", ".ods", ".xls"])
@pytest.mark.parametrize("keep", [0.1, 0.4, 0.9])
def test_truncated_workbook(tmp_path, suffix, keep):
    data = good_workbook_bytes(suffix)
    p = tmp_path / f"avbrote{suffix}"
    p.write_bytes(data[: int(len(data) * keep)])
    result = read(p)
    assert result.rejected and not result.submissions
    assert_rejected(result, "fil_ulesbar")


def test_zip_with_garbage_members(tmp_path):
    """A zip that claims to be a workbook (xl/workbook.xml present) but whose XML is not XML."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", b"\x00\x01 not xml")
        zf.writestr("xl/workbook.xml", b"<workbook><sheets><sheet")
    p = tmp_path / "rot.xlsx"
    p.write_bytes(out.getvalue())
    result = read(p)
    assert result.rejected and not result.submissions


# --- limits ----------------------------------------------------------------------------------


def test_zip_bomb(tmp_path):
    """A small file that unpacks to more than 50 MB is refused before any XML is parsed."""
    data = good_workbook_bytes()
    bomb = b"<!-- " + b" " * (60 * 1024 * 1024) + b" -->"
    p = tmp_path / "bombe.xlsx"
    p.write_bytes(rezip(data, add={"xl/media/padding.xml": bomb}))
    assert p.stat().st_size < 1024 * 1024
    issue = assert_rejected(read(p), "fil_for_stor")
    assert "50 MB" in issue.message("nb")


def test_zip_bomb_ods(tmp_path):
    data = good_workbook_bytes(".ods")
    p = tmp_path / "bombe.ods"
    p.write_bytes(rezip(data, add={"Pictures/padding.xml": b"0" * (55 * 1024 * 1024)}))
    assert_rejected(read(p), "fil_for_stor")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".xls"])
def test_file_over_size_limit(tmp_path, suffix):
    """A file larger than landing.MAX_FILE_BYTES is refused unread (100 MB here, sparse on disk)."""
    p = tmp_path / f"stor{suffix}"
    with p.open("wb") as fh:
        fh.write(good_workbook_bytes(suffix) if suffix != ".csv" else b"prosjektnummer,rapporteringsaar\n")
        fh.truncate(100 * 1024 * 1024)
    assert p.stat().st_size > landing.MAX_FILE_BYTES
    issue = assert_rejected(read(p), "fil_for_stor")
    assert issue.verdi == "100 MB"


def test_file_just_under_size_limit_is_read(tmp_path):
    p = tmp_path / "eksport.csv"
    header = ",".join(form.CSV_COLUMNS)
    row = ",".join("" for _ in form.CSV_COLUMNS)
    p.write_text(header + "\n" + row + "\n" + " " * 1024, encoding="utf-8")
    assert p.stat().st_size < landing.MAX_FILE_BYTES
    assert not any(i.regel == "fil_for_stor" for i in all_issues(read(p)))


def test_ten_thousand_indicator_rows(tmp_path):
    rows = [
        dict(
            indikator=f"Eigen indikator {n}",
            enhet="tal",
            utgangspunkt=n,
            utgangsaar=2011,
            maal=n + 1,
            maalaar=2014,
            resultat=n,
        )
        for n in range(10_000)
    ]
    p = tmp_path / "mange.xlsx"
    write_workbook(p, form_sheets("nn", prosjekt_values(), rows, TILTAK, RISIKO))
    result = read(p)
    hits = [i for i in all_issues(result) if i.regel == "for_mange_rader"]
    assert hits and hits[0].ark == "Indikatorar" and hits[0].alvorsgrad == REJECT_FILE
    assert all(not s.indikatorer for s in result.submissions)


def test_rows_beyond_the_table_limit_but_under_the_sheet_limit(tmp_path):
    rows = [dict(indikator=f"Eigen indikator {n}", enhet="tal", resultat=n) for n in range(reading.MAX_TABLE_ROWS + 1)]
    p = tmp_path / "mange.xlsx"
    write_workbook(p, form_sheets("nb", prosjekt_values(), rows, TILTAK, RISIKO))
    hits = [i for i in all_issues(read(p)) if i.regel == "for_mange_rader"]
    assert hits and hits[0].ark == "Indikatorer"


def test_far_away_cell(tmp_path):
    """One cell at the bottom of the sheet makes it a million rows tall: refused, not materialised."""
    data = good_workbook_bytes()
    sheet = part(data, "xl/worksheets/sheet2.xml")
    sheet = sheet.replace("</sheetData>", '<row r="1048576"><c r="A1048576"><v>1</v></c></row></sheetData>')
    sheet = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:H1048576"/>', sheet)
    p = tmp_path / "langt.xlsx"
    p.write_bytes(rezip(data, replace={"xl/worksheets/sheet2.xml": sheet.encode()}))
    hits = [i for i in all_issues(read(p)) if i.regel == "for_mange_rader"]
    assert hits


def test_ten_thousand_csv_rows(tmp_path):
    p = tmp_path / "eksport.csv"
    lines = [",".join(form.CSV_COLUMNS)]
    lines += [f"P1-{n:02d},1426,Luster,2013" + "," * (len(form.CSV_COLUMNS) - 4) for n in range(10_000)]
    p.write_text("\n".join(lines), encoding="utf-8")
    result = read(p)
    assert_rejected(result, "for_mange_rader")
    assert len(result.submissions) <= reading.MAX_CSV_ROWS


# --- what a workbook carries must never run ----------------------------------------------------------


EXTERNAL_LINK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<externalBook r:id="rId1"><sheetNames><sheetName val="Ark1"/></sheetNames>
<sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1" t="str"><v>fra lenka</v></cell></row></sheetData>
</sheetDataSet></externalBook></externalLink>"""
EXTERNAL_LINK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath"
 Target="{target}" TargetMode="External"/></Relationships>"""


def hostile_formula_workbook(tmp_path: Path, suffix: str = ".xlsx") -> Path:
    data = good_workbook_bytes(suffix)
    secret = tmp_path / "hemmeleg.txt"
    secret.write_text("SECRET", encoding="utf-8")
    sheet = part(data, "xl/worksheets/sheet1.xml")
    # a formula with its cached value: the value is read, the formula is not evaluated
    sheet = set_cell(
        sheet,
        f"B{row_of('hovedfunn')}",
        f'<c r="B{row_of("hovedfunn")}" t="str"><f>HYPERLINK("http://example.com")</f><v>http://example.com</v></c>',
    )
    # DDE without a cached value: nothing to read, nothing run
    sheet = set_cell(
        sheet, f"B{row_of('godt_eksempel')}", f"<c r=\"B{row_of('godt_eksempel')}\"><f>cmd|' /C calc'!A0</f></c>"
    )
    # a reference into the external workbook, with its cached value
    sheet = set_cell(
        sheet,
        f"B{row_of('godkjent_av')}",
        f'<c r="B{row_of("godkjent_av")}" t="str"><f>[1]Ark1!A1</f><v>fra lenka</v></c>',
    )
    # WEBSERVICE and a file reference without cached values
    sheet = set_cell(
        sheet,
        f"B{row_of('prosjektleder')}",
        f'<c r="B{row_of("prosjektleder")}" t="str"><f>WEBSERVICE("http://example.com/x")</f></c>',
    )
    sheet = set_cell(
        sheet,
        f"B{row_of('kommune')}",
        f'<c r="B{row_of("kommune")}" t="str"><f>\'file:///{secret}\'#$A$1</f><v>Luster</v></c>',
    )
    wb = part(data, "xl/workbook.xml").replace(
        "</sheets>", '</sheets><externalReferences><externalReference r:id="rId99"/></externalReferences>'
    )
    rels = part(data, "xl/_rels/workbook.xml.rels").replace(
        "</Relationships>",
        '<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'externalLink" Target="externalLinks/externalLink1.xml"/></Relationships>',
    )
    ct = part(data, "[Content_Types].xml").replace(
        "</Types>",
        '<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>',
    )
    hostile = rezip(
        data,
        replace={
            "xl/worksheets/sheet1.xml": sheet.encode(),
            "xl/workbook.xml": wb.encode(),
            "xl/_rels/workbook.xml.rels": rels.encode(),
            "[Content_Types].xml": ct.encode(),
        },
        add={
            "xl/externalLinks/externalLink1.xml": EXTERNAL_LINK.encode(),
            "xl/externalLinks/_rels/externalLink1.xml.rels": EXTERNAL_LINK_RELS.format(
                target=f"file:///{secret}"
            ).encode(),
            "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
        },
    )
    p = tmp_path / f"formlar{suffix}"
    p.write_bytes(hostile)
    return p


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm"])
def test_formulas_and_external_links_are_read_as_cached_values(tmp_path, suffix):
    p = hostile_formula_workbook(tmp_path, suffix)
    result = read(p)
    assert not result.rejected
    assert field(result, "hovedfunn") == "http://example.com"  # the cached value, as text
    assert field(result, "godt_eksempel") is None  # no cached value: empty, nothing run
    assert field(result, "godkjent_av") == "fra lenka"  # cached, not fetched
    assert field(result, "prosjektleder") is None  # WEBSERVICE never called
    assert field(result, "kommune") == "Luster"
    assert "SECRET" not in repr(result)
    assert field(result, "prosjektnummer") == "P1-01"  # the rest of the submission is read


def test_formulas_validate_to_findings_not_crashes(tmp_path):
    result = read(hostile_formula_workbook(tmp_path))
    v = validate([("f", result)])
    sub = v.innsendinger.iloc[0]
    assert sub["godkjent"]
    rules = {(i.regel, i.felt) for _sid, i in v.issues}
    assert ("felt_mangler", "prosjektleder") in rules  # the empty formula cell is a finding, not a value


LOL = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10))
    + "]>\n"
)
XXE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
)


def _with_doctype(xml: str, doctype: str) -> str:
    return doctype + xml.split("?>", 1)[1].lstrip()


@pytest.mark.parametrize(
    "target",
    [
        "xl/sharedStrings.xml",
        "xl/worksheets/sheet1.xml",
        "xl/styles.xml",
        "xl/workbook.xml",
        "xl/worksheets/sheet2.xml",
    ],
)
def test_billion_laughs(tmp_path, target):
    """Entities declared in a DOCTYPE are never expanded, in any part of the package."""
    data = good_workbook_bytes()
    xml = _with_doctype(part(data, target), LOL)
    if target == "xl/sharedStrings.xml":
        xml = xml.replace("Fleire lærlingar.", "&lol9;")
    p = tmp_path / "lol.xlsx"
    p.write_bytes(rezip(data, replace={target: xml.encode()}))
    result = read(p)  # within the time limit of `read`
    assert "lollollol" not in repr(result)
    for issue in all_issues(result):
        issue.record()
    if result.submissions:
        assert (field(result, "hovedfunn") or "").count("lol") <= 1


def test_external_entity_is_not_fetched(tmp_path):
    secret = tmp_path / "hemmeleg.txt"
    secret.write_text("SECRET", encoding="utf-8")
    data = good_workbook_bytes()
    xml = _with_doctype(part(data, "xl/sharedStrings.xml"), XXE.replace("{secret}", str(secret)))
    xml = xml.replace("Fleire lærlingar.", "&xxe;")
    p = tmp_path / "xxe.xlsx"
    p.write_bytes(rezip(data, replace={"xl/sharedStrings.xml": xml.encode()}))
    assert "SECRET" not in repr(read(p))


def test_percent_styles_with_entities_are_not_expanded(tmp_path):
    """The one place the reader parses XML itself (percentage styles) goes through defusedxml."""
    data = render_workbook(
        ".xlsx", form_sheets("nb", prosjekt_values(), INDICATORS, TILTAK, RISIKO), [("Indikatorer", 1, 6)]
    )
    styles = _with_doctype(part(data, "xl/styles.xml"), LOL)
    p = tmp_path / "pct.xlsx"
    p.write_bytes(rezip(data, replace={"xl/styles.xml": styles.encode()}))
    assert reading._percent_cells(p, "Indikatorer") == set()
    read(p)


# --- free text -----------------------------------------------------------------------------------


HOSTILE_TEXT = "Fleire lærlingar <script>alert('x')</script> \u202eslutt\u200f og <b>feit</b>\x07\x1b[31m"


def test_script_and_bidi_in_workbook_text_kept_then_cleaned(tmp_path):
    p = tmp_path / "tekst.xlsx"
    write_workbook(
        p,
        form_sheets(
            "nn",
            prosjekt_values(hovedfunn=HOSTILE_TEXT, prosjektleder="Kari\u200f Li\u202e"),
            INDICATORS,
            TILTAK,
            RISIKO,
        ),
    )
    result = read(p)
    raw = field(result, "hovedfunn")
    assert "<script>alert('x')</script>" in raw  # read as text, exactly
    v = validate([("x", result)])
    row = v.innsendinger.iloc[0]
    assert row["hovedfunn"] == "Fleire lærlingar <script>alert('x')</script> slutt og <b>feit</b>[31m"
    assert row["prosjektleder"] == "Kari Li"
    assert row["godkjent"]


def test_control_characters_in_csv_text_cleaned(tmp_path):
    header = list(form.CSV_COLUMNS)
    values = {k: "" for k in header}
    values.update(
        prosjektnummer="P1-01",
        kommunenummer="1426",
        kommune="Luster",
        rapporteringsaar="2013",
        prosjektnavn="Luster\x01\x0b prosjekt",
        hovedfunn=HOSTILE_TEXT + "\x7f\x85",
        godkjent_av="\u202bOla Rå\u202c",
    )
    buf = io.StringIO(newline="")
    import csv

    w = csv.writer(buf, delimiter=";")
    w.writerow(header)
    w.writerow([values[k] for k in header])
    p = tmp_path / "eksport.csv"
    p.write_bytes(buf.getvalue().encode("utf-8"))
    result = read(p)
    assert not result.rejected and len(result.submissions) == 1
    v = validate([("c", result)])
    row = v.innsendinger.iloc[0]
    assert row["prosjektnavn"] == "Luster prosjekt"
    assert row["hovedfunn"] == "Fleire lærlingar <script>alert('x')</script> slutt og <b>feit</b>[31m"
    assert row["godkjent_av"] == "Ola Rå"


def test_text_only_of_marks_is_empty(tmp_path):
    p = tmp_path / "tekst.xlsx"
    write_workbook(p, form_sheets("nb", prosjekt_values(godkjent_av="\u200f\u202e\u200b"), INDICATORS, TILTAK, RISIKO))
    v = validate([("m", read(p))])
    assert pd.isna(v.innsendinger.iloc[0]["godkjent_av"])
    assert ("felt_mangler", "godkjent_av") in {(i.regel, i.felt) for _sid, i in v.issues}


def test_very_long_text_is_cut_with_a_finding(tmp_path):
    p = tmp_path / "lang.xlsx"
    write_workbook(p, form_sheets("nb", prosjekt_values(hovedfunn="å" * 30_000), INDICATORS, TILTAK, RISIKO))
    v = validate([("l", read(p))])
    assert len(v.innsendinger.iloc[0]["hovedfunn"]) == form.LONGTEXT_MAX
    assert "tekst_for_lang" in {i.regel for _sid, i in v.issues}


# --- validation helper: the raw frames as the reading asset builds them -------------------------------


def register() -> dict[str, pd.DataFrame]:
    ref = ROOT / "data" / "reference"
    return {
        "prosjekt": pd.read_csv(ref / "prosjekt.csv", dtype=str),
        "kommuner": pd.read_csv(ref / "kommuner.csv", dtype=str),
    }


def validate(results: list[tuple[str, reading.ReadResult]], year: int = YEAR) -> validation.Validated:
    read = [
        (
            landing.LandedFile(
                filnavn=sha, sha256=sha, storrelse_bytes=0, mottatt_dato=dt.date(2014, 1, 15), format="x", arkivsti=sha
            ),
            result,
        )
        for sha, result in results
    ]
    return validation.validate_year(year, reading.raw_frames(read), register())
