"""Generate the secretariat's SAMPLE ledger: utbetalinger.csv, overforinger.csv, tilbakebetalinger.csv.

The seeds give no payments, so every posting here is invented (eksempeldata=ja). It is the
secretariat's own record, as exported from the state accounting system: one row per posting.
The sample follows the bundled inbox: run `python data/reference/make_regnskap.py`
(deterministic, standard library plus the project's own rule table) after changing the register
or regenerating the inbox. tests/test_ledger.py fails while the committed files are not what this
makes of them (a real export replaces the files and is never regenerated).

Rules (the programme's, applied to the register and to the bundled inbox's manifest):
- payment: the first year's grant is paid on 15 February of that year; a later year's grant is paid
  14 days after the first usable report for the previous year came in (not before 15 February),
  and not at all if none came in during the grant year; never after a report that says the project
  has ended; moved to the next weekday;
- transfer: every other project (by a hash of project and year) whose unspent funds for a running
  year reach the materiality threshold applied with its report and was granted a transfer of all of
  it to the next year, decided 21 days after the report came in;
- repayment: every third ended project whose final report shows unspent funds paid them back on its
  own initiative 10 days after the report, one in three of those only half of it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))
from pipelines.issues import REJECT_FILE, RULES  # noqa: E402  (which planted defects reject a report)

MANIFEST = REPO / "data" / "inbox" / "manifest.json"
KAPITTEL_POST = "0500.60"  # sample chapter and item of the state budget the grants are paid from
PAYMENT_COLUMNS = ["bilag", "dato", "prosjektnummer", "aar", "belop_kr", "kapittel_post", "tekst", "eksempeldata"]
TRANSFER_COLUMNS = ["vedtak", "dato", "prosjektnummer", "fra_aar", "til_aar", "belop_kr", "tekst", "eksempeldata"]
REPAYMENT_COLUMNS = ["bilag", "dato", "prosjektnummer", "aar", "belop_kr", "kid", "tekst", "eksempeldata"]


def _csv(name: str) -> list[dict[str, str]]:
    with open(HERE / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def kid(aar: int, prosjektnummer: str) -> str:
    """KID: grant year, pool and project number, with a MOD10 (Luhn) check digit."""
    pulje, nummer = prosjektnummer[1:].split("-")
    digits = f"{aar}{int(pulje)}{int(nummer):02d}"
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return digits + str((10 - total % 10) % 10)


def reports(manifest: dict) -> dict[tuple[str, int], list[dict]]:
    """Usable reports per (project, year), in order of arrival: a report with a defect that rejects
    the whole submission does not count as received."""
    out: dict[tuple[str, int], list[dict]] = {}
    for s in manifest["submissions"]:
        if s["prosjekt"] is None or any(RULES.get(d, ("",))[0] == REJECT_FILE for d in s["defects"]):
            continue
        out.setdefault((s["prosjektnummer"], int(s["year"])), []).append(s)
    for subs in out.values():
        subs.sort(key=lambda s: (s["received"], s["file"]))
    return out


def payment_date(forste_aar: int, aar: int, previous: list[dict]) -> date | None:
    earliest = date(aar, 2, 15)
    if aar == forste_aar:
        return weekday_on_or_after(earliest)
    if not previous:
        return None
    if previous[-1]["prosjekt"].get("status") == "avsluttet":
        return None
    day = weekday_on_or_after(max(date.fromisoformat(previous[0]["received"]) + timedelta(days=14), earliest))
    return day if day.year == aar else None


def ledger(register: dict, manifest: dict, threshold: int) -> tuple[list[dict], list[dict], list[dict]]:
    prosjekt = {p["prosjektnummer"]: p for p in register["prosjekt"]}
    grants = sorted(register["tilskudd"], key=lambda t: (t["prosjektnummer"], int(t["aar"])))
    got = reports(manifest)
    payments, transfers, repayments = [], [], []
    paid: dict[tuple[str, int], int] = {}
    moved_in: dict[tuple[str, int], int] = {}
    rest: dict[str, int] = {}  # per project: unspent and not transferred over the years so far
    for t in grants:
        pnr, aar = t["prosjektnummer"], int(t["aar"])
        p = prosjekt[pnr]
        forste, siste = int(p["forste_aar"]), int(p["siste_aar"])
        day = payment_date(forste, aar, got.get((pnr, aar - 1), []))
        if day is not None:
            paid[(pnr, aar)] = int(t["innvilget_kr"])
            payments.append({"dato": day.isoformat(), "prosjektnummer": pnr, "aar": str(aar),
                             "belop_kr": t["innvilget_kr"], "kapittel_post": KAPITTEL_POST,
                             "tekst": f"Tilskudd {aar} Saman om ein betre kommune {pnr}", "eksempeldata": "ja"})
        this_year = got.get((pnr, aar), [])
        if not this_year:
            continue
        current = this_year[-1]  # a corrected report supersedes the first
        unspent = paid.get((pnr, aar), 0) + moved_in.get((pnr, aar), 0) - int(current["prosjekt"]["forbruk"] or 0)
        received = date.fromisoformat(current["received"])
        ends = aar == siste or current["prosjekt"].get("status") == "avsluttet"
        if not ends and unspent >= threshold and _hash(f"{pnr}:{aar}:overforing") % 2 == 0:
            moved_in[(pnr, aar + 1)] = unspent
            transfers.append({"dato": weekday_on_or_after(received + timedelta(days=21)).isoformat(),
                              "prosjektnummer": pnr, "fra_aar": str(aar), "til_aar": str(aar + 1),
                              "belop_kr": str(unspent), "tekst": f"Godkjent overføring {aar}–{aar + 1} {pnr}",
                              "eksempeldata": "ja"})
            unspent = 0
        rest[pnr] = rest.get(pnr, 0) + max(unspent, 0)
        # the 2015 report covers January–October only: the settlement waits for the final account
        settles_now = ends and t["rapporteringsfrist"] > f"{aar}-12-31"
        if settles_now and rest[pnr] > 0 and _hash(f"{pnr}:tilbakebetaling") % 3 == 0:
            amount = rest[pnr] if _hash(f"{pnr}:delvis") % 3 else rest[pnr] // 2
            repayments.append({"dato": weekday_on_or_after(received + timedelta(days=10)).isoformat(),
                               "prosjektnummer": pnr, "aar": str(aar), "belop_kr": str(amount),
                               "kid": kid(aar, pnr), "tekst": f"Tilbakebetaling ubrukt tilskudd {pnr}",
                               "eksempeldata": "ja"})
    for rows, key, prefix in ((payments, "bilag", "U"), (transfers, "vedtak", "O"), (repayments, "bilag", "T")):
        rows.sort(key=lambda r: (r["dato"], r["prosjektnummer"]))
        numbers: dict[str, int] = {}
        for row in rows:  # vouchers are numbered from 1 in each accounting year
            year = row["dato"][:4]
            numbers[year] = numbers.get(year, 0) + 1
            row[key] = f"{prefix}{year}-{numbers[year]:04d}"
    return payments, transfers, repayments


def _write(name: str, columns: list[str], rows: list[dict]) -> None:
    with open(HERE / name, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main() -> None:
    register = {"prosjekt": _csv("prosjekt.csv"), "tilskudd": _csv("tilskudd.csv")}
    threshold = int(next(r["verdi"] for r in _csv("programparametere.csv") if r["parameter"] == "terskel_ubrukt_kr"))
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    payments, transfers, repayments = ledger(register, manifest, threshold)
    _write("utbetalinger.csv", PAYMENT_COLUMNS, payments)
    _write("overforinger.csv", TRANSFER_COLUMNS, transfers)
    _write("tilbakebetalinger.csv", REPAYMENT_COLUMNS, repayments)


if __name__ == "__main__":
    main()
