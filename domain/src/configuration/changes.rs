//! How two configurations differ, as a person reads it: what a stage diff and a data module's
//! dry run show.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::access::Rights;
use super::settings::Settings;
use super::values::{Code, Company, Currency, CurrencyCode, Sequence, Tax};

/// The part of the configuration a change is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Area {
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
    RecordRule,
}

impl Area {
    pub const ALL: [Area; 13] = [
        Area::Module,
        Area::Company,
        Area::Sequence,
        Area::Tax,
        Area::Currency,
        Area::CurrencyRate,
        Area::Label,
        Area::Group,
        Area::Access,
        Area::Account,
        Area::Journal,
        Area::Business,
        Area::RecordRule,
    ];

    /// The area's name as files and the command line write it (`currency_rate`).
    pub fn name(self) -> &'static str {
        match self {
            Area::Module => "module",
            Area::Company => "company",
            Area::Sequence => "sequence",
            Area::Tax => "tax",
            Area::Currency => "currency",
            Area::CurrencyRate => "currency_rate",
            Area::Label => "label",
            Area::Group => "group",
            Area::Access => "access",
            Area::Account => "account",
            Area::Journal => "journal",
            Area::Business => "business_settings",
            Area::RecordRule => "record_rule",
        }
    }

    /// The area named `name` (as [`Area::name`] writes it).
    pub fn named(name: &str) -> Option<Area> {
        Self::ALL.into_iter().find(|area| area.name() == name)
    }
}

/// One difference between two configurations, as a person reads it. `before` is `None` for
/// something added, `after` is `None` for something removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub area: Area,
    pub key: String,
    pub before: Option<String>,
    pub after: Option<String>,
    /// The company whose setting it is (a company itself, its tax, account, journal or business
    /// settings): only that company's users may read it. `None`: every company's. (Changes
    /// recorded before companies owned settings have none.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
}

impl Change {
    /// Whether a user of `companies` may read it.
    pub fn seen_by(&self, companies: &BTreeSet<String>) -> bool {
        self.company.as_ref().is_none_or(|c| companies.contains(c))
    }
}

/// The company whose setting `key` of `area` is in `settings`; `None` for a setting of every
/// company (or one `settings` lacks).
pub fn owner(settings: &Settings, area: Area, key: &str) -> Option<String> {
    let code = |key: &str| Code::parse(key).ok();
    let of = |company: Option<&Code>| company.map(ToString::to_string);
    match area {
        Area::Company => Some(key.to_owned()),
        Area::Tax => of(settings.taxes.get(&code(key)?)?.company.as_ref()),
        Area::Account => of(settings.accounts.get(&code(key)?)?.company.as_ref()),
        Area::Journal => of(settings.journals.get(&code(key)?)?.company.as_ref()),
        Area::Business => {
            let (company, _) = key.split_once(": ")?;
            let company = code(company)?;
            settings
                .business_of
                .contains_key(&company)
                .then(|| company.to_string())
        }
        _ => None,
    }
}

/// What changed from `from` to `to`, area by area, each area in key order.
pub fn changes(from: &Settings, to: &Settings) -> Vec<Change> {
    let mut diff = Diff {
        from,
        to,
        changes: Vec::new(),
    };
    diff.area(Area::Module, |s| s.modules.clone(), ToString::to_string);
    diff.company();
    diff.area(Area::Company, |s| s.companies.clone(), describe_company);
    diff.area(Area::Sequence, |s| s.sequences.clone(), describe_sequence);
    diff.area(Area::Tax, |s| s.taxes.clone(), describe_tax);
    diff.area(Area::Currency, currencies_without_rates, describe_currency);
    diff.area(Area::CurrencyRate, rates, ToString::to_string);
    diff.area(Area::Label, |s| s.labels.clone(), Clone::clone);
    diff.area(Area::Group, group_names, Clone::clone);
    diff.area(Area::Access, access, ToString::to_string);
    diff.area(
        Area::Account,
        |s| s.accounts.clone(),
        |a| format!("{} ({})", a.name, a.kind.as_str()),
    );
    diff.area(
        Area::Journal,
        |s| s.journals.clone(),
        |j| format!("{} ({:?}, numbered by {})", j.name, j.kind, j.sequence),
    );
    diff.area(Area::Business, business, Clone::clone);
    diff.area(
        Area::RecordRule,
        |s| s.record_rules.clone(),
        super::access::RecordRule::describe,
    );
    diff.changes
}

/// The changes found so far between two configurations.
struct Diff<'a> {
    from: &'a Settings,
    to: &'a Settings,
    changes: Vec<Change>,
}

