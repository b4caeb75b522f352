//! Over 600 lines: the books' part of the schema is one object, with every report's own types.
//!
//! The books and the reports in GraphQL: journal entries, manual entries, periods; the trial
//! balance, the general and partner ledgers, aged balances; sales and purchase analysis; stock
//! levels, valuation, moves and counts. Every report takes `asOf` to stand where the log stood
//! at a position or time.

use std::collections::BTreeMap;

use async_graphql::connection::{query_with, Connection, Edge, OpaqueCursor};
use async_graphql::{ComplexObject, Context, Enum, InputObject, Object, Result, SimpleObject, ID};
use chrono::{Datelike, Days, NaiveDate};
use domain::configuration::{AccountKind, Code, Conversion, Model, Right, Settings};
use domain::invoice::InvoiceKind;
use domain::ledger::{EntryLine, PeriodId};
use domain::money::round;
use domain::order::Side;
use projections::journal::{
    self, EntryFilter, EntryRow, ItemRow, LedgerItem, LedgerKey, OpeningBalance, Openings,
};
use projections::order::GroupBy;
use projections::page::Companies;
use projections::period::PeriodRow;
use projections::reports::Dates;
use projections::PgPool;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::auth::{actor, require_module};
use super::business::{
    acting, date_or_today, one_currency, padded, reading, report_companies, report_money,
    seen_companies, CompanyScope,
};
use super::configuration::objects::AccountObject;
use super::document::model_of;
use super::document::{Invoice, InvoiceKey};
use super::error::{internal, Problems, UserError, UserErrorCode};
use super::input::{page_size, parse_id, where_partner, AsOfInput};
use super::loader::{batch_keys, load_each, load_one};
use super::page::{
    forward_connection, invalid_cursor, keyset_connection, order_of, valid_cursor, EntryOrderField,
    SortBy, SortedCursor, TextCursor, TotalCount,
};
use super::partner::{Partner, PartnerKey};
use super::payload::{payload, Payload};
use super::product::{Product, ProductKey};
use super::record::record_id;
use super::record::{get_as_of, now_and_then, At, History, Whose};
use commands::business::{self, EntryInput};
use commands::AppState;
use projections::invoice::MatchRow;
use projections::stock::{Levels, StockLevel};

fn window(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<Dates> {
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            return Err(format!("from ({from}) is after to ({to})").into());
        }
    }
    Ok(Dates { from, to })
}

async fn point(
    ctx: &Context<'_>,
    input: Option<AsOfInput>,
) -> Result<Option<projections::log::AsOf>> {
    match input {
        Some(input) => Ok(Some(input.parse(ctx).await?)),
        None => Ok(None),
    }
}

/// Rounds to the decimals of the currency figures were converted into.
fn money_in(settings: &Settings, conversion: &Conversion) -> impl Fn(Decimal) -> Decimal {
    let decimals = settings
        .currencies
        .get(&conversion.currency)
        .map_or(2, |c| u32::from(c.decimals));
    move |amount| round(amount, decimals)
}

/// The refusal of entry id `id` if an entry of any company has it already.
pub async fn entry_taken(ctx: &Context<'_>, id: Uuid) -> Result<Option<UserError>> {
    let state = ctx.data::<AppState>()?;
    let taken = journal::exists(state.reads(), id)
        .await
        .map_err(|e| internal(ctx, e))?;
    Ok(taken.then(|| {
        UserError::new(
            &["input", "id"],
            format!("an entry with id {id} was posted already"),
            UserErrorCode::AlreadyExists,
        )
    }))
}

/// The most lines `generalLedger` and `partnerLedger` answer at once: beyond, a page at a
/// time or an export (an answer that grows with the books would, in time, not fit).
const LEDGER_LINES_MAX: usize = 10_000;

/// Refuses a ledger of more than [`LEDGER_LINES_MAX`] lines (`items` read up to one more),
/// saying how to read it `instead`.
fn within_bounds(items: &[LedgerItem], report: &str, instead: &str) -> Result<()> {
    if items.len() > LEDGER_LINES_MAX {
        return Err(
            format!("{report} would answer more than {LEDGER_LINES_MAX} lines: {instead}").into(),
        );
    }
    Ok(())
}

/// A ledger's items and opening balances in one currency: each company's amounts converted.
fn converted(
    conversion: &Conversion,
    mut items: Vec<LedgerItem>,
    mut openings: Vec<OpeningBalance>,
) -> (Vec<LedgerItem>, Vec<OpeningBalance>) {
    if conversion.converts() {
        for item in &mut items {
            item.debit = conversion.convert(&item.company, item.debit);
            item.credit = conversion.convert(&item.company, item.credit);
        }
        for opening in &mut openings {
            opening.balance = conversion.convert(&opening.company, opening.balance);
        }
    }
    (items, openings)
}

fn account_name(settings: &Settings, code: &str) -> String {
    domain::configuration::Code::parse(code)
        .ok()
        .and_then(|c| settings.accounts.get(&c))
        .map(|a| a.name.clone())
        .unwrap_or_default()
}

/// Codes of the accounts of `kinds`.
fn accounts_of(settings: &Settings, kinds: &[AccountKind]) -> Vec<String> {
    settings
        .accounts
        .iter()
        .filter(|(_, a)| kinds.contains(&a.kind))
        .map(|(code, _)| code.to_string())
        .collect()
}

/// One account's line of the trial balance.
#[derive(SimpleObject)]
pub struct TrialBalanceLine {
    pub account: String,
    pub name: String,
    /// Debit − credit before `from`.
    pub opening: Decimal,
    pub debit: Decimal,
    pub credit: Decimal,
    /// Debit − credit at `to`.
    pub balance: Decimal,
}

