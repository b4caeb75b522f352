//! The `partner` read model: one row per partner, read by the partner form and the partner list.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use domain::partner::{Partner, PartnerDetails, PartnerEvent};
use sqlx::postgres::PgArguments;
use sqlx::{Arguments, PgConnection, PgExecutor, PgPool, Postgres, QueryBuilder};
use store::{Rider, StreamAppend};
use uuid::Uuid;

use crate::log::{AsOf, StoredEvent};
use crate::page::{count_rows, push_some, Companies, Count};
use crate::past::replayed;
use crate::runner::{payload, projection, uuid_of, ProjectionError};

/// A partner as the form and the list show it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Deserialize)]
pub struct PartnerRow {
    pub id: Uuid,
    pub name: String,
    pub name_sort: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub zip: Option<String>,
    pub country: Option<String>,
    pub vat: Option<String>,
    pub is_customer: bool,
    pub is_supplier: bool,
    /// The company the partner belongs to; `None`: shared by every company.
    pub company: Option<String>,
    /// The categories the partner is in, in code order.
    pub categories: Vec<String>,
    pub archived: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub created_position: i64,
    pub updated_at: DateTime<Utc>,
}

projection!(
    /// Keeps the `partner` table in step with the log.
    PartnerProjection: "partner", &["partner"], apply
);

async fn apply(tx: &mut PgConnection, events: &[StoredEvent]) -> Result<(), ProjectionError> {
    // each partner's events in the batch folded into what its row becomes, then written in one
    // statement for the whole batch (not one per event).
    let mut changed: BTreeMap<Uuid, Pending> = BTreeMap::new();
    let mut stamps: BTreeMap<Uuid, Stamp> = BTreeMap::new();
    for event in events.iter().filter(|e| e.aggregate_type == Partner::TYPE) {
        let Some(id) = uuid_of(event) else {
            continue;
        };
        fold(&mut changed, id, event.sequence, payload(event)?);
        let stamp = stamps.entry(id).or_insert(Stamp {
            first_at: event.recorded_at,
            first_position: event.position,
            updated_at: event.recorded_at,
        });
        stamp.updated_at = event.recorded_at;
    }
    if changed.is_empty() {
        return Ok(());
    }
    let mut arguments = row_arguments(&changed)?;
    let stamped = (|| {
        arguments.add(stamps.keys().map(Uuid::to_string).collect::<Vec<_>>())?;
        arguments.add(stamps.values().map(|s| s.first_at).collect::<Vec<_>>())?;
        arguments.add(
            stamps
                .values()
                .map(|s| s.first_position)
                .collect::<Vec<_>>(),
        )?;
        arguments.add(stamps.values().map(|s| s.updated_at).collect::<Vec<_>>())
    })();
    stamped.map_err(sqlx::Error::Encode)?;
    let n = ROW_PARAMETERS;
    let sql = format!(
        "with partner_stamps as (
              select s.*, null::bigint as base
                from unnest(${a}::text[], ${b}::timestamptz[], ${c}::bigint[], ${d}::timestamptz[])
                  as s(aggregate_id, created_at, created_position, updated_at)),
              {writes}
         select 1",
        writes = row_writes(false),
        a = n + 1,
        b = n + 2,
        c = n + 3,
        d = n + 4
    );
    sqlx::query_with(&sql, arguments).execute(&mut *tx).await?;
    Ok(())
}

