"""The documents' contexts, read from the warehouse's marts only."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd

from pipelines import findings
from pipelines.resources import REGISTER_DIR
from schemas.form import STANDARD_INDICATORS


def _records(con, sql: str, params: list) -> list[dict]:
    df = con.execute(sql, params).df()
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
    """The date printed on the documents: given by the run, else the last receipt of the year."""
    if given:
        return date.fromisoformat(given)
    row = con.execute("select max(mottatt_dato) from raw_filer where aar = ?", [year]).fetchone()
    if row and row[0]:
        return row[0]
    frist = con.execute("select max(rapporteringsfrist) from stg_tilskudd where aar = ?", [year]).fetchone()
    return frist[0] if frist and frist[0] else date(year + 1, 1, 31)


def common(year: int, form: str, rapportdato: date, run_key: str, code_version: str, status: str,
           sample: bool) -> dict:
    return {"aar": year, "form": form, "rapportdato": rapportdato, "run_id": run_key,
            "kodeversjon": code_version, "eksempeldata": sample, "status": status}


def annual_report(con, year: int, base: dict) -> dict:
    prosjekt = _mart(con, "mart_prosjekt_aar", year)
    tiltak_risiko = _mart(con, "mart_tiltak_risiko_aar", year)
    tema = _mart(con, "mart_tema_aar", year)
    return {
        **base,
        "pulje": _mart(con, "mart_pulje_aar", year),
        "nettverk": _mart(con, "mart_nettverk_aar", year),
        "tema": tema,
        "indikatorar": _records(con, """
            select m.* exclude (aar), coalesce(i.tema, '') as tema
            from mart_indikator_aar m left join (select unnest(?) as indikator, unnest(?) as tema) i using (indikator)
            where m.aar = ?""", [*_indicator_themes(), year]),
        "seriar": _mart(con, "mart_indikator_serie", year),
        "tiltak_status": [{"status": r["verdi"], "tal": r["tal"]} for r in tiltak_risiko if r["kategori"] == "tiltak"],
        "hoge_risikoar": _mart(con, "mart_hoge_risikoar", year),
        "gode_eksempel": sorted(({"prosjektnummer": p["prosjektnummer"], "prosjektnavn": p["prosjektnavn"],
                                  "kommune": p["kommune"], "godt_eksempel": p["godt_eksempel"]}
                                 for p in prosjekt if p["godt_eksempel"]), key=lambda r: r["prosjektnavn"]),
        "okonomi_tema": [{"tema": t["tema"], "innvilga_kr": t["innvilga_kr"], "forbruk_kr": t["forbruk_kr"]}
                         for t in tema],
        "tilbakebetaling": [{"prosjektnummer": p["prosjektnummer"], "prosjektnavn": p["prosjektnavn"],
                             "kommune": p["kommune"], "ubrukt_kr": p["ubrukt_kr"]}
                            for p in prosjekt if p["avsluttar_i_aar"] and (p["ubrukt_kr"] or 0) > 0],
        "avvik_regel": _mart(con, "mart_avvik_regel_aar", year),
        "utan_rapport": [{"prosjektnummer": p["prosjektnummer"], "prosjektnavn": p["prosjektnavn"],
                          "kommune": p["kommune"]} for p in prosjekt if p["rapportstatus"] == "manglar"],
        "filer": _mart(con, "mart_kjeldefiler_aar", year),
    }


def _indicator_themes() -> tuple[list[str], list[str]]:
    return [i.key for i in STANDARD_INDICATORS], [i.theme for i in STANDARD_INDICATORS]


def letters(con, year: int, base: dict) -> list[dict]:
    """One context per active project, in its lead municipality's language form."""
    sec = secretariat()
    svarfrist = base["rapportdato"] + timedelta(days=int(sec["svarfrist_dagar"]))
    avvik = _records(con, "select * from core_avvik where aar = ? and prosjektnummer is not null "
                          "order by filnavn, ark nulls first, rad, felt", [year])
    indikatorar = _records(con, "select * from stg_indikatorer where aar = ? order by rad", [year])
    out = []
    for p in _mart(con, "mart_prosjekt_aar", year):
        # the letter quotes the issues of the submission it answers (or, if rejected, of what was sent)
        mine = [a for a in avvik if a["prosjektnummer"] == p["prosjektnummer"]
                and (a["innsending_id"] == p["innsending_id"] or p["rapportstatus"] == "avvist")]
        inds = [i for i in indikatorar if i["innsending_id"] == p["innsending_id"]]
        facts = findings.ProjectFacts(prosjekt=p, avvik=mine, indikatorar=inds, svarfrist=svarfrist,
                                      konto=sec["konto"])
        form = p["malform"]
        out.append({
            **base, "form": form,
            "prosjekt": {**p, "forbruk_kr": p["forbruk_kr"], "neste_aar_innvilga_kr": (
                None if p["avsluttar_i_aar"] else p["neste_aar_innvilga_kr"])},
            "indikatorar": inds,
            "funn": [f.for_form(form) for f in findings.findings(facts)],
            "svarfrist": svarfrist,
            "konto": sec["konto"],
            "kontakt": sec["kontakt"],
        })
    return out
