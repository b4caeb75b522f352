//! Promoting configuration from a test database to production: the changes between two stages
//! of the test database exported as a data module, dry-run and loaded into production, which
//! keeps its business records and history; conflicts listed by line with nothing applied.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use commands::CommandContext;
use domain::configuration::ConfigurationCommand;
use serde_json::{json, Value};
use tests::TestApp;

/// Everything the configuration query shows of what a promotion carries, for comparing two
/// configurations whole.
const CONFIGURATION: &str = "production
    company { code name currency parent address { street city zip country } fiscalYearStart }
    companies { code name currency parent address { street city zip country } fiscalYearStart }
    modules { name installedVersion }
    sequences(first: 100) { nodes { code name prefix padding nextNumber } }
    taxes(first: 100) { nodes { code name rate priceIncluded company } }
    currencies(first: 100) { nodes { code name symbol decimals rates { date rate } } }
    groups(first: 100) { nodes { code name rights { model create read write delete } } }
    accounts(first: 100) { nodes { code name kind company } }
    journals(first: 100) { nodes { code name kind sequence account company } }
    main: businessSettings { receivableAccount payableAccount incomeAccount expenseAccount
        taxCollectedAccount taxDeductibleAccount saleJournal purchaseJournal generalJournal
        saleOrderSequence purchaseOrderSequence invoicePolicy allowNegativeStock paymentDays }
    recordRules(first: 100) { nodes { code name model groups own states partnerCategories } }
    forms { name fields { field label } }";

/// The demo branch's business settings (its own, once it has them).
async fn north(app: &TestApp) -> Value {
    let data = app
        .graphql(
            "{ configuration { businessSettings(company: \"north\") { receivableAccount saleJournal paymentDays } } }",
            json!({}),
        )
        .await;
    data["configuration"]["businessSettings"].clone()
}

async fn configuration(app: &TestApp) -> Value {
    let data = app
        .graphql(
            &format!("{{ configuration {{ {CONFIGURATION} }} }}"),
            json!({}),
        )
        .await;
    data["configuration"].clone()
}

/// Runs `mutation` (several fields at once, each with `userErrors`) and insists none was
/// refused.
async fn change(app: &TestApp, mutation: &str) {
    let data = app.graphql(mutation, json!({})).await;
    for (field, payload) in data.as_object().unwrap() {
        assert_eq!(payload["userErrors"], json!([]), "{field}: {data}");
    }
}

async fn create_stage(app: &TestApp, name: &str) {
    change(
        app,
        &format!("mutation {{ s: createStage(input: {{ name: \"{name}\" }}) {{ userErrors {{ message }} }} }}"),
    )
    .await;
}

async fn export(app: &TestApp, from: &str, to: &str, version: &str) -> (String, usize) {
    let data = app
        .graphql(
            "query($from: String!, $to: String!, $version: String!) {
                stageExport(from: $from, to: $to, module: \"go_live\", version: $version) {
                    content promotions userErrors { field message code } } }",
            json!({ "from": from, "to": to, "version": version }),
        )
        .await;
    let export = &data["stageExport"];
    assert_eq!(export["userErrors"], json!([]), "{data}");
    (
        export["content"].as_str().unwrap().to_owned(),
        usize::try_from(export["promotions"].as_u64().unwrap()).unwrap(),
    )
}

async fn load(app: &TestApp, content: &str, dry_run: bool, force: bool) -> Value {
    let data = app
        .graphql(
            "mutation($content: String!, $dryRun: Boolean!, $force: Boolean!) {
                loadDataModule(content: $content, dryRun: $dryRun, force: $force) {
                    module applied alreadyPromoted configuration { area key before after }
                    userErrors { field message code } } }",
            json!({ "content": content, "dryRun": dry_run, "force": force }),
        )
        .await;
    data["loadDataModule"].clone()
}

