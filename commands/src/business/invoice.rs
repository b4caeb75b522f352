//! Invoices, bills and credit notes: from an order or on their own, their lines, posting
//! (number, entry, matching a credit note), cancelling.

use chrono::{Days, NaiveDate};
use domain::configuration::{BusinessSettings, Code, Settings};
use domain::invoice::{
    Invoice, InvoiceCommand, InvoiceDraft, InvoiceError, InvoiceKind, InvoiceLine, InvoiceState,
    PostingAccounts,
};
use domain::ledger::{Numbering, Period, PeriodCommand, PeriodId};
use domain::money::{Line, Totals};
use domain::order::{Order, OrderCommand, OrderEvent, Side};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::error::{ErrorCode, Failure};
use crate::work::Work;

use super::order::order_on;
use super::{
    account_owner, build_line, check_partner, decimals_of, in_books, missing, not_found,
    take_number, LineInput,
};

fn line_account(business: &BusinessSettings, side: Side) -> Result<Code, Failure> {
    match side {
        Side::Sale => business.income_account.clone(),
        Side::Purchase => business.expense_account.clone(),
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

fn due_date(business: &BusinessSettings, date: NaiveDate, due: Option<NaiveDate>) -> NaiveDate {
    due.unwrap_or_else(|| {
        date.checked_add_days(Days::new(u64::from(business.payment_days)))
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
    super::business_date(date, &["input", "date"])?;
    let order = order_on(work, id, side).await?.clone();
    // what an order bills is the order's company's, on its business settings.
    let company = order.company().cloned().unwrap_or_else(Code::main_company);
    let business = settings.business_for(&company);
    let events = work
        .decide::<Order>(
            &id.to_string(),
            OrderCommand::InvoiceOrder {
                invoice,
                policy: business.invoice_policy,
            },
        )
        .await?;
    let Some(OrderEvent::OrderInvoiced { quantities, .. }) = events.into_iter().next() else {
        return Ok(());
    };
    let account = line_account(business, side)?;
    in_books(
        ("account", &account),
        account_owner(settings, &account),
        &company,
        &[],
    )?;
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
                due_date: due_date(business, date, None),
                decimals: order.decimals(),
                lines,
                order: Some(id),
                reverses: None,
                reference: order.number().unwrap_or_default().to_owned(),
                company,
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
    /// The company the document belongs to (a credit note: the one of what it reverses).
    pub company: Code,
}

pub async fn create_invoice(
    work: &mut Work,
    settings: &Settings,
    id: Uuid,
    input: &InvoiceInput,
) -> Result<(), Failure> {
    let side = input.kind.side();
    super::business_date(input.date, &["input", "date"])?;
    if let Some(due) = input.due_date {
        super::business_date(due, &["input", "dueDate"])?;
    }
    check_partner(work, input.partner, side, &input.company).await?;
    let original = match input.reverses {
        Some(reversed) => Some(work.get::<Invoice>(&reversed.to_string()).await?.clone()),
        None => None,
    };
    if let Some(original) = &original {
        let fits = original.draft().is_some_and(|d| {
            d.kind.credit_note() == input.kind
                && !d.kind.is_credit_note()
                && d.partner == input.partner
                && d.company == input.company
        });
        if !fits || original.state() != Some(InvoiceState::Posted) {
            return Err(Failure::refused(
                ErrorCode::Invalid,
                "a credit note reverses a posted invoice (or bill) of the same partner and company",
            )
            .at(&["input", "invoice"]));
        }
        super::not_before(input.date, original, "the credit note")?;
    }
    let lines = invoice_lines(work, settings, (side, &input.company), &input.lines).await?;
    if let Some(original) = &original {
        // said at once rather than at posting, where it is decided (other drafts may be
        // posted first).
        let total = Totals::of_lines(&lines, decimals_of(settings, &input.company)).total;
        let creditable = original.creditable();
        if total > creditable {
            return Err(
                Failure::from(InvoiceError::OverCredited { total, creditable })
                    .at(&["input", "invoice"]),
            );
        }
    }
    work.decide::<Invoice>(
        &id.to_string(),
        InvoiceCommand::DraftInvoice {
            draft: InvoiceDraft {
                kind: input.kind,
                partner: input.partner,
                date: input.date,
                due_date: due_date(
                    settings.business_for(&input.company),
                    input.date,
                    input.due_date,
                ),
                decimals: decimals_of(settings, &input.company),
                lines,
                order: None,
                reverses: input.reverses,
                reference: input.reference.clone(),
                company: input.company.clone(),
            },
        },
    )
    .await?;
    Ok(())
}

async fn invoice_lines(
    work: &mut Work,
    settings: &Settings,
    (side, company): (Side, &Code),
    lines: &[LineInput],
) -> Result<Vec<InvoiceLine>, Failure> {
    let account = line_account(settings.business_for(company), side)?;
    in_books(
        ("account", &account),
        account_owner(settings, &account),
        company,
        &["input", "lines"],
    )?;
    let mut built = Vec::with_capacity(lines.len());
    for (n, input) in lines.iter().enumerate() {
        let (line, _) = build_line(work, settings, (side, company), input, n).await?;
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
    let (kind, company) = invoice_kind(work, id).await?;
    let lines = invoice_lines(work, settings, (kind.side(), &company), lines).await?;
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

/// Invoice `id`'s kind and company.
async fn invoice_kind(work: &mut Work, id: Uuid) -> Result<(InvoiceKind, Code), Failure> {
    work.get::<Invoice>(&id.to_string())
        .await?
        .draft()
        .map(|d| (d.kind, d.company.clone()))
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
    let (kind, company) = invoice_kind(work, id).await?;
    let business = settings.business_for(&company);
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
    // the business settings' journal and accounts must be in the books of the document's
    // company.
    in_books(
        ("journal", journal_code),
        journal.company.as_ref(),
        &company,
        &[],
    )?;
    for account in [&accounts.counterpart, &accounts.tax] {
        in_books(
            ("account", account),
            account_owner(settings, account),
            &company,
            &[],
        )?;
    }
    // nothing is written unless everything below succeeds: a refused posting takes no number.
    let draft = work.get::<Invoice>(&id.to_string()).await?.draft().cloned();
    let reverses = draft.as_ref().and_then(|d| d.reverses);
    // the entry's id, new, and claimed as every entry's is (no other entry may take it).
    let entry_id = Uuid::now_v7();
    if let Some(draft) = &draft {
        // the numbering, the month and the entry's claim, read in one query when this process
        // knows them.
        use cqrs_es::Aggregate;
        work.prefetch(&[
            (Numbering::TYPE, journal.sequence.to_string()),
            (
                Period::TYPE,
                PeriodId::of(draft.date).stream_of(&draft.company),
            ),
            (
                domain::claim::Claim::TYPE,
                domain::claim::key_id(super::ENTRY_ID, &entry_id.to_string()),
            ),
        ])
        .await?;
    }
    let number = take_number(work, settings, &journal.sequence).await?;
    super::claim_entry(work, entry_id).await?;
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
        &PeriodId::of(entry.date).stream_of(&entry.company),
        PeriodCommand::PostEntry {
            period: PeriodId::of(entry.date),
            entry: entry.clone(),
        },
    )
    .await?;
    if let Some(original) = reverses {
        credit(work, original, id).await?;
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

/// Posted credit note `credit_note` credits document `original`: at most what is left of its
/// total. A credit note of the document's own lines reverses it as a whole, and an order it
/// billed can bill those quantities again.
async fn credit(work: &mut Work, original: Uuid, credit_note: Uuid) -> Result<(), Failure> {
    let note = work.get::<Invoice>(&credit_note.to_string()).await?;
    let total = note.totals().total;
    let lines = note.draft().map(|d| d.lines.clone()).unwrap_or_default();
    let reversed = work.get::<Invoice>(&original.to_string()).await?;
    let order = reversed
        .draft()
        .and_then(|d| d.order)
        .filter(|_| reversed.reversed_whole_by(&lines));
    work.decide::<Invoice>(
        &original.to_string(),
        InvoiceCommand::CreditInvoice { credit_note, total },
    )
    .await
    .map_err(|f| f.at(&["input", "id"]))?;
    if let Some(order) = order {
        work.decide::<Order>(
            &order.to_string(),
            OrderCommand::ReleaseInvoice { invoice: original },
        )
        .await?;
    }
    Ok(())
}

/// Sets `amount` of posted credit note `credit_note`'s open credit (all that both still have
/// open, if `None`) against posted document `invoice` of the same partner, side and company, on
/// `date` (on or after both): the invoice owes that much less, the credit note credits that much
/// less. No entry is written: both stand on the partner's receivable (payable) account, whose
/// balance is already the difference.
pub async fn apply_credit_note(
    work: &mut Work,
    credit_note: Uuid,
    invoice: Uuid,
    amount: Option<Decimal>,
    date: NaiveDate,
) -> Result<Decimal, Failure> {
    super::business_date(date, &["input", "date"])?;
    let note = work.get::<Invoice>(&credit_note.to_string()).await?.clone();
    let document = work.get::<Invoice>(&invoice.to_string()).await?.clone();
    let (Some(n), Some(d)) = (note.draft(), document.draft()) else {
        let field = if note.draft().is_none() {
            "creditNote"
        } else {
            "invoice"
        };
        return Err(not_found("document", credit_note, &["input", field]));
    };
    let refused = |message: &str, field: &str| {
        Err(Failure::refused(ErrorCode::Invalid, message).at(&["input", field]))
    };
    if !n.kind.is_credit_note() || note.state() != Some(InvoiceState::Posted) {
        return refused("this is not a posted credit note", "creditNote");
    }
    if d.kind.is_credit_note() || document.state() != Some(InvoiceState::Posted) {
        return refused("this is not a posted invoice or bill", "invoice");
    }
    if d.kind.credit_note() != n.kind || d.partner != n.partner || d.company != n.company {
        return refused(
            "a credit note is set against an invoice (or bill) of its own partner, side and company",
            "invoice",
        );
    }
    let amount = amount.unwrap_or_else(|| note.residual().min(document.residual()));
    if amount > note.residual() {
        return Err(Failure::refused(
            ErrorCode::Invalid,
            format!(
                "{amount} is more than the {} the credit note still credits",
                note.residual()
            ),
        )
        .at(&["input", "amount"]));
    }
    for (id, with) in [(invoice, credit_note), (credit_note, invoice)] {
        work.decide::<Invoice>(
            &id.to_string(),
            InvoiceCommand::SetOff { with, amount, date },
        )
        .await
        .map_err(|f| match &f {
            Failure::Refused { field, .. } if field.is_empty() => f.at(&["input", "amount"]),
            _ => f,
        })?;
    }
    Ok(amount)
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
