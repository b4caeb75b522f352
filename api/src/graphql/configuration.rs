//! Over 600 lines: the configuration's part of the schema spans a dozen kinds of settings.
//!
//! Configuration in GraphQL: modules, company, sequences, taxes, currencies, labels, groups and
//! rights; the forms frontends draw from; the mutations that change them.

use std::sync::Arc;

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject, Subscription};
use chrono::NaiveDate;
use domain::configuration::{
    catalogue, changes, currency_rate, display_name, label, Account as DomainAccount, AccountKind,
    Area, BusinessSettings, Change, Code, Company as DomainCompany, ConfigurationCommand,
    Currency as DomainCurrency, CurrencyCode, FiscalYearStart, InvoicePolicy,
    Journal as DomainJournal, JournalKind, Model, Right, Rights, Sequence as DomainSequence,
    Tax as DomainTax,
};
use domain::partner::Address;
use futures::Stream;
use projections::log::AsOf;
use rust_decimal::Decimal;

use super::auth::{actor, require, require_module};
use super::error::{internal, settle_at, Problems, UserError, UserErrorCode};
use super::input::AsOfInput;
use super::partner::Address as AddressObject;
use super::request::RequestContext;
use commands::policy::{Actor, ConfigView};
use commands::AppState;

/// The configuration of this database at one version.
pub struct Configuration(pub Arc<ConfigView>);

#[Object]
impl Configuration {
    /// Grows by one with every configuration event: a client whose cached forms were drawn at
    /// an older version reloads them.
    async fn version(&self) -> i64 {
        self.0.version
    }

    /// Whether the database is marked as production (development module versions are then
    /// refused unless forced).
    async fn production(&self) -> bool {
        self.0.configuration.is_production()
    }

    async fn company(&self) -> Company {
        Company(self.0.configuration.settings().company.clone())
    }

    /// Every module this build ships, installed or not.
    async fn modules(&self) -> Vec<Module> {
        catalogue::MODULES
            .iter()
            .map(|spec| Module {
                name: spec.name.to_owned(),
                summary: spec.summary.to_owned(),
                version: spec.version.to_string(),
                development: spec.version.is_development(),
                depends: spec.depends.iter().map(|d| (*d).to_owned()).collect(),
                installed_version: self
                    .0
                    .configuration
                    .settings()
                    .modules
                    .get(spec.name)
                    .map(ToString::to_string),
            })
            .collect()
    }

    async fn sequences(&self) -> Vec<Sequence> {
        self.0
            .configuration
            .settings()
            .sequences
            .iter()
            .map(|(code, s)| Sequence {
                code: code.to_string(),
                name: s.name.clone(),
                prefix: s.prefix.clone(),
                padding: i32::from(s.padding),
                next_number: i64::try_from(s.next_number).unwrap_or(i64::MAX),
                next_preview: s.preview(),
            })
            .collect()
    }

    /// The chart of accounts (module `account`), by code.
    async fn accounts(&self) -> Vec<AccountObject> {
        self.0
            .configuration
            .settings()
            .accounts
            .iter()
            .map(|(code, a)| AccountObject {
                code: code.to_string(),
                name: a.name.clone(),
                kind: a.kind.into(),
            })
            .collect()
    }

    /// Journals (module `account`), by code.
    async fn journals(&self) -> Vec<JournalObject> {
        self.0
            .configuration
            .settings()
            .journals
            .iter()
            .map(|(code, j)| JournalObject {
                code: code.to_string(),
                name: j.name.clone(),
                kind: j.kind.into(),
                sequence: j.sequence.to_string(),
                account: j.account.as_ref().map(ToString::to_string),
            })
            .collect()
    }

    /// The accounts, journals, sequences and rules daily business uses.
    async fn business_settings(&self) -> BusinessSettingsObject {
        BusinessSettingsObject::from(&self.0.configuration.settings().business)
    }

    /// Taxes (module `account`).
    async fn taxes(&self, ctx: &Context<'_>) -> Result<Vec<Tax>> {
        let actor = actor(ctx).await?;
        require_module(&actor, "account")?;
        Ok(self
            .0
            .configuration
            .settings()
            .taxes
            .iter()
            .map(|(code, t)| Tax {
                code: code.to_string(),
                name: t.name.clone(),
                rate: t.rate,
                price_included: t.price_included,
            })
            .collect())
    }

    async fn currencies(&self) -> Vec<Currency> {
        self.0
            .configuration
            .settings()
            .currencies
            .iter()
            .map(|(code, c)| Currency {
                code: code.to_string(),
                name: c.name.clone(),
                symbol: c.symbol.clone(),
                decimals: i32::from(c.decimals),
                rates: c
                    .rates
                    .iter()
                    .map(|(date, rate)| CurrencyRate {
                        date: *date,
                        rate: *rate,
                    })
                    .collect(),
            })
            .collect()
    }

