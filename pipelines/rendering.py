"""HTML templates to archival PDF: the annual report and the follow-up letters.

One Jinja2 environment (templates in ``report_templates/``, autoescaped, strict
about missing keys) and one parsed stylesheet per process, shared by every
document the process renders. Numbers, money and dates are written the
Norwegian way through Babel (locales ``nb`` and ``nn``); fixed phrases live
side by side in bokmål and nynorsk in ``report_templates/tekstar.toml`` and
are looked up with ``t(key)``.

Every PDF is PDF/A-2a (tagged, with ``/Lang`` and a title), and the same
context always gives the same bytes: the document dates come from
``context['rapportdato']``, never from the clock. WeasyPrint may fetch only
files inside ``report_templates/``; any other URL (http, data, files
elsewhere) is refused, so text from a submission can never make the renderer
fetch anything.

Context contract (built by the caller from the DuckDB marts; any value may be
None; dates are ``datetime.date``; money in NOK; percents as percent numbers,
8.4 for 8,4 %; shares 0–1). :data:`TEMPLATE_KEYS` lists the top-level keys:

* common: ``aar``, ``rapportdato`` (the run's report date, never the clock),
  ``run_id``, ``kodeversjon``, ``eksempeldata`` (bool), ``status``
  (``'utkast'`` | ``'endeleg'``); ``form`` is set from the ``form`` argument.
* ``arsrapport.html.j2``: ``pulje``, ``pulje_totalt`` (the programme's total
  row: a municipality in both pools counts once), ``nettverk``, ``tema``, ``indikatorar``,
  ``seriar``, ``tiltak_status``, ``risiko``, ``okonomi_tema``, ``tilbakebetaling``,
  ``avvik_regel``, ``utan_rapport`` — lists of row dicts (see the template for the
  row keys) — the appendix's file names ``vedlegg_fil``, ``vedlegg_csv``, and
  what :func:`pipelines.report_rules.derive` adds (key messages, tables with
  their totals, trends, quotations).
* ``arsrapport_vedlegg.html.j2`` (the auditors' appendix): ``filer``, ``rapport_fil``, ``vedlegg_csv``.
* ``brev.html.j2``: ``prosjekt`` (dict), ``indikatorar``, ``funn`` (lists),
  ``svarfrist``, ``konto``, ``kontakt`` (``namn``, ``epost``, ``telefon``), ``okonomi`` (the money block,
  see ``report_context.okonomi``) and ``pengevedtak`` (bool: the letter withholds a payment or reclaims funds).

Projects are always listed alphabetically (Norwegian collation), never by result.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import math
import multiprocessing
import os
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, get_minus_sign_symbol, parse_pattern
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from markupsafe import Markup

from pipelines import charts, report_rules, versions
from pipelines.issues import RULES
from pipelines.paths import TEMPLATES_DIR
from schemas.form import (
    INDICATOR_BY_KEY,
    PERCENT_UNITS,
    STANDARD_INDICATORS,
    THEMES,
    TILTAK_STATUS_LABELS,
    TILTAK_STATUSES,
    UNIT_LABELS,
    normalise_label,
)

STYLESHEET = "base.css"
PHRASES_FILE = "tekstar.toml"

#: The archival variant we write: tagged PDF/A-2a (WeasyPrint 70 has it).
PDF_VARIANT = "pdf/a-2a"
FORMS = ("nb", "nn")
LANG = {"nb": "nb-NO", "nn": "nn-NO"}
DASH = "–"  # shown where a value is missing

log = logging.getLogger(__name__)

COMMON_KEYS = ("aar", "rapportdato", "run_id", "kodeversjon", "eksempeldata", "status")
TEMPLATE_KEYS: dict[str, tuple[str, ...]] = {
    "arsrapport.html.j2": COMMON_KEYS + (
        "pulje", "pulje_totalt", "nettverk", "tema", "indikatorar", "seriar", "tiltak_status", "risiko",
        "okonomi_tema", "tilbakebetaling", "avvik_regel", "utan_rapport", "vedlegg_fil", "vedlegg_csv",
        # derived by pipelines.report_rules.derive
        "hovudbodskap", "nettverk_puljar", "nettverk_totalt", "tema_totalt", "status_tabell", "risiko_totalt",
        "risiko_liste", "programperiode", "trendar", "sitat"),
    "arsrapport_vedlegg.html.j2": COMMON_KEYS + ("filer", "rapport_fil", "vedlegg_csv"),
    "brev.html.j2": COMMON_KEYS + ("prosjekt", "variant", "mottekne", "indikatorar", "funn", "frist", "svarfrist",
                                   "neste_frist", "deltakarar", "vedtak", "konto", "kontakt", "avsendar",
                                   "journalnummer", "tidlegare_brev", "okonomi", "pengevedtak"),
}
STATUSES = ("utkast", "endeleg")


class RenderError(RuntimeError):
    """A document could not be rendered (carries the output path)."""


class FetchRefused(ValueError):
    """WeasyPrint asked for a URL outside report_templates/."""


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


def _as_date(value: Any) -> dt.date:
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
    return format_date(_as_date(value), "dd.MM.yyyy", locale=_locale(form))


def format_dato_lang(value: Any, form: str) -> str:
    """``2013-11-23`` → ``'23. november 2013'``."""
    if value is None or value == "":
        return DASH
    return format_date(_as_date(value), "d. MMMM y", locale=_locale(form))


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
# Helpers used by the templates
# --------------------------------------------------------------------------

def alphabetical(rows: Iterable[Mapping[str, Any]], attribute: str = "prosjektnavn",
                 *then: str) -> list[Mapping[str, Any]]:
    """Rows in Norwegian alphabetical order (æ, ø, å last) — never by result.

    Ties are broken by the ``then`` attributes, then by ``prosjektnummer``.
    """
    def key(r: Mapping[str, Any]):
        return (charts.sort_key_nb(r.get(attribute)),
                *(charts.sort_key_nb(r.get(a)) for a in then),
                str(r.get("prosjektnummer") or ""))
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
    return sorted(rows, key=lambda r: (_SEVERITY_ORDER.get(r.get("alvorsgrad"), 9),
                                       charts.sort_key_nb(r.get("regel"))))


def files_in_order(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Source files by received date, then name."""
    return sorted(rows, key=lambda r: (r.get("mottatt_dato") is None,
                                       str(r.get("mottatt_dato") or ""), str(r.get("filnavn") or ""),
                                       str(r.get("sha256") or "")))


