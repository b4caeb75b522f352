-- "name contains" now matches the fragment against the lower-cased name kept in the row
-- (`name_sort like lower(...)`: what ILIKE does, without lowering every name again), so the
-- trigram index that serves fragments of three characters or more is on that column.
drop index if exists partner_name_trgm;
create index partner_name_sort_trgm on partner using gin (name_sort gin_trgm_ops);
