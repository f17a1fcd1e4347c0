-- stg_innsendingar — grain: the current (accepted, not superseded) submission of a project and year
select * from core_innsendingar
where gjeldande
