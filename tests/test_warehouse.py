"""Year-partitioned writes: idempotent per year, and a new code version may change a table's columns."""

import duckdb
import pandas as pd
import pytest

from pipelines import warehouse


def rows(con, table: str) -> list[tuple]:
    return con.execute(f'select * from "{table}" order by aar, prosjektnummer').fetchall()


def test_replace_year_touches_only_its_year(tmp_path):
    with warehouse.connect(tmp_path / "lager.duckdb") as con:
        warehouse.replace_year(con, "t", 2012, pd.DataFrame({"prosjektnummer": ["P1-01"], "tal": [1]}))
        warehouse.replace_year(con, "t", 2013, pd.DataFrame({"prosjektnummer": ["P1-01"], "tal": [2]}))
        warehouse.replace_year(con, "t", 2013, pd.DataFrame({"prosjektnummer": ["P1-02"], "tal": [3]}))
        assert rows(con, "t") == [(2012, "P1-01", 1), (2013, "P1-02", 3)]


def test_new_columns_keep_other_years_rows(tmp_path):
    with warehouse.connect(tmp_path / "lager.duckdb") as con:
        warehouse.replace_year(con, "t", 2012, pd.DataFrame({"prosjektnummer": ["P1-01"], "gammal": ["x"], "tal": [1]}))
        # the next code version drops `gammal` and adds `ny`
        warehouse.replace_year(con, "t", 2013, pd.DataFrame({"prosjektnummer": ["P1-02"], "tal": [2], "ny": [True]}))
        columns = [r[0] for r in con.execute("describe t").fetchall()]
        assert columns == ["aar", "prosjektnummer", "tal", "ny"]
        assert rows(con, "t") == [(2012, "P1-01", 1, None), (2013, "P1-02", 2, True)]


def test_a_failed_write_changes_nothing(tmp_path):
    with warehouse.connect(tmp_path / "lager.duckdb") as con:
        warehouse.replace_year(con, "t", 2012, pd.DataFrame({"prosjektnummer": ["P1-01"], "tal": [1]}))
        with pytest.raises(duckdb.Error):
            warehouse.replace_year(con, "t", 2012, pd.DataFrame({"prosjektnummer": ["P1-01"], "tal": ["ikkje tal"]}))
        assert rows(con, "t") == [(2012, "P1-01", 1)]


def test_a_first_write_with_only_empty_values_still_takes_text_later(tmp_path):
    """A year whose rows hold no value in a column must not fix that column's type as NULL."""
    with warehouse.connect(tmp_path / "lager.duckdb") as con:
        warehouse.replace_year(con, "t", 2012, pd.DataFrame({"prosjektnummer": ["P1-01"], "ark": [None]}))
        warehouse.replace_year(con, "t", 2013, pd.DataFrame({"prosjektnummer": ["P1-02"], "ark": ["Prosjekt"]}))
        assert rows(con, "t") == [(2012, "P1-01", None), (2013, "P1-02", "Prosjekt")]
