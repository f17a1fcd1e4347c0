"""A sample inbox: the submissions of reporting years as the secretariat receives them.

EKSEMPELDATA — every value here is invented. The generator reads the register
(projects, municipalities, grants) and writes, for each active project and
year, the report as a file in `out/<year>/`, named by the date it arrived
(`2014-01-17_P1-07_arsrapport_2013.xlsx`): workbooks in .xlsx, .xls, .ods and
.xlsm, in bokmål or nynorsk by the lead municipality's målform, and survey
exports as CSV (UTF-8 with BOM and Windows-1252). Some reports arrive late,
some never, one per year is corrected and sent again, and one of each planted
defect is hidden in each year.

`out/manifest.json` says what is in every file (normalised to canonical keys),
what is missing, and where each defect is — the answer key the reader is
tested against. Same seed, same bytes: no clock, no absolute paths.

    python -m tools.sample_inbox --out /tmp/inbox --years 2012-2015 --seed 2013 --scale 1
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipelines.paths import REGISTER_DIR
from schemas import form as F
from tools.form_writer import form_layouts, form_sheets, render_workbook, sheet_names

DEFAULT_REGISTER = REGISTER_DIR
DEFECT_RULES = (
    "felt_mangler",
    "verdi_utenfor_omrade",
    "risiko_uten_mottiltak",
    "prosjekt_ukjent",
    "aar_feil",
    "fil_ulesbar",
    "indikator_duplikat",
)
# the defects that decide which letter a project gets (unreadable, rejected, partly read), planted in the
# year's preferred language form so that both forms of each letter occur in the bundled inbox
PREFERRED_FORM_RULES = ("fil_ulesbar", "aar_feil", "verdi_utenfor_omrade", "indikator_duplikat")
UNKNOWN_PROJECT = "P3-99"  # pool 3 does not exist, so never in the register, at any scale
SCALED_START = 101  # scaled projects are numbered P<pool>-101, P<pool>-102, ...
FORMAT_WEIGHTS = (("xlsx", 70), ("xls", 12), ("ods", 12), ("xlsm", 6))
PERCENT_STYLES = (("number", 70), ("text_pct", 12), ("text_comma", 10), ("excel_pct", 8))
# network gatherings held per pool and year (pool 1: 2012 to spring 2013; pool 2: spring 2013 to spring 2014)
GATHERINGS = {1: {2012: 2, 2013: 1}, 2: {2013: 2, 2014: 1}}

# --------------------------------------------------------------------------- texts (nb, nn)

FIRST_NAMES = (
    "Kari",
    "Ola",
    "Ingrid",
    "Per",
    "Marit",
    "Lars",
    "Anne",
    "Knut",
    "Silje",
    "Håkon",
    "Randi",
    "Terje",
    "Guro",
    "Sigrid",
    "Eirik",
    "Bjørg",
    "Tor",
    "Liv",
    "Nils",
    "Solveig",
    "Arne",
    "Hilde",
    "Geir",
    "Torunn",
)
LAST_NAMES = (
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Berg",
    "Haugen",
    "Bakke",
    "Vik",
    "Dahl",
    "Lie",
    "Moen",
    "Solberg",
    "Strand",
    "Aasen",
    "Myklebust",
    "Nordvik",
    "Sæther",
    "Rønning",
    "Hauge",
    "Brekke",
    "Lunde",
)

MEASURES: dict[str, tuple[tuple[str, str], ...]] = {
    "sykefravaer": (
        ("Nærværsprosjekt i hjemmetjenesten", "Nærværsprosjekt i heimetenesta"),
        ("Opplæring av ledere i oppfølging av sykmeldte", "Opplæring av leiarar i oppfølging av sjukmelde"),
        ("Tett samarbeid med NAV Arbeidslivssenter", "Tett samarbeid med NAV Arbeidslivssenter"),
        ("Faste dialogmøter i alle enheter", "Faste dialogmøte i alle einingar"),
    ),
    "heltid_deltid": (
        ("Kartlegging av ønsket stillingsstørrelse", "Kartlegging av ønskt stillingsstorleik"),
        ("Ny turnusordning med langvakter i helgene", "Ny turnusordning med langvakter i helgane"),
        ("Ressursbank for ledige vakter", "Ressursbank for ledige vakter"),
        ("Heltid som hovedregel ved utlysing", "Heiltid som hovudregel ved utlysing"),
    ),
    "kompetanse_rekruttering": (
        ("Kompetanseplan for helse og omsorg", "Kompetanseplan for helse og omsorg"),
        ("Lærlingordning i flere fag", "Lærlingordning i fleire fag"),
        ("Sommerjobb for ungdom i pleie og omsorg", "Sommarjobb for ungdom i pleie og omsorg"),
        ("Traineeprogram for nyutdannede", "Traineeprogram for nyutdanna"),
    ),
    "omdomme": (
        ("Innbyggerundersøkelse om kommunens tjenester", "Innbyggjarundersøking om tenestene i kommunen"),
        ("Ambassadøropplæring for ansatte", "Ambassadøropplæring for tilsette"),
        ("Ny kommunikasjonsstrategi", "Ny kommunikasjonsstrategi"),
        ("Åpen dag på sykehjemmet", "Open dag på sjukeheimen"),
    ),
    "innovasjon": (
        ("Velferdsteknologi i hjemmetjenesten", "Velferdsteknologi i heimetenesta"),
        ("Idéverksted for ansatte og tillitsvalgte", "Idéverkstad for tilsette og tillitsvalde"),
    ),
    "": (
        ("Temadag for ansatte, ledere og tillitsvalgte", "Temadag for tilsette, leiarar og tillitsvalde"),
        ("Felles prosjektgruppe med partene", "Felles prosjektgruppe med partane"),
    ),
}
MEASURE_COMMENTS = {
    "planlagt": ("Starter opp til høsten", "Startar opp til hausten"),
    "paagaar": ("Forsinket på grunn av omorganisering", "Forseinka på grunn av omorganisering"),
    "fullfort": ("Videreføres i ordinær drift", "Blir vidareført i ordinær drift"),
    "avbrutt": ("Erstattet av et nytt tiltak", "Erstatta av eit nytt tiltak"),
}
RISKS = (  # (risk nb, risk nn), (mitigation nb, mitigation nn)
    (
        ("Lav deltakelse fra ansatte", "Låg deltaking frå tilsette"),
        ("Informasjonsmøter i alle enheter", "Informasjonsmøte i alle einingar"),
    ),
    (
        ("Prosjektlederen slutter", "Prosjektleiaren sluttar"),
        (
            "Stedfortreder er utpekt, og prosjektplanen er dokumentert",
            "Stadfortredar er peikt ut, og prosjektplanen er dokumentert",
        ),
    ),
    (
        ("Manglende forankring hos lederne", "Manglande forankring hos leiarane"),
        ("Prosjektet behandles jevnlig i ledermøtet", "Prosjektet blir handsama jamleg i leiarmøtet"),
    ),
    (
        ("Innsparinger i kommunebudsjettet", "Innsparingar i kommunebudsjettet"),
        ("Prosjektet er prioritert i økonomiplanen", "Prosjektet er prioritert i økonomiplanen"),
    ),
    (
        ("Uenighet mellom partene", "Usemje mellom partane"),
        ("Faste møter i partssamarbeidet", "Faste møte i partssamarbeidet"),
    ),
    (
        ("For lite tid til prosjektarbeid", "For lite tid til prosjektarbeid"),
        ("Frikjøp av prosjektmedarbeidere", "Frikjøp av prosjektmedarbeidarar"),
    ),
)
FINDINGS_THEME = {
    "sykefravaer": (
        "Sykefraværet i pilotenhetene har gått ned, særlig det legemeldte korttidsfraværet.",
        "Sjukefråværet i pilotavdelingane har gått ned, særleg det legemelde korttidsfråværet.",
    ),
    "heltid_deltid": (
        "Flere ansatte har fått større stillinger etter at turnusen ble lagt om.",
        "Fleire tilsette har fått større stillingar etter at turnusen vart lagd om.",
    ),
    "kompetanse_rekruttering": (
        "Kompetanseplanen gir oss bedre oversikt over hvilke fagfolk vi trenger framover.",
        "Kompetanseplanen gir oss betre oversikt over kva fagfolk vi treng framover.",
    ),
    "omdomme": (
        "Innbyggerundersøkelsen viser at folk er mer fornøyd med informasjonen fra kommunen.",
        "Innbyggjarundersøkinga viser at folk er meir nøgde med informasjonen frå kommunen.",
    ),
    "innovasjon": (
        "Idéverkstedene har gitt flere forslag som nå prøves ut i tjenestene.",
        "Idéverkstadene har gitt fleire forslag som no blir prøvde ut i tenestene.",
    ),
}
FINDINGS_PHASE = {
    "first": (
        "Det første året har gått med til kartlegging og forankring.",
        "Det første året har gått med til kartlegging og forankring.",
    ),
    "middle": ("Tiltakene er i gang i alle enhetene som deltar.", "Tiltaka er i gang i alle einingane som er med."),
    "last": (
        "Arbeidet videreføres i ordinær drift etter prosjektslutt.",
        "Arbeidet blir vidareført i ordinær drift når prosjektet er slutt.",
    ),
}
FINDINGS_GENERIC = (
    ("Partssamarbeidet har vært avgjørende for framdriften.", "Partssamarbeidet har vore avgjerande for framdrifta."),
    (
        "Det tar lengre tid enn planlagt å endre arbeidskulturen.",
        "Det tek lengre tid enn planlagt å endre arbeidskulturen.",
    ),
    (
        "Erfaringene fra nettverkssamlingene har vært nyttige i det lokale arbeidet.",
        "Erfaringane frå nettverkssamlingane har vore nyttige i det lokale arbeidet.",
    ),
    (
        "Prosjektet er godt forankret hos både politikere, ledere og tillitsvalgte.",
        "Prosjektet er godt forankra hos både politikarar, leiarar og tillitsvalde.",
    ),
)
GOOD_EXAMPLES = (
    (
        "Hjemmetjenesten innførte faste dialogmøter hver fjerde uke, og fraværet der falt merkbart.",
        "Heimetenesta innførte faste dialogmøte kvar fjerde veke, og fråværet der fall merkbart.",
    ),
    (
        "En deltidsansatt fortalte på temadagen hvordan en større stilling hadde gjort hverdagen enklere.",
        "Ein deltidstilsett fortalde på temadagen korleis ei større stilling hadde gjort kvardagen enklare.",
    ),
    (
        "Lærlingene på sykehjemmet har laget en film som brukes i rekrutteringen.",
        "Lærlingane på sjukeheimen har laga ein film som blir brukt i rekrutteringa.",
    ),
    (
        "Tillitsvalgte og ledere planla temadagen sammen, og nesten alle ansatte deltok.",
        "Tillitsvalde og leiarar planla temadagen saman, og nesten alle tilsette var med.",
    ),
    (
        "Ungdomsrådet har vært med og utformet kommunens nye nettside.",
        "Ungdomsrådet har vore med og forma den nye nettsida til kommunen.",
    ),
)
INDICATOR_COMMENTS = (
    ("Tall fra HR-systemet", "Tal frå HR-systemet"),
    ("Foreløpige tall", "Førebels tal"),
    ("Tall for hele kommunen", "Tal for heile kommunen"),
)
# project-own indicators: (label nb, label nn), unit key, baseline range, target gain range, decimals
OWN_INDICATORS = (
    (("Antall deltakere på temadagen", "Tal på deltakarar på temadagen"), "antall", (20, 60), (40, 120), 0),
    (("Andel ledere med nærværsopplæring", "Del leiarar med nærværsopplæring"), "%", (5, 25), (30, 60), 1),
    (("Antall lærlinger", "Tal på lærlingar"), "antall", (2, 6), (3, 10), 0),
    (("Antall nye ideer meldt inn", "Tal på nye idear som er melde inn"), "antall", (0, 5), (15, 40), 0),
)
# standard indicator key -> baseline range, target change range (signed: + higher, - lower)
INDICATOR_PLANS = {
    "sykefravaer_pst": ((7.0, 11.0), (-2.2, -0.6)),
    "stillingsstorrelse_pst": ((58.0, 78.0), (4.0, 12.0)),
    "heltid_andel_pst": ((22.0, 50.0), (8.0, 20.0)),
    "ufrivillig_deltid_pst": ((8.0, 20.0), (-8.0, -3.0)),
    "kvalifiserte_sokere": ((1.0, 4.0), (0.5, 2.0)),
    "fagutdanning_andel_pst": ((55.0, 80.0), (5.0, 12.0)),
    "omdomme_skar": ((55.0, 75.0), (4.0, 10.0)),
    "medarbeidertilfredshet": ((3.8, 4.8), (0.2, 0.6)),
}


# --------------------------------------------------------------------------- register


@dataclass(frozen=True)
class Project:
    prosjektnummer: str
    pulje: int
    nettverk_id: str
    prosjektnavn: str
    tema: tuple[str, ...]
    kommunenummer: str
    forste_aar: int
    siste_aar: int
    kommune: str
    maalform: str
    source: str | None = None  # for a scaled copy: the register project it copies


@dataclass(frozen=True)
class Grant:
    innvilget_kr: int | None
    rapporteringsfrist: dt.date


def default_deadline(year: int) -> dt.date:
    """Reports were due 31 January of the next year; for 2015, on 1 November 2015."""
    return dt.date(2015, 11, 1) if year == 2015 else dt.date(year + 1, 1, 31)


def load_register(register_dir: Path) -> tuple[list[Project], dict[str, dict[str, str]], dict[tuple[str, int], Grant]]:
    """Projects (sorted by number), municipalities by number, and grants by (project, year)."""
    import pandas as pd

    register_dir = Path(register_dir)
    kommuner_df = pd.read_csv(register_dir / "kommuner.csv", dtype=str, keep_default_na=False)
    kommuner = {r["kommunenummer"]: dict(r) for r in kommuner_df.to_dict("records")}
    prosjekt_df = pd.read_csv(register_dir / "prosjekt.csv", dtype=str, keep_default_na=False)
    projects = []
    for r in prosjekt_df.to_dict("records"):
        knr = r["kommunenummer"]
        if knr not in kommuner:
            raise ValueError(
                f"register: project {r['prosjektnummer']} has lead municipality {knr} that is not in kommuner.csv"
            )
        themes = tuple(t.strip() for t in r["tema"].replace(",", ";").split(";") if t.strip())
        unknown = [t for t in themes if t not in F.THEMES]
        if unknown:
            raise ValueError(f"register: project {r['prosjektnummer']} has unknown themes {unknown}")
        projects.append(
            Project(
                r["prosjektnummer"],
                int(r["pulje"]),
                r.get("nettverk_id", ""),
                r["prosjektnavn"],
                themes,
                knr,
                int(r["forste_aar"]),
                int(r["siste_aar"]),
                kommuner[knr]["kommune"],
                kommuner[knr].get("maalform", "nb"),
            )
        )
    grants: dict[tuple[str, int], Grant] = {}
    tpath = register_dir / "tilskudd.csv"
    if tpath.exists():
        for r in pd.read_csv(tpath, dtype=str, keep_default_na=False).to_dict("records"):
            year = int(r["aar"])
            amount = int(float(r["innvilget_kr"])) if r.get("innvilget_kr", "").strip() else None
            frist = (
                dt.date.fromisoformat(r["rapporteringsfrist"].strip())
                if r.get("rapporteringsfrist", "").strip()
                else default_deadline(year)
            )
            grants[(r["prosjektnummer"], year)] = Grant(amount, frist)
    projects.sort(key=_project_sort_key)
    return projects, kommuner, grants


def _project_sort_key(p: Project | str) -> tuple:
    pn = p.prosjektnummer if isinstance(p, Project) else p
    head, _, num = pn.partition("-")
    return (head, int(num) if num.isdigit() else 10**9, pn)


def scale_projects(
    projects: Sequence[Project], grants: dict[tuple[str, int], Grant], scale: int
) -> tuple[list[Project], dict[tuple[str, int], Grant]]:
    """K copies of the register: the copies get numbers P<pool>-101, -102, ... and generated names."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    out = list(projects)
    out_grants = dict(grants)
    counters: dict[int, int] = {}
    for k in range(2, scale + 1):
        for p in projects:
            n = counters.get(p.pulje, SCALED_START)
            counters[p.pulje] = n + 1
            pn = f"P{p.pulje}-{n}"
            copy = replace(
                p, prosjektnummer=pn, prosjektnavn=f"{p.prosjektnavn} – eksempel {k}", source=p.prosjektnummer
            )
            out.append(copy)
            for year in range(p.forste_aar, p.siste_aar + 1):
                if (p.prosjektnummer, year) in grants:
                    out_grants[(pn, year)] = grants[(p.prosjektnummer, year)]
    return out, out_grants


