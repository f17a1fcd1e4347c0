"""Numbers, dates, labels and order, the Norwegian way, for every document.

Numbers, money and dates are written through Babel (locales ``nb`` and ``nn``),
rounded half up once (:func:`_round`); fixed phrases live side by side in bokmål
and nynorsk in ``report_templates/tekstar.toml`` and are looked up with
:func:`text`; the form's keys (indicators, themes, units, statuses) and the
validation rules get their printed labels here; projects are listed in
Norwegian alphabetical order (:func:`sort_key_nb`), never by result.
Every function is pure and knows nothing of Jinja or WeasyPrint.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import (
    format_currency,
    format_decimal,
    get_minus_sign_symbol,
    parse_pattern,
)

from pipelines.issues import RULES
from pipelines.paths import TEMPLATES_DIR
from schemas.form import (
    FORMS,
    INDICATOR_BY_KEY,
    PERCENT_UNITS,
    STANDARD_INDICATORS,
    THEMES,
    TILTAK_STATUS_LABELS,
    UNIT_LABELS,
    normalise_label,
)

PHRASES_FILE = "tekstar.toml"
DASH = "–"  # shown where a value is missing


# --------------------------------------------------------------------------
# Numbers and dates (Babel)
# --------------------------------------------------------------------------


@functools.cache
def _locale(form: str) -> Locale:
    if form not in FORMS:
        raise ValueError(f"målform must be 'nb' or 'nn', not {form!r}")
    return Locale.parse(form)


@functools.cache
def _percent_suffix(form: str) -> str:
    """The locale's percent sign with its (no-break) space, e.g. ``'\\xa0%'``."""
    return parse_pattern(_locale(form).percent_formats[None].pattern).suffix[0]


@functools.cache
def _currency_patterns(form: str) -> tuple[str, str]:
    """(whole kroner, kroner and øre) from the locale's currency pattern."""
    positive = _locale(form).currency_formats["standard"].pattern.split(";")[0]
    return positive.replace(".00", ""), positive


#: Significant digits a binary float is read with before rounding. A difference of two floats carries
#: noise in the 16th–17th digit (8.4 − 5.85 = 2.5500000000000007, elsewhere 2.5499999999999998); 15
#: digits drop it, so 2,55 rounds half up to 2,6 whichever way the noise fell.
FLOAT_DIGITS = 15


def _decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return Decimal(f"{value:.{FLOAT_DIGITS}g}")
    return Decimal(str(value))


def _round(value: Any, decimals: int) -> Decimal:
    """The report's one rounding rule: half up (8,45 → 8,5; 2,55 → 2,6), as Statistics Norway prints.

    Every printed number (tables, charts, sentences) goes through here, once.
    """
    return _decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _minus(text: str, form: str) -> str:
    # CLDR patterns carry an ASCII hyphen; Norwegian typography uses the minus sign.
    return text.replace("-", get_minus_sign_symbol(_locale(form)), 1) if text.startswith("-") else text


def format_num(value: Any, form: str, decimals: int = 1, sign: bool = False) -> str:
    """``8.4`` → ``'8,4'``; ``1234.5`` → ``'1 234,5'`` (no-break space); None → ``'–'``."""
    if value is None:
        return DASH
    rounded = _round(value, decimals)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    text = _minus(format_decimal(rounded, format=pattern, locale=_locale(form)), form)
    if sign and rounded > 0:
        text = "+" + text
    if text.lstrip("−").strip("0,") == "":  # -0,0 → 0,0
        text = text.lstrip("−+")
    return text


def format_indicator_value(value: Any, form: str, unit: Any = None, sign: bool = False) -> str:
    """An indicator's value in its unit: percentages and points with one decimal (``8,0``), a whole count
    without (``120``, never ``120,0``), any other count with one (``1,6``)."""
    if value is None:
        return DASH
    measured = normalise_label(unit).rstrip(".") in (*PERCENT_UNITS, "poeng")
    whole = _decimal(value) == _decimal(value).to_integral_value()
    return format_num(value, form, 0 if whole and not measured else 1, sign)


def format_pct(value: Any, form: str, decimals: int = 1, sign: bool = False) -> str:
    """A percent number: ``8.4`` → ``'8,4 %'`` (with the locale's no-break space)."""
    if value is None:
        return DASH
    return format_num(value, form, decimals, sign) + _percent_suffix(form)


