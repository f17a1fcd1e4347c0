"""The letters' lifecycle: drafts until the secretariat dispatches a batch, then archived and never rewritten.

A run with `--status utkast` (the default) writes drafts: `brev/<prosjektnummer>.pdf`, regenerated on
every run, marked UTKAST, with «Vår ref.» not yet given. A run with `--status endelig` dispatches the
batch: each letter gets its journal number `<år>/<prosjektnummer>-<løpenummer>`, is written once to
`brev/sendt/<år>-<prosjektnummer>-<løpenummer>.pdf` and recorded in `core_brevjournal`; that file and that
row are never changed again. A letter counts as dispatched once its row stands (the rows are written after
the batch's files), so a dispatch killed half-way is done again, whole, by the next run. A later run writes
a letter only for a project whose facts changed since its last dispatched letter (a report arrived, a
correction, a settlement), and that letter refers to the earlier one by date and number. `brev/journal.csv`
lists every dispatched letter and every current draft.

Receipts (`pipelines/documents/receipts.py`) are journaled in the same table, `dokument = 'kvittering'`, when they are
sent (at once: a receipt is no draft), and listed in `kvitteringer/journal.csv`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from pipelines import warehouse
from pipelines.documents import pdf

TABLE = "core_brevjournal"
ARCHIVE = "sendt"


def situation(ctx: dict) -> str:
    """The SHA-256 of the facts a letter is built from: the project's row, the files received and what became
    of them, the indicators and the findings' codes. Not the date, deadlines or wording, so a later run
    with other dates or better phrasing does not make a new letter where nothing changed."""
    facts = {
        "prosjekt": ctx["prosjekt"],
        "mottekne": [{k: f.get(k) for k in ("filnavn", "sha256", "utfall_brev", "kilde_rad")} for f in ctx["mottekne"]],
        "indikatorer": ctx["indikatorer"],
        "funn": sorted(f["kode"] for f in ctx["funn"]),
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()


def _ensure(con) -> None:
    # its own folder, not sql/core: the journal is no part of what a run makes of the inbox (nor its versions)
    con.execute((warehouse.SQL_DIR / "journal" / f"{TABLE}.sql").read_text())


def dispatched(con, year: int) -> list[dict]:
    """The letters dispatched for the year (not the receipts)."""
    _ensure(con)
    return warehouse.query(con, "reports/brev_sendte", year).to_dict("records")


def receipts_sent(con, year: int) -> list[dict]:
    """The receipts sent for the year's files, the latest per file name last."""
    _ensure(con)
    return warehouse.query(con, "reports/kvitteringer_sendte", year).to_dict("records")


def latest_by_file(rows: list[dict]) -> dict[str, dict]:
    latest: dict[str, dict] = {}
    for row in rows:  # ordered by løpenummer
        latest[row["filnavn"]] = row
    return latest


def latest_by_project(rows: list[dict]) -> dict[str, dict]:
    latest: dict[str, dict] = {}
    for row in rows:  # ordered by løpenummer
        latest[row["prosjektnummer"]] = row
    return latest


def plan(contexts: list[dict], earlier: dict[str, dict], final: bool) -> tuple[list[dict], list[str]]:
    """Which letters to write: the contexts whose project has no dispatched letter or whose facts changed
    (with the earlier letter and, when dispatching, the new journal number set), and the projects whose
    dispatched letter still stands."""
    to_write, standing = [], []
    for ctx in contexts:
        pn = ctx["prosjekt"]["prosjektnummer"]
        ctx["situasjon"] = situation(ctx)
        last = earlier.get(pn)
        if last is not None and last["situasjon"] == ctx["situasjon"]:
            standing.append(pn)
            continue
        if last is not None:
            ctx["tidligere_brev"] = {"dato": _date(last["dato"]), "journalnummer": last["journalnummer"]}
        lopenr = int(last["lopenr"]) + 1 if last is not None else 1
        ctx["lopenr"] = lopenr
        if final:
            ctx["journalnummer"] = f"{ctx['aar']}/{pn}-{lopenr}"
        to_write.append(ctx)
    return to_write, standing


def archive_path(letter_dir: Path, ctx: dict) -> Path:
    return letter_dir / ARCHIVE / f"{ctx['aar']}-{ctx['prosjekt']['prosjektnummer']}-{ctx['lopenr']}.pdf"


def archive(letter_dir: Path, ctx: dict, current: Path, journaled: set[str]) -> Path:
    """Put a dispatched letter into the archive: written beside its place, synced and renamed, so a kill
    leaves the whole letter or none. `journaled` holds the journal's `fil` of every letter dispatched.

    The journal rows are written after the batch's files, so a dispatch killed in between leaves files
    the journal does not list: those letters were never dispatched (a letter is sent once its row
    stands), and the next run writes them again: one that holds the same letter is kept as it is, any
    other is replaced. A letter the journal lists is never rewritten.
    """
    target = archive_path(letter_dir, ctx)
    if f"brev/{target.relative_to(letter_dir).as_posix()}" in journaled:
        raise FileExistsError(f"{target} er et sendt brev og skrives aldri om")
    data = current.read_bytes()
    if not (target.exists() and target.read_bytes() == data):
        pdf.write_atomic(target, data, durable=True)
    return target


