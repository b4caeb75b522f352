//! Lists read a page at a time: the rows after a cursor's key in the list's order (keyset
//! paging, so a page costs the same wherever it starts), and how many rows the filter selects.
//! Products, orders and invoices are listed through the one [`List::page`], each read model
//! giving its [`List`] (table, the ways it may be sorted, row, filter).
//!
//! (Over 600 lines: a page's SQL is written from the list, its sorts and cursors, and the
//! companies and record rules every read takes; they read as one.)

use std::marker::PhantomData;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use domain::configuration::{Model, RecordRule, RuleCondition};
use rust_decimal::Decimal;
use sqlx::postgres::PgRow;
use sqlx::{Acquire, Encode, FromRow, PgConnection, Postgres, QueryBuilder, Row, Type};
use uuid::Uuid;

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<R> {
    /// The rows, in the list's order.
    pub rows: Vec<R>,
    /// More rows follow the page.
    pub has_more: bool,
    /// How many rows the filter selects, over all pages.
    pub total_count: i64,
    /// Whether `total_count` is the planner's estimate (see [`count_rows`]).
    pub total_count_is_estimate: bool,
}

impl<R> Page<R> {
    /// A page of `limit` rows from `rows`, read with one row more than the page holds to learn
    /// whether more follow; `total_count` rows in all.
    pub fn of(mut rows: Vec<R>, limit: usize, total_count: i64) -> Self {
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        Page {
            rows,
            has_more,
            total_count,
            total_count_is_estimate: false,
        }
    }
}

/// How far a list is counted row by row: beyond, its count is the planner's estimate.
pub const COUNTED_MAX: i64 = 10_000;

/// How many rows a list selects, and whether that is an estimate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    pub rows: i64,
    pub estimate: bool,
}

/// How many rows the `from … where …` that `push` writes (after `select 1`) selects: counted up
/// to [`COUNTED_MAX`]; beyond, PostgreSQL's planner's estimate of them (from the table's
/// statistics, never less than what was counted), said to be one. So a count costs no more on
/// a long list than on a short one; the estimate is what a list of many thousands shows as
/// "about".
pub async fn count_rows(
    db: &mut PgConnection,
    push: impl Fn(&mut QueryBuilder<'_, Postgres>),
) -> Result<Count, sqlx::Error> {
    let mut counted = QueryBuilder::new("select count(*) from (select 1");
    push(&mut counted);
    counted
        .push(" limit ")
        .push_bind(COUNTED_MAX + 1)
        .push(") counted");
    let rows: i64 = counted.build_query_scalar().fetch_one(&mut *db).await?;
    if rows <= COUNTED_MAX {
        return Ok(Count {
            rows,
            estimate: false,
        });
    }
    let mut explain = QueryBuilder::new("explain (format json) select 1");
    push(&mut explain);
    let plan: serde_json::Value = explain.build_query_scalar().fetch_one(&mut *db).await?;
    let planned = plan[0]["Plan"]["Plan Rows"].as_f64().unwrap_or(0.0);
    Ok(Count {
        // (a float the planner rounded: far inside i64)
        rows: (planned.round() as i64).max(rows),
        estimate: true,
    })
}

/// Where a row stands in a list sorted by a key and then the id: what a cursor holds. The key
/// is held as PostgreSQL writes it as text (a date, a decimal, a lowercased name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After {
    pub key: String,
    pub id: Uuid,
}

/// The SQL type of a sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Text,
    Date,
    Numeric,
}

impl KeyType {
    fn sql(self) -> &'static str {
        match self {
            KeyType::Text => "text",
            KeyType::Date => "date",
            KeyType::Numeric => "numeric",
        }
    }

    /// Whether `key` is a value of this type as PostgreSQL writes it (a cursor's key is read
    /// back as one; anything else would be a database error).
    pub fn accepts(self, key: &str) -> bool {
        match self {
            KeyType::Text => !key.contains('\0'),
            // PostgreSQL has no year 0.
            KeyType::Date => {
                key.len() == 10
                    && key.bytes().all(|b| b.is_ascii_digit() || b == b'-')
                    && NaiveDate::from_str(key).is_ok_and(|d| d.year() >= 1)
            }
            KeyType::Numeric => {
                let digits = key.strip_prefix('-').unwrap_or(key);
                !digits.is_empty()
                    && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                    && Decimal::from_str(key).is_ok()
            }
        }
    }
}

