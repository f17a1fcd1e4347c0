"""The documents: the annual report for the programme council, a letter to every project, a receipt per file."""

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pandas as pd

from pipelines import lineage, run_record, sporing, versions, warehouse
from pipelines.assets.ingest import VALIDATED
from pipelines.assets.marts import MODELS, asset_deps, mart_assets
from pipelines.documents import (
    findings,
    letter_journal,
    pdf,
    receipts,
    report_context,
    templating,
)
from pipelines.partitions import year_check, years
from pipelines.resources import Settings

OWNER = "team:sekretariatet"
MARTS = [a.key for a in mart_assets]
# every document's run key names the files of the earlier years too (`run_key`)
RUN_KEY_QUERY = "reports/grunnlag_filer"


def document_deps(prefix: str, same_year: list[dg.AssetKey]) -> list[dg.AssetDep]:
    """A document's upstream assets: those of the year, and, for what its queries (`sql/reports/<prefix>*.sql`
    and the run key's) read from earlier years too (`aar <= $aar`), every year up to its own, so that a
    corrected earlier year makes the later years' documents stale."""
    queries = [f"reports/{p.stem}" for p in warehouse.sql_files("reports") if p.stem.startswith(prefix)]
    earlier = asset_deps(
        frozenset().union(*(lineage.reads(q) for q in [*queries, RUN_KEY_QUERY] if lineage.reads_earlier_years(q))),
        cross_year=True,
    )
    up_to = {d.asset_key for d in earlier}
    return earlier + [dg.AssetDep(k) for k in same_year if k not in up_to]


def run_key(con, year: int) -> str:
    """Names the inputs, not the moment: the same files and code give the same key (and the same PDF).

    The inputs are every file version of the year and of the years before it (the indicator series
    reads them), and the register; running an earlier year again therefore gives another key only
    when it changed what the report stands on.
    """
    files = warehouse.scalar(con, "reports/grunnlag_filer", year)
    return hashlib.sha256(
        f"{year}|{versions.figures()}|{files}|{warehouse.register_fingerprint(con)}".encode()
    ).hexdigest()[:12]


def _base(con, settings: Settings, year: int, form: str, run_id: str | None = None) -> dict:
    sample = bool(warehouse.scalar(con, "reports/eksempeldata", year))
    return report_context.common(
        year,
        form,
        report_context.report_date(con, year, settings.rapportdato),
        run_id or run_key(con, year),
        versions.figures(),
        settings.status,
        sample,
    )


def printed_run_id(template: str, ctx: dict, settings: Settings, run_id: str, instance: dg.DagsterInstance) -> str:
    """The Dagster run id a document prints: the run that first rendered this content.

    The report (in its appendix) and each letter name the run that made them, so an auditor finds the
    run (and its checks and logs) in the UI's Runs list. A re-run over the same inputs makes the same
    document, which keeps its bytes and the id of the run that first made it, rather than a new PDF that
    differs only in the id. The content is `template`'s HTML with the run id left out (the report's body,
    a letter itself); a recorded run this instance does not know (another history in the same folder) is
    replaced by this run.
    """
    html = templating.render_html(template, {**ctx, "run_id": "-"}, ctx["form"])
    record = settings.cache_dir / "kjoring" / f"{pdf.cache_key(html)}.json"
    try:
        first = json.loads(record.read_text(encoding="utf-8"))["dagster_run_id"]
        if instance.get_run_by_id(first) is not None:
            return first
    except (OSError, ValueError, KeyError):
        pass
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"dagster_run_id": run_id}), encoding="utf-8")
    return run_id


