-- stg_risiko — grain: one risk of a current submission; the booklet's rule decides what is high
select r.*, s.prosjektnummer,
       (r.sannsynlighet * r.konsekvens >= 9 or r.konsekvens = 5) as hog_risiko
from core_risiko r
join core_innsendingar s using (aar, innsending_id)
where s.gjeldande