#[derive(SimpleObject)]
pub struct TrialBalance {
    /// The currency of its figures: the company's asked for (its children's converted at the
    /// rates of the last day), or of the company the request works in.
    pub currency: String,
    pub lines: Vec<TrialBalanceLine>,
    pub total_debit: Decimal,
    pub total_credit: Decimal,
    /// The sum of all balances: zero in books that balance.
    pub total_balance: Decimal,
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct LedgerLine {
    pub entry: ID,
    pub number: String,
    pub journal: String,
    pub date: NaiveDate,
    #[graphql(skip)]
    pub partner: Option<Uuid>,
    pub label: String,
    pub debit: Decimal,
    pub credit: Decimal,
    /// The account's (or partner's) balance after this line.
    pub balance: Decimal,
}

/// A page of an account's ledger: beside its lines, the balance before the first and after the
/// last, and how many lines the ledger has over the dates.
#[derive(SimpleObject)]
pub struct LedgerPageFields {
    pub total_count: i64,
    pub opening_balance: Decimal,
    pub closing_balance: Decimal,
}

impl LedgerLine {
    /// The line of `item`, after which the balance is `balance`.
    fn of(item: LedgerItem, balance: Decimal) -> Self {
        LedgerLine {
            entry: ID(item.entry_id.to_string()),
            number: item.number,
            journal: item.journal,
            date: item.entry_date,
            partner: item.partner_id,
            label: item.label,
            debit: item.debit,
            credit: item.credit,
            balance,
        }
    }
}

/// An account's (or a partner's) items over the period, with balances.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct LedgerAccount {
    /// The account code, or the partner id in the partner ledger (`account` and `partner`
    /// give the records).
    pub key: String,
    pub name: String,
    pub opening: Decimal,
    pub debit: Decimal,
    pub credit: Decimal,
    pub closing: Decimal,
    pub lines: Vec<LedgerLine>,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum AgedKind {
    /// What customers owe.
    Receivable,
    /// What the company owes suppliers.
    Payable,
}

/// One partner's open amounts, by how far past their due date they are at the aging date.
#[derive(SimpleObject, Default, Clone)]
#[graphql(complex)]
pub struct AgedLine {
    #[graphql(skip)]
    pub partner: Option<Uuid>,
    pub name: String,
    pub not_due: Decimal,
    pub days_0_to_30: Decimal,
    pub days_31_to_60: Decimal,
    pub days_61_to_90: Decimal,
    pub over_90: Decimal,
    pub total: Decimal,
}

#[derive(SimpleObject)]
pub struct AgedBalance {
    pub date: NaiveDate,
    /// The currency of its figures (as the trial balance's), at the rates of `date`.
    pub currency: String,
    pub lines: Vec<AgedLine>,
    /// The columns summed over all partners.
    pub totals: AgedLine,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "GroupBy")]
pub enum AnalysisGroup {
    /// By customer (or supplier).
    Partner,
    Product,
    /// By month of the order date (`2026-11`).
    Month,
}

#[derive(SimpleObject)]
pub struct AnalysisLine {
    /// The partner's or product's id, or the month.
    pub key: String,
    /// The partner's or product's name, or the month.
    pub name: String,
    pub orders: i64,
    pub quantity: Decimal,
    pub untaxed: Decimal,
    pub total: Decimal,
    pub delivered: Decimal,
    pub invoiced: Decimal,
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct StockLevelLine {
    #[graphql(skip)]
    pub product: Uuid,
    pub reference: String,
    pub name: String,
    pub uom: String,
    pub on_hand: Decimal,
    pub incoming: Decimal,
    pub outgoing: Decimal,
    /// On hand + incoming − outgoing.
    pub forecast: Decimal,
    pub cost: Decimal,
    /// On hand × cost, rounded to the currency: none when it is beyond what a figure holds.
    #[graphql(skip)]
    pub value: Option<Decimal>,
}

#[derive(SimpleObject)]
pub struct StockValuation {
    pub lines: Vec<StockLevelLine>,
    pub total_value: Decimal,
}

#[derive(SimpleObject)]
pub struct Period {
    /// `2026-11`.
    pub id: String,
    /// The code of the company whose books it is of.
    pub company: String,
    pub closed: bool,
    pub closed_by: Option<String>,
    pub entries: i64,
}

impl From<PeriodRow> for Period {
    fn from(row: PeriodRow) -> Self {
        Self {
            id: row.id,
            company: row.company,
            closed: row.closed,
            closed_by: row.closed_by,
            entries: row.entries,
        }
    }
}

/// A journal entry with its lines.
pub struct JournalEntry(pub EntryRow, pub At);

now_and_then!(JournalEntry(EntryRow));

/// A journal entry with its lines. A payment is one; its history is its posting and the
/// documents it was set against.
#[Object]
impl JournalEntry {
    async fn journal(&self) -> &str {
        &self.0.journal
    }

    /// The code of the company whose books the entry is in.
    async fn company(&self) -> &str {
        &self.0.company
    }

    async fn number(&self) -> &str {
        &self.0.number
    }

    async fn date(&self) -> NaiveDate {
        self.0.entry_date
    }

    async fn reference(&self) -> &str {
        &self.0.reference
    }

    /// What it was posted for.
    async fn origin(&self) -> EntryOriginName {
        self.0.origin.into()
    }

    /// The partner it is about (a payment's, an invoice's), as it now is.
    async fn partner(&self, ctx: &Context<'_>) -> Result<Option<Partner>> {
        partner(ctx, self.0.partner_id).await
    }

    /// Debit (= credit) of the entry, with at least the currency's decimals.
    async fn amount(&self, ctx: &Context<'_>) -> Decimal {
        padded(ctx, &self.0.company, self.0.amount).await
    }

    /// Where in the log it was recorded.
    async fn position(&self) -> i64 {
        self.0.position
    }

    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn lines(&self, ctx: &Context<'_>) -> Result<Vec<JournalItem>> {
        let company = &self.0.company;
        load_each(ctx, EntryLinesKey(self.0.id), |row| {
            JournalItem(row, company.clone())
        })
        .await
    }

    /// For a payment, the documents it paid and how much of each (as `registerPayment`'s
    /// `allocations` gave them).
    async fn allocations(&self, ctx: &Context<'_>) -> Result<Vec<Allocation>> {
        let company = &self.0.company;
        load_each(ctx, AllocationsKey(self.0.id), |row| {
            Allocation(row, company.clone())
        })
        .await
    }