TOTALS_CHECK = "totaler_stemmer_med_lageret"
TOTALS_SQL = f"checks/arsrapport__{TOTALS_CHECK}"
# the pools' sums, and the municipalities, which the total counts once
SUMMARY_FIGURES = ("prosjekt", "kommuner", *(f for f in report_context.POOL_SUMS if f != "prosjekt"))


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
    recomputed = {
        ("totalt" if pd.isna(r["pulje"]) else f"pulje {int(r['pulje'])}"): r
        for r in warehouse.query(con, TOTALS_SQL, year).to_dict("records")
    }
    rows = []
    for row in sorted(set(printed) | set(recomputed)):
        for figure in SUMMARY_FIGURES:
            in_report, in_warehouse = printed.get(row, {}).get(figure), recomputed.get(row, {}).get(figure)
            rows.append(
                {
                    "rad": row,
                    "tall": figure,
                    "rapporten": _plain_number(in_report),
                    "lageret": _plain_number(in_warehouse),
                    "stemmer": row in printed
                    and row in recomputed
                    and _as_printed(in_report) == _as_printed(in_warehouse),
                }
            )
    table = pd.DataFrame(rows).rename(columns={"rad": "rad_i_rapporten"})
    differences = table[~table["stemmer"]]
    # every figure compared, pool by pool, so the UI shows what was compared with what
    return dg.AssetCheckResult(
        check_name=TOTALS_CHECK,
        passed=differences.empty,
        metadata={
            "tall_sammenlignet": len(table),
            "avvik": len(differences),
            "sql": f"sql/{TOTALS_SQL}.sql",
            "sammenligning": sporing.table(table),
            "avvik_tabell": dg.MetadataValue.md(
                differences.drop(columns=["stemmer"]).to_markdown(index=False) if len(differences) else "_ingen_"
            ),
        },
    )


