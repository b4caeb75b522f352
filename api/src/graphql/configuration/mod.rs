//! Configuration in GraphQL: modules, company, sequences, taxes, currencies, labels, groups and
//! rights; the forms frontends draw from; the mutations that change them.
//! (Over 600 lines: the `configuration` object is one type, a field per kind of record, each
//! read now or as of a point; its inputs, objects and views have modules of their own.)

mod inputs;
mod mutations;
pub(super) mod objects;
mod records;
pub mod views;

use std::sync::Arc;

use async_graphql::connection::{Connection, OpaqueCursor};
use async_graphql::{Context, Object, Result, SimpleObject, Subscription};
use domain::configuration::{catalogue, changes, ConfigurationCommand, Model, Right, Settings};
use futures::Stream;
use projections::log::AsOf;

use super::auth::{actor, require, require_module};
use super::error::{internal, settle_at, UserError};
use super::input::AsOfInput;
use super::page::{
    name_of, sorted_memory_connection, CodeNameKindOrderField, CodeNameOrderField,
    CurrencyOrderField, MemoryCursor, SequenceOrderField, SortBy, SortValue, TaxOrderField,
    TotalCount,
};
use super::payload::payload;
use super::request::RequestContext;
use commands::policy::{Actor, ConfigView};
use commands::AppState;

pub use mutations::ConfigurationMutation;
pub use objects::*;
pub use records::{AccountWhere, JournalWhere, SearchWhere};

/// The configuration of this database at one version; as it stood at a log position when
/// read with `asOf`.
pub struct Configuration(pub Arc<ConfigView>, Option<i64>);

impl Configuration {
    /// The configuration as it now stands.
    pub fn now(view: Arc<ConfigView>) -> Self {
        Self(view, None)
    }

    fn settings(&self) -> &Settings {
        self.0.configuration.settings()
    }
}

#[Object]
impl Configuration {
    /// Grows by one with every configuration event: a client whose cached forms were drawn at
    /// an older version reloads them.
    async fn version(&self) -> i64 {
        self.0.version
    }

    /// Whether the database is marked as production (development module versions are then
    /// refused unless forced).
    async fn production(&self) -> bool {
        self.0.configuration.is_production()
    }

    /// The main company (code `main`); null to a reader who does not work in it (see
    /// `companies`).
    async fn company(&self, ctx: &Context<'_>) -> Result<Option<Company>> {
        let main = domain::configuration::Code::main_company();
        let actor = actor(ctx).await?;
        Ok(actor
            .companies
            .contains(main.as_str())
            .then(|| Company(main, self.settings().company.clone())))
    }

    /// Every company the reader works in (an administrator: every one), by code, the main one
    /// included.
    async fn companies(&self, ctx: &Context<'_>) -> Result<Vec<Company>> {
        let actor = actor(ctx).await?;
        Ok(self
            .settings()
            .all_companies()
            .into_iter()
            .filter(|(code, _)| actor.companies.contains(code.as_str()))
            .map(|(code, company)| Company(code, company))
            .collect())
    }

    /// Every module this build ships, installed or not.
    async fn modules(&self) -> Vec<Module> {
        catalogue::MODULES
            .iter()
            .map(|spec| Module {
                name: spec.name.to_owned(),
                summary: spec.summary.to_owned(),
                version: spec.version.to_string(),
                development: spec.version.is_development(),
                depends: spec.depends.iter().map(|d| (*d).to_owned()).collect(),
                installed_version: self
                    .0
                    .configuration
                    .settings()
                    .modules
                    .get(spec.name)
                    .map(ToString::to_string),
            })
            .collect()
    }

