"""The reporting form, version 1 (shared/REPORTING_FORM.md), as data.

One place holds every key, label and rule of the form, so that the reader,
the validator, the blank-form writer and the sample generator cannot drift
apart. Keys are the canonical names used in tables and CSV headers; labels are
what a person sees in the workbook, in bokmål (nb) and nynorsk (nn).
"""

from __future__ import annotations

from dataclasses import dataclass

FORMS = ("nb", "nn")
YEARS = (2012, 2013, 2014, 2015)


@dataclass(frozen=True)
class Field:
    key: str
    nb: str
    nn: str
    kind: str  # text | kommunenummer | year | themes | status | email | yesno | date | int03 | nok | longtext
    required: bool

    def label(self, form: str) -> str:
        return self.nn if form == "nn" else self.nb


# Sheet `Prosjekt`: label in column A, value in column B.
PROSJEKT_FIELDS: tuple[Field, ...] = (
    Field("prosjektnummer", "Prosjektnummer", "Prosjektnummer", "prosjektnummer", True),
    Field("kommunenummer", "Kommunenummer", "Kommunenummer", "kommunenummer", True),
    Field("kommune", "Kommune", "Kommune", "text", True),
    Field("rapporteringsaar", "Rapporteringsår", "Rapporteringsår", "year", True),
    Field("prosjektnavn", "Prosjektnavn", "Prosjektnamn", "text", True),
    Field("tema", "Tema", "Tema", "themes", True),
    Field("status", "Status", "Status", "status", True),
    Field("prosjektleder", "Prosjektleder", "Prosjektleiar", "text", True),
    Field("epost", "E-post", "E-post", "email", True),
    Field("folkevalgte_med", "Folkevalgte med", "Folkevalde med", "yesno", True),
    Field("administrasjon_med", "Administrasjonen med", "Administrasjonen med", "yesno", True),
    Field("tillitsvalgte_med", "Tillitsvalgte med", "Tillitsvalde med", "yesno", True),
    Field("temadag_dato", "Temadag gjennomført", "Temadag halden", "date", False),
    Field("samlinger_deltatt", "Nettverkssamlinger deltatt", "Nettverkssamlingar deltekne", "int03", True),
    Field("tilskudd_mottatt", "Tilskudd mottatt (kr)", "Tilskot motteke (kr)", "nok", True),
    Field("forbruk", "Forbruk (kr)", "Forbruk (kr)", "nok", True),
    Field("egeninnsats", "Egeninnsats (kr)", "Eigeninnsats (kr)", "nok", False),
    Field("hovedfunn", "Hovedfunn", "Hovudfunn", "longtext", True),
    Field("godt_eksempel", "Godt eksempel", "Godt døme", "longtext", False),
    Field("innsendt_dato", "Dato", "Dato", "date", True),
    Field("godkjent_av", "Godkjent av", "Godkjend av", "text", True),
)
PROSJEKT_KEYS = tuple(f.key for f in PROSJEKT_FIELDS)
FIELD_BY_KEY = {f.key: f for f in PROSJEKT_FIELDS}
LONGTEXT_MAX = 4000


@dataclass(frozen=True)
class Indicator:
    key: str
    nb: str
    nn: str
    unit: str  # "%", "antall", "poeng"
    low: float
    high: float | None
    better: str  # "lower" | "higher"
    theme: str

    def label(self, form: str) -> str:
        return self.nn if form == "nn" else self.nb

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"


STANDARD_INDICATORS: tuple[Indicator, ...] = (
    Indicator("sykefravaer_pst", "Sykefravær", "Sjukefråvær", "%", 0, 100, "lower", "sykefravaer"),
    Indicator(
        "stillingsstorrelse_pst",
        "Gjennomsnittlig stillingsstørrelse",
        "Gjennomsnittleg stillingsstorleik",
        "%",
        0,
        100,
        "higher",
        "heltid_deltid",
    ),
    Indicator(
        "heltid_andel_pst", "Andel heltidsansatte", "Del heiltidstilsette", "%", 0, 100, "higher", "heltid_deltid"
    ),
    Indicator(
        "ufrivillig_deltid_pst",
        "Andel ufrivillig deltid",
        "Del ufrivillig deltid",
        "%",
        0,
        100,
        "lower",
        "heltid_deltid",
    ),
    Indicator(
        "kvalifiserte_sokere",
        "Kvalifiserte søkere per stilling",
        "Kvalifiserte søkjarar per stilling",
        "antall",
        0,
        None,
        "higher",
        "kompetanse_rekruttering",
    ),
    Indicator(
        "fagutdanning_andel_pst",
        "Andel med fagutdanning",
        "Del med fagutdanning",
        "%",
        0,
        100,
        "higher",
        "kompetanse_rekruttering",
    ),
    Indicator("omdomme_skar", "Omdømmeskår", "Omdømeskår", "poeng", 0, 100, "higher", "omdomme"),
    Indicator(
        "medarbeidertilfredshet",
        "Medarbeidertilfredshet",
        "Medarbeidartilfredsheit",
        "poeng",
        1,
        6,
        "higher",
        "omdomme",
    ),
)
INDICATOR_BY_KEY = {i.key: i for i in STANDARD_INDICATORS}