def indicators_in_order(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """A letter's indicators: standard ones in the form's order, then the project's own alphabetically."""
    return sorted(rows, key=lambda r: (0, _STANDARD_ORDER.get(r.get("indikator"), 99), "")
                  if r.get("standard") else (1, 0, charts.sort_key_nb(r.get("indikator"))))


def findings_in_order(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Findings: what must be corrected first, then by deadline, then code."""
    return sorted(rows, key=lambda r: (_SEVERITY_ORDER.get(r.get("alvorsgrad"), 9) > 1,
                                       r.get("frist") is None, str(r.get("frist") or ""),
                                       str(r.get("kode") or "")))


def municipality_name(name: Any, form: str) -> str:
    """``'Karmøy'`` → ``'Karmøy kommune'`` (unless the name already says kommune)."""
    if name is None:
        return DASH
    name = str(name)
    if name.casefold().endswith("kommune"):
        return name
    return text("kommune_namn", form, namn=name)


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


def _raise(message: str) -> None:
    raise ValueError(message)


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


def _ctx_form(ctx) -> str:
    form = ctx.get("form")
    if form not in FORMS:
        raise ValueError(f"context form must be 'nb' or 'nn', not {form!r}")
    return form


def _contextual(fn):
    """Wrap ``fn(value, form, ...)`` as a filter/global that reads the form from the context."""
    @pass_context
    def wrapper(ctx, value, *args, **kwargs):
        return fn(value, _ctx_form(ctx), *args, **kwargs)
    wrapper.__name__ = fn.__name__
    return wrapper


@pass_context
def _t(ctx, key: str, **values: Any) -> str:
    return text(key, _ctx_form(ctx), **values)


@pass_context
def _label(ctx, prefix: str, value: Any) -> str:
    """Phrase ``prefix_value`` if there is one, else the value itself (never silently empty)."""
    key = f"{prefix}_{value}"
    return text(key, _ctx_form(ctx)) if key in phrases() else ("–" if value is None else str(value))


@pass_context
def _list(ctx, items: Iterable[Any]) -> str:
    """«A», «A og B», «A, B og C»: a list as a sentence writes it."""
    items = [str(i) for i in items]
    if len(items) < 2:
        return items[0] if items else DASH
    return ", ".join(items[:-1]) + f" {text('og', _ctx_form(ctx))} " + items[-1]


@pass_context
def _themes(ctx, keys: Iterable[str] | None) -> str:
    return ", ".join(theme_label(k, _ctx_form(ctx)) for k in (keys or ())) or DASH


@pass_context
def _indicator_charts(ctx, indikator: str, rows: Iterable[Mapping[str, Any]],
                      max_rows: int = charts.MAX_ROWS) -> list[Markup]:
    svgs = charts.indicator_charts(indikator, rows, aar=ctx["aar"], form=_ctx_form(ctx),
                                   max_rows=max_rows)
    return [Markup(svg) for svg in svgs]  # charts escape every text they draw


def _value_text(v: Any, form: str) -> str:
    """One value of a sentence, formatted by its kind (:class:`pipelines.report_rules.V`)."""
    kind, value = v.kind, v.value
    if kind == "tal":
        return format_num(value, form, 0)
    if kind.startswith("antal:"):  # «1 prosjekt», «4 prosjekter» / «4 prosjekt»
        noun = kind.removeprefix("antal:") + ("_1" if value == 1 else "_n")
        return text(noun, form, n=format_num(value, form, 0))
    if kind == "andel":
        return format_share(value, form)
    if kind == "num1":
        return format_num(value, form, 1, sign=True)
    if kind == "nok":
        return format_nok(value, form)
    if kind == "tema":
        return theme_label(value, form)
    if kind == "indikator":
        return indicator_label(value, form).lower()
    if kind == "frase":
        return text(value, form)
    return str(value)


def message_text(message: report_rules.Message, form: str, sentence: bool = True) -> str:
    """A key message in words: its phrase with the values formatted (lists of clauses joined with «;»),
    starting with a capital letter when it is a ``sentence``."""
    values = {}
    for name, v in message.values.items():
        if isinstance(v, list):
            values[name] = "; ".join(message_text(m, form, sentence=False) for m in v)
        else:
            values[name] = _value_text(v, form)
    out = text(message.key, form, **values)
    return out[:1].upper() + out[1:] if sentence else out


@functools.cache
def environment() -> Environment:
    """The one Jinja2 environment of this process (templates compile once, then cached)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html", "j2", "svg", "xml"),
                                     default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        cache_size=-1,
        auto_reload=False,
    )
    env.filters.update(
        nok=_contextual(format_nok),
        num=_contextual(format_num),
        indikatorverdi=_contextual(format_indicator_value),
        pct=_contextual(format_pct),
        andel=_contextual(format_share),
        dato=_contextual(format_dato),
        dato_lang=_contextual(format_dato_lang),
        indikator=_contextual(indicator_label),
        tema=_contextual(theme_label),
        eining=_contextual(unit_label),
        regel=_contextual(rule_label),
        tiltakstatus=_contextual(tiltak_status_label),
        kommune_namn=_contextual(municipality_name),
        nettverk=_contextual(network_name),
        nbsp=lambda v: DASH if v is None else str(v).replace(" ", "\xa0"),
        alfabetisk=alphabetical,
    )
    env.globals.update(
        t=_t,
        merkelapp=_label,
        temaer=_themes,
        liste=_list,
        finn=find_row,
        sum_rows=sum_rows,
        differanse=difference,
        forhold=ratio,
        produkt=product,
        avvik_etter_alvor=deviations_in_order,
        filer_i_rekkjefolgje=files_in_order,
        indikatorar_i_rekkjefolgje=indicators_in_order,
        funn_i_rekkjefolgje=findings_in_order,
        ukjend_rapportstatus=lambda s: _raise(f"unknown rapportstatus {s!r}"),
        TILTAK_STATUSES=tuple(TILTAK_STATUSES),
        indikatorgrafar=_indicator_charts,
        graf_per_nettverk=lambda indikator, rows: charts.per_network(indikator, rows),
        bodskap=_contextual(message_text),
        tema_utvikling=report_rules.theme_development,
        FINDINGS_PER_THEME=report_rules.FINDINGS_PER_THEME,
        EXAMPLES_PER_THEME=report_rules.EXAMPLES_PER_THEME,
        STANDARD_INDICATORS=STANDARD_INDICATORS,
        THEMES=THEMES,
        LANG=LANG,
    )
    return env


def check_context(template: str, context: Mapping[str, Any]) -> None:
    """Fail early, with the names, when top-level keys of the contract are missing."""
    missing = [k for k in TEMPLATE_KEYS.get(template, COMMON_KEYS) if k not in context]
    if missing:
        raise KeyError(f"{template}: context lacks {', '.join(missing)}")
    if context["rapportdato"] is None:
        raise ValueError("context['rapportdato'] is required (the PDF's dates come from it)")
    if context["status"] not in STATUSES:
        raise ValueError(f"context['status'] must be one of {STATUSES}, not {context['status']!r}")


def render_html(template: str, context: Mapping[str, Any], form: str) -> str:
    """The HTML a PDF is made from (also handy to look at in a browser)."""
    if form not in FORMS:
        raise ValueError(f"form must be 'nb' or 'nn', not {form!r}")
    if context.get("form", form) != form:
        raise ValueError(f"context form {context.get('form')!r} differs from form {form!r}")
    check_context(template, context)
    ctx = dict(context)
    ctx["form"] = form
    ctx["lang"] = LANG[form]
    # PDF /CreationDate, /ModDate and XMP dates: the run's report date, midnight UTC
    # (a full timestamp, so the Info dictionary and XMP agree exactly as PDF/A asks).
    ctx["dokumentdato"] = _as_date(context["rapportdato"]).isoformat() + "T00:00:00Z"
    return environment().get_template(template).render(ctx)


# --------------------------------------------------------------------------
# WeasyPrint
# --------------------------------------------------------------------------

def _weasyprint():
    import weasyprint  # imported lazily: costly, and not every caller renders

    return weasyprint


@functools.cache
def url_fetcher():
    """A fetcher that serves files inside report_templates/ and refuses everything else.

    Every request is recorded in ``url_fetcher().requests`` (url, allowed) so
    tests can prove that nothing outside was asked for.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class TemplatesOnlyFetcher(URLFetcher):
        def __init__(self):
            super().__init__(timeout=1, allowed_protocols=("file",), allow_redirects=False)
            self.requests: list[tuple[str, bool]] = []

        def resolve(self, url: str) -> Path | None:
            parts = urlsplit(url)
            if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
                return None
            path = Path(unquote(parts.path)).resolve()
            if path.is_file() and path.is_relative_to(TEMPLATES_DIR):
                return path
            return None

        def fetch(self, url, headers=None):
            path = self.resolve(url)
            self.requests.append((url, path is not None))
            if path is None:
                raise FetchRefused(f"refused to fetch {url!r}: only files in report_templates/")
            return URLFetcherResponse(path.as_uri(), body=path.read_bytes())

    return TemplatesOnlyFetcher()


@functools.cache
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@functools.cache
def stylesheet():
    """base.css, parsed once per process."""
    wp = _weasyprint()
    return wp.CSS(filename=str(TEMPLATES_DIR / STYLESHEET), url_fetcher=url_fetcher(),
                  font_config=_font_config())


def _ref_number(ref: Any) -> int | None:
    """``b'12 0 R'`` → 12 (pydyf references are bytes or str)."""
    if isinstance(ref, (bytes, str)):
        parts = (ref.decode() if isinstance(ref, bytes) else ref).split()
        if len(parts) == 3 and parts[2] == "R" and parts[0].isdigit():
            return int(parts[0])
    return None


def _artifact_margin_content(document, pdf) -> None:
    """WeasyPrint finisher: mark running headers and page numbers as artifacts.

    WeasyPrint 70 tags the text of page margin boxes (our running header and
    «Side N av M») with structure elements that it deliberately leaves out of
    the structure tree (see weasyprint/pdf/tags.py). Tagged PDF (and so
    PDF/A-2a) wants every piece of content either in the tree or marked as an
    artifact, so this turns those orphaned marked-content sequences into
    ``/Artifact`` and drops the orphans from the parent tree. Anything
    unexpected leaves the PDF unchanged (and is logged).
    """
    import pydyf

    try:
        objects = pdf.objects
        root_number = _ref_number(pdf.catalog.get("StructTreeRoot"))
        if root_number is None:
            return
        root = objects[root_number]
        reachable: set[int] = set()
        todo = [n for n in (_ref_number(k) for k in root.get("K", ())) if n is not None]
        while todo:
            number = todo.pop()
            if number in reachable:
                continue
            reachable.add(number)
            kids = objects[number].get("K", ()) if isinstance(objects[number], dict) else ()
            todo.extend(n for n in (_ref_number(k) for k in kids) if n is not None)

        parent_tree = objects[_ref_number(root["ParentTree"])]
        nums = parent_tree["Nums"]
        page_numbers = [_ref_number(ref) for ref in pdf.page_references]
        changed = 0
        for i in range(0, len(nums), 2):
            key, refs = nums[i], nums[i + 1]
            if not isinstance(refs, list) or not (0 <= key < len(page_numbers)):
                continue  # annotation entries (a single reference) are left alone
            orphan_mcids = {mcid for mcid, ref in enumerate(refs)
                            if _ref_number(ref) is not None and _ref_number(ref) not in reachable}
            if not orphan_mcids:
                continue
            stream = objects[_ref_number(objects[page_numbers[key]]["Contents"])]
            items = stream.stream
            for j in range(1, len(items) - 1):
                item = items[j]
                if (isinstance(item, pydyf.Dictionary) and item.get("MCID") in orphan_mcids
                        and items[j + 1] == b"BDC"):
                    mcid = item["MCID"]
                    items[j - 1], items[j], items[j + 1] = "/Artifact", b"BMC", b""
                    objects[_ref_number(refs[mcid])].free = "f"
                    refs[mcid] = "null"
                    orphan_mcids.discard(mcid)
                    changed += 1
            if orphan_mcids:
                log.warning("untagged content left on page %d: MCIDs %s", key + 1, sorted(orphan_mcids))
        # Structure elements that only held margin content are now unreferenced: drop them.
        for number, obj in enumerate(objects):
            if (number and isinstance(obj, dict) and obj.get("Type") == "/StructElem"
                    and number not in reachable):
                obj.free = "f"
        log.debug("marked %d margin-box sequences as artifacts", changed)
    except Exception:  # pragma: no cover - defensive: never lose a document over this
        log.exception("could not mark margin boxes as artifacts; PDF left as WeasyPrint wrote it")


def warm_up() -> None:
    """Compile templates, load phrases and parse the CSS (e.g. in a pool worker)."""
    env = environment()
    for name in ("arsrapport.html.j2", "arsrapport_vedlegg.html.j2", "brev.html.j2"):
        env.get_template(name)
    phrases()
    stylesheet()


def pdf_from_html(html: str) -> tuple[bytes, int]:
    """(PDF bytes, page count) for one document's HTML."""
    wp = _weasyprint()
    document = wp.HTML(string=html, base_url=str(TEMPLATES_DIR) + os.sep,
                       url_fetcher=url_fetcher()).render(
        stylesheets=[stylesheet()], font_config=_font_config(),
        pdf_variant=PDF_VARIANT, pdf_tags=True)
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True, finisher=_artifact_margin_content)
    return pdf, len(document.pages)


