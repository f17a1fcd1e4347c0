-- The annual report's date when the run gives none: the last receipt of the year, else the deadline.
select coalesce(
    (select max(mottatt_dato) from raw_filer where aar = $aar),
    (select max(rapporteringsfrist) from stg_tilskudd where aar = $aar)
) as rapportdato
