"""The documents: the annual report for the programme council and a letter to every project."""


import hashlib
import json

import dagster as dg
import pandas as pd

from pipelines import rendering, report_context
from pipelines.assets.marts import mart_assets
from pipelines.partitions import years
from pipelines.resources import Settings, code_version

OWNER = "team:sekretariatet"
MARTS = [a.key for a in mart_assets]


def run_key(con, year: int) -> str:
    """Names the inputs, not the moment: the same files and code give the same key (and the same PDF)."""
    shas = con.execute("select coalesce(string_agg(sha256, ',' order by sha256), '') from raw_filer where aar = ?",
                       [year]).fetchone()[0]
    return hashlib.sha256(f"{year}|{code_version()}|{shas}".encode()).hexdigest()[:12]


def _base(con, settings: Settings, year: int, form: str) -> dict:
    sample = bool(con.execute("select bool_or(eksempeldata) from stg_tilskudd").fetchone()[0])
    return report_context.common(year, form, report_context.report_date(con, year, settings.rapportdato),
                                 run_key(con, year), code_version(), settings.status, sample)


@dg.asset(
    key=["reports", "arsrapport"],
    group_name="reports",
    partitions_def=years,
    deps=MARTS,
    owners=[OWNER],
    kinds={"pdf"},
    code_version=code_version(),
    description=(
        "The annual report for the programme council (`arsrapport-<year>.pdf`, bokmål): projects, reports, "
        "grants, networks, each theme's indicators as development against each project's own baseline "
        "(never a ranking), measures and risks, good examples, economy, data quality, and an appendix of "
        "every source file with its SHA-256. Built from the marts only. PDF/A-2a, tagged."
    ),
)
def arsrapport(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
    year = int(context.partition_key)
    with settings.connect(read_only=True) as con:
        ctx = report_context.annual_report(con, year, _base(con, settings, year, "nb"))
    out = settings.year_dir(year) / f"arsrapport-{year}.pdf"
    info = rendering.render_pdf("arsrapport.html.j2", ctx, "nb", out)
    totals = pd.DataFrame(ctx["pulje"])
    return dg.MaterializeResult(metadata={
        "sti": dg.MetadataValue.path(info["path"]),
        "sha256": info["sha256"], "sider": info["pages"], "bytes": info["bytes"],
        "kjoeringsnoekkel": ctx["run_id"], "rapportdato": ctx["rapportdato"].isoformat(),
        "eksempeldata": ctx["eksempeldata"],
        "tal_per_pulje": dg.MetadataValue.md(totals.to_markdown(index=False) if len(totals) else "_tom_"),
    })


@dg.asset(
    key=["reports", "oppfolgingsbrev"],
    group_name="reports",
    partitions_def=years,
    deps=[dg.AssetKey(["marts", "mart_prosjekt_aar"]), dg.AssetKey(["marts", "mart_indikator_aar"])],
    owners=[OWNER],
    kinds={"pdf"},
    code_version=code_version(),
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
        base = _base(con, settings, year, "nb")
        contexts = report_context.letters(con, year, base)
        active = con.execute("select count(*) from int_prosjekt_aar where aar = ?", [year]).fetchone()[0]
    letter_dir.mkdir(parents=True, exist_ok=True)
    for stale in letter_dir.glob("*.pdf"):
        stale.unlink()
    jobs = [("brev.html.j2", c, c["form"], letter_dir / f"{c['prosjekt']['prosjektnummer']}.pdf") for c in contexts]
    results = rendering.render_many(jobs)
    journal = pd.DataFrame([{
        "prosjektnummer": c["prosjekt"]["prosjektnummer"], "kommunenummer": c["prosjekt"]["kommunenummer"],
        "kommune": c["prosjekt"]["kommune"], "malform": c["form"], "rapportstatus": c["prosjekt"]["rapportstatus"],
        "funn": ";".join(f["kode"] for f in c["funn"]),
        "tilbakebetaling_kr": next((c["prosjekt"]["ubrukt_kr"] for f in c["funn"] if f["kode"] == "tilbakebetaling"),
                                   0),
        "neste_aar_innvilga_kr": c["prosjekt"]["neste_aar_innvilga_kr"],
        "fil": f"brev/{c['prosjekt']['prosjektnummer']}.pdf", "sha256": r["sha256"], "sider": r["pages"],
    } for c, r in zip(contexts, results)])
    journal.to_csv(letter_dir / "journal.csv", index=False, encoding="utf-8")
    letters = sorted(p.stem for p in letter_dir.glob("*.pdf"))
    forms = journal["malform"].value_counts().to_dict() if len(journal) else {}
    return dg.MaterializeResult(
        metadata={"dagster/row_count": len(results), "mappe": dg.MetadataValue.path(str(letter_dir)),
                  "malform": json.dumps(forms), "purringar": int((journal["rapportstatus"] == "manglar").sum())
                  if len(journal) else 0,
                  "journal": dg.MetadataValue.md(journal.drop(columns=["sha256"]).head(20).to_markdown(index=False)
                                                 if len(journal) else "_tom_")},
        check_results=[dg.AssetCheckResult(passed=len(letters) == active == len(set(letters)),
                                           metadata={"aktive_prosjekt": active, "brev": len(letters)})],
    )