    /// The entry's history: its posting and, for a payment, the documents it was set against.
    #[graphql(flatten)]
    async fn events(&self) -> History {
        History(Whose::Entry(self.0.id), self.1.point())
    }
}

/// Partner `id` (if any) as it now is.
async fn partner(ctx: &Context<'_>, id: Option<Uuid>) -> Result<Option<Partner>> {
    match id {
        Some(id) => load_one(ctx, PartnerKey(id), Partner::from).await,
        None => Ok(None),
    }
}

/// Account `code` as the chart of accounts now has it (null if it is not in the chart).
async fn account(ctx: &Context<'_>, code: &str) -> Result<Option<AccountObject>> {
    let state = ctx.data::<AppState>()?;
    let config = state.config.cached().await;
    let Ok(code) = domain::configuration::Code::parse(code) else {
        return Ok(None);
    };
    Ok(config
        .configuration
        .settings()
        .accounts
        .get(&code)
        .map(|a| AccountObject {
            code: code.to_string(),
            name: a.name.clone(),
            kind: a.kind.into(),
            company: a.company.as_ref().map(ToString::to_string),
        }))
}

#[ComplexObject]
impl LedgerLine {
    /// The customer or supplier the line is about.
    async fn partner(&self, ctx: &Context<'_>) -> Result<Option<Partner>> {
        partner(ctx, self.partner).await
    }
}

#[ComplexObject]
impl LedgerAccount {
    /// In the general ledger, the account.
    async fn account(&self, ctx: &Context<'_>) -> Result<Option<AccountObject>> {
        account(ctx, &self.key).await
    }

    /// In the partner ledger, the partner.
    async fn partner(&self, ctx: &Context<'_>) -> Result<Option<Partner>> {
        partner(ctx, parse_id(&ID(self.key.clone()))).await
    }
}

#[ComplexObject]
impl AgedLine {
    /// The partner (null on the totals line).
    async fn partner(&self, ctx: &Context<'_>) -> Result<Option<Partner>> {
        partner(ctx, self.partner).await
    }
}

#[ComplexObject]
impl StockLevelLine {
    async fn product(&self, ctx: &Context<'_>) -> Result<Option<Product>> {
        load_one(ctx, ProductKey(self.product), Product::from).await
    }

    /// On hand × cost, rounded to the currency.
    async fn value(&self) -> Result<Decimal> {
        self.value.ok_or_else(|| self.too_large())
    }
}

impl StockLevelLine {
    /// Why the line's value cannot be shown: an absurd count or cost, which the user can
    /// put right.
    fn too_large(&self) -> async_graphql::Error {
        async_graphql::Error::new(format!(
            "the value of {} ({} on hand × cost {}) is beyond what a figure holds: count its \
             stock again or correct its cost",
            self.reference, self.on_hand, self.cost
        ))
    }
}

/// A line of a journal entry, with the entry's company.
pub struct JournalItem(pub ItemRow, pub String);

#[Object]
impl JournalItem {
    async fn account(&self) -> &str {
        &self.0.account
    }

    async fn label(&self) -> &str {
        &self.0.label
    }

    async fn debit(&self, ctx: &Context<'_>) -> Decimal {
        padded(ctx, &self.1, self.0.debit).await
    }

    async fn credit(&self, ctx: &Context<'_>) -> Decimal {
        padded(ctx, &self.1, self.0.credit).await
    }

    /// The customer or supplier the line is about.
    async fn partner(&self, ctx: &Context<'_>) -> Result<Option<Partner>> {
        partner(ctx, self.0.partner_id).await
    }
}

batch_keys! {
    /// The lines of a journal entry, read with those of the other entries a list shows.
    EntryLinesKey => many ItemRow where entry_id, journal::items_of;
    /// What a payment was set against, read with those of the other payments a list shows.
    AllocationsKey => many MatchRow where with_id, projections::invoice::matches_with;
}

/// Part of a payment set against a document, with the payment's company.
pub struct Allocation(MatchRow, String);

#[Object]
impl Allocation {
    /// The invoice or bill paid, as it now is.
    async fn invoice(&self, ctx: &Context<'_>) -> Result<Option<Invoice>> {
        let invoice = load_one(ctx, InvoiceKey(self.0.invoice_id), Invoice::from).await?;
        super::document::seen_invoice(ctx, invoice).await
    }

    async fn amount(&self, ctx: &Context<'_>) -> Decimal {
        padded(ctx, &self.1, self.0.amount).await
    }
}

#[derive(Default)]
pub struct AccountingQuery;

#[Object]
impl AccountingQuery {
    /// Every account's balance before `from`, its debits and credits from `from` to `to`,
    /// and its balance at `to`. The balances sum to zero. With `accounts`, only theirs (and the
    /// totals are theirs).
    async fn trial_balance(
        &self,
        ctx: &Context<'_>,
        company: Option<CompanyScope>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        as_of: Option<AsOfInput>,
        #[graphql(default)] accounts: Vec<String>,
    ) -> Result<TrialBalance> {
        let actor = reading(ctx, Model::Accounting, "account").await?;
        let state = ctx.data::<AppState>()?;
        let dates = window(from, to)?;
        let (companies, conversion) = report_money(ctx, company, date_or_today(to)).await?;
        let as_of = point(ctx, as_of).await?;
        let rows = journal::trial_balance(state.reads(), &companies, dates, as_of, &accounts)
            .await
            .map_err(|e| internal(ctx, e))?;
        let settings = actor.config.configuration.settings();
        let m = money_in(settings, &conversion);
        // each company's figures in one currency, then summed by account.
        let mut by_account: BTreeMap<String, [Decimal; 3]> = BTreeMap::new();
        for r in rows {
            let sums = by_account.entry(r.account).or_default();
            for (sum, amount) in sums.iter_mut().zip([r.opening, r.debit, r.credit]) {
                *sum += conversion.convert(&r.company, amount);
            }
        }
        // the totals from the figures before rounding: converted books still balance (each
        // line rounded on its own may not add up to them by a cent).
        let [debits, credits, balances] =
            by_account
                .values()
                .fold([Decimal::ZERO; 3], |[d, c, b], [opening, debit, credit]| {
                    [d + debit, c + credit, b + opening + debit - credit]
                });
        let lines: Vec<TrialBalanceLine> = by_account
            .into_iter()
            .map(|(account, [opening, debit, credit])| {
                // each line adds up as shown: its balance from its rounded figures.
                let (opening, debit, credit) = (m(opening), m(debit), m(credit));
                TrialBalanceLine {
                    name: account_name(settings, &account),
                    balance: opening + debit - credit,
                    account,
                    opening,
                    debit,
                    credit,
                }
            })
            .collect();
        Ok(TrialBalance {
            currency: conversion.currency.to_string(),
            total_debit: m(debits),
            total_credit: m(credits),
            total_balance: m(balances),
            lines,
        })
    }