@dg.asset(
    key=["reports", "arsrapport"],
    group_name="reports",
    partitions_def=years,
    deps=document_deps("arsrapport_", MARTS),
    owners=[OWNER],
    kinds={"pdf"},
    code_version=versions.documents(),
    description=(
        "Årsrapporten til programrådet (`arsrapport-<år>.pdf`, på bokmål, eller nynorsk når kjøringens `form` er "
        "`nn`): hovedbudskapet i ord først, så prosjekter, rapporter og tilskudd per pulje, prosjekter etter status "
        "(og i 2015 hele programperioden), nettverk (med en rad for prosjekter uten nettverk, og summer), hvert tema "
        "med prosjektenes siterte hovedfunn, gode eksempler og utvikling mot prosjektets eget utgangspunkt (aldri en "
        "rangering), utviklingen fra 2012, tiltak og et risikosammendrag, økonomi og datakvalitet. Lister som blir "
        "lengre enn en side, blir tall per pulje eller nettverk. Revisorenes materiale er et eget dokument, "
        "`arsrapport-<år>-vedlegg.pdf` (kjøringens identitet, kodeversjon, hver kildefil med SHA-256), med fillisten "
        "også som `arsrapport-<år>-filer.csv`. Bygget bare fra martene. PDF/A-2a, tagget. Metadataene lenker til "
        "martene bak sammendraget, og `dagster_kjoring` er kjøringen vedlegget trykker."
    ),
    check_specs=[
        year_check(
            TOTALS_CHECK,
            ["reports", "arsrapport"],
            blocking=False,
            description="Sammendragets tall slik rapporten trykker dem (prosjekter, kommuner, rapporter i tide, for "
            "sent, manglende og avviste, innvilget, utbetalt, forbruk og ubrukt, per pulje og totalt) er "
            "de samme som tallene regnet på nytt fra registeret og innsendingene, uten martene.",
        )
    ],
)
def arsrapport(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
    year = int(context.partition_key)
    names = report_context.report_files(year)
    with settings.connect(read_only=True) as con:
        key = run_key(con, year)
        base = _base(con, settings, year, settings.form)
        sec = report_context.secretariat(Path(settings.register_dir))
        base["departement"] = report_context.ministry(sec, base["rapportdato"])
        ctx = report_context.annual_report(con, year, base)
        appendix = report_context.appendix(con, year, base)
        check = totals_against_warehouse(con, ctx, year)
    # the appendix prints the run that first made this report content (the report body does not)
    ctx["run_id"] = appendix["run_id"] = printed_run_id(
        "arsrapport.html.j2", ctx, settings, context.run_id, context.instance
    )
    folder = settings.year_dir(year)
    out = folder / names["rapport_fil"]
    # the report and its appendix for the auditors (run identity, every file with its SHA-256), and the
    # file list as CSV beside them
    info, appendix_info = pdf.render_many(
        [
            ("arsrapport.html.j2", ctx, settings.form, out),
            ("arsrapport_vedlegg.html.j2", appendix, settings.form, folder / names["vedlegg_fil"]),
        ],
        processes=1,
        cache=settings.cache_dir / "pdf",
    )
    # the bytes whose SHA-256 the appendix prints
    (folder / names["vedlegg_csv"]).write_bytes(appendix["vedlegg_csv_bytes"])
    totals = pd.DataFrame(
        [*ctx["pulje"], {"pulje": "totalt", **ctx["pulje_totalt"]}], columns=["pulje", *SUMMARY_FIGURES]
    )
    return dg.MaterializeResult(
        metadata={
            "sti": dg.MetadataValue.path(info["path"]),
            "sha256": info["sha256"],
            "sider": info["pages"],
            "bytes": info["bytes"],
            "vedlegg": dg.MetadataValue.path(appendix_info["path"]),
            "vedlegg_sha256": appendix_info["sha256"],
            "vedlegg_sider": appendix_info["pages"],
            "maalform": settings.form,
            # the run id printed in the report: the run that first made this content (a link in the UI)
            "dagster_kjoring": dg.MetadataValue.dagster_run(ctx["run_id"]),
            "kjoringsnokkel": key,
            "rapportdato": ctx["rapportdato"].isoformat(),
            "eksempeldata": ctx["eksempeldata"],
            # the summary as printed; each column's description names the report's label («Innvilget» …)
            "tall_per_pulje": sporing.table(totals),
            # where the auditor goes next: the mart behind the summary, whose `kilderader` lists, for
            # every pool and column, the grant letters and report fields its figures add up
            "kilder_sammendrag": dg.MetadataValue.asset(dg.AssetKey(["marts", "mart_pulje_aar"])),
            "kilder_per_prosjekt": dg.MetadataValue.asset(dg.AssetKey(["marts", "mart_prosjekt_aar"])),
        },
        check_results=[check],
        data_version=dg.DataVersion(info["sha256"][:16]),
    )


RECEIPTS = dg.AssetKey(["reports", "kvitteringer"])


@dg.asset(
    key=RECEIPTS,
    group_name="reports",
    partitions_def=years,
    deps=[VALIDATED, MODELS],
    owners=[OWNER],
    kinds={"pdf"},
    code_version=versions.documents(),
    description=(
        "En kvittering per mottatt fil (`kvitteringer/<filnavn uten endelse>.pdf`), samme dag som filen kommer inn: "
        "til prosjektet på vertskommunens målform, med hva vi mottok (navn, dato, SHA-256), hva vi leste "
        "(indikatorer, tiltak og risikoer), hver feil som må rettes med ark, rad, felt, verdien som sto der og "
        "hva skjemaet venter, og rapporteringsfristen. En fil som ikke kan knyttes til ett prosjekt i registeret "
        "(uleselig, uten eller med ukjent prosjektnummer, flere prosjekter), får kvitteringen adressert til sekretariatet. "
        "Kvitteringen er datert med mottaksdatoen i filnavnet. Bare filer uten kvittering, eller der fakta er "
        "endret, får en ny; hver står i brevjournalen (`core_brevjournal`, dokument `kvittering`) og i "
        "`kvitteringer/journal.csv`."
    ),
)
def kvitteringer(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
    year = int(context.partition_key)
    year_dir = settings.year_dir(year)
    folder = year_dir / receipts.FOLDER
    with settings.connect() as con:
        sample = bool(warehouse.scalar(con, "reports/eksempeldata", year))
        contexts = receipts.receipt_contexts(
            con, year, settings.rapportdato, sample, versions.figures(), Path(settings.register_dir)
        )
        earlier = letter_journal.latest_by_file(letter_journal.receipts_sent(con, year))
        new, restore = receipts.plan(contexts, earlier, folder)
        written = [*new, *restore]
        jobs = [(receipts.TEMPLATE, c, c["form"], year_dir / c["kvittering_fil"]) for c in written]
        folder.mkdir(parents=True, exist_ok=True)
        results = pdf.render_many(jobs, cache=settings.cache_dir / "pdf")
        rows = receipts.to_journal(written, results, earlier)
        letter_journal.record(con, rows)
        sent = letter_journal.receipts_sent(con, year)
    journal = letter_journal.write_receipts_csv(folder / "journal.csv", sent)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(contexts),
            "mappe": dg.MetadataValue.path(str(folder)),
            # a new or changed file gets a receipt; the others stand as they were sent
            "nye_kvitteringer": len(new),
            "skrevet_paa_nytt": len(restore),
            "uendret": len(contexts) - len(new) - len(restore),
            "til_sekretariatet": sum(c["mottaker"] is None for c in contexts),
            "nye": sporing.table(
                pd.DataFrame(rows, columns=["filnavn", "mottaker", "maalform", "funn", "fil", "sha256"])
            ),
            "journal": sporing.table(journal),
            "journal_fil": dg.MetadataValue.path(str(folder / "journal.csv")),
        },
        data_version=sporing.fingerprint(context.asset_key, year, journal),
    )


