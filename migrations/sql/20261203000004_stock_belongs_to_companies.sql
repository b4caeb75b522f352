-- each company has its own warehouse (issue 18): a move is in one company's; moves from before a
-- database held several companies are the main one's.
alter table stock_move add column company text not null default 'main';
create index stock_move_company on stock_move (company, product_id, position);
