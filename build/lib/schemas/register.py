"""Pandera models of the programme register (data/reference/*.csv), read as text."""

from __future__ import annotations

import pandera.pandas as pa

from schemas import form

_THEMES = "|".join(form.THEMES)
_THEME_LIST = rf"^({_THEMES})(;({_THEMES}))*$"


def _text(**kwargs) -> pa.Column:
    return pa.Column(str, nullable=False, **kwargs)


REGISTER_SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "kommuner": pa.DataFrameSchema({
        "kommunenummer": _text(checks=pa.Check.str_matches(r"^\d{4}$"), unique=True),
        "kommune": _text(),
        "fylke": _text(),
        "malform": _text(checks=pa.Check.isin(["nb", "nn", "noytral"])),
        "malform_grunnlag": _text(checks=pa.Check.isin(["direkte", "utleidd", "usikker"])),
    }, name="kommuner"),
    "nettverk": pa.DataFrameSchema({
        "nettverk_id": _text(checks=pa.Check.str_matches(r"^P[12]-N\d{2}$"), unique=True),
        "pulje": _text(checks=pa.Check.isin(["1", "2"])),
        "nettverk": _text(),
        "tema": _text(checks=pa.Check.str_matches(_THEME_LIST)),
        "nettverksleder": _text(),
    }, name="nettverk"),
    "prosjekt": pa.DataFrameSchema({
        "prosjektnummer": _text(checks=pa.Check.str_matches(r"^P\d+-\d+$"), unique=True),
        "pulje": _text(checks=pa.Check.isin(["1", "2"])),
        "nettverk_id": _text(),
        "prosjektnavn": _text(),
        "tema": _text(checks=pa.Check.str_matches(_THEME_LIST)),
        "kommunenummer": _text(checks=pa.Check.str_matches(r"^\d{4}$")),
        "forste_aar": _text(checks=pa.Check.isin([str(y) for y in form.YEARS])),
        "siste_aar": _text(checks=pa.Check.isin([str(y) for y in form.YEARS])),
    }, checks=pa.Check(lambda df: df["forste_aar"] <= df["siste_aar"], name="forste_aar_for_siste_aar"),
        name="prosjekt"),
    "prosjekt_kommuner": pa.DataFrameSchema({
        "prosjektnummer": _text(),
        "kommunenummer": _text(checks=pa.Check.str_matches(r"^\d{4}$")),
        "rolle": _text(checks=pa.Check.isin(["leiar", "deltakar"])),
    }, unique=["prosjektnummer", "kommunenummer"], name="prosjekt_kommuner"),
    "tilskudd": pa.DataFrameSchema({
        "prosjektnummer": _text(),
        "aar": _text(checks=pa.Check.isin([str(y) for y in form.YEARS])),
        "innvilget_kr": _text(checks=pa.Check.str_matches(r"^\d+$")),
        "rapporteringsfrist": _text(checks=pa.Check.str_matches(r"^\d{4}-\d{2}-\d{2}$")),
        "vilkaar": _text(),
        "eksempeldata": _text(checks=pa.Check.isin(["ja", "nei"])),
    }, unique=["prosjektnummer", "aar"], name="tilskudd"),
}
