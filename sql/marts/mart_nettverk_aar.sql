-- mart_nettverk_aar — grain: one network in the year, and per pool one row (nettverk_id null) for the
-- active projects that belong to no network, so that every project of the register counts in a row
-- and each pool's rows add up to the pool's projects.
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
        coalesce(n.pulje, p.pulje)                                              as pulje,
        n.nettverk_id, n.nettverk, n.nettverksleiar, n.tema,
        count(p.prosjektnummer)                                                 as prosjekt,
        count(p.innsending_id)                                                  as rapportar_mottekne,
        count(*) filter (where p.alle_tre_partar)                               as alle_tre_partar,
        count(*) filter (where p.temadag_dato is not null)                      as temadagar_haldne,
        avg(p.samlinger_deltatt)                                                as samlingar_snitt,
        -- what the average is made of, so that a pool's or the programme's average can be computed exactly
        sum(p.samlinger_deltatt)                                                as samlingar_deltekne,
        count(p.samlinger_deltatt)                                              as samlingar_rapportert
    -- from the projects, so a project without a network keeps its row; a network counts in the
    -- year when any of its projects is active
    from prosjekt p
    left join nettverk n on n.nettverk_id = p.nettverk_id
    group by all
)
select * from final
order by pulje, nettverk_id nulls last
