"""Reading: a landed file into raw submissions, every value as the text it holds.

Workbooks are read with python-calamine (cached cell values only: no macro,
formula, external link or entity is ever evaluated or fetched). CSV exports
are decoded as UTF-8 (with or without BOM) or else Windows-1252. Nothing here
judges a value; that is validation's job. What cannot be read at all becomes
an `Issue`, never an exception.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pandas as pd
import python_calamine
from defusedxml import ElementTree as SafeET

from pipelines.issues import Issue
from pipelines.landing import MAX_FILE_BYTES
from schemas import form

MAX_TABLE_ROWS = 500  # the form has room for a few dozen rows; 500 is generous
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # zip-bomb guard before any XML is parsed
MAX_CSV_ROWS = 5000
INDICATOR_VALUES = ("utgangspunkt", "utgangsaar", "maal", "maalaar", "resultat")
RAW_TABLES = {"indikatorer": form.INDIKATOR_COLUMNS, "tiltak": form.TILTAK_COLUMNS, "risiko": form.RISIKO_COLUMNS}


@dataclass
class RawSubmission:
    """One project's report as read: a workbook, or one row of a CSV export."""

    kilde_rad: int | None  # CSV line (header = 1); None for a workbook
    skjemaform: str | None  # nb | nn as the labels say; None for CSV
    fields: dict[str, tuple[str | None, str | None, int | None]] = field(
        default_factory=dict
    )  # key -> (value, ark, rad)
    indikatorer: list[dict] = field(default_factory=list)  # column key -> text, plus ark, rad
    tiltak: list[dict] = field(default_factory=list)
    risiko: list[dict] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    rejected: bool = False


@dataclass
class ReadResult:
    submissions: list[RawSubmission] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)  # about the file as a whole

    @property
    def rejected(self) -> bool:
        return any(i.alvorsgrad == "avvis_fil" for i in self.issues)


def read_file(path: Path, fmt: str) -> ReadResult:
    try:
        size = path.stat().st_size
        if size == 0:
            return ReadResult(issues=[Issue("fil_tom")])
        if size > MAX_FILE_BYTES:
            return ReadResult(
                issues=[
                    Issue(
                        "fil_for_stor",
                        verdi=f"{size / 1024 / 1024:.0f} MB",
                        forventet=f"under {MAX_FILE_BYTES // (1024 * 1024)} MB",
                    )
                ]
            )
        if fmt == "csv":
            return read_csv_export(path)
        if fmt in {"xlsx", "xlsm", "xls", "ods"}:
            return read_workbook(path, fmt)
        if path.suffix.lower() in {".xlsx", ".xlsm", ".xls", ".ods"}:
            return ReadResult(issues=[Issue("fil_ulesbar", verdi=path.suffix, forventet="rekneark")])
        return ReadResult(
            issues=[
                Issue("fil_feil_type", verdi=path.suffix or path.name, forventet=".xlsx, .xls, .ods, .xlsm eller .csv")
            ]
        )
    except BaseException as exc:  # a broken file must end as a rejection, never as a crashed run
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        # calamine's Rust panics (e.g. a truncated .xls) arrive as pyo3 PanicException, a BaseException
        return ReadResult(issues=[Issue("fil_ulesbar", verdi=type(exc).__name__)])


def submission_id(sha256: str, kilde_rad: int | None) -> str:
    """A workbook is one submission; each row of a CSV export is one more."""
    return sha256[:16] + (f"-L{kilde_rad}" if kilde_rad else "")


