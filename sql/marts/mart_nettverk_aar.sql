-- mart_nettverk_aar — grain: one network in the year, and per pool one row (nettverk_id null) for the
-- active projects that belong to no network, so that every project of the register counts in a row
-- and each pool's rows add up to the pool's projects.
with prosjekt as (
    select * from int_prosjekt_aar where aar = $aar
),
nettverk as (
    select nettverk_id, cast(pulje as integer) as pulje, nettverk, nettverksleder as nettverksleder,
           string_split(tema, ';') as tema
    from ref_nettverk
),
final as (
    select
        coalesce(n.pulje, p.pulje)                                              as pulje,
        n.nettverk_id, n.nettverk, n.nettverksleder, n.tema,
        count(p.prosjektnummer)                                                 as prosjekt,
        count(p.innsending_id)                                                  as rapporter_mottatte,
        count(*) filter (where p.alle_tre_parter)                               as alle_tre_parter,
        count(*) filter (where p.temadag_dato is not null)                      as temadager_holdt,
        avg(p.samlinger_deltatt)                                                as samlinger_snitt,
        -- what the average is made of, so that a pool's or the programme's average can be computed exactly
        sum(p.samlinger_deltatt)                                                as samlinger_deltatt,
        count(p.samlinger_deltatt)                                              as samlinger_rapportert
    -- from the projects, so a project without a network keeps its row; a network counts in the
    -- year when any of its projects is active
    from prosjekt p
    left join nettverk n on n.nettverk_id = p.nettverk_id
    group by all
)
select * from final
order by pulje, nettverk_id nulls last