def write_scaled_register(register_dir: Path, target: Path, projects: Sequence[Project]) -> list[str]:
    """Copy the register's CSV files to `target`, each file with a `prosjektnummer` column extended with
    the scaled copies' rows (the source project's rows, renumbered and, where present, renamed)."""
    target.mkdir(parents=True, exist_ok=True)
    copies: dict[str, list[Project]] = {}
    for p in projects:
        if p.source:
            copies.setdefault(p.source, []).append(p)
    written = []
    for src in sorted(Path(register_dir).glob("*.json")):  # the secretariat's own details, not per project
        (target / src.name).write_bytes(src.read_bytes())
        written.append(src.name)
    for src in sorted(Path(register_dir).glob("*.csv")):
        raw = src.read_bytes()
        text = raw.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        if not rows or "prosjektnummer" not in rows[0]:
            (target / src.name).write_bytes(raw)
            written.append(src.name)
            continue
        header = rows[0]
        i_pn = header.index("prosjektnummer")
        i_name = header.index("prosjektnavn") if "prosjektnavn" in header else None
        # a ledger's voucher and decision numbers are unique: a copy's entry gets its own number
        i_ids = [header.index(c) for c in ("bilag", "vedtak") if c in header]
        eol = "\r\n" if "\r\n" in text else "\n"
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator=eol)
        by_source: dict[str, list[list[str]]] = {}
        for row in rows[1:]:
            if row:
                by_source.setdefault(row[i_pn], []).append(row)
        for source, cps in copies.items():
            for cp in cps:
                for row in by_source.get(source, []):
                    new = list(row)
                    new[i_pn] = cp.prosjektnummer
                    if i_name is not None:
                        new[i_name] = cp.prosjektnavn
                    for i in i_ids:
                        new[i] = f"{row[i]}-{cp.prosjektnummer}"
                    w.writerow(new)
        body = raw if text.endswith(("\n", "\r")) or not text else raw + eol.encode()
        (target / src.name).write_bytes(body + buf.getvalue().encode("utf-8"))
        written.append(src.name)
    return written


