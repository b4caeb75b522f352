//! The business read models: products, orders and their lines, stock moves, invoices and their
//! lines and matches, journal entries and items, periods.
//!
//! Orders and invoices are folded by the domain's own aggregates: the row keeps the aggregate as
//! JSON (`state_json`), the next event is applied to it, and the columns and lines a form or a
//! report reads are written from it. A batch loads each order or invoice it touches once and
//! writes it once. Moves, matches and entries are facts: inserted as they come, with the log
//! position and time they were recorded at, which is what reports filter on to stand `asOf` a
//! point of the log.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use domain::invoice::{Invoice, InvoiceEvent, InvoiceState};
use domain::ledger::{EntryOrigin, Period, PeriodEvent};
use domain::order::{Order, OrderEvent, OrderState, Side};
use domain::product::{Product, ProductEvent, ProductKind};
use domain::stock::{Stock, StockEvent};
use rust_decimal::Decimal;
use sqlx::types::Json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::log::StoredEvent;
use crate::runner::{Projection, ProjectionError};

/// Keeps the business read models in step with the log.
#[derive(Debug, Default, Clone, Copy)]
pub struct BusinessProjection;

pub fn kind_name(kind: ProductKind) -> &'static str {
    match kind {
        ProductKind::Stockable => "stockable",
        ProductKind::Consumable => "consumable",
        ProductKind::Service => "service",
    }
}

pub fn side_name(side: Side) -> &'static str {
    match side {
        Side::Sale => "sale",
        Side::Purchase => "purchase",
    }
}

fn order_state_name(state: OrderState) -> &'static str {
    match state {
        OrderState::Draft => "draft",
        OrderState::Confirmed => "confirmed",
        OrderState::Cancelled => "cancelled",
    }
}

fn invoice_state_name(state: InvoiceState) -> &'static str {
    match state {
        InvoiceState::Draft => "draft",
        InvoiceState::Posted => "posted",
        InvoiceState::Cancelled => "cancelled",
    }
}

pub fn invoice_kind_name(kind: domain::invoice::InvoiceKind) -> &'static str {
    use domain::invoice::InvoiceKind as K;
    match kind {
        K::CustomerInvoice => "customer_invoice",
        K::CustomerCreditNote => "customer_credit_note",
        K::VendorBill => "vendor_bill",
        K::VendorCreditNote => "vendor_credit_note",
    }
}

/// An order or invoice being folded in a batch, with what its row keeps beside the aggregate.
struct Folding<A> {
    aggregate: A,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// (position, time) of confirmation (orders) or posting (invoices).
    milestone: Option<(i64, DateTime<Utc>)>,
    /// (position, time) of cancellation (orders).
    cancelled: Option<(i64, DateTime<Utc>)>,
}

