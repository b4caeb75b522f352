//! Given earlier events, when a command arrives, then these events (or this error).

use cqrs_es::test::TestFramework;
use rust_decimal::Decimal;

use super::*;

type ConfigurationTest = TestFramework<Configuration>;

fn installed(name: &str, requested: bool) -> ConfigurationEvent {
    ConfigurationEvent::ModuleInstalled {
        name: name.to_owned(),
        version: catalogue::module(name).unwrap().version,
        requested,
    }
}

fn uninstalled(name: &str) -> ConfigurationEvent {
    ConfigurationEvent::ModuleUninstalled {
        name: name.to_owned(),
    }
}

fn code(raw: &str) -> Code {
    Code::parse(raw).unwrap()
}

fn vat(rate: i64) -> Tax {
    Tax::new(&format!("VAT {rate}%"), Decimal::new(rate, 0), false).unwrap()
}

fn install(name: &str) -> ConfigurationCommand {
    ConfigurationCommand::InstallModule {
        name: name.to_owned(),
        force: false,
    }
}

fn with_base() -> Vec<ConfigurationEvent> {
    vec![installed("base", true)]
}

#[test]
fn installing_sale_installs_what_it_needs_first() {
    ConfigurationTest::with(())
        .given(with_base())
        .when(install("sale"))
        .then_expect_events(vec![
            installed("product", false),
            installed("account", false),
            installed("sale", true),
        ]);
}

#[test]
fn installing_an_installed_module_changes_nothing() {
    ConfigurationTest::with(())
        .given(vec![installed("base", true), installed("product", true)])
        .when(install("product"))
        .then_expect_events(vec![]);
}

#[test]
fn installing_an_unknown_module_is_refused() {
    ConfigurationTest::with(())
        .given(with_base())
        .when(install("payroll"))
        .then_expect_error(ConfigurationError::UnknownModule("payroll".into()));
}

#[test]
fn a_production_database_refuses_a_development_version_unless_forced() {
    let production = vec![
        installed("base", true),
        ConfigurationEvent::DatabaseMarked { production: true },
    ];
    ConfigurationTest::with(())
        .given(production.clone())
        .when(install("crm"))
        .then_expect_error(ConfigurationError::DevelopmentVersion {
            module: "crm".into(),
            version: ModuleVersion::new(0, 1, 0),
        });
    ConfigurationTest::with(())
        .given(production)
        .when(ConfigurationCommand::InstallModule {
            name: "crm".into(),
            force: true,
        })
        .then_expect_events(vec![
            installed("product", false),
            installed("account", false),
            installed("sale", false),
            installed("crm", true),
        ]);
}

#[test]
fn a_test_database_takes_a_development_version() {
    ConfigurationTest::with(())
        .given(vec![
            installed("base", true),
            installed("product", true),
            installed("account", true),
            installed("sale", true),
        ])
        .when(install("crm"))
        .then_expect_events(vec![installed("crm", true)]);
}

fn with_sales() -> Vec<ConfigurationEvent> {
    vec![
        installed("base", true),
        installed("product", false),
        installed("account", false),
        installed("sale", true),
        installed("stock", true),
    ]
}

#[test]
fn uninstalling_a_module_others_need_is_refused_with_their_names() {
    ConfigurationTest::with(())
        .given(with_sales())
        .when(ConfigurationCommand::UninstallModule {
            name: "product".into(),
            with_dependents: false,
        })
        .then_expect_error(ConfigurationError::RequiredBy {
            module: "product".into(),
            dependents: vec!["sale".into(), "stock".into()],
        });
}

#[test]
fn uninstalling_with_dependents_removes_them_first() {
    ConfigurationTest::with(())
        .given(with_sales())
        .when(ConfigurationCommand::UninstallModule {
            name: "product".into(),
            with_dependents: true,
        })
        .then_expect_events(vec![
            uninstalled("sale"),
            uninstalled("stock"),
            uninstalled("product"),
        ]);
}

#[test]
fn base_cannot_be_uninstalled() {
    ConfigurationTest::with(())
        .given(with_base())
        .when(ConfigurationCommand::UninstallModule {
            name: "base".into(),
            with_dependents: true,
        })
        .then_expect_error(ConfigurationError::EssentialModule("base".into()));
}