    /// The groups users can be put in, with their rights. `admin` is built in and may do
    /// everything.
    async fn groups(&self) -> Vec<Group> {
        self.0
            .configuration
            .settings()
            .groups
            .iter()
            .map(|(code, g)| Group {
                code: code.to_string(),
                name: g.name.clone(),
                rights: g
                    .rights
                    .iter()
                    .map(|(model, r)| AccessRight {
                        model: (*model).into(),
                        create: r.create,
                        read: r.read,
                        write: r.write,
                        delete: r.delete,
                    })
                    .collect(),
            })
            .collect()
    }

    /// The forms of the installed modules, with their labels.
    async fn forms(&self) -> Vec<Form> {
        forms_of(&self.0)
    }
}

fn forms_of(view: &ConfigView) -> Vec<Form> {
    let settings = view.configuration.settings();
    catalogue::FORMS
        .iter()
        .filter(|form| settings.is_installed(form.module))
        .map(|form| Form {
            name: form.name.to_owned(),
            module: form.module.to_owned(),
            fields: form
                .fields
                .iter()
                .map(|(field, default)| FormField {
                    field: (*field).to_owned(),
                    label: settings
                        .label(form.name, field)
                        .unwrap_or_else(|| (*default).to_owned()),
                    default_label: (*default).to_owned(),
                })
                .collect(),
        })
        .collect()
}

/// The company the database keeps the books of.
pub struct Company(DomainCompany);

#[Object]
impl Company {
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// ISO 4217 code of the company's currency.
    async fn currency(&self) -> &str {
        self.0.currency.as_str()
    }

    async fn address(&self) -> AddressObject {
        let a = &self.0.address;
        AddressObject {
            street: a.street.clone(),
            city: a.city.clone(),
            zip: a.zip.clone(),
            country: a.country.clone(),
        }
    }

    /// The day each fiscal year starts, as `MM-DD`.
    async fn fiscal_year_start(&self) -> String {
        self.0.fiscal_year_start.to_string()
    }
}

/// A module this build ships.
#[derive(SimpleObject)]
pub struct Module {
    pub name: String,
    pub summary: String,
    /// The version this build ships.
    pub version: String,
    /// Whether that version is a development one (odd middle number).
    pub development: bool,
    pub depends: Vec<String>,
    /// The version installed; null when the module is not installed.
    pub installed_version: Option<String>,
}

/// A document numbering sequence.
#[derive(SimpleObject)]
pub struct Sequence {
    pub code: String,
    pub name: String,
    pub prefix: String,
    pub padding: i32,
    pub next_number: i64,
    /// How the next document will be numbered (`SO0042`).
    pub next_preview: String,
}

#[derive(SimpleObject)]
pub struct Tax {
    pub code: String,
    pub name: String,
    /// Percent, exact.
    pub rate: Decimal,
    pub price_included: bool,
}

#[derive(SimpleObject)]
pub struct Currency {
    /// ISO 4217 code.
    pub code: String,
    pub name: String,
    pub symbol: String,
    pub decimals: i32,
    /// Units of this currency per unit of the company currency, from each date on.
    pub rates: Vec<CurrencyRate>,
}

#[derive(SimpleObject)]
pub struct CurrencyRate {
    pub date: NaiveDate,
    pub rate: Decimal,
}

#[derive(SimpleObject)]
pub struct Group {
    pub code: String,
    pub name: String,
    pub rights: Vec<AccessRight>,
}

/// What a group may do with one model.
#[derive(SimpleObject)]
pub struct AccessRight {
    pub model: ModelName,
    pub create: bool,
    pub read: bool,
    pub write: bool,
    pub delete: bool,
}

/// The models access rights are given on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "Model")]
pub enum ModelName {
    Partner,
    User,
    Configuration,
    /// The event log, as auditors read it.
    Log,
    Product,
    SaleOrder,
    PurchaseOrder,
    Stock,
    Invoice,
    /// Journal entries, periods and the financial reports.
    Accounting,
}

/// A form and the labels of its fields, as this database names them.
#[derive(SimpleObject)]
pub struct Form {
    pub name: String,
    /// The module that brings the form.
    pub module: String,
    pub fields: Vec<FormField>,
}

#[derive(SimpleObject)]
pub struct FormField {
    /// The field's name in this schema.
    pub field: String,
    /// The label to show.
    pub label: String,
    /// The label it has when nobody renamed it.
    pub default_label: String,
}

