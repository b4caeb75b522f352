//! The web client (issue 19) in a real headless Chromium: signed in, lists and forms drawn from
//! the view definitions, edited with the record's version, and never stale.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use serde_json::json;
use tests::browser::{screenshot_path, Browser};
use tests::{TestApp, ADMIN_PASSWORD};

const WAIT: Duration = Duration::from_secs(30);

/// The web client of a new database, signed in as `admin`.
async fn signed_in() -> (TestApp, Browser) {
    let app = TestApp::new().await;
    let address = app.listen().await;
    let mut browser = Browser::start().await;
    browser.goto(&format!("{address}/")).await;
    browser.sign_in("admin", ADMIN_PASSWORD).await;
    (app, browser)
}

#[tokio::test]
async fn a_database_signed_in_to_before_is_offered_to_pick() {
    let app = TestApp::new().await;
    let address = app.listen().await;
    let mut browser = Browser::start().await;
    browser.goto(&format!("{address}/")).await;
    // a fresh browser knows no database.
    let offered =
        "[...document.querySelectorAll('form.sign-in datalist option')].map(o => o.value)";
    assert!(
        browser
            .wait_until("document.querySelector('form.sign-in')", WAIT)
            .await
    );
    assert_eq!(browser.eval(offered).await, json!([]));
    browser
        .type_into("input[name=database]", &app.db.name)
        .await;
    browser.type_into("input[name=login]", "admin").await;
    browser
        .type_into("input[name=password]", ADMIN_PASSWORD)
        .await;
    browser.press("Enter").await;
    assert!(
        browser
            .wait_until("document.querySelector('nav.menu a')", WAIT)
            .await,
        "{}",
        browser.text("body").await
    );
    assert_eq!(
        browser.text("header .database").await.trim(),
        app.db.name.as_str()
    );
    // signed out: the database is offered to pick, and picking it signs in there.
    browser.click("header button").await;
    assert!(
        browser
            .wait_until("document.querySelector('form.sign-in')", WAIT)
            .await
    );
    assert_eq!(browser.eval(offered).await, json!([app.db.name]));
    assert_eq!(
        browser
            .eval("document.querySelector('input[name=database]').list?.id === document.querySelector('form.sign-in datalist').id")
            .await,
        json!(true)
    );
}

#[tokio::test]
async fn a_person_signs_in_and_creates_a_partner_through_the_form() {
    let (app, mut browser) = signed_in().await;
    // a wrong password says so, on the sign-in page.
    browser.click("header button").await;
    browser.type_into("input[name=login]", "admin").await;
    browser
        .type_into("input[name=password]", "not the password")
        .await;
    browser.press("Enter").await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('form.sign-in [role=alert]').innerText.length > 0",
                WAIT
            )
            .await
    );
    browser
        .screenshot(&screenshot_path("client-wrong-password"))
        .await;
    browser
        .type_into("input[name=password]", ADMIN_PASSWORD)
        .await;
    browser.press("Enter").await;
    assert!(
        browser
            .wait_until("document.querySelector('nav.menu a')", WAIT)
            .await
    );

    browser.click("a[data-view=partner]").await;
    browser.click("a.button.primary").await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('form.record [data-field=name] input')",
                WAIT
            )
            .await
    );
    // the required name left out: the error is next to the field, and nothing is written.
    let events = app.event_count().await;
    browser
        .type_into("[data-field=email] input", "info@agrolait.example")
        .await;
    save_form(&mut browser).await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('[data-field=name] .field-error').innerText.length > 0",
                WAIT
            )
            .await,
        "{}",
        browser.text("form.record").await
    );
    browser
        .screenshot(&screenshot_path("client-partner-error"))
        .await;
    assert_eq!(app.event_count().await, events);

    browser
        .type_into("[data-field=name] input", "Agrolait")
        .await;
    browser
        .type_into("[data-field='address.city'] input", "Wavre")
        .await;
    browser.click("[data-field=isCustomer] input").await;
    browser
        .type_into("[data-field=categories] input", "retail, region.north")
        .await;
    save_form(&mut browser).await;
    assert!(
        browser
            .wait_until("location.hash.startsWith('#/form/partner/')", WAIT)
            .await,
        "{}",
        browser.text("form.record").await
    );
    assert!(
        browser
            .wait_until(
                "document.querySelector('form.record h1').innerText === 'Agrolait'",
                WAIT
            )
            .await
    );
    browser.screenshot(&screenshot_path("client-partner")).await;

    // the API has it, as typed.
    let partners = app
        .graphql(
            "{ partners(first: 10) { nodes { name email isCustomer address { city } categories } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        partners["partners"]["nodes"],
        json!([{ "name": "Agrolait", "email": "info@agrolait.example", "isCustomer": true,
                 "address": { "city": "Wavre" }, "categories": ["region.north", "retail"] }])
    );
    // and the list shows it.
    browser.click("a[data-view=partner]").await;
    assert!(
        browser
            .wait_until(
                "[...document.querySelectorAll('table.list tbody tr')].some(r => r.innerText.includes('Agrolait'))",
                WAIT
            )
            .await,
        "{}",
        browser.text("main").await
    );
    browser
        .screenshot(&screenshot_path("client-partners"))
        .await;

    // leaving a form with changes not saved asks first; staying keeps them.
    browser.click("table.list tbody a").await;
    browser
        .type_into("[data-field=phone] input", "+32 10 00 00 00")
        .await;
    browser.eval("window.confirm = () => false").await;
    browser.click("a[data-view=user]").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        browser
            .eval("document.querySelector('[data-field=phone] input')?.value")
            .await,
        json!("+32 10 00 00 00")
    );
    assert!(browser
        .eval("location.hash")
        .await
        .as_str()
        .unwrap()
        .starts_with("#/form/partner/"));
    browser.eval("window.confirm = () => true").await;
    browser.click("a[data-view=user]").await;
    assert!(
        browser
            .wait_until(
                "location.hash === '#/list/user' && document.querySelector('table.list')",
                WAIT
            )
            .await
    );
    assert_eq!(browser.problems().await, Vec::<String>::new());
}

/// Creates partner `name` through the API; returns its id.
async fn partner(app: &TestApp, name: &str) -> String {
    let made = app
        .graphql(
            "mutation($name: String!) { createPartner(input: { name: $name, isCustomer: true }) {
                partner { id } userErrors { message } } }",
            json!({ "name": name }),
        )
        .await;
    made["createPartner"]["partner"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_form_saved_by_someone_else_first_is_a_clear_conflict_and_nothing_is_lost() {
    let (app, mut browser) = signed_in().await;
    let id = partner(&app, "Agrolait").await;
    browser
        .eval(&format!("location.hash = '#/form/partner/{id}'"))
        .await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('form.record h1')?.innerText === 'Agrolait'",
                WAIT
            )
            .await
    );
    // someone else renames it while the form is open.
    let renamed = app
        .graphql(
            "mutation($id: ID!) { updatePartner(input: { id: $id, name: \"Agrolait SA\" }) {
                userErrors { message } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(renamed["updatePartner"]["userErrors"], json!([]));
    browser
        .type_into("[data-field=name] input", "Agrolait NV")
        .await;
    save_form(&mut browser).await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('.form-errors').innerText.includes('changed by someone else')",
                WAIT
            )
            .await,
        "{}",
        browser.text("form.record").await
    );
    browser
        .screenshot(&screenshot_path("client-conflict"))
        .await;
    // the other change stands; reloading shows it.
    let now = app
        .graphql(
            "query($id: ID!) { partner(id: $id) { name } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(now["partner"]["name"], "Agrolait SA");
    browser.click(".form-errors button").await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('[data-field=name] input')?.value === 'Agrolait SA'",
                WAIT
            )
            .await
    );
    // saved on the fresh form, it goes through.
    browser
        .type_into("[data-field=name] input", "Agrolait NV")
        .await;
    save_form(&mut browser).await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('form.record h1')?.innerText === 'Agrolait NV'",
                WAIT
            )
            .await,
        "{}",
        browser.text("form.record").await
    );
    let now = app
        .graphql(
            "query($id: ID!) { partner(id: $id) { name } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(now["partner"]["name"], "Agrolait NV");
}

