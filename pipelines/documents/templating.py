"""HTML from the templates: one Jinja2 environment, its filters, and the context each template needs.

One environment per process (templates in ``report_templates/``, autoescaped, strict about missing
keys), shared by every document the process renders. The filters and globals write numbers, dates
and labels through :mod:`pipelines.documents.formatting`; the charts are inline SVG
(:mod:`pipelines.documents.charts`). The HTML is what :mod:`pipelines.documents.pdf` turns into PDF.

Context contract (built by the caller from the DuckDB marts; any value may be
None; dates are ``datetime.date``; money in NOK; percents as percent numbers,
8.4 for 8,4 %; shares 0–1). :data:`TEMPLATE_KEYS` lists the top-level keys:

* common: ``aar``, ``rapportdato`` (the run's report date, never the clock),
  ``run_id``, ``kodeversjon``, ``eksempeldata`` (bool), ``status``
  (``'utkast'`` | ``'endelig'``); ``form`` is set from the ``form`` argument.
* ``arsrapport.html.j2``: ``pulje``, ``pulje_totalt`` (the programme's total
  row: a municipality in both pools counts once), ``nettverk``, ``tema``, ``indikatorer``,
  ``seriar``, ``tiltak_status``, ``risiko``, ``okonomi_tema``, ``tilbakebetaling``,
  ``avvik_regel``, ``uten_rapport`` — lists of row dicts (see the template for the
  row keys) — the appendix's file names ``vedlegg_fil``, ``vedlegg_csv``, and
  what :func:`pipelines.report_rules.derive` adds (key messages, tables with
  their totals, trends, quotations).
* ``arsrapport_vedlegg.html.j2`` (the auditors' appendix): ``filer``, ``rapport_fil``, ``vedlegg_csv``, and
  (``report_context.appendix``) whether the files are listed, their count per outcome and the CSV's SHA-256.
* ``brev.html.j2``: ``prosjekt`` (dict), ``indikatorer``, ``funn`` (lists),
  ``svarfrist``, ``konto``, ``kontakt`` (``namn``, ``epost``, ``telefon``), ``okonomi`` (the money block,
  see ``report_context.okonomi``) and ``pengevedtak`` (bool: the letter withholds a payment or reclaims funds).

Projects are always listed alphabetically (Norwegian collation), never by result.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_context,
    select_autoescape,
)
from markupsafe import Markup

from pipelines.documents import charts, report_rules
from pipelines.documents.formatting import (
    DASH,
    FORMS,
    alphabetical,
    as_date,
    deviations_in_order,
    difference,
    files_in_order,
    find_row,
    findings_in_order,
    format_dato,
    format_dato_lang,
    format_indicator_value,
    format_nok,
    format_num,
    format_pct,
    format_share,
    indicator_label,
    indicators_in_order,
    municipality_name,
    network_name,
    phrases,
    product,
    ratio,
    rule_label,
    sum_rows,
    text,
    theme_label,
    tiltak_status_label,
    unit_label,
)
from pipelines.paths import TEMPLATES_DIR
from schemas.form import STANDARD_INDICATORS, THEMES, TILTAK_STATUSES

LANG = {"nb": "nb-NO", "nn": "nn-NO"}
TEMPLATES = ("arsrapport.html.j2", "arsrapport_vedlegg.html.j2", "brev.html.j2")

COMMON_KEYS = ("aar", "rapportdato", "run_id", "kodeversjon", "eksempeldata", "status")
TEMPLATE_KEYS: dict[str, tuple[str, ...]] = {
    "arsrapport.html.j2": COMMON_KEYS
    + (
        "pulje",
        "pulje_totalt",
        "nettverk",
        "tema",
        "indikatorer",
        "seriar",
        "tiltak_status",
        "risiko",
        "okonomi_tema",
        "tilbakebetaling",
        "avvik_regel",
        "uten_rapport",
        "vedlegg_fil",
        "vedlegg_csv",
        "departement",
        # derived by pipelines.report_rules.derive
        "hovudbodskap",
        "nettverk_puljer",
        "nettverk_totalt",
        "tema_totalt",
        "status_tabell",
        "risiko_totalt",
        "risiko_liste",
        "programperiode",
        "trendar",
        "sitat",
    ),
    "arsrapport_vedlegg.html.j2": COMMON_KEYS
    + ("filer", "filer_listet", "filer_per_utfall", "rapport_fil", "vedlegg_csv", "vedlegg_csv_sha256"),
    "brev.html.j2": COMMON_KEYS
    + (
        "prosjekt",
        "variant",
        "mottekne",
        "indikatorer",
        "funn",
        "frist",
        "svarfrist",
        "neste_frist",
        "deltakarar",
        "vedtak",
        "konto",
        "kontakt",
        "avsendar",
        "klageinstans",
        "journalnummer",
        "tidligere_brev",
        "okonomi",
        "pengevedtak",
    ),
}
STATUSES = ("utkast", "endelig")


def _raise(message: str) -> None:
    raise ValueError(message)


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
def _indicator_charts(
    ctx, indikator: str, rows: Iterable[Mapping[str, Any]], max_rows: int = charts.MAX_ROWS
) -> list[Markup]:
    svgs = charts.indicator_charts(indikator, rows, aar=ctx["aar"], form=_ctx_form(ctx), max_rows=max_rows)
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
        autoescape=select_autoescape(
            enabled_extensions=("html", "j2", "svg", "xml"), default_for_string=True, default=True
        ),
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
        kommune_navn=_contextual(municipality_name),
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
        filer_i_rekkefolge=files_in_order,
        indikatorer_i_rekkefolge=indicators_in_order,
        funn_i_rekkefolge=findings_in_order,
        ukjent_rapportstatus=lambda s: _raise(f"unknown rapportstatus {s!r}"),
        TILTAK_STATUSES=tuple(TILTAK_STATUSES),
        indikatorgrafar=_indicator_charts,
        graf_per_nettverk=lambda indikator, rows: charts.per_network(indikator, rows),
        bodskap=_contextual(message_text),
        tema_utvikling=report_rules.theme_development,
        andel_brukt=report_rules.share_spent,
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
    ctx["dokumentdato"] = as_date(context["rapportdato"]).isoformat() + "T00:00:00Z"
    return environment().get_template(template).render(ctx)
