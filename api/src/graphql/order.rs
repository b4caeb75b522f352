//! Sales and purchase orders in GraphQL: one `Order` type (its `side` says which), the lists,
//! and the mutations from quotation to invoice.

use async_graphql::connection::{Connection, OpaqueCursor};
use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use chrono::NaiveDate;
use domain::configuration::{Model, Right};
use domain::order::{LineQuantity, OrderCommand, Side};
use projections::order::{self as read_model, OrderFilter, OrderRow};
use projections::reports::Dates;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::business::{
    acting, date_or_today, lines, reading, seen_companies, Acting, LineInputObject,
};
use super::document::{model_of, Invoice, Order, OrderStateName};
use super::error::{internal, Problems, UserError, UserErrorCode};
use super::input::where_partner;
use super::input::AsOfInput;
use super::page::{keyset_connection, order_of, OrderOrderField, SortBy, SortedCursor, TotalCount};
use super::payload::{payload, Payload};
use super::record::get_as_of;
use commands::business;
use commands::AppState;

/// Which orders a list shows.
#[derive(InputObject, Default)]
pub struct OrderWhere {
    pub partner: Option<ID>,
    pub state: Option<OrderStateName>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

#[derive(Default)]
pub struct OrderQuery;

#[Object]
impl OrderQuery {
    /// One sales or purchase order. With `asOf`, the order as it stood then, replayed from its
    /// events (null if it did not exist yet), with its lines, partner, products and invoices as
    /// they stood then.
    async fn order(
        &self,
        ctx: &Context<'_>,
        id: ID,
        as_of: Option<AsOfInput>,
    ) -> Result<Option<Order>> {
        let companies = seen_companies(ctx).await?;
        let past = as_of.is_some();
        let now = |pool, id| read_model::get_seen(pool, &companies, id);
        let found = get_as_of(
            ctx,
            &id,
            "an order",
            as_of,
            now,
            read_model::as_of,
            Order::from,
            Order::then,
        );
        let Some(order) = found.await? else {
            // no right is needed to learn that nothing has this id
            return Ok(None);
        };
        // an order's company never changes: the one it belongs to now is the one it had then.
        if !companies.sees(&order.0.company) {
            return Ok(None);
        }
        // shown as it stood then only to those the record rules let see it now.
        if past {
            let state = ctx.data::<AppState>()?;
            let seen = read_model::get_seen(state.reads(), &companies, order.0.id)
                .await
                .map_err(|e| internal(ctx, e))?;
            if seen.is_none() {
                return Ok(None);
            }
        }
        let (model, module) = model_of(order.0.side.0);
        reading(ctx, model, module).await?;
        Ok(Some(order))
    }

    /// Sales orders, newest first unless sorted otherwise, a page at a time.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity + 1")]
    async fn sale_orders(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(name = "where")] filter: Option<OrderWhere>,
        order_by: Option<SortBy<OrderOrderField>>,
    ) -> Result<Connection<OpaqueCursor<SortedCursor>, Order, TotalCount>> {
        reading(ctx, Model::SaleOrder, "sale").await?;
        let filter = filter.unwrap_or_default();
        list(ctx, Side::Sale, first, after, filter, order_by).await
    }

    /// Purchase orders, newest first unless sorted otherwise, a page at a time.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity + 1")]
    async fn purchase_orders(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(name = "where")] filter: Option<OrderWhere>,
        order_by: Option<SortBy<OrderOrderField>>,
    ) -> Result<Connection<OpaqueCursor<SortedCursor>, Order, TotalCount>> {
        reading(ctx, Model::PurchaseOrder, "purchase").await?;
        let filter = filter.unwrap_or_default();
        list(ctx, Side::Purchase, first, after, filter, order_by).await
    }
}

