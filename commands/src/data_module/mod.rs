//! Data modules: files of records (taxes, currencies, sequences, labels, groups, partners)
//! loaded as commands. A dry run says what would change; loading twice changes nothing the
//! second time; every event records the module and version it came from.
//! (Over 600 lines: the format's every kind of record, read line by line with the refusal of
//! each naming its line; loading lives in `load.rs`.)
//!
//! The format is JSON Lines (one JSON object per line; blank lines and lines starting with `#`
//! are skipped), so an error names its line. The first record is the header:
//!
//! ```text
//! {"data_module": "l10n_be", "version": "1.0.0", "requires": ["account"]}
//! {"tax": "vat21", "name": "VAT 21%", "rate": "21", "price_included": false}
//! {"currency": "USD", "name": "US Dollar", "symbol": "$", "decimals": 2}
//! {"currency_rate": "USD", "date": "2026-01-01", "rate": "1.0821"}
//! {"sequence": "sale.order", "name": "Sales orders", "prefix": "SO", "padding": 4, "next_number": 1}
//! {"label": "partner.vat", "text": "VAT number"}
//! {"group": "sales", "name": "Sales", "rights": {"partner": "crw"}}
//! {"partner": "agrolait", "name": "Agrolait", "email": "info@agrolait.be", "is_customer": true}
//! {"account": "411000", "name": "Customers", "kind": "receivable"}
//! {"journal": "bank", "name": "Bank", "kind": "bank", "sequence": "bank", "account": "550000"}
//! {"business_settings": {"receivable_account": "411000", "invoice_policy": "delivered"}}
//! {"company": "north", "name": "North Branch", "currency": "EUR", "parent": "main"}
//! {"tax": "vat6n", "name": "VAT 6%", "rate": "6", "company": "north"}
//! ```
//!
//! Taxes, accounts, journals, partners and business settings may name the `company` they
//! belong to (every company's without it; business settings: the main ones). A `company`
//! record states a company whole (`fiscal_year_start` as `MM-DD`, address fields as a
//! partner's).
//!
//! Account kinds: receivable, payable, bank, asset, liability, equity, income, expense. Journal
//! kinds: sale, purchase, bank, general. `business_settings` replaces all the business settings
//! (what it leaves out is unset).
//!
//! Modules in `requires` are installed with the records. A partner's key (`agrolait`) is its
//! external id: the module's name and the key give the partner its id, so loading the module
//! again updates that partner instead of making another.
//!
//! A promotion (what `erp stage export` writes) is a module of `promote` records: each a
//! configured thing of one area (`Area::name`: module, company, sequence, tax, currency,
//! currency_rate, label, group, access, account, journal, business_settings, record_rule) with
//! what it was in the source database at the first stage and what it is at the second, in the
//! form the configuration's snapshots keep it; the header's `source` says where it came from:
//!
//! ```text
//! {"data_module": "go_live", "version": "1.0.0", "source": {"database": "erp_test", ...}}
//! {"promote": "tax", "key": "vat21", "was": {"name": "VAT 21%", "rate": "21", ...}, "to": {...}}
//! {"promote": "label", "key": "partner.vat", "to": "VAT number"}
//! ```
//!
//! Loading takes each thing where the database still has what the source had (and skips what
//! it has as promoted already); a thing changed here since, or taken away while business
//! records use it, is a conflict, listed by line, and nothing is loaded. A development version
//! (odd middle number) is refused by a production database unless forced.
//!
//! (Over 600 lines: every record kind's fields and checks are here, one struct and one arm of
//! `parse` each, so a file's format reads in one place.)

mod json;
mod load;

pub use load::{load, LoadError, Loading, Report};

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use domain::configuration::{
    currency_rate, display_name, label, Account, AccountKind, Area, BusinessSettings, Code,
    Company, ConfigurationCommand, Currency, CurrencyCode, FiscalYearStart, Item, Journal,
    JournalKind, Model, ModuleVersion, Promotion, Rights, Sequence, Tax,
};
use domain::partner::{Address, Email, PartnerDetails, PartnerName, Phone, VatNumber};
use domain::text::TextError;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

/// Partners' ids come from their data module and key.
const PARTNER_NAMESPACE: Uuid = Uuid::from_u128(0x3a7d_91c4_5e2b_4f6a_8c1d_0b9e_7f24_6d18);

