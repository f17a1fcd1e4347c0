import dagster as dg

from schemas.form import YEARS

# One partition per reporting year of the programme.
years = dg.StaticPartitionsDefinition([str(y) for y in YEARS])