async fn list(
    ctx: &Context<'_>,
    side: Side,
    first: Option<i32>,
    after: Option<String>,
    filter: OrderWhere,
    order_by: Option<SortBy<OrderOrderField>>,
) -> Result<Connection<OpaqueCursor<SortedCursor>, Order, TotalCount>> {
    let order = order_of(&read_model::LIST, order_by)?;
    let filter = OrderFilter {
        side,
        partner: where_partner(filter.partner.as_ref())?,
        state: filter.state.map(Into::into),
        dates: Dates {
            from: filter.from,
            to: filter.to,
        },
    };
    keyset_connection(
        ctx,
        after,
        first,
        &read_model::LIST,
        filter,
        order,
        Order::from,
    )
    .await
}

#[derive(InputObject)]
pub struct CreateOrderInput {
    /// The new order's id, if the client chooses it.
    pub id: Option<ID>,
    /// A customer (sales) or supplier (purchases).
    pub partner: ID,
    /// Defaults to today.
    pub date: Option<NaiveDate>,
    pub lines: Vec<LineInputObject>,
}

#[derive(InputObject)]
pub struct UpdateOrderLinesInput {
    pub id: ID,
    pub expected_version: Option<i64>,
    /// The order's lines from now on (a draft's only).
    pub lines: Vec<LineInputObject>,
}

#[derive(InputObject)]
pub struct OrderIdInput {
    pub id: ID,
    pub expected_version: Option<i64>,
}

#[derive(InputObject)]
pub struct DeliveredLineInput {
    /// The line's number in the order, from 0.
    pub line: i32,
    pub quantity: Decimal,
}

#[derive(InputObject)]
pub struct DeliverOrderInput {
    pub id: ID,
    /// The delivery's id, if the client chooses it: sending the same delivery twice records it
    /// once.
    pub delivery: Option<ID>,
    /// Defaults to today.
    pub date: Option<NaiveDate>,
    pub lines: Vec<DeliveredLineInput>,
}

#[derive(InputObject)]
pub struct InvoiceOrderInput {
    pub id: ID,
    /// The new invoice's id, if the client chooses it.
    pub invoice: Option<ID>,
    /// The invoice's date; defaults to today.
    pub date: Option<NaiveDate>,
}

#[derive(SimpleObject)]
pub struct InvoiceOrderPayload {
    pub order: Option<Order>,
    /// The draft invoice (or bill) made.
    pub invoice: Option<Invoice>,
    pub user_errors: Vec<UserError>,
}

payload!(OrderPayload { order: Order, user_errors } from OrderRow => Order::from);

/// The order as it now stands, with the user errors of what was run.
async fn answer(ctx: &Context<'_>, id: Uuid, user_errors: Vec<UserError>) -> Result<OrderPayload> {
    let state = ctx.data::<AppState>()?;
    let companies = super::business::answered_by(ctx, &user_errors).await?;
    let order = read_model::get_seen(state.reads(), &companies, id);
    OrderPayload::reload(ctx, user_errors, order).await
}

/// The order's side as the read model has it, for the rights check; a user error if there is
/// no such order.
async fn side(ctx: &Context<'_>, id: Uuid) -> Result<Result<Side, Vec<UserError>>> {
    let state = ctx.data::<AppState>()?;
    let companies = seen_companies(ctx).await?;
    let row = read_model::get_seen(state.reads(), &companies, id)
        .await
        .map_err(|e| internal(ctx, e))?;
    Ok(row.map(|r| r.side.0).ok_or_else(|| {
        vec![UserError::new(
            &["input", "id"],
            "no order with this id",
            UserErrorCode::NotFound,
        )]
    }))
}

/// Who may write the order `id` (found, or the user errors): its side, and the signed-in user
/// with the write right on that side.
async fn writing(ctx: &Context<'_>, id: Uuid) -> Result<Result<(Side, Acting), Vec<UserError>>> {
    let side = match side(ctx, id).await? {
        Ok(side) => side,
        Err(errors) => return Ok(Err(errors)),
    };
    let (model, module) = model_of(side);
    Ok(Ok((side, acting(ctx, model, Right::Write, module).await?)))
}

