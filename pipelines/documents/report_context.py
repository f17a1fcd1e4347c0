"""The documents' contexts, read from the warehouse's marts only."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import date
from pathlib import Path

import pandas as pd

from pipelines import warehouse, workdays
from pipelines.documents import findings, formatting, report_rules
from schemas import form as F
from schemas.form import STANDARD_INDICATORS


def _records(con, sql: str, params: list) -> list[dict]:
    return _rows(con.execute(sql, params).df())


def _rows(df: pd.DataFrame) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items()} for row in df.to_dict("records")]


def _plain(value):
    """DuckDB/pandas values as plain Python for the templates (NaN and NaT become None)."""
    if isinstance(value, (list, tuple)):
        return list(value)
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return value.tolist()
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def _mart(con, name: str, year: int) -> list[dict]:
    return _records(con, f'select * from "{name}" where aar = ?', [year])


def secretariat(register_dir: Path) -> dict:
    """The secretariat's own facts (answer deadline, contact, account), from the run's register folder."""
    return json.loads((Path(register_dir) / "sekretariat.json").read_text(encoding="utf-8"))


def ministry(sec: dict, on: date) -> str:
    """The ministry's name on a document's date: the programme's ministry was renamed on 1 January 2014
    (`departement` in sekretariat.json, each name from the day it took effect)."""
    names = sorted(sec["departement"], key=lambda d: d["fra"])
    valid = [d["navn"] for d in names if date.fromisoformat(d["fra"]) <= on]
    return valid[-1] if valid else names[0]["navn"]


def sender(sec: dict, on: date) -> dict:
    """The letterhead of a document dated `on`: the secretariat's address under the ministry of that day."""
    return {**sec["avsender_adresse"], "departement": ministry(sec, on)}


def report_date(con, year: int, given: str) -> date:
    """The date of the year's documents, the annual report and every letter of the batch alike
    (pipelines/workdays.dispatch_date: the run's --date, else the first working day after the later of
    the reporting deadline and the last file received for the year)."""
    row = warehouse.query(con, "reports/rapportdato", year).iloc[0]
    return workdays.dispatch_date(given, _plain(row["rapporteringsfrist"]), _plain(row["siste_mottak"]))


def common(year: int, form: str, rapportdato: date, run_key: str, code_version: str, status: str, sample: bool) -> dict:
    return {
        "aar": year,
        "form": form,
        "rapportdato": rapportdato,
        "run_id": run_key,
        "kodeversjon": code_version,
        "eksempeldata": sample,
        "status": status,
    }


POOL_SUMS = (
    "prosjekt",
    "rapporter_i_tide",
    "rapporter_for_sent",
    "rapporter_mangler",
    "rapporter_avviste",
    "innvilget_kr",
    "utbetalt_kr",
    "overfort_inn_kr",
    "forbruk_kr",
    "ubrukt_kr",
    "grunnlag_kr",
)


def pool_total(pools: list[dict]) -> dict:
    """The summary's total row: the pools added up, except municipalities, which are counted once.

    A municipality can take part in both pools, so adding the pools' counts
    would count it twice; the mart gives the programme's own count in every row.
    """
    total = formatting.sum_rows(pools, *POOL_SUMS)
    distinct = {p["kommuner_alle_puljer"] for p in pools}
    if len(distinct) > 1:
        raise ValueError(f"mart_pulje_aar: the pools disagree on kommuner_alle_puljer: {sorted(distinct)}")
    total["kommuner"] = distinct.pop() if distinct else None
    return total


