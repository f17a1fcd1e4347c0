-- The letters already dispatched for the year, the latest per project last: the journal a run writes after.
-- (Receipts share the journal; they are listed by reports/kvitteringer_sendte.)
select *
from core_brevjournal
where aar = $aar and coalesce(dokument, 'brev') = 'brev'
order by prosjektnummer, lopenr
