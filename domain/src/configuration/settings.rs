//! The configuration a stage captures and a restore brings back: modules, company, sequences,
//! taxes, currencies, labels, groups and their rights. What it is, how events change it, how two
//! of them differ, and which events turn one into the other.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::catalogue::{self, ModuleVersion};
use super::events::ConfigurationEvent;
use super::values::{Code, Company, Currency, CurrencyCode, Group, Sequence, Tax};

/// Everything a stage captures. Plain data, so a snapshot is its JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub modules: BTreeMap<String, ModuleVersion>,
    pub company: Company,
    pub sequences: BTreeMap<Code, Sequence>,
    pub taxes: BTreeMap<Code, Tax>,
    pub currencies: BTreeMap<CurrencyCode, Currency>,
    /// Renamed labels, keyed `form.field`; a field not here shows its default label.
    pub labels: BTreeMap<String, String>,
    pub groups: BTreeMap<Code, Group>,
}

impl Settings {
    pub fn installed(&self) -> BTreeSet<String> {
        self.modules.keys().cloned().collect()
    }

    pub fn is_installed(&self, module: &str) -> bool {
        self.modules.contains_key(module)
    }

    /// The label `form.field` shows.
    pub fn label(&self, form: &str, field: &str) -> Option<String> {
        let key = format!("{form}.{field}");
        self.labels.get(&key).cloned().or_else(|| {
            catalogue::form(form)
                .and_then(|f| f.fields.iter().find(|(name, _)| *name == field))
                .map(|(_, label)| (*label).to_owned())
        })
    }

    /// Folds one event in. Events that are not about settings change nothing.
    pub fn apply(&mut self, event: &ConfigurationEvent) {
        use ConfigurationEvent as E;
        match event {
            E::ModuleInstalled { name, version, .. } => {
                self.modules.insert(name.clone(), *version);
            }
            E::ModuleUninstalled { name } => {
                self.modules.remove(name);
            }
            E::CompanyUpdated { company } => self.company = company.clone(),
            E::SequenceSet { code, sequence } => {
                self.sequences.insert(code.clone(), sequence.clone());
            }
            E::SequenceRemoved { code } => {
                self.sequences.remove(code);
            }
            E::TaxSet { code, tax } => {
                self.taxes.insert(code.clone(), tax.clone());
            }
            E::TaxRemoved { code } => {
                self.taxes.remove(code);
            }
            E::CurrencySet { code, currency } => {
                self.currencies.insert(code.clone(), currency.clone());
            }
            E::CurrencyRateSet { code, date, rate } => {
                if let Some(currency) = self.currencies.get_mut(code) {
                    currency.rates.insert(*date, *rate);
                }
            }
            E::CurrencyRemoved { code } => {
                self.currencies.remove(code);
            }
            E::LabelSet { form, field, label } => {
                self.labels.insert(format!("{form}.{field}"), label.clone());
            }
            E::LabelReset { form, field } => {
                self.labels.remove(&format!("{form}.{field}"));
            }
            E::GroupSet { code, group } => {
                self.groups.insert(code.clone(), group.clone());
            }
            E::GroupRemoved { code } => {
                self.groups.remove(code);
            }
            E::AccessSet {
                group,
                model,
                rights,
            } => {
                if let Some(group) = self.groups.get_mut(group) {
                    if rights.none() {
                        group.rights.remove(model);
                    } else {
                        group.rights.insert(*model, *rights);
                    }
                }
            }
            E::DatabaseMarked { .. } | E::StageCreated { .. } | E::StageRestored { .. } => {}
        }
    }
}

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
}

/// One difference between two configurations, as a person reads it. `before` is `None` for
/// something added, `after` is `None` for something removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub area: Area,
    pub key: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

fn compare<K: Ord + ToString, V: PartialEq>(
    changes: &mut Vec<Change>,
    area: Area,
    from: &BTreeMap<K, V>,
    to: &BTreeMap<K, V>,
    describe: impl Fn(&V) -> String,
) {
    let keys: BTreeSet<&K> = from.keys().chain(to.keys()).collect();
    for key in keys {
        let (before, after) = (from.get(key), to.get(key));
        if before != after {
            changes.push(Change {
                area,
                key: key.to_string(),
                before: before.map(&describe),
                after: after.map(&describe),
            });
        }
    }
}

