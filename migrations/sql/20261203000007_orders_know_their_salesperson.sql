-- record rules (issue 18) restrict a user to their own orders: an order's salesperson is the user
-- who created it, as its creation event's metadata says.
alter table business_order add column salesperson text;
update business_order o
   set salesperson = e.metadata ->> 'user'
  from events e
 where e.aggregate_type = 'Order' and e.aggregate_id = o.id::text
   and e.event_type = 'OrderCreated';
