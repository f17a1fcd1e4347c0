-- mart_pulje_aar — grain: one pool in the year (the report adds the total; kommuner_alle_puljer is the total)
with prosjekt as (
    select * from int_prosjekt_aar where aar = $aar
),
deltakarar as (
    select distinct pulje, knr
    from prosjekt, unnest(prosjekt.kommunenummer_alle) as u(knr)
),
kommuner as (
    select pulje, count(*) as kommuner
    from deltakarar
    group by pulje
),
-- a municipality in both pools counts once in the programme's total, so the total is not the sum of the pools
kommuner_alle_puljer as (
    select count(distinct knr) as kommuner_alle_puljer
    from deltakarar
),
final as (
    select
        p.pulje,
        count(*)                                                   as prosjekt,
        any_value(k.kommuner)                                      as kommuner,
        any_value(a.kommuner_alle_puljer)                          as kommuner_alle_puljer,
        count(*) filter (where rapportstatus = 'i_tide')           as rapporter_i_tide,
        count(*) filter (where rapportstatus = 'for_sent')        as rapporter_for_sent,
        count(*) filter (where rapportstatus = 'mangler')          as rapporter_mangler,
        count(*) filter (where rapportstatus = 'avvist')           as rapporter_avviste,
        sum(innvilget_kr)                                           as innvilget_kr,
        -- money from int_okonomi_prosjekt_aar: paid is the ledger's; spent and unspent count the
        -- projects whose spending is reported, and grunnlag_kr is what those projects had to spend
        -- (paid + transferred in), the denominator of the share spent
        coalesce(sum(utbetalt_kr), 0)                              as utbetalt_kr,
        coalesce(sum(overfort_inn_kr), 0)                          as overfort_inn_kr,
        coalesce(sum(forbruk_kr), 0)                               as forbruk_kr,
        coalesce(sum(ubrukt_kr), 0)                                as ubrukt_kr,
        coalesce(sum(utbetalt_kr + overfort_inn_kr) filter (where forbruk_kr is not null), 0) as grunnlag_kr,
        coalesce(sum(overfort_ut_kr), 0)                           as overfort_ut_kr,
        count(*) filter (where forbruk_kr is not null)             as prosjekt_med_forbruk
    from prosjekt p
    left join kommuner k using (pulje)
    cross join kommuner_alle_puljer a
    group by p.pulje
)
select * from final
order by pulje
