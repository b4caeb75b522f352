-- record rules (issue 18) on documents: a document's salesperson is the user who drafted it
-- (by hand, or by invoicing an order), as its creation event's metadata says.
alter table invoice add column salesperson text;
update invoice i
   set salesperson = e.metadata ->> 'user'
  from events e
 where e.aggregate_type = 'Invoice' and e.aggregate_id = i.id::text
   and e.event_type = 'InvoiceDrafted';
