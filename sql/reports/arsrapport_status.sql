-- The annual report's projects by status: one pool and project status in the year, as the project's current
-- report states it (oppstart, gjennomforing, avsluttet, drift); 'uten_rapport' where no report counts.
select pulje, coalesce(status, 'uten_rapport') as status, count(*) as prosjekt
from mart_prosjekt_aar
where aar = $aar
group by all
order by pulje, status