#[test]
fn taxes_need_the_account_module() {
    ConfigurationTest::with(())
        .given(with_base())
        .when(ConfigurationCommand::SetTax {
            code: code("vat21"),
            tax: vat(21),
        })
        .then_expect_error(ConfigurationError::ModuleNotInstalled("account".into()));
    ConfigurationTest::with(())
        .given(with_sales())
        .when(ConfigurationCommand::SetTax {
            code: code("vat21"),
            tax: vat(21),
        })
        .then_expect_events(vec![ConfigurationEvent::TaxSet {
            code: code("vat21"),
            tax: vat(21),
        }]);
}

#[test]
fn a_label_is_renamed_and_setting_the_default_again_resets_it() {
    let renamed = ConfigurationEvent::LabelSet {
        form: "partner".into(),
        field: "vat".into(),
        label: "VAT number".into(),
    };
    ConfigurationTest::with(())
        .given(with_base())
        .when(ConfigurationCommand::SetLabel {
            form: "partner".into(),
            field: "vat".into(),
            label: Some("VAT number".into()),
        })
        .then_expect_events(vec![renamed.clone()]);
    ConfigurationTest::with(())
        .given(vec![installed("base", true), renamed])
        .when(ConfigurationCommand::SetLabel {
            form: "partner".into(),
            field: "vat".into(),
            label: Some("Tax ID".into()),
        })
        .then_expect_events(vec![ConfigurationEvent::LabelReset {
            form: "partner".into(),
            field: "vat".into(),
        }]);
    ConfigurationTest::with(())
        .given(with_base())
        .when(ConfigurationCommand::SetLabel {
            form: "partner".into(),
            field: "shoeSize".into(),
            label: Some("Size".into()),
        })
        .then_expect_error(ConfigurationError::UnknownField {
            form: "partner".into(),
            field: "shoeSize".into(),
        });
}

#[test]
fn the_admin_group_cannot_be_changed() {
    ConfigurationTest::with(())
        .given(with_base())
        .when(ConfigurationCommand::SetAccess {
            group: code(ADMIN_GROUP),
            model: Model::Partner,
            rights: Rights::default(),
        })
        .then_expect_error(ConfigurationError::ReservedGroup);
}

#[test]
fn the_company_currency_must_exist_and_cannot_be_removed() {
    let eur = ConfigurationEvent::CurrencySet {
        code: CurrencyCode::parse("EUR").unwrap(),
        currency: Currency::new("Euro", "€", 2).unwrap(),
    };
    let company = Company {
        currency: CurrencyCode::parse("USD").unwrap(),
        ..Company::default()
    };
    ConfigurationTest::with(())
        .given(vec![installed("base", true), eur.clone()])
        .when(ConfigurationCommand::UpdateCompany { company })
        .then_expect_error(ConfigurationError::UnknownCurrency("USD".into()));
    ConfigurationTest::with(())
        .given(vec![installed("base", true), eur])
        .when(ConfigurationCommand::RemoveCurrency {
            code: CurrencyCode::parse("EUR").unwrap(),
        })
        .then_expect_error(ConfigurationError::CompanyCurrency("EUR".into()));
}

#[test]
fn a_batch_applies_all_or_nothing() {
    ConfigurationTest::with(())
        .given(with_base())
        .when(ConfigurationCommand::Batch(vec![
            install("account"),
            ConfigurationCommand::SetTax {
                code: code("vat21"),
                tax: vat(21),
            },
        ]))
        .then_expect_events(vec![
            installed("account", true),
            ConfigurationEvent::TaxSet {
                code: code("vat21"),
                tax: vat(21),
            },
        ]);
    ConfigurationTest::with(())
        .given(with_base())
        .when(ConfigurationCommand::Batch(vec![
            install("account"),
            install("payroll"),
        ]))
        .then_expect_error(ConfigurationError::UnknownModule("payroll".into()));
}

fn stage_a() -> ConfigurationEvent {
    ConfigurationEvent::StageCreated {
        name: "A".into(),
        note: String::new(),
    }
}

#[test]
fn stage_names_are_unique() {
    ConfigurationTest::with(())
        .given(vec![installed("base", true), stage_a()])
        .when(ConfigurationCommand::CreateStage {
            name: "A".into(),
            note: "again".into(),
        })
        .then_expect_error(ConfigurationError::DuplicateStage("A".into()));
}

