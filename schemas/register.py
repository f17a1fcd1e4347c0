"""Pandera models of the programme register (data/reference/*.csv), read as text."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from schemas import form

_THEMES = "|".join(form.THEMES)
_THEME_LIST = rf"^({_THEMES})(;({_THEMES}))*$"


_YEARS = [str(y) for y in form.YEARS]
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_PROJECT = r"^P\d+-\d+$"
_AMOUNT = r"^[1-9]\d*$"  # whole kroner, more than zero: a posting of nothing is no posting
# parameter -> the pattern its value must have
PARAMETERS = {
    "terskel_ubrukt_kr": r"^\d+$",
    "konto_tilbakebetaling": r"^\d{4} \d{2} \d{5}$",
    "kid_grunnlag": r"^aar\+pulje\+nummer$",
    "sluttregnskap_frist": _DATE,
}


def _typed(df) -> bool:
    return all(pd.Series([v]).str.match(PARAMETERS.get(k, r".")).all() for k, v in zip(df["parameter"], df["verdi"]))


def _text(**kwargs) -> pa.Column:
    return pa.Column(str, nullable=False, **kwargs)


# Columns the register asset adds to a file's rows before it stores them: the reporting deadline as the law
# reads it, moved to a working day by pipelines/workdays.py, so that SQL's on-time rule and the letters use one day.
DERIVED_COLUMNS: dict[str, tuple[str, ...]] = {"tilskudd": ("rapporteringsfrist_virkedag",)}

REGISTER_SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "kommuner": pa.DataFrameSchema(
        {
            "kommunenummer": _text(checks=pa.Check.str_matches(r"^\d{4}$"), unique=True),
            "kommune": _text(),
            "fylke": _text(),
            "maalform": _text(checks=pa.Check.isin(["nb", "nn", "noytral"])),
            "maalform_grunnlag": _text(checks=pa.Check.isin(["direkte", "utleidd", "usikker"])),
        },
        name="kommuner",
    ),
    "nettverk": pa.DataFrameSchema(
        {
            "nettverk_id": _text(checks=pa.Check.str_matches(r"^P[12]-N\d{2}$"), unique=True),
            "pulje": _text(checks=pa.Check.isin(["1", "2"])),
            "nettverk": _text(),
            "tema": _text(checks=pa.Check.str_matches(_THEME_LIST)),
            "nettverksleder": _text(),
        },
        name="nettverk",
    ),
    "prosjekt": pa.DataFrameSchema(
        {
            "prosjektnummer": _text(checks=pa.Check.str_matches(r"^P\d+-\d+$"), unique=True),
            "pulje": _text(checks=pa.Check.isin(["1", "2"])),
            "nettverk_id": _text(),
            "prosjektnavn": _text(),
            "tema": _text(checks=pa.Check.str_matches(_THEME_LIST)),
            "kommunenummer": _text(checks=pa.Check.str_matches(r"^\d{4}$")),
            "forste_aar": _text(checks=pa.Check.isin([str(y) for y in form.YEARS])),
            "siste_aar": _text(checks=pa.Check.isin([str(y) for y in form.YEARS])),
        },
        checks=pa.Check(lambda df: df["forste_aar"] <= df["siste_aar"], name="forste_aar_for_siste_aar"),
        name="prosjekt",
    ),
    "prosjekt_kommuner": pa.DataFrameSchema(
        {
            "prosjektnummer": _text(),
            "kommunenummer": _text(checks=pa.Check.str_matches(r"^\d{4}$")),
            "rolle": _text(checks=pa.Check.isin(["leiar", "deltakar"])),
        },
        unique=["prosjektnummer", "kommunenummer"],
        name="prosjekt_kommuner",
    ),
    "tilskudd": pa.DataFrameSchema(
        {
            "prosjektnummer": _text(),
            "aar": _text(checks=pa.Check.isin([str(y) for y in form.YEARS])),
            "innvilget_kr": _text(checks=pa.Check.str_matches(r"^\d+$")),
            "rapporteringsfrist": _text(checks=pa.Check.str_matches(r"^\d{4}-\d{2}-\d{2}$")),
            "vilkaar": _text(),
            "eksempeldata": _text(checks=pa.Check.isin(["ja", "nei"])),
        },
        unique=["prosjektnummer", "aar"],
        name="tilskudd",
    ),
    # the secretariat's ledger, one row per posting as exported from the accounting system
    "utbetalinger": pa.DataFrameSchema(
        {
            "bilag": _text(checks=pa.Check.str_matches(r"^\S+$"), unique=True),
            "dato": _text(checks=pa.Check.str_matches(_DATE)),
            "prosjektnummer": _text(checks=pa.Check.str_matches(_PROJECT)),
            "aar": _text(checks=pa.Check.isin(_YEARS)),
            "belop_kr": _text(checks=pa.Check.str_matches(_AMOUNT)),
            "kapittel_post": _text(),
            "tekst": _text(),
            "eksempeldata": _text(checks=pa.Check.isin(["ja", "nei"])),
        },
        checks=[pa.Check(lambda df: df["dato"].str[:4] >= df["aar"], name="utbetalt_tidligst_i_tilskuddsaaret")],
        name="utbetalinger",
    ),
    "overforinger": pa.DataFrameSchema(
        {
            "vedtak": _text(checks=pa.Check.str_matches(r"^\S+$"), unique=True),
            "dato": _text(checks=pa.Check.str_matches(_DATE)),
            "prosjektnummer": _text(checks=pa.Check.str_matches(_PROJECT)),
            "fra_aar": _text(checks=pa.Check.isin(_YEARS)),
            "til_aar": _text(checks=pa.Check.isin(_YEARS)),
            "belop_kr": _text(checks=pa.Check.str_matches(_AMOUNT)),
            "tekst": _text(),
            "eksempeldata": _text(checks=pa.Check.isin(["ja", "nei"])),
        },
        checks=[pa.Check(lambda df: df["til_aar"].astype(int) == df["fra_aar"].astype(int) + 1, name="til_neste_aar")],
        unique=["prosjektnummer", "fra_aar"],
        name="overforinger",
    ),
    "tilbakebetalinger": pa.DataFrameSchema(
        {
            "bilag": _text(checks=pa.Check.str_matches(r"^\S+$"), unique=True),
            "dato": _text(checks=pa.Check.str_matches(_DATE)),
            "prosjektnummer": _text(checks=pa.Check.str_matches(_PROJECT)),
            "aar": _text(checks=pa.Check.isin(_YEARS)),
            "belop_kr": _text(checks=pa.Check.str_matches(_AMOUNT)),
            "kid": _text(checks=pa.Check.str_matches(r"^\d*$")),
            "tekst": _text(),
            "eksempeldata": _text(checks=pa.Check.isin(["ja", "nei"])),
        },
        name="tilbakebetalinger",
    ),
    # the programme's parameters, one line each (the materiality threshold, the repayment account, ...)
    "programparametere": pa.DataFrameSchema(
        {
            "parameter": _text(checks=pa.Check.isin(list(PARAMETERS)), unique=True),
            "verdi": _text(checks=pa.Check.str_length(min_value=1)),
            "forklaring": _text(),
            "eksempeldata": _text(checks=pa.Check.isin(["ja", "nei"])),
        },
        checks=[
            pa.Check(lambda df: set(PARAMETERS) <= set(df["parameter"]), name="alle_parametere_finnes"),
            pa.Check(lambda df: _typed(df), name="parameter_har_rett_type"),
        ],
        name="programparametere",
    ),
}
