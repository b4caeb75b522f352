//! Policy on companies that no single aggregate can decide: a company is removed only when no
//! user works in it and no record belongs to it.

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
