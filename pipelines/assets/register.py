"""The programme register: municipalities, networks, projects, grant letters, and the secretariat's ledger."""

import hashlib
from datetime import date
from pathlib import Path

import dagster as dg
import pandas as pd

from pipelines import sporing, versions, warehouse, workdays
from pipelines.resources import Settings
from schemas.accepted import failures
from schemas.register import REGISTER_SCHEMAS

OWNER = "team:sekretariatet"
FILES = {
    "kommuner": "Kommunene i programmet med kommunenummer slik det gjaldt 2012–2015, fylke og valgt målform "
    "(bokmål, nynorsk eller nøytral); målformen avgjør språket i hvert brev.",
    "nettverk": "Nettverkene i begge puljer, med tema og nettverksleder (fra heftets vedlegg 2).",
    "prosjekt": "Hvert prosjekt: pulje, nettverk, tema, vertskommune og hvilke år det er aktivt.",
    "prosjekt_kommuner": "Hvilke kommuner som deltar i hvert prosjekt, og hvilken som leder det.",
    "tilskudd": "Tilskuddsbrevene: innvilget beløp per prosjekt og år («Innvilget» i årsrapporten), "
    "rapporteringsfrist og vilkår. Beløpene er eksempeldata.",
    "utbetalinger": "Sekretariatets regnskap: hver utbetaling av tilskudd (bilag, dato, prosjekt, tilskuddsår, "
    "beløp) slik den eksporteres fra statsregnskapet. Eksempeldata. Brevene oppgir det som er "
    "utbetalt herfra, aldri det kommunen oppgir å ha mottatt («Utbetalt» i årsrapporten).",
    "overforinger": "Godkjente overføringer av ubrukte midler fra ett tilskuddsår til det neste (vedtak, dato, "
    "prosjekt, beløp). Eksempeldata.",
    "tilbakebetalinger": "Mottatte tilbakebetalinger av ubrukt tilskudd (bilag, dato, prosjekt, tilskuddsåret som "
    "gjøres opp, beløp, KID). Eksempeldata.",
    "programparametere": "Programmets parametre, én linje hver: vesentlighetsgrensen for ubrukte midler, kontoen "
    "for tilbakebetaling, KID-mønsteret og fristen for sluttregnskap.",
}


def read_register(directory: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(directory / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8")


def derived(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """The rows as stored: with the columns `schemas.register.DERIVED_COLUMNS` declares."""
    if name == "tilskudd":
        return df.assign(
            rapporteringsfrist_virkedag=[
                workdays.on_or_after(date.fromisoformat(d)).isoformat() for d in df["rapporteringsfrist"]
            ]
        )
    return df


def _register_asset(name: str, description: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=["register", name],
        group_name="register",
        description=f"{description} Fil `data/reference/{name}.csv`, tabell `ref_{name}`.",
        owners=[OWNER],
        kinds={"csv", "duckdb"},
        code_version=versions.register(),
        check_specs=[
            dg.AssetCheckSpec(
                "pandera_modell",
                asset=["register", name],
                blocking=True,
                description=f"Registerfilen {name}.csv følger sin pandera-modell; "
                "ellers skrives den ikke til lageret, og årets kjøring stopper.",
            )
        ],
    )
    def _asset(settings: Settings):
        path = Path(settings.register_dir) / f"{name}.csv"
        df = read_register(Path(settings.register_dir), name)
        sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        failed = failures(REGISTER_SCHEMAS[name], df)
        check = dg.AssetCheckResult(
            passed=failed.empty,
            metadata={
                "rader_kontrollert": len(df),
                "feil": len(failed),
                "sha256": sha256,
                **({"feil_eksempler": sporing.table(failed, limit=50)} if len(failed) else {}),
            },
        )
        if not check.passed:
            # a register that breaks its model is never written: the year's run stops here
            yield check
            raise dg.Failure(
                f"Registerfilen {name}.csv følger ikke modellen sin ({len(failed)} feil); "
                "lageret har fortsatt forrige versjon."
            )
        # line 1 is the header: the first row is line 2, as a spreadsheet shows it
        stored = derived(name, df).assign(kilde_fil=path.name, kilde_sha256=sha256, kilde_rad=range(2, len(df) + 2))
        with settings.connect() as con:
            rows = warehouse.replace_table(con, f"ref_{name}", stored)
        yield dg.MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "fil": dg.MetadataValue.path(str(path)),
                "sha256": sha256,
                "innhald": sporing.table(df),
            },
            data_version=dg.DataVersion(sha256[:16]),
        )
        yield check

    return _asset


register_assets = [_register_asset(name, text) for name, text in FILES.items()]
