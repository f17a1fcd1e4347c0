-- mart_tema_aar — grain: one theme in the year; a project with several themes counts in each
with prosjekt as (
    select p.*, unnest(p.tema) as eitt_tema from int_prosjekt_aar p where p.aar = $aar
),
final as (
    select
        eitt_tema                          as tema,
        count(*)                           as prosjekt,
        count(innsending_id)               as rapportar_mottekne,
        sum(innvilga_kr)                   as innvilga_kr,
        coalesce(sum(forbruk_kr), 0)       as forbruk_kr
    from prosjekt
    group by eitt_tema
)
select * from final
order by tema
