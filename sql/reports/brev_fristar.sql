-- Each project's reporting deadlines from the grant letters: this year's, and the next year's where the
-- project has one (the letter gives it). Moved to a working day in Python (pipelines/workdays.py).
select t.prosjektnummer, t.rapporteringsfrist, n.aar as neste_aar, n.rapporteringsfrist as neste_frist
from stg_tilskudd t
left join stg_tilskudd n on n.prosjektnummer = t.prosjektnummer and n.aar = t.aar + 1
where t.aar = $aar
