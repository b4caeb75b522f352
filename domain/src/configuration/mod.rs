//! Configuration: installed modules, company settings, sequences, taxes, currencies, labels,
//! groups and access rights, and the stages an implementer can go back to. One stream for the
//! whole database: configuration changes are rare, and one stream gives every change a place in
//! one order, which is what the configuration version counts.

mod access;
mod accounts;
pub mod catalogue;
mod changes;
mod commands;
mod conversion;
mod error;
mod events;
mod promoted;
mod promotion;
mod restoration;
mod settings;
mod values;
pub mod views;

pub use access::{Group, RecordRule, Right, Rights, RuleCondition, ADMIN_GROUP, RULED_MODELS};
pub use accounts::{
    fits, Account, AccountKind, BusinessSettings, InvoicePolicy, Journal, JournalKind,
};
pub use catalogue::{Model, ModuleSpec, ModuleVersion};
pub use changes::{changes, Area, Change};
pub use commands::ConfigurationCommand;
pub use conversion::{Conversion, ConversionError};
pub use error::ConfigurationError;
pub use events::ConfigurationEvent;
pub use promotion::{items, plan as promotion_plan, promotions, Conflict, Item, Plan, Promotion};
pub use restoration::{restoration, InUse, Restoration};
pub use settings::Settings;
pub use values::{
    currency_rate, display_name, label, note, stage_name, Code, Company, Currency, CurrencyCode,
    FiscalYearStart, Sequence, Tax, DECIMALS_MAX, MAIN_COMPANY, PADDING_MAX,
};

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use settings::known;

/// The id of the configuration's stream.
pub const CONFIGURATION_ID: &str = "configuration";

/// The configuration as far as deciding on commands goes.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Configuration {
    /// How many events the configuration has: the configuration version.
    version: u64,
    settings: Settings,
    production: bool,
    stages: BTreeSet<String>,
}

crate::aggregate! {
    Configuration, "Configuration", ConfigurationCommand, ConfigurationEvent, ConfigurationError
}

impl Configuration {
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn is_production(&self) -> bool {
        self.production
    }

    fn require_module(&self, module: &str) -> Result<(), ConfigurationError> {
        if self.settings.is_installed(module) {
            Ok(())
        } else {
            Err(ConfigurationError::ModuleNotInstalled(module.to_owned()))
        }
    }

    /// Whether `company` may stand as company `code`: its currency exists, and its parent
    /// exists and is neither `code` nor under it.
    fn check_company(&self, code: &Code, company: &Company) -> Result<(), ConfigurationError> {
        let settings = &self.settings;
        if !settings.currencies.contains_key(&company.currency) {
            return Err(ConfigurationError::UnknownCurrency(
                company.currency.to_string(),
            ));
        }
        if let Some(parent) = &company.parent {
            if settings.company(parent).is_none() {
                return Err(ConfigurationError::UnknownCompany(parent.to_string()));
            }
            if settings.company_and_children(code).contains(parent) {
                return Err(ConfigurationError::CompanyCycle {
                    code: code.to_string(),
                    parent: parent.to_string(),
                });
            }
        }
        Ok(())
    }

    /// Nothing, if `company` (the one a setting is given to) is none or exists.
    fn company_exists(&self, company: Option<&Code>) -> Result<(), ConfigurationError> {
        match company {
            Some(company) if self.settings.company(company).is_none() => {
                Err(ConfigurationError::NoSuchCompany(company.to_string()))
            }
            _ => Ok(()),
        }
    }

    fn editable_group(&self, code: &Code) -> Result<&Group, ConfigurationError> {
        if code.as_str() == ADMIN_GROUP {
            return Err(ConfigurationError::ReservedGroup);
        }
        self.settings
            .groups
            .get(code)
            .ok_or_else(|| ConfigurationError::UnknownGroup(code.to_string()))
    }

    /// [`Decide::decide`](crate::Decide::decide), for callers that decide on a scratch copy
    /// without the trait in scope (the data-module loader).
    pub fn decide(
        &self,
        command: ConfigurationCommand,
    ) -> Result<Vec<ConfigurationEvent>, ConfigurationError> {
        crate::Decide::decide(self, command)
    }
}

/// Refuses to remove `what` `code` while the business settings name it: `named` is what they
/// name of its kind, each with what it is used as.
/// Nothing, if every account and journal `business` names may be used in `company`'s books.
fn business_fits(
    settings: &Settings,
    business: &BusinessSettings,
    company: &Code,
) -> Result<(), ConfigurationError> {
    let accounts = business.accounts().into_iter().map(|(_, code)| {
        let owner = settings.accounts.get(code).and_then(|a| a.company.as_ref());
        ("account", code, owner)
    });
    let journals = business.journals().into_iter().map(|(_, code)| {
        let owner = settings.journals.get(code).and_then(|j| j.company.as_ref());
        ("journal", code, owner)
    });
    for (what, code, owner) in accounts.chain(journals) {
        if let Some(owner) = owner.filter(|owner| *owner != company) {
            return Err(ConfigurationError::OtherCompany {
                what,
                code: code.to_string(),
                owner: owner.to_string(),
                user: format!("the business settings of company {company}"),
            });
        }
    }
    Ok(())
}

