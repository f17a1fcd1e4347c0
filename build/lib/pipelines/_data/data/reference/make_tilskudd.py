"""Generate tilskudd.csv (SAMPLE grant amounts) from prosjekt.csv and prosjekt_kommuner.csv.

The seeds give no grant amounts, so every amount here is invented (eksempeldata=ja).
Deterministic, standard library only: run `python data/reference/make_tilskudd.py`
and the same tilskudd.csv comes out byte for byte. The CSV is the source of truth;
this script only documents how its sample amounts were made.

Rules
- one row per project and active year forste_aar..siste_aar;
- amount = 200 000 + 10 000 * (sha256("<prosjektnummer>:<aar>") mod 41), i.e. 200 000-600 000
  in steps of 10 000, plus 100 000 for each participating municipality beyond the lead;
- reporting deadline for year Y is 31 January Y+1, except 2015, due 2015-11-01;
- conditions (vilkaar) in bokmål; the project's last year also says unspent funds are paid back.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASE, STEP, STEPS, PER_EXTRA = 200_000, 10_000, 41, 100_000
VILKAAR = "Utbetaling forutsetter Stortingets bevilgning og framdrift i prosjektet; rapport innen fristen."
VILKAAR_SISTE = (
    "Siste tilskuddsår. Utbetaling forutsetter Stortingets bevilgning og framdrift i prosjektet; "
    "sluttrapport innen fristen; ubrukte midler betales tilbake."
)
COLUMNS = ["prosjektnummer", "aar", "innvilget_kr", "rapporteringsfrist", "vilkaar", "eksempeldata"]


def frist(aar: int) -> str:
    return "2015-11-01" if aar == 2015 else f"{aar + 1}-01-31"


def belop(prosjektnummer: str, aar: int, antall_kommuner: int) -> int:
    h = int.from_bytes(hashlib.sha256(f"{prosjektnummer}:{aar}".encode()).digest()[:8], "big")
    return BASE + STEP * (h % STEPS) + PER_EXTRA * (antall_kommuner - 1)


def rows() -> list[dict[str, str]]:
    with open(HERE / "prosjekt_kommuner.csv", encoding="utf-8", newline="") as f:
        antall = Counter(r["prosjektnummer"] for r in csv.DictReader(f))
    with open(HERE / "prosjekt.csv", encoding="utf-8", newline="") as f:
        prosjekt = sorted(csv.DictReader(f), key=lambda r: r["prosjektnummer"])
    out = []
    for p in prosjekt:
        forste, siste = int(p["forste_aar"]), int(p["siste_aar"])
        for aar in range(forste, siste + 1):
            out.append({
                "prosjektnummer": p["prosjektnummer"],
                "aar": str(aar),
                "innvilget_kr": str(belop(p["prosjektnummer"], aar, antall[p["prosjektnummer"]])),
                "rapporteringsfrist": frist(aar),
                "vilkaar": VILKAAR_SISTE if aar == siste else VILKAAR,
                "eksempeldata": "ja",
            })
    return out


def main() -> None:
    with open(HERE / "tilskudd.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows())


if __name__ == "__main__":
    main()
