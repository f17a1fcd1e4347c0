-- The files a receipt is written for — grain: one file received as a report in the year (archived, not a
-- link, lock or hidden file), as it is in the inbox now, with what became of it (core_filer.utfall) and,
-- for a duplicate, the earlier file with the same bytes that was read instead.
with mottekne as (
    select f.filnavn, f.filnavn_hex, f.sha256, f.mottatt_dato, f.format, f.storrelse_bytes
    from raw_filer f
    where f.aar = $aar and f.mottak = 'arkivert'
),
utfall as (
    select filnavn, filnavn_hex, utfall
    from core_filer
    where aar = $aar and utfall not in ('eldre_versjon', 'borte')
),
lesne as (
    -- the copy of each content that was read: the first to arrive (as reading and validation take it)
    select sha256, filnavn as lest_fil
    from (select sha256, filnavn, row_number() over (partition by sha256 order by filnavn) as n
          from raw_innsendinger where aar = $aar)
    where n = 1
),
final as (
    select m.*, u.utfall, l.lest_fil
    from mottekne m
    left join utfall u on u.filnavn = m.filnavn and u.filnavn_hex is not distinct from m.filnavn_hex
    left join lesne l on l.sha256 = m.sha256
)
select * from final
order by filnavn
