//! Partners in GraphQL: the form, the list, the history, and the mutations.
//! (Over 600 lines: the partner's object, list, inputs and mutations, with the refusals a
//! partner's company and categories bring, read best together.)

use async_graphql::connection::{query_with, Connection, Edge, OpaqueCursor};
use async_graphql::{Context, Enum, InputObject, MaybeUndefined, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use domain::partner::{
    Address as DomainAddress, Email, Partner as PartnerAggregate, PartnerChanges, PartnerCommand,
    PartnerDetails, PartnerName, Phone, VatNumber, CATEGORIES_MAX, NAME_MAX,
};
use domain::text::TextError;
use projections::partner::{
    self as read_model, PartnerFilter, PartnerPage, PartnerRow, PartnerSort, SortKey,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use domain::code::Code;
use uuid::Uuid;

use super::auth::require;
use super::business::seen_companies;
use super::error::{internal, Problems, UserError, UserErrorCode};
use super::event::Event;
use super::input::{page_size, AsOfInput};
use super::loader::batch_keys;
use super::page::{
    count_if, invalid_cursor, valid_cursor, wants_total, OrderDirection, TotalCount,
};
use super::payload::{payload, send_one, Payload};
use super::record::{get_as_of, now_and_then, seen_then, At, History, Whose};
use commands::policy::Actor;
use commands::{AppState, CommandBus};
use domain::configuration::{Model, Right};
use domain::partner::PartnerError;

/// A customer or supplier, as its form shows it.
pub struct Partner(pub PartnerRow, pub At);

/// A postal address.
#[derive(SimpleObject)]
pub struct Address {
    pub street: Option<String>,
    pub city: Option<String>,
    pub zip: Option<String>,
    /// ISO 3166-1 alpha-2 code (`BE`).
    pub country: Option<String>,
}

batch_keys! {
    /// A partner by id, read with the others a list asks for (the partners of a page of
    /// invoices).
    PartnerKey => one PartnerRow, read_model::get_many;
}

#[Object]
impl Partner {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }

    async fn address(&self) -> Address {
        Address {
            street: self.0.street.clone(),
            city: self.0.city.clone(),
            zip: self.0.zip.clone(),
            country: self.0.country.clone(),
        }
    }

    /// VAT number, normalised (`BE0477472701`).
    async fn vat(&self) -> Option<&str> {
        self.0.vat.as_deref()
    }

    async fn is_customer(&self) -> bool {
        self.0.is_customer
    }

    async fn is_supplier(&self) -> bool {
        self.0.is_supplier
    }

    /// The company the partner belongs to; null: every company shares it.
    async fn company(&self) -> Option<&str> {
        self.0.company.as_deref()
    }

    /// The categories the partner is in (codes, in order): record rules may let users see
    /// partners, and their orders and documents, by them.
    async fn categories(&self) -> &[String] {
        &self.0.categories
    }

    /// Archived partners are kept with their history but left out of lists by default.
    async fn archived(&self) -> bool {
        self.0.archived
    }

    /// How many changes the partner has had. Send it back as `expectedVersion` so a change made
    /// on a stale form is refused instead of overwriting someone else's.
    async fn version(&self) -> i64 {
        self.0.version
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Every event of the partner, oldest first: what happened, when, and who did it; up to the
    /// point the partner is shown as of. With `includeDocuments`, also those of its orders, its
    /// invoices, bills and credit notes, and the entries posted for it (its payments), in log
    /// order: that needs the read right on sales and purchase orders, invoices and accounting.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity + 1")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default)] include_documents: bool,
    ) -> Result<Connection<i64, Event, TotalCount>> {
        let id = self.0.id;
        let whose = if include_documents {
            for model in [
                Model::SaleOrder,
                Model::PurchaseOrder,
                Model::Invoice,
                Model::Accounting,
            ] {
                require(ctx, model, Right::Read).await?;
            }
            Whose::PartnerDocuments(id)
        } else {
            Whose::Stream(PartnerAggregate::TYPE, id)
        };
        History(whose, self.1.point()).page(ctx, first, after).await
    }
}

now_and_then!(Partner(PartnerRow));

/// Which partners a list shows. Fields left out do not filter.
#[derive(InputObject, Default)]
pub struct PartnerWhere {
    /// A fragment of the name, matched without regard to case.
    pub name_contains: Option<String>,
    pub is_customer: Option<bool>,
    pub is_supplier: Option<bool>,
    /// `false` (the default): active partners; `true`: archived ones; `null`: both.
    #[graphql(default_with = "Some(false)")]
    pub archived: Option<bool>,
    /// Only partners in this category.
    pub category: Option<String>,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum PartnerOrderField {
    /// By name, without regard to case.
    #[default]
    Name,
    /// In the order the partners were created.
    CreatedAt,
}

#[derive(InputObject, Default)]
pub struct PartnerOrderBy {
    #[graphql(default)]
    pub field: PartnerOrderField,
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// What a partner list cursor holds: where its row stands in the list's order, and which way
/// that order runs.
#[derive(Serialize, Deserialize)]
struct PartnerCursor {
    #[serde(rename = "k")]
    key: PartnerPlace,
    #[serde(rename = "d")]
    descending: bool,
}

#[derive(Serialize, Deserialize)]
enum PartnerPlace {
    #[serde(rename = "n")]
    Name(String, Uuid),
    #[serde(rename = "c")]
    CreatedAt(i64),
}

impl PartnerCursor {
    /// The cursor of `key` in a list read `descending` or not.
    fn new(key: SortKey, descending: bool) -> Self {
        let key = match key {
            SortKey::Name { name_sort, id } => PartnerPlace::Name(name_sort, id),
            SortKey::CreatedAt { position } => PartnerPlace::CreatedAt(position),
        };
        Self { key, descending }
    }

    /// The cursor as a key of a list sorted by `sort`, `descending` or not; given as
    /// `argument`.
    fn into_key(self, sort: PartnerSort, descending: bool, argument: &str) -> Result<SortKey> {
        match (self.key, sort) {
            (PartnerPlace::Name(name_sort, id), PartnerSort::Name)
                if self.descending == descending =>
            {
                Ok(SortKey::Name { name_sort, id })
            }
            (PartnerPlace::CreatedAt(position), PartnerSort::CreatedAt)
                if self.descending == descending =>
            {
                Ok(SortKey::CreatedAt { position })
            }
            _ => Err(invalid_cursor(
                argument,
                "belongs to this list sorted another way: start again without it",
            )),
        }
    }
}

#[derive(Default)]
pub struct PartnerQuery;

#[Object]
impl PartnerQuery {
    /// One partner, archived or not; null if no partner has this id. With `asOf`, the
    /// partner as it stood then, replayed from its events (null if it did not exist yet).
    async fn partner(
        &self,
        ctx: &Context<'_>,
        id: ID,
        as_of: Option<AsOfInput>,
    ) -> Result<Option<Partner>> {
        require(ctx, Model::Partner, Right::Read).await?;
        let companies = seen_companies(ctx).await?;
        let now = |pool, id| read_model::get_seen(pool, &companies, id);
        // its company may have changed since the point asked for.
        let then = async |pool, id, as_of| {
            let now = read_model::get_seen(pool, &companies, id);
            let then = read_model::as_of(pool, id, as_of);
            let then = seen_then(&companies, now, then, |p: &PartnerRow| p.company.as_deref());
            // the record rules on partners go by its categories then, too.
            Ok(then
                .await?
                .filter(|p| companies.lets_partner_through(&p.categories)))
        };
        get_as_of(
            ctx,
            &id,
            "a partner",
            as_of,
            now,
            then,
            Partner::from,
            Partner::then,
        )
        .await
    }

    /// Partners, a page at a time: `first`/`after` forwards, `last`/`before` backwards, at
    /// most 100 per page.
    #[allow(clippy::too_many_arguments)] // the arguments are the GraphQL field's
    #[graphql(
        complexity = "first.or(last).unwrap_or(20).clamp(1, 100) as usize * child_complexity + 1"
    )]
    async fn partners(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        #[graphql(name = "where")] filter: Option<PartnerWhere>,
        order_by: Option<PartnerOrderBy>,
    ) -> Result<Connection<OpaqueCursor<PartnerCursor>, Partner, TotalCount>> {
        require(ctx, Model::Partner, Right::Read).await?;
        let companies = seen_companies(ctx).await?;
        let state = ctx.data::<AppState>()?;
        let wants_total = wants_total(ctx);
        let filter = filter.unwrap_or(PartnerWhere {
            archived: Some(false),
            ..PartnerWhere::default()
        });
        if filter
            .name_contains
            .as_ref()
            .is_some_and(|f| f.chars().count() > NAME_MAX)
        {
            return Err(format!(
                "nameContains is longer than a name can be ({NAME_MAX} characters)"
            )
            .into());
        }
        let order_by = order_by.unwrap_or_default();
        let sort = match order_by.field {
            PartnerOrderField::Name => PartnerSort::Name,
            PartnerOrderField::CreatedAt => PartnerSort::CreatedAt,
        };
        let filter = PartnerFilter {
            name_contains: filter.name_contains,
            is_customer: filter.is_customer,
            is_supplier: filter.is_supplier,
            archived: filter.archived,
            category: filter.category,
        };
        valid_cursor::<OpaqueCursor<PartnerCursor>>(after.as_deref(), "after")?;
        valid_cursor::<OpaqueCursor<PartnerCursor>>(before.as_deref(), "before")?;
        query_with::<OpaqueCursor<PartnerCursor>, _, _, _, _>(
            after,
            before,
            first,
            last,
            |after, before, first, last| async move {
                if first.is_some() && last.is_some() {
                    return Err("give either first or last, not both".into());
                }
                let from_end = last.is_some();
                let limit = page_size(first.or(last))?;
                let descending = order_by.direction == OrderDirection::Desc;
                let key = |cursor: OpaqueCursor<PartnerCursor>, argument| {
                    cursor.0.into_key(sort, descending, argument)
                };
                let after = after.map(|c| key(c, "after")).transpose()?;
                let before = before.map(|c| key(c, "before")).transpose()?;
                let page = PartnerPage {
                    filter,
                    sort,
                    descending,
                    after,
                    before,
                    limit,
                    from_end,
                };
                // the page and the count at once, on two connections; the count only if asked.
                let ((rows, more), total_count) = tokio::try_join!(
                    read_model::list(state.reads(), &companies, &page),
                    count_if(
                        wants_total,
                        read_model::count(state.reads(), &companies, &page.filter)
                    ),
                )
                .map_err(|e| internal(ctx, e))?;
                let (has_previous, has_next) = if from_end {
                    (more, page.before.is_some())
                } else {
                    (page.after.is_some(), more)
                };
                let mut connection = Connection::with_additional_fields(
                    has_previous,
                    has_next,
                    TotalCount::from(total_count),
                );
                connection.edges.extend(rows.into_iter().map(|row| {
                    Edge::new(
                        OpaqueCursor(PartnerCursor::new(SortKey::of(&row, sort), descending)),
                        Partner::from(row),
                    )
                }));
                Ok::<_, async_graphql::Error>(connection)
            },
        )
        .await
    }
}

/// A postal address as a client sends it. Blank lines mean "none".
#[derive(InputObject, Default)]
pub struct AddressInput {
    pub street: Option<String>,
    pub city: Option<String>,
    pub zip: Option<String>,
    /// ISO 3166-1 alpha-2 code (`BE`).
    pub country: Option<String>,
}

#[derive(InputObject)]
pub struct CreatePartnerInput {
    /// The new partner's id, if the client chooses it (a UUID); the server makes one otherwise.
    /// Sending the same id twice creates one partner and refuses the second.
    pub id: Option<ID>,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<AddressInput>,
    pub vat: Option<String>,
    #[graphql(default)]
    pub is_customer: bool,
    #[graphql(default)]
    pub is_supplier: bool,
    /// The company the partner belongs to, one you work in; by default, the one you work in now.
    pub company: Option<String>,
    /// `true`: every company shares the partner (then give no `company`).
    #[graphql(default)]
    pub shared: bool,
    /// The categories the partner is in (codes: `retail`, `region.north`), at most 20.
    #[graphql(default)]
    pub categories: Vec<String>,
}

/// A change to a partner. Fields left out stay as they are; `null` clears an optional field.
#[derive(InputObject)]
pub struct UpdatePartnerInput {
    pub id: ID,
    /// The `version` the client's form shows: the change is refused if the partner has changed
    /// since. Leave it out to change whatever the current version is.
    pub expected_version: Option<i64>,
    /// Left out: as it is (a partner always has a name: `null` is refused).
    pub name: MaybeUndefined<String>,
    pub email: MaybeUndefined<String>,
    pub phone: MaybeUndefined<String>,
    /// Replaces the whole address.
    pub address: MaybeUndefined<AddressInput>,
    pub vat: MaybeUndefined<String>,
    pub is_customer: Option<bool>,
    pub is_supplier: Option<bool>,
    /// Moves the partner to this company, one you work in.
    pub company: Option<String>,
    /// `true`: every company shares the partner from now on; `false`: it belongs to `company`,
    /// or to the one you work in now.
    pub shared: Option<bool>,
    /// Replaces every category the partner is in.
    pub categories: Option<Vec<String>>,
}

/// Names one partner, at the version the client's form shows.
#[derive(InputObject)]
pub struct PartnerRefInput {
    pub id: ID,
    pub expected_version: Option<i64>,
}

payload!(
    /// What a partner mutation returns: the partner as it now stands, or why nothing changed.
    PartnerPayload {
        /// The partner after the change (or, when refused, as it is), if it exists.
        partner: Partner,
        /// Empty when the change went through.
        user_errors,
    } from PartnerRow => Partner::from
);

/// Collects every problem with an input, so a client learns all of them at once.
impl Problems {
    fn address(&mut self, input: AddressInput) -> Option<DomainAddress> {
        DomainAddress::parse(
            input.street.as_deref(),
            input.city.as_deref(),
            input.zip.as_deref(),
            input.country.as_deref(),
        )
        .map_err(|errors| {
            for e in errors {
                self.0.push(UserError::from_text(
                    &["input", "address", e.field],
                    &e.error,
                ));
            }
        })
        .ok()
    }

    /// A partner's categories: codes, at most [`CATEGORIES_MAX`] of them.
    fn categories(&mut self, raw: &[String]) -> Option<BTreeSet<Code>> {
        let before = self.0.len();
        if raw.len() > CATEGORIES_MAX {
            self.add(
                &["input", "categories"],
                format!("a partner is in at most {CATEGORIES_MAX} categories"),
                UserErrorCode::Invalid,
            );
        }
        let categories: BTreeSet<Code> = raw
            .iter()
            .filter_map(|c| self.text(&["input", "categories"], Code::parse(c)))
            .collect();
        (self.0.len() == before).then_some(categories)
    }
}

/// Parses an optional text field: absent or blank means none.
fn optional<T>(
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, TextError>,
) -> Result<Option<T>, TextError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => parse(text).map(Some),
    }
}

