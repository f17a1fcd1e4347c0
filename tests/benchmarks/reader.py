"""The project's reader against plain pandas + openpyxl on the bundled inbox, same files, same run.

    python -m tests.benchmarks.reader [--inbox data/inbox/2013] [--repeat 5] [--json out.json]

For every .xlsx file of the inbox it times `reading.read_file(path, landing.sniff_format(path))` (python-calamine,
plus the percentage-style pass over the package XML) and `pandas.read_excel(path, sheet_name=None,
engine="openpyxl")`. The two are interleaved file by file and repeated, and the best and the median pass of
each are reported; the ratio is openpyxl's median pass over the reader's.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

from pipelines import landing, reading

ROOT = Path(__file__).resolve().parents[2]


def _samanom(path: Path) -> None:
    result = reading.read_file(path, landing.sniff_format(path))
    if result.rejected and not result.submissions:
        pass  # a broken file costs what it costs; it is still timed


def _openpyxl(path: Path) -> None:
    try:
        pd.read_excel(path, sheet_name=None, engine="openpyxl")
    except Exception:  # the inbox holds files broken on purpose; openpyxl raises where the reader records
        pass


READERS = {"samanom (python-calamine)": _samanom, "pandas.read_excel (openpyxl)": _openpyxl}


def run(files: list[Path], repeat: int) -> dict:
    passes: dict[str, list[float]] = {name: [] for name in READERS}
    for fn in READERS.values():  # warm-up: imports, caches
        for path in files[:3]:
            fn(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(repeat):
            totals = dict.fromkeys(READERS, 0.0)
            for path in files:
                for name, fn in READERS.items():
                    start = time.perf_counter()
                    fn(path)
                    totals[name] += time.perf_counter() - start
            for name, total in totals.items():
                passes[name].append(total)
    summary = {
        name: {
            "median_s": statistics.median(t),
            "best_s": min(t),
            "passes_s": t,
            "per_file_ms": 1000 * statistics.median(t) / len(files),
        }
        for name, t in passes.items()
    }
    a, b = (summary[n]["median_s"] for n in READERS)
    return {
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "repeat": repeat,
        "readers": summary,
        "ratio_openpyxl_over_samanom": b / a,
        "python": platform.python_version(),
        "pandas": pd.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inbox", type=Path, default=ROOT / "data" / "inbox" / "2013")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    files = sorted(p for p in args.inbox.rglob("*.xlsx") if p.is_file())
    if not files:
        print(f"no .xlsx files in {args.inbox}", file=sys.stderr)
        return 1
    result = run(files, args.repeat)
    result["inbox"] = str(args.inbox)
    print(
        f"{result['files']} .xlsx files ({result['bytes'] / 1024:.0f} KiB) from {args.inbox}, "
        f"{args.repeat} passes each, interleaved"
    )
    print(f"{'reader':32} {'median pass':>12} {'best pass':>10} {'per file':>10}")
    for name, s in result["readers"].items():
        print(f"{name:32} {s['median_s']:>11.3f}s {s['best_s']:>9.3f}s {s['per_file_ms']:>8.1f}ms")
    print(f"ratio (openpyxl / samanom, median pass): {result['ratio_openpyxl_over_samanom']:.1f}x")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
