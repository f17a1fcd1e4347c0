"""The documents: the annual report for the programme council and a letter to every project."""


import hashlib
import json
from decimal import Decimal

import dagster as dg
import pandas as pd

from pipelines import rendering, report_context, warehouse
from pipelines.assets.marts import mart_assets
from pipelines.partitions import years
from pipelines import versions
from pipelines.resources import Settings

OWNER = "team:sekretariatet"
MARTS = [a.key for a in mart_assets]


def run_key(con, year: int) -> str:
    """Names the inputs, not the moment: the same files and code give the same key (and the same PDF)."""
    shas = warehouse.scalar(con, "reports/grunnlag_filer", year)
    return hashlib.sha256(f"{year}|{versions.figures()}|{shas}".encode()).hexdigest()[:12]


def _base(con, settings: Settings, year: int, form: str) -> dict:
    sample = bool(warehouse.scalar(con, "reports/eksempeldata", year))
    return report_context.common(year, form, report_context.report_date(con, year, settings.rapportdato),
                                 run_key(con, year), versions.figures(), settings.status, sample)


TOTALS_CHECK = "totalar_stemmer_med_lageret"
TOTALS_SQL = f"checks/arsrapport__{TOTALS_CHECK}"
# the pools' sums, and the municipalities, which the total counts once
SUMMARY_FIGURES = ("prosjekt", "kommunar", *(f for f in report_context.POOL_SUMS if f != "prosjekt"))


def _as_printed(value) -> Decimal:
    # the report prints money to the øre and a missing figure as a dash, where the warehouse says 0
    if value is None or pd.isna(value):
        return Decimal(0)
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _plain_number(value):
    if value is None or pd.isna(value):
        return None
    return int(value) if Decimal(str(value)) == int(value) else float(value)


def totals_against_warehouse(con, ctx: dict, year: int) -> dg.AssetCheckResult:
    """The summary the report printed (per pool and total) against the same figures computed again
    from the register and the submissions, without the marts."""
    printed = {f"pulje {r['pulje']}": r for r in ctx["pulje"]}
    printed["totalt"] = ctx["pulje_totalt"]
    recomputed = {("totalt" if pd.isna(r["pulje"]) else f"pulje {int(r['pulje'])}"): r
                  for r in warehouse.query(con, TOTALS_SQL, year).to_dict("records")}
    rows = []
    for row in sorted(set(printed) | set(recomputed)):
        for figure in SUMMARY_FIGURES:
            in_report, in_warehouse = printed.get(row, {}).get(figure), recomputed.get(row, {}).get(figure)
            rows.append({"rad": row, "tal": figure, "rapporten": _plain_number(in_report),
                         "lageret": _plain_number(in_warehouse),
                         "stemmer": row in printed and row in recomputed
                         and _as_printed(in_report) == _as_printed(in_warehouse)})
    table = pd.DataFrame(rows)
    differences = table[~table["stemmer"]].drop(columns=["stemmer"])
    return dg.AssetCheckResult(
        check_name=TOTALS_CHECK, passed=differences.empty,
        metadata={"tal_samanlikna": len(table), "avvik": len(differences),
                  "sql": f"sql/{TOTALS_SQL}.sql",
                  "avvik_tabell": dg.MetadataValue.md(differences.to_markdown(index=False)
                                                      if len(differences) else "_ingen_")})


