-- stg_tilskudd — grain: one project and year of the grant letters (amounts are sample data)
select
    prosjektnummer,
    cast(aar as integer)               as aar,
    cast(innvilget_kr as bigint)       as innvilget_kr,
    cast(rapporteringsfrist as date)   as rapporteringsfrist,
    -- the day it really ends: moved to a working day when loaded (pipelines/workdays.py)
    cast(rapporteringsfrist_virkedag as date) as rapporteringsfrist_virkedag,
    vilkaar,
    eksempeldata = 'ja'                as eksempeldata
from ref_tilskudd
