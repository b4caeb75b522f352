//! Over 600 lines: the views of every model are data, one literal each.
//!
//! The views of every model, as OpenERP's clients drew every form from the server: a generic
//! client draws any form, list and search from these alone.
//!
//! - the **form**: its fields in order and in groups, each with its type, default label,
//!   whether it is required, when it can be changed (read-only fields never, some only in some
//!   states), the widget, the values of a selection with their labels, the model a reference
//!   points to, and a line of help;
//! - the **list**: its columns (fields of the form) and default order;
//! - the **search**: the filters of the list's `where` argument;
//! - the **actions**: the mutations a record allows in each of its states, with the right each
//!   needs.
//!
//! Field names are the GraphQL schema's (a nested one with a dot: `address.city`); a state is a
//! value of the view's state field as the API shows it (`DRAFT`; `true` for a boolean). Labels
//! can be renamed per database (`setLabel`, keyed `<model>.<field>`): that is configuration,
//! and the rest of a view is the code's. A test checks every name here against the schema.

use super::access::Right;
use super::catalogue::Model;

/// What kind of value a field holds, and so how a client shows and edits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// A key an implementer gives (`vat21`): lower-case letters, digits and `_ . -`.
    Code,
    /// Several keys (a partner's categories).
    Codes,
    Email,
    Phone,
    Boolean,
    Integer,
    /// An exact decimal number (a rate, a price before rounding).
    Decimal,
    /// An amount in the company currency, to its decimals.
    Money,
    Quantity,
    /// A percentage (`21` for 21 %).
    Percent,
    Date,
    DateTime,
    /// One of fixed values (each with its label).
    Selection(&'static [(&'static str, &'static str)]),
    /// A record of another model (by id, or by code for configuration records), shown by the
    /// view named. Where several views show the record's type (invoices and bills), the one
    /// whose fixed filters the record matches (its `side`) shows it.
    Reference(&'static str),
    /// Several records of another model.
    References(&'static str),
    /// The record's lines, records of another model shown as a table.
    Lines(&'static str),
}

/// When a field can be changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Editable {
    /// Whenever the record can be.
    Always,
    /// Never: the server computes it.
    Never,
    /// Only while the record is in one of these states: none, when it is given at creation
    /// only.
    In(&'static [&'static str]),
}

/// A field of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// Its name in the GraphQL schema, relative to the record (`address.city`).
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    pub editable: Editable,
    /// How to show it where its kind leaves a choice (`textarea`, `badge`, `tags`, `monetary`).
    pub widget: Option<&'static str>,
    pub help: &'static str,
}

impl FieldSpec {
    const fn new(name: &'static str, label: &'static str, kind: FieldKind) -> Self {
        Self {
            name,
            label,
            kind,
            required: false,
            editable: Editable::Always,
            widget: None,
            help: "",
        }
    }

    const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    const fn computed(mut self) -> Self {
        self.editable = Editable::Never;
        self
    }

    const fn editable_in(mut self, states: &'static [&'static str]) -> Self {
        self.editable = Editable::In(states);
        self
    }

    const fn widget(mut self, widget: &'static str) -> Self {
        self.widget = Some(widget);
        self
    }

    const fn help(mut self, help: &'static str) -> Self {
        self.help = help;
        self
    }
}

/// Fields shown together under a title (none: the form's first, untitled group).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupSpec {
    pub title: Option<&'static str>,
    pub fields: &'static [FieldSpec],
}

/// A filter of the list: a field of the list query's `where` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterSpec {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
}

/// Something a user does to a record: a mutation taking `{ id }` (or the form's input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionSpec {
    pub name: &'static str,
    pub label: &'static str,
    /// The mutation that does it.
    pub mutation: &'static str,
    /// The states it is allowed in (empty: any).
    pub states: &'static [&'static str],
    /// The right it needs, on the view's model.
    pub right: Right,
    /// What else it needs, on other models (invoicing an order makes an invoice).
    pub also: &'static [(Model, Right)],
    /// Fields of its input filled from the record, as `(input, record)` paths: a payment's
    /// `amount` from the invoice's `residual`; `allocations.invoice` makes one allocation.
    pub defaults: &'static [(&'static str, &'static str)],
}

