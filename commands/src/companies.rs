//! Policy on companies and groups that no single aggregate can decide: a company is removed
//! only when no user works in it and no record belongs to it, a group only when no user is in
//! it (else the user would keep the code, and the rights of any group later made under it).

use domain::configuration::{Code, Settings};
use sqlx::PgConnection;
use store::StoreError;

use crate::error::{ErrorCode, Failure};
use store::streams::AlongWith;

/// The check, run in the append's transaction: declines removing company `code` while a user
/// works in it or a record belongs to it, naming one of them.
pub(crate) fn unused(code: String) -> AlongWith<'static> {
    Box::new(move |conn, _| {
        Box::pin(async move {
            let Some(user) = projections::business::company_used_by(&mut *conn, &code).await?
            else {
                return Ok(());
            };
            let refusal = Failure::refused(
                ErrorCode::InUse,
                format!("company '{code}' is used by {user}; change that first"),
            )
            .at(&["input", "code"]);
            Err(StoreError::Declined(Box::new(refusal)))
        })
    })
}

/// The check, run in the append's transaction: declines removing group `code` while a user is
/// in it, naming one.
pub(crate) fn group_unused(code: String) -> AlongWith<'static> {
    Box::new(move |conn, _| {
        Box::pin(async move {
            let Some(user) = projections::user::member_of(&mut *conn, &code).await? else {
                return Ok(());
            };
            let refusal = Failure::refused(
                ErrorCode::InUse,
                format!("group '{code}' has user '{user}' in it; take them out of it first"),
            )
            .at(&["input", "code"]);
            Err(StoreError::Declined(Box::new(refusal)))
        })
    })
}

/// A company's currency about to change.
#[derive(Debug, Clone)]
pub(crate) struct CurrencyChange {
    pub company: String,
    pub from: String,
    pub to: String,
}

/// What a configuration change alters that business records hold to: the companies whose
/// currency it changes, and the accounts it makes receivable or payable, or no longer so (what
/// the aged balances sum).
#[derive(Debug, Clone, Default)]
pub(crate) struct HeldChanges {
    pub currencies: Vec<CurrencyChange>,
    pub kinds: Vec<String>,
}

impl HeldChanges {
    /// What differs from `before` to `after`.
    pub(crate) fn between(before: &Settings, after: &Settings) -> Self {
        use domain::configuration::AccountKind::{Payable, Receivable};
        let mut companies: Vec<Code> = before.all_companies().into_keys().collect();
        companies.extend(after.all_companies().into_keys());
        companies.sort();
        companies.dedup();
        let currencies = companies
            .iter()
            .filter_map(|code| {
                let (from, to) = (before.currency_of(code)?, after.currency_of(code)?);
                (from != to).then(|| CurrencyChange {
                    company: code.to_string(),
                    from: from.to_string(),
                    to: to.to_string(),
                })
            })
            .collect();
        let aged = |kind: &domain::configuration::AccountKind| matches!(kind, Receivable | Payable);
        let kinds = before
            .accounts
            .iter()
            .filter_map(|(code, account)| {
                let now = after.accounts.get(code)?;
                (now.kind != account.kind && (aged(&now.kind) || aged(&account.kind)))
                    .then(|| code.to_string())
            })
            .collect();
        Self { currencies, kinds }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.currencies.is_empty() && self.kinds.is_empty()
    }

    /// The refusal, if business records hold to what changes: a company's currency once it has
    /// books (their amounts would be relabelled, not converted), an account's kind once it has
    /// items (the aged balance would no longer be the account's).
    pub(crate) async fn held(
        &self,
        conn: &mut PgConnection,
    ) -> Result<Option<Failure>, sqlx::Error> {
        for CurrencyChange { company, from, to } in &self.currencies {
            if let Some(record) =
                projections::business::company_books_record(&mut *conn, company).await?
            {
                return Ok(Some(
                    Failure::refused(
                        ErrorCode::InUse,
                        format!(
                            "company '{company}' keeps its books in {from} ({record}, ...): its \
                             amounts would read as {to} without being converted, so its currency \
                             stays"
                        ),
                    )
                    .at(&["input", "currency"]),
                ));
            }
        }
        for account in &self.kinds {
            if projections::journal::account_has_items(&mut *conn, account).await? {
                return Ok(Some(
                    Failure::refused(
                        ErrorCode::InUse,
                        format!(
                            "account '{account}' has entries: it becomes receivable or payable, \
                             or stops being so, only while it has none (the aged balances are \
                             the receivable and payable accounts')"
                        ),
                    )
                    .at(&["input", "kind"]),
                ));
            }
        }
        Ok(None)
    }

    /// [`Self::held`] as a check run in the append's transaction.
    pub(crate) fn guard(&self) -> AlongWith<'static> {
        let changes = self.clone();
        Box::new(move |conn, _| {
            Box::pin(async move {
                match changes.held(conn).await? {
                    Some(refusal) => Err(StoreError::Declined(Box::new(refusal))),
                    None => Ok(()),
                }
            })
        })
    }
}
