//! Orders and invoices as GraphQL shows them, with their lines: one module, because each points
//! at the other (an order's invoices, an invoice's order). Their queries and mutations are in
//! `order` and `invoice`.

use async_graphql::{Context, Enum, Object, Result, SimpleObject, ID};
use chrono::NaiveDate;
use commands::AppState;
use cqrs_es::Aggregate;
use domain::configuration::Model;
use domain::invoice::{Invoice as InvoiceAggregate, InvoiceKind, InvoiceState};
use domain::order::{Order as OrderAggregate, OrderState, Side};
use projections::invoice::{InvoiceLineRow, InvoiceRow, InvoiceThen, MatchRow};
use projections::log::AsOf;
use projections::order::{OrderLineRow, OrderRow, OrderThen, Status};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::business::{cents, padded};
use super::error::internal;
use super::loader::{batch_keys, load_each, load_one};
use super::partner::{Partner, PartnerKey};
use super::product::{Product, ProductKey};
use super::record::{related, At, Recorded};

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "OrderSide", remote = "Side")]
pub enum SideName {
    Sale,
    Purchase,
}

pub fn model_of(side: Side) -> (Model, &'static str) {
    match side {
        Side::Sale => (Model::SaleOrder, "sale"),
        Side::Purchase => (Model::PurchaseOrder, "purchase"),
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "OrderState")]
pub enum OrderStateName {
    /// A quotation (sales) or request for quotation (purchases).
    Draft,
    Confirmed,
    Cancelled,
}

/// How far deliveries (or invoices) have got.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "Status")]
pub enum Progress {
    Nothing,
    Partial,
    Full,
}

batch_keys! {
    /// An order by id, read with the others a list asks for.
    OrderKey => one OrderRow, projections::order::get_many;
    /// An invoice by id, read with the others a list asks for.
    InvoiceKey => one InvoiceRow, projections::invoice::get_many;
    /// The lines of an order, read with those of the other orders a list shows.
    OrderLinesKey => many OrderLineRow where order_id, projections::order::lines_of;
    /// The invoices made from an order, read with those of the other orders a list shows.
    OrderInvoicesKey => many InvoiceRow where order_id, projections::invoice::of_orders;
    /// The lines of a document, read with those of the other documents a list shows.
    InvoiceLinesKey => many InvoiceLineRow where invoice_id, projections::invoice::lines_of;
    /// What was set against a document, read with that of the other documents a list shows.
    MatchesKey => many MatchRow where invoice_id, projections::invoice::matches_of;
}

/// Of `invoices` (reached from a record the reader sees), those the record rules let them see.
pub async fn seen_invoices(ctx: &Context<'_>, invoices: Vec<Invoice>) -> Result<Vec<Invoice>> {
    let companies = super::business::seen_companies(ctx).await?;
    // a document reached from a record the reader sees is of that record's company (so the
    // company check costs nothing: it is made on the rows held); only the record rules can
    // hide it, and without any, nothing is read again.
    let invoices: Vec<Invoice> = invoices
        .into_iter()
        .filter(|invoice| companies.sees(&invoice.0.company))
        .collect();
    if invoices.is_empty() || !companies.is_ruled() {
        return Ok(invoices);
    }
    let state = ctx.data::<AppState>()?;
    let ids: Vec<Uuid> = invoices.iter().map(|i| i.0.id).collect();
    let seen: std::collections::HashSet<Uuid> =
        projections::invoice::seen_ids(state.reads(), &companies, &ids)
            .await
            .map_err(|e| internal(ctx, e))?
            .into_iter()
            .collect();
    Ok(invoices
        .into_iter()
        .filter(|invoice| seen.contains(&invoice.0.id))
        .collect())
}

/// `invoice`, if the reader's companies and record rules let them see it.
pub async fn seen_invoice(ctx: &Context<'_>, invoice: Option<Invoice>) -> Result<Option<Invoice>> {
    Ok(seen_invoices(ctx, invoice.into_iter().collect())
        .await?
        .pop())
}

/// A sales order (to a customer) or purchase order (from a supplier).
pub struct Order(pub OrderRow, pub At<Vec<OrderLineRow>>);

impl From<OrderRow> for Order {
    fn from(row: OrderRow) -> Self {
        Self(row, At::Now)
    }
}

