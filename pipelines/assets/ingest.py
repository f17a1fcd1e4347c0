"""Landing, reading and validation of a year's submissions."""

import dagster as dg
import pandas as pd

from pipelines import landing, reading, sporing, validation, versions, warehouse
from pipelines.documents import formatting
from pipelines.issues import REJECT_FILE, REJECT_ROW, Issue
from pipelines.partitions import year_check, years
from pipelines.resources import Settings
from schemas import accepted

OWNER = "team:sekretariatet"
REGISTER_DEPS = [dg.AssetKey(["register", n]) for n in ("kommuner", "prosjekt", "tilskudd")]


@dg.asset(
    key=["landing", "innkomne_filer"],
    group_name="landing",
    partitions_def=years,
    owners=[OWNER],
    kinds={"excel", "csv", "duckdb"},
    code_version=versions.landing(),
    description=(
        "Hver fil som kom inn i årets innboksmappe, med fingeravtrykk (SHA-256), størrelse og mottaksdato (fra "
        "filnavnet, slik filen ble lagret fra postkassen), kopiert byte for byte til arkivet. Ingenting som er "
        "mottatt, blir forkastet: tabell `raw_filer`, med historikken over hver fils versjoner i `raw_filhistorikk`."
    ),
)
def innkomne_filer(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
    year = int(context.partition_key)
    inbox = settings.inbox_dir(year)
    with settings.connect() as con:
        warehouse.create_core_tables(con)
        earlier = warehouse.read_year(con, "raw_filhistorikk", year)
        current = earlier[~earlier["borte"].astype(bool) & (earlier["mottak"] == landing.ARCHIVED)]
        had_files = len(current)  # the reports the year has now: what an empty folder would take away
    problem = landing.inbox_problem(inbox, had_files, settings.tom_innboks_ok)
    if problem:
        raise dg.Failure(description=problem)
    landed = landing.land(inbox, settings.archive_dir, settings.out_dir)
    df = pd.DataFrame([f.__dict__ for f in landed.files], columns=RAW_FILER_COLUMNS)
    kept = landing.history(
        [{k: _none(v) for k, v in r.items()} for r in earlier.drop(columns="aar").to_dict("records")], landed.files
    )
    history = pd.DataFrame(kept, columns=landing.HISTORY_COLUMNS)

    def forget_what_was_read_from_repaired(con):
        # an archive entry that held wrong bytes was mended: whatever was read from it, in any year, is read again
        for sha in sorted(landed.repaired):
            con.execute("delete from raw_lesing where sha256 = ?", [sha])

    with settings.connect() as con:
        warehouse.replace_year_tables(
            con, year, {"raw_filer": df, "raw_filhistorikk": history}, before=forget_what_was_read_from_repaired
        )
    outcomes = df["mottak"].value_counts().to_dict()
    return dg.MaterializeResult(
        data_version=sporing.fingerprint(context.asset_key, year, df, history),
        metadata={
            "dagster/row_count": len(df),
            "innboks": str(inbox),
            "mottak": ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items())),
            "arkivfiler_reparerte": len(landed.repaired),
            "versjoner_i_historikken": len(history),
            "borte_fra_innboksen": int(history["borte"].sum()) if len(history) else 0,
            # every file, whole up to sporing.SHOWN rows, and all of them in the CSV
            **sporing.traced(
                "filer",
                df[["filnavn", "sha256", "mottatt_dato", "format", "mottak"]],
                settings.year_dir(year) / "sporing" / "innkomne_filer.csv",
            ),
            # what the inbox sensor starts from when it has no cursor: the files landed, by content
            "innboks_filer": dg.MetadataValue.json(landing.landed_files(year, landed.files)),
        },
    )


RAW_FILER_COLUMNS = [
    "filnavn",
    "filnavn_hex",
    "sha256",
    "storrelse_bytes",
    "mottatt_dato",
    "format",
    "arkivsti",
    "mottak",
]


