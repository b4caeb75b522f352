//! Users in GraphQL: signing in and out, the user list, and the mutations on accounts.
//! (Over 600 lines: signing in with its throttle, the user list, and the mutations with who may
//! change whom, read best together.)

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use async_graphql::connection::{Connection, OpaqueCursor};
use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use domain::configuration::{Code, Model, Right, ADMIN_GROUP};
use domain::user::User as UserAggregate;
use domain::user::{Login, UserCommand, UserCompanies, UserName};
use projections::user::{self as read_model, UserRow};
use uuid::Uuid;

use super::auth::{actor, coded, require};
use super::error::{internal, Problems, UserError, UserErrorCode};
use super::input::parse_id;
use super::input::AsOfInput;
use super::page::{keyset_connection, order_of, SortBy, SortedCursor, TotalCount, UserOrderField};
use super::payload::{payload, send_one, Payload};
use super::record::{get_as_of, now_and_then, At, Recorded};
use super::request::RequestContext;
use commands::auth::{self, user_id, PasswordError};
use commands::policy::Actor;
use commands::throttle::{Attempt, Throttle};
use commands::{AppState, CommandBus};

/// A user account.
pub struct User(pub UserRow, pub At);

now_and_then!(User(UserRow));

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn login(&self) -> &str {
        &self.0.login
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Codes of the user's groups.
    async fn groups(&self) -> &[String] {
        &self.0.groups
    }

    /// Codes of the companies whose records the user may see (an administrator sees every
    /// company, whatever is listed here).
    async fn companies(&self) -> &[String] {
        &self.0.companies
    }

    /// The company what the user creates belongs to, unless a request names another of theirs
    /// in the `X-Company` header.
    async fn company(&self) -> &str {
        &self.0.company
    }

    /// An inactive user cannot sign in, and their sessions stop working.
    async fn active(&self) -> bool {
        self.0.active
    }

    #[graphql(flatten)]
    async fn record(&self) -> Recorded {
        let (r, point) = (&self.0, self.1.point());
        Recorded::of(
            UserAggregate::TYPE,
            r.id,
            r.version,
            (r.created_at, r.updated_at),
            point,
        )
    }
}

/// Starts a sign-in try against `key`, waiting for it while the wait is short (another try
/// under way, the first slow-downs); otherwise says how long the client must wait.
async fn begin_soon(throttle: &Throttle, key: String) -> Result<Attempt, Duration> {
    const SHORT: Duration = Duration::from_secs(1);
    let keys = [key];
    let started = Instant::now();
    loop {
        match throttle.begin(&keys) {
            Ok(attempt) => return Ok(attempt),
            Err(wait) if wait <= SHORT && started.elapsed() < 5 * SHORT => {
                tokio::time::sleep(wait).await;
            }
            Err(wait) => return Err(wait),
        }
    }
}

#[derive(InputObject)]
pub struct LoginInput {
    pub login: String,
    pub password: String,
}

/// A session: send the token as `Authorization: Bearer <token>` with every request.
#[derive(SimpleObject)]
pub struct LoginPayload {
    pub token: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub user: Option<User>,
    pub user_errors: Vec<UserError>,
}

impl LoginPayload {
    /// No session: why, as the one user error.
    fn refused(message: String, code: UserErrorCode) -> Self {
        Self {
            token: None,
            expires_at: None,
            user: None,
            user_errors: vec![UserError::new(&[], message, code)],
        }
    }
}

#[derive(SimpleObject)]
pub struct LogoutPayload {
    /// Whether a session was open with the token.
    pub logged_out: bool,
}

#[derive(InputObject)]
pub struct CreateUserInput {
    pub login: String,
    pub name: String,
    /// At least 8 characters. Stored only as an argon2 hash.
    pub password: String,
    /// Codes of the user's groups.
    #[graphql(default)]
    pub groups: Vec<String>,
    /// Codes of the companies whose records the user may see: the main company when left out.
    pub companies: Option<Vec<String>>,
    /// The company what the user creates belongs to (one of `companies`): the main company
    /// when it is one of them, else the first of them, when left out.
    pub company: Option<String>,
}

