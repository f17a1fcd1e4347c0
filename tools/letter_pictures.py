"""Pictures of one letter of each kind for the README (docs/img/brev-<kind>.png), from a run's warehouse.

    python -m tools.letter_pictures --out output --years 2013,2014

Each kind is the first project (by number) whose letter is of that kind, in its own language form; the
first page is drawn with pdftoppm at a small resolution.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

import duckdb

from pipelines.documents import pdf, report_context
from pipelines.paths import REGISTER_DIR

REPO = Path(__file__).resolve().parents[1]
KINDS = {
    "mottatt": lambda c: (
        c["variant"] == "i_tide" and c["form"] == "nb" and not c["deltakarar"] and not c["delvis_lest"]
    ),
    "for-sent": lambda c: c["variant"] == "for_sent",
    "paaminnelse": lambda c: c["variant"] == "mangler",
    "avvist": lambda c: c["variant"] == "avvist",
    "ulesbar": lambda c: c["variant"] == "ulesbar",
    "delvis-lest": lambda c: c["delvis_lest"],
    "erstattet": lambda c: any(f["utfall_brev"] == "erstattet" for f in c["mottekne"]),
    "tilbakebetaling": lambda c: any(f["kode"] == "tilbakebetaling" for f in c["funn"]),
    "kopi": lambda c: bool(c["deltakarar"]),
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=REPO / "output")
    ap.add_argument("--years", default="2013,2014")
    ap.add_argument("--img", type=Path, default=REPO / "docs" / "img")
    args = ap.parse_args(argv)
    found: dict[str, dict] = {}
    with duckdb.connect(str(args.out / "samanom.duckdb"), read_only=True) as con:
        for year in (int(y) for y in args.years.split(",")):
            base = report_context.common(
                year, "nb", report_context.report_date(con, year, ""), "-", "-", "utkast", True
            )
            for ctx in report_context.letters(con, year, base, "", REGISTER_DIR):
                for kind, test in KINDS.items():
                    if kind not in found and test(ctx):
                        found[kind] = ctx
    missing = [kind for kind in KINDS if kind not in found]
    if missing:  # a kind the run's letters do not have (or a test above that no longer matches)
        print("no letter of kind:", ", ".join(missing))
        return 1
    args.img.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for kind, ctx in found.items():
            letter = Path(tmp) / f"{kind}.pdf"
            pdf.render_pdf("brev.html.j2", ctx, ctx["form"], letter)
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "45",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-singlefile",
                    str(letter),
                    str(args.img / f"brev-{kind}"),
                ],
                check=True,
            )
            print(kind, ctx["aar"], ctx["prosjekt"]["prosjektnummer"], ctx["form"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
