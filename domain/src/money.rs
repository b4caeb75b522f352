//! Amounts, quantities and document lines: exact decimals, rounded the way invoices are.
//!
//! A line's untaxed amount is rounded to the currency's decimals, then each of its taxes on that
//! rounded amount ("round per line", OpenERP's default): the figures a customer can check with a
//! pencil. A document's totals are the sums of its lines' rounded figures.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

use crate::configuration::Code;
use crate::text::{single_line, TextError};

/// The most decimals a quantity or a unit price may have.
pub const QUANTITY_DECIMALS: u32 = 4;
/// The most characters of a line's description.
pub const DESCRIPTION_MAX: usize = 500;
/// The most lines a document may have.
pub const LINES_MAX: usize = 500;
/// The largest amount, quantity or price accepted: well inside what `Decimal` and PostgreSQL's
/// `numeric` hold, and far above any real invoice.
pub const AMOUNT_MAX: Decimal = Decimal::from_parts(0xA4C6_8000, 0x0003_8D7E, 0, false, 0); // 10^15

/// Rounds half away from zero, as accountants do (0.125 → 0.13), to exactly `decimals`
/// places (12 → 12.00): amounts read the same wherever they are shown.
pub fn round(amount: Decimal, decimals: u32) -> Decimal {
    let mut rounded =
        amount.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(decimals);
    rounded
}

/// Why a figure was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FigureError {
    #[error("must not be negative (got {0})")]
    Negative(Decimal),
    #[error("must be above zero (got {0})")]
    NotPositive(Decimal),
    #[error("has at most {max} decimals (got {value})")]
    TooPrecise { max: u32, value: Decimal },
    #[error("is too large (at most {AMOUNT_MAX})")]
    TooLarge,
    #[error("a discount is a percentage from 0 to 100 (got {0})")]
    Discount(Decimal),
}

fn bounded(value: Decimal, decimals: u32) -> Result<Decimal, FigureError> {
    if value.abs() > AMOUNT_MAX {
        return Err(FigureError::TooLarge);
    }
    let value = value.normalize();
    if value.scale() > decimals {
        return Err(FigureError::TooPrecise {
            max: decimals,
            value,
        });
    }
    Ok(value)
}

/// A quantity above zero.
pub fn quantity(value: Decimal) -> Result<Decimal, FigureError> {
    let value = bounded(value, QUANTITY_DECIMALS)?;
    if value <= Decimal::ZERO {
        return Err(FigureError::NotPositive(value));
    }
    Ok(value)
}

/// A price or cost: zero or more.
pub fn price(value: Decimal) -> Result<Decimal, FigureError> {
    let value = bounded(value, QUANTITY_DECIMALS)?;
    if value < Decimal::ZERO {
        return Err(FigureError::Negative(value));
    }
    Ok(value)
}

/// An amount of money in a currency with `decimals` places, above zero.
pub fn amount(value: Decimal, decimals: u32) -> Result<Decimal, FigureError> {
    let value = bounded(value, decimals)?;
    if value <= Decimal::ZERO {
        return Err(FigureError::NotPositive(value));
    }
    Ok(value)
}

/// A discount in percent.
pub fn discount(value: Decimal) -> Result<Decimal, FigureError> {
    if value < Decimal::ZERO || value > Decimal::ONE_HUNDRED {
        return Err(FigureError::Discount(value));
    }
    bounded(value, 2)
}

/// A tax as a line carries it: copied from the configuration when the line was written, so a
/// later change of the rate does not change a document already made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineTax {
    pub code: Code,
    /// Percent.
    pub rate: Decimal,
    pub price_included: bool,
}

/// A document line as the user wrote it. Products are referred to by id; what a product is
/// (its name, its kind) is copied into the line where it matters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub product: Option<Uuid>,
    pub description: String,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    /// Percent off the unit price.
    pub discount: Decimal,
    pub taxes: Vec<LineTax>,
}

impl Line {
    /// A line from raw figures, each checked.
    pub fn new(
        product: Option<Uuid>,
        description: &str,
        quantity: Decimal,
        unit_price: Decimal,
        discount: Decimal,
        taxes: Vec<LineTax>,
    ) -> Result<Self, LineError> {
        let line = Self {
            product,
            description: single_line(description, DESCRIPTION_MAX)
                .map_err(LineError::Description)?,
            quantity: self::quantity(quantity).map_err(LineError::Quantity)?,
            unit_price: price(unit_price).map_err(LineError::UnitPrice)?,
            discount: self::discount(discount).map_err(LineError::Discount)?,
            taxes,
        };
        // each figure may be large, not their product: a line's amount stays within what a
        // document, and the sums of many documents, can hold.
        let amount = line.quantity.checked_mul(line.unit_price);
        if amount.is_none_or(|amount| amount > AMOUNT_MAX) {
            return Err(LineError::Amount);
        }
        Ok(line)
    }

    /// This line's figures for `quantity` of it (the line's own quantity, or the part of it
    /// being invoiced), rounded to `decimals`.
    pub fn amounts(&self, quantity: Decimal, decimals: u32) -> LineAmounts {
        let gross = round(
            quantity * self.unit_price * (Decimal::ONE_HUNDRED - self.discount)
                / Decimal::ONE_HUNDRED,
            decimals,
        );
        let included: Decimal = self
            .taxes
            .iter()
            .filter(|t| t.price_included)
            .map(|t| t.rate)
            .sum();
        // included taxes: the untaxed amount is what, taxed, gives the price; the last included
        // tax takes the rounding difference so that untaxed + included taxes = the price.
        let untaxed = if included.is_zero() {
            gross
        } else {
            round(
                gross * Decimal::ONE_HUNDRED / (Decimal::ONE_HUNDRED + included),
                decimals,
            )
        };
        let mut taxes = Vec::with_capacity(self.taxes.len());
        let mut included_left = gross - untaxed;
        let last_included = self.taxes.iter().rposition(|t| t.price_included);
        for (n, tax) in self.taxes.iter().enumerate() {
            let amount = if Some(n) == last_included {
                included_left
            } else {
                round(untaxed * tax.rate / Decimal::ONE_HUNDRED, decimals)
            };
            if tax.price_included {
                included_left -= amount;
            }
            taxes.push((tax.code.clone(), amount));
        }
        let tax: Decimal = taxes.iter().map(|(_, a)| *a).sum();
        LineAmounts {
            untaxed,
            tax,
            total: untaxed + tax,
            taxes,
        }
    }
}

