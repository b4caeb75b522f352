-- A product's stock stream now keeps what came in and went out by day (a delivery dated back
-- must leave every day since with what it takes). Its snapshots of before hold today's on hand
-- only: they are dropped, as a cache is, so each stream is read from its first event (and
-- snapshotted again at its next hundred); `erp replay verify` then finds none of the old shape.
delete from aggregate_snapshot where aggregate_type = 'Stock';
