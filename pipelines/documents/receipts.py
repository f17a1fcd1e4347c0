"""Receipts (kvitteringar): one per file received, the day it arrives, so a project can correct its report
before the deadline instead of hearing of its errors in the follow-up letter.

A receipt goes to the project the file reports for, in its lead municipality's language form: what was
received (name, date, SHA-256), what was read, every issue to fix with its place, the value found and
what is expected (the same words as the letters, `findings.describe_issue`), and the reporting deadline
moved to a working day. A file that cannot be tied to one registered project (unreadable, an unknown
project number, or a survey export holding several projects) gets its receipt addressed to the
secretariat instead, in bokmål. A receipt is dated by the file's received date (its name), so the same
file always gives the same PDF; a file without a date in its name is dated like the year's letters.

A receipt is written once per content of a file: the letter journal (`core_brevjournal`, `dokument =
'kvittering'`) keeps the facts' SHA-256 (`situasjon`) of the last receipt for each file name, and a run
writes a receipt only for a file that has none or whose facts changed (a corrected file saved under the
same name, or the same bytes read by a newer reader). A receipt file that went missing is written again
from the PDF cache, without a new journal entry.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path, PurePosixPath

from pipelines import workdays
from pipelines.documents import findings, report_context

FOLDER = "kvitteringer"
DOCUMENT = "kvittering"
TEMPLATE = "kvittering.html.j2"
SECRETARIAT_FORM = "nb"  # the secretariat writes bokmål (stg_prosjekt: nynorsk only to a nynorsk municipality)

# why a receipt goes to the secretariat rather than to a project
UNREADABLE, NO_PROJECT_NUMBER, UNKNOWN_PROJECT, SEVERAL_PROJECTS = (
    "ulesbar",
    "uten_prosjektnummer",
    "ukjent_prosjekt",
    "flere_prosjekt",
)


def file_names(filnavn: list[str]) -> dict[str, str]:
    """Each received file's receipt name: `<file name without extension>.pdf`, flat in the folder (a file
    in a subfolder has the folder in its name); two files with the same stem keep their extension apart."""

    def stem(name: str, keep_suffix: bool) -> str:
        path = PurePosixPath(name)
        base = path.name if keep_suffix else path.stem
        return "_".join([*path.parent.parts, base]) if path.parent.parts else base

    plain = {n: stem(n, False) for n in filnavn}
    taken: dict[str, int] = {}
    for s in plain.values():
        taken[s] = taken.get(s, 0) + 1
    return {n: f"{stem(n, True) if taken[s] > 1 else s}.pdf" for n, s in plain.items()}


def recipient(subs: list[dict]) -> tuple[dict | None, str | None]:
    """The project a file's receipt goes to, or None and why it goes to the secretariat."""
    if not subs:
        return None, UNREADABLE
    projects = {s["prosjektnummer"] for s in subs}
    if len(projects) > 1:
        return None, SEVERAL_PROJECTS
    if subs[0]["prosjektnummer"] is None:
        return None, NO_PROJECT_NUMBER
    if not subs[0]["kjent_prosjekt"]:
        return None, UNKNOWN_PROJECT
    return subs[0], None


def _read(s: dict) -> dict:
    """What was read from one submission, and what of it was accepted."""
    # not whether a later report superseded it: a receipt says what the file was the day it arrived, and
    # stands when the project sends a newer one
    return {
        "prosjektnummer": s["prosjektnummer"],
        "kjent_prosjekt": s["kjent_prosjekt"],
        "kilde_rad": s["kilde_rad"],
        "godkjent": s["godkjent"],
        **{
            k: s[k]
            for k in (
                "indikatorer_leste",
                "indikatorer_godkjente",
                "tiltak_leste",
                "tiltak_godkjente",
                "risiko_leste",
                "risiko_godkjente",
            )
        },
    }


def contexts(
    year: int,
    files: list[dict],
    subs: list[dict],
    issues: list[dict],
    base: dict,
    year_deadline: date,
    secretariat: dict,
) -> list[dict]:
    """One receipt context per file received as a report (rows of `reports/kvittering_filer`), with its
    submissions (`reports/kvittering_innsendinger`) and issues (`reports/brev_avvik`, by SHA-256).

    `base` holds the common keys (year, status, sample mark); `year_deadline` is the year's reporting deadline,
    for a file tied to no project (or a project without a grant letter for the year)."""
    subs_of: dict[str, list[dict]] = {}
    for s in subs:
        subs_of.setdefault(s["sha256"], []).append(s)
    issues_of: dict[str, list[dict]] = {}
    for a in issues:
        issues_of.setdefault(a["sha256"], []).append(a)
    names = file_names([f["filnavn"] for f in files])
    out = []
    for f in files:
        mine = subs_of.get(f["sha256"], [])
        project, why = recipient(mine)
        form = project["maalform"] if project else SECRETARIAT_FORM
        deadline = workdays.on_or_after((project or {}).get("rapporteringsfrist") or year_deadline)
        received = f["mottatt_dato"]
        found = issues_of.get(f["sha256"], [])
        ctx = {
            **base,
            "aar": year,
            "form": form,
            # dated by the file's own received date: the same file always gives the same receipt
            "rapportdato": received or base["rapportdato"],
            "fil": {
                **{k: f[k] for k in ("filnavn", "sha256", "mottatt_dato", "storrelse_bytes", "format")},
                # the same bytes as a file read before it (not read again); not `erstattet`, which a
                # later file decides
                "lest_fil": f["lest_fil"] if f["utfall"] == "duplikat" else None,
            },
            "kvittering_fil": f"{FOLDER}/{names[f['filnavn']]}",
            "mottaker": None
            if project is None
            else {
                "prosjektnummer": project["prosjektnummer"],
                "prosjektnavn": project["prosjektnavn"],
                "kommune": project["kommune"],
                "prosjektleder": project["prosjektleder"],
                "epost": project["epost"],
            },
            "til_sekretariatet": why,
            "prosjektnummer_i_fila": sorted({s["prosjektnummer"] or "–" for s in mine}),
            "lese": [_read(s) for s in mine],
            "avvik": [
                {
                    "tekst": findings.describe_issue(a, form),
                    "alvorsgrad": a["alvorsgrad"],
                    "regel": a["regel"],
                    **{k: a.get(k) for k in findings.PLACE},
                }
                for a in found
            ],
            "frist": deadline,
            "etter_fristen": received is not None and received > deadline,
            "kontakt": secretariat["kontakt"],
            "avsendar": report_context.sender(secretariat, received or base["rapportdato"]),
        }
        ctx["situasjon"] = situation(ctx)
        out.append(ctx)
    return out


