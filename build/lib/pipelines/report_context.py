"""The documents' contexts, read from the warehouse's marts only."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd

from pipelines import findings, rendering, report_rules, warehouse
from pipelines.paths import REGISTER_DIR
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


def secretariat() -> dict:
    return json.loads((REGISTER_DIR / "sekretariat.json").read_text(encoding="utf-8"))


def report_date(con, year: int, given: str) -> date:
    """The annual report's date: given by the run, else the last receipt of the year (or its deadline).

    The one place the report's date is decided: the working-day rule (issue 16's workdays function, so
    that the report is never dated a Sunday) belongs here, applied to the result.
    """
    if given:
        return date.fromisoformat(given)
    return warehouse.scalar(con, "reports/rapportdato", year) or date(year + 1, 1, 31)


def letter_date(prosjekt: dict, last_receipt: date | None, given: str) -> date:
    """A letter's date: given by the run, else the project's deadline or its own last receipt, if later.

    It depends on nothing but the project's own files, so a file from another
    project never changes this letter.
    """
    if given:
        return date.fromisoformat(given)
    return max(d for d in (prosjekt["rapporteringsfrist"], last_receipt) if d is not None)


def common(year: int, form: str, rapportdato: date, run_key: str, code_version: str, status: str,
           sample: bool) -> dict:
    return {"aar": year, "form": form, "rapportdato": rapportdato, "run_id": run_key,
            "kodeversjon": code_version, "eksempeldata": sample, "status": status}


POOL_SUMS = ("prosjekt", "rapportar_i_tide", "rapportar_for_seint", "rapportar_manglar", "rapportar_avviste",
             "innvilga_kr", "utbetalt_kr", "forbruk_kr", "ubrukt_kr")


def pool_total(pools: list[dict]) -> dict:
    """The summary's total row: the pools added up, except municipalities, which are counted once.

    A municipality can take part in both pools, so adding the pools' counts
    would count it twice; the mart gives the programme's own count in every row.
    """
    total = rendering.sum_rows(pools, *POOL_SUMS)
    distinct = {p["kommunar_alle_puljar"] for p in pools}
    if len(distinct) > 1:
        raise ValueError(f"mart_pulje_aar: the pools disagree on kommunar_alle_puljar: {sorted(distinct)}")
    total["kommunar"] = distinct.pop() if distinct else None
    return total


def annual_report(con, year: int, base: dict) -> dict:
    """The annual report's rows, read from the marts and ``sql/reports/arsrapport_*.sql``, and what
    :func:`pipelines.report_rules.derive` makes of them (totals, key messages, quotations, trends)."""
    prosjekt = _mart(con, "mart_prosjekt_aar", year)
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
        "indikatorar": _records(con, """
            select m.* exclude (aar), coalesce(i.tema, '') as tema
            from mart_indikator_aar m left join (select unnest(?) as indikator, unnest(?) as tema) i using (indikator)
            where m.aar = ?""", [*_indicator_themes(), year]),
        "seriar": _mart(con, "mart_indikator_serie", year),
        "tiltak_status": [{"status": r["verdi"], "tal": r["tal"]} for r in tiltak_risiko if r["kategori"] == "tiltak"],
        "hoge_risikoar": _mart(con, "mart_hoge_risikoar", year),
        "prosjekt": [{k: p[k] for k in ("prosjektnummer", "prosjektnavn", "kommune", "tema", "innsending_id",
                                        "hovedfunn", "godt_eksempel")} for p in prosjekt],
        "okonomi_tema": [{"tema": t["tema"], "innvilga_kr": t["innvilga_kr"], "forbruk_kr": t["forbruk_kr"]}
                         for t in tema],
        "tilbakebetaling": [{"prosjektnummer": p["prosjektnummer"], "prosjektnavn": p["prosjektnavn"],
                             "kommune": p["kommune"], "ubrukt_kr": p["ubrukt_kr"]}
                            for p in prosjekt if p["avsluttar_i_aar"] and (p["ubrukt_kr"] or 0) > 0],
        "avvik_regel": _mart(con, "mart_avvik_regel_aar", year),
        "utan_rapport": [{"prosjektnummer": p["prosjektnummer"], "prosjektnavn": p["prosjektnavn"],
                          "kommune": p["kommune"], "pulje": p["pulje"]}
                         for p in prosjekt if p["rapportstatus"] == "manglar"],
        "prosjektstatus": report("status"),
        "risiko": report("risiko"),
        "utvikling": report("utvikling"),
        "koeyrde_aar": report("koeyrde_aar"),
        "trend_pulje": report("trend_pulje"),
        "trend_tema": report("trend_tema"),
        "trend_indikator": report("trend_indikator"),
        "programperiode_rader": report("programperiode") if year == report_rules.LAST_YEAR else [],
    }
    return report_rules.derive(raw)


def report_files(year: int) -> dict[str, str]:
    """The annual report's files in the year's folder: the report, its appendix and the appendix's CSV."""
    return {"rapport_fil": f"arsrapport-{year}.pdf", "vedlegg_fil": f"arsrapport-{year}-vedlegg.pdf",
            "vedlegg_csv": f"arsrapport-{year}-filer.csv"}


