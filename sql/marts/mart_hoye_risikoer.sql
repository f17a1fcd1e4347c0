-- mart_hoye_risikoer — grain: one high risk (S × K ≥ 9 or K = 5) of a current submission in the year
select r.prosjektnummer, p.prosjektnavn, r.risikofaktor, r.sannsynlighet, r.konsekvens, r.mottiltak,
       r.innsending_id, r.ark, r.rad
from stg_risiko r
join stg_prosjekt p using (prosjektnummer)
where r.aar = $aar and r.hoy_risiko
order by p.prosjektnavn, r.rad