fn describe_tax(tax: &Tax) -> String {
    let included = if tax.price_included {
        ", included in price"
    } else {
        ""
    };
    format!("{} ({}%{included})", tax.name, tax.rate)
}

fn describe_sequence(sequence: &Sequence) -> String {
    format!("{} (next {})", sequence.name, sequence.preview())
}

fn describe_currency(currency: &Currency) -> String {
    format!(
        "{} ({}, {} decimals)",
        currency.name, currency.symbol, currency.decimals
    )
}

/// What changed from `from` to `to`, area by area, each area in key order.
pub fn changes(from: &Settings, to: &Settings) -> Vec<Change> {
    let mut changes = Vec::new();
    compare(
        &mut changes,
        Area::Module,
        &from.modules,
        &to.modules,
        ToString::to_string,
    );
    let company = [
        ("name", from.company.name.clone(), to.company.name.clone()),
        (
            "currency",
            from.company.currency.to_string(),
            to.company.currency.to_string(),
        ),
        (
            "address",
            format!("{:?}", from.company.address),
            format!("{:?}", to.company.address),
        ),
        (
            "fiscalYearStart",
            from.company.fiscal_year_start.to_string(),
            to.company.fiscal_year_start.to_string(),
        ),
    ];
    for (key, before, after) in company {
        if before != after {
            changes.push(Change {
                area: Area::Company,
                key: key.to_owned(),
                before: Some(before),
                after: Some(after),
            });
        }
    }
    compare(
        &mut changes,
        Area::Sequence,
        &from.sequences,
        &to.sequences,
        describe_sequence,
    );
    compare(
        &mut changes,
        Area::Tax,
        &from.taxes,
        &to.taxes,
        describe_tax,
    );
    let strip = |s: &Settings| -> BTreeMap<CurrencyCode, Currency> {
        s.currencies
            .iter()
            .map(|(code, c)| {
                let mut c = c.clone();
                c.rates.clear();
                (code.clone(), c)
            })
            .collect()
    };
    compare(
        &mut changes,
        Area::Currency,
        &strip(from),
        &strip(to),
        describe_currency,
    );
    let rates = |s: &Settings| -> BTreeMap<String, rust_decimal::Decimal> {
        s.currencies
            .iter()
            .flat_map(|(code, c)| {
                c.rates
                    .iter()
                    .map(move |(date, rate)| (format!("{code} {date}"), *rate))
            })
            .collect()
    };
    compare(
        &mut changes,
        Area::CurrencyRate,
        &rates(from),
        &rates(to),
        ToString::to_string,
    );
    compare(
        &mut changes,
        Area::Label,
        &from.labels,
        &to.labels,
        Clone::clone,
    );
    let names = |s: &Settings| -> BTreeMap<Code, String> {
        s.groups
            .iter()
            .map(|(code, g)| (code.clone(), g.name.clone()))
            .collect()
    };
    compare(
        &mut changes,
        Area::Group,
        &names(from),
        &names(to),
        Clone::clone,
    );
    let access = |s: &Settings| -> BTreeMap<String, super::values::Rights> {
        s.groups
            .iter()
            .flat_map(|(code, g)| {
                g.rights
                    .iter()
                    .map(move |(model, rights)| (format!("{code}/{}", model.as_str()), *rights))
            })
            .collect()
    };
    compare(
        &mut changes,
        Area::Access,
        &access(from),
        &access(to),
        ToString::to_string,
    );
    changes
}

/// Configuration that business records use, which a restore must not take away.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InUse {
    pub taxes: BTreeSet<Code>,
    pub currencies: BTreeSet<CurrencyCode>,
    pub sequences: BTreeSet<Code>,
}

/// The events that bring `current` to `target`, and what was kept because it is in use.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Restoration {
    pub events: Vec<ConfigurationEvent>,
    /// Things the stage does not have that stay because business records use them.
    pub kept: Vec<Change>,
}

