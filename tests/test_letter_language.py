"""Every kind of follow-up letter in both written standards, checked for words of the other standard.

The contexts are the pipeline's own: `report_context.letters` over the warehouse of the bundled runs of
2012–2015 (the shared `all_years_run`), each rendered to HTML in bokmål and again in nynorsk, whatever form
its municipality has chosen. A nynorsk letter must contain no bokmål-only word of `NB_ONLY`, a bokmål letter
no nynorsk-only word of `NN_ONLY`. What the municipalities wrote themselves (project and file names,
quoted values, risks, their own indicators) is removed first: the letter quotes it as it came.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict

import duckdb
import pytest

from pipelines.documents import report_context, templating
from pipelines.paths import REGISTER_DIR

YEARS = (2012, 2013, 2014, 2015)

# Words of bokmål that nynorsk does not have (or not in the sense a letter uses them): not in a nynorsk letter.
NB_ONLY = frozenset(
    """
    ikke fra hva hvordan hvorfor hvis hvilken hvilke hvor hver hvert noen noe dere deres dem disse
    ble bare fikk ba kunnet lar kommer gjelder følger holder deltar leder ønsker bevilger forutsetter
    mottatt tilskudd tilskuddet tilskuddsbrevet tilsagn sykefravær omdømme heltid heltidskultur
    kommuner kommunene prosjekter prosjektene indikatorer merket regnskap regnskapet sluttregnskap
    sluttregnskapet sluttoppgjøret beløpene midler midlene utbetalingen endringen filen adressen dokumentene
    saken begrunnelsen avgjørelse opplysninger være gjøres gjøre sendes rettes brukes måles fylles
    leses følges hele sammen samme innen ennå allerede foreløpig hilsen prosjektleder prosjektlederen
    nettverksleder saksbehandler enhet egen eget selv sammenlignet lagret åpne åpnes nyere erstattet
    avsluttet høyere mye uker ifølge skriftlig vedtatt fastsatt valgt øverst se
    """.split()
)

# Words of nynorsk that bokmål does not have: not in a bokmål letter.
NN_ONLY = frozenset(
    """
    ikkje frå kva korleis kvifor kvar kvart kven nokon noko nokre dykk dykkar dei desse ho han
    vart berre fekk bad kunna let kjem gjeld følgjer held ønskjer løyver føreset seie sjå takkar
    motteke motteken mottekne tilskot tilskotet tilskotsbrevet tilsegn sjukefråvær omdøme heiltid heiltidskultur
    kommunar kommunane prosjekta indikatorar rekneskap rekneskapen sluttrekneskap sluttrekneskapen
    sluttoppgjeret beløpa midlar midlane utbetalinga endringa fila adressa dokumenta saka grunngivinga
    avgjerd opplysningar vere gjere gjerast sendast rettast brukast fyllast lesast følgjast heile saman same
    innan enno førebels helsing prosjektleiar prosjektleiaren nettverksleiar sakshandsamar eining eigen eige
    sjølv samanlikna lesen lagra opne opnast nyare erstatta avslutta høgare mykje veker ifølgje skriftleg
    vedteke fastsett valt øvst sidan staden endeleg eit ein ei meir fleire
    """.split()
)
OTHER = {"nb": NN_ONLY, "nn": NB_ONLY}

# The kinds of letter (and of what a letter says) that must all be read in both forms.
KINDS = {
    "mottatt": lambda c: c["variant"] == "i_tide",
    "for_sent": lambda c: c["variant"] == "for_sent",
    "paaminnelse": lambda c: c["variant"] == "mangler",
    "avvist": lambda c: c["variant"] == "avvist",
    "delvis_lest": lambda c: c["delvis_lest"],
    "ulesbar": lambda c: c["variant"] == "ulesbar",
    "erstattet": lambda c: any(f["utfall_brev"] == "erstattet" for f in c["mottekne"]),
    "indikatorer_avvist": lambda c: c["indikatorer_sendt_avviste"],
    "tilbakebetaling": lambda c: bool(c["okonomi"]["krever_tilbake_kr"]),
    "sluttoppgjor": lambda c: bool(c["prosjekt"]["sluttoppgjor"]),
    "vedtak": lambda c: c["vedtak"],
    "kopi": lambda c: bool(c["deltakarar"]),
}

PROGRAMME = "Saman om ein betre kommune"  # the programme's name is nynorsk in both forms
# a value the letter quotes from the file: «det står «…»», a sheet as the file names it, a risk in its words
QUOTED = re.compile(r"det står «[^»]*»|Arket «[^»]*»|risikoen «[^»]*»")


def submitted(ctx: dict) -> list[str]:
    """What the municipality wrote or named itself, as the letter quotes it."""
    p = ctx["prosjekt"]
    names = [p.get(k) for k in ("prosjektnavn", "kommune", "prosjektleder", "epost", "nettverksleder")]
    names += ctx["deltakarar"]
    names += [f.get(k) for f in ctx["mottekne"] for k in ("filnavn", "erstattet_av_fil")]
    names += [r["indikator"] for r in ctx["indikatorer"] if not r["standard"]]
    names += [a.get(k) for a in ctx["avvik"] for k in ("ark", "risikofaktor", "indikator_tekst", "filnavn")]
    return sorted({str(n) for n in names if n}, key=len, reverse=True)


def words(page: str, ctx: dict) -> set[str]:
    body = page.split("<body", 1)[1]
    plain = html.unescape(re.sub(r"<[^>]+>", " ", body))
    plain = QUOTED.sub(" ", plain.replace(PROGRAMME, " "))
    for name in submitted(ctx):
        plain = plain.replace(name, " ")
    return set(re.findall(r"[a-zæøåé]+", plain.lower()))


def contexts(out, form: str | None = None):
    """The letters' contexts of 2012–2015 from a run's warehouse, in `form`, or each in its own form."""
    with duckdb.connect(str(out / "samanom.duckdb"), read_only=True) as con:
        for year in YEARS:
            base = report_context.common(
                year, form or "nb", report_context.report_date(con, year, ""), "-", "-", "utkast", True
            )
            yield from report_context.letters(con, year, base, "", REGISTER_DIR, form=form)


def test_the_sample_inbox_gives_every_kind_of_letter_in_both_forms(all_years_run):
    # each letter in its municipality's own form: the bundled inbox makes every kind in bokmål and in nynorsk
    seen = {(kind, ctx["form"]) for ctx in contexts(all_years_run) for kind, test in KINDS.items() if test(ctx)}
    assert seen == {(kind, form) for kind in KINDS for form in ("nb", "nn")}, sorted(
        {(k, f) for k in KINDS for f in ("nb", "nn")} - seen
    )


@pytest.fixture(scope="module")
def rendered(all_years_run) -> list[tuple[str, str, dict, str]]:
    """(kind, form, context, HTML) of every letter of 2012–2015 rendered in both forms."""
    out = []
    for form in ("nb", "nn"):
        for ctx in contexts(all_years_run, form):
            page = templating.render_html("brev.html.j2", ctx, form)
            out.extend((kind, form, ctx, page) for kind, test in KINDS.items() if test(ctx))
    return out


def test_the_word_lists_are_large_and_of_one_standard_each():
    assert len(NB_ONLY) >= 40 and len(NN_ONLY) >= 40
    assert not NB_ONLY & NN_ONLY


def fixed_texts() -> list[tuple[str, str, str]]:
    """(what, nb, nn) of every fixed text a letter can print: the phrases, the validator's messages and what
    it expects, and the form's labels of fields, indicators, themes, units and measure statuses."""
    from pipelines import issues
    from pipelines.documents import formatting
    from schemas import form as F

    out = [(key, pair["nb"], pair["nn"]) for key, pair in formatting.phrases().items()]
    out += [(code, nb, nn) for code, (_, nb, nn) in issues.RULES.items()]
    out += [(code, nb, nn) for code, (nb, nn) in issues.EXPECTED.items()]
    labelled = (*F.PROSJEKT_FIELDS, *F.INDIKATOR_COLUMNS, *F.TILTAK_COLUMNS, *F.RISIKO_COLUMNS, *F.STANDARD_INDICATORS)
    out += [(item.key, item.nb, item.nn) for item in labelled]
    out += [(key, nb, nn) for key, (nb, nn) in F.THEMES.items()]
    out += [(key, nb, nn) for key, (nb, nn) in formatting.UNIT_LABELS.items()]
    out += [(key, labels[0], labels[-1]) for key, labels in F.TILTAK_STATUSES.items()]  # one label: both forms
    return out


