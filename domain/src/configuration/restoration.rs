//! Bringing the configuration back to a stage: the events that turn the configuration as it
//! stands into the stage's, keeping what business records still use.

use std::collections::{BTreeMap, BTreeSet};

use super::accounts::BusinessSettings;
use super::catalogue;
use super::changes::{
    describe_company, describe_currency, describe_sequence, describe_tax, owner, Area, Change,
};
use super::events::ConfigurationEvent;
use super::settings::Settings;
use super::values::{Code, CurrencyCode};

/// Configuration that business records use, which a restore must not take away.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InUse {
    pub companies: BTreeSet<Code>,
    pub taxes: BTreeSet<Code>,
    pub currencies: BTreeSet<CurrencyCode>,
    pub sequences: BTreeSet<Code>,
    pub accounts: BTreeSet<Code>,
    pub journals: BTreeSet<Code>,
    /// Groups users are in: taken away, a user would be left in a group that no longer is, and
    /// get its rights back should one of that code be made again.
    pub groups: BTreeSet<Code>,
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

    // modules: remove what the stage lacks (dependents first), then add what it has.
    let installed = current.installed();
    for spec in catalogue::MODULES.iter().rev() {
        if installed.contains(spec.name) && !target.is_installed(spec.name) {
            plan.events.push(E::ModuleUninstalled {
                name: spec.name.to_owned(),
            });
        }
    }
    for spec in catalogue::MODULES {
        if target.is_installed(spec.name) && !installed.contains(spec.name) {
            plan.events.push(E::ModuleInstalled {
                name: spec.name.to_owned(),
                version: spec.version,
                requested: true,
            });
        }
    }

    // currencies set before the companies, which name them, and removed after them.
    let currencies = (&current.currencies, &target.currencies);
    plan.set_changed(currencies, |code, currency| E::CurrencySet {
        code,
        currency,
    });
    if current.company != target.company {
        plan.events.push(E::CompanyUpdated {
            company: target.company.clone(),
        });
    }
    let companies = (&current.companies, &target.companies);
    plan.set_changed(companies, |code, company| E::CompanySet { code, company });
    // a company records use stays, and so does the company it consolidates into.
    let kept_companies: BTreeSet<&Code> = current
        .companies
        .keys()
        .filter(|code| !target.companies.contains_key(*code) && in_use.companies.contains(*code))
        .collect();
    let company_kept = |code: &Code| {
        in_use.companies.contains(code)
            || kept_companies.iter().any(|kept| {
                current.companies.get(*kept).and_then(|c| c.parent.as_ref()) == Some(code)
            })
    };
    plan.remove_missing(
        Area::Company,
        companies,
        company_kept,
        describe_company,
        |code| E::CompanyRemoved { code },
    );
    let currency_named = |code: &CurrencyCode| {
        in_use.currencies.contains(code)
            || current
                .companies
                .iter()
                .filter(|(company, _)| company_kept(company))
                .any(|(_, c)| &c.currency == code)
    };
    plan.remove_missing(
        Area::Currency,
        currencies,
        currency_named,
        describe_currency,
        |code| E::CurrencyRemoved { code },
    );

    plan.remove_missing(
        Area::Sequence,
        (&current.sequences, &target.sequences),
        |code| in_use.sequences.contains(code),
        describe_sequence,
        |code| E::SequenceRemoved { code },
    );
    for (code, sequence) in &target.sequences {
        let mut sequence = sequence.clone();
        if let Some(now) = current.sequences.get(code) {
            sequence.next_number = sequence.next_number.max(now.next_number);
        }
        if current.sequences.get(code) != Some(&sequence) {
            plan.events.push(E::SequenceSet {
                code: code.clone(),
                sequence,
            });
        }
    }

    let taxes = (&current.taxes, &target.taxes);
    plan.remove_missing(
        Area::Tax,
        taxes,
        |code| in_use.taxes.contains(code),
        describe_tax,
        |code| E::TaxRemoved { code },
    );
    plan.set_changed(taxes, |code, tax| E::TaxSet { code, tax });

    // accounts are added before journals and settings name them, and removed after.
    let accounts = (&current.accounts, &target.accounts);
    let journals = (&current.journals, &target.journals);
    plan.set_changed(accounts, |code, account| E::AccountSet { code, account });
    let mut business = target.business.clone();
    if current.business != business {
        // settings that name what is being kept keep naming it.
        business = keep_named(&current.business, business, target, in_use);
    }
    plan.set_changed(journals, |code, journal| E::JournalSet { code, journal });
    if current.business != business {
        plan.events.push(E::BusinessSettingsSet {
            settings: business,
            company: None,
        });
    }
    // the companies' own settings, as the stage had them.
    for (company, settings) in &target.business_of {
        if current.business_of.get(company) != Some(settings) {
            plan.events.push(E::BusinessSettingsSet {
                settings: settings.clone(),
                company: Some(company.clone()),
            });
        }
    }
    for company in current.business_of.keys() {
        if !target.business_of.contains_key(company) {
            plan.events.push(E::BusinessSettingsRemoved {
                company: company.clone(),
            });
        }
    }
    plan.remove_missing(
        Area::Journal,
        journals,
        |code| in_use.journals.contains(code),
        |journal| journal.name.clone(),
        |code| E::JournalRemoved { code },
    );
    let named_by_kept_journal = |code: &Code| {
        current.journals.iter().any(|(j, journal)| {
            journal.account.as_ref() == Some(code)
                && !target.journals.contains_key(j)
                && in_use.journals.contains(j)
        })
    };
    plan.remove_missing(
        Area::Account,
        accounts,
        |code| in_use.accounts.contains(code) || named_by_kept_journal(code),
        |account| account.name.clone(),
        |code| E::AccountRemoved { code },
    );

    for key in current.labels.keys() {
        if !target.labels.contains_key(key) {
            if let Some((form, field)) = key.split_once('.') {
                plan.events.push(E::LabelReset {
                    form: form.to_owned(),
                    field: field.to_owned(),
                });
            }
        }
    }
    for (key, label) in &target.labels {
        if current.labels.get(key) != Some(label) {
            if let Some((form, field)) = key.split_once('.') {
                plan.events.push(E::LabelSet {
                    form: form.to_owned(),
                    field: field.to_owned(),
                    label: label.clone(),
                });
            }
        }
    }

    // a group users are in stays; one no one is in goes.
    let groups = (&current.groups, &target.groups);
    plan.remove_missing(
        Area::Group,
        groups,
        |code| in_use.groups.contains(code),
        |group| group.name.clone(),
        |code| E::GroupRemoved { code },
    );
    plan.set_changed(groups, |code, group| E::GroupSet { code, group });

    // record rules name nothing business records keep: the stage's rules are put back as they
    // were.
    let rules = (&current.record_rules, &target.record_rules);
    plan.remove_missing(
        Area::RecordRule,
        rules,
        |_| false,
        |rule| rule.describe(),
        |code| E::RecordRuleRemoved { code },
    );
    plan.set_changed(rules, |code, rule| E::RecordRuleSet { code, rule });

    for kept in &mut plan.kept {
        kept.company = owner(current, kept.area, &kept.key);
    }
    plan
}