/// Parses a field of an update: absent keeps it, null or blank clears it.
fn change<T>(
    raw: &MaybeUndefined<String>,
    parse: impl FnOnce(&str) -> Result<T, TextError>,
) -> Result<Option<Option<T>>, TextError> {
    match raw {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(None)),
        MaybeUndefined::Value(text) => optional(Some(text), parse).map(Some),
    }
}

impl CreatePartnerInput {
    fn parse(self, actor: &Actor) -> Result<(Uuid, PartnerCommand), Vec<UserError>> {
        let mut problems = Problems::default();
        let id = problems.new_id(&self.id, "partner");
        let company = problems.owner(
            actor,
            self.company.as_deref(),
            self.shared,
            Some(&actor.company),
        );
        let name = problems.text(&["input", "name"], PartnerName::parse(&self.name));
        let email = problems.text(
            &["input", "email"],
            optional(self.email.as_deref(), Email::parse),
        );
        let phone = problems.text(
            &["input", "phone"],
            optional(self.phone.as_deref(), Phone::parse),
        );
        let vat = problems.text(
            &["input", "vat"],
            optional(self.vat.as_deref(), VatNumber::parse),
        );
        let address = problems.address(self.address.unwrap_or_default());
        let categories = problems.categories(&self.categories);
        let parsed = (|| {
            Some((
                id?,
                PartnerCommand::CreatePartner {
                    details: PartnerDetails {
                        name: name?,
                        email: email?,
                        phone: phone?,
                        address: address?,
                        vat: vat?,
                        is_customer: self.is_customer,
                        is_supplier: self.is_supplier,
                        company: company?,
                        categories: categories?,
                    },
                },
            ))
        })();
        problems.finish(parsed)
    }
}

