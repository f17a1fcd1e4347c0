-- mart_indikator_aar — grain: one standard indicator in the year.
-- Each project is measured against its own baseline: counts, the share moving
-- toward its own target and the median change — never a ranking.
with rader as (
    select * from stg_indikatorer where aar = $aar and standard
),
fullt_sett as (
    select *,
           resultat - utgangspunkt as endring,
           sign(resultat - utgangspunkt) = sign(maal - utgangspunkt)
               and resultat <> utgangspunkt as mot_maal
    from rader
    where utgangspunkt is not null and maal is not null and resultat is not null
),
final as (
    select
        r.indikator,
        count(distinct r.prosjektnummer)                                  as prosjekt_med_indikator,
        count(distinct f.prosjektnummer)                                  as prosjekt_rapporterer,
        avg(case when f.mot_maal then 1.0 else 0.0 end)
            filter (where f.prosjektnummer is not null)                   as del_mot_maal,
        median(f.endring)                                                 as median_endring
    from rader r
    left join fullt_sett f using (aar, innsending_id, indikator)
    group by r.indikator
)
select * from final
order by indikator