def raw_frames(read: Iterable[tuple[object, ReadResult]]) -> dict[str, pd.DataFrame]:
    """The `raw_*` tables of what was read: every value as text with its place, and every problem.

    Each file is anything with `sha256`, `filnavn`, `format` and `mottatt_dato` (a row of
    `raw_filer`, or a `landing.LandedFile`).
    """
    subs, felt, problems = [], [], []
    tables: dict[str, list[dict]] = {t: [] for t in RAW_TABLES}

    def problem(f, sid, issue: Issue) -> dict:
        return {
            "sha256": f.sha256,
            "filnavn": f.filnavn,
            "innsending_id": sid,
            "regel": issue.regel,
            "alvor": issue.alvor,
            "ark": issue.ark,
            "rad": issue.rad,
            "felt": issue.felt,
            "verdi": issue.verdi,
            "forventet": issue.forventet,
        }

    for f, result in read:
        problems += [problem(f, None, issue) for issue in result.issues]
        for sub in result.submissions:
            sid = submission_id(f.sha256, sub.kilde_rad)
            subs.append(
                {
                    "innsending_id": sid,
                    "sha256": f.sha256,
                    "filnavn": f.filnavn,
                    "kilde_rad": sub.kilde_rad,
                    "skjemaform": sub.skjemaform,
                    "format": f.format,
                    "mottatt_dato": f.mottatt_dato,
                }
            )
            felt += [
                {"innsending_id": sid, "felt": k, "verdi": v, "ark": ark, "rad": rad}
                for k, (v, ark, rad) in sub.fields.items()
            ]
            for name in RAW_TABLES:
                tables[name] += [{"innsending_id": sid, **row} for row in getattr(sub, name)]
            problems += [problem(f, sid, issue) for issue in sub.issues]
    frames = {
        "innsendinger": pd.DataFrame(
            subs, columns=["innsending_id", "sha256", "filnavn", "kilde_rad", "skjemaform", "format", "mottatt_dato"]
        ),
        "felt": pd.DataFrame(felt, columns=["innsending_id", "felt", "verdi", "ark", "rad"]),
        "lesefeil": pd.DataFrame(
            problems,
            columns=[
                "sha256",
                "filnavn",
                "innsending_id",
                "regel",
                "alvor",
                "ark",
                "rad",
                "felt",
                "verdi",
                "forventet",
            ],
        ),
    }
    for name, columns in RAW_TABLES.items():
        frames[name] = pd.DataFrame(tables[name], columns=["innsending_id", "ark", "rad"] + [c.key for c in columns])
    return frames


def raw_rows_of_files(frames: dict[str, pd.DataFrame], shas: set[str]) -> dict[str, pd.DataFrame]:
    """The rows of the `raw_*` tables (as `raw_frames` gives them) that came from the files `shas`."""
    subs = frames["innsendinger"][frames["innsendinger"]["sha256"].isin(shas)]
    ids = set(subs["innsending_id"])
    kept = {"innsendinger": subs, "lesefeil": frames["lesefeil"][frames["lesefeil"]["sha256"].isin(shas)]}
    for name in ("felt", *RAW_TABLES):
        kept[name] = frames[name][frames[name]["innsending_id"].isin(ids)]
    return kept


# --- cell values -------------------------------------------------------------


def cell_text(value: object) -> str | None:
    """The text a person would read in the cell (decimal point, ISO dates)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "Ja" if value else "Nei"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(round(value, 10))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    text = str(value).strip()
    return text or None


def percent_text(value: object) -> str | None:
    """An Excel percentage cell holds 0.084 and shows 8,4 %: keep what it shows, with the decimal comma
    a Norwegian office suite shows, so that a message quotes the value as the person saw it (0.35 → «35 %»)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{round(float(value) * 100, 8):g} %".replace(".", ",")
    return cell_text(value)


# --- workbooks -----------------------------------------------------------------


