-- stg_overforinger — grain: one approved transfer of unspent funds from a grant year to the next (sample data)
select
    vedtak,
    cast(dato as date)            as dato,
    prosjektnummer,
    cast(fra_aar as integer)      as fra_aar,
    cast(til_aar as integer)      as til_aar,
    cast(belop_kr as bigint)     as belop_kr,
    eksempeldata = 'ja'           as eksempeldata
from ref_overforinger
