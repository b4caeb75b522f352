//! Domain enums as the read models keep them: a name in a text column, written by the projection
//! and read back strictly. A name no value has is a decode error, never a default: a typo in a
//! projection shows up as an error, not as a silent wrong answer.
//!
//! The domain crate knows nothing of SQL, so its enums are wrapped: a row holds a
//! `Stored<InvoiceKind>`, and each read model says (with [`Named`]) how its enums are named.

use std::any::type_name;

use domain::invoice::{InvoiceKind, InvoiceState};
use domain::order::{OrderState, Side};
use domain::product::ProductKind;
use domain::stock::Location;
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::{Decode, Encode, Postgres, Type};

/// An enum whose values a read model stores by name.
pub trait Named: Copy + Send + Sync + 'static {
    /// Every value, for reading a name back.
    const ALL: &'static [Self];

    /// The name stored for the value (snake_case). Never change one: rows hold it.
    fn name(self) -> &'static str;

    /// The value stored under `name`, if any.
    fn named(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|value| value.name() == name)
    }
}

/// A value of a domain enum in a read model's text column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stored<T>(pub T);

impl<T: Named> Type<Postgres> for Stored<T> {
    fn type_info() -> PgTypeInfo {
        <str as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <str as Type<Postgres>>::compatible(ty)
    }
}

impl<'r, T: Named> Decode<'r, Postgres> for Stored<T> {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        let name = <&str as Decode<Postgres>>::decode(value)?;
        T::named(name)
            .map(Stored)
            .ok_or_else(|| format!("'{name}' is not a stored {}", type_name::<T>()).into())
    }
}

impl<'q, T: Named> Encode<'q, Postgres> for Stored<T> {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <&str as Encode<'q, Postgres>>::encode(self.0.name(), buf)
    }
}

// The names the business read models store their enums by.

impl Named for ProductKind {
    const ALL: &'static [Self] = &[
        ProductKind::Stockable,
        ProductKind::Consumable,
        ProductKind::Service,
    ];

    fn name(self) -> &'static str {
        match self {
            ProductKind::Stockable => "stockable",
            ProductKind::Consumable => "consumable",
            ProductKind::Service => "service",
        }
    }
}

impl Named for Side {
    const ALL: &'static [Self] = &[Side::Sale, Side::Purchase];

    fn name(self) -> &'static str {
        match self {
            Side::Sale => "sale",
            Side::Purchase => "purchase",
        }
    }
}

impl Named for OrderState {
    const ALL: &'static [Self] = &[
        OrderState::Draft,
        OrderState::Confirmed,
        OrderState::Cancelled,
    ];

    fn name(self) -> &'static str {
        match self {
            OrderState::Draft => "draft",
            OrderState::Confirmed => "confirmed",
            OrderState::Cancelled => "cancelled",
        }
    }
}

impl Named for InvoiceKind {
    const ALL: &'static [Self] = &[
        InvoiceKind::CustomerInvoice,
        InvoiceKind::CustomerCreditNote,
        InvoiceKind::VendorBill,
        InvoiceKind::VendorCreditNote,
    ];

    fn name(self) -> &'static str {
        match self {
            InvoiceKind::CustomerInvoice => "customer_invoice",
            InvoiceKind::CustomerCreditNote => "customer_credit_note",
            InvoiceKind::VendorBill => "vendor_bill",
            InvoiceKind::VendorCreditNote => "vendor_credit_note",
        }
    }
}

impl Named for InvoiceState {
    const ALL: &'static [Self] = &[
        InvoiceState::Draft,
        InvoiceState::Posted,
        InvoiceState::Cancelled,
    ];

    fn name(self) -> &'static str {
        match self {
            InvoiceState::Draft => "draft",
            InvoiceState::Posted => "posted",
            InvoiceState::Cancelled => "cancelled",
        }
    }
}

impl Named for Location {
    const ALL: &'static [Self] = &Location::ALL;

    fn name(self) -> &'static str {
        self.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Colour {
        Red,
        DarkBlue,
    }

    impl Named for Colour {
        const ALL: &'static [Self] = &[Colour::Red, Colour::DarkBlue];

        fn name(self) -> &'static str {
            match self {
                Colour::Red => "red",
                Colour::DarkBlue => "dark_blue",
            }
        }
    }

    #[test]
    fn a_name_reads_back_as_its_value_and_an_unknown_name_as_nothing() {
        assert_eq!(Colour::named("dark_blue"), Some(Colour::DarkBlue));
        assert_eq!(Colour::named("red"), Some(Colour::Red));
        assert_eq!(Colour::named("Red"), None);
        assert_eq!(Colour::named(""), None);
    }
}
