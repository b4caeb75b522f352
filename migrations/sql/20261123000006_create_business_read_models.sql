-- business read models: products, orders, stock moves, invoices and the books. All owned by the
-- `business` projection. Rows that are facts of the log (moves, matches, entries) carry the log
-- position and time they were recorded at, so reports can be drawn as they stood at any point.

create table product
(
    id         uuid primary key,
    reference  text        not null,
    name       text        not null,
    kind       text        not null,
    uom        text        not null,
    sale_price numeric     not null,
    cost       numeric     not null,
    taxes      text[]      not null,
    archived   boolean     not null,
    version    bigint      not null,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create index product_name on product (lower(name), id);
create index product_reference on product (reference);

-- every cost a product had, from the position it was set: stock is valued at the cost of the
-- moment the report looks at.
create table product_cost
(
    product_id  uuid        not null,
    position    bigint      not null,
    recorded_at timestamptz not null,
    cost        numeric     not null,
    primary key (product_id, position)
);

-- sales and purchase orders.
create table business_order
(
    id                 uuid primary key,
    side               text        not null,
    number             text        not null,
    partner_id         uuid        not null,
    order_date         date        not null,
    state              text        not null,
    untaxed            numeric     not null,
    tax                numeric     not null,
    total              numeric     not null,
    -- nothing / partial / full, for lists and filters.
    delivery_status    text        not null,
    invoice_status     text        not null,
    version            bigint      not null,
    created_at         timestamptz not null,
    updated_at         timestamptz not null,
    confirmed_position bigint,
    confirmed_at       timestamptz,
    cancelled_position bigint,
    cancelled_at       timestamptz,
    -- the Order aggregate as the projection folded it (what the next event applies to).
    state_json         jsonb       not null
);
create index business_order_list on business_order (side, order_date desc, id);
create index business_order_partner on business_order (partner_id);

create table order_line
(
    order_id    uuid    not null references business_order (id) on delete cascade,
    line_no     integer not null,
    product_id  uuid,
    description text    not null,
    quantity    numeric not null,
    unit_price  numeric not null,
    discount    numeric not null,
    taxes       text[]  not null,
    goods       boolean not null,
    untaxed     numeric not null,
    tax         numeric not null,
    total       numeric not null,
    delivered   numeric not null,
    invoiced    numeric not null,
    primary key (order_id, line_no)
);
create index order_line_product on order_line (product_id);

create table stock_move
(
    id            uuid primary key,
    product_id    uuid        not null,
    from_location text        not null,
    to_location   text        not null,
    quantity      numeric     not null,
    move_date     date        not null,
    order_id      uuid,
    position      bigint      not null,
    recorded_at   timestamptz not null
);
create index stock_move_product on stock_move (product_id, position);

-- customer invoices, vendor bills and credit notes.
create table invoice
(
    id              uuid primary key,
    kind            text        not null,
    partner_id      uuid        not null,
    number          text,
    invoice_date    date        not null,
    due_date        date        not null,
    state           text        not null,
    untaxed         numeric     not null,
    tax             numeric     not null,
    total           numeric     not null,
    residual        numeric     not null,
    order_id        uuid,
    reverses        uuid,
    reference       text        not null,
    version         bigint      not null,
    created_at      timestamptz not null,
    updated_at      timestamptz not null,
    posted_position bigint,
    posted_at       timestamptz,
    state_json      jsonb       not null
);
create index invoice_list on invoice (kind, invoice_date desc, id);
create index invoice_partner on invoice (partner_id);

create table invoice_line
(
    invoice_id  uuid    not null references invoice (id) on delete cascade,
    line_no     integer not null,
    product_id  uuid,
    description text    not null,
    quantity    numeric not null,
    unit_price  numeric not null,
    discount    numeric not null,
    taxes       text[]  not null,
    account     text    not null,
    untaxed     numeric not null,
    tax         numeric not null,
    total       numeric not null,
    primary key (invoice_id, line_no)
);

-- a payment or credit note set against a document.
create table invoice_match
(
    invoice_id  uuid        not null,
    with_id     uuid        not null,
    amount      numeric     not null,
    match_date  date        not null,
    position    bigint      not null,
    recorded_at timestamptz not null,
    primary key (invoice_id, with_id, position)
);

create table journal_entry
(
    id          uuid primary key,
    journal     text        not null,
    number      text        not null,
    entry_date  date        not null,
    reference   text        not null,
    -- invoice / payment / manual
    origin      text        not null,
    origin_id   uuid,
    partner_id  uuid,
    amount      numeric     not null,
    position    bigint      not null,
    recorded_at timestamptz not null
);
create index journal_entry_date on journal_entry (entry_date, number);

create table journal_item
(
    entry_id    uuid        not null references journal_entry (id) on delete cascade,
    line_no     integer     not null,
    account     text        not null,
    partner_id  uuid,
    label       text        not null,
    debit       numeric     not null,
    credit      numeric     not null,
    entry_date  date        not null,
    journal     text        not null,
    position    bigint      not null,
    recorded_at timestamptz not null,
    primary key (entry_id, line_no)
);
create index journal_item_account on journal_item (account, entry_date);
create index journal_item_partner on journal_item (partner_id, entry_date);

create table accounting_period
(
    id        text primary key,
    closed    boolean     not null,
    closed_at timestamptz,
    closed_by text,
    entries   bigint      not null
);
