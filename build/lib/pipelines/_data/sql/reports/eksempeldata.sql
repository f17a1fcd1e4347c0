-- Whether the register's grants are sample data: every document then carries the «Eksempeldata» mark.
select coalesce(bool_or(eksempeldata), false) as eksempeldata
from stg_tilskudd