@dg.asset(
    key=["reading", "innsendinger"],
    group_name="reading",
    partitions_def=years,
    deps=[innkomne_filer],
    owners=[OWNER],
    kinds={"excel", "csv", "duckdb"},
    code_version=versions.reading(),
    description=(
        "Hver arkivert fil lest slik sekretariatets rapportskjema sier: en arbeidsbok (.xlsx, .xls, .ods, .xlsm – "
        "bare verdier, ingen makro eller formel kjøres) eller en CSV-eksport med én rad per prosjekt. Verdiene lagres "
        "som teksten de hadde, med ark og rad, i `raw_*`-tabellene; en fil som ikke kan leses, registreres med grunnen "
        "i `raw_lesefeil`. En ny kjøring leser bare filer den ikke har lest før med denne kodeversjonen (`raw_lesing`)."
    ),
)
def innsendinger(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
    year = int(context.partition_key)
    version = versions.reading()
    with settings.connect() as con:
        files = warehouse.read_year(con, "raw_filer", year)
        lesing = warehouse.read_year(con, "raw_lesing", year)
        earlier = {
            name: warehouse.read_year(con, f"raw_{name}", year).drop(columns="aar")
            for name in ("innsendinger", "felt", "lesefeil", *reading.RAW_TABLES)
        }
    # the same bytes twice are one file: the first copy is read; links, hidden and lock files are never read
    first = files[files["mottak"] == landing.ARCHIVED].drop_duplicates("sha256")
    # what an earlier run read from the same bytes, under the same name and date and with the same code, stands
    done = {
        _as_read(r.sha256, r.filnavn, r.mottatt_dato)
        for r in lesing.itertuples(index=False)
        if r.kodeversjon == version
    }
    kept = {f.sha256 for f in first.itertuples(index=False) if _as_read(f.sha256, f.filnavn, f.mottatt_dato) in done}
    read = []
    for f in first.itertuples(index=False):
        if f.sha256 in kept:
            continue
        path = settings.out_dir / f.arkivsti
        landing.verify(path, f.sha256)  # read only the bytes that were received
        result = reading.read_file(path, f.format)
        if pd.isna(f.mottatt_dato):
            result.issues.append(Issue("mottaksdato_mangler", verdi=f.filnavn))
        read.append((f, result))
    new = reading.raw_frames(read)
    old = reading.raw_rows_of_files(earlier, kept)
    frames = {
        f"raw_{name}": pd.concat([old[name], df], ignore_index=True) if len(old[name]) else df
        for name, df in new.items()
    }
    frames["raw_lesing"] = first[["sha256", "filnavn", "mottatt_dato"]].assign(kodeversjon=version)
    with settings.connect() as con:
        warehouse.replace_year_tables(con, year, frames)
    return dg.MaterializeResult(
        data_version=sporing.fingerprint(context.asset_key, year, *frames.values()),
        metadata={
            "dagster/row_count": len(frames["raw_innsendinger"]),
            "filer_leste": len(read),
            "filer_uendret_siden_sist": len(kept),
            "lesefeil": len(frames["raw_lesefeil"]),
            "lesefeil_per_regel": sporing.table(
                frames["raw_lesefeil"].groupby("regel").size().rename("antall").reset_index()
            ),
        },
    )


def _as_read(sha256: str, filnavn: str, mottatt_dato) -> tuple[str, str, str]:
    return sha256, filnavn, "" if pd.isna(mottatt_dato) else str(pd.Timestamp(mottatt_dato).date())


VALIDATED = dg.AssetKey(["reading", "validerte_innsendinger"])
# The accepted tables validation writes beside the submissions, one asset each: table -> (key, what it is)
TABLE_ASSETS = {
    "core_indikatorer": (
        dg.AssetKey(["reading", "indikatorer"]),
        "Godkjente indikatorrader fra gjeldende og tidligere innsendinger: standardindikator eller "
        "prosjektets egen, utgangspunkt, mål og resultat (prosent som 8,4), med ark og rad. "
        "Tabell `core_indikatorer`.",
    ),
    "core_tiltak": (
        dg.AssetKey(["reading", "tiltak"]),
        "Godkjente tiltak med status og datoer, med ark og rad. Tabell `core_tiltak`.",
    ),
    "core_risiko": (
        dg.AssetKey(["reading", "risiko"]),
        "Godkjente risikoer med sannsynlighet, konsekvens og mottiltak, med ark og rad. Tabell `core_risiko`.",
    ),
}
# Blocking checks on what validation publishes (schemas/accepted.py): asset, check -> description
ACCEPTED_CHECKS = {
    (VALIDATED, "pandera_prosjekt"): "Innsendingene som publiseres: én gjeldende rapport per prosjekt, og den er "
    "godkjent og navngir prosjektet; hver innsending har fil og SHA-256.",
    (VALIDATED, "pandera_avvik"): "Hvert avvik har fil, SHA-256, regel, alvorsgrad og melding på bokmål og nynorsk.",
    (VALIDATED, "alle_filer_gjort_greie_for"): "Hver fil som kom inn, og hver eldre versjon av "
    "den, har nøyaktig ett utfall (se `utfall` i `filer`), og hver avviste fil har en grunn.",
    **{
        (
            key,
            f"pandera_{table.removeprefix('core_')}",
        ): f"Radene i `{table}` kommer bare fra godkjente innsendinger, og hver har ark og rad å spore til."
        for table, (key, _) in TABLE_ASSETS.items()
    },
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            VALIDATED,
            group_name="reading",
            deps=[innsendinger, *REGISTER_DEPS],
            owners=[OWNER],
            kinds={"duckdb"},
            code_version=versions.validation(),
            description=(
                "Innsendingene typet og validert: hver verdi etter skjemaets regler, hver tabell mot sin pandera-modell, "
                "hver rapport mot registeret (prosjektet finnes, vertskommune, år, tema). Det som ikke holder, står i "
                "`core_avvik` med fil, ark, rad, felt, verdien som sto der, hva som var forventet og en melding på "
                "prosjektets målform; metadataene lister hvert avvik og hver avviste fil med grunnen. En rettet "
                "innsending erstatter den forrige, og begge blir stående. Tabeller: `core_innsendinger`, "
                "`core_filer`, `core_avvik`."
            ),
        ),
        *[
            dg.AssetSpec(
                key,
                group_name="reading",
                deps=[innsendinger],
                owners=[OWNER],
                kinds={"duckdb"},
                code_version=versions.validation(),
                description=text,
            )
            for key, text in TABLE_ASSETS.values()
        ],
    ],
    partitions_def=years,
    check_specs=[year_check(name, key, text) for (key, name), text in ACCEPTED_CHECKS.items()],
)
def validerte_innsendinger(context: dg.AssetExecutionContext, settings: Settings):
    year = int(context.partition_key)
    with settings.connect() as con:
        raw = {
            name: warehouse.read_year(con, f"raw_{name}", year)
            for name in ("innsendinger", "felt", *reading.RAW_TABLES)
        }
        files = warehouse.read_year(con, "raw_filer", year)
        history = warehouse.read_year(con, "raw_filhistorikk", year)
        problems = warehouse.read_year(con, "raw_lesefeil", year)
        register = {name: con.execute(f"select * from ref_{name}").df() for name in ("prosjekt", "kommuner")}
    rejected = validation.rejected_when_read(problems, raw["innsendinger"])
    result = validation.validate_year(year, raw, register, rejected)
    subs = result.innsendinger
    issues = [
        (
            r.innsending_id,
            r.sha256,
            Issue(
                r.regel,
                ark=_none(r.ark),
                rad=_none(r.rad),
                felt=_none(r.felt),
                verdi=_none(r.verdi),
                forventet=_none(r.forventet),
                alvor=_none(r.alvor),
            ),
        )
        for r in problems.itertuples(index=False)
    ]
    sha_of = dict(zip(subs["innsending_id"], subs["sha256"]))
    issues += [(sid, sha_of[sid], issue) for sid, issue in result.issues]
    avvik = _issue_frame(issues, files, subs)
    core_filer = _outcomes(files, subs, avvik, history)
    tables = {
        "core_filer": core_filer,
        "core_innsendinger": subs,
        "core_indikatorer": result.indikatorer,
        "core_tiltak": result.tiltak,
        "core_risiko": result.risiko,
        "core_avvik": avvik,
    }
    # what validation would publish, judged before it is written: a failing model writes nothing
    models = {
        (VALIDATED, "pandera_prosjekt"): (accepted.innsendinger(subs), subs),
        (VALIDATED, "pandera_avvik"): (accepted.avvik(subs), avvik),
        (VALIDATED, "alle_filer_gjort_greie_for"): (accepted.filer(history, avvik), core_filer),
        **{
            (key, f"pandera_{t.removeprefix('core_')}"): (getattr(accepted, t.removeprefix("core_"))(subs), tables[t])
            for t, (key, _) in TABLE_ASSETS.items()
        },
    }
    checks = []
    for (key, name), (schema, df) in models.items():
        failed = accepted.failures(schema, df)
        checks.append(
            dg.AssetCheckResult(
                asset_key=key,
                check_name=name,
                passed=failed.empty,
                metadata={
                    "rader_kontrollert": len(df),
                    "feil": len(failed),
                    **({"feil_eksempler": sporing.table(failed, limit=50)} if len(failed) else {}),
                },
            )
        )
    if not all(c.passed for c in checks):
        yield from checks
        raise dg.Failure("Valideringen ville publisert feil i lageret (se sjekkene); ingenting er skrevet.")
    with settings.connect() as con:
        warehouse.replace_year_tables(con, year, tables)
        issue_rows = warehouse.query(con, "sporing/avvik", year)
        rejected_files = warehouse.query(con, "sporing/avviste_filer", year, ikke_lest=sorted(landing.NOT_READ))
    # an entry landing did not read has no issue: its reason is its outcome, as the receipts word it
    not_read = rejected_files["utfall"].isin(landing.NOT_READ)
    rejected_files.loc[not_read, "grunn"] = [
        formatting.text(f"utfall_{u}", "nb") for u in rejected_files["utfall"][not_read]
    ]
    folder = settings.year_dir(year) / "sporing"
    by_rule = avvik.groupby(["regel", "alvorsgrad"]).size().rename("antall").reset_index()
    # input quality is shown, not failed: bad input is normal and already recorded as issues
    input_quality = pd.DataFrame([{"tabell": name, "feil": n} for name, n in result.checks.items()])
    yield dg.MaterializeResult(
        asset_key=VALIDATED,
        metadata={
            "dagster/row_count": int(subs["gjeldende"].sum()) if len(subs) else 0,
            "innsendinger": len(subs),
            "avvik": len(avvik),
            **sporing.traced("avviksliste", issue_rows, folder / "avvik.csv"),
            **sporing.traced("avviste_filer", rejected_files, folder / "avviste_filer.csv"),
            "avvik_per_regel": sporing.table(by_rule),
            "inndata_feil_per_skjemamodell": sporing.table(
                input_quality,
                {"tabell": "Skjemaets pandera-modell", "feil": "Verdier som brøt modellen (registrert som avvik)"},
            ),
            "filer": sporing.table(
                core_filer[["filnavn", "sha256", "mottatt_dato", "utfall", "innsendinger", "avvik"]]
            ),
        },
        data_version=sporing.fingerprint(VALIDATED, year, subs, core_filer, avvik),
    )
    for table, (key, _) in TABLE_ASSETS.items():
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={"dagster/row_count": len(tables[table]), "tabell": table},
            data_version=sporing.fingerprint(key, year, tables[table]),
        )
    yield from checks


