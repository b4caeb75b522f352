-- issue 20: the aged balances read what posted documents still owe, kept per company, kind,
-- partner and due date (a document's total when posted, less each match), then put back what
-- was not in the books at the point asked for: documents dated after the aging date or posted
-- after `asOf`, and matches dated or recorded after them. Credit notes count negative. Keys
-- whose documents are settled are removed, so the table holds what is open, not the history.
create table open_due (
    company    text    not null,
    kind       text    not null,
    partner_id uuid    not null,
    due_date   date    not null,
    amount     numeric not null,
    primary key (company, kind, partner_id, due_date)
);

insert into open_due (company, kind, partner_id, due_date, amount)
select d.company, d.kind, d.partner_id, d.due_date,
       sum((case when d.kind like '%credit_note' then -1 else 1 end)
           * (d.total - coalesce((select sum(m.amount) from invoice_match m
                                   where m.invoice_id = d.id), 0)))
  from invoice d
 where d.posted_position is not null
 group by d.company, d.kind, d.partner_id, d.due_date
having sum((case when d.kind like '%credit_note' then -1 else 1 end)
           * (d.total - coalesce((select sum(m.amount) from invoice_match m
                                   where m.invoice_id = d.id), 0))) <> 0;

-- what a point before now takes away or puts back is found by these.
create index invoice_posted_date on invoice (invoice_date) where posted_position is not null;
create index invoice_posted_position on invoice (posted_position) where posted_position is not null;
create index invoice_posted_at on invoice (posted_at) where posted_position is not null;
create index invoice_match_date on invoice_match (match_date);
create index invoice_match_position on invoice_match (position);
create index invoice_match_recorded_at on invoice_match (recorded_at);
