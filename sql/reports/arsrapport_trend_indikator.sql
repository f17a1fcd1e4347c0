-- Trends: one standard indicator in each year up to the report's year that has been run: projects with
-- baseline, target and result, how many of them moved toward their own target, the median change.
select aar, indikator, prosjekt_rapporterer, prosjekt_mot_maal, del_mot_maal, median_endring
from mart_indikator_aar
where aar <= $aar
order by aar, indikator
