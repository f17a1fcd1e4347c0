-- stg_tilbakebetalingar — grain: one repayment received, for the grant year it settles (sample data)
select
    bilag,
    cast(dato as date)            as dato,
    prosjektnummer,
    cast(aar as integer)          as aar,
    cast(beloep_kr as bigint)     as beloep_kr,
    nullif(kid, '')               as kid,
    eksempeldata = 'ja'           as eksempeldata
from ref_tilbakebetalingar