@dg.asset(
    key=["reports", "oppfolgingsbrev"],
    group_name="reports",
    partitions_def=years,
    deps=document_deps(
        "brev_", [dg.AssetKey(["marts", "mart_prosjekt_aar"]), dg.AssetKey(["marts", "mart_indikator_aar"])]
    ),
    owners=[OWNER],
    kinds={"pdf"},
    code_version=versions.documents(),
    description=(
        "Ett oppfølgingsbrev per aktivt prosjekt (`brev/<prosjektnummer>.pdf`) på vertskommunens målform (nynorsk "
        "til en nynorskkommune, ellers bokmål), alle datert med puljens ene virkedag: hver fil som kom inn og hva "
        "som ble av den, eller en purring når fristen er ute, indikatorene mot prosjektets eget utgangspunkt og mål, "
        "hvert funn med frist, tilskuddet, neste frist og klageretten der brevet holder tilbake eller krever "
        "tilbake penger. Utkast til en kjøring med status `endelig` sender puljen: da får hvert brev journalnummer, "
        "arkiveres i `brev/sendt/` og føres i `core_brevjournal`, og skrives aldri om; senere kjøringer skriver brev "
        "bare til prosjekt der fakta er endret. Metadataene lister hvert brev (`journal`, med SHA-256) og hvert funn "
        "med fil, ark, rad og verdi (`funn`); `brev/journal.csv` er journalen."
    ),
    check_specs=[
        year_check(
            "brev_til_alle_aktive_prosjekt",
            ["reports", "oppfolgingsbrev"],
            blocking=False,
            description="Hvert prosjekt som er aktivt i året, har nøyaktig ett gjeldende brev (et "
            "utkast eller det sendte brevet), unntatt der ingenting er forfalt ennå.",
        )
    ],
)
def oppfolgingsbrev(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
    year = int(context.partition_key)
    letter_dir = settings.year_dir(year) / "brev"
    final = settings.status == "endelig"
    with settings.connect() as con:
        contexts = report_context.letters(
            con, year, _base(con, settings, year, "nb"), settings.rapportdato, Path(settings.register_dir)
        )
        active = warehouse.scalar(con, "reports/aktive_prosjekt", year)
        earlier = letter_journal.latest_by_project(letter_journal.dispatched(con, year))
        to_write, standing = letter_journal.plan(contexts, earlier, final)
        for c in to_write:  # each letter prints the run that first wrote it, as the report does
            c["run_id"] = printed_run_id("brev.html.j2", c, settings, context.run_id, context.instance)
        jobs = [("brev.html.j2", c, c["form"], letter_dir / f"{c['prosjekt']['prosjektnummer']}.pdf") for c in to_write]
        letter_dir.mkdir(parents=True, exist_ok=True)
        keep = {job[3] for job in jobs} | {letter_dir / f"{pn}.pdf" for pn in standing}
        for stale in set(letter_dir.glob("*.pdf")) - keep:
            stale.unlink()  # a project no longer active in the year, or not yet due
        results = pdf.render_many(jobs, cache=settings.cache_dir / "pdf")
        new_rows = []
        if final:
            journaled = {r["fil"] for r in letter_journal.dispatched(con, year)}
            letter_journal.clear_unfinished(letter_dir)
        for c, job, r in zip(to_write, jobs, results):
            fil = f"brev/{job[3].name}"
            if final:
                target = letter_journal.archive(letter_dir, c, job[3], journaled)
                fil = f"brev/{target.relative_to(letter_dir).as_posix()}"
            new_rows.append(letter_journal.row(c, fil, r))
        if final:
            letter_journal.record(con, new_rows)
        sent = letter_journal.dispatched(con, year)
    for pn in standing:
        letter_journal.restore_standing(letter_dir, earlier[pn])
    journal = letter_journal.write_csv(letter_dir / "journal.csv", sent, [] if final else new_rows)
    letters = sorted(p.stem for p in letter_dir.glob("*.pdf"))
    not_due = active - len(contexts)
    forms = pd.Series([c["form"] for c in contexts]).value_counts().to_dict() if contexts else {}
    rendered = sum(not r["reused"] for r in results)
    folder = settings.year_dir(year) / "sporing"
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(contexts),
            "mappe": dg.MetadataValue.path(str(letter_dir)),
            "maalform": json.dumps(forms),
            "status": settings.status,
            "purringer": sum(c["variant"] == "mangler" for c in contexts),
            "nye_brev": len(to_write),
            "sendte_brev_staar": len(standing),
            "ikke_forfalte": not_due,
            # a re-run after one corrected file renders that project's letter; the rest are unchanged
            "tegnet_paa_nytt": rendered,
            "uendret": len(contexts) - rendered,
            **sporing.traced("journal", journal, folder / "brevjournal.csv"),
            # each finding of each letter, and for a quoted issue its file, sheet, row and value
            **sporing.traced("funn", letter_findings(contexts), folder / "brevfunn.csv"),
        },
        check_results=[
            dg.AssetCheckResult(
                passed=len(letters) == len(contexts) == active - not_due and len(set(letters)) == len(letters),
                metadata={"aktive_prosjekt": active, "brev": len(letters), "ikke_forfalte": not_due},
            )
        ],
        data_version=sporing.fingerprint(context.asset_key, year, journal),
    )


