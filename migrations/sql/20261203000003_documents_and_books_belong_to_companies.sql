-- invoices, bills, credit notes and the books' entries belong to one company each (issue 18);
-- those from before a database held several belong to the main one. Reports read one company's
-- (or a few companies') items.
alter table invoice add column company text not null default 'main';
create index invoice_company_list on invoice (company, invoice_date desc, id);
alter table journal_entry add column company text not null default 'main';
alter table journal_item add column company text not null default 'main';
create index journal_item_company on journal_item (company, account, entry_date);
