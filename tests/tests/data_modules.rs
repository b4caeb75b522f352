//! Data modules: dry run, apply, apply again, and malformed files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use commands::data_module::{load, DataModule, LoadError, Refusal};
use domain::configuration::{Area, Change};
use serde_json::json;
use tests::TestApp;

const DEMO: &str = r#"# a small Belgian setup
{"data_module": "l10n_demo", "version": "1.0.0", "requires": ["account"]}
{"tax": "vat21", "name": "VAT 21%", "rate": "21"}
{"tax": "vat6", "name": "VAT 6%", "rate": "6", "price_included": true}

{"currency": "USD", "name": "US Dollar", "symbol": "$"}
{"currency_rate": "USD", "date": "2026-01-01", "rate": "1.0821"}
{"sequence": "sale.order", "name": "Sales orders", "prefix": "SO", "padding": 4}
{"label": "partner.vat", "text": "VAT number"}
{"group": "sales", "name": "Sales", "rights": {"partner": "crw"}}
{"partner": "agrolait", "name": "Agrolait", "email": "info@agrolait.be", "city": "Wavre", "country": "BE", "is_customer": true}
{"partner": "camptocamp", "name": "Camptocamp", "is_supplier": true}
"#;

fn added(area: Area, key: &str, after: &str) -> Change {
    Change {
        area,
        key: key.to_owned(),
        before: None,
        after: Some(after.to_owned()),
        company: None,
    }
}

#[tokio::test]
async fn a_dry_run_says_what_would_change_and_changes_nothing() {
    let app = TestApp::new().await;
    let module = DataModule::parse(DEMO).unwrap();
    assert_eq!(module.key(), "l10n_demo@1.0.0");
    let report = load(&app.backend.state, &module, true, "tester")
        .await
        .unwrap();
    assert!(!report.applied);
    assert_eq!(
        report.configuration,
        vec![
            added(Area::Module, "account", "1.0.0"),
            added(Area::Sequence, "sale.order", "Sales orders (next SO0001)"),
            added(Area::Tax, "vat21", "VAT 21% (21%)"),
            added(Area::Tax, "vat6", "VAT 6% (6%, included in price)"),
            added(Area::Currency, "USD", "US Dollar ($, 2 decimals)"),
            added(Area::CurrencyRate, "USD 2026-01-01", "1.0821"),
            added(Area::Label, "partner.vat", "VAT number"),
            added(Area::Group, "sales", "Sales"),
            added(Area::Access, "sales/partner", "create, read, write"),
        ]
    );
    assert_eq!(
        report.partners,
        ["create partner 'Agrolait'", "create partner 'Camptocamp'"]
    );
    assert_eq!(app.event_count().await, 0);
}

#[tokio::test]
async fn loading_applies_once_and_records_the_module_on_its_events() {
    let app = TestApp::new().await;
    let module = DataModule::parse(DEMO).unwrap();
    let report = load(&app.backend.state, &module, false, "tester")
        .await
        .unwrap();
    assert!(report.applied);
    let written = app.event_count().await;
    // account installed, 2 taxes, currency, rate, sequence, label, group, access, 2 partners.
    assert_eq!(written, 11);
    let tagged: i64 = sqlx::query_scalar(
        "select count(*) from events where metadata->>'data_module' = 'l10n_demo@1.0.0'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(tagged, 11, "every event says which module it came from");

    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();
    let data = app
        .graphql(
            "{ configuration { taxes { nodes { code rate priceIncluded } } } partners { edges { node { name address { city } isCustomer } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["configuration"]["taxes"]["nodes"],
        json!([{ "code": "vat21", "rate": "21", "priceIncluded": false },
               { "code": "vat6", "rate": "6", "priceIncluded": true }])
    );
    assert_eq!(
        data["partners"]["edges"],
        json!([{ "node": { "name": "Agrolait", "address": { "city": "Wavre" }, "isCustomer": true } },
               { "node": { "name": "Camptocamp", "address": { "city": null }, "isCustomer": false } }])
    );

    let again = load(&app.backend.state, &module, false, "tester")
        .await
        .unwrap();
    assert!(again.is_empty(), "{again:?}");
    assert_eq!(
        app.event_count().await,
        written,
        "loading twice changes nothing"
    );

    let newer = DEMO
        .replace("\"1.0.0\"", "\"1.2.0\"")
        .replace("\"rate\": \"21\"", "\"rate\": \"20\"")
        .replace("info@agrolait.be", "sales@agrolait.be");
    let newer = DataModule::parse(&newer).unwrap();
    let update = load(&app.backend.state, &newer, false, "tester")
        .await
        .unwrap();
    assert_eq!(
        update.configuration,
        vec![Change {
            area: Area::Tax,
            key: "vat21".into(),
            before: Some("VAT 21% (21%)".into()),
            after: Some("VAT 21% (20%)".into()),
            company: None,
        }]
    );
    assert_eq!(update.partners, ["update partner 'Agrolait'"]);
    assert_eq!(app.event_count().await, written + 2);
}

fn refused(file: &str) -> Refusal {
    DataModule::parse(file).expect_err("the file is refused")
}

#[tokio::test]
async fn a_malformed_file_is_refused_with_its_line_and_nothing_is_applied() {
    let app = TestApp::new().await;
    let header = r#"{"data_module": "broken", "version": "1.0.0", "requires": ["account"]}"#;

    let not_json = refused(&format!("{header}\n{{\"tax\": \"vat21\",\n"));
    assert_eq!(not_json.line, 2);
    assert!(not_json.reason.contains("not JSON"), "{not_json}");

    let bad_rate = refused(&format!(
        "{header}\n\n{{\"tax\": \"vat21\", \"name\": \"VAT\", \"rate\": \"150\"}}\n"
    ));
    assert_eq!(bad_rate.line, 3);
    assert!(bad_rate.reason.starts_with("rate:"), "{bad_rate}");

    let unknown = refused(&format!("{header}\n{{\"product\": \"desk\"}}\n"));
    assert_eq!(unknown.line, 2);
    assert!(unknown.reason.contains("unknown record"), "{unknown}");

    let extra_field = refused(&format!(
        "{header}\n{{\"partner\": \"a\", \"name\": \"A\", \"colour\": \"blue\"}}\n"
    ));
    assert_eq!(extra_field.line, 2);
    assert!(extra_field.reason.contains("colour"), "{extra_field}");

    let no_header = refused("{\"tax\": \"vat21\", \"name\": \"VAT\", \"rate\": \"21\"}\n");
    assert_eq!(no_header.line, 1);

    // well-formed, but refused by the configuration: the line of the refused record.
    let unknown_field = DataModule::parse(&format!(
        "{header}\n{{\"tax\": \"vat21\", \"name\": \"VAT\", \"rate\": \"21\"}}\n{{\"label\": \"partner.shoeSize\", \"text\": \"Size\"}}\n"
    ))
    .unwrap();
    let before = app.event_count().await;
    let outcome = load(&app.backend.state, &unknown_field, false, "tester").await;
    match outcome {
        Err(LoadError::Refused(refusal)) => {
            assert_eq!(refusal.line, 3);
            assert!(refusal.reason.contains("shoeSize"), "{refusal}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(app.event_count().await, before, "nothing of it applied");
}
