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


def _continues(p: dict) -> bool:
    """The project has a next year's grant to pay or withhold (an ended project has none)."""
    return not p.get("sluttoppgjer", p.get("avsluttar_i_aar")) and p.get("neste_aar_innvilga_kr") is not None


def report_missing(f: ProjectFacts) -> list[Finding]:
    p = f.prosjekt
    if p["rapportstatus"] != "manglar":
        return []
    frist_nb, frist_nn = format_dato(p["rapporteringsfrist"], "nb"), format_dato(p["rapporteringsfrist"], "nn")
    return [Finding(
        "rapport_manglar", "krav",
        f"Vi har ikke mottatt rapporten for {p['aar']}, som skulle vært sendt innen {frist_nb}. Send rapporten "
        f"snarest." + (" Tilskuddet for neste år blir ikke utbetalt før rapporten er mottatt." if _continues(p) else ""),
        f"Vi har ikkje motteke rapporten for {p['aar']}, som skulle ha vore send innan {frist_nn}. Send "
        f"rapporten så snart som råd."
        + (" Tilskotet for neste år blir ikkje utbetalt før rapporten er motteken." if _continues(p) else ""),
        f.svarfrist)]


def report_rejected(f: ProjectFacts) -> list[Finding]:
    if f.prosjekt["rapportstatus"] != "avvist":
        return []
    more = _continues(f.prosjekt)
    return [Finding(
        "rapport_avvist", "krav",
        "Rapporten vi mottok, kunne ikke brukes. Rett feilene som er nevnt nedenfor, og send rapporten på nytt."
        + (" Tilskuddet for neste år blir ikke utbetalt før vi har mottatt en rapport vi kan bruke." if more else ""),
        "Rapporten vi fekk, kunne ikkje brukast. Rett feila som er nemnde nedanfor, og send rapporten på nytt."
        + (" Tilskotet for neste år blir ikkje utbetalt før vi har fått ein rapport vi kan bruke." if more else ""),
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


# ---- money: every amount from int_okonomi_prosjekt_aar (the ledger and the accepted report) ----

def received_differs(f: ProjectFacts) -> list[Finding]:
    """What the report says was received against what the ledger says was paid: quoted, never summed."""
    p = f.prosjekt
    if not p.get("mottatt_avvik"):
        return []

    def paid(form: str) -> str:
        if not p["utbetalt_kr"]:
            return {"nb": "er det ikke utbetalt noe tilskudd for {aar}",
                    "nn": "er det ikkje utbetalt noko tilskot for {aar}"}[form].format(aar=p["aar"])
        when = f" ({format_dato(p['utbetalt_dato'], form)})" if p.get("utbetalt_dato") else ""
        return f"er det utbetalt {format_nok(p['utbetalt_kr'], form)}{when}"

    return [Finding(
        "tilskot_avvik", "merknad",
        f"I rapporten står det at kommunen har mottatt {format_nok(p['rapportert_mottatt_kr'], 'nb')} i tilskudd "
        f"for {p['aar']}. Ifølge sekretariatets regnskap {paid('nb')}. Beløpene i dette brevet bygger på det som "
        f"er utbetalt. Kontroller kommunens regnskap, og gi oss beskjed hvis dere mener utbetalingen er feil.",
        f"I rapporten står det at kommunen har motteke {format_nok(p['rapportert_mottatt_kr'], 'nn')} i tilskot "
        f"for {p['aar']}. Etter rekneskapen til sekretariatet {paid('nn')}. Beløpa i dette brevet byggjer på det "
        f"som er utbetalt. Kontroller rekneskapen til kommunen, og gi oss melding dersom de meiner utbetalinga er "
        f"feil.",
        None)]


def unspent_grant(f: ProjectFacts) -> list[Finding]:
    """A running project explains, or applies to transfer, unspent funds from the threshold up."""
    p = f.prosjekt
    if not p.get("forklare_ubrukt"):
        return []
    amount_nb, amount_nn = format_nok(p["ubrukt_ikkje_overfort_kr"], "nb"), format_nok(p["ubrukt_ikkje_overfort_kr"], "nn")
    return [Finding(
        "ubrukt_tilskot", "krav",
        f"{amount_nb} av tilskuddet for {p['aar']} er ikke brukt (utbetalt og overført fra året før, minus "
        f"forbruk). Forklar hvorfor, eller søk om å overføre beløpet til {p['aar'] + 1}.",
        f"{amount_nn} av tilskotet for {p['aar']} er ikkje brukt (utbetalt og overført frå året før, minus "
        f"forbruk). Forklar kvifor, eller søk om å overføre beløpet til {p['aar'] + 1}.",
        f.svarfrist)]


def repayment(f: ProjectFacts) -> list[Finding]:
    """The final settlement of an ended project: every year's unspent funds not approved for transfer,
    less what was paid back, to the secretariat's account by the deadline, with the KID."""
    p = f.prosjekt
    claim = p.get("aa_betale_tilbake_kr")
    if not claim or claim <= 0:
        return []
    period = f"{p['forste_aar']}–{p['aar']}" if p["forste_aar"] < p["aar"] else str(p["aar"])
    paid_back_nb = (f", og {format_nok(p['periode_tilbakebetalt_kr'], 'nb')} er allerede betalt tilbake"
                    if p.get("periode_tilbakebetalt_kr") else "")
    paid_back_nn = (f", og {format_nok(p['periode_tilbakebetalt_kr'], 'nn')} er alt betalt tilbake"
                    if p.get("periode_tilbakebetalt_kr") else "")
    return [Finding(
        "tilbakebetaling", "krav",
        f"Prosjektet er avsluttet. Sluttoppgjøret for prosjektperioden {period} viser at "
        f"{format_nok(p['periode_ubrukt_kr'], 'nb')} av tilskuddet ikke er brukt eller godkjent overført"
        f"{paid_back_nb}. {format_nok(claim, 'nb')} skal betales tilbake til konto {f.konto} innen "
        f"{format_dato(f.svarfrist, 'nb')}. Bruk KID {p['kid']}.",
        f"Prosjektet er avslutta. Sluttoppgjeret for prosjektperioden {period} viser at "
        f"{format_nok(p['periode_ubrukt_kr'], 'nn')} av tilskotet ikkje er brukt eller godkjent overført"
        f"{paid_back_nn}. {format_nok(claim, 'nn')} skal betalast tilbake til konto {f.konto} innan "
        f"{format_dato(f.svarfrist, 'nn')}. Bruk KID {p['kid']}.",
        f.svarfrist)]


def final_account(f: ProjectFacts) -> list[Finding]:
    """A project ending in a year whose report is due before 31.12 (2015) is settled against a final
    account sent after the project period."""
    p = f.prosjekt
    if not (p.get("sluttoppgjer") and p.get("sluttrekneskap_etter_perioden")):
        return []
    frist = p["sluttrekneskap_frist"]
    period = f"{p['forste_aar']}–{p['aar']}" if p["forste_aar"] < p["aar"] else str(p["aar"])
    return [Finding(
        "sluttrekneskap", "krav",
        f"Prosjektperioden slutter 31.12.{p['aar']}. Send sluttregnskap for hele prosjektperioden {period} innen "
        f"{format_dato(frist, 'nb')}. Sekretariatet gjør da opp tilskuddet, og ubrukte midler som ikke er "
        f"godkjent overført, skal betales tilbake.",
        f"Prosjektperioden sluttar 31.12.{p['aar']}. Send sluttrekneskap for heile prosjektperioden {period} "
        f"innan {format_dato(frist, 'nn')}. Sekretariatet gjer då opp tilskotet, og ubrukte midlar som ikkje er "
        f"godkjende overførte, skal betalast tilbake.",
        frist)]


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
    survey_without_measures, received_differs, unspent_grant, repayment, final_account, final_report,
)


def findings(facts: ProjectFacts) -> list[Finding]:
    return [finding for rule in RULES for finding in rule(facts)]


def _join(items: list[str], word: str) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} " + items[-1]
