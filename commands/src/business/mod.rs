//! The daily operations of the business, each a [`Work`] over the aggregates it touches:
//! products, orders, deliveries, invoices, payments, entries and period closes. Inputs are
//! parsed values; what the configuration says (accounts, journals, sequences, taxes, rules) is
//! read from the settings the operation was sent with. Everything a user could get wrong is a
//! [`Failure::Refused`] naming the field.
//!
//! One file a part of the business: `product`, `order` (and deliveries), `invoice` (and credit
//! notes, posting), `ledger` (payments, manual entries, period closes, stock counts); what they
//! share (lines, numbers, partners, claims) is here.

mod invoice;
mod ledger;
mod order;
mod product;

pub use invoice::*;
pub use ledger::*;
pub use order::*;
pub use product::*;

use chrono::{Datelike, NaiveDate};
use domain::claim::{key_id, Claim, ClaimCommand};
use domain::configuration::{fits, Code, Settings};
use domain::ledger::{Numbering, NumberingCommand, NumberingEvent};
use domain::money::{Line, LineTax};
use domain::order::Side;
use domain::partner::{Partner, PartnerDetails};
use domain::product::{Product, ProductKind};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::error::{ErrorCode, Failure};
use crate::work::Work;

/// The claim namespace of product references.
pub const PRODUCT_REFERENCE: &str = "product.reference";
/// The claim namespace of journal entry ids: an entry (a payment, a manual entry) sent twice is
/// posted once, however long after.
pub const ENTRY_ID: &str = "journal.entry";

/// Claims `key` of `namespace` for `owner`: refused, with `taken` (an `AlreadyExists` at `field`),
/// if another holds it.
pub(crate) async fn claim(
    work: &mut Work,
    namespace: &str,
    key: &str,
    owner: Uuid,
    taken: impl FnOnce() -> String,
    field: &[&str],
) -> Result<(), Failure> {
    work.decide::<Claim>(&key_id(namespace, key), ClaimCommand::Claim { owner })
        .await
        .map_err(|_| Failure::refused(ErrorCode::AlreadyExists, taken()).at(field))?;
    Ok(())
}

/// Claims entry id `id`: refused if an entry with this id was posted already, in any company
/// and by any path (a manual entry, a payment, a document's posting). Its readers key entries by
/// id, so a second entry of the same id would be one no read model could hold.
pub(crate) async fn claim_entry(work: &mut Work, id: Uuid) -> Result<(), Failure> {
    let taken = || format!("an entry with id {id} was posted already");
    claim_new(work, ENTRY_ID, id, taken).await
}

/// The claim namespace of deliveries: a delivery's moves take their ids from it.
pub const DELIVERY_ID: &str = "stock.delivery";

/// Claims `id` in `namespace` for itself: refused (an `AlreadyExists` at `input.id`'s place,
/// the caller says which) if anyone holds it, itself included.
pub(crate) async fn claim_new(
    work: &mut Work,
    namespace: &str,
    id: Uuid,
    taken: impl FnOnce() -> String,
) -> Result<(), Failure> {
    let key = key_id(namespace, &id.to_string());
    if work.get::<Claim>(&key).await?.is_held() {
        return Err(Failure::refused(ErrorCode::AlreadyExists, taken()).at(&["input", "id"]));
    }
    work.decide::<Claim>(&key, ClaimCommand::Claim { owner: id })
        .await
        .map_err(|_| Failure::refused(ErrorCode::AlreadyExists, taken()).at(&["input", "id"]))?;
    Ok(())
}

pub(crate) fn missing(what: &str, field: &[&str]) -> Failure {
    Failure::refused(
        ErrorCode::Invalid,
        format!("no {what} is set in the business settings: choose one first"),
    )
    .at(field)
}

/// Nothing, if the setting `what` `code`, of `owner` (`None`: every company's), may be used in
/// `company`'s books; else the refusal, at `field`, as of a setting that does not exist.
pub(crate) fn in_books(
    (what, code): (&str, &Code),
    owner: Option<&Code>,
    company: &Code,
    field: &[&str],
) -> Result<(), Failure> {
    if fits(owner, company) {
        Ok(())
    } else {
        Err(Failure::refused(
            ErrorCode::NotFound,
            format!("there is no {what} '{code}' in company {company}"),
        )
        .at(field))
    }
}

/// The company an account belongs to, if it is one company's.
pub(crate) fn account_owner<'s>(settings: &'s Settings, code: &Code) -> Option<&'s Code> {
    settings.accounts.get(code).and_then(|a| a.company.as_ref())
}

