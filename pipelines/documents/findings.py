"""Findings for the follow-up letters: each a small rule over one project's year.

A rule takes the project's row of `mart_prosjekt_aar` and what the warehouse
holds about it (`ProjectFacts`), and returns the findings to write, each with
a code, a severity and a deadline. Their words are phrases of
`report_templates/tekstar.toml` (keys `f_…`), filled in for each form, so a
finding names fields, indicators and risks by the form's own labels in the
letter's language form, never by an internal key.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from pipelines.documents.formatting import (
    format_dato,
    format_nok,
    format_num,
    indicator_label,
    phrases,
    text,
)
from pipelines.issues import EXPECTED
from pipelines.issues import RULES as ISSUE_RULES
from schemas import form as F


@dataclass(frozen=True)
class Finding:
    kode: str
    alvorsgrad: str  # "krav" (must be done) | "merknad" (for information)
    nb: str
    nn: str
    frist: date | None
    # where a finding that quotes a recorded issue was found (file, sheet, row, field, value, SHA-256), so
    # the letters' metadata lists each finding with its place however the letter words it
    kilde: dict | None = field(default=None, compare=False)

    def for_form(self, form: str) -> dict:
        return {
            "kode": self.kode,
            "alvorsgrad": self.alvorsgrad,
            "tekst": self.nn if form == "nn" else self.nb,
            "frist": self.frist,
            "kilde": self.kilde,
        }


@dataclass
class ProjectFacts:
    prosjekt: dict  # one row of mart_prosjekt_aar, with the letter's own `variant`
    avvik: list[dict] = field(default_factory=list)  # the issues to correct (rows of sql/reports/brev_avvik)
    indikatorer: list[dict] = field(default_factory=list)
    svarfrist: date | None = None
    konto: str = ""
    frist: date | None = None  # the reporting deadline, moved to a working day


PLACE = ("filnavn", "ark", "rad", "felt", "verdi", "sha256")


def _finding(kode: str, alvorsgrad: str, key: str, due: date | None, **values) -> Finding:
    """A finding whose text is phrase `key`; a value may be a function of the form (a date, a label)."""

    def filled(form: str) -> str:
        return text(key, form, **{k: v(form) if callable(v) else v for k, v in values.items()})

    return Finding(kode, alvorsgrad, filled("nb"), filled("nn"), due)


def _date(d: date | None) -> Callable[[str], str]:
    return lambda form: format_dato(d, form)


# ---------------------------------------------------------------- how an issue is quoted

_LABELLED = (*F.PROSJEKT_FIELDS, *F.INDIKATOR_COLUMNS, *F.TILTAK_COLUMNS, *F.RISIKO_COLUMNS)
_KEY = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")  # an internal key such as godkjent_av or sykefravaer_pst


def label(key: str | None, form: str) -> str | None:
    """A field, column or standard indicator by its label in the form; None for no key."""
    if key is None:
        return None
    if key in F.INDICATOR_BY_KEY:
        return F.INDICATOR_BY_KEY[key].label(form)
    for item in _LABELLED:
        if item.key == key:
            return item.label(form)
    return key


def without_keys(textual: str, form: str) -> str:
    """Every internal key left in a text replaced by its label (a message written elsewhere may carry one)."""
    return _KEY.sub(lambda m: label(m.group(0), form) if label(m.group(0), form) != m.group(0) else m.group(0), textual)


def _value(a: dict, form: str) -> str | None:
    verdi = a.get("verdi")
    if verdi in (None, "") or a["regel"] == "fil_ulesbar":  # the value of an unreadable file is its extension
        return None
    if verdi in F.INDICATOR_BY_KEY:
        return F.INDICATOR_BY_KEY[verdi].label(form)
    return " ".join(str(verdi).split())[:80]


def _expected(a: dict, form: str) -> str | None:
    """What the form expects, in words: the validator's key for it, the indicator's range, or its literal text."""
    forventet = a.get("forventet")
    ind = F.INDICATOR_BY_KEY.get(a.get("indikator_nokkel") or "")
    if a["regel"] == "verdi_utenfor_omrade" and ind is not None:
        low, high = format_num(ind.low, form, 0), format_num(ind.high, form, 0) if ind.high is not None else None
        return text("f_mellom", form, lav=low, hog=high) if high else text("f_minst", form, lav=low)
    if forventet in (None, "") or a["regel"] == "indikator_duplikat":  # the rule's words say it all
        return None
    if forventet in EXPECTED:
        return EXPECTED[forventet][1 if form == "nn" else 0]
    if label(forventet, form) != forventet:
        return None  # a field key: the rule's own words already say the field must be filled in
    if re.fullmatch(r"\d+ og \d+", forventet):
        low, high = forventet.split(" og ")
        return text("f_mellom", form, lav=low, hog=high)
    return forventet


def describe_issue(a: dict, form: str) -> str:
    """One recorded issue as the letter quotes it: sheet, row, the field or indicator by its label,
    what is wrong, the value found and what is expected."""
    place = []
    if a.get("ark"):
        place.append(text("f_ark", form, ark=a["ark"]))
    if a.get("rad") is not None:
        place.append(text("f_rad" if a.get("ark") else "f_linje", form, rad=a["rad"]))
    indikator = a.get("indikator_nokkel") or a.get("indikator_tekst")
    if indikator and a.get("felt") != "indikator":
        place.append(text("f_indikatoren", form, indikator=label(indikator, form)))
    if a.get("risikofaktor") is not None or a["regel"] == "risiko_uten_mottiltak":
        place.append(
            text(
                "f_risikoen",
                form,
                risiko=a.get("risikofaktor") or "–",
                s=a.get("sannsynlighet") or "–",
                k=a.get("konsekvens") or "–",
            )
        )
    if a.get("felt") and a["regel"] != "risiko_uten_mottiltak":
        table = a.get("ark") and a["ark"] not in F.SHEET_PROSJEKT
        place.append(text("f_kolonnen" if table else "f_feltet", form, felt=label(a["felt"], form)))
    rule = ISSUE_RULES.get(a["regel"])
    what = (rule[2] if form == "nn" else rule[1]) if rule else a.get(f"melding_{form}") or a["regel"]
    sentence = (", ".join(place) + ": " if place else "") + what
    found, expected = _value(a, form), _expected(a, form)
    if found and expected:
        sentence += text("f_fant_ventet", form, fann=found, venta=expected)
    elif found:
        sentence += text("f_fant", form, fann=found)
    elif expected:
        sentence += text("f_ventet", form, venta=expected)
    sentence = without_keys(sentence, form)
    return sentence[0].upper() + sentence[1:] + "."


# ---------------------------------------------------------------- the rules

ENDING = "_slutt"


def for_the_year(key: str, p: dict) -> str:
    """The phrase `key` as it fits the project's year: in the year a project ends (its last year, the
    programme's 2015 among them, or the year its report says it has ended) there is no next year's grant
    to hold back, promise or make conditional, so a phrase that speaks of one has an ending variant
    (`key` + `_slutt`) about the final settlement instead."""
    return key + ENDING if p.get("sluttoppgjor") and key + ENDING in phrases() else key


def report_missing(f: ProjectFacts) -> list[Finding]:
    p = f.prosjekt
    if p["variant"] != "mangler":
        return []
    key = for_the_year("f_rapport_mangler", p)
    return [_finding("rapport_mangler", "krav", key, f.svarfrist, aar=p["aar"], frist=_date(f.frist))]


def report_rejected(f: ProjectFacts) -> list[Finding]:
    p = f.prosjekt
    if p["variant"] not in ("avvist", "ulesbar"):
        return []
    return [
        _finding(
            "rapport_avvist" if p["variant"] == "avvist" else "rapport_ulesbar",
            "krav",
            for_the_year(f"f_rapport_{p['variant']}", p),
            f.svarfrist,
            aar=p["aar"],
        )
    ]


def report_late(f: ProjectFacts) -> list[Finding]:
    p = f.prosjekt
    if p["variant"] != "for_sent":
        return []
    return [
        _finding(
            "rapport_for_sent",
            "merknad",
            for_the_year("f_rapport_for_sent", p),
            None,
            mottatt=_date(p["mottatt_dato"]),
            frist=_date(f.frist),
        )
    ]


def issues_in_report(f: ProjectFacts) -> list[Finding]:
    """Each recorded issue, quoted with its place, as a thing to correct."""
    return [
        Finding(
            f"avvik_{a['regel']}",
            "krav",
            describe_issue(a, "nb"),
            describe_issue(a, "nn"),
            f.svarfrist,
            {k: a.get(k) for k in PLACE},
        )
        for a in f.avvik
        if a["regel"] != "mottaksdato_mangler"
    ]


_PARTIES = (
    ("folkevalgte_med", "f_part_folkevalgte"),
    ("administrasjon_med", "f_part_administrasjonen"),
    ("tillitsvalgte_med", "f_part_tillitsvalgte"),
)


def partnership(f: ProjectFacts) -> list[Finding]:
    p = f.prosjekt
    if p["innsending_id"] is None:
        return []
    missing = [key for column, key in _PARTIES if p.get(column) is False]
    if not missing:
        return []
    return [
        _finding(
            "trepartssamarbeid",
            "krav",
            "f_trepartssamarbeid",
            f.svarfrist,
            kven=lambda form: _join([text(k, form) for k in missing], text("og", form)),
        )
    ]


def theme_day(f: ProjectFacts) -> list[Finding]:
    p = f.prosjekt
    if p["innsending_id"] is None or p.get("temadag_dato") is not None or p["aar"] < p["forste_aar"]:
        return []
    return [_finding("temadag_mangler", "krav", "f_temadag_mangler", f.svarfrist)]


def not_measurable(f: ProjectFacts) -> list[Finding]:
    out = []
    for ind in f.indikatorer:
        if ind["utgangspunkt"] is None or ind["maal"] is None:
            out.append(
                _finding(
                    "ikke_maalbart",
                    "krav",
                    "f_ikke_maalbart",
                    f.svarfrist,
                    ark=lambda form: ind.get("ark") or "–",
                    rad=ind.get("rad") or "–",
                    indikator=lambda form: (
                        indicator_label(ind["indikator"], form) if ind["standard"] else ind["indikator"]
                    ),
                )
            )
    return out


def survey_without_measures(f: ProjectFacts) -> list[Finding]:
    if f.prosjekt.get("format") != "csv":
        return []
    return [_finding("csv_uten_tiltak_risiko", "krav", "f_csv_uten_tiltak_risiko", f.svarfrist)]


# ---- money: every amount from int_okonomi_prosjekt_aar (the ledger and the accepted report) ----


def _period(p: dict) -> str:
    return f"{p['forste_aar']}–{p['aar']}" if p["forste_aar"] < p["aar"] else str(p["aar"])


def received_differs(f: ProjectFacts) -> list[Finding]:
    """What the report says was received against what the ledger says was paid: quoted, never summed."""
    p = f.prosjekt
    if not p.get("mottatt_avvik"):
        return []
    if not p["utbetalt_kr"]:
        return [
            _finding(
                "tilskudd_avvik",
                "merknad",
                "f_tilskudd_avvik_ikke_utbetalt",
                None,
                aar=p["aar"],
                mottatt=lambda form: format_nok(p["rapportert_mottatt_kr"], form),
            )
        ]
    return [
        _finding(
            "tilskudd_avvik",
            "merknad",
            "f_tilskudd_avvik",
            None,
            aar=p["aar"],
            mottatt=lambda form: format_nok(p["rapportert_mottatt_kr"], form),
            utbetalt=lambda form: format_nok(p["utbetalt_kr"], form),
            dato=_date(p.get("utbetalt_dato")),
        )
    ]


def unspent_grant(f: ProjectFacts) -> list[Finding]:
    """A running project explains, or applies to transfer, unspent funds from the threshold up."""
    p = f.prosjekt
    if not p.get("forklare_ubrukt"):
        return []
    return [
        _finding(
            "ubrukt_tilskudd",
            "krav",
            "f_ubrukt_tilskudd",
            f.svarfrist,
            aar=p["aar"],
            neste=p["aar"] + 1,
            belop=lambda form: format_nok(p["ubrukt_ikke_overfort_kr"], form),
        )
    ]


def repayment(f: ProjectFacts) -> list[Finding]:
    """The final settlement of an ended project: every year's unspent funds not approved for transfer,
    less what was paid back, to the secretariat's account by the deadline, with the KID."""
    p = f.prosjekt
    claim = p.get("aa_betale_tilbake_kr")
    if not claim or claim <= 0:
        return []
    paid_back = p.get("periode_tilbakebetalt_kr")
    return [
        _finding(
            "tilbakebetaling",
            "krav",
            "f_tilbakebetaling_betalt" if paid_back else "f_tilbakebetaling",
            f.svarfrist,
            periode=_period(p),
            konto=f.konto,
            kid=p["kid"],
            frist=_date(f.svarfrist),
            ubrukt=lambda form: format_nok(p["periode_ubrukt_kr"], form),
            betalt=lambda form: format_nok(paid_back, form),
            belop=lambda form: format_nok(claim, form),
        )
    ]


