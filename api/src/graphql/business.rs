//! What the business parts of the schema share: running an operation for the signed-in user and
//! answering with user errors; parsing lines; amounts to the company currency's decimals.

use async_graphql::{Context, InputObject, Result, ID};
use chrono::NaiveDate;
use domain::configuration::{Code, Conversion, Model, Right, Settings};
use futures::future::BoxFuture;
use rust_decimal::Decimal;
use std::sync::Arc;
use uuid::Uuid;

use super::auth::{actor, coded, require, require_module};
use super::error::{settle, Problems, UserError, UserErrorCode};
use super::input::parse_id;
use super::request::RequestContext;
use commands::business::LineInput;
use commands::policy::{Actor, ConfigView};
use commands::AppState;
use commands::CommandContext;
use commands::Failure;
use commands::Work;
use projections::page::Companies;

/// Who is acting, with what configuration, on which state.
pub struct Acting {
    pub actor: Actor,
    pub context: CommandContext,
    pub config: Arc<ConfigView>,
}

impl Acting {
    pub fn settings(&self) -> &Settings {
        self.config.configuration.settings()
    }

    /// The company the request works in: what it creates belongs to it.
    pub fn company(&self) -> Result<Code> {
        Code::parse(&self.actor.company).map_err(|e| e.to_string().into())
    }
}

/// The companies whose records the signed-in user may see, and the record rules that restrict
/// them.
pub async fn seen_companies(ctx: &Context<'_>) -> Result<Companies> {
    let actor = actor(ctx).await?;
    let rules = actor.record_rules();
    let every = actor
        .config
        .configuration
        .settings()
        .all_companies()
        .keys()
        .all(|code| actor.companies.contains(code.as_str()));
    Ok(Companies::of(actor.companies)
        .every(every)
        .ruled(&actor.login, rules))
}

/// Whom a mutation's answer shows a record to: what was refused (an id sent to a create that
/// another company's record, or one the rules hide, has) only as the reader may see it; what
/// went through to its author in their companies, even where the change put it out of their
/// rules' sight (an order they cancelled under a rule that hides cancelled ones).
pub async fn answered_by(ctx: &Context<'_>, user_errors: &[UserError]) -> Result<Companies> {
    if user_errors.is_empty() {
        let actor = actor(ctx).await?;
        return Ok(Companies::of(actor.companies));
    }
    seen_companies(ctx).await
}

/// Which company a report is of: one of the user's, alone or with the companies under it.
#[derive(InputObject, Clone)]
pub struct CompanyScope {
    pub code: String,
    /// With the companies that consolidate into it (those of them the user works in).
    #[graphql(default)]
    pub consolidated: bool,
}

/// The companies a report covers: without `scope`, every company of the user's; with it, that
/// company (one of theirs), and with `consolidated` the companies under it that are theirs too.
/// The record rules apply either way.
pub async fn report_companies(ctx: &Context<'_>, scope: Option<CompanyScope>) -> Result<Companies> {
    let Some(scope) = scope else {
        return seen_companies(ctx).await;
    };
    let actor = actor(ctx).await?;
    let code = Code::parse(&scope.code).map_err(|e| format!("company: {e}"))?;
    if !actor.companies.contains(code.as_str()) {
        return Err(coded(
            format!("you work in no company '{code}'"),
            "FORBIDDEN",
        ));
    }
    let settings = actor.config.configuration.settings();
    let covered: Vec<String> = if scope.consolidated {
        settings
            .company_and_children(&code)
            .into_iter()
            .map(|c| c.to_string())
            .filter(|c| actor.companies.contains(c))
            .collect()
    } else {
        vec![code.to_string()]
    };
    let rules = actor.record_rules();
    Ok(Companies::of(covered).ruled(&actor.login, rules))
}

/// A report's companies ([`report_companies`]) and how their amounts become amounts of one
/// currency: that of the company asked for (without one, of the company the request works
/// in), at the rates in force on `day`. A rate missing is refused, naming the currency.
pub async fn report_money(
    ctx: &Context<'_>,
    scope: Option<CompanyScope>,
    day: NaiveDate,
) -> Result<(Companies, Conversion)> {
    let actor = actor(ctx).await?;
    let into = match &scope {
        Some(scope) => Code::parse(&scope.code).map_err(|e| format!("company: {e}"))?,
        None => Code::parse(&actor.company).map_err(|e| e.to_string())?,
    };
    let companies = report_companies(ctx, scope).await?;
    let conversion = actor
        .config
        .configuration
        .settings()
        .conversion(companies.codes(), &into, day)
        .map_err(|e| coded(e.to_string(), "INVALID"))?;
    Ok((companies, conversion))
}

