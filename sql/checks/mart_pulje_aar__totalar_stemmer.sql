-- The pool totals that the annual report prints equal the project-year model they come from, pool by
-- pool: projects, reports, grants, spending and municipalities, and the programme's municipalities
-- counted once across the pools. One row per pool and figure; `ok` decides, the rest is shown.
with mart as (
    select cast(pulje as varchar) as pulje, prosjekt,
           rapportar_i_tide + rapportar_for_seint + rapportar_manglar + rapportar_avviste as rapportar,
           innvilga_kr, forbruk_kr, kommunar
    from mart_pulje_aar where aar = $aar
),
modell_kommunar as (
    select cast(pulje as varchar) as pulje, count(distinct knr) as kommunar
    from int_prosjekt_aar, unnest(kommunenummer_alle) as u(knr)
    where aar = $aar
    group by pulje
),
modell as (
    select cast(p.pulje as varchar) as pulje, count(*) as prosjekt, count(p.rapportstatus) as rapportar,
           sum(p.innvilga_kr) as innvilga_kr, coalesce(sum(p.forbruk_kr), 0) as forbruk_kr,
           any_value(k.kommunar) as kommunar
    from int_prosjekt_aar p
    left join modell_kommunar k on k.pulje = cast(p.pulje as varchar)
    where p.aar = $aar
    group by p.pulje
),
mart_lang as (
    select pulje, tal, round(verdi, 2) as verdi from (
        unpivot (select pulje, cast(prosjekt as double) as prosjekt, cast(rapportar as double) as rapportar,
                        cast(innvilga_kr as double) as innvilga_kr, cast(forbruk_kr as double) as forbruk_kr,
                        cast(kommunar as double) as kommunar from mart)
        on prosjekt, rapportar, innvilga_kr, forbruk_kr, kommunar into name tal value verdi)
    union all
    select 'totalt', 'kommunar', max(kommunar_alle_puljar) from mart_pulje_aar where aar = $aar
    union all
    -- every pool's row carries the same programme total
    select 'totalt', 'kommunar_variantar', count(distinct kommunar_alle_puljar) from mart_pulje_aar where aar = $aar
),
modell_lang as (
    select pulje, tal, round(verdi, 2) as verdi from (
        unpivot (select pulje, cast(prosjekt as double) as prosjekt, cast(rapportar as double) as rapportar,
                        cast(innvilga_kr as double) as innvilga_kr, cast(forbruk_kr as double) as forbruk_kr,
                        cast(kommunar as double) as kommunar from modell)
        on prosjekt, rapportar, innvilga_kr, forbruk_kr, kommunar into name tal value verdi)
    union all
    select 'totalt', 'kommunar', count(distinct knr)
    from int_prosjekt_aar, unnest(kommunenummer_alle) as u(knr) where aar = $aar
    union all
    select 'totalt', 'kommunar_variantar', 1
)
select pulje, tal, m.verdi as marten, o.verdi as modellen, m.verdi is not distinct from o.verdi as ok
from mart_lang m
full join modell_lang o using (pulje, tal)
order by pulje, tal
