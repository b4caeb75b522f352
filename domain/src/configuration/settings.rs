//! The configuration a stage captures and a restore brings back: modules, company, sequences,
//! taxes, currencies, labels, groups and their rights. What it is, how events change it, how two
//! of them differ, and which events turn one into the other.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::catalogue::{self, ModuleVersion};
use super::error::ConfigurationError;
use super::events::ConfigurationEvent;
use super::values::{
    Account, AccountKind, BusinessSettings, Code, Company, Currency, CurrencyCode, Group, Journal,
    JournalKind, Sequence, Tax,
};

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
    /// The chart of accounts.
    #[serde(default)]
    pub accounts: BTreeMap<Code, Account>,
    #[serde(default)]
    pub journals: BTreeMap<Code, Journal>,
    #[serde(default)]
    pub business: BusinessSettings,
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

    /// Account `code`, if it is of one of the kinds `expected`.
    pub fn account_of_kind(
        &self,
        code: &Code,
        what: &'static str,
        expected: &[AccountKind],
    ) -> Result<&Account, ConfigurationError> {
        let account = self
            .accounts
            .get(code)
            .ok_or_else(|| ConfigurationError::UnknownAccount(code.to_string()))?;
        if !expected.contains(&account.kind) {
            let kinds: Vec<&str> = expected.iter().map(AccountKind::as_str).collect();
            return Err(ConfigurationError::WrongKind {
                what,
                code: code.to_string(),
                expected: format!("an account of kind {}", kinds.join(" or ")),
            });
        }
        Ok(account)
    }

    /// Journal `code`, if it is of kind `expected`.
    pub fn journal_of_kind(
        &self,
        code: &Code,
        what: &'static str,
        expected: JournalKind,
    ) -> Result<&Journal, ConfigurationError> {
        let journal = self
            .journals
            .get(code)
            .ok_or_else(|| ConfigurationError::UnknownJournal(code.to_string()))?;
        if journal.kind != expected {
            return Err(ConfigurationError::WrongKind {
                what,
                code: code.to_string(),
                expected: format!("a {expected:?} journal").to_lowercase(),
            });
        }
        Ok(journal)
    }

    /// Whether business settings name accounts, journals and sequences that exist, each of
    /// the right kind.
    pub fn check_business(&self, business: &BusinessSettings) -> Result<(), ConfigurationError> {
        use AccountKind as K;
        let accounts = [
            (
                &business.receivable_account,
                "receivable account",
                &[K::Receivable][..],
            ),
            (
                &business.payable_account,
                "payable account",
                &[K::Payable][..],
            ),
            (&business.income_account, "income account", &[K::Income][..]),
            (
                &business.expense_account,
                "expense account",
                &[K::Expense, K::Asset][..],
            ),
            (
                &business.tax_collected_account,
                "tax collected account",
                &[K::Liability][..],
            ),
            (
                &business.tax_deductible_account,
                "tax deductible account",
                &[K::Asset, K::Liability][..],
            ),
        ];
        for (code, what, kinds) in accounts {
            if let Some(code) = code {
                self.account_of_kind(code, what, kinds)?;
            }
        }
        let journals = [
            (&business.sale_journal, "sale journal", JournalKind::Sale),
            (
                &business.purchase_journal,
                "purchase journal",
                JournalKind::Purchase,
            ),
            (
                &business.general_journal,
                "general journal",
                JournalKind::General,
            ),
        ];
        for (code, what, kind) in journals {
            if let Some(code) = code {
                self.journal_of_kind(code, what, kind)?;
            }
        }
        for (_, code) in business.sequences() {
            if !self.sequences.contains_key(code) {
                return Err(ConfigurationError::UnknownSequence(code.to_string()));
            }
        }
        Ok(())
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
            E::AccountSet { code, account } => {
                self.accounts.insert(code.clone(), account.clone());
            }
            E::AccountRemoved { code } => {
                self.accounts.remove(code);
            }
            E::JournalSet { code, journal } => {
                self.journals.insert(code.clone(), journal.clone());
            }
            E::JournalRemoved { code } => {
                self.journals.remove(code);
            }
            E::BusinessSettingsSet { settings } => self.business = settings.clone(),
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
    Account,
    Journal,
    Business,
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
    compare(
        &mut changes,
        Area::Account,
        &from.accounts,
        &to.accounts,
        |a| format!("{} ({})", a.name, a.kind.as_str()),
    );
    compare(
        &mut changes,
        Area::Journal,
        &from.journals,
        &to.journals,
        |j| format!("{} ({:?}, numbered by {})", j.name, j.kind, j.sequence),
    );
    let business = |s: &Settings| -> BTreeMap<String, String> {
        let b = &s.business;
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
    };
    compare(
        &mut changes,
        Area::Business,
        &business(from),
        &business(to),
        Clone::clone,
    );
    changes
}