def _check_zip(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        total = sum(info.file_size for info in zf.infolist())
        if total > MAX_UNZIPPED_BYTES:
            raise ValueError("unzipped size over limit")


def read_workbook(path: Path, fmt: str) -> ReadResult:
    if fmt in {"xlsx", "xlsm", "ods"}:
        try:
            _check_zip(path)
        except ValueError:
            return ReadResult(issues=[Issue("fil_for_stor", verdi="utpakka > 50 MB", forventet="under 50 MB")])
    try:
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        return ReadResult(issues=[Issue("fil_ulesbar", verdi=type(exc).__name__)])
    sheets = {form.normalise_label(name): name for name in wb.sheet_names}

    def find(names: tuple[str, str]) -> str | None:
        for n in names:
            if form.normalise_label(n) in sheets:
                return sheets[form.normalise_label(n)]
        return None

    prosjekt_sheet = find(form.SHEET_PROSJEKT)
    if prosjekt_sheet is None:
        return ReadResult(issues=[Issue("prosjektark_mangler", ark=form.SHEET_PROSJEKT[0])])

    sub = RawSubmission(kilde_rad=None, skjemaform=None)
    nn_votes = nb_votes = 0

    rows = _rows(wb, prosjekt_sheet)
    if rows is None:
        return ReadResult(
            issues=[Issue("for_mange_rader", ark=prosjekt_sheet, forventet=f"under {MAX_TABLE_ROWS} rader")]
        )
    labels = _label_index(form.PROSJEKT_FIELDS)
    for r, row in enumerate(rows, start=1):
        label = cell_text(row[0]) if row else None
        value = cell_text(row[1]) if len(row) > 1 else None
        if label is None:
            continue
        key, votes = labels.get(form.normalise_label(label), (None, None))
        if key is None:
            if value is not None:
                sub.issues.append(Issue("ukjent_felt", ark=prosjekt_sheet, rad=r, felt=label, verdi=value))
            continue
        nn_votes += votes == "nn"
        nb_votes += votes == "nb"
        if key not in sub.fields:
            sub.fields[key] = (value, prosjekt_sheet, r)

    ind_sheet = find(form.SHEET_INDIKATORER)
    if ind_sheet is not None:
        nn_votes += form.normalise_label(ind_sheet) == form.normalise_label(form.SHEET_INDIKATORER[1])
        sub.indikatorer = _table(wb, path, fmt, ind_sheet, form.INDIKATOR_COLUMNS, sub.issues, percent_aware=True)
    else:
        sub.issues.append(Issue("ark_mangler", ark=form.SHEET_INDIKATORER[0]))
    for names, columns, target in (
        (form.SHEET_TILTAK, form.TILTAK_COLUMNS, "tiltak"),
        (form.SHEET_RISIKO, form.RISIKO_COLUMNS, "risiko"),
    ):
        name = find(names)
        if name is None:
            sub.issues.append(Issue("ark_mangler", ark=names[0]))
            continue
        setattr(sub, target, _table(wb, path, fmt, name, columns, sub.issues))
    sub.skjemaform = "nn" if nn_votes > nb_votes else "nb"
    # a missing sheet is named as the form of the rest of the workbook names it
    fi = form.FORMS.index(sub.skjemaform)
    names = {n[0]: n[fi] for n in (form.SHEET_INDIKATORER, form.SHEET_TILTAK, form.SHEET_RISIKO)}
    sub.issues = [
        dataclasses.replace(i, ark=names.get(i.ark, i.ark)) if i.regel == "ark_mangler" else i for i in sub.issues
    ]
    return ReadResult(submissions=[sub])


def _rows(wb, sheet_name: str) -> list[list] | None:
    sheet = wb.get_sheet_by_name(sheet_name)
    if sheet.height > MAX_TABLE_ROWS * 4:
        return None
    return sheet.to_python(skip_empty_area=False)


def _label_index(items) -> dict[str, tuple[str, str]]:
    """normalised label -> (key, 'nb'|'nn'|'both')."""
    index: dict[str, tuple[str, str]] = {}
    for item in items:
        nb, nn = form.normalise_label(item.nb), form.normalise_label(item.nn)
        if nb == nn:
            index[nb] = (item.key, "both")
        else:
            index[nb] = (item.key, "nb")
            index[nn] = (item.key, "nn")
    return index


def _table(
    wb, path: Path, fmt: str, sheet_name: str, columns, issues: list[Issue], percent_aware: bool = False
) -> list[dict]:
    rows = _rows(wb, sheet_name)
    if rows is None:
        issues.append(Issue("for_mange_rader", ark=sheet_name, forventet=f"under {MAX_TABLE_ROWS} rader"))
        return []
    header_at = next((i for i, row in enumerate(rows) if any(cell_text(c) for c in row)), None)
    if header_at is None:
        return []
    index = _label_index(columns)
    positions: dict[str, int] = {}
    for c, cell in enumerate(rows[header_at]):
        hit = index.get(form.normalise_label(cell_text(cell) or ""))
        if hit and hit[0] not in positions:
            positions[hit[0]] = c
    first_column = columns[0].key
    needed = [c.key for c in columns if c.key != "kommentar"]
    missing = [k for k in needed if k not in positions]
    if missing:
        for key in missing:  # the message names the column by its label in the reader's language form
            issues.append(Issue("kolonne_mangler", ark=sheet_name, rad=header_at + 1, felt=key))
        if first_column in missing:
            return []
    percent_cells = set()
    if percent_aware and fmt in {"xlsx", "xlsm"}:
        percent_cells = _percent_cells(path, sheet_name)
    elif percent_aware and fmt == "ods":
        percent_cells = _ods_percent_cells(path, sheet_name)
    elif percent_aware and fmt == "xls":
        percent_cells = _xls_percent_cells(path, sheet_name)
    out = []
    body = rows[header_at + 1 :]
    if len([r for r in body if any(cell_text(c) for c in r)]) > MAX_TABLE_ROWS:
        issues.append(Issue("for_mange_rader", ark=sheet_name, forventet=f"under {MAX_TABLE_ROWS} rader"))
        return []
    for offset, row in enumerate(body):
        r = header_at + 2 + offset
        record: dict = {"ark": sheet_name, "rad": r}
        for key, c in positions.items():
            raw = row[c] if c < len(row) else None
            record[key] = percent_text(raw) if (r - 1, c) in percent_cells else cell_text(raw)
        if all(record.get(k) is None for k in positions):
            continue
        if percent_aware and all(record.get(k) is None for k in INDICATOR_VALUES):
            continue  # a standard row the project left unused: label and unit only
        out.append(record)
    return out


def _percent_cells(path: Path, sheet_name: str) -> set[tuple[int, int]]:
    """(row0, col0) of cells with a percentage number format in an xlsx sheet.

    calamine gives values without formats, so the styles are read here from
    the package's XML (defusedxml: no entity expansion, no external fetch).
    """
    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "p": "http://schemas.openxmlformats.org/package/2006/relationships",
    }
    try:
        with zipfile.ZipFile(path) as zf:
            wbx = SafeET.fromstring(zf.read("xl/workbook.xml"))
            rid = next(
                (
                    s.get(f"{{{ns['r']}}}id")
                    for s in wbx.iterfind("m:sheets/m:sheet", ns)
                    if s.get("name") == sheet_name
                ),
                None,
            )
            rels = SafeET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
            target = next((r.get("Target") for r in rels.iterfind("p:Relationship", ns) if r.get("Id") == rid), None)
            if target is None or "xl/styles.xml" not in zf.namelist():
                return set()
            target = target.lstrip("/")
            target = target if target.startswith("xl/") else f"xl/{target}"
            styles = SafeET.fromstring(zf.read("xl/styles.xml"))
            custom = {
                int(n.get("numFmtId")): n.get("formatCode", "") for n in styles.iterfind("m:numFmts/m:numFmt", ns)
            }
            percent_styles = set()
            for i, xf in enumerate(styles.iterfind("m:cellXfs/m:xf", ns)):
                fid = int(xf.get("numFmtId", "0"))
                if fid in (9, 10) or "%" in _unquoted(custom.get(fid, "")):
                    percent_styles.add(str(i))
            if not percent_styles:
                return set()
            sheet = SafeET.fromstring(zf.read(target))
            cells = set()
            for c in sheet.iterfind(".//m:sheetData/m:row/m:c", ns):
                if c.get("s") in percent_styles and c.get("t") in (None, "n"):
                    cells.add(_ref_to_index(c.get("r", "")))
            return cells
    except (KeyError, zipfile.BadZipFile, SafeET.ParseError, ValueError, StopIteration):
        return set()


