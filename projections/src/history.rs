//! The history of one record: its events, oldest first. Read from the log itself, which is
//! complete and written in the same transaction as the change.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder};

use crate::log::{AsOf, StoredEvent, EVENT_COLUMNS};
use crate::page::{push_some, Companies, Count};
use crate::reports::ReportBinds;

/// Which events make one record's history: every event of its streams, and single events of
/// other streams named by their positions (a payment's entry, posted in its period's stream).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    /// (aggregate type, aggregate id) of each stream.
    pub streams: Vec<(String, String)>,
    pub positions: Vec<i64>,
}

impl Subject {
    /// The events of one stream.
    pub fn stream(aggregate_type: &str, id: impl ToString) -> Self {
        Self {
            streams: vec![(aggregate_type.to_owned(), id.to_string())],
            positions: Vec::new(),
        }
    }

    /// Binds the subject as `$1` (types), `$2` (ids) and `$3` (positions) of [`Subject::EVENTS`].
    fn bind<'q, O>(
        &self,
        query: sqlx::query::QueryAs<'q, Postgres, O, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::QueryAs<'q, Postgres, O, sqlx::postgres::PgArguments> {
        let (types, ids): (Vec<String>, Vec<String>) = self.streams.iter().cloned().unzip();
        query.bind(types).bind(ids).bind(self.positions.clone())
    }

    /// The subject's events (`events where …`), to filter further (`and …`) with `$4` and on.
    const EVENTS: &str = "events where position in (
                            select e.position from events e
                              join unnest($1::text[], $2::text[]) s(t, i)
                                on e.aggregate_type = s.t and e.aggregate_id = s.i
                            union select unnest($3::bigint[]))";
}

/// Up to `limit` events of `subject` after position `after`, and at or before `until` if given,
/// oldest first.
pub async fn events_of(
    pool: &PgPool,
    subject: &Subject,
    after: i64,
    until: Option<AsOf>,
    limit: i64,
) -> Result<Vec<StoredEvent>, sqlx::Error> {
    let sql = format!(
        "select {EVENT_COLUMNS} from {}
            and position > $4
            and ($5::bigint is null or position <= $5)
            and ($6::timestamptz is null or recorded_at <= $6)
          order by position
          limit $7",
        Subject::EVENTS
    );
    subject
        .bind(sqlx::query_as(&sql))
        .bind(after)
        .bind_as_of(until)
        .bind(limit)
        .fetch_all(pool)
        .await
}

/// How many events `subject` has, at or before `until` if given.
pub async fn count_of(
    pool: &PgPool,
    subject: &Subject,
    until: Option<AsOf>,
) -> Result<i64, sqlx::Error> {
    let sql = format!(
        "select count(*) from {}
            and ($4::bigint is null or position <= $4)
            and ($5::timestamptz is null or recorded_at <= $5)",
        Subject::EVENTS
    );
    let (count,): (i64,) = subject
        .bind(sqlx::query_as(&sql))
        .bind_as_of(until)
        .fetch_one(pool)
        .await?;
    Ok(count)
}

/// The events of one stream recorded by `as_of`, oldest first: what a read model applies to
/// show the record as it stood then.
pub(crate) async fn stream_as_of(
    pool: &PgPool,
    aggregate_type: &str,
    aggregate_id: &str,
    as_of: AsOf,
) -> Result<Vec<StoredEvent>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {EVENT_COLUMNS} from events
          where aggregate_type = $1 and aggregate_id = $2
            and ($3::bigint is null or position <= $3)
            and ($4::timestamptz is null or recorded_at <= $4)
          order by sequence"
    ))
    .bind(aggregate_type)
    .bind(aggregate_id)
    .bind_as_of(Some(as_of))
    .fetch_all(pool)
    .await
}

/// Which events of the log an auditor asks for; every field given must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogFilter {
    pub aggregate_type: Option<String>,
    pub aggregate_id: Option<String>,
    pub event_type: Option<String>,
    /// The acting user's login.
    pub user: Option<String>,
    pub correlation_id: Option<String>,
    /// Recorded at or after.
    pub from: Option<DateTime<Utc>>,
    /// Recorded before.
    pub to: Option<DateTime<Utc>>,
}

/// The company an event is about, for the events of records that belong to one (null for the
/// rest, which every company shares): an order's, a document's, a posted entry's, a stock
/// move's, a partner's or product's of one company.
const EVENT_COMPANY: &str = "case aggregate_type
      when 'Order' then coalesce((select o.company from business_order o
                                   where o.id = aggregate_id::uuid), 'main')
      when 'Invoice' then coalesce((select d.company from invoice d
                                     where d.id = aggregate_id::uuid), 'main')
      when 'Period' then case when event_type = 'EntryPosted'
                              then coalesce(payload->'EntryPosted'->'entry'->>'company', 'main')
                              else coalesce(nullif(split_part(aggregate_id, '@', 2), ''), 'main')
                         end
      when 'Stock' then coalesce(payload->'StockMoved'->>'company', 'main')
      -- a partner's or a product's events go with the company it belongs to now (none: shared)
      when 'Partner' then (select p.company from partner p where p.id = aggregate_id::uuid)
      when 'Product' then (select p.company from product p where p.id = aggregate_id::uuid)
    end";

