-- each company closes its own months (issue 18): a period row is a month of one company's books
-- (its id the period stream's: `2026-11`, `2026-11@b`).
alter table accounting_period add column company text not null default 'main';