def _xls_percent_cells(path: Path, sheet_name: str) -> set[tuple[int, int]]:
    """(row0, col0) of percentage-formatted number cells in an old .xls sheet.

    calamine gives no formats for .xls, so xlrd reads the BIFF format records
    (it only parses; .xls macros and formulas are never run).
    """
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
        try:
            sheet = book.sheet_by_name(sheet_name)
            percent_xf = {
                i
                for i, xf in enumerate(book.xf_list)
                if "%"
                in _unquoted(book.format_map.get(xf.format_key).format_str if xf.format_key in book.format_map else "")
            }
            return {
                (r, c)
                for r in range(sheet.nrows)
                for c in range(sheet.ncols)
                if sheet.cell_type(r, c) == xlrd.XL_CELL_NUMBER and sheet.cell_xf_index(r, c) in percent_xf
            }
        finally:
            book.release_resources()
    except Exception:  # the values are still read by calamine; only the percent reading is lost
        return set()


def _ods_percent_cells(path: Path, sheet_name: str) -> set[tuple[int, int]]:
    """(row0, col0) of the cells of an .ods sheet whose value type is a percentage (defusedxml)."""
    t = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    try:
        with zipfile.ZipFile(path) as zf:
            content = SafeET.fromstring(zf.read("content.xml"))
        table = next((e for e in content.iter(f"{{{t}}}table") if e.get(f"{{{t}}}name") == sheet_name), None)
        if table is None:
            return set()
        cells, r = set(), 0
        for row in table.iter(f"{{{t}}}table-row"):
            c = 0
            for cell in row:
                if cell.tag not in (f"{{{t}}}table-cell", f"{{{t}}}covered-table-cell"):
                    continue
                span = int(cell.get(f"{{{t}}}number-columns-repeated", "1"))
                if cell.get(f"{{{office}}}value-type") == "percentage":
                    cells.update((r, c + k) for k in range(min(span, 1000)))
                c += span
            r += int(row.get(f"{{{t}}}number-rows-repeated", "1"))
            if r > MAX_TABLE_ROWS * 4:
                break
        return cells
    except (KeyError, zipfile.BadZipFile, SafeET.ParseError, ValueError):
        return set()


