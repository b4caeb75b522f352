//! The sales and purchase analyses: confirmed (not cancelled) order lines, grouped by partner,
//! product or month. What the orders that count add up to is kept per month, partner and
//! product in `order_month`, in the same transaction as the order's row, so an analysis reads
//! whole months there and only the days around them from the lines.

use chrono::{Datelike, Months, NaiveDate};
use domain::order::{LineQuantity, Side};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::log::AsOf;
use crate::page::Companies;
use crate::reports::{Dates, ReportBinds};
use crate::stored::Stored;

/// Which way an order's part goes into the sums kept per month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Keep {
    PutIn,
    TakeOut,
}

/// Puts what order `id` adds up to as it now stands, if it counts (confirmed, not cancelled),
/// into its month's sums by partner and by product in `order_month`, or takes it out.
pub(super) async fn keep_month(
    tx: &mut PgConnection,
    id: Uuid,
    way: Keep,
) -> Result<(), sqlx::Error> {
    let sign: i64 = match way {
        Keep::PutIn => 1,
        Keep::TakeOut => -1,
    };
    sqlx::query(
        "insert into order_month as m (company, side, month, grouping, key, orders, quantity,
                                       untaxed, total, delivered, invoiced)
         select o.company, o.side, date_trunc('month', o.order_date)::date, g.grouping, g.key,
                $2 * count(distinct o.id), $2 * sum(l.quantity), $2 * sum(l.untaxed),
                $2 * sum(l.total), $2 * sum(l.delivered), $2 * sum(l.invoiced)
           from order_line l
           join business_order o on o.id = l.order_id
          cross join lateral (values ('partner', o.partner_id::text),
                                     ('product', coalesce(l.product_id::text, ''))) g (grouping, key)
          where o.id = $1 and o.confirmed_position is not null and o.cancelled_position is null
          group by 1, 2, 3, 4, 5
          -- rows written (and locked) in key order.
          order by 4, 5
         on conflict (company, side, month, grouping, key) do update
            set orders = m.orders + excluded.orders, quantity = m.quantity + excluded.quantity,
                untaxed = m.untaxed + excluded.untaxed, total = m.total + excluded.total,
                delivered = m.delivered + excluded.delivered,
                invoiced = m.invoiced + excluded.invoiced",
    )
    .bind(id)
    .bind(sign)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// What a delivery or an invoice did to an order's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Progressed {
    Delivered,
    Invoiced,
    /// An invoice cancelled as a draft: what it invoiced is not any more.
    Released,
}

/// Adds what `lines` of order `id` delivered or invoiced (or no longer invoice) to its month's
/// sums, if the order counts: one write, where taking the order out and putting it back would
/// be two of every row it adds to.
pub(super) async fn keep_progress(
    tx: &mut PgConnection,
    id: Uuid,
    lines: &[LineQuantity],
    progressed: Progressed,
) -> Result<(), sqlx::Error> {
    let (delivered, invoiced): (i64, i64) = match progressed {
        Progressed::Delivered => (1, 0),
        Progressed::Invoiced => (0, 1),
        Progressed::Released => (0, -1),
    };
    let numbers: Vec<i64> = lines
        .iter()
        .map(|l| i64::try_from(l.line).unwrap_or(i64::MAX))
        .collect();
    sqlx::query(
        "insert into order_month as m (company, side, month, grouping, key, orders, quantity,
                                       untaxed, total, delivered, invoiced)
         select o.company, o.side, date_trunc('month', o.order_date)::date, g.grouping, g.key,
                0, 0, 0, 0, $4 * sum(d.quantity), $5 * sum(d.quantity)
           from unnest($2::bigint[], $3::numeric[]) d (line_no, quantity)
           join order_line l on l.order_id = $1 and l.line_no = d.line_no
           join business_order o on o.id = $1
          cross join lateral (values ('partner', o.partner_id::text),
                                     ('product', coalesce(l.product_id::text, ''))) g (grouping, key)
          where o.confirmed_position is not null and o.cancelled_position is null
          group by 1, 2, 3, 4, 5
          order by 4, 5
         on conflict (company, side, month, grouping, key) do update
            set delivered = m.delivered + excluded.delivered,
                invoiced = m.invoiced + excluded.invoiced",
    )
    .bind(id)
    .bind(numbers)
    .bind(lines.iter().map(|l| l.quantity).collect::<Vec<_>>())
    .bind(delivered)
    .bind(invoiced)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Removes the sums of order `id`'s month that no order adds to any more (after it was taken
