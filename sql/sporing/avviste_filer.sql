-- Every file of the year that was rejected whole, with the reasons recorded for it
select f.filnavn, f.sha256, f.mottatt_dato, f.format,
       coalesce(string_agg(distinct a.melding_nb, ' | ' order by a.melding_nb)
                    filter (where a.alvorsgrad = 'avvis_fil'),
                string_agg(distinct a.melding_nb, ' | ' order by a.melding_nb)) as grunn,
       count(a.regel) as avvik
from core_filer f
left join core_avvik a on a.aar = f.aar and a.sha256 = f.sha256
where f.aar = $aar and f.utfall = 'avvist'
group by all
order by f.filnavn
