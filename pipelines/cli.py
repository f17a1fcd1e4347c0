"""The `samanom` command: run a year, start the UI, write the blank form, make a sample inbox."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

from pipelines.paths import DEFAULT_INBOX, DEFAULT_OUT
from schemas.form import FORMS, YEARS


def _instance_home(out: Path) -> Path:
    """Run history lives beside the outputs, so `samanom ui --out DIR` shows what `samanom run` did."""
    home = (out / ".dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text(encoding="utf-8") in _EARLIER_INSTANCE_CONFIGS:
        config.write_text(INSTANCE_CONFIG, encoding="utf-8")
    return home


# DuckDB allows one writer: runs that the sensor or a back-fill starts wait for each other. With one run at
# a time, a run that never left «starting» (its process died before it began) would hold the queue:
# Dagster's run monitoring fails it after three minutes. A run that died once started is failed by the
# `opprydding` sensor (pipelines/sensors.py), which the default run launcher's monitoring cannot do.
INSTANCE_CONFIG = (
    "telemetry:\n  enabled: false\nconcurrency:\n  runs:\n    max_concurrent_runs: 1\n"
    "run_monitoring:\n  enabled: true\n  start_timeout_seconds: 180\n"
)
# what earlier versions wrote, replaced by the current one (a file the secretariat edited is left alone)
_EARLIER_INSTANCE_CONFIGS = ("telemetry:\n  enabled: false\nconcurrency:\n  runs:\n    max_concurrent_runs: 1\n",)


def _settings(args):
    """The run's settings from the command's arguments (what a command does not ask for comes from the
    environment or the defaults, as in the code location)."""
    from pipelines.resources import settings

    return settings(
        inbox=str(Path(args.inbox).resolve()),
        out=str(Path(args.out).resolve()),
        rapportdato=(args.date or "") if hasattr(args, "date") else None,
        status=getattr(args, "status", None),
        form=getattr(args, "form", None),
        tom_innboks_ok=getattr(args, "tom_innboks_ok", None),
    )


def _environment(args) -> dict[str, str]:
    """The variables that give Dagster's processes (the code location, the sensor) the same settings."""
    from pipelines.resources import environment

    return {**environment(_settings(args)), "DAGSTER_HOME": str(_instance_home(Path(args.out)))}


def _before_run(args, out: Path) -> None:
    """Everything checked before anything is written: the output folder, the one run per folder, the
    warehouse's health, the inbox; then runs left «started» by a killed process are marked failed."""
    from pipelines import landing, runs, warehouse

    year_dir = Path(args.inbox).resolve() / str(args.year)
    missing = landing.inbox_problem(year_dir, 0, args.tom_innboks_ok)  # a wrong --inbox: stop before writing
    if missing:
        raise runs.Stop(missing)
    runs.check_writable(out)
    runs.take_lock(out)
    database = out / "samanom.duckdb"
    warehouse.check_integrity(database)
    had = 0
    if database.exists():
        with warehouse.connect(database, read_only=True) as con:
            if con.execute("select count(*) from information_schema.tables where table_name = 'raw_filer'").fetchone()[
                0
            ]:
                had = con.execute(
                    "select count(*) from raw_filer where aar = ? and mottak = ?", [args.year, landing.ARCHIVED]
                ).fetchone()[0]
    problem = landing.inbox_problem(year_dir, had, args.tom_innboks_ok)
    if problem:
        raise runs.Stop(problem)


