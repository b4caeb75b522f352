//! Given earlier events, when a command arrives, then these events (or this error).

use std::str::FromStr;

use crate::text::TextError;
use crate::Decide;

use super::*;

fn d(raw: &str) -> Decimal {
    Decimal::from_str(raw).unwrap()
}

fn code(raw: &str) -> Code {
    Code::parse(raw).unwrap()
}

/// The product after `events`.
fn given(events: Vec<ProductEvent>) -> Product {
    let mut product = Product::default();
    for event in events {
        product.apply(event);
    }
    product
}

fn desk() -> ProductDetails {
    ProductDetails::new(
        "FURN-0001",
        "Office desk",
        ProductKind::Stockable,
        "Unit",
        d("450.00"),
        d("280.00"),
        vec![code("vat21")],
    )
    .unwrap()
}

fn desk_repriced() -> ProductDetails {
    ProductDetails {
        sale_price: d("470.00"),
        ..desk()
    }
}

fn created() -> ProductEvent {
    ProductEvent::ProductCreated { details: desk() }
}

fn archived() -> Vec<ProductEvent> {
    vec![created(), ProductEvent::ProductArchived {}]
}

fn update(expected_version: Option<u64>, details: ProductDetails) -> ProductCommand {
    ProductCommand::UpdateProduct {
        expected_version,
        details,
    }
}

#[test]
fn creating_a_new_product_records_its_details() {
    let events = given(vec![]).decide(ProductCommand::CreateProduct { details: desk() });
    assert_eq!(events, Ok(vec![created()]));
}

#[test]
fn a_created_product_is_at_version_one_and_active() {
    let product = given(vec![created()]);
    assert_eq!(product.version(), 1);
    assert_eq!(product.details(), Some(&desk()));
    assert!(!product.is_archived());
}

#[test]
fn creating_a_product_twice_is_refused_active_or_archived() {
    for events in [vec![created()], archived()] {
        let refused = given(events).decide(ProductCommand::CreateProduct { details: desk() });
        assert_eq!(refused, Err(ProductError::AlreadyExists));
    }
}

#[test]
fn updating_an_active_product_records_every_detail() {
    let events = given(vec![created()]).decide(update(Some(1), desk_repriced()));
    assert_eq!(
        events,
        Ok(vec![ProductEvent::ProductUpdated {
            details: desk_repriced()
        }])
    );
}

#[test]
fn an_update_without_a_version_is_not_checked_for_staleness() {
    let events = given(vec![created()]).decide(update(None, desk_repriced()));
    assert_eq!(
        events,
        Ok(vec![ProductEvent::ProductUpdated {
            details: desk_repriced()
        }])
    );
}

#[test]
fn an_update_that_changes_nothing_records_nothing() {
    let events = given(vec![created()]).decide(update(Some(1), desk()));
    assert_eq!(events, Ok(vec![]));
}

#[test]
fn an_update_replaces_the_details() {
    let product = given(vec![
        created(),
        ProductEvent::ProductUpdated {
            details: desk_repriced(),
        },
    ]);
    assert_eq!(product.version(), 2);
    assert_eq!(product.details(), Some(&desk_repriced()));
}

#[test]
fn updating_from_a_stale_form_is_refused() {
    let refused = given(vec![created()]).decide(update(Some(0), desk_repriced()));
    assert_eq!(
        refused,
        Err(ProductError::StaleVersion {
            expected: 0,
            actual: 1
        })
    );
}

#[test]
fn updating_an_archived_product_is_refused() {
    let refused = given(archived()).decide(update(Some(2), desk_repriced()));
    assert_eq!(refused, Err(ProductError::Archived));
}

#[test]
fn every_change_to_a_product_that_does_not_exist_is_refused() {
    let commands = [
        update(None, desk()),
        ProductCommand::ArchiveProduct {
            expected_version: None,
        },
        ProductCommand::UnarchiveProduct {
            expected_version: None,
        },
    ];
    for command in commands {
        assert_eq!(given(vec![]).decide(command), Err(ProductError::NotFound));
    }
}

