"""Operating the pipeline: a sensor on the inbox and a yearly schedule after the reporting deadline.

The schedule starts the same job as `samanom run` and the UI's «Materialize all», `aarskjoring`: the
register (checked against its models first: a broken register stops the year), then the year's partition
of every yearly asset (landing → reading → warehouse → marts → reports), ending with the run's record
`run.json`.

The inbox sensor starts `innboks_kjoring`, what one new or changed file needs: landing, reading (which
reads only the files it has not read), validation, the models and marts, the file's receipt and the
letters (rendered again only where their HTML changed), and `run.json` — not the annual report, which is
rendered when the year's run asks for it (`aarskjoring`, or the secretariat from the UI). Where the
register was never loaded, the sensor starts the whole `aarskjoring` for the year instead. The sensor
starts from what is materialised: with no cursor, it takes the files each year's landing last recorded.

The cleanup sensor `opprydding`, on by default, marks failed every run left «started» by a process that is
gone (killed, or its machine restarted): with one run at a time, such a run would otherwise hold every run
the UI, the sensor, the schedule or a back-fill queues, forever. Dagster's own run monitoring cannot tell
(the default run launcher has no health check for its run workers); it only fails runs that never left
«starting», which `samanom run` and `samanom ui` turn on in the run history's `dagster.yaml`.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import dagster as dg

from pipelines import landing, runs
from pipelines.assets.register import register_assets
from pipelines.partitions import years
from pipelines.resources import settings
from pipelines.run_record import skriv_feilet_kjoring

YEARLY_GROUPS = ("landing", "reading", "warehouse", "marts", "reports")
LANDING = dg.AssetKey(["landing", "innkomne_filer"])
ANNUAL_REPORT = dg.AssetKey(["reports", "arsrapport"])
REGISTER = [a.key for a in register_assets]

aarskjoring = dg.define_asset_job(
    name="aarskjoring",
    selection=dg.AssetSelection.groups("register", *YEARLY_GROUPS),
    partitions_def=years,
    hooks={skriv_feilet_kjoring},
    description="Ett rapporteringsår gjennom hele syklusen: registeret (kontrollert mot modellene sine), så "
    "årets partisjon av hver årlige ressurs, fra filene i innboksen til årsrapporten, brevene og "
    "kjøringens egen oversikt (run.json).",
)


innboks_kjoring = dg.define_asset_job(
    name="innboks_kjoring",
    selection=dg.AssetSelection.groups(*YEARLY_GROUPS) - dg.AssetSelection.assets(ANNUAL_REPORT),
    partitions_def=years,
    hooks={skriv_feilet_kjoring},
    description="Det en ny eller endret fil i innboksen trenger, startet av innbokssensoren: årets filer tas "
    "imot og leses (bare de som ikke er lest før), valideres, modellene og martene bygges, filen får "
    "kvittering og brevene skrives der innholdet er endret. Ikke årsrapporten: den lages når årets "
    "kjøring (`aarskjoring`) ber om den, eller når sekretariatet materialiserer den i UI-et.",
)


def _inbox() -> Path:
    """Read at evaluation time, so `samanom ui --inbox DIR` and tests can point the sensor elsewhere."""
    return Path(settings().inbox)


def inbox_fingerprints(inbox: Path, only: list[str] | None = None) -> dict[str, str]:
    """`{"<year>/<file>": sha256}` for every file in the year folders of the inbox (content, not file times,
    since file times do not survive a copy or a clone)."""
    found: dict[str, str] = {}
    for year in only or years.get_partition_keys():
        for path in landing.inbox_files(inbox / year):
            found[landing.inbox_key(os.fsencode(path.relative_to(inbox).as_posix()))] = landing.sha256_of(path)
    return found


def _year_of(relpath: str) -> str:
    return relpath.split("/", 1)[0]


def year_fingerprint(fingerprints: dict[str, str], year: str) -> str:
    """One hash over a year's files (names and contents); empty string for a year without files."""
    items = sorted((p, h) for p, h in fingerprints.items() if _year_of(p) == year)
    if not items:
        return ""
    return hashlib.sha256("\n".join(f"{p}\t{h}" for p, h in items).encode()).hexdigest()[:16]


