-- lin_mart_kilder — grain: one source value behind one row of a mart. Answers "which files, sheets,
-- rows and values fed this figure": filter on mart, aar and nokkel (the mart row's key, as text: the
-- columns `pipelines.lineage.MART_KEYS` names, joined by '/'); `kolonne` names the mart columns the
-- value feeds. Every branch names its columns, and the branches are joined by name, not by position.
-- Money comes from the ledger (payments, transfers, repayments in `lin_kilderader`) and the report's
-- spending, as int_okonomi_prosjekt_aar computes it; what a municipality says it received
-- (tilskudd_mottatt) only feeds the comparison columns.
with prosjekt as (
    select aar, prosjektnummer, pulje, nettverk_id, tema,
           -- unspent, and what the share spent is over, count only projects whose spending is known
           forbruk_kr is not null as med_forbruk, sluttoppgjor_no
    from int_prosjekt_aar
),
rader as (
    select r.*, p.pulje, p.nettverk_id, p.tema, p.med_forbruk
    from lin_kilderader r
    join prosjekt p using (aar, prosjektnummer)
),
-- which source value of a project's year feeds which columns of the marts over projects: `kolonne`
-- always, `med_forbruk` as well when the project's spending is known
pulje_kolonner as (
    select * from (values
        ('mart_pulje_aar', 'tilskudd', 'innvilget_kr', 'innvilget_kr', null),
        ('mart_pulje_aar', 'utbetaling', 'belop_kr', 'utbetalt_kr', 'ubrukt_kr, grunnlag_kr'),
        ('mart_pulje_aar', 'overforing_inn', 'belop_kr', 'overfort_inn_kr', 'ubrukt_kr, grunnlag_kr'),
        ('mart_pulje_aar', 'overforing_ut', 'belop_kr', 'overfort_ut_kr', null),
        ('mart_pulje_aar', 'prosjekt', 'forbruk', 'forbruk_kr', 'ubrukt_kr, prosjekt_med_forbruk'),
        ('mart_pulje_aar', 'fil', 'mottatt_dato', 'rapporter_i_tide, rapporter_for_sent', null),
        ('mart_tema_aar', 'tilskudd', 'innvilget_kr', 'innvilget_kr', null),
        ('mart_tema_aar', 'utbetaling', 'belop_kr', null, 'grunnlag_kr'),
        ('mart_tema_aar', 'overforing_inn', 'belop_kr', null, 'grunnlag_kr'),
        ('mart_tema_aar', 'prosjekt', 'forbruk', 'forbruk_kr', null),
        ('mart_tema_aar', 'fil', 'mottatt_dato', 'rapporter_mottatte', null),
        ('mart_nettverk_aar', 'tilskudd', 'innvilget_kr', 'prosjekt', null),
        ('mart_nettverk_aar', 'fil', 'mottatt_dato', 'rapporter_mottatte', null),
        ('mart_nettverk_aar', 'prosjekt', 'folkevalgte_med', 'alle_tre_parter', null),
        ('mart_nettverk_aar', 'prosjekt', 'administrasjon_med', 'alle_tre_parter', null),
        ('mart_nettverk_aar', 'prosjekt', 'tillitsvalgte_med', 'alle_tre_parter', null),
        ('mart_nettverk_aar', 'prosjekt', 'temadag_dato', 'temadager_holdt', null),
        ('mart_nettverk_aar', 'prosjekt', 'samlinger_deltatt', 'samlinger_snitt', null)
    ) as v(mart, tabell, felt, kolonne, med_forbruk)
),
kolonner as (
    select r.* exclude (med_forbruk), k.mart,
           concat_ws(', ', k.kolonne, case when r.med_forbruk then k.med_forbruk end) as kolonne
    from rader r
    join pulje_kolonner k using (tabell, felt)
),
-- the money of one project's year (mart_prosjekt_aar) is drawn from its own year (`aar`), the earlier
-- active years its period sums add up (`tidligere`) and the next year (`neste`): `kolonne` always,
-- `med_forbruk` as well when the spending of the value's year is known, `sluttoppgjor` when the year
-- settles the project (what it has to pay back is the period's unspent less what it repaid)
prosjekt_kolonner as (
    select * from (values
        ('tilskudd', 'innvilget_kr', 'aar', 'innvilget_kr', null, null),
        ('tilskudd', 'innvilget_kr', 'neste', 'neste_aar_innvilget_kr', null, null),
        ('utbetaling', 'belop_kr', 'aar', 'utbetalt_kr, periode_utbetalt_kr, mottatt_avvik',
         'ubrukt_kr, ubrukt_ikke_overfort_kr, periode_ubrukt_kr, forklare_ubrukt', 'aa_betale_tilbake_kr'),
        ('utbetaling', 'belop_kr', 'tidligere', 'periode_utbetalt_kr', 'periode_ubrukt_kr', 'aa_betale_tilbake_kr'),
        ('utbetaling', 'belop_kr', 'neste', 'neste_aar_utbetalt_kr', null, null),
        ('overforing_inn', 'belop_kr', 'aar', 'overfort_inn_kr',
         'ubrukt_kr, ubrukt_ikke_overfort_kr, periode_ubrukt_kr, forklare_ubrukt', 'aa_betale_tilbake_kr'),
        ('overforing_inn', 'belop_kr', 'tidligere', null, 'periode_ubrukt_kr', 'aa_betale_tilbake_kr'),
        ('overforing_ut', 'belop_kr', 'aar', 'overfort_ut_kr',
         'ubrukt_ikke_overfort_kr, periode_ubrukt_kr, forklare_ubrukt', 'aa_betale_tilbake_kr'),
        ('overforing_ut', 'belop_kr', 'tidligere', null, 'periode_ubrukt_kr', 'aa_betale_tilbake_kr'),
        ('tilbakebetaling', 'belop_kr', 'aar', 'tilbakebetalt_kr, periode_tilbakebetalt_kr', null,
         'aa_betale_tilbake_kr'),
        ('tilbakebetaling', 'belop_kr', 'tidligere', 'periode_tilbakebetalt_kr', null, 'aa_betale_tilbake_kr'),
        ('prosjekt', 'forbruk', 'aar', 'forbruk_kr, periode_forbruk_kr, aar_uten_forbruk, sluttoppgjor_no',
         'ubrukt_kr, ubrukt_ikke_overfort_kr, periode_ubrukt_kr, forklare_ubrukt', 'aa_betale_tilbake_kr'),
        ('prosjekt', 'forbruk', 'tidligere', 'periode_forbruk_kr, aar_uten_forbruk, sluttoppgjor_no',
         'periode_ubrukt_kr', 'aa_betale_tilbake_kr'),
        ('prosjekt', 'egeninnsats', 'aar', 'egeninnsats_kr', null, null),
        ('prosjekt', 'tilskudd_mottatt', 'aar', 'rapportert_mottatt_kr, mottatt_avvik', null, null)
    ) as v(tabell, felt, naar, kolonne, med_forbruk, sluttoppgjor)
),
prosjekt_okonomi as (
    select m.aar, m.prosjektnummer as nokkel,
           r.prosjektnummer, r.innsending_id, r.filnavn, r.sha256, r.tabell, r.ark, r.rad, r.felt, r.verdi,
           concat_ws(', ', k.kolonne, case when kilde.med_forbruk then k.med_forbruk end,
                     case when m.sluttoppgjor_no then k.sluttoppgjor end) as kolonne
    from prosjekt m
    join lin_kilderader r on r.prosjektnummer = m.prosjektnummer and r.aar <= m.aar + 1
    left join prosjekt kilde on kilde.prosjektnummer = r.prosjektnummer and kilde.aar = r.aar
    join prosjekt_kolonner k on k.tabell = r.tabell and k.felt = r.felt
         and k.naar = case when r.aar = m.aar then 'aar' when r.aar < m.aar then 'tidligere' else 'neste' end
    -- an earlier year counts when the project was active in it: the period sums run over its active years
    where k.naar <> 'tidligere' or kilde.aar is not null
),
-- the programme's parameters each project's year carries (the threshold decides what must be explained)
parameter_kolonner as (
    select * from (values
        ('terskel_ubrukt_kr', 'terskel_ubrukt_kr, forklare_ubrukt'),
        ('konto_tilbakebetaling', 'konto_tilbakebetaling'),
        ('sluttregnskap_frist', 'sluttregnskap_frist')
    ) as v(parameter, kolonne)
),
serie_aar as (
    select distinct aar from int_prosjekt_aar
),
final as (
    select 'mart_prosjekt_aar' as mart, aar, prosjektnummer as nokkel,
           case tabell when 'tiltak' then 'tiltak' when 'risiko' then 'risikoer'
                       when 'fil' then 'rapportstatus' else felt end as kolonne,
           prosjektnummer, innsending_id, filnavn, sha256, tabell, ark, rad, felt, verdi
    from rader r
    where tabell in ('prosjekt', 'fil', 'tiltak', 'risiko')
      and not exists (select 1 from prosjekt_kolonner k where k.tabell = r.tabell and k.felt = r.felt)
    union all by name
    select 'mart_prosjekt_aar' as mart, aar, nokkel, kolonne,
           prosjektnummer, innsending_id, filnavn, sha256, tabell, ark, rad, felt, verdi
    from prosjekt_okonomi
    where kolonne <> ''
    union all by name
    select 'mart_prosjekt_aar' as mart, p.aar, p.prosjektnummer as nokkel, k.kolonne,
           p.prosjektnummer, null::varchar as innsending_id, x.kilde_fil as filnavn, x.kilde_sha256 as sha256,
           'programparameter' as tabell, null::varchar as ark, x.kilde_rad as rad, x.parameter as felt,
           x.verdi
    from prosjekt p
    cross join ref_programparametere x
    join parameter_kolonner k using (parameter)
    union all by name
    select 'mart_prosjekt_aar' as mart, a.aar, a.prosjektnummer as nokkel, 'avvik' as kolonne,
           a.prosjektnummer, a.innsending_id, a.filnavn, a.sha256, 'avvik' as tabell, a.ark, a.rad, a.felt, a.verdi
    from core_avvik a
    join prosjekt p using (aar, prosjektnummer)
    union all by name
    select mart, aar, cast(pulje as varchar) as nokkel, kolonne,
           prosjektnummer, innsending_id, filnavn, sha256, tabell, ark, rad, felt, verdi
    from kolonner where mart = 'mart_pulje_aar' and kolonne <> ''
    union all by name
    -- a pool's projects without a network are the row whose nettverk_id is empty
    select mart, aar, cast(pulje as varchar) || '/' || coalesce(nettverk_id, '') as nokkel, kolonne,
           prosjektnummer, innsending_id, filnavn, sha256, tabell, ark, rad, felt, verdi
    from kolonner where mart = 'mart_nettverk_aar'
    union all by name
    select mart, aar, unnest(tema) as nokkel, kolonne,
           prosjektnummer, innsending_id, filnavn, sha256, tabell, ark, rad, felt, verdi
    from kolonner where mart = 'mart_tema_aar' and kolonne <> ''
    union all by name
    select 'mart_indikator_aar' as mart, r.aar, r.indikator as nokkel,
           'prosjekt_med_indikator, del_mot_maal, median_endring' as kolonne,
           r.prosjektnummer, r.innsending_id, r.filnavn, r.sha256, r.tabell, r.ark, r.rad, r.felt, r.verdi
    from rader r
    join core_indikatorer x on x.aar = r.aar and x.innsending_id = r.innsending_id and x.ark is not distinct from r.ark
         and x.rad = r.rad and x.indikator = r.indikator
    where r.tabell = 'indikatorer' and x.standard
    union all by name
    -- the series of a year draws every earlier year's values too
    select 'mart_indikator_serie' as mart, s.aar, r.prosjektnummer || '/' || r.indikator || '/' || r.aar as nokkel,
           case r.felt when 'resultat' then 'verdi' else r.felt end as kolonne,
           r.prosjektnummer, r.innsending_id, r.filnavn, r.sha256, r.tabell, r.ark, r.rad, r.felt, r.verdi
    from rader r
    join core_indikatorer x on x.aar = r.aar and x.innsending_id = r.innsending_id and x.ark is not distinct from r.ark
         and x.rad = r.rad and x.indikator = r.indikator
    join serie_aar s on r.aar <= s.aar
    where r.tabell = 'indikatorer' and x.standard and x.resultat is not null
    union all by name
    select 'mart_tiltak_risiko_aar' as mart, r.aar, 'tiltak/' || x.status as nokkel, 'antall' as kolonne,
           r.prosjektnummer, r.innsending_id, r.filnavn, r.sha256, r.tabell, r.ark, r.rad, r.felt, r.verdi
    from rader r
    join core_tiltak x on x.aar = r.aar and x.innsending_id = r.innsending_id and x.ark is not distinct from r.ark
         and x.rad = r.rad
    where r.tabell = 'tiltak'
    union all by name
    select 'mart_tiltak_risiko_aar' as mart, r.aar,
           'hoy_risiko/' || case when x.mottiltak is null then 'uten_mottiltak' else 'med_mottiltak' end as nokkel,
           'antall' as kolonne,
           r.prosjektnummer, r.innsending_id, r.filnavn, r.sha256, r.tabell, r.ark, r.rad, r.felt, r.verdi
    from rader r
    join stg_risiko x on x.aar = r.aar and x.innsending_id = r.innsending_id and x.ark is not distinct from r.ark
         and x.rad = r.rad
    where r.tabell = 'risiko' and x.hoy_risiko
    union all by name
    select 'mart_hoye_risikoer' as mart, r.aar, r.prosjektnummer || '/' || r.rad as nokkel,
           'sannsynlighet, konsekvens' as kolonne,
           r.prosjektnummer, r.innsending_id, r.filnavn, r.sha256, r.tabell, r.ark, r.rad, r.felt, r.verdi
    from rader r
    join stg_risiko x on x.aar = r.aar and x.innsending_id = r.innsending_id and x.ark is not distinct from r.ark
         and x.rad = r.rad
    where r.tabell = 'risiko' and x.hoy_risiko
    union all by name
    select 'mart_avvik_regel_aar' as mart, aar, regel || '/' || alvorsgrad as nokkel, 'antall, filer' as kolonne,
           prosjektnummer, innsending_id, filnavn, sha256, 'avvik' as tabell, ark, rad, felt, verdi
    from core_avvik
    union all by name
    select 'mart_kildefiler_aar' as mart, aar, filnavn as nokkel, 'utfall' as kolonne,
           null::varchar as prosjektnummer, null::varchar as innsending_id, filnavn, sha256, 'fil' as tabell,
           null::varchar as ark, null::integer as rad, 'utfall' as felt, utfall as verdi
    from core_filer
)
select mart, aar, nokkel, kolonne, prosjektnummer, innsending_id, filnavn, sha256, tabell, ark, rad, felt, verdi
from final
