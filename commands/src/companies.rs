//! Policy on companies and groups that no single aggregate can decide: a company is removed
//! only when no user works in it and no record belongs to it, a group only when no user is in
//! it (else the user would keep the code, and the rights of any group later made under it).

use domain::configuration::{Code, Settings};
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

/// The companies whose currency differs from `before` to `after`.
pub(crate) fn currency_changes(before: &Settings, after: &Settings) -> Vec<CurrencyChange> {
    let mut companies: Vec<Code> = before.all_companies().into_keys().collect();
    companies.extend(after.all_companies().into_keys());
    companies.sort();
    companies.dedup();
    companies
        .iter()
        .filter_map(|code| {
            let (from, to) = (before.currency_of(code)?, after.currency_of(code)?);
            (from != to).then(|| CurrencyChange {
                company: code.to_string(),
                from: from.to_string(),
                to: to.to_string(),
            })
        })
        .collect()
}

/// The check, run in the append's transaction: declines changing a company's currency once it
/// has business records (their amounts are in the old one, and would be relabelled, not
/// converted), naming one.
pub(crate) fn no_books_in(changes: Vec<CurrencyChange>) -> AlongWith<'static> {
    Box::new(move |conn, _| {
        Box::pin(async move {
            for CurrencyChange { company, from, to } in changes {
                let record =
                    projections::business::company_books_record(&mut *conn, &company).await?;
                let Some(record) = record else {
                    continue;
                };
                let refusal = Failure::refused(
                    ErrorCode::InUse,
                    format!(
                        "company '{company}' keeps its books in {from} ({record}, ...): its \
                         amounts would read as {to} without being converted, so its currency \
                         stays"
                    ),
                )
                .at(&["input", "currency"]);
                return Err(StoreError::Declined(Box::new(refusal)));
            }
            Ok(())
        })
    })
}
