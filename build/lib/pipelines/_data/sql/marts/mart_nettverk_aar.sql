-- mart_nettverk_aar — grain: one network in the year
with prosjekt as (
    select * from int_prosjekt_aar where aar = $aar
),
nettverk as (
    select nettverk_id, cast(pulje as integer) as pulje, nettverk, nettverksleder as nettverksleiar,
           string_split(tema, ';') as tema
    from ref_nettverk
),
final as (
    select
        n.pulje, n.nettverk_id, n.nettverk, n.nettverksleiar, n.tema,
        count(p.prosjektnummer)                                                 as prosjekt,
        count(p.innsending_id)                                                  as rapportar_mottekne,
        count(*) filter (where p.alle_tre_partar)                               as alle_tre_partar,
        count(*) filter (where p.temadag_dato is not null)                      as temadagar_haldne,
        avg(p.samlinger_deltatt)                                                as samlingar_snitt
    from nettverk n
    join prosjekt p using (nettverk_id)
    group by all
)
select * from final
order by pulje, nettverk_id
