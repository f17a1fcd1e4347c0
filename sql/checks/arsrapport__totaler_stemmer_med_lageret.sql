-- arsrapport__totaler_stemmer_med_lageret — grain: one pool in the year, and the total (pulje null).
-- The annual report's summary computed again from the register, the ledger and the submissions, without the
-- marts or int_prosjekt_aar, so that a fault in the models shows as a difference from what the
-- report printed. The `reports/arsrapport` asset compares these rows with its rendered context.
with prosjekt as (
    -- active in the year: the register says so and a grant letter exists for the year
    select p.prosjektnummer, cast(p.pulje as integer) as pulje, t.innvilget_kr, t.rapporteringsfrist_virkedag
    from ref_prosjekt p
    join stg_tilskudd t on t.prosjektnummer = p.prosjektnummer and t.aar = $aar
    where $aar between cast(p.forste_aar as integer) and cast(p.siste_aar as integer)
),
godkjend as (
    -- the submission that counts: accepted and not superseded by a corrected one
    select prosjektnummer, mottatt_dato, forbruk
    from core_innsendinger
    where aar = $aar and godkjent and gjeldende
),
utbetalt as (
    -- the secretariat's ledger, not what the municipalities say they received
    select prosjektnummer, sum(cast(belop_kr as bigint)) as utbetalt
    from ref_utbetalinger where cast(aar as integer) = $aar group by prosjektnummer
),
overfort as (
    select prosjektnummer, sum(cast(belop_kr as bigint)) as overfort_inn
    from ref_overforinger where cast(til_aar as integer) = $aar group by prosjektnummer
),
avvist as (
    select distinct prosjektnummer
    from core_innsendinger
    where aar = $aar and not godkjent and prosjektnummer is not null
),
per_prosjekt as (
    select
        p.pulje, p.innvilget_kr, coalesce(u.utbetalt, 0) as utbetalt, coalesce(o.overfort_inn, 0) as overfort_inn,
        g.forbruk,
        case
            when g.prosjektnummer is null and a.prosjektnummer is not null then 'avvist'
            when g.prosjektnummer is null then 'mangler'
            -- a file without a received date was still received: it is not counted late
            when g.mottatt_dato > p.rapporteringsfrist_virkedag then 'for_sent'
            else 'i_tide'
        end as rapportstatus,
        -- unspent and what there was to spend only where the spending is reported
        case when g.forbruk is not null
             then greatest(coalesce(u.utbetalt, 0) + coalesce(o.overfort_inn, 0) - g.forbruk, 0) else 0 end as ubrukt,
        case when g.forbruk is not null then coalesce(u.utbetalt, 0) + coalesce(o.overfort_inn, 0) else 0 end
            as grunnlag
    from prosjekt p
    left join godkjend g using (prosjektnummer)
    left join utbetalt u using (prosjektnummer)
    left join overfort o using (prosjektnummer)
    left join avvist a using (prosjektnummer)
),
tal as (
    select
        pulje,
        count(*)                                              as prosjekt,
        count(*) filter (where rapportstatus = 'i_tide')      as rapporter_i_tide,
        count(*) filter (where rapportstatus = 'for_sent')   as rapporter_for_sent,
        count(*) filter (where rapportstatus = 'mangler')     as rapporter_mangler,
        count(*) filter (where rapportstatus = 'avvist')      as rapporter_avviste,
        sum(innvilget_kr)                                      as innvilget_kr,
        coalesce(sum(utbetalt), 0)                            as utbetalt_kr,
        coalesce(sum(overfort_inn), 0)                        as overfort_inn_kr,
        coalesce(sum(forbruk), 0)                             as forbruk_kr,
        coalesce(sum(ubrukt), 0)                              as ubrukt_kr,
        coalesce(sum(grunnlag), 0)                            as grunnlag_kr
    from per_prosjekt
    group by grouping sets ((pulje), ())
),
kommuner as (
    -- every municipality taking part, lead or not; one in both pools counts once in the total
    select p.pulje, count(distinct pk.kommunenummer) as kommuner
    from prosjekt p
    join ref_prosjekt_kommuner pk using (prosjektnummer)
    group by grouping sets ((p.pulje), ())
),
final as (
    select t.pulje, t.prosjekt, coalesce(k.kommuner, 0) as kommuner, t.* exclude (pulje, prosjekt)
    from tal t
    left join kommuner k on k.pulje is not distinct from t.pulje
)
select * from final
order by pulje nulls last
