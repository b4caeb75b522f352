//! The configuration a stage captures and a restore brings back: modules, company, sequences,
//! taxes, currencies, labels, groups and their rights, accounts and journals. What it is and how
//! events change it; how two of them differ is in `changes`, which events turn one into the other
//! in `restoration`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::access::Group;
use super::accounts::{Account, AccountKind, BusinessSettings, Journal, JournalKind};
use super::catalogue::{self, ModuleVersion};
use super::error::ConfigurationError;
use super::events::ConfigurationEvent;
use super::values::{Code, Company, Currency, CurrencyCode, Sequence, Tax};

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