/// A report that sums figures as they are: refused over companies that keep their books in
/// different currencies (those that convert are the trial balance, the ledgers and the aged
/// balances).
pub fn one_currency(conversion: &Conversion, report: &str) -> Result<()> {
    if conversion.converts() {
        return Err(coded(
            format!(
                "{report} does not convert currencies, and the companies it would cover keep \
                 their books in more than one: ask for one company (company: {{ code }})"
            ),
            "INVALID",
        ));
    }
    Ok(())
}

/// What a mutation runs: a step of `commands::business` given the work, the settings and the
/// parsed input. A plain `fn`, so that every attempt of the bus can run it again.
pub type Operation<A, T> =
    for<'w> fn(&'w mut Work, &'w Settings, A) -> BoxFuture<'w, Result<T, Failure>>;

impl Acting {
    /// Runs `operation` on `input` as `command`, with the settings, and waits until the
    /// business read models show it: its output, or the user errors (nothing written).
    pub async fn run<A, T>(
        &self,
        ctx: &Context<'_>,
        command: &str,
        input: A,
        operation: Operation<A, T>,
    ) -> Result<(Option<T>, Vec<UserError>)>
    where
        A: Clone + Send + 'static,
        T: Send + 'static,
    {
        let state = ctx.data::<AppState>()?;
        let result = state
            .bus
            .run(&self.context, command, |work| {
                let (config, input) = (self.config.clone(), input.clone());
                Box::pin(
                    async move { operation(work, config.configuration.settings(), input).await },
                )
            })
            .await;
        settled(ctx, result).await
    }
}

/// The signed-in user, if they have `right` on `model` and `module` is installed.
pub async fn acting(ctx: &Context<'_>, model: Model, right: Right, module: &str) -> Result<Acting> {
    let actor = require(ctx, model, right).await?;
    require_module(&actor, module)?;
    let request = ctx
        .data_opt::<RequestContext>()
        .cloned()
        .unwrap_or_else(RequestContext::anonymous);
    Ok(Acting {
        context: request.command_context(&actor.login),
        config: actor.config.clone(),
        actor,
    })
}

/// The signed-in user may read `model` of `module`.
pub async fn reading(ctx: &Context<'_>, model: Model, module: &str) -> Result<Actor> {
    let actor = require(ctx, model, Right::Read).await?;
    require_module(&actor, module)?;
    Ok(actor)
}

/// What an operation comes to for the client: its output once the business read models show
/// it, or the user errors (nothing written).
pub async fn settled<T>(
    ctx: &Context<'_>,
    result: Result<(T, Option<projections::Checkpoint>), Failure>,
) -> Result<(Option<T>, Vec<UserError>)> {
    let state = ctx.data::<AppState>()?;
    settle(ctx, result, &state.business_progress).await
}

impl Problems {
    /// A record id given in `field`, or a problem noted.
    pub fn uuid(&mut self, field: &[&str], raw: &ID, what: &str) -> Option<Uuid> {
        let id = parse_id(raw);
        if id.is_none() {
            self.add(
                field,
                format!("'{}' is not a {what} id (a UUID)", raw.as_str()),
                UserErrorCode::Invalid,
            );
        }
        id
    }

    /// The id a client chose for a new record, or a new one.
    pub fn new_id(&mut self, raw: &Option<ID>, what: &str) -> Option<Uuid> {
        match raw {
            Some(raw) => self.uuid(&["input", "id"], raw, what),
            None => Some(Uuid::now_v7()),
        }
    }

    /// A version a client sends back, if it is one.
    pub fn expected(&mut self, raw: Option<i64>) -> Option<Option<u64>> {
        match raw {
            None => Some(None),
            Some(v) => match u64::try_from(v) {
                Ok(v) => Some(Some(v)),
                Err(_) => {
                    self.add(
                        &["input", "expectedVersion"],
                        "a version is never negative",
                        UserErrorCode::Invalid,
                    );
                    None
                }
            },
        }
    }

