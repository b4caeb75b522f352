//! The general ledger as CSV, for auditors: written as PostgreSQL sends the items, a chunk at a
//! time, so memory stays flat whatever the size of the books. One line per item with the
//! account's running balance (over the companies exported: consolidated, as `generalLedger`)
//! and the company whose books hold it; each account opens with its balance before `from` (a
//! line whose label is "Opening balance"). Served over HTTP (`GET /db/<name>/ledger.csv`, `/ledger.csv` for
//! the default database, with the bearer token of a user who may read the books) and written by
//! `erp ledger`.

use std::collections::BTreeMap;
use std::future::Future;

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use chrono::NaiveDate;
use domain::configuration::{Code, Settings};
use domain::configuration::{Model, Right};
use domain::money::round;
use futures::StreamExt;
use projections::journal::{self, LedgerItem};
use projections::log::AsOf;
use projections::page::Companies;
use projections::reports::Dates;
use projections::PgPool;
use rust_decimal::Decimal;

use commands::auth::{sign_in, AuthFailure};
use commands::AppState;
use uuid::Uuid;

/// The first line of the file.
pub const HEADER: &str =
    "account,account_name,date,number,journal,partner_id,label,debit,credit,balance,company\n";

/// How long a client may read nothing before the export gives its connection back.
const STALLED: std::time::Duration = std::time::Duration::from_secs(30);

/// A chunk is handed on once it holds this many bytes.
const CHUNK: usize = 64 * 1024;

/// Which part of the ledger to write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerAsk {
    /// Account codes; every account when empty.
    pub accounts: Vec<String>,
    /// Only the items with this partner: the partner's ledger.
    pub partner: Option<Uuid>,
    pub dates: Dates,
    pub as_of: Option<AsOf>,
}

impl LedgerAsk {
    /// The ask of an HTTP query's parameters (`accounts=411000,550000`, `partner`, `from`,
    /// `to`, `asOfPosition`): a message saying which one is wrong otherwise.
    pub fn parse(params: &BTreeMap<String, String>) -> Result<Self, String> {
        let date = |name: &str| -> Result<Option<NaiveDate>, String> {
            params
                .get(name)
                .filter(|v| !v.is_empty())
                .map(|v| {
                    use chrono::Datelike;
                    v.parse::<NaiveDate>()
                        .ok()
                        .filter(|d| (1..=9999).contains(&d.year()))
                        .ok_or_else(|| {
                            format!(
                                "{name}: '{v}' is not a date (YYYY-MM-DD, from 0001-01-01 to \
                                 9999-12-31)"
                            )
                        })
                })
                .transpose()
        };
        let dates = Dates {
            from: date("from")?,
            to: date("to")?,
        };
        if let (Some(from), Some(to)) = (dates.from, dates.to) {
            if from > to {
                return Err(format!("from ({from}) is after to ({to})"));
            }
        }
        let accounts = match params.get("accounts") {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| {
                    Code::parse(a)
                        .map(|c| c.to_string())
                        .map_err(|e| format!("accounts: '{a}': {e}"))
                })
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        let as_of = params
            .get("asOfPosition")
            .map(|p| {
                p.parse::<i64>()
                    .ok()
                    .filter(|p| *p >= 0)
                    .map(AsOf::Position)
                    .ok_or_else(|| format!("asOfPosition: '{p}' is not a log position"))
            })
            .transpose()?;
        let partner = params
            .get("partner")
            .filter(|p| !p.is_empty())
            .map(|p| {
                Uuid::parse_str(p).map_err(|_| {
                    let shown: String = p.chars().take(40).collect();
                    format!("partner: '{shown}' is not a partner id")
                })
            })
            .transpose()?;
        const KNOWN: [&str; 6] = [
            "accounts",
            "partner",
            "from",
            "to",
            "asOfPosition",
            "company",
        ];
        for name in params.keys() {
            if !KNOWN.contains(&name.as_str()) {
                return Err(format!(
                    "unknown parameter '{name}' (there are: {})",
                    KNOWN.join(", ")
                ));
            }
        }
        Ok(LedgerAsk {
            accounts,
            partner,
            dates,
            as_of,
        })
    }

    /// Nothing, if the ask can be answered: every account it names is in the chart of
    /// `settings` (one that is not would give an empty ledger that reads as "nothing
    /// happened"), and its point (`asOfPosition`) is one the log of `pool` can be cut at, not
    /// inside a command's events, which a ledger would show half written.
    pub async fn check(
        &self,
        settings: &Settings,
        pool: &PgPool,
    ) -> Result<Result<(), String>, sqlx::Error> {
        let known = |account: &String| {
            Code::parse(account).is_ok_and(|code| settings.accounts.contains_key(&code))
        };
        if let Some(unknown) = self.accounts.iter().find(|a| !known(a)) {
            return Ok(Err(format!("accounts: there is no account '{unknown}'")));
        }
        let Some(AsOf::Position(position)) = self.as_of else {
            return Ok(Ok(()));
        };
        let cut = projections::log::check_cut(pool, position).await?;
        Ok(cut.map_err(|inside| format!("asOfPosition: {inside}")))
    }
}

