-- a snapshot names the event it was taken at (its hash) and is sealed over that hash and its
-- state (sha256 of 'erp-snapshot-v1', the event's hash and the state as jsonb text): a command
-- uses a snapshot only while both still match, and `verify` folds every stream to compare. A
-- snapshot taken before this has no seal and is not used; the next one due replaces it.
alter table aggregate_snapshot
    add column event_hash bytea,
    add column seal       bytea;