#[tokio::test]
async fn a_label_renamed_in_one_browser_shows_in_another_without_a_reload() {
    let (app, mut implementer) = signed_in().await;
    let id = partner(&app, "Agrolait").await;
    // a second browser (its own profile, its own session), on a second server of the same
    // database (as behind a load balancer), shows the partner.
    let mut clerk = Browser::start().await;
    clerk.goto(&format!("{}/", app.listen().await)).await;
    clerk.sign_in("admin", ADMIN_PASSWORD).await;
    clerk
        .eval(&format!("location.hash = '#/form/partner/{id}'"))
        .await;
    assert!(
        clerk
            .wait_until(
                "document.querySelector('[data-field=vat] label')?.innerText.startsWith('Tax ID')",
                WAIT
            )
            .await,
        "{}",
        clerk.text("form.record").await
    );
    // what a reload would forget: a value typed in, not saved yet.
    clerk.eval("window.__not_reloaded = true").await;
    clerk
        .type_into("[data-field=phone] input", "+32 10 00 00 00")
        .await;

    // the implementer renames the label on the labels page.
    implementer.click("a[data-admin=labels]").await;
    pick(&mut implementer, "main select", "Partner (partner)").await;
    implementer
        .type_into("tr[data-field=vat] input", "VAT number")
        .await;
    implementer.click("tr[data-field=vat] button").await;
    assert!(
        clerk
            .wait_until(
                "document.querySelector('[data-field=vat] label')?.innerText.startsWith('VAT number')",
                Duration::from_secs(2)
            )
            .await,
        "the label was not renamed in time: {}",
        clerk.text("form.record").await
    );
    assert_eq!(clerk.eval("window.__not_reloaded").await, json!(true));
    assert_eq!(
        clerk
            .eval("document.querySelector('[data-field=phone] input').value")
            .await,
        json!("+32 10 00 00 00")
    );
    clerk
        .screenshot(&screenshot_path("client-label-renamed"))
        .await;
    implementer
        .screenshot(&screenshot_path("client-labels"))
        .await;
    let label = app
        .graphql(
            "{ view(name: \"partner\") { form { fields { name label } } } }",
            json!({}),
        )
        .await;
    let fields = label["view"]["form"][0]["fields"].as_array().unwrap();
    let vat = fields.iter().find(|f| f["name"] == "vat").unwrap();
    assert_eq!(vat["label"], "VAT number");
}

/// Picks the option whose text is `text` in the select `selector` finds, as a person would.
async fn pick(browser: &mut Browser, selector: &str, text: &str) {
    assert!(
        browser
            .wait_until(
                &format!(
                    "[...(document.querySelector({0})?.options || [])].some(o => o.text === {1})",
                    json!(selector),
                    json!(text)
                ),
                WAIT
            )
            .await,
        "no option {text} in {selector}"
    );
    browser
        .eval(&format!(
            "{{ const s = document.querySelector({0});
               s.value = [...s.options].find(o => o.text === {1}).value;
               s.dispatchEvent(new Event('input', {{ bubbles: true }}));
               s.dispatchEvent(new Event('change', {{ bubbles: true }})); }}",
            json!(selector),
            json!(text)
        ))
        .await;
}

/// Waits until the form's state badge reads `state`.
async fn state_is(browser: &mut Browser, state: &str) {
    assert!(
        browser
            .wait_until(
                &format!(
                    "document.querySelector('form.record .badge.state')?.innerText === {}",
                    json!(state)
                ),
                WAIT
            )
            .await,
        "the record is not {state}: {}",
        browser.text("main").await
    );
}

/// Registers a payment of the invoice shown from its button: the dialog must offer
/// `offered` (what is due); `typed` replaces it; the invoice is then `paid` (its payment state).
async fn pay(browser: &mut Browser, offered: &str, typed: Option<&str>, paid: &str) {
    browser
        .eval("[...document.querySelectorAll('[role=toolbar] button')].find(b => b.innerText === 'Register Payment').click()")
        .await;
    pick(browser, "dialog[open] [data-field=journal] select", "bank").await;
    assert_eq!(
        browser
            .eval("document.querySelector('dialog[open] [data-field=amount] input').value")
            .await,
        json!(offered)
    );
    browser.screenshot(&screenshot_path("client-payment")).await;
    if let Some(amount) = typed {
        browser
            .type_into("dialog[open] [data-field=amount] input", amount)
            .await;
    }
    browser.click("dialog[open] button[type=submit]").await;
    assert!(
        browser
            .wait_until(
                &format!(
                    "document.querySelector('[data-field=paymentState] output')?.innerText === {}",
                    json!(paid)
                ),
                WAIT
            )
            .await,
        "{}",
        browser.text("main").await
    );
}