/// Why a line was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LineError {
    #[error("description {0}")]
    Description(TextError),
    #[error("quantity {0}")]
    Quantity(FigureError),
    #[error("unit price {0}")]
    UnitPrice(FigureError),
    #[error("discount: {0}")]
    Discount(FigureError),
    #[error("amount (quantity × unit price) is too large (at most {AMOUNT_MAX})")]
    Amount,
}

/// A line's rounded figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineAmounts {
    pub untaxed: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
    /// Each tax's amount, in the line's order of taxes.
    pub taxes: Vec<(Code, Decimal)>,
}

/// A document's `count` lines checked against what it may have: `none` without any, `too_many`
/// above [`LINES_MAX`].
pub(crate) fn check_line_count<E>(count: usize, none: E, too_many: E) -> Result<(), E> {
    match count {
        0 => Err(none),
        n if n > LINES_MAX => Err(too_many),
        _ => Ok(()),
    }
}

/// A line of a document (an order's, an invoice's): a [`Line`] and what the document keeps
/// beside it.
pub trait DocumentLine {
    /// The line as the user wrote it.
    fn line(&self) -> &Line;
}

/// A document's totals: sums of its lines' rounded figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub untaxed: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
    /// Tax amounts by tax code.
    pub taxes: BTreeMap<Code, Decimal>,
}

impl Totals {
    /// The totals of `lines`, each taken at the quantity `quantity_of` gives it.
    pub fn of<'a>(lines: impl IntoIterator<Item = (&'a Line, Decimal)>, decimals: u32) -> Totals {
        let mut totals = Totals::default();
        for (line, quantity) in lines {
            let amounts = line.amounts(quantity, decimals);
            totals.untaxed += amounts.untaxed;
            totals.tax += amounts.tax;
            totals.total += amounts.total;
            for (code, amount) in amounts.taxes {
                *totals.taxes.entry(code).or_default() += amount;
            }
        }
        totals
    }

    /// The totals of a document's `lines`, each at its own quantity.
    pub fn of_lines(lines: &[impl DocumentLine], decimals: u32) -> Totals {
        Totals::of(
            lines.iter().map(|l| (l.line(), l.line().quantity)),
            decimals,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn vat(rate: &str, included: bool) -> LineTax {
        LineTax {
            code: Code::parse(&format!("vat{}", rate.replace('.', "_"))).unwrap(),
            rate: d(rate),
            price_included: included,
        }
    }

    #[test]
    fn amount_max_is_ten_to_the_fifteen() {
        assert_eq!(AMOUNT_MAX, d("1000000000000000"));
    }

    #[test]
    fn a_line_rounds_its_untaxed_amount_then_each_tax() {
        // 3 × 19.99 with 10 % off = 53.973 → 53.97; 21 % of 53.97 = 11.3337 → 11.33
        let line = Line::new(
            None,
            "Desk",
            d("3"),
            d("19.99"),
            d("10"),
            vec![vat("21", false)],
        )
        .unwrap();
        let amounts = line.amounts(line.quantity, 2);
        assert_eq!(amounts.untaxed, d("53.97"));
        assert_eq!(amounts.tax, d("11.33"));
        assert_eq!(amounts.total, d("65.30"));
    }

    #[test]
    fn half_cents_round_away_from_zero() {
        assert_eq!(round(d("0.125"), 2), d("0.13"));
        assert_eq!(round(d("-0.125"), 2), d("-0.13"));
        assert_eq!(round(d("2.5"), 0), d("3"));
    }

    #[test]
    fn an_included_tax_is_taken_out_of_the_price_to_the_cent() {
        // 10.00 including 21 %: 10 / 1.21 = 8.2644… → 8.26 untaxed, 1.74 tax, 10.00 in all
        let line = Line::new(None, "Pen", d("1"), d("10"), d("0"), vec![vat("21", true)]).unwrap();
        let amounts = line.amounts(d("1"), 2);
        assert_eq!(amounts.untaxed, d("8.26"));
        assert_eq!(amounts.tax, d("1.74"));
        assert_eq!(amounts.total, d("10.00"));
    }

    #[test]
    fn totals_sum_the_rounded_lines() {
        // three lines of 0.333 → 0.33 each: 0.99, not round(0.999) = 1.00
        let line = Line::new(None, "Screw", d("1"), d("0.333"), d("0"), vec![]).unwrap();
        let totals = Totals::of([(&line, d("1")), (&line, d("1")), (&line, d("1"))], 2);
        assert_eq!(totals.untaxed, d("0.99"));
    }

    #[test]
    fn figures_out_of_range_are_refused() {
        assert_eq!(quantity(d("0")), Err(FigureError::NotPositive(d("0"))));
        assert!(quantity(d("-1")).is_err());
        assert!(quantity(d("1.00001")).is_err());
        assert!(price(d("-0.01")).is_err());
        assert!(discount(d("100.5")).is_err());
        assert!(amount(d("10.001"), 2).is_err());
        assert_eq!(amount(d("1e16"), 2), Err(FigureError::TooLarge));
    }
}
