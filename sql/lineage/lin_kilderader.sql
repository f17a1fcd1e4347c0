-- lin_kilderader — grain: one value behind a project's year, with its file, SHA-256, sheet and row:
-- a field of the current report's `Prosjekt` sheet (or CSV line) as the text it held, a value of each
-- indicator, measure and risk row, the date the file was received, the project's line in the
-- register's grant letters (`tilskudd.csv`), and its lines in the secretariat's ledger: payments for the year
-- (`utbetalinger.csv`), approved transfers into and out of it (`overforinger.csv`, under the year each
-- moves money to and from) and repayments settling it (`tilbakebetalinger.csv`)
with innsending as (
    select aar, prosjektnummer, innsending_id, filnavn, sha256, mottatt_dato
    from core_innsendinger
    where gjeldende
),
ledger as (
    -- the secretariat's ledger lines under the year they settle; one approved transfer is money in for the
    -- year it goes to and money out of the year it comes from
    select aar, prosjektnummer, 'utbetaling' as tabell, belop_kr, kilde_fil, kilde_sha256, kilde_rad
    from ref_utbetalinger
    union all
    select til_aar, prosjektnummer, 'overforing_inn', belop_kr, kilde_fil, kilde_sha256, kilde_rad
    from ref_overforinger
    union all
    select fra_aar, prosjektnummer, 'overforing_ut', belop_kr, kilde_fil, kilde_sha256, kilde_rad
    from ref_overforinger
    union all
    select aar, prosjektnummer, 'tilbakebetaling', belop_kr, kilde_fil, kilde_sha256, kilde_rad
    from ref_tilbakebetalinger
),
indikatorfelt as (
    select * from (values ('utgangspunkt'), ('maal'), ('resultat')) as v(felt)
),
final as (
    select i.aar, i.prosjektnummer, i.innsending_id, i.filnavn, i.sha256, 'fil' as tabell,
           null::varchar as ark, null::integer as rad, null::varchar as indikator,
           'mottatt_dato' as felt, cast(i.mottatt_dato as varchar) as verdi
    from innsending i
    union all by name
    select i.aar, i.prosjektnummer, i.innsending_id, i.filnavn, i.sha256, 'prosjekt' as tabell,
           f.ark, f.rad, null::varchar as indikator, f.felt, f.verdi
    from innsending i
    join raw_felt f using (aar, innsending_id)
    union all by name
    select i.aar, i.prosjektnummer, i.innsending_id, i.filnavn, i.sha256, 'indikatorer' as tabell,
           x.ark, x.rad, x.indikator, v.felt,
           cast(case v.felt when 'utgangspunkt' then x.utgangspunkt when 'maal' then x.maal
                            else x.resultat end as varchar) as verdi
    from innsending i
    join core_indikatorer x using (aar, innsending_id)
    cross join indikatorfelt v
    union all by name
    select i.aar, i.prosjektnummer, i.innsending_id, i.filnavn, i.sha256, 'tiltak' as tabell,
           x.ark, x.rad, null::varchar as indikator, 'status' as felt, x.tiltak || ': ' || coalesce(x.status, '') as verdi
    from innsending i
    join core_tiltak x using (aar, innsending_id)
    union all by name
    select i.aar, i.prosjektnummer, i.innsending_id, i.filnavn, i.sha256, 'risiko' as tabell,
           x.ark, x.rad, null::varchar as indikator, 'sannsynlighet × konsekvens' as felt,
           x.risikofaktor || ': ' || coalesce(cast(x.sannsynlighet as varchar), '–') || ' × '
               || coalesce(cast(x.konsekvens as varchar), '–') as verdi
    from innsending i
    join core_risiko x using (aar, innsending_id)
    union all by name
    select cast(t.aar as integer) as aar, t.prosjektnummer, null::varchar as innsending_id,
           t.kilde_fil as filnavn, t.kilde_sha256 as sha256, 'tilskudd' as tabell,
           null::varchar as ark, t.kilde_rad as rad, null::varchar as indikator,
           'innvilget_kr' as felt, t.innvilget_kr as verdi
    from ref_tilskudd t
    union all by name
    select cast(l.aar as integer) as aar, l.prosjektnummer, null::varchar as innsending_id,
           l.kilde_fil as filnavn, l.kilde_sha256 as sha256, l.tabell,
           null::varchar as ark, l.kilde_rad as rad, null::varchar as indikator, 'belop_kr' as felt, l.belop_kr as verdi
    from ledger l
)
select aar, prosjektnummer, innsending_id, filnavn, sha256, tabell, ark, rad, indikator, felt, verdi
from final