impl UpdatePartnerInput {
    fn parse(self, actor: &Actor) -> Result<(Uuid, PartnerCommand), Vec<UserError>> {
        let mut problems = Problems::default();
        let id = problems.uuid(&["input", "id"], &self.id, "partner");
        let company = match (self.company.as_deref(), self.shared) {
            (None, None) => Some(None),
            (company, shared) => problems
                .owner(
                    actor,
                    company,
                    shared.unwrap_or(false),
                    Some(&actor.company),
                )
                .map(Some),
        };
        // a negative version is noted as a problem, so nothing is sent
        let expected_version = problems.expected(self.expected_version).flatten();
        let name = match &self.name {
            MaybeUndefined::Value(name) => problems
                .text(&["input", "name"], PartnerName::parse(name))
                .map(Some),
            MaybeUndefined::Undefined => Some(None),
            MaybeUndefined::Null => {
                problems.add(
                    &["input", "name"],
                    "a partner always has a name: it can be changed, not cleared",
                    UserErrorCode::Required,
                );
                None
            }
        };
        let email = problems.text(&["input", "email"], change(&self.email, Email::parse));
        let phone = problems.text(&["input", "phone"], change(&self.phone, Phone::parse));
        let vat = problems.text(&["input", "vat"], change(&self.vat, VatNumber::parse));
        let address = match self.address {
            MaybeUndefined::Undefined => Some(None),
            MaybeUndefined::Null => Some(Some(DomainAddress::default())),
            MaybeUndefined::Value(input) => problems.address(input).map(Some),
        };
        let categories = match &self.categories {
            Some(categories) => problems.categories(categories).map(Some),
            None => Some(None),
        };
        let parsed = (|| {
            Some((
                id?,
                PartnerCommand::UpdatePartner {
                    expected_version,
                    changes: PartnerChanges {
                        name: name?,
                        email: email?,
                        phone: phone?,
                        address: address?,
                        vat: vat?,
                        is_customer: self.is_customer,
                        is_supplier: self.is_supplier,
                        company: company?,
                        categories: categories?,
                    },
                },
            ))
        })();
        problems.finish(parsed)
    }
}

