//! What the command line does with stages, as the administrator: the same commands and checks a
//! client's request goes through (`commands::stage`), printed for a person.

use commands::bootstrap::ADMIN_LOGIN;
use commands::stage;
use commands::{Backend, CommandContext, Failure};
use domain::configuration::Change;

use crate::config::StageCommand;

/// Runs a `stage` subcommand (all but `restore --into`, which copies the log) on `backend`'s
/// database.
pub async fn stage(backend: &Backend, command: StageCommand) -> anyhow::Result<()> {
    let state = &backend.state;
    let mut context = CommandContext::system(ADMIN_LOGIN);
    context.client = Some(concat!("erp-cli/", env!("CARGO_PKG_VERSION")).to_owned());
    let current = projections::configuration::current(&state.pool)
        .await?
        .map(|row| row.configuration)
        .unwrap_or_default();
    let settings = current.settings();
    match command {
        StageCommand::Create { name, note } => {
            let at = stage::create(state, &context, &name, &note)
                .await
                .map_err(refused)?;
            println!(
                "Stage {} created at log position {}.",
                name.trim(),
                at.position
            );
        }
        StageCommand::List => {
            let stages = projections::configuration::stages(&state.pool).await?;
            if stages.is_empty() {
                println!("No stages yet.");
            }
            for stage in stages {
                println!(
                    "{}  position {}  {} by {}",
                    stage.name,
                    stage.position,
                    stage.created_at.to_rfc3339(),
                    stage.created_by
                );
                if !stage.note.is_empty() {
                    println!("    {}", stage.note);
                }
                print_changes(&stage.changes);
            }
        }
        StageCommand::Diff { from, to } => {
            let changes = stage::diff(state, &from, to.as_deref(), settings)
                .await
                .map_err(refused)?;
            print_changes(&changes);
        }
        StageCommand::Export {
            from,
            to,
            module,
            version,
            file,
        } => {
            let export = stage::export(state, &from, &to, &module, &version)
                .await
                .map_err(refused)?;
            if file.as_os_str() == "-" {
                print!("{}", export.content);
            } else {
                write_new(&file, &export.content)?;
                let settings = if export.promotions == 1 {
                    "setting"
                } else {
                    "settings"
                };
                println!(
                    "{} {settings} promoted from stage {from} to stage {to} written to {}.",
                    export.promotions,
                    file.display()
                );
            }
        }
        StageCommand::Restore { name, .. } => {
            let done = stage::restore(state, &context, &name, settings)
                .await
                .map_err(refused)?;
            let timeout = state.read_your_writes_timeout;
            state
                .configuration_progress
                .wait_for(done.at, timeout)
                .await;
            if done.restored {
                let version = projections::configuration::current(&state.pool)
                    .await?
                    .map_or(0, |row| row.version);
                println!(
                    "Configuration restored to stage {name} (configuration version {version})."
                );
            } else {
                println!("The configuration is already that of stage {name}: nothing to do.");
            }
            if !done.kept.is_empty() {
                println!("Kept because business records use them:");
                print_changes(&done.kept);
            }
        }
    }
    Ok(())
}

/// Writes `content` to `file`, which must not exist yet (an earlier export stays as it was).
fn write_new(file: &std::path::Path, content: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(file)
        .map_err(|e| {
            anyhow::anyhow!(
                "{}: {e}; nothing was written (an export never replaces a file: name another)",
                file.display()
            )
        })?;
    out.write_all(content.as_bytes())
        .and_then(|()| out.sync_all())
        .map_err(|e| {
            // no half-written module is left to load.
            let _ = std::fs::remove_file(file);
            anyhow::anyhow!("{}: {e} (nothing was written)", file.display())
        })
}

fn refused(failure: Failure) -> anyhow::Error {
    match failure {
        Failure::Internal(error) => anyhow::anyhow!(error),
        Failure::Refused { message, field, .. } => match field.last() {
            Some(field) if field != "input" => anyhow::anyhow!("refused: {field}: {message}"),
            _ => anyhow::anyhow!("refused: {message}"),
        },
        other => anyhow::anyhow!("refused: {other}"),
    }
}

fn print_changes(changes: &[Change]) {
    if changes.is_empty() {
        println!("    (no configuration changes)");
    }
    for change in changes {
        let what = match (change.before.as_deref(), change.after.as_deref()) {
            (None, Some(after)) => format!("added: {after}"),
            (Some(before), None) => format!("removed: {before}"),
            (Some(before), Some(after)) => format!("{before} -> {after}"),
            (None, None) => String::new(),
        };
        println!("    {} {}: {what}", change.area.name(), change.key);
    }
}
