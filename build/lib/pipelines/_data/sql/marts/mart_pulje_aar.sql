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
        coalesce(sum(utbetalt_kr), 0)                              as utbetalt_kr,
        coalesce(sum(forbruk_kr), 0)                               as forbruk_kr,
        coalesce(sum(ubrukt_kr), 0)                                as ubrukt_kr
    from prosjekt p
    left join kommunar k using (pulje)
    cross join kommunar_alle_puljar a
    group by p.pulje
)
select * from final
order by pulje
