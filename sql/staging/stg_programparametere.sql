-- stg_programparametere — grain: one row, the programme's parameters as typed columns
select
    cast(any_value(verdi) filter (where parameter = 'terskel_ubrukt_kr') as bigint)   as terskel_ubrukt_kr,
    any_value(verdi) filter (where parameter = 'konto_tilbakebetaling')               as konto_tilbakebetaling,
    any_value(verdi) filter (where parameter = 'kid_grunnlag')                        as kid_grunnlag,
    cast(any_value(verdi) filter (where parameter = 'sluttregnskap_frist') as date)  as sluttregnskap_frist
from ref_programparametere
