-- mart_pulje_aar — grain: one pool in the year (the report adds the total)
with prosjekt as (
    select * from int_prosjekt_aar where aar = $aar
),
kommunar as (
    select pulje, count(distinct knr) as kommunar
    from prosjekt, unnest(prosjekt.kommunenummer_alle) as u(knr)
    group by pulje
),
final as (
    select
        p.pulje,
        count(*)                                                   as prosjekt,
        any_value(k.kommunar)                                      as kommunar,
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
    group by p.pulje
)
select * from final
order by pulje