#[tokio::test]
async fn an_order_is_delivered_invoiced_and_paid_through_its_buttons() {
    let (app, mut browser) = signed_in().await;
    tests::books::set_up_the_books(&app).await;
    tests::books::partner(&app, "Agrolait", true, false).await;
    tests::books::product(&app, "CHAIR", "CONSUMABLE", "100", "60").await;
    // the modules installed since signing in show in the menu, without a reload.
    browser.click("a[data-view=sale_order]").await;
    browser.click("a.button.primary").await;
    pick(&mut browser, "[data-field=partner] select", "Agrolait").await;
    pick(
        &mut browser,
        "[data-field=lines] tbody tr select[name=product]",
        "CHAIR",
    )
    .await;
    browser
        .type_into("[data-field=lines] input[name=description]", "Office chair")
        .await;
    browser
        .type_into("[data-field=lines] input[name=quantity]", "2")
        .await;
    browser
        .type_into("[data-field=lines] input[name=unitPrice]", "100")
        .await;
    browser
        .type_into("[data-field=lines] input[name=taxes]", "vat21")
        .await;
    save_form(&mut browser).await;
    assert!(
        browser
            .wait_until("location.hash.startsWith('#/form/sale_order/')", WAIT)
            .await,
        "{}",
        browser.text("main").await
    );
    state_is(&mut browser, "Quotation").await;
    browser.screenshot(&screenshot_path("client-order")).await;

    browser.click("[role=toolbar] button:nth-child(1)").await; // Confirm
    state_is(&mut browser, "Confirmed").await;
    let button = |label: &str| {
        format!(
            "[...document.querySelectorAll('[role=toolbar] button')].find(b => b.innerText === {})",
            json!(label)
        )
    };
    // delivering asks how much of each line, everything left by default.
    browser
        .eval(&format!("{}.click()", button("Deliver")))
        .await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('dialog[open] input')?.value === '2'",
                WAIT
            )
            .await
    );
    browser.screenshot(&screenshot_path("client-deliver")).await;
    browser.click("dialog[open] button[type=submit]").await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('[data-field=deliveryStatus] output')?.innerText === 'Fully'",
                WAIT
            )
            .await,
        "{}",
        browser.text("main").await
    );
    browser
        .eval(&format!("{}.click()", button("Create Invoice")))
        .await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('[data-field=invoices] output a')",
                WAIT
            )
            .await,
        "{}",
        browser.text("main").await
    );
    browser.click("[data-field=invoices] output a").await;
    state_is(&mut browser, "Draft").await;
    browser.eval(&format!("{}.click()", button("Post"))).await;
    state_is(&mut browser, "Posted").await;
    // paying asks for the bank journal; the partner and the amount come from the invoice, and
    // the amount may be changed: 100 first, then what is left, 142.00.
    pay(&mut browser, "242.00", Some("100"), "Partially Paid").await;
    pay(&mut browser, "142.00", None, "Paid").await;
    browser
        .screenshot(&screenshot_path("client-invoice-paid"))
        .await;

    // 2 × 100, and 21 % of it: 242.00, all paid.
    let invoices = app
        .graphql(
            "{ invoices(first: 10) { nodes { total residual paymentState state
                 lines { description quantity } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        invoices["invoices"]["nodes"],
        json!([{ "total": "242.00", "residual": "0.00", "paymentState": "PAID", "state": "POSTED",
                 "lines": [{ "description": "Office chair", "quantity": "2" }] }])
    );
    assert_eq!(browser.problems().await, Vec::<String>::new());
}

#[tokio::test]
async fn the_history_slider_shows_a_record_as_it_stood_after_each_event() {
    let (app, mut browser) = signed_in().await;
    let id = partner(&app, "Agrolait").await;
    for name in ["Agrolait SA", "Agrolait Group"] {
        let renamed = app
            .graphql(
                "mutation($id: ID!, $name: String!) { updatePartner(input: { id: $id, name: $name }) {
                    userErrors { message } } }",
                json!({ "id": id, "name": name }),
            )
            .await;
        assert_eq!(renamed["updatePartner"]["userErrors"], json!([]));
    }
    browser
        .eval(&format!("location.hash = '#/form/partner/{id}'"))
        .await;
    browser.click("a[href^='#/history/']").await;
    let shows = |name: &str| {
        format!(
            "document.querySelector('.as-of-record form.record h1')?.innerText === {}",
            json!(name)
        )
    };
    // at first, the record now: three events.
    assert!(
        browser.wait_until(&shows("Agrolait Group"), WAIT).await,
        "{}",
        browser.text("main").await
    );
    assert_eq!(
        browser
            .eval("document.querySelectorAll('.history tbody tr').length")
            .await,
        json!(3)
    );
    // two steps back with the keyboard: as it was created.
    browser
        .eval("document.querySelector('input[type=range]').focus()")
        .await;
    browser.press("ArrowLeft").await;
    assert!(browser.wait_until(&shows("Agrolait SA"), WAIT).await);
    browser.press("ArrowLeft").await;
    assert!(
        browser.wait_until(&shows("Agrolait"), WAIT).await,
        "{}",
        browser.text("main").await
    );
    assert!(browser
        .text(".as-of")
        .await
        .starts_with("As of event 1 of 3: PartnerCreated"));
    // read-only: nothing to save as of a past point.
    assert_eq!(
        browser
            .eval("document.querySelectorAll('.as-of-record input, .as-of-record button[type=submit]').length")
            .await,
        json!(0)
    );
    browser.screenshot(&screenshot_path("client-history")).await;
    assert_eq!(browser.problems().await, Vec::<String>::new());
}

#[tokio::test]
async fn the_history_slider_shows_an_invoice_as_its_posting_left_it() {
    let (app, mut browser) = signed_in().await;
    let (_, _, _, invoice) = tests::books::a_billed_order(&app, "1").await;
    let id = invoice["id"].as_str().unwrap();
    browser
        .eval(&format!("location.hash = '#/history/invoice/{id}'"))
        .await;
    let shows = |state: &str| {
        format!(
            "!document.querySelector('.as-of-record .error') && \
             (document.querySelector('.as-of-record')?.innerText ?? '').includes({})",
            json!(state)
        )
    };
    assert!(
        browser.wait_until(&shows("INV/2026/0001"), WAIT).await,
        "{}",
        browser.text("main").await
    );
    // back to the draft, then forward to the posting: its command also wrote the journal
    // entry, and the point after it shows the invoice posted, not an error.
    browser
        .eval("document.querySelector('input[type=range]').focus()")
        .await;
    browser.press("ArrowLeft").await;
    assert!(
        browser.wait_until(&shows("Draft"), WAIT).await,
        "{}",
        browser.text("main").await
    );
    browser.press("ArrowRight").await;
    assert!(
        browser.wait_until(&shows("INV/2026/0001"), WAIT).await,
        "{}",
        browser.text("main").await
    );
    assert!(browser
        .text(".as-of")
        .await
        .starts_with("As of event 2 of 2: InvoicePosted"));
    assert_eq!(browser.problems().await, Vec::<String>::new());
}

/// The texts of the cells of the report's table rows (`tbody` or `tfoot`).
async fn cells(browser: &mut Browser, rows: &str) -> Vec<Vec<String>> {
    let found = browser
        .eval(&format!(
            "[...document.querySelectorAll('.report table {rows} tr')].map(r => [...r.cells].map(c => c.innerText))"
        ))
        .await;
    serde_json::from_value(found).unwrap()
}