impl Projection for BusinessProjection {
    fn name(&self) -> &'static str {
        "business"
    }

    fn tables(&self) -> &'static [&'static str] {
        &[
            "product",
            "product_cost",
            "business_order",
            "order_line",
            "stock_move",
            "invoice",
            "invoice_line",
            "invoice_match",
            "journal_entry",
            "journal_item",
            "accounting_period",
        ]
    }

    async fn apply(
        &self,
        tx: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        let mut orders: HashMap<Uuid, Folding<Order>> = HashMap::new();
        let mut invoices: HashMap<Uuid, Folding<Invoice>> = HashMap::new();
        for event in events {
            let kind = event.aggregate_type.as_str();
            if ![
                Product::TYPE,
                Order::TYPE,
                Stock::TYPE,
                Invoice::TYPE,
                Period::TYPE,
            ]
            .contains(&kind)
            {
                continue;
            }
            let id = Uuid::parse_str(&event.aggregate_id).ok();
            match (kind, id) {
                (k, Some(id)) if k == Product::TYPE => {
                    let payload: ProductEvent = event
                        .payload_as()
                        .map_err(|e| ProjectionError::payload(event, e))?;
                    product(tx, id, event, payload).await?;
                }
                (k, Some(id)) if k == Order::TYPE => {
                    let payload: OrderEvent = event
                        .payload_as()
                        .map_err(|e| ProjectionError::payload(event, e))?;
                    let folding = match orders.entry(id) {
                        std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                        std::collections::hash_map::Entry::Vacant(v) => {
                            v.insert(load_order(tx, id, event).await?)
                        }
                    };
                    match &payload {
                        OrderEvent::OrderConfirmed {} => {
                            folding.milestone = Some((event.position, event.recorded_at))
                        }
                        OrderEvent::OrderCancelled {} => {
                            folding.cancelled = Some((event.position, event.recorded_at))
                        }
                        _ => {}
                    }
                    folding.aggregate.apply(payload);
                    folding.updated_at = event.recorded_at;
                }
                (k, Some(product)) if k == Stock::TYPE => {
                    let StockEvent::StockMoved {
                        id,
                        from,
                        to,
                        quantity,
                        date,
                        origin,
                    } = event
                        .payload_as()
                        .map_err(|e| ProjectionError::payload(event, e))?;
                    let order = match origin {
                        domain::stock::MoveOrigin::Order { order, .. } => Some(order),
                        domain::stock::MoveOrigin::Adjustment => None,
                    };
                    sqlx::query(
                        "insert into stock_move (id, product_id, from_location, to_location, quantity,
                                                 move_date, order_id, position, recorded_at)
                         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(id)
                    .bind(product)
                    .bind(from.as_str())
                    .bind(to.as_str())
                    .bind(quantity)
                    .bind(date)
                    .bind(order)
                    .bind(event.position)
                    .bind(event.recorded_at)
                    .execute(&mut *tx)
                    .await?;
                }
                (k, Some(id)) if k == Invoice::TYPE => {
                    let payload: InvoiceEvent = event
                        .payload_as()
                        .map_err(|e| ProjectionError::payload(event, e))?;
                    let folding = match invoices.entry(id) {
                        std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                        std::collections::hash_map::Entry::Vacant(v) => {
                            v.insert(load_invoice(tx, id, event).await?)
                        }
                    };
                    match &payload {
                        InvoiceEvent::InvoicePosted { .. } => {
                            folding.milestone = Some((event.position, event.recorded_at))
                        }
                        InvoiceEvent::InvoiceMatched { with, amount, date } => {
                            sqlx::query(
                                "insert into invoice_match (invoice_id, with_id, amount, match_date,
                                                            position, recorded_at)
                                 values ($1, $2, $3, $4, $5, $6)",
                            )
                            .bind(id)
                            .bind(with)
                            .bind(amount)
                            .bind(date)
                            .bind(event.position)
                            .bind(event.recorded_at)
                            .execute(&mut *tx)
                            .await?;
                        }
                        _ => {}
                    }
                    folding.aggregate.apply(payload);
                    folding.updated_at = event.recorded_at;
                }
                (k, _) if k == Period::TYPE => {
                    let payload: PeriodEvent = event
                        .payload_as()
                        .map_err(|e| ProjectionError::payload(event, e))?;
                    period(tx, event, payload).await?;
                }
                _ => {
                    tracing::warn!(position = event.position, id = %event.aggregate_id, "business event with a non-uuid id; skipped");
                }
            }
        }
        for (id, folding) in orders {
            write_order(tx, id, &folding).await?;
        }
        for (id, folding) in invoices {
            write_invoice(tx, id, &folding).await?;
        }
        Ok(())
    }
}