/// What business records and their history are: every event that is not configuration, and
/// the books.
async fn business(app: &TestApp) -> (Vec<(i64, String, String)>, Value) {
    let events = sqlx::query_as(
        "select position, aggregate_id, payload::text from events
          where aggregate_type <> 'Configuration' order by position",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let books = app
        .graphql(
            "{ trialBalance { totalDebit totalCredit lines { account debit credit balance } }
               invoices(first: 100) { totalCount nodes { number state total residual } } }",
            json!({}),
        )
        .await;
    (events, books)
}

/// The test database's implementer changes every promoted aspect: a module, the main company
/// and a new one, sequences, taxes, a currency and its rate, a label, groups and rights
/// (one taken away), accounts (one removed), a journal, the main and a company's business
/// settings, a record rule. (The sales orders' next number stays 4, the one after those the
/// demo gave: a restore never lowers a next number, so the restore at the end could not bring
/// a raised one back.)
const EVERY_ASPECT: &str = "mutation {
    a: installModule(input: { name: \"crm\" }) { userErrors { message } }
    b: updateCompany(input: { name: \"YourCompany SA\", street: \"Rue du Promu 1\" }) { userErrors { message } }
    c: setCurrency(input: { code: \"USD\", name: \"US Dollar\", symbol: \"$\" }) { userErrors { message } }
    d: setCurrencyRate(input: { code: \"USD\", date: \"2026-11-01\", rate: \"1.0821\" }) { userErrors { message } }
    e: setCompany(input: { code: \"south\", name: \"South Branch\", currency: \"USD\", parent: \"main\" }) { userErrors { message } }
    f: setSequence(input: { code: \"so\", name: \"Sales orders\", prefix: \"S/\", padding: 6, nextNumber: 4 }) { userErrors { message } }
    g: setSequence(input: { code: \"cash\", name: \"Cash entries\", prefix: \"CSH/\", padding: 4 }) { userErrors { message } }
    h: setTax(input: { code: \"vat21\", name: \"TVA 21%\", rate: \"21\" }) { userErrors { message } }
    i: setTax(input: { code: \"vat6\", name: \"VAT 6%\", rate: \"6\" }) { userErrors { message } }
    j: setLabel(input: { form: \"partner\", field: \"vat\", label: \"VAT number\" }) { userErrors { message } }
    k: setGroup(input: { code: \"warehouse\", name: \"Warehouse\" }) { userErrors { message } }
    l: setAccess(input: { group: \"warehouse\", model: STOCK, read: true, write: true, create: true }) { userErrors { message } }
    m: setAccess(input: { group: \"sales\", model: INVOICE, read: true, write: true }) { userErrors { message } }
    n: setAccess(input: { group: \"accounting\", model: PURCHASE_ORDER }) { userErrors { message } }
    o: setAccount(input: { code: \"570000\", name: \"Cash\", kind: BANK }) { userErrors { message } }
    p: removeAccount(input: { code: \"499000\" }) { userErrors { message } }
    q: setJournal(input: { code: \"cash\", name: \"Cash\", kind: BANK, sequence: \"cash\", account: \"570000\" }) { userErrors { message } }
    r: setBusinessSettings(input: { paymentDays: 45 }) { userErrors { message } }
    s: setBusinessSettings(input: { company: \"north\", paymentDays: 60 }) { userErrors { message } }
    t: setRecordRule(input: { code: \"own_orders\", name: \"Own orders\", model: SALE_ORDER, groups: [\"sales\"], own: true }) { userErrors { message } }
}";

#[tokio::test]
async fn a_configuration_promoted_from_test_makes_production_equal_to_test_and_keeps_its_business()
{
    let production = TestApp::demo().await;
    // an account no business record uses, which the test database takes away.
    change(
        &production,
        "mutation { a: setAccount(input: { code: \"499000\", name: \"Suspense\", kind: LIABILITY }) { userErrors { message } } }",
    )
    .await;
    let test = production.copy().await;
    create_stage(&production, "before_promotion").await;
    let production_before = configuration(&production).await;
    let north_before = north(&production).await;
    let business_before = business(&production).await;

    create_stage(&test, "a").await;
    change(&test, EVERY_ASPECT).await;
    create_stage(&test, "b").await;
    let test_at_b = configuration(&test).await;
    let north_at_b = north(&test).await;
    assert_eq!(north_at_b["paymentDays"], 60);
    assert_ne!(
        test_at_b, production_before,
        "the test database was changed"
    );
    let diff = test
        .graphql(
            "{ stageDiff(from: \"a\", to: \"b\") { area key before after } }",
            json!({}),
        )
        .await["stageDiff"]
        .clone();

    let (content, promotions) = export(&test, "a", "b", "1.0.0").await;
    let mut lines = content.lines();
    let header: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(header["data_module"], "go_live");
    assert_eq!(header["source"]["database"], test.db.name.as_str());
    assert_eq!(header["source"]["from"]["stage"], "a");
    assert_eq!(header["source"]["to"]["stage"], "b");
    assert!(
        header["source"]["from"]["position"].as_i64() < header["source"]["to"]["position"].as_i64()
    );
    // counted by hand from EVERY_ASPECT: crm (it needs only sale, installed) 1, main company
    // and south 2, so and cash sequences 2, vat21 and vat6 2, USD and its rate 2, label 1,
    // warehouse group and its right 2, sales/invoice 1, accounting/purchase_order 1, accounts
    // 570000 and 499000 2, journal cash 1, business settings main and north 2, rule 1.
    assert_eq!(promotions, 20, "{content}");
    // in the order that applies them: the currency before the company in it, the account
    // before the journal naming it; what is taken away last.
    let order: Vec<String> = content
        .lines()
        .skip(1)
        .map(|line| {
            let record: Value = serde_json::from_str(line).unwrap();
            format!(
                "{} {}",
                record["promote"].as_str().unwrap(),
                record["key"].as_str().unwrap()
            )
        })
        .collect();
    let at = |what: &str| order.iter().position(|o| o == what).unwrap();
    assert!(at("currency USD") < at("company south"), "{order:?}");
    assert!(at("account 570000") < at("journal cash"), "{order:?}");
    assert!(at("sequence cash") < at("journal cash"), "{order:?}");
    assert_eq!(order.last().unwrap(), "account 499000", "{order:?}");
    assert!(content
        .lines()
        .nth(1)
        .unwrap()
        .starts_with("{\"promote\":\"module\",\"key\":\"crm\""));
    assert_eq!(lines.count(), promotions);

    // the dry run lists what the stage diff of the test database lists, and changes nothing.
    let events_before = production.event_count().await;
    let dry = load(&production, &content, true, false).await;
    assert_eq!(dry["userErrors"], json!([]), "{dry}");
    assert_eq!(dry["applied"], false);
    assert_eq!(dry["configuration"], diff);
    assert_eq!(production.event_count().await, events_before);
    assert_eq!(configuration(&production).await, production_before);

    let done = load(&production, &content, false, false).await;
    assert_eq!(done["userErrors"], json!([]), "{done}");
    assert_eq!(done["applied"], true);
    assert_eq!(
        configuration(&production).await,
        test_at_b,
        "production's configuration is the test database's at stage b"
    );
    assert_eq!(north(&production).await, north_at_b);
    assert_eq!(
        business(&production).await,
        business_before,
        "production's business records, their history and its books are untouched"
    );

    // promoting again changes nothing.
    let events_after = production.event_count().await;
    let again = load(&production, &content, false, false).await;
    assert_eq!(again["userErrors"], json!([]), "{again}");
    assert_eq!(again["applied"], false);
    assert_eq!(again["configuration"], json!([]));
    assert_eq!(again["alreadyPromoted"], promotions);
    assert_eq!(production.event_count().await, events_after);

    // restoring production's stage from before the promotion undoes it.
    change(
        &production,
        "mutation { r: restoreStage(input: { name: \"before_promotion\" }) { kept { key } userErrors { message } } }",
    )
    .await;
    assert_eq!(configuration(&production).await, production_before);
    assert_eq!(north(&production).await, north_before);
    assert_eq!(business(&production).await, business_before);
}

#[tokio::test]
async fn what_production_changed_or_uses_since_is_a_conflict_by_line_and_nothing_is_promoted() {
    let production = TestApp::new().await;
    tests::books::set_up_the_books(&production).await;
    change(
        &production,
        "mutation { t: setTax(input: { code: \"vat6\", name: \"VAT 6%\", rate: \"6\" }) { userErrors { message } } }",
    )
    .await;
    let test = production.copy().await;
    create_stage(&test, "a").await;
    change(
        &test,
        "mutation {
            a: setTax(input: { code: \"vat21\", name: \"VAT 22%\", rate: \"22\" }) { userErrors { message } }
            b: removeTax(input: { code: \"vat6\" }) { userErrors { message } }
            c: setLabel(input: { form: \"partner\", field: \"vat\", label: \"VAT number\" }) { userErrors { message } }
        }",
    )
    .await;
    create_stage(&test, "b").await;
    let (content, promotions) = export(&test, "a", "b", "1.0.0").await;
    assert_eq!(promotions, 3, "{content}");
    let line_of = |needle: &str| {
        content
            .lines()
            .position(|line| line.contains(needle))
            .map(|index| index + 1)
            .unwrap()
    };
    let (vat21, vat6) = (line_of("\"key\":\"vat21\""), line_of("\"key\":\"vat6\""));

    // since the copy, production changed vat21 on its own and sells a product taxed at 6%.
    change(
        &production,
        "mutation { t: setTax(input: { code: \"vat21\", name: \"VAT 21% (BE)\", rate: \"21\" }) { userErrors { message } } }",
    )
    .await;
    tests::books::must(
        &production,
        "createProduct",
        "CreateProductInput",
        json!({ "reference": "BOOK", "name": "Book", "kind": "STOCKABLE",
                "salePrice": "20", "cost": "12", "taxes": ["vat6"] }),
        "product { id }",
    )
    .await;
    let before = configuration(&production).await;
    let events = production.event_count().await;

    for dry_run in [true, false] {
        let refused = load(&production, &content, dry_run, false).await;
        assert_eq!(refused["applied"], false);
        let errors = refused["userErrors"].as_array().unwrap();
        assert_eq!(errors.len(), 2, "{refused}");
        assert!(errors.iter().all(|e| e["code"] == "CONFLICT"), "{refused}");
        let message = |n: usize| errors[n]["message"].as_str().unwrap();
        assert!(
            message(0).starts_with(&format!("line {}: ", vat21.min(vat6))),
            "{refused}"
        );
        let changed = errors
            .iter()
            .find(|e| e["message"].as_str().unwrap().contains("vat21"))
            .unwrap();
        assert!(
            changed["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("line {vat21}: tax 'vat21' was changed here")),
            "{refused}"
        );
        let used = errors
            .iter()
            .find(|e| e["message"].as_str().unwrap().contains("vat6"))
            .unwrap();
        assert!(
            used["message"].as_str().unwrap().starts_with(&format!(
                "line {vat6}: tax 'vat6' is used by business records"
            )),
            "{refused}"
        );
    }
    assert_eq!(
        production.event_count().await,
        events,
        "nothing was applied"
    );
    assert_eq!(configuration(&production).await, before);
}

#[tokio::test]
async fn a_production_database_takes_a_development_version_of_a_promotion_only_when_forced() {
    let production = TestApp::new().await;
    tests::books::set_up_the_books(&production).await;
    let test = production.copy().await;
    create_stage(&test, "a").await;
    change(
        &test,
        "mutation { a: setLabel(input: { form: \"partner\", field: \"vat\", label: \"VAT number\" }) { userErrors { message } } }",
    )
    .await;
    create_stage(&test, "b").await;
    production
        .backend
        .state
        .bus
        .configure(
            ConfigurationCommand::MarkDatabase { production: true },
            &CommandContext::system("tester"),
        )
        .await
        .unwrap();

    let (content, _) = export(&test, "a", "b", "1.1.0").await;
    let refused = load(&production, &content, false, false).await;
    assert_eq!(refused["applied"], false);
    assert_eq!(
        refused["userErrors"][0]["code"], "DEVELOPMENT_VERSION",
        "{refused}"
    );
    let forced = load(&production, &content, false, true).await;
    assert_eq!(forced["userErrors"], json!([]), "{forced}");
    assert_eq!(forced["applied"], true);

    // the same in a release version goes in without force: nothing is left to change.
    let (release, _) = export(&test, "a", "b", "1.2.0").await;
    let loaded = load(&production, &release, false, false).await;
    assert_eq!(loaded["userErrors"], json!([]), "{loaded}");
    assert_eq!(loaded["alreadyPromoted"], 1);

    // a module in development that the promotion installs needs force too.
    create_stage(&test, "c").await;
    change(
        &test,
        "mutation { a: installModule(input: { name: \"crm\" }) { userErrors { message } } }",
    )
    .await;
    create_stage(&test, "d").await;
    let (crm, _) = export(&test, "c", "d", "1.2.0").await;
    let refused = load(&production, &crm, true, false).await;
    assert_eq!(
        refused["userErrors"][0]["code"], "DEVELOPMENT_VERSION",
        "{refused}"
    );
    assert!(
        refused["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("crm"),
        "{refused}"
    );
    let forced = load(&production, &crm, false, true).await;
    assert_eq!(forced["userErrors"], json!([]), "{forced}");
}

async fn answer(app: &TestApp, from: &str, module: &str, version: &str) -> Value {
    let query = format!(
        "{{ stageExport(from: \"{from}\", to: \"a\", module: \"{module}\", version: \"{version}\") {{ content userErrors {{ field code }} }} }}"
    );
    app.graphql(&query, json!({})).await["stageExport"].clone()
}

#[tokio::test]
async fn an_export_names_what_is_wrong_with_its_arguments_and_only_administrators_export() {
    let app = TestApp::new().await;
    create_stage(&app, "a").await;
    assert_eq!(
        answer(&app, "nope", "go_live", "1.0.0").await["userErrors"],
        json!([{ "field": ["from"], "code": "NOT_FOUND" }])
    );
    assert_eq!(
        answer(&app, "a", "go live!", "1.0.0").await["userErrors"],
        json!([{ "field": ["module"], "code": "INVALID" }])
    );
    assert_eq!(
        answer(&app, "a", "go_live", "one").await["userErrors"],
        json!([{ "field": ["version"], "code": "INVALID" }])
    );
    let empty = answer(&app, "a", "go_live", "1.0.0").await;
    assert_eq!(empty["userErrors"], json!([]));
    assert_eq!(
        empty["content"].as_str().unwrap().lines().count(),
        1,
        "a header only"
    );

    let clerk = app.user("clerk", &[]).await;
    let denied = app
        .graphql_with(
            &clerk,
            "{ stageExport(from: \"a\", to: \"a\", module: \"m\", version: \"1.0.0\") { content } }",
            json!({}),
        )
        .await;
    assert_eq!(
        denied["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{denied}"
    );
}

#[tokio::test]
async fn a_promotion_with_a_bad_line_is_refused_at_that_line_and_nothing_is_loaded() {
    let app = TestApp::new().await;
    tests::books::set_up_the_books(&app).await;
    let before = configuration(&app).await;
    let events = app.event_count().await;
    let header = r#"{"data_module":"go_live","version":"1.0.0"}"#;
    let label = r#"{"promote":"label","key":"partner.vat","to":"VAT number"}"#;
    for (bad, expected) in [
        (
            r#"{"promote":"tax","key":"vat9","to":{"name":"VAT 900%","rate":"900","price_included":false}}"#,
            "line 3: to: tax: a tax rate is between 0 and 100 percent",
        ),
        (
            r#"{"promote":"taxes","key":"vat9","to":{}}"#,
            "line 3: promote: there is no area 'taxes'",
        ),
        (
            r#"{"promote":"tax","key":"vat9"}"#,
            "line 3: a promoted thing has what it was",
        ),
        (
            r#"{"promote":"label","key":"partner.vat","to":"VAT"}"#,
            "line 3: label 'partner.vat' is promoted on line 2 already",
        ),
        (
            r#"{"promote":"journal","key":"cash","to":{"name":"Cash","kind":"general","sequence":"nowhere","account":null}}"#,
            "line 3: journal 'cash': there is no sequence 'nowhere'",
        ),
        (
            r#"{"promote":"sequence","key":"huge","to":{"name":"Huge","prefix":"H","padding":3,"next_number":18446744073709551615}}"#,
            "line 3: to: sequence: the next number must be at most",
        ),
        (
            r#"{"promote":"journal","key":"cash","to":{"name":"Cash","kind":"bank","sequence":"bnk","account":"700000"}}"#,
            "line 3: journal 'cash': ",
        ),
        (
            r#"{"promote":"business_settings","key":"north","to":{"payment_days":4294967295,"invoice_policy":"ordered","allow_negative_stock":false}}"#,
            "line 3: business_settings 'north': ",
        ),
        (
            r#"{"promote":"company","key":"main","was":{"name":"My Company","currency":"EUR","address":{"street":null,"city":null,"zip":null,"country":null},"fiscal_year_start":{"month":1,"day":1}},"to":{"name":"My Company","currency":"EUR","address":{"street":null,"city":null,"zip":null,"country":null},"fiscal_year_start":{"month":1,"day":1},"parent":"main"}}"#,
            "line 3: company 'main': ",
        ),
        (
            r#"{"promote":"module","key":"sale","was":"1.0.0","to":"2.0.0"}"#,
            "line 3: module 'sale': this build ships sale 1.0.0, not 2.0.0",
        ),
        // a key given twice is not the last one taken; a misspelled field is not ignored.
        (
            r#"{"promote":"tax","key":"vat9","to":{"name":"VAT 9%","rate":"9","rate":"90","price_included":false}}"#,
            r#"line 3: not JSON: the key "rate" is given twice"#,
        ),
        (
            r#"{"promote":"tax","key":"vat9","to":{"name":"VAT 9%","rate":"9","price_included":false,"acount":"451000"}}"#,
            r#"line 3: to: not a tax: there is no field "acount""#,
        ),
        (
            r#"{"promote":"company","key":"north","to":{"name":"North","currency":"EUR","address":{"city":"Namur","colour":"blue"},"fiscal_year_start":{"month":1,"day":1}}}"#,
            r#"line 3: to: not a company: there is no field "address.colour""#,
        ),
    ] {
        let content = format!("{header}\n{label}\n{bad}\n");
        let refused = load(&app, &content, false, false).await;
        assert_eq!(refused["applied"], false, "{bad}");
        let message = refused["userErrors"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(message.starts_with(expected), "{bad}: {refused}");
    }
    assert_eq!(app.event_count().await, events, "nothing was loaded");
    assert_eq!(configuration(&app).await, before);
}

#[tokio::test]
async fn a_setting_of_a_module_the_database_lacks_is_refused_at_its_line() {
    let app = TestApp::new().await;
    let content = concat!(
        r#"{"data_module":"go_live","version":"1.0.0"}"#,
        "\n",
        r#"{"promote":"tax","key":"vat6","to":{"name":"VAT 6%","rate":"6","price_included":false}}"#,
        "\n"
    );
    let events = app.event_count().await;
    let refused = load(&app, content, true, false).await;
    assert_eq!(refused["userErrors"][0]["code"], "CONFLICT", "{refused}");
    let message = refused["userErrors"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("line 2: tax 'vat6': ") && message.contains("account"),
        "{refused}"
    );
    assert_eq!(app.event_count().await, events);
}
