-- configuration read models, all owned by projections except user_session.

-- the configuration as it now stands: a single row, the Configuration aggregate folded from its
-- stream. Small and read whole (by every request that checks rights), so one JSON document.
create table configuration
(
    singleton  boolean primary key default true check (singleton),
    -- events in the Configuration stream: the configuration version clients see.
    version    bigint      not null,
    -- log position of the latest configuration event.
    position   bigint      not null,
    state      jsonb       not null,
    updated_at timestamptz not null
);

-- one row per stage: where it is in the log, who made it, the configuration there (the
-- snapshot a restore or a replay starts from), and what changed since the stage before.
create table configuration_stage
(
    name       text primary key,
    note       text        not null,
    position   bigint      not null unique,
    version    bigint      not null,
    created_at timestamptz not null,
    created_by text        not null,
    state      jsonb       not null,
    changes    jsonb       not null
);

-- one row per user, read by sign-in and by every request's rights check.
create table app_user
(
    id            uuid primary key,
    login         text        not null unique,
    name          text        not null,
    password_hash text        not null,
    groups        text[]      not null,
    active        boolean     not null,
    version       bigint      not null,
    created_at    timestamptz not null,
    updated_at    timestamptz not null
);

-- signed-in sessions. Not from the log: a token is a credential, not a business fact. Only a
-- hash of the token is kept, so a copy of this table signs nobody in.
create table user_session
(
    token_hash bytea primary key,
    user_id    uuid        not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null
);

create index user_session_user on user_session (user_id);