/// Only the fields given change.
#[derive(InputObject)]
pub struct UpdateUserInput {
    pub id: ID,
    pub name: Option<String>,
    pub groups: Option<Vec<String>>,
    /// The companies whose records the user may see, all of them.
    pub companies: Option<Vec<String>>,
    /// The company what the user creates belongs to (one of their companies). Left out, it
    /// stays if it is still one of them, else the first of them becomes it.
    pub company: Option<String>,
}

#[derive(InputObject)]
pub struct SetUserPasswordInput {
    pub id: ID,
    pub password: String,
}

#[derive(InputObject)]
pub struct UserRefInput {
    pub id: ID,
}

payload!(UserPayload { user: User, user_errors } from UserRow => User::from);

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// The signed-in user.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let actor = actor(ctx).await?;
        let state = ctx.data::<AppState>()?;
        let row = read_model::get(state.reads(), actor.user_id)
            .await
            .map_err(|e| internal(ctx, e))?;
        Ok(row.map(User::from))
    }

    /// The code of the company this request works in (what it creates belongs to): the one
    /// the `X-Company` header names, else the signed-in user's current company.
    async fn working_company(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(actor(ctx).await?.company)
    }

    /// One user; with `asOf`, the user as they stood then, replayed from their events (null if
    /// they did not exist yet).
    async fn user(
        &self,
        ctx: &Context<'_>,
        id: ID,
        as_of: Option<AsOfInput>,
    ) -> Result<Option<User>> {
        let actor = require(ctx, Model::User, Right::Read).await?;
        // a user who works in none of the reader's companies is not shown (administrators
        // work in every company); as of a point, the user as they stood then must have too.
        let shares = |companies: &[String]| companies.iter().any(|c| actor.companies.contains(c));
        let now = async |pool, id| {
            Ok::<_, sqlx::Error>(
                read_model::get(pool, id)
                    .await?
                    .filter(|u: &UserRow| shares(&u.companies)),
            )
        };
        let then = async |pool, id, as_of| {
            if now(pool, id).await?.is_none() {
                return Ok(None);
            }
            Ok(read_model::as_of(pool, id, as_of)
                .await?
                .filter(|u: &UserRow| shares(&u.companies)))
        };
        get_as_of(ctx, &id, "a user", as_of, now, then, User::from, User::then).await
    }

    /// Users by login, a page at a time (at most 100).
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity + 1")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(name = "where")] filter: Option<UserWhere>,
        order_by: Option<SortBy<UserOrderField>>,
    ) -> Result<Connection<OpaqueCursor<SortedCursor>, User, TotalCount>> {
        let actor = require(ctx, Model::User, Right::Read).await?;
        let filter = filter.unwrap_or_default();
        let order = order_of(&read_model::LIST, order_by)?;
        let filter = read_model::UserFilter {
            search: filter.search,
            active: filter.active,
            group: filter.group,
            // the users of the reader's companies (an administrator's: every company).
            companies: (!actor.is_admin()).then(|| actor.companies.iter().cloned().collect()),
        };
        keyset_connection(
            ctx,
            after,
            first,
            &read_model::LIST,
            filter,
            order,
            User::from,
        )
        .await
    }
}

/// Which users a list shows: every condition given.
#[derive(InputObject, Default)]
pub struct UserWhere {
    /// In the login or the name, ignoring case.
    pub search: Option<String>,
    pub active: Option<bool>,
    /// Members of this group (its code).
    pub group: Option<String>,
}

fn password_problem(problems: &mut Problems, error: PasswordError) {
    problems.add(
        &["input", "password"],
        error.to_string(),
        UserErrorCode::Invalid,
    );
}

/// The groups named in `raw`, each of which must exist (or be `admin`).
fn groups(problems: &mut Problems, actor: &Actor, raw: &[String]) -> Option<BTreeSet<Code>> {
    let known = &actor.config.configuration.settings().groups;
    let mut groups = BTreeSet::new();
    for name in raw {
        let Some(code) = problems.text(&["input", "groups"], Code::parse(name)) else {
            continue;
        };
        if code.as_str() != ADMIN_GROUP && !known.contains_key(&code) {
            problems.add(
                &["input", "groups"],
                format!("there is no group '{code}'"),
                UserErrorCode::NotFound,
            );
            continue;
        }
        groups.insert(code);
    }
    Some(groups)
}

