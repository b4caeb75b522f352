//! Promoting configuration from one database to another (test to production): what changed
//! between two stages of the first, each configured thing with what it was and what it became,
//! and the plan that brings the second database along where it still has what the first had.
//!
//! Three values meet for every thing: what the source had at the first stage (`was`), what it
//! has at the second (`to`), and what the target has now. The target already has `to`: nothing
//! to do. The target has `was`: it takes `to`. Anything else is a conflict (the target changed
//! that thing on its own since), and so is taking away what the target's business records use:
//! a promotion with a conflict changes nothing.
//! (Over 600 lines: the three-way rule, the setting of each area, and the checks of what a
//! promotion leaves behind are one plan, read together.)

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::access::ADMIN_GROUP;
use super::catalogue::{self, Model};
use super::changes::Area;
use super::commands::ConfigurationCommand;
use super::events::ConfigurationEvent;
pub use super::promoted::{Item, Promotion};
use super::restoration::{restoration, InUse};
use super::settings::Settings;
use super::values::{Code, CurrencyCode, Sequence, MAIN_COMPANY};

/// Every configured thing of `settings`, by area and key.
pub fn items(settings: &Settings) -> BTreeMap<(Area, String), Item> {
    let mut items = BTreeMap::new();
    let mut put = |area: Area, key: String, item: Item| {
        items.insert((area, key), item);
    };
    for (name, version) in &settings.modules {
        put(Area::Module, name.clone(), Item::Module(*version));
    }
    for (code, company) in settings.all_companies() {
        put(Area::Company, code.to_string(), Item::Company(company));
    }
    for (code, sequence) in &settings.sequences {
        put(
            Area::Sequence,
            code.to_string(),
            Item::Sequence(sequence.clone()),
        );
    }
    for (code, tax) in &settings.taxes {
        put(Area::Tax, code.to_string(), Item::Tax(tax.clone()));
    }
    for (code, currency) in &settings.currencies {
        for (date, rate) in &currency.rates {
            put(
                Area::CurrencyRate,
                format!("{code} {date}"),
                Item::CurrencyRate(*rate),
            );
        }
        let mut currency = currency.clone();
        currency.rates.clear();
        put(Area::Currency, code.to_string(), Item::Currency(currency));
    }
    for (key, label) in &settings.labels {
        put(Area::Label, key.clone(), Item::Label(label.clone()));
    }
    for (code, group) in &settings.groups {
        put(
            Area::Group,
            code.to_string(),
            Item::Group(group.name.clone()),
        );
        for (model, rights) in &group.rights {
            let key = format!("{code}/{}", model.as_str());
            put(Area::Access, key, Item::Access(*rights));
        }
    }
    for (code, account) in &settings.accounts {
        put(
            Area::Account,
            code.to_string(),
            Item::Account(account.clone()),
        );
    }
    for (code, journal) in &settings.journals {
        put(
            Area::Journal,
            code.to_string(),
            Item::Journal(journal.clone()),
        );
    }
    put(
        Area::Business,
        MAIN_COMPANY.to_owned(),
        Item::Business(settings.business.clone()),
    );
    for (code, business) in &settings.business_of {
        put(
            Area::Business,
            code.to_string(),
            Item::Business(business.clone()),
        );
    }
    for (code, rule) in &settings.record_rules {
        put(
            Area::RecordRule,
            code.to_string(),
            Item::RecordRule(rule.clone()),
        );
    }
    items
}

/// The areas in the order that applies them: what a thing names comes before it.
const APPLY_ORDER: [Area; 13] = [
    Area::Module,
    Area::Currency,
    Area::CurrencyRate,
    Area::Company,
    Area::Sequence,
    Area::Tax,
    Area::Account,
    Area::Journal,
    Area::Business,
    Area::Group,
    Area::Access,
    Area::Label,
    Area::RecordRule,
];

/// Where a promotion stands in the order that applies it: what is added or changed first,
/// area by area as [`APPLY_ORDER`] has them, then what is taken away, in the opposite order
/// (a journal before the account it names); each area in key order.
fn apply_rank(promotion: &Promotion) -> (bool, usize, &str) {
    let rank = APPLY_ORDER
        .iter()
        .position(|area| *area == promotion.area)
        .unwrap_or(APPLY_ORDER.len());
    match promotion.to {
        Some(_) => (false, rank, &promotion.key),
        None => (true, APPLY_ORDER.len() - rank, &promotion.key),
    }
}