def render_pdf_bytes(template: str, context: Mapping[str, Any], form: str) -> tuple[bytes, int]:
    """(PDF bytes, page count) for one document."""
    return pdf_from_html(render_html(template, context, form))


@functools.cache
def _renderer_version() -> str:
    from importlib.metadata import version

    return f"{PDF_VARIANT}|weasyprint {version('weasyprint')}|pydyf {version('pydyf')}|samanom {versions.pdf()}"


def cache_key(html: str) -> str:
    """What a PDF's bytes depend on: its HTML and the renderer (WeasyPrint, the stylesheet, our finisher).

    The templates and phrases count through the HTML alone, so a changed phrase gives new keys to
    exactly the documents that print it.
    """
    return hashlib.sha256(f"{_renderer_version()}\n{html}".encode()).hexdigest()


class PdfCache:
    """Rendered PDFs by :func:`cache_key`: an unchanged document is copied, not rendered again.

    Re-runs after one corrected submission change a few letters; the others
    have the same HTML and so the same bytes. Each entry is verified against
    its recorded SHA-256 before use, so a damaged entry is rendered anew.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def get(self, key: str) -> tuple[bytes, int] | None:
        pdf_path, meta_path = self.folder / f"{key}.pdf", self.folder / f"{key}.json"
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            pdf = pdf_path.read_bytes()
        except (OSError, ValueError):
            return None
        if hashlib.sha256(pdf).hexdigest() != meta.get("sha256"):
            return None
        return pdf, int(meta["pages"])

    def put(self, key: str, pdf: bytes, pages: int) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_atomic(self.folder / f"{key}.pdf", pdf)
        _write_atomic(self.folder / f"{key}.json",
                      json.dumps({"sha256": hashlib.sha256(pdf).hexdigest(), "pages": pages}).encode())


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _html_for(template: str, context: Mapping[str, Any], form: str, out: Path) -> str:
    try:
        return render_html(template, context, form)
    except Exception as exc:
        raise RenderError(f"{out}: {type(exc).__name__}: {exc}") from exc


def _render_html_job(job: Sequence[Any]) -> dict[str, Any]:
    """Render one document's HTML to ``out`` (in this process or a pool worker)."""
    html, out, cache_folder = job
    out = Path(out)
    try:
        pdf, pages = pdf_from_html(html)
    except Exception as exc:
        raise RenderError(f"{out}: {type(exc).__name__}: {exc}") from exc
    if cache_folder is not None:
        PdfCache(cache_folder).put(cache_key(html), pdf, pages)
    return _written(out, pdf, pages, reused=False)


