//! Over 600 lines: the documents' mutations are one object (drafts, lines, posting, credit
//! notes, payments), with their inputs.
//!
//! Invoices, bills, credit notes and payments in GraphQL.

use async_graphql::connection::{Connection, OpaqueCursor};
use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use chrono::NaiveDate;
use domain::configuration::{Code, Model, Right};
use domain::invoice::InvoiceKind;
use domain::ledger::Allocation;
use projections::invoice::{self as read_model, InvoiceFilter, InvoiceRow};
use projections::reports::Dates;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::business::{
    acting, date_or_today, lines, reading, seen_companies, LineInputObject, Operation,
};
use super::document::{Invoice, InvoiceKindName, InvoiceStateName, SideName};
use super::error::{internal, Problems, UserError, UserErrorCode};
use super::input::{where_partner, AsOfInput};
use super::page::{
    keyset_connection, order_of, InvoiceOrderField, SortBy, SortedCursor, TotalCount,
};
use super::partner::hidden_partner;
use super::payload::{payload, Payload};
use super::record::get_as_of;
use commands::business::{self, InvoiceInput, PaymentInput};
use commands::AppState;

use super::accounting::JournalEntry;

#[derive(InputObject, Default)]
pub struct InvoiceWhere {
    /// Customer invoices and credit notes (`SALE`), or vendor bills and refunds (`PURCHASE`).
    pub side: Option<SideName>,
    pub kind: Option<InvoiceKindName>,
    pub partner: Option<ID>,
    pub state: Option<InvoiceStateName>,
    /// Only documents with something left to pay.
    pub open: Option<bool>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

#[derive(Default)]
pub struct InvoiceQuery;

#[Object]
impl InvoiceQuery {
    /// One invoice, bill or credit note. With `asOf`, the document as it stood then, replayed
    /// from its events (null if it did not exist yet), with its lines, matches, partner and order
    /// as they stood then.
    async fn invoice(
        &self,
        ctx: &Context<'_>,
        id: ID,
        as_of: Option<AsOfInput>,
    ) -> Result<Option<Invoice>> {
        reading(ctx, Model::Invoice, "account").await?;
        let companies = seen_companies(ctx).await?;
        let past = as_of.is_some();
        let now = |pool, id| read_model::get_seen(pool, &companies, id);
        let found = get_as_of(
            ctx,
            &id,
            "an invoice",
            as_of,
            now,
            read_model::as_of,
            Invoice::from,
            Invoice::then,
        )
        .await?;
        // a document's company never changes: the one it belongs to now is the one it had then.
        let Some(invoice) = found.filter(|invoice| companies.sees(&invoice.0.company)) else {
            return Ok(None);
        };
        // shown as it stood then only to those the record rules let see it now.
        if past && companies.is_ruled() {
            let state = ctx.data::<AppState>()?;
            let seen = read_model::get_seen(state.reads(), &companies, invoice.0.id)
                .await
                .map_err(|e| internal(ctx, e))?;
            if seen.is_none() {
                return Ok(None);
            }
        }
        Ok(Some(invoice))
    }

    /// Invoices, bills and credit notes, newest first unless sorted otherwise, a page at a
    /// time.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity + 1")]
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(name = "where")] filter: Option<InvoiceWhere>,
        order_by: Option<SortBy<InvoiceOrderField>>,
    ) -> Result<Connection<OpaqueCursor<SortedCursor>, Invoice, TotalCount>> {
        reading(ctx, Model::Invoice, "account").await?;
        let order = order_of(&read_model::LIST, order_by)?;
        let filter = filter.unwrap_or_default();
        let filter = InvoiceFilter {
            side: filter.side.map(Into::into),
            kind: filter.kind.map(Into::into),
            partner: where_partner(filter.partner.as_ref())?,
            state: filter.state.map(Into::into),
            open: filter.open,
            dates: Dates {
                from: filter.from,
                to: filter.to,
            },
        };
        keyset_connection(
            ctx,
            after,
            first,
            &read_model::LIST,
            filter,
            order,
            Invoice::from,
        )
        .await
    }
}

