-- How many indicator rows each submission of the year carried, read or not: a rejected report's indicators
-- were sent, even though none of them is used.
select innsending_id, count(*) as rader
from raw_indikatorer
where aar = $aar
group by innsending_id