/// The partner rows the events of a command make, written in the statement that appends the
/// events ([`Rider`]): the partner's form shows the change as soon as it is in the log, without
/// waiting for the runner, which then finds the rows already at their version and leaves them.
/// The rows are folded and written by the same code as the runner's; only where the times and
/// positions come from differs (the append's own `appended`, here). `None` when the command
/// touches no partner.
pub fn rider(streams: &[StreamAppend<'_>]) -> Result<Option<Rider>, ProjectionError> {
    let mut changed: BTreeMap<Uuid, Pending> = BTreeMap::new();
    for stream in streams.iter().filter(|s| s.aggregate_type == Partner::TYPE) {
        let Ok(id) = Uuid::parse_str(stream.aggregate_id) else {
            continue;
        };
        for (n, event) in stream.events.iter().enumerate() {
            let payload = serde_json::from_str(&event.payload).map_err(|source| {
                ProjectionError::Payload {
                    position: 0,
                    event_type: event.event_type.clone(),
                    source,
                }
            })?;
            let sequence = i64::try_from(stream.base + n + 1).unwrap_or(i64::MAX);
            fold(&mut changed, id, sequence, payload);
        }
    }
    if changed.is_empty() {
        return Ok(None);
    }
    Ok(Some(Rider {
        ctes: format!(
            "partner_stamps as (
                  select aggregate_id, min(recorded_at) as created_at,
                         min(position) as created_position, max(recorded_at) as updated_at,
                         min(sequence) - 1 as base
                    from appended where aggregate_type = '{}' group by aggregate_id),
             {}",
            Partner::TYPE,
            row_writes(true),
        ),
        arguments: row_arguments(&changed)?,
        // the row of the partner written (a command writes one): its payload needs no read.
        returning: Some(
            "select row_to_json(r) from (select * from partner_details
                                         union all select * from partner_flags) r limit 1"
                .to_owned(),
        ),
    }))
}

/// A partner's row as [`rider`]'s `returning` gives it (JSON of the table's row).
pub fn row_from_json(json: &str) -> Result<PartnerRow, serde_json::Error> {
    serde_json::from_str(json)
}

/// Folds one event of partner `id`, the `sequence`th of its stream, into what its row becomes.
fn fold(changed: &mut BTreeMap<Uuid, Pending>, id: Uuid, sequence: i64, event: PartnerEvent) {
    let pending = changed.entry(id).or_insert(Pending {
        details: None,
        archived: None,
        version: sequence,
    });
    match event {
        PartnerEvent::PartnerCreated { details } | PartnerEvent::PartnerUpdated { details } => {
            pending.details = Some(details)
        }
        PartnerEvent::PartnerArchived {} => pending.archived = Some(true),
        PartnerEvent::PartnerUnarchived {} => pending.archived = Some(false),
    }
    pending.version = sequence;
}

/// What one partner's row becomes after a batch.
struct Pending {
    /// The details as the last creation or update of the batch states them.
    details: Option<PartnerDetails>,
    /// The last archiving or restoring of the batch.
    archived: Option<bool>,
    version: i64,
}

/// When (and where in the log) a partner's first and last events of a batch were recorded.
struct Stamp {
    /// Only used for a partner the batch creates (its first event is then the creation).
    first_at: DateTime<Utc>,
    first_position: i64,
    updated_at: DateTime<Utc>,
}

