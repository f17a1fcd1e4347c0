-- Per project and standard indicator in the year: whether it moved toward its own target (the rule is in
-- int_indikator_utvikling). The report picks its good examples among projects that did.
select u.prosjektnummer, u.indikator, u.mot_maal
from int_indikator_utvikling u
join mart_prosjekt_aar p on p.aar = u.aar and p.innsending_id = u.innsending_id
where u.aar = $aar
order by u.prosjektnummer, u.indikator
