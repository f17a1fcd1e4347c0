-- What a receipt says was read — grain: one submission read from a file of the year (a workbook, or one
-- row of a CSV export): the project it names and whether the register knows it (then the receipt goes to
-- that project, in its lead municipality's language form), the rows read from each table and how many of
-- them were accepted, and the project's reporting deadline from its grant letter, moved to a working day
-- (as the register stores it, `rapporteringsfrist_virkedag`).
with innsendingar as (
    select * from core_innsendingar where aar = $aar
),
lesne as (
    select innsending_id, 'indikatorer' as tabell, count(*) as rader from raw_indikatorer where aar = $aar group by all
    union all
    select innsending_id, 'tiltak', count(*) from raw_tiltak where aar = $aar group by all
    union all
    select innsending_id, 'risiko', count(*) from raw_risiko where aar = $aar group by all
),
godkjende as (
    select innsending_id, 'indikatorer' as tabell, count(*) as rader from core_indikatorer where aar = $aar group by all
    union all
    select innsending_id, 'tiltak', count(*) from core_tiltak where aar = $aar group by all
    union all
    select innsending_id, 'risiko', count(*) from core_risiko where aar = $aar group by all
),
final as (
    select
        i.sha256, i.innsending_id, i.kjelde_rad, i.skjemaform, i.godkjent, i.gjeldande,
        i.prosjektnummer, i.prosjektleder, i.epost,
        p.prosjektnummer is not null                                              as kjent_prosjekt,
        p.prosjektnavn, p.kommune, p.malform,
        t.rapporteringsfrist_virkedag                                              as rapporteringsfrist,
        coalesce((select rader from lesne l where l.innsending_id = i.innsending_id and l.tabell = 'indikatorer'), 0)
                                                                                  as indikatorer_lesne,
        coalesce((select rader from godkjende g where g.innsending_id = i.innsending_id and g.tabell = 'indikatorer'), 0)
                                                                                  as indikatorer_godkjende,
        coalesce((select rader from lesne l where l.innsending_id = i.innsending_id and l.tabell = 'tiltak'), 0)
                                                                                  as tiltak_lesne,
        coalesce((select rader from godkjende g where g.innsending_id = i.innsending_id and g.tabell = 'tiltak'), 0)
                                                                                  as tiltak_godkjende,
        coalesce((select rader from lesne l where l.innsending_id = i.innsending_id and l.tabell = 'risiko'), 0)
                                                                                  as risiko_lesne,
        coalesce((select rader from godkjende g where g.innsending_id = i.innsending_id and g.tabell = 'risiko'), 0)
                                                                                  as risiko_godkjende
    from innsendingar i
    left join stg_prosjekt p on p.prosjektnummer = i.prosjektnummer
    left join stg_tilskudd t on t.prosjektnummer = i.prosjektnummer and t.aar = $aar
)
select * from final
order by sha256, kjelde_rad nulls first, innsending_id