def annual_report(con, year: int, base: dict) -> dict:
    """The annual report's rows, read from the marts and ``sql/reports/arsrapport_*.sql``, and what
    :func:`pipelines.report_rules.derive` makes of them (totals, key messages, quotations, trends)."""
    # the project rows, with only the columns the report uses: the mart has some 70, and read through
    # pandas into dicts they were most of the context's time at 10 000 projects
    prosjekt = _records(
        con,
        """
        select prosjektnummer, prosjektnavn, kommune, pulje, tema, innsending_id, hovedfunn, godt_eksempel,
               rapportstatus, aa_betale_tilbake_kr
        from mart_prosjekt_aar where aar = ?""",
        [year],
    )
    tiltak_risiko = _mart(con, "mart_tiltak_risiko_aar", year)
    tema = _mart(con, "mart_tema_aar", year)
    pulje = _mart(con, "mart_pulje_aar", year)

    def report(name: str) -> list[dict]:
        return _rows(warehouse.query(con, f"reports/arsrapport_{name}", year))

    raw = {
        **base,
        **report_files(year),
        "pulje": pulje,
        "pulje_totalt": pool_total(pulje),
        "nettverk": _mart(con, "mart_nettverk_aar", year),
        "tema": tema,
        "indikatorer": _records(
            con,
            """
            select m.* exclude (aar), coalesce(i.tema, '') as tema
            from mart_indikator_aar m left join (select unnest(?) as indikator, unnest(?) as tema) i using (indikator)
            where m.aar = ?""",
            [*_indicator_themes(), year],
        ),
        "seriar": _mart(con, "mart_indikator_serie", year),
        "tiltak_status": [
            {"status": r["verdi"], "tal": r["antall"]} for r in tiltak_risiko if r["kategori"] == "tiltak"
        ],
        "hoye_risikoer": _mart(con, "mart_hoye_risikoer", year),
        "prosjekt": [
            {
                k: p[k]
                for k in (
                    "prosjektnummer",
                    "prosjektnavn",
                    "kommune",
                    "tema",
                    "innsending_id",
                    "hovedfunn",
                    "godt_eksempel",
                )
            }
            for p in prosjekt
        ],
        "okonomi_tema": [
            {
                "tema": t["tema"],
                "innvilget_kr": t["innvilget_kr"],
                "forbruk_kr": t["forbruk_kr"],
                "grunnlag_kr": t["grunnlag_kr"],
            }
            for t in tema
        ],
        # the final settlements the letters claim: the whole period's unspent funds not transferred,
        # less what was already paid back
        "tilbakebetaling": [
            {
                "prosjektnummer": p["prosjektnummer"],
                "prosjektnavn": p["prosjektnavn"],
                "kommune": p["kommune"],
                "ubrukt_kr": p["aa_betale_tilbake_kr"],
            }
            for p in prosjekt
            if (p["aa_betale_tilbake_kr"] or 0) > 0
        ],
        "avvik_regel": _mart(con, "mart_avvik_regel_aar", year),
        "uten_rapport": [
            {
                "prosjektnummer": p["prosjektnummer"],
                "prosjektnavn": p["prosjektnavn"],
                "kommune": p["kommune"],
                "pulje": p["pulje"],
            }
            for p in prosjekt
            if p["rapportstatus"] == "mangler"
        ],
        "prosjektstatus": report("status"),
        "risiko": report("risiko"),
        "utvikling": report("utvikling"),
        "kjorte_aar": report("kjorte_aar"),
        "trend_pulje": report("trend_pulje"),
        "trend_tema": report("trend_tema"),
        "trend_indikator": report("trend_indikator"),
        "programperiode_rader": report("programperiode") if year == report_rules.LAST_YEAR else [],
    }
    return report_rules.derive(raw)


def report_files(year: int) -> dict[str, str]:
    """The annual report's files in the year's folder: the report, its appendix and the appendix's CSV."""
    return {
        "rapport_fil": f"arsrapport-{year}.pdf",
        "vedlegg_fil": f"arsrapport-{year}-vedlegg.pdf",
        "vedlegg_csv": f"arsrapport-{year}-filer.csv",
    }


def appendix(con, year: int, base: dict) -> dict:
    """The auditors' appendix (its own document): the run's identity and every source file with its SHA-256.

    The CSV beside it (``vedlegg_csv_bytes``) always lists every file. The PDF lists them too while they fit
    :data:`report_rules.FILES_LISTED_MAX` rows; beyond that it gives the files per outcome and the CSV's own
    SHA-256, so the list it points to is fixed, and a programme ten times larger does not make a PDF ten
    times longer (a 10 000-project inbox has 8 000 files, 340 pages that WeasyPrint took minutes to lay out).
    """
    return {**base, **report_files(year), **appendix_files(_mart(con, "mart_kildefiler_aar", year))}


def appendix_files(filer: list[dict]) -> dict:
    """The appendix's files: the rows, whether the PDF lists them, their count per outcome (most first),
    and the CSV's bytes with their SHA-256."""
    csv = file_list(filer).to_csv(index=False).encode("utf-8")
    outcomes = Counter(f["utfall"] for f in filer)
    return {
        "filer": filer,
        "filer_listet": len(filer) <= report_rules.FILES_LISTED_MAX,
        "filer_per_utfall": sorted(outcomes.items(), key=lambda kv: (-kv[1], kv[0])),
        "vedlegg_csv_bytes": csv,
        "vedlegg_csv_sha256": hashlib.sha256(csv).hexdigest(),
    }


FILE_COLUMNS = ("filnavn", "sha256", "storrelse_bytes", "mottatt_dato", "format", "utfall", "innsendinger", "avvik")


def file_list(filer: list[dict]) -> pd.DataFrame:
    """The appendix's file list as a table (the CSV beside the PDF), in the PDF's order."""
    return pd.DataFrame(formatting.files_in_order(filer), columns=list(FILE_COLUMNS))