/// Where a client reads a view's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A record by id (`one`) and a connection (`list`, with the view's filters in `where`).
    Records {
        one: &'static str,
        list: &'static str,
    },
    /// A record under `configuration` by its `key` (`tax(code:)`) and a connection there
    /// (`taxes`, with the view's filters in `where`).
    Configuration {
        one: &'static str,
        list: &'static str,
        key: &'static str,
    },
    /// The one record under `configuration` (`company`).
    Single(&'static str),
    /// Lines of another view's records: read with them.
    Lines,
}

/// Everything a client needs to show one model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewSpec {
    /// The view's name, as labels are keyed: `partner`.
    pub name: &'static str,
    pub title: &'static str,
    /// The module that brings it: it is shown only while the module is installed.
    pub module: &'static str,
    /// The model whose rights govern it.
    pub model: Model,
    /// The GraphQL type of its records.
    pub type_name: &'static str,
    pub source: Source,
    /// The field whose value is the record's state, if it has states.
    pub state: Option<&'static str>,
    pub groups: &'static [GroupSpec],
    pub columns: &'static [&'static str],
    /// The list's default order, as the list query sorts it.
    pub order: &'static str,
    pub filters: &'static [FilterSpec],
    /// Filters the list always has (a payment is a journal entry of origin `PAYMENT`).
    pub fixed: &'static [(&'static str, &'static str)],
    /// The mutation that makes a record, and the one that saves the form.
    pub create: Option<&'static str>,
    pub update: Option<&'static str>,
    pub actions: &'static [ActionSpec],
}

impl ViewSpec {
    /// Every field of the form, group after group.
    pub fn fields(&self) -> impl Iterator<Item = &'static FieldSpec> {
        let groups: &'static [GroupSpec] = self.groups;
        groups.iter().flat_map(|g| g.fields.iter())
    }

    /// The form's field `name`.
    pub fn field(&self, name: &str) -> Option<&'static FieldSpec> {
        self.fields().find(|f| f.name == name)
    }
}

/// The view named `name`.
pub fn view(name: &str) -> Option<&'static ViewSpec> {
    VIEWS.iter().find(|v| v.name == name)
}

use FieldKind::*;

const fn f(name: &'static str, label: &'static str, kind: FieldKind) -> FieldSpec {
    FieldSpec::new(name, label, kind)
}

const fn group(title: &'static str, fields: &'static [FieldSpec]) -> GroupSpec {
    GroupSpec {
        title: Some(title),
        fields,
    }
}

const fn main(fields: &'static [FieldSpec]) -> GroupSpec {
    GroupSpec {
        title: None,
        fields,
    }
}

const fn filter(name: &'static str, label: &'static str, kind: FieldKind) -> FilterSpec {
    FilterSpec { name, label, kind }
}

const fn action(
    name: &'static str,
    label: &'static str,
    mutation: &'static str,
    states: &'static [&'static str],
    right: Right,
) -> ActionSpec {
    ActionSpec {
        name,
        label,
        mutation,
        states,
        right,
        also: &[],
        defaults: &[],
    }
}

impl ActionSpec {
    const fn also(mut self, also: &'static [(Model, Right)]) -> Self {
        self.also = also;
        self
    }

    const fn defaults(mut self, defaults: &'static [(&'static str, &'static str)]) -> Self {
        self.defaults = defaults;
        self
    }
}

const ADDRESS: [FieldSpec; 4] = [
    f("address.street", "Street", Text),
    f("address.city", "City", Text),
    f("address.zip", "ZIP", Text),
    f("address.country", "Country", Text).help("ISO 3166 code: BE, FR, US"),
];

const PRODUCT_KINDS: &[(&str, &str)] = &[
    ("STOCKABLE", "Stockable"),
    ("CONSUMABLE", "Consumable"),
    ("SERVICE", "Service"),
];
const ORDER_STATES: &[(&str, &str)] = &[
    ("DRAFT", "Quotation"),
    ("CONFIRMED", "Confirmed"),
    ("CANCELLED", "Cancelled"),
];
const PROGRESS: &[(&str, &str)] = &[
    ("NOTHING", "Nothing"),
    ("PARTIAL", "Partly"),
    ("FULL", "Fully"),
];
const CUSTOMER_DOCUMENTS: &[(&str, &str)] = &[
    ("CUSTOMER_INVOICE", "Customer Invoice"),
    ("CUSTOMER_CREDIT_NOTE", "Customer Credit Note"),
];
const VENDOR_DOCUMENTS: &[(&str, &str)] = &[
    ("VENDOR_BILL", "Vendor Bill"),
    ("VENDOR_CREDIT_NOTE", "Vendor Credit Note"),
];
const INVOICE_STATES: &[(&str, &str)] = &[
    ("DRAFT", "Draft"),
    ("POSTED", "Posted"),
    ("CANCELLED", "Cancelled"),
];
const PAYMENT_STATES: &[(&str, &str)] = &[
    ("NOT_PAID", "Not Paid"),
    ("PARTIALLY_PAID", "Partially Paid"),
    ("PAID", "Paid"),
];
const ENTRY_ORIGINS: &[(&str, &str)] = &[
    ("INVOICE", "Invoice"),
    ("PAYMENT", "Payment"),
    ("MANUAL", "Manual"),
];
/// The models record rules restrict (their GraphQL names).
const RULED_MODELS: &[(&str, &str)] = &[
    ("SALE_ORDER", "Sales Orders"),
    ("PURCHASE_ORDER", "Purchase Orders"),
    ("INVOICE", "Invoices and Bills"),
    ("PARTNER", "Partners"),
];