# Units as written in the `Enhet`/`Eining` column (nb / nn).
UNIT_LABELS = {"%": ("%", "%"), "antall": ("antall", "tal"), "poeng": ("poeng", "poeng")}
# The same units written out, as a chart's axis names them («Sykefravær (prosent)»).
UNIT_WORDS = {**UNIT_LABELS, "%": ("prosent", "prosent")}
# How a project may write «per cent» as the unit of its own indicator (normalised, without a final full stop):
# such an indicator takes percentages in every written form the standard ones take.
PERCENT_UNITS = ("%", "prosent", "pst", "prosentdel")

# Themes: canonical key -> (nb, nn). Input accepts either spelling.
THEMES: dict[str, tuple[str, str]] = {
    "sykefravaer": ("sykefravær", "sjukefråvær"),
    "heltid_deltid": ("heltid/deltid", "heiltid/deltid"),
    "kompetanse_rekruttering": ("kompetanse og rekruttering", "kompetanse og rekruttering"),
    "omdomme": ("omdømme", "omdøme"),
    "innovasjon": ("innovasjon", "innovasjon"),
}

# Project status: canonical key -> accepted spellings.
STATUSES: dict[str, tuple[str, ...]] = {
    "oppstart": ("oppstart",),
    "gjennomforing": ("gjennomføring",),
    "avsluttet": ("avsluttet", "avslutta"),
    "drift": ("drift",),
}
STATUS_LABELS = {
    "oppstart": ("oppstart", "oppstart"),
    "gjennomforing": ("gjennomføring", "gjennomføring"),
    "avsluttet": ("avsluttet", "avslutta"),
    "drift": ("drift", "drift"),
}

# Sheet names (nb, nn).
SHEET_PROSJEKT = ("Prosjekt", "Prosjekt")
SHEET_INDIKATORER = ("Indikatorer", "Indikatorar")
SHEET_TILTAK = ("Tiltak", "Tiltak")
SHEET_RISIKO = ("Risiko", "Risiko")


@dataclass(frozen=True)
class Column:
    key: str
    nb: str
    nn: str

    def label(self, form: str) -> str:
        return self.nn if form == "nn" else self.nb


INDIKATOR_COLUMNS = (
    Column("indikator", "Indikator", "Indikator"),
    Column("enhet", "Enhet", "Eining"),
    Column("utgangspunkt", "Utgangspunkt", "Utgangspunkt"),
    Column("utgangsaar", "Utgangsår", "Utgangsår"),
    Column("maal", "Mål", "Mål"),
    Column("maalaar", "Målår", "Målår"),
    Column("resultat", "Resultat", "Resultat"),
    Column("kommentar", "Kommentar", "Kommentar"),
)
TILTAK_COLUMNS = (
    Column("tiltak", "Tiltak", "Tiltak"),
    Column("status", "Status", "Status"),
    Column("start", "Start", "Start"),
    Column("slutt", "Slutt", "Slutt"),
    Column("kommentar", "Kommentar", "Kommentar"),
)
RISIKO_COLUMNS = (
    Column("risikofaktor", "Risikofaktor", "Risikofaktor"),
    Column("sannsynlighet", "Sannsynlighet", "Sannsyn"),
    Column("konsekvens", "Konsekvens", "Konsekvens"),
    Column("mottiltak", "Mottiltak", "Mottiltak"),
)

# Measure status: canonical key -> accepted spellings.
TILTAK_STATUSES: dict[str, tuple[str, ...]] = {
    "planlagt": ("planlagt", "planlagd"),  # nynorsk writes both
    "paagaar": ("pågår", "i gang"),
    "fullfort": ("fullført",),
    "avbrutt": ("avbrutt", "avbrote"),
}
TILTAK_STATUS_LABELS = {
    "planlagt": ("planlagt", "planlagt"),
    "paagaar": ("pågår", "i gang"),
    "fullfort": ("fullført", "fullført"),
    "avbrutt": ("avbrutt", "avbrote"),
}

# CSV export: canonical Prosjekt keys, then five columns per standard indicator.
CSV_INDICATOR_PARTS = ("utgangspunkt", "utgangsaar", "maal", "maalaar", "resultat")
CSV_COLUMNS = PROSJEKT_KEYS + tuple(f"{ind.key}__{part}" for ind in STANDARD_INDICATORS for part in CSV_INDICATOR_PARTS)

YES = ("ja",)
NO = ("nei",)


def normalise_label(text: object) -> str:
    """Labels are case-insensitive, ignore surrounding spaces and a trailing colon."""
    s = str(text or "").strip()
    if s.endswith(":"):
        s = s[:-1].rstrip()
    return " ".join(s.split()).casefold()


def risk_needs_mitigation(s: int, k: int) -> bool:
    """Booklet p. 32: S × K ≥ 9, or K = 5 whatever S, requires a mitigation."""
    return s * k >= 9 or k == 5
