-- brev_okonomi_periode — grain: one project and year of its period up to the letter's year: the rows
-- of a final settlement (every year's payment, spending and approved transfers), from the one model
select prosjektnummer, aar, innvilget_kr, utbetalt_kr, utbetalt_dato, overfort_inn_kr, forbruk_kr,
       overfort_ut_kr, ubrukt_ikke_overfort_kr, tilbakebetalt_kr, tilbakebetalt_dato
from int_okonomi_prosjekt_aar
where aar <= $aar
order by prosjektnummer, aar
