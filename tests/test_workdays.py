"""Date rules of the documents (pipelines/workdays.py) and the letter's facts, as pure functions."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines import workdays
from pipelines.documents import findings, report_context


@pytest.mark.parametrize(
    "day,working",
    [
        (date(2014, 1, 31), True),  # Friday
        (date(2015, 1, 31), False),  # Saturday
        (date(2015, 11, 1), False),  # Sunday
        (date(2014, 12, 24), True),  # Christmas Eve is not a public holiday in Norway
        (date(2014, 12, 25), False),
        (date(2014, 12, 26), False),
        (date(2014, 4, 17), False),
        (date(2014, 4, 18), False),
        (date(2014, 4, 21), False),  # Easter 2014
        (date(2014, 5, 1), False),
        (date(2014, 5, 29), False),  # 1 May, Ascension Day 2014
        (date(2015, 5, 25), False),  # Whit Monday 2015
    ],
)
def test_working_days_by_the_norwegian_calendar(day, working):
    assert workdays.is_working_day(day) is working


def test_deadlines_run_to_the_next_working_day():
    assert workdays.on_or_after(date(2015, 1, 31)) == date(2015, 2, 2)  # the 2014 report
    assert workdays.on_or_after(date(2015, 11, 1)) == date(2015, 11, 2)  # the final report
    assert workdays.on_or_after(date(2014, 1, 31)) == date(2014, 1, 31)
    assert workdays.deadline(date(2014, 11, 27), 28) == date(2014, 12, 29)  # 25.12 + the weekend … 29.12
    assert workdays.deadline(date(2014, 3, 24), 28) == date(2014, 4, 22)  # Easter Monday 21.04


def test_one_dispatch_date_a_working_day_after_deadline_and_last_file():
    assert workdays.dispatch_date("", date(2014, 1, 31), date(2014, 3, 2)) == date(2014, 3, 3)
    assert workdays.dispatch_date("", date(2014, 1, 31), date(2014, 1, 20)) == date(2014, 2, 3)
    assert workdays.dispatch_date("", date(2015, 11, 1), None) == date(2015, 11, 2)
    assert workdays.dispatch_date("2014-02-17", date(2014, 1, 31), None) == date(2014, 2, 17)
    with pytest.raises(ValueError, match="arbeidsdag"):
        workdays.dispatch_date("2014-12-25", date(2014, 1, 31), None)


def _project(**over) -> dict:
    p = {"rapportstatus": "mangler", "mottatt_dato": None}
    return {**p, **over}


def test_letter_variant_tells_unreadable_from_missing_and_follows_the_model_s_status():
    # on time or late is the model's status (the working-day deadline: tests/test_ledger.py)
    unreadable = {"innsending_id": None, "utfall": "avvist", "godkjent": None, "gjeldende": None}
    rejected = {"innsending_id": "x", "utfall": "avvist", "godkjent": False, "gjeldende": False}
    assert report_context.letter_variant(_project(), []) == "mangler"
    assert report_context.letter_variant(_project(), [unreadable]) == "ulesbar"
    assert report_context.letter_variant(_project(rapportstatus="avvist"), [rejected, unreadable]) == "avvist"
    for status in ("i_tide", "for_sent"):
        assert (
            report_context.letter_variant(_project(rapportstatus=status, mottatt_dato=date(2015, 2, 2)), []) == status
        )


@pytest.mark.parametrize("form", ["nb", "nn"])
def test_an_issue_is_quoted_by_the_form_s_labels_never_by_an_internal_key(form):
    cases = [
        {
            "regel": "felt_mangler",
            "ark": "Prosjekt",
            "rad": 21,
            "felt": "godkjent_av",
            "verdi": None,
            "forventet": "godkjent_av",
        },
        {
            "regel": "verdi_utenfor_omrade",
            "ark": "Indikatorar",
            "rad": 2,
            "felt": "resultat",
            "verdi": "108",
            "forventet": "0 og 100",
            "indikator_nokkel": "fagutdanning_andel_pst",
            "indikator_tekst": "Del med fagutdanning",
        },
        {
            "regel": "indikator_duplikat",
            "ark": "Indikatorer",
            "rad": 7,
            "felt": "indikator",
            "verdi": "fagutdanning_andel_pst",
            "forventet": "en_gang",
        },
        {
            "regel": "risiko_uten_mottiltak",
            "ark": "Risiko",
            "rad": 5,
            "felt": "mottiltak",
            "verdi": None,
            "forventet": "mottiltak",
            "risikofaktor": "Prosjektleiaren sluttar",
            "sannsynlighet": "3",
            "konsekvens": "5",
        },
    ]
    texts = [findings.describe_issue(a, form) for a in cases]
    assert not any("_" in t for t in texts), texts
    label = "Godkjend av" if form == "nn" else "Godkjent av"
    assert f"«{label}»" in texts[0] and "rad 21" in texts[0]
    fag = "Del med fagutdanning" if form == "nn" else "Andel med fagutdanning"
    assert f"«{fag}»" in texts[1] and "«108»" in texts[1] and "100" in texts[1] and "«Resultat»" in texts[1]
    assert f"«{fag}»" in texts[2]
    assert "«Prosjektleiaren sluttar» (S = 3, K = 5)" in texts[3]
