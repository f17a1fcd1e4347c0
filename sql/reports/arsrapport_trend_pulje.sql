-- Trends: one pool in each year up to the report's year that has been run, from the project-year mart:
-- projects, reports received and on time, all three parties taking part, theme days held.
select
    aar, pulje,
    count(*)                                                    as prosjekt,
    count(innsending_id)                                        as rapportar_mottekne,
    count(*) filter (where rapportstatus = 'i_tide')            as rapportar_i_tide,
    count(*) filter (where alle_tre_partar)                     as alle_tre_partar,
    count(*) filter (where temadag_dato is not null)            as temadagar_haldne
from mart_prosjekt_aar
where aar <= $aar
group by all
order by aar, pulje
