-- The recorded issues a letter quotes: every issue of the year, in the order of the file, with the row it is
-- about (the indicator as the file names it, the risk with its S and K) so the letter can name the item.
select a.*,
       i.indikator                                  as indikator_tekst,
       r.risikofaktor, r.sannsynlighet, r.konsekvens
from core_avvik a
left join raw_indikatorer i
       on i.aar = a.aar and i.innsending_id = a.innsending_id and i.ark = a.ark and i.rad = a.rad
left join raw_risiko r
       on r.aar = a.aar and r.innsending_id = a.innsending_id and r.ark = a.ark and r.rad = a.rad
where a.aar = $aar
order by a.filnavn, a.innsending_id nulls first, a.ark nulls first, a.rad, a.felt
