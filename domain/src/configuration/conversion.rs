//! Figures of several companies in one currency: what a report that covers companies keeping
//! their books in different currencies (a parent consolidating its children) converts them by.
//!
//! A currency's rates are units of it per unit of the main company's currency, each from its
//! date on ([`Currency::rates`](super::Currency)); the main company's currency is 1. An amount
//! of company C's books becomes one of currency P at a day by `rate(P) / rate(C)`, the rates in
//! force that day: the closing rate of the report's last day, for every figure (balances and
//! movements alike; average rates for the period's movements are not kept).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::settings::Settings;
use super::values::{Code, CurrencyCode};

/// How each company's amounts become amounts of one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversion {
    /// The currency the figures are in.
    pub currency: CurrencyCode,
    /// What a company's amount is multiplied by; a company not here keeps its amounts (its
    /// books are in `currency`).
    factors: BTreeMap<String, Decimal>,
}

/// Why figures cannot be converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConversionError {
    #[error("there is no company '{0}'")]
    UnknownCompany(String),
    #[error(
        "currency {currency} has no rate on or before {day}: set one (setCurrencyRate) to \
         convert company {company}'s figures"
    )]
    NoRate {
        currency: CurrencyCode,
        day: NaiveDate,
        company: String,
    },
}

impl Conversion {
    /// Whether some company's amounts change.
    pub fn converts(&self) -> bool {
        !self.factors.is_empty()
    }

    /// `amount` of `company`'s books in [`Self::currency`], not rounded.
    pub fn convert(&self, company: &str, amount: Decimal) -> Decimal {
        match self.factors.get(company) {
            Some(factor) => amount * factor,
            None => amount,
        }
    }
}

impl Settings {
    /// The currency company `code` keeps its books in.
    pub fn currency_of(&self, code: &Code) -> Option<&CurrencyCode> {
        self.company(code).map(|c| &c.currency)
    }

    /// The currencies `companies` keep their books in.
    pub fn currencies_of(&self, companies: &[String]) -> std::collections::BTreeSet<CurrencyCode> {
        companies
            .iter()
            .filter_map(|c| Code::parse(c).ok())
            .filter_map(|c| self.currency_of(&c).cloned())
            .collect()
    }

    /// How the figures of `companies` become figures of company `into`'s currency, at the
    /// rates of `day`.
    pub fn conversion(
        &self,
        companies: &[String],
        into: &Code,
        day: NaiveDate,
    ) -> Result<Conversion, ConversionError> {
        let currency_of = |code: &str| {
            Code::parse(code)
                .ok()
                .and_then(|c| self.currency_of(&c).cloned())
                .ok_or_else(|| ConversionError::UnknownCompany(code.to_owned()))
        };
        let target = currency_of(into.as_str())?;
        let mut factors = BTreeMap::new();
        for company in companies {
            let theirs = currency_of(company)?;
            if theirs == target {
                continue;
            }
            let rate = |currency: &CurrencyCode| {
                self.rate(currency, day)
                    .ok_or_else(|| ConversionError::NoRate {
                        currency: currency.clone(),
                        day,
                        company: company.clone(),
                    })
            };
            factors.insert(company.clone(), rate(&target)? / rate(&theirs)?);
        }
        Ok(Conversion {
            currency: target,
            factors,
        })
    }

    /// Units of `currency` per unit of the main company's currency on `day`: 1 for that
    /// currency, else the last rate set on or before `day`.
    fn rate(&self, currency: &CurrencyCode, day: NaiveDate) -> Option<Decimal> {
        if *currency == self.company.currency {
            return Some(Decimal::ONE);
        }
        self.currencies
            .get(currency)?
            .rates
            .range(..=day)
            .next_back()
            .map(|(_, rate)| *rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::configuration::{Company, Currency};

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap_or_default()
    }

    /// Main in EUR; `us` in USD (1.10 per euro from March, 1.20 from June); `uk` in GBP with
    /// no rate; `be` in EUR.
    fn settings() -> Settings {
        let code = |c: &str| Code::parse(c).unwrap_or_else(|_| Code::main_company());
        let currency = |c: &str| CurrencyCode::parse(c).unwrap_or_else(|_| unreachable!());
        let mut settings = Settings::default();
        for (company, money) in [("us", "USD"), ("uk", "GBP"), ("be", "EUR")] {
            settings.companies.insert(
                code(company),
                Company {
                    currency: currency(money),
                    parent: Some(Code::main_company()),
                    ..Company::default()
                },
            );
        }
        let mut usd = Currency::new("US Dollar", "$", 2).unwrap_or_else(|_| unreachable!());
        usd.rates.insert(day("2026-03-01"), Decimal::new(110, 2));
        usd.rates.insert(day("2026-06-01"), Decimal::new(120, 2));
        settings.currencies.insert(currency("USD"), usd);
        let gbp = Currency::new("Pound", "£", 2).unwrap_or_else(|_| unreachable!());
        settings.currencies.insert(currency("GBP"), gbp);
        settings
    }

    fn companies(codes: &[&str]) -> Vec<String> {
        codes.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn a_childs_figures_take_the_rate_in_force_on_the_day() {
        let settings = settings();
        let main = Code::main_company();
        let into_euros = settings
            .conversion(&companies(&["main", "us", "be"]), &main, day("2026-04-30"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(into_euros.converts());
        // 110.00 dollars at 1.10 per euro: 100 euros; euro companies keep theirs.
        assert_eq!(
            into_euros.convert("us", Decimal::new(11000, 2)),
            Decimal::ONE_HUNDRED
        );
        assert_eq!(
            into_euros.convert("be", Decimal::new(5, 0)),
            Decimal::new(5, 0)
        );
        assert_eq!(
            into_euros.convert("main", Decimal::new(5, 0)),
            Decimal::new(5, 0)
        );
        // from June on, 1.20: 120 dollars are 100 euros.
        let june = settings
            .conversion(&companies(&["us"]), &main, day("2026-06-01"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            june.convert("us", Decimal::new(120, 0)),
            Decimal::ONE_HUNDRED
        );
        // and into dollars: 100 euros are 110 dollars in April.
        let us = Code::parse("us").unwrap_or_else(|_| unreachable!());
        let into_dollars = settings
            .conversion(&companies(&["main", "us"]), &us, day("2026-04-30"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(into_dollars.currency.as_str(), "USD");
        assert_eq!(
            into_dollars.convert("main", Decimal::ONE_HUNDRED),
            Decimal::new(110, 0)
        );
    }

    #[test]
    fn one_currency_converts_nothing_and_a_missing_rate_is_named() {
        let settings = settings();
        let main = Code::main_company();
        let same = settings
            .conversion(&companies(&["main", "be"]), &main, day("2026-04-30"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!same.converts());
        // before the first rate, and a currency with none.
        for (company, currency) in [("us", "USD"), ("uk", "GBP")] {
            let refused = settings.conversion(&companies(&[company]), &main, day("2026-02-01"));
            let Err(error) = refused else {
                panic!("{company} converted without a rate");
            };
            assert!(error.to_string().contains(currency), "{error}");
            assert!(error.to_string().contains("2026-02-01"), "{error}");
        }
    }
}
