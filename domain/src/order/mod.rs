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

mod commands;
mod error;
mod events;
mod values;

pub use commands::OrderCommand;
pub use error::OrderError;
pub use events::OrderEvent;
pub use values::{LineQuantity, OrderHead, OrderLine, OrderState, Side};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::configuration::{Code, InvoicePolicy};
use crate::money::{check_line_count, Totals};

/// An order as far as deciding on commands goes.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    version: u64,
    current: Option<Current>,
}

crate::aggregate! { Order, "Order", OrderCommand, OrderEvent, OrderError }

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Current {
    #[serde(flatten)]
    head: OrderHead,
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
        self.current.as_ref().map(|c| c.head.side)
    }

    pub fn state(&self) -> Option<OrderState> {
        self.current.as_ref().map(|c| c.state)
    }

    pub fn partner(&self) -> Option<Uuid> {
        self.current.as_ref().map(|c| c.head.partner)
    }

    /// The company the order belongs to.
    pub fn company(&self) -> Option<&Code> {
        self.current.as_ref().map(|c| &c.head.company)
    }

    pub fn date(&self) -> Option<NaiveDate> {
        self.current.as_ref().map(|c| c.head.date)
    }

    pub fn number(&self) -> Option<&str> {
        self.current.as_ref().map(|c| c.head.number.as_str())
    }

    pub fn lines(&self) -> &[OrderLine] {
        self.current.as_ref().map_or(&[], |c| &c.lines)
    }

    pub fn decimals(&self) -> u32 {
        self.current.as_ref().map_or(2, |c| c.head.decimals)
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
            Totals::of_lines(&c.lines, c.head.decimals)
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
        crate::at_version(self.current.as_ref(), self.version, expected_version)
    }
}

fn check_lines(lines: &[OrderLine]) -> Result<(), OrderError> {
    check_line_count(lines.len(), OrderError::NoLines, OrderError::TooManyLines)
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
            C::CreateOrder { head, lines } => {
                if self.current.is_some() {
                    return Err(OrderError::AlreadyExists);
                }
                check_lines(&lines)?;
                E::OrderCreated { head, lines }
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
                for (entry, LineQuantity { line, quantity }) in quantities.iter().enumerate() {
                    let line = *line;
                    let ordered = current
                        .lines
                        .get(line)
                        .ok_or(OrderError::UnknownLine { line, entry })?;
                    if !ordered.goods {
                        return Err(OrderError::NotGoods { line, entry });
                    }
                    if *quantity <= Decimal::ZERO {
                        return Err(OrderError::NoQuantity { line, entry });
                    }
                    delivering[line] += *quantity;
                    let remaining = ordered.line.quantity - current.delivered[line];
                    if delivering[line] > remaining {
                        return Err(OrderError::OverDelivery {
                            line,
                            entry,
                            requested: delivering[line],
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

impl Order {
    /// Folds one event in: what `Aggregate::apply` does.
    fn fold(&mut self, event: OrderEvent) {
        use OrderEvent as E;
        self.version += 1;
        if let E::OrderCreated { head, lines } = event {
            self.current = Some(Current {
                head,
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
