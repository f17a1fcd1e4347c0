-- What a receipt says was read — grain: one submission read from a file of the year (a workbook, or one
-- row of a CSV export): the project it names and whether the register knows it (then the receipt goes to
-- that project, in its lead municipality's language form), the rows read from each table and how many of
-- them were accepted, and the project's reporting deadline from its grant letter, moved to a working day
-- (as the register stores it, `rapporteringsfrist_virkedag`).
with innsendinger as (
    select * from core_innsendinger where aar = $aar
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
        i.sha256, i.innsending_id, i.kilde_rad, i.skjemaform, i.godkjent, i.gjeldende,
        i.prosjektnummer, i.prosjektleder, i.epost,
        p.prosjektnummer is not null                                              as kjent_prosjekt,
        p.prosjektnavn, p.kommune, p.maalform,
        t.rapporteringsfrist_virkedag                                              as rapporteringsfrist,
        coalesce((select rader from lesne l where l.innsending_id = i.innsending_id and l.tabell = 'indikatorer'), 0)
                                                                                  as indikatorer_leste,
        coalesce((select rader from godkjende g where g.innsending_id = i.innsending_id and g.tabell = 'indikatorer'), 0)
                                                                                  as indikatorer_godkjente,
        coalesce((select rader from lesne l where l.innsending_id = i.innsending_id and l.tabell = 'tiltak'), 0)
                                                                                  as tiltak_leste,
        coalesce((select rader from godkjende g where g.innsending_id = i.innsending_id and g.tabell = 'tiltak'), 0)
                                                                                  as tiltak_godkjente,
        coalesce((select rader from lesne l where l.innsending_id = i.innsending_id and l.tabell = 'risiko'), 0)
                                                                                  as risiko_leste,
        coalesce((select rader from godkjende g where g.innsending_id = i.innsending_id and g.tabell = 'risiko'), 0)
                                                                                  as risiko_godkjente
    from innsendinger i
    left join stg_prosjekt p on p.prosjektnummer = i.prosjektnummer
    left join stg_tilskudd t on t.prosjektnummer = i.prosjektnummer and t.aar = $aar
)
select * from final
order by sha256, kilde_rad nulls first, innsending_id
