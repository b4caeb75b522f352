//! Products: what the company sells and buys. A product's internal reference is unique; the
//! command bus claims it (see [`crate::claim`]) in the same append as the product's event.

use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
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
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProductCommand {
    CreateProduct {
        details: ProductDetails,
    },
    /// Replaces the details; `expected_version` as for partners.
    UpdateProduct {
        expected_version: Option<u64>,
        details: ProductDetails,
    },
    ArchiveProduct {
        expected_version: Option<u64>,
    },
    UnarchiveProduct {
        expected_version: Option<u64>,
    },
}

impl ProductCommand {
    pub fn name(&self) -> &'static str {
        match self {
            ProductCommand::CreateProduct { .. } => "CreateProduct",
            ProductCommand::UpdateProduct { .. } => "UpdateProduct",
            ProductCommand::ArchiveProduct { .. } => "ArchiveProduct",
            ProductCommand::UnarchiveProduct { .. } => "UnarchiveProduct",
        }
    }
}

/// What happened to a product. Never rename a variant: the names are stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ProductEvent {
    ProductCreated {
        details: ProductDetails,
    },
    /// Carries every detail as it now stands.
    ProductUpdated {
        details: ProductDetails,
    },
    ProductArchived {},
    ProductUnarchived {},
}

impl DomainEvent for ProductEvent {
    fn event_type(&self) -> String {
        match self {
            ProductEvent::ProductCreated { .. } => "ProductCreated",
            ProductEvent::ProductUpdated { .. } => "ProductUpdated",
            ProductEvent::ProductArchived {} => "ProductArchived",
            ProductEvent::ProductUnarchived {} => "ProductUnarchived",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1.0".to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProductError {
    #[error("a product with this id already exists")]
    AlreadyExists,
    #[error("no product with this id")]
    NotFound,
    #[error("the product is archived: restore it before changing it")]
    Archived,
    #[error(
        "the product was changed by someone else: your form shows version {expected}, \
         it is now at version {actual}; reload it and make your change again"
    )]
    StaleVersion { expected: u64, actual: u64 },
}

/// A product as far as deciding on commands goes.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    version: u64,
    details: Option<ProductDetails>,
    archived: bool,
}

impl Product {
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The product's details, if it exists.
    pub fn details(&self) -> Option<&ProductDetails> {
        self.details.as_ref()
    }

    pub fn is_archived(&self) -> bool {
        self.archived
    }

    fn existing(&self, expected_version: Option<u64>) -> Result<&ProductDetails, ProductError> {
        let details = self.details.as_ref().ok_or(ProductError::NotFound)?;
        match expected_version {
            Some(expected) if expected != self.version => Err(ProductError::StaleVersion {
                expected,
                actual: self.version,
            }),
            _ => Ok(details),
        }
    }
}

impl crate::Decide for Product {
    fn decide(&self, command: ProductCommand) -> Result<Vec<ProductEvent>, ProductError> {
        let event = match command {
            ProductCommand::CreateProduct { details } => {
                if self.details.is_some() {
                    return Err(ProductError::AlreadyExists);
                }
                Some(ProductEvent::ProductCreated { details })
            }
            ProductCommand::UpdateProduct {
                expected_version,
                details,
            } => {
                let current = self.existing(expected_version)?;
                if self.archived {
                    return Err(ProductError::Archived);
                }
                (details != *current).then_some(ProductEvent::ProductUpdated { details })
            }
            ProductCommand::ArchiveProduct { expected_version } => {
                self.existing(expected_version)?;
                (!self.archived).then_some(ProductEvent::ProductArchived {})
            }
            ProductCommand::UnarchiveProduct { expected_version } => {
                self.existing(expected_version)?;
                self.archived.then_some(ProductEvent::ProductUnarchived {})
            }
        };
        Ok(event.into_iter().collect())
    }
}

impl Aggregate for Product {
    const TYPE: &'static str = "Product";
    type Command = ProductCommand;
    type Event = ProductEvent;
    type Error = ProductError;
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
        self.version += 1;
        match event {
            ProductEvent::ProductCreated { details } | ProductEvent::ProductUpdated { details } => {
                self.details = Some(details)
            }
            ProductEvent::ProductArchived {} => self.archived = true,
            ProductEvent::ProductUnarchived {} => self.archived = false,
        }
    }
}

#[cfg(test)]
mod tests;
