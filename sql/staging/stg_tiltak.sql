-- stg_tiltak — grain: one measure of a current submission
select t.*, s.prosjektnummer
from core_tiltak t
join core_innsendinger s using (aar, innsending_id)
where s.gjeldende