# --------------------------------------------------------------------------- helpers


def _weighted(rng: random.Random, options: Sequence[tuple[str, int]]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "é": "e", "è": "e", "ü": "u", "ö": "o", "ä": "a"})


def slug(text: str) -> str:
    s = text.lower().translate(_FOLD)
    out = []
    for ch in s:
        out.append(ch if ch.isascii() and ch.isalnum() else "-")
    return "-".join(part for part in "".join(out).split("-") if part)


def _letter_form(p: Project) -> str:
    """The language form of the project's letter: nynorsk where the municipality has chosen it, else bokmål."""
    return "nn" if p.maalform == "nn" else "nb"


def _fi(form: str) -> int:
    return 1 if form == "nn" else 0


def _rand_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _r1(x: float) -> float:
    return round(x + 0.0, 1)


def _num_text(v: float | int, comma: bool) -> str:
    s = str(int(v)) if isinstance(v, float) and v == int(v) else repr(v) if isinstance(v, float) else str(v)
    return s.replace(".", ",") if comma else s


# --------------------------------------------------------------------------- project plans


@dataclass
class IndicatorPlan:
    key: str  # standard key, or "" for a project's own
    label: tuple[str, str] | None  # own indicator label (nb, nn)
    unit: str
    theme: str
    baseline: float
    target: float
    toward: bool
    efficacy: float
    decimals: int
    low: float
    high: float | None


@dataclass
class MeasurePlan:
    text: tuple[str, str]
    start: dt.date
    end: dt.date | None
    cancelled_year: int | None


@dataclass
class RiskPlan:
    text: tuple[str, str]
    mitigation: tuple[str, str]
    s: int
    k: int
    has_mitigation: bool