/// The companies named in `raw`, each of which must exist.
fn companies(problems: &mut Problems, actor: &Actor, raw: &[String]) -> Option<BTreeSet<Code>> {
    let mut companies = BTreeSet::new();
    let before = problems.0.len();
    for name in raw {
        if let Some(code) = known_company(problems, actor, &["input", "companies"], name) {
            companies.insert(code);
        }
    }
    (problems.0.len() == before).then_some(companies)
}

/// The company `raw` names, if it exists.
fn company(problems: &mut Problems, actor: &Actor, raw: &str) -> Option<Code> {
    known_company(problems, actor, &["input", "company"], raw)
}

fn known_company(
    problems: &mut Problems,
    actor: &Actor,
    field: &[&str],
    raw: &str,
) -> Option<Code> {
    let code = problems.text(field, Code::parse(raw))?;
    if actor
        .config
        .configuration
        .settings()
        .company(&code)
        .is_none()
    {
        problems.add(
            field,
            format!("there is no company '{code}'"),
            UserErrorCode::NotFound,
        );
        return None;
    }
    Some(code)
}

fn user_ref(problems: &mut Problems, raw: &ID) -> Option<Uuid> {
    problems.uuid(&["input", "id"], raw, "user")
}

/// Sends a parsed command as `actor` and answers with the user as the read model has it
/// afterwards.
async fn send(
    ctx: &Context<'_>,
    actor: &Actor,
    parsed: Result<(Uuid, UserCommand), Vec<UserError>>,
) -> Result<UserPayload> {
    if let Ok((id, command)) = &parsed {
        // another user: one who works in a company of the actor's (an administrator: any),
        // changed only if they work in none but the actor's companies (their password or
        // memberships would otherwise open another company's books), and an administrator only
        // by an administrator.
        let creates = matches!(command, UserCommand::CreateUser { .. });
        if !creates && *id != actor.user_id && !actor.is_admin() {
            let state = ctx.data::<AppState>()?;
            let target = read_model::get(state.reads(), *id)
                .await
                .map_err(|e| internal(ctx, e))?;
            match target {
                Some(user) if !shares(actor, &user) => {
                    return Ok(UserPayload::refused(vec![UserError::new(
                        &["input", "id"],
                        "no user with this id",
                        UserErrorCode::NotFound,
                    )]))
                }
                Some(user) if user.groups.iter().any(|g| g == ADMIN_GROUP) => {
                    return Err(coded(
                        "only an administrator may change an administrator",
                        "FORBIDDEN",
                    ))
                }
                // the other company is not named: the manager is not to learn of it.
                Some(user)
                    if user
                        .companies
                        .iter()
                        .any(|c| !actor.companies.contains(c.as_str())) =>
                {
                    return Err(coded(
                        format!(
                            "{} works in a company you do not too: only an administrator, or a \
                             user of every company they work in, may change them",
                            user.login
                        ),
                        "FORBIDDEN",
                    ));
                }
                _ => {}
            }
        }
    }
    let seen = async |pool, id| {
        Ok::<_, sqlx::Error>(
            read_model::get(pool, id)
                .await?
                .filter(|user| actor.is_admin() || user.id == actor.user_id || shares(actor, user)),
        )
    };
    send_one(
        ctx,
        actor,
        parsed,
        CommandBus::user,
        |s| &s.user_progress,
        seen,
    )
    .await
}

/// Whether `user` works in a company `actor` works in.
fn shares(actor: &Actor, user: &UserRow) -> bool {
    user.companies.iter().any(|c| actor.companies.contains(c))
}

