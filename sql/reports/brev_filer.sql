-- Every file of the year that a letter acknowledges, one row per file and submission read from it, tied to
-- the project it came from, whatever became of it (read, partly read, rejected, superseded).
-- A submission names its project; one that names a project number the register does not know is tied to
-- the project its municipality leads. A file that could not be read at all is tied by its name: a
-- registered project number in it, else the slug of a lead municipality's name (as mailbox attachments
-- are saved, «arsrapport_2013_sel.xlsx»). A file that fits no project, or more than one, is tied to none.
with aktive as (
    select prosjektnummer, kommunenummer, kommune
    from int_prosjekt_aar
    where aar = $aar
),
slugs as (
    select prosjektnummer,
           '-' || trim(regexp_replace(replace(replace(replace(lower(kommune), 'æ', 'ae'), 'ø', 'o'), 'å', 'a'),
                                      '[^a-z0-9]+', '-', 'g'), '-') || '-' as slug
    from aktive
),
innsendinger as (
    select i.filnavn, i.innsending_id, i.kilde_rad, i.godkjent, i.gjeldende, i.erstattet_av,
           i.prosjektnummer                                          as oppgitt_prosjektnummer,
           coalesce(a.prosjektnummer,
                    (select min(k.prosjektnummer) from aktive k where k.kommunenummer = i.kommunenummer
                     having count(*) = 1))                             as prosjektnummer
    from core_innsendinger i
    left join aktive a on a.prosjektnummer = i.prosjektnummer
    where i.aar = $aar
),
uten_innsending as (
    select f.filnavn,
           coalesce(
               (select a.prosjektnummer from aktive a
                 where a.prosjektnummer = regexp_extract(f.filnavn, 'P[0-9]+-[0-9]+')),
               (select min(s.prosjektnummer) from slugs s
                 where contains('-' || regexp_replace(replace(replace(replace(lower(f.filnavn), 'æ', 'ae'), 'ø', 'o'),
                                                              'å', 'a'), '[^a-z0-9]+', '-', 'g') || '-', s.slug)
                having count(*) = 1))                                  as prosjektnummer
    from core_filer f
    where f.aar = $aar and not exists (select 1 from core_innsendinger i where i.aar = f.aar and i.filnavn = f.filnavn)
),
final as (
    select coalesce(i.prosjektnummer, u.prosjektnummer)               as prosjektnummer,
           f.filnavn, f.sha256, f.mottatt_dato, f.format, f.utfall,
           i.innsending_id, i.kilde_rad, i.godkjent, i.gjeldende, i.erstattet_av, i.oppgitt_prosjektnummer,
           e.filnavn                                                   as erstattet_av_fil,
           e.mottatt_dato                                              as erstattet_av_dato
    from core_filer f
    left join innsendinger i using (filnavn)
    left join uten_innsending u using (filnavn)
    left join core_innsendinger e on e.aar = f.aar and e.innsending_id = i.erstattet_av
    where f.aar = $aar
)
select * from final
where prosjektnummer is not null
order by prosjektnummer, mottatt_dato, filnavn, kilde_rad