impl Restoration {
    /// Removes what `current` has and `target` lacks (with `removed`), except what `in_use` says
    /// business records use: that is kept, and said so.
    fn remove_missing<K: Ord + Clone + ToString, V>(
        &mut self,
        area: Area,
        (current, target): (&BTreeMap<K, V>, &BTreeMap<K, V>),
        in_use: impl Fn(&K) -> bool,
        describe: impl Fn(&V) -> String,
        removed: impl Fn(K) -> ConfigurationEvent,
    ) {
        for (key, value) in current {
            if target.contains_key(key) {
                continue;
            }
            if in_use(key) {
                self.kept.push(Change {
                    area,
                    key: key.to_string(),
                    before: Some(describe(value)),
                    after: None,
                    company: None,
                });
            } else {
                self.events.push(removed(key.clone()));
            }
        }
    }

    /// Sets (with `set`) what `target` has that `current` has otherwise, or not at all.
    fn set_changed<K: Ord + Clone, V: PartialEq + Clone>(
        &mut self,
        (current, target): (&BTreeMap<K, V>, &BTreeMap<K, V>),
        set: impl Fn(K, V) -> ConfigurationEvent,
    ) {
        for (key, value) in target {
            if current.get(key) != Some(value) {
                self.events.push(set(key.clone(), value.clone()));
            }
        }
    }
}