impl Order {
    /// The order as it stood at `point`, with its lines then.
    pub fn then(then: OrderThen, point: AsOf) -> Self {
        Self(then.order, At::Then(point, then.lines))
    }
}

#[Object]
impl Order {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The code of the company the order belongs to.
    async fn company(&self) -> &str {
        &self.0.company
    }

    /// The login of the user who created the order: whose "own orders" it is.
    async fn salesperson(&self) -> Option<&str> {
        self.0.salesperson.as_deref()
    }

    async fn side(&self) -> SideName {
        self.0.side.0.into()
    }

    /// From the order sequence (`SO0001`).
    async fn number(&self) -> &str {
        &self.0.number
    }

    async fn partner(&self, ctx: &Context<'_>) -> Result<Option<Partner>> {
        partner(ctx, self.0.partner_id, self.1.point()).await
    }

    async fn date(&self) -> NaiveDate {
        self.0.order_date
    }

    async fn state(&self) -> OrderStateName {
        self.0.state.0.into()
    }

    async fn untaxed(&self, ctx: &Context<'_>) -> Decimal {
        cents(ctx, &self.0.company, self.0.untaxed).await
    }

    async fn tax(&self, ctx: &Context<'_>) -> Decimal {
        cents(ctx, &self.0.company, self.0.tax).await
    }

    async fn total(&self, ctx: &Context<'_>) -> Decimal {
        cents(ctx, &self.0.company, self.0.total).await
    }

    /// Deliveries (receipts) of the order's goods.
    async fn delivery_status(&self) -> Progress {
        self.0.delivery_status.into()
    }

    async fn invoice_status(&self) -> Progress {
        self.0.invoice_status.into()
    }

    async fn lines(&self, ctx: &Context<'_>) -> Result<Vec<OrderLine>> {
        let point = self.1.point();
        let company = &self.0.company;
        let line = |row| OrderLine(row, point, company.clone());
        match &self.1 {
            At::Now => load_each(ctx, OrderLinesKey(self.0.id), line).await,
            At::Then(_, lines) => Ok(lines.iter().cloned().map(line).collect()),
        }
    }

    /// Invoices (bills) made from the order.
    async fn invoices(&self, ctx: &Context<'_>) -> Result<Vec<Invoice>> {
        let At::Then(point, _) = self.1 else {
            let now = load_each(ctx, OrderInvoicesKey(self.0.id), Invoice::from).await?;
            return seen_invoices(ctx, now).await;
        };
        // those made by then, as they stood then.
        let state = ctx.data::<AppState>()?;
        let now = projections::invoice::of_orders(state.reads(), &[self.0.id])
            .await
            .map_err(|e| internal(ctx, e))?;
        let mut then = Vec::with_capacity(now.len());
        for row in now {
            let past = projections::invoice::as_of(state.reads(), row.id, point)
                .await
                .map_err(|e| internal(ctx, e))?;
            then.extend(past.map(|past| Invoice::then(past, point)));
        }
        seen_invoices(ctx, then).await
    }

    #[graphql(flatten)]
    async fn record(&self) -> Recorded {
        let (r, point) = (&self.0, self.1.point());
        Recorded::of(
            OrderAggregate::TYPE,
            r.id,
            r.version,
            (r.created_at, r.updated_at),
            point,
        )
    }
}

/// An order line, with how much of it was delivered and invoiced.
/// An order's line, as of a point if one is given, with its order's company.
pub struct OrderLine(pub OrderLineRow, pub Option<AsOf>, pub String);

#[Object]
impl OrderLine {
    /// The line's number in the order, from 0: what deliveries name.
    async fn line(&self) -> i32 {
        self.0.line_no
    }

    async fn product(&self, ctx: &Context<'_>) -> Result<Option<Product>> {
        let Some(id) = self.0.product_id else {
            return Ok(None);
        };
        let now = load_one(ctx, ProductKey(id), Product::from);
        let then = move |pool, point| projections::product::as_of(pool, id, point);
        related(ctx, self.1, now, then, Product::then).await
    }

    async fn description(&self) -> &str {
        &self.0.description
    }

    async fn quantity(&self) -> Decimal {
        self.0.quantity
    }

