//! What the configuration mutations take, and the command each input comes to.
//! (Over 600 lines: one input per configuration record, each beside the checks that turn it
//! into its command.)

use async_graphql::{InputObject, MaybeUndefined};
use chrono::NaiveDate;
use domain::configuration::{
    currency_rate, display_name, label, Account as DomainAccount, BusinessSettings, Code,
    Company as DomainCompany, ConfigurationCommand, Currency as DomainCurrency, CurrencyCode,
    FiscalYearStart, Journal as DomainJournal, RecordRule, Rights, RuleCondition,
    Sequence as DomainSequence, Settings, Tax as DomainTax,
};
use domain::partner::Address;
use rust_decimal::Decimal;

use super::objects::{AccountKindName, BusinessSettingsObject, JournalKindName, ModelName};
use crate::graphql::error::{Problems, UserError, UserErrorCode};

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

/// Only the fields given change.
#[derive(InputObject, Default)]
pub struct UpdateCompanyInput {
    pub name: Option<String>,
    /// ISO 4217 code of a currency the database has.
    pub currency: Option<String>,
    /// Left out: as it is; `null`: cleared (likewise city, zip and country).
    pub street: MaybeUndefined<String>,
    pub city: MaybeUndefined<String>,
    pub zip: MaybeUndefined<String>,
    pub country: MaybeUndefined<String>,
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
    /// The company whose documents may use the tax; left out: every company's.
    pub company: Option<String>,
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

#[derive(InputObject)]
pub struct SetAccountInput {
    pub code: String,
    pub name: String,
    pub kind: AccountKindName,
    /// The company whose books may use the account; left out: every company's.
    pub company: Option<String>,
}

#[derive(InputObject)]
pub struct SetJournalInput {
    pub code: String,
    pub name: String,
    pub kind: JournalKindName,
    pub sequence: String,
    /// For a bank journal, its bank account.
    pub account: Option<String>,
    /// The company whose books the journal is for; left out: every company's.
    pub company: Option<String>,
}

/// The configuration command an input asks for, every problem noted.
type Parsed = Result<ConfigurationCommand, Vec<UserError>>;

/// The company a setting is given to (`Some(None)`: every company's), if `raw` is a code.
fn owner(problems: &mut Problems, raw: Option<&str>) -> Option<Option<Code>> {
    match raw {
        Some(raw) => code(problems, &["input", "company"], raw).map(Some),
        None => Some(None),
    }
}

fn code(problems: &mut Problems, path: &[&str], raw: &str) -> Option<Code> {
    problems.text(path, Code::parse(raw))
}

/// The command for an input that is only a code (`removeTax`, `removeGroup`, ...).
pub fn by_code(input: &CodeInput, command: fn(Code) -> ConfigurationCommand) -> Parsed {
    let mut problems = Problems::default();
    let code = code(&mut problems, &["input", "code"], &input.code);
    problems.finish(code.map(command))
}

/// The command for an input that is only a currency code.
pub fn by_currency_code(
    input: &CodeInput,
    command: fn(CurrencyCode) -> ConfigurationCommand,
) -> Parsed {
    let mut problems = Problems::default();
    let code = problems.text(&["input", "code"], CurrencyCode::parse(&input.code));
    problems.finish(code.map(command))
}

impl TryFrom<InstallModuleInput> for ConfigurationCommand {
    type Error = Vec<UserError>;

    fn try_from(input: InstallModuleInput) -> Parsed {
        Ok(ConfigurationCommand::InstallModule {
            name: input.name.trim().to_owned(),
            force: input.force,
        })
    }
}

impl TryFrom<UninstallModuleInput> for ConfigurationCommand {
    type Error = Vec<UserError>;

    fn try_from(input: UninstallModuleInput) -> Parsed {
        Ok(ConfigurationCommand::UninstallModule {
            name: input.name.trim().to_owned(),
            with_dependents: input.with_dependents,
        })
    }
}

impl TryFrom<SetSequenceInput> for ConfigurationCommand {
    type Error = Vec<UserError>;

