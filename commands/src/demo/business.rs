//! Ten weeks of the demo company's business, played through the command bus: purchases,
//! sales, deliveries, invoices, a credit note, payments and a stock count.

use uuid::Uuid;

use crate::bus::CommandContext;

/// The demo company's books (chart of accounts, journals, sequences, VAT, settings).
pub const DEMO_COMPANY: &str = include_str!("../../../data/demo_company.jsonl");

/// Plays some ten weeks of the demo company's business, ending today: purchases received and
/// billed, sales delivered in parts and invoiced, a credit note, payments, a stock count. Every
/// report then has real numbers. Does nothing if there are products already. Returns how many
/// operations it ran.
pub async fn business(
    backend: &crate::app::Backend,
    today: chrono::NaiveDate,
) -> anyhow::Result<usize> {
    use crate::business::{self as ops, InvoiceInput, LineInput, PaymentInput};
    use crate::error::Failure;
    use domain::invoice::InvoiceKind;
    use domain::ledger::{Allocation, EntryLine};
    use domain::order::{LineQuantity, Side};
    use domain::product::{ProductDetails, ProductKind};
    use rust_decimal::Decimal;

    let state = &backend.state;
    let any: bool =
        sqlx::query_scalar("select exists (select 1 from events where aggregate_type = 'Product')")
            .fetch_one(&state.pool)
            .await?;
    if any {
        return Ok(0);
    }
    let module = crate::data_module::DataModule::parse(DEMO_COMPANY)
        .map_err(|e| anyhow::anyhow!("the demo company's data module: {e}"))?;
    crate::data_module::load(
        &backend.state,
        &module,
        crate::data_module::Loading::APPLY,
        "demo",
    )
    .await
    .map_err(|e| anyhow::anyhow!("loading the demo company's books: {e}"))?;
    backend.catch_up(std::time::Duration::from_secs(30)).await?;
    let config = projections::configuration::current(&state.pool)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no configuration"))?
        .configuration;
    let settings = config.settings().clone();
    let partners: Vec<(String, Uuid)> = sqlx::query_as("select name, id from partner")
        .fetch_all(&state.pool)
        .await?;
    let partner = |name: &str| -> anyhow::Result<Uuid> {
        partners
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| *id)
            .ok_or_else(|| anyhow::anyhow!("no demo partner {name}"))
    };
    let day = |n: u64| today - chrono::Days::new(75 - n);
    let d = |s: &str| -> Decimal { s.parse().unwrap_or_default() };
    let context = CommandContext::system("demo");
    let mut count = 0;
    let settings: &domain::configuration::Settings = &settings;
    // each step borrows what it needs; the work goes in and comes back out.
    macro_rules! run {
        ($name:expr, |$work:ident, $settings:ident| $body:expr) => {{
            let result = state
                .bus
                .run_with(&context, $name, |work| {
                    Box::pin(async {
                        let mut work = work;
                        let $work = &mut work;
                        let $settings = settings;
                        let output = $body.await;
                        (work, output)
                    })
                })
                .await;
            count += 1;
            match result {
                Ok((output, _)) => output,
                Err(Failure::Refused { message, .. }) => {
                    anyhow::bail!("demo step {} refused: {message}", $name)
                }
                Err(other) => anyhow::bail!("demo step {} failed: {other:?}", $name),
            }
        }};
    }

    let products = [
        (
            "LAP-14",
            "Laptop 14\"",
            ProductKind::Stockable,
            "1000",
            "600",
        ),
        ("MOUSE", "Wireless mouse", ProductKind::Stockable, "20", "8"),
        (
            "SCR-27",
            "Screen 27\"",
            ProductKind::Stockable,
            "250",
            "150",
        ),
        ("CABLE", "HDMI cable", ProductKind::Consumable, "5", "1.5"),
        (
            "INSTALL",
            "Installation (hour)",
            ProductKind::Service,
            "90",
            "0",
        ),
    ];
    let mut ids = Vec::new();
    for (reference, name, kind, price, cost) in products {
        let id = Uuid::now_v7();
        let vat = domain::configuration::Code::parse("vat21")?;
        let details =
            ProductDetails::new(reference, name, kind, "Unit", d(price), d(cost), vec![vat])?;
        run!("CreateProduct", |work, _s| ops::create_product(
            work,
            id,
            details.clone()
        ));
        ids.push(id);
    }
    let [laptop, mouse, screen, cable, install] = ids[..] else {
        anyhow::bail!("demo products");
    };
    let line = |product: Uuid, quantity: &str, discount: &str| LineInput {
        product: Some(product),
        description: None,
        quantity: d(quantity),
        unit_price: None,
        discount: d(discount),
        taxes: None,
    };
    let at = |line: usize, quantity: &str| LineQuantity {
        line,
        quantity: d(quantity),
    };

    // the owner's capital.
    let entry = ops::EntryInput {
        company: domain::configuration::Code::main_company(),
        journal: domain::configuration::Code::parse("misc")?,
        date: day(0),
        reference: "Capital brought in".into(),
        lines: vec![
            EntryLine::debit(
                domain::configuration::Code::parse("550000")?,
                None,
                "Capital",
                d("30000"),
            ),
            EntryLine::credit(
                domain::configuration::Code::parse("100000")?,
                None,
                "Capital",
                d("30000"),
            ),
        ],
    };
    run!("PostEntry", |work, s| ops::post_entry(
        work,
        s,
        Uuid::now_v7(),
        &entry
    ));

    // an order drafted, then confirmed.
    macro_rules! confirmed_order {
        ($order:expr, $side:expr, $partner:expr, $date:expr, $lines:expr) => {
            run!("CreateOrder", |work, s| ops::create_order(
                work,
                s,
                $order,
                ops::NewOrder {
                    side: $side,
                    partner: $partner,
                    date: $date,
                    company: domain::configuration::Code::main_company(),
                },
                $lines
            ));
            run!("ConfirmOrder", |work, _s| ops::order_command(
                work,
                $order,
                $side,
                domain::order::OrderCommand::ConfirmOrder {
                    expected_version: None
                }
            ));
        };
    }
    // goods of an order delivered (or received), then invoiced on `$invoice`, posted.
    macro_rules! delivered_and_invoiced {
        (
            $order:expr, $side:expr, $delivered:expr, $quantities:expr,
            $invoice:expr, $invoiced:expr
        ) => {
            run!("DeliverOrder", |work, s| ops::deliver_order(
                work,
                s,
                $order,
                $side,
                Uuid::now_v7(),
                $delivered,
                $quantities
            ));
            run!("InvoiceOrder", |work, s| ops::invoice_order(
                work, s, $order, $side, $invoice, $invoiced
            ));
            run!("PostInvoice", |work, s| ops::post_invoice(
                work, s, $invoice, None
            ));
        };
    }
    // `$amount` of `$invoice` paid by (or to) `$who` through the bank on day `$date`.
    macro_rules! paid {
        ($who:expr, $invoice:expr, $amount:expr, $date:expr) => {{
            let (invoice, amount) = ($invoice, $amount);
            let payment = PaymentInput {
                journal: domain::configuration::Code::parse("bank")?,
                partner: $who,
                date: day($date),
                amount,
                allocations: vec![Allocation { invoice, amount }],
                reference: String::new(),
            };
            run!("RegisterPayment", |work, s| ops::register_payment(
                work,
                s,
                Uuid::now_v7(),
                &payment
            ));
        }};
    }
    // a document drafted, then posted.
    macro_rules! posted_invoice {
        ($invoice:expr, $input:expr) => {
            run!("DraftInvoice", |work, s| ops::create_invoice(
                work, s, $invoice, $input
            ));
            run!("PostInvoice", |work, s| ops::post_invoice(
                work, s, $invoice, None
            ));
        };
    }

    // purchases: laptops and mice received in full, screens in part; billed as received.
    let mut bills = Vec::new();
    for (supplier, lines, received, date) in [
        (
            "ASUSTeK",
            vec![
                line(laptop, "20", "0"),
                line(mouse, "50", "0"),
                line(cable, "100", "0"),
            ],
            vec![at(0, "20"), at(1, "50"), at(2, "100")],
            1,
        ),
        (
            "Distrib PC",
            vec![line(screen, "10", "0")],
            vec![at(0, "6")],
            4,
        ),
    ] {
        let (order, supplier) = (Uuid::now_v7(), partner(supplier)?);
        let (side, bill) = (Side::Purchase, Uuid::now_v7());
        confirmed_order!(order, side, supplier, day(date), &lines);
        delivered_and_invoiced!(
            order,
            side,
            day(date + 1),
            received.clone(),
            bill,
            day(date + 2)
        );
        bills.push((supplier, bill));
    }

    // sales: Agrolait in two deliveries, each invoiced; Camptocamp at once; Delta PC waiting.
    let sale = Side::Sale;
    let agrolait = partner("Agrolait SA")?;
    let so1 = Uuid::now_v7();
    let lines = vec![
        line(laptop, "5", "0"),
        line(mouse, "10", "0"),
        line(install, "3", "0"),
    ];
    confirmed_order!(so1, sale, agrolait, day(5), &lines);
    let inv1 = Uuid::now_v7();
    let first = vec![at(0, "3"), at(1, "10")];
    delivered_and_invoiced!(so1, sale, day(6), first.clone(), inv1, day(7));
    let inv2 = Uuid::now_v7();
    let rest = vec![at(0, "2")];
    delivered_and_invoiced!(so1, sale, day(12), rest.clone(), inv2, day(13));

    let camptocamp = partner("Camptocamp")?;
    let so2 = Uuid::now_v7();
    let lines = vec![
        line(screen, "4", "0"),
        line(laptop, "2", "10"),
        line(cable, "4", "0"),
    ];
    confirmed_order!(so2, sale, camptocamp, day(8), &lines);
    let inv3 = Uuid::now_v7();
    let all = vec![at(0, "4"), at(1, "2"), at(2, "4")];
    delivered_and_invoiced!(so2, sale, day(9), all.clone(), inv3, day(10));

    let delta = partner("Delta PC")?;
    let so3 = Uuid::now_v7();
    let lines = vec![line(laptop, "3", "5"), line(install, "2", "0")];
    confirmed_order!(so3, sale, delta, day(60), &lines);
    let china = partner("China Export")?;
    let inv4 = Uuid::now_v7();
    let invoice = InvoiceInput {
        kind: InvoiceKind::CustomerInvoice,
        partner: china,
        date: day(62),
        due_date: None,
        lines: vec![line(mouse, "2", "0"), line(install, "1", "0")],
        reverses: None,
        reference: "Counter sale".into(),
        company: domain::configuration::Code::main_company(),
    };
    posted_invoice!(inv4, &invoice);

    // a mouse of the first invoice came back broken: a credit note, set against it.
    let credit = Uuid::now_v7();
    let note = InvoiceInput {
        kind: InvoiceKind::CustomerCreditNote,
        partner: agrolait,
        date: day(14),
        due_date: None,
        lines: vec![line(mouse, "1", "0")],
        reverses: Some(inv1),
        reference: "Broken mouse".into(),
        company: domain::configuration::Code::main_company(),
    };
    posted_invoice!(credit, &note);

    // payments: Agrolait settles its first invoice, Camptocamp pays part, we pay ASUSTeK.
    let open = |id: Uuid| async move {
        sqlx::query_scalar::<_, Decimal>("select residual from invoice where id = $1")
            .bind(id)
            .fetch_one(&state.pool)
            .await
    };
    backend.catch_up(std::time::Duration::from_secs(30)).await?;
    for (who, invoice, amount, date) in [
        (agrolait, inv1, open(inv1).await?, 20),
        (camptocamp, inv3, d("1000"), 25),
        (bills[0].0, bills[0].1, open(bills[0].1).await?, 21),
    ] {
        paid!(who, invoice, amount, date);
    }

    // the yearly count finds one mouse missing.
    let counted = sqlx::query_scalar::<_, Decimal>(
        "select coalesce(sum(case when to_location = 'stock' then quantity else -quantity end), 0)
           from stock_move where product_id = $1",
    )
    .bind(mouse)
    .fetch_one(&state.pool)
    .await?;
    let counted = counted - Decimal::ONE;
    run!("CountStock", |work, _s| ops::count_stock(
        work,
        domain::configuration::Code::main_company(),
        mouse,
        Uuid::now_v7(),
        counted,
        day(30)
    ));

    // a branch that consolidates into the company, with its own books: installations sold at
    // its counter, one of them paid.
    let north = domain::configuration::Code::parse(NORTH)?;
    let branch = domain::configuration::Company {
        name: "North Branch".into(),
        parent: Some(domain::configuration::Code::main_company()),
        ..settings.company.clone()
    };
    state
        .bus
        .configure(
            domain::configuration::ConfigurationCommand::SetCompany {
                code: north.clone(),
                company: branch,
            },
            &context,
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo branch: {e:?}"))?;
    let mut branch_invoices = Vec::new();
    for (who, hours, date) in [("Agrolait SA", "4", 40), ("Camptocamp", "6", 55)] {
        let id = Uuid::now_v7();
        let invoice = InvoiceInput {
            kind: InvoiceKind::CustomerInvoice,
            partner: partner(who)?,
            date: day(date),
            due_date: None,
            lines: vec![line(install, hours, "0")],
            reverses: None,
            reference: "Installation".into(),
            company: north.clone(),
        };
        posted_invoice!(id, &invoice);
        branch_invoices.push((partner(who)?, id));
    }
    backend.catch_up(std::time::Duration::from_secs(30)).await?;
    let (who, invoice) = branch_invoices[0];
    paid!(who, invoice, open(invoice).await?, 45);
    count += users(state, &context).await?;
    backend.catch_up(std::time::Duration::from_secs(30)).await?;
    Ok(count)
}

