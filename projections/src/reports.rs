//! What the reports share: the business dates they cover and the point of the log they stand at.
//! The reports themselves live with the read models they read (the trial balance and ledgers in
//! [`crate::journal`], aged balances in [`crate::invoice`], analyses in [`crate::order`], stock
//! levels in [`crate::stock`]).
//!
//! Every report takes an optional [`AsOf`]: the facts it sums (journal items, matches, moves,
//! confirmations, costs) carry the log position and time they were recorded at, so a report
//! as of a point of the log counts only what had been recorded by then. Dates (`from`, `to`,
//! the aging date) are business dates, a separate thing: an auditor can ask for October's
//! trial balance as it stood on 5 November, before the late invoices were posted.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;
use sqlx::{Postgres, QueryBuilder};

use crate::log::AsOf;
use crate::page::push_some;

/// The binds an `asOf` filter takes: a position or a time, the other null.
pub(crate) fn split(as_of: Option<AsOf>) -> (Option<i64>, Option<DateTime<Utc>>) {
    match as_of {
        Some(AsOf::Position(p)) => (Some(p), None),
        Some(AsOf::Time(t)) => (None, Some(t)),
        None => (None, None),
    }
}

/// Binding what reports filter by, each as the two parameters its SQL numbers in a row.
pub(crate) trait ReportBinds: Sized {
    /// Binds `dates`: the first day, then the last (null where open).
    fn bind_dates(self, dates: Dates) -> Self;

    /// Binds `as_of`: a position (`::bigint`), then a time (`::timestamptz`); the one it is not,
    /// or both without it, null.
    fn bind_as_of(self, as_of: Option<AsOf>) -> Self;
}

impl<O> ReportBinds for QueryAs<'_, Postgres, O, PgArguments> {
    fn bind_dates(self, dates: Dates) -> Self {
        self.bind(dates.from).bind(dates.to)
    }

    fn bind_as_of(self, as_of: Option<AsOf>) -> Self {
        let (position, time) = split(as_of);
        self.bind(position).bind(time)
    }
}

/// Business dates a report covers; either end open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dates {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Dates {
    /// Adds the conditions that keep `column` (a date) within the dates to a list's query.
    pub(crate) fn push(&self, sql: &mut QueryBuilder<'_, Postgres>, column: &str) {
        push_some(sql, &format!("{column} >="), self.from);
        push_some(sql, &format!("{column} <="), self.to);
    }
}

/// The sums kept per day (`{kept}_day`) and per month (`{kept}_month`, a month by its first
/// day) that make up the days before `before` (an SQL date; every day when it is null), of the
/// rows `filter` (an SQL condition over both tables' columns) keeps: the whole months before
/// `before`'s month and the days of that month before it. An SQL derived table of `columns`.
/// So a balance costs the months of history and at most a month of days, not every day.
pub(crate) fn kept_sums_before(kept: &str, columns: &str, filter: &str, before: &str) -> String {
    format!(
        "(select {columns} from {kept}_month
           where ({before} is null or month < date_trunc('month', {before})::date) and {filter}
          union all
          select {columns} from {kept}_day
           where day >= date_trunc('month', {before})::date and day < {before} and {filter})"
    )
}