/// Partner `id` as a record of `company` sees it: its details and whether it is archived. A
/// partner of another company is, for this one, no partner at all: refused at `field` without
/// telling whether it exists.
pub(crate) async fn partner_of(
    work: &mut Work,
    id: Uuid,
    company: &Code,
    field: &[&str],
) -> Result<(PartnerDetails, bool), Failure> {
    let found = work.get::<Partner>(&id.to_string()).await?;
    let details = found
        .details()
        .ok_or_else(|| not_found("partner", id, field))?;
    if !fits(details.company.as_ref(), company) {
        return Err(not_in_company("partner", id, company, field));
    }
    Ok((details.clone(), found.is_archived()))
}

/// The refusal of record `id` of another company than `company` (or of none): as of a record
/// that does not exist.
fn not_in_company(what: &str, id: Uuid, company: &Code, field: &[&str]) -> Failure {
    Failure::refused(
        ErrorCode::NotFound,
        format!("no {what} with id {id} in company {company}"),
    )
    .at(field)
}

pub(crate) fn not_found(what: &str, id: Uuid, field: &[&str]) -> Failure {
    Failure::refused(ErrorCode::NotFound, format!("no {what} with id {id}")).at(field)
}

/// Takes the next number of sequence `code`.
pub(crate) async fn take_number(
    work: &mut Work,
    settings: &Settings,
    code: &Code,
) -> Result<String, Failure> {
    let sequence = settings
        .sequences
        .get(code)
        .ok_or_else(|| {
            Failure::refused(
                ErrorCode::Invalid,
                format!("sequence '{code}' does not exist"),
            )
        })?
        .clone();
    let events = work
        .decide::<Numbering>(code.as_str(), NumberingCommand::TakeNumber { sequence })
        .await?;
    match events.into_iter().next() {
        Some(NumberingEvent::NumberTaken { name, .. }) => Ok(name),
        None => Err(Failure::internal("numbering gave no number")),
    }
}

/// An order or invoice line as the user gives it: what is left out comes from the product.
#[derive(Debug, Clone)]
pub struct LineInput {
    pub product: Option<Uuid>,
    pub description: Option<String>,
    pub quantity: Decimal,
    /// Left out: the product's sale price (sales) or cost (purchases).
    pub unit_price: Option<Decimal>,
    pub discount: Decimal,
    /// Left out: the product's taxes.
    pub taxes: Option<Vec<Code>>,
}

/// A line of a document of `company` built from `input`, with the product's kind (if any).
pub(crate) async fn build_line(
    work: &mut Work,
    settings: &Settings,
    (side, company): (Side, &Code),
    input: &LineInput,
    n: usize,
) -> Result<(Line, Option<ProductKind>), Failure> {
    let n_text = n.to_string();
    let at = |field: &'static str| -> Vec<&str> { vec!["input", "lines", n_text.as_str(), field] };
    let product = match input.product {
        Some(id) => {
            let product = work.get::<Product>(&id.to_string()).await?;
            let details = product
                .details()
                .cloned()
                .ok_or_else(|| not_found("product", id, &at("product")))?;
            // another company's product is, for this company's document, no product at all.
            if !fits(details.company.as_ref(), company) {
                return Err(not_in_company("product", id, company, &at("product")));
            }
            if product.is_archived() {
                return Err(Failure::refused(
                    ErrorCode::Archived,
                    format!("product '{}' is archived", details.name),
                )
                .at(&at("product")));
            }
            Some(details)
        }
        None => None,
    };
    let description = match (&input.description, &product) {
        (Some(text), _) if !text.trim().is_empty() => text.clone(),
        (_, Some(p)) => p.name.clone(),
        _ => {
            return Err(Failure::refused(
                ErrorCode::Required,
                "a line without a product needs a description",
            )
            .at(&at("description")))
        }
    };
    let unit_price = match (input.unit_price, &product) {
        (Some(price), _) => price,
        (None, Some(p)) => match side {
            Side::Sale => p.sale_price,
            Side::Purchase => p.cost,
        },
        (None, None) => {
            return Err(Failure::refused(
                ErrorCode::Required,
                "a line without a product needs a unit price",
            )
            .at(&at("unitPrice")))
        }
    };
    let codes = match (&input.taxes, &product) {
        (Some(codes), _) => codes.clone(),
        (None, Some(p)) => p.taxes.clone(),
        (None, None) => vec![],
    };
    let mut taxes = Vec::with_capacity(codes.len());
    for code in codes {
        // another company's tax is, for this company's document, no tax at all.
        let tax = settings
            .taxes
            .get(&code)
            .filter(|t| fits(t.company.as_ref(), company))
            .ok_or_else(|| {
                Failure::refused(
                    ErrorCode::NotFound,
                    format!("there is no tax '{code}' in company {company}"),
                )
                .at(&at("taxes"))
            })?;
        taxes.push(LineTax {
            code,
            rate: tax.rate,
            price_included: tax.price_included,
        });
    }
    let line = Line::new(
        input.product,
        &description,
        input.quantity,
        unit_price,
        input.discount,
        taxes,
    )
    .map_err(|e| {
        let field = match e {
            domain::money::LineError::Description(_) => "description",
            domain::money::LineError::Quantity(_) => "quantity",
            domain::money::LineError::UnitPrice(_) => "unitPrice",
            domain::money::LineError::Discount(_) => "discount",
            domain::money::LineError::Amount => "quantity",
        };
        Failure::refused(ErrorCode::Invalid, e.to_string()).at(&at(field))
    })?;
    Ok((line, product.map(|p| p.kind)))
}