@dataclass
class Plan:
    project: Project
    form: str
    fmt: str
    leader: str
    email: str
    chief: str
    last_status: str
    indicators: list[IndicatorPlan]
    measures: list[MeasurePlan]
    risks: list[RiskPlan]
    theme_day: dt.date | None


def make_plan(p: Project, seed: int) -> Plan:
    """Everything about a project that stays the same from year to year (seeded by its number)."""
    rng = random.Random(f"{seed}|plan|{p.prosjektnummer}")
    if p.maalform == "nn":
        form = "nn"
    elif p.maalform in ("noytral", "nøytral"):
        form = "nn" if rng.random() < 0.25 else "nb"
    else:
        form = "nb"
    fmt = _weighted(rng, FORMAT_WEIGHTS)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    leader = f"{first} {last}"
    email = f"{slug(first)}.{slug(last)}@{slug(p.kommune)}.kommune.no"
    chief = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    last_status = "drift" if rng.random() < 0.25 else "avsluttet"
    indicators: list[IndicatorPlan] = []
    for theme in p.tema:
        for ind in F.STANDARD_INDICATORS:
            if ind.theme != theme:
                continue
            (b_lo, b_hi), (g_lo, g_hi) = INDICATOR_PLANS[ind.key]
            baseline = _r1(rng.uniform(b_lo, b_hi))
            target = _r1(baseline + rng.uniform(g_lo, g_hi))
            if ind.high is not None:
                target = min(target, float(ind.high))
            target = max(target, float(ind.low))
            indicators.append(
                IndicatorPlan(
                    ind.key,
                    None,
                    ind.unit,
                    theme,
                    baseline,
                    target,
                    rng.random() < 0.85,
                    rng.uniform(0.6, 1.1),
                    1,
                    ind.low,
                    ind.high,
                )
            )
    if "innovasjon" in p.tema or rng.random() < 0.2:
        labels, unit, (b_lo, b_hi), (g_lo, g_hi), dec = OWN_INDICATORS[
            3 if "innovasjon" in p.tema else rng.randrange(3)
        ]
        baseline = float(rng.randint(b_lo, b_hi)) if dec == 0 else _r1(rng.uniform(b_lo, b_hi))
        target = baseline + (float(rng.randint(g_lo, g_hi)) if dec == 0 else _r1(rng.uniform(g_lo, g_hi)))
        indicators.append(
            IndicatorPlan(
                "",
                labels,
                unit,
                "",
                baseline,
                target,
                True,
                rng.uniform(0.7, 1.1),
                dec,
                0,
                100 if unit == "%" else None,
            )
        )

    pool_measures = [m for t in p.tema for m in MEASURES.get(t, ())] + list(MEASURES[""])
    n_measures = min(len(pool_measures), rng.randint(2, 5))
    measures = []
    for text in rng.sample(pool_measures, n_measures):
        start_year = p.forste_aar if rng.random() < 0.65 else rng.randint(p.forste_aar, p.siste_aar)
        start = dt.date(start_year, rng.randint(1, 10), 1)
        end = None
        if rng.random() < 0.75:
            end_year = min(p.siste_aar, start_year + rng.randint(0, 2))
            end = dt.date(end_year, 12, 31) if end_year > start_year else dt.date(start_year, 12, 15)
        cancelled = rng.randint(start_year, p.siste_aar) if rng.random() < 0.1 else None
        measures.append(MeasurePlan(text, start, end, cancelled))
    measures.sort(key=lambda m: (m.start, m.text))

    risks = []
    for text, mitigation in rng.sample(RISKS, rng.randint(2, 4)):
        s, k = rng.randint(1, 5), rng.choices(range(1, 6), weights=(1, 3, 4, 3, 1))[0]
        needs = F.risk_needs_mitigation(s, k)
        risks.append(RiskPlan(text, mitigation, s, k, needs or rng.random() < 0.5))

    theme_day = None
    if rng.random() < 0.85:
        theme_day = _rand_date(rng, dt.date(p.forste_aar, 2, 1), dt.date(p.forste_aar, 11, 30))
    return Plan(p, form, fmt, leader, email, chief, last_status, indicators, measures, risks, theme_day)


# --------------------------------------------------------------------------- one submission


@dataclass
class Submission:
    """One project's report for one year, in canonical values, before it is written."""

    plan: Plan
    year: int
    form: str
    received: dt.date
    values: dict[str, object]  # canonical: tema list of keys, status key, bools, dates, ints
    indicators: list[dict[str, object]]  # canonical, percent numbers; "indikator" = key or own label
    tiltak: list[dict[str, object]]
    risiko: list[dict[str, object]]
    fmt: str = "xlsx"
    percent_style: str = "number"
    blank_rows: bool = False
    defects: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unreadable: bool = False


def _status_for(plan: Plan, year: int) -> str:
    p = plan.project
    if year >= p.siste_aar:
        return plan.last_status
    if year == p.forste_aar:
        return "oppstart"
    return "gjennomforing"


def _indicator_value(ip: IndicatorPlan, p: Project, year: int, rng: random.Random) -> float:
    n = max(1, p.siste_aar - p.forste_aar + 1)
    f = (year - p.forste_aar + 1) / n
    delta = ip.target - ip.baseline
    if ip.toward:
        v = ip.baseline + delta * f * ip.efficacy
    else:
        v = ip.baseline - delta * f * 0.35
    v += rng.uniform(-0.08, 0.08) * abs(delta)
    if ip.high is not None:
        v = min(v, float(ip.high))
    v = max(v, float(ip.low))
    return float(round(v)) if ip.decimals == 0 else _r1(v)


