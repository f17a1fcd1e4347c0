"""Landing, reading and validation of a year's submissions."""


import dagster as dg
import pandas as pd

from pipelines import landing, reading, validation, warehouse
from pipelines.issues import REJECT_FILE, REJECT_ROW, Issue
from pipelines.partitions import years
from pipelines import versions
from pipelines.resources import Settings

OWNER = "team:sekretariatet"
REGISTER_DEPS = [dg.AssetKey(["register", n]) for n in ("kommuner", "prosjekt", "tilskudd")]


def _md(df: pd.DataFrame, rows: int = 10) -> dg.MetadataValue:
    return dg.MetadataValue.md(df.head(rows).to_markdown(index=False) if len(df) else "_ingen rader_")


@dg.asset(
    key=["landing", "innkomne_filer"],
    group_name="landing",
    partitions_def=years,
    owners=[OWNER],
    kinds={"excel", "csv", "duckdb"},
    code_version=versions.landing(),
    description=(
        "Every file that arrived in the year's inbox folder, fingerprinted (SHA-256), with its size and the "
        "date it was received (from the file name, as saved from the mailbox), and copied byte for byte "
        "into the archive. Nothing received is ever dropped: table `raw_filer`."
    ),
)
def innkomne_filer(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
    year = int(context.partition_key)
    landed = landing.land(settings.inbox_dir(year), settings.archive_dir, settings.out_dir)
    df = pd.DataFrame([f.__dict__ for f in landed],
                      columns=["filnavn", "sha256", "storleik_bytes", "mottatt_dato", "format", "arkivsti"])
    with settings.connect() as con:
        warehouse.create_core_tables(con)
        warehouse.replace_year(con, "raw_filer", year, df)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(df),
        "innboks": str(settings.inbox_dir(year)),
        "filer": _md(df[["filnavn", "sha256", "mottatt_dato", "format"]], rows=200),
    })


@dg.asset(
    key=["reading", "innsendingar"],
    group_name="reading",
    partitions_def=years,
    deps=[innkomne_filer],
    owners=[OWNER],
    kinds={"excel", "csv", "duckdb"},
    code_version=versions.reading(),
    description=(
        "Each archived file read as the secretariat's reporting form says: a workbook (.xlsx, .xls, .ods, "
        ".xlsm — values only, no macro or formula is run) or a CSV export with one row per project. Values "
        "are kept as the text they held, with sheet and row, in the `raw_*` tables; a file that cannot be "
        "read is recorded with the reason in `raw_lesefeil`. A re-run reads only files it has not read before "
        "with this code version (`raw_lesing`); the rest stand as read."
    ),
)
def innsendingar(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
    year = int(context.partition_key)
    version = versions.reading()
    with settings.connect() as con:
        files = warehouse.read_year(con, "raw_filer", year)
        lesing = warehouse.read_year(con, "raw_lesing", year)
        earlier = {name: warehouse.read_year(con, f"raw_{name}", year).drop(columns="aar")
                   for name in ("innsendingar", "felt", "lesefeil", *reading.RAW_TABLES)}
    first = files.drop_duplicates("sha256")  # the same bytes twice are one file: the first copy is read
    # what an earlier run read from the same bytes, under the same name and date and with the same code, stands
    done = {_as_read(r.sha256, r.filnavn, r.mottatt_dato) for r in lesing.itertuples(index=False)
            if r.kodeversjon == version}
    kept = {f.sha256 for f in first.itertuples(index=False) if _as_read(f.sha256, f.filnavn, f.mottatt_dato) in done}
    read = []
    for f in first.itertuples(index=False):
        if f.sha256 in kept:
            continue
        result = reading.read_file(settings.out_dir / f.arkivsti, f.format)
        if pd.isna(f.mottatt_dato):
            result.issues.append(Issue("mottaksdato_mangler", verdi=f.filnavn))
        read.append((f, result))
    new = reading.raw_frames(read)
    old = reading.raw_rows_of_files(earlier, kept)
    frames = {f"raw_{name}": pd.concat([old[name], df], ignore_index=True) if len(old[name]) else df
              for name, df in new.items()}
    frames["raw_lesing"] = first[["sha256", "filnavn", "mottatt_dato"]].assign(kodeversjon=version)
    with settings.connect() as con:
        for table, df in frames.items():
            warehouse.replace_year(con, table, year, df)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(frames["raw_innsendingar"]),
        "filer_lesne": len(read),
        "filer_uendra_sidan_sist": len(kept),
        "lesefeil": len(frames["raw_lesefeil"]),
        "lesefeil_per_regel": _md(frames["raw_lesefeil"].groupby("regel").size().rename("tal").reset_index()),
    })


