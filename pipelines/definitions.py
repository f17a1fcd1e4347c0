"""The samanom code location: the yearly cycle from inbox to letters, as Dagster assets."""

import dagster as dg

from pipelines.assets.ingest import innkomne_filer, innsendingar, validerte_innsendingar
from pipelines.assets.marts import mart_assets, prosjekt_aar
from pipelines.assets.register import register_assets
from pipelines.assets.reports import arsrapport, koeyring, kvitteringar, oppfolgingsbrev
from pipelines.resources import settings
from pipelines.sensors import (
    aarleg_koeyring,
    aarskoeyring,
    innboks_koeyring,
    innboks_sensor,
)

yearly_assets = [
    innkomne_filer,
    innsendingar,
    validerte_innsendingar,
    prosjekt_aar,
    *mart_assets,
    kvitteringar,
    arsrapport,
    oppfolgingsbrev,
    koeyring,
]

# One run writes the DuckDB file at a time (DuckDB allows one writer): steps run in one process,
# and the letters are rendered in a process pool inside their asset.
defs = dg.Definitions(
    assets=[*register_assets, *yearly_assets],
    jobs=[aarskoeyring, innboks_koeyring],
    sensors=[innboks_sensor],
    schedules=[aarleg_koeyring],
    resources={"settings": settings()},
    executor=dg.in_process_executor,
)