/// The part of the configuration a change is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "Area")]
pub enum ConfigurationArea {
    Module,
    Company,
    Sequence,
    Tax,
    Currency,
    CurrencyRate,
    Label,
    Group,
    Access,
    Account,
    Journal,
    Business,
}

/// One difference between two configurations. `before` is null for something added, `after`
/// for something removed.
#[derive(SimpleObject)]
pub struct ConfigurationChange {
    pub area: ConfigurationArea,
    pub key: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl From<Change> for ConfigurationChange {
    fn from(change: Change) -> Self {
        Self {
            area: change.area.into(),
            key: change.key,
            before: change.before,
            after: change.after,
        }
    }
}

#[derive(Default)]
pub struct ConfigurationQuery;

#[Object]
impl ConfigurationQuery {
    /// The configuration as it now stands, or as it stood at `asOf` (replayed from the latest
    /// stage at or before it).
    async fn configuration(
        &self,
        ctx: &Context<'_>,
        as_of: Option<AsOfInput>,
    ) -> Result<Configuration> {
        let actor = require(ctx, Model::Configuration, Right::Read).await?;
        let Some(as_of) = as_of else {
            return Ok(Configuration(actor.config));
        };
        let state = ctx.data::<AppState>()?;
        let mut conn = state.pool.acquire().await.map_err(|e| internal(ctx, e))?;
        let position = match as_of.parse()? {
            AsOf::Position(position) => position,
            AsOf::Time(time) => projections::log::position_at(&mut *conn, time)
                .await
                .map_err(|e| internal(ctx, e))?
                .unwrap_or(0),
        };
        let (configuration, _) = replay::configuration::configuration_at(&mut conn, position)
            .await
            .map_err(|e| internal(ctx, e))?;
        Ok(Configuration(Arc::new(ConfigView {
            version: i64::try_from(configuration.version()).unwrap_or(i64::MAX),
            position,
            configuration,
        })))
    }

    /// The forms of the installed modules with their labels, for drawing them. Any signed-in
    /// user may read them.
    async fn forms(&self, ctx: &Context<'_>) -> Result<Vec<Form>> {
        let actor = actor(ctx).await?;
        Ok(forms_of(&actor.config))
    }