def _as_read(sha256: str, filnavn: str, mottatt_dato) -> tuple[str, str, str]:
    return sha256, filnavn, "" if pd.isna(mottatt_dato) else str(pd.Timestamp(mottatt_dato).date())


MODEL_CHECKS = {
    "prosjekt": "The `Prosjekt` sheet (or CSV row) of every submission follows its pandera model.",
    "indikatorer": "Every indicator row follows its pandera model (ranges by unit, one row per indicator).",
    "tiltak": "Every measure row follows its pandera model.",
    "risiko": "Every risk row follows its pandera model (S × K ≥ 9 or K = 5 needs a mitigation).",
}
VALIDATED = dg.AssetKey(["reading", "validerte_innsendingar"])


@dg.asset(
    key=VALIDATED,
    group_name="reading",
    partitions_def=years,
    deps=[innsendingar, *REGISTER_DEPS],
    owners=[OWNER],
    kinds={"duckdb"},
    code_version=versions.validation(),
    description=(
        "The submissions typed and validated: every value by the form's rules, every table by its pandera "
        "model, every report against the register (project exists, lead municipality, year, themes). What "
        "fails is kept in `core_avvik` with file, sheet, row, field, the value found, what was expected and "
        "a message in the project's language form; a corrected submission supersedes the earlier one, and "
        "both stay. Tables: `core_filer`, `core_innsendingar`, `core_indikatorer`, `core_tiltak`, "
        "`core_risiko`, `core_avvik`."
    ),
    check_specs=[dg.AssetCheckSpec(f"pandera_{name}", asset=VALIDATED, description=text)
                 for name, text in MODEL_CHECKS.items()]
    + [dg.AssetCheckSpec("alle_filer_gjort_greie_for", asset=VALIDATED, blocking=True,
                         description="Every file in the inbox has an outcome: read, partly read, rejected, "
                                     "superseded or duplicate.")],
)
def validerte_innsendingar(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
    year = int(context.partition_key)
    with settings.connect() as con:
        raw = {name: warehouse.read_year(con, f"raw_{name}", year)
               for name in ("innsendingar", "felt", *reading.RAW_TABLES)}
        files = warehouse.read_year(con, "raw_filer", year)
        problems = warehouse.read_year(con, "raw_lesefeil", year)
        register = {name: con.execute(f"select * from ref_{name}").df() for name in ("prosjekt", "kommuner")}
    rejected = validation.rejected_when_read(problems, raw["innsendingar"])
    result = validation.validate_year(year, raw, register, rejected)
    subs = result.innsendingar
    issues = [(r.innsending_id, r.sha256, Issue(r.regel, ark=_none(r.ark), rad=_none(r.rad), felt=_none(r.felt),
                                                verdi=_none(r.verdi), forventa=_none(r.forventa),
                                                alvor=_none(r.alvor)))
              for r in problems.itertuples(index=False)]
    sha_of = dict(zip(subs["innsending_id"], subs["sha256"]))
    issues += [(sid, sha_of[sid], issue) for sid, issue in result.issues]
    avvik = _issue_frame(issues, files, subs)
    core_filer = _outcomes(files, subs, avvik)
    with settings.connect() as con:
        for table, df in (("core_filer", core_filer), ("core_innsendingar", subs),
                          ("core_indikatorer", result.indikatorer), ("core_tiltak", result.tiltak),
                          ("core_risiko", result.risiko), ("core_avvik", avvik)):
            warehouse.replace_year(con, table, year, df)
    accounted = core_filer["utfall"].notna().all() and len(core_filer) == len(files)
    checks = [dg.AssetCheckResult(check_name=f"pandera_{name}", passed=failures == 0,
                                  severity=dg.AssetCheckSeverity.WARN,
                                  metadata={"feil": failures})
              for name, failures in result.checks.items()]
    checks.append(dg.AssetCheckResult(check_name="alle_filer_gjort_greie_for", passed=bool(accounted),
                                      metadata={"filer": len(files),
                                                **core_filer["utfall"].value_counts().to_dict()}))
    by_rule = avvik.groupby(["regel", "alvorsgrad"]).size().rename("tal").reset_index()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": int(subs["gjeldande"].sum()) if len(subs) else 0,
            "innsendingar": len(subs),
            "avvik": len(avvik),
            "avvik_per_regel": _md(by_rule, rows=50),
            "filer": _md(core_filer[["filnavn", "sha256", "utfall", "avvik"]], rows=200),
        },
        check_results=checks,
    )