/// Why a file was refused. Nothing of it was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// 1-based line of the file; 0 when no single line is at fault.
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.reason)
        } else {
            write!(f, "line {}: {}", self.line, self.reason)
        }
    }
}

impl std::error::Error for Refusal {}

fn refuse(line: usize, reason: impl Into<String>) -> Refusal {
    Refusal {
        line,
        reason: reason.into(),
    }
}

/// A parsed data module, every record valid.
#[derive(Debug, Clone, PartialEq)]
pub struct DataModule {
    pub name: String,
    pub version: ModuleVersion,
    pub requires: Vec<String>,
    /// Where a promotion comes from (the database, its stages and their log positions), as
    /// the header records it.
    pub source: Option<Value>,
    configuration: Vec<(usize, ConfigurationCommand)>,
    partners: Vec<(usize, Uuid, PartnerDetails)>,
    promotions: Vec<(usize, Promotion)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    data_module: String,
    version: String,
    #[serde(default)]
    requires: Vec<String>,
    source: Option<Value>,
}

/// One configured thing promoted from another database: its area, its key, what it was there
/// at the first stage and what it is at the second (null or left out: not there).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PromoteRecord {
    promote: String,
    key: String,
    #[serde(default)]
    was: Option<Value>,
    #[serde(default)]
    to: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaxRecord {
    tax: String,
    name: String,
    rate: Decimal,
    #[serde(default)]
    price_included: bool,
    /// The company whose tax it is; every company's without it.
    company: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CurrencyRecord {
    currency: String,
    name: String,
    symbol: String,
    #[serde(default = "two")]
    decimals: u8,
}

fn two() -> u8 {
    2
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RateRecord {
    currency_rate: String,
    date: NaiveDate,
    rate: Decimal,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SequenceRecord {
    sequence: String,
    name: String,
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    padding: u8,
    #[serde(default = "one")]
    next_number: u64,
}

fn one() -> u64 {
    1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelRecord {
    label: String,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupRecord {
    group: String,
    name: String,
    /// Model name → letters among `c r w d`.
    #[serde(default)]
    rights: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartnerRecord {
    partner: String,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    street: Option<String>,
    city: Option<String>,
    zip: Option<String>,
    country: Option<String>,
    vat: Option<String>,
    #[serde(default)]
    is_customer: bool,
    #[serde(default)]
    is_supplier: bool,
    /// Category codes.
    #[serde(default)]
    categories: Vec<String>,
    /// The company the partner belongs to; shared by every company without it.
    company: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountRecord {
    account: String,
    name: String,
    kind: AccountKind,
    company: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JournalRecord {
    journal: String,
    name: String,
    kind: JournalKind,
    sequence: String,
    account: Option<String>,
    company: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BusinessRecord {
    business_settings: BusinessSettings,
    /// A company's own settings; the main ones without it.
    company: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompanyRecord {
    company: String,
    name: String,
    currency: String,
    /// The company it consolidates into.
    parent: Option<String>,
    /// `MM-DD`; 1 January without it.
    fiscal_year_start: Option<String>,
    street: Option<String>,
    city: Option<String>,
    zip: Option<String>,
    country: Option<String>,
}

/// The kinds of record a data module can hold, by the key that names them, looked for in this
/// order: a journal has a `sequence` and an `account` field, so it comes first; taxes,
/// partners, accounts and business settings may name their `company`, and a company its
/// `currency`.
const KINDS: &[&str] = &[
    "promote",
    "journal",
    "tax",
    "partner",
    "account",
    "business_settings",
    "company",
    "currency",
    "currency_rate",
    "sequence",
    "label",
    "group",
];

/// The company a record names as its owner, if any.
fn owner(line: usize, raw: Option<&str>) -> Result<Option<Code>, Refusal> {
    optional(line, "company", raw, Code::parse)
}

/// The address a record's street, city, zip and country make, every problem on its line.
fn address(
    line: usize,
    [street, city, zip, country]: [Option<&str>; 4],
) -> Result<Address, Refusal> {
    Address::parse(street, city, zip, country).map_err(|errors| {
        let reasons: Vec<String> = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.error))
            .collect();
        refuse(line, reasons.join("; "))
    })
}

/// The company a `company` record states, whole.
fn company(line: usize, r: &CompanyRecord) -> Result<Company, Refusal> {
    let fiscal_year_start = match r.fiscal_year_start.as_deref() {
        None => FiscalYearStart::default(),
        Some(raw) => {
            let (month, day) = raw
                .split_once('-')
                .and_then(|(m, d)| Some((m.parse().ok()?, d.parse().ok()?)))
                .ok_or_else(|| refuse(line, format!("fiscal_year_start: '{raw}' is not MM-DD")))?;
            text(line, "fiscal_year_start", FiscalYearStart::new(month, day))?
        }
    };
    let address = address(
        line,
        [&r.street, &r.city, &r.zip, &r.country].map(Option::as_deref),
    )?;
    Ok(Company {
        name: text(line, "name", display_name(&r.name))?,
        currency: text(line, "currency", CurrencyCode::parse(&r.currency))?,
        address,
        fiscal_year_start,
        parent: owner(line, r.parent.as_deref())?,
    })
}

/// The longest key a `promote` record may give (a code, a rate's currency and day, a right's
/// group and model).
const KEY_MAX: usize = 200;

/// The thing a `promote` record carries, its values read as its area holds them.
fn promotion(line: usize, r: PromoteRecord) -> Result<Promotion, Refusal> {
    let area = Area::named(&r.promote).ok_or_else(|| {
        let names: Vec<&str> = Area::ALL.iter().map(|a| a.name()).collect();
        refuse(
            line,
            format!(
                "promote: there is no area '{}' (one of {})",
                r.promote,
                names.join(", ")
            ),
        )
    })?;
    let item = |side: &str, value: Option<Value>| {
        value
            .map(|value| Item::read(area, value))
            .transpose()
            .map_err(|e| refuse(line, format!("{side}: {e}")))
    };
    if r.key.chars().count() > KEY_MAX {
        return Err(refuse(line, format!("key: at most {KEY_MAX} characters")));
    }
    let (was, to) = (item("was", r.was)?, item("to", r.to)?);
    if was.is_none() && to.is_none() {
        return Err(refuse(
            line,
            "a promoted thing has what it was (`was`), what it becomes (`to`), or both",
        ));
    }
    Ok(Promotion {
        area,
        key: r.key,
        was,
        to,
    })
}

fn record<T: DeserializeOwned>(line: usize, value: Value) -> Result<T, Refusal> {
    serde_json::from_value(value).map_err(|e| refuse(line, e.to_string()))
}

fn text<T>(line: usize, field: &str, parsed: Result<T, TextError>) -> Result<T, Refusal> {
    parsed.map_err(|e| refuse(line, format!("{field}: {e}")))
}

fn optional<T>(
    line: usize,
    field: &str,
    raw: Option<&str>,
    parse: fn(&str) -> Result<T, TextError>,
) -> Result<Option<T>, Refusal> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(raw) => text(line, field, parse(raw)).map(Some),
    }
}

fn rights(line: usize, raw: &BTreeMap<String, String>) -> Result<Vec<(Model, Rights)>, Refusal> {
    raw.iter()
        .map(|(model, letters)| {
            let model = Model::ALL
                .into_iter()
                .find(|m| m.as_str() == model)
                .ok_or_else(|| refuse(line, format!("rights: there is no model '{model}'")))?;
            if let Some(bad) = letters.chars().find(|c| !"crwd".contains(*c)) {
                return Err(refuse(
                    line,
                    format!(
                        "rights: '{bad}' is not one of c (create), r (read), w (write), d (delete)"
                    ),
                ));
            }
            Ok((
                model,
                Rights {
                    create: letters.contains('c'),
                    read: letters.contains('r'),
                    write: letters.contains('w'),
                    delete: letters.contains('d'),
                },
            ))
        })
        .collect()
}

impl DataModule {
    /// Parses a whole file; the first problem found refuses it.
    pub fn parse(file: &str) -> Result<Self, Refusal> {
        let mut header: Option<(String, ModuleVersion, Vec<String>, Option<Value>)> = None;
        let mut configuration = Vec::new();
        let mut partners = Vec::new();
        let mut promotions: Vec<(usize, Promotion)> = Vec::new();
        // what each keyed record set, and on which line: a second record of the same thing
        // would silently win over the first.
        let mut keyed: Vec<(&str, String, usize)> = Vec::new();
        // a byte-order mark some editors write first is not part of the first record.
        let file = file.strip_prefix('\u{feff}').unwrap_or(file);
        for (index, raw) in file.lines().enumerate() {
            let line = index + 1;
            let raw = raw.trim();
            if raw.is_empty() || raw.starts_with('#') {
                continue;
            }
            let value = json::parse(raw).map_err(|reason| refuse(line, reason))?;
            if !value.is_object() {
                return Err(refuse(line, "a record is a JSON object"));
            }
            let Some((name, _, _, _)) = &header else {
                let parsed: Header = record(line, value).map_err(|e| {
                    refuse(
                        line,
                        format!("the first record must be the header {{\"data_module\": ..., \"version\": ...}} ({})", e.reason),
                    )
                })?;
                let name = text(line, "data_module", Code::parse(&parsed.data_module))?;
                let version: ModuleVersion = parsed
                    .version
                    .parse()
                    .map_err(|e: String| refuse(line, format!("version: {e}")))?;
                header = Some((name.to_string(), version, parsed.requires, parsed.source));
                continue;
            };
            let kind = KINDS
                .iter()
                .find(|k| value.get(**k).is_some())
                .ok_or_else(|| {
                    refuse(
                        line,
                        format!(
                            "unknown record: a record has one of the keys {}",
                            KINDS.join(", ")
                        ),
                    )
                })?;
            const KEYED: [&str; 7] = [
                "tax", "company", "currency", "sequence", "account", "journal", "group",
            ];
            if let Some(key) = KEYED
                .contains(kind)
                .then(|| value.get(*kind).and_then(Value::as_str))
                .flatten()
            {
                let key = key.trim().to_lowercase();
                if let Some((_, _, first)) = keyed.iter().find(|(k, x, _)| k == kind && *x == key) {
                    return Err(refuse(
                        line,
                        format!("{kind} '{key}' is set on line {first} already: give it once"),
                    ));
                }
                keyed.push((kind, key, line));
            }
            let command = match *kind {
                "promote" => {
                    let promotion = promotion(line, record(line, value)?)?;
                    let same = |(_, p): &(usize, Promotion)| {
                        p.area == promotion.area && p.key == promotion.key
                    };
                    if let Some((first, _)) = promotions.iter().find(|p| same(p)) {
                        return Err(refuse(
                            line,
                            format!(
                                "{} '{}' is promoted on line {first} already",
                                promotion.area.name(),
                                promotion.key
                            ),
                        ));
                    }
                    promotions.push((line, promotion));
                    continue;
                }
                "tax" => {
                    let r: TaxRecord = record(line, value)?;
                    text(line, "name", display_name(&r.name))?;
                    let mut tax = text(line, "rate", Tax::new(&r.name, r.rate, r.price_included))?;
                    tax.company = owner(line, r.company.as_deref())?;
                    ConfigurationCommand::SetTax {
                        code: text(line, "tax", Code::parse(&r.tax))?,
                        tax,
                    }
                }
                "company" => {
                    let r: CompanyRecord = record(line, value)?;
                    ConfigurationCommand::SetCompany {
                        code: text(line, "company", Code::parse(&r.company))?,
                        company: company(line, &r)?,
                    }
                }
                "currency" => {
                    let r: CurrencyRecord = record(line, value)?;
                    ConfigurationCommand::SetCurrency {
                        code: text(line, "currency", CurrencyCode::parse(&r.currency))?,
                        currency: text(
                            line,
                            "currency",
                            Currency::new(&r.name, &r.symbol, r.decimals),
                        )?,
                    }
                }
                "currency_rate" => {
                    let r: RateRecord = record(line, value)?;
                    ConfigurationCommand::SetCurrencyRate {
                        code: text(line, "currency_rate", CurrencyCode::parse(&r.currency_rate))?,
                        date: r.date,
                        rate: text(line, "rate", currency_rate(r.rate))?,
                    }
                }
                "sequence" => {
                    let r: SequenceRecord = record(line, value)?;
                    ConfigurationCommand::SetSequence {
                        code: text(line, "sequence", Code::parse(&r.sequence))?,
                        sequence: text(
                            line,
                            "sequence",
                            Sequence::new(&r.name, &r.prefix, r.padding, r.next_number),
                        )?,
                    }
                }
                "label" => {
                    let r: LabelRecord = record(line, value)?;
                    let Some((form, field)) = r.label.split_once('.') else {
                        return Err(refuse(
                            line,
                            "label: name the field as form.field (partner.vat)",
                        ));
                    };
                    ConfigurationCommand::SetLabel {
                        form: form.to_owned(),
                        field: field.to_owned(),
                        label: Some(text(line, "text", label(&r.text))?),
                    }
                }
                "group" => {
                    let r: GroupRecord = record(line, value)?;
                    let code = text(line, "group", Code::parse(&r.group))?;
                    let mut commands = vec![ConfigurationCommand::SetGroup {
                        code: code.clone(),
                        name: text(line, "name", display_name(&r.name))?,
                    }];
                    for (model, rights) in rights(line, &r.rights)? {
                        commands.push(ConfigurationCommand::SetAccess {
                            group: code.clone(),
                            model,
                            rights,
                        });
                    }
                    ConfigurationCommand::Batch(commands)
                }
                "account" => {
                    let r: AccountRecord = record(line, value)?;
                    let mut account = text(line, "name", Account::new(&r.name, r.kind))?;
                    account.company = owner(line, r.company.as_deref())?;
                    ConfigurationCommand::SetAccount {
                        code: text(line, "account", Code::parse(&r.account))?,
                        account,
                    }
                }
                "journal" => {
                    let r: JournalRecord = record(line, value)?;
                    let sequence = text(line, "sequence", Code::parse(&r.sequence))?;
                    let account = optional(line, "account", r.account.as_deref(), Code::parse)?;
                    let mut journal = text(
                        line,
                        "journal",
                        Journal::new(&r.name, r.kind, sequence, account),
                    )?;
                    journal.company = owner(line, r.company.as_deref())?;
                    ConfigurationCommand::SetJournal {
                        code: text(line, "journal", Code::parse(&r.journal))?,
                        journal,
                    }
                }
                "business_settings" => {
                    let r: BusinessRecord = record(line, value)?;
                    ConfigurationCommand::SetBusinessSettings {
                        settings: r.business_settings,
                        company: owner(line, r.company.as_deref())?,
                    }
                }
                _ => {
                    let r: PartnerRecord = record(line, value)?;
                    let key = text(line, "partner", Code::parse(&r.partner))?;
                    let address = address(
                        line,
                        [&r.street, &r.city, &r.zip, &r.country].map(Option::as_deref),
                    )?;
                    let details = PartnerDetails {
                        name: text(line, "name", PartnerName::parse(&r.name))?,
                        email: optional(line, "email", r.email.as_deref(), Email::parse)?,
                        phone: optional(line, "phone", r.phone.as_deref(), Phone::parse)?,
                        address,
                        vat: optional(line, "vat", r.vat.as_deref(), VatNumber::parse)?,
                        is_customer: r.is_customer,
                        is_supplier: r.is_supplier,
                        company: owner(line, r.company.as_deref())?,
                        categories: r
                            .categories
                            .iter()
                            .map(|c| text(line, "categories", Code::parse(c)))
                            .collect::<Result<_, _>>()?,
                    };
                    let id = Uuid::new_v5(&PARTNER_NAMESPACE, format!("{name}.{key}").as_bytes());
                    if partners.iter().any(|(_, other, _)| *other == id) {
                        return Err(refuse(line, format!("partner '{key}' appears twice")));
                    }
                    partners.push((line, id, details));
                    continue;
                }
            };
            configuration.push((line, command));
        }
        let Some((name, version, requires, source)) = header else {
            return Err(refuse(0, "the file has no records (not even the header)"));
        };
        Ok(Self {
            name,
            version,
            requires,
            source,
            configuration,
            partners,
            promotions,
        })
    }

    /// The configuration commands of the module, in file order.
    pub fn configuration_commands(&self) -> impl Iterator<Item = &ConfigurationCommand> {
        self.configuration.iter().map(|(_, command)| command)
    }

    /// The promoted things, in file order.
    pub fn promotions(&self) -> impl Iterator<Item = &Promotion> {
        self.promotions.iter().map(|(_, promotion)| promotion)
    }

    /// `name@version`, as events record it.
    pub fn key(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }
}
