-- mart_kildefiler_aar — grain: one file received for the year: the auditors' appendix
select filnavn, sha256, storrelse_bytes, mottatt_dato, format, utfall, innsendinger, avvik, arkivsti
from core_filer
where aar = $aar
order by filnavn, versjon
