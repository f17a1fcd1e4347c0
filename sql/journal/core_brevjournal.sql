-- core_brevjournal — grain: one dispatched document. The letter journal across runs: a row is written when a
-- batch of letters is dispatched (`samanom run … --status endelig`), or when a receipt (kvittering) is sent
-- for a file received, and never changed or deleted afterwards, unlike the yearly tables, which a run
-- rewrites. `situasjon` is the SHA-256 of the facts the document was built from (not its date or wording):
-- a later run writes a new letter only for a project whose facts differ, and a new receipt only for a file
-- whose facts differ.
create table if not exists core_brevjournal (
    aar integer, prosjektnummer varchar, lopenr integer, journalnummer varchar, dato date, brevtype varchar,
    rapportstatus varchar, maalform varchar, kommunenummer varchar, kommune varchar, svarfrist date, funn varchar,
    -- the amounts as printed (issue 15: the ledger against the accepted report)
    innvilget_kr double, utbetalt_kr double, utbetalt_dato varchar, overfort_inn_kr double, forbruk_kr double,
    ubrukt_kr double, overfort_ut_kr double, sluttoppgjor boolean, periode_ubrukt_kr double,
    tilbakebetaling_kr double, tilbakebetaling_frist varchar, kid varchar, pengevedtak boolean,
    neste_aar_innvilget_kr double, situasjon varchar, viser_til varchar,
    fil varchar, sha256 varchar, sider integer
);
-- issue 19: receipts in the same journal. `dokument` is 'brev' or 'kvittering' (null: a letter journaled
-- before receipts existed); a receipt names the file it answers (`filnavn`, `mottatt_sha256`) and whom it
-- went to (`mottaker`: the project number, or 'sekretariatet').
alter table core_brevjournal add column if not exists dokument varchar;
alter table core_brevjournal add column if not exists filnavn varchar;
alter table core_brevjournal add column if not exists mottatt_sha256 varchar;
alter table core_brevjournal add column if not exists mottaker varchar;
