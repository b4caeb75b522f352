-- issue 20: a balance up to a day summed the sums kept per day, so it grew with the days the
-- books span (3,300 a product or account over nine years). Each sum is now kept per month too,
-- in the same transaction as the day's: a balance before a day reads the whole months before
-- that day's month and the days of that month before it, whatever the years of history.
create table account_month (
    company text    not null,
    account text    not null,
    -- the first day of the month.
    month   date    not null,
    debit   numeric not null,
    credit  numeric not null,
    items   bigint  not null,
    primary key (company, account, month)
);

insert into account_month (company, account, month, debit, credit, items)
select company, account, date_trunc('month', day)::date, sum(debit), sum(credit), sum(items)
  from account_day
 group by 1, 2, 3;

create table partner_month (
    company    text    not null,
    account    text    not null,
    partner_id uuid    not null,
    month      date    not null,
    debit      numeric not null,
    credit     numeric not null,
    items      bigint  not null,
    primary key (company, partner_id, account, month)
);

insert into partner_month (company, account, partner_id, month, debit, credit, items)
select company, account, partner_id, date_trunc('month', day)::date,
       sum(debit), sum(credit), sum(items)
  from partner_day
 group by 1, 2, 3, 4;

create table stock_month (
    product_id uuid    not null,
    location   text    not null,
    company    text    not null,
    month      date    not null,
    quantity   numeric not null,
    moves      bigint  not null,
    primary key (product_id, location, company, month)
);

insert into stock_month (product_id, location, company, month, quantity, moves)
select product_id, location, company, date_trunc('month', day)::date, sum(quantity), sum(moves)
  from stock_day
 group by 1, 2, 3, 4;

-- the days of one month, of every account or partner at once, and of one partner.
create index account_day_by_day on account_day (company, day);
create index partner_day_by_day on partner_day (company, day);
create index partner_day_by_partner on partner_day (partner_id, day);