const ACCOUNT_KINDS: &[(&str, &str)] = &[
    ("RECEIVABLE", "Receivable"),
    ("PAYABLE", "Payable"),
    ("BANK", "Bank and Cash"),
    ("ASSET", "Asset"),
    ("LIABILITY", "Liability"),
    ("EQUITY", "Equity"),
    ("INCOME", "Income"),
    ("EXPENSE", "Expense"),
];
const JOURNAL_KINDS: &[(&str, &str)] = &[
    ("SALE", "Sales"),
    ("PURCHASE", "Purchases"),
    ("BANK", "Bank and Cash"),
    ("GENERAL", "Miscellaneous"),
];

const DRAFT: &[&str] = &["DRAFT"];
/// Given when the record is made, and not changed afterwards.
const CREATION: &[&str] = &[];

/// An order's form; its documents are shown in view `$documents` (a sale's invoices in the
/// customer invoices' view, a purchase's bills in the vendor bills').
macro_rules! order_groups {
    ($documents:literal) => {
        &[
            main(&[
                f("number", "Number", Text).computed(),
                f("partner", "Partner", Reference("partner"))
                    .required()
                    .editable_in(CREATION),
                f("date", "Order Date", Date).editable_in(CREATION),
                f("state", "Status", Selection(ORDER_STATES))
                    .computed()
                    .widget("statusbar"),
            ]),
            group(
                "Lines",
                &[f("lines", "Order Lines", Lines("order_line"))
                    .required()
                    .editable_in(DRAFT)],
            ),
            group(
                "Totals",
                &[
                    f("untaxed", "Untaxed Amount", Money).computed(),
                    f("tax", "Taxes", Money).computed(),
                    f("total", "Total", Money).computed().widget("monetary"),
                ],
            ),
            group(
                "Progress",
                &[
                    f("deliveryStatus", "Delivered", Selection(PROGRESS)).computed(),
                    f("invoiceStatus", "Invoiced", Selection(PROGRESS)).computed(),
                    f("invoices", "Invoices", References($documents)).computed(),
                ],
            ),
        ]
    };
}
const SALE_ORDER_GROUPS: &[GroupSpec] = order_groups!("invoice");
const PURCHASE_ORDER_GROUPS: &[GroupSpec] = order_groups!("bill");
const ORDER_COLUMNS: &[&str] = &["number", "date", "partner", "state", "total"];
const ORDER_FILTERS: &[FilterSpec] = &[
    filter("partner", "Partner", Reference("partner")),
    filter("state", "Status", Selection(ORDER_STATES)),
    filter("from", "From", Date),
    filter("to", "To", Date),
];
const ORDER_ACTIONS: &[ActionSpec] = &[
    action("confirm", "Confirm", "confirmOrder", DRAFT, Right::Write),
    action(
        "deliver",
        "Deliver",
        "deliverOrder",
        &["CONFIRMED"],
        Right::Write,
    )
    .also(&[(Model::Stock, Right::Read)]),
    action(
        "invoice",
        "Create Invoice",
        "invoiceOrder",
        &["CONFIRMED"],
        Right::Write,
    )
    .also(&[(Model::Invoice, Right::Create)]),
    action(
        "cancel",
        "Cancel",
        "cancelOrder",
        &["DRAFT", "CONFIRMED"],
        Right::Write,
    ),
];

const LINE_FIELDS: [FieldSpec; 5] = [
    f("description", "Description", Text).required(),
    f("quantity", "Quantity", Quantity).required(),
    f("unitPrice", "Unit Price", Decimal).required(),
    f("discount", "Discount (%)", Percent),
    f("taxes", "Taxes", References("tax")).widget("tags"),
];

