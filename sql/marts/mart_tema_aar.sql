-- mart_tema_aar — grain: one theme in the year; a project with several themes counts in each
with prosjekt as (
    select p.*, unnest(p.tema) as ett_tema from int_prosjekt_aar p where p.aar = $aar
),
final as (
    select
        ett_tema                          as tema,
        count(*)                           as prosjekt,
        count(innsending_id)               as rapporter_mottatte,
        sum(innvilget_kr)                   as innvilget_kr,
        coalesce(sum(forbruk_kr), 0)       as forbruk_kr,
        -- what the projects that reported spending had to spend (paid + transferred in): the share
        -- spent is forbruk_kr / grunnlag_kr, never over grants of projects that did not report
        coalesce(sum(utbetalt_kr + overfort_inn_kr) filter (where forbruk_kr is not null), 0) as grunnlag_kr
    from prosjekt
    group by ett_tema
)
select * from final
order by tema
