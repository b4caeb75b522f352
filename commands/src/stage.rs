//! Stages: naming the current point of the log with the configuration there, comparing two
//! stages, and bringing the configuration back to a stage's in place (what business records use
//! stays), and writing the changes between two stages as a data module that promotes them
//! into another database. GraphQL and the command line both come here.

use domain::configuration::{
    changes, note, promotions, restoration, stage_name, Change, Code, ConfigurationCommand,
    ModuleVersion, Settings,
};
use projections::configuration::StageRow;
use projections::Checkpoint;
use serde_json::{json, Value};

use crate::app::AppState;
use crate::bus::CommandContext;
use crate::error::{ErrorCode, Failure};

/// Creates stage `name` at the current point of the log.
pub async fn create(
    state: &AppState,
    context: &CommandContext,
    name: &str,
    note_text: &str,
) -> Result<Checkpoint, Failure> {
    let name = stage_name(name).map_err(|e| text_refusal(e, "name"))?;
    let note = note(note_text).map_err(|e| text_refusal(e, "note"))?;
    state
        .bus
        .configure(ConfigurationCommand::CreateStage { name, note }, context)
        .await
}

fn text_refusal(error: domain::text::TextError, field: &str) -> Failure {
    let code = match error {
        domain::text::TextError::Empty => ErrorCode::Required,
        domain::text::TextError::TooLong { .. } => ErrorCode::TooLong,
        _ => ErrorCode::Invalid,
    };
    Failure::refused(code, error.to_string()).at(&["input", field])
}

/// Stage `name` (trimmed), or the refusal that names it.
pub async fn named(state: &AppState, name: &str) -> Result<StageRow, Failure> {
    projections::configuration::stage(&state.pool, name.trim())
        .await?
        .ok_or_else(|| unknown(name))
}

fn unknown(name: &str) -> Failure {
    Failure::refused(
        ErrorCode::NotFound,
        format!("there is no stage named '{}'", name.trim()),
    )
    .at(&["input", "name"])
}

/// What changed in configuration from stage `from` to stage `to` (to `current` when `to` is
/// none).
pub async fn diff(
    state: &AppState,
    from: &str,
    to: Option<&str>,
    current: &Settings,
) -> Result<Vec<Change>, Failure> {
    let before = named(state, from).await?;
    let after = match to {
        Some(to) => named(state, to).await?.configuration.settings().clone(),
        None => current.clone(),
    };
    Ok(changes(before.configuration.settings(), &after))
}

/// What restoring a stage did.
#[derive(Debug, Clone, PartialEq)]
pub struct Restored {
    /// Whether the configuration changed (false: it already was the stage's).
    pub restored: bool,
    /// What stays although the stage lacks it or has it otherwise, because business records
    /// use it.
    pub kept: Vec<Change>,
    /// Where the restoration's events landed.
    pub at: Checkpoint,
}

/// Brings the configuration back to stage `name`'s, in place: the changes are appended to the
/// log (and show in history); business records stay, and so does what they use.
pub async fn restore(
    state: &AppState,
    context: &CommandContext,
    name: &str,
    current: &Settings,
) -> Result<Restored, Failure> {
    let stage = named(state, name).await?;
    let target = stage.configuration.settings().clone();
    // what products, orders, invoices and entries use stays, whatever the stage says: the
    // business read models must show the whole log to tell.
    if let Some(at) = projections::log::latest(&state.pool).await? {
        if !state
            .business_progress
            .wait_for(at, state.read_your_writes_timeout)
            .await
        {
            return Err(Failure::refused(
                ErrorCode::Conflict,
                "the business read models are behind the log; try again in a moment",
            ));
        }
    }
    let in_use = projections::business::in_use(&state.pool).await?;
    let plan = restoration(current, &target, &in_use);
    let command = ConfigurationCommand::RestoreStage {
        name: stage.name,
        target: Box::new(target),
        in_use,
    };
    // a refusal is of the stage as a whole: it names no input field (a company's currency in
    // use is `input.currency` of setCompany, not of this).
    let at = state
        .bus
        .configure(command, context)
        .await
        .map_err(|f| f.at(&[]))?;
    Ok(Restored {
        restored: !plan.events.is_empty(),
        kept: plan.kept,
        at,
    })
}

/// A promotion written out: the text of a data module.
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    /// JSON Lines: the header, then one `promote` record per configured thing.
    pub content: String,
    /// How many things it promotes.
    pub promotions: usize,
}

/// The configuration changes from stage `from` to stage `to` written as data module `module`
/// `version`, in the order that applies them (modules, companies, sequences, taxes,
/// currencies and their rates, labels, groups and rights, accounts, journals, business
/// settings, record rules), with this database, the stages and their log positions recorded.
pub async fn export(
    state: &AppState,
    from: &str,
    to: &str,
    module: &str,
    version: &str,
) -> Result<Export, Failure> {
    let name = Code::parse(module).map_err(|e| {
        Failure::refused(ErrorCode::Invalid, format!("module: {e}")).at(&["module"])
    })?;
    let version: ModuleVersion = version
        .parse()
        .map_err(|e: String| Failure::refused(ErrorCode::Invalid, e).at(&["version"]))?;
    let (first, second) = (
        named(state, from).await.map_err(|e| e.at(&["from"]))?,
        named(state, to).await.map_err(|e| e.at(&["to"]))?,
    );
    let database = projections::configuration::database_name(&state.pool).await?;
    let stage = |row: &StageRow| {
        json!({
            "stage": row.name,
            "position": row.position,
            "configuration_version": row.version,
        })
    };
    let source = json!({
        "database": database,
        "from": stage(&first),
        "to": stage(&second),
        "exported_at": chrono::Utc::now().to_rfc3339(),
    });
    let promoted = promotions(
        first.configuration.settings(),
        second.configuration.settings(),
    );
    // written by hand so that the header and each record read in their fields' order.
    let mut content = format!(
        "{{\"data_module\":{},\"version\":{},\"source\":{source}}}\n",
        Value::from(name.to_string()),
        Value::from(version.to_string())
    );
    for promotion in &promoted {
        content.push_str(&format!(
            "{{\"promote\":{},\"key\":{}",
            Value::from(promotion.area.name()),
            Value::from(promotion.key.as_str())
        ));
        for (side, item) in [("was", &promotion.was), ("to", &promotion.to)] {
            if let Some(item) = item {
                let value = item.to_json().map_err(Failure::internal)?;
                content.push_str(&format!(",\"{side}\":{value}"));
            }
        }
        content.push_str("}\n");
    }
    Ok(Export {
        content,
        promotions: promoted.len(),
    })
}
