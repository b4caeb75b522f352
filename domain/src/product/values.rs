//! The values a product is made of, each checked once at the edge.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::configuration::Code;
use crate::money::{price, FigureError};
use crate::text::{single_line, TextError};

pub const REFERENCE_MAX: usize = 64;
pub const NAME_MAX: usize = 200;
pub const UOM_MAX: usize = 20;
/// The most default taxes a product may have.
pub const TAXES_MAX: usize = 10;

/// What a product is, as far as stock goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProductKind {
    /// Kept in stock: deliveries take from what is on hand.
    Stockable,
    /// Moved like goods but not counted against what is on hand (screws, paper).
    Consumable,
    /// Not goods: never delivered or received.
    Service,
}

impl ProductKind {
    /// Whether the product is moved by deliveries and receipts.
    pub fn is_goods(&self) -> bool {
        !matches!(self, ProductKind::Service)
    }
}

/// Everything a product's form shows, each value checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDetails {
    /// The internal reference (`FURN-0001`): unique among products.
    pub reference: String,
    pub name: String,
    pub kind: ProductKind,
    /// Unit of measure (`Unit`, `kg`, `h`).
    pub uom: String,
    pub sale_price: Decimal,
    /// What a unit costs the company: what stock is valued at.
    pub cost: Decimal,
    /// Taxes a new order or invoice line of the product gets.
    pub taxes: Vec<Code>,
    /// The company the product belongs to; `None`: shared by every company (as every product
    /// made before a database held several is). [`ProductDetails::new`] makes a shared one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<Code>,
}

/// Why a product's details were refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DetailsError {
    #[error("reference {0}")]
    Reference(TextError),
    #[error("name {0}")]
    Name(TextError),
    #[error("unit of measure {0}")]
    Uom(TextError),
    #[error("sale price {0}")]
    SalePrice(FigureError),
    #[error("cost {0}")]
    Cost(FigureError),
    #[error("a product has at most {TAXES_MAX} taxes")]
    TooManyTaxes,
}

impl ProductDetails {
    pub fn new(
        reference: &str,
        name: &str,
        kind: ProductKind,
        uom: &str,
        sale_price: Decimal,
        cost: Decimal,
        taxes: Vec<Code>,
    ) -> Result<Self, DetailsError> {
        if taxes.len() > TAXES_MAX {
            return Err(DetailsError::TooManyTaxes);
        }
        // a tax given twice would be charged twice; `dedup` alone only drops neighbours
        let mut unique: Vec<Code> = Vec::with_capacity(taxes.len());
        for tax in taxes {
            if !unique.contains(&tax) {
                unique.push(tax);
            }
        }
        let taxes = unique;
        Ok(Self {
            reference: single_line(reference, REFERENCE_MAX).map_err(DetailsError::Reference)?,
            name: single_line(name, NAME_MAX).map_err(DetailsError::Name)?,
            kind,
            uom: single_line(uom, UOM_MAX).map_err(DetailsError::Uom)?,
            sale_price: price(sale_price).map_err(DetailsError::SalePrice)?,
            cost: price(cost).map_err(DetailsError::Cost)?,
            taxes,
            company: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{code, d};

    #[test]
    fn details_are_trimmed_and_a_tax_given_twice_is_kept_once() {
        let details = ProductDetails::new(
            "  FURN-0002 ",
            " Chair ",
            ProductKind::Consumable,
            "Unit",
            d("10"),
            d("0"),
            vec![code("vat21"), code("vat6"), code("vat21")],
        )
        .unwrap();
        assert_eq!(details.reference, "FURN-0002");
        assert_eq!(details.name, "Chair");
        assert_eq!(details.taxes, vec![code("vat21"), code("vat6")]);
    }

    #[test]
    fn details_out_of_bounds_are_refused() {
        let new = |reference: &str, sale_price: &str, cost: &str, taxes: usize| {
            ProductDetails::new(
                reference,
                "Desk",
                ProductKind::Stockable,
                "Unit",
                d(sale_price),
                d(cost),
                (0..taxes).map(|n| code(&format!("tax{n}"))).collect(),
            )
        };
        assert_eq!(
            new(" ", "1", "1", 0),
            Err(DetailsError::Reference(TextError::Empty))
        );
        assert_eq!(
            new("D", "-1", "1", 0),
            Err(DetailsError::SalePrice(FigureError::Negative(d("-1"))))
        );
        assert_eq!(
            new("D", "1", "0.00001", 0),
            Err(DetailsError::Cost(FigureError::TooPrecise {
                max: 4,
                value: d("0.00001")
            }))
        );
        assert_eq!(
            new("D", "1", "1", TAXES_MAX + 1),
            Err(DetailsError::TooManyTaxes)
        );
        assert!(new("D", "1", "1", TAXES_MAX).is_ok());
    }

    #[test]
    fn only_services_are_not_goods() {
        assert!(ProductKind::Stockable.is_goods());
        assert!(ProductKind::Consumable.is_goods());
        assert!(!ProductKind::Service.is_goods());
    }
}
