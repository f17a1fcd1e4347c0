"""The annual report's rules: what it says in words, which projects it quotes, and when it summarises.

Pure functions over the rows that :mod:`pipelines.report_context` reads from the
marts (and ``sql/reports/arsrapport_*.sql``). They decide *what* is said; the
phrases, in bokmål and nynorsk, are in ``report_templates/tekstar.toml``
(keys ``hb_*`` for the key messages), and numbers are formatted once, by
:mod:`pipelines.documents.templating`. A message is a phrase key and its values, each
value tagged with how it is printed (:class:`V`), so both language forms say
the same thing with the same figures.

The rules never rank municipalities: a key message counts projects, it never
names them, and development is always a project's own change against its own
baseline and target (``int_indikator_utvikling``).

Bounded length: any list of projects is printed only while it fits about a
page (:data:`LIST_MAX` rows); beyond that the report gives the counts per
pool or network, so its length grows with networks and themes, not projects.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pipelines.documents.formatting import ratio
from schemas.form import INDICATOR_BY_KEY, STANDARD_INDICATORS, STATUSES, THEMES, YEARS

#: A list of projects longer than this is summarised (about one page of table rows).
LIST_MAX = 25
#: The auditors' appendix lists every file up to this many (about 20 pages); beyond, the CSV beside it does.
FILES_LISTED_MAX = 500
#: Main findings quoted per theme, and good examples per theme.
FINDINGS_PER_THEME = 3
EXAMPLES_PER_THEME = 2
#: A quotation longer than this is cut after the last whole word, with «…».
QUOTE_CHARS = 320
#: The project statuses of the form, in the order of a project's life, and the row for no report.
PROJECT_STATUSES = (*STATUSES, "uten_rapport")
LAST_YEAR = YEARS[-1]


@dataclass(frozen=True)
class V:
    """A value in a sentence and how it is printed: ``tal`` (a whole count), ``antal:<word>`` (a count
    with its noun, phrases ``<word>_1`` and ``<word>_n``), ``andel`` (a share 0–1, as a whole percent),
    ``num1`` (one decimal, with sign), ``nok``, ``tema``, ``indikator``, ``frase`` (a phrase key), ``tekst``."""

    value: Any
    kind: str = "tal"


@dataclass(frozen=True)
class Message:
    key: str  # a phrase in tekstar.toml
    values: dict[str, Any] = field(default_factory=dict)  # V, or a list of Messages (joined)


def _m(key: str, **values: Any) -> Message:
    return Message(key, values)


def _sum(rows: Iterable[Mapping[str, Any]], key: str) -> int:
    return sum(int(r.get(key) or 0) for r in rows)


# --------------------------------------------------------------------------------------------------
# Totals: every table's total row is the sum of its rows
# --------------------------------------------------------------------------------------------------

NETWORK_SUMS = (
    "prosjekt",
    "rapporter_mottatte",
    "alle_tre_parter",
    "temadager_holdt",
    "samlinger_deltatt",
    "samlinger_rapportert",
)


def total(rows: Iterable[Mapping[str, Any]], keys: Iterable[str]) -> dict[str, Any]:
    rows = list(rows)
    out = {k: _sum(rows, k) for k in keys}
    if "samlinger_deltatt" in out:  # an average of the rows' own projects, not an average of averages
        n = out["samlinger_rapportert"]
        out["samlinger_snitt"] = out["samlinger_deltatt"] / n if n else None
    return out


def network_tables(nettverk: list[dict], pools: Iterable[int]) -> list[dict]:
    """Per pool: its networks (alphabetically by the caller), the row of projects without a network last,
    and the pool's total; the caller adds the programme's total from :func:`total`."""
    out = []
    for pulje in sorted(set(pools) | {r["pulje"] for r in nettverk}):
        rows = [r for r in nettverk if r["pulje"] == pulje]
        named = [r for r in rows if r.get("nettverk_id") is not None]
        without = [r for r in rows if r.get("nettverk_id") is None]
        out.append(
            {
                "pulje": pulje,
                "rader": named,
                "uten_nettverk": without[0] if without else None,
                "totalt": total(rows, NETWORK_SUMS),
            }
        )
    return out


def status_table(status_rows: list[dict]) -> dict:
    """Projects by the status their report gives, per pool, with totals both ways."""
    pools = sorted({r["pulje"] for r in status_rows})
    cells = {(r["pulje"], r["status"]): int(r["prosjekt"]) for r in status_rows}
    statuses = [s for s in PROJECT_STATUSES if any(k[1] == s for k in cells)]
    statuses += sorted({k[1] for k in cells} - set(statuses))  # a status the form does not know, shown as is
    rows = [
        {
            "pulje": p,
            "tal": {s: cells.get((p, s), 0) for s in statuses},
            "totalt": sum(cells.get((p, s), 0) for s in statuses),
        }
        for p in pools
    ]
    return {
        "statusar": statuses,
        "rader": rows,
        "totalt": {
            "tal": {s: sum(r["tal"][s] for r in rows) for s in statuses},
            "totalt": sum(r["totalt"] for r in rows),
        },
    }


def share_spent(row: Mapping[str, Any]) -> Decimal | None:
    """The share spent, as the money table prints it (footnote ² of ``r_okonomi_merk``) and the key message
    says it: what the projects with an approved report spent over what those same projects had to spend
    (paid + transferred in, the marts' ``grunnlag_kr``); projects without a report are in neither part."""
    return ratio(row.get("forbruk_kr"), row.get("grunnlag_kr"))


RISK_SUMS = ("risikoer", "hoye", "hoye_med_mottiltak", "hoye_uten_mottiltak", "prosjekt_uten_mottiltak")


# --------------------------------------------------------------------------------------------------
# Key messages
# --------------------------------------------------------------------------------------------------


def _indicator_bits(indikatorer: list[dict], theme: str) -> list[Message]:
    indicators = [i for i in STANDARD_INDICATORS if i.theme == theme]
    # a theme with one indicator of its own name («Sykefravær») does not repeat the name
    prefix = "hb_indikator" if len(indicators) > 1 else "hb_ene_indikator"
    bits = []
    for ind in indicators:
        r = next((x for x in indikatorer if x["indikator"] == ind.key), None)
        if not r or not r.get("prosjekt_rapporterer"):
            continue
        values = dict(
            indikator=V(ind.key, "indikator"),
            mot=V(r["prosjekt_mot_maal"]),
            n=V(r["prosjekt_rapporterer"], "antal:ord_prosjekt"),
        )
        if r.get("median_endring") is not None:
            eining = "hb_prosentpoeng" if ind.is_percent else f"hb_enhet_{ind.unit}"
            bits.append(
                _m(f"{prefix}_median", **values, median=V(r["median_endring"], "num1"), eining=V(eining, "frase"))
            )
        else:
            bits.append(_m(prefix, **values))
    return bits


def theme_development(indikatorer: list[dict], theme: str) -> Message | None:
    """Where the theme's projects moved toward their own targets, one clause per standard indicator."""
    bits = _indicator_bits(indikatorer, theme)
    return _m("hb_tema", tema=V(theme, "tema"), delar=bits) if bits else None


def key_messages(ctx: Mapping[str, Any]) -> list[Message]:
    """What the year shows, in the order the council asks: reporting, partnership, theme days, risks,
    spending, development per theme, and in the programme's last year its whole period."""
    t = ctx["pulje_totalt"]
    msgs: list[Message] = []
    prosjekt = int(t.get("prosjekt") or 0)
    i_tide = int(t.get("rapporter_i_tide") or 0)
    if prosjekt and i_tide == prosjekt:
        msgs.append(_m("hb_rapporter_alle", n=V(prosjekt)))
    elif prosjekt:
        msgs.append(
            _m(
                "hb_rapporter",
                i_tide=V(i_tide),
                n=V(prosjekt),
                del_=V(i_tide / prosjekt, "andel"),
                seint=V(t.get("rapporter_for_sent") or 0),
                mangler=V(t.get("rapporter_mangler") or 0),
                avviste=V(t.get("rapporter_avviste") or 0),
            )
        )
    net = ctx["nettverk_totalt"]
    mottekne = net["rapporter_mottatte"]
    if mottekne:
        msgs.append(
            _m(
                "hb_trepart",
                tre=V(net["alle_tre_parter"]),
                n=V(mottekne),
                del_=V(net["alle_tre_parter"] / mottekne, "andel"),
            )
        )
        msgs.append(
            _m(
                "hb_temadag",
                dagar=V(net["temadager_holdt"]),
                n=V(mottekne),
                del_=V(net["temadager_holdt"] / mottekne, "andel"),
            )
        )
    r = ctx["risiko_totalt"]
    if r["hoye"] and r["hoye_uten_mottiltak"]:
        msgs.append(
            _m(
                "hb_risiko",
                hoye=V(r["hoye"], "antal:ord_hoy_risiko"),
                utan=V(r["hoye_uten_mottiltak"]),
                prosjekt=V(r["prosjekt_uten_mottiltak"], "antal:ord_prosjekt"),
            )
        )
    elif r["hoye"]:
        msgs.append(_m("hb_risiko_alle", hoye=V(r["hoye"], "antal:ord_hoy_risiko")))
    if (share := share_spent(t)) is not None:
        msgs.append(
            _m(
                "hb_forbruk",
                forbruk=V(t["forbruk_kr"], "nok"),
                grunnlag=V(t["grunnlag_kr"], "nok"),
                del_=V(share, "andel"),
            )
        )
    for theme in THEMES:
        if (m := theme_development(ctx["indikatorer"], theme)) is not None:
            msgs.append(m)
    if ctx.get("programperiode"):
        p = ctx["programperiode"]
        msgs.append(
            _m(
                "hb_programperiode",
                fra=V(YEARS[0], "aar"),
                til=V(ctx["aar"], "aar"),
                n=V(p["prosjekt"]),
                avslutta=V(p["avslutta"]),
                drift=V(p["drift"]),
            )
        )
    return msgs


# --------------------------------------------------------------------------------------------------
# Quotations: main findings and good examples, each project at most once in the report
# --------------------------------------------------------------------------------------------------


def draw_key(aar: int, prosjektnummer: str) -> str:
    """A fixed, neutral order among equals: the SHA-256 of year and project number. It is no judgement,
    changes from year to year, and the same warehouse always gives the same choice."""
    return hashlib.sha256(f"{aar}:{prosjektnummer}".encode()).hexdigest()


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    """Whitespace folded; a long text cut after its last whole word, with «…»."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0].rstrip(",;:–- ")
    return cut + " …"


def quotations(prosjekt: list[dict], utvikling: list[dict], aar: int) -> dict[str, dict[str, list[dict]]]:
    """Per theme: the main findings (``hovedfunn``) and good examples (``gode``) the report quotes.

    The rule, as the report states it:
    * themes are taken in the form's order; a project is quoted at most once in the whole report, under
      the first theme it works on that still has room, either for its main finding or its good example;
    * good examples (up to :data:`EXAMPLES_PER_THEME`) come first from projects that moved toward their own
      target on one of the theme's indicators, then from the others;
    * main findings (up to :data:`FINDINGS_PER_THEME`) from the remaining projects with a report;
    * among equals the order is the neutral draw :func:`draw_key`.
    """
    toward: set[tuple[str, str]] = set()
    for u in utvikling:
        ind = INDICATOR_BY_KEY.get(u["indikator"])
        if ind and u.get("mot_maal"):
            toward.add((u["prosjektnummer"], ind.theme))
    used: set[str] = set()
    out: dict[str, dict[str, list[dict]]] = {}

    def quote(p: dict, text: str) -> dict:
        used.add(p["prosjektnummer"])
        return {
            "prosjektnummer": p["prosjektnummer"],
            "prosjektnavn": p["prosjektnavn"],
            "kommune": p["kommune"],
            "tekst": shorten(text),
        }

    for theme in THEMES:
        members = sorted(
            (p for p in prosjekt if theme in (p.get("tema") or []) and p.get("innsending_id")),
            key=lambda p: draw_key(aar, p["prosjektnummer"]),
        )
        gode = []
        for moved in (True, False):
            for p in members:
                if (
                    len(gode) < EXAMPLES_PER_THEME
                    and p["prosjektnummer"] not in used
                    and p.get("godt_eksempel")
                    and ((p["prosjektnummer"], theme) in toward) == moved
                ):
                    gode.append(quote(p, p["godt_eksempel"]))
        funn: list[dict] = []
        for p in members:
            if len(funn) >= FINDINGS_PER_THEME:
                break
            if p["prosjektnummer"] not in used and p.get("hovedfunn"):
                funn.append(quote(p, p["hovedfunn"]))
        out[theme] = {"hovedfunn": funn, "gode": gode}
    return out


# --------------------------------------------------------------------------------------------------
# Trends and the programme period
# --------------------------------------------------------------------------------------------------


def trends(kjorte: list[dict], pulje_rows: list[dict], tema_rows: list[dict], indikator_rows: list[dict]) -> dict:
    """Per year from 2012 to the report's year: has it been run, and each pool's and theme's figures."""
    years = [{"aar": int(r["aar"]), "kjort": bool(r["kjort"])} for r in kjorte]
    pulje = {(int(r["aar"]), int(r["pulje"])): r for r in pulje_rows}
    tema = {(int(r["aar"]), r["tema"]): r for r in tema_rows}
    indikator = {(int(r["aar"]), r["indikator"]): r for r in indikator_rows}
    pools = sorted({p for _, p in pulje})
    return {
        "aar": years,
        "ikke_kjorte": [y["aar"] for y in years if not y["kjort"]],
        "puljer": pools,
        "pulje": [
            {"aar": y["aar"], "kjort": y["kjort"], "pulje": p, "rad": pulje.get((y["aar"], p))}
            for y in years
            for p in pools
        ],
        "tema": {
            theme: [
                {
                    "aar": y["aar"],
                    "kjort": y["kjort"],
                    "rad": tema.get((y["aar"], theme)),
                    "indikatorer": [indikator.get((y["aar"], i.key)) for i in STANDARD_INDICATORS if i.theme == theme],
                }
                for y in years
            ]
            for theme in THEMES
        },
    }


def programme_period(rows: list[dict], aar: int) -> dict | None:
    """The final year's summary of the whole period: projects, how many ended, and how their last report
    left them (ended, handed over to ordinary operation (drift), still running, never reported)."""
    if aar != LAST_YEAR or not rows:
        return None
    per_pool: dict[int, dict[str, int]] = {}
    for r in rows:
        f = per_pool.setdefault(
            int(r["pulje"]),
            {"prosjekt": 0, "avslutta_i_perioden": 0, "rapporter": 0, **{s: 0 for s in PROJECT_STATUSES}},
        )
        f["prosjekt"] += 1
        f["rapporter"] += int(r["rapporter"] or 0)
        f["avslutta_i_perioden"] += int(r["siste_aar"] is not None and int(r["siste_aar"]) <= aar)
        f[r["siste_status"] if r["siste_status"] in STATUSES else "uten_rapport"] += 1
    keys = ("prosjekt", "avslutta_i_perioden", "rapporter", *PROJECT_STATUSES)
    totalt = {k: sum(f[k] for f in per_pool.values()) for k in keys}
    return {
        "rader": [{"pulje": p, **f} for p, f in sorted(per_pool.items())],
        "totalt": totalt,
        "prosjekt": totalt["prosjekt"],
        "avslutta": totalt["avsluttet"],
        "drift": totalt["drift"],
    }


# --------------------------------------------------------------------------------------------------
# Everything the template draws on, derived once from the rows read
# --------------------------------------------------------------------------------------------------


def derive(ctx: dict) -> dict:
    """Add the derived parts (tables with totals, key messages, quotations) to a context of mart rows."""
    pools = [r["pulje"] for r in ctx["pulje"]]
    nett = network_tables(ctx["nettverk"], pools)
    out = dict(ctx)
    out["nettverk_puljer"] = nett
    out["nettverk_totalt"] = total(ctx["nettverk"], NETWORK_SUMS)
    out["tema_totalt"] = total(ctx["tema"], ("prosjekt", "rapporter_mottatte"))
    out["status_tabell"] = status_table(ctx["prosjektstatus"])
    out["risiko_totalt"] = total(ctx["risiko"], RISK_SUMS)
    out["risiko_liste"] = [r for r in ctx["hoye_risikoer"] if not r.get("mottiltak")]
    out["programperiode"] = programme_period(ctx["programperiode_rader"], ctx["aar"])
    out["trendar"] = trends(ctx["kjorte_aar"], ctx["trend_pulje"], ctx["trend_tema"], ctx["trend_indikator"])
    out["sitat"] = quotations(ctx["prosjekt"], ctx["utvikling"], ctx["aar"])
    out["hovudbodskap"] = key_messages(out)
    out["LIST_MAX"] = LIST_MAX
    return out
