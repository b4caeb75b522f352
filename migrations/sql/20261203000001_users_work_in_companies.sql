-- the companies a user works in (issue 18): those whose records they may see, and the one what
-- they create belongs to. Users from before a database held several companies work in 'main'.
alter table app_user
    add column companies text[] not null default '{main}',
    add column company   text   not null default 'main';
