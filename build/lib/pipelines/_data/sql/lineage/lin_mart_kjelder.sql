-- lin_mart_kjelder — grain: one source row behind one row of a mart. Answers "which submissions
-- and rows fed this figure": filter on mart, aar and nokkel (the mart row's key, as text).
with prosjekt as (
    select aar, prosjektnummer, pulje, nettverk_id, tema from int_prosjekt_aar
),
rader as (
    select r.*, p.pulje, p.nettverk_id, p.tema
    from lin_kjelderader r join prosjekt p using (aar, prosjektnummer)
),
final as (
    select 'mart_prosjekt_aar' as mart, aar, prosjektnummer as nokkel, * exclude (aar, pulje, nettverk_id, tema)
    from rader
    union all
    select 'mart_pulje_aar', aar, cast(pulje as varchar), * exclude (aar, pulje, nettverk_id, tema)
    from rader where tabell = 'prosjekt'
    union all
    select 'mart_nettverk_aar', aar, nettverk_id, * exclude (aar, pulje, nettverk_id, tema)
    from rader where tabell = 'prosjekt' and nettverk_id is not null
    union all
    select 'mart_tema_aar', aar, unnest(tema), * exclude (aar, pulje, nettverk_id, tema)
    from rader where tabell = 'prosjekt'
    union all
    select 'mart_indikator_aar', aar, indikator, * exclude (aar, pulje, nettverk_id, tema)
    from rader where tabell = 'indikatorer'
    union all
    select 'mart_indikator_serie', aar, prosjektnummer || '/' || indikator || '/' || aar,
           * exclude (aar, pulje, nettverk_id, tema)
    from rader where tabell = 'indikatorer'
    union all
    select 'mart_tiltak_risiko_aar', aar, tabell, * exclude (aar, pulje, nettverk_id, tema)
    from rader where tabell in ('tiltak', 'risiko')
    union all
    select 'mart_avvik_regel_aar', aar, regel, prosjektnummer, innsending_id, filnavn, sha256, 'avvik', ark, rad, felt
    from core_avvik
    union all
    select 'mart_kjeldefiler_aar', aar, filnavn, null, null, filnavn, sha256, 'fil', null, null, null
    from core_filer
)
select * from final
