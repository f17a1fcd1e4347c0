-- stg_risiko — grain: one risk of a current submission; the booklet's rule decides what is high
select r.*, s.prosjektnummer,
       (r.sannsynlighet * r.konsekvens >= 9 or r.konsekvens = 5) as hoy_risiko
from core_risiko r
join core_innsendinger s using (aar, innsending_id)
where s.gjeldende