#[derive(InputObject)]
pub struct CreateInvoiceInput {
    pub id: Option<ID>,
    pub kind: InvoiceKindName,
    pub partner: ID,
    /// Defaults to today.
    pub date: Option<NaiveDate>,
    /// Defaults to the date plus the settings' payment days.
    pub due_date: Option<NaiveDate>,
    #[graphql(default)]
    pub reference: String,
    pub lines: Vec<LineInputObject>,
}

#[derive(InputObject)]
pub struct UpdateInvoiceLinesInput {
    pub id: ID,
    pub expected_version: Option<i64>,
    pub lines: Vec<LineInputObject>,
}

#[derive(InputObject)]
pub struct InvoiceIdInput {
    pub id: ID,
    pub expected_version: Option<i64>,
}

/// A credit note for a posted invoice (or bill): by default its every line, or the lines given.
#[derive(InputObject)]
pub struct CreateCreditNoteInput {
    pub id: Option<ID>,
    /// The posted invoice or bill it reverses.
    pub invoice: ID,
    pub date: Option<NaiveDate>,
    #[graphql(default)]
    pub reference: String,
    /// What is credited; defaults to the whole invoice.
    pub lines: Option<Vec<LineInputObject>>,
}

/// An open credit note set against an invoice (or bill) of its partner.
#[derive(InputObject)]
pub struct ApplyCreditNoteInput {
    /// A posted credit note with credit still open.
    pub credit_note: ID,
    /// A posted invoice (or bill) of the same partner, side and company.
    pub invoice: ID,
    /// How much; left out, all that both still have open.
    pub amount: Option<Decimal>,
    /// Defaults to today; on or after both documents' dates.
    pub date: Option<NaiveDate>,
}

#[derive(InputObject)]
pub struct AllocationInput {
    pub invoice: ID,
    pub amount: Decimal,
}

#[derive(InputObject)]
pub struct RegisterPaymentInput {
    /// The payment's id (it is its entry's), if the client chooses it: the same payment sent
    /// twice is registered once.
    pub id: Option<ID>,
    /// A bank journal.
    pub journal: String,
    pub partner: ID,
    pub date: Option<NaiveDate>,
    pub amount: Decimal,
    /// The documents it pays; the amounts add up to the payment's.
    pub allocations: Vec<AllocationInput>,
    #[graphql(default)]
    pub reference: String,
}

#[derive(SimpleObject)]
pub struct PaymentPayload {
    /// The payment's entry number.
    pub number: Option<String>,
    /// The payment: its journal entry, as `journalEntry(id)` reads it back and
    /// `journalEntries(where: { origin: PAYMENT })` lists it.
    pub payment: Option<JournalEntry>,
    /// The documents paid, as they now stand.
    pub invoices: Vec<Invoice>,
    pub user_errors: Vec<UserError>,
}

payload!(InvoicePayload { invoice: Invoice, user_errors } from InvoiceRow => Invoice::from);

/// The invoice as it now stands, with the user errors of what was run.
async fn answer(
    ctx: &Context<'_>,
    id: Uuid,
    user_errors: Vec<UserError>,
) -> Result<InvoicePayload> {
    let state = ctx.data::<AppState>()?;
    let companies = super::business::answered_by(ctx, &user_errors).await?;
    InvoicePayload::reload(
        ctx,
        user_errors,
        read_model::get_seen(state.reads(), &companies, id),
    )
    .await
}

/// Invoice `id`, if it belongs to one of the signed-in user's companies.
async fn seen(ctx: &Context<'_>, id: Uuid) -> Result<Option<InvoiceRow>> {
    let state = ctx.data::<AppState>()?;
    let companies = seen_companies(ctx).await?;
    read_model::get_seen(state.reads(), &companies, id)
        .await
        .map_err(|e| internal(ctx, e))
}

/// What a document one cannot see answers, as one that does not exist.
fn no_invoice(field: &[&str]) -> UserError {
    UserError::new(field, "no invoice with this id", UserErrorCode::NotFound)
}