def build_submission(
    plan: Plan, year: int, received: dt.date, grant: Grant | None, seed: int, tag: str = ""
) -> Submission:
    """The canonical content of `plan`'s report for `year`, signed shortly before `received`."""
    p = plan.project
    rng = random.Random(f"{seed}|{year}|{p.prosjektnummer}|{tag}")
    form, fi = plan.form, _fi(plan.form)
    signed = received - dt.timedelta(days=rng.randint(0, 4))

    themes = list(p.tema)
    if len(themes) > 1 and rng.random() < 0.1:
        themes.remove(rng.choice(themes))
    status = _status_for(plan, year)

    theme_day = None
    if plan.theme_day is not None:
        if year == p.forste_aar:
            theme_day = plan.theme_day
        else:
            roll = rng.random()
            theme_day = (
                _rand_date(rng, dt.date(year, 2, 1), dt.date(year, 10, 15))
                if roll < 0.5
                else plan.theme_day
                if roll < 0.8
                else None
            )
        if theme_day is not None and theme_day > signed:
            theme_day = None

    expected = GATHERINGS.get(p.pulje, {}).get(year, 0)
    gatherings = max(0, expected - (1 if rng.random() < 0.2 else 0))
    amount = grant.innvilget_kr if grant and grant.innvilget_kr is not None else 0
    received_kr = amount if rng.random() < 0.92 else int(round(amount * 0.5, -3))
    roll = rng.random()
    share = rng.uniform(0.85, 1.0) if roll < 0.65 else rng.uniform(0.5, 0.85) if roll < 0.9 else rng.uniform(1.0, 1.05)
    spent = int(round(received_kr * share, -2))
    own = rng.randint(5, 40) * 10_000 if rng.random() < 0.7 else None

    phase = "first" if year == p.forste_aar else "last" if year >= p.siste_aar else "middle"
    sentences = [FINDINGS_PHASE[phase][fi], FINDINGS_THEME[rng.choice(themes)][fi]]
    if rng.random() < 0.5:
        sentences.append(rng.choice(FINDINGS_GENERIC)[fi])
    good = rng.choice(GOOD_EXAMPLES)[fi] if rng.random() < 0.65 else None

    values: dict[str, object] = {
        "prosjektnummer": p.prosjektnummer,
        "kommunenummer": p.kommunenummer,
        "kommune": p.kommune,
        "rapporteringsaar": year,
        "prosjektnavn": p.prosjektnavn,
        "tema": themes,
        "status": status,
        "prosjektleder": plan.leader,
        "epost": plan.email,
        "folkevalgte_med": rng.random() < 0.88,
        "administrasjon_med": rng.random() < 0.97,
        "tillitsvalgte_med": rng.random() < 0.92,
        "temadag_dato": theme_day,
        "samlinger_deltatt": gatherings,
        "tilskudd_mottatt": received_kr,
        "forbruk": spent,
        "egeninnsats": own,
        "hovedfunn": " ".join(sentences),
        "godt_eksempel": good,
        "innsendt_dato": signed,
        "godkjent_av": f"{plan.chief}, rådmann",
    }

    indicators = []
    for ip in plan.indicators:
        if ip.key and ip.theme not in themes:
            continue
        comment = rng.choice(INDICATOR_COMMENTS)[fi] if rng.random() < 0.2 else None
        indicators.append(
            {
                "indikator": ip.key or ip.label[fi],  # type: ignore[index]
                "enhet": None if ip.key else F.UNIT_LABELS[ip.unit][fi],
                "utgangspunkt": ip.baseline,
                "utgangsaar": p.forste_aar - 1,
                "maal": ip.target,
                "maalaar": p.siste_aar,
                "resultat": _indicator_value(ip, p, year, rng),
                "kommentar": comment,
                "egendefinert": not ip.key,
            }
        )

    tiltak = []
    for m in plan.measures:
        if m.cancelled_year is not None and year >= m.cancelled_year and m.start.year <= year:
            st = "avbrutt"
        elif m.start.year > year:
            st = "planlagt"
        elif m.end is not None and m.end.year <= year and m.end <= signed:
            st = "fullfort"
        elif year >= p.siste_aar and rng.random() < 0.85:
            st = "fullfort"  # the project's last year: most measures are finished
        else:
            st = "paagaar"
        end = m.end
        if st == "fullfort" and (end is None or end > signed):
            end = min(dt.date(year, 12, 15), signed)
        comment = MEASURE_COMMENTS[st][fi] if rng.random() < 0.25 else None
        tiltak.append({"tiltak": m.text[fi], "status": st, "start": m.start, "slutt": end, "kommentar": comment})

    risiko = [
        {
            "risikofaktor": r.text[fi],
            "sannsynlighet": r.s,
            "konsekvens": r.k,
            "mottiltak": r.mitigation[fi] if r.has_mitigation else None,
        }
        for r in plan.risks
    ]

    sub = Submission(plan, year, form, received, values, indicators, tiltak, risiko, fmt=plan.fmt)
    has_pct = any(
        F.INDICATOR_BY_KEY[i["indikator"]].is_percent for i in indicators if i["indikator"] in F.INDICATOR_BY_KEY
    )
    style = _weighted(rng, PERCENT_STYLES)
    if style == "excel_pct" and (sub.fmt not in ("xlsx", "xlsm") or not has_pct):
        style = "number"
    sub.percent_style = style
    sub.blank_rows = rng.random() < 0.2
    return sub


# --------------------------------------------------------------------------- writing a submission


def _is_pct(ind: dict) -> bool:
    std = F.INDICATOR_BY_KEY.get(ind["indikator"]) if not ind.get("egendefinert") else None
    return bool(std and std.is_percent)


def _indicator_rows(sub: Submission) -> list[dict]:
    """The indicator rows as laid out in the workbook (standard rows left empty when `blank_rows`)."""
    if not sub.blank_rows:
        return list(sub.indicators)
    by_key: dict[object, dict] = {}
    for i in sub.indicators:
        if not i.get("egendefinert"):
            by_key.setdefault(i["indikator"], i)  # the first occurrence takes the standard row
    rows: list[dict] = []
    used = set()
    for ind in F.STANDARD_INDICATORS:
        if ind.key in by_key and ind.key not in used:
            rows.append(by_key[ind.key])
            used.add(ind.key)
        else:
            rows.append({"indikator": ind.key, "_blank": True})
    # own indicators and any duplicates keep their place after the standard list
    seen_std = set()
    for i in sub.indicators:
        if i.get("egendefinert"):
            rows.append(i)
        elif i["indikator"] in seen_std:
            rows.append(i)
        else:
            seen_std.add(i["indikator"])
    return rows


def render_submission(sub: Submission) -> tuple[bytes, list[dict]]:
    """Workbook bytes of a submission, and the Excel-percentage cells it carries."""
    form = sub.form
    names = sheet_names(form)
    ind_sheet = names["indikatorer"]
    cols = [c.key for c in F.INDIKATOR_COLUMNS]
    rows = _indicator_rows(sub)
    pct_cells: set[tuple[str, int, int]] = set()
    pct_manifest: list[dict] = []
    written = []
    for r_i, ind in enumerate(rows):
        if ind.get("_blank"):
            written.append({"indikator": ind["indikator"]})
            continue
        out = {k: ind.get(k) for k in cols}
        if _is_pct(ind):
            for key in ("utgangspunkt", "maal", "resultat"):
                v = out.get(key)
                if not isinstance(v, float):
                    continue
                if sub.percent_style == "text_pct":
                    out[key] = f"{v:.1f}".replace(".", ",") + " %"
                elif sub.percent_style == "text_comma":
                    out[key] = f"{v:.1f}".replace(".", ",")
                elif sub.percent_style == "excel_pct":
                    out[key] = round(v / 100, 6)
                    pct_cells.add((ind_sheet, r_i + 1, cols.index(key)))
                    pct_manifest.append({"sheet": ind_sheet, "row": r_i + 2, "field": key})
        written.append(out)
    values = dict(sub.values)
    sheets = form_sheets(form, values, written, sub.tiltak, sub.risiko, guidance=True, year=sub.year)
    data = render_workbook("." + sub.fmt, sheets, pct_cells, layouts=_layouts(form))
    return data, pct_manifest


