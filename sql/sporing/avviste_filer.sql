-- Every file of the year that was rejected whole, with the reasons recorded for it, and every entry landing
-- did not read ($ikke_lest: a link, a lock file, …), whose reason is its outcome (put in words by the asset)
select f.filnavn, f.sha256, f.mottatt_dato, f.format, f.utfall,
       coalesce(string_agg(distinct a.melding_nb, ' | ' order by a.melding_nb)
                    filter (where a.alvorsgrad = 'avvis_fil'),
                string_agg(distinct a.melding_nb, ' | ' order by a.melding_nb)) as grunn,
       count(a.regel) as avvik
from core_filer f
left join core_avvik a on a.aar = f.aar and a.sha256 = f.sha256
where f.aar = $aar and (f.utfall = 'avvist' or list_contains($ikke_lest, f.utfall))
group by all
order by f.filnavn
