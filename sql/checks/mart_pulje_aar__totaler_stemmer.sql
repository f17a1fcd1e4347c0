-- The pool totals that the annual report prints equal the project-year model they come from, pool by
-- pool: projects, reports, grants, spending and municipalities, and the programme's municipalities
-- counted once across the pools. One row per pool and figure; `ok` decides, the rest is shown.
with mart as (
    select cast(pulje as varchar) as pulje, prosjekt,
           rapporter_i_tide + rapporter_for_sent + rapporter_mangler + rapporter_avviste as rapporter,
           innvilget_kr, forbruk_kr, kommuner
    from mart_pulje_aar where aar = $aar
),
modell_kommuner as (
    select cast(pulje as varchar) as pulje, count(distinct knr) as kommuner
    from int_prosjekt_aar, unnest(kommunenummer_alle) as u(knr)
    where aar = $aar
    group by pulje
),
modell as (
    select cast(p.pulje as varchar) as pulje, count(*) as prosjekt, count(p.rapportstatus) as rapporter,
           sum(p.innvilget_kr) as innvilget_kr, coalesce(sum(p.forbruk_kr), 0) as forbruk_kr,
           any_value(k.kommuner) as kommuner
    from int_prosjekt_aar p
    left join modell_kommuner k on k.pulje = cast(p.pulje as varchar)
    where p.aar = $aar
    group by p.pulje
),
mart_lang as (
    select pulje, tall, round(verdi, 2) as verdi from (
        unpivot (select pulje, cast(prosjekt as double) as prosjekt, cast(rapporter as double) as rapporter,
                        cast(innvilget_kr as double) as innvilget_kr, cast(forbruk_kr as double) as forbruk_kr,
                        cast(kommuner as double) as kommuner from mart)
        on prosjekt, rapporter, innvilget_kr, forbruk_kr, kommuner into name tall value verdi)
    union all
    select 'totalt', 'kommuner', max(kommuner_alle_puljer) from mart_pulje_aar where aar = $aar
    union all
    -- every pool's row carries the same programme total
    select 'totalt', 'kommuner_varianter', count(distinct kommuner_alle_puljer) from mart_pulje_aar where aar = $aar
),
modell_lang as (
    select pulje, tall, round(verdi, 2) as verdi from (
        unpivot (select pulje, cast(prosjekt as double) as prosjekt, cast(rapporter as double) as rapporter,
                        cast(innvilget_kr as double) as innvilget_kr, cast(forbruk_kr as double) as forbruk_kr,
                        cast(kommuner as double) as kommuner from modell)
        on prosjekt, rapporter, innvilget_kr, forbruk_kr, kommuner into name tall value verdi)
    union all
    select 'totalt', 'kommuner', count(distinct knr)
    from int_prosjekt_aar, unnest(kommunenummer_alle) as u(knr) where aar = $aar
    union all
    select 'totalt', 'kommuner_varianter', 1
)
select pulje, tall, m.verdi as marten, o.verdi as modellen, m.verdi is not distinct from o.verdi as ok
from mart_lang m
full join modell_lang o using (pulje, tall)
order by pulje, tall