#[tokio::test]
async fn the_reports_draw_their_figures_as_tables_and_pictures_now_and_as_of_a_point() {
    let (app, mut browser) = signed_in().await;
    tests::books::set_up_the_books(&app).await;
    let partner = tests::books::partner(&app, "Agrolait", true, false).await;
    let chair = tests::books::product(&app, "CHAIR", "CONSUMABLE", "100", "60").await;
    // January: one chair, paid; February: two, not paid.
    let mut invoices = vec![];
    for (date, quantity, invoiced) in [
        ("2026-01-15", "1", "2026-01-20"),
        ("2026-02-10", "2", "2026-02-15"),
    ] {
        let order = tests::books::order(
            &app,
            "sale",
            &partner,
            date,
            json!([{ "product": chair, "quantity": quantity }]),
        )
        .await;
        let id = order["id"].as_str().unwrap();
        let delivered =
            tests::books::deliver(&app, id, date, json!([{ "line": 0, "quantity": quantity }]))
                .await;
        assert_eq!(delivered["userErrors"], json!([]), "{delivered}");
        invoices.push(tests::books::invoice_and_post(&app, id, invoiced).await);
    }
    let first = invoices[0]["id"].as_str().unwrap();
    tests::books::pay(&app, &partner, "2026-01-25", "121.00", first).await;

    // sales by month: a point a month, 100 and 200 before tax.
    browser.click("a[data-report=sales_by_month]").await;
    assert!(
        browser
            .wait_until("document.querySelector('.report svg path.line')", WAIT)
            .await,
        "{}",
        browser.text("main").await
    );
    assert_eq!(
        browser
            .eval("document.querySelectorAll('.report svg g.point').length")
            .await,
        json!(2)
    );
    let months = cells(&mut browser, "tbody").await;
    let figures: Vec<(&str, &str)> = months
        .iter()
        .map(|row| (row[1].as_str(), row[3].as_str()))
        .collect();
    assert_eq!(figures, [("1", "100.00"), ("1", "200.00")], "{months:?}");
    browser
        .screenshot(&screenshot_path("client-sales-by-month"))
        .await;

    // the trial balance: 121 + 242 invoiced, 121 paid: 484 on each side.
    browser.click("a[data-report=trial_balance]").await;
    assert!(
        browser
            .wait_until("document.querySelector('.report tfoot')", WAIT)
            .await
    );
    let totals = cells(&mut browser, "tfoot").await;
    assert_eq!(totals[0][3..6], ["484.00", "484.00", "0.00"], "{totals:?}");
    // as of a day ago, there was nothing.
    browser
        .eval(
            "document.querySelector('input[name=asOf]').value =
               new Date(Date.now() - 86400000).toISOString().slice(0, 16);
             document.querySelector('form.search').requestSubmit()",
        )
        .await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('.report tbody')?.innerText.includes('Nothing')",
                WAIT
            )
            .await,
        "{}",
        browser.text("main").await
    );
    let totals = cells(&mut browser, "tfoot").await;
    assert_eq!(totals[0][3..6], ["0.00", "0.00", "0.00"], "{totals:?}");

    // the aged balance: February's 242, due in March, over 90 days old now.
    browser.click("a[data-report=aged_balance]").await;
    assert!(
        browser
            .wait_until(
                "document.querySelectorAll('.report svg g.bar').length === 5",
                WAIT
            )
            .await,
        "{}",
        browser.text("main").await
    );
    let totals = cells(&mut browser, "tfoot").await;
    assert_eq!(
        totals[0],
        ["Total", "0.00", "0.00", "0.00", "0.00", "242.00", "242.00"],
        "{totals:?}"
    );
    // the tallest bar is the last one.
    let heights = browser
        .eval("[...document.querySelectorAll('.report svg g.bar rect')].map(r => Number(r.getAttribute('height')))")
        .await;
    let heights: Vec<f64> = serde_json::from_value(heights).unwrap();
    assert!(
        heights[4] > 0.0 && heights[..4].iter().all(|h| *h == 0.0),
        "{heights:?}"
    );
    browser
        .screenshot(&screenshot_path("client-aged-balance"))
        .await;

    // stock levels: what the two deliveries took out.
    browser.click("a[data-report=stock_levels]").await;
    assert!(
        browser
            .wait_until("document.querySelector('.report tbody tr td')", WAIT)
            .await
    );
    let levels = cells(&mut browser, "tbody").await;
    assert_eq!(levels[0][0], "CHAIR", "{levels:?}");
    assert_eq!(browser.problems().await, Vec::<String>::new());
}

#[tokio::test]
async fn an_implementer_installs_a_module_compares_and_restores_stages_and_tries_a_data_module() {
    let (app, mut browser) = signed_in().await;
    browser
        .eval("window.confirm = () => true; window.prompt = () => null")
        .await;
    // modules: sale needs product; installing it says so, and its menu comes.
    browser.click("a[data-admin=modules]").await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('tr[data-module=sale]')?.innerText.includes('Installing also installs product')",
                WAIT
            )
            .await,
        "{}",
        browser.text("main").await
    );
    browser.screenshot(&screenshot_path("client-modules")).await;
    browser.click("a[data-admin=stages]").await;
    browser.type_into("input[name=name]", "bare").await;
    browser.press("Enter").await;
    assert!(
        browser
            .wait_until("document.querySelector('tr[data-stage=bare]')", WAIT)
            .await
    );
    browser.click("a[data-admin=modules]").await;
    browser.click("tr[data-module=sale] button").await;
    assert!(
        browser
            .wait_until("document.querySelector('a[data-view=sale_order]')", WAIT)
            .await,
        "{}",
        browser.text("main").await
    );

    // stages: the difference side by side, then back to the stage.
    browser.click("a[data-admin=stages]").await;
    browser
        .click("form[aria-label='Compare stages'] button")
        .await;
    assert!(
        browser
            .wait_until("document.querySelector('table.side-by-side')", WAIT)
            .await,
        "{}",
        browser.text("main").await
    );
    let rows = browser
        .eval(
            "[...document.querySelectorAll('table.side-by-side tbody tr')]
               .map(r => [...r.cells].map(c => c.innerText).join(' | '))",
        )
        .await;
    let rows: Vec<String> = serde_json::from_value(rows).unwrap();
    assert!(
        rows.iter().any(|r| r.starts_with("MODULE | sale | — | ")),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.starts_with("MODULE | product | — | ")),
        "{rows:?}"
    );
    browser
        .screenshot(&screenshot_path("client-stage-diff"))
        .await;
    browser.click("tr[data-stage=bare] button").await;
    assert!(
        browser
            .wait_until("!document.querySelector('a[data-view=sale_order]')", WAIT)
            .await,
        "restoring the stage did not take the sales menu away: {}",
        browser.text("body").await
    );
    let modules = app
        .graphql(
            "{ configuration { modules { name installedVersion } } }",
            json!({}),
        )
        .await;
    let sale = modules["configuration"]["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "sale")
        .unwrap()
        .clone();
    assert_eq!(sale["installedVersion"], serde_json::Value::Null);

    // a data module: the dry run says what would change and changes nothing; loading does it.
    browser.click("a[data-admin=data]").await;
    let module = r#"{"data_module": "l10n_try", "version": "1.0.0"}
{"label": "partner.vat", "text": "VAT number"}"#;
    browser
        .eval(&format!(
            "document.querySelector('textarea').value = {}",
            json!(module)
        ))
        .await;
    let events = app.event_count().await;
    browser
        .eval("[...document.querySelectorAll('main button')].find(b => b.innerText === 'Dry run').click()")
        .await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('main [role=region]')?.innerText.includes('VAT number')",
                WAIT
            )
            .await,
        "{} {:?}",
        browser.text("main").await,
        browser.problems().await
    );
    assert_eq!(app.event_count().await, events);
    browser
        .eval("[...document.querySelectorAll('main button')].find(b => b.innerText === 'Load').click()")
        .await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('main [role=region] h2')?.innerText.includes('loaded')",
                WAIT
            )
            .await,
        "{}",
        browser.text("main").await
    );
    assert!(app.event_count().await > events);
    assert_eq!(browser.problems().await, Vec::<String>::new());
}