    async fn unit_price(&self) -> Decimal {
        self.0.unit_price
    }

    /// Percent.
    async fn discount(&self) -> Decimal {
        self.0.discount
    }

    async fn taxes(&self) -> &[String] {
        &self.0.taxes
    }

    /// Whether the line is goods (delivered) or a service.
    async fn goods(&self) -> bool {
        self.0.goods
    }

    async fn untaxed(&self, ctx: &Context<'_>) -> Decimal {
        cents(ctx, &self.2, self.0.untaxed).await
    }

    async fn tax(&self, ctx: &Context<'_>) -> Decimal {
        cents(ctx, &self.2, self.0.tax).await
    }

    async fn total(&self, ctx: &Context<'_>) -> Decimal {
        cents(ctx, &self.2, self.0.total).await
    }

    async fn delivered(&self) -> Decimal {
        self.0.delivered
    }

    async fn invoiced(&self) -> Decimal {
        self.0.invoiced
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "InvoiceKind", remote = "InvoiceKind")]
pub enum InvoiceKindName {
    CustomerInvoice,
    CustomerCreditNote,
    VendorBill,
    VendorCreditNote,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "InvoiceState")]
pub enum InvoiceStateName {
    Draft,
    /// Numbered and in the books; never changes again.
    Posted,
    Cancelled,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum PaymentState {
    NotPaid,
    PartiallyPaid,
    Paid,
}

/// A customer invoice, vendor bill, or credit note.
pub struct Invoice(pub InvoiceRow, pub At<(Vec<InvoiceLineRow>, Vec<MatchRow>)>);

impl From<InvoiceRow> for Invoice {
    fn from(row: InvoiceRow) -> Self {
        Self(row, At::Now)
    }
}

impl Invoice {
    /// The document as it stood at `point`, with its lines and matches then.
    pub fn then(then: InvoiceThen, point: AsOf) -> Self {
        Self(then.invoice, At::Then(point, (then.lines, then.matches)))
    }
}

#[Object]
impl Invoice {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The code of the company the document belongs to.
    async fn company(&self) -> &str {
        &self.0.company
    }

    /// The login of the user who drafted the document (by hand, or by invoicing an order):
    /// whose "own documents" it is.
    async fn salesperson(&self) -> Option<&str> {
        self.0.salesperson.as_deref()
    }

    async fn kind(&self) -> InvoiceKindName {
        self.0.kind.0.into()
    }

    /// `SALE` for customer invoices and credit notes, `PURCHASE` for vendor bills and refunds.
    async fn side(&self) -> SideName {
        self.0.kind.0.side().into()
    }

    /// Given when posted, from the journal's sequence.
    async fn number(&self) -> Option<&str> {
        self.0.number.as_deref()
    }

    async fn partner(&self, ctx: &Context<'_>) -> Result<Option<Partner>> {
        partner(ctx, self.0.partner_id, self.1.point()).await
    }

    async fn date(&self) -> NaiveDate {
        self.0.invoice_date
    }

    async fn due_date(&self) -> NaiveDate {
        self.0.due_date
    }

    async fn state(&self) -> InvoiceStateName {
        self.0.state.0.into()
    }

    async fn payment_state(&self) -> PaymentState {
        if self.0.state.0 != InvoiceState::Posted || self.0.residual == self.0.total {
            PaymentState::NotPaid
        } else if self.0.residual.is_zero() {
            PaymentState::Paid
        } else {
            PaymentState::PartiallyPaid
        }
    }

    async fn untaxed(&self, ctx: &Context<'_>) -> Decimal {
        cents(ctx, &self.0.company, self.0.untaxed).await
    }

    async fn tax(&self, ctx: &Context<'_>) -> Decimal {
        cents(ctx, &self.0.company, self.0.tax).await
    }

    async fn total(&self, ctx: &Context<'_>) -> Decimal {
        cents(ctx, &self.0.company, self.0.total).await
    }

    /// What is still to be paid (or, for a credit note, still to be refunded or set off).
    async fn residual(&self, ctx: &Context<'_>) -> Decimal {
        cents(ctx, &self.0.company, self.0.residual).await
    }

