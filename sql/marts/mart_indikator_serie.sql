-- mart_indikator_serie — grain: one project, standard indicator and year with a value, up to the
-- report's year: what each indicator chart draws (the project's own baseline, earlier years, this year)
with rader as (
    select i.*, p.prosjektnavn, p.kommune, p.nettverk, p.pulje
    from stg_indikatorer i
    join stg_prosjekt p using (prosjektnummer)
    where i.aar <= $aar and i.standard and i.resultat is not null
),
gjeldende_maal as (
    -- baseline and target as the latest report states them
    select prosjektnummer, indikator,
           arg_max(utgangspunkt, aar) as utgangspunkt, arg_max(utgangsaar, aar) as utgangsaar,
           arg_max(maal, aar) as maal, arg_max(maalaar, aar) as maalaar
    from rader group by all
),
final as (
    select r.indikator, r.prosjektnummer, r.prosjektnavn, r.kommune, r.nettverk, r.pulje,
           g.utgangspunkt, g.utgangsaar, g.maal, g.maalaar,
           r.aar as verdiaar, r.resultat as verdi
    from rader r
    join gjeldende_maal g using (prosjektnummer, indikator)
)
select * from final
order by indikator, prosjektnavn, verdiaar
