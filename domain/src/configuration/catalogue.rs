//! What this build of the code ships: the modules an installation can have, and the models
//! access rights govern. (The views of the models, whose labels an implementer can rename, are
//! in [`super::views`].)

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A module version `A.B.C`. An odd middle number marks a development version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ModuleVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl ModuleVersion {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Self {
            major,
            minor,
            patch,
        }
    }

    /// Whether this is a development version (odd middle number): not for production.
    pub fn is_development(&self) -> bool {
        self.minor % 2 == 1
    }
}

impl fmt::Display for ModuleVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl FromStr for ModuleVersion {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = raw.trim().split('.').collect();
        let number = |part: &str| part.parse::<u32>().ok();
        match parts.as_slice() {
            [a, b, c] => match (number(a), number(b), number(c)) {
                (Some(a), Some(b), Some(c)) => Ok(Self::new(a, b, c)),
                _ => Err(format!("'{raw}' is not a version of the form A.B.C")),
            },
            _ => Err(format!("'{raw}' is not a version of the form A.B.C")),
        }
    }
}

impl TryFrom<String> for ModuleVersion {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        raw.parse()
    }
}

impl From<ModuleVersion> for String {
    fn from(version: ModuleVersion) -> Self {
        version.to_string()
    }
}

/// A module the code ships.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleSpec {
    pub name: &'static str,
    pub version: ModuleVersion,
    /// Modules that must be installed for this one to work.
    pub depends: &'static [&'static str],
    pub summary: &'static str,
}

/// Every module of this build, dependencies before dependents.
pub const MODULES: &[ModuleSpec] = &[
    ModuleSpec {
        name: "base",
        version: ModuleVersion::new(1, 0, 0),
        depends: &[],
        summary: "Partners, company, currencies, sequences, users and access rights",
    },
    ModuleSpec {
        name: "product",
        version: ModuleVersion::new(1, 0, 0),
        depends: &["base"],
        summary: "Products and units of measure",
    },
    ModuleSpec {
        name: "account",
        version: ModuleVersion::new(1, 0, 0),
        depends: &["base"],
        summary: "Taxes, chart of accounts, journals, invoices and payments",
    },
    ModuleSpec {
        name: "stock",
        version: ModuleVersion::new(1, 0, 0),
        depends: &["product"],
        summary: "Warehouses, locations and stock moves",
    },
    ModuleSpec {
        name: "sale",
        version: ModuleVersion::new(1, 0, 0),
        depends: &["product", "account"],
        summary: "Quotations and sales orders",
    },
    ModuleSpec {
        name: "purchase",
        version: ModuleVersion::new(1, 0, 0),
        depends: &["product", "account"],
        summary: "Requests for quotation and purchase orders",
    },
    ModuleSpec {
        name: "crm",
        version: ModuleVersion::new(0, 1, 0),
        depends: &["sale"],
        summary: "Leads and opportunities (in development)",
    },
];

/// The module named `name`, if this build ships it.
pub fn module(name: &str) -> Option<&'static ModuleSpec> {
    MODULES.iter().find(|m| m.name == name)
}

/// The modules `name` needs (itself included) that are not in `installed`, dependencies first.
/// `None` if `name` or one of its dependencies is unknown.
pub fn install_order(name: &str, installed: &BTreeSet<String>) -> Option<Vec<&'static ModuleSpec>> {
    fn visit(
        name: &str,
        installed: &BTreeSet<String>,
        order: &mut Vec<&'static ModuleSpec>,
    ) -> Option<()> {
        let spec = module(name)?;
        if installed.contains(name) || order.iter().any(|m| m.name == name) {
            return Some(());
        }
        for dependency in spec.depends {
            visit(dependency, installed, order)?;
        }
        order.push(spec);
        Some(())
    }
    let mut order = Vec::new();
    visit(name, installed, &mut order)?;
    Some(order)
}

/// The installed modules that depend on `name`, directly or through others, in the order they
/// can be uninstalled (dependents of dependents first).
pub fn installed_dependents(name: &str, installed: &BTreeSet<String>) -> Vec<String> {
    // MODULES lists dependencies before dependents, so its reverse is a safe uninstall order.
    let mut needing: BTreeSet<&str> = BTreeSet::from([name]);
    for spec in MODULES {
        if spec.depends.iter().any(|d| needing.contains(d)) {
            needing.insert(spec.name);
        }
    }
    MODULES
        .iter()
        .rev()
        .filter(|m| m.name != name && needing.contains(m.name) && installed.contains(m.name))
        .map(|m| m.name.to_owned())
        .collect()
}

/// The models access rights are given on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Model {
    /// Customers and suppliers.
    Partner,
    /// User accounts.
    User,
    /// Modules, settings, labels, groups and rights, stages.
    Configuration,
    /// The event log itself, as auditors read it.
    Log,
    /// Products (module `product`).
    Product,
    /// Sales orders (module `sale`).
    SaleOrder,
    /// Purchase orders (module `purchase`).
    PurchaseOrder,
    /// Stock levels, moves and counts (module `stock`).
    Stock,
    /// Invoices, bills, credit notes and payments (module `account`).
    Invoice,
    /// Journal entries, periods and the financial reports (module `account`).
    Accounting,
}

impl Model {
    pub const ALL: [Model; 10] = [
        Model::Partner,
        Model::User,
        Model::Configuration,
        Model::Log,
        Model::Product,
        Model::SaleOrder,
        Model::PurchaseOrder,
        Model::Stock,
        Model::Invoice,
        Model::Accounting,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Model::Partner => "partner",
            Model::User => "user",
            Model::Configuration => "configuration",
            Model::Log => "log",
            Model::Product => "product",
            Model::SaleOrder => "sale_order",
            Model::PurchaseOrder => "purchase_order",
            Model::Stock => "stock",
            Model::Invoice => "invoice",
            Model::Accounting => "accounting",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn versions_parse_and_odd_middle_numbers_are_development() {
        let v: ModuleVersion = "1.3.0".parse().unwrap();
        assert_eq!(v, ModuleVersion::new(1, 3, 0));
        assert!(v.is_development());
        assert!(!ModuleVersion::new(2, 4, 9).is_development());
        assert!("1.2".parse::<ModuleVersion>().is_err());
        assert!("1.x.0".parse::<ModuleVersion>().is_err());
    }

    #[test]
    fn the_catalogue_lists_dependencies_before_dependents() {
        for (i, spec) in MODULES.iter().enumerate() {
            for dependency in spec.depends {
                let at = MODULES.iter().position(|m| m.name == *dependency);
                assert!(
                    at.is_some_and(|at| at < i),
                    "{} needs {dependency}",
                    spec.name
                );
            }
        }
    }

    #[test]
    fn installing_sale_brings_product_and_account_first() {
        let order: Vec<&str> = install_order("sale", &set(&["base"]))
            .unwrap()
            .iter()
            .map(|m| m.name)
            .collect();
        assert_eq!(order, ["product", "account", "sale"]);
        assert!(install_order("payroll", &set(&[])).is_none());
    }

    #[test]
    fn dependents_come_out_deepest_first() {
        let installed = set(&["base", "product", "account", "sale", "crm", "stock"]);
        assert_eq!(
            installed_dependents("product", &installed),
            ["crm", "sale", "stock"]
        );
        assert!(installed_dependents("crm", &installed).is_empty());
    }
}
