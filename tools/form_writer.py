"""Write the reporting form: the blank form for a year, and filled-in workbooks.

The secretariat publishes a blank form for each reporting year (in bokmål and
nynorsk); projects return it filled in. This module lays the form out from
`schemas.form` (so labels never drift from what the reader expects) and writes
it as .xlsx, .xlsm, .xls or .ods.

Every file is byte-for-byte deterministic: no clock, no random part names.
The document date (workbook properties; zip entry times of .ods, while
XlsxWriter dates every entry 1 January 1980) is derived from the data — the
latest date in the cells, or a timestamp the caller gives.

.xlsx and .xlsm are written with XlsxWriter (the blank form's protection,
number formats, validations with help texts and print settings, and every
workbook of the sample inbox); .ods is written directly (odfpy's output
depends on what the process wrote before), .xls with xlwt. Those two serve the
sample inbox and carry widths, bold and wrap only.
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


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Validation:
    """A data-validation rule on a range (xlsx only), with its input help and error text in the form's language.

    `kind`: "list" (a drop-down of `options`), "whole" / "decimal" / "date" (between `low` and `high`, or at
    least `low`), "length" (text of at most `high` characters), "any" (no check, only the input help).
    """

    sqref: str  # e.g. "B10" or "B2:B200"
    kind: str
    options: tuple[str, ...] = ()
    low: int | float | dt.date | None = None
    high: int | float | dt.date | None = None
    input_title: str = ""
    input_message: str = ""
    error_title: str = ""
    error_message: str = ""


@dataclass(frozen=True)
class SheetLayout:
    """Cosmetics of one sheet. Values are never changed by a layout.

    The blank form also uses what the .xlsx writer alone carries: `inputs` (ranges a person fills in, unlocked
    and given a number format; required ones filled), `styles` of single cells, row heights, sheet protection
    and print settings. The .xls and .ods writers (for the sample inbox) use widths, bold and wrap only.
    """

    widths: tuple[float, ...] = ()  # column widths in characters, from column A
    header_rows: int = 0  # bold and frozen rows at the top
    bold_columns: tuple[int, ...] = ()  # 0-based columns shown in bold (e.g. the labels)
    wrap_columns: tuple[int, ...] = ()  # 0-based columns with wrapped text
    validations: tuple[Validation, ...] = ()
    inputs: tuple[tuple[str, str, bool], ...] = ()  # (range, format kind "in_*", required)
    column_inputs: tuple[tuple[int, str], ...] = ()  # (col0, kind): the whole column unlocked, for more rows
    styles: tuple[tuple[tuple[int, int], str], ...] = ()  # ((row0, col0), format kind)
    row_heights: tuple[tuple[int, float], ...] = ()  # (row0, points)
    protect: bool = False
    landscape: bool = False
    fit_width: bool = False  # print one page wide
    repeat_rows: int = 0  # rows repeated at the top of every printed page
    print_title: str = ""


def _form_index(form: str) -> int:
    if form not in F.FORMS:
        raise ValueError(f"form must be one of {F.FORMS}, not {form!r}")
    return F.FORMS.index(form)


def sheet_names(form: str) -> dict[str, str]:
    """The sheet names of the form in one language form, by role."""
    i = _form_index(form)
    return {
        "prosjekt": F.SHEET_PROSJEKT[i],
        "indikatorer": F.SHEET_INDIKATORER[i],
        "tiltak": F.SHEET_TILTAK[i],
        "risiko": F.SHEET_RISIKO[i],
        "veiledning": GUIDANCE_SHEET[i],
    }


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


def form_sheets(
    form: str,
    values: Mapping[str, object] | None,
    indicators: Sequence[Mapping[str, object]],
    tiltak: Sequence[Mapping[str, object]],
    risiko: Sequence[Mapping[str, object]],
    *,
    guidance: bool = True,
    year: int | None = None,
) -> Sheets:
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

    prosjekt = [[f.label(form), _render_prosjekt_value(f.key, values.get(f.key), form)] for f in F.PROSJEKT_FIELDS]
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
        tiltak_rows.append(
            [
                _render_status(t.get(c.key), F.TILTAK_STATUS_LABELS, form) if c.key == "status" else t.get(c.key)
                for c in F.TILTAK_COLUMNS
            ]
        )  # type: ignore[misc]

    risiko_rows: list[list[Cell]] = [[c.label(form) for c in F.RISIKO_COLUMNS]]
    for r in risiko:
        risiko_rows.append([r.get(c.key) for c in F.RISIKO_COLUMNS])  # type: ignore[misc]

    sheets: Sheets = {
        names["prosjekt"]: prosjekt,
        names["indikatorer"]: ind_rows,
        names["tiltak"]: tiltak_rows,
        names["risiko"]: risiko_rows,
    }
    if guidance:
        y = year if year is not None else values.get("rapporteringsaar")
        sheets[names["veiledning"]] = [[line] for line in guidance_lines(form, y if isinstance(y, int) else None)]
    return sheets


def _either(items: Sequence[str]) -> str:
    """«a, b, c eller d»: the same word in bokmål and nynorsk."""
    return ", ".join(items[:-1]) + " eller " + items[-1] if len(items) > 1 else "".join(items)


def guidance_lines(form: str, year: int | None) -> list[str]:
    """Short instructions for filling in the form, in the form's own language form."""
    i = _form_index(form)
    themes = [f"«{labels[i]}»" for labels in F.THEMES.values()]
    theme_list = ", ".join(themes[:-1]) + " og " + themes[-1]
    statuses = [f"«{labels[i]}»" for labels in F.STATUS_LABELS.values()]
    status_list = _either(statuses)
    drift = statuses[-1]
    measures = [f"«{labels[i]}»" for labels in F.TILTAK_STATUS_LABELS.values()]
    measure_list = _either(measures)
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
    """Column widths and bold labels, by sheet name; with `blank`, everything the blank form carries in .xlsx
    (input cells, protection, validations with help and error texts, print settings)."""
    if blank:
        return _blank_layouts(form)
    names = sheet_names(form)
    return {
        names["prosjekt"]: SheetLayout(widths=(34, 60), bold_columns=(0,), wrap_columns=(1,)),
        names["indikatorer"]: SheetLayout(widths=(36, 9, 13, 11, 10, 9, 10, 40), header_rows=1),
        names["tiltak"]: SheetLayout(widths=(48, 14, 12, 12, 40), header_rows=1),
        names["risiko"]: SheetLayout(widths=(44, 14, 12, 48), header_rows=1),
        names["veiledning"]: SheetLayout(widths=(110,), header_rows=1, wrap_columns=(0,)),
    }


