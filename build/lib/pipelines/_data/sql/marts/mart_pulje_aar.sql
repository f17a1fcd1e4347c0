-- mart_pulje_aar — grain: one pool in the year (the report adds the total; kommunar_alle_puljar is the total)
with prosjekt as (
    select * from int_prosjekt_aar where aar = $aar
),
deltakarar as (
    select distinct pulje, knr
    from prosjekt, unnest(prosjekt.kommunenummer_alle) as u(knr)
),
kommunar as (
    select pulje, count(*) as kommunar
    from deltakarar
    group by pulje
),
-- a municipality in both pools counts once in the programme's total, so the total is not the sum of the pools
kommunar_alle_puljar as (
    select count(distinct knr) as kommunar_alle_puljar
    from deltakarar
),
final as (
    select
        p.pulje,
        count(*)                                                   as prosjekt,
        any_value(k.kommunar)                                      as kommunar,
        any_value(a.kommunar_alle_puljar)                          as kommunar_alle_puljar,
        count(*) filter (where rapportstatus = 'i_tide')           as rapportar_i_tide,
        count(*) filter (where rapportstatus = 'for_seint')        as rapportar_for_seint,
        count(*) filter (where rapportstatus = 'manglar')          as rapportar_manglar,
        count(*) filter (where rapportstatus = 'avvist')           as rapportar_avviste,
        sum(innvilga_kr)                                           as innvilga_kr,
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
    left join kommunar k using (pulje)
    cross join kommunar_alle_puljar a
    group by p.pulje
)
select * from final
order by pulje
