//! Sales and purchase orders: drafts, lines, confirmation, cancellation, deliveries and receipts
//! (the stock moves with them).

use chrono::NaiveDate;
use domain::configuration::{Code, Settings};
use domain::order::{LineQuantity, Order, OrderCommand, OrderEvent, OrderHead, OrderLine, Side};
use domain::product::{Product, ProductKind};
use domain::stock::{Location, MoveOrigin, Stock, StockCommand, StockMove};
use uuid::Uuid;

use crate::error::Failure;
use crate::work::Work;

use super::{build_line, check_partner, decimals_of, missing, not_found, take_number, LineInput};

async fn order_lines(
    work: &mut Work,
    settings: &Settings,
    (side, company): (Side, &Code),
    lines: &[LineInput],
) -> Result<Vec<OrderLine>, Failure> {
    let mut built = Vec::with_capacity(lines.len());
    for (n, input) in lines.iter().enumerate() {
        let (line, kind) = build_line(work, settings, (side, company), input, n).await?;
        built.push(OrderLine {
            line,
            goods: kind.is_some_and(|k| k.is_goods()),
        });
    }
    Ok(built)
}

/// What a new order is: its side, partner and date, and the company it belongs to.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub side: Side,
    pub partner: Uuid,
    pub date: NaiveDate,
    pub company: Code,
}

/// Creates order `id` as a draft, numbered from the side's order sequence.
pub async fn create_order(
    work: &mut Work,
    settings: &Settings,
    id: Uuid,
    order: NewOrder,
    lines: &[LineInput],
) -> Result<String, Failure> {
    let NewOrder {
        side,
        partner,
        date,
        company,
    } = order;
    super::business_date(date, &["input", "date"])?;
    check_partner(work, partner, side, &company).await?;
    let lines = order_lines(work, settings, (side, &company), lines).await?;
    let sequence = match side {
        Side::Sale => settings.business_for(&company).sale_order_sequence.as_ref(),
        Side::Purchase => settings
            .business_for(&company)
            .purchase_order_sequence
            .as_ref(),
    }
    .ok_or_else(|| missing("order sequence", &[]))?;
    let number = take_number(work, settings, sequence).await?;
    work.decide::<Order>(
        &id.to_string(),
        OrderCommand::CreateOrder {
            head: OrderHead {
                side,
                number: number.clone(),
                partner,
                date,
                decimals: decimals_of(settings, &company),
                company,
            },
            lines,
        },
    )
    .await?;
    Ok(number)
}

/// Order `id`, checked to be on `side`.
pub(crate) async fn order_on(work: &mut Work, id: Uuid, side: Side) -> Result<&Order, Failure> {
    let order = work.get::<Order>(&id.to_string()).await?;
    if order.side() != Some(side) {
        return Err(not_found(
            match side {
                Side::Sale => "sales order",
                Side::Purchase => "purchase order",
            },
            id,
            &["input", "id"],
        ));
    }
    Ok(order)
}

pub async fn replace_order_lines(
    work: &mut Work,
    settings: &Settings,
    id: Uuid,
    side: Side,
    expected_version: Option<u64>,
    lines: &[LineInput],
) -> Result<(), Failure> {
    let company = order_on(work, id, side)
        .await?
        .company()
        .cloned()
        .unwrap_or_else(Code::main_company);
    let lines = order_lines(work, settings, (side, &company), lines).await?;
    work.decide::<Order>(
        &id.to_string(),
        OrderCommand::ReplaceLines {
            expected_version,
            lines,
        },
    )
    .await?;
    Ok(())
}

/// Confirms or cancels order `id`.
pub async fn order_command(
    work: &mut Work,
    id: Uuid,
    side: Side,
    command: OrderCommand,
) -> Result<(), Failure> {
    order_on(work, id, side).await?;
    work.decide::<Order>(&id.to_string(), command).await?;
    Ok(())
}

/// Delivers (sales) or receives (purchases) goods of order `id`: the order records it and each
/// product's stock moves, all in one append.
pub async fn deliver_order(
    work: &mut Work,
    settings: &Settings,
    id: Uuid,
    side: Side,
    delivery: Uuid,
    date: NaiveDate,
    quantities: Vec<LineQuantity>,
) -> Result<(), Failure> {
    super::business_date(date, &["input", "date"])?;
    let order = order_on(work, id, side).await?;
    let products: Vec<Option<Uuid>> = order.lines().iter().map(|l| l.line.product).collect();
    // the goods go out of (or into) the warehouse of the order's company.
    let company = order.company().cloned().unwrap_or_else(Code::main_company);
    let events = work
        .decide::<Order>(
            &id.to_string(),
            OrderCommand::DeliverOrder {
                delivery,
                date,
                quantities,
            },
        )
        .await?;
    let Some(OrderEvent::OrderDelivered { quantities, .. }) = events.into_iter().next() else {
        return Ok(());
    };
    // its moves take their ids from the delivery's: no other delivery, of any order or
    // company, may have the same.
    super::claim_new(work, super::DELIVERY_ID, delivery, || {
        format!("a delivery with id {delivery} was made already")
    })
    .await
    .map_err(|f| f.at(&["input", "delivery"]))?;
    let (from, to) = match side {
        Side::Sale => (Location::Stock, Location::Customers),
        Side::Purchase => (Location::Suppliers, Location::Stock),
    };
    for (n, LineQuantity { line, quantity }) in quantities.into_iter().enumerate() {
        let Some(Some(product)) = products.get(line).copied() else {
            continue;
        };
        let kind = work
            .get::<Product>(&product.to_string())
            .await?
            .details()
            .map(|d| d.kind);
        let check_on_hand = kind == Some(ProductKind::Stockable)
            && !settings.business_for(&company).allow_negative_stock;
        work.decide::<Stock>(
            &domain::stock::stream_id(&company, product),
            StockCommand::MoveStock {
                movement: StockMove {
                    id: Uuid::new_v5(&delivery, n.to_string().as_bytes()),
                    from,
                    to,
                    quantity,
                    date,
                    origin: MoveOrigin::Order {
                        order: id,
                        delivery,
                    },
                    company: company.clone(),
                },
                check_on_hand,
            },
        )
        .await
        .map_err(|f| f.at(&["input", "lines", &n.to_string(), "quantity"]))?;
    }
    Ok(())
}