#[test]
fn archiving_an_active_product_records_it() {
    let events = given(vec![created()]).decide(ProductCommand::ArchiveProduct {
        expected_version: Some(1),
    });
    assert_eq!(events, Ok(vec![ProductEvent::ProductArchived {}]));
    assert!(given(archived()).is_archived());
}

#[test]
fn archiving_an_archived_product_records_nothing() {
    let events = given(archived()).decide(ProductCommand::ArchiveProduct {
        expected_version: Some(2),
    });
    assert_eq!(events, Ok(vec![]));
}

#[test]
fn archiving_from_a_stale_form_is_refused() {
    let refused = given(archived()).decide(ProductCommand::ArchiveProduct {
        expected_version: Some(1),
    });
    assert_eq!(
        refused,
        Err(ProductError::StaleVersion {
            expected: 1,
            actual: 2
        })
    );
}

#[test]
fn unarchiving_an_archived_product_records_it() {
    let events = given(archived()).decide(ProductCommand::UnarchiveProduct {
        expected_version: Some(2),
    });
    assert_eq!(events, Ok(vec![ProductEvent::ProductUnarchived {}]));
}

#[test]
fn an_unarchived_product_can_be_updated_again() {
    let mut events = archived();
    events.push(ProductEvent::ProductUnarchived {});
    let product = given(events);
    assert!(!product.is_archived());
    assert_eq!(product.version(), 3);
    assert_eq!(
        product.decide(update(Some(3), desk_repriced())),
        Ok(vec![ProductEvent::ProductUpdated {
            details: desk_repriced()
        }])
    );
}

#[test]
fn unarchiving_an_active_product_records_nothing() {
    let events = given(vec![created()]).decide(ProductCommand::UnarchiveProduct {
        expected_version: Some(1),
    });
    assert_eq!(events, Ok(vec![]));
}

#[test]
fn unarchiving_from_a_stale_form_is_refused() {
    let refused = given(archived()).decide(ProductCommand::UnarchiveProduct {
        expected_version: Some(5),
    });
    assert_eq!(
        refused,
        Err(ProductError::StaleVersion {
            expected: 5,
            actual: 2
        })
    );
}

#[test]
fn details_are_trimmed_and_a_tax_given_twice_is_kept_once() {
    let details = ProductDetails::new(
        "  FURN-0002 ",
        " Chair ",
        ProductKind::Consumable,
        "Unit",
        d("10"),
        d("0"),
        vec![code("vat21"), code("vat6"), code("vat21")],
    )
    .unwrap();
    assert_eq!(details.reference, "FURN-0002");
    assert_eq!(details.name, "Chair");
    assert_eq!(details.taxes, vec![code("vat21"), code("vat6")]);
}

#[test]
fn details_out_of_bounds_are_refused() {
    let new = |reference: &str, sale_price: &str, cost: &str, taxes: usize| {
        ProductDetails::new(
            reference,
            "Desk",
            ProductKind::Stockable,
            "Unit",
            d(sale_price),
            d(cost),
            (0..taxes).map(|n| code(&format!("tax{n}"))).collect(),
        )
    };
    assert_eq!(
        new(" ", "1", "1", 0),
        Err(DetailsError::Reference(TextError::Empty))
    );
    assert_eq!(
        new("D", "-1", "1", 0),
        Err(DetailsError::SalePrice(FigureError::Negative(d("-1"))))
    );
    assert_eq!(
        new("D", "1", "0.00001", 0),
        Err(DetailsError::Cost(FigureError::TooPrecise {
            max: 4,
            value: d("0.00001")
        }))
    );
    assert_eq!(
        new("D", "1", "1", TAXES_MAX + 1),
        Err(DetailsError::TooManyTaxes)
    );
    assert!(new("D", "1", "1", TAXES_MAX).is_ok());
}

#[test]
fn only_services_are_not_goods() {
    assert!(ProductKind::Stockable.is_goods());
    assert!(ProductKind::Consumable.is_goods());
    assert!(!ProductKind::Service.is_goods());
}