/// out for good), as if they had never been kept.
pub(super) async fn forget_empty_sums(tx: &mut PgConnection, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "delete from order_month m
          using business_order o
          where o.id = $1 and m.company = o.company and m.side = o.side
            and m.month = date_trunc('month', o.order_date)::date and m.orders = 0",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// One group of a sales or purchase analysis.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AnalysisRow {
    /// The partner's or product's id, or the month (`2026-11`).
    pub key: String,
    pub orders: i64,
    pub quantity: Decimal,
    pub untaxed: Decimal,
    pub total: Decimal,
    pub delivered: Decimal,
    pub invoiced: Decimal,
}

/// What an analysis groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Partner,
    Product,
    Month,
}

/// Confirmed (not cancelled) order lines of `side` dated in `dates`, grouped. `as_of` counts
/// orders confirmed (and not yet cancelled) by then; delivered and invoiced quantities are as
/// they now stand.
///
/// Now, for a reader no record rule restricts, the whole months among the dates are read from
/// the sums kept per month (`order_month`) and only the days around them from the lines: what
/// it costs does not grow with the years of orders. As of a point, or under record rules, the
/// lines are summed.
pub async fn analysis(
    pool: &PgPool,
    companies: &Companies,
    side: Side,
    group: GroupBy,
    dates: Dates,
    as_of: Option<AsOf>,
) -> Result<Vec<AnalysisRow>, sqlx::Error> {
    let rules = companies.order_rules("o.");
    let rows: Vec<AnalysisRow> = match Split::of(dates) {
        Some(split) if as_of.is_none() && rules.is_empty() => {
            kept_analysis(pool, companies, side, group, split).await?
        }
        _ => {
            sqlx::query_as(&format!(
                "select {key} as key, count(distinct o.id) as orders, sum(l.quantity) as quantity,
                        sum(l.untaxed) as untaxed, sum(l.total) as total,
                        sum(l.delivered) as delivered, sum(l.invoiced) as invoiced
                   from order_line l join business_order o on o.id = l.order_id
                  where o.side = $1 and o.confirmed_position is not null
                    and ($2::date is null or o.order_date >= $2)
                    and ($3::date is null or o.order_date <= $3)
                    and ($4::bigint is null or o.confirmed_position <= $4)
                    and ($5::timestamptz is null or o.confirmed_at <= $5)
                    and (o.cancelled_position is null
                         or ($4::bigint is not null and o.cancelled_position > $4)
                         or ($5::timestamptz is not null and o.cancelled_at > $5))
                    and o.company = any($6) {rules}
                  group by 1
                  order by 1",
                key = group.line_key(),
            ))
            .bind(Stored(side))
            .bind_dates(dates)
            .bind_as_of(as_of)
            .bind(companies.codes())
            .fetch_all(pool)
            .await?
        }
    };
    // quantities without the trailing zeros a sum keeps (1.000 and 1 are one quantity, and a
    // sum kept after an order was taken out of it keeps the decimals it had).
    Ok(rows
        .into_iter()
        .map(|row| AnalysisRow {
            quantity: row.quantity.normalize(),
            delivered: row.delivered.normalize(),
            invoiced: row.invoiced.normalize(),
            ..row
        })
        .collect())
}

impl GroupBy {
    /// The SQL of an order line's group (the line as `l`, its order as `o`).
    fn line_key(self) -> &'static str {
        match self {
            GroupBy::Partner => "o.partner_id::text",
            GroupBy::Product => "coalesce(l.product_id::text, '')",
            GroupBy::Month => "to_char(o.order_date, 'YYYY-MM')",
        }
    }
}

/// The analysis of `split`'s whole months from `order_month` and of its other days from the
/// lines of the orders that count now.
async fn kept_analysis(
    pool: &PgPool,
    companies: &Companies,
    side: Side,
    group: GroupBy,
    split: Split,
) -> Result<Vec<AnalysisRow>, sqlx::Error> {
    // a month's sums by partner add up to the month's: an order has one partner.
    let (grouping, month_key) = match group {
        GroupBy::Partner => ("partner", "key"),
        GroupBy::Product => ("product", "key"),
        GroupBy::Month => ("partner", "to_char(month, 'YYYY-MM')"),
    };
    let (months, [before, after]) = (split.months, split.days);
    let (first, last) = months.unwrap_or_default();
    sqlx::query_as(&format!(
        "select key, sum(orders)::bigint as orders, sum(quantity) as quantity,
                sum(untaxed) as untaxed, sum(total) as total, sum(delivered) as delivered,
                sum(invoiced) as invoiced
           from (select {month_key} as key, orders, quantity, untaxed, total, delivered, invoiced
                   from order_month
                  where $3 and side = $1 and grouping = $2 and company = any($6)
                    and ($4::date is null or month >= $4) and ($5::date is null or month <= $5)
                 union all
                 select {line_key}, count(distinct o.id), sum(l.quantity), sum(l.untaxed),
                        sum(l.total), sum(l.delivered), sum(l.invoiced)
                   from order_line l join business_order o on o.id = l.order_id
                  where o.side = $1 and o.confirmed_position is not null
                    and o.cancelled_position is null and o.company = any($6)
                    and (o.order_date between $7 and $8 or o.order_date between $9 and $10)
                  group by 1) parts
          group by key
          order by key",
        line_key = group.line_key(),
    ))
    .bind(Stored(side))
    .bind(grouping)
    .bind(months.is_some())
    .bind(first)
    .bind(last)
    .bind(companies.codes())
    .bind(before.map(|d| d.0))
    .bind(before.map(|d| d.1))
    .bind(after.map(|d| d.0))
    .bind(after.map(|d| d.1))
    .fetch_all(pool)
    .await
}

