-- mart_indikator_aar — grain: one standard indicator in the year.
-- Each project is measured against its own baseline (int_indikator_utvikling): counts, the share moving
-- toward its own target and the median change — never a ranking.
with rader as (
    select * from stg_indikatorer where aar = $aar and standard
),
fullt_sett as (
    select * from int_indikator_utvikling where aar = $aar
),
final as (
    select
        r.indikator,
        count(distinct r.prosjektnummer)                                  as prosjekt_med_indikator,
        count(distinct f.prosjektnummer)                                  as prosjekt_rapporterer,
        count(distinct f.prosjektnummer) filter (where f.mot_maal)        as prosjekt_mot_maal,
        avg(case when f.mot_maal then 1.0 else 0.0 end)
            filter (where f.prosjektnummer is not null)                   as del_mot_maal,
        median(f.endring)                                                 as median_endring
    from rader r
    left join fullt_sett f using (aar, innsending_id, indikator)
    group by r.indikator
)
select * from final
order by indikator
