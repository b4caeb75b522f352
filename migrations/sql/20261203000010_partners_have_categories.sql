-- issue 18: a partner is in categories (codes), which record rules may let users see partners,
-- and the orders and documents of partners, by. Partners made before have none (their events
-- name none, so a rebuild agrees).
alter table partner add column categories text[] not null default '{}';

create index partner_categories on partner using gin (categories);