def run(args) -> int:
    out = Path(args.out).resolve()
    _before_run(args, out)
    os.environ.update(_environment(args))
    import dagster as dg

    from pipelines import progress, run_record, runs
    from pipelines.definitions import defs

    settings = _settings(args)
    instance = dg.DagsterInstance.get()
    for run_id in runs.fail_abandoned_runs(instance):
        print(f"samanom: kjøringen {run_id} ble avbrutt uten å avslutte; den er nå markert som feilet.")
    # The same job the UI, the sensor and the schedule launch, so the run is one of the job's runs
    # there; the run's own last step (or its failure hook) writes run.json.
    job = defs.resolve_job_def("aarskjoring")
    # the event log goes to the run storage (the UI shows it); the terminal gets a line per stage
    run_id = str(uuid.uuid4())  # known before the run starts, so the listener can follow it (as Dagster makes them)
    shown = progress.Progress(defs.resolve_asset_graph().get_all_asset_keys())
    instance.add_event_listener(run_id, shown)
    print(f"samanom {args.year}: kjører årets syklus (Dagster-kjøring {run_id})", flush=True)
    result = job.execute_in_process(
        instance=instance,
        partition_key=str(args.year),
        raise_on_error=False,
        run_id=run_id,
        run_config={
            "resources": {"settings": {"config": settings.model_dump()}},
            "loggers": progress.VERBOSE if getattr(args, "verbose", False) else progress.QUIET,
        },
        tags={
            "samanom/aar": str(args.year),
            "samanom/kilde": "samanom run",
            runs.PROCESS_TAG: runs.this_process(),
            **_repository_tag(),
        },
    )
    shown.finish()
    summary = run_record.summary(settings, args.year, result.run_id, result.success)
    _print_summary(summary, out)
    if result.success:
        from pipelines import warehouse

        warehouse.backup(settings.database)  # the last good warehouse, named by the message if it is damaged
    else:
        reason = runs.explain_failure(result, out)
        if reason:
            print(f"samanom: {reason}", file=sys.stderr)
    runs.release_lock(out)
    return 0 if result.success else 1


def _repository_tag() -> dict[str, str]:
    """The tag by which the UI lists a run under its code location's job (as runs it launches carry)."""
    from dagster._core.storage.tags import REPOSITORY_LABEL_TAG

    return {REPOSITORY_LABEL_TAG: "__repository__@pipelines.definitions"}


# What the summary prints, in the order printed: run.json's key and the words a secretariat reads.
SUMMARY_LINES = (
    ("filer", "filer i innboksen"),
    ("innsendinger_leste", "innsendinger lest"),
    ("innsendinger_godkjente", "  godkjent"),
    ("innsendinger_avviste", "  avvist"),
    ("avvik", "avvik registrert"),
    ("aktive_prosjekt", "aktive prosjekter"),
    ("brev", "oppfølgingsbrev"),
    ("kvitteringer", "kvitteringer"),
)


def _print_summary(s: dict, out: Path) -> None:
    year = s["aar"]
    print(f"samanom {year}: {'ferdig' if s['vellykket'] else 'FEILET — se Dagster-loggen (samanom ui)'}")
    print(f"  {'Dagster-kjøring':<24} {s['dagster_run_id']}")
    for key, label in SUMMARY_LINES:
        if key in s:
            print(f"  {label:<24} {s[key]}")
    if s.get("filer_utfall"):
        print(f"  {'filer etter utfall':<24} " + ", ".join(f"{k}: {v}" for k, v in s["filer_utfall"].items()))
    if s["vellykket"]:  # a failed run names no report it did not write
        print(f"  {'årsrapport':<24} {out / str(year) / f'arsrapport-{year}.pdf'}")
        print(f"  {'brev':<24} {out / str(year) / 'brev'}")
    print(f"  {'lager (DuckDB)':<24} {out / 'samanom.duckdb'}")


def ui(args) -> int:
    env = {**os.environ, **_environment(args)}
    cmd = [
        sys.executable,
        "-m",
        "dagster",
        "dev",
        "-m",
        "pipelines.definitions",
        "-h",
        "127.0.0.1",
        "-p",
        str(args.port),
    ]
    print(f"Dagster UI: http://127.0.0.1:{args.port}  (run history in {env['DAGSTER_HOME']})")
    # `dagster dev` does not end its children on SIGTERM: it runs in its own process group, and a
    # SIGTERM or Ctrl-C to `samanom ui` ends that whole group
    child = subprocess.Popen(cmd, env=env, start_new_session=True)

    def stop(signum, _frame):
        _end_group(child)
        raise SystemExit(128 + signum)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        return child.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        _end_group(child)