/// What changed from `from` to `to`, thing by thing, in the order that applies them.
pub fn promotions(from: &Settings, to: &Settings) -> Vec<Promotion> {
    let (mut was, now) = (items(from), items(to));
    let mut promotions = Vec::new();
    for (key, item) in &now {
        let before = was.remove(key);
        if before.as_ref() != Some(item) {
            promotions.push(Promotion {
                area: key.0,
                key: key.1.clone(),
                was: before,
                to: Some(item.clone()),
            });
        }
    }
    // what `to` no longer has.
    promotions.extend(was.into_iter().map(|((area, key), item)| Promotion {
        area,
        key,
        was: Some(item),
        to: None,
    }));
    promotions.sort_by(|a, b| apply_rank(a).cmp(&apply_rank(b)));
    promotions
}

/// The modules of this build in a development version that `promotions` install.
pub fn development_modules<'a>(
    settings: &'a Settings,
    promotions: &'a [Promotion],
) -> impl Iterator<Item = &'static catalogue::ModuleSpec> + 'a {
    promotions
        .iter()
        .filter(|p| p.area == Area::Module && p.to.is_some() && !settings.is_installed(&p.key))
        .filter_map(|p| catalogue::module(&p.key))
        .filter(|spec| spec.version.is_development())
}

/// Why one thing of a promotion cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The index of the promotion in the list planned.
    pub index: usize,
    pub reason: String,
}

/// The events that bring `current` along, and the things already as promoted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub events: Vec<ConfigurationEvent>,
    /// How many things `current` already had as promoted (promoting twice: all of them).
    pub already: usize,
}

/// Plans taking `promotions` into `current`, whose business records use `in_use`: every
/// conflict, or the events.
pub fn plan(
    current: &Settings,
    promotions: &[Promotion],
    in_use: &InUse,
) -> Result<Plan, Vec<Conflict>> {
    let here = items(current);
    let mut target = current.clone();
    let mut conflicts = Vec::new();
    let mut already = 0;
    let mut taken = Vec::new();
    for (index, promotion) in promotions.iter().enumerate() {
        let key = (promotion.area, promotion.key.clone());
        let ours = here.get(&key);
        let what = format!("{} '{}'", promotion.area.name(), promotion.key);
        if same(ours, promotion.to.as_ref()) {
            already += 1;
            continue;
        }
        if !same(ours, promotion.was.as_ref()) {
            let reason = match ours {
                None => format!("{what} is not in this database (it was where the module comes from): it was removed here since"),
                Some(_) if promotion.was.is_none() => format!("{what} is here already, otherwise than the module adds it"),
                Some(_) => format!("{what} was changed here since the module's first stage; change it back or promote it by hand"),
            };
            conflicts.push(Conflict { index, reason });
            continue;
        }
        if let Err(reason) = put(&mut target, promotion) {
            conflicts.push(Conflict {
                index,
                reason: format!("{what}: {reason}"),
            });
            continue;
        }
        taken.push(index);
    }
    // every setting taken, checked as the command setting it checks it against the
    // configuration the promotion makes (its module installed, its accounts of the right kind,
    // no company under itself, ...).
    conflicts.extend(refused_by_commands(&target, promotions, &taken));
    {
        // what the promotion would leave naming what is not there (what this database lacked
        // already is not the promotion's doing).
        let before: Vec<String> = missing(current).into_iter().map(|m| m.reason).collect();
        for missing in missing(&target) {
            if before.contains(&missing.reason) {
                continue;
            }
            let said = |index: usize| conflicts.iter().any(|c: &Conflict| c.index == index);
            // the line of the thing naming, or else of the thing named, or else the first.
            let index = missing
                .about
                .iter()
                .find_map(|(area, key)| {
                    taken
                        .iter()
                        .copied()
                        .find(|i| promotions[*i].area == *area && promotions[*i].key == *key)
                })
                .or(taken.first().copied())
                .unwrap_or(0);
            if said(index) {
                // its command's refusal says it already.
                continue;
            }
            conflicts.push(Conflict {
                index,
                reason: format!(
                    "the configuration promoted would not hold together here: {}",
                    missing.reason
                ),
            });
        }
    }
    let restored = restoration(current, &target, in_use);
    for kept in &restored.kept {
        let index = promotions
            .iter()
            .position(|p| p.area == kept.area && p.key == kept.key)
            .unwrap_or(0);
        conflicts.push(Conflict {
            index,
            reason: format!(
                "{} '{}' is used by business records (or users) in this database and cannot be removed",
                kept.area.name(),
                kept.key
            ),
        });
    }
    if conflicts.is_empty() {
        Ok(Plan {
            events: restored.events,
            already,
        })
    } else {
        conflicts.sort_by_key(|c| c.index);
        Err(conflicts)
    }
}