    fn try_from(input: SetSequenceInput) -> Parsed {
        let mut problems = Problems::default();
        let code = code(&mut problems, &["input", "code"], &input.code);
        let padding = u8::try_from(input.padding).unwrap_or(u8::MAX);
        let next = u64::try_from(input.next_number).unwrap_or(0);
        let sequence = problems.text(
            &["input"],
            DomainSequence::new(&input.name, &input.prefix, padding, next),
        );
        problems.finish(
            code.zip(sequence)
                .map(|(code, sequence)| ConfigurationCommand::SetSequence { code, sequence }),
        )
    }
}

impl TryFrom<SetTaxInput> for ConfigurationCommand {
    type Error = Vec<UserError>;

    fn try_from(input: SetTaxInput) -> Parsed {
        let mut problems = Problems::default();
        let code = code(&mut problems, &["input", "code"], &input.code);
        let tax = problems.text(
            &["input", "rate"],
            DomainTax::new(&input.name, input.rate, input.price_included),
        );
        let company = owner(&mut problems, input.company.as_deref());
        let tax = tax
            .zip(company)
            .map(|(tax, company)| DomainTax { company, ..tax });
        problems.finish(
            code.zip(tax)
                .map(|(code, tax)| ConfigurationCommand::SetTax { code, tax }),
        )
    }
}

impl TryFrom<SetAccountInput> for ConfigurationCommand {
    type Error = Vec<UserError>;

    fn try_from(input: SetAccountInput) -> Parsed {
        let mut problems = Problems::default();
        let code = code(&mut problems, &["input", "code"], &input.code);
        let account = problems.text(
            &["input", "name"],
            DomainAccount::new(&input.name, input.kind.into()),
        );
        let company = owner(&mut problems, input.company.as_deref());
        let account = account
            .zip(company)
            .map(|(account, company)| DomainAccount { company, ..account });
        problems.finish(
            code.zip(account)
                .map(|(code, account)| ConfigurationCommand::SetAccount { code, account }),
        )
    }
}

impl TryFrom<SetJournalInput> for ConfigurationCommand {
    type Error = Vec<UserError>;

    fn try_from(input: SetJournalInput) -> Parsed {
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
        let company = owner(&mut problems, input.company.as_deref());
        let journal = journal
            .zip(company)
            .map(|(journal, company)| DomainJournal { company, ..journal });
        problems.finish(
            code.zip(journal)
                .map(|(code, journal)| ConfigurationCommand::SetJournal { code, journal }),
        )
    }
}

impl TryFrom<BusinessSettingsObject> for ConfigurationCommand {
    type Error = Vec<UserError>;

    fn try_from(input: BusinessSettingsObject) -> Parsed {
        let mut problems = Problems::default();
        let settings = business_settings(&mut problems, &input);
        problems.finish(
            settings.map(|settings| ConfigurationCommand::SetBusinessSettings {
                settings,
                company: None,
            }),
        )
    }
}

impl TryFrom<SetCurrencyInput> for ConfigurationCommand {
    type Error = Vec<UserError>;

    fn try_from(input: SetCurrencyInput) -> Parsed {
        let mut problems = Problems::default();
        let code = problems.text(&["input", "code"], CurrencyCode::parse(&input.code));
        let decimals = u8::try_from(input.decimals)
            .ok()
            .filter(|d| *d <= domain::configuration::DECIMALS_MAX);
        if decimals.is_none() {
            problems.add(
                &["input", "decimals"],
                format!(
                    "a currency has 0 to {} decimal places, not {}",
                    domain::configuration::DECIMALS_MAX,
                    input.decimals
                ),
                UserErrorCode::Invalid,
            );
        }
        let currency = decimals.and_then(|decimals| {
            problems.text(
                &["input"],
                DomainCurrency::new(&input.name, &input.symbol, decimals),
            )
        });
        problems.finish(
            code.zip(currency)
                .map(|(code, currency)| ConfigurationCommand::SetCurrency { code, currency }),
        )
    }
}

impl TryFrom<SetCurrencyRateInput> for ConfigurationCommand {
    type Error = Vec<UserError>;