async fn create(ctx: &Context<'_>, id: Uuid, input: InvoiceInput) -> Result<InvoicePayload> {
    let acting = acting(ctx, Model::Invoice, Right::Create, "account").await?;
    let (_, user_errors) = acting
        .run(
            ctx,
            "DraftInvoice",
            (id, input),
            |work, settings, (id, input)| {
                Box::pin(async move { business::create_invoice(work, settings, id, &input).await })
            },
        )
        .await?;
    answer(ctx, id, user_errors).await
}

/// Runs `operation` as `command` on the invoice `input` names, at the version it gives.
async fn on_invoice<T: Send + 'static>(
    ctx: &Context<'_>,
    input: InvoiceIdInput,
    command: &str,
    operation: Operation<(Uuid, Option<u64>), T>,
) -> Result<InvoicePayload> {
    let acting = acting(ctx, Model::Invoice, Right::Write, "account").await?;
    let mut problems = Problems::default();
    let id = problems.uuid(&["input", "id"], &input.id, "invoice");
    let expected = problems.expected(input.expected_version);
    let Some((id, expected)) = id.zip(expected) else {
        return Ok(InvoicePayload::refused(problems.0));
    };
    if seen(ctx, id).await?.is_none() {
        return Ok(InvoicePayload::refused(vec![no_invoice(&["input", "id"])]));
    }
    let (_, user_errors) = acting.run(ctx, command, (id, expected), operation).await?;
    answer(ctx, id, user_errors).await
}

#[derive(Default)]
pub struct InvoiceMutation;

#[Object]
impl InvoiceMutation {
    /// A draft invoice, bill or credit note not made from an order.
    async fn create_invoice(
        &self,
        ctx: &Context<'_>,
        input: CreateInvoiceInput,
    ) -> Result<InvoicePayload> {
        let mut problems = Problems::default();
        let id = problems.new_id(&input.id, "invoice");
        let partner = problems.uuid(&["input", "partner"], &input.partner, "partner");
        let lines = lines(&mut problems, &input.lines);
        let acting = acting(ctx, Model::Invoice, Right::Create, "account").await?;
        if let Some(partner) = partner {
            problems
                .0
                .extend(hidden_partner(ctx, partner, &["input", "partner"]).await?);
        }
        let (id, partner) = match problems.finish(id.zip(partner)) {
            Ok(parsed) => parsed,
            Err(errors) => return Ok(InvoicePayload::refused(errors)),
        };
        let input = InvoiceInput {
            kind: input.kind.into(),
            partner,
            date: date_or_today(input.date),
            due_date: input.due_date,
            lines,
            reverses: None,
            reference: input.reference.trim().to_owned(),
            company: acting.company()?,
        };
        create(ctx, id, input).await
    }

    /// A draft credit note reversing a posted invoice or bill, all of it or the lines given.
    /// Posting it sets it against the document it reverses. The credit notes of a document add
    /// up to its total at most; one of all its lines lets an order it billed bill them again.
    async fn create_credit_note(
        &self,
        ctx: &Context<'_>,
        input: CreateCreditNoteInput,
    ) -> Result<InvoicePayload> {
        let state = ctx.data::<AppState>()?;
        let mut problems = Problems::default();
        let id = problems.new_id(&input.id, "credit note");
        let original = problems.uuid(&["input", "invoice"], &input.invoice, "invoice");
        let given = input.lines.as_ref().map(|l| lines(&mut problems, l));
        let (id, original) = match problems.finish(id.zip(original)) {
            Ok(parsed) => parsed,
            Err(errors) => return Ok(InvoicePayload::refused(errors)),
        };
        let Some(row) = seen(ctx, original).await? else {
            return Ok(InvoicePayload::refused(vec![no_invoice(&[
                "input", "invoice",
            ])]));
        };
        let lines = match given {
            Some(lines) => lines,
            None => {
                let rows = read_model::lines_of(state.reads(), &[original])
                    .await
                    .map_err(|e| internal(ctx, e))?;
                let mut problems = Problems::default();
                let lines = rows
                    .into_iter()
                    .map(|l| commands::business::LineInput {
                        product: l.product_id,
                        description: Some(l.description),
                        quantity: l.quantity,
                        unit_price: Some(l.unit_price),
                        discount: l.discount,
                        taxes: Some(
                            l.taxes
                                .iter()
                                .filter_map(|t| problems.code_at(&["input", "invoice"], t))
                                .collect(),
                        ),
                    })
                    .collect();
                if !problems.0.is_empty() {
                    return Ok(InvoicePayload::refused(problems.0));
                }
                lines
            }
        };
        let kind: InvoiceKind = row.kind.0;
        let input = InvoiceInput {
            kind: kind.credit_note(),
            partner: row.partner_id,
            date: date_or_today(input.date),
            due_date: None,
            lines,
            reverses: Some(original),
            reference: if input.reference.trim().is_empty() {
                row.number.clone().unwrap_or_default()
            } else {
                input.reference.trim().to_owned()
            },
            company: Code::parse(&row.company).map_err(|e| internal(ctx, e))?,
        };
        create(ctx, id, input).await
    }

