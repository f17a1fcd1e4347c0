-- Trends: one pool in each year up to the report's year that has been run, from the project-year mart:
-- projects, reports received and on time, all three parties taking part, theme days held.
select
    aar, pulje,
    count(*)                                                    as prosjekt,
    count(innsending_id)                                        as rapporter_mottatte,
    count(*) filter (where rapportstatus = 'i_tide')            as rapporter_i_tide,
    count(*) filter (where alle_tre_parter)                     as alle_tre_parter,
    count(*) filter (where temadag_dato is not null)            as temadager_holdt
from mart_prosjekt_aar
where aar <= $aar
group by all
order by aar, pulje
