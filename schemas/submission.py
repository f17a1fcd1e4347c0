"""Pandera models of a submission's tables, after the text has been typed.

Every check is named `<rule>:<expected>` (column checks) or
`<rule>:<expected>:<field>` (checks over whole rows): a rule code of
`pipelines.issues.RULES` and a key of `pipelines.issues.EXPECTED`, so that a
failure becomes an issue a project leader can act on. Validation is lazy: all failures of a year at once.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from schemas import form

_PLACE = {
    "innsending_id": pa.Column(str),
    "ark": pa.Column(str, nullable=True),
    "rad": pa.Column("Int64", nullable=True),
}


def _required(name: str) -> pa.Check:
    return pa.Check(lambda s: s.notna(), name=f"felt_mangler:{name}", ignore_na=False)


def _range(lo: float | None, hi: float | None, expected: str) -> pa.Check:
    def check(s: pd.Series) -> pd.Series:
        ok = pd.Series(True, index=s.index)
        if lo is not None:
            ok &= s >= lo
        if hi is not None:
            ok &= s <= hi
        return ok

    return pa.Check(check, name=f"verdi_utenfor_omrade:{expected}")


_KIND_DTYPE = {
    "year": "Int64",
    "int03": "Int64",
    "nok": "Float64",
    "yesno": "boolean",
    "date": object,
    "themes": object,
}
_KIND_CHECKS = {
    "int03": [_range(0, 3, "samlingar")],
    "nok": [_range(0, None, "ikke_negativ")],
    "longtext": [pa.Check(lambda s: s.str.len() <= form.LONGTEXT_MAX, name="tekst_for_lang:maks_4000")],
    "prosjektnummer": [pa.Check.str_matches(r"^P\d+-\d+$", name="ugyldig_verdi:prosjektnummer")],
}


def prosjekt_schema() -> pa.DataFrameSchema:
    """One row per submission: the `Prosjekt` sheet, or the project part of a CSV row."""
    columns = dict(_PLACE)
    for f in form.PROSJEKT_FIELDS:
        checks = list(_KIND_CHECKS.get(f.kind, []))
        if f.required:
            checks.insert(0, _required(f.key))
        columns[f.key] = pa.Column(_KIND_DTYPE.get(f.kind, str), checks=checks, nullable=True, coerce=True)
    return pa.DataFrameSchema(columns, name="prosjekt", strict=False)


def _indicator_range(part: str) -> pa.Check:
    def check(df: pd.DataFrame) -> pd.Series:
        values = df[part]
        ok = values.isna() | (values >= df["min"].fillna(-float("inf")))
        ok &= values.isna() | (values <= df["maks"].fillna(float("inf")))
        return ok.fillna(True)

    return pa.Check(check, name=f"verdi_utenfor_omrade:indikator_omrade:{part}")


def indikator_schema() -> pa.DataFrameSchema:
    """One row per indicator of a submission; ranges from the standard indicator's unit."""
    number = {"nullable": True, "coerce": True}
    return pa.DataFrameSchema(
        {
            **_PLACE,
            "indikator": pa.Column(str, checks=[_required("indikator")], nullable=True),
            "standard": pa.Column(bool),
            "enhet": pa.Column(str, nullable=True),
            "utgangspunkt": pa.Column("Float64", **number),
            "utgangsaar": pa.Column("Int64", **number),
            "maal": pa.Column("Float64", **number),
            "maalaar": pa.Column("Int64", **number),
            "resultat": pa.Column("Float64", **number),
            "kommentar": pa.Column(str, nullable=True),
            "min": pa.Column("Float64", nullable=True),
            "maks": pa.Column("Float64", nullable=True),
        },
        checks=[_indicator_range(p) for p in ("utgangspunkt", "maal", "resultat")]
        + [
            pa.Check(
                lambda df: ~df.duplicated(["innsending_id", "indikator"], keep="first"),
                name="indikator_duplikat:en_gang:indikator",
            )
        ],
        name="indikatorer",
    )


def tiltak_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            **_PLACE,
            "tiltak": pa.Column(str, checks=[_required("tiltak")], nullable=True),
            "status": pa.Column(str, checks=[_required("status")], nullable=True),
            "start": pa.Column(object, nullable=True),
            "slutt": pa.Column(object, nullable=True),
            "kommentar": pa.Column(str, nullable=True),
        },
        name="tiltak",
    )


def risiko_schema() -> pa.DataFrameSchema:
    def mitigated(df: pd.DataFrame) -> pd.Series:
        s, k = df["sannsynlighet"], df["konsekvens"]
        needs = ((s * k >= 9) | (k == 5)).fillna(False)
        return ~(needs & df["mottiltak"].isna())

    scale = [_range(1, 5, "skala_1_5")]
    return pa.DataFrameSchema(
        {
            **_PLACE,
            "risikofaktor": pa.Column(str, checks=[_required("risikofaktor")], nullable=True),
            "sannsynlighet": pa.Column(
                "Int64", checks=[_required("sannsynlighet"), *scale], nullable=True, coerce=True
            ),
            "konsekvens": pa.Column("Int64", checks=[_required("konsekvens"), *scale], nullable=True, coerce=True),
            "mottiltak": pa.Column(str, nullable=True),
        },
        checks=[pa.Check(mitigated, name="risiko_uten_mottiltak:mottiltak:mottiltak")],
        name="risiko",
    )


SCHEMAS = {
    "prosjekt": prosjekt_schema,
    "indikatorer": indikator_schema,
    "tiltak": tiltak_schema,
    "risiko": risiko_schema,
}