@dg.sensor(
    name="innboks_sensor",
    jobs=[innboks_kjoring, aarskjoring],
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Følger med på innboksen (én mappe per år). Når en fil kommer inn, endres eller fjernes, ber "
    "sensoren om en kjøring av `innboks_kjoring` for årets partisjon: filen leses og valideres og får "
    "kvittering, og martene og brevene følger etter; årsrapporten venter på årets kjøring. Markøren holder "
    "hver fils SHA-256, så de samme filene starter aldri en ny kjøring; uten markør begynner sensoren fra "
    "filene mottaket sist registrerte for hvert år.",
)
def innboks_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    now = inbox_fingerprints(_inbox())
    before: dict[str, str] = json.loads(context.cursor) if context.cursor else _landed(context)
    job = innboks_kjoring.name if _register_loaded(context) else aarskjoring.name
    requests = []
    for year in years.get_partition_keys():
        old, new = year_fingerprint(before, year), year_fingerprint(now, year)
        if old == new:
            continue
        changed = sorted(p for p in set(before) | set(now) if _year_of(p) == year and before.get(p) != now.get(p))
        # The key names the year's files now *and* what they replace: files reverted to an earlier
        # version still start a run, while evaluating the same change twice does not.
        requests.append(
            dg.RunRequest(
                run_key=f"{year}-{new or 'tom'}-{old or 'ny'}",
                job_name=job,
                partition_key=year,
                tags={"samanom/aar": year, "samanom/kilde": "innboks_sensor"},
            )
        )
        context.log.info(f"{year}: {len(changed)} nye, endra eller fjerna filer: {', '.join(changed[:20])}")
    if not requests:
        return dg.SensorResult(
            skip_reason=dg.SkipReason("Ingen nye eller endrede filer i innboksen."),
            cursor=json.dumps(now, sort_keys=True),
        )
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(now, sort_keys=True))


def _instance(context: dg.SensorEvaluationContext) -> dg.DagsterInstance | None:
    try:
        return context.instance
    except dg.DagsterInvariantViolationError:  # evaluated without an instance (a test): nothing is known
        return None


def _landed(context: dg.SensorEvaluationContext) -> dict[str, str]:
    """At the first tick: the files each year's landing last recorded (its `innboks_filer`), so turning
    the sensor on runs again only the years whose inbox changed since."""
    instance = _instance(context)
    if instance is None:
        return {}
    known: dict[str, str] = {}
    for year in years.get_partition_keys():
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=LANDING, asset_partitions=[year]), limit=1
        ).records
        entry = records[0].asset_materialization.metadata.get("innboks_filer") if records else None
        if entry is not None:
            known.update(entry.value)
    return known


def _register_loaded(context: dg.SensorEvaluationContext) -> bool:
    """Whether every register asset has been materialised (then a new file need not load it again)."""
    instance = _instance(context)
    if instance is None:
        return True
    return all(instance.get_latest_materialization_event(key) is not None for key in REGISTER)


@dg.sensor(
    name="opprydding",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Merker som feilet hver kjøring som fortsatt står som «startet» selv om prosessen er borte "
    "(drept eller krasjet), så den ikke lenger holder køen: med én kjøring om gangen ville kjøringer fra UI-et, "
    "sensoren, tidsplanen eller en etterfylling ellers vente på den for alltid. Hver kjøring oppgir prosessen sin "
    f"i taggen `{runs.PROCESS_TAG}`; en kjøring på en annen maskin blir stående.",
)
def opprydding(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    failed = runs.fail_abandoned_runs(context.instance)
    for run_id in failed:
        context.log.warning(f"Kjøringen {run_id} ble avbrutt uten å avslutte; den er nå markert som feilet.")
    if failed:
        return dg.SkipReason(f"Markerte {len(failed)} avbrutte kjøringer som feilet: {', '.join(failed)}.")
    return dg.SkipReason("Ingen avbrutte kjøringer.")


@dg.schedule(
    name="aarlig_kjoring",
    target=aarskjoring,
    cron_schedule="0 6 1 2 *",
    execution_timezone="Europe/Oslo",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Kjører 1. februar, dagen etter rapporteringsfristen (31. januar), året som nettopp er "
    "rapportert. Av som standard: sekretariatet slår den på i UI-et.",
)
def aarlig_kjoring(context: dg.ScheduleEvaluationContext):
    year = str(context.scheduled_execution_time.year - 1)
    if year not in years.get_partition_keys():
        return dg.SkipReason(f"{year} er ikke et rapporteringsår i programmet.")
    return dg.RunRequest(
        run_key=f"frist-{year}", partition_key=year, tags={"samanom/aar": year, "samanom/kilde": "aarlig_kjoring"}
    )
