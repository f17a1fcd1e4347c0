-- lin_kjelderader — grain: one source row behind a project's current report in a year:
-- the `Prosjekt` sheet (or CSV line), and each indicator, measure and risk row, with file and place
with innsending as (
    select aar, prosjektnummer, innsending_id, filnavn, sha256, kjelde_rad
    from core_innsendingar
    where gjeldande
),
final as (
    select i.aar, i.prosjektnummer, i.innsending_id, i.filnavn, i.sha256,
           'prosjekt' as tabell, case when i.kjelde_rad is null then 'Prosjekt' end as ark,
           i.kjelde_rad as rad, null as indikator
    from innsending i
    union all
    select i.aar, i.prosjektnummer, i.innsending_id, i.filnavn, i.sha256, 'indikatorer', x.ark, x.rad, x.indikator
    from innsending i join core_indikatorer x using (aar, innsending_id)
    union all
    select i.aar, i.prosjektnummer, i.innsending_id, i.filnavn, i.sha256, 'tiltak', x.ark, x.rad, null
    from innsending i join core_tiltak x using (aar, innsending_id)
    union all
    select i.aar, i.prosjektnummer, i.innsending_id, i.filnavn, i.sha256, 'risiko', x.ark, x.rad, null
    from innsending i join core_risiko x using (aar, innsending_id)
)
select * from final
