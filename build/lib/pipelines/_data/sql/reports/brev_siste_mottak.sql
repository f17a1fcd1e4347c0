-- The last day anything from a project arrived in the year (accepted or not): a letter answers what it has received.
select prosjektnummer, max(mottatt_dato) as siste_mottak
from core_innsendingar
where aar = $aar and prosjektnummer is not null
group by prosjektnummer
