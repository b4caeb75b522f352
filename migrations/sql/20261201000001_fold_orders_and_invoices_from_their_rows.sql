-- orders and invoices are folded from their own rows, each event changing them directly, no longer
-- by reloading the domain aggregate from a copy kept beside them (`state_json`). What the next
-- events need that the rows did not hold is added here, taken from that copy, and the copy goes.

-- the currency decimals totals are rounded to: set when the document is made, and needed again
-- when its lines are replaced (the event replacing them does not repeat them).
alter table business_order add column decimals integer;
update business_order set decimals = (state_json -> 'current' ->> 'decimals')::integer;
alter table business_order alter column decimals set not null;

alter table invoice add column decimals integer;
update invoice set decimals = (state_json -> 'current' -> 'draft' ->> 'decimals')::integer;
alter table invoice alter column decimals set not null;

-- what each invoice made from an order billed, line by line, from the log position it was billed
-- at: cancelling the invoice as a draft releases it, and the event that says so names only the
-- invoice. Owned by the `business` projection, like the order it belongs to.
create table order_invoiced
(
    order_id   uuid    not null,
    invoice_id uuid    not null,
    position   bigint  not null,
    -- the entry's place in what the invoice billed (a line may come twice)
    entry_no   integer not null,
    line_no    integer not null,
    quantity   numeric not null,
    primary key (order_id, position, entry_no)
);
create index order_invoiced_invoice on order_invoiced (order_id, invoice_id);

-- the aggregate kept them as [[invoice, [{line, quantity}, ...]], ...], oldest first: their
-- places stand in for the positions, which only order an order's entries among themselves.
insert into order_invoiced (order_id, invoice_id, position, entry_no, line_no, quantity)
select o.id, (billed.value ->> 0)::uuid, billed.n, (q.n - 1)::integer,
       (q.value ->> 'line')::integer, (q.value ->> 'quantity')::numeric
  from business_order o
       cross join lateral jsonb_array_elements(o.state_json -> 'current' -> 'invoices')
           with ordinality as billed(value, n)
       cross join lateral jsonb_array_elements(billed.value -> 1) with ordinality as q(value, n);

alter table business_order drop column state_json;
alter table invoice drop column state_json;