async fn create(ctx: &Context<'_>, side: Side, input: CreateOrderInput) -> Result<OrderPayload> {
    let (model, module) = model_of(side);
    let acting = acting(ctx, model, Right::Create, module).await?;
    let mut problems = Problems::default();
    let id = problems.new_id(&input.id, "order");
    let partner = problems.uuid(&["input", "partner"], &input.partner, "partner");
    let lines = lines(&mut problems, &input.lines);
    if let Some(partner) = partner {
        problems
            .0
            .extend(super::partner::hidden_partner(ctx, partner, &["input", "partner"]).await?);
    }
    let (id, partner) = match problems.finish(id.zip(partner)) {
        Ok(parsed) => parsed,
        Err(errors) => return Ok(OrderPayload::refused(errors)),
    };
    let order = business::NewOrder {
        side,
        partner,
        date: date_or_today(input.date),
        company: acting.company()?,
    };
    let (_, user_errors) = acting
        .run(
            ctx,
            "CreateOrder",
            (id, order, lines),
            |work, settings, (id, order, lines)| {
                Box::pin(
                    async move { business::create_order(work, settings, id, order, &lines).await },
                )
            },
        )
        .await?;
    answer(ctx, id, user_errors).await
}

/// An order command for the order in `input`, checked against the rights of its side.
async fn simple(
    ctx: &Context<'_>,
    input: OrderIdInput,
    command: fn(Option<u64>) -> OrderCommand,
) -> Result<OrderPayload> {
    let mut problems = Problems::default();
    let id = problems.uuid(&["input", "id"], &input.id, "order");
    let expected = problems.expected(input.expected_version);
    let (Some(id), Some(expected)) = (id, expected) else {
        return Ok(OrderPayload::refused(problems.0));
    };
    let (side, acting) = match writing(ctx, id).await? {
        Ok(writing) => writing,
        Err(errors) => return Ok(OrderPayload::refused(errors)),
    };
    let command = command(expected);
    let (_, user_errors) = acting
        .run(
            ctx,
            command.name(),
            (id, side, command.clone()),
            |work, _, (id, side, command)| {
                Box::pin(business::order_command(work, id, side, command))
            },
        )
        .await?;
    answer(ctx, id, user_errors).await
}

#[derive(Default)]
pub struct OrderMutation;

#[Object]
impl OrderMutation {
    /// A quotation for a customer (module `sale`).
    async fn create_sale_order(
        &self,
        ctx: &Context<'_>,
        input: CreateOrderInput,
    ) -> Result<OrderPayload> {
        create(ctx, Side::Sale, input).await
    }

    /// A request for quotation to a supplier (module `purchase`).
    async fn create_purchase_order(
        &self,
        ctx: &Context<'_>,
        input: CreateOrderInput,
    ) -> Result<OrderPayload> {
        create(ctx, Side::Purchase, input).await
    }

    /// Replaces a draft order's lines.
    async fn update_order_lines(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrderLinesInput,
    ) -> Result<OrderPayload> {
        let mut problems = Problems::default();
        let id = problems.uuid(&["input", "id"], &input.id, "order");
        let expected = problems.expected(input.expected_version);
        let lines = lines(&mut problems, &input.lines);
        let (id, expected) = match problems.finish(id.zip(expected)) {
            Ok(parsed) => parsed,
            Err(errors) => return Ok(OrderPayload::refused(errors)),
        };
        let (side, acting) = match writing(ctx, id).await? {
            Ok(writing) => writing,
            Err(errors) => return Ok(OrderPayload::refused(errors)),
        };
        let change = (id, side, expected, lines);
        let (_, user_errors) = acting
            .run(
                ctx,
                "ReplaceOrderLines",
                change,
                |work, settings, (id, side, expected, lines)| {
                    Box::pin(async move {
                        business::replace_order_lines(work, settings, id, side, expected, &lines)
                            .await
                    })
                },
            )
            .await?;
        answer(ctx, id, user_errors).await
    }

    /// Confirms a draft order: a quotation becomes a sales order, an RFQ a purchase order.
    async fn confirm_order(&self, ctx: &Context<'_>, input: OrderIdInput) -> Result<OrderPayload> {
        simple(ctx, input, |expected_version| OrderCommand::ConfirmOrder {
            expected_version,
        })
        .await
    }

