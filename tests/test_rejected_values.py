"""A value rejected by a rule never stands in a typed table or a mart as if accepted.

One real run (`samanom run`) over an inbox where every rule that rejects a value is broken once, in a workbook
and in a CSV export: each such value is kept as read in `raw_*` and quoted in its issue, and is empty in
`core_*`, in the staging views and in every mart. The rules: a value out of its range (amounts, counts, an
indicator, the risk scale 1–5) and an indicator written twice (only its first row is used).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from pipelines.validation import VALUE_REJECTING
from tests.conftest import INDICATORS_NN, RISIKO, TILTAK, YEAR, prosjekt_values, write_csv_export
from tools.form_writer import form_sheets, write_workbook

# distinctive values, so that finding one anywhere in the warehouse means it was taken as accepted
EGENINNSATS, FORBRUK, SAMLINGAR = -95500.0, -1234.5, 7
INDICATOR_WB, INDICATOR_CSV, TILSKUDD_CSV = 112.5, 140.25, -7777.0
# a risk off the 1–5 scale (a high one, so the high-risk mart would show it), and a second row of an indicator
RISK_OFF_SCALE = dict(
    risikofaktor="Leverandøren går konkurs", sannsynlighet=6, konsekvens=5, mottiltak="Avtale med ein reserve"
)
DUPLICATE = dict(INDICATORS_NN[1], utgangspunkt=3.85, maal=4.65, resultat=3.45)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    from pipelines.cli import main

    inbox = tmp_path_factory.mktemp("inbox")
    year_dir = inbox / str(YEAR)
    year_dir.mkdir()
    values = prosjekt_values(egeninnsats=EGENINNSATS, forbruk=FORBRUK, samlinger_deltatt=SAMLINGAR)
    indicators = [dict(INDICATORS_NN[0], resultat=INDICATOR_WB), INDICATORS_NN[1], DUPLICATE]
    risks = [*RISIKO, RISK_OFF_SCALE]
    write_workbook(year_dir / "2014-01-12_P1-01_arsrapport.xlsx", form_sheets("nn", values, indicators, TILTAK, risks))
    haugesund = prosjekt_values(
        prosjektnummer="P2-01",
        kommunenummer="1106",
        kommune="Haugesund",
        tema="omdømme; sykefravær",
        tilskudd_mottatt=TILSKUDD_CSV,
        forbruk=1000.0,
        innsendt_dato=dt.date(2014, 2, 10),
        sykefravaer_pst__utgangspunkt=9.1,
        sykefravaer_pst__utgangsaar=2012,
        sykefravaer_pst__maal=7.5,
        sykefravaer_pst__maalaar=2015,
        sykefravaer_pst__resultat=INDICATOR_CSV,
    )
    write_csv_export(year_dir / "2014-02-14_eksport.csv", [haugesund], encoding="utf-8", delimiter=",", decimal=".")
    out = tmp_path_factory.mktemp("out")
    assert main(["run", "--year", str(YEAR), "--inbox", str(inbox), "--out", str(out)]) == 0
    return out


def sql(out: Path, query: str, *params):
    con = duckdb.connect(str(out / "samanom.duckdb"), read_only=True)
    try:
        return con.execute(query, list(params)).fetchall()
    finally:
        con.close()


def test_each_rejected_value_is_an_issue_with_the_value_as_written(run):
    rows = sql(
        run,
        "select prosjektnummer, felt, verdi, melding_nb from core_avvik where aar = ? and regel = ?",
        YEAR,
        "verdi_utenfor_omrade",
    )
    found = {(p, f): (v, m) for p, f, v, m in rows}
    assert set(found) == {
        ("P1-01", "egeninnsats"),
        ("P1-01", "forbruk"),
        ("P1-01", "samlinger_deltatt"),
        ("P1-01", "resultat"),
        ("P1-01", "sannsynlighet"),
        ("P2-01", "tilskudd_mottatt"),
        ("P2-01", "sykefravaer_pst__resultat"),
    }
    assert found[("P1-01", "egeninnsats")][0] == "-95500"
    assert "«Eigeninnsats (kr)»" not in found[("P1-01", "egeninnsats")][1]  # the bokmål message names …
    assert "«Egeninnsats (kr)»" in found[("P1-01", "egeninnsats")][1]  # … the bokmål label
    csv_message = found[("P2-01", "sykefravaer_pst__resultat")][1]
    assert csv_message.startswith("Linje 2, feltet «Sykefravær, Resultat»")  # the CSV line and its column
    assert "«140.25»" in csv_message and "mellom 0 og 100" in csv_message  # as the file has it
    raw = dict(
        sql(
            run,
            "select felt, verdi from raw_felt f join core_innsendinger s using (innsending_id) "
            "where s.prosjektnummer = 'P1-01' and f.felt in ('egeninnsats', 'forbruk')",
        )
    )
    assert float(raw["egeninnsats"]) == EGENINNSATS and float(raw["forbruk"]) == FORBRUK  # kept as read


def test_no_rejected_value_stands_in_a_typed_table_or_a_mart(run):
    assert VALUE_REJECTING == ("verdi_utenfor_omrade",)  # a new rejecting rule needs its case above
    typed = dict(
        ((p, k), v)
        for p, *row in sql(
            run,
            "select prosjektnummer, egeninnsats, forbruk, samlinger_deltatt, tilskudd_mottatt from core_innsendinger "
            "where aar = ?",
            YEAR,
        )
        for k, v in zip(("egeninnsats", "forbruk", "samlinger_deltatt", "tilskudd_mottatt"), row)
    )
    assert typed[("P1-01", "egeninnsats")] is None and typed[("P1-01", "forbruk")] is None
    assert typed[("P1-01", "samlinger_deltatt")] is None and typed[("P2-01", "tilskudd_mottatt")] is None
    assert typed[("P2-01", "forbruk")] == 1000  # the rest of the submission stands
    # the CSV row's indicator is kept with its rejected result empty; the workbook's row is rejected whole
    (csv_ind,) = sql(
        run,
        "select utgangspunkt, maal, resultat from core_indikatorer i join core_innsendinger s "
        "using (innsending_id) where s.prosjektnummer = 'P2-01' and i.indikator = 'sykefravaer_pst'",
    )
    assert csv_ind == (9.1, 7.5, None)
    # no table, view or mart holds any of the rejected values in any numeric column
    rejected = (EGENINNSATS, FORBRUK, SAMLINGAR, INDICATOR_WB, INDICATOR_CSV, TILSKUDD_CSV)
    rejected += (RISK_OFF_SCALE["sannsynlighet"], DUPLICATE["utgangspunkt"], DUPLICATE["maal"], DUPLICATE["resultat"])
    small = {SAMLINGAR: "samling", RISK_OFF_SCALE["sannsynlighet"]: "sannsynlighet"}  # fine values of anything else
    columns = sql(
        run,
        "select table_name, column_name from information_schema.columns where data_type in "
        "('DOUBLE', 'FLOAT', 'INTEGER', 'BIGINT', 'DECIMAL', 'HUGEINT', 'SMALLINT') "
        "and (table_name like 'core_%' or table_name like 'stg_%' or table_name like 'int_%' "
        "or table_name like 'mart_%') and column_name not in ('aar', 'rad', 'kilde_rad')",
    )
    assert len({t for t, _ in columns if t.startswith("mart_")}) >= 5
    hits = []
    for table, column in columns:
        for value in rejected:
            if value in small and small[value] not in column:
                continue
            n = sql(run, f'select count(*) from "{table}" where "{column}" = ?', value)[0][0]
            if n:
                hits.append((table, column, value))
    assert hits == []
    # nor the rejected risk under its name, in any text column
    texts = sql(
        run,
        "select table_name, column_name from information_schema.columns where data_type = 'VARCHAR' "
        "and (table_name like 'core_%' or table_name like 'stg_%' or table_name like 'int_%' "
        "or table_name like 'mart_%') and table_name <> 'core_avvik'",
    )
    named = [
        (t, c)
        for t, c in texts
        if sql(run, f'select count(*) from "{t}" where "{c}" like ?', f"%{RISK_OFF_SCALE['risikofaktor']}%")[0][0]
    ]
    assert named == []


def test_a_risk_off_the_scale_is_kept_as_read_and_rejected_whole(run):
    ((message,),) = sql(run, "select melding_nb from core_avvik where aar = ? and felt = 'sannsynlighet'", YEAR)
    assert "«6»" in message and "1 til 5" in message
    raw = sql(
        run,
        "select sannsynlighet, konsekvens from raw_risiko where aar = ? and risikofaktor = ?",
        YEAR,
        RISK_OFF_SCALE["risikofaktor"],
    )
    assert raw == [("6", "5")]  # kept as read
    kept = sql(
        run,
        "select risikofaktor from core_risiko r join core_innsendinger s using (innsending_id) "
        "where s.prosjektnummer = 'P1-01' order by rad",
    )
    assert kept == [(r["risikofaktor"],) for r in RISIKO]  # the two risks on the scale stand
    (count,) = sql(run, "select risikoer from mart_prosjekt_aar where aar = ? and prosjektnummer = 'P1-01'", YEAR)
    assert count == (len(RISIKO),)


def test_an_indicator_written_twice_keeps_its_first_row_only(run):
    rows = sql(
        run,
        "select rad, melding_nb from core_avvik where aar = ? and regel = 'indikator_duplikat' "
        "and prosjektnummer = 'P1-01'",
        YEAR,
    )
    assert len(rows) == 1 and f"«{DUPLICATE['indikator']}»" in rows[0][1]
    raw = sql(
        run,
        "select rad, utgangspunkt, maal, resultat from raw_indikatorer r join core_innsendinger s "
        "using (innsending_id) where s.prosjektnummer = 'P1-01' and r.indikator = ? order by rad",
        DUPLICATE["indikator"],
    )
    assert [tuple(float(x) for x in r[1:]) for r in raw] == [(1.2, 2.0, 1.6), (3.85, 4.65, 3.45)]  # both, as read
    assert rows[0][0] == raw[1][0]  # the issue names the second row
    typed = sql(
        run,
        "select rad, utgangspunkt, maal, resultat from core_indikatorer i join core_innsendinger s "
        "using (innsending_id) where s.prosjektnummer = 'P1-01'",
    )
    assert typed == [(raw[0][0], 1.2, 2.0, 1.6)]  # its first row only (the project's other indicator is off range)
