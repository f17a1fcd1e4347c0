-- The counts `samanom run` prints and writes to run.json for the year.
select
    (select count(*) from raw_filer where aar = $aar)                                as filer,
    (select count(*) from core_innsendinger where aar = $aar)                        as innsendinger_leste,
    (select count(*) from core_innsendinger where aar = $aar and godkjent)           as innsendinger_godkjente,
    (select count(*) from core_innsendinger where aar = $aar and not godkjent)       as innsendinger_avviste,
    (select count(*) from core_avvik where aar = $aar)                               as avvik,
    (select count(*) from mart_prosjekt_aar where aar = $aar)                        as aktive_prosjekt