/// The writes of a batch's rows, as common table expressions over
/// `partner_stamps(aggregate_id, created_at, created_position, updated_at, base)` (`base`: the
/// version the row must be at for an append's own events to be written onto it; null for the
/// runner, which applies every event in order), with the
/// parameters [`row_arguments`] gives. A partner whose details the batch states is upserted; one
/// only archived or restored is updated. Every write is guarded by the version, so a batch
/// applied twice (or after the append wrote it) changes nothing. With `returning`, each gives
/// back the rows it wrote.
fn row_writes(returning: bool) -> String {
    let returning = if returning { "returning partner.*" } else { "" };
    format!(
        "partner_details as (
     insert into partner (id, name, name_sort, email, phone, street, city, zip, country, vat,
                          is_customer, is_supplier, company, categories, archived, version,
                          created_at, created_position, updated_at)
     select u.id, u.name, lower(u.name), u.email, u.phone, u.street, u.city, u.zip, u.country,
            u.vat, u.customer, u.supplier, u.company,
            -- codes hold no comma: each partner's categories travel as one joined text
            string_to_array(u.categories, ','), coalesce(u.archived, false), u.version,
            s.created_at, s.created_position, s.updated_at
       from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                   $7::text[], $8::text[], $9::text[], $10::bool[], $11::bool[], $12::text[],
                   $13::bool[], $14::bigint[], $19::text[])
         as u(id, name, email, phone, street, city, zip, country, vat, customer, supplier,
              company, archived, version, categories)
       join partner_stamps s on s.aggregate_id = u.id::text
      -- written along with an append only onto the row as its stream stood before it (a row
      -- behind, with events the runner has yet to apply, is left to the runner).
      where s.base is null or s.base = coalesce((select p.version from partner p where p.id = u.id), 0)
     on conflict (id) do update
        set name = excluded.name, name_sort = excluded.name_sort, email = excluded.email,
            phone = excluded.phone, street = excluded.street, city = excluded.city,
            zip = excluded.zip, country = excluded.country, vat = excluded.vat,
            is_customer = excluded.is_customer, is_supplier = excluded.is_supplier,
            company = excluded.company, categories = excluded.categories,
            archived = case when $15::uuid[] @> array[excluded.id]
                            then excluded.archived else partner.archived end,
            version = excluded.version, updated_at = excluded.updated_at
      where partner.version < excluded.version
     {returning}),
   partner_flags as (
     update partner set archived = u.archived, version = u.version, updated_at = s.updated_at
       from unnest($16::uuid[], $17::bool[], $18::bigint[]) as u(id, archived, version)
       join partner_stamps s on s.aggregate_id = u.id::text
      where partner.id = u.id and partner.version < u.version
        and (s.base is null or partner.version = s.base)
     {returning})"
    )
}

/// How many parameters [`row_writes`] takes.
const ROW_PARAMETERS: usize = 19;

