-- The event store. The first seven columns are exactly postgres-es's `events` table, so its
-- INSERT keeps working unchanged; the columns after them have defaults and are filled in by the
-- database at insert time.
create table events
(
    aggregate_type text                         not null,
    aggregate_id   text                         not null,
    sequence       bigint check (sequence >= 0) not null,
    event_type     text                         not null,
    event_version  text                         not null,
    payload        json                         not null,
    metadata       json                         not null,
    -- global order of insertion. Identity values are handed out at insert, not at commit, so on
    -- its own it is not safe to read "after position N": see `transaction_id`.
    position       bigint generated always as identity,
    -- the writing transaction. Readers only read events whose transaction is below the lowest
    -- transaction still running in this database (every such transaction has ended), in
    -- (transaction_id, position) order, so an event whose transaction commits late is never
    -- skipped.
    transaction_id xid8        not null default pg_current_xact_id(),
    -- when the database recorded the event.
    recorded_at    timestamptz not null default clock_timestamp(),
    primary key (aggregate_type, aggregate_id, sequence)
);

create unique index events_position on events (position);
-- the log reader's order.
create index events_transaction_position on events (transaction_id, position);

-- events are never changed or deleted: a correction is a new event.
create function events_are_append_only() returns trigger
    language plpgsql as
$$
begin
    raise exception 'events are append-only: % is not allowed', tg_op
        using errcode = 'restrict_violation';
end
$$;

create trigger events_append_only
    before update or delete or truncate
    on events
    for each statement
execute function events_are_append_only();

-- where each projection stands in the log. Written in the same transaction as the projection's
-- read-model changes, so after a crash it resumes with nothing missing and nothing doubled.
create table projection_checkpoints
(
    projection     text primary key,
    transaction_id bigint      not null default 0,
    position       bigint      not null default 0,
    updated_at     timestamptz not null default now()
);
