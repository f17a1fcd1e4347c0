-- The programme's years up to the report's year, and whether each has been run (has rows in the marts):
-- the trends show a year that was not run as such, never as zeros.
with aar as (
    select cast(range as integer) as aar from range(2012, $aar + 1)
),
kjorte as (
    select distinct aar from mart_pulje_aar
)
select a.aar, k.aar is not null as kjort
from aar a left join kjorte k using (aar)
order by a.aar