def clear_unfinished(letter_dir: Path) -> None:
    """Remove what a dispatch killed while writing left: temporary files beside the archived letters (the
    run holds the output folder, so no other run writes them)."""
    for leftover in (letter_dir / ARCHIVE).glob(f".*{pdf.TEMP_SUFFIX}"):
        leftover.unlink()


def restore_standing(letter_dir: Path, row: dict) -> None:
    """A project whose dispatched letter still stands: its current letter is that letter, byte for byte."""
    source, current = letter_dir.parent / row["fil"], letter_dir / f"{row['prosjektnummer']}.pdf"
    if not current.exists() or current.read_bytes() != source.read_bytes():
        pdf.write_atomic(current, source.read_bytes())


def money(ctx: dict) -> dict:
    """The amounts the letter prints (its money block and its repayment finding), as the journal keeps them."""
    p, o = ctx["prosjekt"], ctx["okonomi"]
    iso = lambda d: _date(d).isoformat() if d is not None else None  # noqa: E731
    return {
        "innvilget_kr": p["innvilget_kr"],
        "utbetalt_kr": p["utbetalt_kr"],
        "utbetalt_dato": iso(p["utbetalt_dato"]),
        "overfort_inn_kr": p["overfort_inn_kr"],
        "forbruk_kr": p["forbruk_kr"],
        "ubrukt_kr": p["ubrukt_kr"],
        "overfort_ut_kr": p["overfort_ut_kr"],
        "sluttoppgjor": p["sluttoppgjor"],
        "periode_ubrukt_kr": p["periode_ubrukt_kr"] if p["sluttoppgjor"] else None,
        "tilbakebetaling_kr": o["krever_tilbake_kr"] or 0,
        "tilbakebetaling_frist": iso(o["frist"]) if o["krever_tilbake_kr"] else None,
        "kid": o["kid"] if o["krever_tilbake_kr"] else None,
        "pengevedtak": ctx["pengevedtak"],
    }


def row(ctx: dict, fil: str, result: dict) -> dict:
    p = ctx["prosjekt"]
    return {
        "aar": ctx["aar"],
        "prosjektnummer": p["prosjektnummer"],
        "lopenr": ctx["lopenr"],
        "journalnummer": ctx.get("journalnummer"),
        "dato": ctx["rapportdato"],
        "brevtype": ctx["variant"],
        "maalform": ctx["form"],
        "kommunenummer": p["kommunenummer"],
        "kommune": p["kommune"],
        "svarfrist": ctx["svarfrist"],
        "funn": ";".join(f["kode"] for f in ctx["funn"]),
        **money(ctx),
        "neste_aar_innvilget_kr": p["neste_aar_innvilget_kr"],
        "situasjon": ctx["situasjon"],
        "viser_til": (ctx.get("tidligere_brev") or {}).get("journalnummer"),
        "fil": fil,
        "sha256": result["sha256"],
        "sider": result["pages"],
        "rapportstatus": p["rapportstatus"],
        "dokument": "brev",
        "mottaker": p["prosjektnummer"],
    }


def record(con, rows: list[dict]) -> None:
    """Append dispatched letters or sent receipts to the journal (never update or delete one)."""
    if not rows:
        return
    _ensure(con)
    columns = [r[0] for r in con.execute(f'describe "{TABLE}"').fetchall()]
    # a column a document does not have (a receipt has no amounts) is null
    frame = pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns)
    con.register("_brev", frame)
    try:
        con.execute(f'insert into "{TABLE}" by name select * from _brev')
    finally:
        con.unregister("_brev")


def write_csv(path: Path, sent: list[dict], drafts: list[dict]) -> pd.DataFrame:
    """journal.csv: every dispatched letter of the year (status `sendt`), then the current drafts (`utkast`)."""
    frame = pd.DataFrame([{**r, "status": "sendt"} for r in sent] + [{**r, "status": "utkast"} for r in drafts])
    if len(frame):
        for column in ("dato", "svarfrist"):
            frame[column] = frame[column].map(lambda d: _date(d).isoformat() if d is not None else "")
        frame = frame.drop(columns=["situasjon"])
    frame.to_csv(path, index=False, encoding="utf-8")
    return frame


def write_receipts_csv(path: Path, sent: list[dict]) -> pd.DataFrame:
    """kvitteringer/journal.csv: every receipt sent for the year's files, as the journal lists them."""
    columns = [
        "aar",
        "dokument",
        "filnavn",
        "mottatt_sha256",
        "lopenr",
        "dato",
        "mottaker",
        "prosjektnummer",
        "maalform",
        "kommune",
        "svarfrist",
        "funn",
        "fil",
        "sha256",
        "sider",
    ]
    frame = pd.DataFrame([{c: r.get(c) for c in columns} for r in sent], columns=columns)
    for column in ("dato", "svarfrist"):
        frame[column] = frame[column].map(lambda d: _date(d).isoformat() if d is not None and not pd.isna(d) else "")
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8")
    return frame


def _date(value):
    return value.date() if hasattr(value, "date") and callable(value.date) else value