    /// Each account's items from `from` to `to` with running balances (all accounts, or
    /// those given).
    async fn general_ledger(
        &self,
        ctx: &Context<'_>,
        company: Option<CompanyScope>,
        accounts: Option<Vec<String>>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        as_of: Option<AsOfInput>,
    ) -> Result<Vec<LedgerAccount>> {
        let actor = reading(ctx, Model::Accounting, "account").await?;
        let state = ctx.data::<AppState>()?;
        let accounts = accounts.unwrap_or_default();
        let dates = window(from, to)?;
        let as_of = point(ctx, as_of).await?;
        let (companies, conversion) = report_money(ctx, company, date_or_today(to)).await?;
        let (items, openings) = tokio::try_join!(
            journal::ledger_items(
                state.reads(),
                &companies,
                &accounts,
                None,
                dates,
                as_of,
                LEDGER_LINES_MAX + 1
            ),
            journal::opening_balances(
                state.reads(),
                &companies,
                &accounts,
                dates.from,
                as_of,
                Openings::ByAccount
            ),
        )
        .map_err(|e| internal(ctx, e))?;
        within_bounds(
            &items,
            "generalLedger",
            "ask for fewer accounts or days, read one account a page at a time (ledgerLines), \
             or export it (GET /ledger.csv, erp ledger)",
        )?;
        let (items, openings) = converted(&conversion, items, openings);
        let settings = actor.config.configuration.settings();
        let mut opening: BTreeMap<String, Decimal> = BTreeMap::new();
        for o in openings {
            *opening.entry(o.account).or_default() += o.balance;
        }
        Ok(ledger(
            opening,
            items.into_iter().map(|i| (i.account.clone(), i)),
            |key| account_name(settings, key),
            money_in(settings, &conversion),
        ))
    }

