-- issue 20: the trial balance reads balances kept per company, account and day (which grow with
-- the days the books span, not with the items in them), then takes away the items recorded
-- after the point asked for (`asOf`), found by their position or time.
create table account_day (
    company text    not null,
    account text    not null,
    day     date    not null,
    debit   numeric not null,
    credit  numeric not null,
    -- how many items: an account none of whose items are in the books at a point is left out.
    items   bigint  not null,
    primary key (company, account, day)
);

insert into account_day (company, account, day, debit, credit, items)
select company, account, entry_date, sum(debit), sum(credit), count(*)
  from journal_item
 group by company, account, entry_date;

create index journal_item_position on journal_item (position);
create index journal_item_recorded_at on journal_item (recorded_at);