@dg.asset(
    key=["reports", "arsrapport"],
    group_name="reports",
    partitions_def=years,
    deps=MARTS,
    owners=[OWNER],
    kinds={"pdf"},
    code_version=versions.documents(),
    description=(
        "The annual report for the programme council (`arsrapport-<year>.pdf`, in bokmål, or in nynorsk when "
        "the run's `form` is `nn`): key messages in words first, then projects, reports and grants per pool, "
        "projects by status (and in 2015 the whole programme period), networks (with a row for projects "
        "without one and totals), each theme with the projects' quoted main findings, good examples and "
        "development against each project's own baseline (never a ranking), trends from 2012, measures and a "
        "risk summary, economy and data quality. Lists longer than a page become counts per pool or network. "
        "The auditors' material is a document of its own, `arsrapport-<year>-vedlegg.pdf` (run identity, code "
        "version, every source file with its SHA-256), with the file list also as `arsrapport-<year>-filer.csv`. "
        "Built from the marts only. PDF/A-2a, tagged."
    ),
    check_specs=[dg.AssetCheckSpec(
        TOTALS_CHECK, asset=["reports", "arsrapport"], blocking=False,
        description="The summary's totals as printed (projects, municipalities, reports on time, late, missing "
                    "and rejected, grants granted, paid, spent and unspent, per pool and in total) equal the "
                    "same figures computed again from the register and the submissions, without the marts.")],
)
def arsrapport(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
    year = int(context.partition_key)
    names = report_context.report_files(year)
    with settings.connect(read_only=True) as con:
        base = _base(con, settings, year, settings.form)
        ctx = report_context.annual_report(con, year, base)
        appendix = report_context.appendix(con, year, base)
        check = totals_against_warehouse(con, ctx, year)
    folder = settings.year_dir(year)
    out = folder / names["rapport_fil"]
    # the report and its appendix for the auditors (run identity, every file with its SHA-256), and the
    # file list as CSV beside them
    info, appendix_info = rendering.render_many(
        [("arsrapport.html.j2", ctx, settings.form, out),
         ("arsrapport_vedlegg.html.j2", appendix, settings.form, folder / names["vedlegg_fil"])],
        processes=1, cache=settings.cache_dir / "pdf")
    report_context.file_list(appendix["filer"]).to_csv(folder / names["vedlegg_csv"], index=False,
                                                       encoding="utf-8")
    totals = pd.DataFrame([*ctx["pulje"], {"pulje": "totalt", **ctx["pulje_totalt"]}],
                          columns=["pulje", *SUMMARY_FIGURES])
    return dg.MaterializeResult(metadata={
        "sti": dg.MetadataValue.path(info["path"]),
        "sha256": info["sha256"], "sider": info["pages"], "bytes": info["bytes"],
        "vedlegg": dg.MetadataValue.path(appendix_info["path"]), "vedlegg_sha256": appendix_info["sha256"],
        "vedlegg_sider": appendix_info["pages"],
        "malform": settings.form,
        "kjoeringsnoekkel": ctx["run_id"], "rapportdato": ctx["rapportdato"].isoformat(),
        "eksempeldata": ctx["eksempeldata"],
        "tal_per_pulje": dg.MetadataValue.md(totals.to_markdown(index=False, floatfmt=".2f")),
    }, check_results=[check])


@dg.asset(
    key=["reports", "oppfolgingsbrev"],
    group_name="reports",
    partitions_def=years,
    deps=[dg.AssetKey(["marts", "mart_prosjekt_aar"]), dg.AssetKey(["marts", "mart_indikator_aar"])],
    owners=[OWNER],
    kinds={"pdf"},
    code_version=versions.documents(),
    description=(
        "One follow-up letter per active project (`brev/<prosjektnummer>.pdf`), in the lead municipality's "
        "language form (nynorsk to a nynorsk municipality, bokmål otherwise): receipt of the report or a "
        "reminder, the indicators against the project's own baseline and target, every finding with its "
        "deadline, and the next year's grant. `brev/journal.csv` lists every letter for the archive."
    ),
    check_specs=[dg.AssetCheckSpec("brev_til_alle_aktive_prosjekt", asset=["reports", "oppfolgingsbrev"],
                                   description="Every project active in the year has exactly one letter.")],
)
def oppfolgingsbrev(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
    year = int(context.partition_key)
    letter_dir = settings.year_dir(year) / "brev"
    with settings.connect(read_only=True) as con:
        contexts = report_context.letters(con, year, _base(con, settings, year, "nb"), settings.rapportdato)
        active = warehouse.scalar(con, "reports/aktive_prosjekt", year)
    jobs = [("brev.html.j2", c, c["form"], letter_dir / f"{c['prosjekt']['prosjektnummer']}.pdf") for c in contexts]
    letter_dir.mkdir(parents=True, exist_ok=True)
    for stale in set(letter_dir.glob("*.pdf")) - {job[3] for job in jobs}:
        stale.unlink()  # a project no longer active in the year
    results = rendering.render_many(jobs, cache=settings.cache_dir / "pdf")
    journal = pd.DataFrame([{
        "prosjektnummer": c["prosjekt"]["prosjektnummer"], "kommunenummer": c["prosjekt"]["kommunenummer"],
        "kommune": c["prosjekt"]["kommune"], "malform": c["form"], "rapportstatus": c["prosjekt"]["rapportstatus"],
        "dato": c["rapportdato"].isoformat(), "svarfrist": c["svarfrist"].isoformat(),
        "funn": ";".join(f["kode"] for f in c["funn"]),
        "tilbakebetaling_kr": next((c["prosjekt"]["ubrukt_kr"] for f in c["funn"] if f["kode"] == "tilbakebetaling"),
                                   0),
        "neste_aar_innvilga_kr": c["prosjekt"]["neste_aar_innvilga_kr"],
        "fil": f"brev/{c['prosjekt']['prosjektnummer']}.pdf", "sha256": r["sha256"], "sider": r["pages"],
    } for c, r in zip(contexts, results)])
    journal.to_csv(letter_dir / "journal.csv", index=False, encoding="utf-8")
    letters = sorted(p.stem for p in letter_dir.glob("*.pdf"))
    forms = journal["malform"].value_counts().to_dict() if len(journal) else {}
    rendered = sum(not r["reused"] for r in results)
    return dg.MaterializeResult(
        metadata={"dagster/row_count": len(results), "mappe": dg.MetadataValue.path(str(letter_dir)),
                  "malform": json.dumps(forms), "purringar": int((journal["rapportstatus"] == "manglar").sum())
                  if len(journal) else 0,
                  # a re-run after one corrected file renders that project's letter; the rest are unchanged
                  "teikna_paa_nytt": rendered, "uendra": len(results) - rendered,
                  "journal": dg.MetadataValue.md(journal.drop(columns=["sha256"]).head(20).to_markdown(index=False)
                                                 if len(journal) else "_tom_")},
        check_results=[dg.AssetCheckResult(passed=len(letters) == active == len(set(letters)),
                                           metadata={"aktive_prosjekt": active, "brev": len(letters)})],
    )
