-- issue 20: stock levels read quantities kept per product, location, company and day (which
-- grow with the days a product moves on, not with its moves), then take away the moves recorded
-- after the point asked for (`asOf`), found by their position or time.
create table stock_day (
    product_id uuid    not null,
    location   text    not null,
    company    text    not null,
    day        date    not null,
    -- what went into the location less what came out of it that day.
    quantity   numeric not null,
    moves      bigint  not null,
    primary key (product_id, location, company, day)
);

insert into stock_day (product_id, location, company, day, quantity, moves)
select product_id, location, company, move_date, sum(quantity), count(*)
  from (select product_id, to_location as location, company, move_date, quantity
          from stock_move
        union all
        select product_id, from_location, company, move_date, -quantity
          from stock_move) m
 group by product_id, location, company, move_date;

-- what confirmed orders still bring in or take out: only the lines not delivered in full.
create index order_line_open on order_line (product_id) where goods and quantity <> delivered;