    fn try_from(input: SetCurrencyRateInput) -> Parsed {
        let mut problems = Problems::default();
        let code = problems.text(&["input", "code"], CurrencyCode::parse(&input.code));
        let rate = problems.text(&["input", "rate"], currency_rate(input.rate));
        problems.finish(
            code.zip(rate)
                .map(|(code, rate)| ConfigurationCommand::SetCurrencyRate {
                    code,
                    date: input.date,
                    rate,
                }),
        )
    }
}

impl TryFrom<SetLabelInput> for ConfigurationCommand {
    type Error = Vec<UserError>;

    fn try_from(input: SetLabelInput) -> Parsed {
        let mut problems = Problems::default();
        let text = match input.label.as_deref() {
            Some(raw) => problems.text(&["input", "label"], label(raw)).map(Some),
            None => Some(None),
        };
        problems.finish(text.map(|label| ConfigurationCommand::SetLabel {
            form: input.form.trim().to_owned(),
            field: input.field.trim().to_owned(),
            label,
        }))
    }
}

impl TryFrom<SetGroupInput> for ConfigurationCommand {
    type Error = Vec<UserError>;

    fn try_from(input: SetGroupInput) -> Parsed {
        let mut problems = Problems::default();
        let code = code(&mut problems, &["input", "code"], &input.code);
        let name = problems.text(&["input", "name"], display_name(&input.name));
        problems.finish(
            code.zip(name)
                .map(|(code, name)| ConfigurationCommand::SetGroup { code, name }),
        )
    }
}

impl TryFrom<SetAccessInput> for ConfigurationCommand {
    type Error = Vec<UserError>;

