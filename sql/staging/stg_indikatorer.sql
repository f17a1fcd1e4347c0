-- stg_indikatorer — grain: one indicator row of a current (accepted, not superseded) submission, with its project
select i.*, s.prosjektnummer
from core_indikatorer i
join core_innsendinger s using (aar, innsending_id)
where s.gjeldende