/// A way a list may be sorted: by an expression of its table's columns that is never null
/// (then by the id, which breaks ties).
#[derive(Debug, PartialEq, Eq)]
pub struct Sort {
    /// The name clients ask for it by (the value of the list's GraphQL sort field).
    pub name: &'static str,
    key: &'static str,
    pub key_type: KeyType,
}

/// Sorting by `key` (an SQL expression of type `key_type`), asked for as `name`.
pub const fn sort(name: &'static str, key: &'static str, key_type: KeyType) -> Sort {
    Sort {
        name,
        key,
        key_type,
    }
}

/// The order of a list: one of its sorts, one way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub sort: &'static Sort,
    pub descending: bool,
}

/// Which rows of a list a filter keeps.
pub trait Filter {
    /// Adds ` and <condition>` to `sql` for each condition the filter sets, with its binds.
    fn push(&self, sql: &mut QueryBuilder<'_, Postgres>);
}

/// Adds ` and <condition> <value>` to `sql` when there is a value (`condition`: `"kind ="`):
/// what a filter's optional fields push.
pub(crate) fn push_some<'a, T>(
    sql: &mut QueryBuilder<'a, Postgres>,
    condition: &str,
    value: Option<T>,
) where
    T: 'a + Encode<'a, Postgres> + Type<Postgres>,
{
    if let Some(value) = value {
        sql.push(format!(" and {condition} ")).push_bind(value);
    }
}

/// The companies whose records a reader may see, and the record rules that restrict them
/// further: the row filter every read of records that belong to a company takes, applied in
/// SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Companies(Vec<String>, Option<Rules>, bool);

/// The record rules that apply to a reader (see [`RecordRule`]), and who they are (for "own
/// records").
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rules {
    login: String,
    rules: Vec<RecordRule>,
}

impl Companies {
    /// The records of the companies `codes`.
    pub fn of(codes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self(codes.into_iter().map(Into::into).collect(), None, false)
    }

    /// The same, saying whether they are every company of the database.
    pub fn every(self, every: bool) -> Self {
        Self(self.0, self.1, every)
    }

    /// Whether nothing is hidden from these readers: they see every company, unrestricted by
    /// rules. Only they read the log's bookkeeping of keys and numbers and of the
    /// configuration, which belong to no one company's records.
    pub fn see_everything(&self) -> bool {
        self.2 && self.1.is_none()
    }

    /// The same, restricted by `rules` (those that apply to the reader `login`).
    pub fn ruled(self, login: &str, rules: Vec<RecordRule>) -> Self {
        let rules = (!rules.is_empty()).then(|| Rules {
            login: login.to_owned(),
            rules,
        });
        Self(self.0, rules, self.2)
    }

    pub fn codes(&self) -> &[String] {
        &self.0
    }

    /// Whether record rules restrict what these companies' rows show.
    pub fn is_ruled(&self) -> bool {
        self.1.is_some()
    }

    /// The condition (` and ...`, or nothing) the record rules put on rows of `business_order`
    /// (as `alias`, `o.` or empty): for each side, the global rules all hold and, if any of
    /// the reader's group rules is on that side, one of them does.
    pub fn order_rules(&self, alias: &str) -> String {
        self.rules(
            alias,
            &[
                (Model::SaleOrder, Some("sale")),
                (Model::PurchaseOrder, Some("purchase")),
            ],
            &partner_categories_of(alias),
        )
    }

    /// The same for rows of `invoice` (every kind of document).
    pub fn invoice_rules(&self, alias: &str) -> String {
        self.rules(
            alias,
            &[(Model::Invoice, None)],
            &partner_categories_of(alias),
        )
    }

    /// The same for rows of `partner`.
    pub fn partner_rules(&self, alias: &str) -> String {
        self.rules(
            alias,
            &[(Model::Partner, None)],
            &format!("{alias}categories"),
        )
    }

