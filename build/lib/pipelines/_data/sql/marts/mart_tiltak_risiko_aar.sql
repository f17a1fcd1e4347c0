-- mart_tiltak_risiko_aar — grain: one kind of count in the year: measures by status, and high risks
-- (S × K ≥ 9 or K = 5) with and without a mitigation
with tiltak as (
    select 'tiltak' as kategori, status as verdi, count(*) as tal
    from stg_tiltak where aar = $aar group by status
),
risiko as (
    select 'hog_risiko' as kategori,
           case when mottiltak is null then 'utan_mottiltak' else 'med_mottiltak' end as verdi,
           count(*) as tal
    from stg_risiko where aar = $aar and hog_risiko group by 2
),
final as (
    select * from tiltak union all select * from risiko
)
select * from final
order by kategori, verdi