/// Configuration that business records use, which a restore must not take away.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InUse {
    pub taxes: BTreeSet<Code>,
    pub currencies: BTreeSet<CurrencyCode>,
    pub sequences: BTreeSet<Code>,
    pub accounts: BTreeSet<Code>,
    pub journals: BTreeSet<Code>,
}

/// The events that bring `current` to `target`, and what was kept because it is in use.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Restoration {
    pub events: Vec<ConfigurationEvent>,
    /// Things the stage does not have that stay because business records use them.
    pub kept: Vec<Change>,
}

/// `target`'s business settings, except that where it leaves out an account or journal that is
/// kept (in use), the current choice stays.
fn keep_named(
    current: &BusinessSettings,
    mut target_business: BusinessSettings,
    target: &Settings,
    in_use: &InUse,
) -> BusinessSettings {
    let kept_account = |code: &Option<Code>| {
        code.as_ref()
            .is_some_and(|c| !target.accounts.contains_key(c) && in_use.accounts.contains(c))
    };
    let kept_journal = |code: &Option<Code>| {
        code.as_ref()
            .is_some_and(|c| !target.journals.contains_key(c) && in_use.journals.contains(c))
    };
    let t = &mut target_business;
    for (mine, theirs) in [
        (&current.receivable_account, &mut t.receivable_account),
        (&current.payable_account, &mut t.payable_account),
        (&current.income_account, &mut t.income_account),
        (&current.expense_account, &mut t.expense_account),
        (&current.tax_collected_account, &mut t.tax_collected_account),
        (
            &current.tax_deductible_account,
            &mut t.tax_deductible_account,
        ),
    ] {
        if theirs.is_none() && kept_account(mine) {
            *theirs = mine.clone();
        }
    }
    for (mine, theirs) in [
        (&current.sale_journal, &mut t.sale_journal),
        (&current.purchase_journal, &mut t.purchase_journal),
        (&current.general_journal, &mut t.general_journal),
    ] {
        if theirs.is_none() && kept_journal(mine) {
            *theirs = mine.clone();
        }
    }
    target_business
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

    // accounts are added before journals and settings name them, and removed after.
    for (code, account) in &target.accounts {
        if current.accounts.get(code) != Some(account) {
            events.push(E::AccountSet {
                code: code.clone(),
                account: account.clone(),
            });
        }
    }
    let mut business = target.business.clone();
    if current.business != business {
        // settings that name what is being kept keep naming it.
        business = keep_named(&current.business, business, target, in_use);
    }
    for (code, journal) in &target.journals {
        if current.journals.get(code) != Some(journal) {
            events.push(E::JournalSet {
                code: code.clone(),
                journal: journal.clone(),
            });
        }
    }
    if current.business != business {
        events.push(E::BusinessSettingsSet { settings: business });
    }
    for (code, journal) in &current.journals {
        if target.journals.contains_key(code) {
            continue;
        }
        if in_use.journals.contains(code) {
            kept(Area::Journal, code.to_string(), journal.name.clone());
        } else {
            events.push(E::JournalRemoved { code: code.clone() });
        }
    }
    for (code, account) in &current.accounts {
        if target.accounts.contains_key(code) {
            continue;
        }
        let named_by_kept_journal = current.journals.iter().any(|(j, journal)| {
            journal.account.as_ref() == Some(code)
                && !target.journals.contains_key(j)
                && in_use.journals.contains(j)
        });
        if in_use.accounts.contains(code) || named_by_kept_journal {
            kept(Area::Account, code.to_string(), account.name.clone());
        } else {
            events.push(E::AccountRemoved { code: code.clone() });
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
