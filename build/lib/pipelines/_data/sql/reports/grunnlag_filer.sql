-- The files of the year, for the run key printed on the annual report: the same files give the same key.
select coalesce(string_agg(sha256, ',' order by sha256), '') as sha256_liste
from raw_filer
where aar = $aar