    /// The document sequences, by code.
    async fn sequences(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(name = "where")] filter: Option<SearchWhere>,
        order_by: Option<SortBy<SequenceOrderField>>,
    ) -> Result<Connection<OpaqueCursor<MemoryCursor>, Sequence, TotalCount>> {
        let filter = filter.unwrap_or_default();
        let taken = numbers_taken(ctx, self.1).await?;
        let rows = records::sequences(self.settings(), &taken)
            .filter(|s| filter.keeps(&s.code, &s.name))
            .map(|s| (s.code.clone(), s))
            .collect();
        sorted_memory_connection(ctx, after, first, rows, order_by, |s: &Sequence, field| {
            match field {
                SequenceOrderField::Code => SortValue::Text(s.code.clone()),
                SequenceOrderField::Name => SortValue::folded(&s.name),
                SequenceOrderField::Prefix => SortValue::Text(s.prefix.clone()),
                SequenceOrderField::NextNumber => SortValue::Number(s.next_number.into()),
            }
        })
        .await
    }

    /// The sequence `code` (as it was given: around spaces do not count).
    async fn sequence(&self, ctx: &Context<'_>, code: String) -> Result<Option<Sequence>> {
        let taken = numbers_taken(ctx, self.1).await?;
        let code = code.trim();
        let sequence = records::sequences(self.settings(), &taken).find(|s| s.code == code);
        Ok(sequence)
    }

    /// The chart of accounts (module `account`), by code.
    async fn accounts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(name = "where")] filter: Option<AccountWhere>,
        order_by: Option<SortBy<CodeNameKindOrderField>>,
    ) -> Result<Connection<OpaqueCursor<MemoryCursor>, AccountObject, TotalCount>> {
        let actor = actor(ctx).await?;
        let filter = filter.unwrap_or_default();
        let rows = records::accounts(self.settings())
            .filter(|a| filter.keeps(a))
            .filter(|a| theirs(&actor, a.company.as_deref()))
            .map(|a| (a.code.clone(), a))
            .collect();
        sorted_memory_connection(
            ctx,
            after,
            first,
            rows,
            order_by,
            |a: &AccountObject, field| match field {
                CodeNameKindOrderField::Code => SortValue::Text(a.code.clone()),
                CodeNameKindOrderField::Name => SortValue::folded(&a.name),
                CodeNameKindOrderField::Kind => SortValue::Text(name_of(a.kind).to_owned()),
            },
        )
        .await
    }

    /// The account `code` of the chart.
    async fn account(&self, ctx: &Context<'_>, code: String) -> Result<Option<AccountObject>> {
        let actor = actor(ctx).await?;
        let code = code.trim();
        Ok(records::accounts(self.settings())
            .find(|a| a.code == code && theirs(&actor, a.company.as_deref())))
    }

    /// Journals (module `account`), by code.
    async fn journals(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(name = "where")] filter: Option<JournalWhere>,
        order_by: Option<SortBy<CodeNameKindOrderField>>,
    ) -> Result<Connection<OpaqueCursor<MemoryCursor>, JournalObject, TotalCount>> {
        let actor = actor(ctx).await?;
        let filter = filter.unwrap_or_default();
        let rows = records::journals(self.settings())
            .filter(|j| filter.keeps(j))
            .filter(|j| theirs(&actor, j.company.as_deref()))
            .map(|j| (j.code.clone(), j))
            .collect();
        sorted_memory_connection(
            ctx,
            after,
            first,
            rows,
            order_by,
            |j: &JournalObject, field| match field {
                CodeNameKindOrderField::Code => SortValue::Text(j.code.clone()),
                CodeNameKindOrderField::Name => SortValue::folded(&j.name),
                CodeNameKindOrderField::Kind => SortValue::Text(name_of(j.kind).to_owned()),
            },
        )
        .await
    }

    /// The journal `code`.
    async fn journal(&self, ctx: &Context<'_>, code: String) -> Result<Option<JournalObject>> {
        let actor = actor(ctx).await?;
        let code = code.trim();
        Ok(records::journals(self.settings())
            .find(|j| j.code == code && theirs(&actor, j.company.as_deref())))
    }

    /// The accounts, journals, sequences and rules daily business uses: those `company` goes by
    /// (its own if it has them, else the main ones; another company's are not shown), or
    /// without it those of the company the request works in.
    async fn business_settings(
        &self,
        ctx: &Context<'_>,
        company: Option<String>,
    ) -> Result<Option<BusinessSettingsObject>> {
        let settings = self.0.configuration.settings();
        let actor = actor(ctx).await?;
        // without one: those of the company the request works in.
        let company = company.unwrap_or_else(|| actor.company.clone());
        let Ok(code) = domain::configuration::Code::parse(&company) else {
            return Ok(None);
        };
        if !actor.companies.contains(code.as_str()) {
            return Ok(None);
        }
        Ok(Some(BusinessSettingsObject::from(
            settings.business_for(&code),
        )))
    }

    /// Taxes (module `account`), by code. Null, with a `MODULE_NOT_INSTALLED` error at this
    /// field only, while the module is not installed: the rest of the configuration still
    /// answers.
    async fn taxes(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(name = "where")] filter: Option<SearchWhere>,
        order_by: Option<SortBy<TaxOrderField>>,
    ) -> Result<Option<Connection<OpaqueCursor<MemoryCursor>, Tax, TotalCount>>> {
        let actor = actor(ctx).await?;
        require_module(&actor, "account")?;
        let filter = filter.unwrap_or_default();
        let rows = records::taxes(self.settings())
            .filter(|t| filter.keeps(&t.code, &t.name))
            // another company's taxes are not shown.
            .filter(|t| theirs(&actor, t.company.as_deref()))
            .map(|t| (t.code.clone(), t))
            .collect();
        Ok(Some(
            sorted_memory_connection(
                ctx,
                after,
                first,
                rows,
                order_by,
                |t: &Tax, field| match field {
                    TaxOrderField::Code => SortValue::Text(t.code.clone()),
                    TaxOrderField::Name => SortValue::folded(&t.name),
                    TaxOrderField::Rate => SortValue::Number(t.rate),
                },
            )
            .await?,
        ))
    }

    /// The tax `code` (module `account`).
    async fn tax(&self, ctx: &Context<'_>, code: String) -> Result<Option<Tax>> {
        let actor = actor(ctx).await?;
        require_module(&actor, "account")?;
        let code = code.trim();
        Ok(records::taxes(self.settings())
            .find(|t| t.code == code && theirs(&actor, t.company.as_deref())))
    }

    /// The currencies, by ISO 4217 code.
    async fn currencies(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(name = "where")] filter: Option<SearchWhere>,
        order_by: Option<SortBy<CurrencyOrderField>>,
    ) -> Result<Connection<OpaqueCursor<MemoryCursor>, Currency, TotalCount>> {
        let filter = filter.unwrap_or_default();
        let rows = records::currencies(self.settings())
            .filter(|c| filter.keeps(&c.code, &c.name))
            .map(|c| (c.code.clone(), c))
            .collect();
        sorted_memory_connection(ctx, after, first, rows, order_by, |c: &Currency, field| {
            match field {
                CurrencyOrderField::Code => SortValue::Text(c.code.clone()),
                CurrencyOrderField::Name => SortValue::folded(&c.name),
                CurrencyOrderField::Symbol => SortValue::Text(c.symbol.clone()),
            }
        })
        .await
    }

    /// The currency `code` (ISO 4217, in either case: `usd` is `USD`, as it is when set).
    async fn currency(&self, code: String) -> Option<Currency> {
        let code = code.trim().to_ascii_uppercase();
        records::currencies(self.settings()).find(|c| c.code == code)
    }

    /// The groups users can be put in, with their rights, by code. `admin` is built in and
    /// may do everything.
    async fn groups(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(name = "where")] filter: Option<SearchWhere>,
        order_by: Option<SortBy<CodeNameOrderField>>,
    ) -> Result<Connection<OpaqueCursor<MemoryCursor>, Group, TotalCount>> {
        let groups = records::groups(self.settings());
        let page = (first, after, filter, order_by);
        code_name_page(ctx, groups, page, |g: &Group| (&g.code, &g.name)).await
    }

    /// The record rules, by code.
    async fn record_rules(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(name = "where")] filter: Option<SearchWhere>,
        order_by: Option<SortBy<CodeNameOrderField>>,
    ) -> Result<Connection<OpaqueCursor<MemoryCursor>, RecordRuleObject, TotalCount>> {
        let rules = records::record_rules(self.settings());
        let page = (first, after, filter, order_by);
        code_name_page(ctx, rules, page, |r: &RecordRuleObject| (&r.code, &r.name)).await
    }

    /// The record rule `code`.
    async fn record_rule(&self, code: String) -> Option<RecordRuleObject> {
        let code = code.trim();
        records::record_rules(self.settings()).find(|r| r.code == code)
    }

    /// The group `code`.
    async fn group(&self, code: String) -> Option<Group> {
        let code = code.trim();
        records::groups(self.settings()).find(|g| g.code == code)
    }

    /// The forms of the installed modules, with their labels.
    async fn forms(&self) -> Vec<Form> {
        forms_of(&self.0)
    }
}

