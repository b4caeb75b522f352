-- a partner or a product is shared by every company (null, as every one made before a database
-- held several is) or belongs to one (issue 18).
alter table partner add column company text;
alter table product add column company text;