_LAYOUT_CACHE: dict[str, dict] = {}


def _layouts(form: str) -> dict:
    if form not in _LAYOUT_CACHE:
        _LAYOUT_CACHE[form] = form_layouts(form)
    return _LAYOUT_CACHE[form]


def _iso(v: object) -> object:
    return v.isoformat() if isinstance(v, dt.date) else v


def normalise_prosjekt(values: dict[str, object]) -> dict[str, object]:
    """Canonical values as the manifest states them: ISO dates, sorted theme keys, status key, bools."""
    out: dict[str, object] = {}
    for f in F.PROSJEKT_FIELDS:
        v = values.get(f.key)
        if f.key == "tema" and v is not None:
            v = sorted(v)  # type: ignore[arg-type]
        out[f.key] = _iso(v)
    return out


def _manifest_indicators(sub: Submission) -> list[dict]:
    return [
        {
            "indikator": i["indikator"],
            "egendefinert": bool(i.get("egendefinert")),
            "utgangspunkt": i["utgangspunkt"],
            "utgangsaar": i["utgangsaar"],
            "maal": i["maal"],
            "maalaar": i["maalaar"],
            "resultat": i["resultat"],
            "kommentar": i.get("kommentar"),
        }
        for i in sub.indicators
    ]


def _manifest_entry(sub: Submission, file: str, fmt: str, form: str | None, csv_line: int | None) -> dict:
    unreadable = sub.unreadable
    return {
        "year": sub.year,
        "file": file,
        "format": fmt,
        "form": form,
        "prosjektnummer": sub.values["prosjektnummer"],
        "received": sub.received.isoformat(),
        "csv_line": csv_line,
        "prosjekt": None if unreadable else normalise_prosjekt(sub.values),
        "indicators": [] if unreadable else _manifest_indicators(sub),
        "tiltak": [] if unreadable else [{k: _iso(v) for k, v in t.items()} for t in sub.tiltak],
        "risiko": [] if unreadable else [dict(r) for r in sub.risiko],
        "supersedes": None,
        "defects": list(sub.defects),
        "changed": list(sub.changed),
        "percent_style": None if fmt == "csv" else sub.percent_style,
        "blank_indicator_rows": None if fmt == "csv" else sub.blank_rows,
        "percent_cells": [],
    }


# --------------------------------------------------------------------------- CSV exports


def _csv_value(v: object, *, comma: bool, dmy: bool, form: str, key: str) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "Ja" if v else "Nei"
    if isinstance(v, dt.date):
        return v.strftime("%d.%m.%Y") if dmy else v.isoformat()
    if key == "tema":
        return (", " if comma else "; ").join(F.THEMES[t][_fi(form)] for t in v)  # type: ignore[union-attr]
    if key == "status":
        return F.STATUS_LABELS[v][_fi(form)]  # type: ignore[index]
    if isinstance(v, float):
        return _num_text(v, comma)
    return str(v)


def render_csv(subs: Sequence[Submission], *, cp1252: bool) -> bytes:
    """A survey-tool export: UTF-8 with BOM, ',' and ISO dates; or Windows-1252, ';', decimal comma, dd.mm.yyyy."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";" if cp1252 else ",", lineterminator="\r\n")
    w.writerow(F.CSV_COLUMNS)
    for sub in subs:
        row = [_csv_value(sub.values.get(k), comma=cp1252, dmy=cp1252, form=sub.form, key=k) for k in F.PROSJEKT_KEYS]
        by_key = {i["indikator"]: i for i in sub.indicators if not i.get("egendefinert")}
        for ind in F.STANDARD_INDICATORS:
            i = by_key.get(ind.key)
            for part in F.CSV_INDICATOR_PARTS:
                row.append("" if i is None else _csv_value(i[part], comma=cp1252, dmy=cp1252, form=sub.form, key=part))
        w.writerow(row)
    text = buf.getvalue()
    return text.encode("cp1252") if cp1252 else text.encode("utf-8-sig")


# --------------------------------------------------------------------------- defects


def _plant(sub: Submission, rule: str, rng: random.Random, sheet_names_: dict[str, str]) -> dict:
    """Plant `rule` in `sub` (in place); return the defect's place (sheet, row, field, value)."""
    sub.defects.append(rule)
    prow = {f.key: i + 1 for i, f in enumerate(F.PROSJEKT_FIELDS)}
    if rule == "felt_mangler":
        key = rng.choice(("prosjektleder", "epost", "godkjent_av", "hovedfunn"))
        sub.values[key] = None
        return {"sheet": sheet_names_["prosjekt"], "row": prow[key], "field": key, "value": None}
    if rule == "aar_feil":
        sub.values["rapporteringsaar"] = sub.year - 1
        return {
            "sheet": sheet_names_["prosjekt"],
            "row": prow["rapporteringsaar"],
            "field": "rapporteringsaar",
            "value": sub.year - 1,
        }
    if rule == "prosjekt_ukjent":
        return {
            "sheet": sheet_names_["prosjekt"],
            "row": prow["prosjektnummer"],
            "field": "prosjektnummer",
            "value": sub.values["prosjektnummer"],
        }
    if rule == "fil_ulesbar":
        sub.unreadable = True
        sub.fmt = "xlsx"
        return {"sheet": None, "row": None, "field": None, "value": None}
    if rule == "verdi_utenfor_omrade":
        sub.percent_style = "number"
        candidates = [i for i in sub.indicators if _is_pct(i)]
        ind = candidates[rng.randrange(len(candidates))]
        value = rng.choice((108.0, 112.0, 115.5, 124.0))
        ind["resultat"] = value
        row = next(n for n, r in enumerate(_indicator_rows(sub)) if r is ind) + 2
        return {"sheet": sheet_names_["indikatorer"], "row": row, "field": "resultat", "value": value}
    if rule == "indikator_duplikat":
        std = [i for i in sub.indicators if not i.get("egendefinert")]
        first = std[rng.randrange(len(std))]
        dup = dict(first)
        dup["resultat"] = _r1(float(first["resultat"]) + rng.choice((-0.7, -0.3, 0.4, 0.9)))
        dup["kommentar"] = None
        sub.indicators.append(dup)
        rows = _indicator_rows(sub)
        row = max(i for i, r in enumerate(rows) if r is dup) + 2
        label = F.INDICATOR_BY_KEY[first["indikator"]].label(sub.form)  # type: ignore[index]
        return {"sheet": sheet_names_["indikatorer"], "row": row, "field": "indikator", "value": label}
    if rule == "risiko_uten_mottiltak":
        text = ("Sentrale nøkkelpersoner blir borte", "Sentrale nøkkelpersonar blir borte")[_fi(sub.form)]
        risk = {"risikofaktor": text, "sannsynlighet": rng.randint(1, 4), "konsekvens": 5, "mottiltak": None}
        sub.risiko.append(risk)
        return {"sheet": sheet_names_["risiko"], "row": len(sub.risiko) + 1, "field": "mottiltak", "value": None}
    raise ValueError(f"unknown defect rule {rule!r}")


