"""Issues as data: every problem found in a submission, with its place and a
message a project leader can act on, in bokmål and nynorsk.

An issue is never an exception: reading and validation collect them and the
warehouse keeps them in `core_avvik`, which the follow-up letters quote.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from schemas import form as reporting_form

# Severities
REJECT_FILE = "avvis_fil"  # the whole submission (file or CSV row) is not used
REJECT_ROW = "avvis_rad"  # one row of a table is not used
FINDING = "merknad"  # kept, but the letter asks the project to correct it

# rule code -> (severity, what is wrong in bokmål, in nynorsk)
RULES: dict[str, tuple[str, str, str]] = {
    "fil_ulesbar": (
        REJECT_FILE,
        "filen kan ikke leses som regneark eller CSV",
        "fila kan ikkje lesast som rekneark eller CSV",
    ),
    "fil_tom": (REJECT_FILE, "filen er tom", "fila er tom"),
    "fil_for_stor": (REJECT_FILE, "filen er større enn det vi tar imot", "fila er større enn det vi tek imot"),
    "fil_feil_type": (
        REJECT_FILE,
        "filtypen stemmer ikke med innholdet eller er ikke en av dem skjemaet tillater",
        "filtypen stemmer ikkje med innhaldet eller er ikkje ein av dei skjemaet tillèt",
    ),
    "for_mange_rader": (
        REJECT_FILE,
        "arket har langt flere rader enn skjemaet har plass til",
        "arket har langt fleire rader enn skjemaet har plass til",
    ),
    "prosjektark_mangler": (
        REJECT_FILE,
        "arket «Prosjekt» mangler, så rapporten kan ikke leses",
        "arket «Prosjekt» manglar, så rapporten kan ikkje lesast",
    ),
    "csv_feil_kolonnetall": (
        REJECT_FILE,
        "raden har et annet antall felt enn overskriftsraden (sett tekst med skilletegn i anførselstegn)",
        "rada har eit anna tal felt enn overskriftsrada (set tekst med skiljeteikn i hermeteikn)",
    ),
    "ark_mangler": (FINDING, "arket mangler i rapporten", "arket manglar i rapporten"),
    "kolonne_mangler": (
        REJECT_ROW,
        "kolonnen mangler, så radene under kan ikke leses",
        "kolonnen manglar, så radene under kan ikkje lesast",
    ),
    "felt_mangler": (FINDING, "må fylles ut, men står tomt", "må fyllast ut, men står tomt"),
    "ugyldig_verdi": (FINDING, "verdien kan ikke leses", "verdien kan ikkje lesast"),
    "tall_tvetydig": (FINDING, "tallet kan leses på to måter", "talet kan lesast på to måtar"),
    "verdi_utenfor_omrade": (
        REJECT_ROW,
        "verdien er utenfor det tillatte området",
        "verdien er utanfor det tillatne området",
    ),
    "tekst_for_lang": (FINDING, "teksten er for lang og er kortet ned", "teksten er for lang og er korta ned"),
    "ukjent_felt": (
        FINDING,
        "feltet finnes ikke i skjemaet og er ikke lest",
        "feltet finst ikkje i skjemaet og er ikkje lese",
    ),
    "indikator_duplikat": (
        REJECT_ROW,
        "indikatoren står to ganger; bare den første raden er brukt",
        "indikatoren står to gonger; berre den første rada er brukt",
    ),
    "risiko_uten_mottiltak": (FINDING, "risikoen krever et mottiltak", "risikoen krev eit mottiltak"),
    "prosjekt_ukjent": (
        REJECT_FILE,
        "prosjektnummeret finnes ikke i programmets register",
        "prosjektnummeret finst ikkje i registeret til programmet",
    ),
    "kommune_ikke_leder": (
        REJECT_FILE,
        "kommunen er ikke søkerkommune for prosjektet",
        "kommunen er ikkje søkjarkommune for prosjektet",
    ),
    "kommunenavn_feil": (
        FINDING,
        "kommunenavnet stemmer ikke med kommunenummeret",
        "kommunenamnet stemmer ikkje med kommunenummeret",
    ),
    "aar_feil": (
        REJECT_FILE,
        "rapporteringsåret er ikke året rapporten gjelder",
        "rapporteringsåret er ikkje året rapporten gjeld",
    ),
    "aar_utenfor_prosjekt": (
        REJECT_FILE,
        "prosjektet er ikke aktivt dette året",
        "prosjektet er ikkje aktivt dette året",
    ),
    "tema_ikke_i_prosjekt": (
        FINDING,
        "temaet er ikke ett av prosjektets temaer",
        "temaet høyrer ikkje til temaa for prosjektet",
    ),
    "mottaksdato_mangler": (
        FINDING,
        "filnavnet har ingen mottaksdato (ÅÅÅÅ-MM-DD først i navnet)",
        "filnamnet har ingen mottaksdato (ÅÅÅÅ-MM-DD først i namnet)",
    ),
}


def _one_of(labels: dict[str, tuple[str, str]]) -> tuple[str, str]:
    words = [[pair[i] for pair in labels.values()] for i in (0, 1)]
    return tuple(", ".join(w[:-1]) + " eller " + w[-1] for w in words)  # type: ignore[return-value]


# What a value should have looked like, by key (bokmål, nynorsk).
EXPECTED: dict[str, tuple[str, str]] = {
    "tal": ("et tall, for eksempel 8,4", "eit tal, til dømes 8,4"),
    "tall_uten_prosent": ("et tall uten prosenttegn", "eit tal utan prosentteikn"),
    "ett_desimaltegn": ("ett desimaltegn (komma eller punktum)", "eitt desimalteikn (komma eller punktum)"),
    "belop_uten_skille": (
        "et beløp uten skilletegn, for eksempel 1234 eller 1 234",
        "eit beløp utan skiljeteikn, til dømes 1234 eller 1 234",
    ),
    "helt_tall": ("et helt tall", "eit heilt tal"),
    "aarstal": ("et årstall med fire sifre", "eit årstal med fire siffer"),
    "dato": ("en dato som 23.11.2013", "ein dato som 23.11.2013"),
    "ja_nei": ("Ja eller Nei", "Ja eller Nei"),
    "kommunenummer": ("fire sifre, for eksempel 0301", "fire siffer, til dømes 0301"),
    "prosjektnummer": ("et prosjektnummer som P1-07", "eit prosjektnummer som P1-07"),
    "tema": (
        "ett eller flere av sykefravær, heltid/deltid, kompetanse og rekruttering, omdømme, innovasjon",
        "eitt eller fleire av sjukefråvær, heiltid/deltid, kompetanse og rekruttering, omdøme, innovasjon",
    ),
    # the lists the form offers (its drop-downs), so that a help text never names a term the reader rejects
    "status": _one_of(reporting_form.STATUS_LABELS),
    "tiltaksstatus": _one_of(reporting_form.TILTAK_STATUS_LABELS),
    "epost": ("en e-postadresse", "ei e-postadresse"),
    "rekneark": ("et regneark lagret fra Excel eller LibreOffice", "eit rekneark lagra frå Excel eller LibreOffice"),
    "prosent": ("en prosent mellom 0 og 100", "ein prosent mellom 0 og 100"),
    "samlingar": ("et helt tall fra 0 til 3", "eit heilt tal frå 0 til 3"),
    "ikke_negativ": ("et tall som ikke er negativt", "eit tal som ikkje er negativt"),
    "skala_1_5": ("et helt tall fra 1 til 5", "eit heilt tal frå 1 til 5"),
    "skala_1_6": ("et tall fra 1 til 6", "eit tal frå 1 til 6"),
    "poeng_0_100": ("et tall fra 0 til 100", "eit tal frå 0 til 100"),
    "mottiltak": ("et mottiltak når S × K er minst 9 eller K er 5", "eit mottiltak når S × K er minst 9 eller K er 5"),
    "maks_4000": ("høyst 4 000 tegn", "høgst 4 000 teikn"),
    "en_gang": ("hver indikator én gang", "kvar indikator éin gong"),
    "rapporteringsaaret": ("året rapporten gjelder", "året rapporten gjeld"),
    "prosjektaara": ("et år prosjektet er aktivt", "eit år prosjektet er aktivt"),
    "registeret": ("et prosjektnummer fra tilskuddsbrevet", "eit prosjektnummer frå tilskotsbrevet"),
    "soekjarkommune": ("søkerkommunen for prosjektet", "søkjarkommunen for prosjektet"),
    "prosjektets_tema": ("temaene i tilskuddsbrevet", "temaa i tilskotsbrevet"),
}


@dataclass(frozen=True)
class Issue:
    regel: str
    ark: str | None = None
    rad: int | None = None
    felt: str | None = None
    verdi: str | None = None
    forventet: str | None = None  # a key of EXPECTED, or literal text
    alvor: str | None = None  # overrides the rule's severity, e.g. a missing project number rejects the file

    @property
    def alvorsgrad(self) -> str:
        return self.alvor or RULES[self.regel][0]

    def expected(self, form: str) -> str | None:
        if self.forventet is None:
            return None
        pair = EXPECTED.get(self.forventet, (self.forventet, self.forventet))
        return pair[1] if form == "nn" else pair[0]

    def message(self, form: str) -> str:
        severity, nb, nn = RULES[self.regel]
        nynorsk = form == "nn"
        place = []
        if self.ark:
            place.append(f"Ark «{self.ark}»")
        if self.rad is not None:
            place.append(f"rad {self.rad}" if self.ark else f"linje {self.rad}")
        if self.felt:
            place.append(f"feltet «{field_label(self.felt, form)}»")
        text = (", ".join(place) + ": " if place else "") + (nn if nynorsk else nb)
        expected = self.expected(form)
        if self.verdi not in (None, ""):
            found = _short(shown_value(self.verdi, form))
            text += f" (fann «{found}»" if nynorsk else f" (fant «{found}»"
            text += (f", venta {expected})" if nynorsk else f", ventet {expected})") if expected else ")"
        elif expected:
            text += f" ({'venta' if nynorsk else 'ventet'} {expected})"
        text = text[0].upper() + text[1:]
        return text + "."

    def record(self) -> dict:
        record = asdict(self)
        record.pop("alvor")
        return {
            **record,
            "alvorsgrad": self.alvorsgrad,
            "melding_nb": self.message("nb"),
            "melding_nn": self.message("nn"),
        }


def field_label(key: str, form: str) -> str:
    """What the project leader sees in the form, not our internal key.

    A CSV export's indicator column `<indicator>__<part>` is named by both labels: «Sykefravær, Resultat».
    """
    if "__" in key:
        indicator, part = key.rsplit("__", 1)
        return f"{indicator_label(indicator, form)}, {field_label(part, form)}"
    for item in (
        *reporting_form.PROSJEKT_FIELDS,
        *reporting_form.INDIKATOR_COLUMNS,
        *reporting_form.TILTAK_COLUMNS,
        *reporting_form.RISIKO_COLUMNS,
    ):
        if item.key == key:
            return item.label(form)
    return key


def indicator_label(key: str, form: str) -> str:
    """A standard indicator's label in the form's language; a project's own indicator as the project wrote it."""
    ind = reporting_form.INDICATOR_BY_KEY.get(key)
    return ind.label(form) if ind else key


def shown_value(value: str, form: str) -> str:
    """A value as the person saw it: a standard indicator by its label, a date as 23.11.2013."""
    if value in reporting_form.INDICATOR_BY_KEY:
        return indicator_label(value, form)
    m = _ISO_DATE.fullmatch(value)
    if m:
        return f"{m['d']}.{m['m']}.{m['y']}" + (m["rest"] or "")
    return value


_ISO_DATE = re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?P<rest> \d{2}:\d{2}(:\d{2})?)?")


def _short(value: str, limit: int = 60) -> str:
    value = " ".join(str(value).split())
    return value if len(value) <= limit else value[: limit - 1] + "…"
