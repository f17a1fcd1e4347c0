-- Landing, reading and validation tables, written by the Python assets one
-- year-partition at a time (delete the year, insert again). Declared here so
-- their types do not depend on the first year's data.

-- raw_filer — grain: one entry in the inbox folder of a year as it is now. `filnavn` is readable;
-- `filnavn_hex` holds the name's exact bytes when they are not UTF-8. `mottak` is what landing made of
-- it: arkivert (archived, read as a report), skjult_fil, laasefil (archived, never read), lenke_avvist,
-- ikke_vanlig_fil, kunne_ikke_leses, endret_under_kopiering (not archived; no sha256)
create table if not exists raw_filer (
    aar integer, filnavn varchar, filnavn_hex varchar, sha256 varchar, storrelse_bytes bigint, mottatt_dato date,
    format varchar, arkivsti varchar, mottak varchar
);

-- raw_filhistorikk — grain: one version (content) a file name ever had in the year's inbox: a new
-- version names the one it replaced (`erstattet_av` on the older), a name gone from the inbox keeps its
-- last version with `borte`; the same inbox landed again changes nothing
create table if not exists raw_filhistorikk (
    aar integer, filnavn varchar, filnavn_hex varchar, versjon integer, sha256 varchar, storrelse_bytes bigint,
    mottatt_dato date, format varchar, arkivsti varchar, mottak varchar, erstattet_av varchar, borte boolean
);

-- raw_innsendinger — grain: one submission read (a workbook, or one row of a CSV export)
create table if not exists raw_innsendinger (
    aar integer, innsending_id varchar, sha256 varchar, filnavn varchar, kilde_rad integer,
    skjemaform varchar, format varchar, mottatt_dato date
);

-- raw_felt — grain: one field of the `Prosjekt` sheet (or CSV column) as the text it held
create table if not exists raw_felt (
    aar integer, innsending_id varchar, felt varchar, verdi varchar, ark varchar, rad integer
);

-- raw_indikatorer / raw_tiltak / raw_risiko — grain: one table row as text, with its sheet and row
create table if not exists raw_indikatorer (
    aar integer, innsending_id varchar, ark varchar, rad integer, indikator varchar, enhet varchar,
    utgangspunkt varchar, utgangsaar varchar, maal varchar, maalaar varchar, resultat varchar, kommentar varchar
);
create table if not exists raw_tiltak (
    aar integer, innsending_id varchar, ark varchar, rad integer, tiltak varchar, status varchar,
    start varchar, slutt varchar, kommentar varchar
);
create table if not exists raw_risiko (
    aar integer, innsending_id varchar, ark varchar, rad integer, risikofaktor varchar,
    sannsynlighet varchar, konsekvens varchar, mottiltak varchar
);

-- raw_lesefeil — grain: one problem found while reading a file (before any value is judged)
create table if not exists raw_lesefeil (
    aar integer, sha256 varchar, filnavn varchar, innsending_id varchar, regel varchar, alvor varchar,
    ark varchar, rad integer, felt varchar, verdi varchar, forventet varchar
);

-- raw_lesing — grain: one file content read for the year, as which file and by which code version;
-- a re-run reads again only what is new, renamed, or met by another code version
create table if not exists raw_lesing (
    aar integer, sha256 varchar, filnavn varchar, mottatt_dato date, kodeversjon varchar
);

-- core_filer — grain: one file version of the year, with what became of it (every entry in the inbox,
-- and every earlier version or removed file from raw_filhistorikk)
create table if not exists core_filer (
    aar integer, filnavn varchar, filnavn_hex varchar, versjon integer, sha256 varchar, storrelse_bytes bigint,
    mottatt_dato date, format varchar, arkivsti varchar, mottak varchar, utfall varchar, innsendinger integer,
    avvik integer
);

-- core_innsendinger — grain: one submission, typed; accepted or not, current or superseded
create table if not exists core_innsendinger (
    aar integer, innsending_id varchar, sha256 varchar, filnavn varchar, kilde_rad integer,
    skjemaform varchar, format varchar, mottatt_dato date,
    prosjektnummer varchar, kommunenummer varchar, kommune varchar, rapporteringsaar integer,
    prosjektnavn varchar, tema varchar[], status varchar, prosjektleder varchar, epost varchar,
    folkevalgte_med boolean, administrasjon_med boolean, tillitsvalgte_med boolean, temadag_dato date,
    samlinger_deltatt integer, tilskudd_mottatt double, forbruk double, egeninnsats double,
    hovedfunn varchar, godt_eksempel varchar, innsendt_dato date, godkjent_av varchar,
    godkjent boolean, erstattet_av varchar, gjeldende boolean
);

-- core_indikatorer — grain: one accepted indicator row of a submission (percent as 8.4)
create table if not exists core_indikatorer (
    aar integer, innsending_id varchar, ark varchar, rad integer, indikator varchar, standard boolean,
    enhet varchar, utgangspunkt double, utgangsaar integer, maal double, maalaar integer, resultat double,
    kommentar varchar
);

-- core_tiltak — grain: one accepted measure of a submission
create table if not exists core_tiltak (
    aar integer, innsending_id varchar, ark varchar, rad integer, tiltak varchar, status varchar,
    start date, slutt date, kommentar varchar
);

-- core_risiko — grain: one accepted risk of a submission
create table if not exists core_risiko (
    aar integer, innsending_id varchar, ark varchar, rad integer, risikofaktor varchar,
    sannsynlighet integer, konsekvens integer, mottiltak varchar
);

-- core_avvik — grain: one issue found in a file, submission, row or value
create table if not exists core_avvik (
    aar integer, sha256 varchar, filnavn varchar, innsending_id varchar, prosjektnummer varchar,
    ark varchar, rad integer, felt varchar, verdi varchar, regel varchar, alvorsgrad varchar,
    forventet varchar, melding_nb varchar, melding_nn varchar
);