def _eligible(rule: str, sub: Submission) -> bool:
    if rule == "verdi_utenfor_omrade":
        return any(_is_pct(i) for i in sub.indicators)
    if rule == "indikator_duplikat":
        return any(not i.get("egendefinert") for i in sub.indicators)
    return True


# --------------------------------------------------------------------------- the inbox


def _file_stem(sub: Submission, rng: random.Random) -> str:
    p = sub.plan.project
    roll = rng.random()
    if roll < 0.7:
        return f"{p.prosjektnummer}_arsrapport_{sub.year}"
    if roll < 0.85:
        return f"arsrapport_{sub.year}_{slug(p.kommune)}"
    return f"Rapport_{slug(p.kommune).capitalize()}_{p.prosjektnummer}_{sub.year}"


def generate_inbox(
    out: Path,
    years: Iterable[int],
    seed: int = 2013,
    scale: int = 1,
    register_dir: Path = DEFAULT_REGISTER,
    *,
    clean: bool = True,
    workers: int | None = None,
) -> dict:
    """Write the sample inbox for `years` into `out/<year>/` and return the manifest (also `out/manifest.json`).

    Each year is generated on its own (a year's files do not depend on which other years are asked for).
    `clean` first removes the files (not folders) directly in `out/<year>/` and `out/register/`, so that a
    rerun leaves exactly what this seed makes. `workers` > 1 generates years in parallel processes (the
    default does so from scale 5 up); the bytes are the same either way.
    """
    out = Path(out)
    register_dir = Path(register_dir)
    years = sorted({int(y) for y in years})
    out.mkdir(parents=True, exist_ok=True)
    if clean:
        for d in [out / str(y) for y in years] + [out / "register"]:
            if d.is_dir():
                for f in d.iterdir():
                    if f.is_file():
                        f.unlink()
    register_rel = None
    if scale > 1:
        projects, _, _ = _load_scaled(register_dir, scale)
        write_scaled_register(register_dir, out / "register", projects)
        register_rel = "register"

    if workers is None:
        workers = min(len(years), os.cpu_count() or 1) if scale >= 5 else 1
    jobs = [(out, y, seed, scale, register_dir) for y in years]
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_year_job, jobs))
    else:
        results = [_year_job(j) for j in jobs]

    entries: list[dict] = []
    missing: list[dict] = []
    defects: list[dict] = []
    for e, m, d in results:
        entries += e
        missing += m
        defects += d
    entries.sort(key=lambda e: (e["year"], e["file"], e["csv_line"] or 0))
    manifest = {
        "eksempeldata": True,
        "note": "Eksempeldata: alle verdier er oppdiktet og skal ikke brukes som fakta.",
        "seed": seed,
        "scale": scale,
        "years": years,
        "register_dir": register_rel,
        "files": len({e["file"] for e in entries}),
        "submissions": entries,
        "missing": missing,
        "defects": defects,
        "percent_cell_files": sorted(e["file"] for e in entries if e["percent_cells"]),
    }
    with open(out / "manifest.json", "w", encoding="utf-8", newline="\n") as fh:
        json.dump(manifest, fh, sort_keys=True, indent=2, ensure_ascii=False)
        fh.write("\n")
    return manifest


def _load_scaled(register_dir: Path, scale: int):
    projects, kommuner, grants = load_register(register_dir)
    projects, grants = scale_projects(projects, grants, scale)
    return projects, kommuner, grants


def _year_job(job: tuple[Path, int, int, int, Path]):
    out, year, seed, scale, register_dir = job
    projects, kommuner, grants = _load_scaled(register_dir, scale)
    active = [p for p in projects if p.forste_aar <= year <= p.siste_aar]
    plans = {p.prosjektnummer: make_plan(p, seed) for p in active}
    return _generate_year(out, year, seed, active, plans, kommuner, grants)