/// The demo's branch: a second company, consolidating into the main one.
pub const NORTH: &str = "north";

/// The demo's users, who sign in with the administrator's password: `ana` of the main company,
/// `bea` of the branch, `cy` of both; in the groups `sales` and `accounting`. None without an
/// administrator to take the password from. Returns how many it created.
async fn users(state: &crate::AppState, context: &CommandContext) -> anyhow::Result<usize> {
    use domain::configuration::Code;
    use domain::user::{Login, PasswordHash, UserCommand, UserCompanies, UserName};
    use std::collections::BTreeSet;

    let hash: Option<String> =
        sqlx::query_scalar("select password_hash from app_user where login = $1")
            .bind(crate::bootstrap::ADMIN_LOGIN)
            .fetch_optional(&state.pool)
            .await?;
    let Some(hash) = hash else {
        return Ok(0);
    };
    let mut created = 0;
    for (login, name, companies) in [
        ("ana", "Ana (main company)", vec!["main"]),
        ("bea", "Bea (North Branch)", vec![NORTH]),
        ("cy", "Cy (both companies)", vec!["main", NORTH]),
    ] {
        let allowed: BTreeSet<Code> = companies
            .iter()
            .map(|c| Code::parse(c))
            .collect::<Result<_, _>>()?;
        let current = Code::parse(companies[0])?;
        let command = UserCommand::CreateUser {
            login: Login::parse(login)?,
            name: UserName::parse(name)?,
            password_hash: PasswordHash::from_phc(hash.clone()),
            groups: BTreeSet::from([Code::parse("sales")?, Code::parse("accounting")?]),
            companies: UserCompanies::new(allowed, current)
                .map_err(|e| anyhow::anyhow!("demo user {login}: {e}"))?,
        };
        match state
            .bus
            .user(crate::auth::user_id(login), command, context)
            .await
        {
            Ok(_) => created += 1,
            // a user of that login exists already: left as it is.
            Err(crate::Failure::Refused { .. }) => {}
            Err(other) => anyhow::bail!("demo user {login}: {other:?}"),
        }
    }
    Ok(created)
}
