-- stg_prosjekt — grain: one project of the register, with its network and lead municipality
with prosjekt as (
    select * from ref_prosjekt
),
deltakarar as (
    select pk.prosjektnummer,
           list(k.kommune order by pk.rolle = 'leiar' desc, k.kommune) as kommuner,
           list(pk.kommunenummer order by pk.rolle = 'leiar' desc, k.kommune) as kommunenummer_alle
    from ref_prosjekt_kommuner pk
    join ref_kommuner k using (kommunenummer)
    group by pk.prosjektnummer
),
final as (
    select
        p.prosjektnummer,
        p.prosjektnavn,
        cast(p.pulje as integer)                          as pulje,
        nullif(p.nettverk_id, '')                         as nettverk_id,
        n.nettverk,
        n.nettverksleder                                  as nettverksleder,
        string_split(p.tema, ';')                         as tema,
        p.kommunenummer,
        k.kommune,
        k.fylke,
        -- the Language Act: nynorsk to a nynorsk municipality, the secretariat's bokmål otherwise
        case when k.maalform = 'nn' then 'nn' else 'nb' end as maalform,
        cast(p.forste_aar as integer)                     as forste_aar,
        cast(p.siste_aar as integer)                      as siste_aar,
        d.kommuner,
        d.kommunenummer_alle
    from prosjekt p
    left join ref_nettverk n on n.nettverk_id = p.nettverk_id
    join ref_kommuner k using (kommunenummer)
    left join deltakarar d using (prosjektnummer)
)
select * from final
