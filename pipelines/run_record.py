"""The run's own record: `OUT/Y/run.json`, written by the run it describes, however it was started.

The yearly job ends with the asset `reports/kjoring`, which writes the record of a run that got
that far; a step that fails writes it through the job's failure hook, with `vellykket: false` and the
step. So a run from `samanom run`, the UI, the inbox sensor or the schedule each leaves its record,
and no other process writes one. A run of some of a year's assets only (the UI's «Materialize» of the
annual report, say) has neither that asset nor the hook: its record is written as its resources close
(`after_run`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg
import duckdb

from pipelines import warehouse


def summary(settings, year: int, run_id: str, success: bool, failed_step: str | None = None) -> dict:
    counts: dict = {"aar": year, "dagster_run_id": run_id, "vellykket": success}
    if failed_step:
        counts["feilet_steg"] = failed_step
    if not settings.database.exists():
        return counts
    try:
        with warehouse.connect(settings.database, read_only=True) as con:
            counts.update({k: int(v) for k, v in warehouse.query(con, "reports/kjoring_tall", year).iloc[0].items()})
            counts["filer_utfall"] = {
                r.utfall: int(r.filer) for r in warehouse.query(con, "reports/filer_etter_utfall", year).itertuples()
            }
    except (duckdb.CatalogException, duckdb.IOException):  # a table a failed run never wrote; a busy file
        pass
    except (duckdb.Error, warehouse.WarehouseDamaged):  # held by another process (the UI), or damaged
        counts["lager"] = "kunne ikke leses etter kjøringen"
    letters = settings.year_dir(year) / "brev"
    counts["brev"] = len(list(letters.glob("*.pdf"))) if letters.is_dir() else 0
    receipts = settings.year_dir(year) / "kvitteringer"
    counts["kvitteringer"] = len(list(receipts.glob("*.pdf"))) if receipts.is_dir() else 0
    return counts


def write(settings, year: int, record: dict) -> Path:
    path = settings.year_dir(year) / "run.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".run.json.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


@dg.failure_hook(required_resource_keys={"settings"})
def skriv_feilet_kjoring(context: dg.HookContext) -> None:
    """A failed step records the run as failed: the run it describes writes its run.json."""
    run = context.instance.get_run_by_id(context.run_id)
    partition = run.tags.get("dagster/partition") if run else None
    if not partition:
        return
    settings = context.resources.settings
    write(settings, int(partition), summary(settings, int(partition), context.run_id, False, context.step_key))


#: the jobs whose last asset (`reports/kjoring`) or failure hook writes the record
JOBS_WITH_RECORD = ("aarskjoring", "innboks_kjoring")
RECORD_ASSET = dg.AssetKey(["reports", "kjoring"])


def after_run(settings, instance, run_id: str | None) -> Path | None:
    """The record of a run of some assets of a year, outside the jobs that write their own, as the run ends:
    failed where one of its steps failed. Nothing for a run without a year, or one that wrote its record."""
    run = instance.get_run_by_id(run_id) if instance is not None and run_id else None
    if run is None or run.job_name in JOBS_WITH_RECORD or not run.tags.get("dagster/partition"):
        return None
    year = int(run.tags["dagster/partition"])
    materialized = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    if any(r.event_log_entry.dagster_event.asset_key == RECORD_ASSET for r in materialized):
        return None
    failures = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_FAILURE).records
    failed_step = failures[0].event_log_entry.step_key if failures else None
    return write(settings, year, summary(settings, year, run_id, not failures, failed_step))
