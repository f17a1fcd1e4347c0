"""Pandera models of what validation publishes: the accepted tables the marts, report and letters read.

These are not the submission models (`schemas.submission`), which judge what came in: bad input is
normal and becomes recorded issues. These judge the pipeline's own output, so they pass on every
healthy run, whatever the inbox held, and fail only when the warehouse would publish something wrong:
a project with two current reports, a row from a rejected submission, a row with no place to trace it
to, an issue without a message, a rejected file without a reason. Each model takes the year's
submissions, since several rules compare a table with them.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from pipelines.landing import NOT_READ

SEVERITIES = ["avvis_fil", "avvis_rad", "merknad"]
# what reading made of a file, and what landing made of an entry that is not read (pipelines.landing)
# an empty table (no accepted submission had measures, say) has no string dtype: ids are judged by value
ID = None

OUTCOMES = ["lest", "delvis_lest", "avvist", "erstattet", "duplikat", "eldre_versjon", "borte", *sorted(NOT_READ)]


def _from_accepted(subs: pd.DataFrame) -> pa.Check:
    accepted = set(subs.loc[subs["godkjent"].fillna(False).astype(bool), "innsending_id"])
    return pa.Check(
        lambda s: s.isin(accepted),
        name="fra_godkjent_innsending",
        error="the row belongs to a submission that was not accepted",
    )


def _traceable() -> dict[str, pa.Column]:
    return {
        "innsending_id": pa.Column(ID, nullable=False),
        "rad": pa.Column("Int64", nullable=False, coerce=True, checks=pa.Check.ge(1)),
    }


def innsendinger(subs: pd.DataFrame) -> pa.DataFrameSchema:
    def one_current_per_project(df: pd.DataFrame) -> pd.Series:
        current = df["gjeldende"].fillna(False).astype(bool)
        return ~(df["prosjektnummer"].where(current).duplicated(keep=False) & current)

    return pa.DataFrameSchema(
        {
            "innsending_id": pa.Column(ID, unique=True, nullable=False),
            "sha256": pa.Column(str, pa.Check.str_matches(r"^[0-9a-f]{64}$"), nullable=False),
            "filnavn": pa.Column(str, nullable=False),
        },
        checks=[
            pa.Check(
                lambda df: ~df["gjeldende"].fillna(False).astype(bool) | df["godkjent"].fillna(False).astype(bool),
                name="gjeldende_er_godkjent",
                error="a current submission must be accepted",
            ),
            pa.Check(
                lambda df: ~df["gjeldende"].fillna(False).astype(bool) | df["prosjektnummer"].notna(),
                name="gjeldende_har_prosjekt",
                error="a current submission must name its project",
            ),
            pa.Check(
                one_current_per_project,
                name="en_gjeldende_per_prosjekt",
                error="a project has one current report in a year",
            ),
        ],
        name="core_innsendinger",
    )


def indikatorer(subs: pd.DataFrame) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            **_traceable(),
            "innsending_id": pa.Column(ID, _from_accepted(subs), nullable=False),
            "indikator": pa.Column(str, nullable=False),
            **{
                c: pa.Column(
                    float,
                    pa.Check(lambda s: ~s.isin([float("inf"), float("-inf")]), name="endelig_tall"),
                    nullable=True,
                    coerce=True,
                )
                for c in ("utgangspunkt", "maal", "resultat")
            },
        },
        unique=["innsending_id", "indikator"],
        name="core_indikatorer",
    )


def tiltak(subs: pd.DataFrame) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            **_traceable(),
            "innsending_id": pa.Column(ID, _from_accepted(subs), nullable=False),
        },
        name="core_tiltak",
    )


def risiko(subs: pd.DataFrame) -> pa.DataFrameSchema:
    scale = pa.Check.in_range(1, 5)
    return pa.DataFrameSchema(
        {
            **_traceable(),
            "innsending_id": pa.Column(ID, _from_accepted(subs), nullable=False),
            "sannsynlighet": pa.Column("Int64", scale, nullable=True, coerce=True),
            "konsekvens": pa.Column("Int64", scale, nullable=True, coerce=True),
        },
        name="core_risiko",
    )


def avvik(subs: pd.DataFrame) -> pa.DataFrameSchema:
    text = pa.Column(str, pa.Check.str_length(min_value=1), nullable=False)
    return pa.DataFrameSchema(
        {
            "filnavn": text,
            "sha256": text,
            "regel": text,
            "melding_nb": text,
            "melding_nn": text,
            "alvorsgrad": pa.Column(str, pa.Check.isin(SEVERITIES), nullable=False),
        },
        name="core_avvik",
    )


def filer(history: pd.DataFrame, avvik_df: pd.DataFrame) -> pa.DataFrameSchema:
    """Every version of every file that came in (raw_filhistorikk) has one outcome, and every rejected
    file a recorded reason."""

    def versions(df: pd.DataFrame) -> list[tuple]:
        return sorted(
            (r.filnavn, "" if pd.isna(r.filnavn_hex) else str(r.filnavn_hex), int(r.versjon))
            for r in df.itertuples(index=False)
        )

    received = versions(history)
    with_reason = set(avvik_df["sha256"])

    return pa.DataFrameSchema(
        {
            "filnavn": pa.Column(str, nullable=False),
            "utfall": pa.Column(str, pa.Check.isin(OUTCOMES), nullable=False),
        },
        checks=[
            pa.Check(
                lambda df: versions(df) == received,
                element_wise=False,
                name="hver_fil_som_kom_inn",
                error="every version of every file received has exactly one row",
            ),
            pa.Check(
                lambda df: (df["utfall"] != "avvist") | df["sha256"].isin(with_reason),
                name="avvist_fil_har_grunn",
                error="a rejected file has a recorded reason",
            ),
        ],
        name="core_filer",
    )


def failures(schema: pa.DataFrameSchema, df: pd.DataFrame) -> pd.DataFrame:
    """The failure cases of a model on a table (none: an empty frame), lazily, all at once."""
    import pandera.errors

    try:
        schema.validate(df, lazy=True)
    except pandera.errors.SchemaErrors as err:
        return err.failure_cases[["column", "check", "failure_case", "index"]].astype(str)
    return pd.DataFrame(columns=["column", "check", "failure_case", "index"])