    /// One account's items from `from` to `to`, a page at a time (`first`/`after`, at most 100
    /// a page), in the general ledger's order, each with the account's balance after it; the
    /// page says the balance before its first line (`openingBalance`) and after its last
    /// (`closingBalance`). The way to read a long ledger: a page costs the same wherever it is
    /// in the books (`generalLedger` answers at most 10,000 lines at once).
    #[allow(clippy::too_many_arguments)] // the arguments are the GraphQL field's
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity + 1")]
    async fn ledger_lines(
        &self,
        ctx: &Context<'_>,
        account: String,
        company: Option<CompanyScope>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        as_of: Option<AsOfInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<OpaqueCursor<LedgerKey>, LedgerLine, LedgerPageFields>> {
        let actor = reading(ctx, Model::Accounting, "account").await?;
        let state = ctx.data::<AppState>()?;
        let dates = window(from, to)?;
        let as_of = point(ctx, as_of).await?;
        let (companies, conversion) = report_money(ctx, company, date_or_today(to)).await?;
        one_currency(&conversion, "ledgerLines")?;
        let m = money_in(actor.config.configuration.settings(), &conversion);
        valid_cursor::<OpaqueCursor<LedgerKey>>(after.as_deref(), "after")?;
        query_with::<OpaqueCursor<LedgerKey>, _, _, _, _>(
            after,
            None,
            first,
            None,
            |after, _, first, _| async move {
                let limit = page_size(first)?;
                let had_after = after.is_some();
                let after = after.map(|c| c.0);
                // a cursor of this ledger over these dates (PostgreSQL has no year 0).
                if let Some(key) = &after {
                    let inside = (1..=9999).contains(&key.date.year())
                        && dates.from.is_none_or(|from| key.date >= from)
                        && dates.to.is_none_or(|to| key.date <= to);
                    if !inside {
                        return Err(invalid_cursor(
                            "after",
                            "is not a cursor of this ledger over these dates: start again without it",
                        ));
                    }
                }
                let page = journal::ledger_page(
                    state.reads(),
                    &companies,
                    &account,
                    dates,
                    as_of,
                    after,
                    limit,
                )
                .await
                .map_err(|e| internal(ctx, e))?;
                let mut balance = page.opening;
                let mut edges = Vec::with_capacity(page.items.rows.len());
                for paged in page.items.rows {
                    let key = paged.key();
                    let item = paged.item;
                    balance += item.debit - item.credit;
                    let mut line = LedgerLine::of(item, m(balance));
                    (line.debit, line.credit) = (m(line.debit), m(line.credit));
                    edges.push(Edge::new(OpaqueCursor(key), line));
                }
                let mut connection = Connection::with_additional_fields(
                    had_after,
                    page.items.has_more,
                    LedgerPageFields {
                        total_count: page.items.total_count,
                        opening_balance: m(page.opening),
                        closing_balance: m(balance),
                    },
                );
                connection.edges.extend(edges);
                Ok::<_, async_graphql::Error>(connection)
            },
        )
        .await
    }

    /// Each partner's receivable and payable items from `from` to `to`, with balances (all
    /// partners, or one).
    async fn partner_ledger(
        &self,
        ctx: &Context<'_>,
        company: Option<CompanyScope>,
        partner: Option<ID>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        as_of: Option<AsOfInput>,
    ) -> Result<Vec<LedgerAccount>> {
        let actor = reading(ctx, Model::Accounting, "account").await?;
        let state = ctx.data::<AppState>()?;
        let partner = match partner {
            Some(raw) => Some(parse_id(&raw).ok_or("partner is not a partner id")?),
            None => None,
        };
        let settings = actor.config.configuration.settings();
        let accounts = accounts_of(settings, &[AccountKind::Receivable, AccountKind::Payable]);
        if accounts.is_empty() {
            return Ok(vec![]);
        }
        let dates = window(from, to)?;
        let as_of = point(ctx, as_of).await?;
        let (companies, conversion) = report_money(ctx, company, date_or_today(to)).await?;
        let (items, openings) = tokio::try_join!(
            journal::ledger_items(
                state.reads(),
                &companies,
                &accounts,
                partner,
                dates,
                as_of,
                LEDGER_LINES_MAX + 1
            ),
            journal::opening_balances(
                state.reads(),
                &companies,
                &accounts,
                dates.from,
                as_of,
                Openings::ByPartner(partner)
            ),
        )
        .map_err(|e| internal(ctx, e))?;
        within_bounds(
            &items,
            "partnerLedger",
            "ask for one partner (partner) or fewer days",
        )?;
        let (items, openings) = converted(&conversion, items, openings);
        let mut opening: BTreeMap<String, Decimal> = BTreeMap::new();
        for o in openings {
            if let Some(p) = o
                .partner_id
                .filter(|p| partner.is_none_or(|want| want == *p))
            {
                *opening.entry(p.to_string()).or_default() += o.balance;
            }
        }
        let names = partner_names(
            state.reads(),
            opening.keys().cloned().chain(
                items
                    .iter()
                    .filter_map(|i| i.partner_id.map(|p| p.to_string())),
            ),
        )
        .await
        .map_err(|e| internal(ctx, e))?;
        Ok(ledger(
            opening,
            items
                .into_iter()
                .filter_map(|i| i.partner_id.map(|p| (p.to_string(), i))),
            |key| names.get(key).cloned().unwrap_or_default(),
            money_in(settings, &conversion),
        ))
    }

    /// What partners owe (or are owed) on `date` (default today), by how far past due.
    async fn aged_balance(
        &self,
        ctx: &Context<'_>,
        company: Option<CompanyScope>,
        kind: AgedKind,
        date: Option<NaiveDate>,
        as_of: Option<AsOfInput>,
    ) -> Result<AgedBalance> {
        let actor = reading(ctx, Model::Accounting, "account").await?;
        let state = ctx.data::<AppState>()?;
        let date = date_or_today(date);
        let (companies, conversion) = report_money(ctx, company, date).await?;
        let m = money_in(actor.config.configuration.settings(), &conversion);
        let kinds: &[InvoiceKind] = match kind {
            AgedKind::Receivable => &[
                InvoiceKind::CustomerInvoice,
                InvoiceKind::CustomerCreditNote,
            ],
            AgedKind::Payable => &[InvoiceKind::VendorBill, InvoiceKind::VendorCreditNote],
        };
        let open = projections::invoice::open_amounts(
            state.reads(),
            &companies,
            kinds,
            // what fell due before is all "over 90 days": one amount per partner.
            (date, date.checked_sub_days(Days::new(90)).unwrap_or(date)),
            point(ctx, as_of).await?,
        )
        .await
        .map_err(|e| internal(ctx, e))?;
        let mut by_partner: BTreeMap<Uuid, AgedLine> = BTreeMap::new();
        let mut totals = AgedLine::default();
        for d in &open {
            let line = by_partner.entry(d.partner_id).or_default();
            let late = date.signed_duration_since(d.due_date).num_days();
            for l in [&mut *line, &mut totals] {
                let bucket = match late {
                    ..=-1 => &mut l.not_due,
                    0..=30 => &mut l.days_0_to_30,
                    31..=60 => &mut l.days_31_to_60,
                    61..=90 => &mut l.days_61_to_90,
                    _ => &mut l.over_90,
                };
                let residual = conversion.convert(&d.company, d.amount);
                *bucket += residual;
                l.total += residual;
            }
        }
        let names = partner_names(state.reads(), by_partner.keys().map(ToString::to_string))
            .await
            .map_err(|e| internal(ctx, e))?;
        let mut lines: Vec<AgedLine> = by_partner
            .into_iter()
            .map(|(partner, mut line)| {
                line.name = names.get(&partner.to_string()).cloned().unwrap_or_default();
                line.partner = Some(partner);
                line
            })
            .collect();
        lines.sort_by(|a, b| a.name.cmp(&b.name));
        let rounded = |mut l: AgedLine| {
            for amount in [
                &mut l.not_due,
                &mut l.days_0_to_30,
                &mut l.days_31_to_60,
                &mut l.days_61_to_90,
                &mut l.over_90,
                &mut l.total,
            ] {
                *amount = m(*amount);
            }
            l
        };
        Ok(AgedBalance {
            date,
            currency: conversion.currency.to_string(),
            lines: lines.into_iter().map(rounded).collect(),
            totals: rounded(totals),
        })
    }

    /// Confirmed sales orders' lines dated from `from` to `to`, grouped.
    async fn sales_analysis(
        &self,
        ctx: &Context<'_>,
        group_by: AnalysisGroup,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        as_of: Option<AsOfInput>,
        company: Option<CompanyScope>,
    ) -> Result<Vec<AnalysisLine>> {
        analysis(ctx, Side::Sale, group_by, (from, to, as_of), company).await
    }

    /// Confirmed purchase orders' lines dated from `from` to `to`, grouped.
    async fn purchase_analysis(
        &self,
        ctx: &Context<'_>,
        group_by: AnalysisGroup,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        as_of: Option<AsOfInput>,
        company: Option<CompanyScope>,
    ) -> Result<Vec<AnalysisLine>> {
        analysis(ctx, Side::Purchase, group_by, (from, to, as_of), company).await
    }

    /// Each product's stock at `location` (default: the warehouse) on `date` (default: every
    /// move so far), with what confirmed orders will bring in and take out of the warehouse; by
    /// reference, a page at a time.
    #[allow(clippy::too_many_arguments)] // a list's page, filter, place and point in time
    async fn stock_levels(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(name = "where")] filter: Option<StockLevelWhere>,
        #[graphql(default)] location: StockLocation,
        date: Option<NaiveDate>,
        as_of: Option<AsOfInput>,
        company: Option<CompanyScope>,
    ) -> Result<Connection<OpaqueCursor<TextCursor>, StockLevelLine, TotalCount>> {
        let actor = reading(ctx, Model::Stock, "stock").await?;
        let products = match filter.and_then(|f| f.products) {
            Some(raw) => Some(
                raw.iter()
                    .map(|id| record_id(id, "a product"))
                    .collect::<Result<Vec<Uuid>>>()?,
            ),
            None => None,
        };
        let point = point(ctx, as_of).await?;
        let state = ctx.data::<AppState>()?;
        let products = products.as_deref();
        let companies = &report_companies(ctx, company).await?;
        forward_connection(
            ctx,
            after,
            first,
            |after: Option<OpaqueCursor<TextCursor>>, limit| {
                let which = Levels {
                    products,
                    page: Some((after.map(|c| c.0.into()), limit)),
                };
                let location = location.into();
                projections::stock::levels(state.reads(), companies, location, date, point, which)
            },
            |level| {
                OpaqueCursor(TextCursor {
                    key: level.reference.clone(),
                    id: level.product_id,
                })
            },
            level_line(actor.config.configuration.settings(), companies),
        )
        .await
    }

