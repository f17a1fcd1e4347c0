-- int_okonomi_prosjekt_aar — grain: one project in one active year (forste_aar..siste_aar).
-- The one place every amount of a grant is computed, from the secretariat's ledger (payments,
-- approved transfers, repayments) and the spending of the accepted report. What a municipality
-- says it received (tilskudd_mottatt) is carried only to be compared, never summed.
with aktive as (
    select t.prosjektnummer, t.aar, t.innvilget_kr, t.rapporteringsfrist, p.forste_aar, p.siste_aar
    from stg_tilskudd t
    join stg_prosjekt p using (prosjektnummer)
    where t.aar between p.forste_aar and p.siste_aar
),
utbetalt as (
    select prosjektnummer, aar, sum(belop_kr) as utbetalt_kr, max(dato) as utbetalt_dato
    from stg_utbetalinger
    group by prosjektnummer, aar
),
overfort_inn as (
    select prosjektnummer, til_aar as aar, sum(belop_kr) as overfort_inn_kr
    from stg_overforinger
    group by prosjektnummer, til_aar
),
overfort_ut as (
    select prosjektnummer, fra_aar as aar, sum(belop_kr) as overfort_ut_kr, max(dato) as overfort_ut_dato
    from stg_overforinger
    group by prosjektnummer, fra_aar
),
tilbakebetalt as (
    select prosjektnummer, aar, sum(belop_kr) as tilbakebetalt_kr, max(dato) as tilbakebetalt_dato
    from stg_tilbakebetalinger
    group by prosjektnummer, aar
),
per_aar as (
    select
        a.*,
        -- ---- the ledger
        coalesce(u.utbetalt_kr, 0)                                      as utbetalt_kr,
        u.utbetalt_dato,
        coalesce(i.overfort_inn_kr, 0)                                  as overfort_inn_kr,
        coalesce(o.overfort_ut_kr, 0)                                   as overfort_ut_kr,
        o.overfort_ut_dato,
        coalesce(b.tilbakebetalt_kr, 0)                                 as tilbakebetalt_kr,
        b.tilbakebetalt_dato,
        -- ---- the accepted report: spending, and (to compare only) what it says was received
        s.forbruk                                                       as forbruk_kr,
        s.tilskudd_mottatt                                              as rapportert_mottatt_kr,
        s.status                                                        as rapportert_status
    from aktive a
    left join utbetalt u using (prosjektnummer, aar)
    left join overfort_inn i using (prosjektnummer, aar)
    left join overfort_ut o using (prosjektnummer, aar)
    left join tilbakebetalt b using (prosjektnummer, aar)
    left join stg_innsendinger s using (prosjektnummer, aar)
),
saldo as (
    select
        *,
        -- unspent = paid + transferred in − spent; unknown (null) while the spending is not reported.
        -- Spending beyond what was paid is the municipality's own money: unspent is then 0, not negative.
        -- (DuckDB's greatest() skips nulls, so the unknown case is spelled out)
        case when forbruk_kr is not null
             then greatest(utbetalt_kr + overfort_inn_kr - forbruk_kr, 0) end                  as ubrukt_kr,
        case when forbruk_kr is not null
             then greatest(utbetalt_kr + overfort_inn_kr - forbruk_kr - overfort_ut_kr, 0) end as ubrukt_ikke_overfort_kr,
        rapportert_mottatt_kr is not null
            and rapportert_mottatt_kr <> utbetalt_kr                                 as mottatt_avvik
    from per_aar
),
periode as (
    -- the project period up to this year: what a final settlement adds up
    select
        *,
        sum(utbetalt_kr) over w                                         as periode_utbetalt_kr,
        sum(forbruk_kr) over w                                          as periode_forbruk_kr,
        sum(ubrukt_ikke_overfort_kr) over w                            as periode_ubrukt_kr,
        sum(tilbakebetalt_kr) over w                                    as periode_tilbakebetalt_kr,
        list(case when forbruk_kr is null then aar end) over w          as aar_uten_forbruk_alle
    from saldo
    window w as (partition by prosjektnummer order by aar rows between unbounded preceding and current row)
),
final as (
    select
        p.* exclude (aar_uten_forbruk_alle),
        list_filter(p.aar_uten_forbruk_alle, lambda x: x is not null)       as aar_uten_forbruk,
        -- the project ends this year: the register's last year, or its report says it has ended
        p.aar = p.siste_aar or coalesce(p.rapportert_status = 'avsluttet', false) as sluttoppgjor,
        -- a report due before the year is out (2015: 1 November) cannot settle the year: the final
        -- settlement is made against a final account sent after 31.12
        p.rapporteringsfrist <= make_date(p.aar, 12, 31)                as sluttregnskap_etter_perioden,
        k.terskel_ubrukt_kr,
        k.konto_tilbakebetaling,
        k.sluttregnskap_frist,
        -- KID: grant year, pool, project number (2 digits), and a MOD10 (Luhn) check digit
        g.siffer || cast((10 - list_sum(list_transform(range(1, length(g.siffer) + 1), lambda i:
            case when (length(g.siffer) - i) % 2 = 0
                 then cast(substr(g.siffer, i, 1) as integer) * 2
                      - case when cast(substr(g.siffer, i, 1) as integer) * 2 > 9 then 9 else 0 end
                 else cast(substr(g.siffer, i, 1) as integer) end)) % 10) % 10 as varchar) as kid,
        n.utbetalt_kr                                                   as neste_aar_utbetalt_kr,
        n.utbetalt_dato                                                 as neste_aar_utbetalt_dato
    from periode p
    cross join stg_programparametere k
    cross join lateral (
        select cast(p.aar as varchar) || regexp_extract(p.prosjektnummer, '^P(\d+)-', 1)
               || lpad(regexp_extract(p.prosjektnummer, '-(\d+)$', 1), 2, '0') as siffer
    ) g
    left join utbetalt n on n.prosjektnummer = p.prosjektnummer and n.aar = p.aar + 1
),
vurdert as (
    select
        *,
        -- settled in this letter: the project ends, its last report covers the whole year, and every
        -- year's spending is known. Each year's unspent funds not approved for transfer are recovered.
        sluttoppgjor and not sluttregnskap_etter_perioden and len(aar_uten_forbruk) = 0 as sluttoppgjor_no,
        -- a running project explains (or applies to transfer) unspent funds from the threshold up
        not sluttoppgjor and ubrukt_ikke_overfort_kr >= terskel_ubrukt_kr             as forklare_ubrukt
    from final
)
select
    *,
    case when sluttoppgjor_no then greatest(periode_ubrukt_kr - periode_tilbakebetalt_kr, 0) end as aa_betale_tilbake_kr
from vurdert