/// The body of `GET .../ledger.csv` on the database of `state` for the holder of `token`: the
/// ledger the query's parameters ask for (see [`LedgerAsk::parse`]; `company` keeps one of the
/// user's companies, all of them without it), streamed as it is read; or the status and the
/// reason it is refused (401 without a valid token, 403 without the right to read the books,
/// 400 for a wrong parameter). An error while reading ends the body early (it is then not a
/// complete chunked answer, which a client sees as a failure).
pub async fn stream(
    state: &AppState,
    (token, company): (Option<&str>, Option<&str>),
    params: &BTreeMap<String, String>,
) -> Result<Body, (StatusCode, String)> {
    let actor = match sign_in(state, token, company).await {
        Ok(actor) => actor,
        Err(AuthFailure::NotYourCompany(company)) => {
            return Err((
                StatusCode::FORBIDDEN,
                format!("company '{company}' (the X-Company header) is not one of the companies you work in"),
            ))
        }
        Err(AuthFailure::Internal(error)) => {
            tracing::error!(%error, "the session could not be checked");
            return Err((
                StatusCode::INTERNAL_SERVER_ERROR,
                "the session could not be checked: try again".to_owned(),
            ));
        }
        Err(AuthFailure::NotSignedIn) => {
            return Err((
                StatusCode::UNAUTHORIZED,
                "sign in first: send `Authorization: Bearer <token>` with a token from the login mutation".to_owned(),
            ))
        }
    };
    if !actor.may(Model::Accounting, Right::Read) {
        return Err((
            StatusCode::FORBIDDEN,
            "reading the ledger needs the read right on accounting".to_owned(),
        ));
    }
    let ask = LedgerAsk::parse(params).map_err(|message| (StatusCode::BAD_REQUEST, message))?;
    match ask
        .check(actor.config.configuration.settings(), state.reads())
        .await
    {
        Ok(Ok(())) => {}
        Ok(Err(message)) => return Err((StatusCode::BAD_REQUEST, message)),
        Err(error) => {
            tracing::error!(%error, "the ledger asked for could not be checked");
            return Err((
                StatusCode::INTERNAL_SERVER_ERROR,
                "the ledger asked for could not be checked: try again".to_owned(),
            ));
        }
    }
    let codes: Vec<String> = match params.get("company") {
        Some(code) if actor.companies.contains(code) => vec![code.clone()],
        Some(code) => {
            let code: String = code.chars().take(80).collect();
            return Err((
                StatusCode::FORBIDDEN,
                format!("you work in no company '{code}'"),
            ));
        }
        None => actor.companies.iter().cloned().collect(),
    };
    // the running balances sum amounts as they are: of one currency.
    let currencies = actor.config.configuration.settings().currencies_of(&codes);
    if currencies.len() > 1 {
        let named: Vec<String> = currencies.iter().map(ToString::to_string).collect();
        return Err((
            StatusCode::BAD_REQUEST,
            format!(
                "the companies exported keep their books in {}: export one company at a time \
                 (company=<code>)",
                named.join(" and ")
            ),
        ));
    }
    let companies = Companies::of(codes);
    let pool = state.reads().clone();
    // a few chunks ahead at most: the reading waits for the client.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        let settings = actor.config.configuration.settings();
        // a client that stops reading lets the connection go after a while.
        let send = |chunk: String| {
            let sender = sender.clone();
            async move {
                sender
                    .send_timeout(Ok(Bytes::from(chunk)), STALLED)
                    .await
                    .is_ok()
            }
        };
        if let Err(error) = write_csv(&pool, &companies, settings, &ask, send).await {
            tracing::error!(%error, "the ledger export stopped before its end");
            let cut = std::io::Error::other("the ledger could not be read to its end");
            let _ = sender.send(Err(cut)).await;
        }
    });
    Ok(Body::from_stream(futures::stream::poll_fn(move |cx| {
        receiver.poll_recv(cx)
    })))
}

