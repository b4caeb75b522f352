-- snapshots of aggregates with long histories: the state after `sequence` events, so a command
-- loads it and only the events after it. A cache of the log, never a second truth: a missing or
-- unreadable snapshot means replaying the whole stream.
create table aggregate_snapshot
(
    aggregate_type text        not null,
    aggregate_id   text        not null,
    sequence       bigint      not null,
    state          jsonb       not null,
    taken_at       timestamptz not null default now(),
    primary key (aggregate_type, aggregate_id)
);