def _indicator_themes() -> tuple[list[str], list[str]]:
    return [i.key for i in STANDARD_INDICATORS], [i.theme for i in STANDARD_INDICATORS]


def file_outcome(f: dict) -> str:
    if f["innsending_id"] is None:
        return "duplikat" if f["utfall"] == "duplikat" else "ulesbar"
    if f["godkjent"] is False:
        return "avvist"
    if f["gjeldende"] is False:
        return "erstattet"
    return "delvis_brukt" if f["utfall"] == "delvis_lest" else "brukt"


def letter_variant(p: dict, files: list[dict]) -> str:
    """Which letter the project gets: i_tide, for_sent (the model's report status: on time means by the
    deadline moved to a working day), avvist (read, not usable), ulesbar (arrived, could not be read) or
    manglar (nothing arrived)."""
    status = p["rapportstatus"]
    if status in ("i_tide", "for_sent"):
        return status
    if any(file_outcome(f) == "avvist" for f in files):
        return "avvist"
    if files:
        return "ulesbar"
    return "mangler"


def _indicator_key(label: str | None) -> str | None:
    wanted = F.normalise_label(label) if label else None
    return next(
        (i.key for i in STANDARD_INDICATORS if wanted in (F.normalise_label(i.nb), F.normalise_label(i.nn), i.key)),
        None,
    )


def report_rows(con, name: str, year: int) -> list[dict]:
    """The rows of `sql/reports/<name>.sql` for a year, as plain Python values."""
    return _rows(warehouse.query(con, f"reports/{name}", year))


def issues(con, year: int) -> list[dict]:
    """Every recorded issue of the year as the documents quote it (letters and receipts alike), with the
    standard indicator it is about, if any."""
    rows = report_rows(con, "brev_avvik", year)
    for a in rows:
        a["indikator_nokkel"] = _indicator_key(a["indikator_tekst"])
    return rows


def _issue(a: dict, form: str) -> str:
    return findings.describe_issue(a, form)


def letters(con, year: int, base: dict, given_date: str, register_dir: Path, form: str | None = None) -> list[dict]:
    """One context per active project, in its lead municipality's language form, all dated the batch's date.

    A project with nothing received whose deadline has not passed by that date gets no letter: a reminder
    is only sent after the deadline. `form` renders every letter in one form instead (for tests).
    """
    sec = secretariat(register_dir)
    dato = base["rapportdato"]
    avvik_rows = issues(con, year)
    avvik_by_file = _grouped(avvik_rows, "filnavn")
    files_by_project = _grouped(_rows(warehouse.query(con, "reports/brev_filer", year)), "prosjektnummer")
    indikatorer = _grouped(_rows(warehouse.query(con, "reports/brev_indikatorer", year)), "innsending_id")
    sent_indicators = dict(
        warehouse.query(con, "reports/brev_indikatorer_sendt", year).itertuples(index=False, name=None)
    )
    deadlines = {r["prosjektnummer"]: r for r in _rows(warehouse.query(con, "reports/brev_fristar", year))}
    svarfrist = workdays.deadline(dato, int(sec["svarfrist_dager"]))
    periode = _grouped(_rows(warehouse.query(con, "reports/brev_okonomi_periode", year)), "prosjektnummer")
    out = []
    for p in _mart(con, "mart_prosjekt_aar", year):
        files = files_by_project.get(p["prosjektnummer"], [])
        d = deadlines[p["prosjektnummer"]]
        frist = _plain(d["frist"])
        variant = letter_variant(p, files)
        if variant == "mangler" and dato <= frist:
            continue  # not due yet: no reminder before the deadline has passed
        lform = form or p["maalform"]
        received = []
        for f in files:
            outcome = file_outcome(f)
            reasons = [
                a
                for a in avvik_by_file.get(f["filnavn"], [])
                if a["alvorsgrad"] == "avvis_fil"
                and (f["innsending_id"] is None or a["innsending_id"] in (None, f["innsending_id"]))
            ]
            received.append(
                {
                    **f,
                    "utfall_brev": outcome,
                    "grunnar": [_issue(a, lform) for a in reasons] if outcome in ("avvist", "ulesbar") else [],
                }
            )
        usable = p["innsending_id"] is not None
        # issues to correct: the current report's; with no usable report, those of the files that were sent
        # (with none, a file's reasons for rejection are given where the letter lists what arrived)
        mine = [
            a
            for f in files
            for a in avvik_by_file.get(f["filnavn"], [])
            if (
                a["innsending_id"] == p["innsending_id"]
                if usable
                else a["alvorsgrad"] != "avvis_fil"
                and a["innsending_id"] == f["innsending_id"]
                and f["innsending_id"] is not None
            )
        ]
        inds = indikatorer.get(p["innsending_id"], []) if usable else []
        sent = sum(sent_indicators.get(f["innsending_id"], 0) for f in files if f["innsending_id"])
        pv = {
            **p,
            "variant": variant,
            # an ended project has no next year's grant, whatever the register holds for it
            "neste_aar_innvilget_kr": None if p["sluttoppgjor"] else p["neste_aar_innvilget_kr"],
        }
        facts = findings.ProjectFacts(
            prosjekt=pv,
            avvik=mine,
            indikatorer=inds,
            svarfrist=svarfrist,
            konto=p["konto_tilbakebetaling"],
            frist=frist,
        )
        # an ended project sends no more annual reports, whatever the register holds for its next year
        ends = p["sluttoppgjor"]
        neste_frist = workdays.on_or_after(d["neste_frist"]) if d["neste_frist"] and not ends else None
        ctx = {
            **base,
            "form": lform,
            "rapportdato": dato,
            "prosjekt": pv,
            "variant": variant,
            "innledning": findings.for_the_year(f"b_innledning_{variant}", pv),
            "holde_tilbake": variant in ("mangler", "avvist", "ulesbar"),
            "mottekne": received,
            "delvis_lest": any(f["utfall_brev"] == "delvis_brukt" for f in received),
            "indikatorer": inds,
            "indikatorer_sendt_avviste": not inds and sent > 0,
            "avvik": mine,  # the issue rows the findings quote, for the UI's list of findings and places
            "funn": [f.for_form(lform) for f in findings.findings(facts)],
            "frist": frist,
            "svarfrist": svarfrist,
            "neste_frist": neste_frist,
            "neste_aar": None if ends else d["neste_aar"],
            "deltakarar": [k for k in (p["kommuner"] or []) if k != p["kommune"]],
            "konto": p["konto_tilbakebetaling"],
            "kontakt": sec["kontakt"],
            "avsendar": sender(sec, dato),
            "klageinstans": sec["klageinstans"],
            "journalnummer": None,
            "tidligere_brev": None,
        }
        ctx["okonomi"] = okonomi(pv, periode.get(p["prosjektnummer"], []), dato, svarfrist)
        # the letter decides on money: it withholds a payment or reclaims funds (an enkeltvedtak, so
        # the letter gives the right of appeal)
        ctx["pengevedtak"] = ctx["okonomi"]["holder_tilbake"] or bool(ctx["okonomi"]["krever_tilbake_kr"])
        ctx["vedtak"] = ctx["pengevedtak"]
        out.append(ctx)
    return out