fn not_named_by_business(
    what: &'static str,
    code: &Code,
    named: Vec<(&'static str, &Code)>,
) -> Result<(), ConfigurationError> {
    let used_as = named.into_iter().find(|(_, named)| *named == code);
    let by = used_as.map(|(used_as, _)| format!("the business settings (as {used_as})"));
    unused(what, code, by)
}

/// The refusal to remove `code` (a `what`: `account`) while something uses it, if `by` names
/// what does.
fn unused(what: &'static str, code: &Code, by: Option<String>) -> Result<(), ConfigurationError> {
    match by {
        Some(by) => Err(ConfigurationError::Used {
            what,
            code: code.to_string(),
            by,
        }),
        None => Ok(()),
    }
}

/// No event when a command changes nothing; several for a module and what it needs, a
/// restore, or a batch.
impl crate::Decide for Configuration {
    fn decide(
        &self,
        command: ConfigurationCommand,
    ) -> Result<Vec<ConfigurationEvent>, ConfigurationError> {
        use ConfigurationCommand as C;
        use ConfigurationError as Error;
        use ConfigurationEvent as E;
        let settings = &self.settings;
        let event = match command {
            C::InstallModule { name, force } => {
                let order = catalogue::install_order(&name, &settings.installed())
                    .ok_or_else(|| Error::UnknownModule(name.clone()))?;
                let mut events = Vec::with_capacity(order.len());
                for spec in order {
                    if self.production && spec.version.is_development() && !force {
                        return Err(Error::DevelopmentVersion {
                            module: spec.name.to_owned(),
                            version: spec.version,
                        });
                    }
                    events.push(E::ModuleInstalled {
                        name: spec.name.to_owned(),
                        version: spec.version,
                        requested: spec.name == name,
                    });
                }
                return Ok(events);
            }
            C::UninstallModule {
                name,
                with_dependents,
            } => {
                if catalogue::module(&name).is_none() {
                    return Err(Error::UnknownModule(name));
                }
                if name == "base" {
                    return Err(Error::EssentialModule(name));
                }
                if !settings.is_installed(&name) {
                    return Ok(vec![]);
                }
                let dependents = catalogue::installed_dependents(&name, &settings.installed());
                if !dependents.is_empty() && !with_dependents {
                    return Err(Error::RequiredBy {
                        module: name,
                        dependents,
                    });
                }
                let mut events: Vec<E> = dependents
                    .into_iter()
                    .map(|name| E::ModuleUninstalled { name })
                    .collect();
                events.push(E::ModuleUninstalled { name });
                return Ok(events);
            }
            C::MarkDatabase { production } => {
                (production != self.production).then_some(E::DatabaseMarked { production })
            }
            C::UpdateCompany { company } => {
                return self.decide(C::SetCompany {
                    code: Code::main_company(),
                    company,
                })
            }
            C::SetCompany { code, company } => {
                self.check_company(&code, &company)?;
                if code.is_main_company() {
                    (company != settings.company).then_some(E::CompanyUpdated { company })
                } else {
                    (settings.companies.get(&code) != Some(&company))
                        .then_some(E::CompanySet { code, company })
                }
            }
            C::RemoveCompany { code } => {
                if code.is_main_company() {
                    return Err(Error::MainCompany);
                }
                known(&settings.companies, &code, Error::UnknownCompany)?;
                let child = settings
                    .all_companies()
                    .into_iter()
                    .find(|(_, c)| c.parent.as_ref() == Some(&code))
                    .map(|(child, _)| format!("company '{child}' (as its parent)"));
                unused("company", &code, child)?;
                let named = |owner: Option<&Code>| owner == Some(&code);
                let user = (settings.taxes.iter())
                    .find(|(_, t)| named(t.company.as_ref()))
                    .map(|(c, _)| format!("tax '{c}'"))
                    .or_else(|| {
                        (settings.accounts.iter())
                            .find(|(_, a)| named(a.company.as_ref()))
                            .map(|(c, _)| format!("account '{c}'"))
                    })
                    .or_else(|| {
                        (settings.journals.iter())
                            .find(|(_, j)| named(j.company.as_ref()))
                            .map(|(c, _)| format!("journal '{c}'"))
                    });
                let user = user.or_else(|| {
                    (settings.business_of.contains_key(&code))
                        .then(|| "its own business settings".to_owned())
                });
                unused("company", &code, user)?;
                Some(E::CompanyRemoved { code })
            }
            C::SetSequence { code, sequence } => {
                // checked when the prefix is given anew: two sequences of one prefix from
                // before are left as they are, and saved unchanged.
                let same_prefix = settings
                    .sequences
                    .get(&code)
                    .is_some_and(|current| current.prefix == sequence.prefix);
                if let Some((by, _)) = settings
                    .sequences
                    .iter()
                    .filter(|_| !same_prefix)
                    .find(|(other, s)| **other != code && s.prefix == sequence.prefix)
                {
                    return Err(Error::PrefixTaken {
                        prefix: sequence.prefix,
                        by: by.to_string(),
                    });
                }
                (settings.sequences.get(&code) != Some(&sequence))
                    .then_some(E::SequenceSet { code, sequence })
            }
            C::RemoveSequence { code } => {
                known(&settings.sequences, &code, Error::UnknownSequence)?;
                Some(E::SequenceRemoved { code })
            }
            C::SetTax { code, tax } => {
                self.require_module("account")?;
                self.company_exists(tax.company.as_ref())?;
                (settings.taxes.get(&code) != Some(&tax)).then_some(E::TaxSet { code, tax })
            }
            C::RemoveTax { code } => {
                self.require_module("account")?;
                known(&settings.taxes, &code, Error::UnknownTax)?;
                Some(E::TaxRemoved { code })
            }
            C::SetCurrency { code, mut currency } => {
                currency.rates = settings
                    .currencies
                    .get(&code)
                    .map(|c| c.rates.clone())
                    .unwrap_or_default();
                (settings.currencies.get(&code) != Some(&currency))
                    .then_some(E::CurrencySet { code, currency })
            }
            C::SetCurrencyRate { code, date, rate } => {
                let currency = settings
                    .currencies
                    .get(&code)
                    .ok_or_else(|| Error::UnknownCurrency(code.to_string()))?;
                (currency.rates.get(&date) != Some(&rate)).then_some(E::CurrencyRateSet {
                    code,
                    date,
                    rate,
                })
            }
            C::RemoveCurrency { code } => {
                known(&settings.currencies, &code, Error::UnknownCurrency)?;
                if settings
                    .all_companies()
                    .values()
                    .any(|c| c.currency == code)
                {
                    return Err(Error::CompanyCurrency(code.to_string()));
                }
                Some(E::CurrencyRemoved { code })
            }
            C::SetLabel { form, field, label } => {
                let spec = views::view(&form).ok_or_else(|| Error::UnknownForm(form.clone()))?;
                self.require_module(spec.module)?;
                let Some(default) = spec.field(&field).map(|f| f.label) else {
                    return Err(Error::UnknownField { form, field });
                };
                let renamed = settings.labels.get(&format!("{form}.{field}"));
                match label {
                    Some(label) if label != *default => {
                        (renamed != Some(&label)).then_some(E::LabelSet { form, field, label })
                    }
                    _ => renamed.map(|_| E::LabelReset { form, field }),
                }
            }
            C::SetGroup { code, name } => {
                if code.as_str() == ADMIN_GROUP {
                    return Err(Error::ReservedGroup);
                }
                let mut group = settings.groups.get(&code).cloned().unwrap_or_default();
                (group.name != name).then(|| {
                    group.name = name;
                    E::GroupSet { code, group }
                })
            }
            C::RemoveGroup { code } => {
                self.editable_group(&code)?;
                let rule = settings
                    .record_rules
                    .iter()
                    .find(|(_, r)| r.groups.contains(&code))
                    .map(|(rule, _)| format!("record rule '{rule}'"));
                unused("group", &code, rule)?;
                Some(E::GroupRemoved { code })
            }
            C::SetRecordRule { code, rule } => {
                rule.check()?;
                if let Some(group) = rule
                    .groups
                    .iter()
                    .find(|g| !settings.groups.contains_key(*g) && g.as_str() != ADMIN_GROUP)
                {
                    return Err(Error::UnknownGroup(group.to_string()));
                }
                (settings.record_rules.get(&code) != Some(&rule))
                    .then_some(E::RecordRuleSet { code, rule })
            }
            C::RemoveRecordRule { code } => {
                known(&settings.record_rules, &code, Error::UnknownRecordRule)?;
                Some(E::RecordRuleRemoved { code })
            }
            C::SetAccess {
                group,
                model,
                rights,
            } => {
                let current = self
                    .editable_group(&group)?
                    .rights
                    .get(&model)
                    .copied()
                    .unwrap_or_default();
                (current != rights).then_some(E::AccessSet {
                    group,
                    model,
                    rights,
                })
            }
            C::SetAccount { code, account } => {
                self.require_module("account")?;
                self.company_exists(account.company.as_ref())?;
                (settings.accounts.get(&code) != Some(&account))
                    .then_some(E::AccountSet { code, account })
            }
            C::RemoveAccount { code } => {
                self.require_module("account")?;
                known(&settings.accounts, &code, Error::UnknownAccount)?;
                let journal = settings
                    .journals
                    .iter()
                    .find(|(_, j)| j.account.as_ref() == Some(&code))
                    .map(|(journal, _)| format!("journal '{journal}'"));
                unused("account", &code, journal)?;
                for business in settings.every_business() {
                    not_named_by_business("account", &code, business.accounts())?;
                }
                Some(E::AccountRemoved { code })
            }
            C::SetJournal { code, journal } => {
                self.require_module("account")?;
                if !settings.sequences.contains_key(&journal.sequence) {
                    return Err(Error::UnknownSequence(journal.sequence.to_string()));
                }
                self.company_exists(journal.company.as_ref())?;
                if let Some(account) = &journal.account {
                    let found = settings.account_of_kind(
                        account,
                        "journal's account",
                        &[AccountKind::Bank],
                    )?;
                    if let (Some(owner), Some(company)) = (&found.company, &journal.company) {
                        if owner != company {
                            return Err(Error::OtherCompany {
                                what: "account",
                                code: account.to_string(),
                                owner: owner.to_string(),
                                user: format!("a journal of company {company}"),
                            });
                        }
                    }
                }
                (settings.journals.get(&code) != Some(&journal))
                    .then_some(E::JournalSet { code, journal })
            }
            C::RemoveJournal { code } => {
                self.require_module("account")?;
                known(&settings.journals, &code, Error::UnknownJournal)?;
                for business in settings.every_business() {
                    not_named_by_business("journal", &code, business.journals())?;
                }
                Some(E::JournalRemoved { code })
            }
            C::SetBusinessSettings {
                settings: business,
                company: None,
            } => {
                settings.check_business(&business)?;
                // the main ones name only what is shared or the main company's.
                business_fits(settings, &business, &Code::main_company())?;
                (settings.business != business).then_some(E::BusinessSettingsSet {
                    settings: business,
                    company: None,
                })
            }
            C::SetBusinessSettings {
                settings: business,
                company: Some(company),
            } => {
                self.company_exists(Some(&company))?;
                settings.check_business(&business)?;
                business_fits(settings, &business, &company)?;
                (settings.business_of.get(&company) != Some(&business)).then_some(
                    E::BusinessSettingsSet {
                        settings: business,
                        company: Some(company),
                    },
                )
            }
            C::RemoveBusinessSettings { company } => {
                known(&settings.business_of, &company, Error::NoSuchCompany)?;
                Some(E::BusinessSettingsRemoved { company })
            }
            C::CreateStage { name, note } => {
                if self.stages.contains(&name) {
                    return Err(Error::DuplicateStage(name));
                }
                Some(E::StageCreated { name, note })
            }
            C::RestoreStage {
                name,
                target,
                in_use,
            } => {
                if !self.stages.contains(&name) {
                    return Err(Error::UnknownStage(name));
                }
                let mut events = restoration(settings, &target, &in_use).events;
                if !events.is_empty() {
                    events.push(E::StageRestored { name });
                }
                return Ok(events);
            }
            C::Promote {
                module,
                promotions,
                in_use,
                force,
            } => {
                if self.production && !force {
                    if let Some(spec) = promotion::development_modules(settings, &promotions).next()
                    {
                        return Err(Error::DevelopmentVersion {
                            module: spec.name.to_owned(),
                            version: spec.version,
                        });
                    }
                }
                return promotion::plan(settings, &promotions, &in_use)
                    .map(|plan| plan.events)
                    .map_err(|conflicts| Error::PromotionConflicts {
                        module,
                        conflicts: conflicts.into_iter().map(|c| c.reason).collect(),
                    });
            }
            C::Batch(commands) => {
                let mut scratch = self.clone();
                let mut events = Vec::new();
                for command in commands {
                    for event in scratch.decide(command)? {
                        scratch.fold(event.clone());
                        events.push(event);
                    }
                }
                return Ok(events);
            }
        };
        Ok(event.into_iter().collect())
    }
}

impl Configuration {
    /// Folds one event in: what `Aggregate::apply` does.
    fn fold(&mut self, event: ConfigurationEvent) {
        self.version += 1;
        self.settings.apply(&event);
        match event {
            ConfigurationEvent::DatabaseMarked { production } => self.production = production,
            ConfigurationEvent::StageCreated { name, .. } => {
                self.stages.insert(name);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