/// The values of [`row_writes`]' parameters for the rows of `changed`.
fn row_arguments(changed: &BTreeMap<Uuid, Pending>) -> Result<PgArguments, sqlx::Error> {
    let with_details: Vec<(&Uuid, &Pending, &PartnerDetails)> = changed
        .iter()
        .filter_map(|(id, p)| p.details.as_ref().map(|d| (id, p, d)))
        .collect();
    let flags_only: Vec<(&Uuid, &Pending, bool)> = changed
        .iter()
        .filter(|(_, p)| p.details.is_none())
        .filter_map(|(id, p)| p.archived.map(|a| (id, p, a)))
        .collect();
    let text = |f: fn(&PartnerDetails) -> Option<&str>| {
        with_details
            .iter()
            .map(|(_, _, d)| f(d).map(str::to_owned))
            .collect::<Vec<_>>()
    };
    let mut arguments = PgArguments::default();
    let bound = (|| {
        arguments.add(with_details.iter().map(|(id, ..)| **id).collect::<Vec<_>>())?;
        arguments.add(text(|d| Some(d.name.as_str())))?;
        arguments.add(text(|d| d.email.as_ref().map(|e| e.as_str())))?;
        arguments.add(text(|d| d.phone.as_ref().map(|p| p.as_str())))?;
        arguments.add(text(|d| d.address.street.as_deref()))?;
        arguments.add(text(|d| d.address.city.as_deref()))?;
        arguments.add(text(|d| d.address.zip.as_deref()))?;
        arguments.add(text(|d| d.address.country.as_deref()))?;
        arguments.add(text(|d| d.vat.as_ref().map(|v| v.as_str())))?;
        arguments.add(
            with_details
                .iter()
                .map(|(_, _, d)| d.is_customer)
                .collect::<Vec<_>>(),
        )?;
        arguments.add(
            with_details
                .iter()
                .map(|(_, _, d)| d.is_supplier)
                .collect::<Vec<_>>(),
        )?;
        arguments.add(text(|d| d.company.as_ref().map(|c| c.as_str())))?;
        arguments.add(
            with_details
                .iter()
                .map(|(_, p, _)| p.archived)
                .collect::<Vec<_>>(),
        )?;
        arguments.add(
            with_details
                .iter()
                .map(|(_, p, _)| p.version)
                .collect::<Vec<_>>(),
        )?;
        arguments.add(
            with_details
                .iter()
                .filter(|(_, p, _)| p.archived.is_some())
                .map(|(id, ..)| **id)
                .collect::<Vec<_>>(),
        )?;
        arguments.add(flags_only.iter().map(|(id, ..)| **id).collect::<Vec<_>>())?;
        arguments.add(flags_only.iter().map(|(.., a)| *a).collect::<Vec<_>>())?;
        arguments.add(
            flags_only
                .iter()
                .map(|(_, p, _)| p.version)
                .collect::<Vec<_>>(),
        )?;
        arguments.add(
            with_details
                .iter()
                .map(|(_, _, d)| {
                    d.categories
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .collect::<Vec<_>>(),
        )
    })();
    bound.map_err(sqlx::Error::Encode)?;
    Ok(arguments)
}

/// One partner as it stood at `as_of`: the row the read model had then (see [`crate::past`]);
/// `None` if it did not exist yet.
pub async fn as_of(
    pool: &PgPool,
    id: Uuid,
    as_of: AsOf,
) -> Result<Option<PartnerRow>, sqlx::Error> {
    let record = (Partner::TYPE, id);
    replayed(pool, &["partner"], record, as_of, apply, async |c| {
        get(c, id).await
    })
    .await
}

/// One partner, archived or not.
pub async fn get<'e>(db: impl PgExecutor<'e>, id: Uuid) -> Result<Option<PartnerRow>, sqlx::Error> {
    sqlx::query_as("select * from partner where id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// One partner, archived or not, if it is shared or belongs to one of `companies`, and the
/// record rules let it through.
pub async fn get_seen<'e>(
    db: impl PgExecutor<'e>,
    companies: &Companies,
    id: Uuid,
) -> Result<Option<PartnerRow>, sqlx::Error> {
    let mut sql = QueryBuilder::new("select * from partner where id = ");
    sql.push_bind(id);
    companies.push_shared(&mut sql, "company");
    sql.push(companies.partner_rules(""));
    sql.build_query_as().fetch_optional(db).await
}

/// The partners of `ids` that exist, archived or not, in no particular order.
pub async fn get_many(pool: &PgPool, ids: &[Uuid]) -> Result<Vec<PartnerRow>, sqlx::Error> {
    sqlx::query_as("select * from partner where id = any($1)")
        .bind(ids)
        .fetch_all(pool)
        .await
}

/// The names of the partners of `ids` that exist.
pub async fn names(pool: &PgPool, ids: &[Uuid]) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    sqlx::query_as("select id, name from partner where id = any($1)")
        .bind(ids)
        .fetch_all(pool)
        .await
}

/// Which partners a list shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartnerFilter {
    /// Case-insensitive fragment of the name.
    pub name_contains: Option<String>,
    pub is_customer: Option<bool>,
    pub is_supplier: Option<bool>,
    /// `Some(false)` (the usual): active partners only; `Some(true)`: archived only; `None`: all.
    pub archived: Option<bool>,
    /// Only partners in this category.
    pub category: Option<String>,
}

/// What a list is sorted by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PartnerSort {
    /// By name, case-insensitively; ties broken by id.
    #[default]
    Name,
    /// In the order the partners were created.
    CreatedAt,
}

/// Where a row stands in a sorted list: what a cursor holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortKey {
    Name { name_sort: String, id: Uuid },
    CreatedAt { position: i64 },
}

impl SortKey {
    pub fn of(row: &PartnerRow, sort: PartnerSort) -> Self {
        match sort {
            PartnerSort::Name => SortKey::Name {
                name_sort: row.name_sort.clone(),
                id: row.id,
            },
            PartnerSort::CreatedAt => SortKey::CreatedAt {
                position: row.created_position,
            },
        }
    }
}

/// One page of a sorted, filtered list, read with keyset bounds.
#[derive(Debug, Clone, Default)]
pub struct PartnerPage {
    pub filter: PartnerFilter,
    pub sort: PartnerSort,
    pub descending: bool,
    /// Only rows after this key (in the list's order).
    pub after: Option<SortKey>,
    /// Only rows before this key (in the list's order).
    pub before: Option<SortKey>,
    /// At most this many rows...
    pub limit: usize,
    /// ...taken from the end of the range rather than its start.
    pub from_end: bool,
}