    pub fn code_at(&mut self, field: &[&str], raw: &str) -> Option<Code> {
        self.text(field, Code::parse(raw))
    }

    /// Which company a partner or product given `company` and `shared` belongs to: `Some(None)`
    /// shared by every company, `Some(Some(c))` company `c`, one the actor works in (by
    /// default, with neither given: `default`); `None` (a problem noted) if it cannot be.
    pub fn owner(
        &mut self,
        actor: &Actor,
        company: Option<&str>,
        shared: bool,
        default: Option<&str>,
    ) -> Option<Option<Code>> {
        let field = ["input", "company"];
        match (company, shared) {
            (Some(_), true) => {
                self.add(
                    &field,
                    "give a company or shared: true, not both",
                    UserErrorCode::Invalid,
                );
                None
            }
            (None, true) => Some(None),
            (Some(raw), false) => self.works_in(actor, &field, raw).map(Some),
            (None, false) => match default {
                Some(raw) => self.works_in(actor, &field, raw).map(Some),
                None => Some(None),
            },
        }
    }

    /// Company `raw`, if the actor works in it.
    fn works_in(&mut self, actor: &Actor, field: &[&str], raw: &str) -> Option<Code> {
        let code = self.code_at(field, raw)?;
        if !actor.companies.contains(code.as_str()) {
            self.add(
                field,
                format!("you work in no company '{code}'"),
                UserErrorCode::NotFound,
            );
            return None;
        }
        Some(code)
    }
}

/// An order or invoice line.
#[derive(InputObject, Clone)]
pub struct LineInputObject {
    /// The product; its name, price and taxes fill what the line leaves out.
    pub product: Option<ID>,
    /// Defaults to the product's name.
    pub description: Option<String>,
    pub quantity: Decimal,
    /// Defaults to the product's sale price (sales) or cost (purchases).
    pub unit_price: Option<Decimal>,
    /// Percent off, 0 to 100.
    #[graphql(default)]
    pub discount: Decimal,
    /// Tax codes; defaults to the product's taxes. `[]`: no tax.
    pub taxes: Option<Vec<String>>,
}

/// Lines from their inputs, every problem noted.
pub fn lines(problems: &mut Problems, inputs: &[LineInputObject]) -> Vec<LineInput> {
    let mut lines = Vec::with_capacity(inputs.len());
    for (n, input) in inputs.iter().enumerate() {
        let n = n.to_string();
        let product = match &input.product {
            Some(raw) => problems.uuid(&["input", "lines", &n, "product"], raw, "product"),
            None => None,
        };
        let taxes = input.taxes.as_ref().map(|codes| {
            codes
                .iter()
                .filter_map(|c| problems.code_at(&["input", "lines", &n, "taxes"], c))
                .collect()
        });
        lines.push(LineInput {
            product,
            description: input.description.clone(),
            quantity: input.quantity,
            unit_price: input.unit_price,
            discount: input.discount,
            taxes,
        });
    }
    lines
}

/// A date a client gives, or today (UTC).
pub fn date_or_today(date: Option<NaiveDate>) -> NaiveDate {
    date.unwrap_or_else(|| chrono::Utc::now().date_naive())
}

/// The decimals of the currency company `company` (as read models keep it) keeps its books in.
async fn decimals_in(ctx: &Context<'_>, company: &str) -> u32 {
    match ctx.data::<AppState>() {
        Ok(state) => commands::business::decimals_of_code(
            state.config.cached().await.configuration.settings(),
            company,
        ),
        Err(_) => 2,
    }
}

/// `amount` of company `company`, as given, with at least its currency's decimals (`121.00`,
/// not `121`; `365` in yen), and never rounded: an entry may hold finer amounts than the
/// currency shows.
pub async fn padded(ctx: &Context<'_>, company: &str, amount: Decimal) -> Decimal {
    let decimals = decimals_in(ctx, company).await;
    let mut padded = amount;
    if padded.scale() < decimals {
        padded.rescale(decimals);
    }
    padded
}

/// `amount` of company `company`, to its currency's decimals: `0.00`, not `0` (PostgreSQL keeps
/// the scale of amounts, except of a zero).
pub async fn cents(ctx: &Context<'_>, company: &str, amount: Decimal) -> Decimal {
    let decimals = decimals_in(ctx, company).await;
    domain::money::round(amount, decimals)
}
