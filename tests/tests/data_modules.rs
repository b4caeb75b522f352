//! Data modules: dry run, apply, apply again, and malformed files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use commands::data_module::{load, DataModule, LoadError, Loading, Refusal};
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
    let report = load(&app.backend.state, &module, Loading::DRY_RUN, "tester")
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
    let report = load(&app.backend.state, &module, Loading::APPLY, "tester")
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

    let again = load(&app.backend.state, &module, Loading::APPLY, "tester")
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
    let update = load(&app.backend.state, &newer, Loading::APPLY, "tester")
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

    // a key given twice: refused, not the last one taken.
    let twice = refused(&format!(
        "{header}\n{{\"tax\": \"vat21\", \"name\": \"VAT\", \"rate\": \"21\", \"rate\": \"6\"}}\n"
    ));
    assert_eq!(twice.line, 2);
    assert!(
        twice.reason.contains("the key \"rate\" is given twice"),
        "{twice}"
    );

    // the same tax on two lines (its code in any case): refused, not the last one taken.
    let again = refused(&format!(
        "{header}\n{{\"tax\": \"vat21\", \"name\": \"VAT\", \"rate\": \"21\"}}\n\
         {{\"tax\": \"VAT21\", \"name\": \"VAT\", \"rate\": \"6\"}}\n"
    ));
    assert_eq!(again.line, 3);
    assert!(
        again
            .reason
            .contains("tax 'vat21' is set on line 2 already"),
        "{again}"
    );

    let no_header = refused("{\"tax\": \"vat21\", \"name\": \"VAT\", \"rate\": \"21\"}\n");
    assert_eq!(no_header.line, 1);

    // well-formed, but refused by the configuration: the line of the refused record.
    let unknown_field = DataModule::parse(&format!(
        "{header}\n{{\"tax\": \"vat21\", \"name\": \"VAT\", \"rate\": \"21\"}}\n{{\"label\": \"partner.shoeSize\", \"text\": \"Size\"}}\n"
    ))
    .unwrap();
    let before = app.event_count().await;
    let outcome = load(&app.backend.state, &unknown_field, Loading::APPLY, "tester").await;
    match outcome {
        Err(LoadError::Refused(refusal)) => {
            assert_eq!(refusal.line, 3);
            assert!(refusal.reason.contains("shoeSize"), "{refusal}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(app.event_count().await, before, "nothing of it applied");
}

const BRANCH: &str = r#"{"data_module": "branch_north", "version": "1.0.0", "requires": ["account"]}
{"company": "north", "name": "North Branch", "currency": "EUR", "parent": "main", "fiscal_year_start": "04-01", "city": "Namur", "country": "BE"}
{"tax": "vat6n", "name": "VAT 6%", "rate": "6", "company": "north"}
{"account": "550100", "name": "North bank", "kind": "bank", "company": "north"}
{"sequence": "bank.north", "name": "North bank entries", "prefix": "BN"}
{"journal": "banknorth", "name": "North bank", "kind": "bank", "sequence": "bank.north", "account": "550100", "company": "north"}
{"partner": "dealer", "name": "North Dealer", "is_customer": true, "company": "north", "categories": ["region.north", "retail"]}
{"partner": "everyone", "name": "Shared Supplier", "is_supplier": true}
"#;

#[tokio::test]
async fn a_data_module_brings_a_company_with_its_own_settings_and_partners() {
    let app = TestApp::new().await;
    let module = DataModule::parse(BRANCH).unwrap();
    let report = load(&app.backend.state, &module, Loading::APPLY, "tester")
        .await
        .unwrap();
    assert!(report.applied, "{report:?}");
    app.backend
        .catch_up(std::time::Duration::from_secs(10))
        .await
        .unwrap();
    let data = app
        .graphql(
            "{ configuration {
                 companies { code name currency parent fiscalYearStart address { city country } }
                 tax(code: \"vat6n\") { company }
                 account(code: \"550100\") { company }
                 journal(code: \"banknorth\") { company } }
               partners(first: 10) { nodes { name company categories } } }",
            json!({}),
        )
        .await;
    let configuration = &data["configuration"];
    let north = configuration["companies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "north")
        .cloned()
        .unwrap_or_else(|| panic!("{data}"));
    assert_eq!(
        north,
        json!({ "code": "north", "name": "North Branch", "currency": "EUR", "parent": "main",
                "fiscalYearStart": "04-01", "address": { "city": "Namur", "country": "BE" } })
    );
    for setting in ["tax", "account", "journal"] {
        assert_eq!(configuration[setting]["company"], "north", "{data}");
    }
    assert_eq!(
        data["partners"]["nodes"],
        json!([{ "name": "North Dealer", "company": "north", "categories": ["region.north", "retail"] },
               { "name": "Shared Supplier", "company": null, "categories": [] }])
    );

    // again: nothing changes.
    let written = app.event_count().await;
    let again = load(&app.backend.state, &module, Loading::APPLY, "tester")
        .await
        .unwrap();
    assert!(again.is_empty(), "{again:?}");
    assert_eq!(app.event_count().await, written);

    // a partner moved to another company by a newer version is updated.
    let moved = DataModule::parse(&BRANCH.replace("\"1.0.0\"", "\"1.1.0\"").replace(
        "\"is_supplier\": true}",
        "\"is_supplier\": true, \"company\": \"north\"}",
    ))
    .unwrap();
    let update = load(&app.backend.state, &moved, Loading::APPLY, "tester")
        .await
        .unwrap();
    assert_eq!(update.partners, ["update partner 'Shared Supplier'"]);
}

#[tokio::test]
async fn a_company_a_data_module_names_must_exist_and_be_well_formed() {
    let app = TestApp::new().await;
    // a partner of a company neither the database nor the module has: refused by its line,
    // and nothing of the module is applied.
    let unknown = DataModule::parse(&BRANCH.replace(
        "\"company\": \"north\", \"categories\"",
        "\"company\": \"south\", \"categories\"",
    ))
    .unwrap();
    let refusal = refused_load(&app, &unknown).await;
    assert_eq!(refusal.line, 7, "{refusal}");
    assert!(refusal.reason.contains("no company 'south'"), "{refusal}");
    assert_eq!(app.event_count().await, 0);
    // a tax of such a company likewise, named by the configuration.
    let tax = DataModule::parse(&BRANCH.replace(
        "\"rate\": \"6\", \"company\": \"north\"",
        "\"rate\": \"6\", \"company\": \"south\"",
    ))
    .unwrap();
    let refusal = refused_load(&app, &tax).await;
    assert_eq!(refusal.line, 3, "{refusal}");
    assert_eq!(app.event_count().await, 0);
    // a fiscal year that does not start on a day of every year, and a bad company code.
    let bad_year = refused(&BRANCH.replace("04-01", "02-29"));
    assert_eq!(bad_year.line, 2, "{bad_year}");
    let bad_code = refused(&BRANCH.replace(
        "\"company\": \"north\", \"name\"",
        "\"company\": \"North!\", \"name\"",
    ));
    assert_eq!(bad_code.line, 2, "{bad_code}");
    assert!(bad_code.reason.contains("company"), "{bad_code}");
}

/// Why loading `module` into `app`'s database is refused (it must be).
async fn refused_load(app: &TestApp, module: &DataModule) -> Refusal {
    let answer = load(&app.backend.state, module, Loading::APPLY, "tester").await;
    let Err(LoadError::Refused(refusal)) = answer else {
        panic!("loaded: {answer:?}");
    };
    refusal
}

#[tokio::test]
async fn a_bad_tax_name_is_refused_on_its_name() {
    let refusal = DataModule::parse(
        "{\"data_module\": \"bad_name\", \"version\": \"1.0.0\", \"requires\": [\"account\"]}\n\
         {\"tax\": \"vat21\", \"name\": \"VAT\\u0000 21%\", \"rate\": \"21\"}\n",
    )
    .expect_err("a NUL in a name");
    assert_eq!(refusal.line, 2);
    assert!(refusal.reason.starts_with("name"), "{refusal}");
}
