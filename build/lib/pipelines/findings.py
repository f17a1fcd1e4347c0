"""Findings for the follow-up letters: each a small rule over one project's year.

A rule takes the project's row of `mart_prosjekt_aar` and what the warehouse
holds about it (`ProjectFacts`), and returns the findings to write, each with
a code, a severity, the text in bokmål and nynorsk, and a deadline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from pipelines.rendering import format_dato, format_nok, indicator_label


@dataclass(frozen=True)
class Finding:
    kode: str
    alvorsgrad: str  # "krav" (must be done) | "merknad" (for information)
    nb: str
    nn: str
    frist: date | None

    def for_form(self, form: str) -> dict:
        return {"kode": self.kode, "alvorsgrad": self.alvorsgrad, "tekst": self.nn if form == "nn" else self.nb,
                "frist": self.frist}


@dataclass
class ProjectFacts:
    prosjekt: dict  # one row of mart_prosjekt_aar
    avvik: list[dict] = field(default_factory=list)  # its rows of core_avvik
    indikatorar: list[dict] = field(default_factory=list)
    svarfrist: date | None = None
    konto: str = ""


def report_missing(f: ProjectFacts) -> list[Finding]:
    p = f.prosjekt
    if p["rapportstatus"] != "manglar":
        return []
    frist_nb, frist_nn = format_dato(p["rapporteringsfrist"], "nb"), format_dato(p["rapporteringsfrist"], "nn")
    return [Finding(
        "rapport_manglar", "krav",
        f"Vi har ikke mottatt rapporten for {p['aar']}, som skulle vært sendt innen {frist_nb}. Send rapporten "
        f"snarest. Tilskuddet for neste år blir ikke utbetalt før rapporten er mottatt.",
        f"Vi har ikkje motteke rapporten for {p['aar']}, som skulle ha vore send innan {frist_nn}. Send "
        f"rapporten så snart som råd. Tilskotet for neste år blir ikkje utbetalt før rapporten er motteken.",
        f.svarfrist)]


def report_rejected(f: ProjectFacts) -> list[Finding]:
    if f.prosjekt["rapportstatus"] != "avvist":
        return []
    return [Finding(
        "rapport_avvist", "krav",
        "Rapporten vi mottok, kunne ikke brukes. Rett feilene som er nevnt nedenfor, og send rapporten på nytt. "
        "Tilskuddet for neste år blir ikke utbetalt før vi har mottatt en rapport vi kan bruke.",
        "Rapporten vi fekk, kunne ikkje brukast. Rett feila som er nemnde nedanfor, og send rapporten på nytt. "
        "Tilskotet for neste år blir ikkje utbetalt før vi har fått ein rapport vi kan bruke.",
        f.svarfrist)]


def report_late(f: ProjectFacts) -> list[Finding]:
    p = f.prosjekt
    if p["rapportstatus"] != "for_seint":
        return []
    return [Finding(
        "rapport_for_seint", "merknad",
        f"Rapporten kom inn {format_dato(p['mottatt_dato'], 'nb')}, etter fristen "
        f"{format_dato(p['rapporteringsfrist'], 'nb')}. Vi ber om at fristen blir overholdt neste gang.",
        f"Rapporten kom inn {format_dato(p['mottatt_dato'], 'nn')}, etter fristen "
        f"{format_dato(p['rapporteringsfrist'], 'nn')}. Vi ber om at de held fristen neste gong.",
        None)]


def issues_in_report(f: ProjectFacts) -> list[Finding]:
    """Each recorded issue, quoted with its place, as a thing to correct."""
    return [Finding(f"avvik_{a['regel']}", "krav", a["melding_nb"], a["melding_nn"], f.svarfrist)
            for a in f.avvik if a["regel"] != "mottaksdato_mangler"]


def partnership(f: ProjectFacts) -> list[Finding]:
    p = f.prosjekt
    if p["innsending_id"] is None:
        return []
    missing = [(nb, nn) for key, nb, nn in (("folkevalgte_med", "de folkevalgte", "dei folkevalde"),
                                            ("administrasjon_med", "administrasjonen", "administrasjonen"),
                                            ("tillitsvalgte_med", "de tillitsvalgte", "dei tillitsvalde"))
               if p.get(key) is False]
    if not missing:
        return []
    who_nb = _join([m[0] for m in missing], "og")
    who_nn = _join([m[1] for m in missing], "og")
    return [Finding(
        "partssamarbeid", "krav",
        f"Rapporten viser at {who_nb} ikke er med i prosjektet. Partssamarbeid er et vilkår for å delta i "
        f"programmet: folkevalgte, administrasjonen og tillitsvalgte skal alle være med. Gjør rede for hvordan "
        f"dette skal ordnes.",
        f"Rapporten viser at {who_nn} ikkje er med i prosjektet. Partssamarbeid er eit vilkår for å vere med i "
        f"programmet: folkevalde, administrasjonen og tillitsvalde skal alle vere med. Gjer greie for korleis "
        f"de skal ordne dette.",
        f.svarfrist)]


def theme_day(f: ProjectFacts) -> list[Finding]:
    p = f.prosjekt
    if p["innsending_id"] is None or p.get("temadag_dato") is not None or p["aar"] < p["forste_aar"]:
        return []
    return [Finding(
        "temadag_manglar", "krav",
        "Kommunen har ennå ikke holdt en lokal temadag for prosjektet. Hold temadagen, og meld datoen til "
        "sekretariatet.",
        "Kommunen har enno ikkje halde ein lokal temadag for prosjektet. Hald temadagen, og meld datoen til "
        "sekretariatet.",
        f.svarfrist)]


def not_measurable(f: ProjectFacts) -> list[Finding]:
    out = []
    for ind in f.indikatorar:
        if ind["utgangspunkt"] is None or ind["maal"] is None:
            nb = indicator_label(ind["indikator"], "nb") if ind["standard"] else ind["indikator"]
            nn = indicator_label(ind["indikator"], "nn") if ind["standard"] else ind["indikator"]
            out.append(Finding(
                "ikkje_maalbart", "krav",
                f"Indikatoren «{nb}» mangler utgangspunkt eller mål, og kan derfor ikke måles. Fyll inn "
                f"utgangspunkt og mål, hver med verdi og år.",
                f"Indikatoren «{nn}» manglar utgangspunkt eller mål, og kan difor ikkje målast. Fyll inn "
                f"utgangspunkt og mål, kvart med verdi og år.",
                f.svarfrist))
    return out


def survey_without_measures(f: ProjectFacts) -> list[Finding]:
    if f.prosjekt.get("format") != "csv":
        return []
    return [Finding(
        "csv_utan_tiltak_risiko", "krav",
        "Rapporten kom inn gjennom spørreskjemaet og har derfor ingen tiltaksliste eller risikoanalyse. Send "
        "dem på rapportskjemaet (arkene «Tiltak» og «Risiko»).",
        "Rapporten kom inn gjennom spørjeskjemaet og har difor inga tiltaksliste eller risikoanalyse. Send "
        "dei på rapportskjemaet (arka «Tiltak» og «Risiko»).",
        f.svarfrist)]


def unspent_grant(f: ProjectFacts) -> list[Finding]:
    p = f.prosjekt
    unspent = p.get("ubrukt_kr")
    if unspent is None or unspent <= 0:
        return []
    if p["avsluttar_i_aar"]:
        ref = f"{p['aar']}/{p['prosjektnummer']}"
        return [Finding(
            "tilbakebetaling", "krav",
            f"Prosjektet er avsluttet, og {format_nok(unspent, 'nb')} av tilskuddet er ikke brukt. Beløpet skal "
            f"betales tilbake til konto {f.konto}. Merk innbetalingen med «{ref}».",
            f"Prosjektet er avslutta, og {format_nok(unspent, 'nn')} av tilskotet er ikkje brukt. Beløpet skal "
            f"betalast tilbake til konto {f.konto}. Merk innbetalinga med «{ref}».",
            f.svarfrist)]
    return [Finding(
        "ubrukt_tilskot", "krav",
        f"{format_nok(unspent, 'nb')} av tilskuddet for {p['aar']} er ikke brukt. Forklar hvorfor, eller søk "
        f"om å få overføre beløpet til neste år.",
        f"{format_nok(unspent, 'nn')} av tilskotet for {p['aar']} er ikkje brukt. Forklar kvifor, eller søk "
        f"om å få overføre beløpet til neste år.",
        f.svarfrist)]


def final_report(f: ProjectFacts) -> list[Finding]:
    p = f.prosjekt
    if not p["avsluttar_i_aar"]:
        return []
    return [Finding(
        "sluttrapport", "krav",
        f"Prosjektet avsluttes i {p['aar']}. Send sluttrapport og plan for gevinstrealisering: hvordan "
        f"resultatene skal tas inn i den ordinære driften.",
        f"Prosjektet blir avslutta i {p['aar']}. Send sluttrapport og plan for gevinstrealisering: korleis "
        f"resultata skal takast inn i den ordinære drifta.",
        f.svarfrist)]


RULES: tuple[Callable[[ProjectFacts], list[Finding]], ...] = (
    report_missing, report_rejected, report_late, issues_in_report, partnership, theme_day, not_measurable,
    survey_without_measures, unspent_grant, final_report,
)


def findings(facts: ProjectFacts) -> list[Finding]:
    return [finding for rule in RULES for finding in rule(facts)]


def _join(items: list[str], word: str) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} " + items[-1]
