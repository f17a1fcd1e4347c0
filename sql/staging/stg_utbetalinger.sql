-- stg_utbetalinger — grain: one payment posted in the secretariat's ledger (sample data)
select
    bilag,
    cast(dato as date)            as dato,
    prosjektnummer,
    cast(aar as integer)          as aar,
    cast(belop_kr as bigint)     as belop_kr,
    kapittel_post,
    eksempeldata = 'ja'           as eksempeldata
from ref_utbetalinger
