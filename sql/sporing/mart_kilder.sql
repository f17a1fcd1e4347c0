-- The source values behind every row of one mart in the year, in the order the UI lists them
select nokkel, kolonne, prosjektnummer, filnavn, ark, rad, felt, verdi, tabell, sha256, innsending_id
from lin_mart_kilder
where mart = $mart and aar = $aar
order by nokkel, kolonne, prosjektnummer, filnavn, ark nulls first, rad nulls first, felt