    /// Whether the rules on partners let through one in `categories` (a partner replayed as it
    /// stood at a point, which no query of the read model reads).
    pub fn lets_partner_through(&self, categories: &[String]) -> bool {
        let Some(Rules { rules, .. }) = &self.1 else {
            return true;
        };
        let holds = |rule: &&RecordRule| match &rule.condition {
            RuleCondition::PartnerCategories(wanted) => categories
                .iter()
                .any(|c| wanted.iter().any(|w| w.as_str() == c)),
            RuleCondition::Own | RuleCondition::States(_) => false,
        };
        let of_partners = || rules.iter().filter(|r| r.model == Model::Partner);
        let global = of_partners()
            .filter(|r| r.groups.is_empty())
            .all(|r| holds(&r));
        let mut grouped = of_partners().filter(|r| !r.groups.is_empty()).peekable();
        global && (grouped.peek().is_none() || grouped.any(|r| holds(&r)))
    }

    /// The condition the rules on `models` put on rows (as `alias`): orders and documents have
    /// a `salesperson`, a `state` and a `side` where a model covers one side of the table only;
    /// `categories` is the SQL of the categories of the row's partner.
    fn rules(&self, alias: &str, models: &[(Model, Option<&str>)], categories: &str) -> String {
        let Some(Rules { login, rules }) = &self.1 else {
            return String::new();
        };
        let mut sql = String::new();
        for &(model, side) in models {
            let condition = |rule: &RecordRule| match &rule.condition {
                // a partner has no owner and no state (the configuration refuses such a rule)
                RuleCondition::Own | RuleCondition::States(_) if model == Model::Partner => {
                    "false".to_owned()
                }
                RuleCondition::Own => format!("{alias}salesperson = {}", literal(login)),
                RuleCondition::States(states) => format!(
                    "{alias}state in ({})",
                    states
                        .iter()
                        .map(|s| literal(s))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                RuleCondition::PartnerCategories(wanted) => format!(
                    "coalesce({categories} && array[{}]::text[], false)",
                    wanted
                        .iter()
                        .map(|c| literal(c.as_str()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let of_side = || rules.iter().filter(|r| r.model == model);
            let mut all: Vec<String> = of_side()
                .filter(|r| r.groups.is_empty())
                .map(condition)
                .collect();
            let any: Vec<String> = of_side()
                .filter(|r| !r.groups.is_empty())
                .map(condition)
                .collect();
            if !any.is_empty() {
                all.push(format!("({})", any.join(" or ")));
            }
            if all.is_empty() {
                continue;
            }
            match side {
                Some(side) => sql.push_str(&format!(
                    " and ({alias}side <> '{side}' or ({}))",
                    all.join(" and ")
                )),
                None => sql.push_str(&format!(" and ({})", all.join(" and "))),
            }
        }
        sql
    }

    /// Whether a record of `company` is one of these companies'.
    pub fn sees(&self, company: &str) -> bool {
        self.0.iter().any(|c| c == company)
    }

    /// Whether a record shared by every company (`None`) or of `company` is one these
    /// companies see.
    pub fn sees_shared(&self, company: Option<&str>) -> bool {
        company.is_none_or(|c| self.sees(c))
    }

    /// Adds ` and <column> = any(<these companies>)` to `sql`.
    pub fn push(&self, sql: &mut QueryBuilder<'_, Postgres>, column: &str) {
        match self.0.as_slice() {
            // one company (what most readers see): `=`, so that an index on (company, the
            // list's sort key) reads the first page in order; PostgreSQL 15 reads `= any` in no
            // order, sorting every row of the company for a page (54 ms at 200,000 invoices).
            [one] => {
                sql.push(format!(" and {column} = ")).push_bind(one.clone());
            }
            all => {
                sql.push(format!(" and {column} = any("))
                    .push_bind(all.to_vec())
                    .push(")");
            }
        }
    }

    /// Adds the filter of records shared by every company (null in `column`) or of these
    /// companies to `sql`.
    pub fn push_shared(&self, sql: &mut QueryBuilder<'_, Postgres>, column: &str) {
        sql.push(format!(" and ({column} is null or {column} = any("))
            .push_bind(self.0.clone())
            .push("))");
    }
}

/// What a [`List`] is typed by, without holding any of it (and `Send` whatever it is).
type Typed<R, F> = fn() -> (R, F);

/// The record rules that restrict a list's rows.
#[derive(Debug, Clone, Copy)]
enum Ruled {
    /// On sales and purchase orders (the table is `business_order`).
    Orders,
    /// On documents (the table is `invoice`).
    Invoices,
}

/// A list of a read model's table: rows `R`, sorted one of its ways, kept by a filter `F`.
pub struct List<R, F> {
    table: &'static str,
    columns: &'static str,
    /// The ways it may be sorted; the first is its order when none is asked for.
    sorts: &'static [Sort],
    /// Whether its order when none is asked for is the first sort's descending.
    descending: bool,
    /// The column naming the company each row belongs to, if rows belong to companies.
    company: Option<&'static str>,
    /// Whether a null company is a row every company shares.
    shared: bool,
    /// Which record rules restrict the rows, if any.
    ruled: Option<Ruled>,
    rows: PhantomData<Typed<R, F>>,
}

impl<R, F> List<R, F> {
    /// The list of `columns` of `table`, which may be sorted `sorts` ways; by the first one
    /// (`descending` or not) unless asked otherwise.
    pub(crate) const fn new(
        table: &'static str,
        columns: &'static str,
        sorts: &'static [Sort],
        descending: bool,
    ) -> Self {
        Self {
            table,
            columns,
            sorts,
            descending,
            company: None,
            shared: false,
            ruled: None,
            rows: PhantomData,
        }
    }

    /// The same list, of rows that belong to the company in `column`: a page shows only the
    /// rows of the reader's companies.
    pub(crate) const fn of_companies(mut self, column: &'static str) -> Self {
        self.company = Some(column);
        self
    }

    /// The same list, of orders, which record rules restrict.
    pub(crate) const fn ruled_orders(mut self) -> Self {
        self.ruled = Some(Ruled::Orders);
        self
    }

    /// The same list, of documents, which record rules restrict.
    pub(crate) const fn ruled_invoices(mut self) -> Self {
        self.ruled = Some(Ruled::Invoices);
        self
    }

    /// The same list, of rows shared by every company (null in `column`) or that belong to the
    /// company in `column`: a page shows the shared rows and those of the reader's companies.
    pub(crate) const fn shared_or_of_companies(mut self, column: &'static str) -> Self {
        self.company = Some(column);
        self.shared = true;
        self
    }

    /// Its order when none is asked for.
    /// The table it lists: what tells its cursors from another list's.
    pub fn table(&self) -> &'static str {
        self.table
    }

    pub fn default_order(&self) -> Order {
        Order {
            sort: &self.sorts[0],
            descending: self.descending,
        }
    }

    /// Its sort named `name`, if it may be sorted so.
    pub fn sort(&self, name: &str) -> Option<&'static Sort> {
        self.sorts.iter().find(|s| s.name == name)
    }
}

impl<R, F> List<R, F>
where
    R: for<'r> FromRow<'r, PgRow> + Send + Unpin,
    F: Filter,
{
    /// The rows of `ids` that exist, in no particular order.
    pub(crate) async fn get_many<'e>(
        &self,
        db: impl sqlx::PgExecutor<'e>,
        ids: &[Uuid],
    ) -> Result<Vec<R>, sqlx::Error> {
        let (table, columns) = (self.table, self.columns);
        sqlx::query_as(&format!("select {columns} from {table} where id = any($1)"))
            .bind(ids)
            .fetch_all(db)
            .await
    }

    /// The rows of `ids` that exist and belong to `companies`, in no particular order.
    pub(crate) async fn get_seen<'e>(
        &self,
        db: impl sqlx::PgExecutor<'e>,
        companies: &Companies,
        ids: &[Uuid],
    ) -> Result<Vec<R>, sqlx::Error> {
        let (table, columns) = (self.table, self.columns);
        let mut sql = QueryBuilder::new(format!("select {columns} from {table} where id = any("));
        sql.push_bind(ids.to_vec()).push(")");
        self.push_companies(&mut sql, companies);
        sql.build_query_as().fetch_all(db).await
    }

    fn push_companies(&self, sql: &mut QueryBuilder<'_, Postgres>, companies: &Companies) {
        match self.company {
            Some(column) if self.shared => companies.push_shared(sql, column),
            Some(column) => companies.push(sql, column),
            None => {}
        }
        self.push_rules(sql, companies);
    }

    fn push_rules(&self, sql: &mut QueryBuilder<'_, Postgres>, companies: &Companies) {
        match self.ruled {
            Some(Ruled::Orders) => {
                sql.push(companies.order_rules(""));
            }
            Some(Ruled::Invoices) => {
                sql.push(companies.invoice_rules(""));
            }
            None => {}
        }
    }

    /// The first `limit` rows `filter` keeps after `after` in `order` (from the start without
    /// it), each with where it stands, and, if `counted`, the number of rows it keeps in all
    /// (see [`count_rows`]; 0 otherwise): of the rows of `companies`, where rows belong to
    /// companies. `after` is taken to be of `order` (its key of the sort's type: see
    /// [`KeyType::accepts`]).
    ///
    /// Of rows that belong to several companies, each company's first rows are read in order
    /// (by its index on the company and the sort key) and merged: PostgreSQL 15 reads
    /// `company = any(...)` in no order, so a page sorted every row of the companies (28 ms at
    /// 26,000 invoices, and growing with them).
    pub async fn page<'c>(
        &self,
        db: impl Acquire<'c, Database = Postgres>,
        companies: &Companies,
        filter: &F,
        (order, after): (Order, Option<After>),
        limit: usize,
        counted: bool,
    ) -> Result<Page<(R, After)>, sqlx::Error> {
        let mut db = db.acquire().await?;
        let (table, columns) = (self.table, self.columns);
        let (key, key_type) = (order.sort.key, order.sort.key_type.sql());
        let rows_wanted = i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1);
        let merged = match self.company {
            Some(column) if !self.shared && companies.codes().len() > 1 => Some(column),
            _ => None,
        };
        let mut sql = match merged {
            Some(column) => {
                let mut sql = QueryBuilder::new("select page.* from unnest(");
                sql.push_bind(companies.codes().to_vec()).push(format!(
                    "::text[]) reader (reader_company) cross join lateral (
                       select {columns}, ({key})::text as sort_key, ({key}) as sort_value
                         from {table} where {column} = reader.reader_company"
                ));
                self.push_rules(&mut sql, companies);
                sql
            }
            None => {
                let mut sql = QueryBuilder::new(format!(
                    "select {columns}, ({key})::text as sort_key from {table} where true"
                ));
                self.push_companies(&mut sql, companies);
                sql
            }
        };
        filter.push(&mut sql);
        let (after_op, direction) = if order.descending {
            ("<", " desc")
        } else {
            (">", "")
        };
        if let Some(after) = after {
            sql.push(format!(" and ({key}, id) {after_op} (cast("))
                .push_bind(after.key)
                .push(format!(" as {key_type}), "))
                .push_bind(after.id)
                .push(")");
        }
        sql.push(format!(" order by {key}{direction}, id{direction} limit "))
            .push_bind(rows_wanted);
        if merged.is_some() {
            sql.push(format!(
                ") page order by sort_value{direction}, id{direction} limit "
            ))
            .push_bind(rows_wanted);
        }
        let rows = sql
            .build()
            .fetch_all(&mut *db)
            .await?
            .iter()
            .map(|row| {
                let after = After {
                    key: row.try_get("sort_key")?,
                    id: row.try_get("id")?,
                };
                Ok((R::from_row(row)?, after))
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let count = if counted {
            count_rows(&mut db, |sql| {
                sql.push(format!(" from {table} where true"));
                self.push_companies(sql, companies);
                filter.push(sql);
            })
            .await?
        } else {
            Count::default()
        };
        Ok(Page {
            total_count_is_estimate: count.estimate,
            ..Page::of(rows, limit, count.rows)
        })
    }
}

/// The SQL of the categories of the partner of a row (as `alias`) of orders or documents.
fn partner_categories_of(alias: &str) -> String {
    format!("(select rp.categories from partner rp where rp.id = {alias}partner_id)")
}

/// `text` as an SQL string literal (quotes doubled). Only for values checked on the way in
/// (logins, state names): what a record rule compares rows with.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}