def _none(value):
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _issue_frame(issues, files: pd.DataFrame, subs: pd.DataFrame) -> pd.DataFrame:
    name_of = {}
    read = files[files["mottak"] == landing.ARCHIVED]
    for sha, name in zip(read["sha256"], read["filnavn"]):
        name_of.setdefault(sha, name)  # issues belong to the copy that was read, the first to arrive
    project_of = dict(zip(subs["innsending_id"], subs["prosjektnummer"]))
    rows = []
    for sid, sha, issue in issues:
        rec = issue.record()
        rows.append(
            {
                "sha256": sha,
                "filnavn": name_of.get(sha),
                "innsending_id": sid,
                "prosjektnummer": _none(project_of.get(sid)),
                **rec,
            }
        )
    columns = [
        "sha256",
        "filnavn",
        "innsending_id",
        "prosjektnummer",
        "ark",
        "rad",
        "felt",
        "verdi",
        "regel",
        "alvorsgrad",
        "forventet",
        "melding_nb",
        "melding_nn",
    ]
    return pd.DataFrame(rows, columns=columns)


def _outcomes(files: pd.DataFrame, subs: pd.DataFrame, avvik: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """read + partly read + rejected + superseded + duplicate + not read (links, hidden and lock files, …)
    = every file in the inbox; and every earlier version of a name, and every file gone from the inbox,
    stays with its own outcome (`eldre_versjon`, `borte`)."""
    out = files.drop(columns=["aar"]).copy()
    subs_of = dict(tuple(subs.groupby("sha256", sort=False))) if len(subs) else {}
    issues_of = dict(tuple(avvik.groupby("sha256", sort=False))) if len(avvik) else {}
    no_subs, no_issues = subs.iloc[0:0], avvik.iloc[0:0]
    first_of = {}
    outcomes, counts, issue_counts = [], [], []
    for f in out.itertuples(index=False):
        if f.mottak != landing.ARCHIVED:
            outcomes.append(f.mottak)
            counts.append(0)
            issue_counts.append(0)
            continue
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
        elif not accepted["gjeldende"].any():
            outcomes.append("erstattet")
        elif len(accepted) < len(mine) or file_issues["alvorsgrad"].isin([REJECT_ROW, REJECT_FILE]).any():
            outcomes.append("delvis_lest")
        else:
            outcomes.append("lest")
    out["utfall"] = outcomes
    out["innsendinger"] = counts
    out["avvik"] = issue_counts
    version_of = {
        (r.filnavn, _none(r.filnavn_hex)): r.versjon
        for r in history.itertuples(index=False)
        if not r.borte and _none(r.erstattet_av) is None
    }
    out.insert(
        out.columns.get_loc("filnavn_hex") + 1,
        "versjon",
        [version_of.get((r.filnavn, _none(r.filnavn_hex)), 1) for r in out.itertuples(index=False)],
    )
    # versions that are no longer in the inbox: replaced under the same name, or the file removed
    earlier = history[history["borte"].astype(bool) | history["erstattet_av"].notna()].copy()
    earlier["utfall"] = ["borte" if _none(e) is None else "eldre_versjon" for e in earlier["erstattet_av"]]
    earlier["innsendinger"] = 0
    earlier["avvik"] = 0
    earlier = earlier[[c for c in out.columns]]
    both = pd.concat([out, earlier], ignore_index=True) if len(earlier) else out
    return both.sort_values(["filnavn", "versjon"], kind="stable", ignore_index=True)
