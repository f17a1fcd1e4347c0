-- The risk summary: one pool in the year: risk factors assessed, high risks (S × K ≥ 9 or K = 5) with
-- and without a mitigation, and the projects with at least one high risk left without one.
with prosjekt as (
    select prosjektnummer, pulje from mart_prosjekt_aar where aar = $aar
),
risiko as (
    select r.*, p.pulje from stg_risiko r join prosjekt p using (prosjektnummer) where r.aar = $aar
)
select
    p.pulje,
    count(r.prosjektnummer)                                                  as risikoer,
    count(*) filter (where r.hoy_risiko)                                     as hoye,
    count(*) filter (where r.hoy_risiko and r.mottiltak is not null)         as hoye_med_mottiltak,
    count(*) filter (where r.hoy_risiko and r.mottiltak is null)             as hoye_uten_mottiltak,
    count(distinct r.prosjektnummer) filter (where r.hoy_risiko and r.mottiltak is null)
                                                                             as prosjekt_uten_mottiltak
from (select distinct pulje from prosjekt) p
left join risiko r using (pulje)
group by p.pulje
order by p.pulje