/// The settings after `events`, folded by hand from what each event says.
fn settings_after(events: &[ConfigurationEvent]) -> Settings {
    let mut settings = Settings::default();
    for event in events {
        settings.apply(event);
    }
    settings
}

#[test]
fn restoring_a_stage_undoes_what_came_after_and_says_so() {
    let at_a = vec![installed("base", true), stage_a()];
    let mut later = at_a.clone();
    later.extend([
        installed("account", true),
        ConfigurationEvent::TaxSet {
            code: code("vat21"),
            tax: vat(21),
        },
    ]);
    ConfigurationTest::with(())
        .given(later)
        .when(ConfigurationCommand::RestoreStage {
            name: "A".into(),
            target: Box::new(settings_after(&at_a)),
            in_use: InUse::default(),
        })
        .then_expect_events(vec![
            uninstalled("account"),
            ConfigurationEvent::TaxRemoved {
                code: code("vat21"),
            },
            ConfigurationEvent::StageRestored { name: "A".into() },
        ]);
}

#[test]
fn restoring_a_stage_twice_changes_nothing_the_second_time() {
    let at_a = vec![installed("base", true), stage_a()];
    let mut restored = at_a.clone();
    restored.extend([
        installed("account", true),
        uninstalled("account"),
        ConfigurationEvent::StageRestored { name: "A".into() },
    ]);
    ConfigurationTest::with(())
        .given(restored)
        .when(ConfigurationCommand::RestoreStage {
            name: "A".into(),
            target: Box::new(settings_after(&at_a)),
            in_use: InUse::default(),
        })
        .then_expect_events(vec![]);
}

#[test]
fn restoring_an_unknown_stage_is_refused() {
    ConfigurationTest::with(())
        .given(with_base())
        .when(ConfigurationCommand::RestoreStage {
            name: "Z".into(),
            target: Box::default(),
            in_use: InUse::default(),
        })
        .then_expect_error(ConfigurationError::UnknownStage("Z".into()));
}

#[test]
fn a_restore_keeps_taxes_in_use_and_never_lowers_a_sequence() {
    let orders = |next| ConfigurationEvent::SequenceSet {
        code: code("sale.order"),
        sequence: Sequence::new("Sales orders", "SO", 4, next).unwrap(),
    };
    let stage = settings_after(&[
        installed("base", true),
        installed("account", true),
        orders(1),
    ]);
    let now = settings_after(&[
        installed("base", true),
        installed("account", true),
        orders(57),
        ConfigurationEvent::TaxSet {
            code: code("vat21"),
            tax: vat(21),
        },
        ConfigurationEvent::TaxSet {
            code: code("vat6"),
            tax: vat(6),
        },
    ]);
    let in_use = InUse {
        taxes: [code("vat21")].into(),
        ..InUse::default()
    };
    let plan = restoration(&now, &stage, &in_use);
    assert_eq!(
        plan.events,
        vec![ConfigurationEvent::TaxRemoved { code: code("vat6") }]
    );
    assert_eq!(
        plan.kept,
        vec![Change {
            area: Area::Tax,
            key: "vat21".into(),
            before: Some("VAT 21% (21%)".into()),
            after: None,
            company: None,
        }]
    );
}

#[test]
fn changes_between_two_configurations_read_as_sentences() {
    let before = settings_after(&[installed("base", true)]);
    let after = settings_after(&[
        installed("base", true),
        installed("account", true),
        ConfigurationEvent::TaxSet {
            code: code("vat21"),
            tax: Tax::new("VAT", Decimal::new(21, 0), true).unwrap(),
        },
        ConfigurationEvent::LabelSet {
            form: "partner".into(),
            field: "vat".into(),
            label: "VAT number".into(),
        },
    ]);
    let change = |area, key: &str, after: &str| Change {
        area,
        key: key.into(),
        before: None,
        after: Some(after.into()),
        company: None,
    };
    assert_eq!(
        changes(&before, &after),
        vec![
            change(Area::Module, "account", "1.0.0"),
            change(Area::Tax, "vat21", "VAT (21%, included in price)"),
            change(Area::Label, "partner.vat", "VAT number"),
        ]
    );
    assert!(changes(&after, &after).is_empty());
}