/// Whether the value a database has is the one a promotion expects: equal, except that a
/// sequence may have gone further (its next number only grows: a restore never lowers it).
fn same(ours: Option<&Item>, expected: Option<&Item>) -> bool {
    match (ours, expected) {
        (Some(Item::Sequence(ours)), Some(Item::Sequence(expected))) => {
            ours.next_number >= expected.next_number
                && Sequence {
                    next_number: expected.next_number,
                    ..ours.clone()
                } == *expected
        }
        (ours, expected) => ours == expected,
    }
}

/// The command that sets what `promotion` promotes, if it sets something.
fn command(promotion: &Promotion) -> Option<ConfigurationCommand> {
    use ConfigurationCommand as C;
    let key = promotion.key.as_str();
    let code = || Code::parse(key).ok();
    Some(match promotion.to.clone()? {
        Item::Module(_) => C::InstallModule {
            name: key.to_owned(),
            force: true,
        },
        Item::Company(company) => C::SetCompany {
            code: code()?,
            company,
        },
        Item::Sequence(sequence) => C::SetSequence {
            code: code()?,
            sequence,
        },
        Item::Tax(tax) => C::SetTax { code: code()?, tax },
        Item::Currency(currency) => C::SetCurrency {
            code: CurrencyCode::parse(key).ok()?,
            currency,
        },
        Item::CurrencyRate(rate) => {
            let (code, date) = key.split_once(' ')?;
            C::SetCurrencyRate {
                code: CurrencyCode::parse(code).ok()?,
                date: date.parse().ok()?,
                rate,
            }
        }
        Item::Label(label) => {
            let (form, field) = key.split_once('.')?;
            C::SetLabel {
                form: form.to_owned(),
                field: field.to_owned(),
                label: Some(label),
            }
        }
        Item::Group(name) => C::SetGroup {
            code: code()?,
            name,
        },
        Item::Access(rights) => {
            let (group, model) = key.split_once('/')?;
            C::SetAccess {
                group: Code::parse(group).ok()?,
                model: Model::ALL.into_iter().find(|m| m.as_str() == model)?,
                rights,
            }
        }
        Item::Account(account) => C::SetAccount {
            code: code()?,
            account,
        },
        Item::Journal(journal) => C::SetJournal {
            code: code()?,
            journal,
        },
        Item::Business(settings) => C::SetBusinessSettings {
            settings,
            company: (key != MAIN_COMPANY).then(code).flatten(),
        },
        Item::RecordRule(rule) => C::SetRecordRule {
            code: code()?,
            rule,
        },
    })
}

/// The promotions `taken` whose commands `target` refuses, each with the command's reason.
fn refused_by_commands(
    target: &Settings,
    promotions: &[Promotion],
    taken: &[usize],
) -> Vec<Conflict> {
    let scratch = super::Configuration {
        settings: target.clone(),
        ..super::Configuration::default()
    };
    taken
        .iter()
        .filter_map(|&index| {
            let promotion = &promotions[index];
            let error = crate::Decide::decide(&scratch, command(promotion)?).err()?;
            Some(Conflict {
                index,
                reason: format!("{} '{}': {error}", promotion.area.name(), promotion.key),
            })
        })
        .collect()
}

