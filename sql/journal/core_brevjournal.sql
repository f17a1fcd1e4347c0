-- core_brevjournal — grain: one dispatched letter. The letter journal across runs: a row is written when a
-- batch is dispatched (`samanom run … --status endeleg`) and never changed or deleted afterwards, unlike
-- the yearly tables, which a run rewrites. `situasjon` is the SHA-256 of the facts the letter was built from
-- (not its date or wording): a later run writes a new letter only for a project whose facts differ.
create table if not exists core_brevjournal (
    aar integer, prosjektnummer varchar, lopenr integer, journalnummer varchar, dato date, brevtype varchar,
    rapportstatus varchar, malform varchar, kommunenummer varchar, kommune varchar, svarfrist date, funn varchar,
    -- the amounts as printed (issue 15: the ledger against the accepted report)
    innvilga_kr double, utbetalt_kr double, utbetalt_dato varchar, overfort_inn_kr double, forbruk_kr double,
    ubrukt_kr double, overfort_ut_kr double, sluttoppgjer boolean, periode_ubrukt_kr double,
    tilbakebetaling_kr double, tilbakebetaling_frist varchar, kid varchar, pengevedtak boolean,
    neste_aar_innvilga_kr double, situasjon varchar, viser_til varchar,
    fil varchar, sha256 varchar, sider integer
);