    /// What the stock on hand is worth at cost on `date` (of `company`, alone or consolidated;
    /// without it, every company of the user's).
    async fn stock_valuation(
        &self,
        ctx: &Context<'_>,
        date: Option<NaiveDate>,
        as_of: Option<AsOfInput>,
        company: Option<CompanyScope>,
    ) -> Result<StockValuation> {
        let actor = reading(ctx, Model::Stock, "stock").await?;
        let (companies, conversion) = report_money(ctx, company, date_or_today(date)).await?;
        one_currency(&conversion, "stockValuation")?;
        let lines: Vec<StockLevelLine> = stock(
            ctx,
            &actor,
            &companies,
            StockLocation::Stock,
            date,
            point(ctx, as_of).await?,
            Levels::default(),
        )
        .await?
        .into_iter()
        .filter(|l| !l.on_hand.is_zero())
        .collect();
        let mut total = Decimal::ZERO;
        for line in &lines {
            total = line
                .value
                .and_then(|value| total.checked_add(value))
                .ok_or_else(|| line.too_large())?;
        }
        Ok(StockValuation {
            total_value: money_in(actor.config.configuration.settings(), &conversion)(total),
            lines,
        })
    }

    /// The months of the books that have entries or were closed, in order, a page at a time
    /// (`closed`: only those closed, or only those open).
    async fn periods(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        closed: Option<bool>,
    ) -> Result<Connection<OpaqueCursor<String>, Period, TotalCount>> {
        reading(ctx, Model::Accounting, "account").await?;
        let state = ctx.data::<AppState>()?;
        let companies = &seen_companies(ctx).await?;
        forward_connection(
            ctx,
            after,
            first,
            |after: Option<OpaqueCursor<String>>, limit| {
                projections::period::page(
                    state.reads(),
                    companies,
                    closed,
                    after.map(|c| c.0),
                    limit,
                )
            },
            |row| OpaqueCursor(row.stream.clone()),
            Period::from,
        )
        .await
    }

    /// One month of the books (`2026-11`), if it has entries or was closed.
    async fn period(&self, ctx: &Context<'_>, id: String) -> Result<Option<Period>> {
        let actor = reading(ctx, Model::Accounting, "account").await?;
        let state = ctx.data::<AppState>()?;
        // the month of the books of the company the request works in.
        let stream = match (PeriodId::parse(&id), Code::parse(&actor.company)) {
            (Some(period), Ok(company)) => period.stream_of(&company),
            _ => return Ok(None),
        };
        let row = projections::period::get(state.reads(), &stream)
            .await
            .map_err(|e| internal(ctx, e))?;
        Ok(row.map(Period::from))
    }

    /// One journal entry (a payment is one). With `asOf`, null unless it was posted by then
    /// (a posted entry never changes).
    async fn journal_entry(
        &self,
        ctx: &Context<'_>,
        id: ID,
        as_of: Option<AsOfInput>,
    ) -> Result<Option<JournalEntry>> {
        let everything = reading_entries(ctx, true).await?;
        let companies = seen_companies(ctx).await?;
        let now = |pool, id| journal::get(pool, &companies, id, None);
        let then = |pool, id, point| journal::get(pool, &companies, id, Some(point));
        let (entry, past) = (JournalEntry::from, JournalEntry::then);
        let entry = get_as_of(ctx, &id, "a journal entry", as_of, now, then, entry, past).await?;
        match entry {
            Some(entry) if !everything && entry.0.origin != journal::Origin::Payment => {
                reading(ctx, Model::Accounting, "account").await?;
                Ok(None)
            }
            entry => Ok(entry),
        }
    }

    /// Journal entries, by date and number unless sorted otherwise, a page at a time:
    /// payments are those of origin `PAYMENT`.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity + 1")]
    async fn journal_entries(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(name = "where")] filter: Option<EntryWhere>,
        order_by: Option<SortBy<EntryOrderField>>,
    ) -> Result<Connection<OpaqueCursor<SortedCursor>, JournalEntry, TotalCount>> {
        let filter = filter.unwrap_or_default();
        reading_entries(ctx, filter.origin == Some(EntryOriginName::Payment)).await?;
        let order = order_of(&journal::LIST, order_by)?;
        let filter = EntryFilter {
            journal: filter.journal,
            origin: filter.origin.map(Into::into),
            partner: where_partner(filter.partner.as_ref())?,
            dates: window(filter.from, filter.to)?,
        };
        keyset_connection(
            ctx,
            after,
            first,
            &journal::LIST,
            filter,
            order,
            JournalEntry::from,
        )
        .await
    }
}

/// Whether the signed-in user may read every journal entry (the right to read accounting):
/// `false` when they may read `payments` only (the right to read invoices: who registers
/// payments sees them); an error when they may read neither what is asked nor everything.
async fn reading_entries(ctx: &Context<'_>, payments: bool) -> Result<bool> {
    let actor = actor(ctx).await?;
    require_module(&actor, "account")?;
    if payments
        && !actor.may(Model::Accounting, Right::Read)
        && actor.may(Model::Invoice, Right::Read)
    {
        return Ok(false);
    }
    reading(ctx, Model::Accounting, "account").await?;
    Ok(true)
}

/// Which journal entries a list shows: every condition given.
#[derive(InputObject, Default)]
pub struct EntryWhere {
    /// A journal's code.
    pub journal: Option<String>,
    pub origin: Option<EntryOriginName>,
    /// Entries about this partner: their payments, invoices and bills.
    pub partner: Option<ID>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// What an entry was posted for.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "projections::journal::Origin", name = "EntryOrigin")]
pub enum EntryOriginName {
    /// Posting an invoice, a bill or a credit note.
    Invoice,
    /// A payment.
    Payment,
    /// Written by an accountant.
    Manual,
}

/// Groups ledger items by `key` with opening balances and running balances.
fn ledger(
    opening: BTreeMap<String, Decimal>,
    items: impl Iterator<Item = (String, LedgerItem)>,
    name: impl Fn(&str) -> String,
    money: impl Fn(Decimal) -> Decimal,
) -> Vec<LedgerAccount> {
    let mut accounts: BTreeMap<String, LedgerAccount> = opening
        .into_iter()
        .map(|(key, balance)| {
            (
                key.clone(),
                LedgerAccount {
                    name: name(&key),
                    key,
                    opening: balance,
                    debit: Decimal::ZERO,
                    credit: Decimal::ZERO,
                    closing: balance,
                    lines: vec![],
                },
            )
        })
        .collect();
    for (key, item) in items {
        let account = accounts
            .entry(key.clone())
            .or_insert_with(|| LedgerAccount {
                name: name(&key),
                key,
                opening: Decimal::ZERO,
                debit: Decimal::ZERO,
                credit: Decimal::ZERO,
                closing: Decimal::ZERO,
                lines: vec![],
            });
        account.debit += item.debit;
        account.credit += item.credit;
        account.closing += item.debit - item.credit;
        account.lines.push(LedgerLine::of(item, account.closing));
    }
    accounts
        .into_values()
        .map(|mut a| {
            (a.opening, a.debit, a.credit, a.closing) = (
                money(a.opening),
                money(a.debit),
                money(a.credit),
                money(a.closing),
            );
            for l in &mut a.lines {
                (l.debit, l.credit, l.balance) =
                    (money(l.debit), money(l.credit), money(l.balance));
            }
            a
        })
        .collect()
}

async fn partner_names(
    pool: &PgPool,
    ids: impl Iterator<Item = String>,
) -> Result<BTreeMap<String, String>, projections::QueryError> {
    let ids: Vec<Uuid> = ids.filter_map(|id| Uuid::parse_str(&id).ok()).collect();
    let rows = projections::partner::names(pool, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| (id.to_string(), name))
        .collect())
}