PERIOD_SUMS = (
    "innvilget_kr",
    "utbetalt_kr",
    "overfort_inn_kr",
    "forbruk_kr",
    "overfort_ut_kr",
    "ubrukt_ikke_overfort_kr",
    "tilbakebetalt_kr",
)


def budget_adopted(year: int, letter: date) -> bool:
    """The Storting adopts the state budget for a year in December before it; we count it as adopted
    from 1 January of that year. Before that, a grant for the year is conditional on the appropriation."""
    return letter >= date(year, 1, 1)


def okonomi(p: dict, periode: list[dict], letter: date, svarfrist: date) -> dict:
    """The money block of one letter. Every amount comes from int_okonomi_prosjekt_aar (via the mart and
    `reports/brev_okonomi_periode`); this only decides which sentences apply."""
    neste = p["aar"] + 1
    continues = not p["sluttoppgjor"] and p["neste_aar_innvilget_kr"] is not None
    # a missing, rejected or unreadable report holds back next year's grant
    missing = p.get("variant", p["rapportstatus"]) in ("mangler", "avvist", "ulesbar")
    withheld = continues and missing and not p["neste_aar_utbetalt_kr"]
    paid_next = continues and bool(p["neste_aar_utbetalt_kr"]) and p["neste_aar_utbetalt_dato"] <= letter
    claim = p["aa_betale_tilbake_kr"] if (p["aa_betale_tilbake_kr"] or 0) > 0 else None
    return {
        "periode": periode if p["sluttoppgjor"] else [],
        "periode_sum": formatting.sum_rows(periode, *PERIOD_SUMS) if p["sluttoppgjor"] else {},
        "neste_aar": neste if continues else None,
        "neste_aar_utbetalt": paid_next,
        "vilkaar_bevilgning": continues and not budget_adopted(neste, letter),
        "holder_tilbake": withheld,
        "krever_tilbake_kr": claim,
        "kid": p["kid"],
        "konto": p["konto_tilbakebetaling"],
        "frist": svarfrist,
        "sluttregnskap_frist": p["sluttregnskap_frist"],
    }


def _grouped(rows: list[dict], key: str) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    return groups
