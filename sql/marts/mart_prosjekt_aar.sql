-- mart_prosjekt_aar — grain: one active project in the year; what each follow-up letter is built from
with final as (
    select
        p.*,
        (select count(*) from core_avvik a
          where a.aar = p.aar and a.prosjektnummer = p.prosjektnummer)       as avvik,
        (select count(*) from stg_tiltak t
          where t.aar = p.aar and t.prosjektnummer = p.prosjektnummer)       as tiltak,
        (select count(*) from stg_risiko r
          where r.aar = p.aar and r.prosjektnummer = p.prosjektnummer)       as risikoer
    from int_prosjekt_aar p
    where p.aar = $aar
)
select * from final
order by prosjektnummer