/// The analysis of `side`'s confirmed orders dated from `from` to `to`, grouped, for a user
/// who may read that side's orders.
async fn analysis(
    ctx: &Context<'_>,
    side: Side,
    group_by: AnalysisGroup,
    (from, to, as_of): (Option<NaiveDate>, Option<NaiveDate>, Option<AsOfInput>),
    company: Option<CompanyScope>,
) -> Result<Vec<AnalysisLine>> {
    let (model, module) = model_of(side);
    let actor = reading(ctx, model, module).await?;
    let (dates, as_of) = (window(from, to)?, point(ctx, as_of).await?);
    let state = ctx.data::<AppState>()?;
    let (companies, conversion) = report_money(ctx, company, date_or_today(to)).await?;
    one_currency(&conversion, "the analysis")?;
    let rows = projections::order::analysis(
        state.reads(),
        &companies,
        side,
        group_by.into(),
        dates,
        as_of,
    )
    .await
    .map_err(|e| internal(ctx, e))?;
    let m = money_in(actor.config.configuration.settings(), &conversion);
    let names: BTreeMap<String, String> = match group_by {
        AnalysisGroup::Month => BTreeMap::new(),
        AnalysisGroup::Partner => partner_names(state.reads(), rows.iter().map(|r| r.key.clone()))
            .await
            .map_err(|e| internal(ctx, e))?,
        AnalysisGroup::Product => {
            let ids: Vec<Uuid> = rows
                .iter()
                .filter_map(|r| Uuid::parse_str(&r.key).ok())
                .collect();
            let found = projections::product::names(state.reads(), &ids)
                .await
                .map_err(|e| internal(ctx, e))?;
            found
                .into_iter()
                .map(|(id, n)| (id.to_string(), n))
                .collect()
        }
    };
    Ok(rows
        .into_iter()
        .map(|r| AnalysisLine {
            name: names.get(&r.key).cloned().unwrap_or_else(|| r.key.clone()),
            key: r.key,
            orders: r.orders,
            quantity: r.quantity,
            untaxed: m(r.untaxed),
            total: m(r.total),
            delivered: r.delivered,
            invoiced: r.invoiced,
        })
        .collect())
}

/// Where goods are.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "domain::stock::Location")]
pub enum StockLocation {
    /// The warehouse.
    #[default]
    Stock,
    Customers,
    Suppliers,
    InventoryLoss,
}

async fn stock(
    ctx: &Context<'_>,
    actor: &commands::policy::Actor,
    companies: &Companies,
    location: StockLocation,
    date: Option<NaiveDate>,
    as_of: Option<projections::log::AsOf>,
    which: Levels<'_>,
) -> Result<Vec<StockLevelLine>> {
    let state = ctx.data::<AppState>()?;
    let location = location.into();
    let page = projections::stock::levels(state.reads(), companies, location, date, as_of, which)
        .await
        .map_err(|e| internal(ctx, e))?;
    let line = level_line(actor.config.configuration.settings(), companies);
    Ok(page.rows.into_iter().map(line).collect())
}

/// A product's stock level as a report shows it: its value rounded to the currency of the
/// (first) company it is of.
fn level_line(settings: &Settings, companies: &Companies) -> impl Fn(StockLevel) -> StockLevelLine {
    let decimals = business::decimals_of_first(settings, companies.codes());
    move |r| StockLevelLine {
        product: r.product_id,
        forecast: r.forecast(),
        value: r.on_hand.checked_mul(r.cost).map(|v| round(v, decimals)),
        reference: r.reference,
        name: r.name,
        uom: r.uom,
        on_hand: r.on_hand,
        incoming: r.incoming,
        outgoing: r.outgoing,
        cost: r.cost,
    }
}

/// Which products' stock a list shows.
#[derive(InputObject, Default)]
pub struct StockLevelWhere {
    /// Only these products.
    pub products: Option<Vec<ID>>,
}

#[derive(InputObject)]
pub struct EntryLineInput {
    pub account: String,
    pub partner: Option<ID>,
    #[graphql(default)]
    pub label: String,
    #[graphql(default)]
    pub debit: Decimal,
    #[graphql(default)]
    pub credit: Decimal,
}

#[derive(InputObject)]
pub struct PostEntryInput {
    pub id: Option<ID>,
    pub journal: String,
    pub date: Option<NaiveDate>,
    #[graphql(default)]
    pub reference: String,
    /// Lines whose debits and credits balance.
    pub lines: Vec<EntryLineInput>,
}

#[derive(InputObject)]
pub struct ClosePeriodInput {
    /// `2026-11`.
    pub period: String,
}

#[derive(InputObject)]
pub struct ReopenPeriodInput {
    /// `2026-11`.
    pub period: String,
}

/// Runs `operation` (named `name`) on month `raw` of the books of the company the request works
/// in, with the accounting write right, and answers the month as it then is.
async fn on_period(
    ctx: &Context<'_>,
    name: &'static str,
    raw: &str,
    operation: super::business::Operation<(Code, PeriodId), ()>,
) -> Result<PeriodPayload> {
    let acting = acting(ctx, Model::Accounting, Right::Write, "account").await?;
    let Some(period) = PeriodId::parse(raw) else {
        return Ok(PeriodPayload::refused(vec![UserError::new(
            &["input", "period"],
            format!("'{raw}' is not a month as YYYY-MM"),
            UserErrorCode::Invalid,
        )]));
    };
    let company = acting.company()?;
    let stream = period.stream_of(&company);
    let (_, user_errors) = acting.run(ctx, name, (company, period), operation).await?;
    let state = ctx.data::<AppState>()?;
    let read = projections::period::get(state.reads(), &stream);
    PeriodPayload::reload(ctx, user_errors, read).await
}