    /// The order it bills, if any.
    async fn order(&self, ctx: &Context<'_>) -> Result<Option<Order>> {
        let Some(id) = self.0.order_id else {
            return Ok(None);
        };
        // the order is the invoice's company's; record rules may still hide it from the reader.
        let companies = super::business::seen_companies(ctx).await?;
        if companies.is_ruled() {
            let state = ctx.data::<AppState>()?;
            let seen = projections::order::get_seen(state.reads(), &companies, id)
                .await
                .map_err(|e| internal(ctx, e))?;
            if seen.is_none() {
                return Ok(None);
            }
        }
        let now = load_one(ctx, OrderKey(id), Order::from);
        let then = move |pool, point| projections::order::as_of(pool, id, point);
        related(ctx, self.1.point(), now, then, Order::then).await
    }

    /// For a credit note, the document it reverses (as it stood at the same point).
    async fn reverses(&self, ctx: &Context<'_>) -> Result<Option<Invoice>> {
        let Some(id) = self.0.reverses else {
            return Ok(None);
        };
        let now = load_one(ctx, InvoiceKey(id), Invoice::from);
        let then = move |pool, point| projections::invoice::as_of(pool, id, point);
        let reversed = related(ctx, self.1.point(), now, then, Invoice::then).await?;
        seen_invoice(ctx, reversed).await
    }

    async fn reference(&self) -> &str {
        &self.0.reference
    }

    async fn lines(&self, ctx: &Context<'_>) -> Result<Vec<InvoiceLine>> {
        match &self.1 {
            At::Now => load_each(ctx, InvoiceLinesKey(self.0.id), InvoiceLine).await,
            At::Then(_, (lines, _)) => Ok(lines.iter().cloned().map(InvoiceLine).collect()),
        }
    }

    /// Payments and credit notes set against it, oldest first.
    async fn matches(&self, ctx: &Context<'_>) -> Result<Vec<Match>> {
        let matches = match &self.1 {
            At::Now => load_each(ctx, MatchesKey(self.0.id), Match::from).await?,
            At::Then(_, (_, matches)) => matches.iter().cloned().map(Match::from).collect(),
        };
        let mut shown = Vec::with_capacity(matches.len());
        for mut m in matches {
            m.amount = padded(ctx, &self.0.company, m.amount).await;
            shown.push(m);
        }
        Ok(shown)
    }

    #[graphql(flatten)]
    async fn record(&self) -> Recorded {
        let (r, point) = (&self.0, self.1.point());
        Recorded::of(
            InvoiceAggregate::TYPE,
            r.id,
            r.version,
            (r.created_at, r.updated_at),
            point,
        )
    }
}

/// A line of a document.
pub struct InvoiceLine(pub InvoiceLineRow);

#[Object]
impl InvoiceLine {
    async fn line(&self) -> i32 {
        self.0.line_no
    }

    async fn description(&self) -> &str {
        &self.0.description
    }

    async fn quantity(&self) -> Decimal {
        self.0.quantity
    }

    async fn unit_price(&self) -> Decimal {
        self.0.unit_price
    }

    async fn discount(&self) -> Decimal {
        self.0.discount
    }

    async fn taxes(&self) -> &[String] {
        &self.0.taxes
    }

    /// The income or expense account it posts to.
    async fn account(&self) -> &str {
        &self.0.account
    }

    async fn untaxed(&self) -> Decimal {
        self.0.untaxed
    }

    async fn tax(&self) -> Decimal {
        self.0.tax
    }

    async fn total(&self) -> Decimal {
        self.0.total
    }
}

/// Part of a payment (the payment's entry id) or credit note set against a document.
#[derive(SimpleObject)]
pub struct Match {
    pub with: ID,
    pub amount: Decimal,
    pub date: NaiveDate,
}

impl From<MatchRow> for Match {
    fn from(m: MatchRow) -> Self {
        Match {
            with: ID(m.with_id.to_string()),
            amount: m.amount,
            date: m.match_date,
        }
    }
}

/// Partner `id`, as it stood at `point` if given.
async fn partner(ctx: &Context<'_>, id: Uuid, point: Option<AsOf>) -> Result<Option<Partner>> {
    let now = load_one(ctx, PartnerKey(id), Partner::from);
    let then = move |pool, point| projections::partner::as_of(pool, id, point);
    related(ctx, point, now, then, Partner::then).await
}
