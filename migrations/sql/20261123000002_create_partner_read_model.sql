-- the partner form and the partner list read the same row: one table, owned by the `partner`
-- projection.
create extension if not exists pg_trgm;

create table partner
(
    id               uuid primary key,
    name             text        not null,
    -- the list sorts by name without regard to case.
    name_sort        text        not null,
    email            text,
    phone            text,
    street           text,
    city             text,
    zip              text,
    country          text,
    vat              text,
    is_customer      boolean     not null,
    is_supplier      boolean     not null,
    archived         boolean     not null default false,
    -- the aggregate's version: the number of events it has. Clients send it back as
    -- `expectedVersion` to refuse a change made on a stale form.
    version          bigint      not null,
    created_at       timestamptz not null,
    created_position bigint      not null unique,
    updated_at       timestamptz not null
);

create index partner_name_sort on partner (name_sort, id);
-- "name contains" filters with ILIKE '%...%', which only a trigram index can serve.
create index partner_name_trgm on partner using gin (name gin_trgm_ops);