def format_share(value: Any, form: str, decimals: int = 0) -> str:
    """A share 0–1: ``0.625`` → ``'63 %'``."""
    if value is None:
        return DASH
    return format_pct(_decimal(value) * 100, form, decimals)


def format_nok(value: Any, form: str) -> str:
    """``1234567`` → ``'1 234 567 kr'``; øre only when there are any (``'12,50 kr'``)."""
    if value is None:
        return DASH
    amount = _round(value, 2)
    whole, with_ore = _currency_patterns(form)
    pattern = whole if amount == amount.to_integral_value() else with_ore
    text = format_currency(amount, "NOK", format=pattern, locale=_locale(form), currency_digits=False)
    return _minus(text, form)


def as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    raise TypeError(f"not a date: {value!r}")


def format_dato(value: Any, form: str) -> str:
    """``2013-11-23`` → ``'23.11.2013'``."""
    if value is None or value == "":
        return DASH
    return format_date(as_date(value), "dd.MM.yyyy", locale=_locale(form))


def format_dato_lang(value: Any, form: str) -> str:
    """``2013-11-23`` → ``'23. november 2013'``."""
    if value is None or value == "":
        return DASH
    return format_date(as_date(value), "d. MMMM y", locale=_locale(form))


# --------------------------------------------------------------------------
# Phrases and labels
# --------------------------------------------------------------------------


@functools.cache
def phrases() -> dict[str, dict[str, str]]:
    """``tekstar.toml``: ``{key: {'nb': ..., 'nn': ...}}``; every key has both forms."""
    with open(TEMPLATES_DIR / PHRASES_FILE, "rb") as fh:
        data = tomllib.load(fh)
    for key, value in data.items():
        if not isinstance(value, dict) or set(value) != {"nb", "nn"}:
            raise ValueError(f"{PHRASES_FILE}: [{key}] must have exactly nb and nn")
    return data


def text(key: str, form: str, **values: Any) -> str:
    """A phrase in the given form, with ``{name}`` placeholders filled in."""
    try:
        phrase = phrases()[key][form]
    except KeyError:
        raise KeyError(f"no phrase {key!r} for form {form!r} in {PHRASES_FILE}") from None
    return phrase.format_map(values) if values else phrase


def indicator_label(key: str, form: str) -> str:
    """Standard indicator key → its label; a project's own label is returned as it is."""
    ind = INDICATOR_BY_KEY.get(key)
    return ind.label(form) if ind else str(key)


def theme_label(key: str, form: str) -> str:
    labels = THEMES.get(key)
    return (labels[1] if form == "nn" else labels[0]) if labels else str(key)


def network_name(name: Any, form: str) -> str:
    """A network's name (the booklet's, in bokmål) in the form: a nynorsk letter writes «Sjukefråvær Øst»."""
    if name is None:
        return DASH
    name = str(name)
    if form == "nn":
        for key, pair in phrases().items():
            if key.startswith("nettverksord_"):
                name = name.replace(pair["nb"], pair["nn"])
    return name


def rule_label(code: str, form: str) -> str:
    """A validation rule as the data-quality table names it: what was wrong, then its code."""
    rule = RULES.get(code)
    if not rule:
        return str(code)
    what = rule[2] if form == "nn" else rule[1]
    return f"{what[:1].upper()}{what[1:]} ({code})"


def unit_label(unit: str | None, form: str) -> str:
    labels = UNIT_LABELS.get(unit or "")
    if labels:
        return labels[1] if form == "nn" else labels[0]
    return unit or ""


def tiltak_status_label(key: str, form: str) -> str:
    labels = TILTAK_STATUS_LABELS.get(key)
    return (labels[1] if form == "nn" else labels[0]) if labels else str(key)


# --------------------------------------------------------------------------
# Order
# --------------------------------------------------------------------------


# Norwegian collation: æ, ø, å after z (in that order); ä sorts as æ, ö as ø, ü as y.
# '{', '|', '}' are the three code points right after 'z'.
_NB_LETTERS = {"æ": "{", "ä": "{", "ø": "|", "ö": "|", "å": "}", "ü": "y"}