/// The dates an analysis asks for, as the whole months among them and the days around those.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Split {
    /// The first days of the first and of the last whole month (a missing one: unbounded), if
    /// any month is whole.
    months: Option<(Option<NaiveDate>, Option<NaiveDate>)>,
    /// The days before the whole months and after them (or all the days, where no month is
    /// whole): first and last day of each.
    days: [Option<(NaiveDate, NaiveDate)>; 2],
}

impl Split {
    /// `None` at the ends of the calendar, where a month has no next.
    fn of(dates: Dates) -> Option<Self> {
        let next_month = |d: NaiveDate| d.with_day(1)?.checked_add_months(Months::new(1));
        let first_whole = match dates.from {
            Some(from) if from.day() == 1 => Some(from),
            Some(from) => Some(next_month(from)?),
            None => None,
        };
        let last_whole = match dates.to {
            Some(to) if to.succ_opt()?.day() == 1 => Some(to.with_day(1)?),
            Some(to) => Some(to.with_day(1)?.checked_sub_months(Months::new(1))?),
            None => None,
        };
        if let (Some(from), Some(to), Some(first), Some(last)) =
            (dates.from, dates.to, first_whole, last_whole)
        {
            if first > last {
                return Some(Split {
                    months: None,
                    days: [Some((from, to)), None],
                });
            }
        }
        let before = match (dates.from, first_whole) {
            (Some(from), Some(first)) if from < first => Some((from, first.pred_opt()?)),
            _ => None,
        };
        let after = match (dates.to, last_whole) {
            (Some(to), Some(last)) if next_month(last)? <= to => Some((next_month(last)?, to)),
            _ => None,
        };
        Some(Split {
            months: Some((first_whole, last_whole)),
            days: [before, after],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_analysis_reads_whole_months_kept_and_the_days_around_them_from_the_lines() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let split = |from, to| Split::of(Dates { from, to }).unwrap();
        // everything: every month kept.
        assert_eq!(
            split(None, None),
            Split {
                months: Some((None, None)),
                days: [None, None]
            }
        );
        // 10 November to 15 February: December and January kept, the rest from the lines.
        assert_eq!(
            split(Some(day(2025, 11, 10)), Some(day(2026, 2, 15))),
            Split {
                months: Some((Some(day(2025, 12, 1)), Some(day(2026, 1, 1)))),
                days: [
                    Some((day(2025, 11, 10), day(2025, 11, 30))),
                    Some((day(2026, 2, 1), day(2026, 2, 15)))
                ]
            }
        );
        // whole months at both ends (February of a leap year ends on the 29th).
        assert_eq!(
            split(Some(day(2024, 1, 1)), Some(day(2024, 2, 29))),
            Split {
                months: Some((Some(day(2024, 1, 1)), Some(day(2024, 2, 1)))),
                days: [None, None]
            }
        );
        // up to the 28th of a February of 29 days: January kept, February from the lines.
        assert_eq!(
            split(None, Some(day(2024, 2, 28))),
            Split {
                months: Some((None, Some(day(2024, 1, 1)))),
                days: [None, Some((day(2024, 2, 1), day(2024, 2, 28)))]
            }
        );
        // from the 2nd of a month on: the rest of it from the lines.
        assert_eq!(
            split(Some(day(2026, 11, 2)), None),
            Split {
                months: Some((Some(day(2026, 12, 1)), None)),
                days: [Some((day(2026, 11, 2), day(2026, 11, 30))), None]
            }
        );
        // no whole month: every day from the lines, also across a month's end.
        for (from, to) in [
            (day(2026, 11, 3), day(2026, 11, 20)),
            (day(2026, 11, 10), day(2026, 12, 20)),
        ] {
            assert_eq!(
                split(Some(from), Some(to)),
                Split {
                    months: None,
                    days: [Some((from, to)), None]
                }
            );
        }
        // the calendar's last day has no next: the lines are summed instead.
        assert_eq!(
            Split::of(Dates {
                from: None,
                to: Some(NaiveDate::MAX)
            }),
            None
        );
    }
}