    /// Cancels an order nothing of which was delivered or invoiced.
    async fn cancel_order(&self, ctx: &Context<'_>, input: OrderIdInput) -> Result<OrderPayload> {
        simple(ctx, input, |expected_version| OrderCommand::CancelOrder {
            expected_version,
        })
        .await
    }

    /// Goods of a confirmed order leave the warehouse for the customer (sales) or arrive from
    /// the supplier (purchases), all or part of them: the stock moves with them. Refused when
    /// the warehouse has less than is delivered, unless the settings allow negative stock.
    async fn deliver_order(
        &self,
        ctx: &Context<'_>,
        input: DeliverOrderInput,
    ) -> Result<OrderPayload> {
        let mut problems = Problems::default();
        let id = problems.uuid(&["input", "id"], &input.id, "order");
        let delivery = problems.new_id(&input.delivery, "delivery");
        let mut quantities = Vec::with_capacity(input.lines.len());
        for (n, line) in input.lines.iter().enumerate() {
            match usize::try_from(line.line) {
                Ok(l) => quantities.push(LineQuantity {
                    line: l,
                    quantity: line.quantity,
                }),
                Err(_) => problems.add(
                    &["input", "lines", &n.to_string(), "line"],
                    "a line number is never negative",
                    UserErrorCode::Invalid,
                ),
            }
        }
        let (id, delivery) = match problems.finish(id.zip(delivery)) {
            Ok(parsed) => parsed,
            Err(errors) => return Ok(OrderPayload::refused(errors)),
        };
        let (side, acting) = match writing(ctx, id).await? {
            Ok(writing) => writing,
            Err(errors) => return Ok(OrderPayload::refused(errors)),
        };
        reading(ctx, Model::Stock, "stock").await?;
        let date = date_or_today(input.date);
        let delivered = (id, side, delivery, date, quantities);
        let (_, user_errors) = acting
            .run(
                ctx,
                "DeliverOrder",
                delivered,
                |work, settings, (id, side, delivery, date, quantities)| {
                    Box::pin(business::deliver_order(
                        work, settings, id, side, delivery, date, quantities,
                    ))
                },
            )
            .await?;
        answer(ctx, id, user_errors).await
    }

    /// Bills a confirmed order: what the invoice policy says is due (ordered, or delivered)
    /// and not yet billed becomes a draft invoice (sales) or bill (purchases).
    async fn invoice_order(
        &self,
        ctx: &Context<'_>,
        input: InvoiceOrderInput,
    ) -> Result<InvoiceOrderPayload> {
        let mut problems = Problems::default();
        let id = problems.uuid(&["input", "id"], &input.id, "order");
        let invoice = problems.new_id(&input.invoice, "invoice");
        let refuse = |user_errors| InvoiceOrderPayload {
            order: None,
            invoice: None,
            user_errors,
        };
        let (id, invoice) = match problems.finish(id.zip(invoice)) {
            Ok(parsed) => parsed,
            Err(errors) => return Ok(refuse(errors)),
        };
        let (side, acting) = match writing(ctx, id).await? {
            Ok(writing) => writing,
            Err(errors) => return Ok(refuse(errors)),
        };
        super::business::acting(ctx, Model::Invoice, Right::Create, "account").await?;
        let date = date_or_today(input.date);
        let billed = (id, side, invoice, date);
        let (_, user_errors) = acting
            .run(
                ctx,
                "InvoiceOrder",
                billed,
                |work, settings, (id, side, invoice, date)| {
                    Box::pin(business::invoice_order(
                        work, settings, id, side, invoice, date,
                    ))
                },
            )
            .await?;
        let state = ctx.data::<AppState>()?;
        let companies = seen_companies(ctx).await?;
        let order = read_model::get_seen(state.reads(), &companies, id)
            .await
            .map_err(|e| internal(ctx, e))?;
        let invoice = projections::invoice::get(state.reads(), invoice)
            .await
            .map_err(|e| internal(ctx, e))?;
        Ok(InvoiceOrderPayload {
            order: order.map(Order::from),
            invoice: super::document::seen_invoice(ctx, invoice.map(Invoice::from)).await?,
            user_errors,
        })
    }
}