    /// The current configuration version.
    async fn configuration_version(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(actor(ctx).await?.config.version)
    }
}

/// What a configuration mutation answers: the configuration afterwards, or why nothing changed.
#[derive(SimpleObject)]
pub struct ConfigurationPayload {
    pub configuration: Option<Configuration>,
    pub user_errors: Vec<UserError>,
}

/// The outcome of a configuration command: the configuration the read model shows afterwards,
/// or the user errors.
pub enum Outcome {
    Done(Arc<ConfigView>),
    Refused(Vec<UserError>, Arc<ConfigView>),
}

/// Sends a configuration command as the signed-in `actor` and waits until the read model shows
/// it.
pub async fn send(
    ctx: &Context<'_>,
    actor: &Actor,
    command: ConfigurationCommand,
) -> Result<Outcome> {
    let state = ctx.data::<AppState>()?;
    let result = state
        .bus
        .configure(
            command,
            &RequestContext::of(ctx).command_context(&actor.login),
        )
        .await;
    outcome(ctx, actor, result).await
}

/// What a configuration command came to: the configuration the read model shows afterwards,
/// and the user errors if it was refused.
pub async fn outcome(
    ctx: &Context<'_>,
    actor: &Actor,
    result: std::result::Result<projections::Checkpoint, commands::Failure>,
) -> Result<Outcome> {
    let state = ctx.data::<AppState>()?;
    let user_errors = settle_at(ctx, result, &state.configuration_progress).await?;
    let view = state
        .config
        .at_least(&state.pool, actor.config.version + 1)
        .await
        .map_err(|e| internal(ctx, e))?;
    RequestContext::of(ctx).saw_configuration(view.version);
    Ok(if user_errors.is_empty() {
        Outcome::Done(view)
    } else {
        Outcome::Refused(user_errors, view)
    })
}

/// Parses, checks rights and sends: the common path of every configuration mutation.
async fn configure(
    ctx: &Context<'_>,
    parsed: Result<ConfigurationCommand, Vec<UserError>>,
) -> Result<ConfigurationPayload> {
    let actor = require(ctx, Model::Configuration, Right::Write).await?;
    let command = match parsed {
        Ok(command) => command,
        Err(user_errors) => {
            return Ok(ConfigurationPayload {
                configuration: Some(Configuration(actor.config)),
                user_errors,
            })
        }
    };
    Ok(match send(ctx, &actor, command).await? {
        Outcome::Done(view) => ConfigurationPayload {
            configuration: Some(Configuration(view)),
            user_errors: vec![],
        },
        Outcome::Refused(user_errors, view) => ConfigurationPayload {
            configuration: Some(Configuration(view)),
            user_errors,
        },
    })
}

fn code(problems: &mut Problems, path: &[&str], raw: &str) -> Option<Code> {
    problems.text(path, Code::parse(raw))
}

/// The command for an input that is only a code (`removeTax`, `removeGroup`, ...).
fn by_code(
    input: &CodeInput,
    command: fn(Code) -> ConfigurationCommand,
) -> Result<ConfigurationCommand, Vec<UserError>> {
    let mut problems = Problems::default();
    let code = code(&mut problems, &["input", "code"], &input.code);
    problems.finish(code.map(command))
}

#[derive(InputObject)]
pub struct InstallModuleInput {
    pub name: String,
    /// Install a development version in a production database all the same.
    #[graphql(default)]
    pub force: bool,
}

#[derive(InputObject)]
pub struct UninstallModuleInput {
    pub name: String,
    /// Uninstall the installed modules that need this one too (they go first).
    #[graphql(default)]
    pub with_dependents: bool,
}

#[derive(InputObject)]
pub struct MarkDatabaseInput {
    pub production: bool,
}

/// Only the fields given change.
#[derive(InputObject, Default)]
pub struct UpdateCompanyInput {
    pub name: Option<String>,
    /// ISO 4217 code of a currency the database has.
    pub currency: Option<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub zip: Option<String>,
    pub country: Option<String>,
    /// `MM-DD`.
    pub fiscal_year_start: Option<String>,
}

#[derive(InputObject)]
pub struct SetSequenceInput {
    pub code: String,
    pub name: String,
    #[graphql(default)]
    pub prefix: String,
    #[graphql(default)]
    pub padding: i32,
    #[graphql(default = 1)]
    pub next_number: i64,
}

#[derive(InputObject)]
pub struct CodeInput {
    pub code: String,
}

#[derive(InputObject)]
pub struct SetTaxInput {
    pub code: String,
    pub name: String,
    /// Percent, from 0 to 100, at most four decimals.
    pub rate: Decimal,
    #[graphql(default)]
    pub price_included: bool,
}

#[derive(InputObject)]
pub struct SetCurrencyInput {
    pub code: String,
    pub name: String,
    pub symbol: String,
    #[graphql(default = 2)]
    pub decimals: i32,
}

#[derive(InputObject)]
pub struct SetCurrencyRateInput {
    pub code: String,
    pub date: NaiveDate,
    /// Units of this currency per unit of the company currency; above zero.
    pub rate: Decimal,
}

#[derive(InputObject)]
pub struct SetLabelInput {
    pub form: String,
    pub field: String,
    /// The new label; null puts the default back.
    pub label: Option<String>,
}

#[derive(InputObject)]
pub struct SetGroupInput {
    pub code: String,
    pub name: String,
}

#[derive(InputObject)]
pub struct SetAccessInput {
    pub group: String,
    pub model: ModelName,
    #[graphql(default)]
    pub create: bool,
    #[graphql(default)]
    pub read: bool,
    #[graphql(default)]
    pub write: bool,
    #[graphql(default)]
    pub delete: bool,
}

fn company_command(
    input: UpdateCompanyInput,
    current: &DomainCompany,
) -> Result<ConfigurationCommand, Vec<UserError>> {
    let mut problems = Problems::default();
    let mut company = current.clone();
    if let Some(name) = &input.name {
        company.name = problems
            .text(&["input", "name"], display_name(name))
            .unwrap_or_default();
    }
    if let Some(currency) = &input.currency {
        if let Some(code) = problems.text(&["input", "currency"], CurrencyCode::parse(currency)) {
            company.currency = code;
        }
    }
    let address_given = input.street.is_some()
        || input.city.is_some()
        || input.zip.is_some()
        || input.country.is_some();
    if address_given {
        let now = &current.address;
        let pick =
            |given: &Option<String>, now: &Option<String>| given.clone().or_else(|| now.clone());
        match Address::parse(
            pick(&input.street, &now.street).as_deref(),
            pick(&input.city, &now.city).as_deref(),
            pick(&input.zip, &now.zip).as_deref(),
            pick(&input.country, &now.country).as_deref(),
        ) {
            Ok(address) => company.address = address,
            Err(errors) => {
                for e in errors {
                    problems
                        .0
                        .push(UserError::from_text(&["input", e.field], &e.error));
                }
            }
        }
    }
    if let Some(raw) = &input.fiscal_year_start {
        let parsed = raw
            .trim()
            .split_once('-')
            .and_then(|(m, d)| Some((m.parse().ok()?, d.parse().ok()?)));
        match parsed {
            Some((month, day)) => {
                if let Some(start) = problems.text(
                    &["input", "fiscalYearStart"],
                    FiscalYearStart::new(month, day),
                ) {
                    company.fiscal_year_start = start;
                }
            }
            None => problems.add(
                &["input", "fiscalYearStart"],
                format!("'{raw}' is not a day of the year as MM-DD"),
                UserErrorCode::Invalid,
            ),
        }
    }
    problems.finish(Some(ConfigurationCommand::UpdateCompany { company }))
}

/// An account of the chart of accounts.
#[derive(SimpleObject)]
#[graphql(name = "Account")]
pub struct AccountObject {
    pub code: String,
    pub name: String,
    pub kind: AccountKindName,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "AccountKind", remote = "AccountKind")]
