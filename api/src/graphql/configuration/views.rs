//! The views of the installed modules' models, as a generic client reads them to draw every
//! form, list and search (the domain's `views` catalogue, with this database's labels and the
//! user's rights).

use async_graphql::{Enum, SimpleObject};
use commands::policy::Actor;
use domain::configuration::views::{self, Editable, FieldKind, FieldSpec, Source, ViewSpec};
use domain::configuration::{Right, Settings};

use super::objects::ModelName;

/// How a client shows and edits a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum FieldType {
    Text,
    /// A key an implementer gives: lower-case letters, digits and `_ . -`.
    Code,
    /// Several such keys (a partner's categories), a list of strings.
    Codes,
    Email,
    Phone,
    Boolean,
    Integer,
    /// An exact decimal number, sent and read as a string.
    Decimal,
    /// An amount in the company currency, to its decimals.
    Money,
    Quantity,
    /// A percentage: `21` for 21 %.
    Percent,
    Date,
    DateTime,
    /// One of `selection`'s values.
    Selection,
    /// A record of view `relation`.
    ManyToOne,
    /// Records of view `relation`.
    ManyToMany,
    /// The record's lines: records of view `relation`, shown as a table.
    OneToMany,
}

/// A value of a selection, with its label.
#[derive(SimpleObject)]
pub struct SelectionValue {
    pub value: String,
    pub label: String,
}

/// A field of a form.
#[derive(SimpleObject)]
pub struct ViewField {
    /// Its name in the record's GraphQL type (nested with a dot: `address.city`).
    pub name: String,
    /// The label to show: this database's, if renamed.
    pub label: String,
    pub default_label: String,
    #[graphql(name = "type")]
    pub kind: FieldType,
    pub required: bool,
    /// Never editable: the server computes it.
    pub read_only: bool,
    /// The states the record must be in for the field to be edited; null: any.
    pub editable_in: Option<Vec<String>>,
    pub widget: Option<String>,
    /// The values of a selection.
    pub selection: Option<Vec<SelectionValue>>,
    /// The view a reference or lines point to.
    pub relation: Option<String>,
    pub help: Option<String>,
}

/// Fields shown together, under a title.
#[derive(SimpleObject)]
pub struct FieldGroup {
    pub title: Option<String>,
    pub fields: Vec<ViewField>,
}

/// A column of the list: a field of the form.
#[derive(SimpleObject)]
pub struct ViewColumn {
    pub field: String,
    pub label: String,
}

/// A filter the list always has.
#[derive(SimpleObject)]
pub struct FixedFilter {
    pub field: String,
    pub value: String,
}

/// The list of a view's records.
#[derive(SimpleObject)]
pub struct ViewList {
    pub columns: Vec<ViewColumn>,
    /// The order the list query returns records in (`date desc`).
    pub default_order: String,
    /// Filters to put in `where` every time (a payment is an entry of origin `PAYMENT`).
    pub fixed: Vec<FixedFilter>,
}

/// A filter of the search: a field of the list query's `where` argument.
#[derive(SimpleObject)]
pub struct ViewFilter {
    pub name: String,
    pub label: String,
    #[graphql(name = "type")]
    pub kind: FieldType,
    pub selection: Option<Vec<SelectionValue>>,
    pub relation: Option<String>,
}

/// Something a user does to a record.
#[derive(SimpleObject)]
pub struct ViewAction {
    pub name: String,
    pub label: String,
    /// The mutation that does it.
    pub mutation: String,
    /// The states (of the view's state field) it is allowed in; empty: any.
    pub states: Vec<String>,
    /// The right it needs, on the view's model.
    pub right: RightName,
    /// What else it needs, on other models.
    pub also_needs: Vec<AccessNeed>,
    /// Whether the signed-in user has every right it needs.
    pub allowed: bool,
    /// Fields of the mutation's input a client fills from the record.
    pub defaults: Vec<ActionDefault>,
}

/// A field of an action's input filled from the record: `input` (a path in the input; a path
/// through a list, `allocations.invoice`, makes one item) from `from` (a path in the record).
#[derive(SimpleObject)]
pub struct ActionDefault {
    pub input: String,
    pub from: String,
}

