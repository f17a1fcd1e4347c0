-- core_brevjournal — grain: one dispatched letter. The letter journal across runs: a row is written when a
-- batch is dispatched (`samanom run … --status endeleg`) and never changed or deleted afterwards, unlike
-- the yearly tables, which a run rewrites. `situasjon` is the SHA-256 of the facts the letter was built from
-- (not its date or wording): a later run writes a new letter only for a project whose facts differ.
create table if not exists core_brevjournal (
    aar integer, prosjektnummer varchar, lopenr integer, journalnummer varchar, dato date, brevtype varchar,
    rapportstatus varchar, malform varchar, kommunenummer varchar, kommune varchar, svarfrist date, funn varchar,
    tilbakebetaling_kr double, neste_aar_innvilga_kr double, situasjon varchar, viser_til varchar,
    fil varchar, sha256 varchar, sider integer
);
