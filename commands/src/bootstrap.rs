//! What a new database starts with: module `base`, the company's currency, a group for everyday
//! users, and the first administrator. All of it as commands, so it is in the log like any
//! later change. And the operator's way back to an administrator ([`reset_admin`]).

use std::collections::BTreeSet;

use domain::configuration::{
    Code, ConfigurationCommand, Currency, CurrencyCode, Model, Rights, ADMIN_GROUP,
};
use domain::user::{Login, PasswordHash, User, UserCommand, UserCompanies, UserName};
use projections::{Checkpoint, Wake};
use sqlx::PgPool;
use thiserror::Error;

use crate::auth::{hash_password, user_id, PasswordError};
use crate::bus::{CommandBus, CommandContext};
use crate::error::Failure;

/// Bump whenever [`initialize`] changes what it writes: test templates are keyed by it.
pub const REVISION: u32 = 1;

/// The login of the first administrator.
pub const ADMIN_LOGIN: &str = "admin";
/// The group every new database has for its everyday users.
pub const USER_GROUP: &str = "user";

#[derive(Debug, Error)]
pub enum BootstrapError {
    #[error("the administrator's password: {0}")]
    Password(#[from] PasswordError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Command(String),
}

/// Whether the database has had no configuration yet.
pub async fn needs_initialization(pool: &PgPool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "select not exists (select 1 from events where aggregate_type = 'Configuration')",
    )
    .fetch_one(pool)
    .await
}

fn code(raw: &str) -> Result<Code, BootstrapError> {
    Code::parse(raw).map_err(|e| BootstrapError::Command(e.to_string()))
}

/// Gives a database with no configuration its first one and its administrator (login
/// [`ADMIN_LOGIN`], group `admin`). Returns false, changing nothing, when the database has a
/// configuration already.
pub async fn initialize(pool: &PgPool, admin_password: &str) -> Result<bool, BootstrapError> {
    if !needs_initialization(pool).await? {
        return Ok(false);
    }
    let password_hash = hash_password(admin_password).await?;
    let bus = CommandBus::new(pool.clone(), Wake::default());
    let context = CommandContext::system("system");
    let eur = CurrencyCode::parse("EUR").map_err(|e| BootstrapError::Command(e.to_string()))?;
    let euro = Currency::new("Euro", "€", 2).map_err(|e| BootstrapError::Command(e.to_string()))?;
    let everyday = Rights {
        create: true,
        read: true,
        write: true,
        delete: false,
    };
    let first = ConfigurationCommand::Batch(vec![
        ConfigurationCommand::InstallModule {
            name: "base".to_owned(),
            force: false,
        },
        ConfigurationCommand::SetCurrency {
            code: eur,
            currency: euro,
        },
        ConfigurationCommand::SetGroup {
            code: code(USER_GROUP)?,
            name: "Users".to_owned(),
        },
        ConfigurationCommand::SetAccess {
            group: code(USER_GROUP)?,
            model: Model::Partner,
            rights: everyday,
        },
    ]);
    match bus.configure(first, &context).await {
        Ok(_) => {}
        // another process initialised the database at the same moment.
        Err(Failure::Conflict) => return Ok(false),
        Err(e) => return Err(BootstrapError::Command(e.to_string())),
    }
    let login = Login::parse(ADMIN_LOGIN).map_err(|e| BootstrapError::Command(e.to_string()))?;
    let admin = UserCommand::CreateUser {
        name: UserName::parse("Administrator")
            .map_err(|e| BootstrapError::Command(e.to_string()))?,
        password_hash,
        groups: BTreeSet::from([code(ADMIN_GROUP)?]),
        companies: UserCompanies::default(),
        login: login.clone(),
    };
    match bus.user(user_id(login.as_str()), admin, &context).await {
        Ok(_) | Err(Failure::Refused { .. }) => Ok(true),
        Err(e) => Err(BootstrapError::Command(e.to_string())),
    }
}

/// The way back when no one can administer the database any more (the operator's, with the
/// master password): user `login` becomes an active administrator with password
/// `password_hash`, created if missing. One operation: all of it is written, or nothing.
pub async fn reset_admin(
    bus: &CommandBus,
    context: &CommandContext,
    login: &Login,
    password_hash: &PasswordHash,
) -> Result<Option<Checkpoint>, Failure> {
    let id = user_id(login.as_str()).to_string();
    let admin = Code::parse(ADMIN_GROUP).map_err(Failure::internal)?;
    let (_, at) = bus
        .run(context, "ResetAdministrator", |work| {
            let (id, login, password_hash, admin) = (
                id.clone(),
                login.clone(),
                password_hash.clone(),
                admin.clone(),
            );
            Box::pin(async move {
                let commands = match work.get::<User>(&id).await?.groups() {
                    None => vec![UserCommand::CreateUser {
                        login,
                        name: UserName::parse("Administrator").map_err(Failure::internal)?,
                        password_hash,
                        groups: BTreeSet::from([admin]),
                        companies: UserCompanies::default(),
                    }],
                    Some(groups) => {
                        let mut groups = groups.clone();
                        groups.insert(admin);
                        vec![
                            UserCommand::ActivateUser,
                            UserCommand::UpdateUser {
                                name: None,
                                groups: Some(groups),
                                companies: None,
                                company: None,
                            },
                            UserCommand::ChangePassword { password_hash },
                        ]
                    }
                };
                for command in commands {
                    work.decide::<User>(&id, command).await?;
                }
                Ok(())
            })
        })
        .await?;
    Ok(at)
}
