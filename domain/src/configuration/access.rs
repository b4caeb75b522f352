//! Who may do what: groups of users, and the rights a group has on each model.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::catalogue::Model;
use super::error::ConfigurationError;
use super::values::Code;

/// A group of users and what its members may do, per model.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub rights: BTreeMap<Model, Rights>,
}

/// The group whose members may do everything. It is built in: it cannot be changed or removed,
/// so no configuration change can lock the administrators out.
pub const ADMIN_GROUP: &str = "admin";

/// What a group may do with one model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rights {
    pub create: bool,
    pub read: bool,
    pub write: bool,
    pub delete: bool,
}

impl Rights {
    pub const ALL: Rights = Rights {
        create: true,
        read: true,
        write: true,
        delete: true,
    };

    pub fn none(&self) -> bool {
        *self == Rights::default()
    }

    /// Whether these rights include `right`.
    pub fn allows(&self, right: Right) -> bool {
        match right {
            Right::Create => self.create,
            Right::Read => self.read,
            Right::Write => self.write,
            Right::Delete => self.delete,
        }
    }
}

impl fmt::Display for Rights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = [
            (self.create, "create"),
            (self.read, "read"),
            (self.write, "write"),
            (self.delete, "delete"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| *name)
        .collect();
        if names.is_empty() {
            f.write_str("no access")
        } else {
            f.write_str(&names.join(", "))
        }
    }
}

/// One of the four access rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Right {
    Create,
    Read,
    Write,
    Delete,
}

impl Right {
    pub fn as_str(&self) -> &'static str {
        match self {
            Right::Create => "create",
            Right::Read => "read",
            Right::Write => "write",
            Right::Delete => "delete",
        }
    }
}

/// A record rule: which records of a model users see and touch, beyond the rights on the model.
/// A global rule (no groups) restricts everyone; a group rule applies to the members of its
/// groups, and a user's group rules widen each other (any one of them lets a record through),
/// within the global rules. Administrators are never restricted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordRule {
    pub name: String,
    pub model: Model,
    /// Empty: a global rule.
    #[serde(default)]
    pub groups: BTreeSet<Code>,
    pub condition: RuleCondition,
}

/// What a record must be for a rule to let it through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RuleCondition {
    /// The user's own records: an order or a document whose salesperson (who created it)
    /// they are.
    Own,
    /// Records in one of these states (orders: `draft`, `confirmed`, `cancelled`; documents:
    /// `draft`, `posted`, `cancelled`).
    States(BTreeSet<String>),
    /// Partners in one of these categories; on orders and documents, those whose partner is.
    PartnerCategories(BTreeSet<Code>),
}

/// The models record rules can restrict so far.
pub const RULED_MODELS: [Model; 4] = [
    Model::SaleOrder,
    Model::PurchaseOrder,
    Model::Invoice,
    Model::Partner,
];

/// The states a state rule on `model` may name.
pub fn rule_states(model: Model) -> &'static [&'static str] {
    match model {
        Model::Invoice => &["draft", "posted", "cancelled"],
        _ => &["draft", "confirmed", "cancelled"],
    }
}

impl RecordRule {
    /// Nothing, if the rule holds together on its own: a model rules restrict, a condition
    /// that model has, a name. (Its groups are the configuration's to check.)
    pub fn check(&self) -> Result<(), ConfigurationError> {
        let invalid = |reason: String| Err(ConfigurationError::InvalidRecordRule(reason));
        if !RULED_MODELS.contains(&self.model) {
            let ruled: Vec<&str> = RULED_MODELS.iter().map(|m| m.as_str()).collect();
            return invalid(format!(
                "record rules restrict {} only, not {}",
                ruled.join(" and "),
                self.model.as_str()
            ));
        }
        match (&self.condition, self.model) {
            (RuleCondition::PartnerCategories(categories), _) if categories.is_empty() => {
                return invalid("a category rule names at least one category".into());
            }
            (RuleCondition::Own | RuleCondition::States(_), Model::Partner) => {
                return invalid(
                    "a rule on partners names their categories (partners have no owner and no \
                     state)"
                        .into(),
                );
            }
            _ => {}
        }
        if let RuleCondition::States(states) = &self.condition {
            if states.is_empty() {
                return invalid("a state rule names at least one state".into());
            }
            let known = rule_states(self.model);
            if let Some(state) = states.iter().find(|s| !known.contains(&s.as_str())) {
                return invalid(format!(
                    "'{state}' is not a state (one of {})",
                    known.join(", ")
                ));
            }
        }
        if self.name.trim().is_empty() {
            return invalid("a record rule needs a name".into());
        }
        Ok(())
    }

    /// Whether the rule applies to a member of `groups` (a global rule applies to everyone).
    pub fn applies_to(&self, groups: &BTreeSet<Code>) -> bool {
        self.groups.is_empty() || !self.groups.is_disjoint(groups)
    }

    /// On one line, as a stage diff shows it: `Own sales orders (sales)`.
    pub fn describe(&self) -> String {
        let condition = match &self.condition {
            RuleCondition::Own => "own records".to_owned(),
            RuleCondition::PartnerCategories(categories) => format!(
                "partner category {}",
                categories
                    .iter()
                    .map(Code::as_str)
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            RuleCondition::States(states) => {
                format!(
                    "state {}",
                    states.iter().cloned().collect::<Vec<_>>().join(" or ")
                )
            }
        };
        let whom = if self.groups.is_empty() {
            "everyone".to_owned()
        } else {
            self.groups
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "{}: {} {condition}, for {whom}",
            self.name,
            self.model.as_str()
        )
    }
}