#[tokio::test]
async fn an_operator_creates_backs_up_duplicates_and_drops_databases_behind_the_master_password() {
    let app = TestApp::new().await;
    let address = app.listen().await;
    let mut browser = Browser::start().await;
    browser.goto(&format!("{address}/#/manager")).await;
    // a wrong master password opens nothing.
    browser
        .type_into("input[name=master]", "not the master password")
        .await;
    browser.press("Enter").await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('form.sign-in [role=alert]')?.innerText.length > 0",
                WAIT
            )
            .await,
        "{}",
        browser.text("body").await
    );
    assert!(!browser.text("body").await.contains(&app.db.name));
    browser
        .type_into("input[name=master]", tests::MASTER_PASSWORD)
        .await;
    browser.press("Enter").await;
    assert!(
        browser
            .wait_until(
                &format!(
                    "document.querySelector('tr[data-database={}]')",
                    json!(app.db.name)
                ),
                WAIT
            )
            .await,
        "{}",
        browser.text("body").await
    );
    let made = format!("{}_made", app.db.name);
    let copy = format!("{}_copy", app.db.name);
    let row = |name: &str| format!("tr[data-database={}]", json!(name));
    browser
        .type_into("form[aria-label='New database'] input[name=name]", &made)
        .await;
    browser
        .click("form[aria-label='New database'] button")
        .await;
    assert!(
        browser
            .wait_until(
                &format!("document.querySelector({})", json!(row(&made))),
                WAIT
            )
            .await,
        "{}",
        browser.text("body").await
    );
    // backed up, then duplicated.
    browser.click(&format!("{} button", row(&made))).await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('main [role=status]')?.innerText.includes('backed up')",
                WAIT
            )
            .await,
        "{}",
        browser.text("body").await
    );
    pick(
        &mut browser,
        "form[aria-label='Duplicate a database'] select",
        &made,
    )
    .await;
    browser
        .type_into(
            "form[aria-label='Duplicate a database'] input[name=to]",
            &copy,
        )
        .await;
    browser
        .click("form[aria-label='Duplicate a database'] button")
        .await;
    assert!(
        browser
            .wait_until(
                &format!("document.querySelector({})", json!(row(&copy))),
                WAIT
            )
            .await,
        "{}",
        browser.text("body").await
    );
    // the backup restored under a third name.
    let restored = format!("{}_restored", app.db.name);
    browser
        .type_into(
            "form[aria-label='Restore a backup'] input[name=name]",
            &restored,
        )
        .await;
    browser
        .click("form[aria-label='Restore a backup'] button")
        .await;
    assert!(
        browser
            .wait_until(
                &format!("document.querySelector({})", json!(row(&restored))),
                WAIT
            )
            .await,
        "{}",
        browser.text("body").await
    );
    browser.screenshot(&screenshot_path("client-manager")).await;
    // dropped once its name is typed.
    for name in [&copy, &made, &restored] {
        browser
            .eval(&format!("window.prompt = () => {}", json!(name)))
            .await;
        browser.click(&format!("{} button.danger", row(name))).await;
        assert!(
            browser
                .wait_until(
                    &format!("!document.querySelector({})", json!(row(name))),
                    WAIT
                )
                .await,
            "{}",
            browser.text("body").await
        );
    }
    let left = tests::connect_database(&app.db.name, 1).await;
    let gone: i64 =
        sqlx::query_scalar("select count(*) from pg_database where datname in ($1, $2, $3)")
            .bind(&made)
            .bind(&copy)
            .bind(&restored)
            .fetch_one(&left)
            .await
            .unwrap();
    assert_eq!(gone, 0);
    assert_eq!(browser.problems().await, Vec::<String>::new());
}

/// The first column of the list shown.
async fn first_column(browser: &mut Browser) -> Vec<String> {
    let js = "[...document.querySelectorAll('table.list tbody tr td:first-child')].map(c => c.innerText)";
    serde_json::from_value(browser.eval(js).await).unwrap()
}

#[tokio::test]
async fn a_list_searches_sorts_and_pages() {
    let (app, mut browser) = signed_in().await;
    // 25 partners: a page holds 20.
    for i in 1..=25 {
        partner(&app, &format!("Partner {i:02}")).await;
    }
    browser.click("a[data-view=partner]").await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('.status')?.innerText === '1–20 of 25'",
                WAIT
            )
            .await,
        "{}",
        browser.text("main").await
    );
    let first = first_column(&mut browser).await;
    let expected: Vec<String> = (1..=20).map(|i| format!("Partner {i:02}")).collect();
    assert_eq!(first, expected);
    browser
        .eval("[...document.querySelectorAll('.pager button')].find(b => b.innerText === 'Next').click()")
        .await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('.status')?.innerText === '21–25 of 25'",
                WAIT
            )
            .await
    );
    let second = first_column(&mut browser).await;
    let expected: Vec<String> = (21..=25).map(|i| format!("Partner {i:02}")).collect();
    assert_eq!(second, expected);
    // sorted by name, the other way.
    browser.click("table.list th button").await;
    browser.click("table.list th button").await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('table.list tbody td')?.innerText === 'Partner 25'",
                WAIT
            )
            .await,
        "{}",
        browser.text("main").await
    );
    // searched: two of them.
    browser
        .type_into("form.search input[name=nameContains]", "partner 1")
        .await;
    browser.press("Enter").await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('.status')?.innerText === '1–10 of 10'",
                WAIT
            )
            .await,
        "{}",
        browser.text("main").await
    );
    let found = first_column(&mut browser).await;
    let expected: Vec<String> = (10..=19).rev().map(|i| format!("Partner {i:02}")).collect();
    assert_eq!(found, expected);
    browser
        .screenshot(&screenshot_path("client-list-search"))
        .await;
}

#[tokio::test]
async fn a_lines_error_is_shown_on_that_line() {
    let (app, mut browser) = signed_in().await;
    tests::books::set_up_the_books(&app).await;
    tests::books::partner(&app, "Agrolait", true, false).await;
    tests::books::product(&app, "CHAIR", "CONSUMABLE", "100", "60").await;
    browser.click("a[data-view=sale_order]").await;
    browser.click("a.button.primary").await;
    pick(&mut browser, "[data-field=partner] select", "Agrolait").await;
    browser
        .eval("[...document.querySelectorAll('[data-field=lines] button')].find(b => b.innerText === 'Add a line').click()")
        .await;
    for (row, quantity) in [(1, "2"), (2, "-3")] {
        let line = format!("[data-field=lines] tbody tr:nth-child({row})");
        pick(
            &mut browser,
            &format!("{line} select[name=product]"),
            "CHAIR",
        )
        .await;
        browser
            .type_into(&format!("{line} input[name=description]"), "Chair")
            .await;
        browser
            .type_into(&format!("{line} input[name=quantity]"), quantity)
            .await;
        browser
            .type_into(&format!("{line} input[name=unitPrice]"), "100")
            .await;
    }
    let events = app.event_count().await;
    save_form(&mut browser).await;
    // the second line's quantity is marked, and the message says which line; nothing written.
    assert!(
        browser
            .wait_until(
                "document.querySelector('[data-field=lines] > .field-error')?.innerText.startsWith('Line 2:')",
                WAIT
            )
            .await,
        "{}",
        browser.text("main").await
    );
    let marked = browser
        .eval("[...document.querySelectorAll('[data-field=lines] tbody tr')].map(r => r.querySelector('input[name=quantity]').getAttribute('aria-invalid'))")
        .await;
    assert_eq!(marked, json!([null, "true"]));
    assert_eq!(
        browser
            .eval("document.activeElement.closest('tr') === document.querySelector('[data-field=lines] tbody tr:nth-child(2)')")
            .await,
        json!(true)
    );
    assert_eq!(app.event_count().await, events);
}