    /// Replaces the lines of a draft not made from an order.
    async fn update_invoice_lines(
        &self,
        ctx: &Context<'_>,
        input: UpdateInvoiceLinesInput,
    ) -> Result<InvoicePayload> {
        let acting = acting(ctx, Model::Invoice, Right::Write, "account").await?;
        let mut problems = Problems::default();
        let id = problems.uuid(&["input", "id"], &input.id, "invoice");
        let expected = problems.expected(input.expected_version);
        let lines = lines(&mut problems, &input.lines);
        let (id, expected) = match problems.finish(id.zip(expected)) {
            Ok(parsed) => parsed,
            Err(errors) => return Ok(InvoicePayload::refused(errors)),
        };
        if seen(ctx, id).await?.is_none() {
            return Ok(InvoicePayload::refused(vec![no_invoice(&["input", "id"])]));
        }
        let change = (id, expected, lines);
        let (_, user_errors) = acting
            .run(
                ctx,
                "ReplaceInvoiceLines",
                change,
                |work, settings, (id, expected, lines)| {
                    Box::pin(async move {
                        business::replace_invoice_lines(work, settings, id, expected, &lines).await
                    })
                },
            )
            .await?;
        answer(ctx, id, user_errors).await
    }

    /// Posts a draft: it gets its number, its entry is written, and it never changes again.
    async fn post_invoice(
        &self,
        ctx: &Context<'_>,
        input: InvoiceIdInput,
    ) -> Result<InvoicePayload> {
        on_invoice(
            ctx,
            input,
            "PostInvoice",
            |work, settings, (id, expected)| {
                Box::pin(business::post_invoice(work, settings, id, expected))
            },
        )
        .await
    }

    /// Cancels a draft (a posted document is put right with a credit note).
    async fn cancel_invoice(
        &self,
        ctx: &Context<'_>,
        input: InvoiceIdInput,
    ) -> Result<InvoicePayload> {
        on_invoice(ctx, input, "CancelInvoice", |work, _, (id, expected)| {
            Box::pin(business::cancel_invoice(work, id, expected))
        })
        .await
    }

    /// Sets a credit note's open credit against another invoice (or bill) of the same partner:
    /// the invoice owes that much less, without a payment. Answers the invoice as it now stands.
    async fn apply_credit_note(
        &self,
        ctx: &Context<'_>,
        input: ApplyCreditNoteInput,
    ) -> Result<InvoicePayload> {
        let acting = acting(ctx, Model::Invoice, Right::Write, "account").await?;
        let mut problems = Problems::default();
        let note = problems.uuid(&["input", "creditNote"], &input.credit_note, "credit note");
        let invoice = problems.uuid(&["input", "invoice"], &input.invoice, "invoice");
        if input.amount.is_some_and(|a| a <= Decimal::ZERO) {
            problems.add(
                &["input", "amount"],
                "an amount set against an invoice is above zero",
                UserErrorCode::Invalid,
            );
        }
        for (id, field) in [(note, "creditNote"), (invoice, "invoice")] {
            // a document of a company the user does not work in is as one that does not exist.
            if let Some(id) = id {
                if seen(ctx, id).await?.is_none() {
                    problems.0.push(no_invoice(&["input", field]));
                }
            }
        }
        let (note, invoice) = match problems.finish(note.zip(invoice)) {
            Ok(parsed) => parsed,
            Err(errors) => return Ok(InvoicePayload::refused(errors)),
        };
        let date = date_or_today(input.date);
        let (_, user_errors) = acting
            .run(
                ctx,
                "ApplyCreditNote",
                (note, invoice, input.amount, date),
                |work, _, (note, invoice, amount, date)| {
                    Box::pin(business::apply_credit_note(
                        work, note, invoice, amount, date,
                    ))
                },
            )
            .await?;
        answer(ctx, invoice, user_errors).await
    }

