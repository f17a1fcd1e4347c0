-- int_indikator_utvikling — grain: one standard indicator of a project's current report in one year, with
-- baseline, target and result all given: the development against the project's own baseline.
-- The one place that says what "toward its own target" means (the marts and the report read it here).
with rader as (
    select * from stg_indikatorer
    where standard and utgangspunkt is not null and maal is not null and resultat is not null
),
final as (
    select
        aar, prosjektnummer, innsending_id, indikator, utgangspunkt, maal, resultat,
        -- exact decimal difference: a binary float would print 2,55 as 2,5499… and round it down
        cast(resultat as decimal(18, 6)) - cast(utgangspunkt as decimal(18, 6))    as endring,
        sign(resultat - utgangspunkt) = sign(maal - utgangspunkt)
            and resultat <> utgangspunkt                                          as mot_maal
    from rader
)
select * from final