#[tokio::test]
async fn a_reference_past_the_first_hundred_is_found_by_searching() {
    let (app, mut browser) = signed_in().await;
    tests::books::set_up_the_books(&app).await;
    for i in 1..=105 {
        partner(&app, &format!("Customer {i:03}")).await;
    }
    browser.eval("location.hash = '#/new/sale_order'").await;
    let options = "[...(document.querySelector('[data-field=partner] select')?.options || [])].map(o => o.text)";
    assert!(
        browser
            .wait_until(&format!("{options}.length > 1"), WAIT)
            .await,
        "{}",
        browser.text("main").await
    );
    // the first hundred are offered; the last five are not, and a search box says so.
    let offered: Vec<String> = serde_json::from_value(browser.eval(options).await).unwrap();
    assert_eq!(offered.len(), 101, "{offered:?}");
    assert!(!offered.contains(&"Customer 104".to_owned()));
    let events = app.event_count().await;
    browser
        .type_into("[data-field=partner] input[type=search]", "customer 104")
        .await;
    // Enter searches at once and submits nothing.
    browser.press("Enter").await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('[data-field=partner] select').selectedOptions[0]?.text === 'Customer 104'",
                WAIT
            )
            .await,
        "{}",
        browser.eval(options).await
    );
    assert_eq!(app.event_count().await, events);
    assert_eq!(
        browser
            .eval("[...document.querySelectorAll('.field-error, .form-errors')].map(e => e.innerText).join('')")
            .await,
        json!("")
    );
    assert_eq!(browser.problems().await, Vec::<String>::new());
}

#[tokio::test]
async fn products_sort_by_their_price_by_clicking_its_column() {
    let (app, mut browser) = signed_in().await;
    tests::books::set_up_the_books(&app).await;
    for (reference, price) in [
        ("DESK", "300"),
        ("BOX", "1"),
        ("FEE", "1000"),
        ("LAMP", "45.50"),
    ] {
        tests::books::product(&app, reference, "CONSUMABLE", price, "0").await;
    }
    browser.eval("location.hash = '#/list/product'").await;
    let header = "[...document.querySelectorAll('table.list th button')].find(b => b.innerText.startsWith('Sale Price'))";
    assert!(
        browser.wait_until(header, WAIT).await,
        "the price is not sortable: {}",
        browser.text("main").await
    );
    // by name first (the list's own order), then by price up, then down.
    assert_eq!(
        first_column(&mut browser).await,
        ["BOX", "DESK", "FEE", "LAMP"]
    );
    for expected in [
        ["BOX", "LAMP", "DESK", "FEE"],
        ["FEE", "DESK", "LAMP", "BOX"],
    ] {
        browser.eval(&format!("{header}.click()")).await;
        let wanted = json!(expected).to_string();
        assert!(
            browser
                .wait_until(
                    &format!("JSON.stringify([...document.querySelectorAll('table.list tbody tr td:first-child')].map(c => c.innerText)) === {}", json!(wanted)),
                    WAIT
                )
                .await,
            "{}",
            browser.text("main").await
        );
    }
    // a configuration list sorts the same way: the chart of accounts by name.
    browser.eval("location.hash = '#/list/account'").await;
    let name = "[...document.querySelectorAll('table.list th button')].find(b => b.innerText.startsWith('Account Name'))";
    assert!(
        browser.wait_until(name, WAIT).await,
        "{}",
        browser.text("main").await
    );
    browser.eval(&format!("{name}.click()")).await;
    let by_name =
        json!(["550000", "100000", "411000", "600000", "700000", "401000", "451000", "411100"])
            .to_string();
    assert!(
        browser
            .wait_until(
                &format!("JSON.stringify([...document.querySelectorAll('table.list tbody tr td:first-child')].map(c => c.innerText)) === {}", json!(by_name)),
                WAIT
            )
            .await,
        "{}",
        browser.text("main").await
    );
    assert_eq!(browser.problems().await, Vec::<String>::new());
}

#[tokio::test]
async fn a_right_removed_takes_the_menu_away_at_once() {
    let app = TestApp::new().await;
    let address = app.listen().await;
    tests::books::configure(
        &app,
        "setGroup",
        "SetGroupInput",
        json!({ "code": "clerks", "name": "Clerks" }),
    )
    .await;
    tests::books::configure(
        &app,
        "setAccess",
        "SetAccessInput",
        json!({ "group": "clerks", "model": "PARTNER", "read": true }),
    )
    .await;
    app.user("clerk", &["clerks"]).await;
    let mut browser = Browser::start().await;
    browser.goto(&format!("{address}/")).await;
    browser.sign_in("clerk", tests::USER_PASSWORD).await;
    assert!(
        browser
            .wait_until("document.querySelector('a[data-view=partner]')", WAIT)
            .await
    );
    // no implementer's pages, no users' list for a clerk.
    assert_eq!(
        browser
            .eval("[...document.querySelectorAll('nav.menu a')].map(a => a.innerText)")
            .await,
        json!(["Partner"])
    );
    browser.eval("window.__not_reloaded = true").await;
    tests::books::configure(
        &app,
        "setAccess",
        "SetAccessInput",
        json!({ "group": "clerks", "model": "PARTNER", "read": false }),
    )
    .await;
    assert!(
        browser
            .wait_until(
                "!document.querySelector('a[data-view=partner]')",
                Duration::from_secs(2)
            )
            .await,
        "{}",
        browser.text("body").await
    );
    assert_eq!(browser.eval("window.__not_reloaded").await, json!(true));
}