/// The years a business date is in. A date outside them is a slip of the keyboard (0206 for
/// 2026), and a document or entry dated so would stay in the books for good.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2199;

/// Refuses a date outside [`YEARS`], on input field `field`.
pub(crate) fn business_date(date: NaiveDate, field: &[&str]) -> Result<(), Failure> {
    if YEARS.contains(&date.year()) {
        return Ok(());
    }
    Err(Failure::refused(
        ErrorCode::Invalid,
        format!(
            "{date} is not a date of business: dates are from {}-01-01 to {}-12-31",
            YEARS.start(),
            YEARS.end()
        ),
    )
    .at(field))
}

/// Refuses `date` (of `what`, given as `input.date`) if it is before posted document
/// `document`'s: nothing is set against a document before it exists.
pub(crate) fn not_before(
    date: NaiveDate,
    document: &domain::invoice::Invoice,
    what: &str,
) -> Result<(), Failure> {
    match document
        .draft()
        .map(|d| d.date)
        .filter(|dated| date < *dated)
    {
        None => Ok(()),
        Some(dated) => Err(Failure::refused(
            ErrorCode::Invalid,
            format!(
                "{what}'s date {date} is before the date of {} ({dated}): nothing is set against a \
                 document before it exists",
                document.number().unwrap_or("the document"),
            ),
        )
        .at(&["input", "date"])),
    }
}

/// The decimals of the currency `company` keeps its books in (2 if it is unknown).
pub fn decimals_of(settings: &Settings, company: &Code) -> u32 {
    settings
        .currency_of(company)
        .and_then(|currency| settings.currencies.get(currency))
        .map_or(2, |c| u32::from(c.decimals))
}

/// The decimals of the currency of the first of `companies` (codes as read models keep them):
/// what a report of theirs rounds to.
pub fn decimals_of_first(settings: &Settings, companies: &[String]) -> u32 {
    companies.first().map_or_else(
        || decimals(settings),
        |code| decimals_of_code(settings, code),
    )
}

/// The decimals of the currency of company `code` (as read models keep it).
pub fn decimals_of_code(settings: &Settings, code: &str) -> u32 {
    Code::parse(code).map_or_else(|_| decimals(settings), |code| decimals_of(settings, &code))
}

/// The decimals of the company currency.
pub fn decimals(settings: &Settings) -> u32 {
    settings
        .currencies
        .get(&settings.company.currency)
        .map_or(2, |c| u32::from(c.decimals))
}

pub(crate) async fn check_partner(
    work: &mut Work,
    partner: Uuid,
    side: Side,
    company: &Code,
) -> Result<(), Failure> {
    let field = ["input", "partner"];
    let (details, archived) = partner_of(work, partner, company, &field).await?;
    if archived {
        return Err(Failure::refused(ErrorCode::Archived, "the partner is archived").at(&field));
    }
    let (fits, role) = match side {
        Side::Sale => (details.is_customer, "customer"),
        Side::Purchase => (details.is_supplier, "supplier"),
    };
    if !fits {
        return Err(Failure::refused(
            ErrorCode::Invalid,
            format!("the partner is not marked as a {role}"),
        )
        .at(&field));
    }
    Ok(())
}