async fn product(
    tx: &mut PgConnection,
    id: Uuid,
    event: &StoredEvent,
    payload: ProductEvent,
) -> Result<(), sqlx::Error> {
    match payload {
        ProductEvent::ProductCreated { details } | ProductEvent::ProductUpdated { details } => {
            let taxes: Vec<String> = details.taxes.iter().map(ToString::to_string).collect();
            sqlx::query(
                "insert into product (id, reference, name, kind, uom, sale_price, cost, taxes,
                                      archived, version, created_at, updated_at)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, false, $9, $10, $10)
                 on conflict (id) do update
                    set reference = excluded.reference, name = excluded.name,
                        kind = excluded.kind, uom = excluded.uom,
                        sale_price = excluded.sale_price, cost = excluded.cost,
                        taxes = excluded.taxes, version = excluded.version,
                        updated_at = excluded.updated_at",
            )
            .bind(id)
            .bind(&details.reference)
            .bind(&details.name)
            .bind(kind_name(details.kind))
            .bind(&details.uom)
            .bind(details.sale_price)
            .bind(details.cost)
            .bind(&taxes)
            .bind(event.sequence)
            .bind(event.recorded_at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "insert into product_cost (product_id, position, recorded_at, cost)
                 values ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(event.position)
            .bind(event.recorded_at)
            .bind(details.cost)
            .execute(&mut *tx)
            .await?;
        }
        ProductEvent::ProductArchived {} | ProductEvent::ProductUnarchived {} => {
            sqlx::query(
                "update product set archived = $2, version = $3, updated_at = $4 where id = $1",
            )
            .bind(id)
            .bind(matches!(payload, ProductEvent::ProductArchived {}))
            .bind(event.sequence)
            .bind(event.recorded_at)
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(())
}

type Milestones = (
    Json<serde_json::Value>,
    DateTime<Utc>,
    Option<i64>,
    Option<DateTime<Utc>>,
    Option<i64>,
    Option<DateTime<Utc>>,
);

type InvoiceMilestones = (
    Json<serde_json::Value>,
    DateTime<Utc>,
    Option<i64>,
    Option<DateTime<Utc>>,
);

async fn load_order(
    tx: &mut PgConnection,
    id: Uuid,
    event: &StoredEvent,
) -> Result<Folding<Order>, ProjectionError> {
    let row: Option<Milestones> = sqlx::query_as(
        "select state_json, created_at, confirmed_position, confirmed_at, cancelled_position, cancelled_at
           from business_order where id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(match row {
        None => Folding {
            aggregate: Order::default(),
            created_at: event.recorded_at,
            updated_at: event.recorded_at,
            milestone: None,
            cancelled: None,
        },
        Some((state, created_at, cp, ca, xp, xa)) => Folding {
            aggregate: serde_json::from_value(state.0)
                .map_err(|e| ProjectionError::payload(event, e))?,
            created_at,
            updated_at: event.recorded_at,
            milestone: cp.zip(ca),
            cancelled: xp.zip(xa),
        },
    })
}

fn status(done: Decimal, wanted: Decimal) -> &'static str {
    if wanted.is_zero() || done >= wanted {
        if done.is_zero() && wanted.is_zero() {
            "nothing"
        } else {
            "full"
        }
    } else if done.is_zero() {
        "nothing"
    } else {
        "partial"
    }
}

async fn write_order(
    tx: &mut PgConnection,
    id: Uuid,
    folding: &Folding<Order>,
) -> Result<(), ProjectionError> {
    let order = &folding.aggregate;
    let (Some(side), Some(partner), Some(date), Some(state)) =
        (order.side(), order.partner(), order.date(), order.state())
    else {
        return Ok(());
    };
    let totals = order.totals();
    let progress = order.progress();
    let goods: Vec<bool> = order.lines().iter().map(|l| l.goods).collect();
    let (mut to_deliver, mut delivered, mut ordered, mut invoiced) =
        (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for ((q, d, i), goods) in progress.iter().zip(&goods) {
        if *goods {
            to_deliver += *q;
            delivered += *d;
        }
        ordered += *q;
        invoiced += *i;
    }
    let state_json = serde_json::to_value(order).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "insert into business_order (id, side, number, partner_id, order_date, state, untaxed, tax,
                                     total, delivery_status, invoice_status, version, created_at,
                                     updated_at, confirmed_position, confirmed_at,
                                     cancelled_position, cancelled_at, state_json)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
         on conflict (id) do update
            set state = excluded.state, untaxed = excluded.untaxed, tax = excluded.tax,
                total = excluded.total, delivery_status = excluded.delivery_status,
                invoice_status = excluded.invoice_status, version = excluded.version,
                updated_at = excluded.updated_at, confirmed_position = excluded.confirmed_position,
                confirmed_at = excluded.confirmed_at, cancelled_position = excluded.cancelled_position,
                cancelled_at = excluded.cancelled_at, state_json = excluded.state_json",
    )
    .bind(id)
    .bind(side_name(side))
    .bind(order.number().unwrap_or_default())
    .bind(partner)
    .bind(date)
    .bind(order_state_name(state))
    .bind(totals.untaxed)
    .bind(totals.tax)
    .bind(totals.total)
    .bind(status(delivered, to_deliver))
    .bind(status(invoiced, ordered))
    .bind(i64::try_from(order.version()).unwrap_or(i64::MAX))
    .bind(folding.created_at)
    .bind(folding.updated_at)
    .bind(folding.milestone.map(|m| m.0))
    .bind(folding.milestone.map(|m| m.1))
    .bind(folding.cancelled.map(|m| m.0))
    .bind(folding.cancelled.map(|m| m.1))
    .bind(Json(state_json))
    .execute(&mut *tx)
    .await?;
    sqlx::query("delete from order_line where order_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let decimals = order.decimals();
    for (n, (line, (_, d, i))) in order.lines().iter().zip(progress).enumerate() {
        let amounts = line.line.amounts(line.line.quantity, decimals);
        let taxes: Vec<String> = line.line.taxes.iter().map(|t| t.code.to_string()).collect();
        sqlx::query(
            "insert into order_line (order_id, line_no, product_id, description, quantity,
                                     unit_price, discount, taxes, goods, untaxed, tax, total,
                                     delivered, invoiced)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(id)
        .bind(i32::try_from(n).unwrap_or(i32::MAX))
        .bind(line.line.product)
        .bind(&line.line.description)
        .bind(line.line.quantity)
        .bind(line.line.unit_price)
        .bind(line.line.discount)
        .bind(&taxes)
        .bind(line.goods)
        .bind(amounts.untaxed)
        .bind(amounts.tax)
        .bind(amounts.total)
        .bind(d)
        .bind(i)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

async fn load_invoice(
    tx: &mut PgConnection,
    id: Uuid,
    event: &StoredEvent,
) -> Result<Folding<Invoice>, ProjectionError> {
    let row: Option<InvoiceMilestones> = sqlx::query_as(
        "select state_json, created_at, posted_position, posted_at from invoice where id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(match row {
        None => Folding {
            aggregate: Invoice::default(),
            created_at: event.recorded_at,
            updated_at: event.recorded_at,
            milestone: None,
            cancelled: None,
        },
        Some((state, created_at, pp, pa)) => Folding {
            aggregate: serde_json::from_value(state.0)
                .map_err(|e| ProjectionError::payload(event, e))?,
            created_at,
            updated_at: event.recorded_at,
            milestone: pp.zip(pa),
            cancelled: None,
        },
    })
}

async fn write_invoice(
    tx: &mut PgConnection,
    id: Uuid,
    folding: &Folding<Invoice>,
) -> Result<(), ProjectionError> {
    let invoice = &folding.aggregate;
    let (Some(draft), Some(state)) = (invoice.draft(), invoice.state()) else {
        return Ok(());
    };
    let totals = invoice.totals();
    let residual = match state {
        InvoiceState::Draft => totals.total,
        _ => invoice.residual(),
    };
    let state_json = serde_json::to_value(invoice).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "insert into invoice (id, kind, partner_id, number, invoice_date, due_date, state, untaxed,
                              tax, total, residual, order_id, reverses, reference, version,
                              created_at, updated_at, posted_position, posted_at, state_json)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
         on conflict (id) do update
            set number = excluded.number, state = excluded.state, untaxed = excluded.untaxed,
                tax = excluded.tax, total = excluded.total, residual = excluded.residual,
                version = excluded.version, updated_at = excluded.updated_at,
                posted_position = excluded.posted_position, posted_at = excluded.posted_at,
                state_json = excluded.state_json",
    )
    .bind(id)
    .bind(invoice_kind_name(draft.kind))
    .bind(draft.partner)
    .bind(invoice.number())
    .bind(draft.date)
    .bind(draft.due_date)
    .bind(invoice_state_name(state))
    .bind(totals.untaxed)
    .bind(totals.tax)
    .bind(totals.total)
    .bind(residual)
    .bind(draft.order)
    .bind(draft.reverses)
    .bind(&draft.reference)
    .bind(i64::try_from(invoice.version()).unwrap_or(i64::MAX))
    .bind(folding.created_at)
    .bind(folding.updated_at)
    .bind(folding.milestone.map(|m| m.0))
    .bind(folding.milestone.map(|m| m.1))
    .bind(Json(state_json))
    .execute(&mut *tx)
    .await?;
    sqlx::query("delete from invoice_line where invoice_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for (n, line) in draft.lines.iter().enumerate() {
        let amounts = line.line.amounts(line.line.quantity, draft.decimals);
        let taxes: Vec<String> = line.line.taxes.iter().map(|t| t.code.to_string()).collect();
        sqlx::query(
            "insert into invoice_line (invoice_id, line_no, product_id, description, quantity,
                                       unit_price, discount, taxes, account, untaxed, tax, total)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(id)
        .bind(i32::try_from(n).unwrap_or(i32::MAX))
        .bind(line.line.product)
        .bind(&line.line.description)
        .bind(line.line.quantity)
        .bind(line.line.unit_price)
        .bind(line.line.discount)
        .bind(&taxes)
        .bind(line.account.as_str())
        .bind(amounts.untaxed)
        .bind(amounts.tax)
        .bind(amounts.total)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

async fn period(
    tx: &mut PgConnection,
    event: &StoredEvent,
    payload: PeriodEvent,
) -> Result<(), ProjectionError> {
    match payload {
        PeriodEvent::EntryPosted { entry } => {
            let (origin, origin_id, partner) = match &entry.origin {
                EntryOrigin::Invoice { invoice } => ("invoice", Some(*invoice), None),
                EntryOrigin::Payment { partner, .. } => ("payment", None, Some(*partner)),
                EntryOrigin::Manual => ("manual", None, None),
            };
            let partner = partner.or_else(|| entry.lines.iter().find_map(|l| l.partner));
            let (debit, _) = entry.sums();
            sqlx::query(
                "insert into journal_entry (id, journal, number, entry_date, reference, origin,
                                            origin_id, partner_id, amount, position, recorded_at)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(entry.id)
            .bind(entry.journal.as_str())
            .bind(&entry.number)
            .bind(entry.date)
            .bind(&entry.reference)
            .bind(origin)
            .bind(origin_id)
            .bind(partner)
            .bind(debit)
            .bind(event.position)
            .bind(event.recorded_at)
            .execute(&mut *tx)
            .await?;
            let n = entry.lines.len();
            let lines: Vec<i32> = (0..n)
                .map(|n| i32::try_from(n).unwrap_or(i32::MAX))
                .collect();
            let accounts: Vec<&str> = entry.lines.iter().map(|l| l.account.as_str()).collect();
            let partners: Vec<Option<Uuid>> = entry.lines.iter().map(|l| l.partner).collect();
            let labels: Vec<&str> = entry.lines.iter().map(|l| l.label.as_str()).collect();
            let debits: Vec<Decimal> = entry.lines.iter().map(|l| l.debit).collect();
            let credits: Vec<Decimal> = entry.lines.iter().map(|l| l.credit).collect();
            sqlx::query(
                "insert into journal_item (entry_id, line_no, account, partner_id, label, debit,
                                           credit, entry_date, journal, position, recorded_at)
                 select $1, l, a, p, lb, d, c, $7, $8, $9, $10
                   from unnest($2::int[], $3::text[], $4::uuid[], $5::text[], $6::numeric[], $11::numeric[])
                        as t(l, a, p, lb, d, c)",
            )
            .bind(entry.id)
            .bind(&lines)
            .bind(&accounts)
            .bind(&partners)
            .bind(&labels)
            .bind(&debits)
            .bind(entry.date)
            .bind(entry.journal.as_str())
            .bind(event.position)
            .bind(event.recorded_at)
            .bind(&credits)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "insert into accounting_period (id, closed, entries) values ($1, false, 1)
                 on conflict (id) do update set entries = accounting_period.entries + 1",
            )
            .bind(&event.aggregate_id)
            .execute(&mut *tx)
            .await?;
        }
        PeriodEvent::PeriodClosed { .. } => {
            let user = event
                .metadata_value()
                .get("user")
                .and_then(|u| u.as_str())
                .map(str::to_owned);
            sqlx::query(
                "insert into accounting_period (id, closed, closed_at, closed_by, entries)
                 values ($1, true, $2, $3, 0)
                 on conflict (id) do update set closed = true, closed_at = $2, closed_by = $3",
            )
            .bind(&event.aggregate_id)
            .bind(event.recorded_at)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(())
}

/// The configuration business records use, which restoring a stage must keep: taxes on
/// products and lines, accounts and journals with entries (or draft lines), sequences that have
/// numbered documents.
pub async fn in_use(pool: &sqlx::PgPool) -> Result<domain::configuration::InUse, sqlx::Error> {
    use domain::configuration::Code;
    let codes = |rows: Vec<String>| -> std::collections::BTreeSet<Code> {
        rows.iter().filter_map(|r| Code::parse(r).ok()).collect()
    };
    let taxes: Vec<String> = sqlx::query_scalar(
        "select unnest(taxes) from product union select unnest(taxes) from order_line
         union select unnest(taxes) from invoice_line",
    )
    .fetch_all(pool)
    .await?;
    let accounts: Vec<String> = sqlx::query_scalar(
        "select distinct account from journal_item union select distinct account from invoice_line",
    )
    .fetch_all(pool)
    .await?;
    let journals: Vec<String> = sqlx::query_scalar("select distinct journal from journal_entry")
        .fetch_all(pool)
        .await?;
    let sequences: Vec<String> =
        sqlx::query_scalar("select distinct aggregate_id from events where aggregate_type = $1")
            .bind(<domain::ledger::Numbering as Aggregate>::TYPE)
            .fetch_all(pool)
            .await?;
    Ok(domain::configuration::InUse {
        taxes: codes(taxes),
        currencies: Default::default(),
        sequences: codes(sequences),
        accounts: codes(accounts),
        journals: codes(journals),
    })
}
