-- Every issue of the year, with its place, as the validation asset lists it in the UI
select filnavn, prosjektnummer, ark, rad, felt, verdi, regel, alvorsgrad, forventet, melding_nb, sha256
from core_avvik
where aar = $aar
order by filnavn, ark nulls first, rad nulls first, felt, regel