/// Sets (or, with `to` none, takes away) one thing of `settings`.
fn put(settings: &mut Settings, promotion: &Promotion) -> Result<(), String> {
    let key = promotion.key.as_str();
    let code = || Code::parse(key).map_err(|e| e.to_string());
    match (promotion.area, promotion.to.clone()) {
        (Area::Module, to) => {
            if !catalogue::MODULES.iter().any(|spec| spec.name == key) {
                return Err("this build has no such module".into());
            }
            if let (Some(Item::Module(version)), Some(spec)) = (&to, catalogue::module(key)) {
                if *version != spec.version {
                    return Err(format!(
                        "this build ships {key} {}, not {version}: modules are upgraded by installing a new build, not promoted",
                        spec.version
                    ));
                }
            }
            set(
                &mut settings.modules,
                key.to_owned(),
                to,
                |item| match item {
                    Item::Module(version) => Some(version),
                    _ => None,
                },
            )
        }
        (Area::Company, Some(Item::Company(company))) if key == MAIN_COMPANY => {
            settings.company = company;
            Ok(())
        }
        (Area::Company, None) if key == MAIN_COMPANY => {
            Err("the main company cannot be removed".into())
        }
        (Area::Company, to) => set(&mut settings.companies, code()?, to, |item| match item {
            Item::Company(company) => Some(company),
            _ => None,
        }),
        (Area::Sequence, to) => set(&mut settings.sequences, code()?, to, |item| match item {
            Item::Sequence(sequence) => Some(sequence),
            _ => None,
        }),
        (Area::Tax, to) => set(&mut settings.taxes, code()?, to, |item| match item {
            Item::Tax(tax) => Some(tax),
            _ => None,
        }),
        (Area::Currency, to) => {
            let code = CurrencyCode::parse(key).map_err(|e| e.to_string())?;
            // the rates stay: each is a thing of its own.
            let rates = settings
                .currencies
                .get(&code)
                .map(|c| c.rates.clone())
                .unwrap_or_default();
            set(&mut settings.currencies, code, to, |item| match item {
                Item::Currency(mut currency) => {
                    currency.rates = rates.clone();
                    Some(currency)
                }
                _ => None,
            })
        }
        (Area::CurrencyRate, to) => {
            let (code, date) = key
                .split_once(' ')
                .and_then(|(code, date)| {
                    let date: NaiveDate = date.parse().ok()?;
                    Some((CurrencyCode::parse(code).ok()?, date))
                })
                .ok_or("a rate's key is a currency and a day (EUR 2026-03-01)")?;
            let Some(currency) = settings.currencies.get_mut(&code) else {
                return match to {
                    // the currency goes, and its rates with it.
                    None => Ok(()),
                    Some(_) => Err(format!("there is no currency '{code}'")),
                };
            };
            set(&mut currency.rates, date, to, |item| match item {
                Item::CurrencyRate(rate) => Some(rate),
                _ => None,
            })
        }
        (Area::Label, to) => {
            let (form, field) = key.split_once('.').ok_or("a label's key is form.field")?;
            if to.is_some() {
                let view = super::views::view(form).ok_or(format!("there is no form '{form}'"))?;
                view.field(field)
                    .ok_or(format!("form '{form}' has no field '{field}'"))?;
            }
            set(
                &mut settings.labels,
                key.to_owned(),
                to,
                |item| match item {
                    Item::Label(label) => Some(label),
                    _ => None,
                },
            )
        }
        (Area::Group | Area::Access, _) if key.split('/').next() == Some(ADMIN_GROUP) => {
            Err("group 'admin' is built in and cannot be changed".into())
        }
        (Area::Group, None) => {
            settings.groups.remove(&code()?);
            Ok(())
        }
        (Area::Group, Some(Item::Group(name))) => {
            let group = settings.groups.entry(code()?).or_default();
            group.name = name;
            Ok(())
        }
        (Area::Access, to) => {
            let (group, model) = key.split_once('/').ok_or("a right's key is group/model")?;
            let group = Code::parse(group).map_err(|e| e.to_string())?;
            let model = Model::ALL
                .into_iter()
                .find(|m| m.as_str() == model)
                .ok_or(format!("there is no model '{model}'"))?;
            let Some(group) = settings.groups.get_mut(&group) else {
                return match to {
                    None => Ok(()),
                    Some(_) => Err(format!("there is no group '{group}'")),
                };
            };
            set(&mut group.rights, model, to, |item| match item {
                Item::Access(rights) => (!rights.none()).then_some(rights),
                _ => None,
            })
        }
        (Area::Account, to) => set(&mut settings.accounts, code()?, to, |item| match item {
            Item::Account(account) => Some(account),
            _ => None,
        }),
        (Area::Journal, to) => set(&mut settings.journals, code()?, to, |item| match item {
            Item::Journal(journal) => Some(journal),
            _ => None,
        }),
        (Area::Business, Some(Item::Business(business))) if key == MAIN_COMPANY => {
            settings.business = business;
            Ok(())
        }
        (Area::Business, None) if key == MAIN_COMPANY => {
            Err("the main business settings cannot be removed".into())
        }
        (Area::Business, to) => set(&mut settings.business_of, code()?, to, |item| match item {
            Item::Business(business) => Some(business),
            _ => None,
        }),
        (Area::RecordRule, to) => set(&mut settings.record_rules, code()?, to, |item| match item {
            Item::RecordRule(rule) => Some(rule),
            _ => None,
        }),
        (area, Some(_)) => Err(format!("the value is not one of {}", area.name())),
    }
}

