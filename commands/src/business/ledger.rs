//! The books outside documents: payments set against documents, manual entries, period
//! closes, and stock counts.

use chrono::NaiveDate;
use domain::configuration::{Code, JournalKind, Settings};
use domain::invoice::{Invoice, InvoiceCommand};
use domain::ledger::{
    Allocation, EntryLine, EntryOrigin, JournalEntry, Period, PeriodCommand, PeriodId,
};
use domain::order::Side;
use domain::product::{Product, ProductKind};
use domain::stock::{Stock, StockCommand};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::error::{ErrorCode, Failure};
use crate::work::Work;

use super::{
    account_owner, claim_entry, decimals_of, fits, in_books, missing, not_found, not_in_company,
    partner_of, take_number,
};

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
    super::business_date(input.date, &["input", "date"])?;
    let journal = settings
        .journal_of_kind(&input.journal, "journal", JournalKind::Bank)
        .map_err(|e| Failure::refused(ErrorCode::Invalid, e.to_string()).at(&["input", "journal"]))?
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
    let mut company: Option<Code> = None;
    for (n, allocation) in input.allocations.iter().enumerate() {
        let n = n.to_string();
        let field = ["input", "allocations", n.as_str(), "invoice"];
        let invoice = work.get::<Invoice>(&allocation.invoice.to_string()).await?;
        let draft = invoice
            .draft()
            .ok_or_else(|| not_found("invoice", allocation.invoice, &field))?;
        if draft.partner != input.partner {
            return Err(
                Failure::refused(ErrorCode::Invalid, "the document is another partner's")
                    .at(&field),
            );
        }
        super::not_before(input.date, invoice, "the payment")?;
        match &company {
            None => company = Some(draft.company.clone()),
            Some(c) if *c != draft.company => {
                return Err(Failure::refused(
                    ErrorCode::Invalid,
                    "one payment pays documents of one company",
                )
                .at(&field))
            }
            Some(_) => {}
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
    let business = settings.business_for(company.as_ref().unwrap_or(&Code::main_company()));
    let counterpart = match side {
        Side::Sale => business.receivable_account.clone(),
        Side::Purchase => business.payable_account.clone(),
    }
    .ok_or_else(|| missing("receivable or payable account", &[]))?;
    // the journal and the accounts are the books of the company of the documents paid.
    if let Some(company) = &company {
        journal_in_books(&input.journal, &journal, company)?;
        for account in [&bank, &counterpart] {
            in_books(
                ("account", account),
                account_owner(settings, account),
                company,
                &["input", "journal"],
            )?;
        }
    }
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
        // the books of the company whose documents it pays.
        company: company.unwrap_or_else(Code::main_company),
    };
    work.decide::<Period>(
        &period.stream_of(&entry.company),
        PeriodCommand::PostEntry { period, entry },
    )
    .await
    .map_err(|f| f.at(&["input", "date"]))?;
    Ok(number)
}

/// Nothing, if journal `code` (given as `input.journal`) may be used in `company`'s books.
fn journal_in_books(
    code: &Code,
    journal: &domain::configuration::Journal,
    company: &Code,
) -> Result<(), Failure> {
    in_books(
        ("journal", code),
        journal.company.as_ref(),
        company,
        &["input", "journal"],
    )
}

