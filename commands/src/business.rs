//! The daily operations of the business, each a [`Work`] over the aggregates it touches:
//! products, orders, deliveries, invoices, payments, entries and period closes. Inputs are
//! parsed values; what the configuration says (accounts, journals, sequences, taxes, rules) is
//! read from the settings the operation was sent with. Everything a user could get wrong is a
//! [`Failure::Refused`] naming the field.

use chrono::{Days, NaiveDate};
use domain::claim::{key_id, Claim, ClaimCommand};
use domain::configuration::{Code, JournalKind, Settings};
use domain::invoice::{
    Invoice, InvoiceCommand, InvoiceDraft, InvoiceKind, InvoiceLine, InvoiceState, PostingAccounts,
};
use domain::ledger::{
    Allocation, EntryLine, EntryOrigin, JournalEntry, Numbering, NumberingCommand, NumberingEvent,
    Period, PeriodCommand, PeriodId,
};
use domain::money::{Line, LineTax};
use domain::order::{LineQuantity, Order, OrderCommand, OrderEvent, OrderLine, Side};
use domain::partner::Partner;
use domain::product::{Product, ProductCommand, ProductDetails, ProductKind};
use domain::stock::{Location, MoveOrigin, Stock, StockCommand};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::error::{ErrorCode, Failure};
use crate::work::Work;

/// The claim namespace of product references.
pub const PRODUCT_REFERENCE: &str = "product.reference";
/// The claim namespace of journal entry ids: an entry (a payment, a manual entry) sent twice is
/// posted once, however long after.
pub const ENTRY_ID: &str = "journal.entry";

/// Claims entry id `id`: refused if an entry with this id was posted already.
async fn claim_entry(work: &mut Work, id: Uuid) -> Result<(), Failure> {
    work.decide::<Claim>(
        &key_id(ENTRY_ID, &id.to_string()),
        ClaimCommand::Claim { owner: id },
    )
    .await
    .map_err(|_| {
        Failure::refused(
            ErrorCode::AlreadyExists,
            format!("an entry with id {id} was posted already"),
        )
        .at(&["input", "id"])
    })?;
    Ok(())
}

fn missing(what: &str, field: &[&str]) -> Failure {
    Failure::refused(
        ErrorCode::Invalid,
        format!("no {what} is set in the business settings: choose one first"),
    )
    .at(field)
}

fn not_found(what: &str, id: Uuid, field: &[&str]) -> Failure {
    Failure::refused(ErrorCode::NotFound, format!("no {what} with id {id}")).at(field)
}