def test_every_fixed_text_is_of_its_own_standard():
    # also the phrases the bundled letters never reach (a rule no sample file breaks)
    texts = fixed_texts()
    assert len(texts) > 400
    faults = []
    for what, nb, nn in texts:
        for form, value in (("nb", nb), ("nn", nn)):
            found = set(re.findall(r"[a-zæøåé]+", re.sub(r"\{\w+\}", " ", value.replace(PROGRAMME, " ")).lower()))
            faults += [(what, form, word) for word in sorted(found & OTHER[form])]
    assert not faults, faults


def test_every_kind_of_letter_is_rendered_in_both_forms(rendered):
    seen = {(kind, form) for kind, form, _, _ in rendered}
    assert seen == {(kind, form) for kind in KINDS for form in ("nb", "nn")}, sorted(
        {(k, f) for k in KINDS for f in ("nb", "nn")} - seen
    )


@pytest.mark.parametrize("form", ["nb", "nn"])
def test_no_letter_has_a_word_of_the_other_standard(rendered, form):
    faults: dict[str, set[str]] = defaultdict(set)
    for kind, f, ctx, page in rendered:
        if f == form:
            for word in words(page, ctx) & OTHER[form]:
                faults[word].add(f"{kind} {ctx['aar']} {ctx['prosjekt']['prosjektnummer']}")
    assert not faults, {w: sorted(where)[:3] for w, where in sorted(faults.items())}


def test_the_check_finds_a_planted_word_of_the_other_standard(rendered):
    # the same check over a nynorsk letter with one bokmål sentence put in, and a bokmål one with a nynorsk
    for form, planted, word in (
        ("nn", "Vi har ikke fått rapporten.", "ikke"),
        ("nb", "Tilskotet er utbetalt.", "tilskotet"),
    ):
        _, _, ctx, page = next(r for r in rendered if r[1] == form)
        assert word not in words(page, ctx)
        assert word in words(page.replace("</body>", f"<p>{planted}</p></body>"), ctx) & OTHER[form]
