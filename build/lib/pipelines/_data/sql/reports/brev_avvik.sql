-- The recorded issues a letter quotes: every issue tied to a project in the year, in the order of the file.
select *
from core_avvik
where aar = $aar and prosjektnummer is not null
order by prosjektnummer, filnavn, ark nulls first, rad, felt