/// Puts the value `to` holds under `key` (takes `key` away when `to` is none); `value` takes
/// the area's value out of the item (none: an item of another area).
fn set<K: Ord, V>(
    map: &mut BTreeMap<K, V>,
    key: K,
    to: Option<Item>,
    value: impl Fn(Item) -> Option<V>,
) -> Result<(), String> {
    match to {
        None => {
            map.remove(&key);
            Ok(())
        }
        Some(item) => match value(item.clone()) {
            Some(value) => {
                map.insert(key, value);
                Ok(())
            }
            // rights of nothing: the group has none on that model.
            None if matches!(item, Item::Access(_)) => {
                map.remove(&key);
                Ok(())
            }
            None => Err("the value is not of the kind its area holds".into()),
        },
    }
}

/// One thing named and not there: the reason, and the things it is about (the one naming, the
/// one named), by area and key.
struct Missing {
    reason: String,
    about: [(Area, String); 2],
}

/// What `settings` names that is not in it: a company's currency or parent, a setting's
/// company, a journal's sequence or account, what business settings name, a record rule's
/// groups, an installed module's dependencies.
fn missing(settings: &Settings) -> Vec<Missing> {
    let mut missing = Vec::new();
    let mut push = |reason: String, namer: (Area, &str), named: (Area, &str)| {
        missing.push(Missing {
            reason,
            about: [(namer.0, namer.1.to_owned()), (named.0, named.1.to_owned())],
        });
    };
    let all = settings.all_companies();
    for (code, company) in &all {
        let code = code.as_str();
        if !settings.currencies.contains_key(&company.currency) {
            let currency = company.currency.as_str();
            push(
                format!("company '{code}' is in currency '{currency}', which is not there"),
                (Area::Company, code),
                (Area::Currency, currency),
            );
        }
        if let Some(parent) = company.parent.as_ref().filter(|p| !all.contains_key(*p)) {
            push(
                format!("company '{code}' is under '{parent}', which is not there"),
                (Area::Company, code),
                (Area::Company, parent.as_str()),
            );
        }
    }
    let owners = settings
        .taxes
        .iter()
        .map(|(code, tax)| (Area::Tax, code, tax.company.as_ref()))
        .chain(
            settings
                .accounts
                .iter()
                .map(|(code, account)| (Area::Account, code, account.company.as_ref())),
        )
        .chain(
            settings
                .journals
                .iter()
                .map(|(code, journal)| (Area::Journal, code, journal.company.as_ref())),
        )
        .chain(
            settings
                .business_of
                .keys()
                .map(|company| (Area::Business, company, Some(company))),
        );
    for (area, code, company) in owners {
        if let Some(company) = company.filter(|c| !all.contains_key(*c)) {
            push(
                format!(
                    "{} '{code}' is company '{company}''s, which is not there",
                    area.name()
                ),
                (area, code.as_str()),
                (Area::Company, company.as_str()),
            );
        }
    }
    for (code, journal) in &settings.journals {
        let code = code.as_str();
        if !settings.sequences.contains_key(&journal.sequence) {
            let sequence = journal.sequence.as_str();
            push(
                format!(
                    "journal '{code}' is numbered by sequence '{sequence}', which is not there"
                ),
                (Area::Journal, code),
                (Area::Sequence, sequence),
            );
        }
        if let Some(account) = journal
            .account
            .as_ref()
            .filter(|a| !settings.accounts.contains_key(*a))
        {
            push(
                format!("journal '{code}' names account '{account}', which is not there"),
                (Area::Journal, code),
                (Area::Account, account.as_str()),
            );
        }
    }
    let businesses = std::iter::once((MAIN_COMPANY, &settings.business)).chain(
        settings
            .business_of
            .iter()
            .map(|(company, business)| (company.as_str(), business)),
    );
    for (company, business) in businesses {
        if let Err(error) = settings.check_business(business) {
            // the account, journal or sequence at fault is in the message; the settings are
            // the thing naming it.
            push(
                format!("business settings '{company}': {error}"),
                (Area::Business, company),
                (Area::Business, company),
            );
        }
    }
    for (code, rule) in &settings.record_rules {
        let unknown = rule
            .groups
            .iter()
            .find(|g| g.as_str() != ADMIN_GROUP && !settings.groups.contains_key(*g));
        if let Some(group) = unknown {
            push(
                format!("record rule '{code}' names group '{group}', which is not there"),
                (Area::RecordRule, code.as_str()),
                (Area::Group, group.as_str()),
            );
        }
    }
    for spec in catalogue::MODULES {
        if settings.is_installed(spec.name) {
            if let Some(needed) = spec.depends.iter().find(|d| !settings.is_installed(d)) {
                push(
                    format!(
                        "module '{}' needs module '{needed}', which is not installed",
                        spec.name
                    ),
                    (Area::Module, spec.name),
                    (Area::Module, needed),
                );
            }
        }
    }
    missing
}
