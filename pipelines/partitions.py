import warnings

import dagster as dg

from schemas.form import YEARS

# One partition per reporting year of the programme.
years = dg.StaticPartitionsDefinition([str(y) for y in YEARS])


def year_check(name: str, asset, description: str, blocking: bool = True) -> dg.AssetCheckSpec:
    """A check of a yearly asset whose result belongs to the year it checked, so the UI shows it under
    that partition. Dagster 1.13 marks partitioned checks as a preview; the warning says nothing to
    the people running the pipeline, so it is not shown."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return dg.AssetCheckSpec(name, asset=asset, blocking=blocking, description=description, partitions_def=years)