impl PartnerRefInput {
    fn parse(
        self,
        command: fn(Option<u64>) -> PartnerCommand,
    ) -> Result<(Uuid, PartnerCommand), Vec<UserError>> {
        let mut problems = Problems::default();
        let id = problems.uuid(&["input", "id"], &self.id, "partner");
        let expected_version = problems.expected(self.expected_version).flatten();
        let parsed = id.map(|id| (id, command(expected_version)));
        problems.finish(parsed)
    }
}

/// Sends the command `parse` makes for the signed-in user (with the right) and answers with the
/// partner as its command wrote it. A command on a partner of a company the user does not work
/// in, or one the record rules hide, is refused as one on no partner at all.
async fn send(
    ctx: &Context<'_>,
    right: Right,
    parse: impl FnOnce(&Actor) -> Result<(Uuid, PartnerCommand), Vec<UserError>>,
) -> Result<PartnerPayload> {
    let actor = require(ctx, Model::Partner, right).await?;
    let parsed = parse(&actor);
    let companies = seen_companies(ctx).await?;
    if let Some((id, _)) = parsed.as_ref().ok().filter(|(_, c)| !c.creates()) {
        let state = ctx.data::<AppState>()?;
        let seen = read_model::get_seen(state.reads(), &companies, *id)
            .await
            .map_err(|e| internal(ctx, e))?;
        if seen.is_none() {
            return Ok(PartnerPayload::refused(vec![UserError::new(
                &["input", "id"],
                PartnerError::NotFound.to_string(),
                UserErrorCode::NotFound,
            )]));
        }
    }
    send_one(
        ctx,
        &actor,
        parsed,
        CommandBus::partner_row,
        |s| &s.partner_progress,
        async |pool, id| read_model::get_seen(pool, &companies, id).await,
    )
    .await
}

