"""The parsers of `pipelines.values`, value by value, as REPORTING_FORM.md writes them."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines import values
from pipelines.issues import EXPECTED

# --- numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8,4", 8.4),
        ("8.4", 8.4),
        ("8,4 %", 8.4),
        ("8,4%", 8.4),
        ("8.4 %", 8.4),
        ("8,4\u00a0%", 8.4),  # no-break space, as Excel writes it
        (" 12 ", 12.0),
        ("0", 0.0),
        ("100", 100.0),
        ("-2", -2.0),
        ("1e-05", 0.00001),  # what `reading.cell_text` writes for a very small float
    ],
)
def test_percent_numbers(text, expected):
    assert values.parse_number(text, percent=True) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234 567", 1234567.0),
        ("1\u00a0234\u00a0567", 1234567.0),
        ("1\u202f234\u202f567", 1234567.0),  # narrow no-break space
        ("1.234.567", 1234567.0),
        ("1,234,567", 1234567.0),
        ("340000", 340000.0),
        ("340000.0", 340000.0),
        ("1 234,50", 1234.5),
        ("kr 1 234", 1234.0),
        ("12 500,-", 12500.0),
        ("NOK 5000", 5000.0),
        ("0", 0.0),
    ],
)
def test_money(text, expected):
    assert values.parse_number(text, money=True) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "kwargs", "reason"),
    [
        ("1,234", {"money": True}, "belop_uten_skille"),  # 1234 kroner or 1,234 kroner? ambiguous
        ("1.234", {"money": True}, "belop_uten_skille"),
        ("8,4 %", {}, "tall_uten_prosent"),
        ("8,4 %", {"money": True}, "tall_uten_prosent"),
        ("1.234,5", {"percent": True}, "ett_desimaltegn"),
        ("1,234.5", {"money": True}, "ett_desimaltegn"),
        ("1.234.567", {"percent": True}, "tal"),  # thousands groups only in money
        ("8,4,1", {}, "tal"),
        ("åtte", {}, "tal"),
        ("", {}, "tal"),
        ("%", {"percent": True}, "tal"),
        ("0x10", {}, "tal"),
        # float() would take these; a report must not
        ("nan", {}, "tal"),
        ("NaN", {"percent": True}, "tal"),
        ("inf", {}, "tal"),
        ("-Infinity", {"money": True}, "tal"),
        ("1_000", {}, "tal"),
        ("\u0661\u0662", {}, "tal"),  # Arabic-Indic digits
    ],
)
def test_numbers_rejected_with_reason(text, kwargs, reason):
    with pytest.raises(ValueError) as err:
        values.parse_number(text, **kwargs)
    assert err.value.args[0] == reason
    assert reason in EXPECTED


@pytest.mark.parametrize(("text", "expected"), [("3", 3), ("0", 0), ("2.0", 2), ("2,0", 2)])
def test_int(text, expected):
    assert values.parse_int(text) == expected


@pytest.mark.parametrize(("text", "reason"), [("2,5", "helt_tall"), ("to", "tal")])
def test_int_rejected(text, reason):
    with pytest.raises(ValueError, match=reason):
        values.parse_int(text)


@pytest.mark.parametrize(("text", "expected"), [("2013", 2013), ("2013.0", 2013), (" 2015 ", 2015)])
def test_year(text, expected):
    assert values.parse_year(text) == expected


@pytest.mark.parametrize("text", ["13", "20133", "1899"])
def test_year_rejected(text):
    with pytest.raises(ValueError, match="aarstal"):
        values.parse_year(text)


# --- dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("23.11.2013", date(2013, 11, 23)),
        ("2013-11-23", date(2013, 11, 23)),
        ("23/11/2013", date(2013, 11, 23)),
        ("1.2.2014", date(2014, 2, 1)),
        ("1/2/2014", date(2014, 2, 1)),
        ("2013-11-23 00:00:00", date(2013, 11, 23)),  # a date cell with its time
        ("2013-11-23T10:15:00", date(2013, 11, 23)),
        (" 29.02.2012 ", date(2012, 2, 29)),
    ],
)
def test_dates(text, expected):
    assert values.parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "31.02.2013",
        "29.02.2013",
        "2013-13-01",
        "32.01.2013",
        "0.0.2013",
        "2013/11/23",
        "23.11.13",
        "23-11-2013",
        "11/23/2013",
        "i fjor",
        "",
        "41600",
    ],
)
def test_invalid_dates(text):
    with pytest.raises(ValueError, match="dato"):
        values.parse_date(text)


# --- yes / no, themes, status ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"), [("Ja", True), ("ja", True), (" JA ", True), ("Nei", False), ("NEI", False), ("nei ", False)]
)
def test_yesno(text, expected):
    assert values.parse_yesno(text) is expected


@pytest.mark.parametrize("text", ["yes", "no", "j", "n", "1", "0", "Ja/Nei", "true"])
def test_yesno_rejected(text):
    with pytest.raises(ValueError, match="ja_nei"):
        values.parse_yesno(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sykefravær", ["sykefravaer"]),
        ("Sjukefråvær", ["sykefravaer"]),
        ("heltid/deltid", ["heltid_deltid"]),  # the slash belongs to the name
        ("heiltid/deltid", ["heltid_deltid"]),
        ("Heltid/deltid; sykefravær", ["heltid_deltid", "sykefravaer"]),
        ("omdømme, innovasjon", ["innovasjon", "omdomme"]),
        ("Omdøme ; Kompetanse og rekruttering ;", ["kompetanse_rekruttering", "omdomme"]),
        ("omdømme; omdøme", ["omdomme"]),  # nb and nn of one theme once
        ("kompetanse_rekruttering", ["kompetanse_rekruttering"]),  # the canonical key itself
    ],
)
def test_themes(text, expected):
    assert values.parse_themes(text) == expected


@pytest.mark.parametrize("text", ["heltid", "deltid", "heltid / deltid / sykefravær", "sport", ";", " , "])
def test_themes_rejected(text):
    with pytest.raises(ValueError, match="tema"):
        values.parse_themes(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("oppstart", "oppstart"),
        ("Gjennomføring", "gjennomforing"),
        ("avsluttet", "avsluttet"),
        ("avslutta", "avsluttet"),
        ("AVSLUTTA ", "avsluttet"),
        ("drift", "drift"),
        ("Drift:", "drift"),
    ],
)
def test_status(text, expected):
    assert values.parse_status(text) == expected


@pytest.mark.parametrize("text", ["ferdig", "avslutt", "pågår"])
def test_status_rejected(text):
    with pytest.raises(ValueError, match="status"):
        values.parse_status(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pågår", "paagaar"),
        ("i gang", "paagaar"),
        ("I  gang", "paagaar"),
        ("avbrote", "avbrutt"),
        ("Fullført", "fullfort"),
        ("planlagt", "planlagt"),
    ],
)
def test_measure_status(text, expected):
    assert values.parse_measure_status(text) == expected


# --- municipality numbers, e-mail, indicators ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("301", "0301"),
        ("0301", "0301"),
        ("301.0", "0301"),
        ("1426", "1426"),
        (" 1426 ", "1426"),
        ("14 26", "1426"),
    ],
)
def test_kommunenummer(text, expected):
    assert values.parse_kommunenummer(text) == expected


@pytest.mark.parametrize("text", ["30", "12345", "Oslo", "03O1", "0301a"])
def test_kommunenummer_rejected(text):
    with pytest.raises(ValueError, match="kommunenummer"):
        values.parse_kommunenummer(text)


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("kari.li@luster.kommune.no", True),
        (" per@haugesund.kommune.no ", True),
        ("kari.li(at)luster.no", False),
        ("kari@luster", False),
        ("<script>@x.no", False),
        ("a b@c.no", False),
    ],
)
def test_email(text, ok):
    if ok:
        assert values.parse_email(text) == text.strip()
    else:
        with pytest.raises(ValueError, match="epost"):
            values.parse_email(text)


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("Sykefravær", "sykefravaer_pst"),
        ("sjukefråvær", "sykefravaer_pst"),
        ("Del heiltidstilsette:", "heltid_andel_pst"),
        ("Medarbeidartilfredsheit", "medarbeidertilfredshet"),
        ("omdomme_skar", "omdomme_skar"),
        ("Antall lærlinger", None),
    ],
)
def test_indicator_key(label, key):
    assert values.indicator_key(label) == key


# --- free text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fleire lærlingar", "Fleire lærlingar"),
        ("  trimma  ", "trimma"),
        ("a\x00b\x07c\x1bd", "abcd"),  # C0 controls
        ("a\x7fb", "ab"),  # DEL
        ("a\x85b\x9bc", "abc"),  # C1 controls
        ("Ola\u200f Rå", "Ola Rå"),  # right-to-left mark
        ("\u202etxt.exe", "txt.exe"),  # right-to-left override
        ("a\u2066b\u2069c", "abc"),  # bidi isolates
        ("zero\u200bwidth", "zerowidth"),
        ("\ufeffBOM", "BOM"),
        ("linje 1\nlinje 2\tmed tab", "linje 1\nlinje 2\tmed tab"),  # newlines and tabs are kept
        ("a\rb", "ab"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # kept as text; escaped where rendered
        ("مرحبا", "مرحبا"),  # right-to-left letters are words, not marks
    ],
)
def test_clean_text(text, expected):
    assert values.clean_text(text) == expected


def test_every_parser_reason_is_an_expected_key():
    reasons = set()
    probes = {
        "kommunenummer": "x",
        "year": "x",
        "themes": "x",
        "status": "x",
        "email": "x",
        "yesno": "x",
        "date": "x",
        "int03": "x",
        "nok": "1,234",
    }
    for kind, probe in probes.items():
        with pytest.raises(ValueError) as err:
            values.PARSERS[kind](probe)
        reasons.add(err.value.args[0])
    assert reasons <= set(EXPECTED)


# --- the terms the form offers, and the messages a project leader reads ----------------------------


def test_every_term_a_help_text_names_is_read():
    """A help or error text («ventet …») never names a term the reader rejects, in either language form."""
    from schemas import form

    for key, parser in (("status", values.parse_status), ("tiltaksstatus", values.parse_measure_status)):
        for text in EXPECTED[key]:
            for term in text.replace(" eller ", ", ").split(", "):
                parser(term)
    for i in (0, 1):
        for labels in (*form.STATUS_LABELS.values(), *form.TILTAK_STATUS_LABELS.values()):
            assert (
                values.parse_status(labels[i])
                if labels in form.STATUS_LABELS.values()
                else values.parse_measure_status(labels[i])
            )
        for labels in form.THEMES.values():
            assert values.parse_themes(labels[i])
    assert values.parse_measure_status("planlagd") == "planlagt"  # nynorsk writes both


@pytest.mark.parametrize(
    ("unit", "percent"),
    [
        ("%", True),
        (" % ", True),
        ("prosent", True),
        ("Pst.", True),
        ("antall", False),
        ("poeng", False),
        (None, False),
        ("", False),
    ],
)
def test_own_indicator_percent_unit(unit, percent):
    assert values.is_percent_unit(unit) is percent


def _validate(indikatorer: list[dict], felt: dict | None = None):
    import pandas as pd

    from pipelines import reading, validation
    from tests.test_roundtrip import register

    sub = reading.RawSubmission(kilde_rad=None, skjemaform="nb")
    identity = {"prosjektnummer": "P1-01", "kommunenummer": "1426", "kommune": "Luster", "rapporteringsaar": "2013"}
    sub.fields = {k: (v, "Prosjekt", r) for r, (k, v) in enumerate({**identity, **(felt or {})}.items(), start=1)}
    sub.indikatorer = [
        {"ark": "Indikatorer", "rad": r, "kommentar": None, "enhet": None, **row}
        for r, row in enumerate(indikatorer, start=2)
    ]
    f = type("F", (), {"sha256": "a" * 64, "filnavn": "f.xlsx", "format": "xlsx", "mottatt_dato": date(2014, 1, 2)})
    return validation.validate_year(
        2013, reading.raw_frames([(f, reading.ReadResult(submissions=[sub]))]), register()
    ), pd


def test_own_percent_indicator_takes_every_written_form():
    """«72 %», a percentage cell (read as «72 %»), 8,4 and 8.4 on a project's own indicator with unit «%»."""
    v, pd = _validate(
        [
            {"indikator": "Andel lærlinger", "enhet": "%", "utgangspunkt": "72 %", "maal": "8,4", "resultat": "8.4"},
            {
                "indikator": "Andel i turnus",
                "enhet": "prosent",
                "utgangspunkt": "35 %",
                "maal": "40 %",
                "resultat": "0,5 %",
            },
        ]
    )
    assert not [i for _sid, i in v.issues if i.ark == "Indikatorer"]
    rows = v.indikatorer.set_index("indikator")
    assert list(rows.loc["Andel lærlinger", ["utgangspunkt", "maal", "resultat"]]) == [72.0, 8.4, 8.4]
    assert list(rows.loc["Andel i turnus", ["utgangspunkt", "maal", "resultat"]]) == [35.0, 40.0, 0.5]
    # an own indicator counted in another unit still takes no percent sign
    v, _ = _validate([{"indikator": "Lærlinger", "enhet": "antall", "resultat": "72 %"}])
    (issue,) = [i for _sid, i in v.issues if i.ark == "Indikatorer"]
    assert issue.forventet == "tall_uten_prosent" and "«72 %»" in issue.message("nb")


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods"])
def test_a_percentage_cell_on_a_count_is_quoted_as_the_person_saw_it(tmp_path, suffix):
    """0,35 in a percentage cell shows «35 %»: on an own indicator counted in «antall» the message quotes
    «35 %», not the 0.35 the file stores, in every format the reader takes."""
    import datetime as dt

    from pipelines import landing, reading, validation
    from schemas import form
    from tests.test_roundtrip import register
    from tools.form_writer import form_sheets, write_workbook

    identity = {"prosjektnummer": "P1-01", "kommunenummer": "1426", "kommune": "Luster", "rapporteringsaar": 2013}
    own = {"indikator": "Antall lærlinger", "enhet": "antall", "utgangspunkt": 12, "resultat": 0.35}
    sheets = form_sheets("nb", identity, [own], [], [], guidance=False)
    resultat = [c.key for c in form.INDIKATOR_COLUMNS].index("resultat")
    path = write_workbook(tmp_path / f"rapport{suffix}", sheets, {("Indikatorer", 1, resultat)})
    fmt = landing.sniff_format(path)
    f = landing.LandedFile(
        filnavn=path.name,
        sha256="b" * 64,
        storrelse_bytes=0,
        mottatt_dato=dt.date(2014, 1, 2),
        format=fmt,
        arkivsti=path.name,
    )
    v = validation.validate_year(2013, reading.raw_frames([(f, reading.read_file(path, fmt))]), register())
    (issue,) = [i for _sid, i in v.issues if i.ark == "Indikatorer"]
    assert issue.forventet == "tall_uten_prosent" and issue.felt == "resultat"
    assert "«35 %»" in issue.message("nb") and "0.35" not in issue.message("nb") and "«35 %»" in issue.message("nn")
    (row,) = v.indikatorer.itertuples()  # the rest of the row stands; the value it could not read is empty
    assert row.utgangspunkt == 12 and pd_isna(row.resultat)


