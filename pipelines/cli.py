"""The `samanom` command: run a year, start the UI, write the blank form, make a sample inbox."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from pipelines.paths import DEFAULT_INBOX, DEFAULT_OUT


def _instance_home(out: Path) -> Path:
    """Run history lives beside the outputs, so `samanom ui --out DIR` shows what `samanom run` did."""
    home = (out / ".dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        # DuckDB allows one writer: runs that the sensor or a back-fill starts wait for each other
        config.write_text("telemetry:\n  enabled: false\nconcurrency:\n  runs:\n    max_concurrent_runs: 1\n",
                          encoding="utf-8")
    return home


def _environment(args) -> dict[str, str]:
    env = {"SAMANOM_INBOX": str(Path(args.inbox).resolve()), "SAMANOM_OUT": str(Path(args.out).resolve()),
           "DAGSTER_HOME": str(_instance_home(Path(args.out)))}
    if getattr(args, "date", None):
        env["SAMANOM_RAPPORTDATO"] = args.date
    if getattr(args, "status", None):
        env["SAMANOM_STATUS"] = args.status
    if getattr(args, "form", None):
        env["SAMANOM_FORM"] = args.form
    return env


def run(args) -> int:
    os.environ.update(_environment(args))
    import dagster as dg

    from pipelines.definitions import defs, yearly_assets
    from pipelines.resources import Settings

    out = Path(args.out).resolve()
    settings = Settings(inbox=os.environ["SAMANOM_INBOX"], out=str(out),
                        rapportdato=args.date or "", status=args.status, form=args.form)
    instance = dg.DagsterInstance.get()
    assets = list(defs.assets)
    register_keys = [k for a in assets for k in a.keys if k.path[0] == "register"]
    yearly_keys = [k for a in yearly_assets for k in a.keys]
    tags = {"samanom/aar": str(args.year)}
    result = dg.materialize(assets, selection=register_keys, instance=instance,
                            resources={"settings": settings}, tags=tags, raise_on_error=False)
    if result.success:
        result = dg.materialize(assets, selection=yearly_keys, partition_key=str(args.year), instance=instance,
                                resources={"settings": settings}, tags=tags, raise_on_error=False)
    summary = _summary(settings, args.year, result.run_id, result.success)
    (out / str(args.year)).mkdir(parents=True, exist_ok=True)
    (out / str(args.year) / "run.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
                                                   encoding="utf-8")
    _print_summary(summary, out)
    return 0 if result.success else 1


def _summary(settings, year: int, run_id: str, success: bool) -> dict:
    import duckdb

    from pipelines import warehouse

    counts: dict = {"aar": year, "dagster_run_id": run_id, "vellukka": success}
    if not settings.database.exists():
        return counts
    with warehouse.connect(settings.database, read_only=True) as con:
        try:
            counts.update({k: int(v) for k, v in warehouse.query(con, "reports/koeyring_tal", year).iloc[0].items()})
            counts["filer_utfall"] = {r.utfall: int(r.filer) for r in
                                      warehouse.query(con, "reports/filer_etter_utfall", year).itertuples()}
        except duckdb.CatalogException:  # a table a failed run never wrote
            pass
    letters = settings.year_dir(year) / "brev"
    counts["brev"] = len(list(letters.glob("*.pdf"))) if letters.is_dir() else 0
    return counts


def _print_summary(s: dict, out: Path) -> None:
    year = s["aar"]
    print(f"samanom {year}: {'ferdig' if s['vellukka'] else 'FEILA — sjå Dagster-loggen (samanom ui)'}")
    for key in ("filer", "innsendingar_lesne", "innsendingar_godkjende", "innsendingar_avviste", "avvik",
                "aktive_prosjekt", "brev"):
        if key in s:
            print(f"  {key:<24} {s[key]}")
    if s.get("filer_utfall"):
        print("  filer etter utfall       " + ", ".join(f"{k}: {v}" for k, v in s["filer_utfall"].items()))
    print(f"  årsrapport               {out / str(year) / f'arsrapport-{year}.pdf'}")
    print(f"  brev                     {out / str(year) / 'brev'}")
    print(f"  lager (DuckDB)           {out / 'samanom.duckdb'}")


def ui(args) -> int:
    env = {**os.environ, **_environment(args)}
    cmd = [sys.executable, "-m", "dagster", "dev", "-m", "pipelines.definitions", "-h", "127.0.0.1",
           "-p", str(args.port)]
    print(f"Dagster UI: http://127.0.0.1:{args.port}  (run history in {env['DAGSTER_HOME']})")
    return subprocess.call(cmd, env=env)


def template(args) -> int:
    from tools.form_writer import write_blank_form

    write_blank_form(args.year, args.form, Path(args.out))
    print(f"Rapportskjema {args.year} ({args.form}): {args.out}")
    return 0


def sample(args) -> int:
    from tools.sample_inbox import generate_inbox

    first, _, last = args.years.partition("-")
    years = range(int(first), int(last or first) + 1)
    manifest = generate_inbox(Path(args.out), years, seed=args.seed, scale=args.scale)
    print(f"Eksempelinnboks i {args.out}: {len(manifest['submissions'])} innsendingar, "
          f"{len(manifest['defects'])} planta feil, {len(manifest['missing'])} manglande rapportar")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="samanom", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="materialise one reporting year through Dagster")
    p.add_argument("--year", type=int, required=True, choices=[2012, 2013, 2014, 2015])
    p.add_argument("--inbox", default=str(DEFAULT_INBOX))
    p.add_argument("--out", default=str(DEFAULT_OUT))
    p.add_argument("--date", help="the report date printed on the documents (YYYY-MM-DD); default: the last "
                                  "file received for the year")
    p.add_argument("--status", default="utkast", choices=["utkast", "endeleg"])
    p.add_argument("--form", default="nb", choices=["nb", "nn"],
                   help="language form of the annual report (letters follow each municipality's own choice)")
    p.set_defaults(func=run)

    p = sub.add_parser("ui", help="start the Dagster UI over the same code and run history")
    p.add_argument("--port", type=int, default=3000)
    p.add_argument("--inbox", default=str(DEFAULT_INBOX))
    p.add_argument("--out", default=str(DEFAULT_OUT))
    p.set_defaults(func=ui)

    p = sub.add_parser("template", help="write the blank reporting form")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--form", choices=["nb", "nn"], default="nb")
    p.add_argument("--out", required=True)
    p.set_defaults(func=template)

    p = sub.add_parser("sample", help="write a deterministic sample inbox")
    p.add_argument("--years", default="2012-2015")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=2013)
    p.add_argument("--scale", type=int, default=1)
    p.set_defaults(func=sample)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
