-- tamper evidence. Each event's hash chains it to the event before it in its stream: sha-256
-- over the previous hash and the event's fields, computed by the application as it appends. An
-- event written by hand has no hash (or a wrong one); a changed event no longer matches its hash;
-- a removed event breaks the chain of the next one in its stream.
alter table events add column hash bytea;

-- seals over the global order: a running hash over every event's hash, in the order the log
-- reader reads them, kept by the `log_seal` projection every 1,000 events. Removing the last
-- event of a stream (which no later event chains to) breaks the seal over it.
create table log_seal
(
    position       bigint primary key,
    transaction_id bigint      not null,
    -- events sealed so far, this one included.
    events         bigint      not null,
    hash           bytea       not null,
    sealed_at      timestamptz not null default now()
);

-- the running hash after the last batch the projection applied, where the next seal goes on.
create table log_seal_head
(
    singleton      boolean primary key default true check (singleton),
    position       bigint not null,
    transaction_id bigint not null,
    events         bigint not null,
    hash           bytea  not null
);