def _written(out: Path, pdf: bytes, pages: int, reused: bool) -> dict[str, Any]:
    _write_atomic(out, pdf)
    return {"path": str(out), "sha256": hashlib.sha256(pdf).hexdigest(), "pages": pages, "bytes": len(pdf),
            "reused": reused}


def render_pdf(template: str, context: Mapping[str, Any], form: str, out: Path,
               cache: Path | None = None) -> dict[str, Any]:
    """Render ``template`` with ``context`` in målform ``form`` to the PDF file ``out``.

    Returns ``{'path', 'sha256', 'pages', 'bytes', 'reused'}``. The file is
    written atomically (temporary file, then rename); the same context gives
    the same bytes. With a ``cache`` folder, a document whose HTML was rendered
    before is copied from the cache (``reused``).
    """
    return render_many([(template, context, form, Path(out))], processes=1, cache=cache)[0]


def usable_cpus() -> int:
    """The CPUs this process may run on (a container's cpuset), not all of the machine's."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def render_many(jobs: Sequence[tuple[str, Mapping[str, Any], str, Path]],
                processes: int | None = None, cache: Path | None = None) -> list[dict[str, Any]]:
    """Render many documents (letters) in a pool of spawned processes.

    Results come back in the order of ``jobs``. The HTML is made here (cheap);
    documents found in the ``cache`` folder are copied, and only the rest go
    to WeasyPrint. ``processes=None`` uses the CPUs this process may use; ``processes=1``
    (or a single document to render) renders in this process. The first
    failure stops the run with a :class:`RenderError` naming the file.
    """
    store = PdfCache(cache) if cache is not None else None
    results: list[dict[str, Any] | None] = []
    todo: list[tuple[int, tuple[str, Path, Path | None]]] = []
    for template, context, form, out in jobs:
        html = _html_for(template, context, form, Path(out))
        hit = store.get(cache_key(html)) if store else None
        if hit:
            results.append(_written(Path(out), *hit, reused=True))
        else:
            results.append(None)
            todo.append((len(results) - 1, (html, Path(out), cache)))
    workers = min(processes or usable_cpus(), len(todo))
    if workers <= 1:
        rendered = [_render_html_job(job) for _, job in todo]
    else:
        chunksize = max(1, len(todo) // (workers * 4))
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=warm_up) as pool:
            rendered = list(pool.map(_render_html_job, [job for _, job in todo], chunksize=chunksize))
    for (index, _), result in zip(todo, rendered):
        results[index] = result
    return results