def _end_group(child: subprocess.Popen, grace: float = 10.0) -> None:
    try:
        os.killpg(child.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        child.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(child.pid, signal.SIGKILL)  # what is left of the group after the grace period
    except ProcessLookupError:
        pass


def template(args) -> int:
    from tools.form_writer import FormatNotOffered, write_blank_form

    try:
        write_blank_form(args.year, args.form, Path(args.out))
    except FormatNotOffered as exc:
        print(f"samanom: {exc}", file=sys.stderr)
        return 2
    print(f"Rapportskjema {args.year} ({args.form}): {args.out}")
    return 0


def sample(args) -> int:
    from tools.sample_inbox import generate_inbox

    first, _, last = args.years.partition("-")
    years = range(int(first), int(last or first) + 1)
    manifest = generate_inbox(Path(args.out), years, seed=args.seed, scale=args.scale)
    print(
        f"Eksempelinnboks i {args.out}: {len(manifest['submissions'])} innsendinger, "
        f"{len(manifest['defects'])} planta feil, {len(manifest['missing'])} manglande rapportar"
    )
    return 0


def _iso_date(text: str) -> str:
    import datetime as dt

    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"«{text}» er ikke en gyldig dato; skriv den som ÅÅÅÅ-MM-DD, for eksempel 2014-03-03"
        ) from None
    if len(text) != 10:
        raise argparse.ArgumentTypeError(f"«{text}»: skriv datoen som ÅÅÅÅ-MM-DD, for eksempel 2014-03-03")
    from pipelines import workdays

    refused = workdays.refused_date(dt.date.fromisoformat(text))  # refused here, not after the run rewrote the year
    if refused:
        raise argparse.ArgumentTypeError(refused)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="samanom", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="materialise one reporting year through Dagster")
    p.add_argument("--year", type=int, required=True, choices=list(YEARS))
    p.add_argument("--inbox", default=str(DEFAULT_INBOX))
    p.add_argument("--out", default=str(DEFAULT_OUT))
    p.add_argument(
        "--date",
        type=_iso_date,
        help="the one date of the year's documents (YYYY-MM-DD, a working day); default: the "
        "first working day after the later of the reporting deadline and the last file "
        "received for the year",
    )
    p.add_argument(
        "--tom-innboks-ok",
        action="store_true",
        help="allow an empty year folder to replace a year that had files (it empties the year)",
    )
    p.add_argument(
        "--status",
        default="utkast",
        choices=["utkast", "endelig"],
        help="utkast: letters are drafts, rewritten on every run; endelig: dispatch the batch (each "
        "letter gets its journal number and is archived, never to be rewritten)",
    )
    p.add_argument(
        "--form",
        default="nb",
        choices=list(FORMS),
        help="language form of the annual report (letters follow each municipality's own choice)",
    )
    p.add_argument(
        "--verbose",
        action="store_true",
        help="print Dagster's whole event log as well (it is always kept in the run history)",
    )
    p.set_defaults(func=run)

    p = sub.add_parser("ui", help="start the Dagster UI over the same code and run history")
    p.add_argument("--port", type=int, default=3000)
    p.add_argument("--inbox", default=str(DEFAULT_INBOX))
    p.add_argument("--out", default=str(DEFAULT_OUT))
    p.set_defaults(func=ui)

    p = sub.add_parser("template", help="write the blank reporting form")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--form", choices=list(FORMS), default="nb")
    p.add_argument("--out", required=True)
    p.set_defaults(func=template)

    p = sub.add_parser("sample", help="write a deterministic sample inbox")
    p.add_argument("--years", default="2012-2015")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=2013)
    p.add_argument("--scale", type=int, default=1)
    p.set_defaults(func=sample)

    args = parser.parse_args(argv)
    return _clear_errors(args)


def _clear_errors(args) -> int:
    """Every failure ends as one or two Norwegian lines and a non-zero exit, never a traceback."""
    from pipelines import runs, warehouse

    out = Path(getattr(args, "out", ".")).resolve()
    try:
        return args.func(args)
    except runs.Stop as stop:
        print(f"samanom: {stop}", file=sys.stderr)
        return stop.code
    except warehouse.WarehouseDamaged as exc:
        print(f"samanom: {exc}", file=sys.stderr)
        return 4
    except OSError as exc:
        print(f"samanom: {runs.explain_os_error(exc, out)}", file=sys.stderr)
        return 5
    except Exception as exc:
        if warehouse.is_lock_error(exc):
            print(
                f"samanom: Lageret i {out} er i bruk av en annen prosess (for eksempel en kjøring fra samanom ui).\n"
                "Vent til den er ferdig, og prøv igjen.",
                file=sys.stderr,
            )
            return 3
        if any(
            t in str(exc) for t in ("disk I/O error", "disk is full", "No space left")
        ):  # sqlite (run history) on a full disk
            import errno as _errno
            import shutil

            if shutil.disk_usage(out if out.exists() else out.parent).free < 16 * 1024 * 1024:
                print(
                    f"samanom: {runs.explain_os_error(OSError(_errno.ENOSPC, 'No space left on device'), out)}",
                    file=sys.stderr,
                )
                return 5
        raise
    finally:
        if hasattr(args, "out"):
            runs.release_lock(out)


if __name__ == "__main__":
    sys.exit(main())
