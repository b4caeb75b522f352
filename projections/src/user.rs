//! The `app_user` read model: one row per user, read by sign-in, the rights check of every
//! request, and the user list.

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use domain::user::{User, UserEvent};
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{PgConnection, PgExecutor, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::log::{AsOf, StoredEvent};
use crate::page::{push_some, sort, Filter, KeyType, List, Sort};
use crate::past::replayed;
use crate::runner::{payload, projection, uuid_of, ProjectionError};

/// A user as sign-in and the user list see it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub login: String,
    pub name: String,
    pub password_hash: String,
    pub groups: Vec<String>,
    /// The companies whose records the user may see.
    pub companies: Vec<String>,
    /// The company what the user creates belongs to, unless a request names another.
    pub company: String,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

projection!(
    /// Keeps `app_user` in step with the log.
    UserProjection: "user", &["app_user"], apply
);

async fn apply(tx: &mut PgConnection, events: &[StoredEvent]) -> Result<(), ProjectionError> {
    for event in events.iter().filter(|e| e.aggregate_type == User::TYPE) {
        let Some(id) = uuid_of(event) else {
            continue;
        };
        apply_one(tx, id, event, payload(event)?).await?;
    }
    Ok(())
}

async fn apply_one(
    tx: &mut PgConnection,
    id: Uuid,
    event: &StoredEvent,
    payload: UserEvent,
) -> Result<(), sqlx::Error> {
    match payload {
        UserEvent::UserCreated {
            login,
            name,
            password_hash,
            groups,
            companies,
        } => {
            sqlx::query(
                "insert into app_user (id, login, name, password_hash, groups, active, version,
                                       created_at, updated_at, companies, company)
                 values ($1, $2, $3, $4, $5, true, $6, $7, $7, $8, $9)
                 on conflict (id) do nothing",
            )
            .bind(id)
            .bind(login.as_str())
            .bind(name.as_str())
            .bind(password_hash.as_str())
            .bind(groups.iter().map(|g| g.to_string()).collect::<Vec<_>>())
            .bind(event.sequence)
            .bind(event.recorded_at)
            .bind(codes(companies.allowed()))
            .bind(companies.current().as_str())
            .execute(tx)
            .await?;
        }
        UserEvent::UserCompaniesSet { companies } => {
            update(&set("companies = $4, company = $5"), id, event)
                .bind(codes(companies.allowed()))
                .bind(companies.current().as_str())
                .execute(tx)
                .await?;
        }
        UserEvent::UserUpdated { name, groups } => {
            update(&set("name = $4, groups = $5"), id, event)
                .bind(name.as_str())
                .bind(groups.iter().map(|g| g.to_string()).collect::<Vec<_>>())
                .execute(tx)
                .await?;
        }
        UserEvent::PasswordChanged { password_hash } => {
            update(&set("password_hash = $4"), id, event)
                .bind(password_hash.as_str())
                .execute(tx)
                .await?;
        }
        UserEvent::UserDeactivated {} | UserEvent::UserActivated {} => {
            update(&set("active = $4"), id, event)
                .bind(matches!(payload, UserEvent::UserActivated {}))
                .execute(tx)
                .await?;
        }
    }
    Ok(())
}

/// The statement that sets `set` (values from `$4` on) on user `id`'s row, as of `event`. Every
/// write is guarded by the version, so applying an event twice changes nothing.
fn set(set: &str) -> String {
    format!(
        "update app_user set {set}, version = $2, updated_at = $3
          where id = $1 and version < $2"
    )
}

/// `sql` (made by [`set`]) for user `id` as of `event`: its first three values bound.
fn update<'q>(sql: &'q str, id: Uuid, event: &StoredEvent) -> Query<'q, Postgres, PgArguments> {
    sqlx::query(sql)
        .bind(id)
        .bind(event.sequence)
        .bind(event.recorded_at)
}

fn codes(codes: &std::collections::BTreeSet<domain::configuration::Code>) -> Vec<String> {
    codes.iter().map(ToString::to_string).collect()
}

/// One user as they stood at `as_of`: the row the read model had then (see [`crate::past`]);
/// `None` if they did not exist yet.
pub async fn as_of(pool: &PgPool, id: Uuid, as_of: AsOf) -> Result<Option<UserRow>, sqlx::Error> {
    let record = (User::TYPE, id);
    replayed(pool, &["app_user"], record, as_of, apply, async |c| {
        get(c, id).await
    })
    .await
}

/// The user who signs in with `login`.
pub async fn by_login<'e>(
    db: impl PgExecutor<'e>,
    login: &str,
) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as("select * from app_user where login = $1")
        .bind(login)
        .fetch_optional(db)
        .await
}

/// The first user (by login) in group `code`, if any.
pub async fn member_of(conn: &mut PgConnection, code: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("select login from app_user where $1 = any(groups) order by login limit 1")
        .bind(code)
        .fetch_optional(&mut *conn)
        .await
}

/// One user.
pub async fn get<'e>(db: impl PgExecutor<'e>, id: Uuid) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as("select * from app_user where id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Which users a list keeps: every condition given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// In the login or the name, ignoring case.
    pub search: Option<String>,
    pub active: Option<bool>,
    /// Members of this group.
    pub group: Option<String>,
    /// Users who work in at least one of these companies (`None`: every user).
    pub companies: Option<Vec<String>>,
}

impl Filter for UserFilter {
    fn push(&self, sql: &mut QueryBuilder<'_, Postgres>) {
        if let Some(search) = &self.search {
            sql.push(" and (strpos(lower(login), lower(")
                .push_bind(search.clone())
                .push(")) > 0 or strpos(lower(name), lower(")
                .push_bind(search.clone())
                .push(")) > 0)");
        }
        push_some(sql, "active =", self.active);
        if let Some(group) = &self.group {
            sql.push(" and ")
                .push_bind(group.clone())
                .push(" = any(groups)");
        }
        if let Some(companies) = &self.companies {
            sql.push(" and companies && ").push_bind(companies.clone());
        }
    }
}

const COLUMNS: &str = "id, login, name, password_hash, groups, companies, company, active, \
     version, created_at, updated_at";

/// Users by login unless sorted otherwise, a page at a time.
pub const LIST: List<UserRow, UserFilter> = List::new("app_user", COLUMNS, USER_SORTS, false);

/// The ways users may be sorted (names without regard to case; inactive users first).
const USER_SORTS: &[Sort] = &[
    sort("LOGIN", "login", KeyType::Text),
    sort("NAME", "lower(name)", KeyType::Text),
    sort("ACTIVE", "active::int", KeyType::Numeric),
];
