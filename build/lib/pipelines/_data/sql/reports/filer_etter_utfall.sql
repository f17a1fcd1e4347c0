-- Files of the year by outcome (read, partly read, rejected, superseded, duplicate).
select utfall, count(*) as filer
from core_filer
where aar = $aar
group by utfall
order by utfall
