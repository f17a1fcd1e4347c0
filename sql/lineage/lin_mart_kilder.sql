-- lin_mart_kilder — grain: one source value behind one row of a mart. Answers "which files, sheets,
-- rows and values fed this figure": filter on mart, aar and nokkel (the mart row's key, as text: the
-- columns `pipelines.lineage.MART_KEYS` names, joined by '/'); `kolonne` names the mart columns the
-- value feeds. Every branch names its columns, and the branches are joined by name, not by position.
with prosjekt as (
    select aar, prosjektnummer, pulje, nettverk_id, tema from int_prosjekt_aar
),
rader as (
    select r.*, p.pulje, p.nettverk_id, p.tema
    from lin_kilderader r
    join prosjekt p using (aar, prosjektnummer)
),
-- which field of a project's year feeds which columns of the marts over projects
pulje_kolonner as (
    select * from (values
        ('mart_pulje_aar', 'innvilget_kr', 'innvilget_kr'),
        ('mart_pulje_aar', 'tilskudd_mottatt', 'utbetalt_kr, ubrukt_kr'),
        ('mart_pulje_aar', 'forbruk', 'forbruk_kr, ubrukt_kr'),
        ('mart_pulje_aar', 'mottatt_dato', 'rapporter_i_tide, rapporter_for_sent'),
        ('mart_tema_aar', 'innvilget_kr', 'innvilget_kr'),
        ('mart_tema_aar', 'forbruk', 'forbruk_kr'),
        ('mart_tema_aar', 'mottatt_dato', 'rapporter_mottatte'),
        ('mart_nettverk_aar', 'innvilget_kr', 'prosjekt'),
        ('mart_nettverk_aar', 'mottatt_dato', 'rapporter_mottatte'),
        ('mart_nettverk_aar', 'folkevalgte_med', 'alle_tre_parter'),
        ('mart_nettverk_aar', 'administrasjon_med', 'alle_tre_parter'),
        ('mart_nettverk_aar', 'tillitsvalgte_med', 'alle_tre_parter'),
        ('mart_nettverk_aar', 'temadag_dato', 'temadager_holdt'),
        ('mart_nettverk_aar', 'samlinger_deltatt', 'samlinger_snitt')
    ) as v(mart, felt, kolonne)
),
kolonnar as (
    select r.*, k.mart, k.kolonne
    from rader r
    join pulje_kolonner k using (felt)
    where r.tabell in ('prosjekt', 'fil', 'tilskudd')
),
serie_aar as (
    select distinct aar from int_prosjekt_aar
),
final as (
    select 'mart_prosjekt_aar' as mart, aar, prosjektnummer as nokkel,
           case tabell when 'tilskudd' then 'innvilget_kr' when 'tiltak' then 'tiltak' when 'risiko' then 'risikoer'
                       when 'fil' then 'rapportstatus' else felt end as kolonne,
           prosjektnummer, innsending_id, filnavn, sha256, tabell, ark, rad, felt, verdi
    from rader
    where tabell in ('prosjekt', 'fil', 'tilskudd', 'tiltak', 'risiko')
    union all by name
    select 'mart_prosjekt_aar' as mart, a.aar, a.prosjektnummer as nokkel, 'avvik' as kolonne,
           a.prosjektnummer, a.innsending_id, a.filnavn, a.sha256, 'avvik' as tabell, a.ark, a.rad, a.felt, a.verdi
    from core_avvik a
    join prosjekt p using (aar, prosjektnummer)
    union all by name
    select mart, aar, cast(pulje as varchar) as nokkel, kolonne,
           prosjektnummer, innsending_id, filnavn, sha256, tabell, ark, rad, felt, verdi
    from kolonnar where mart = 'mart_pulje_aar'
    union all by name
    -- a pool's projects without a network are the row whose nettverk_id is empty
    select mart, aar, cast(pulje as varchar) || '/' || coalesce(nettverk_id, '') as nokkel, kolonne,
           prosjektnummer, innsending_id, filnavn, sha256, tabell, ark, rad, felt, verdi
    from kolonnar where mart = 'mart_nettverk_aar'
    union all by name
    select mart, aar, unnest(tema) as nokkel, kolonne,
           prosjektnummer, innsending_id, filnavn, sha256, tabell, ark, rad, felt, verdi
    from kolonnar where mart = 'mart_tema_aar'
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
