//! Sales and purchase orders: one state machine for both, mirror images of each other.
//!
//! ```text
//! Draft (quotation / request for quotation) ──confirm──▶ Confirmed ──▶ delivered (received)
//!    │                                          │           in parts, invoiced (billed)
//!    └──────────────cancel──────────────────────┴──cancel (nothing delivered or invoiced)──▶ Cancelled
//! ```
//!
//! The order keeps, per line, how much was delivered and how much invoiced, so it decides alone
//! what the next delivery may take and what the next invoice bills.

use chrono::NaiveDate;
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

use crate::configuration::InvoicePolicy;
use crate::money::{Line, Totals, LINES_MAX};

/// Which way goods and money go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Side {
    /// To customers: sales orders, deliveries, customer invoices.
    Sale,
    /// From suppliers: purchase orders, receipts, vendor bills.
    Purchase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderState {
    /// A quotation (sales) or request for quotation (purchases): lines can still change.
    Draft,
    Confirmed,
    Cancelled,
}

/// An order line: what was ordered, and whether it is goods (delivered) or a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub line: Line,
    /// Goods are delivered or received; services are not.
    pub goods: bool,
}

/// A quantity of one line of an order (lines are numbered from 0, in order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineQuantity {
    pub line: usize,
    pub quantity: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OrderCommand {
    CreateOrder {
        side: Side,
        /// From the order sequence.
        number: String,
        partner: Uuid,
        date: NaiveDate,
        /// The company currency's decimals, which totals are rounded to.
        decimals: u32,
        lines: Vec<OrderLine>,
    },
    ReplaceLines {
        expected_version: Option<u64>,
        lines: Vec<OrderLine>,
    },
    ConfirmOrder {
        expected_version: Option<u64>,
    },
    /// Goods leave for the customer (sales) or arrive from the supplier (purchases).
    DeliverOrder {
        delivery: Uuid,
        date: NaiveDate,
        quantities: Vec<LineQuantity>,
    },
    /// Bills what `policy` says is to be invoiced, on invoice `invoice`.
    InvoiceOrder {
        invoice: Uuid,
        policy: InvoicePolicy,
    },
    /// Invoice `invoice` was cancelled as a draft: what it billed is to be invoiced again.
    ReleaseInvoice {
        invoice: Uuid,
    },
    CancelOrder {
        expected_version: Option<u64>,
    },
}

impl OrderCommand {
    pub fn name(&self) -> &'static str {
        match self {
            OrderCommand::CreateOrder { .. } => "CreateOrder",
            OrderCommand::ReplaceLines { .. } => "ReplaceOrderLines",
            OrderCommand::ConfirmOrder { .. } => "ConfirmOrder",
            OrderCommand::DeliverOrder { .. } => "DeliverOrder",
            OrderCommand::InvoiceOrder { .. } => "InvoiceOrder",
            OrderCommand::ReleaseInvoice { .. } => "ReleaseOrderInvoice",
            OrderCommand::CancelOrder { .. } => "CancelOrder",
        }
    }
}

/// What happened to an order. Never rename a variant: the names are stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OrderEvent {
    OrderCreated {
        side: Side,
        number: String,
        partner: Uuid,
        date: NaiveDate,
        decimals: u32,
        lines: Vec<OrderLine>,
    },
    OrderLinesReplaced {
        lines: Vec<OrderLine>,
    },
    OrderConfirmed {},
    /// Goods delivered (sales) or received (purchases).
    OrderDelivered {
        delivery: Uuid,
        date: NaiveDate,
        quantities: Vec<LineQuantity>,
    },
    OrderInvoiced {
        invoice: Uuid,
        quantities: Vec<LineQuantity>,
    },
    OrderInvoiceReleased {
        invoice: Uuid,
    },
    OrderCancelled {},
}