pub enum AccountKindName {
    Receivable,
    Payable,
    Bank,
    Asset,
    Liability,
    Equity,
    Income,
    Expense,
}

#[derive(SimpleObject)]
#[graphql(name = "Journal")]
pub struct JournalObject {
    pub code: String,
    pub name: String,
    pub kind: JournalKindName,
    /// The sequence its entries are numbered from.
    pub sequence: String,
    /// A bank journal's bank account.
    pub account: Option<String>,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "JournalKind", remote = "JournalKind")]
pub enum JournalKindName {
    Sale,
    Purchase,
    Bank,
    General,
}

/// What an invoice made from an order bills.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "InvoicePolicy", remote = "InvoicePolicy")]
pub enum InvoicePolicyName {
    /// What was ordered.
    Ordered,
    /// What was delivered (received) so far.
    Delivered,
}

/// The accounts, journals, sequences and rules daily business uses. Null: not chosen yet.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(name = "BusinessSettings", input_name = "BusinessSettingsInput")]
pub struct BusinessSettingsObject {
    pub receivable_account: Option<String>,
    pub payable_account: Option<String>,
    pub income_account: Option<String>,
    pub expense_account: Option<String>,
    pub tax_collected_account: Option<String>,
    pub tax_deductible_account: Option<String>,
    pub sale_journal: Option<String>,
    pub purchase_journal: Option<String>,
    pub general_journal: Option<String>,
    pub sale_order_sequence: Option<String>,
    pub purchase_order_sequence: Option<String>,
    pub invoice_policy: InvoicePolicyName,
    pub allow_negative_stock: bool,
    /// Days from an invoice's date to its due date.
    pub payment_days: i32,
}

impl From<&BusinessSettings> for BusinessSettingsObject {
    fn from(b: &BusinessSettings) -> Self {
        let text = |c: &Option<Code>| c.as_ref().map(ToString::to_string);
        Self {
            receivable_account: text(&b.receivable_account),
            payable_account: text(&b.payable_account),
            income_account: text(&b.income_account),
            expense_account: text(&b.expense_account),
            tax_collected_account: text(&b.tax_collected_account),
            tax_deductible_account: text(&b.tax_deductible_account),
            sale_journal: text(&b.sale_journal),
            purchase_journal: text(&b.purchase_journal),
            general_journal: text(&b.general_journal),
            sale_order_sequence: text(&b.sale_order_sequence),
            purchase_order_sequence: text(&b.purchase_order_sequence),
            invoice_policy: b.invoice_policy.into(),
            allow_negative_stock: b.allow_negative_stock,
            payment_days: i32::try_from(b.payment_days).unwrap_or(i32::MAX),
        }
    }
}

/// Business settings from their input, every code parsed.
pub fn business_settings(
    problems: &mut Problems,
    input: &BusinessSettingsObject,
) -> Option<BusinessSettings> {
    let mut code_at = |field: &str, raw: &Option<String>| -> Option<Code> {
        let raw = raw.as_deref().map(str::trim).filter(|r| !r.is_empty())?;
        problems.text(&["input", field], Code::parse(raw))
    };
    let settings = BusinessSettings {
        receivable_account: code_at("receivableAccount", &input.receivable_account),
        payable_account: code_at("payableAccount", &input.payable_account),
        income_account: code_at("incomeAccount", &input.income_account),
        expense_account: code_at("expenseAccount", &input.expense_account),
        tax_collected_account: code_at("taxCollectedAccount", &input.tax_collected_account),
        tax_deductible_account: code_at("taxDeductibleAccount", &input.tax_deductible_account),
        sale_journal: code_at("saleJournal", &input.sale_journal),
        purchase_journal: code_at("purchaseJournal", &input.purchase_journal),
        general_journal: code_at("generalJournal", &input.general_journal),
        sale_order_sequence: code_at("saleOrderSequence", &input.sale_order_sequence),
        purchase_order_sequence: code_at("purchaseOrderSequence", &input.purchase_order_sequence),
        invoice_policy: input.invoice_policy.into(),
        allow_negative_stock: input.allow_negative_stock,
        payment_days: 0,
    };
    match u32::try_from(input.payment_days) {
        Ok(days) if days <= 3660 => Some(BusinessSettings {
            payment_days: days,
            ..settings
        }),
        _ => {
            problems.add(
                &["input", "paymentDays"],
                "payment days are from 0 to 3660".to_owned(),
                UserErrorCode::Invalid,
            );
            None
        }
    }
}

