-- mart_avvik_regel_aar — grain: one validation rule and severity in the year
select regel, alvorsgrad, count(*) as antall, count(distinct sha256) as filer
from core_avvik
where aar = $aar
group by regel, alvorsgrad
order by alvorsgrad, regel