def _generate_year(
    out: Path,
    year: int,
    seed: int,
    projects: Sequence[Project],
    plans: dict[str, Plan],
    kommuner: dict[str, dict[str, str]],
    grants: dict[tuple[str, int], Grant],
):
    rng = random.Random(f"{seed}|{year}|inbox")
    ydir = out / str(year)
    ydir.mkdir(parents=True, exist_ok=True)
    active = [p for p in projects if p.forste_aar <= year <= p.siste_aar]
    entries: list[dict] = []
    missing_out: list[dict] = []
    defects_out: list[dict] = []
    if not active:
        return entries, missing_out, defects_out

    order = list(active)
    rng.shuffle(order)
    n = len(order)
    n_missing = max(1, round(0.05 * n)) if n >= 10 else 0
    # every kind of letter in both language forms across the years: the missing report, the unreadable,
    # rejected and partly read ones go to a nynorsk project in odd years and a bokmål one in even years
    preferred = "nn" if year % 2 else "nb"
    if n_missing:
        first = next((i for i, p in enumerate(order) if _letter_form(p) == preferred), 0)
        order.insert(0, order.pop(first))
    n_csv = max(1, round(0.15 * n)) if n >= 5 else 0
    missing = sorted(order[:n_missing], key=_project_sort_key)
    csv_projects = sorted(order[n_missing : n_missing + n_csv], key=_project_sort_key)
    wb_projects = sorted(order[n_missing + n_csv :], key=_project_sort_key)

    def deadline(p: Project) -> dt.date:
        g = grants.get((p.prosjektnummer, year))
        return g.rapporteringsfrist if g else default_deadline(year)

    for p in missing:
        missing_out.append(
            {
                "year": year,
                "prosjektnummer": p.prosjektnummer,
                "kommunenummer": p.kommunenummer,
                "rapporteringsfrist": deadline(p).isoformat(),
            }
        )

    # workbook submissions
    subs: list[Submission] = []
    for p in wb_projects:
        d = deadline(p)
        late = rng.random() < 0.1
        received = d + dt.timedelta(days=rng.randint(1, 30)) if late else d - dt.timedelta(days=rng.randint(0, 27))
        subs.append(
            build_submission(plans[p.prosjektnummer], year, received, grants.get((p.prosjektnummer, year)), seed)
        )

    # the corrected resubmission and the planted defects go to distinct projects
    pool = list(range(len(subs)))
    rng.shuffle(pool)
    used: set[int] = set()
    resub_of = pool[0] if pool else None
    if resub_of is not None:
        used.add(resub_of)
    planted: list[tuple[Submission, dict]] = []
    for rule in DEFECT_RULES:
        if rule == "prosjekt_ukjent":
            continue
        free = [i for i in pool if i not in used and _eligible(rule, subs[i])]
        pick = next(
            (i for i in free if rule not in PREFERRED_FORM_RULES or _letter_form(subs[i].plan.project) == preferred),
            free[0] if free else None,
        )
        if pick is None:
            raise ValueError(f"{year}: no submission can carry the defect {rule}")
        used.add(pick)
        sub = subs[pick]
        names = sheet_names(sub.form)
        planted.append((sub, _plant(sub, rule, rng, names) | {"planted_in": "normal_submission"}))

    # the unknown project: an extra file from a municipality with no project of that number
    knr = sorted(kommuner)[rng.randrange(len(kommuner))]
    k = kommuner[knr]
    themes = (rng.choice(sorted(t for t in F.THEMES if t != "innovasjon")),)
    ghost = Project(
        UNKNOWN_PROJECT,
        3,
        "",
        f"Heltidskultur og nærvær i {k['kommune']}",
        themes,
        knr,
        year,
        min(year + 1, 2015),
        k["kommune"],
        k.get("maalform", "nb"),
    )
    ghost_plan = make_plan(ghost, seed + year)
    d = default_deadline(year)
    ghost_sub = build_submission(
        ghost_plan, year, d - dt.timedelta(days=rng.randint(0, 20)), Grant(300_000, d), seed, tag="ukjent"
    )
    planted.append(
        (
            ghost_sub,
            _plant(ghost_sub, "prosjekt_ukjent", rng, sheet_names(ghost_sub.form)) | {"planted_in": "extra_file"},
        )
    )
    subs.append(ghost_sub)

    taken: set[str] = set()

    def place(sub: Submission, stem: str) -> str:
        name = f"{sub.received.isoformat()}_{stem}.{sub.fmt}"
        if name in taken:
            name = f"{sub.received.isoformat()}_{sub.plan.project.prosjektnummer}_arsrapport_{year}.{sub.fmt}"
        if name in taken:
            raise ValueError(f"duplicate file name {name}")
        taken.add(name)
        return name

    file_of: dict[int, str] = {}
    for _idx, sub in enumerate(subs):
        frng = random.Random(f"{seed}|{year}|{sub.plan.project.prosjektnummer}|file")
        name = place(sub, _file_stem(sub, frng))
        file_of[id(sub)] = name
        data, pct = render_submission(sub)
        if sub.unreadable:
            data = data[: max(64, len(data) * 2 // 5)]  # a truncated zip: the upload broke off
            pct = []
        (ydir / name).write_bytes(data)
        entry = _manifest_entry(sub, f"{year}/{name}", sub.fmt, sub.form, None)
        entry["percent_cells"] = pct
        entries.append(entry)

    for sub, where in planted:
        defects_out.append(
            {
                "year": year,
                "file": f"{year}/{file_of[id(sub)]}",
                "rule": sub.defects[-1],
                "prosjektnummer": sub.values["prosjektnummer"],
                **where,
            }
        )

    # the corrected version: same project, a few days later, one value changed
    if resub_of is not None:
        orig = subs[resub_of]
        later = orig.received + dt.timedelta(days=rng.randint(3, 14))
        fixed = build_submission(
            orig.plan, year, orig.received, grants.get((orig.plan.project.prosjektnummer, year)), seed
        )
        fixed.received = later
        fixed.values["innsendt_dato"] = later - dt.timedelta(days=rng.randint(0, 1))
        fixed.percent_style, fixed.blank_rows, fixed.fmt = orig.percent_style, orig.blank_rows, orig.fmt
        std = [i for i in fixed.indicators if not i.get("egendefinert")]
        if std and rng.random() < 0.5:
            ind = std[rng.randrange(len(std))]
            ind["resultat"] = _r1(float(ind["resultat"]) + rng.choice((-1.2, -0.5, 0.6, 1.1)))
            if ind["resultat"] < 0:
                ind["resultat"] = 0.0
            fixed.changed = [f"indikator:{ind['indikator']}:resultat", "innsendt_dato"]
        else:
            spent = int(fixed.values["forbruk"])  # type: ignore[call-overload]
            fixed.values["forbruk"] = int(round(spent * rng.uniform(0.8, 0.97), -2))
            fixed.changed = ["forbruk", "innsendt_dato"]
        name = place(fixed, f"{orig.plan.project.prosjektnummer}_arsrapport_{year}_korrigert")
        data, pct = render_submission(fixed)
        (ydir / name).write_bytes(data)
        entry = _manifest_entry(fixed, f"{year}/{name}", fixed.fmt, fixed.form, None)
        entry["percent_cells"] = pct
        entry["supersedes"] = f"{year}/{file_of[id(orig)]}"
        entries.append(entry)

    # survey exports: UTF-8 with BOM (',', ISO dates) and Windows-1252 (';', decimal comma, dd.mm.yyyy)
    if csv_projects:
        deadlines = sorted(deadline(p) for p in csv_projects)
        d = deadlines[len(deadlines) // 2]
        half = (len(csv_projects) + 1) // 2
        batches = [
            (csv_projects[:half], False, d - dt.timedelta(days=10)),
            (csv_projects[half:], True, d - dt.timedelta(days=1)),
        ]
        for batch, cp1252, day in batches:
            if not batch:
                continue
            subs_csv = []
            for p in batch:
                sub = build_submission(
                    plans[p.prosjektnummer], year, day, grants.get((p.prosjektnummer, year)), seed, tag="csv"
                )
                sub.fmt = "csv"
                # the survey has no measures, no risk analysis and no place for a project's own indicator
                sub.indicators = [i for i in sub.indicators if not i.get("egendefinert")]
                sub.tiltak, sub.risiko = [], []
                subs_csv.append(sub)
            name = f"{day.isoformat()}_sporjeskjema_eksport_{year}.csv"
            if name in taken:
                raise ValueError(f"duplicate file name {name}")
            taken.add(name)
            (ydir / name).write_bytes(render_csv(subs_csv, cp1252=cp1252))
            for line, sub in enumerate(subs_csv, start=2):
                entry = _manifest_entry(sub, f"{year}/{name}", "csv", None, line)
                entry["csv_encoding"] = "cp1252" if cp1252 else "utf-8-sig"
                entry["csv_delimiter"] = ";" if cp1252 else ","
                entry["text_form"] = sub.form
                entries.append(entry)
    return entries, missing_out, defects_out


# --------------------------------------------------------------------------- command line


def _parse_years(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-", 1)
            out += list(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write a sample inbox (EKSEMPELDATA) with a manifest.")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--years", default="2012-2015", help="e.g. 2012-2015 or 2013,2014")
    ap.add_argument("--seed", type=int, default=2013)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--register", type=Path, default=DEFAULT_REGISTER)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    m = generate_inbox(args.out, _parse_years(args.years), seed=args.seed, scale=args.scale, register_dir=args.register)
    print(
        f"{m['files']} files, {len(m['submissions'])} submissions, {len(m['missing'])} missing, "
        f"{len(m['defects'])} defects in {time.perf_counter() - t0:.1f} s -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = [
    "DEFECT_RULES",
    "generate_inbox",
    "load_register",
    "make_plan",
    "build_submission",
    "render_csv",
    "render_submission",
    "scale_projects",
    "write_scaled_register",
    "main",
]