#[derive(InputObject)]
pub struct SetAccountInput {
    pub code: String,
    pub name: String,
    pub kind: AccountKindName,
}

#[derive(InputObject)]
pub struct SetJournalInput {
    pub code: String,
    pub name: String,
    pub kind: JournalKindName,
    pub sequence: String,
    /// For a bank journal, its bank account.
    pub account: Option<String>,
}

#[derive(Default)]
pub struct ConfigurationMutation;

#[Object]
impl ConfigurationMutation {
    /// Installs a module and the modules it needs.
    async fn install_module(
        &self,
        ctx: &Context<'_>,
        input: InstallModuleInput,
    ) -> Result<ConfigurationPayload> {
        configure(
            ctx,
            Ok(ConfigurationCommand::InstallModule {
                name: input.name.trim().to_owned(),
                force: input.force,
            }),
        )
        .await
    }

    /// Uninstalls a module. Its records stay in the database, hidden; installing it again
    /// shows them.
    async fn uninstall_module(
        &self,
        ctx: &Context<'_>,
        input: UninstallModuleInput,
    ) -> Result<ConfigurationPayload> {
        configure(
            ctx,
            Ok(ConfigurationCommand::UninstallModule {
                name: input.name.trim().to_owned(),
                with_dependents: input.with_dependents,
            }),
        )
        .await
    }

    /// Marks the database as production, or as a test database.
    async fn mark_database(
        &self,
        ctx: &Context<'_>,
        input: MarkDatabaseInput,
    ) -> Result<ConfigurationPayload> {
        configure(
            ctx,
            Ok(ConfigurationCommand::MarkDatabase {
                production: input.production,
            }),
        )
        .await
    }

    async fn update_company(
        &self,
        ctx: &Context<'_>,
        input: UpdateCompanyInput,
    ) -> Result<ConfigurationPayload> {
        let actor = require(ctx, Model::Configuration, Right::Write).await?;
        let parsed = company_command(input, &actor.config.configuration.settings().company);
        configure(ctx, parsed).await
    }

    /// Adds a numbering sequence or changes one.
    async fn set_sequence(
        &self,
        ctx: &Context<'_>,
        input: SetSequenceInput,
    ) -> Result<ConfigurationPayload> {
        let mut problems = Problems::default();
        let code = code(&mut problems, &["input", "code"], &input.code);
        let padding = u8::try_from(input.padding).unwrap_or(u8::MAX);
        let next = u64::try_from(input.next_number).unwrap_or(0);
        let sequence = problems.text(
            &["input"],
            DomainSequence::new(&input.name, &input.prefix, padding, next),
        );
        let parsed = problems.finish(
            code.zip(sequence)
                .map(|(code, sequence)| ConfigurationCommand::SetSequence { code, sequence }),
        );
        configure(ctx, parsed).await
    }

    async fn remove_sequence(
        &self,
        ctx: &Context<'_>,
        input: CodeInput,
    ) -> Result<ConfigurationPayload> {
        let mut problems = Problems::default();
        let code = code(&mut problems, &["input", "code"], &input.code);
        let parsed =
            problems.finish(code.map(|code| ConfigurationCommand::RemoveSequence { code }));
        configure(ctx, parsed).await
    }

    /// Adds a tax or changes one (module `account`).
    async fn set_tax(&self, ctx: &Context<'_>, input: SetTaxInput) -> Result<ConfigurationPayload> {
        require_module(&actor(ctx).await?, "account")?;
        let mut problems = Problems::default();
        let code = code(&mut problems, &["input", "code"], &input.code);
        let tax = problems.text(
            &["input", "rate"],
            DomainTax::new(&input.name, input.rate, input.price_included),
        );
        let parsed = problems.finish(
            code.zip(tax)
                .map(|(code, tax)| ConfigurationCommand::SetTax { code, tax }),
        );
        configure(ctx, parsed).await
    }