def test_duplicate_indicator_message_quotes_the_label_as_written():
    v, _ = _validate([{"indikator": "Sjukefråvær", "resultat": "8,4"}, {"indikator": "sjukefråvær", "resultat": "8,1"}])
    (issue,) = [i for _sid, i in v.issues if i.regel == "indikator_duplikat"]
    assert "sykefravaer_pst" not in issue.message("nn") and "«sjukefråvær»" in issue.message("nn")


def test_out_of_range_message_quotes_the_value_as_seen_and_names_the_field():
    v, _ = _validate(
        [{"indikator": "Sykefravær", "resultat": "112 %"}], {"egeninnsats": "-95500", "samlinger_deltatt": "5"}
    )
    msgs = {i.felt: i.message("nb") for _sid, i in v.issues if i.regel == "verdi_utenfor_omrade"}
    assert "«112 %»" in msgs["resultat"] and "mellom 0 og 100" in msgs["resultat"]
    assert "«Egeninnsats (kr)»" in msgs["egeninnsats"] and "«Nettverkssamlinger deltatt»" in msgs["samlinger_deltatt"]
    sub = v.innsendinger.iloc[0]
    assert pd_isna(sub["egeninnsats"]) and pd_isna(sub["samlinger_deltatt"])
    assert v.indikatorer.empty  # the workbook row with a value out of range is rejected whole