fn eur() -> ConfigurationEvent {
    ConfigurationEvent::CurrencySet {
        code: CurrencyCode::parse("EUR").unwrap(),
        currency: Currency::new("Euro", "€", 2).unwrap(),
    }
}

fn company(name: &str, parent: Option<&str>) -> Company {
    Company {
        name: name.to_owned(),
        parent: parent.map(code),
        ..Company::default()
    }
}

fn company_set(raw: &str, parent: Option<&str>) -> ConfigurationEvent {
    ConfigurationEvent::CompanySet {
        code: code(raw),
        company: company(&raw.to_uppercase(), parent),
    }
}

#[test]
fn a_company_is_added_under_a_parent_that_exists() {
    ConfigurationTest::with(())
        .given(vec![installed("base", true), eur()])
        .when(ConfigurationCommand::SetCompany {
            code: code("b"),
            company: company("B", Some("main")),
        })
        .then_expect_events(vec![company_set("b", Some("main"))]);
    ConfigurationTest::with(())
        .given(vec![installed("base", true), eur()])
        .when(ConfigurationCommand::SetCompany {
            code: code("b"),
            company: company("B", Some("nowhere")),
        })
        .then_expect_error(ConfigurationError::UnknownCompany("nowhere".into()));
}

#[test]
fn setting_the_main_company_by_its_code_updates_it() {
    ConfigurationTest::with(())
        .given(vec![installed("base", true), eur()])
        .when(ConfigurationCommand::SetCompany {
            code: code("main"),
            company: company("Agrolait", None),
        })
        .then_expect_events(vec![ConfigurationEvent::CompanyUpdated {
            company: company("Agrolait", None),
        }]);
}

#[test]
fn a_company_cannot_consolidate_into_itself_or_a_child() {
    // main <- b <- c; making main a child of c would close a circle.
    let given = vec![
        installed("base", true),
        eur(),
        company_set("b", Some("main")),
        company_set("c", Some("b")),
    ];
    ConfigurationTest::with(())
        .given(given.clone())
        .when(ConfigurationCommand::SetCompany {
            code: code("main"),
            company: company("Main", Some("c")),
        })
        .then_expect_error(ConfigurationError::CompanyCycle {
            code: "main".into(),
            parent: "c".into(),
        });
    ConfigurationTest::with(())
        .given(given)
        .when(ConfigurationCommand::SetCompany {
            code: code("b"),
            company: company("B", Some("b")),
        })
        .then_expect_error(ConfigurationError::CompanyCycle {
            code: "b".into(),
            parent: "b".into(),
        });
}

#[test]
fn the_main_company_and_a_parent_are_not_removed() {
    let given = vec![
        installed("base", true),
        eur(),
        company_set("b", Some("main")),
        company_set("c", Some("b")),
    ];
    ConfigurationTest::with(())
        .given(given.clone())
        .when(ConfigurationCommand::RemoveCompany { code: code("main") })
        .then_expect_error(ConfigurationError::MainCompany);
    ConfigurationTest::with(())
        .given(given.clone())
        .when(ConfigurationCommand::RemoveCompany { code: code("b") })
        .then_expect_error(ConfigurationError::Used {
            what: "company",
            code: "b".into(),
            by: "company 'c' (as its parent)".into(),
        });
    ConfigurationTest::with(())
        .given(given)
        .when(ConfigurationCommand::RemoveCompany { code: code("c") })
        .then_expect_events(vec![ConfigurationEvent::CompanyRemoved { code: code("c") }]);
}

#[test]
fn a_currency_a_company_keeps_its_books_in_stays() {
    let usd = ConfigurationEvent::CurrencySet {
        code: CurrencyCode::parse("USD").unwrap(),
        currency: Currency::new("US dollar", "$", 2).unwrap(),
    };
    let us = ConfigurationEvent::CompanySet {
        code: code("us"),
        company: Company {
            currency: CurrencyCode::parse("USD").unwrap(),
            ..company("US", None)
        },
    };
    ConfigurationTest::with(())
        .given(vec![installed("base", true), eur(), usd, us])
        .when(ConfigurationCommand::RemoveCurrency {
            code: CurrencyCode::parse("USD").unwrap(),
        })
        .then_expect_error(ConfigurationError::CompanyCurrency("USD".into()));
}

