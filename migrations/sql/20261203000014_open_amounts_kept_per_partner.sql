-- issue 20: the aged balance's oldest bucket ("over 90 days") reads what each partner owes in
-- all, kept per company, kind and partner, less what falls due after the bucket's start, which
-- `open_due` gives by due date (an index on the due date finds those): the rows read grow with
-- the partners and the last few months' due dates, not with the open documents' history.
create table open_total (
    company    text    not null,
    kind       text    not null,
    partner_id uuid    not null,
    amount     numeric not null,
    primary key (company, kind, partner_id)
);

insert into open_total (company, kind, partner_id, amount)
select company, kind, partner_id, sum(amount)
  from open_due
 group by company, kind, partner_id
having sum(amount) <> 0;

create index open_due_by_due_date on open_due (company, kind, due_date);