    /// Registers a payment received (or made) and sets it against the documents it pays.
    async fn register_payment(
        &self,
        ctx: &Context<'_>,
        input: RegisterPaymentInput,
    ) -> Result<PaymentPayload> {
        let acting = acting(ctx, Model::Invoice, Right::Write, "account").await?;
        let mut problems = Problems::default();
        let id = problems.new_id(&input.id, "payment");
        let journal = problems.code_at(&["input", "journal"], &input.journal);
        let partner = problems.uuid(&["input", "partner"], &input.partner, "partner");
        let amount = match domain::money::amount(input.amount, 6) {
            Ok(amount) => Some(amount),
            Err(e) => {
                problems.add(
                    &["input", "amount"],
                    format!("the amount {e}"),
                    UserErrorCode::Invalid,
                );
                None
            }
        };
        let mut allocations = Vec::with_capacity(input.allocations.len());
        for (n, a) in input.allocations.iter().enumerate() {
            let n = n.to_string();
            let invoice = problems.uuid(
                &["input", "allocations", &n, "invoice"],
                &a.invoice,
                "invoice",
            );
            if a.amount <= Decimal::ZERO {
                problems.add(
                    &["input", "allocations", &n, "amount"],
                    "an allocated amount is above zero",
                    UserErrorCode::Invalid,
                );
            }
            if let Some(invoice) = invoice {
                // a document of a company the user does not work in is as one that does not
                // exist.
                if seen(ctx, invoice).await?.is_none() {
                    problems
                        .0
                        .push(no_invoice(&["input", "allocations", &n, "invoice"]));
                }
                allocations.push(Allocation {
                    invoice,
                    amount: a.amount,
                });
            }
        }
        if let Some(partner) = partner {
            problems
                .0
                .extend(hidden_partner(ctx, partner, &["input", "partner"]).await?);
        }
        if let Some(id) = id {
            problems
                .0
                .extend(super::accounting::entry_taken(ctx, id).await?);
        }
        let parsed = problems.finish(id.zip(journal).zip(partner).zip(amount));
        let (((id, journal), partner), amount) = match parsed {
            Ok(parsed) => parsed,
            Err(user_errors) => {
                return Ok(PaymentPayload {
                    number: None,
                    payment: None,
                    invoices: vec![],
                    user_errors,
                })
            }
        };
        let payment = PaymentInput {
            journal,
            partner,
            date: date_or_today(input.date),
            amount,
            allocations: allocations.clone(),
            reference: input.reference.trim().to_owned(),
        };
        let (number, user_errors) = acting
            .run(
                ctx,
                "RegisterPayment",
                (id, payment),
                |work, settings, (id, payment)| {
                    Box::pin(async move {
                        business::register_payment(work, settings, id, &payment).await
                    })
                },
            )
            .await?;
        let state = ctx.data::<AppState>()?;
        let payment = match user_errors.is_empty() {
            true => projections::journal::get(state.reads(), &seen_companies(ctx).await?, id, None)
                .await
                .map_err(|e| internal(ctx, e))?
                .map(JournalEntry::from),
            false => None,
        };
        let mut invoices = Vec::new();
        for a in &allocations {
            if let Some(row) = read_model::get(state.reads(), a.invoice)
                .await
                .map_err(|e| internal(ctx, e))?
            {
                invoices.push(Invoice::from(row));
            }
        }
        let invoices = super::document::seen_invoices(ctx, invoices).await?;
        Ok(PaymentPayload {
            number,
            payment,
            invoices,
            user_errors,
        })
    }
}