/// Takes the next number of sequence `code`.
async fn take_number(work: &mut Work, settings: &Settings, code: &Code) -> Result<String, Failure> {
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

/// Creates product `id`, claiming its reference.
pub async fn create_product(
    work: &mut Work,
    id: Uuid,
    details: ProductDetails,
) -> Result<(), Failure> {
    claim_reference(work, id, &details.reference).await?;
    work.decide::<Product>(&id.to_string(), ProductCommand::CreateProduct { details })
        .await?;
    Ok(())
}

async fn claim_reference(work: &mut Work, id: Uuid, reference: &str) -> Result<(), Failure> {
    work.decide::<Claim>(
        &key_id(PRODUCT_REFERENCE, reference),
        ClaimCommand::Claim { owner: id },
    )
    .await
    .map_err(|_| {
        Failure::refused(
            ErrorCode::AlreadyExists,
            format!("another product has internal reference '{reference}'"),
        )
        .at(&["input", "reference"])
    })?;
    Ok(())
}

/// Replaces product `id`'s details; a new reference is claimed and the old one let go.
pub async fn update_product(
    work: &mut Work,
    id: Uuid,
    expected_version: Option<u64>,
    details: ProductDetails,
) -> Result<(), Failure> {
    let product = work.get::<Product>(&id.to_string()).await?;
    let old = product.details().map(|d| d.reference.clone());
    if let Some(old) = old.filter(|old| *old != details.reference) {
        claim_reference(work, id, &details.reference).await?;
        work.decide::<Claim>(
            &key_id(PRODUCT_REFERENCE, &old),
            ClaimCommand::Release { owner: id },
        )
        .await?;
    }
    work.decide::<Product>(
        &id.to_string(),
        ProductCommand::UpdateProduct {
            expected_version,
            details,
        },
    )
    .await?;
    Ok(())
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

/// A line built from `input`, with the product's kind (if any).
async fn build_line(
    work: &mut Work,
    settings: &Settings,
    side: Side,
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
        let tax = settings.taxes.get(&code).ok_or_else(|| {
            Failure::refused(ErrorCode::NotFound, format!("there is no tax '{code}'"))
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
        };
        Failure::refused(ErrorCode::Invalid, e.to_string()).at(&at(field))
    })?;
    Ok((line, product.map(|p| p.kind)))
}

/// The decimals of the company currency.
pub fn decimals(settings: &Settings) -> u32 {
    settings
        .currencies
        .get(&settings.company.currency)
        .map_or(2, |c| u32::from(c.decimals))
}

async fn check_partner(work: &mut Work, partner: Uuid, side: Side) -> Result<(), Failure> {
    let field = ["input", "partner"];
    let found = work.get::<Partner>(&partner.to_string()).await?;
    let details = found
        .details()
        .ok_or_else(|| not_found("partner", partner, &field))?;
    if found.is_archived() {
        return Err(
            Failure::refused(ErrorCode::Archived, "the partner is archived").at(&field),
        );
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

async fn order_lines(
    work: &mut Work,
    settings: &Settings,
    side: Side,
    lines: &[LineInput],
) -> Result<Vec<OrderLine>, Failure> {
    let mut built = Vec::with_capacity(lines.len());
    for (n, input) in lines.iter().enumerate() {
        let (line, kind) = build_line(work, settings, side, input, n).await?;
        built.push(OrderLine {
            line,
            goods: kind.is_some_and(|k| k.is_goods()),
        });
    }
    Ok(built)
}

/// Creates order `id` as a draft, numbered from the side's order sequence.
pub async fn create_order(
    work: &mut Work,
    settings: &Settings,
    id: Uuid,
    side: Side,
    partner: Uuid,
    date: NaiveDate,
    lines: &[LineInput],
) -> Result<String, Failure> {
    check_partner(work, partner, side).await?;
    let lines = order_lines(work, settings, side, lines).await?;
    let sequence = match side {
        Side::Sale => settings.business.sale_order_sequence.as_ref(),
        Side::Purchase => settings.business.purchase_order_sequence.as_ref(),
    }
    .ok_or_else(|| missing("order sequence", &[]))?;
    let number = take_number(work, settings, sequence).await?;
    work.decide::<Order>(
        &id.to_string(),
        OrderCommand::CreateOrder {
            side,
            number: number.clone(),
            partner,
            date,
            decimals: decimals(settings),
            lines,
        },
    )
    .await?;
    Ok(number)
}

/// Order `id`, checked to be on `side`.
async fn order_on(work: &mut Work, id: Uuid, side: Side) -> Result<&Order, Failure> {
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
    order_on(work, id, side).await?;
    let lines = order_lines(work, settings, side, lines).await?;
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
    let order = order_on(work, id, side).await?;
    let products: Vec<Option<Uuid>> = order.lines().iter().map(|l| l.line.product).collect();
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
        let check_on_hand =
            kind == Some(ProductKind::Stockable) && !settings.business.allow_negative_stock;
        work.decide::<Stock>(
            &product.to_string(),
            StockCommand::MoveStock {
                id: Uuid::new_v5(&delivery, n.to_string().as_bytes()),
                from,
                to,
                quantity,
                date,
                origin: MoveOrigin::Order {
                    order: id,
                    delivery,
                },
                check_on_hand,
            },
        )
        .await
        .map_err(|f| f.at(&["input", "lines", &line.to_string(), "quantity"]))?;
    }
    Ok(())
}

/// Counts product `product`'s stock: the difference goes to inventory loss.
pub async fn count_stock(
    work: &mut Work,
    product: Uuid,
    id: Uuid,
    counted: Decimal,
    date: NaiveDate,
) -> Result<(), Failure> {
    let found = work.get::<Product>(&product.to_string()).await?;
    match found.details().map(|d| d.kind) {
        None => return Err(not_found("product", product, &["input", "product"])),
        Some(ProductKind::Service) => {
            return Err(
                Failure::refused(ErrorCode::Invalid, "a service has no stock to count")
                    .at(&["input", "product"]),
            )
        }
        Some(_) => {}
    }
    work.decide::<Stock>(
        &product.to_string(),
        StockCommand::CountStock { id, counted, date },
    )
    .await?;
    Ok(())
}

fn line_account(settings: &Settings, side: Side) -> Result<Code, Failure> {
    match side {
        Side::Sale => settings.business.income_account.clone(),
        Side::Purchase => settings.business.expense_account.clone(),
    }
    .ok_or_else(|| {
        missing(
            match side {
                Side::Sale => "income account",
                Side::Purchase => "expense account",
            },
            &[],
        )
    })
}

fn due_date(settings: &Settings, date: NaiveDate, due: Option<NaiveDate>) -> NaiveDate {
    due.unwrap_or_else(|| {
        date.checked_add_days(Days::new(u64::from(settings.business.payment_days)))
            .unwrap_or(date)
    })
}

/// Bills order `id`: what the invoice policy says is due becomes draft invoice `invoice`.
pub async fn invoice_order(
    work: &mut Work,
    settings: &Settings,
    id: Uuid,
    side: Side,
    invoice: Uuid,
    date: NaiveDate,
) -> Result<(), Failure> {
    let order = order_on(work, id, side).await?.clone();
    let events = work
        .decide::<Order>(
            &id.to_string(),
            OrderCommand::InvoiceOrder {
                invoice,
                policy: settings.business.invoice_policy,
            },
        )
        .await?;
    let Some(OrderEvent::OrderInvoiced { quantities, .. }) = events.into_iter().next() else {
        return Ok(());
    };
    let account = line_account(settings, side)?;
    let lines = quantities
        .iter()
        .filter_map(|q| order.lines().get(q.line).map(|l| (l, q.quantity)))
        .map(|(l, quantity)| InvoiceLine {
            line: Line {
                quantity,
                ..l.line.clone()
            },
            account: account.clone(),
        })
        .collect();
    let partner = order
        .partner()
        .ok_or_else(|| not_found("order", id, &["input", "id"]))?;
    work.decide::<Invoice>(
        &invoice.to_string(),
        InvoiceCommand::DraftInvoice {
            draft: InvoiceDraft {
                kind: match side {
                    Side::Sale => InvoiceKind::CustomerInvoice,
                    Side::Purchase => InvoiceKind::VendorBill,
                },
                partner,
                date,
                due_date: due_date(settings, date, None),
                decimals: order.decimals(),
                lines,
                order: Some(id),
                reverses: None,
                reference: order.number().unwrap_or_default().to_owned(),
            },
        },
    )
    .await?;
    Ok(())
}

/// A standalone invoice, bill or credit note, as a draft.
#[derive(Debug, Clone)]
pub struct InvoiceInput {
    pub kind: InvoiceKind,
    pub partner: Uuid,
    pub date: NaiveDate,
    pub due_date: Option<NaiveDate>,
    pub lines: Vec<LineInput>,
    pub reverses: Option<Uuid>,
    pub reference: String,
}

pub async fn create_invoice(
    work: &mut Work,
    settings: &Settings,
    id: Uuid,
    input: &InvoiceInput,
) -> Result<(), Failure> {
    let side = input.kind.side();
    check_partner(work, input.partner, side).await?;
    if let Some(reversed) = input.reverses {
        let original = work.get::<Invoice>(&reversed.to_string()).await?;
        let fits = original.draft().is_some_and(|d| {
            d.kind.credit_note() == input.kind
                && !d.kind.is_credit_note()
                && d.partner == input.partner
        });
        if !fits || original.state() != Some(InvoiceState::Posted) {
            return Err(Failure::refused(
                ErrorCode::Invalid,
                "a credit note reverses a posted invoice (or bill) of the same partner",
            )
            .at(&["input", "reverses"]));
        }
    }
    let lines = invoice_lines(work, settings, side, &input.lines).await?;
    work.decide::<Invoice>(
        &id.to_string(),
        InvoiceCommand::DraftInvoice {
            draft: InvoiceDraft {
                kind: input.kind,
                partner: input.partner,
                date: input.date,
                due_date: due_date(settings, input.date, input.due_date),
                decimals: decimals(settings),
                lines,
                order: None,
                reverses: input.reverses,
                reference: input.reference.clone(),
            },
        },
    )
    .await?;
    Ok(())
}

async fn invoice_lines(
    work: &mut Work,
    settings: &Settings,
    side: Side,
    lines: &[LineInput],
) -> Result<Vec<InvoiceLine>, Failure> {
    let account = line_account(settings, side)?;
    let mut built = Vec::with_capacity(lines.len());
    for (n, input) in lines.iter().enumerate() {
        let (line, _) = build_line(work, settings, side, input, n).await?;
        built.push(InvoiceLine {
            line,
            account: account.clone(),
        });
    }
    Ok(built)
}

pub async fn replace_invoice_lines(
    work: &mut Work,
    settings: &Settings,
    id: Uuid,
    expected_version: Option<u64>,
    lines: &[LineInput],
) -> Result<(), Failure> {
    let kind = invoice_kind(work, id).await?;
    let lines = invoice_lines(work, settings, kind.side(), lines).await?;
    work.decide::<Invoice>(
        &id.to_string(),
        InvoiceCommand::ReplaceInvoiceLines {
            expected_version,
            lines,
        },
    )
    .await?;
    Ok(())
}

async fn invoice_kind(work: &mut Work, id: Uuid) -> Result<InvoiceKind, Failure> {
    work.get::<Invoice>(&id.to_string())
        .await?
        .draft()
        .map(|d| d.kind)
        .ok_or_else(|| not_found("invoice", id, &["input", "id"]))
}

/// Posts invoice `id`: numbered from its journal's sequence, its entry written into its
/// month; a credit note is matched against the document it reverses.
pub async fn post_invoice(
    work: &mut Work,
    settings: &Settings,
    id: Uuid,
    expected_version: Option<u64>,
) -> Result<String, Failure> {
    let kind = invoice_kind(work, id).await?;
    let business = &settings.business;
    let (journal, counterpart, tax) = match kind.side() {
        Side::Sale => (
            business.sale_journal.as_ref(),
            business.receivable_account.as_ref(),
            business.tax_collected_account.as_ref(),
        ),
        Side::Purchase => (
            business.purchase_journal.as_ref(),
            business.payable_account.as_ref(),
            business.tax_deductible_account.as_ref(),
        ),
    };
    let journal_code = journal.ok_or_else(|| missing("journal for this document", &[]))?;
    let journal = settings
        .journals
        .get(journal_code)
        .ok_or_else(|| missing("journal for this document", &[]))?;
    let accounts = PostingAccounts {
        counterpart: counterpart
            .ok_or_else(|| missing("receivable or payable account", &[]))?
            .clone(),
        tax: tax.ok_or_else(|| missing("tax account", &[]))?.clone(),
    };
    // nothing is written unless everything below succeeds: a refused posting takes no number.
    let draft = work.get::<Invoice>(&id.to_string()).await?.draft().cloned();
    let reverses = draft.as_ref().and_then(|d| d.reverses);
    if let Some(draft) = &draft {
        // the numbering and the month, read in one query when this process knows them.
        use cqrs_es::Aggregate;
        work.prefetch(&[
            (Numbering::TYPE, journal.sequence.to_string()),
            (Period::TYPE, PeriodId::of(draft.date).to_string()),
        ])
        .await?;
    }
    let number = take_number(work, settings, &journal.sequence).await?;
    let entry_id = Uuid::new_v5(&id, b"entry");
    work.decide::<Invoice>(
        &id.to_string(),
        InvoiceCommand::PostInvoice {
            expected_version,
            number: number.clone(),
            entry: entry_id,
        },
    )
    .await?;
    let invoice = work.get::<Invoice>(&id.to_string()).await?;
    let entry = invoice
        .entry(id, entry_id, journal_code.clone(), &number, &accounts)
        .ok_or_else(|| not_found("invoice", id, &["input", "id"]))?;
    let residual = invoice.residual();
    work.decide::<Period>(
        &PeriodId::of(entry.date).to_string(),
        PeriodCommand::PostEntry {
            period: PeriodId::of(entry.date),
            entry: entry.clone(),
        },
    )
    .await?;
    if let Some(original) = reverses {
        let open = work.get::<Invoice>(&original.to_string()).await?.residual();
        let amount = open.min(residual);
        if amount > Decimal::ZERO {
            let date = entry.date;
            work.decide::<Invoice>(
                &original.to_string(),
                InvoiceCommand::MatchInvoice {
                    with: id,
                    amount,
                    date,
                },
            )
            .await?;
            work.decide::<Invoice>(
                &id.to_string(),
                InvoiceCommand::MatchInvoice {
                    with: original,
                    amount,
                    date,
                },
            )
            .await?;
        }
    }
    Ok(number)
}

/// Cancels draft invoice `id`; an order it billed can bill those quantities again.
pub async fn cancel_invoice(
    work: &mut Work,
    id: Uuid,
    expected_version: Option<u64>,
) -> Result<(), Failure> {
    invoice_kind(work, id).await?;
    let order = work
        .get::<Invoice>(&id.to_string())
        .await?
        .draft()
        .and_then(|d| d.order);
    let events = work
        .decide::<Invoice>(
            &id.to_string(),
            InvoiceCommand::CancelInvoice { expected_version },
        )
        .await?;
    if let (Some(order), false) = (order, events.is_empty()) {
        work.decide::<Order>(
            &order.to_string(),
            OrderCommand::ReleaseInvoice { invoice: id },
        )
        .await?;
    }
    Ok(())
}

/// A payment: money in (or out of) a bank journal, set against posted documents.
#[derive(Debug, Clone)]
pub struct PaymentInput {
    pub journal: Code,
    pub partner: Uuid,
    pub date: NaiveDate,
    pub amount: Decimal,
    pub allocations: Vec<Allocation>,
    pub reference: String,
}

/// Registers payment `id`: its entry (bank against receivable or payable) goes into its
/// month, and each document it pays is matched.
pub async fn register_payment(
    work: &mut Work,
    settings: &Settings,
    id: Uuid,
    input: &PaymentInput,
) -> Result<String, Failure> {
    let journal = settings
        .journal_of_kind(&input.journal, "journal", JournalKind::Bank)
        .map_err(|e| {
            Failure::refused(ErrorCode::Invalid, e.to_string()).at(&["input", "journal"])
        })?
        .clone();
    let bank = journal
        .account
        .clone()
        .ok_or_else(|| missing("bank account of the journal", &["input", "journal"]))?;
    let allocated: Decimal = input.allocations.iter().map(|a| a.amount).sum();
    if input.allocations.is_empty() || allocated != input.amount {
        return Err(Failure::refused(
            ErrorCode::Invalid,
            format!(
                "a payment is set against the documents it pays: the allocations add up to {allocated}, the payment is {}",
                input.amount
            ),
        )
        .at(&["input", "allocations"]));
    }
    let mut sign = None;
    for (n, allocation) in input.allocations.iter().enumerate() {
        let n = n.to_string();
        let field = ["input", "allocations", n.as_str(), "invoice"];
        let invoice = work.get::<Invoice>(&allocation.invoice.to_string()).await?;
        let draft = invoice
            .draft()
            .ok_or_else(|| not_found("invoice", allocation.invoice, &field))?;
        if draft.partner != input.partner {
            return Err(Failure::refused(
                ErrorCode::Invalid,
                "the document is another partner's",
            )
            .at(&field));
        }
        match sign {
            None => sign = Some((draft.kind.sign(), draft.kind.side())),
            Some(s) if s != (draft.kind.sign(), draft.kind.side()) => {
                return Err(Failure::refused(
                    ErrorCode::Invalid,
                    "one payment pays documents of one kind (invoices, bills, or credit notes to refund)",
                )
                .at(&field))
            }
            Some(_) => {}
        }
    }
    let Some((sign, side)) = sign else {
        return Err(Failure::internal("a payment with no allocation"));
    };
    let counterpart = match side {
        Side::Sale => settings.business.receivable_account.clone(),
        Side::Purchase => settings.business.payable_account.clone(),
    }
    .ok_or_else(|| missing("receivable or payable account", &[]))?;
    let period = PeriodId::of(input.date);
    claim_entry(work, id).await?;
    for (n, allocation) in input.allocations.iter().enumerate() {
        work.decide::<Invoice>(
            &allocation.invoice.to_string(),
            InvoiceCommand::MatchInvoice {
                with: id,
                amount: allocation.amount,
                date: input.date,
            },
        )
        .await
        .map_err(|f| f.at(&["input", "allocations", &n.to_string(), "amount"]))?;
    }
    let number = take_number(work, settings, &journal.sequence).await?;
    let label = if input.reference.is_empty() {
        number.clone()
    } else {
        input.reference.clone()
    };
    let entry = JournalEntry {
        id,
        journal: input.journal.clone(),
        number: number.clone(),
        date: input.date,
        reference: input.reference.clone(),
        origin: EntryOrigin::Payment {
            partner: input.partner,
            allocations: input.allocations.clone(),
        },
        lines: vec![
            EntryLine::signed(bank, None, &label, input.amount * sign),
            EntryLine::signed(
                counterpart,
                Some(input.partner),
                &label,
                -input.amount * sign,
            ),
        ],
    };
    work.decide::<Period>(
        &period.to_string(),
        PeriodCommand::PostEntry { period, entry },
    )
    .await
    .map_err(|f| f.at(&["input", "date"]))?;
    Ok(number)
}

/// A manual entry by an accountant.
#[derive(Debug, Clone)]
pub struct EntryInput {
    pub journal: Code,
    pub date: NaiveDate,
    pub reference: String,
    pub lines: Vec<EntryLine>,
}

pub async fn post_entry(
    work: &mut Work,
    settings: &Settings,
    id: Uuid,
    input: &EntryInput,
) -> Result<String, Failure> {
    let journal = settings
        .journals
        .get(&input.journal)
        .ok_or_else(|| {
            Failure::refused(
                ErrorCode::NotFound,
                format!("there is no journal '{}'", input.journal),
            )
            .at(&["input", "journal"])
        })?
        .clone();
    for (n, line) in input.lines.iter().enumerate() {
        if !settings.accounts.contains_key(&line.account) {
            return Err(Failure::refused(
                ErrorCode::NotFound,
                format!("there is no account '{}'", line.account),
            )
            .at(&["input", "lines", &n.to_string(), "account"]));
        }
        if let Some(partner) = line.partner {
            if work
                .get::<Partner>(&partner.to_string())
                .await?
                .details()
                .is_none()
            {
                return Err(not_found(
                    "partner",
                    partner,
                    &["input", "lines", &n.to_string(), "partner"],
                ));
            }
        }
    }
    let period = PeriodId::of(input.date);
    claim_entry(work, id).await?;
    let mut entry = JournalEntry {
        id,
        journal: input.journal.clone(),
        number: String::new(),
        date: input.date,
        reference: input.reference.clone(),
        origin: EntryOrigin::Manual,
        lines: input.lines.clone(),
    };
    entry.number = take_number(work, settings, &journal.sequence).await?;
    let number = entry.number.clone();
    work.decide::<Period>(
        &period.to_string(),
        PeriodCommand::PostEntry { period, entry },
    )
    .await
    .map_err(|f| match &f {
        Failure::Refused {
            code: ErrorCode::PeriodClosed,
            ..
        } => f.at(&["input", "date"]),
        _ => f.at(&["input", "lines"]),
    })?;
    Ok(number)
}

pub async fn close_period(work: &mut Work, period: PeriodId) -> Result<(), Failure> {
    work.decide::<Period>(&period.to_string(), PeriodCommand::ClosePeriod { period })
        .await?;
    Ok(())
}
