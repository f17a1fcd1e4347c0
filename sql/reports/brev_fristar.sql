-- Each project's reporting deadlines from the grant letters: this year's, and the next year's where the
-- project has one (the letter gives it). `frist` is this year's moved to a working day when the register was
-- loaded (pipelines/workdays.py), the day on-time is judged by.
select t.prosjektnummer, t.rapporteringsfrist, t.rapporteringsfrist_virkedag as frist,
       n.aar as neste_aar, n.rapporteringsfrist as neste_frist
from stg_tilskudd t
left join stg_tilskudd n on n.prosjektnummer = t.prosjektnummer and n.aar = t.aar + 1
where t.aar = $aar
