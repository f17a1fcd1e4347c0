-- The pool totals that the annual report prints equal the project-year model they come from:
-- projects, reports by status, grants, and municipalities counted once across the pools.
-- One row; `ok` decides, the other columns are shown.
with mart as (
    select sum(prosjekt) as prosjekt,
           sum(rapportar_i_tide + rapportar_for_seint + rapportar_manglar + rapportar_avviste) as rapportar,
           sum(innvilga_kr) as innvilga_kr, sum(forbruk_kr) as forbruk_kr,
           max(kommunar_alle_puljar) as kommunar,
           -- every row carries the same programme total
           count(distinct kommunar_alle_puljar) as kommunar_variantar
    from mart_pulje_aar where aar = $aar
),
modell as (
    select count(*) as prosjekt, count(rapportstatus) as rapportar,
           sum(innvilga_kr) as innvilga_kr, coalesce(sum(forbruk_kr), 0) as forbruk_kr
    from int_prosjekt_aar where aar = $aar
),
modell_kommunar as (
    select count(distinct knr) as kommunar
    from int_prosjekt_aar, unnest(kommunenummer_alle) as u(knr)
    where aar = $aar
)
select mart.prosjekt = modell.prosjekt and mart.rapportar = modell.rapportar
           and mart.innvilga_kr = modell.innvilga_kr and mart.forbruk_kr = modell.forbruk_kr
           and mart.kommunar = modell_kommunar.kommunar and mart.kommunar_variantar = 1 as ok,
       mart.prosjekt as prosjekt_i_mart, modell.prosjekt as prosjekt_i_modell,
       mart.innvilga_kr as innvilga_i_mart, modell.innvilga_kr as innvilga_i_modell,
       mart.kommunar as kommunar_i_mart, modell_kommunar.kommunar as kommunar_i_modell
from mart, modell, modell_kommunar