/// A right on a model.
#[derive(SimpleObject)]
pub struct AccessNeed {
    pub model: ModelName,
    pub right: RightName,
}

/// One of the four access rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "Right", name = "Right")]
pub enum RightName {
    Create,
    Read,
    Write,
    Delete,
}

/// Where a view's records are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ViewSourceKind {
    /// `one(id)` and the connection `list(where)`.
    Records,
    /// `configuration { <one>(<key>: …) }` and the connection `configuration { <list>(where) }`;
    /// records are told apart by `key`.
    Configuration,
    /// `configuration { <one> }`, the one record.
    Single,
    /// Lines of another view's records, read with them.
    Lines,
}

#[derive(SimpleObject)]
pub struct ViewSource {
    pub kind: ViewSourceKind,
    /// The query (or `configuration` field) of one record.
    pub one: Option<String>,
    /// The query (or `configuration` field) of the list.
    pub list: Option<String>,
    /// The field that tells records apart, where it is not `id`.
    pub key: Option<String>,
}

/// What the signed-in user may do with a view's records (the rights on its model).
#[derive(SimpleObject)]
pub struct ViewAccess {
    pub read: bool,
    pub create: bool,
    pub write: bool,
    pub delete: bool,
}

/// Everything a client needs to show one model: its form, list, search and actions.
#[derive(SimpleObject)]
pub struct View {
    /// The view's name, as labels are keyed (`setLabel(form: <name>)`).
    pub name: String,
    pub title: String,
    /// The module that brings it.
    pub module: String,
    /// The model whose rights govern it.
    pub model: ModelName,
    /// The GraphQL type of its records.
    pub type_name: String,
    /// What the signed-in user may do with its records: a menu shows the views they may read.
    pub access: ViewAccess,
    pub source: ViewSource,
    /// The field holding the record's state, if it has states.
    pub state_field: Option<String>,
    pub form: Vec<FieldGroup>,
    pub list: ViewList,
    pub search: Vec<ViewFilter>,
    /// The mutation that makes a record.
    pub create: Option<String>,
    /// The mutation that saves the form.
    pub update: Option<String>,
    pub actions: Vec<ViewAction>,
}

/// The views of the installed modules, with `actor`'s labels and rights.
pub fn views_of(actor: &Actor) -> Vec<View> {
    let settings = actor.config.configuration.settings();
    views::VIEWS
        .iter()
        .filter(|view| settings.is_installed(view.module))
        .map(|view| view_of(view, settings, actor))
        .collect()
}

/// View `name`, if its module is installed.
pub fn view_named(actor: &Actor, name: &str) -> Option<View> {
    let settings = actor.config.configuration.settings();
    views::view(name)
        .filter(|view| settings.is_installed(view.module))
        .map(|view| view_of(view, settings, actor))
}

