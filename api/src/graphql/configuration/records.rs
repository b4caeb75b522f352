//! The configuration's records (sequences, accounts, journals, taxes, currencies, groups) as
//! GraphQL shows them, in the order of their codes, and the filters of their lists.

use std::collections::BTreeMap;

use async_graphql::InputObject;
use domain::configuration::{RuleCondition, Settings};

use super::objects::{
    AccessRight, AccountKindName, AccountObject, Currency, CurrencyRate, Group, JournalKindName,
    JournalObject, RecordRuleObject, Sequence, Tax,
};

/// Which records a configuration list shows.
#[derive(InputObject, Default)]
pub struct SearchWhere {
    /// In the code or the name, ignoring case.
    pub search: Option<String>,
}

impl SearchWhere {
    pub fn keeps(&self, code: &str, name: &str) -> bool {
        found(self.search.as_deref(), code, name)
    }
}

/// Whether `search` (if any) is in `code` or `name`, ignoring case.
fn found(search: Option<&str>, code: &str, name: &str) -> bool {
    search.is_none_or(|search| {
        let search = search.to_lowercase();
        code.to_lowercase().contains(&search) || name.to_lowercase().contains(&search)
    })
}

/// Which accounts the chart shows: every condition given.
#[derive(InputObject, Default)]
pub struct AccountWhere {
    /// In the code or the name, ignoring case.
    pub search: Option<String>,
    pub kind: Option<AccountKindName>,
}

impl AccountWhere {
    pub fn keeps(&self, account: &AccountObject) -> bool {
        found(self.search.as_deref(), &account.code, &account.name)
            && self.kind.is_none_or(|k| k == account.kind)
    }
}

/// Which journals the list shows: every condition given.
#[derive(InputObject, Default)]
pub struct JournalWhere {
    /// In the code or the name, ignoring case.
    pub search: Option<String>,
    pub kind: Option<JournalKindName>,
}

impl JournalWhere {
    pub fn keeps(&self, journal: &JournalObject) -> bool {
        found(self.search.as_deref(), &journal.code, &journal.name)
            && self.kind.is_none_or(|k| k == journal.kind)
    }
}

/// The sequences, each with the number it gives next: the one set, or the one after the last
/// it gave (`taken`, by code) if that is higher.
pub fn sequences<'a>(
    settings: &'a Settings,
    taken: &'a BTreeMap<String, u64>,
) -> impl Iterator<Item = Sequence> + 'a {
    settings.sequences.iter().map(|(code, s)| {
        let s = s
            .clone()
            .following(taken.get(code.as_str()).copied().unwrap_or(0));
        Sequence {
            code: code.to_string(),
            name: s.name.clone(),
            prefix: s.prefix.clone(),
            padding: i32::from(s.padding),
            next_number: i64::try_from(s.next_number).unwrap_or(i64::MAX),
            next_preview: s.preview(),
        }
    })
}

pub fn accounts(settings: &Settings) -> impl Iterator<Item = AccountObject> + '_ {
    settings.accounts.iter().map(|(code, a)| AccountObject {
        code: code.to_string(),
        name: a.name.clone(),
        kind: a.kind.into(),
        company: a.company.as_ref().map(ToString::to_string),
    })
}

pub fn journals(settings: &Settings) -> impl Iterator<Item = JournalObject> + '_ {
    settings.journals.iter().map(|(code, j)| JournalObject {
        code: code.to_string(),
        name: j.name.clone(),
        kind: j.kind.into(),
        sequence: j.sequence.to_string(),
        account: j.account.as_ref().map(ToString::to_string),
        company: j.company.as_ref().map(ToString::to_string),
    })
}

pub fn taxes(settings: &Settings) -> impl Iterator<Item = Tax> + '_ {
    settings.taxes.iter().map(|(code, t)| Tax {
        code: code.to_string(),
        name: t.name.clone(),
        rate: t.rate,
        price_included: t.price_included,
        company: t.company.as_ref().map(ToString::to_string),
    })
}

pub fn currencies(settings: &Settings) -> impl Iterator<Item = Currency> + '_ {
    settings.currencies.iter().map(|(code, c)| Currency {
        code: code.to_string(),
        name: c.name.clone(),
        symbol: c.symbol.clone(),
        decimals: i32::from(c.decimals),
        rates: c
            .rates
            .iter()
            .map(|(date, rate)| CurrencyRate {
                date: *date,
                rate: *rate,
            })
            .collect(),
    })
}

pub fn groups(settings: &Settings) -> impl Iterator<Item = Group> + '_ {
    settings.groups.iter().map(|(code, g)| Group {
        code: code.to_string(),
        name: g.name.clone(),
        rights: g
            .rights
            .iter()
            .map(|(model, r)| AccessRight {
                model: (*model).into(),
                create: r.create,
                read: r.read,
                write: r.write,
                delete: r.delete,
            })
            .collect(),
    })
}

pub fn record_rules(settings: &Settings) -> impl Iterator<Item = RecordRuleObject> + '_ {
    settings
        .record_rules
        .iter()
        .map(|(code, rule)| RecordRuleObject {
            code: code.to_string(),
            name: rule.name.clone(),
            model: rule.model.into(),
            groups: rule.groups.iter().map(ToString::to_string).collect(),
            own: rule.condition == RuleCondition::Own,
            states: match &rule.condition {
                RuleCondition::States(states) => Some(states.iter().cloned().collect()),
                _ => None,
            },
            partner_categories: match &rule.condition {
                RuleCondition::PartnerCategories(categories) => {
                    Some(categories.iter().map(ToString::to_string).collect())
                }
                _ => None,
            },
        })
}