def _unquoted(fmt: str) -> str:
    parts = fmt.split('"')
    return "".join(parts[::2])


def _ref_to_index(ref: str) -> tuple[int, int]:
    letters = "".join(ch for ch in ref if ch.isalpha())
    digits = "".join(ch for ch in ref if ch.isdigit())
    col = 0
    for ch in letters.upper():
        col = col * 26 + (ord(ch) - 64)
    return int(digits) - 1, col - 1


# --- CSV exports ---------------------------------------------------------------


def decode_csv(data: bytes) -> tuple[str, str]:
    """UTF-8 (a BOM is dropped) when the bytes are valid UTF-8, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def read_csv_export(path: Path) -> ReadResult:
    data = path.read_bytes()
    if not data.strip():
        return ReadResult(issues=[Issue("fil_tom")])
    if b"\x00" in data[:4096]:
        return ReadResult(issues=[Issue("fil_ulesbar", verdi="binært innhald", forventet="tekst (CSV)")])
    text, _encoding = decode_csv(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return ReadResult(issues=[Issue("fil_ulesbar")])
    keys = [form.normalise_label(h).replace("\ufeff", "") for h in header]
    known = set(form.CSV_COLUMNS)
    result = ReadResult()
    for required in ("prosjektnummer", "rapporteringsaar"):
        if required not in keys:
            result.issues.append(Issue("kolonne_mangler", rad=1, felt=required))
    if result.issues:  # without these columns no row can be placed
        result.issues = [
            Issue(i.regel, rad=1, felt=i.felt, forventet=i.forventet, alvor="avvis_fil") for i in result.issues
        ]
        return result
    for c, key in enumerate(keys):
        if key and key not in known:
            result.issues.append(Issue("ukjent_felt", rad=1, felt=header[c]))
    line = 1
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(result.submissions) >= MAX_CSV_ROWS:
            result.issues.append(Issue("for_mange_rader", forventet=f"under {MAX_CSV_ROWS} rader"))
            return result
        sub = RawSubmission(kilde_rad=line, skjemaform=None)
        if len(row) != len(keys):  # a delimiter inside an unquoted value shifts every later column
            sub.issues.append(Issue("csv_feil_kolonnetall", rad=line, verdi=str(len(row)), forventet=f"{len(keys)}"))
        values = {key: (row[c].strip() or None) if c < len(row) else None for c, key in enumerate(keys)}
        for f in form.PROSJEKT_FIELDS:
            sub.fields[f.key] = (values.get(f.key), None, line)
        for ind in form.STANDARD_INDICATORS:
            parts = {p: values.get(f"{ind.key}__{p}") for p in form.CSV_INDICATOR_PARTS}
            if any(v is not None for v in parts.values()):
                sub.indikatorer.append(
                    {"ark": None, "rad": line, "indikator": ind.key, "enhet": ind.unit, **parts, "kommentar": None}
                )
        result.submissions.append(sub)
    return result