/// What a list of records known by code and name is asked for: `first`, `after`, its search
/// and its order.
type CodeNamePage = (
    Option<i32>,
    Option<String>,
    Option<SearchWhere>,
    Option<SortBy<CodeNameOrderField>>,
);

/// A page of `records` (by their code and name, as `names` gives them): those the search
/// keeps, sorted by code or by name.
async fn code_name_page<N: async_graphql::OutputType>(
    ctx: &Context<'_>,
    records: impl Iterator<Item = N>,
    (first, after, filter, order_by): CodeNamePage,
    names: fn(&N) -> (&str, &str),
) -> Result<Connection<OpaqueCursor<MemoryCursor>, N, TotalCount>> {
    let filter = filter.unwrap_or_default();
    let rows = records
        .filter(|r| {
            let (code, name) = names(r);
            filter.keeps(code, name)
        })
        .map(|r| (names(&r).0.to_owned(), r))
        .collect();
    sorted_memory_connection(ctx, after, first, rows, order_by, |r: &N, field| {
        let (code, name) = names(r);
        match field {
            CodeNameOrderField::Code => SortValue::Text(code.to_owned()),
            CodeNameOrderField::Name => SortValue::folded(name),
        }
    })
    .await
}

/// The last number each sequence gave (up to log position `upto`, if given), by code.
pub(super) async fn numbers_taken(
    ctx: &Context<'_>,
    upto: Option<i64>,
) -> Result<std::collections::BTreeMap<String, u64>> {
    let state = ctx.data::<AppState>()?;
    projections::business::numbers_taken(&state.pool, upto)
        .await
        .map_err(|e| internal(ctx, e))
}

