-- stg_tilbakebetalinger — grain: one repayment received, for the grant year it settles (sample data)
select
    bilag,
    cast(dato as date)            as dato,
    prosjektnummer,
    cast(aar as integer)          as aar,
    cast(belop_kr as bigint)     as belop_kr,
    nullif(kid, '')               as kid,
    eksempeldata = 'ja'           as eksempeldata
from ref_tilbakebetalinger