#[tokio::test]
async fn a_user_is_created_and_configuration_records_are_saved_whole() {
    let (app, mut browser) = signed_in().await;
    // a new user: the password the form has no field for is asked for.
    browser.click("a[data-view=user]").await;
    browser.click("a.button.primary").await;
    browser.type_into("[data-field=login] input", "clerk").await;
    browser.type_into("[data-field=name] input", "Clerk").await;
    save_form(&mut browser).await;
    browser
        .type_into(
            "dialog[open] input[name=password]",
            "a long enough password",
        )
        .await;
    browser.click("dialog[open] button[type=submit]").await;
    assert!(
        browser
            .wait_until("location.hash.startsWith('#/form/user/')", WAIT)
            .await,
        "{}",
        browser.text("body").await
    );
    let token = app.login("clerk", "a long enough password").await;
    assert!(!token.is_empty());

    // a sequence that gave numbers keeps its next number when its name is changed.
    tests::books::configure(
        &app,
        "setSequence",
        "SetSequenceInput",
        json!({ "code": "so", "name": "Sales orders", "prefix": "SO", "padding": 4, "nextNumber": 7 }),
    )
    .await;
    browser.eval("location.hash = '#/form/sequence/so'").await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('[data-field=nextNumber] output')?.innerText === '7'",
                WAIT
            )
            .await
    );
    browser
        .type_into("[data-field=name] input", "Sales quotations")
        .await;
    save_form(&mut browser).await;
    // saved: the name changed, the rest kept.
    let renamed = tests::eventually(WAIT, || async {
        let now = app
            .graphql(
                "{ configuration { sequence(code: \"so\") { name } } }",
                json!({}),
            )
            .await;
        now["configuration"]["sequence"]["name"] == "Sales quotations"
    })
    .await;
    assert!(renamed, "{}", browser.text("body").await);
    let sequence = app
        .graphql(
            "{ configuration { sequence(code: \"so\") { name prefix nextNumber } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        sequence["configuration"]["sequence"],
        json!({ "name": "Sales quotations", "prefix": "SO", "nextNumber": 7 })
    );

    // the company's form saves, its address too.
    browser.eval("location.hash = '#/form/company'").await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('[data-field=fiscalYearStart] input')",
                WAIT
            )
            .await
    );
    browser
        .type_into("[data-field='address.city'] input", "Wavre")
        .await;
    save_form(&mut browser).await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('[data-field=\"address.city\"] input')?.value === 'Wavre' && !document.querySelector('.form-errors')?.innerText",
                WAIT
            )
            .await,
        "{}",
        browser.text("body").await
    );
    let moved = tests::eventually(WAIT, || async {
        let now = app
            .graphql(
                "{ configuration { company { address { city } } } }",
                json!({}),
            )
            .await;
        now["configuration"]["company"]["address"]["city"] == "Wavre"
    })
    .await;
    assert!(moved, "{}", browser.text("body").await);
    assert_eq!(browser.problems().await, Vec::<String>::new());
}

/// Clicks the form's Save and waits until the answer came (the form's buttons wait meanwhile),
/// as a person would before going elsewhere: leaving earlier asks whether to drop the changes.
async fn save_form(browser: &mut Browser) {
    browser.click("form.record button[type=submit]").await;
    assert!(
        browser
            .wait_until("!document.querySelector('form.record[aria-busy]')", WAIT)
            .await,
        "the save was never answered: {}",
        browser.text("main").await
    );
}

/// Makes the page's requests whose body contains `marker` (every one for "") answer
/// `delay_ms` later, and counts the requests not yet answered in `window.__waiting`.
async fn slow_requests(browser: &mut Browser, marker: &str, delay_ms: u64) {
    browser
        .eval(&format!(
            "(() => {{
                const real = window.__realFetch || window.fetch;
                window.__realFetch = real;
                window.__waiting = window.__waiting || 0;
                window.fetch = async (url, options) => {{
                    window.__waiting += 1;
                    try {{
                        const body = String((options && options.body) || '');
                        if (body.includes({marker})) await new Promise((r) => setTimeout(r, {delay_ms}));
                        return await real(url, options);
                    }} finally {{
                        window.__waiting -= 1;
                    }}
                }};
                return true;
            }})()",
            marker = json!(marker),
        ))
        .await;
}

#[tokio::test]
async fn a_configuration_change_arriving_while_a_form_is_typed_into_keeps_the_form_and_its_values()
{
    // the sequence is there before the browser listens: the one change announced is the one below.
    let app = TestApp::new().await;
    tests::books::configure(
        &app,
        "setSequence",
        "SetSequenceInput",
        json!({ "code": "so", "name": "Sales orders", "prefix": "SO", "padding": 4, "nextNumber": 7 }),
    )
    .await;
    let address = app.listen().await;
    let mut browser = Browser::start().await;
    browser.goto(&format!("{address}/")).await;
    browser.sign_in("admin", ADMIN_PASSWORD).await;
    // listening: the server acknowledged the subscription's connection.
    let deadline = tokio::time::Instant::now() + WAIT;
    while !browser
        .socket_messages()
        .await
        .iter()
        .any(|m| m.contains("connection_ack"))
    {
        assert!(tokio::time::Instant::now() < deadline, "never listening");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    browser.eval("location.hash = '#/form/sequence/so'").await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('[data-field=nextNumber] output')?.innerText === '7'",
                WAIT
            )
            .await
    );
    browser
        .eval("document.querySelector('[data-field=name] input').dataset.mine = 'yes'")
        .await;
    // every answer is slow now: the redraw a configuration change asks for takes a while.
    slow_requests(&mut browser, "", 1500).await;
    browser
        .eval("document.querySelector('.notice').textContent = ''")
        .await;
    tests::books::configure(
        &app,
        "setSequence",
        "SetSequenceInput",
        json!({ "code": "po", "name": "Purchase orders", "prefix": "PO", "padding": 4 }),
    )
    .await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('.notice').textContent.includes('configuration changed')",
                WAIT
            )
            .await
    );
    // the form being redrawn is still the one shown, and takes what is typed into it.
    assert_eq!(
        browser
            .eval("document.querySelector('[data-field=name] input')?.dataset.mine ?? null")
            .await,
        json!("yes"),
        "{}",
        browser.text("main").await
    );
    browser
        .type_into("[data-field=name] input", "Sales quotations")
        .await;
    assert!(
        browser.wait_until("window.__waiting === 0", WAIT).await,
        "the redraw never finished"
    );
    // the redraw came back after the typing: the form typed into stays, with what was typed.
    assert_eq!(
        browser
            .eval("[document.querySelector('[data-field=name] input')?.dataset.mine ?? null, document.querySelector('[data-field=name] input')?.value]")
            .await,
        json!(["yes", "Sales quotations"])
    );
    save_form(&mut browser).await;
    let renamed = tests::eventually(WAIT, || async {
        let now = app
            .graphql(
                "{ configuration { sequence(code: \"so\") { name nextNumber } } }",
                json!({}),
            )
            .await;
        now["configuration"]["sequence"] == json!({ "name": "Sales quotations", "nextNumber": 7 })
    })
    .await;
    assert!(renamed, "{}", browser.text("body").await);
    assert_eq!(browser.problems().await, Vec::<String>::new());
}

#[tokio::test]
async fn an_answer_arriving_after_the_person_went_elsewhere_does_not_replace_the_page() {
    let (_app, mut browser) = signed_in().await;
    // the partners' list answers late; the users' list at once.
    slow_requests(&mut browser, "partners", 1500).await;
    browser.eval("location.hash = '#/list/partner'").await;
    browser.eval("location.hash = '#/list/user'").await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('main h1')?.innerText.includes('User')",
                WAIT
            )
            .await,
        "{}",
        browser.text("main").await
    );
    assert!(
        browser.wait_until("window.__waiting === 0", WAIT).await,
        "the late answer never came"
    );
    // one list shown, the users' (its heading and its table), nothing of the partners'.
    let shown = browser
        .eval("[[...document.querySelectorAll('main h1')].map(e => e.innerText), [...document.querySelectorAll('main table')].map(t => t.getAttribute('aria-label'))]")
        .await;
    assert_eq!(
        shown,
        json!([["User"], ["User"]]),
        "{}",
        browser.text("main").await
    );
    assert_eq!(browser.problems().await, Vec::<String>::new());
}

