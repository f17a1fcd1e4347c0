-- The programme period (the final year's report): one project of the register active in any year up to the
-- report's year, with its pool, its last year in the programme and the status of its latest report.
with aar as (
    select prosjektnummer, pulje, aar, status, innsending_id, siste_aar
    from mart_prosjekt_aar
    where aar <= $aar
),
final as (
    select
        prosjektnummer,
        any_value(pulje)                                                   as pulje,
        count(*)                                                           as aktive_aar,
        count(innsending_id)                                               as rapporter,
        max(siste_aar)                                                     as siste_aar,
        arg_max(status, aar) filter (where innsending_id is not null)      as siste_status
    from aar
    group by prosjektnummer
)
select * from final
order by prosjektnummer