fn forms_of(view: &ConfigView) -> Vec<Form> {
    let settings = view.configuration.settings();
    domain::configuration::views::VIEWS
        .iter()
        .filter(|view| settings.is_installed(view.module))
        .map(|view| Form {
            name: view.name.to_owned(),
            module: view.module.to_owned(),
            fields: view
                .fields()
                .map(|field| FormField {
                    field: field.name.to_owned(),
                    label: settings
                        .label(view.name, field.name)
                        .unwrap_or_else(|| field.label.to_owned()),
                    default_label: field.label.to_owned(),
                })
                .collect(),
        })
        .collect()
}

#[derive(Default)]
pub struct ConfigurationQuery;

#[Object]
impl ConfigurationQuery {
    /// The configuration as it now stands, or as it stood at `asOf` (replayed from the latest
    /// stage at or before it).
    async fn configuration(
        &self,
        ctx: &Context<'_>,
        as_of: Option<AsOfInput>,
    ) -> Result<Configuration> {
        let actor = require(ctx, Model::Configuration, Right::Read).await?;
        let Some(as_of) = as_of else {
            return Ok(Configuration::now(actor.config));
        };
        let state = ctx.data::<AppState>()?;
        let mut conn = state
            .reads()
            .acquire()
            .await
            .map_err(|e| internal(ctx, e))?;
        let position = match as_of.parse(ctx).await? {
            AsOf::Position(position) => position,
            AsOf::Time(time) => projections::log::position_at(&mut *conn, time)
                .await
                .map_err(|e| internal(ctx, e))?
                .unwrap_or(0),
        };
        let (configuration, _) = replay::configuration::configuration_at(&mut conn, position)
            .await
            .map_err(|e| internal(ctx, e))?;
        let view = Arc::new(ConfigView {
            version: i64::try_from(configuration.version()).unwrap_or(i64::MAX),
            position,
            configuration,
        });
        Ok(Configuration(view, Some(position)))
    }

    /// The forms of the installed modules with their labels, for drawing them. Any signed-in
    /// user may read them. (`views` has the whole of each view.)
    async fn forms(&self, ctx: &Context<'_>) -> Result<Vec<Form>> {
        let actor = actor(ctx).await?;
        Ok(forms_of(&actor.config))
    }

    /// The views of the installed modules' models: each one's form, list, search and actions,
    /// with this database's labels and what the signed-in user may do. A generic client draws
    /// every form and list from these alone; a change of labels or modules bumps
    /// `configurationVersion` and is announced by `configurationChanged`. Any signed-in user
    /// may read them.
    async fn views(&self, ctx: &Context<'_>) -> Result<Vec<views::View>> {
        let actor = actor(ctx).await?;
        Ok(views::views_of(&actor))
    }

    /// The names of the installed modules, in dependency order: what a client shows menus and
    /// reports for. Any signed-in user may read them (`configuration { modules }` has the rest,
    /// for those who may read the configuration).
    async fn installed_modules(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        let actor = actor(ctx).await?;
        let settings = actor.config.configuration.settings();
        Ok(catalogue::MODULES
            .iter()
            .filter(|spec| settings.is_installed(spec.name))
            .map(|spec| spec.name.to_owned())
            .collect())
    }

    /// View `name` (`partner`, `sale_order`), if its module is installed.
    async fn view(&self, ctx: &Context<'_>, name: String) -> Result<Option<views::View>> {
        let actor = actor(ctx).await?;
        Ok(views::view_named(&actor, &name))
    }

    /// The current configuration version.
    async fn configuration_version(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(actor(ctx).await?.config.version)
    }
}

payload!(
    /// What a configuration mutation answers: the configuration afterwards, or why nothing changed.
    ConfigurationPayload {
        configuration: Configuration,
        user_errors,
    } from Arc<ConfigView> => Configuration::now
);