#[tokio::test]
async fn an_implementer_exports_a_promotion_from_test_and_dry_runs_and_loads_it_in_production() {
    let production = TestApp::new().await;
    let test = production.copy().await;
    for (stage, label) in [("a", None), ("b", Some("VAT number"))] {
        if let Some(label) = label {
            let set = test
                .graphql(
                    "mutation($label: String) { setLabel(input: { form: \"partner\", field: \"vat\", label: $label }) { userErrors { message } } }",
                    json!({ "label": label }),
                )
                .await;
            assert_eq!(set["setLabel"]["userErrors"], json!([]), "{set}");
        }
        let made = test
            .graphql(
                "mutation($name: String!) { createStage(input: { name: $name }) { userErrors { message } } }",
                json!({ "name": stage }),
            )
            .await;
        assert_eq!(made["createStage"]["userErrors"], json!([]), "{made}");
    }

    // in the test database: pick the two stages, export.
    let test_address = test.listen().await;
    let mut browser = Browser::start().await;
    browser.goto(&format!("{test_address}/")).await;
    browser.sign_in("admin", ADMIN_PASSWORD).await;
    browser.click("a[data-admin=stages]").await;
    assert!(
        browser
            .wait_until(
                "document.querySelector(\"form[aria-label='Export stages']\")",
                WAIT
            )
            .await,
        "{}",
        browser.text("main").await
    );
    browser
        .eval(
            "const f = document.querySelector(\"form[aria-label='Export stages']\");
             f.elements.from.value = 'a'; f.elements.to.value = 'b'; f.elements.module.value = 'go_live';",
        )
        .await;
    browser
        .click("form[aria-label='Export stages'] button")
        .await;
    assert!(
        browser
            .wait_until("document.querySelector('pre.module')", WAIT)
            .await,
        "{}",
        browser.text("main").await
    );
    let content = browser
        .eval("document.querySelector('pre.module').textContent")
        .await;
    let content = content.as_str().unwrap().to_owned();
    assert!(
        content.starts_with("{\"data_module\":\"go_live\",\"version\":\"1.0.0\""),
        "{content}"
    );
    assert!(
        content.contains("{\"promote\":\"label\",\"key\":\"partner.vat\",\"to\":\"VAT number\"}"),
        "{content}"
    );
    let download = browser
        .eval("[document.querySelector('a[download]').getAttribute('download'), document.querySelector('a[download]').href.startsWith('blob:')]")
        .await;
    assert_eq!(download, json!(["go_live-1.0.0.jsonl", true]));
    browser
        .screenshot(&screenshot_path("client-stage-export"))
        .await;

    // in production: the dry run shows the change and changes nothing; loading makes it.
    let production_address = production.listen().await;
    browser.goto(&format!("{production_address}/")).await;
    browser.sign_in("admin", ADMIN_PASSWORD).await;
    browser.click("a[data-admin=data]").await;
    assert!(
        browser
            .wait_until("document.querySelector('main textarea')", WAIT)
            .await
    );
    browser
        .eval(&format!(
            "document.querySelector('main textarea').value = {}",
            json!(content)
        ))
        .await;
    let events = production.event_count().await;
    browser
        .eval("[...document.querySelectorAll('main button')].find(b => b.innerText === 'Dry run').click()")
        .await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('main [role=region]')?.innerText.includes('VAT number')",
                WAIT
            )
            .await,
        "{}",
        browser.text("main").await
    );
    assert_eq!(production.event_count().await, events);
    browser
        .eval("[...document.querySelectorAll('main button')].find(b => b.innerText === 'Load').click()")
        .await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('main [role=region] h2')?.innerText.includes('go_live@1.0.0 loaded')",
                WAIT
            )
            .await,
        "{}",
        browser.text("main").await
    );
    let label = production
        .graphql(
            "{ configuration { forms { name fields { field label } } } }",
            json!({}),
        )
        .await;
    let vat = label["configuration"]["forms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "partner")
        .and_then(|f| {
            f["fields"]
                .as_array()
                .unwrap()
                .iter()
                .find(|field| field["field"] == "vat")
                .cloned()
        })
        .unwrap();
    assert_eq!(vat["label"], "VAT number");

    // loading it again: nothing left to change, and the page says why.
    browser
        .eval("[...document.querySelectorAll('main button')].find(b => b.innerText === 'Load').click()")
        .await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('main [role=region]')?.innerText.includes('1 of the promoted settings is here as promoted already')",
                WAIT
            )
            .await,
        "{}",
        browser.text("main").await
    );
    assert_eq!(browser.problems().await, Vec::<String>::new());
}

#[tokio::test]
async fn an_implementer_sets_a_record_rule_through_its_form_and_finds_it_in_the_list() {
    let (app, mut browser) = signed_in().await;
    tests::books::configure(
        &app,
        "setGroup",
        "SetGroupInput",
        json!({ "code": "sales", "name": "Sales" }),
    )
    .await;
    browser.click("a[data-view=record_rule]").await;
    browser.click("a.button.primary").await;
    browser
        .type_into("[data-field=code] input", "own_orders")
        .await;
    browser
        .type_into("[data-field=name] input", "Own sales orders")
        .await;
    pick(&mut browser, "[data-field=model] select", "Sales Orders").await;
    browser
        .type_into("[data-field=groups] input", "sales")
        .await;

    // no condition yet: refused, saying what to give, and nothing written.
    let events = app.event_count().await;
    save_form(&mut browser).await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('.form-errors')?.innerText.includes('one condition')",
                WAIT
            )
            .await,
        "{}",
        browser.text("main").await
    );
    assert_eq!(app.event_count().await, events);

    // their own orders: saved, the empty lists of the other conditions taken as none.
    browser.click("[data-field=own] input").await;
    save_form(&mut browser).await;
    assert!(
        browser
            .wait_until("location.hash === '#/form/record_rule/own_orders'", WAIT)
            .await,
        "{}",
        browser.text("main").await
    );
    // its form shows it as saved.
    assert!(
        browser
            .wait_until(
                "document.querySelector('[data-field=own] input')?.checked === true",
                WAIT
            )
            .await,
        "{}",
        browser.text("main").await
    );
    let rule = app
        .graphql(
            "{ configuration { recordRule(code: \"own_orders\") {
                name model groups own states partnerCategories } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        rule["configuration"]["recordRule"],
        json!({ "name": "Own sales orders", "model": "SALE_ORDER", "groups": ["sales"],
                "own": true, "states": null, "partnerCategories": null })
    );

    // listed with its model's label.
    browser.click("a[data-view=record_rule]").await;
    assert!(
        browser
            .wait_until(
                "document.querySelector('table.list tbody')?.innerText.includes('Sales Orders')",
                WAIT
            )
            .await,
        "{}",
        browser.text("main").await
    );
    assert_eq!(first_column(&mut browser).await, ["own_orders"]);
    browser
        .screenshot(&screenshot_path("record-rules-list"))
        .await;
    assert_eq!(browser.problems().await, Vec::<String>::new());
}
