-- The letters already dispatched for the year, the latest per project last: the journal a run writes after.
select *
from core_brevjournal
where aar = $aar
order by prosjektnummer, lopenr
