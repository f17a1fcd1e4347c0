-- The receipts sent for the year's files, from the letter journal, the latest per file name last.
select *
from core_brevjournal
where aar = $aar and dokument = 'kvittering'
order by filnavn, lopenr