impl DomainEvent for OrderEvent {
    fn event_type(&self) -> String {
        match self {
            OrderEvent::OrderCreated { .. } => "OrderCreated",
            OrderEvent::OrderLinesReplaced { .. } => "OrderLinesReplaced",
            OrderEvent::OrderConfirmed {} => "OrderConfirmed",
            OrderEvent::OrderDelivered { .. } => "OrderDelivered",
            OrderEvent::OrderInvoiced { .. } => "OrderInvoiced",
            OrderEvent::OrderInvoiceReleased { .. } => "OrderInvoiceReleased",
            OrderEvent::OrderCancelled {} => "OrderCancelled",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1.0".to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OrderError {
    #[error("an order with this id already exists")]
    AlreadyExists,
    #[error("no order with this id")]
    NotFound,
    #[error(
        "the order was changed by someone else: your form shows version {expected}, \
         it is now at version {actual}; reload it and make your change again"
    )]
    StaleVersion { expected: u64, actual: u64 },
    #[error("an order needs at least one line")]
    NoLines,
    #[error("an order has at most {LINES_MAX} lines")]
    TooManyLines,
    #[error("the order is {actual:?}; this needs it {needed}")]
    WrongState {
        actual: OrderState,
        needed: &'static str,
    },
    #[error("the order has no line {0}")]
    UnknownLine(usize),
    #[error("line {line} is a service: services are not delivered")]
    NotGoods { line: usize },
    #[error("line {line}: {requested} is more than the {remaining} left to deliver")]
    OverDelivery {
        line: usize,
        requested: Decimal,
        remaining: Decimal,
    },
    #[error("line {line}: a quantity must be above zero")]
    NoQuantity { line: usize },
    #[error("nothing to deliver: give at least one line and quantity")]
    EmptyDelivery,
    #[error("nothing left to invoice on this order")]
    NothingToInvoice,
    #[error("the order has been {0}: it can no longer be cancelled")]
    CannotCancel(&'static str),
    #[error("this delivery was already recorded")]
    DuplicateDelivery,
}

/// An order as far as deciding on commands goes.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    version: u64,
    current: Option<Current>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Current {
    side: Side,
    number: String,
    partner: Uuid,
    date: NaiveDate,
    decimals: u32,
    lines: Vec<OrderLine>,
    state: OrderState,
    delivered: Vec<Decimal>,
    invoiced: Vec<Decimal>,
    /// Invoices made from the order, with what each billed.
    invoices: Vec<(Uuid, Vec<LineQuantity>)>,
    deliveries: Vec<Uuid>,
}

impl Order {
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn exists(&self) -> bool {
        self.current.is_some()
    }

    pub fn side(&self) -> Option<Side> {
        self.current.as_ref().map(|c| c.side)
    }

    pub fn state(&self) -> Option<OrderState> {
        self.current.as_ref().map(|c| c.state)
    }

    pub fn partner(&self) -> Option<Uuid> {
        self.current.as_ref().map(|c| c.partner)
    }

    pub fn date(&self) -> Option<NaiveDate> {
        self.current.as_ref().map(|c| c.date)
    }

    pub fn number(&self) -> Option<&str> {
        self.current.as_ref().map(|c| c.number.as_str())
    }

    pub fn lines(&self) -> &[OrderLine] {
        self.current.as_ref().map_or(&[], |c| &c.lines)
    }

    pub fn decimals(&self) -> u32 {
        self.current.as_ref().map_or(2, |c| c.decimals)
    }

    /// Per line: ordered, delivered, invoiced.
    pub fn progress(&self) -> Vec<(Decimal, Decimal, Decimal)> {
        self.current.as_ref().map_or_else(Vec::new, |c| {
            c.lines
                .iter()
                .zip(c.delivered.iter().zip(&c.invoiced))
                .map(|(l, (d, i))| (l.line.quantity, *d, *i))
                .collect()
        })
    }

    pub fn totals(&self) -> Totals {
        self.current.as_ref().map_or_else(Totals::default, |c| {
            Totals::of(
                c.lines.iter().map(|l| (&l.line, l.line.quantity)),
                c.decimals,
            )
        })
    }

    /// What an invoice made now under `policy` would bill, line by line (lines with nothing to
    /// bill left out).
    pub fn to_invoice(&self, policy: InvoicePolicy) -> Vec<LineQuantity> {
        let Some(c) = &self.current else {
            return vec![];
        };
        c.lines
            .iter()
            .enumerate()
            .filter_map(|(n, l)| {
                let billable = match policy {
                    InvoicePolicy::Delivered if l.goods => c.delivered[n],
                    _ => l.line.quantity,
                };
                let quantity = billable - c.invoiced[n];
                (quantity > Decimal::ZERO).then_some(LineQuantity { line: n, quantity })
            })
            .collect()
    }

