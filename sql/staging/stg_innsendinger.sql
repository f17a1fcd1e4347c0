-- stg_innsendinger — grain: the current (accepted, not superseded) submission of a project and year
select * from core_innsendinger
where gjeldende
