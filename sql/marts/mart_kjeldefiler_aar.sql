-- mart_kjeldefiler_aar — grain: one file received for the year: the auditors' appendix
select filnavn, sha256, storleik_bytes, mottatt_dato, format, utfall, innsendingar, avvik, arkivsti
from core_filer
where aar = $aar
order by filnavn, versjon