impl Diff<'_> {
    /// The differences in one area, which `read` takes out of a configuration, keyed.
    fn area<K: Ord + ToString, V: PartialEq>(
        &mut self,
        area: Area,
        read: impl Fn(&Settings) -> BTreeMap<K, V>,
        describe: impl Fn(&V) -> String,
    ) {
        let (from, to) = (read(self.from), read(self.to));
        let keys: BTreeSet<&K> = from.keys().chain(to.keys()).collect();
        for key in keys {
            let (before, after) = (from.get(key), to.get(key));
            if before == after {
                continue;
            }
            let key = key.to_string();
            let owners = (
                before.and_then(|_| owner(self.from, area, &key)),
                after.and_then(|_| owner(self.to, area, &key)),
            );
            let (before, after) = (before.map(&describe), after.map(&describe));
            match owners {
                // moved from one company to another (or between one and every company): each
                // side's users see it leave or arrive, not where it went or came from.
                (was, now) if before.is_some() && after.is_some() && was != now => {
                    self.changes.push(Change {
                        area,
                        key: key.clone(),
                        before,
                        after: None,
                        company: was,
                    });
                    self.changes.push(Change {
                        area,
                        key,
                        before: None,
                        after,
                        company: now,
                    });
                }
                (was, now) => self.changes.push(Change {
                    area,
                    key,
                    before,
                    after,
                    company: was.or(now),
                }),
            }
        }
    }

    /// The company's fields, in the order its form shows them.
    fn company(&mut self) {
        let (from, to) = (&self.from.company, &self.to.company);
        let company = [
            ("name", from.name.clone(), to.name.clone()),
            (
                "currency",
                from.currency.to_string(),
                to.currency.to_string(),
            ),
            ("address", address_of(from), address_of(to)),
            (
                "fiscalYearStart",
                from.fiscal_year_start.to_string(),
                to.fiscal_year_start.to_string(),
            ),
            ("parent", parent_of(from), parent_of(to)),
        ];
        for (key, before, after) in company {
            if before != after {
                self.changes.push(Change {
                    area: Area::Company,
                    key: key.to_owned(),
                    before: Some(before),
                    after: Some(after),
                    company: Some(Code::main_company().to_string()),
                });
            }
        }
    }
}

/// The currencies, their rates left out (they are an area of their own).
fn currencies_without_rates(s: &Settings) -> BTreeMap<CurrencyCode, Currency> {
    s.currencies
        .iter()
        .map(|(code, c)| {
            let mut c = c.clone();
            c.rates.clear();
            (code.clone(), c)
        })
        .collect()
}

/// Every currency's rates, keyed `EUR 2026-03-01`.
fn rates(s: &Settings) -> BTreeMap<String, Decimal> {
    s.currencies
        .iter()
        .flat_map(|(code, c)| {
            c.rates
                .iter()
                .map(move |(date, rate)| (format!("{code} {date}"), *rate))
        })
        .collect()
}

fn group_names(s: &Settings) -> BTreeMap<Code, String> {
    s.groups
        .iter()
        .map(|(code, g)| (code.clone(), g.name.clone()))
        .collect()
}

/// Every group's rights, keyed `sales/partner`.
fn access(s: &Settings) -> BTreeMap<String, Rights> {
    s.groups
        .iter()
        .flat_map(|(code, g)| {
            g.rights
                .iter()
                .map(move |(model, rights)| (format!("{code}/{}", model.as_str()), *rights))
        })
        .collect()
}

/// The business settings, keyed by what each is.
fn business(s: &Settings) -> BTreeMap<String, String> {
    let mut map = fields_of(&s.business);
    for (company, business) in &s.business_of {
        map.extend(
            fields_of(business)
                .into_iter()
                .map(|(what, value)| (format!("{company}: {what}"), value)),
        );
    }
    map
}

/// Business settings field by field, as a person reads them.
fn fields_of(b: &super::accounts::BusinessSettings) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = b
        .accounts()
        .into_iter()
        .chain(b.journals())
        .chain(b.sequences())
        .map(|(what, code)| (what.to_owned(), code.to_string()))
        .collect();
    map.insert("invoice policy".into(), format!("{:?}", b.invoice_policy));
    map.insert(
        "negative stock allowed".into(),
        b.allow_negative_stock.to_string(),
    );
    map.insert("payment days".into(), b.payment_days.to_string());
    map
}

/// A company's address on one line, its lines joined by commas (`none` without one).
fn address_of(company: &Company) -> String {
    let a = &company.address;
    let lines: Vec<&str> = [&a.street, &a.zip, &a.city, &a.country]
        .into_iter()
        .filter_map(|line| line.as_deref())
        .collect();
    if lines.is_empty() {
        "none".to_owned()
    } else {
        lines.join(", ")
    }
}

fn parent_of(company: &Company) -> String {
    company
        .parent
        .as_ref()
        .map_or_else(|| "none".to_owned(), ToString::to_string)
}

/// A company other than the main one, on one line: `Agrolait US (USD, under main)`.
pub(super) fn describe_company(company: &Company) -> String {
    match &company.parent {
        Some(parent) => format!("{} ({}, under {parent})", company.name, company.currency),
        None => format!("{} ({})", company.name, company.currency),
    }
}

pub(super) fn describe_tax(tax: &Tax) -> String {
    let included = if tax.price_included {
        ", included in price"
    } else {
        ""
    };
    format!("{} ({}%{included})", tax.name, tax.rate)
}

pub(super) fn describe_sequence(sequence: &Sequence) -> String {
    format!("{} (next {})", sequence.name, sequence.preview())
}

pub(super) fn describe_currency(currency: &Currency) -> String {
    format!(
        "{} ({}, {} decimals)",
        currency.name, currency.symbol, currency.decimals
    )
}
