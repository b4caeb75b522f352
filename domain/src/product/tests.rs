//! Given earlier events, when a command arrives, then these events (or this error).

use cqrs_es::test::TestFramework;

use super::*;
use crate::testing::{after, code, d};

type ProductTest = TestFramework<Product>;

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
    ProductTest::with(())
        .given_no_previous_events()
        .when(ProductCommand::CreateProduct { details: desk() })
        .then_expect_events(vec![created()]);
}

#[test]
fn a_created_product_is_at_version_one_and_active() {
    let product = after::<Product>(vec![created()]);
    assert_eq!(product.version(), 1);
    assert_eq!(product.details(), Some(&desk()));
    assert!(!product.is_archived());
}

#[test]
fn creating_a_product_twice_is_refused_active_or_archived() {
    for events in [vec![created()], archived()] {
        ProductTest::with(())
            .given(events)
            .when(ProductCommand::CreateProduct { details: desk() })
            .then_expect_error(ProductError::AlreadyExists);
    }
}

#[test]
fn updating_an_active_product_records_every_detail() {
    ProductTest::with(())
        .given(vec![created()])
        .when(update(Some(1), desk_repriced()))
        .then_expect_events(vec![ProductEvent::ProductUpdated {
            details: desk_repriced(),
        }]);
}

#[test]
fn an_update_without_a_version_is_not_checked_for_staleness() {
    ProductTest::with(())
        .given(vec![created()])
        .when(update(None, desk_repriced()))
        .then_expect_events(vec![ProductEvent::ProductUpdated {
            details: desk_repriced(),
        }]);
}

#[test]
fn an_update_that_changes_nothing_records_nothing() {
    ProductTest::with(())
        .given(vec![created()])
        .when(update(Some(1), desk()))
        .then_expect_events(vec![]);
}

#[test]
fn an_update_replaces_the_details() {
    let product = after::<Product>(vec![
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
    ProductTest::with(())
        .given(vec![created()])
        .when(update(Some(0), desk_repriced()))
        .then_expect_error(ProductError::StaleVersion {
            expected: 0,
            actual: 1,
        });
}

#[test]
fn updating_an_archived_product_is_refused() {
    ProductTest::with(())
        .given(archived())
        .when(update(Some(2), desk_repriced()))
        .then_expect_error(ProductError::Archived);
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
        ProductTest::with(())
            .given_no_previous_events()
            .when(command)
            .then_expect_error(ProductError::NotFound);
    }
}

#[test]
fn archiving_an_active_product_records_it() {
    ProductTest::with(())
        .given(vec![created()])
        .when(ProductCommand::ArchiveProduct {
            expected_version: Some(1),
        })
        .then_expect_events(vec![ProductEvent::ProductArchived {}]);
    assert!(after::<Product>(archived()).is_archived());
}

#[test]
fn archiving_an_archived_product_records_nothing() {
    ProductTest::with(())
        .given(archived())
        .when(ProductCommand::ArchiveProduct {
            expected_version: Some(2),
        })
        .then_expect_events(vec![]);
}

#[test]
fn archiving_from_a_stale_form_is_refused() {
    ProductTest::with(())
        .given(archived())
        .when(ProductCommand::ArchiveProduct {
            expected_version: Some(1),
        })
        .then_expect_error(ProductError::StaleVersion {
            expected: 1,
            actual: 2,
        });
}

#[test]
fn unarchiving_an_archived_product_records_it() {
    ProductTest::with(())
        .given(archived())
        .when(ProductCommand::UnarchiveProduct {
            expected_version: Some(2),
        })
        .then_expect_events(vec![ProductEvent::ProductUnarchived {}]);
}

#[test]
fn an_unarchived_product_can_be_updated_again() {
    let mut events = archived();
    events.push(ProductEvent::ProductUnarchived {});
    let product = after::<Product>(events.clone());
    assert!(!product.is_archived());
    assert_eq!(product.version(), 3);
    ProductTest::with(())
        .given(events)
        .when(update(Some(3), desk_repriced()))
        .then_expect_events(vec![ProductEvent::ProductUpdated {
            details: desk_repriced(),
        }]);
}

#[test]
fn unarchiving_an_active_product_records_nothing() {
    ProductTest::with(())
        .given(vec![created()])
        .when(ProductCommand::UnarchiveProduct {
            expected_version: Some(1),
        })
        .then_expect_events(vec![]);
}

#[test]
fn unarchiving_from_a_stale_form_is_refused() {
    ProductTest::with(())
        .given(archived())
        .when(ProductCommand::UnarchiveProduct {
            expected_version: Some(5),
        })
        .then_expect_error(ProductError::StaleVersion {
            expected: 5,
            actual: 2,
        });
}
