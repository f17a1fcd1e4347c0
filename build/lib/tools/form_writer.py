"""Write the reporting form: the blank form for a year, and filled-in workbooks.

The secretariat publishes a blank form for each reporting year (in bokmål and
nynorsk); projects return it filled in. This module lays the form out from
`schemas.form` (so labels never drift from what the reader expects) and writes
it as .xlsx, .xlsm, .xls or .ods.

Every file is byte-for-byte deterministic: no clock, no random part names.
The document dates (workbook properties and zip entry times) are derived from
the data — the latest date in the cells, or a timestamp the caller gives.

The .xlsx/.xlsm writer is a small direct SpreadsheetML writer rather than
openpyxl: it is about ten times faster (the sample inbox at scale 100 writes
tens of thousands of workbooks) and lets us fix every byte. .ods is written
directly too (odfpy's output depends on what the process wrote before), .xls
with xlwt.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from schemas import form as F

Cell = str | int | float | dt.date | dt.datetime | None
Sheets = dict[str, list[list[Cell]]]

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
DEFAULT_TIMESTAMP = dt.datetime(2012, 1, 1, 0, 0, 0)
GUIDANCE_SHEET = ("Veiledning", "Rettleiing")
# Rows of the blank tables that carry drop-down lists (xlsx only).
BLANK_TABLE_ROWS = 200


# --------------------------------------------------------------------------- layout

@dataclass(frozen=True)
class Validation:
    """A data-validation rule on a range (xlsx only): a drop-down list or a whole-number range."""

    sqref: str  # e.g. "B10" or "B2:B200"
    kind: str  # "list" | "whole"
    options: tuple[str, ...] = ()
    low: int | None = None
    high: int | None = None


@dataclass(frozen=True)
class SheetLayout:
    """Cosmetics of one sheet. Values are never changed by a layout."""

    widths: tuple[float, ...] = ()  # column widths in characters, from column A
    header_rows: int = 0  # bold and frozen rows at the top
    bold_columns: tuple[int, ...] = ()  # 0-based columns shown in bold (e.g. the labels)
    wrap_columns: tuple[int, ...] = ()  # 0-based columns with wrapped text
    validations: tuple[Validation, ...] = ()


def _form_index(form: str) -> int:
    if form not in F.FORMS:
        raise ValueError(f"form must be one of {F.FORMS}, not {form!r}")
    return F.FORMS.index(form)


def sheet_names(form: str) -> dict[str, str]:
    """The sheet names of the form in one language form, by role."""
    i = _form_index(form)
    return {"prosjekt": F.SHEET_PROSJEKT[i], "indikatorer": F.SHEET_INDIKATORER[i],
            "tiltak": F.SHEET_TILTAK[i], "risiko": F.SHEET_RISIKO[i], "veiledning": GUIDANCE_SHEET[i]}


def _col_letter(col0: int) -> str:
    s = ""
    n = col0 + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def cell_ref(row0: int, col0: int) -> str:
    """Excel reference of a 0-based cell: (0, 1) -> 'B1'."""
    return f"{_col_letter(col0)}{row0 + 1}"


# --------------------------------------------------------------------------- form layout

def _render_prosjekt_value(key: str, value: object, form: str) -> Cell:
    """Canonical value -> what a person writes in the cell. Strings pass through unchanged."""
    i = _form_index(form)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "Ja" if value else "Nei"
    if key == "tema" and isinstance(value, (list, tuple)):
        return "; ".join(F.THEMES[t][i] if t in F.THEMES else str(t) for t in value)
    return value  # int, float, date


def _render_status(value: object, labels: Mapping[str, tuple[str, str]], form: str) -> Cell:
    if isinstance(value, str) and value in labels:
        return labels[value][_form_index(form)]
    return value  # type: ignore[return-value]


def form_sheets(form: str, values: Mapping[str, object] | None, indicators: Sequence[Mapping[str, object]],
                tiltak: Sequence[Mapping[str, object]], risiko: Sequence[Mapping[str, object]],
                *, guidance: bool = True, year: int | None = None) -> Sheets:
    """The workbook of one submission (or of the blank form) as rows of cell values.

    - `Prosjekt`: one field a row, label in column A, value in column B, no header,
      rows in `PROSJEKT_FIELDS` order. `values` maps canonical keys to values; a
      canonical status key is written as its label in `form`, a bool as Ja/Nei, a
      list of theme keys as their labels joined by «; »; strings pass unchanged.
    - `Indikatorer`/`Indikatorar`: header row, then one row per indicator dict
      (keys of `INDIKATOR_COLUMNS`). A standard indicator key in `indikator` is
      written as its label in `form` and gets its unit; any other text is written
      as it is (a project's own indicator).
    - `Tiltak`, `Risiko`: header row, then one row per dict (keys of
      `TILTAK_COLUMNS` / `RISIKO_COLUMNS`); a canonical measure status is written
      as its label in `form`.
    - with `guidance`, a last sheet «Veiledning»/«Rettleiing» (the reader ignores it).
    """
    fi = _form_index(form)
    names = sheet_names(form)
    values = values or {}

    prosjekt = [[f.label(form), _render_prosjekt_value(f.key, values.get(f.key), form)]
                for f in F.PROSJEKT_FIELDS]
    for row, f in zip(prosjekt, F.PROSJEKT_FIELDS):
        if f.key == "status":
            row[1] = _render_status(row[1], F.STATUS_LABELS, form)

    ind_rows: list[list[Cell]] = [[c.label(form) for c in F.INDIKATOR_COLUMNS]]
    for ind in indicators:
        key = ind.get("indikator")
        std = F.INDICATOR_BY_KEY.get(key) if isinstance(key, str) else None
        row: list[Cell] = []
        for c in F.INDIKATOR_COLUMNS:
            v = ind.get(c.key)
            if c.key == "indikator" and std is not None:
                v = std.label(form)
            elif c.key == "enhet" and v is None and std is not None:
                v = F.UNIT_LABELS[std.unit][fi]
            row.append(v)  # type: ignore[arg-type]
        ind_rows.append(row)

    tiltak_rows: list[list[Cell]] = [[c.label(form) for c in F.TILTAK_COLUMNS]]
    for t in tiltak:
        tiltak_rows.append([_render_status(t.get(c.key), F.TILTAK_STATUS_LABELS, form) if c.key == "status"
                            else t.get(c.key) for c in F.TILTAK_COLUMNS])  # type: ignore[misc]

    risiko_rows: list[list[Cell]] = [[c.label(form) for c in F.RISIKO_COLUMNS]]
    for r in risiko:
        risiko_rows.append([r.get(c.key) for c in F.RISIKO_COLUMNS])  # type: ignore[misc]

    sheets: Sheets = {names["prosjekt"]: prosjekt, names["indikatorer"]: ind_rows,
                      names["tiltak"]: tiltak_rows, names["risiko"]: risiko_rows}
    if guidance:
        y = year if year is not None else values.get("rapporteringsaar")
        sheets[names["veiledning"]] = [[line] for line in guidance_lines(form, y if isinstance(y, int) else None)]
    return sheets


def guidance_lines(form: str, year: int | None) -> list[str]:
    """Short instructions for filling in the form, in the form's own language form."""
    i = _form_index(form)
    themes = [f"«{labels[i]}»" for labels in F.THEMES.values()]
    theme_list = ", ".join(themes[:-1]) + " og " + themes[-1]
    statuses = [f"«{labels[i]}»" for labels in F.STATUS_LABELS.values()]
    status_list = ", ".join(statuses[:-1]) + " eller " + statuses[-1]
    drift = statuses[-1]
    measures = [f"«{labels[i]}»" for labels in F.TILTAK_STATUS_LABELS.values()]
    measure_list = ", ".join(measures[:-1]) + " eller " + measures[-1]
    sheet = sheet_names(form)["prosjekt"]
    yn = [F.FIELD_BY_KEY[k].label(form) for k in ("folkevalgte_med", "administrasjon_med", "tillitsvalgte_med")]
    yn_list = f"«{yn[0]}», «{yn[1]}» og «{yn[2]}»"
    s_label = F.RISIKO_COLUMNS[1].label(form).lower()
    year_text = f", rapporteringsår {year}" if year else ""
    if form == "nn":
        return [
            f"Rapporteringsskjema for «Saman om ein betre kommune»{year_text}",
            f"Fyll ut eitt skjema for kvart prosjekt. Skriv svara i kolonne B på arket «{sheet}», "
            "og ikkje endre leietekstane i kolonne A.",
            f"Tema: eitt eller fleire av {theme_list}. Skil fleire tema med semikolon.",
            f"Status: {status_list}. Vel {drift} når prosjektet er overført til ordinær drift.",
            f"{yn_list}: svar Ja eller Nei.",
            "Beløp skal førast i heile kroner. Datoar skal skrivast som dd.mm.åååå.",
            "Indikatorar: før opp utgangspunkt og mål med årstal, og resultatet for året, for dei "
            "indikatorane som høyrer til temaet for prosjektet. Indikatorar de ikkje nyttar, kan de la stå "
            "tomme. Eigne indikatorar kan de føre opp på nye rader.",
            "Prosentverdiar kan skrivast som 8,4 eller 8,4 %.",
            f"Tiltak: status er {measure_list}.",
            f"Risiko: gi {s_label} og konsekvens ein verdi frå 1 til 5. Når {s_label} × konsekvens er 9 eller "
            "meir, eller konsekvensen er 5, skal de skildre eit mottiltak.",
            "Send skjemaet til sekretariatet innan fristen i tilskotsbrevet.",
        ]
    return [
        f"Rapporteringsskjema for «Saman om ein betre kommune»{year_text}",
        f"Fyll ut ett skjema per prosjekt. Skriv svarene i kolonne B på arket «{sheet}», "
        "og ikke endre ledetekstene i kolonne A.",
        f"Tema: ett eller flere av {theme_list}. Skill flere tema med semikolon.",
        f"Status: {status_list}. Velg {drift} når prosjektet er overført til ordinær drift.",
        f"{yn_list}: svar Ja eller Nei.",
        "Beløp føres i hele kroner. Datoer skrives som dd.mm.åååå.",
        "Indikatorer: fyll inn utgangspunkt og mål med årstall, og årets resultat, for indikatorene "
        "som hører til prosjektets tema. Indikatorer dere ikke bruker, kan stå tomme. Egne indikatorer "
        "kan føres på nye rader.",
        "Prosentverdier kan skrives som 8,4 eller 8,4 %.",
        f"Tiltak: status er {measure_list}.",
        f"Risiko: gi {s_label} og konsekvens en verdi fra 1 til 5. Når {s_label} × konsekvens er 9 eller mer, "
        "eller konsekvensen er 5, skal dere beskrive et mottiltak.",
        "Send skjemaet til sekretariatet innen fristen i tilskuddsbrevet.",
    ]


def form_layouts(form: str, *, blank: bool = False) -> dict[str, SheetLayout]:
    """Column widths, bold labels and (for the blank form) drop-down lists, by sheet name."""
    names = sheet_names(form)
    yes_no = ("Ja", "Nei")
    validations: list[Validation] = []
    if blank:
        for r0, f in enumerate(F.PROSJEKT_FIELDS):
            ref = cell_ref(r0, 1)
            if f.kind == "yesno":
                validations.append(Validation(ref, "list", yes_no))
            elif f.kind == "status":
                validations.append(Validation(ref, "list", _distinct(v[_form_index(form)]
                                                                     for v in F.STATUS_LABELS.values())))
            elif f.kind == "int03":
                validations.append(Validation(ref, "whole", low=0, high=3))
            elif f.kind == "year":
                validations.append(Validation(ref, "whole", low=min(F.YEARS), high=max(F.YEARS)))
    last = BLANK_TABLE_ROWS
    tiltak_val: tuple[Validation, ...] = ()
    risiko_val: tuple[Validation, ...] = ()
    if blank:
        tiltak_val = (Validation(f"B2:B{last}", "list",
                                 _distinct(v[_form_index(form)] for v in F.TILTAK_STATUS_LABELS.values())),)
        risiko_val = (Validation(f"B2:C{last}", "whole", low=1, high=5),)
    return {
        names["prosjekt"]: SheetLayout(widths=(34, 60), bold_columns=(0,), wrap_columns=(1,),
                                       validations=tuple(validations)),
        names["indikatorer"]: SheetLayout(widths=(36, 9, 13, 11, 10, 9, 10, 40), header_rows=1),
        names["tiltak"]: SheetLayout(widths=(48, 14, 12, 12, 40), header_rows=1, validations=tiltak_val),
        names["risiko"]: SheetLayout(widths=(44, 14, 12, 48), header_rows=1, validations=risiko_val),
        names["veiledning"]: SheetLayout(widths=(110,), header_rows=1, wrap_columns=(0,)),
    }


def _distinct(items: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for x in items:
        if x not in out:
            out.append(x)
    return tuple(out)


def write_blank_form(year: int, form: str, path: Path) -> Path:
    """The blank reporting form for `year` in `form` (nb|nn); format by suffix (.xlsx normally).

    Prosjekt: labels, rapporteringsår prefilled. Indikatorer: every standard
    indicator with its unit and empty values. Tiltak, Risiko: headers. A guidance
    sheet. In .xlsx: drop-down lists (Ja/Nei, status), whole-number checks,
    column widths. Deterministic: dated 1 September of the reporting year.
    """
    path = Path(path)
    indicators = [{"indikator": ind.key} for ind in F.STANDARD_INDICATORS]
    sheets = form_sheets(form, {"rapporteringsaar": int(year)}, indicators, [], [], guidance=True, year=int(year))
    write_workbook(path, sheets, layouts=form_layouts(form, blank=True),
                   timestamp=dt.datetime(int(year), 9, 1, 0, 0, 0),
                   title=f"Rapporteringsskjema {year}", language="nn-NO" if form == "nn" else "nb-NO")
    return path


# --------------------------------------------------------------------------- writing

def derive_timestamp(sheets: Sheets) -> dt.datetime:
    """The document date derived from the data: the latest date in any cell, at noon."""
    latest: dt.date | None = None
    for rows in sheets.values():
        for row in rows:
            for v in row:
                if isinstance(v, dt.date):
                    d = v.date() if isinstance(v, dt.datetime) else v
                    if latest is None or d > latest:
                        latest = d
    if latest is None or latest.year < 1980:
        return DEFAULT_TIMESTAMP
    return dt.datetime(latest.year, latest.month, latest.day, 12, 0, 0)


def write_workbook(path: Path, sheets: Mapping[str, Sequence[Sequence[Cell]]],
                   percent_cells: Iterable[tuple[str, int, int]] = frozenset(), *,
                   layouts: Mapping[str, SheetLayout] | None = None, timestamp: dt.datetime | None = None,
                   title: str | None = None, language: str | None = None) -> Path:
    """Write `sheets` (sheet name -> rows of values) to `path`; the format follows the suffix.

    Values: str, int, float, datetime.date (None or '' leaves the cell empty).
    `percent_cells` holds (sheet, row0, col0) cells shown as percentages
    ('0.0%'; in .ods a percentage value). The bytes depend only on the arguments.
    """
    path = Path(path)
    data = render_workbook(path.suffix, sheets, percent_cells, layouts=layouts, timestamp=timestamp,
                           title=title, language=language)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def render_workbook(suffix: str, sheets: Mapping[str, Sequence[Sequence[Cell]]],
                    percent_cells: Iterable[tuple[str, int, int]] = frozenset(), *,
                    layouts: Mapping[str, SheetLayout] | None = None, timestamp: dt.datetime | None = None,
                    title: str | None = None, language: str | None = None) -> bytes:
    """The bytes `write_workbook` would write for a file with this suffix."""
    suffix = suffix.lower()
    if not suffix.startswith("."):
        suffix = "." + suffix
    if suffix not in SUFFIXES:
        raise ValueError(f"unsupported workbook suffix {suffix!r}; expected one of {SUFFIXES}")
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    ts = timestamp or derive_timestamp(sheets)  # type: ignore[arg-type]
    pct = frozenset(percent_cells)
    layouts = layouts or {}
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_bytes(sheets, pct, layouts, ts, macro=suffix == ".xlsm", title=title, language=language)
    if suffix == ".xls":
        return _xls_bytes(sheets, pct, layouts)
    return _ods_bytes(sheets, pct, layouts, ts, title=title, language=language)


def _is_empty(v: object) -> bool:
    return v is None or (isinstance(v, str) and v == "") or (isinstance(v, float) and math.isnan(v))


_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(s: str) -> str:
    return escape(_ILLEGAL_XML.sub("", s))


def _zip_bytes(entries: Sequence[tuple[str, bytes, int]], ts: dt.datetime) -> bytes:
    """A zip with fixed entry times and attributes, in the given order."""
    buf = io.BytesIO()
    stamp = (max(ts.year, 1980), ts.month, ts.day, ts.hour, ts.minute, ts.second)
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data, method in entries:
            zi = zipfile.ZipInfo(name, stamp)
            zi.compress_type = method
            zi.create_system = 3
            zi.external_attr = 0o644 << 16
            zf.writestr(zi, data, compress_type=method, compresslevel=6 if method == zipfile.ZIP_DEFLATED else None)
    return buf.getvalue()


# ---- xlsx / xlsm

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_EXCEL_EPOCH = dt.date(1899, 12, 30)

# cellXfs indexes in _STYLES_XML
_S_DEFAULT, _S_DATE, _S_PCT, _S_BOLD, _S_WRAP, _S_BOLD_WRAP = range(6)
_STYLES_XML = (
    _XML_DECL
    + f'<styleSheet xmlns="{_NS_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd\\.mm\\.yyyy"/>'
    '<numFmt numFmtId="165" formatCode="0.0%"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    '</cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>'
).encode()


def _excel_serial(v: dt.date) -> float | int:
    if isinstance(v, dt.datetime):
        days = (v.date() - _EXCEL_EPOCH).days
        secs = v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6
        return days + secs / 86400 if secs else days
    return (v - _EXCEL_EPOCH).days


def _num_text(v: int | float) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(float(v))


def _xlsx_sheet(rows: Sequence[Sequence[Cell]], name: str, pct: frozenset, layout: SheetLayout | None,
                strings: dict[str, int], selected: bool) -> bytes:
    layout = layout or SheetLayout()
    bold_cols = set(layout.bold_columns)
    wrap_cols = set(layout.wrap_columns)
    max_c = 0
    out_rows: list[str] = []
    for r0, row in enumerate(rows):
        cells: list[str] = []
        for c0, v in enumerate(row):
            if _is_empty(v):
                continue
            ref = f"{_col_letter(c0)}{r0 + 1}"
            bold = r0 < layout.header_rows or c0 in bold_cols
            wrap = c0 in wrap_cols
            if isinstance(v, str):
                idx = strings.setdefault(v, len(strings))
                style = _S_BOLD_WRAP if bold and wrap else _S_BOLD if bold else _S_WRAP if wrap else 0
                s_attr = f' s="{style}"' if style else ""
                cells.append(f'<c r="{ref}" t="s"{s_attr}><v>{idx}</v></c>')
            elif isinstance(v, dt.date):
                cells.append(f'<c r="{ref}" s="{_S_DATE}"><v>{_num_text(_excel_serial(v))}</v></c>')
            elif isinstance(v, bool):
                cells.append(f'<c r="{ref}" t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, (int, float)):
                s_attr = f' s="{_S_PCT}"' if (name, r0, c0) in pct else ""
                cells.append(f'<c r="{ref}"{s_attr}><v>{_num_text(v)}</v></c>')
            else:
                raise TypeError(f"unsupported cell value {v!r} ({type(v).__name__}) in {name}!{ref}")
            max_c = max(max_c, c0 + 1)
        if cells:
            out_rows.append(f'<row r="{r0 + 1}">{"".join(cells)}</row>')
    n_rows = len(rows)
    dim = f"A1:{_col_letter(max(max_c, 1) - 1)}{max(n_rows, 1)}" if out_rows else "A1"
    parts = [_XML_DECL, f'<worksheet xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">', f'<dimension ref="{dim}"/>']
    view_attr = ' tabSelected="1"' if selected else ""
    if layout.header_rows:
        top = f"A{layout.header_rows + 1}"
        parts.append(f'<sheetViews><sheetView workbookViewId="0"{view_attr}>'
                     f'<pane ySplit="{layout.header_rows}" topLeftCell="{top}" activePane="bottomLeft" '
                     f'state="frozen"/><selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>'
                     '</sheetView></sheetViews>')
    else:
        parts.append(f'<sheetViews><sheetView workbookViewId="0"{view_attr}/></sheetViews>')
    parts.append('<sheetFormatPr defaultRowHeight="15"/>')
    if layout.widths:
        parts.append("<cols>" + "".join(
            f'<col min="{i + 1}" max="{i + 1}" width="{w:g}" customWidth="1"/>' for i, w in enumerate(layout.widths)
        ) + "</cols>")
    parts.append("<sheetData>" + "".join(out_rows) + "</sheetData>")
    if layout.validations:
        dv = []
        for v in layout.validations:
            if v.kind == "list":
                formula = _xml_text('"' + ",".join(v.options) + '"')
                dv.append(f'<dataValidation type="list" allowBlank="1" showErrorMessage="1" sqref="{v.sqref}">'
                          f"<formula1>{formula}</formula1></dataValidation>")
            elif v.kind == "whole":
                dv.append(f'<dataValidation type="whole" operator="between" allowBlank="1" showErrorMessage="1" '
                          f'sqref="{v.sqref}"><formula1>{v.low}</formula1><formula2>{v.high}</formula2>'
                          "</dataValidation>")
            else:
                raise ValueError(f"unknown validation kind {v.kind!r}")
        parts.append(f'<dataValidations count="{len(dv)}">' + "".join(dv) + "</dataValidations>")
    parts.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>')
    parts.append("</worksheet>")
    return "".join(parts).encode("utf-8")


def _xlsx_bytes(sheets: Mapping[str, Sequence[Sequence[Cell]]], pct: frozenset, layouts: Mapping[str, SheetLayout],
                ts: dt.datetime, *, macro: bool, title: str | None, language: str | None) -> bytes:
    names = list(sheets)
    for n in names:
        if len(n) > 31 or any(ch in n for ch in "[]:*?/\\"):
            raise ValueError(f"invalid sheet name {n!r}")
    strings: dict[str, int] = {}
    sheet_xml = [_xlsx_sheet(sheets[n], n, pct, layouts.get(n), strings, i == 0) for i, n in enumerate(names)]
    n_refs = sum(1 for n in names for row in sheets[n] for v in row if isinstance(v, str) and v != "")
    sst = (_XML_DECL + f'<sst xmlns="{_NS_MAIN}" count="{n_refs}" uniqueCount="{len(strings)}">'
           + "".join(f'<si><t xml:space="preserve">{_xml_text(s)}</t></si>' for s in strings)
           + "</sst>").encode("utf-8")
    main_ct = ("application/vnd.ms-excel.sheet.macroEnabled.main+xml" if macro
               else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
    ct = (_XML_DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          f'<Override PartName="/xl/workbook.xml" ContentType="{main_ct}"/>'
          + "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(len(names)))
          + '<Override PartName="/xl/styles.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
          '<Override PartName="/xl/sharedStrings.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
          '<Override PartName="/docProps/core.xml" '
          'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
          '<Override PartName="/docProps/app.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
          "</Types>").encode()
    rels = (_XML_DECL + f'<Relationships xmlns="{_NS_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_NS_REL}/officeDocument" Target="xl/workbook.xml"/>'
            f'<Relationship Id="rId2" Type="{_NS_PKG_REL}/metadata/core-properties" Target="docProps/core.xml"/>'
            f'<Relationship Id="rId3" Type="{_NS_REL}/extended-properties" Target="docProps/app.xml"/>'
            "</Relationships>").encode()
    wb = (_XML_DECL + f'<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}"><workbookPr/>'
          '<bookViews><workbookView activeTab="0"/></bookViews><sheets>'
          + "".join(f'<sheet name={quoteattr(n)} sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names))
          + "</sheets></workbook>").encode("utf-8")
    k = len(names)
    wb_rels = (_XML_DECL + f'<Relationships xmlns="{_NS_PKG_REL}">'
               + "".join(f'<Relationship Id="rId{i + 1}" Type="{_NS_REL}/worksheet" '
                         f'Target="worksheets/sheet{i + 1}.xml"/>' for i in range(k))
               + f'<Relationship Id="rId{k + 1}" Type="{_NS_REL}/styles" Target="styles.xml"/>'
               f'<Relationship Id="rId{k + 2}" Type="{_NS_REL}/sharedStrings" Target="sharedStrings.xml"/>'
               "</Relationships>").encode()
    stamp = ts.strftime("%Y-%m-%dT%H:%M:%SZ")
    core = (_XML_DECL + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            + (f"<dc:title>{_xml_text(title)}</dc:title>" if title else "")
            + "<dc:creator>Saman om ein betre kommune</dc:creator>"
            + (f"<dc:language>{_xml_text(language)}</dc:language>" if language else "")
            + f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
            "</cp:coreProperties>").encode("utf-8")
    app = (_XML_DECL + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
           "<Application>samanom</Application></Properties>").encode()
    D = zipfile.ZIP_DEFLATED
    entries = [("[Content_Types].xml", ct, D), ("_rels/.rels", rels, D), ("docProps/core.xml", core, D),
               ("docProps/app.xml", app, D), ("xl/workbook.xml", wb, D), ("xl/_rels/workbook.xml.rels", wb_rels, D),
               ("xl/styles.xml", _STYLES_XML, D), ("xl/sharedStrings.xml", sst, D)]
    entries += [(f"xl/worksheets/sheet{i + 1}.xml", x, D) for i, x in enumerate(sheet_xml)]
    return _zip_bytes(entries, ts)


# ---- xls (xlwt)

_XLS_STYLES: dict[str, object] = {}


def _xls_style(kind: str):
    if not _XLS_STYLES:
        import xlwt

        _XLS_STYLES["default"] = xlwt.Style.default_style
        _XLS_STYLES["date"] = xlwt.easyxf(num_format_str="DD.MM.YYYY")
        _XLS_STYLES["pct"] = xlwt.easyxf(num_format_str="0.0%")
        _XLS_STYLES["bold"] = xlwt.easyxf("font: bold on")
        _XLS_STYLES["wrap"] = xlwt.easyxf("alignment: wrap on, vert top")
        _XLS_STYLES["bold_wrap"] = xlwt.easyxf("font: bold on; alignment: wrap on, vert top")
    return _XLS_STYLES[kind]


def _xls_bytes(sheets: Mapping[str, Sequence[Sequence[Cell]]], pct: frozenset,
               layouts: Mapping[str, SheetLayout]) -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    for name, rows in sheets.items():
        ws = book.add_sheet(name, cell_overwrite_ok=False)
        layout = layouts.get(name) or SheetLayout()
        for i, w in enumerate(layout.widths):
            ws.col(i).width = int(256 * w)
        bold_cols, wrap_cols = set(layout.bold_columns), set(layout.wrap_columns)
        for r0, row in enumerate(rows):
            for c0, v in enumerate(row):
                if _is_empty(v):
                    continue
                if isinstance(v, str):
                    bold = r0 < layout.header_rows or c0 in bold_cols
                    wrap = c0 in wrap_cols
                    kind = "bold_wrap" if bold and wrap else "bold" if bold else "wrap" if wrap else "default"
                    ws.write(r0, c0, v, _xls_style(kind))
                elif isinstance(v, dt.date):
                    ws.write(r0, c0, v, _xls_style("date"))
                elif isinstance(v, (int, float)):
                    ws.write(r0, c0, v, _xls_style("pct" if (name, r0, c0) in pct else "default"))
                else:
                    raise TypeError(f"unsupported cell value {v!r} in {name}!{cell_ref(r0, c0)}")
        if layout.header_rows:
            ws.set_panes_frozen(True)
            ws.set_horz_split_pos(layout.header_rows)
            ws.set_remove_splits(True)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


# ---- ods (direct OpenDocument writer)
# odfpy's serialiser declares namespaces from process-wide state (a document
# written first differs from the same document written later), so its bytes
# are not reproducible; the spreadsheet is simple enough to write directly.

_ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
           'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
           'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/"')
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_ODS_CELL_STYLES = (
    '<number:date-style style:name="N_date"><number:day number:style="long"/><number:text>.</number:text>'
    '<number:month number:style="long"/><number:text>.</number:text><number:year number:style="long"/>'
    '</number:date-style>'
    '<number:percentage-style style:name="N_pct"><number:number number:decimal-places="1" '
    'number:min-integer-digits="1"/><number:text>%</number:text></number:percentage-style>'
    '<style:style style:name="ce_date" style:family="table-cell" style:parent-style-name="Default" '
    'style:data-style-name="N_date"/>'
    '<style:style style:name="ce_pct" style:family="table-cell" style:parent-style-name="Default" '
    'style:data-style-name="N_pct"/>'
    '<style:style style:name="ce_bold" style:family="table-cell" style:parent-style-name="Default">'
    '<style:text-properties fo:font-weight="bold" style:font-weight-asian="bold" '
    'style:font-weight-complex="bold"/></style:style>'
    '<style:style style:name="ce_wrap" style:family="table-cell" style:parent-style-name="Default">'
    '<style:table-cell-properties fo:wrap-option="wrap" style:vertical-align="top"/></style:style>'
    '<style:style style:name="ce_bold_wrap" style:family="table-cell" style:parent-style-name="Default">'
    '<style:table-cell-properties fo:wrap-option="wrap" style:vertical-align="top"/>'
    '<style:text-properties fo:font-weight="bold" style:font-weight-asian="bold" '
    'style:font-weight-complex="bold"/></style:style>'
)


def _ods_text(s: str) -> str:
    return "".join(f"<text:p>{_xml_text(line)}</text:p>" for line in s.split("\n"))


def _ods_bytes(sheets: Mapping[str, Sequence[Sequence[Cell]]], pct: frozenset, layouts: Mapping[str, SheetLayout],
               ts: dt.datetime, *, title: str | None, language: str | None) -> bytes:
    col_styles: dict[float, str] = {}
    tables: list[str] = []
    for name, rows in sheets.items():
        layout = layouts.get(name) or SheetLayout()
        parts = [f"<table:table table:name={quoteattr(name)}>"]
        for w in layout.widths:
            sname = col_styles.setdefault(w, f"co{len(col_styles) + 1}")
            parts.append(f'<table:table-column table:style-name="{sname}"/>')
        if not layout.widths:
            parts.append("<table:table-column/>")
        bold_cols, wrap_cols = set(layout.bold_columns), set(layout.wrap_columns)
        for r0, row in enumerate(rows):
            parts.append("<table:table-row>")
            for c0, v in enumerate(row):
                if _is_empty(v):
                    parts.append("<table:table-cell/>")
                elif isinstance(v, str):
                    bold = r0 < layout.header_rows or c0 in bold_cols
                    wrap = c0 in wrap_cols
                    style = "ce_bold_wrap" if bold and wrap else "ce_bold" if bold else "ce_wrap" if wrap else ""
                    s_attr = f' table:style-name="{style}"' if style else ""
                    parts.append(f'<table:table-cell{s_attr} office:value-type="string">{_ods_text(v)}'
                                 "</table:table-cell>")
                elif isinstance(v, dt.date):
                    d = v.date() if isinstance(v, dt.datetime) else v
                    parts.append(f'<table:table-cell table:style-name="ce_date" office:value-type="date" '
                                 f'office:date-value="{d.isoformat()}"><text:p>{d.strftime("%d.%m.%Y")}</text:p>'
                                 "</table:table-cell>")
                elif isinstance(v, (int, float)) and not isinstance(v, bool):
                    num = _num_text(v)
                    if (name, r0, c0) in pct:
                        shown = f"{v * 100:.1f}".replace(".", ",") + " %"
                        parts.append(f'<table:table-cell table:style-name="ce_pct" office:value-type="percentage" '
                                     f'office:value="{num}"><text:p>{shown}</text:p></table:table-cell>')
                    else:
                        parts.append(f'<table:table-cell office:value-type="float" office:value="{num}">'
                                     f'<text:p>{num.replace(".", ",")}</text:p></table:table-cell>')
                else:
                    raise TypeError(f"unsupported cell value {v!r} in {name}!{cell_ref(r0, c0)}")
            parts.append("</table:table-row>")
        if not rows:
            parts.append("<table:table-row><table:table-cell/></table:table-row>")
        parts.append("</table:table>")
        tables.append("".join(parts))
    col_xml = "".join(f'<style:style style:name="{n}" style:family="table-column">'
                      f'<style:table-column-properties style:column-width="{w * 0.21:.2f}cm"/></style:style>'
                      for w, n in col_styles.items())
    content = ('<?xml version="1.0" encoding="UTF-8"?>\n'
               f'<office:document-content {_ODS_NS} office:version="1.2">'
               f"<office:automatic-styles>{col_xml}{_ODS_CELL_STYLES}</office:automatic-styles>"
               "<office:body><office:spreadsheet>" + "".join(tables) +
               "</office:spreadsheet></office:body></office:document-content>").encode("utf-8")
    styles = ('<?xml version="1.0" encoding="UTF-8"?>\n'
              f'<office:document-styles {_ODS_NS} office:version="1.2"><office:styles>'
              '<style:style style:name="Default" style:family="table-cell"/>'
              "</office:styles></office:document-styles>").encode("utf-8")
    stamp = ts.strftime("%Y-%m-%dT%H:%M:%S")
    meta = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<office:document-meta {_ODS_NS} office:version="1.2"><office:meta>'
            "<meta:generator>samanom</meta:generator>"
            + (f"<dc:title>{_xml_text(title)}</dc:title>" if title else "")
            + (f"<dc:language>{_xml_text(language)}</dc:language>" if language else "")
            + f"<meta:creation-date>{stamp}</meta:creation-date><dc:date>{stamp}</dc:date>"
            "</office:meta></office:document-meta>").encode("utf-8")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
                'manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
                f'manifest:media-type="{_ODS_MIME.decode()}"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
                '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>").encode("utf-8")
    D = zipfile.ZIP_DEFLATED
    return _zip_bytes([("mimetype", _ODS_MIME, zipfile.ZIP_STORED), ("META-INF/manifest.xml", manifest, D),
                       ("content.xml", content, D), ("styles.xml", styles, D), ("meta.xml", meta, D)], ts)


__all__ = [
    "Cell", "GUIDANCE_SHEET", "SheetLayout", "Validation", "cell_ref", "derive_timestamp", "form_layouts",
    "form_sheets", "guidance_lines", "render_workbook", "sheet_names", "write_blank_form", "write_workbook",
]