def _distinct(items: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for x in items:
        if x not in out:
            out.append(x)
    return tuple(out)


# --------------------------------------------------------------------------- the blank form

# Input help per kind of field (bokmål, nynorsk): shown beside the field (column C) and when the cell is selected.
HELP: dict[str, tuple[str, str]] = {
    "prosjektnummer": ("Som i tilskuddsbrevet, for eksempel P1-07.", "Som i tilskotsbrevet, til dømes P1-07."),
    "kommunenummer": (
        "Nummeret til søkerkommunen, den som leder prosjektet: fire sifre, for eksempel 0301.",
        "Nummeret til søkjarkommunen, den som leier prosjektet: fire siffer, til dømes 0301.",
    ),
    "text": ("Fritekst.", "Fritekst."),
    "year": ("Året rapporten gjelder.", "Året rapporten gjeld."),
    "themes": ("Ett eller flere av disse, skilt med semikolon:", "Eitt eller fleire av desse, skilde med semikolon:"),
    "status": ("Velg fra listen:", "Vel frå lista:"),
    "email": ("E-postadressen til prosjektlederen.", "E-postadressa til prosjektleiaren."),
    "yesno": ("Ja eller Nei.", "Ja eller Nei."),
    "date": ("Skriv datoen som 23.11.2013 (dag.måned.år).", "Skriv datoen som 23.11.2013 (dag.månad.år)."),
    "int03": ("Antall samlinger, et helt tall fra 0 til 3.", "Talet på samlingar, eit heilt tal frå 0 til 3."),
    "nok": (
        "Hele kroner, for eksempel 350000, uten «kr» og «,-».",
        "Heile kroner, til dømes 350000, utan «kr» og «,-».",
    ),
    "longtext": (
        "Høyst 4 000 tegn. Linjeskift med Alt+Enter (Ctrl+Enter i LibreOffice).",
        "Høgst 4 000 teikn. Linjeskift med Alt+Enter (Ctrl+Enter i LibreOffice).",
    ),
}
# Error texts when a validated cell gets a value outside its rule.
ERRORS: dict[str, tuple[str, str]] = {
    "year": ("Skriv et årstall fra {lo} til {hi}.", "Skriv eit årstal frå {lo} til {hi}."),
    "status": ("Velg en status fra listen.", "Vel ein status frå lista."),
    "yesno": ("Svar Ja eller Nei.", "Svar Ja eller Nei."),
    "date": (
        "Skriv en dato mellom {lo} og {hi}, for eksempel 23.11.2013.",
        "Skriv ein dato mellom {lo} og {hi}, til dømes 23.11.2013.",
    ),
    "int03": ("Skriv et helt tall fra 0 til 3.", "Skriv eit heilt tal frå 0 til 3."),
    "nok": (
        "Skriv et beløp i hele kroner som ikke er negativt, uten «kr» og «,-».",
        "Skriv eit beløp i heile kroner som ikkje er negativt, utan «kr» og «,-».",
    ),
    "longtext": ("Teksten kan ha høyst 4 000 tegn.", "Teksten kan ha høgst 4 000 teikn."),
    "pct": (
        "Skriv prosenten som 8,4 eller 8,4 %, mellom 0 og 100. Med punktum kan 8.4 bli en dato.",
        "Skriv prosenten som 8,4 eller 8,4 %, mellom 0 og 100. Med punktum kan 8.4 bli ein dato.",
    ),
    "range": ("Skriv et tall fra {lo} til {hi}.", "Skriv eit tal frå {lo} til {hi}."),
    "atleast": ("Skriv et tall som ikke er negativt.", "Skriv eit tal som ikkje er negativt."),
    "scale": ("Skriv et helt tall fra 1 til 5.", "Skriv eit heilt tal frå 1 til 5."),
    "measure": ("Velg en status fra listen.", "Vel ein status frå lista."),
}
TITLES = {"help": ("Slik fyller du ut", "Slik fyller du ut"), "error": ("Verdien passer ikke", "Verdien passar ikkje")}
_INPUT_KIND = {
    "kommunenummer": "in_text",
    "year": "in_int",
    "date": "in_date",
    "int03": "in_int",
    "nok": "in_nok",
    "longtext": "in_long",
}
DATE_RANGE = (dt.date(2011, 1, 1), dt.date(2017, 12, 31))  # the programme's years, with a margin either side
YEAR_RANGE = (2000, 2030)  # baseline and target years
BLANK_TABLE_ROWS = 200  # rows of the tables that are open for input and carry validations
PRINTED_ROWS = {"indikatorer": 25, "tiltak": 25, "risiko": 20}  # rows drawn as empty boxes in the blank form
LONGTEXT_ROW_HEIGHT = 150.0
HELP_WIDTH = 40  # characters: the help column of `Prosjekt`


def _pick(pair: tuple[str, str], form: str) -> str:
    return pair[_form_index(form)]


def _rule(sqref: str, kind: str, form: str, help_text: str, error: str = "", **kw) -> Validation:
    return Validation(
        sqref,
        kind,
        input_title=_pick(TITLES["help"], form),
        input_message=help_text,
        error_title=_pick(TITLES["error"], form) if error else "",
        error_message=error,
        **kw,
    )


def _field_help(f: F.Field, form: str) -> str:
    """The input help of a field of `Prosjekt`: shown in column C and when its answer cell is selected."""
    i = _form_index(form)
    text = _pick(HELP[f.kind], form)
    if f.kind == "themes":
        text += " " + "; ".join(labels[i] for labels in F.THEMES.values()) + "."
    if f.kind == "status":
        statuses = _distinct(v[i] for v in F.STATUS_LABELS.values())
        text += f" {_either(statuses)}."
    return text


def _date_error(form: str) -> str:
    lo, hi = (d.strftime("%d.%m.%Y") for d in DATE_RANGE)
    return _pick(ERRORS["date"], form).format(lo=lo, hi=hi)


def _field_rule(f: F.Field, ref: str, form: str) -> Validation:
    i = _form_index(form)
    help_text = _field_help(f, form)
    err = ERRORS.get(f.kind)
    error = _pick(err, form) if err else ""
    if f.kind == "yesno":
        return _rule(ref, "list", form, help_text, error, options=("Ja", "Nei"))
    if f.kind == "status":
        return _rule(ref, "list", form, help_text, error, options=_distinct(v[i] for v in F.STATUS_LABELS.values()))
    if f.kind == "int03":
        return _rule(ref, "whole", form, help_text, error, low=0, high=3)
    if f.kind == "year":
        lo, hi = min(F.YEARS), max(F.YEARS)
        return _rule(ref, "whole", form, help_text, error.format(lo=lo, hi=hi), low=lo, high=hi)
    if f.kind == "date":
        return _rule(ref, "date", form, help_text, _date_error(form), low=DATE_RANGE[0], high=DATE_RANGE[1])
    if f.kind == "nok":
        return _rule(ref, "decimal", form, help_text, error, low=0)
    if f.kind == "longtext":
        return _rule(ref, "length", form, help_text, error, high=F.LONGTEXT_MAX)
    return _rule(ref, "any", form, help_text)


def _blank_layouts(form: str) -> dict[str, SheetLayout]:
    i = _form_index(form)
    names = sheet_names(form)
    last = BLANK_TABLE_ROWS

    # Prosjekt: label (A, locked), answer (B, open), help (C); required answers filled, with a legend below
    p_inputs, p_rules, p_heights = [], [], []
    for r0, f in enumerate(F.PROSJEKT_FIELDS):
        ref = cell_ref(r0, 1)
        p_inputs.append((ref, _INPUT_KIND.get(f.kind, "in_text"), f.required))
        p_rules.append(_field_rule(f, ref, form))
        help_lines = math.ceil(len(_help_line(f, form)) / (HELP_WIDTH * 1.15))  # wrapped in column C
        if f.kind == "longtext":
            p_heights.append((r0, LONGTEXT_ROW_HEIGHT))
        elif help_lines > 1:
            p_heights.append((r0, 15.0 * help_lines))
    legend_row = len(F.PROSJEKT_FIELDS) + 1
    prosjekt = SheetLayout(
        widths=(30, 50, HELP_WIDTH),
        bold_columns=(0,),
        inputs=tuple(p_inputs),
        validations=tuple(p_rules),
        styles=tuple(
            [((r0, 0), "label") for r0 in range(len(F.PROSJEKT_FIELDS))]
            + [((r0, 2), "help") for r0 in range(len(F.PROSJEKT_FIELDS))]
            + [((legend_row, 0), "note")]
        ),
        row_heights=tuple(p_heights),
        protect=True,
        fit_width=True,
        print_title=names["prosjekt"],
    )

    # Indikatorer: the standard indicators' labels and units locked, their values open with their range;
    # rows below open for the project's own indicators
    n_std = len(F.STANDARD_INDICATORS)
    heads = tuple(((0, c), "header") for c in range(len(F.INDIKATOR_COLUMNS)))
    year_help = _pick(("Årstall, for eksempel 2012.", "Årstal, til dømes 2012."), form)
    year_err = _pick(ERRORS["year"], form).format(lo=YEAR_RANGE[0], hi=YEAR_RANGE[1])
    value_cols = ("C", "E", "G")
    ind_rules, ind_inputs = [], []
    for r0, ind in enumerate(F.STANDARD_INDICATORS, start=1):
        row = r0 + 1
        for col in value_cols:
            ind_inputs.append((f"{col}{row}", "in_number", False))
        for col in ("D", "F"):
            ind_inputs.append((f"{col}{row}", "in_int", False))
        ind_inputs.append((f"H{row}", "in_text", False))
        sq = f"C{row} E{row} G{row}"
        if ind.is_percent:
            # 0–100 holds both 8,4 (a number) and 8,4 % (a percentage cell holding 0,084); a date does not
            ind_rules.append(
                _rule(
                    sq,
                    "decimal",
                    form,
                    _pick(
                        (
                            "Prosent: skriv 8,4 eller 8,4 %. Bruk komma: 8.4 kan bli en dato.",
                            "Prosent: skriv 8,4 eller 8,4 %. Bruk komma: 8.4 kan bli ein dato.",
                        ),
                        form,
                    ),
                    _pick(ERRORS["pct"], form),
                    low=0,
                    high=100,
                )
            )
        elif ind.high is not None:
            ind_rules.append(
                _rule(
                    sq,
                    "decimal",
                    form,
                    _pick(
                        (f"Et tall fra {ind.low:g} til {ind.high:g}.", f"Eit tal frå {ind.low:g} til {ind.high:g}."),
                        form,
                    ),
                    _pick(ERRORS["range"], form).format(lo=f"{ind.low:g}", hi=f"{ind.high:g}"),
                    low=ind.low,
                    high=ind.high,
                )
            )
        else:
            ind_rules.append(
                _rule(
                    sq,
                    "decimal",
                    form,
                    _pick(
                        (
                            "Et tall som ikke er negativt, for eksempel 1,6.",
                            "Eit tal som ikkje er negativt, til dømes 1,6.",
                        ),
                        form,
                    ),
                    _pick(ERRORS["atleast"], form),
                    low=0,
                )
            )
    own_first, printed = n_std + 2, PRINTED_ROWS["indikatorer"]
    ind_inputs += [
        (f"A{own_first}:B{printed}", "in_text", False),
        (f"C{own_first}:C{printed}", "in_number", False),
        (f"E{own_first}:E{printed}", "in_number", False),
        (f"G{own_first}:G{printed}", "in_number", False),
        (f"D{own_first}:D{printed}", "in_int", False),
        (f"F{own_first}:F{printed}", "in_int", False),
        (f"H{own_first}:H{printed}", "in_text", False),
    ]
    ind_rules += [
        _rule(
            f"A{own_first}:A{last}",
            "any",
            form,
            _pick(
                (
                    "Egen indikator: skriv navnet her og enheten i neste kolonne (for eksempel % eller antall).",
                    "Eigen indikator: skriv namnet her og eininga i neste kolonne (til dømes % eller tal).",
                ),
                form,
            ),
        ),
        _rule(
            f"C{own_first}:C{last} E{own_first}:E{last} G{own_first}:G{last}",
            "any",
            form,
            _pick(
                (
                    "Et tall med desimalkomma, for eksempel 1,6. Skriv prosent som 8,4 eller 8,4 %.",
                    "Eit tal med desimalkomma, til dømes 1,6. Skriv prosent som 8,4 eller 8,4 %.",
                ),
                form,
            ),
        ),
        _rule(f"D2:D{last} F2:F{last}", "whole", form, year_help, year_err, low=YEAR_RANGE[0], high=YEAR_RANGE[1]),
    ]
    indikatorer = SheetLayout(
        widths=(36, 9, 13, 11, 10, 9, 10, 40),
        header_rows=1,
        inputs=tuple(ind_inputs),
        validations=tuple(ind_rules),
        styles=heads + tuple(((r0, c), "cell_label") for r0 in range(1, n_std + 1) for c in (0, 1)),
        column_inputs=(
            (0, "in_text"),
            (1, "in_text"),
            (2, "in_number"),
            (3, "in_int"),
            (4, "in_number"),
            (5, "in_int"),
            (6, "in_number"),
            (7, "in_text"),
        ),
        row_heights=((0, 30.0),),
        protect=True,
        landscape=True,
        fit_width=True,
        repeat_rows=1,
        print_title=names["indikatorer"],
    )

    # Tiltak and Risiko: header locked, every row below open
    t_last = PRINTED_ROWS["tiltak"]
    measures = _distinct(v[i] for v in F.TILTAK_STATUS_LABELS.values())
    measure_help = f"{_pick(HELP['status'], form)} {_either(measures)}."
    date_help = _pick(HELP["date"], form)
    tiltak = SheetLayout(
        widths=(48, 14, 12, 12, 40),
        header_rows=1,
        inputs=(
            (f"A2:A{t_last}", "in_text", False),
            (f"B2:B{t_last}", "in_text", False),
            (f"C2:D{t_last}", "in_date", False),
            (f"E2:E{t_last}", "in_text", False),
        ),
        column_inputs=((0, "in_text"), (1, "in_text"), (2, "in_date"), (3, "in_date"), (4, "in_text")),
        validations=(
            _rule(
                f"B2:B{last}",
                "list",
                form,
                measure_help,
                _pick(ERRORS["measure"], form),
                options=measures,
            ),
            _rule(
                f"C2:D{last}",
                "date",
                form,
                date_help,
                _date_error(form),
                low=DATE_RANGE[0],
                high=DATE_RANGE[1],
            ),
        ),
        styles=tuple(((0, c), "header") for c in range(len(F.TILTAK_COLUMNS))),
        protect=True,
        landscape=True,
        fit_width=True,
        repeat_rows=1,
        print_title=names["tiltak"],
    )
    r_last = PRINTED_ROWS["risiko"]
    s_label = F.RISIKO_COLUMNS[1].label(form)
    risiko = SheetLayout(
        widths=(44, 14, 12, 48),
        header_rows=1,
        inputs=(
            (f"A2:A{r_last}", "in_text", False),
            (f"B2:C{r_last}", "in_int", False),
            (f"D2:D{r_last}", "in_text", False),
        ),
        column_inputs=((0, "in_text"), (1, "in_int"), (2, "in_int"), (3, "in_text")),
        validations=(
            _rule(
                f"B2:C{last}",
                "whole",
                form,
                _pick(
                    (
                        f"{s_label} og konsekvens: et helt tall fra 1 til 5.",
                        f"{s_label} og konsekvens: eit heilt tal frå 1 til 5.",
                    ),
                    form,
                ),
                _pick(ERRORS["scale"], form),
                low=1,
                high=5,
            ),
            _rule(
                f"D2:D{last}",
                "any",
                form,
                _pick(
                    (
                        f"Påkrevd når {s_label.lower()} × konsekvens er 9 eller mer, eller konsekvensen er 5.",
                        f"Påkravd når {s_label.lower()} × konsekvens er 9 eller meir, eller konsekvensen er 5.",
                    ),
                    form,
                ),
            ),
        ),
        styles=tuple(((0, c), "header") for c in range(len(F.RISIKO_COLUMNS))),
        protect=True,
        landscape=True,
        fit_width=True,
        repeat_rows=1,
        print_title=names["risiko"],
    )

    return {
        names["veiledning"]: _guidance_layout(form),
        names["prosjekt"]: prosjekt,
        names["indikatorer"]: indikatorer,
        names["tiltak"]: tiltak,
        names["risiko"]: risiko,
    }


GUIDANCE_WIDTH = 86  # characters: A4 portrait at 100 %


def _guidance_layout(form: str, year: int | None = None) -> SheetLayout:
    lines = _blank_guidance(form, year)
    heights = tuple(
        (r0, 15.0 * max(1, math.ceil(len(text) / (GUIDANCE_WIDTH * 0.95))) + 3) for r0, text in enumerate(lines) if r0
    )
    warning = next(r0 for r0, text in enumerate(lines) if "8.4" in text)
    styles = (
        ((0, 0), "title"),
        *(((r0, 0), "note") for r0 in range(1, len(lines)) if r0 != warning),
        ((warning, 0), "warning"),
    )
    return SheetLayout(
        widths=(GUIDANCE_WIDTH,), styles=tuple(styles), row_heights=((0, 24.0), *heights), protect=True, fit_width=True
    )


def _blank_guidance(form: str, year: int | None) -> list[str]:
    """The instructions of the blank form: the general guidance, then what marks and protects its cells."""
    lines = guidance_lines(form, year)
    extra = {
        "nb": [
            "Felt merket med * og gul bakgrunn må fylles ut. Kolonne C på arket «Prosjekt» forklarer hvert felt, "
            "og en hjelpetekst vises når du velger en celle.",
            "Ledetekster og overskrifter er beskyttet (uten passord), så de ikke blir skrevet over ved et uhell. "
            "Bare svarcellene kan fylles ut.",
            "Viktig: skriv desimaltall med komma (8,4). I et norsk oppsett blir «8.4» gjort om til datoen 8. april, "
            "og da kan verdien ikke leses som tall.",
            "Skriv kommunenummeret med fire sifre (0514). Cellen er tekst, så nullen foran blir stående.",
        ],
        "nn": [
            "Felt merkte med * og gul bakgrunn må fyllast ut. Kolonne C på arket «Prosjekt» forklarer kvart felt, "
            "og ein hjelpetekst kjem fram når du vel ei celle.",
            "Leietekstar og overskrifter er verna (utan passord), så dei ikkje blir skrivne over ved eit uhell. "
            "Berre svarcellene kan fyllast ut.",
            "Viktig: skriv desimaltal med komma (8,4). I eit norsk oppsett blir «8.4» gjort om til datoen 8. april, "
            "og då kan ikkje verdien lesast som tal.",
            "Skriv kommunenummeret med fire siffer (0514). Cella er tekst, så nullen i starten blir ståande.",
        ],
    }[form]
    return [lines[0], *extra[:1], extra[2], *lines[1:], extra[1], extra[3]]


def _help_line(f: F.Field, form: str) -> str:
    return ("* " if f.required else "") + _field_help(f, form)


BLANK_FORM_SUFFIX = ".xlsx"  # the one format that carries the form's protection, validations and print settings


class FormatNotOffered(ValueError):
    """The blank form asked for in a format it is not offered in; the message is the line to show."""


def write_blank_form(year: int, form: str, path: Path) -> Path:
    """The blank reporting form for `year` in `form` (nb|nn); format by suffix (.xlsx normally).

    Instructions first, then `Prosjekt` (labels, rapporteringsår prefilled, a help column), `Indikatorer`
    (every standard indicator with its unit), `Tiltak`, `Risiko`. In .xlsx: labels and headers protected
    (no password), input cells open and formatted (text for kommunenummer, dates, whole numbers), required
    cells marked, validations with help and error texts, print one page wide with the header rows repeated.
    Deterministic: dated 1 September of the reporting year.

    Only .xlsx: the other writers carry no protection, validations or print settings, so an .ods or .xls
    form would silently lose what the form is for. Excel and LibreOffice both open the .xlsx with all of it
    (the Calc test fills in this very file), and the reader takes the filled form back as .xlsx, .xls or .ods.
    """
    path = Path(path)
    if path.suffix.lower() != BLANK_FORM_SUFFIX:
        raise FormatNotOffered(
            f"Skjemaet lages bare som {BLANK_FORM_SUFFIX}, ikke som «{path.suffix or path.name}»: bare "
            f"{BLANK_FORM_SUFFIX} får vern, hjelpetekster og kontroller, og både Excel og LibreOffice åpner det. "
            f"Gi --out et navn som slutter på {BLANK_FORM_SUFFIX}."
        )
    names = sheet_names(form)
    indicators = [{"indikator": ind.key} for ind in F.STANDARD_INDICATORS]
    sheets = form_sheets(form, {"rapporteringsaar": int(year)}, indicators, [], [], guidance=False)
    for row, f in zip(sheets[names["prosjekt"]], F.PROSJEKT_FIELDS):
        row.append(_help_line(f, form))
    sheets[names["prosjekt"]].append([])
    sheets[names["prosjekt"]].append(
        [_pick(("* = må fylles ut (gul bakgrunn)", "* = må fyllast ut (gul bakgrunn)"), form)]
    )
    ordered = {names["veiledning"]: [[line] for line in _blank_guidance(form, int(year))], **sheets}
    layouts = _blank_layouts(form)
    layouts[names["veiledning"]] = _guidance_layout(form, int(year))
    write_workbook(
        path,
        ordered,
        layouts=layouts,
        timestamp=dt.datetime(int(year), 9, 1, 0, 0, 0),
        title=f"Rapporteringsskjema {year}",
        language="nn-NO" if form == "nn" else "nb-NO",
    )
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


def write_workbook(
    path: Path,
    sheets: Mapping[str, Sequence[Sequence[Cell]]],
    percent_cells: Iterable[tuple[str, int, int]] = frozenset(),
    *,
    layouts: Mapping[str, SheetLayout] | None = None,
    timestamp: dt.datetime | None = None,
    title: str | None = None,
    language: str | None = None,
) -> Path:
    """Write `sheets` (sheet name -> rows of values) to `path`; the format follows the suffix.

    Values: str, int, float, datetime.date (None or '' leaves the cell empty).
    `percent_cells` holds (sheet, row0, col0) cells shown as percentages
    ('0.0%'; in .ods a percentage value). The bytes depend only on the arguments.
    """
    path = Path(path)
    data = render_workbook(
        path.suffix, sheets, percent_cells, layouts=layouts, timestamp=timestamp, title=title, language=language
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def render_workbook(
    suffix: str,
    sheets: Mapping[str, Sequence[Sequence[Cell]]],
    percent_cells: Iterable[tuple[str, int, int]] = frozenset(),
    *,
    layouts: Mapping[str, SheetLayout] | None = None,
    timestamp: dt.datetime | None = None,
    title: str | None = None,
    language: str | None = None,
) -> bytes:
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


# ---- xlsx / xlsm (XlsxWriter)
# XlsxWriter writes every part of the package itself (styles, validations, protection, print settings), and
# its bytes depend only on what it is given once the creation date is fixed: every zip entry is dated
# 1 January 1980, and the document properties carry the date passed in `created`.

_XLSX_FORMATS = {  # format kind -> XlsxWriter format properties (number formats in Excel's own notation)
    "default": {},
    "bold": {"bold": True},
    "wrap": {"text_wrap": True, "valign": "top"},
    "bold_wrap": {"bold": True, "text_wrap": True, "valign": "top"},
    "date": {"num_format": "dd.mm.yyyy"},
    "pct": {"num_format": "0.0%"},
    # input cells of the blank form (unlocked; the rest of a protected sheet is locked)
    "in_text": {"num_format": "@", "locked": False, "valign": "top"},
    "in_date": {"num_format": "dd.mm.yyyy", "locked": False, "align": "left"},
    "in_int": {"num_format": "0", "locked": False, "align": "left"},
    "in_nok": {"num_format": "#,##0", "locked": False, "align": "left"},
    "in_number": {"locked": False},  # General: Calc and Excel then keep «8,4 %» a percentage and 8,4 a number
    "in_long": {"num_format": "@", "locked": False, "text_wrap": True, "valign": "top"},
    "label": {"bold": True, "valign": "top", "text_wrap": True},
    "cell_label": {"bold": True, "valign": "top", "border": 1, "border_color": "#A6A6A6"},
    "header": {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#D9E2F3", "border": 1},
    "help": {"italic": True, "font_color": "#404040", "text_wrap": True, "valign": "top"},
    "title": {"bold": True, "font_size": 14},
    "note": {"text_wrap": True, "valign": "top"},
    "warning": {"text_wrap": True, "valign": "top", "bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE"},
}
REQUIRED_FILL = "#FFF2CC"  # the fill of a required input cell, named in the instructions' legend


def _xlsx_bytes(
    sheets: Mapping[str, Sequence[Sequence[Cell]]],
    pct: frozenset,
    layouts: Mapping[str, SheetLayout],
    ts: dt.datetime,
    *,
    macro: bool,
    title: str | None,
    language: str | None,
) -> bytes:
    import xlsxwriter

    for n in sheets:
        if len(n) > 31 or any(ch in n for ch in "[]:*?/\\"):
            raise ValueError(f"invalid sheet name {n!r}")
    buf = io.BytesIO()
    # text is text: never turned into a formula, a number or a link (a submission's «=1+1» stays as typed)
    wb = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "constant_memory": False,
        },
    )
    props = {"author": "Saman om ein betre kommune", "created": ts}
    if title:
        props["title"] = title
    wb.set_properties(props)
    cache: dict[tuple[str, bool], object] = {}

    def fmt(kind: str, required: bool = False, border: bool = True):
        key = (kind, required, border)
        if key not in cache:
            spec = dict(_XLSX_FORMATS[kind])
            if required:
                spec["bg_color"] = REQUIRED_FILL
            if border and (kind.startswith("in_") or kind == "header"):
                spec.update(border=1, border_color="#A6A6A6")
            cache[key] = wb.add_format(spec)
        return cache[key]

    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        layout = layouts.get(name) or SheetLayout()
        column_kinds = dict(layout.column_inputs)
        for i, w in enumerate(layout.widths):
            ws.set_column(i, i, w, fmt(column_kinds[i], border=False) if i in column_kinds else None)
        for r0, height in layout.row_heights:
            ws.set_row(r0, height)
        inputs = {(r0, c0): (kind, req) for rng, kind, req in layout.inputs for r0, c0 in _cells(rng)}
        styled = dict(layout.styles)
        bold_cols, wrap_cols = set(layout.bold_columns), set(layout.wrap_columns)
        for (r0, c0), (kind, req) in inputs.items():  # empty input cells still carry their format
            ws.write_blank(r0, c0, None, fmt(kind, req))
        for r0, row in enumerate(rows):
            for c0, v in enumerate(row):
                if _is_empty(v):
                    continue
                if (r0, c0) in inputs:
                    style = fmt(*inputs[(r0, c0)])
                elif (r0, c0) in styled:
                    style = fmt(styled[(r0, c0)])
                elif isinstance(v, dt.date):
                    style = fmt("date")
                elif isinstance(v, (int, float)) and not isinstance(v, bool) and (name, r0, c0) in pct:
                    style = fmt("pct")
                else:
                    bold = r0 < layout.header_rows or c0 in bold_cols
                    wrap = c0 in wrap_cols
                    style = fmt("bold_wrap" if bold and wrap else "bold" if bold else "wrap" if wrap else "default")
                if isinstance(v, str):
                    ws.write_string(r0, c0, _ILLEGAL_XML.sub("", v), style)
                elif isinstance(v, bool):
                    ws.write_boolean(r0, c0, v, style)
                elif isinstance(v, dt.datetime):
                    ws.write_datetime(r0, c0, v, style)
                elif isinstance(v, dt.date):
                    ws.write_datetime(r0, c0, dt.datetime(v.year, v.month, v.day), style)
                elif isinstance(v, (int, float)):
                    ws.write_number(r0, c0, v, style)
                else:
                    raise TypeError(f"unsupported cell value {v!r} ({type(v).__name__}) in {name}!{cell_ref(r0, c0)}")
        if layout.header_rows:
            ws.freeze_panes(layout.header_rows, 0)
        for v in layout.validations:
            spec = _xlsx_validation(v)
            if " " in v.sqref:  # several ranges, one rule
                spec["multi_range"] = v.sqref
            ws.data_validation(v.sqref.split()[0], spec)
        if layout.protect:
            # no password: the protection keeps labels and headers from being typed over by mistake, it is no
            # lock; widths and heights may still be changed so long answers can be read
            ws.protect(
                "",
                {
                    "format_columns": True,
                    "format_rows": True,
                    "select_locked_cells": True,
                    "select_unlocked_cells": True,
                },
            )
        ws.set_paper(9)  # A4
        if layout.landscape:
            ws.set_landscape()
        if layout.fit_width:
            ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
        if layout.repeat_rows:
            ws.repeat_rows(0, layout.repeat_rows - 1)
        if layout.print_title:
            ws.set_header(f'&L&"Calibri,Bold"{layout.print_title}&R&P / &N')
    wb.close()
    return _finish_package(buf.getvalue(), macro=macro, language=language)


def _xlsx_validation(v: Validation) -> dict:
    spec: dict = {"ignore_blank": True}
    if v.kind == "list":
        spec.update(validate="list", source=list(v.options))
    elif v.kind in ("whole", "decimal", "date", "length"):
        spec["validate"] = v.kind
        if v.low is not None and v.high is not None:
            spec.update(criteria="between", minimum=v.low, maximum=v.high)
        elif v.low is not None:
            spec.update(criteria=">=", value=v.low)
        elif v.high is not None:
            spec.update(criteria="<=", value=v.high)
    elif v.kind == "any":  # no check, only the input help
        spec["validate"] = "any"
    else:
        raise ValueError(f"unknown validation kind {v.kind!r}")
    if v.input_title or v.input_message:
        spec.update(input_title=v.input_title[:32], input_message=v.input_message[:255])
    if v.error_message and v.kind != "any":
        spec.update(error_title=v.error_title[:32], error_message=v.error_message[:255], error_type="stop")
    return spec


def _finish_package(data: bytes, *, macro: bool, language: str | None) -> bytes:
    """What XlsxWriter does not write: the document language (dc:language), and a macro-enabled workbook
    without a macro (an .xlsm is an .xlsx whose workbook part is declared macro-enabled)."""
    edits = {}
    if language:
        edits["docProps/core.xml"] = lambda b: b.replace(
            b"</cp:coreProperties>", f"<dc:language>{_xml_text(language)}</dc:language></cp:coreProperties>".encode()
        )
    if macro:
        edits["[Content_Types].xml"] = lambda b: b.replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        )
    if not edits:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(
                info, edits[info.filename](body) if info.filename in edits else body, compress_type=info.compress_type
            )
    return out.getvalue()