/// The rows of a page, in the list's order, and whether more rows lie beyond the end the page
/// was taken from: of the partners shared or of `companies`.
pub async fn list(
    pool: &PgPool,
    companies: &Companies,
    page: &PartnerPage,
) -> Result<(Vec<PartnerRow>, bool), sqlx::Error> {
    let mut sql = QueryBuilder::<Postgres>::new("select * from partner where true");
    companies.push_shared(&mut sql, "company");
    sql.push(companies.partner_rules(""));
    push_filter(&mut sql, &page.filter);
    if let Some(key) = &page.after {
        push_bound(
            &mut sql,
            page.sort,
            key,
            if page.descending { "<" } else { ">" },
        );
    }
    if let Some(key) = &page.before {
        push_bound(
            &mut sql,
            page.sort,
            key,
            if page.descending { ">" } else { "<" },
        );
    }
    // read from the end by reversing the order, then put the rows back.
    let reverse = page.descending != page.from_end;
    let direction = if reverse { " desc" } else { " asc" };
    match page.sort {
        PartnerSort::Name => {
            sql.push(format!(" order by name_sort{direction}, id{direction}"));
        }
        PartnerSort::CreatedAt => {
            sql.push(format!(" order by created_position{direction}"));
        }
    }
    sql.push(" limit ").push_bind(page.limit as i64 + 1);
    let mut rows: Vec<PartnerRow> = sql.build_query_as().fetch_all(pool).await?;
    let more = rows.len() > page.limit;
    rows.truncate(page.limit);
    if page.from_end {
        rows.reverse();
    }
    Ok((rows, more))
}

/// How many partners the filter selects, whatever the page, of those shared or of `companies`
/// (see [`count_rows`]).
pub async fn count(
    pool: &PgPool,
    companies: &Companies,
    filter: &PartnerFilter,
) -> Result<Count, sqlx::Error> {
    count_rows(&mut *pool.acquire().await?, |sql| {
        sql.push(" from partner where true");
        companies.push_shared(sql, "company");
        sql.push(companies.partner_rules(""));
        push_filter(sql, filter);
    })
    .await
}

fn push_filter(sql: &mut QueryBuilder<'_, Postgres>, filter: &PartnerFilter) {
    if let Some(fragment) = filter.name_contains.as_deref().filter(|f| !f.is_empty()) {
        // the name kept in lower case, against the fragment lowered by the same function: what
        // ILIKE does, without lowering every row's name again.
        sql.push(" and name_sort like lower(")
            .push_bind(format!("%{}%", escape_like(fragment)))
            .push(")");
    }
    push_some(sql, "is_customer =", filter.is_customer);
    push_some(sql, "is_supplier =", filter.is_supplier);
    push_some(sql, "archived =", filter.archived);
    if let Some(category) = &filter.category {
        sql.push(" and categories @> array[")
            .push_bind(category.clone())
            .push("]::text[]");
    }
}

fn push_bound(sql: &mut QueryBuilder<'_, Postgres>, sort: PartnerSort, key: &SortKey, op: &str) {
    match (sort, key) {
        (PartnerSort::Name, SortKey::Name { name_sort, id }) => {
            sql.push(format!(" and (name_sort, id) {op} ("))
                .push_bind(name_sort.clone())
                .push(", ")
                .push_bind(*id)
                .push(")");
        }
        (PartnerSort::CreatedAt, SortKey::CreatedAt { position }) => {
            sql.push(format!(" and created_position {op} "))
                .push_bind(*position);
        }
        // a cursor taken from a list sorted otherwise: it bounds nothing in this order.
        _ => {}
    }
}

/// Escapes `%`, `_` and `\` so a user's fragment matches literally in ILIKE.
fn escape_like(fragment: &str) -> String {
    let mut escaped = String::with_capacity(fragment.len());
    for c in fragment.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