def sort_key_nb(name: Any) -> str:
    """Sort key for Norwegian alphabetical order: case- and accent-insensitive, æ ø å last."""
    out = []
    for ch in str(name or "").casefold():
        if ch in _NB_LETTERS:
            out.append(_NB_LETTERS[ch])
            continue
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        out.append(base)
    return "".join(out)


def alphabetical(
    rows: Iterable[Mapping[str, Any]], attribute: str = "prosjektnavn", *then: str
) -> list[Mapping[str, Any]]:
    """Rows in Norwegian alphabetical order (æ, ø, å last) — never by result.

    Ties are broken by the ``then`` attributes, then by ``prosjektnummer``.
    """

    def key(r: Mapping[str, Any]):
        return (
            sort_key_nb(r.get(attribute)),
            *(sort_key_nb(r.get(a)) for a in then),
            str(r.get("prosjektnummer") or ""),
        )

    return sorted(rows, key=key)


def find_row(rows: Iterable[Mapping[str, Any]] | None, attribute: str, value: Any) -> Mapping[str, Any] | None:
    """The first row whose ``attribute`` equals ``value``, or None."""
    for r in rows or ():
        if r.get(attribute) == value:
            return r
    return None


_SEVERITY_ORDER = {"avvis_fil": 0, "avvis_rad": 1, "merknad": 2, "krav": 1}
_STANDARD_ORDER = {ind.key: i for i, ind in enumerate(STANDARD_INDICATORS)}


def deviations_in_order(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Check results: file rejections, then row rejections, then remarks; rules alphabetically."""
    return sorted(rows, key=lambda r: (_SEVERITY_ORDER.get(r.get("alvorsgrad"), 9), sort_key_nb(r.get("regel"))))


def files_in_order(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Source files by received date, then name."""
    return sorted(
        rows,
        key=lambda r: (
            r.get("mottatt_dato") is None,
            str(r.get("mottatt_dato") or ""),
            str(r.get("filnavn") or ""),
            str(r.get("sha256") or ""),
        ),
    )


def indicators_in_order(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """A letter's indicators: standard ones in the form's order, then the project's own alphabetically."""
    return sorted(
        rows,
        key=lambda r: (
            (0, _STANDARD_ORDER.get(r.get("indikator"), 99), "")
            if r.get("standard")
            else (1, 0, sort_key_nb(r.get("indikator")))
        ),
    )


def findings_in_order(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Findings: what must be corrected first, then by deadline, then code."""
    return sorted(
        rows,
        key=lambda r: (
            _SEVERITY_ORDER.get(r.get("alvorsgrad"), 9) > 1,
            r.get("frist") is None,
            str(r.get("frist") or ""),
            str(r.get("kode") or ""),
        ),
    )


# --------------------------------------------------------------------------
# Names and sums
# --------------------------------------------------------------------------


def municipality_name(name: Any, form: str) -> str:
    """``'Karmøy'`` → ``'Karmøy kommune'`` (unless the name already says kommune)."""
    if name is None:
        return DASH
    name = str(name)
    if name.casefold().endswith("kommune"):
        return name
    return text("kommune_navn", form, namn=name)


def difference(a: Any, b: Any) -> Decimal | None:
    """``a − b`` exactly (ints, floats and Decimals from the warehouse mix safely); None if either is."""
    if a is None or b is None:
        return None
    return _decimal(a) - _decimal(b)


def ratio(a: Any, b: Any) -> Decimal | None:
    """``a / b`` as a share (0–1), or None when it cannot be computed."""
    if a is None or b is None or _decimal(b) == 0:
        return None
    return _decimal(a) / _decimal(b)


def product(a: Any, b: Any) -> Decimal | None:
    if a is None or b is None:
        return None
    return (_decimal(a) * _decimal(b)).normalize()


def sum_rows(rows: Iterable[Mapping[str, Any]], *keys: str) -> dict[str, Any]:
    """Column totals; a column that is None in every row stays None."""
    rows = list(rows)
    total: dict[str, Any] = {}
    for key in keys:
        values = [r.get(key) for r in rows if r.get(key) is not None]
        if not values:
            total[key] = None
        elif all(isinstance(v, int) for v in values):
            total[key] = sum(values)
        else:  # money may arrive as float or Decimal: add exactly
            total[key] = sum((_decimal(v) for v in values), Decimal(0))
    return total
