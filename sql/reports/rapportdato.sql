-- What the documents' date is computed from when the run gives none (pipelines/workdays.dispatch_date):
-- the year's reporting deadline (the latest, if projects differ) and the last file received for the year
-- (archived files only: a link, a lock file or a hidden file was not received as a report).
select
    (select max(rapporteringsfrist) from stg_tilskudd where aar = $aar) as rapporteringsfrist,
    (select max(mottatt_dato) from raw_filer where aar = $aar and mottak = 'arkivert') as siste_mottak