    /// Adds an account to the chart of accounts or changes one (module `account`).
    async fn set_account(
        &self,
        ctx: &Context<'_>,
        input: SetAccountInput,
    ) -> Result<ConfigurationPayload> {
        require_module(&actor(ctx).await?, "account")?;
        let mut problems = Problems::default();
        let code = code(&mut problems, &["input", "code"], &input.code);
        let account = problems.text(
            &["input", "name"],
            DomainAccount::new(&input.name, input.kind.into()),
        );
        let parsed = problems.finish(
            code.zip(account)
                .map(|(code, account)| ConfigurationCommand::SetAccount { code, account }),
        );
        configure(ctx, parsed).await
    }

    /// Removes an account no journal or setting uses (module `account`).
    async fn remove_account(
        &self,
        ctx: &Context<'_>,
        input: CodeInput,
    ) -> Result<ConfigurationPayload> {
        require_module(&actor(ctx).await?, "account")?;
        let parsed = by_code(&input, |code| ConfigurationCommand::RemoveAccount { code });
        configure(ctx, parsed).await
    }

    /// Adds a journal or changes one (module `account`).
    async fn set_journal(
        &self,
        ctx: &Context<'_>,
        input: SetJournalInput,
    ) -> Result<ConfigurationPayload> {
        require_module(&actor(ctx).await?, "account")?;
        let mut problems = Problems::default();
        let code = code(&mut problems, &["input", "code"], &input.code);
        let sequence = self::code(&mut problems, &["input", "sequence"], &input.sequence);
        let account = match input
            .account
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            Some(raw) => self::code(&mut problems, &["input", "account"], raw).map(Some),
            None => Some(None),
        };
        let journal = match (sequence, account) {
            (Some(sequence), Some(account)) => problems.text(
                &["input", "account"],
                DomainJournal::new(&input.name, input.kind.into(), sequence, account),
            ),
            _ => None,
        };
        let parsed = problems.finish(
            code.zip(journal)
                .map(|(code, journal)| ConfigurationCommand::SetJournal { code, journal }),
        );
        configure(ctx, parsed).await
    }

    /// Removes a journal no setting uses (module `account`).
    async fn remove_journal(
        &self,
        ctx: &Context<'_>,
        input: CodeInput,
    ) -> Result<ConfigurationPayload> {
        require_module(&actor(ctx).await?, "account")?;
        let parsed = by_code(&input, |code| ConfigurationCommand::RemoveJournal { code });
        configure(ctx, parsed).await
    }

    /// Sets the accounts, journals, sequences and rules daily business uses (all of them:
    /// what is left out is unset).
    async fn set_business_settings(
        &self,
        ctx: &Context<'_>,
        input: BusinessSettingsObject,
    ) -> Result<ConfigurationPayload> {
        require_module(&actor(ctx).await?, "account")?;
        let mut problems = Problems::default();
        let settings = business_settings(&mut problems, &input);
        let parsed = problems.finish(
            settings.map(|settings| ConfigurationCommand::SetBusinessSettings { settings }),
        );
        configure(ctx, parsed).await
    }

    /// Removes a tax (module `account`).
    async fn remove_tax(
        &self,
        ctx: &Context<'_>,
        input: CodeInput,
    ) -> Result<ConfigurationPayload> {
        require_module(&actor(ctx).await?, "account")?;
        let parsed = by_code(&input, |code| ConfigurationCommand::RemoveTax { code });
        configure(ctx, parsed).await
    }

    /// Adds a currency or changes its name, symbol or decimals.
    async fn set_currency(
        &self,
        ctx: &Context<'_>,
        input: SetCurrencyInput,
    ) -> Result<ConfigurationPayload> {
        let mut problems = Problems::default();
        let code = problems.text(&["input", "code"], CurrencyCode::parse(&input.code));
        let decimals = u8::try_from(input.decimals).unwrap_or(u8::MAX);
        let currency = problems.text(
            &["input"],
            DomainCurrency::new(&input.name, &input.symbol, decimals),
        );
        let parsed = problems.finish(
            code.zip(currency)
                .map(|(code, currency)| ConfigurationCommand::SetCurrency { code, currency }),
        );
        configure(ctx, parsed).await
    }

    /// Sets a currency's rate from a date on.
    async fn set_currency_rate(
        &self,
        ctx: &Context<'_>,
        input: SetCurrencyRateInput,
    ) -> Result<ConfigurationPayload> {
        let mut problems = Problems::default();
        let code = problems.text(&["input", "code"], CurrencyCode::parse(&input.code));
        let rate = problems.text(&["input", "rate"], currency_rate(input.rate));
        let parsed = problems.finish(code.zip(rate).map(|(code, rate)| {
            ConfigurationCommand::SetCurrencyRate {
                code,
                date: input.date,
                rate,
            }
        }));
        configure(ctx, parsed).await
    }

    async fn remove_currency(
        &self,
        ctx: &Context<'_>,
        input: CodeInput,
    ) -> Result<ConfigurationPayload> {
        let mut problems = Problems::default();
        let code = problems.text(&["input", "code"], CurrencyCode::parse(&input.code));
        let parsed =
            problems.finish(code.map(|code| ConfigurationCommand::RemoveCurrency { code }));
        configure(ctx, parsed).await
    }

    /// Renames a field's label in this database (null puts the default back).
    async fn set_label(
        &self,
        ctx: &Context<'_>,
        input: SetLabelInput,
    ) -> Result<ConfigurationPayload> {
        let mut problems = Problems::default();
        let text = match input.label.as_deref() {
            Some(raw) => problems.text(&["input", "label"], label(raw)).map(Some),
            None => Some(None),
        };
        let parsed = problems.finish(text.map(|label| ConfigurationCommand::SetLabel {
            form: input.form.trim().to_owned(),
            field: input.field.trim().to_owned(),
            label,
        }));
        configure(ctx, parsed).await
    }

    /// Adds a group or renames one.
    async fn set_group(
        &self,
        ctx: &Context<'_>,
        input: SetGroupInput,
    ) -> Result<ConfigurationPayload> {
        let mut problems = Problems::default();
        let code = code(&mut problems, &["input", "code"], &input.code);
        let name = problems.text(&["input", "name"], display_name(&input.name));
        let parsed = problems.finish(
            code.zip(name)
                .map(|(code, name)| ConfigurationCommand::SetGroup { code, name }),
        );
        configure(ctx, parsed).await
    }

    async fn remove_group(
        &self,
        ctx: &Context<'_>,
        input: CodeInput,
    ) -> Result<ConfigurationPayload> {
        let parsed = by_code(&input, |code| ConfigurationCommand::RemoveGroup { code });
        configure(ctx, parsed).await
    }

    /// Sets what a group may do with one model (rights left out are not given).
    async fn set_access(
        &self,
        ctx: &Context<'_>,
        input: SetAccessInput,
    ) -> Result<ConfigurationPayload> {
        let mut problems = Problems::default();
        let group = code(&mut problems, &["input", "group"], &input.group);
        let rights = Rights {
            create: input.create,
            read: input.read,
            write: input.write,
            delete: input.delete,
        };
        let parsed = problems.finish(group.map(|group| ConfigurationCommand::SetAccess {
            group,
            model: input.model.into(),
            rights,
        }));
        configure(ctx, parsed).await
    }
}