def final_account(f: ProjectFacts) -> list[Finding]:
    """A project ending in a year whose report is due before 31.12 (2015) is settled against a final
    account sent after the project period."""
    p = f.prosjekt
    if not (p.get("sluttoppgjor") and p.get("sluttregnskap_etter_perioden")):
        return []
    due = p["sluttregnskap_frist"]
    return [
        _finding("sluttregnskap", "krav", "f_sluttregnskap", due, aar=p["aar"], periode=_period(p), frist=_date(due))
    ]


def final_report(f: ProjectFacts) -> list[Finding]:
    p = f.prosjekt
    if not p["avslutter_i_aar"]:
        return []
    return [_finding("sluttrapport", "krav", "f_sluttrapport", f.svarfrist, aar=p["aar"])]


RULES: tuple[Callable[[ProjectFacts], list[Finding]], ...] = (
    report_missing,
    report_rejected,
    report_late,
    issues_in_report,
    partnership,
    theme_day,
    not_measurable,
    survey_without_measures,
    received_differs,
    unspent_grant,
    repayment,
    final_account,
    final_report,
)


def findings(facts: ProjectFacts) -> list[Finding]:
    return [finding for rule in RULES for finding in rule(facts)]


def _join(items: list[str], word: str) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} " + items[-1]
