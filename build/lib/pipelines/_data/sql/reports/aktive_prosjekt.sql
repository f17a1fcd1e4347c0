-- Projects active in the year: each must get exactly one letter.
select count(*) as aktive_prosjekt
from int_prosjekt_aar
where aar = $aar