/// The outcome of a configuration command: the configuration the read model shows afterwards,
/// or the user errors.
pub enum Outcome {
    Done(Arc<ConfigView>),
    Refused(Vec<UserError>, Arc<ConfigView>),
}

/// Sends a configuration command as the signed-in `actor` and waits until the read model shows
/// it.
pub async fn send(
    ctx: &Context<'_>,
    actor: &Actor,
    command: ConfigurationCommand,
) -> Result<Outcome> {
    let state = ctx.data::<AppState>()?;
    let result = state
        .bus
        .configure(
            command,
            &RequestContext::of(ctx).command_context(&actor.login),
        )
        .await;
    outcome(ctx, actor, result).await
}

/// The configuration after a change `actor` sent (the version after theirs, at least), noted
/// as the one the request saw: its answer names it.
pub async fn changed_configuration(ctx: &Context<'_>, actor: &Actor) -> Result<Arc<ConfigView>> {
    let state = ctx.data::<AppState>()?;
    let view = state
        .config
        .at_least(&state.pool, actor.config.version + 1)
        .await
        .map_err(|e| internal(ctx, e))?;
    RequestContext::of(ctx).saw_configuration(view.version);
    Ok(view)
}

/// What a configuration command came to: the configuration the read model shows afterwards,
/// and the user errors if it was refused.
pub async fn outcome(
    ctx: &Context<'_>,
    actor: &Actor,
    result: std::result::Result<projections::Checkpoint, commands::Failure>,
) -> Result<Outcome> {
    let state = ctx.data::<AppState>()?;
    let user_errors = settle_at(ctx, result, &state.configuration_progress).await?;
    let view = changed_configuration(ctx, actor).await?;
    Ok(if user_errors.is_empty() {
        Outcome::Done(view)
    } else {
        Outcome::Refused(user_errors, view)
    })
}

/// A configuration change, as subscribers hear of it.
#[derive(SimpleObject)]
pub struct ConfigurationChanged {
    /// The configuration version now.
    pub version: i64,
    /// The log position of the latest configuration event.
    pub position: i64,
    /// What changed since the previous announcement (or since the subscription started).
    pub changes: Vec<ConfigurationChange>,
}

pub struct ConfigurationSubscription;

#[Subscription]
impl ConfigurationSubscription {
    /// Announces every configuration change (modules, settings, labels, rights, restores), so a
    /// client reloads its forms instead of showing stale ones. Any signed-in user may listen.
    async fn configuration_changed(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = ConfigurationChanged>> {
        let actor = actor(ctx).await?;
        let state = ctx.data::<AppState>()?.clone();
        let progress = state.configuration_progress.subscribe();
        let start = actor.config.clone();
        Ok(futures::stream::unfold(
            (state, progress, start),
            move |(state, mut progress, mut seen)| {
                let actor = actor.clone();
                async move {
                    loop {
                        // the projection reached a new checkpoint: did the configuration change?
                        progress.changed().await.ok()?;
                        let latest = match state
                            .config
                            .at_least(&state.pool, seen.version + 1)
                            .await
                        {
                            Ok(latest) => latest,
                            Err(error) => {
                                tracing::warn!(%error, "configuration subscription: cannot read the configuration");
                                continue;
                            }
                        };
                        if latest.version > seen.version {
                            let all = changes(
                                seen.configuration.settings(),
                                latest.configuration.settings(),
                            );
                            let visible = changes_seen(&actor, all.iter().cloned());
                            let announcement = ConfigurationChanged {
                                version: latest.version,
                                position: latest.position,
                                changes: visible,
                            };
                            seen = latest;
                            // what only other companies' settings changed is not theirs to hear.
                            if announcement.changes.is_empty() && !all.is_empty() {
                                continue;
                            }
                            return Some((announcement, (state, progress, seen)));
                        }
                    }
                }
            },
        ))
    }
}

/// The configuration changes among `changes` that the actor may read: those of every company
/// and those of the actor's companies.
pub fn changes_seen(
    actor: &Actor,
    changes: impl IntoIterator<Item = domain::configuration::Change>,
) -> Vec<ConfigurationChange> {
    changes
        .into_iter()
        .filter(|change| change.seen_by(&actor.companies))
        .map(Into::into)
        .collect()
}

/// Whether a setting of `company` (`None`: every company's) is one the actor sees.
fn theirs(actor: &Actor, company: Option<&str>) -> bool {
    company.is_none_or(|c| actor.companies.contains(c))
}
