-- every order belongs to one company (issue 18); orders from before a database held several
-- belong to the main one. Lists read one company's (or a few companies') orders by date.
alter table business_order add column company text not null default 'main';
create index business_order_company_list on business_order (company, side, order_date desc, id);
