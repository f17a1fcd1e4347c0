"""The samanom code location: the yearly cycle from inbox to letters, as Dagster assets."""

import dagster as dg

from pipelines.assets.ingest import innkomne_filer, innsendinger, validerte_innsendinger
from pipelines.assets.marts import mart_assets, prosjekt_aar
from pipelines.assets.register import register_assets
from pipelines.assets.reports import arsrapport, kjoring, kvitteringer, oppfolgingsbrev
from pipelines.resources import settings
from pipelines.sensors import (
    aarlig_kjoring,
    aarskjoring,
    innboks_kjoring,
    innboks_sensor,
    opprydding,
)

yearly_assets = [
    innkomne_filer,
    innsendinger,
    validerte_innsendinger,
    prosjekt_aar,
    *mart_assets,
    kvitteringer,
    arsrapport,
    oppfolgingsbrev,
    kjoring,
]

# One run writes the DuckDB file at a time (DuckDB allows one writer): steps run in one process,
# and the letters are rendered in a process pool inside their asset.
defs = dg.Definitions(
    assets=[*register_assets, *yearly_assets],
    jobs=[aarskjoring, innboks_kjoring],
    sensors=[innboks_sensor, opprydding],
    schedules=[aarlig_kjoring],
    resources={"settings": settings()},
    executor=dg.in_process_executor,
)
