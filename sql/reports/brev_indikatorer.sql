-- The indicator rows of every submission of the year, as the letters' indicator tables show them.
select *
from stg_indikatorer
where aar = $aar
order by innsending_id, rad
