-- int_prosjekt_aar — grain: one project in one year it is active (forste_aar..siste_aar)
with aktive as (
    select p.*, t.aar, t.innvilget_kr, t.rapporteringsfrist, t.rapporteringsfrist_virkedag, t.eksempeldata
    from stg_prosjekt p
    join stg_tilskudd t using (prosjektnummer)
    where t.aar between p.forste_aar and p.siste_aar
),
avviste as (
    -- a project whose only submissions were rejected has sent something, just not usable
    select distinct aar, prosjektnummer
    from core_innsendinger
    where not godkjent and prosjektnummer is not null
),
neste_aar as (
    select prosjektnummer, aar - 1 as aar, innvilget_kr as neste_aar_innvilget_kr
    from stg_tilskudd
),
final as (
    select
        a.aar, a.prosjektnummer, a.prosjektnavn, a.pulje, a.nettverk_id, a.nettverk, a.nettverksleder,
        a.tema, a.kommunenummer, a.kommune, a.maalform, a.kommuner, a.kommunenummer_alle, a.forste_aar, a.siste_aar,
        a.siste_aar = a.aar                                            as avslutter_i_aar,
        a.innvilget_kr, a.rapporteringsfrist, a.eksempeldata,
        n.neste_aar_innvilget_kr,
        s.innsending_id, s.filnavn, s.sha256, s.mottatt_dato, s.format, s.skjemaform,
        case
            -- on time means by the deadline moved to a working day, as the letters say
            when s.innsending_id is not null and s.mottatt_dato > a.rapporteringsfrist_virkedag then 'for_sent'
            when s.innsending_id is not null then 'i_tide'
            when r.prosjektnummer is not null then 'avvist'
            else 'mangler'
        end                                                            as rapportstatus,
        s.status, s.prosjektleder                                      as prosjektleder, s.epost,
        s.folkevalgte_med, s.administrasjon_med, s.tillitsvalgte_med,
        coalesce(s.folkevalgte_med and s.administrasjon_med and s.tillitsvalgte_med, false) as alle_tre_parter,
        s.temadag_dato, s.samlinger_deltatt,
        s.egeninnsats                                                  as egeninnsats_kr,
        s.hovedfunn, s.godt_eksempel,
        -- the money, every amount from int_okonomi_prosjekt_aar (the ledger and the accepted report)
        o.* exclude (prosjektnummer, aar, innvilget_kr, rapporteringsfrist, forste_aar, siste_aar)
    from aktive a
    left join stg_innsendinger s on s.aar = a.aar and s.prosjektnummer = a.prosjektnummer
    left join avviste r on r.aar = a.aar and r.prosjektnummer = a.prosjektnummer
    left join neste_aar n on n.aar = a.aar and n.prosjektnummer = a.prosjektnummer
    left join int_okonomi_prosjekt_aar o on o.aar = a.aar and o.prosjektnummer = a.prosjektnummer
)
select * from final
