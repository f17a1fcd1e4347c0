"""Rendering: Norwegian formats, nb/nn phrasing, escaping, determinism, PDF/A-2a.

All contexts below are TEST DATA, made up for these tests (names, amounts and
results are invented; `eksempeldata` is on). They follow the context contract
in pipelines/documents/ (formatting, templating, pdf).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from pipelines.documents import charts, findings, formatting, pdf, report_rules, templating
from pipelines.documents.report_context import appendix_files, okonomi, pool_total, report_files

D = dt.date
NBSP = "\xa0"
EVIL = 'Prosjekt <script>alert(1)</script> <img src="http://example.com/x"> & «sitat»'


# --------------------------------------------------------------------------
# Test data (fabricated)
# --------------------------------------------------------------------------


def common(form: str) -> dict:
    return {
        "aar": 2013,
        "form": form,
        "rapportdato": D(2014, 2, 14),
        "run_id": "4f1c2a9e-test-run-0001",
        "kodeversjon": "0.1.0+test",
        "eksempeldata": True,
        "status": "utkast",
    }


def serier_rows() -> list[dict]:
    """Sick leave for three projects; the alphabetical order differs from the order of results."""
    rows = []
    projects = [
        # (nummer, navn, baseline, target, {year: value})
        ("P1-03", "Østre Toten friskare", 9.5, 7.6, {2012: 9.0, 2013: 6.1}),  # best result, last in ABC
        ("P1-01", "Alvdal nærvær", 8.4, 7.0, {2012: 8.6, 2013: 9.2}),  # worst result, first in ABC
        ("P2-07", EVIL, 10.0, 8.0, {2013: 8.2}),
        ("P1-02", "Ålesund heiltid", 7.1, 6.5, {2012: 7.0, 2013: 7.05}),  # Å sorts last in Norwegian
    ]
    for nummer, navn, base, maal, values in projects:
        for year, verdi in values.items():
            rows.append(
                {
                    "indikator": "sykefravaer_pst",
                    "prosjektnummer": nummer,
                    "prosjektnavn": navn,
                    "utgangspunkt": base,
                    "utgangsaar": 2011,
                    "maal": maal,
                    "maalaar": 2015,
                    "verdiaar": year,
                    "verdi": verdi,
                }
            )
    rows.append(
        {
            "indikator": "heltid_andel_pst",
            "prosjektnummer": "P1-02",
            "prosjektnavn": "Ålesund heiltid",
            "utgangspunkt": 31.0,
            "utgangsaar": 2011,
            "maal": 40.0,
            "maalaar": 2015,
            "verdiaar": 2013,
            "verdi": 34.5,
        }
    )
    return rows


def report_context(form: str) -> dict:
    ctx = {**common(form), "departement": "Kommunal- og moderniseringsdepartementet"}
    # 59 + 51 municipalities, 104 distinct: six take part in both pools
    pulje = [
        {
            "pulje": 2,
            "prosjekt": 51,
            "kommuner": 59,
            "kommuner_alle_puljer": 104,
            "rapporter_i_tide": 40,
            "rapporter_for_sent": 6,
            "rapporter_mangler": 4,
            "rapporter_avviste": 1,
            "innvilget_kr": 1234567,
            "utbetalt_kr": 1000000,
            "overfort_inn_kr": 0,
            "forbruk_kr": 900000.5,
            "ubrukt_kr": 100000,
            "grunnlag_kr": 1000000,
        },
        {
            "pulje": 1,
            "prosjekt": 48,
            "kommuner": 51,
            "kommuner_alle_puljer": 104,
            "rapporter_i_tide": 44,
            "rapporter_for_sent": 2,
            "rapporter_mangler": 2,
            "rapporter_avviste": 0,
            "innvilget_kr": 2000000,
            "utbetalt_kr": 2000000,
            "overfort_inn_kr": 50000,
            "forbruk_kr": 1800000,
            "ubrukt_kr": None,
            "grunnlag_kr": 2050000,
        },
    ]
    ctx.update(
        {
            "pulje": pulje,
            "pulje_totalt": pool_total(pulje),
            "nettverk": [
                {
                    "pulje": 1,
                    "nettverk_id": "N1-2",
                    "nettverk": "Vest 1",
                    "nettverksleder": "Kari Testesen",
                    "tema": ["sykefravaer"],
                    "prosjekt": 8,
                    "rapporter_mottatte": 7,
                    "alle_tre_parter": 6,
                    "temadager_holdt": 5,
                    "samlinger_snitt": 2.75,
                    "samlinger_deltatt": 11,
                    "samlinger_rapportert": 4,
                },
                {
                    "pulje": 1,
                    "nettverk_id": "N1-1",
                    "nettverk": "Nord 1",
                    "nettverksleder": None,
                    "tema": ["heltid_deltid", "omdomme"],
                    "prosjekt": 6,
                    "rapporter_mottatte": 6,
                    "alle_tre_parter": 6,
                    "temadager_holdt": 6,
                    "samlinger_snitt": 3.0,
                    "samlinger_deltatt": 18,
                    "samlinger_rapportert": 6,
                },
                {
                    "pulje": 1,
                    "nettverk_id": None,
                    "nettverk": None,
                    "nettverksleder": None,
                    "tema": None,
                    "prosjekt": 1,
                    "rapporter_mottatte": 1,
                    "alle_tre_parter": 1,
                    "temadager_holdt": 1,
                    "samlinger_snitt": 1.0,
                    "samlinger_deltatt": 1,
                    "samlinger_rapportert": 1,
                },
                {
                    "pulje": 2,
                    "nettverk_id": "N2-1",
                    "nettverk": "Sør 2",
                    "nettverksleder": "Ola Prøvesen",
                    "tema": ["omdomme"],
                    "prosjekt": 5,
                    "rapporter_mottatte": 4,
                    "alle_tre_parter": 3,
                    "temadager_holdt": 2,
                    "samlinger_snitt": None,
                    "samlinger_deltatt": None,
                    "samlinger_rapportert": 0,
                },
            ],
            "tema": [
                {
                    "tema": "sykefravaer",
                    "prosjekt": 30,
                    "rapporter_mottatte": 28,
                    "innvilget_kr": 3000000,
                    "forbruk_kr": 2500000,
                },
                {
                    "tema": "heltid_deltid",
                    "prosjekt": 25,
                    "rapporter_mottatte": 24,
                    "innvilget_kr": 2000000,
                    "forbruk_kr": 1900000,
                },
            ],
            "indikatorer": [
                {
                    "indikator": "sykefravaer_pst",
                    "tema": "sykefravaer",
                    "prosjekt_rapporterer": 4,
                    "prosjekt_mot_maal": 3,
                    "del_mot_maal": 0.75,
                    "median_endring": -0.45,
                },
                {
                    "indikator": "heltid_andel_pst",
                    "tema": "heltid_deltid",
                    "prosjekt_rapporterer": 1,
                    "prosjekt_mot_maal": 1,
                    "del_mot_maal": 1.0,
                    "median_endring": 3.5,
                },
            ],
            "seriar": serier_rows(),
            "tiltak_status": [
                {"status": "paagaar", "tal": 120},
                {"status": "planlagt", "tal": 40},
                {"status": "fullfort", "tal": 33},
                {"status": "avbrutt", "tal": 2},
            ],
            "hoye_risikoer": [
                {
                    "prosjektnummer": "P1-01",
                    "prosjektnavn": "Alvdal nærvær",
                    "risikofaktor": "Lite tid til tiltak",
                    "sannsynlighet": 3,
                    "konsekvens": 4,
                    "mottiltak": "Frikjøp av prosjektleiar",
                },
                {
                    "prosjektnummer": "P2-07",
                    "prosjektnavn": EVIL,
                    "risikofaktor": "Turnover",
                    "sannsynlighet": 1,
                    "konsekvens": 5,
                    "mottiltak": None,
                },
            ],
            "prosjekt": [
                {
                    "prosjektnummer": "P1-03",
                    "prosjektnavn": "Østre Toten friskare",
                    "kommune": "Østre Toten",
                    "tema": ["sykefravaer"],
                    "innsending_id": "s3",
                    "hovedfunn": "Færre langtidssjukmelde.",
                    "godt_eksempel": "Vi har ein fast møteplass kvar veke.\nDet har hjelpt.",
                },
                {
                    "prosjektnummer": "P2-07",
                    "prosjektnavn": EVIL,
                    "kommune": "Testvik",
                    "tema": ["sykefravaer"],
                    "innsending_id": "s7",
                    "hovedfunn": "Vi lærte mykje.",
                    "godt_eksempel": '<img src="http://example.com/x"> <a href="http://example.com/">lenke</a>',
                },
                {
                    "prosjektnummer": "P1-01",
                    "prosjektnavn": "Alvdal nærvær",
                    "kommune": "Alvdal",
                    "tema": ["sykefravaer"],
                    "innsending_id": "s1",
                    "hovedfunn": "Nærværet er betre i heimetenesta.",
                    "godt_eksempel": None,
                },
            ],
            "utvikling": [
                {"prosjektnummer": "P1-03", "indikator": "sykefravaer_pst", "mot_maal": True},
                {"prosjektnummer": "P1-01", "indikator": "sykefravaer_pst", "mot_maal": False},
            ],
            "prosjektstatus": [
                {"pulje": 1, "status": "gjennomforing", "prosjekt": 46},
                {"pulje": 1, "status": "uten_rapport", "prosjekt": 2},
                {"pulje": 2, "status": "oppstart", "prosjekt": 47},
                {"pulje": 2, "status": "uten_rapport", "prosjekt": 4},
            ],
            "risiko": [
                {
                    "pulje": 1,
                    "risikoer": 30,
                    "hoye": 1,
                    "hoye_med_mottiltak": 1,
                    "hoye_uten_mottiltak": 0,
                    "prosjekt_uten_mottiltak": 0,
                },
                {
                    "pulje": 2,
                    "risikoer": 20,
                    "hoye": 1,
                    "hoye_med_mottiltak": 0,
                    "hoye_uten_mottiltak": 1,
                    "prosjekt_uten_mottiltak": 1,
                },
            ],
            "kjorte_aar": [{"aar": 2012, "kjort": False}, {"aar": 2013, "kjort": True}],
            "trend_pulje": [
                {
                    "aar": 2013,
                    "pulje": 1,
                    "prosjekt": 48,
                    "rapporter_mottatte": 46,
                    "rapporter_i_tide": 44,
                    "alle_tre_parter": 40,
                    "temadager_holdt": 41,
                }
            ],
            "trend_tema": [{"aar": 2013, "tema": "sykefravaer", "prosjekt": 30, "rapporter_mottatte": 28}],
            "trend_indikator": [
                {
                    "aar": 2013,
                    "indikator": "sykefravaer_pst",
                    "prosjekt_rapporterer": 4,
                    "prosjekt_mot_maal": 3,
                    "del_mot_maal": 0.75,
                    "median_endring": -0.45,
                }
            ],
            "programperiode_rader": [],
            **report_files(2013),
            "okonomi_tema": [
                {"tema": "sykefravaer", "innvilget_kr": 3000000, "forbruk_kr": 2500000, "grunnlag_kr": 2800000},
                {"tema": "omdomme", "innvilget_kr": 500000, "forbruk_kr": None, "grunnlag_kr": 0},
            ],
            "tilbakebetaling": [
                {"prosjektnummer": "P1-01", "prosjektnavn": "Alvdal nærvær", "kommune": "Alvdal", "ubrukt_kr": 12500}
            ],
            "avvik_regel": [
                {"regel": "V101 manglande utgangspunkt", "alvorsgrad": "merknad", "antall": 7},
                {"regel": "V001 ukjent prosjektnummer", "alvorsgrad": "avvis_fil", "antall": 1},
            ],
            "uten_rapport": [
                {"prosjektnummer": "P2-40", "prosjektnavn": "Bø samhandling", "kommune": "Bø", "pulje": 2}
            ],
            "filer": [
                {
                    "filnavn": "P1-01_2013.xlsx",
                    "sha256": "a" * 64,
                    "mottatt_dato": D(2014, 1, 20),
                    "utfall": "lest",
                    "format": "xlsx",
                },
                {
                    "filnavn": "undersokelse_export.csv",
                    "sha256": "0123456789abcdef" * 4,
                    "mottatt_dato": D(2014, 1, 31),
                    "utfall": "delvis_lest",
                    "format": "csv",
                },
                {
                    "filnavn": "P2-07_2013.xlsx",
                    "sha256": "b" * 64,
                    "mottatt_dato": D(2014, 1, 22),
                    "utfall": "erstattet",
                    "format": "xlsx",
                },
            ],
        }
    )
    return report_rules.derive(ctx)


def appendix_context(form: str, filer: list[dict] | None = None) -> dict:
    ctx = report_context(form)
    return {**ctx, **appendix_files(ctx["filer"] if filer is None else filer), "rapport_fil": "arsrapport-2013.pdf"}


# the money columns of mart_prosjekt_aar (int_okonomi_prosjekt_aar) for a running project
MONEY = {
    "aar": 2013,
    "forste_aar": 2012,
    "utbetalt_kr": 1234567,
    "utbetalt_dato": D(2013, 2, 15),
    "overfort_inn_kr": 0,
    "overfort_ut_kr": 0,
    "ubrukt_ikke_overfort_kr": 134567,
    "terskel_ubrukt_kr": 20000,
    "sluttoppgjor": False,
    "sluttoppgjor_no": False,
    "sluttregnskap_etter_perioden": False,
    "periode_ubrukt_kr": 134567,
    "periode_tilbakebetalt_kr": 0,
    "aar_uten_forbruk": [],
    "aa_betale_tilbake_kr": None,
    "kid": "20131017",
    "konto_tilbakebetaling": "7694.05.00000",
    "sluttregnskap_frist": D(2016, 2, 1),
    "neste_aar_utbetalt_kr": None,
    "neste_aar_utbetalt_dato": None,
}


def with_money(ctx: dict, periode: list[dict] | None = None) -> dict:
    """The letter's money block and flag, made by the pipeline's own functions from the project row."""
    ctx["innledning"] = findings.for_the_year(f"b_innledning_{ctx['variant']}", ctx["prosjekt"])
    ctx["okonomi"] = okonomi(ctx["prosjekt"], periode or [], ctx["rapportdato"], ctx["svarfrist"])
    ctx["pengevedtak"] = ctx["okonomi"]["holder_tilbake"] or bool(ctx["okonomi"]["krever_tilbake_kr"])
    return ctx


def letter_context(form: str, rapportstatus: str = "i_tide", name: str = "Alvdal nærvær") -> dict:
    ctx = common(form)
    ctx.update(
        {
            "prosjekt": {
                "prosjektnummer": "P1-01",
                "prosjektnavn": name,
                "kommune": "Alvdal",
                "kommunenummer": "0438",
                "prosjektleder": "Kari Testesen",
                "epost": "kari@example.invalid",
                "nettverk": "Aust 2",
                "nettverksleder": "Ola Prøvesen",
                "pulje": 1,
                "tema": ["sykefravaer"],
                "rapportstatus": rapportstatus,
                "mottatt_dato": None if rapportstatus == "mangler" else D(2013, 11, 23),
                "rapporteringsfrist": D(2014, 1, 31),
                "innvilget_kr": 1234567,
                "forbruk_kr": 1100000,
                "ubrukt_kr": 134567,
                "avslutter_i_aar": False,
                "neste_aar_innvilget_kr": 400000,
                **MONEY,
            },
            "indikatorer": [
                {
                    "indikator": "sykefravaer_pst",
                    "standard": True,
                    "enhet": "%",
                    "utgangspunkt": 8.4,
                    "utgangsaar": 2011,
                    "maal": 6.7,
                    "maalaar": 2014,
                    "resultat": 7.9,
                },
                {
                    "indikator": "Del tilsette med individuell plan",
                    "standard": False,
                    "enhet": "%",
                    "utgangspunkt": 10.0,
                    "utgangsaar": 2012,
                    "maal": 50.0,
                    "maalaar": 2015,
                    "resultat": 22.0,
                },
            ],
            "funn": [
                {
                    "kode": "V101",
                    "alvorsgrad": "merknad",
                    "tekst": "Risikoanalysen manglar mottiltak for ein høg risiko."
                    if form == "nn"
                    else "Risikoanalysen mangler mottiltak for en høy risiko.",
                    "frist": D(2014, 3, 15),
                },
            ],
            "svarfrist": D(2014, 3, 15),
            "konto": "7694.05.00000",
            "kontakt": {"namn": "Siri Sekretær", "epost": "post@example.invalid", "telefon": "22 24 90 90"},
            "variant": rapportstatus,
            "holde_tilbake": rapportstatus in ("mangler", "avvist", "ulesbar"),
            "mottekne": []
            if rapportstatus == "mangler"
            else [
                {
                    "filnavn": "2013-11-23_P1-01_arsrapport_2013.xlsx",
                    "mottatt_dato": D(2013, 11, 23),
                    "kilde_rad": None,
                    "utfall_brev": "avvist" if rapportstatus == "avvist" else "brukt",
                    "erstattet_av_fil": None,
                    "erstattet_av_dato": None,
                    "grunnar": [],
                }
            ],
            "frist": D(2014, 1, 31),
            "neste_frist": D(2015, 2, 2),
            "neste_aar": 2014,
            "deltakarar": ["Tolga"],
            "vedtak": rapportstatus in ("mangler", "avvist"),
            "indikatorer_sendt_avviste": False,
            "avsendar": {
                "departement": "Kommunal- og moderniseringsdepartementet",  # the ministry's name in 2014
                "avdeling": "Kommunalavdelingen",
                "eining": "Sekretariatet for Saman om ein betre kommune",
                "postadresse": "Postboks 8112 Dep",
                "postnummer_sted": "0032 Oslo",
                "eksempel": True,
            },
            "klageinstans": "Kongen i statsråd",
            "journalnummer": None,
            "tidligere_brev": None,
        }
    )
    return with_money(ctx)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def pdf_text(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def nows(text: str) -> str:
    """Text without any whitespace (a long word may be broken over two lines)."""
    return re.sub(r"[\s\xa0\u202f]+", "", text)


def flat(text: str) -> str:
    """Text with line breaks and runs of (any) spaces folded into one plain space."""
    return re.sub(r"[\s\xa0\u202f]+", " ", text)


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pdf")


@pytest.fixture(scope="module")
def rendered(out_dir) -> dict:
    """Render each document once for the module (rendering is the slow part)."""
    results = {}
    for form in ("nb", "nn"):
        results[("rapport", form)] = pdf.render_pdf(
            "arsrapport.html.j2", report_context(form), form, out_dir / f"rapport_{form}.pdf"
        )
        results[("vedlegg", form)] = pdf.render_pdf(
            "arsrapport_vedlegg.html.j2", appendix_context(form), form, out_dir / f"vedlegg_{form}.pdf"
        )
        results[("brev", form)] = pdf.render_pdf(
            "brev.html.j2", letter_context(form), form, out_dir / f"brev_{form}.pdf"
        )
    return results


# --------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["nb", "nn"])
def test_number_and_date_filters(form):
    assert formatting.format_nok(1234567, form) == f"1{NBSP}234{NBSP}567{NBSP}kr"
    assert formatting.format_nok(12.5, form) == f"12,50{NBSP}kr"
    assert formatting.format_nok(None, form) == "–"
    assert formatting.format_num(8.4, form) == "8,4"
    assert formatting.format_num(8.45, form) == "8,5"  # half up, not banker's rounding
    assert formatting.format_num(-0.45, form, 1, sign=True) == "−0,5"
    assert formatting.format_num(0.04, form, 1, sign=True) == "0,0"
    assert formatting.format_num(1234.5, form, 1) == f"1{NBSP}234,5"
    assert formatting.format_pct(8.4, form) == f"8,4{NBSP}%"
    assert formatting.format_share(0.625, form) == f"63{NBSP}%"
    assert formatting.format_dato(D(2013, 11, 23), form) == "23.11.2013"
    assert formatting.format_dato("2013-11-23", form) == "23.11.2013"
    assert formatting.format_dato_lang(D(2013, 11, 23), form) == "23. november 2013"


def test_warehouse_decimals_mix_with_floats():
    from decimal import Decimal

    assert formatting.format_num(formatting.difference(Decimal("7.9"), 8.4), "nn", 1, sign=True) == "−0,5"
    assert formatting.format_share(formatting.ratio(2500000.0, Decimal(3000000)), "nb") == f"83{NBSP}%"
    assert formatting.ratio(1, 0) is None and formatting.difference(None, 1) is None
    total = formatting.sum_rows([{"kr": Decimal("0.1")}, {"kr": 0.2}, {"kr": None}], "kr")["kr"]
    assert formatting.format_nok(total, "nb") == f"0,30{NBSP}kr"


def test_phrases_have_both_forms_and_differ_where_expected():
    tekstar = formatting.phrases()
    assert all(set(v) == {"nb", "nn"} for v in tekstar.values())
    assert "ikkje" in tekstar["b_innledning_mangler"]["nn"] and "ikke" in tekstar["b_innledning_mangler"]["nb"]


def test_templates_escape_and_strict_undefined():
    html = templating.render_html("brev.html.j2", letter_context("nb", name=EVIL), "nb")
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=&#34;http://example.com/x&#34;&gt;" in html
    ctx = letter_context("nb")
    del ctx["kontakt"]
    with pytest.raises(Exception, match="kontakt"):
        templating.render_html("brev.html.j2", ctx, "nb")


def test_missing_nested_key_is_an_error():
    ctx = letter_context("nn")
    del ctx["prosjekt"]["prosjektnavn"]
    with pytest.raises(Exception, match="prosjektnavn"):
        templating.render_html("brev.html.j2", ctx, "nn")


def test_final_real_data_has_no_marks(out_dir):
    ctx = letter_context("nb")
    ctx.update(eksempeldata=False, status="endelig")
    info = pdf.render_pdf("brev.html.j2", ctx, "nb", out_dir / "endelig.pdf")
    text = "\n".join(pdf_text(Path(info["path"])))
    assert "Eksempeldata" not in text and "eksempeldata" not in text and "UTKAST" not in text


def test_form_mismatch_is_an_error():
    with pytest.raises(ValueError):
        templating.render_html("brev.html.j2", letter_context("nn"), "nb")


# --------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------


def test_chart_rows_are_alphabetical_not_by_result():
    svgs = charts.indicator_charts("sykefravaer_pst", serier_rows(), aar=2013, form="nn")
    assert len(svgs) == 1
    svg = svgs[0]
    names = ["Alvdal nærvær", "Prosjekt &lt;script&gt;", "Østre Toten friskare", "Ålesund heiltid"]
    positions = [svg.index(n) for n in names]
    assert positions == sorted(positions), "rows must follow Norwegian alphabetical order (æ ø å last)"
    # results are 9.2, 8.2, 6.1, 7.05: sorting by result would give a different order
    assert "<script>" not in svg and "<img" not in svg
    assert "<title>" in svg and "<desc>" in svg and "ikkje rangerte" in svg
    assert "8,4 → 9,2" in svg  # decimal comma, own baseline → this year
    # the IA goal as it was: one national line at 6,72 % (20 % below 8,4 %), not a mark per project
    ia = re.search(r'class="ia-referanse"[^>]* d="([^"]+)"', svg).group(1)
    assert ia.count("M") == 1
    assert svg.count("IA-målet for landet er 6,72 % innan utgangen av 2013 (20 % under 8,4 %)") == 1
    assert "IA-mål for landet 6,72 %" in svg  # the legend
    assert svg == charts.indicator_charts("sykefravaer_pst", list(reversed(serier_rows())), 2013, "nn")[0]


def test_chart_no_reference_mark_for_other_indicators_and_split_in_parts():
    rows = [
        {
            "indikator": "omdomme_skar",
            "prosjektnummer": f"P1-{i:02d}",
            "prosjektnavn": f"Prosjekt {i:02d}",
            "utgangspunkt": 60 + i / 10,
            "utgangsaar": 2011,
            "maal": 70,
            "maalaar": 2015,
            "verdiaar": 2013,
            "verdi": 65.5,
        }
        for i in range(45)
    ]
    svgs = charts.indicator_charts("omdomme_skar", rows, aar=2013, form="nb", max_rows=30)
    assert len(svgs) == 2 and "(del 1 av 2)" in svgs[0]
    assert all("ia-referanse" not in s and "IA" not in s for s in svgs)
    assert svgs[0].index("Prosjekt 00") < svgs[0].index("Prosjekt 01")
    assert "65,5" in svgs[1]


def _row(nummer, navn, kommune, base=8.0, maal=7.0, values=None, nettverk="Vest", pulje=1):
    return [
        {
            "indikator": "sykefravaer_pst",
            "prosjektnummer": nummer,
            "prosjektnavn": navn,
            "kommune": kommune,
            "nettverk": nettverk,
            "pulje": pulje,
            "utgangspunkt": base,
            "utgangsaar": 2011,
            "maal": maal,
            "maalaar": 2015,
            "verdiaar": y,
            "verdi": v,
        }
        for y, v in (values or {2013: 7.5}).items()
    ]


def _labels(svg: str) -> list[str]:
    return re.findall(r'text-anchor="end" fill="#000">([^<]+)</text>', svg)


def test_chart_rows_are_labelled_by_municipality_in_norwegian_order():
    rows = (
        _row("P1-02", "Heltid i Åfjord", "Åfjord")
        + _row("P1-01", "Heiltid i Ørsta", "Ørsta")
        + _row("P1-03", "Omdømme og arbeidsgiverpolitikk i Innherred samkommune", "Levanger")
        + _row("P2-04", "Nærvær i Arendal", "Arendal")
        + _row("P1-05", "Nærvær i Arendal – heimeteneste", "Arendal")
    )
    (svg,) = charts.indicator_charts("sykefravaer_pst", rows, aar=2013, form="nb")
    # the municipality, and the project number where one municipality has two; æ ø å last
    assert _labels(svg) == ["Arendal (P1-05)", "Arendal (P2-04)", "Levanger", "Ørsta", "Åfjord"]
    assert "Omdømme og arbeidsgiverpolitikk i Innherred samkommune" in svg  # in the text alternative


def test_labels_are_never_cut_inside_a_word():
    long = "Omdømme og arbeidsgiverpolitikk i Innherred samkommune"
    cut = charts._truncate(long)
    assert cut.endswith("…") and len(cut) <= charts.NAME_CHARS
    assert long.startswith(cut[:-1]) and long[len(cut) - 1] == " ", cut  # ends where a word ends
    assert charts._truncate("Nord-Aurdal") == "Nord-Aurdal"


def test_legend_shows_only_what_is_drawn():
    (first_year,) = charts.indicator_charts("sykefravaer_pst", _row("P1-01", "A", "Alvdal"), aar=2013, form="nn")
    assert "Tidlegare år" not in first_year and 'class="tidlegare"' not in first_year
    (later,) = charts.indicator_charts(
        "sykefravaer_pst", _row("P1-01", "A", "Alvdal", values={2012: 7.9, 2013: 7.5}), aar=2013, form="nn"
    )
    assert "Tidlegare år" in later and 'class="tidlegare"' in later
    (score,) = charts.indicator_charts(
        "omdomme_skar",
        [dict(r, indikator="omdomme_skar", utgangspunkt=60, maal=70, verdi=65) for r in _row("P1-01", "A", "Alvdal")],
        aar=2013,
        form="nb",
    )
    assert "IA" not in score


def test_many_projects_are_charted_per_network():
    rows = []
    for i in range(charts.PROJECT_ROWS_MAX + 1):
        rows += _row(
            f"P1-{i:03d}",
            f"Prosjekt {i}",
            f"Kommune {i}",
            base=8.0 + i % 3,
            maal=7.0,
            values={2013: 7.0 + i % 2},
            nettverk="Vest" if i % 2 else "Nord",
        )
    rows += _row("P2-999", "Utan", "Bø", nettverk=None, pulje=2)
    svgs = charts.indicator_charts("sykefravaer_pst", rows, aar=2013, form="nb")
    assert len(svgs) == 1 and charts.per_network("sykefravaer_pst", rows)
    assert _labels(svgs[0]) == ["Nord (31)", "Uten nettverk, pulje 2 (1)", "Vest (30)"]
    assert "median per nettverk" in svgs[0]


@pytest.mark.parametrize(
    "value,text",
    [
        (8.4 - 5.85, "+2,6"),
        (2.5499999999999998, "+2,6"),
        (2.95, "+3,0"),
        (2.55, "+2,6"),
        (-0.45, "−0,5"),
        (0.05, "+0,1"),
    ],
)
def test_one_rounding_rule_half_up_whatever_the_float_noise(value, text):
    from decimal import Decimal

    assert formatting.format_num(value, "nb", 1, sign=True) == text
    assert formatting.format_num(Decimal(str(round(value, 6))), "nn", 1, sign=True) == text


def test_sort_key_is_norwegian():
    names = ["Åfjord", "Ørland", "Ærøy", "Aurskog", "Zeta", "ørsta", "Øvre Eiker", "Ål"]
    assert sorted(names, key=charts.sort_key_nb) == [
        "Aurskog",
        "Zeta",
        "Ærøy",
        "Ørland",
        "ørsta",
        "Øvre Eiker",
        "Åfjord",
        "Ål",
    ]


# --------------------------------------------------------------------------
# PDFs
# --------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["nb", "nn"])
def test_report_pdf(rendered, form):
    info = rendered[("rapport", form)]
    pages = pdf_text(Path(info["path"]))
    assert info["pages"] == len(pages) > 1
    assert all("Eksempeldata" in p for p in pages), "the sample-data mark must be on every page"
    assert all(f"av {len(pages)}" in flat(p) for p in pages)
    text = flat("\n".join(pages))
    assert "1 234 567 kr" in text and f"1{NBSP}234{NBSP}567{NBSP}kr" in "\n".join(pages)
    assert "23.11.2013" not in text  # (letter date) — the report shows its own dates:
    assert "14. februar 2014" in text
    assert "75 %" in text and "−0,5 prosentpoeng" in text
    assert "3 234 567 kr" in text  # total of the pools
    assert re.search(r"Totalt 99 104 84 ", text), "municipalities in both pools count once in the total"
    # table of contents, with page numbers
    toc = flat(pages[1])
    for heading in (("Innhold" if form == "nb" else "Innhald"), "Datakvalitet", "Økonomi"):
        assert heading in toc
    assert re.search(r"Datakvalitet[ .]*\d+", toc)
    # the auditors' material is in the appendix document, to which the report refers
    assert "4f1c2a9e-test-run-0001" not in text and "a" * 64 not in text and "0.1.0+test" not in text
    assert "arsrapport-2013-vedlegg.pdf" in text
    # key messages first, in words, from the figures
    key = flat(pages[2])
    assert ("Hovedbudskap" if form == "nb" else "Hovudbodskap") in key
    assert (
        "84 av 99 prosjekter (85 %) leverte rapporten i tide"
        if form == "nb"
        else "84 av 99 prosjekt (85 %) leverte rapporten i tide"
    ) in key
    assert "16 av 18" in key and "3 av 4" in key  # three parties in 16 of 18 reports; sick leave 3 of 4
    # every network table has the projects without a network and the pool's sum
    assert ("Uten nettverk" if form == "nb" else "Utan nettverk") in text and "Sum pulje 1" in text
    assert re.search(r"Sum pulje 1 15 14 13 12 2,7", text), "the pool's average: 30 gatherings over 11 projects"
    # escaped, shown as text
    assert nows("<script>alert(1)</script>") in nows(text)
    assert nows('<img src="http://example.com/x">') in nows(text)
    words = {
        "nb": ("Kommuner", "Prosjekter uten rapport", "Uten mottiltak", "utkast"),
        "nn": ("Kommunar", "Prosjekt utan rapport", "Utan mottiltak", "utkast"),
    }[form]
    for w in words:
        assert w in text
    forbidden = {
        "nb": r"\b(ikkje|frå|kommunar|prosjekta|rekkjefølgje|sjukefråvær)\b",
        "nn": r"\b(ikke|fra|kommuner|prosjektene|rekkefølge|sykefravær)\b",
    }[form]
    assert not re.search(forbidden, text, re.IGNORECASE), re.search(forbidden, text, re.IGNORECASE)


@pytest.mark.parametrize("form", ["nb", "nn"])
def test_appendix_pdf(rendered, form):
    text = flat("\n".join(pdf_text(Path(rendered[("vedlegg", form)]["path"]))))
    assert "reports/arsrapport" in text and "4f1c2a9e-test-run-0001" in text and "a" * 64 in text
    assert "0.1.0+test" in text and "arsrapport-2013.pdf" in text and "arsrapport-2013-filer.csv" in text


def test_appendix_beyond_a_list_gives_outcomes_and_the_csv_checksum(tmp_path):
    """Past FILES_LISTED_MAX files the PDF names no file: it counts them per outcome and prints the SHA-256
    of the CSV that lists them all (the CSV's own bytes, hashed here)."""
    row = report_context("nb")["filer"][0]
    many = [
        {**row, "filnavn": f"2013-03-01_P1-{i:04d}_arsrapport_2013.xlsx", "sha256": f"{i:064x}", "utfall": u}
        for i, u in enumerate(["lest"] * (report_rules.FILES_LISTED_MAX - 9) + ["avvist"] * 10)
    ]
    ctx = appendix_context("nb", many)
    text = flat(
        "\n".join(pdf_text(Path(pdf.render_pdf("arsrapport_vedlegg.html.j2", ctx, "nb", tmp_path / "v.pdf")["path"])))
    )
    csv = ctx["vedlegg_csv_bytes"]
    assert csv.decode().count("\n") == len(many) + 1 and hashlib.sha256(csv).hexdigest() in text
    assert "P1-0001" not in text and f"{1:064x}" not in text
    assert f"Året har {len(many)} filer" in text
    assert re.search(rf"Lest\s+{len(many) - 10}\b", text) and re.search(r"Avvist\s+10\b", text), text
    few = appendix_context("nb", many[: report_rules.FILES_LISTED_MAX])
    assert few["filer_listet"] and not ctx["filer_listet"]


@pytest.mark.parametrize("form", ["nb", "nn"])
def test_letter_pdf(rendered, form):
    info = rendered[("brev", form)]
    pages = pdf_text(Path(info["path"]))
    assert all("Eksempeldata" in p for p in pages)
    text = flat("\n".join(pages))
    assert "Kommunal- og moderniseringsdepartementet" in text and "Postboks 8112 Dep, 0032 Oslo" in text
    assert "2013/P1-01" in text and "14.02.2014" in text and "23.11.2013" in text
    assert "Kopi til" in text and "Tolga kommune" in text and "02.02.2015" in text
    assert "1 234 567 kr" in text and "400 000 kr" in text
    assert "8,4 (2011)" in text and "−0,5" in text
    if form == "nn":
        for phrase in (
            "Att.: prosjektleiar Kari Testesen",
            "Vi fekk rapporten 23.11.2013",
            "tilskot",
            "går framover som planlagt",
            "Med helsing",
            "nettverksleiar",
            "frå",
        ):
            assert phrase in text, phrase
        forbidden = r"\b(prosjektleder|tilskudd|mottatt|ikke|fra|hilsen|nettverksleder|dere)\b"
    else:
        for phrase in (
            "Att.: prosjektleder Kari Testesen",
            "Vi fikk rapporten 23.11.2013",
            "tilskudd",
            "går framover som planlagt",
            "Med hilsen",
            "nettverksleder",
            "fra",
        ):
            assert phrase in text, phrase
        forbidden = r"\b(prosjektleiar|tilskot|motteken|ikkje|frå|helsing|nettverksleiar|dykk|hun|han)\b"
    assert not re.search(forbidden, text, re.IGNORECASE), re.search(forbidden, text, re.IGNORECASE)


@pytest.mark.parametrize("status", ["mangler", "avvist"])
def test_letter_reminder_and_withheld_grant(out_dir, status):
    ctx = letter_context("nn", rapportstatus=status)
    info = pdf.render_pdf("brev.html.j2", ctx, "nn", out_dir / f"brev_{status}.pdf")
    text = flat("\n".join(pdf_text(Path(info["path"]))))
    if status == "mangler":
        assert "Påminning" in text and "ikkje fått nokon rapport" in text and "innan 15.03.2014" in text
    else:
        assert "må rettast" in text
    assert "held att utbetalinga" in text and "klage på vedtaket innan tre veker" in text


def test_letter_ended_project_pays_back(out_dir):
    ctx = letter_context("nb")
    ctx["prosjekt"].update(
        avslutter_i_aar=True,
        neste_aar_innvilget_kr=None,
        sluttoppgjor=True,
        sluttoppgjor_no=True,
        aa_betale_tilbake_kr=134567,
    )
    periode = [
        {
            "aar": 2012,
            "utbetalt_kr": 500000,
            "overfort_inn_kr": 0,
            "forbruk_kr": 500000,
            "overfort_ut_kr": 0,
            "ubrukt_ikke_overfort_kr": 0,
        },
        {
            "aar": 2013,
            "utbetalt_kr": 1234567,
            "overfort_inn_kr": 0,
            "forbruk_kr": 1100000,
            "overfort_ut_kr": 0,
            "ubrukt_ikke_overfort_kr": 134567,
        },
    ]
    info = pdf.render_pdf("brev.html.j2", with_money(ctx, periode), "nb", out_dir / "brev_slutt.pdf")
    text = flat("\n".join(pdf_text(Path(info["path"]))))
    assert "134 567 kr skal betales tilbake til konto 7694.05.00000 innen 15.03.2014" in text
    assert "KID 20131017" in text and "Sluttoppgjør for prosjektperioden 2012–2013" in text
    assert "1 734 567 kr" in text  # the period's payments added up
    assert not re.search(r"(tilskudd|tilskuddet) (for|i) (2014|neste år)", text), "no next year's grant"


def test_escaping_in_pdf_and_nothing_fetched(out_dir):
    fetcher = pdf.url_fetcher()
    fetcher.requests.clear()
    info = pdf.render_pdf("brev.html.j2", letter_context("nn", name=EVIL), "nn", out_dir / "evil.pdf")
    text = flat("\n".join(pdf_text(Path(info["path"]))))
    assert nows("<script>alert(1)</script>") in nows(text)
    assert nows('<img src="http://example.com/x">') in nows(text)
    assert not any("example.com" in url for url, _ in fetcher.requests)
    with pytest.raises(pdf.FetchRefused):
        fetcher.fetch("http://example.com/x")
    with pytest.raises(pdf.FetchRefused):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(pdf.FetchRefused):
        fetcher.fetch((pdf.TEMPLATES_DIR / ".." / "pyproject.toml").resolve().as_uri())
    assert fetcher.fetch((pdf.TEMPLATES_DIR / "base.css").as_uri()).read()


def test_deterministic_bytes(out_dir, rendered):
    first = rendered[("brev", "nn")]
    # render something else in between (shared caches must not leak state)
    pdf.render_pdf("brev.html.j2", letter_context("nb", name="Anna"), "nb", out_dir / "between.pdf")
    again = pdf.render_pdf("brev.html.j2", letter_context("nn"), "nn", out_dir / "again.pdf")
    assert Path(first["path"]).read_bytes() == Path(again["path"]).read_bytes()
    assert first["sha256"] == again["sha256"]
    report = rendered[("rapport", "nb")]
    report_again = pdf.render_pdf("arsrapport.html.j2", report_context("nb"), "nb", out_dir / "r2.pdf")
    assert report["sha256"] == report_again["sha256"]


@pytest.mark.parametrize("kind,form", [("rapport", "nb"), ("rapport", "nn"), ("brev", "nb"), ("brev", "nn")])
def test_pdfa_2a_markers(rendered, kind, form):
    path = Path(rendered[(kind, form)]["path"])
    reader = PdfReader(path)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == {"nb": "nb-NO", "nn": "nn-NO"}[form]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"] in (True, "true")
    assert "/OutputIntents" in root
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="2"' in xmp and 'pdfaid:conformance="A"' in xmp
    assert "<xmp:CreateDate>2014-02-14T00:00:00Z</xmp:CreateDate>" in xmp
    assert reader.metadata["/CreationDate"] == "D:20140214000000Z"
    assert reader.metadata.title and reader.metadata.creation_date.date() == D(2014, 2, 14)
    # every font embedded
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font)["/FontDescriptor"]
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_figures_have_alternative_text(rendered):
    reader = PdfReader(rendered[("rapport", "nn")]["path"])
    figures = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict) or hasattr(node, "keys"):
            if node.get("/S") == "/Figure":
                figures.append(node)
            kids = node.get("/K")
            if kids is not None:
                for kid in kids if isinstance(kids, list) else [kids]:
                    if hasattr(kid, "get_object"):
                        walk(kid)
        return figures

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    assert figures and all(str(f.get("/Alt", "")).startswith(("Sjukefråvær", "Del heiltidstilsette")) for f in figures)