/// Writes the ledger `ask` names, of `companies`, as CSV into `emit` a chunk at a time (`emit`
/// answers false when nobody reads any more: the writing stops). Account names come from
/// `settings`. Returns how many items were written.
pub async fn write_csv<F, Fut>(
    pool: &PgPool,
    companies: &Companies,
    settings: &Settings,
    ask: &LedgerAsk,
    mut emit: F,
) -> Result<u64, sqlx::Error>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = bool>,
{
    let mut openings: BTreeMap<String, Decimal> = BTreeMap::new();
    let by = match ask.partner {
        Some(partner) => journal::Openings::ByPartner(Some(partner)),
        None => journal::Openings::ByAccount,
    };
    let before = journal::opening_balances(
        pool,
        companies,
        &ask.accounts,
        ask.dates.from,
        ask.as_of,
        by,
    )
    .await?;
    for opening in before {
        *openings.entry(opening.account).or_default() += opening.balance;
    }
    let decimals = commands::business::decimals_of_first(settings, companies.codes());
    let money = |amount: Decimal| round(amount, decimals).to_string();
    let name = |code: &str| {
        Code::parse(code)
            .ok()
            .and_then(|c| settings.accounts.get(&c))
            .map(|a| a.name.to_string())
            .unwrap_or_default()
    };
    let mut out = String::from(HEADER);
    let mut items = journal::ledger_stream(
        pool,
        companies,
        &ask.accounts,
        ask.partner,
        ask.dates,
        ask.as_of,
    );
    let mut current: Option<(String, Decimal)> = None;
    let mut written = 0;
    while let Some(item) = items.next().await {
        let item = item?;
        if current.as_ref().map(|(account, _)| account) != Some(&item.account) {
            // the accounts before this one with a balance and no item in the dates.
            let quiet: Vec<String> = openings
                .range(..item.account.clone())
                .map(|(account, _)| account.clone())
                .collect();
            for account in quiet {
                let balance = openings.remove(&account).unwrap_or_default();
                opening_line(&mut out, &account, &name(&account), &money(balance));
            }
            let opening = openings.remove(&item.account).unwrap_or_default();
            opening_line(
                &mut out,
                &item.account,
                &name(&item.account),
                &money(opening),
            );
            current = Some((item.account.clone(), opening));
        }
        if let Some((_, balance)) = current.as_mut() {
            *balance += item.debit - item.credit;
            item_line(&mut out, &item, &name(&item.account), &money);
            out.push_str(&money(*balance));
            out.push(',');
            out.push_str(&text(&item.company));
            out.push('\n');
        }
        written += 1;
        if out.len() >= CHUNK && !emit(std::mem::take(&mut out)).await {
            return Ok(written);
        }
    }
    for (account, balance) in std::mem::take(&mut openings) {
        opening_line(&mut out, &account, &name(&account), &money(balance));
    }
    if !out.is_empty() {
        emit(out).await;
    }
    Ok(written)
}

fn opening_line(out: &mut String, account: &str, name: &str, balance: &str) {
    let fields = [
        text(account),
        text(name),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        text("Opening balance"),
        String::new(),
        String::new(),
        balance.to_owned(),
        String::new(),
    ];
    out.push_str(&fields.join(","));
    out.push('\n');
}

/// An item's cells but its balance, each followed by a comma (the balance, which the caller
/// knows, ends the line).
fn item_line(out: &mut String, item: &LedgerItem, name: &str, money: &impl Fn(Decimal) -> String) {
    let fields = [
        text(&item.account),
        text(name),
        item.entry_date.to_string(),
        text(&item.number),
        text(&item.journal),
        item.partner_id.map(|p| p.to_string()).unwrap_or_default(),
        text(&item.label),
        money(item.debit),
        money(item.credit),
    ];
    for field in fields {
        out.push_str(&field);
        out.push(',');
    }
}

/// A text cell: quoted when it holds a comma, a quote or a line break (quotes doubled); one
/// that a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, a tab or a carriage return
/// first) starts with `'`.
fn text(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cells_are_quoted_and_never_formulas() {
        assert_eq!(text("Sales"), "Sales");
        assert_eq!(text("Desk, oak"), "\"Desk, oak\"");
        assert_eq!(text("the \"big\" one"), "\"the \"\"big\"\" one\"");
        assert_eq!(text("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(text("-5"), "'-5");
    }

    #[test]
    fn an_ask_is_read_from_its_parameters_and_a_wrong_one_named() {
        let params = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>()
        };
        let ask = LedgerAsk::parse(&params(&[
            ("accounts", "411000, 550000"),
            ("from", "2026-01-01"),
            ("asOfPosition", "12"),
        ]));
        assert_eq!(
            ask,
            Ok(LedgerAsk {
                accounts: vec!["411000".into(), "550000".into()],
                partner: None,
                dates: Dates {
                    from: NaiveDate::from_ymd_opt(2026, 1, 1),
                    to: None
                },
                as_of: Some(AsOf::Position(12)),
            })
        );
        for (pairs, wrong) in [
            (&[("from", "yesterday")][..], "from"),
            (&[("from", "2026-02-01"), ("to", "2026-01-01")][..], "after"),
            (&[("asOfPosition", "-1")][..], "asOfPosition"),
            (&[("accounts", "41 1000")][..], "accounts"),
            (&[("acount", "411000")][..], "acount"),
        ] {
            let refused = LedgerAsk::parse(&params(pairs)).unwrap_err();
            assert!(refused.contains(wrong), "{refused}");
        }
    }
}