/// The view of one side's documents: customer invoices and credit notes, or vendor bills and
/// refunds (the same records, listed apart, as each side's orders are).
macro_rules! invoice_view {
    ($name:literal, $title:literal, $side:literal, $kinds:expr, $order:literal) => {
        ViewSpec {
            name: $name,
            title: $title,
            module: "account",
            model: Model::Invoice,
            type_name: "Invoice",
            source: Source::Records {
                one: "invoice",
                list: "invoices",
            },
            state: Some("state"),
            groups: &[
                main(&[
                    f("kind", "Type", Selection($kinds))
                        .required()
                        .editable_in(CREATION),
                    f("number", "Number", Text).computed(),
                    f("partner", "Partner", Reference("partner"))
                        .required()
                        .editable_in(CREATION),
                    f("date", "Invoice Date", Date).editable_in(CREATION),
                    f("dueDate", "Due Date", Date).editable_in(CREATION),
                    f("reference", "Reference", Text).editable_in(CREATION),
                    f("state", "Status", Selection(INVOICE_STATES))
                        .computed()
                        .widget("statusbar"),
                    f("paymentState", "Payment", Selection(PAYMENT_STATES))
                        .computed()
                        .widget("badge"),
                ]),
                group(
                    "Lines",
                    &[f("lines", "Invoice Lines", Lines("invoice_line"))
                        .required()
                        .editable_in(DRAFT)],
                ),
                group(
                    "Totals",
                    &[
                        f("untaxed", "Untaxed Amount", Money).computed(),
                        f("tax", "Taxes", Money).computed(),
                        f("total", "Total", Money).computed().widget("monetary"),
                        f("residual", "Amount Due", Money)
                            .computed()
                            .widget("monetary"),
                    ],
                ),
                group(
                    "Origin",
                    &[
                        f("order", "Order", Reference($order)).computed(),
                        f("reverses", "Reverses", Reference($name)).computed(),
                    ],
                ),
            ],
            columns: &[
                "number", "kind", "partner", "date", "dueDate", "total", "residual", "state",
            ],
            order: "date desc",
            filters: &[
                filter("kind", "Type", Selection($kinds)),
                filter("partner", "Partner", Reference("partner")),
                filter("state", "Status", Selection(INVOICE_STATES)),
                filter("open", "Not Fully Paid", Boolean),
                filter("from", "From", Date),
                filter("to", "To", Date),
            ],
            fixed: &[("side", $side)],
            create: Some("createInvoice"),
            update: Some("updateInvoiceLines"),
            actions: &[
                action("post", "Post", "postInvoice", DRAFT, Right::Write),
                action("cancel", "Cancel", "cancelInvoice", DRAFT, Right::Write),
                action(
                    "credit",
                    "Add Credit Note",
                    "createCreditNote",
                    &["POSTED"],
                    Right::Create,
                )
                .defaults(&[("invoice", "id")]),
                action(
                    "pay",
                    "Register Payment",
                    "registerPayment",
                    &["POSTED"],
                    Right::Write,
                )
                .defaults(&[
                    ("partner", "partner"),
                    ("amount", "residual"),
                    ("allocations.invoice", "id"),
                    ("allocations.amount", "residual"),
                ]),
            ],
        }
    };
}