    fn try_from(input: SetAccessInput) -> Parsed {
        let mut problems = Problems::default();
        let group = code(&mut problems, &["input", "group"], &input.group);
        let rights = Rights {
            create: input.create,
            read: input.read,
            write: input.write,
            delete: input.delete,
        };
        problems.finish(group.map(|group| ConfigurationCommand::SetAccess {
            group,
            model: input.model.into(),
            rights,
        }))
    }
}

/// Adds a company or changes one: only the fields given change. A new company needs a name;
/// its currency is the main company's unless given.
#[derive(InputObject)]
pub struct SetCompanyInput {
    /// The company's code (`main` is the company every database starts with).
    pub code: String,
    #[graphql(flatten)]
    pub company: UpdateCompanyInput,
    /// The code of the company this one consolidates into; `null`: none; left out: as it is.
    pub parent: MaybeUndefined<String>,
}

/// The command `input` makes of the companies of `settings`.
pub fn set_company_command(
    input: SetCompanyInput,
    settings: &Settings,
) -> Result<ConfigurationCommand, Vec<UserError>> {
    let mut problems = Problems::default();
    let Some(code) = problems.text(&["input", "code"], Code::parse(&input.code)) else {
        return problems.finish(None);
    };
    let current = match settings.company(&code) {
        Some(current) => current.clone(),
        None if input.company.name.is_none() => {
            problems.add(
                &["input", "name"],
                format!("company '{code}' is new: it needs a name"),
                UserErrorCode::Required,
            );
            return problems.finish(None);
        }
        None => DomainCompany {
            currency: settings.company.currency.clone(),
            ..DomainCompany::default()
        },
    };
    let mut company = changed_company(&mut problems, input.company, current);
    match input.parent {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => company.parent = None,
        MaybeUndefined::Value(parent) => {
            company.parent = problems.text(&["input", "parent"], Code::parse(&parent));
        }
    }
    problems.finish(Some(ConfigurationCommand::SetCompany { code, company }))
}

/// The main company as `input` changes `current`.
pub fn company_command(
    input: UpdateCompanyInput,
    current: &DomainCompany,
) -> Result<ConfigurationCommand, Vec<UserError>> {
    let mut problems = Problems::default();
    let company = changed_company(&mut problems, input, current.clone());
    problems.finish(Some(ConfigurationCommand::UpdateCompany { company }))
}

/// `company` with what `input` gives changed, and what is wrong with it in `problems`.
fn changed_company(
    problems: &mut Problems,
    input: UpdateCompanyInput,
    mut company: DomainCompany,
) -> DomainCompany {
    let current = company.clone();
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
    let address_given = [&input.street, &input.city, &input.zip, &input.country]
        .iter()
        .any(|field| !field.is_undefined());
    if address_given {
        let now = &current.address;
        let pick = |given: &MaybeUndefined<String>, now: &Option<String>| match given {
            MaybeUndefined::Undefined => now.clone(),
            MaybeUndefined::Null => None,
            MaybeUndefined::Value(given) => Some(given.clone()),
        };
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
    company
}

/// Business settings from their input, every code parsed.
fn business_settings(
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

/// A record rule: which orders (`SALE_ORDER`, `PURCHASE_ORDER`), documents (`INVOICE`: invoices,
/// bills and credit notes) or partners (`PARTNER`) users see and touch. Give exactly one
/// condition: `own: true` (those they created), `states` (those in one of them: orders `draft`,
/// `confirmed`, `cancelled`; documents `draft`, `posted`, `cancelled`) or `partnerCategories`
/// (partners in one of them; orders and documents whose partner is). A rule on partners names
/// categories. Without groups, the rule restricts everyone (but administrators); with groups,
/// it applies to their members, and a user's group rules widen each other.
#[derive(InputObject)]
pub struct SetRecordRuleInput {
    pub code: String,
    pub name: String,
    pub model: ModelName,
    #[graphql(default)]
    pub groups: Vec<String>,
    #[graphql(default)]
    pub own: bool,
    pub states: Option<Vec<String>>,
    pub partner_categories: Option<Vec<String>>,
}

impl TryFrom<SetRecordRuleInput> for ConfigurationCommand {
    type Error = Vec<UserError>;

    fn try_from(input: SetRecordRuleInput) -> Parsed {
        let mut problems = Problems::default();
        let code = code(&mut problems, &["input", "code"], &input.code);
        let name = problems.text(&["input", "name"], display_name(&input.name));
        let before = problems.0.len();
        let groups: std::collections::BTreeSet<Code> = input
            .groups
            .iter()
            .filter_map(|g| problems.text(&["input", "groups"], Code::parse(g)))
            .collect();
        let groups = (problems.0.len() == before).then_some(groups);
        // an empty list beside another condition is no condition (a form sends every field);
        // alone, it is the rule the domain refuses as naming nothing.
        let given = |list: &Option<Vec<String>>| list.as_ref().is_some_and(|l| !l.is_empty());
        let any = input.own || given(&input.states) || given(&input.partner_categories);
        let keep = |list: Option<Vec<String>>| match list {
            Some(l) if any && l.is_empty() => None,
            list => list,
        };
        let condition = match (
            input.own,
            keep(input.states),
            keep(input.partner_categories),
        ) {
            (true, None, None) => Some(RuleCondition::Own),
            (false, Some(states), None) => {
                Some(RuleCondition::States(states.into_iter().collect()))
            }
            (false, None, Some(categories)) => {
                let before = problems.0.len();
                let categories: std::collections::BTreeSet<Code> = categories
                    .iter()
                    .filter_map(|c| problems.text(&["input", "partnerCategories"], Code::parse(c)))
                    .collect();
                (problems.0.len() == before).then_some(RuleCondition::PartnerCategories(categories))
            }
            _ => {
                problems.add(
                    &["input"],
                    "give one condition: own: true, states, or partnerCategories",
                    UserErrorCode::Invalid,
                );
                None
            }
        };
        let parsed = (|| {
            Some(ConfigurationCommand::SetRecordRule {
                code: code?,
                rule: RecordRule {
                    name: name?,
                    model: input.model.into(),
                    groups: groups?,
                    condition: condition?,
                },
            })
        })();
        problems.finish(parsed)
    }
}
