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

/// `named! { Side { Sale => "sale", Purchase => "purchase" } }`: the [`Named`] of an enum,
/// each value listed once with the name stored for it.
macro_rules! named {
    ($enum:ident { $($value:ident => $name:literal),+ $(,)? }) => {
        impl Named for $enum {
            const ALL: &'static [Self] = &[$($enum::$value),+];

            fn name(self) -> &'static str {
                match self {
                    $($enum::$value => $name,)+
                }
            }
        }
    };
}

// The names the business read models store their enums by.

named! {
    ProductKind { Stockable => "stockable", Consumable => "consumable", Service => "service" }
}

named! { Side { Sale => "sale", Purchase => "purchase" } }

named! { OrderState { Draft => "draft", Confirmed => "confirmed", Cancelled => "cancelled" } }

named! {
    InvoiceKind {
        CustomerInvoice => "customer_invoice",
        CustomerCreditNote => "customer_credit_note",
        VendorBill => "vendor_bill",
        VendorCreditNote => "vendor_credit_note",
    }
}

named! { InvoiceState { Draft => "draft", Posted => "posted", Cancelled => "cancelled" } }

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