#[test]
fn a_report_of_a_parent_takes_in_its_children_at_any_depth() {
    let mut settings = Settings::default();
    for event in [
        company_set("b", Some("main")),
        company_set("c", Some("b")),
        company_set("d", None),
    ] {
        settings.apply(&event);
    }
    let family = |raw: &str| -> Vec<String> {
        settings
            .company_and_children(&code(raw))
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    assert_eq!(family("main"), ["b", "c", "main"]);
    assert_eq!(family("b"), ["b", "c"]);
    assert_eq!(family("d"), ["d"]);
}

#[test]
fn restoring_a_stage_takes_away_a_company_it_lacks_unless_records_use_it() {
    let mut stage = Settings::default();
    stage.apply(&eur());
    let mut now = stage.clone();
    now.apply(&company_set("b", None));
    now.apply(&company_set("c", Some("b")));
    let plan = restoration(&now, &stage, &InUse::default());
    assert_eq!(
        plan.events,
        vec![
            ConfigurationEvent::CompanyRemoved { code: code("b") },
            ConfigurationEvent::CompanyRemoved { code: code("c") },
        ]
    );
    // c is used by records: it stays, and so does b, which it consolidates into.
    let in_use = InUse {
        companies: [code("c")].into(),
        ..InUse::default()
    };
    let plan = restoration(&now, &stage, &in_use);
    assert!(plan.events.is_empty(), "{:?}", plan.events);
    let kept: Vec<&str> = plan.kept.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(kept, ["b", "c"]);
}

fn tax_promotion(was: Option<i64>, to: Option<i64>) -> Promotion {
    Promotion {
        area: Area::Tax,
        key: "vat21".into(),
        was: was.map(|rate| Item::Tax(vat(rate))),
        to: to.map(|rate| Item::Tax(vat(rate))),
    }
}

fn promote(promotions: Vec<Promotion>, in_use: InUse) -> ConfigurationCommand {
    ConfigurationCommand::Promote {
        module: "go_live@1.0.0".into(),
        promotions,
        in_use,
        force: false,
    }
}

fn with_tax(rate: i64) -> Vec<ConfigurationEvent> {
    let mut events = with_sales();
    events.push(ConfigurationEvent::TaxSet {
        code: code("vat21"),
        tax: vat(rate),
    });
    events
}

#[test]
fn a_promotion_takes_what_the_target_has_as_the_source_had_it() {
    ConfigurationTest::with(())
        .given(with_tax(21))
        .when(promote(
            vec![tax_promotion(Some(21), Some(22))],
            InUse::default(),
        ))
        .then_expect_events(vec![ConfigurationEvent::TaxSet {
            code: code("vat21"),
            tax: vat(22),
        }]);
}

#[test]
fn a_promotion_the_target_has_already_changes_nothing() {
    ConfigurationTest::with(())
        .given(with_tax(22))
        .when(promote(
            vec![tax_promotion(Some(21), Some(22))],
            InUse::default(),
        ))
        .then_expect_events(vec![]);
}

#[test]
fn a_thing_the_target_changed_on_its_own_is_a_conflict_and_nothing_is_taken() {
    let label = Promotion {
        area: Area::Label,
        key: "partner.vat".into(),
        was: None,
        to: Some(Item::Label("VAT number".into())),
    };
    let error = ConfigurationTest::with(())
        .given(with_tax(23))
        .when(promote(
            vec![label, tax_promotion(Some(21), Some(22))],
            InUse::default(),
        ))
        .inspect_result()
        .unwrap_err();
    let ConfigurationError::PromotionConflicts { conflicts, .. } = error else {
        panic!("not a conflict: {error:?}");
    };
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert!(
        conflicts[0].contains("tax 'vat21' was changed here"),
        "{conflicts:?}"
    );
}

#[test]
fn a_promotion_may_not_take_away_what_business_records_use() {
    let in_use = InUse {
        taxes: [code("vat21")].into(),
        ..InUse::default()
    };
    let error = ConfigurationTest::with(())
        .given(with_tax(21))
        .when(promote(vec![tax_promotion(Some(21), None)], in_use))
        .inspect_result()
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("tax 'vat21' is used by business records"),
        "{error}"
    );
    ConfigurationTest::with(())
        .given(with_tax(21))
        .when(promote(
            vec![tax_promotion(Some(21), None)],
            InUse::default(),
        ))
        .then_expect_events(vec![ConfigurationEvent::TaxRemoved {
            code: code("vat21"),
        }]);
}