def appendix(con, year: int, base: dict) -> dict:
    """The auditors' appendix (its own document): the run's identity and every source file with its SHA-256."""
    return {**base, **report_files(year), "filer": _mart(con, "mart_kjeldefiler_aar", year)}


FILE_COLUMNS = ("filnavn", "sha256", "storleik_bytes", "mottatt_dato", "format", "utfall", "innsendingar", "avvik")


def file_list(filer: list[dict]) -> pd.DataFrame:
    """The appendix's file list as a table (the CSV beside the PDF), in the PDF's order."""
    return pd.DataFrame(rendering.files_in_order(filer), columns=list(FILE_COLUMNS))


def _indicator_themes() -> tuple[list[str], list[str]]:
    return [i.key for i in STANDARD_INDICATORS], [i.theme for i in STANDARD_INDICATORS]


def letters(con, year: int, base: dict, given_date: str) -> list[dict]:
    """One context per active project, in its lead municipality's language form."""
    sec = secretariat()
    # the letter quotes the issues of the submission it answers (or, if rejected, of what was sent)
    avvik = _grouped(_rows(warehouse.query(con, "reports/brev_avvik", year)), "prosjektnummer")
    indikatorar = _grouped(_rows(warehouse.query(con, "reports/brev_indikatorar", year)), "innsending_id")
    last_receipt = dict(warehouse.query(con, "reports/brev_siste_mottak", year)
                        .itertuples(index=False, name=None))
    out = []
    for p in _mart(con, "mart_prosjekt_aar", year):
        dato = letter_date(p, _plain(last_receipt.get(p["prosjektnummer"])), given_date)
        svarfrist = dato + timedelta(days=int(sec["svarfrist_dagar"]))
        mine = [a for a in avvik.get(p["prosjektnummer"], [])
                if a["innsending_id"] == p["innsending_id"] or p["rapportstatus"] == "avvist"]
        inds = indikatorar.get(p["innsending_id"], []) if p["innsending_id"] else []
        facts = findings.ProjectFacts(prosjekt=p, avvik=mine, indikatorar=inds, svarfrist=svarfrist,
                                      konto=sec["konto"])
        form = p["malform"]
        out.append({
            **base, "form": form, "rapportdato": dato,
            "prosjekt": {**p, "neste_aar_innvilga_kr": (
                None if p["avsluttar_i_aar"] else p["neste_aar_innvilga_kr"])},
            "indikatorar": inds,
            "funn": [f.for_form(form) for f in findings.findings(facts)],
            "svarfrist": svarfrist,
            "konto": sec["konto"],
            "kontakt": sec["kontakt"],
        })
    return out


def _grouped(rows: list[dict], key: str) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    return groups