/// The refusal of partner `id`, given at `field` of a document's input, when the record rules
/// hide it from the signed-in user: as for a partner that does not exist. None when it is seen,
/// or when no rule on partners applies (the command itself checks the partner's company).
pub async fn hidden_partner(
    ctx: &Context<'_>,
    id: Uuid,
    field: &[&str],
) -> Result<Option<UserError>> {
    let companies = seen_companies(ctx).await?;
    if companies.partner_rules("").is_empty() {
        return Ok(None);
    }
    let state = ctx.data::<AppState>()?;
    let seen = read_model::get_seen(state.reads(), &companies, id)
        .await
        .map_err(|e| internal(ctx, e))?;
    Ok(seen.is_none().then(|| {
        UserError::new(
            field,
            format!("no partner with id {id}"),
            UserErrorCode::NotFound,
        )
    }))
}

#[derive(Default)]
pub struct PartnerMutation;

#[Object]
impl PartnerMutation {
    /// Creates a customer or supplier.
    async fn create_partner(
        &self,
        ctx: &Context<'_>,
        input: CreatePartnerInput,
    ) -> Result<PartnerPayload> {
        send(ctx, Right::Create, |actor| input.parse(actor)).await
    }

    /// Changes some of a partner's details.
    async fn update_partner(
        &self,
        ctx: &Context<'_>,
        input: UpdatePartnerInput,
    ) -> Result<PartnerPayload> {
        send(ctx, Right::Write, |actor| input.parse(actor)).await
    }

    /// Archives a partner: it leaves the lists but keeps its history. Archiving twice is a no-op.
    async fn archive_partner(
        &self,
        ctx: &Context<'_>,
        input: PartnerRefInput,
    ) -> Result<PartnerPayload> {
        send(ctx, Right::Write, |_| {
            input.parse(|expected_version| PartnerCommand::ArchivePartner { expected_version })
        })
        .await
    }

    /// Brings an archived partner back. Restoring an active partner is a no-op.
    async fn unarchive_partner(
        &self,
        ctx: &Context<'_>,
        input: PartnerRefInput,
    ) -> Result<PartnerPayload> {
        send(ctx, Right::Write, |_| {
            input.parse(|expected_version| PartnerCommand::UnarchivePartner { expected_version })
        })
        .await
    }
}