def _none(value):
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _issue_frame(issues, files: pd.DataFrame, subs: pd.DataFrame) -> pd.DataFrame:
    name_of = {}
    for sha, name in zip(files["sha256"], files["filnavn"]):
        name_of.setdefault(sha, name)  # issues belong to the copy that was read, the first to arrive
    project_of = dict(zip(subs["innsending_id"], subs["prosjektnummer"]))
    rows = []
    for sid, sha, issue in issues:
        rec = issue.record()
        rows.append({"sha256": sha, "filnavn": name_of.get(sha), "innsending_id": sid,
                     "prosjektnummer": _none(project_of.get(sid)), **rec})
    columns = ["sha256", "filnavn", "innsending_id", "prosjektnummer", "ark", "rad", "felt", "verdi", "regel",
               "alvorsgrad", "forventa", "melding_nb", "melding_nn"]
    return pd.DataFrame(rows, columns=columns)


def _outcomes(files: pd.DataFrame, subs: pd.DataFrame, avvik: pd.DataFrame) -> pd.DataFrame:
    """read + partly read + rejected + superseded + duplicate = every file that came in."""
    out = files.drop(columns=["aar"]).copy()
    subs_of = dict(tuple(subs.groupby("sha256", sort=False))) if len(subs) else {}
    issues_of = dict(tuple(avvik.groupby("sha256", sort=False))) if len(avvik) else {}
    no_subs, no_issues = subs.iloc[0:0], avvik.iloc[0:0]
    first_of = {}
    outcomes, counts, issue_counts = [], [], []
    for f in out.itertuples(index=False):
        mine = subs_of.get(f.sha256, no_subs)
        file_issues = issues_of.get(f.sha256, no_issues)
        issue_counts.append(len(file_issues))
        counts.append(len(mine))
        if f.sha256 in first_of:
            outcomes.append("duplikat")
            continue
        first_of[f.sha256] = f.filnavn
        accepted = mine[mine["godkjent"]]
        if len(mine) == 0 or len(accepted) == 0:
            outcomes.append("avvist")
        elif not accepted["gjeldande"].any():
            outcomes.append("erstatta")
        elif len(accepted) < len(mine) or file_issues["alvorsgrad"].isin([REJECT_ROW, REJECT_FILE]).any():
            outcomes.append("delvis_lest")
        else:
            outcomes.append("lest")
    out["utfall"] = outcomes
    out["innsendingar"] = counts
    out["avvik"] = issue_counts
    return out