@pytest.mark.parametrize("kind", ["rapport", "brev"])
def test_all_marked_content_is_in_the_structure_tree(rendered, kind):
    """Tagged PDF: every marked-content sequence belongs to the tree or is an /Artifact.

    (WeasyPrint leaves running headers and page numbers out of the tree; the
    renderer marks them as artifacts.)
    """
    from pypdf.generic import ContentStream, IndirectObject

    reader = PdfReader(rendered[(kind, "nn")]["path"])
    root = reader.trailer["/Root"]["/StructTreeRoot"]
    reachable = set()
    todo = list(root["/K"]) if isinstance(root["/K"], list) else [root["/K"]]
    while todo:
        ref = todo.pop()
        if not isinstance(ref, IndirectObject) or ref.idnum in reachable:
            continue
        reachable.add(ref.idnum)
        kids = ref.get_object().get("/K")
        if kids is not None:
            todo.extend(kids if isinstance(kids, list) else [kids])
    nums = root["/ParentTree"].get_object()["/Nums"]
    parent_tree = {nums[i]: nums[i + 1] for i in range(0, len(nums), 2)}
    artifacts = 0
    for page in reader.pages:
        mapping = parent_tree[page["/StructParents"]].get_object()
        content = ContentStream(page.get_contents(), reader)
        for operands, operator in content.operations:
            if operator == b"BDC" and "/MCID" in operands[1]:
                mcid = operands[1]["/MCID"]
                assert isinstance(mapping[mcid], IndirectObject) and mapping[mcid].idnum in reachable, mcid
            elif operator == b"BMC" and operands[0] == "/Artifact":
                artifacts += 1
    assert artifacts >= len(reader.pages) * 2  # at least header and page number on every page


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf not installed")
def test_qpdf_check(rendered):
    for info in rendered.values():
        result = subprocess.run(["qpdf", "--check", info["path"]], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_no_weasyprint_errors(out_dir, caplog):
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf.render_pdf("arsrapport.html.j2", report_context("nn"), "nn", out_dir / "log.pdf")
    problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not problems, problems


def test_render_many_in_processes(out_dir):
    jobs = [
        ("brev.html.j2", letter_context(form, name=f"Prosjekt {i}"), form, out_dir / f"many_{i}.pdf")
        for i, form in enumerate(["nb", "nn", "nb"])
    ]
    results = pdf.render_many(jobs, processes=2)
    assert [r["path"] for r in results] == [str(j[3]) for j in jobs]
    single = pdf.render_pdf(*jobs[1][:3], out_dir / "single.pdf")
    assert results[1]["sha256"] == single["sha256"], "a pool worker must give the same bytes"