def situation(ctx: dict) -> str:
    """The SHA-256 of what a receipt says: the file, its recipient, what was read and every issue's words.
    A receipt is written again only when this changes."""
    # not the date of a file without one in its name (it follows the year's letters): that receipt stands
    facts = {
        k: ctx[k] for k in ("fil", "mottaker", "til_sekretariatet", "prosjektnummer_i_fila", "lese", "frist", "form")
    }
    facts["avvik"] = [a["tekst"] for a in ctx["avvik"]]
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()


def plan(ctxs: list[dict], earlier: dict[str, dict], folder: Path) -> tuple[list[dict], list[dict]]:
    """(receipts to write and journal, receipts to write again as they were): a file with no receipt or
    whose receipt's facts changed gets a new one (the next løpenummer for its name); a receipt whose
    file went missing or was changed on disk is written again from the cache, not journaled again."""
    new, restore = [], []
    for ctx in ctxs:
        last = earlier.get(ctx["fil"]["filnavn"])
        ctx["lopenr"] = int(last["lopenr"]) + 1 if last is not None else 1
        if last is None or last["situasjon"] != ctx["situasjon"]:
            new.append(ctx)
            continue
        ctx["lopenr"] = int(last["lopenr"])
        path = folder.parent / ctx["kvittering_fil"]
        if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != last["sha256"]:
            restore.append(ctx)
    return new, restore


def to_journal(written: list[dict], results: list[dict], earlier: dict[str, dict]) -> list[dict]:
    """The journal rows of the receipts just written: every new one, and a receipt written again whose bytes
    differ from the journaled ones (a changed template): that is a new receipt, with the next løpenummer,
    so the journal always names the receipt on disk."""
    rows = []
    for ctx, result in zip(written, results):
        last = earlier.get(ctx["fil"]["filnavn"])
        if last is not None and last["situasjon"] == ctx["situasjon"]:
            if result["sha256"] == last["sha256"]:
                continue
            ctx["lopenr"] = int(last["lopenr"]) + 1
        rows.append(journal_row(ctx, result))
    return rows


def journal_row(ctx: dict, result: dict) -> dict:
    """A receipt as the letter journal lists it (columns of `core_brevjournal`)."""
    m = ctx["mottaker"] or {}
    return {
        "aar": ctx["aar"],
        "prosjektnummer": m.get("prosjektnummer"),
        "lopenr": ctx["lopenr"],
        "journalnummer": None,
        "dato": ctx["rapportdato"],
        "brevtype": DOCUMENT,
        "maalform": ctx["form"],
        "kommune": m.get("kommune"),
        "svarfrist": ctx["frist"],
        "funn": ";".join(a["regel"] for a in ctx["avvik"]),
        "situasjon": ctx["situasjon"],
        "fil": ctx["kvittering_fil"],
        "sha256": result["sha256"],
        "sider": result["pages"],
        "dokument": DOCUMENT,
        "filnavn": ctx["fil"]["filnavn"],
        "mottatt_sha256": ctx["fil"]["sha256"],
        "mottaker": m.get("prosjektnummer") or "sekretariatet",
    }


def receipt_contexts(
    con, year: int, given_date: str, sample: bool, code_version: str, register_dir: Path
) -> list[dict]:
    """The receipts' contexts for every file received as a report in the year, read from the warehouse."""
    files = report_context.report_rows(con, "kvittering_filer", year)
    subs = report_context.report_rows(con, "kvittering_innsendinger", year)
    dates = report_context.report_rows(con, "rapportdato", year)[0]
    # a file without a date in its name is dated like the year's letters
    fallback = report_context.report_date(con, year, given_date)
    base = report_context.common(year, SECRETARIAT_FORM, fallback, "-", code_version, "endelig", sample)
    return contexts(
        year,
        files,
        subs,
        report_context.issues(con, year),
        base,
        dates["rapporteringsfrist"] or fallback,
        report_context.secretariat(register_dir),
    )