fn push_filter(query: &mut QueryBuilder<'_, Postgres>, companies: &Companies, filter: &LogFilter) {
    query.push(" where true");
    // the events of another company's records are not shown, nor counted.
    query
        .push(format!(" and coalesce(({EVENT_COMPANY}) = any("))
        .push_bind(companies.codes().to_vec())
        .push("), true)");
    // nor those of orders, documents and partners the record rules hide.
    for (kind, table, rules) in [
        ("Order", "business_order", companies.order_rules("r.")),
        ("Invoice", "invoice", companies.invoice_rules("r.")),
        ("Partner", "partner", companies.partner_rules("r.")),
    ] {
        if !rules.is_empty() {
            query.push(format!(
                " and (aggregate_type <> '{kind}' or exists (select 1 from {table} r
                                                          where r.id = aggregate_id::uuid {rules}))"
            ));
        }
    }
    // what belongs to no one company's records: the claims of keys (a product's reference) and
    // the numbers taken (which tell another company's document numbers), and the configuration
    // (read per company through the stages and `configurationChanged`); users who share no
    // company with the reader.
    if !companies.see_everything() {
        query
            .push(
                " and aggregate_type not in ('UniqueKey', 'Numbering', 'Configuration')
                  and (aggregate_type <> 'User' or exists (select 1 from app_user u
                        where u.id::text = aggregate_id and u.companies && ",
            )
            .push_bind(companies.codes().to_vec())
            .push("))");
    }
    let text = |value: &Option<String>| value.clone();
    push_some(query, "aggregate_type =", text(&filter.aggregate_type));
    push_some(query, "aggregate_id =", text(&filter.aggregate_id));
    push_some(query, "event_type =", text(&filter.event_type));
    push_some(query, "metadata->>'user' =", text(&filter.user));
    push_some(
        query,
        "metadata->>'correlation_id' =",
        text(&filter.correlation_id),
    );
    push_some(query, "recorded_at >=", filter.from);
    push_some(query, "recorded_at <", filter.to);
}

/// Up to `limit` events of the log that `filter` selects, after position `after`, in position
/// order; of the records that belong to companies, only those of `companies`.
pub async fn log_page(
    pool: &PgPool,
    companies: &Companies,
    filter: &LogFilter,
    after: i64,
    limit: i64,
) -> Result<Vec<StoredEvent>, sqlx::Error> {
    let mut query = QueryBuilder::new(format!("select {EVENT_COLUMNS} from events"));
    push_filter(&mut query, companies, filter);
    query
        .push(" and position > ")
        .push_bind(after)
        .push(" order by position limit ")
        .push_bind(limit);
    query.build_query_as().fetch_all(pool).await
}

/// How far the log is counted event by event: beyond, its count is the planner's estimate.
pub const LOG_COUNTED_MAX: i64 = 10_000;

/// How many events of the log `filter` selects, and whether that is an estimate: counted up
/// to [`LOG_COUNTED_MAX`], newest first; beyond, extrapolated from how densely they stand in
/// the newest part of the log (the last `LOG_COUNTED_MAX` that match, and the positions they
/// span) over all its positions. What that costs does not grow with the log.
pub async fn log_count(
    pool: &PgPool,
    companies: &Companies,
    filter: &LogFilter,
) -> Result<Count, sqlx::Error> {
    let mut query = QueryBuilder::new(
        "select count(*), min(position),
                (select min(position) from events), (select max(position) from events)
           from (select position from events",
    );
    push_filter(&mut query, companies, filter);
    query
        .push(" order by position desc limit ")
        .push_bind(LOG_COUNTED_MAX + 1)
        .push(") newest");
    let (counted, oldest_counted, first, last): (i64, Option<i64>, Option<i64>, Option<i64>) =
        query.build_query_as().fetch_one(pool).await?;
    let exact = Count {
        rows: counted,
        estimate: false,
    };
    let (Some(oldest_counted), Some(first), Some(last)) = (oldest_counted, first, last) else {
        return Ok(exact);
    };
    if counted <= LOG_COUNTED_MAX {
        return Ok(exact);
    }
    Ok(Count {
        rows: extrapolated(counted, last - oldest_counted + 1, last - first + 1),
        estimate: true,
    })
}

/// `counted` events found in the newest `span` positions of a log of `positions`, at the same
/// density over all of them.
fn extrapolated(counted: i64, span: i64, positions: i64) -> i64 {
    let estimate = i128::from(counted) * i128::from(positions) / i128::from(span.max(1));
    i64::try_from(estimate).unwrap_or(i64::MAX).max(counted)
}

#[cfg(test)]
mod tests {
    use super::extrapolated;

    #[test]
    fn a_count_is_extrapolated_from_the_density_of_the_newest_matches() {
        // 10,001 found in the newest 20,002 positions, of 100,000: one in two, so 50,000.
        assert_eq!(extrapolated(10_001, 20_002, 100_000), 50_000);
        // every newest position a match: as many as positions.
        assert_eq!(extrapolated(10_001, 10_001, 250_000), 250_000);
        // never below what was counted, nor a division by nothing.
        assert_eq!(extrapolated(10_001, 20_000, 5), 10_001);
        assert_eq!(extrapolated(10_001, 0, 5), 50_005);
    }
}