/// Refuses making an administrator (or naming companies one does not work in) unless the
/// actor is one (an administrator works in every company).
fn within_own_powers(
    actor: &Actor,
    groups: Option<&[String]>,
    companies: Option<&[String]>,
) -> Result<()> {
    if actor.is_admin() {
        return Ok(());
    }
    if groups.is_some_and(|g| g.iter().any(|g| g.trim() == ADMIN_GROUP)) {
        return Err(coded(
            "only an administrator may make an administrator",
            "FORBIDDEN",
        ));
    }
    if let Some(other) = companies
        .into_iter()
        .flatten()
        .find(|c| !actor.companies.contains(c.trim()))
    {
        let other: String = other.chars().take(64).collect();
        return Err(coded(
            format!("you work in no company '{other}'"),
            "FORBIDDEN",
        ));
    }
    Ok(())
}

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Signs in. A wrong login and a wrong password get the same answer.
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> Result<LoginPayload> {
        let state = ctx.data::<AppState>()?;
        // one try at a time per login and per address, slower after wrong passwords.
        let login_key: String = input
            .login
            .trim()
            .to_lowercase()
            .chars()
            .take(100)
            .collect();
        let by_login = begin_soon(&state.sign_ins.by_login, login_key).await;
        let by_address = match RequestContext::of(ctx).peer {
            Some(peer) => begin_soon(&state.sign_ins.by_address, peer).await.map(Some),
            None => Ok(None),
        };
        let (by_login, by_address) = match (by_login, by_address) {
            (Ok(login), Ok(address)) => (login, address),
            (Err(wait), _) | (_, Err(wait)) => {
                let seconds = wait.as_secs_f64().ceil().max(1.0);
                return Ok(LoginPayload::refused(
                    format!("too many wrong passwords: try again in {seconds} s"),
                    UserErrorCode::TooManyAttempts,
                ));
            }
        };
        let login = Login::parse(&input.login).ok();
        let row = match &login {
            Some(login) => read_model::by_login(&state.pool, login.as_str())
                .await
                .map_err(|e| internal(ctx, e))?,
            None => None,
        };
        let row = row.filter(|r| r.active);
        let matches = auth::verify_password(
            &input.password,
            row.as_ref().map(|r| r.password_hash.clone()),
        )
        .await;
        let Some(row) = row.filter(|_| matches) else {
            by_login.failed();
            if let Some(by_address) = by_address {
                by_address.failed();
            }
            return Ok(LoginPayload::refused(
                "the login or the password is wrong (or the user is inactive)".to_owned(),
                UserErrorCode::InvalidCredentials,
            ));
        };
        // the login starts afresh; the address keeps its count (signing in to one account
        // does not make guesses at others cheaper).
        by_login.succeeded();
        drop(by_address);
        let (token, expires_at) = auth::open_session(&state.pool, row.id)
            .await
            .map_err(|e| internal(ctx, e))?;
        Ok(LoginPayload {
            token: Some(token),
            expires_at: Some(expires_at),
            user: Some(User::from(row)),
            user_errors: vec![],
        })
    }

    /// Ends the session of the token the request came with.
    async fn logout(&self, ctx: &Context<'_>) -> Result<LogoutPayload> {
        let state = ctx.data::<AppState>()?;
        let token = ctx
            .data_opt::<RequestContext>()
            .and_then(|r| r.token.clone());
        let logged_out = match token {
            Some(token) => auth::close_session(state, &token)
                .await
                .map_err(|e| internal(ctx, e))?,
            None => false,
        };
        Ok(LogoutPayload { logged_out })
    }

    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<UserPayload> {
        let actor = require(ctx, Model::User, Right::Create).await?;
        let asked_companies = input
            .companies
            .iter()
            .flatten()
            .chain(&input.company)
            .cloned();
        within_own_powers(
            &actor,
            Some(&input.groups),
            Some(&asked_companies.collect::<Vec<_>>()),
        )?;
        let mut problems = Problems::default();
        let login = problems.text(&["input", "login"], Login::parse(&input.login));
        let name = problems.text(&["input", "name"], UserName::parse(&input.name));
        let groups = groups(&mut problems, &actor, &input.groups);
        let allowed = input
            .companies
            .as_ref()
            .map(|raw| companies(&mut problems, &actor, raw));
        let current = input
            .company
            .as_ref()
            .map(|raw| company(&mut problems, &actor, raw));
        let user_companies = match (allowed, current) {
            (Some(None), _) | (_, Some(None)) => None,
            (allowed, current) => {
                let changed =
                    UserCompanies::default().changed(allowed.flatten(), current.flatten());
                match changed {
                    Ok(companies) => Some(companies),
                    Err(e) => {
                        let field = match e {
                            domain::user::UserError::NoCompany => "companies",
                            _ => "company",
                        };
                        problems.add(&["input", field], e.to_string(), UserErrorCode::Invalid);
                        None
                    }
                }
            }
        };
        // hashing is slow: only for otherwise valid input.
        let password_hash = if problems.0.is_empty() {
            match auth::hash_password(&input.password).await {
                Ok(hash) => Some(hash),
                Err(e) => {
                    password_problem(&mut problems, e);
                    None
                }
            }
        } else {
            None
        };
        let parsed = (|| {
            let login = login?;
            Some((
                user_id(login.as_str()),
                UserCommand::CreateUser {
                    login,
                    name: name?,
                    password_hash: password_hash?,
                    groups: groups?,
                    companies: user_companies?,
                },
            ))
        })();
        send(ctx, &actor, problems.finish(parsed)).await
    }

    async fn update_user(&self, ctx: &Context<'_>, input: UpdateUserInput) -> Result<UserPayload> {
        let actor = require(ctx, Model::User, Right::Write).await?;
        let asked_companies: Vec<String> = input
            .companies
            .iter()
            .flatten()
            .chain(&input.company)
            .cloned()
            .collect();
        within_own_powers(&actor, input.groups.as_deref(), Some(&asked_companies))?;
        let mut problems = Problems::default();
        let id = user_ref(&mut problems, &input.id);
        let name = match &input.name {
            Some(name) => problems
                .text(&["input", "name"], UserName::parse(name))
                .map(Some),
            None => Some(None),
        };
        let groups = match &input.groups {
            Some(raw) => groups(&mut problems, &actor, raw).map(Some),
            None => Some(None),
        };
        let companies = match &input.companies {
            Some(raw) => companies(&mut problems, &actor, raw).map(Some),
            None => Some(None),
        };
        let company = match &input.company {
            Some(raw) => company(&mut problems, &actor, raw).map(Some),
            None => Some(None),
        };
        let parsed = (|| {
            Some((
                id?,
                UserCommand::UpdateUser {
                    name: name?,
                    groups: groups?,
                    companies: companies?,
                    company: company?,
                },
            ))
        })();
        send(ctx, &actor, problems.finish(parsed)).await
    }

    /// Sets a user's password. Users may set their own; others' need the write right on users.
    async fn set_user_password(
        &self,
        ctx: &Context<'_>,
        input: SetUserPasswordInput,
    ) -> Result<UserPayload> {
        let me = actor(ctx).await?;
        let own = parse_id(&input.id) == Some(me.user_id);
        let actor = if own {
            me
        } else {
            require(ctx, Model::User, Right::Write).await?
        };
        let mut problems = Problems::default();
        let id = user_ref(&mut problems, &input.id);
        let hash = match auth::hash_password(&input.password).await {
            Ok(hash) => Some(hash),
            Err(e) => {
                password_problem(&mut problems, e);
                None
            }
        };
        let parsed = id
            .zip(hash)
            .map(|(id, password_hash)| (id, UserCommand::ChangePassword { password_hash }));
        send(ctx, &actor, problems.finish(parsed)).await
    }

    /// Deactivates a user: they cannot sign in, and their sessions stop working at once.
    async fn deactivate_user(&self, ctx: &Context<'_>, input: UserRefInput) -> Result<UserPayload> {
        let actor = require(ctx, Model::User, Right::Write).await?;
        let mut problems = Problems::default();
        let id = user_ref(&mut problems, &input.id);
        if id == Some(actor.user_id) {
            problems.add(
                &["input", "id"],
                "you cannot deactivate yourself",
                UserErrorCode::Invalid,
            );
        }
        let parsed = id.map(|id| (id, UserCommand::DeactivateUser));
        send(ctx, &actor, problems.finish(parsed)).await
    }

    async fn activate_user(&self, ctx: &Context<'_>, input: UserRefInput) -> Result<UserPayload> {
        let actor = require(ctx, Model::User, Right::Write).await?;
        let mut problems = Problems::default();
        let id = user_ref(&mut problems, &input.id);
        let parsed = id.map(|id| (id, UserCommand::ActivateUser));
        send(ctx, &actor, problems.finish(parsed)).await
    }
}
