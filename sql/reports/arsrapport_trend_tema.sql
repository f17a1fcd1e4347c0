-- Trends: one theme in each year up to the report's year that has been run: projects and reports received.
select aar, tema, prosjekt, rapporter_mottatte
from mart_tema_aar
where aar <= $aar
order by aar, tema