fn view_of(view: &ViewSpec, settings: &Settings, actor: &Actor) -> View {
    let label = |field: &str| {
        settings
            .label(view.name, field)
            .unwrap_or_else(|| field.to_owned())
    };
    let (kind, one, list, key) = match view.source {
        Source::Records { one, list } => (ViewSourceKind::Records, Some(one), Some(list), None),
        Source::Configuration { one, list, key } => (
            ViewSourceKind::Configuration,
            Some(one),
            Some(list),
            Some(key),
        ),
        Source::Single(one) => (ViewSourceKind::Single, Some(one), None, None),
        Source::Lines => (ViewSourceKind::Lines, None, None, None),
    };
    View {
        name: view.name.to_owned(),
        title: view.title.to_owned(),
        module: view.module.to_owned(),
        model: view.model.into(),
        type_name: view.type_name.to_owned(),
        access: ViewAccess {
            read: actor.may(view.model, Right::Read),
            create: actor.may(view.model, Right::Create),
            write: actor.may(view.model, Right::Write),
            delete: actor.may(view.model, Right::Delete),
        },
        source: ViewSource {
            kind,
            one: one.map(str::to_owned),
            list: list.map(str::to_owned),
            key: key.map(str::to_owned),
        },
        state_field: view.state.map(str::to_owned),
        form: view
            .groups
            .iter()
            .map(|group| FieldGroup {
                title: group.title.map(str::to_owned),
                fields: group
                    .fields
                    .iter()
                    .map(|f| field(f, label(f.name)))
                    .collect(),
            })
            .collect(),
        list: ViewList {
            columns: view
                .columns
                .iter()
                .map(|c| ViewColumn {
                    field: (*c).to_owned(),
                    label: label(c),
                })
                .collect(),
            default_order: view.order.to_owned(),
            fixed: view
                .fixed
                .iter()
                .map(|(field, value)| FixedFilter {
                    field: (*field).to_owned(),
                    value: (*value).to_owned(),
                })
                .collect(),
        },
        search: view
            .filters
            .iter()
            .map(|filter| {
                let (kind, selection, relation) = kind_of(filter.kind);
                ViewFilter {
                    name: filter.name.to_owned(),
                    // a filter on a field of the form goes by the field's label, renamed or not.
                    label: match view.field(filter.name) {
                        Some(_) => label(filter.name),
                        None => filter.label.to_owned(),
                    },
                    kind,
                    selection,
                    relation,
                }
            })
            .collect(),
        create: view.create.map(str::to_owned),
        update: view.update.map(str::to_owned),
        actions: view
            .actions
            .iter()
            .map(|a| ViewAction {
                name: a.name.to_owned(),
                label: a.label.to_owned(),
                mutation: a.mutation.to_owned(),
                states: a.states.iter().map(|s| (*s).to_owned()).collect(),
                right: a.right.into(),
                also_needs: a
                    .also
                    .iter()
                    .map(|(model, right)| AccessNeed {
                        model: (*model).into(),
                        right: (*right).into(),
                    })
                    .collect(),
                allowed: actor.may(view.model, a.right)
                    && a.also
                        .iter()
                        .all(|(model, right)| actor.may(*model, *right)),
                defaults: a
                    .defaults
                    .iter()
                    .map(|(input, from)| ActionDefault {
                        input: (*input).to_owned(),
                        from: (*from).to_owned(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn field(spec: &FieldSpec, label: String) -> ViewField {
    let (kind, selection, relation) = kind_of(spec.kind);
    ViewField {
        name: spec.name.to_owned(),
        label,
        default_label: spec.label.to_owned(),
        kind,
        required: spec.required,
        read_only: spec.editable == Editable::Never,
        editable_in: match spec.editable {
            Editable::Always | Editable::Never => None,
            Editable::In(states) => Some(states.iter().map(|s| (*s).to_owned()).collect()),
        },
        widget: spec.widget.map(str::to_owned),
        selection,
        relation,
        help: (!spec.help.is_empty()).then(|| spec.help.to_owned()),
    }
}

/// The GraphQL type of a field kind, its selection values and the view it points to.
fn kind_of(kind: FieldKind) -> (FieldType, Option<Vec<SelectionValue>>, Option<String>) {
    let simple = |kind| (kind, None, None);
    match kind {
        FieldKind::Text => simple(FieldType::Text),
        FieldKind::Code => simple(FieldType::Code),
        FieldKind::Codes => simple(FieldType::Codes),
        FieldKind::Email => simple(FieldType::Email),
        FieldKind::Phone => simple(FieldType::Phone),
        FieldKind::Boolean => simple(FieldType::Boolean),
        FieldKind::Integer => simple(FieldType::Integer),
        FieldKind::Decimal => simple(FieldType::Decimal),
        FieldKind::Money => simple(FieldType::Money),
        FieldKind::Quantity => simple(FieldType::Quantity),
        FieldKind::Percent => simple(FieldType::Percent),
        FieldKind::Date => simple(FieldType::Date),
        FieldKind::DateTime => simple(FieldType::DateTime),
        FieldKind::Selection(values) => (
            FieldType::Selection,
            Some(
                values
                    .iter()
                    .map(|(value, label)| SelectionValue {
                        value: (*value).to_owned(),
                        label: (*label).to_owned(),
                    })
                    .collect(),
            ),
            None,
        ),
        FieldKind::Reference(view) => (FieldType::ManyToOne, None, Some(view.to_owned())),
        FieldKind::References(view) => (FieldType::ManyToMany, None, Some(view.to_owned())),
        FieldKind::Lines(view) => (FieldType::OneToMany, None, Some(view.to_owned())),
    }
}
