-- mart_tiltak_risiko_aar — grain: one kind of count in the year: measures by status, and high risks
-- (S × K ≥ 9 or K = 5) with and without a mitigation
with tiltak as (
    select 'tiltak' as kategori, status as verdi, count(*) as antall
    from stg_tiltak where aar = $aar group by status
),
risiko as (
    select 'hoy_risiko' as kategori,
           case when mottiltak is null then 'uten_mottiltak' else 'med_mottiltak' end as verdi,
           count(*) as antall
    from stg_risiko where aar = $aar and hoy_risiko group by 2
),
final as (
    select * from tiltak union all select * from risiko
)
select * from final
order by kategori, verdi