def _cells(rng: str) -> list[tuple[int, int]]:
    """'B2' or 'B2:C9' -> its (row0, col0) cells."""
    first, _, last = rng.partition(":")
    (r1, c1), (r2, c2) = _ref(first), _ref(last or first)
    return [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def _ref(ref: str) -> tuple[int, int]:
    letters = "".join(ch for ch in ref if ch.isalpha())
    col = 0
    for ch in letters.upper():
        col = col * 26 + (ord(ch) - 64)
    return int(ref[len(letters) :]) - 1, col - 1


def _num_text(v: int | float) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(float(v))


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


def _xls_bytes(
    sheets: Mapping[str, Sequence[Sequence[Cell]]], pct: frozenset, layouts: Mapping[str, SheetLayout]
) -> bytes:
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

_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"'
)
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_ODS_CELL_STYLES = (
    '<number:date-style style:name="N_date"><number:day number:style="long"/><number:text>.</number:text>'
    '<number:month number:style="long"/><number:text>.</number:text><number:year number:style="long"/>'
    "</number:date-style>"
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


def _ods_bytes(
    sheets: Mapping[str, Sequence[Sequence[Cell]]],
    pct: frozenset,
    layouts: Mapping[str, SheetLayout],
    ts: dt.datetime,
    *,
    title: str | None,
    language: str | None,
) -> bytes:
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
                    parts.append(
                        f'<table:table-cell{s_attr} office:value-type="string">{_ods_text(v)}</table:table-cell>'
                    )
                elif isinstance(v, dt.date):
                    d = v.date() if isinstance(v, dt.datetime) else v
                    parts.append(
                        f'<table:table-cell table:style-name="ce_date" office:value-type="date" '
                        f'office:date-value="{d.isoformat()}"><text:p>{d.strftime("%d.%m.%Y")}</text:p>'
                        "</table:table-cell>"
                    )
                elif isinstance(v, (int, float)) and not isinstance(v, bool):
                    num = _num_text(v)
                    if (name, r0, c0) in pct:
                        shown = f"{v * 100:.1f}".replace(".", ",") + " %"
                        parts.append(
                            f'<table:table-cell table:style-name="ce_pct" office:value-type="percentage" '
                            f'office:value="{num}"><text:p>{shown}</text:p></table:table-cell>'
                        )
                    else:
                        parts.append(
                            f'<table:table-cell office:value-type="float" office:value="{num}">'
                            f"<text:p>{num.replace('.', ',')}</text:p></table:table-cell>"
                        )
                else:
                    raise TypeError(f"unsupported cell value {v!r} in {name}!{cell_ref(r0, c0)}")
            parts.append("</table:table-row>")
        if not rows:
            parts.append("<table:table-row><table:table-cell/></table:table-row>")
        parts.append("</table:table>")
        tables.append("".join(parts))
    col_xml = "".join(
        f'<style:style style:name="{n}" style:family="table-column">'
        f'<style:table-column-properties style:column-width="{w * 0.21:.2f}cm"/></style:style>'
        for w, n in col_styles.items()
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<office:document-content {_ODS_NS} office:version="1.2">'
        f"<office:automatic-styles>{col_xml}{_ODS_CELL_STYLES}</office:automatic-styles>"
        "<office:body><office:spreadsheet>"
        + "".join(tables)
        + "</office:spreadsheet></office:body></office:document-content>"
    ).encode("utf-8")
    styles = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<office:document-styles {_ODS_NS} office:version="1.2"><office:styles>'
        '<style:style style:name="Default" style:family="table-cell"/>'
        "</office:styles></office:document-styles>"
    ).encode()
    stamp = ts.strftime("%Y-%m-%dT%H:%M:%S")
    meta = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<office:document-meta {_ODS_NS} office:version="1.2"><office:meta>'
        "<meta:generator>samanom</meta:generator>"
        + (f"<dc:title>{_xml_text(title)}</dc:title>" if title else "")
        + (f"<dc:language>{_xml_text(language)}</dc:language>" if language else "")
        + f"<meta:creation-date>{stamp}</meta:creation-date><dc:date>{stamp}</dc:date>"
        "</office:meta></office:document-meta>"
    ).encode("utf-8")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
        f'manifest:media-type="{_ODS_MIME.decode()}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    ).encode()
    D = zipfile.ZIP_DEFLATED
    return _zip_bytes(
        [
            ("mimetype", _ODS_MIME, zipfile.ZIP_STORED),
            ("META-INF/manifest.xml", manifest, D),
            ("content.xml", content, D),
            ("styles.xml", styles, D),
            ("meta.xml", meta, D),
        ],
        ts,
    )


__all__ = [
    "Cell",
    "GUIDANCE_SHEET",
    "SheetLayout",
    "Validation",
    "cell_ref",
    "derive_timestamp",
    "form_layouts",
    "form_sheets",
    "guidance_lines",
    "render_workbook",
    "sheet_names",
    "write_blank_form",
    "FormatNotOffered",
    "write_workbook",
]
