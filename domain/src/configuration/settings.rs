//! The configuration a stage captures and a restore brings back: modules, company, sequences,
//! taxes, currencies, labels, groups and their rights, accounts and journals. What it is and how
//! events change it; how two of them differ is in `changes`, which events turn one into the other
//! in `restoration`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::access::{Group, RecordRule};
use super::accounts::{Account, AccountKind, BusinessSettings, Journal, JournalKind};
use super::catalogue::ModuleVersion;
use super::error::ConfigurationError;
use super::events::ConfigurationEvent;
use super::values::{Code, Company, Currency, CurrencyCode, Sequence, Tax};

/// Everything a stage captures. Plain data, so a snapshot is its JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub modules: BTreeMap<String, ModuleVersion>,
    /// The main company (code [`MAIN_COMPANY`](super::values::MAIN_COMPANY)).
    pub company: Company,
    /// The other companies, by code.
    #[serde(default)]
    pub companies: BTreeMap<Code, Company>,
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
    /// The companies with business settings of their own, by code (the others go by
    /// `business`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub business_of: BTreeMap<Code, BusinessSettings>,
    /// Record rules, by code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub record_rules: BTreeMap<Code, RecordRule>,
}

impl Settings {
    pub fn installed(&self) -> BTreeSet<String> {
        self.modules.keys().cloned().collect()
    }

    pub fn is_installed(&self, module: &str) -> bool {
        self.modules.contains_key(module)
    }

    /// The business settings `company`'s documents go by: its own, or the main ones.
    pub fn business_for(&self, company: &Code) -> &BusinessSettings {
        self.business_of.get(company).unwrap_or(&self.business)
    }

    /// Every business settings there are: the main ones, then each company's own.
    pub fn every_business(&self) -> impl Iterator<Item = &BusinessSettings> {
        std::iter::once(&self.business).chain(self.business_of.values())
    }

    /// Company `code`, the main one included.
    pub fn company(&self, code: &Code) -> Option<&Company> {
        if code.is_main_company() {
            Some(&self.company)
        } else {
            self.companies.get(code)
        }
    }

    /// Every company by code, the main one included.
    pub fn all_companies(&self) -> BTreeMap<Code, Company> {
        let mut all = self.companies.clone();
        all.insert(Code::main_company(), self.company.clone());
        all
    }

    /// `code` and the companies under it, at any depth: what a report of `code` consolidates.
    pub fn company_and_children(&self, code: &Code) -> BTreeSet<Code> {
        let all = self.all_companies();
        let mut family = BTreeSet::from([code.clone()]);
        loop {
            let before = family.len();
            for (child, company) in &all {
                if company.parent.as_ref().is_some_and(|p| family.contains(p)) {
                    family.insert(child.clone());
                }
            }
            if family.len() == before {
                return family;
            }
        }
    }

    /// The label `form.field` shows.
    pub fn label(&self, form: &str, field: &str) -> Option<String> {
        let key = format!("{form}.{field}");
        self.labels.get(&key).cloned().or_else(|| {
            super::views::view(form)
                .and_then(|view| view.field(field))
                .map(|f| f.label.to_owned())
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
        if business.payment_days > super::accounts::PAYMENT_DAYS_MAX {
            return Err(ConfigurationError::PaymentDays(business.payment_days));
        }
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
            known(&self.sequences, code, ConfigurationError::UnknownSequence)?;
        }
        Ok(())
    }

    /// Folds one event in. Events that are not about settings change nothing.
    pub fn apply(&mut self, event: &ConfigurationEvent) {
        use ConfigurationEvent as E;
        match event {
            E::ModuleInstalled { name, version, .. } => set(&mut self.modules, name, version),
            E::ModuleUninstalled { name } => remove(&mut self.modules, name),
            E::CompanyUpdated { company } => self.company = company.clone(),
            E::CompanySet { code, company } => set(&mut self.companies, code, company),
            E::CompanyRemoved { code } => remove(&mut self.companies, code),
            E::SequenceSet { code, sequence } => set(&mut self.sequences, code, sequence),
            E::SequenceRemoved { code } => remove(&mut self.sequences, code),
            E::TaxSet { code, tax } => set(&mut self.taxes, code, tax),
            E::TaxRemoved { code } => remove(&mut self.taxes, code),
            E::CurrencySet { code, currency } => set(&mut self.currencies, code, currency),
            E::CurrencyRateSet { code, date, rate } => {
                if let Some(currency) = self.currencies.get_mut(code) {
                    currency.rates.insert(*date, *rate);
                }
            }
            E::CurrencyRemoved { code } => remove(&mut self.currencies, code),
            E::LabelSet { form, field, label } => {
                self.labels.insert(format!("{form}.{field}"), label.clone());
            }
            E::LabelReset { form, field } => remove(&mut self.labels, &format!("{form}.{field}")),
            E::GroupSet { code, group } => set(&mut self.groups, code, group),
            E::GroupRemoved { code } => remove(&mut self.groups, code),
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
            E::AccountSet { code, account } => set(&mut self.accounts, code, account),
            E::AccountRemoved { code } => remove(&mut self.accounts, code),
            E::JournalSet { code, journal } => set(&mut self.journals, code, journal),
            E::JournalRemoved { code } => remove(&mut self.journals, code),
            E::BusinessSettingsSet {
                settings,
                company: None,
            } => self.business = settings.clone(),
            E::BusinessSettingsSet {
                settings,
                company: Some(company),
            } => set(&mut self.business_of, company, settings),
            E::BusinessSettingsRemoved { company } => remove(&mut self.business_of, company),
            E::RecordRuleSet { code, rule } => set(&mut self.record_rules, code, rule),
            E::RecordRuleRemoved { code } => remove(&mut self.record_rules, code),
            E::DatabaseMarked { .. } | E::StageCreated { .. } | E::StageRestored { .. } => {}
        }
    }
}

/// Puts a copy of `value` under `key`: what an event that sets something does.
fn set<K: Ord + Clone, V: Clone>(map: &mut BTreeMap<K, V>, key: &K, value: &V) {
    map.insert(key.clone(), value.clone());
}

/// Takes `key` out: what an event that removes something does.
fn remove<K: Ord, V>(map: &mut BTreeMap<K, V>, key: &K) {
    map.remove(key);
}

/// `Ok` if `map` has `key`, else the refusal `unknown` makes of it (`UnknownTax` and the like).
pub(super) fn known<K: Ord + ToString, V>(
    map: &BTreeMap<K, V>,
    key: &K,
    unknown: fn(String) -> ConfigurationError,
) -> Result<(), ConfigurationError> {
    if map.contains_key(key) {
        Ok(())
    } else {
        Err(unknown(key.to_string()))
    }
}
