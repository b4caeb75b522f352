-- issue 20: a partner's balance before a day (the opening of the partner ledger, of a ledger
-- export for one partner) reads sums kept per company, account, partner and day, which grow
-- with the days a partner's items span, not with the items; `asOf` takes away the items
-- recorded after the point, as for `account_day`. Items without a partner are not kept here.
create table partner_day (
    company    text    not null,
    account    text    not null,
    partner_id uuid    not null,
    day        date    not null,
    debit      numeric not null,
    credit     numeric not null,
    items      bigint  not null,
    primary key (company, partner_id, account, day)
);

insert into partner_day (company, account, partner_id, day, debit, credit, items)
select company, account, partner_id, entry_date, sum(debit), sum(credit), count(*)
  from journal_item
 where partner_id is not null
 group by company, account, partner_id, entry_date;