def pd_isna(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def test_a_date_is_quoted_as_a_norwegian_reads_it():
    from pipelines.issues import Issue

    issue = Issue("ugyldig_verdi", ark="Indikatorer", rad=2, felt="resultat", verdi="2026-04-08", forventet="tal")
    assert "(fant «08.04.2026», ventet et tall" in issue.message("nb")
    assert "(fann «08.04.2026», venta eit tal" in issue.message("nn")


def test_whole_counts_print_without_decimals():
    from pipelines.documents.formatting import format_indicator_value as show

    assert show(120.0, "nb", "antall") == "120" and show(1.6, "nb", "antall") == "1,6"
    assert show(8.0, "nb", "%") == "8,0" and show(4.0, "nn", "poeng") == "4,0"
    assert show(12.0, "nb", "Antall lærlinger") == "12" and show(-8.0, "nb", "stk", sign=True) == "−8"


def test_missing_sheet_and_column_are_named_in_the_form_s_language(tmp_path):
    from pipelines import landing, reading
    from tools.form_writer import form_sheets, write_workbook

    sheets = form_sheets(
        "nn", {"prosjektnummer": "P1-01"}, [{"indikator": "sykefravaer_pst", "resultat": 8.4}], [], [], guidance=False
    )
    del sheets["Tiltak"]
    sheets["Indikatorar"][0][1] = "Noko anna"  # the «Eining» column's header overwritten
    path = write_workbook(tmp_path / "uten_tiltak.xlsx", sheets)
    (sub,) = reading.read_file(path, landing.sniff_format(path)).submissions
    messages = {i.regel: i.message("nn") for i in sub.issues}
    assert messages["ark_mangler"].startswith("Ark «Tiltak»: arket manglar")
    assert "feltet «Eining»" in messages["kolonne_mangler"] and "enhet" not in messages["kolonne_mangler"]