/// A manual entry by an accountant.
#[derive(Debug, Clone)]
pub struct EntryInput {
    /// The company whose books the entry is in.
    pub company: Code,
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
    super::business_date(input.date, &["input", "date"])?;
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
    let company = &input.company;
    journal_in_books(&input.journal, &journal, company)?;
    let decimals = decimals_of(settings, company);
    for (n, line) in input.lines.iter().enumerate() {
        let n = n.to_string();
        for (side, amount) in [("debit", line.debit), ("credit", line.credit)] {
            if amount > domain::money::AMOUNT_MAX {
                return Err(Failure::refused(
                    ErrorCode::Invalid,
                    format!("an amount is at most {}", domain::money::AMOUNT_MAX),
                )
                .at(&["input", "lines", n.as_str(), side]));
            }
            if amount.normalize().scale() > decimals {
                return Err(Failure::refused(
                    ErrorCode::Invalid,
                    format!("{amount} has more decimals than the company's currency ({decimals})"),
                )
                .at(&["input", "lines", n.as_str(), side]));
            }
        }
        let field = ["input", "lines", n.as_str(), "account"];
        let Some(account) = settings.accounts.get(&line.account) else {
            return Err(Failure::refused(
                ErrorCode::NotFound,
                format!("there is no account '{}'", line.account),
            )
            .at(&field));
        };
        // what a partner owes, or is owed, is what its documents leave open: a line by hand
        // would be in the account and in no aged balance.
        if matches!(
            account.kind,
            domain::configuration::AccountKind::Receivable
                | domain::configuration::AccountKind::Payable
        ) {
            return Err(Failure::refused(
                ErrorCode::Invalid,
                format!(
                    "account '{}' is a receivable or payable account: what stands on it comes \
                     from invoices, bills, credit notes and payments, so that the aged balance \
                     is the account's",
                    line.account
                ),
            )
            .at(&field));
        }
        in_books(
            ("account", &line.account),
            account_owner(settings, &line.account),
            company,
            &field,
        )?;
        if let Some(partner) = line.partner {
            let field = ["input", "lines", n.as_str(), "partner"];
            partner_of(work, partner, company, &field).await?;
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
        company: input.company.clone(),
    };
    entry.number = take_number(work, settings, &journal.sequence).await?;
    let number = entry.number.clone();
    work.decide::<Period>(
        &period.stream_of(&entry.company),
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

/// Closes month `period` of `company`'s books, once it is over (`today` is after it): a month
/// still running, or one of the years no business has, is refused.
pub async fn close_period(
    work: &mut Work,
    company: Code,
    period: PeriodId,
    today: NaiveDate,
) -> Result<(), Failure> {
    let refused = |message: String| {
        Err(Failure::refused(ErrorCode::Invalid, message).at(&["input", "period"]))
    };
    if !super::YEARS.contains(&period.year) {
        return refused(format!(
            "{period} is not a month of business: the years are {} to {}",
            super::YEARS.start(),
            super::YEARS.end()
        ));
    }
    if PeriodId::of(today) <= period {
        return refused(format!(
            "{period} is not over: a month is closed once it has ended (today is {today})"
        ));
    }
    work.decide::<Period>(
        &period.stream_of(&company),
        PeriodCommand::ClosePeriod { period },
    )
    .await?;
    Ok(())
}

/// Opens month `period` of `company`'s books again, closed by mistake or to put an entry right.
pub async fn reopen_period(
    work: &mut Work,
    company: Code,
    period: PeriodId,
) -> Result<(), Failure> {
    work.decide::<Period>(
        &period.stream_of(&company),
        PeriodCommand::ReopenPeriod { period },
    )
    .await
    .map_err(|f| f.at(&["input", "period"]))?;
    Ok(())
}

/// Counts product `product`'s stock in `company`'s warehouse: the difference goes to inventory
/// loss.
pub async fn count_stock(
    work: &mut Work,
    company: Code,
    product: Uuid,
    id: Uuid,
    counted: Decimal,
    date: NaiveDate,
) -> Result<(), Failure> {
    super::business_date(date, &["input", "date"])?;
    let found = work.get::<Product>(&product.to_string()).await?;
    let details = found.details();
    // another company's product is, for this company's warehouse, no product at all.
    if details.is_some_and(|d| !fits(d.company.as_ref(), &company)) {
        return Err(not_in_company(
            "product",
            product,
            &company,
            &["input", "product"],
        ));
    }
    match details.map(|d| d.kind) {
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
        &domain::stock::stream_id(&company, product),
        StockCommand::CountStock {
            id,
            counted,
            date,
            company,
        },
    )
    .await?;
    Ok(())
}