FINDING_COLUMNS = ["prosjektnummer", "funn", "alvor", "filnavn", "ark", "rad", "felt", "verdi", "tekst", "sha256"]


def letter_findings(contexts: list[dict]) -> pd.DataFrame:
    """One row per finding of each letter; a finding that quotes a recorded issue carries its place."""
    rows = []
    for c in contexts:
        for f in c["funn"]:
            place = f["kilde"] or {}
            rows.append(
                {
                    "prosjektnummer": c["prosjekt"]["prosjektnummer"],
                    "funn": f["kode"],
                    "alvor": f["alvorsgrad"],
                    "tekst": f["tekst"],
                    **{k: place.get(k) for k in findings.PLACE},
                }
            )
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


@dg.asset(
    key=["reports", "kjoring"],
    group_name="reports",
    partitions_def=years,
    deps=[dg.AssetKey(["reports", "arsrapport"]), dg.AssetKey(["reports", "oppfolgingsbrev"]), RECEIPTS],
    owners=[OWNER],
    kinds={"json"},
    code_version=versions.documents(),
    description=(
        "Kjøringens egen oversikt, `run.json`: Dagster-kjørings-ID-en (den samme som årsrapporten trykker når "
        "innholdet er nytt), filer etter utfall, innsendinger, avvik, aktive prosjekter, brev og kvitteringer. Skrives av "
        "kjøringen den beskriver, enten den startet fra `samanom run`, UI-et, sensoren eller timeplanen; et steg "
        "som feiler, skriver den med `vellykket: false`."
    ),
)
def kjoring(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
    year = int(context.partition_key)
    record = run_record.summary(settings, year, context.run_id, True)
    path = run_record.write(settings, year, record)
    return dg.MaterializeResult(
        data_version=dg.DataVersion(hashlib.sha256(path.read_bytes()).hexdigest()[:16]),
        metadata={
            "sti": dg.MetadataValue.path(str(path)),
            "dagster_kjoring": dg.MetadataValue.dagster_run(context.run_id),
            **{k: v for k, v in record.items() if isinstance(v, (int, str)) and not isinstance(v, bool)},
        },
    )