/// Every view of this build.
pub const VIEWS: &[ViewSpec] = &[
    ViewSpec {
        name: "partner",
        title: "Partner",
        module: "base",
        model: Model::Partner,
        type_name: "Partner",
        source: Source::Records {
            one: "partner",
            list: "partners",
        },
        state: Some("archived"),
        groups: &[
            main(&[
                f("name", "Name", Text).required(),
                f("email", "Email", Email),
                f("phone", "Phone", Phone),
                f("vat", "Tax ID", Text).help("The VAT number, with its country prefix"),
                f("isCustomer", "Customer", Boolean),
                f("isSupplier", "Supplier", Boolean),
                f("categories", "Categories", Codes)
                    .help("Codes such as retail or region.north: record rules may go by them"),
            ]),
            group("Address", &ADDRESS),
        ],
        columns: &[
            "name",
            "email",
            "phone",
            "address.city",
            "isCustomer",
            "isSupplier",
        ],
        order: "name",
        filters: &[
            filter("nameContains", "Name", Text),
            filter("isCustomer", "Customers", Boolean),
            filter("isSupplier", "Suppliers", Boolean),
            filter("category", "Category", Code),
            filter("archived", "Archived", Boolean),
        ],
        fixed: &[],
        create: Some("createPartner"),
        update: Some("updatePartner"),
        actions: &[
            action(
                "archive",
                "Archive",
                "archivePartner",
                &["false"],
                Right::Write,
            ),
            action(
                "unarchive",
                "Restore",
                "unarchivePartner",
                &["true"],
                Right::Write,
            ),
        ],
    },
    ViewSpec {
        name: "company",
        title: "Company",
        module: "base",
        model: Model::Configuration,
        type_name: "Company",
        source: Source::Single("company"),
        state: None,
        groups: &[
            main(&[
                f("name", "Company Name", Text).required(),
                f("currency", "Currency", Reference("currency")).required(),
                f("fiscalYearStart", "Fiscal Year Starts", Text)
                    .help("Month and day the fiscal year starts on: 01-01, 04-01"),
            ]),
            group("Address", &ADDRESS),
        ],
        columns: &[],
        order: "",
        filters: &[],
        fixed: &[],
        create: None,
        update: Some("updateCompany"),
        actions: &[],
    },
    ViewSpec {
        name: "user",
        title: "User",
        module: "base",
        model: Model::User,
        type_name: "User",
        source: Source::Records {
            one: "user",
            list: "users",
        },
        state: Some("active"),
        groups: &[main(&[
            f("login", "Login", Text).required().editable_in(CREATION),
            f("name", "Name", Text).required(),
            f("active", "Active", Boolean).computed(),
            f("groups", "Groups", References("group")).widget("tags"),
        ])],
        columns: &["login", "name", "groups", "active"],
        order: "login",
        filters: &[
            filter("search", "Login or Name", Text),
            filter("active", "Active", Boolean),
            filter("group", "Group", Reference("group")),
        ],
        fixed: &[],
        create: Some("createUser"),
        update: Some("updateUser"),
        actions: &[
            action(
                "deactivate",
                "Deactivate",
                "deactivateUser",
                &["true"],
                Right::Write,
            ),
            action(
                "activate",
                "Activate",
                "activateUser",
                &["false"],
                Right::Write,
            ),
        ],
    },
    ViewSpec {
        name: "product",
        title: "Product",
        module: "product",
        model: Model::Product,
        type_name: "Product",
        source: Source::Records {
            one: "product",
            list: "products",
        },
        state: Some("archived"),
        groups: &[
            main(&[
                f("reference", "Internal Reference", Code).required(),
                f("name", "Name", Text).required(),
                f("kind", "Product Type", Selection(PRODUCT_KINDS)).required(),
                f("uom", "Unit of Measure", Text),
            ]),
            group(
                "Prices",
                &[
                    f("salePrice", "Sale Price", Decimal),
                    f("cost", "Cost", Decimal).help("What one unit costs: stock is valued at it"),
                    f("taxes", "Taxes", References("tax")).widget("tags"),
                ],
            ),
        ],
        columns: &["reference", "name", "kind", "salePrice", "cost"],
        order: "name",
        filters: &[
            filter("search", "Reference or Name", Text),
            filter("kind", "Product Type", Selection(PRODUCT_KINDS)),
            filter("archived", "Archived", Boolean),
        ],
        fixed: &[],
        create: Some("createProduct"),
        update: Some("updateProduct"),
        actions: &[
            action(
                "archive",
                "Archive",
                "archiveProduct",
                &["false"],
                Right::Write,
            ),
            action(
                "unarchive",
                "Restore",
                "unarchiveProduct",
                &["true"],
                Right::Write,
            ),
        ],
    },
    ViewSpec {
        name: "sale_order",
        title: "Sales Order",
        module: "sale",
        model: Model::SaleOrder,
        type_name: "Order",
        source: Source::Records {
            one: "order",
            list: "saleOrders",
        },
        state: Some("state"),
        groups: SALE_ORDER_GROUPS,
        columns: ORDER_COLUMNS,
        order: "date desc",
        filters: ORDER_FILTERS,
        fixed: &[],
        create: Some("createSaleOrder"),
        update: Some("updateOrderLines"),
        actions: ORDER_ACTIONS,
    },
    ViewSpec {
        name: "purchase_order",
        title: "Purchase Order",
        module: "purchase",
        model: Model::PurchaseOrder,
        type_name: "Order",
        source: Source::Records {
            one: "order",
            list: "purchaseOrders",
        },
        state: Some("state"),
        groups: PURCHASE_ORDER_GROUPS,
        columns: ORDER_COLUMNS,
        order: "date desc",
        filters: ORDER_FILTERS,
        fixed: &[],
        create: Some("createPurchaseOrder"),
        update: Some("updateOrderLines"),
        actions: ORDER_ACTIONS,
    },
    ViewSpec {
        name: "order_line",
        title: "Order Line",
        module: "product",
        model: Model::Product,
        type_name: "OrderLine",
        source: Source::Lines,
        state: None,
        groups: &[main(&[
            f("product", "Product", Reference("product")),
            LINE_FIELDS[0],
            LINE_FIELDS[1],
            LINE_FIELDS[2],
            LINE_FIELDS[3],
            LINE_FIELDS[4],
            f("total", "Total", Money).computed(),
            f("delivered", "Delivered", Quantity).computed(),
            f("invoiced", "Invoiced", Quantity).computed(),
        ])],
        columns: &[
            "product",
            "description",
            "quantity",
            "unitPrice",
            "discount",
            "taxes",
            "total",
        ],
        order: "line",
        filters: &[],
        fixed: &[],
        create: None,
        update: None,
        actions: &[],
    },
    invoice_view!(
        "invoice",
        "Customer Invoice",
        "SALE",
        CUSTOMER_DOCUMENTS,
        "sale_order"
    ),
    invoice_view!(
        "bill",
        "Vendor Bill",
        "PURCHASE",
        VENDOR_DOCUMENTS,
        "purchase_order"
    ),
    ViewSpec {
        name: "invoice_line",
        title: "Invoice Line",
        module: "account",
        model: Model::Invoice,
        type_name: "InvoiceLine",
        source: Source::Lines,
        state: None,
        groups: &[main(&[
            LINE_FIELDS[0],
            f("account", "Account", Reference("account"))
                .computed()
                .help("The income or expense account of the kind of document"),
            LINE_FIELDS[1],
            LINE_FIELDS[2],
            LINE_FIELDS[3],
            LINE_FIELDS[4],
            f("total", "Total", Money).computed(),
        ])],
        columns: &[
            "description",
            "account",
            "quantity",
            "unitPrice",
            "discount",
            "taxes",
            "total",
        ],
        order: "line",
        filters: &[],
        fixed: &[],
        create: None,
        update: None,
        actions: &[],
    },
    ViewSpec {
        name: "payment",
        title: "Payment",
        module: "account",
        model: Model::Invoice,
        type_name: "JournalEntry",
        source: Source::Records {
            one: "journalEntry",
            list: "journalEntries",
        },
        state: None,
        groups: &[main(&[
            f("number", "Number", Text).computed(),
            f("journal", "Journal", Reference("journal"))
                .required()
                .editable_in(CREATION),
            f("partner", "Partner", Reference("partner"))
                .required()
                .editable_in(CREATION),
            f("date", "Payment Date", Date).editable_in(CREATION),
            f("amount", "Amount", Money)
                .required()
                .editable_in(CREATION),
            f("reference", "Memo", Text).editable_in(CREATION),
            f("allocations", "Paid Documents", Lines("payment_allocation"))
                .required()
                .editable_in(CREATION),
            f("lines", "Journal Items", Lines("journal_item")).computed(),
        ])],
        columns: &[
            "number",
            "journal",
            "partner",
            "date",
            "amount",
            "reference",
        ],
        order: "date",
        filters: &[
            filter("journal", "Journal", Reference("journal")),
            filter("partner", "Partner", Reference("partner")),
            filter("from", "From", Date),
            filter("to", "To", Date),
        ],
        fixed: &[("origin", "PAYMENT")],
        create: Some("registerPayment"),
        update: None,
        actions: &[],
    },
    ViewSpec {
        name: "payment_allocation",
        title: "Paid Document",
        module: "account",
        model: Model::Invoice,
        type_name: "Allocation",
        source: Source::Lines,
        state: None,
        groups: &[main(&[
            f("invoice", "Document", Reference("invoice")).required(),
            f("amount", "Amount", Money).required(),
        ])],
        columns: &["invoice", "amount"],
        order: "",
        filters: &[],
        fixed: &[],
        create: None,
        update: None,
        actions: &[],
    },
    ViewSpec {
        name: "journal_entry",
        title: "Journal Entry",
        module: "account",
        model: Model::Accounting,
        type_name: "JournalEntry",
        source: Source::Records {
            one: "journalEntry",
            list: "journalEntries",
        },
        state: None,
        groups: &[main(&[
            f("number", "Number", Text).computed(),
            f("journal", "Journal", Reference("journal"))
                .required()
                .editable_in(CREATION),
            f("date", "Date", Date).required().editable_in(CREATION),
            f("reference", "Reference", Text).editable_in(CREATION),
            f("origin", "Origin", Selection(ENTRY_ORIGINS)).computed(),
            f("amount", "Amount", Money).computed(),
            f("lines", "Journal Items", Lines("journal_item"))
                .required()
                .editable_in(CREATION),
        ])],
        columns: &["date", "number", "journal", "reference", "origin", "amount"],
        order: "date",
        filters: &[
            filter("journal", "Journal", Reference("journal")),
            filter("origin", "Origin", Selection(ENTRY_ORIGINS)),
            filter("partner", "Partner", Reference("partner")),
            filter("from", "From", Date),
            filter("to", "To", Date),
        ],
        fixed: &[],
        create: Some("postEntry"),
        update: None,
        actions: &[],
    },
    ViewSpec {
        name: "journal_item",
        title: "Journal Item",
        module: "account",
        model: Model::Accounting,
        type_name: "JournalItem",
        source: Source::Lines,
        state: None,
        groups: &[main(&[
            f("account", "Account", Reference("account")).required(),
            f("partner", "Partner", Reference("partner")),
            f("label", "Label", Text),
            f("debit", "Debit", Money),
            f("credit", "Credit", Money),
        ])],
        columns: &["account", "partner", "label", "debit", "credit"],
        order: "line",
        filters: &[],
        fixed: &[],
        create: None,
        update: None,
        actions: &[],
    },
    ViewSpec {
        name: "account",
        title: "Account",
        module: "account",
        model: Model::Configuration,
        type_name: "Account",
        source: Source::Configuration {
            one: "account",
            list: "accounts",
            key: "code",
        },
        state: None,
        groups: &[main(&[
            f("code", "Code", Code).required().editable_in(CREATION),
            f("name", "Account Name", Text).required(),
            f("kind", "Type", Selection(ACCOUNT_KINDS)).required(),
        ])],
        columns: &["code", "name", "kind"],
        order: "code",
        filters: &[
            filter("search", "Search", Text),
            filter("kind", "Type", Selection(ACCOUNT_KINDS)),
        ],
        fixed: &[],
        create: Some("setAccount"),
        update: Some("setAccount"),
        actions: &[action(
            "remove",
            "Delete",
            "removeAccount",
            &[],
            Right::Write,
        )],
    },
    ViewSpec {
        name: "tax",
        title: "Tax",
        module: "account",
        model: Model::Configuration,
        type_name: "Tax",
        source: Source::Configuration {
            one: "tax",
            list: "taxes",
            key: "code",
        },
        state: None,
        groups: &[main(&[
            f("code", "Code", Code).required().editable_in(CREATION),
            f("name", "Tax Name", Text).required(),
            f("rate", "Rate (%)", Percent).required(),
            f("priceIncluded", "Included in Price", Boolean),
        ])],
        columns: &["code", "name", "rate", "priceIncluded"],
        order: "code",
        filters: &[filter("search", "Search", Text)],
        fixed: &[],
        create: Some("setTax"),
        update: Some("setTax"),
        actions: &[action("remove", "Delete", "removeTax", &[], Right::Write)],
    },
    ViewSpec {
        name: "journal",
        title: "Journal",
        module: "account",
        model: Model::Configuration,
        type_name: "Journal",
        source: Source::Configuration {
            one: "journal",
            list: "journals",
            key: "code",
        },
        state: None,
        groups: &[main(&[
            f("code", "Code", Code).required().editable_in(CREATION),
            f("name", "Journal Name", Text).required(),
            f("kind", "Type", Selection(JOURNAL_KINDS)).required(),
            f("sequence", "Entry Sequence", Reference("sequence")).required(),
            f("account", "Default Account", Reference("account"))
                .help("Where a bank journal's payments go"),
        ])],
        columns: &["code", "name", "kind"],
        order: "code",
        filters: &[
            filter("search", "Search", Text),
            filter("kind", "Type", Selection(JOURNAL_KINDS)),
        ],
        fixed: &[],
        create: Some("setJournal"),
        update: Some("setJournal"),
        actions: &[action(
            "remove",
            "Delete",
            "removeJournal",
            &[],
            Right::Write,
        )],
    },
    ViewSpec {
        name: "sequence",
        title: "Sequence",
        module: "base",
        model: Model::Configuration,
        type_name: "Sequence",
        source: Source::Configuration {
            one: "sequence",
            list: "sequences",
            key: "code",
        },
        state: None,
        groups: &[main(&[
            f("code", "Code", Code).required().editable_in(CREATION),
            f("name", "Name", Text).required(),
            f("prefix", "Prefix", Text).help("`{year}` in it is the document's year"),
            f("padding", "Digits", Integer),
            f("nextNumber", "Next Number", Integer).computed(),
        ])],
        columns: &["code", "name", "prefix", "nextNumber"],
        order: "code",
        filters: &[filter("search", "Search", Text)],
        fixed: &[],
        create: Some("setSequence"),
        update: Some("setSequence"),
        actions: &[action(
            "remove",
            "Delete",
            "removeSequence",
            &[],
            Right::Write,
        )],
    },
    ViewSpec {
        name: "currency",
        title: "Currency",
        module: "base",
        model: Model::Configuration,
        type_name: "Currency",
        source: Source::Configuration {
            one: "currency",
            list: "currencies",
            key: "code",
        },
        state: None,
        groups: &[main(&[
            f("code", "Code", Text).required().editable_in(CREATION),
            f("name", "Name", Text).required(),
            f("symbol", "Symbol", Text).required(),
            f("decimals", "Decimals", Integer),
        ])],
        columns: &["code", "name", "symbol"],
        order: "code",
        filters: &[filter("search", "Search", Text)],
        fixed: &[],
        create: Some("setCurrency"),
        update: Some("setCurrency"),
        actions: &[action(
            "remove",
            "Delete",
            "removeCurrency",
            &[],
            Right::Write,
        )],
    },
    ViewSpec {
        name: "group",
        title: "Group",
        module: "base",
        model: Model::Configuration,
        type_name: "Group",
        source: Source::Configuration {
            one: "group",
            list: "groups",
            key: "code",
        },
        state: None,
        groups: &[main(&[
            f("code", "Code", Code).required().editable_in(CREATION),
            f("name", "Name", Text).required(),
        ])],
        columns: &["code", "name"],
        order: "code",
        filters: &[filter("search", "Search", Text)],
        fixed: &[],
        create: Some("setGroup"),
        update: Some("setGroup"),
        actions: &[action("remove", "Delete", "removeGroup", &[], Right::Write)],
    },
    ViewSpec {
        name: "record_rule",
        title: "Record Rule",
        module: "base",
        model: Model::Configuration,
        type_name: "RecordRuleObject",
        source: Source::Configuration {
            one: "recordRule",
            list: "recordRules",
            key: "code",
        },
        state: None,
        groups: &[
            main(&[
                f("code", "Code", Code).required().editable_in(CREATION),
                f("name", "Name", Text).required(),
                f("model", "Applies To", Selection(RULED_MODELS)).required(),
                f("groups", "Groups", Codes).help("None: everyone but administrators"),
            ]),
            group(
                "Lets Through",
                &[
                    f("own", "Their Own", Boolean).help("The orders and documents they created"),
                    f("states", "States", Codes).help("Such as draft: orders and documents"),
                    f("partnerCategories", "Partner Categories", Codes)
                        .help("Partners in one of them, and their orders and documents"),
                ],
            ),
        ],
        columns: &["code", "name", "model", "groups"],
        order: "code",
        filters: &[filter("search", "Search", Text)],
        fixed: &[],
        create: Some("setRecordRule"),
        update: Some("setRecordRule"),
        actions: &[action(
            "remove",
            "Delete",
            "removeRecordRule",
            &[],
            Right::Write,
        )],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_orders_documents_open_in_the_view_of_its_side() {
        let documents = |order: &str| {
            let field = view(order).and_then(|v| v.field("invoices"));
            match field.map(|f| &f.kind) {
                Some(References(relation)) => *relation,
                _ => panic!("{order} shows no documents"),
            }
        };
        let side = |name: &str| match view(name).map(|v| &v.fixed) {
            Some(fixed) => fixed.to_vec(),
            None => panic!("no view {name}"),
        };
        assert_eq!(documents("sale_order"), "invoice");
        assert_eq!(documents("purchase_order"), "bill");
        assert_eq!(side("invoice"), [("side", "SALE")]);
        assert_eq!(side("bill"), [("side", "PURCHASE")]);
    }
}
