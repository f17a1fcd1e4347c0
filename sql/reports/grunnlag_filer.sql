-- The files the annual report of a year stands on, for its run key: every version of every file of
-- the year and of each earlier year (the indicator series reads them all), so the same files give the
-- same key, and another earlier year gives another key.
select coalesce(string_agg(
           concat_ws('|', aar, filnavn, coalesce(filnavn_hex, ''), versjon, coalesce(sha256, ''), mottak,
                     coalesce(erstattet_av, ''), borte),
           ';' order by aar, filnavn, filnavn_hex, versjon), '') as grunnlag
from raw_filhistorikk
where aar <= $aar