#[test]
fn promotions_list_every_thing_changed_between_two_configurations_and_put_them_back() {
    let before = settings_after(&with_tax(21));
    let mut after = before.clone();
    after.taxes.insert(code("vat6"), vat(6));
    after
        .labels
        .insert("partner.vat".into(), "VAT number".into());
    after.taxes.remove(&code("vat21"));
    let promoted = promotions(&before, &after);
    let keys: Vec<(Area, &str)> = promoted.iter().map(|p| (p.area, p.key.as_str())).collect();
    assert_eq!(
        keys,
        [
            (Area::Tax, "vat6"),
            (Area::Label, "partner.vat"),
            (Area::Tax, "vat21")
        ],
        "what is added first, area by area; what is taken away last"
    );
    let plan = promotion_plan(&before, &promoted, &InUse::default()).unwrap();
    let mut promoted_settings = before.clone();
    for event in &plan.events {
        promoted_settings.apply(event);
    }
    assert_eq!(promoted_settings, after);
    assert_eq!(
        promotion_plan(&after, &promoted, &InUse::default())
            .unwrap()
            .already,
        3
    );
}

#[test]
fn a_sequence_gone_further_in_the_target_is_still_the_one_the_promotion_expects() {
    let sequence =
        |next: u64| Item::Sequence(Sequence::new("Sales orders", "SO", 4, next).unwrap());
    let mut target = settings_after(&with_sales());
    target.sequences.insert(
        code("so"),
        Sequence::new("Sales orders", "SO", 4, 10).unwrap(),
    );
    let renamed = Promotion {
        area: Area::Sequence,
        key: "so".into(),
        was: Some(sequence(1)),
        to: Some(Item::Sequence(Sequence::new("Orders", "SO", 4, 1).unwrap())),
    };
    let plan = promotion_plan(&target, &[renamed], &InUse::default()).unwrap();
    let mut promoted = target.clone();
    for event in &plan.events {
        promoted.apply(event);
    }
    let so = &promoted.sequences[&code("so")];
    assert_eq!(
        (so.name.as_str(), so.next_number),
        ("Orders", 10),
        "renamed, never lowered"
    );
}

#[test]
fn business_settings_give_invoices_at_most_ten_years_to_fall_due() {
    let settings = settings_after(&with_sales());
    let mut business = settings.business.clone();
    business.payment_days = 3660;
    assert!(settings.check_business(&business).is_ok());
    business.payment_days = 3661;
    assert_eq!(
        settings.check_business(&business),
        Err(ConfigurationError::PaymentDays(3661))
    );
}

#[test]
fn a_prefix_given_anew_must_be_the_sequences_own_but_two_of_before_are_saved_as_they_are() {
    let set = |c: &str, prefix: &str| ConfigurationEvent::SequenceSet {
        code: code(c),
        sequence: Sequence::new("Orders", prefix, 4, 1).unwrap(),
    };
    let command = |c: &str, prefix: &str| ConfigurationCommand::SetSequence {
        code: code(c),
        sequence: Sequence::new("Orders", prefix, 4, 1).unwrap(),
    };
    // a new sequence, or one changed, to a prefix another has: refused, naming it.
    ConfigurationTest::with(())
        .given(vec![installed("base", true), set("so", "SO")])
        .when(command("so2", "SO"))
        .then_expect_error(ConfigurationError::PrefixTaken {
            prefix: "SO".into(),
            by: "so".into(),
        });
    // two of one prefix from before (made before the rule): each is saved unchanged without a
    // refusal; given another prefix, it goes.
    let before = vec![
        installed("base", true),
        set("so", "SO"),
        set("sale.order", "SO"),
    ];
    ConfigurationTest::with(())
        .given(before.clone())
        .when(command("sale.order", "SO"))
        .then_expect_events(vec![]);
    ConfigurationTest::with(())
        .given(before)
        .when(command("sale.order", "SO-"))
        .then_expect_events(vec![set("sale.order", "SO-")]);
}