    fn existing(&self, expected_version: Option<u64>) -> Result<&Current, OrderError> {
        let current = self.current.as_ref().ok_or(OrderError::NotFound)?;
        match expected_version {
            Some(expected) if expected != self.version => Err(OrderError::StaleVersion {
                expected,
                actual: self.version,
            }),
            _ => Ok(current),
        }
    }
}

fn check_lines(lines: &[OrderLine]) -> Result<(), OrderError> {
    if lines.is_empty() {
        return Err(OrderError::NoLines);
    }
    if lines.len() > LINES_MAX {
        return Err(OrderError::TooManyLines);
    }
    Ok(())
}

fn in_state(current: &Current, state: OrderState, needed: &'static str) -> Result<(), OrderError> {
    if current.state != state {
        return Err(OrderError::WrongState {
            actual: current.state,
            needed,
        });
    }
    Ok(())
}

impl crate::Decide for Order {
    fn decide(&self, command: OrderCommand) -> Result<Vec<OrderEvent>, OrderError> {
        use OrderCommand as C;
        use OrderEvent as E;
        let event = match command {
            C::CreateOrder {
                side,
                number,
                partner,
                date,
                decimals,
                lines,
            } => {
                if self.current.is_some() {
                    return Err(OrderError::AlreadyExists);
                }
                check_lines(&lines)?;
                E::OrderCreated {
                    side,
                    number,
                    partner,
                    date,
                    decimals,
                    lines,
                }
            }
            C::ReplaceLines {
                expected_version,
                lines,
            } => {
                let current = self.existing(expected_version)?;
                in_state(current, OrderState::Draft, "a draft")?;
                check_lines(&lines)?;
                if lines == current.lines {
                    return Ok(vec![]);
                }
                E::OrderLinesReplaced { lines }
            }
            C::ConfirmOrder { expected_version } => {
                let current = self.existing(expected_version)?;
                in_state(current, OrderState::Draft, "a draft")?;
                E::OrderConfirmed {}
            }
            C::DeliverOrder {
                delivery,
                date,
                quantities,
            } => {
                let current = self.existing(None)?;
                in_state(current, OrderState::Confirmed, "confirmed")?;
                if current.deliveries.contains(&delivery) {
                    return Err(OrderError::DuplicateDelivery);
                }
                if quantities.is_empty() {
                    return Err(OrderError::EmptyDelivery);
                }
                let mut delivering = vec![Decimal::ZERO; current.lines.len()];
                for LineQuantity { line, quantity } in &quantities {
                    let ordered = current
                        .lines
                        .get(*line)
                        .ok_or(OrderError::UnknownLine(*line))?;
                    if !ordered.goods {
                        return Err(OrderError::NotGoods { line: *line });
                    }
                    if *quantity <= Decimal::ZERO {
                        return Err(OrderError::NoQuantity { line: *line });
                    }
                    delivering[*line] += *quantity;
                    let remaining = ordered.line.quantity - current.delivered[*line];
                    if delivering[*line] > remaining {
                        return Err(OrderError::OverDelivery {
                            line: *line,
                            requested: delivering[*line],
                            remaining,
                        });
                    }
                }
                E::OrderDelivered {
                    delivery,
                    date,
                    quantities,
                }
            }
            C::InvoiceOrder { invoice, policy } => {
                let current = self.existing(None)?;
                in_state(current, OrderState::Confirmed, "confirmed")?;
                let quantities = self.to_invoice(policy);
                if quantities.is_empty() {
                    return Err(OrderError::NothingToInvoice);
                }
                E::OrderInvoiced {
                    invoice,
                    quantities,
                }
            }
            C::ReleaseInvoice { invoice } => {
                let current = self.existing(None)?;
                if !current.invoices.iter().any(|(id, _)| *id == invoice) {
                    return Ok(vec![]);
                }
                E::OrderInvoiceReleased { invoice }
            }
            C::CancelOrder { expected_version } => {
                let current = self.existing(expected_version)?;
                match current.state {
                    OrderState::Cancelled => return Ok(vec![]),
                    _ if current.invoiced.iter().any(|q| !q.is_zero()) => {
                        return Err(OrderError::CannotCancel("invoiced"))
                    }
                    _ if current.delivered.iter().any(|q| !q.is_zero()) => {
                        return Err(OrderError::CannotCancel("delivered"))
                    }
                    _ => E::OrderCancelled {},
                }
            }
        };
        Ok(vec![event])
    }
}

impl Aggregate for Order {
    const TYPE: &'static str = "Order";
    type Command = OrderCommand;
    type Event = OrderEvent;
    type Error = OrderError;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        crate::handle_by_deciding(self, command, sink).await
    }

    fn apply(&mut self, event: Self::Event) {
        use OrderEvent as E;
        self.version += 1;
        if let E::OrderCreated {
            side,
            number,
            partner,
            date,
            decimals,
            lines,
        } = event
        {
            self.current = Some(Current {
                side,
                number,
                partner,
                date,
                decimals,
                delivered: vec![Decimal::ZERO; lines.len()],
                invoiced: vec![Decimal::ZERO; lines.len()],
                lines,
                state: OrderState::Draft,
                invoices: vec![],
                deliveries: vec![],
            });
            return;
        }
        let Some(current) = self.current.as_mut() else {
            return;
        };
        match event {
            E::OrderCreated { .. } => {}
            E::OrderLinesReplaced { lines } => {
                current.delivered = vec![Decimal::ZERO; lines.len()];
                current.invoiced = vec![Decimal::ZERO; lines.len()];
                current.lines = lines;
            }
            E::OrderConfirmed {} => current.state = OrderState::Confirmed,
            E::OrderDelivered {
                delivery,
                quantities,
                ..
            } => {
                current.deliveries.push(delivery);
                for q in quantities {
                    if let Some(d) = current.delivered.get_mut(q.line) {
                        *d += q.quantity;
                    }
                }
            }
            E::OrderInvoiced {
                invoice,
                quantities,
            } => {
                for q in &quantities {
                    if let Some(i) = current.invoiced.get_mut(q.line) {
                        *i += q.quantity;
                    }
                }
                current.invoices.push((invoice, quantities));
            }
            E::OrderInvoiceReleased { invoice } => {
                if let Some(n) = current.invoices.iter().position(|(id, _)| *id == invoice) {
                    let (_, quantities) = current.invoices.remove(n);
                    for q in quantities {
                        if let Some(i) = current.invoiced.get_mut(q.line) {
                            *i -= q.quantity;
                        }
                    }
                }
            }
            E::OrderCancelled {} => current.state = OrderState::Cancelled,
        }
    }
}

#[cfg(test)]
mod tests;