payload!(EntryPayload { entry: JournalEntry, user_errors } from EntryRow => JournalEntry::from);
payload!(PeriodPayload { period: Period, user_errors } from PeriodRow => Period::from);

#[derive(InputObject)]
pub struct CountStockInput {
    pub product: ID,
    /// What was counted in the warehouse.
    pub counted: Decimal,
    pub date: Option<NaiveDate>,
}

payload!(
    CountStockPayload {
        /// The product's stock after the count.
        level: StockLevelLine,
        user_errors,
    } from StockLevelLine => std::convert::identity
);

#[derive(Default)]
pub struct AccountingMutation;

#[Object]
impl AccountingMutation {
    /// A manual journal entry: numbered in its journal, posted into its month.
    async fn post_entry(&self, ctx: &Context<'_>, input: PostEntryInput) -> Result<EntryPayload> {
        let acting = acting(ctx, Model::Accounting, Right::Create, "account").await?;
        let mut problems = Problems::default();
        let id = problems.new_id(&input.id, "entry");
        let journal = problems.code_at(&["input", "journal"], &input.journal);
        let mut lines = Vec::with_capacity(input.lines.len());
        for (n, line) in input.lines.iter().enumerate() {
            let n = n.to_string();
            let account = problems.code_at(&["input", "lines", &n, "account"], &line.account);
            let partner = match &line.partner {
                Some(raw) => problems
                    .uuid(&["input", "lines", &n, "partner"], raw, "partner")
                    .map(Some),
                None => Some(None),
            };
            let label = if line.label.trim().is_empty() {
                Some(input.reference.trim().to_owned())
            } else {
                problems.text(
                    &["input", "lines", &n, "label"],
                    domain::ledger::label(&line.label),
                )
            };
            for (field, value) in [("debit", line.debit), ("credit", line.credit)] {
                if value < Decimal::ZERO || value.normalize().scale() > 6 {
                    problems.add(
                        &["input", "lines", &n, field],
                        "an amount is zero or more, with at most six decimals",
                        UserErrorCode::Invalid,
                    );
                }
            }
            if let (Some(account), Some(partner), Some(label)) = (account, partner, label) {
                lines.push(EntryLine {
                    account,
                    partner,
                    label,
                    debit: line.debit,
                    credit: line.credit,
                });
            }
        }
        if let Some(id) = id {
            problems.0.extend(entry_taken(ctx, id).await?);
        }
        for (n, line) in lines.iter().enumerate() {
            if let Some(partner) = line.partner {
                let field = ["input", "lines", &n.to_string(), "partner"];
                let hidden = super::partner::hidden_partner(ctx, partner, &field).await?;
                problems.0.extend(hidden);
            }
        }
        let (id, journal) = match problems.finish(id.zip(journal)) {
            Ok(parsed) => parsed,
            Err(user_errors) => return Ok(EntryPayload::refused(user_errors)),
        };
        let entry = EntryInput {
            company: acting.company()?,
            journal,
            date: date_or_today(input.date),
            reference: input.reference.trim().to_owned(),
            lines,
        };
        let (_, user_errors) = acting
            .run(
                ctx,
                "PostEntry",
                (id, entry),
                |work, settings, (id, entry)| {
                    Box::pin(async move { business::post_entry(work, settings, id, &entry).await })
                },
            )
            .await?;
        let state = ctx.data::<AppState>()?;
        let companies = seen_companies(ctx).await?;
        let entry = journal::get(state.reads(), &companies, id, None);
        EntryPayload::reload(ctx, user_errors, entry).await
    }

    /// Closes a month of the books once it has ended: nothing posts into it afterwards, until
    /// it is reopened.
    async fn close_period(
        &self,
        ctx: &Context<'_>,
        input: ClosePeriodInput,
    ) -> Result<PeriodPayload> {
        on_period(
            ctx,
            "ClosePeriod",
            &input.period,
            |work, _, (company, period)| {
                let today = chrono::Utc::now().date_naive();
                Box::pin(business::close_period(work, company, period, today))
            },
        )
        .await
    }

    /// Opens a closed month again (closed by mistake, or to put an entry right): entries post
    /// into it until it is closed again. Its history keeps both.
    async fn reopen_period(
        &self,
        ctx: &Context<'_>,
        input: ReopenPeriodInput,
    ) -> Result<PeriodPayload> {
        on_period(
            ctx,
            "ReopenPeriod",
            &input.period,
            |work, _, (company, period)| Box::pin(business::reopen_period(work, company, period)),
        )
        .await
    }

    /// An inventory count: the product's stock becomes what was counted, the difference going
    /// to (or coming from) inventory loss.
    async fn count_stock(
        &self,
        ctx: &Context<'_>,
        input: CountStockInput,
    ) -> Result<CountStockPayload> {
        let acting = acting(ctx, Model::Stock, Right::Write, "stock").await?;
        let mut problems = Problems::default();
        let product = problems.uuid(&["input", "product"], &input.product, "product");
        if input.counted < Decimal::ZERO
            || input.counted.normalize().scale() > domain::money::QUANTITY_DECIMALS
            || input.counted > domain::money::AMOUNT_MAX
        {
            problems.add(
                &["input", "counted"],
                "a counted quantity is zero or more, with at most four decimals",
                UserErrorCode::Invalid,
            );
        }
        let product = match problems.finish(product) {
            Ok(product) => product,
            Err(user_errors) => return Ok(CountStockPayload::refused(user_errors)),
        };
        let date = date_or_today(input.date);
        let counted = input.counted;
        let id = Uuid::now_v7();
        let count = (acting.company()?, product, id, counted, date);
        let (_, user_errors) = acting
            .run(
                ctx,
                "CountStock",
                count,
                |work, _, (company, product, id, counted, date)| {
                    Box::pin(business::count_stock(
                        work, company, product, id, counted, date,
                    ))
                },
            )
            .await?;
        let which = Levels {
            products: Some(&[product]),
            page: None,
        };
        let companies = seen_companies(ctx).await?;
        let level = stock(
            ctx,
            &acting.actor,
            &companies,
            StockLocation::Stock,
            None,
            None,
            which,
        )
        .await?
        .pop();
        Ok(CountStockPayload::new(level, user_errors))
    }
}