/// A configuration change, as subscribers hear of it.
#[derive(SimpleObject)]
pub struct ConfigurationChanged {
    /// The configuration version now.
    pub version: i64,
    /// The log position of the latest configuration event.
    pub position: i64,
    /// What changed since the previous announcement (or since the subscription started).
    pub changes: Vec<ConfigurationChange>,
}

pub struct ConfigurationSubscription;

#[Subscription]
impl ConfigurationSubscription {
    /// Announces every configuration change (modules, settings, labels, rights, restores), so a
    /// client reloads its forms instead of showing stale ones. Any signed-in user may listen.
    async fn configuration_changed(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = ConfigurationChanged>> {
        let actor = actor(ctx).await?;
        let state = ctx.data::<AppState>()?.clone();
        let progress = state.configuration_progress.subscribe();
        let start = actor.config.clone();
        Ok(futures::stream::unfold(
            (state, progress, start),
            |(state, mut progress, mut seen)| async move {
                loop {
                    // the projection reached a new checkpoint: did the configuration change?
                    progress.changed().await.ok()?;
                    let latest = match state.config.at_least(&state.pool, seen.version + 1).await {
                        Ok(latest) => latest,
                        Err(error) => {
                            tracing::warn!(%error, "configuration subscription: cannot read the configuration");
                            continue;
                        }
                    };
                    if latest.version > seen.version {
                        let announcement = ConfigurationChanged {
                            version: latest.version,
                            position: latest.position,
                            changes: changes(
                                seen.configuration.settings(),
                                latest.configuration.settings(),
                            )
                            .into_iter()
                            .map(Into::into)
                            .collect(),
                        };
                        seen = latest;
                        return Some((announcement, (state, progress, seen)));
                    }
                }
            },
        ))
    }
}
