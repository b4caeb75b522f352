//! Who may do what: groups of users, and the rights a group has on each model.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::catalogue::Model;

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