/// Plans bringing `current` back to `target`. Modules come back at the version this build
/// ships; a sequence's next number never goes down (numbers already given stay unique); what
/// `in_use` names is kept.
pub fn restoration(current: &Settings, target: &Settings, in_use: &InUse) -> Restoration {
    use ConfigurationEvent as E;
    let mut plan = Restoration::default();
    let mut kept = |area: Area, key: String, before: String| {
        plan.kept.push(Change {
            area,
            key,
            before: Some(before),
            after: None,
        })
    };
    let mut events = Vec::new();

    // modules: remove what the stage lacks (dependents first), then add what it has.
    let installed = current.installed();
    for spec in catalogue::MODULES.iter().rev() {
        if installed.contains(spec.name) && !target.is_installed(spec.name) {
            events.push(E::ModuleUninstalled {
                name: spec.name.to_owned(),
            });
        }
    }
    for spec in catalogue::MODULES {
        if target.is_installed(spec.name) && !installed.contains(spec.name) {
            events.push(E::ModuleInstalled {
                name: spec.name.to_owned(),
                version: spec.version,
                requested: true,
            });
        }
    }

    // currencies before the company, which names one.
    for (code, currency) in &current.currencies {
        if target.currencies.contains_key(code) {
            continue;
        }
        if in_use.currencies.contains(code) {
            kept(
                Area::Currency,
                code.to_string(),
                describe_currency(currency),
            );
        } else {
            events.push(E::CurrencyRemoved { code: code.clone() });
        }
    }
    for (code, currency) in &target.currencies {
        if current.currencies.get(code) != Some(currency) {
            events.push(E::CurrencySet {
                code: code.clone(),
                currency: currency.clone(),
            });
        }
    }
    if current.company != target.company {
        events.push(E::CompanyUpdated {
            company: target.company.clone(),
        });
    }

    for (code, sequence) in &current.sequences {
        if target.sequences.contains_key(code) {
            continue;
        }
        if in_use.sequences.contains(code) {
            kept(
                Area::Sequence,
                code.to_string(),
                describe_sequence(sequence),
            );
        } else {
            events.push(E::SequenceRemoved { code: code.clone() });
        }
    }
    for (code, sequence) in &target.sequences {
        let mut sequence = sequence.clone();
        if let Some(now) = current.sequences.get(code) {
            sequence.next_number = sequence.next_number.max(now.next_number);
        }
        if current.sequences.get(code) != Some(&sequence) {
            events.push(E::SequenceSet {
                code: code.clone(),
                sequence,
            });
        }
    }

    for (code, tax) in &current.taxes {
        if target.taxes.contains_key(code) {
            continue;
        }
        if in_use.taxes.contains(code) {
            kept(Area::Tax, code.to_string(), describe_tax(tax));
        } else {
            events.push(E::TaxRemoved { code: code.clone() });
        }
    }
    for (code, tax) in &target.taxes {
        if current.taxes.get(code) != Some(tax) {
            events.push(E::TaxSet {
                code: code.clone(),
                tax: tax.clone(),
            });
        }
    }

    for key in current.labels.keys() {
        if !target.labels.contains_key(key) {
            if let Some((form, field)) = key.split_once('.') {
                events.push(E::LabelReset {
                    form: form.to_owned(),
                    field: field.to_owned(),
                });
            }
        }
    }
    for (key, label) in &target.labels {
        if current.labels.get(key) != Some(label) {
            if let Some((form, field)) = key.split_once('.') {
                events.push(E::LabelSet {
                    form: form.to_owned(),
                    field: field.to_owned(),
                    label: label.clone(),
                });
            }
        }
    }

    for code in current.groups.keys() {
        if !target.groups.contains_key(code) {
            events.push(E::GroupRemoved { code: code.clone() });
        }
    }
    for (code, group) in &target.groups {
        if current.groups.get(code) != Some(group) {
            events.push(E::GroupSet {
                code: code.clone(),
                group: group.clone(),
            });
        }
    }

    plan.events = events;
    plan
}
