//! Given earlier events, when a command arrives, then these events (or this error).

use cqrs_es::test::TestFramework;

use super::*;
use crate::testing::after;

type PartnerTest = TestFramework<Partner>;

fn agrolait() -> PartnerDetails {
    PartnerDetails {
        name: PartnerName::parse("Agrolait").unwrap(),
        email: Some(Email::parse("info@agrolait.be").unwrap()),
        phone: None,
        address: Address::default(),
        vat: Some(VatNumber::parse("BE0477472701").unwrap()),
        is_customer: true,
        is_supplier: false,
        company: None,
        categories: Default::default(),
    }
}

fn renamed(name: &str) -> PartnerChanges {
    PartnerChanges {
        name: Some(PartnerName::parse(name).unwrap()),
        ..PartnerChanges::default()
    }
}

fn created() -> PartnerEvent {
    PartnerEvent::PartnerCreated {
        details: agrolait(),
    }
}

#[test]
fn creating_a_new_partner_records_its_details() {
    PartnerTest::with(())
        .given_no_previous_events()
        .when(PartnerCommand::CreatePartner {
            details: agrolait(),
        })
        .then_expect_events(vec![created()]);
}

#[test]
fn creating_a_partner_twice_is_refused() {
    PartnerTest::with(())
        .given(vec![created()])
        .when(PartnerCommand::CreatePartner {
            details: agrolait(),
        })
        .then_expect_error(PartnerError::AlreadyExists);
}

#[test]
fn updating_records_every_detail_as_it_now_stands() {
    let mut expected = agrolait();
    expected.name = PartnerName::parse("Agrolait SA").unwrap();
    expected.email = None;
    PartnerTest::with(())
        .given(vec![created()])
        .when(PartnerCommand::UpdatePartner {
            expected_version: Some(1),
            changes: PartnerChanges {
                email: Some(None),
                ..renamed("Agrolait SA")
            },
        })
        .then_expect_events(vec![PartnerEvent::PartnerUpdated { details: expected }]);
}

#[test]
fn an_update_that_changes_nothing_records_nothing() {
    PartnerTest::with(())
        .given(vec![created()])
        .when(PartnerCommand::UpdatePartner {
            expected_version: None,
            changes: renamed("Agrolait"),
        })
        .then_expect_events(vec![]);
}

#[test]
fn updating_an_unknown_partner_is_refused() {
    PartnerTest::with(())
        .given_no_previous_events()
        .when(PartnerCommand::UpdatePartner {
            expected_version: None,
            changes: renamed("Agrolait SA"),
        })
        .then_expect_error(PartnerError::NotFound);
}

#[test]
fn a_change_made_on_a_stale_form_is_refused() {
    PartnerTest::with(())
        .given(vec![
            created(),
            PartnerEvent::PartnerUpdated {
                details: agrolait(),
            },
        ])
        .when(PartnerCommand::UpdatePartner {
            expected_version: Some(1),
            changes: renamed("Agrolait SA"),
        })
        .then_expect_error(PartnerError::StaleVersion {
            expected: 1,
            actual: 2,
        });
}

#[test]
fn archiving_then_unarchiving_goes_both_ways_once() {
    PartnerTest::with(())
        .given(vec![created()])
        .when(PartnerCommand::ArchivePartner {
            expected_version: Some(1),
        })
        .then_expect_events(vec![PartnerEvent::PartnerArchived {}]);
    PartnerTest::with(())
        .given(vec![created(), PartnerEvent::PartnerArchived {}])
        .when(PartnerCommand::ArchivePartner {
            expected_version: None,
        })
        .then_expect_events(vec![]);
    PartnerTest::with(())
        .given(vec![created(), PartnerEvent::PartnerArchived {}])
        .when(PartnerCommand::UnarchivePartner {
            expected_version: Some(2),
        })
        .then_expect_events(vec![PartnerEvent::PartnerUnarchived {}]);
    PartnerTest::with(())
        .given(vec![created()])
        .when(PartnerCommand::UnarchivePartner {
            expected_version: None,
        })
        .then_expect_events(vec![]);
}

#[test]
fn an_archived_partner_cannot_be_changed() {
    PartnerTest::with(())
        .given(vec![created(), PartnerEvent::PartnerArchived {}])
        .when(PartnerCommand::UpdatePartner {
            expected_version: None,
            changes: renamed("Agrolait SA"),
        })
        .then_expect_error(PartnerError::Archived);
}

#[test]
fn archiving_an_unknown_partner_is_refused() {
    PartnerTest::with(())
        .given_no_previous_events()
        .when(PartnerCommand::ArchivePartner {
            expected_version: None,
        })
        .then_expect_error(PartnerError::NotFound);
}

#[test]
fn the_version_counts_events() {
    let partner = after::<Partner>(vec![created(), PartnerEvent::PartnerArchived {}]);
    assert_eq!(partner.version(), 2);
}

#[test]
fn stored_events_keep_their_json_shape() {
    // The payload is stored: its shape may only change with a new event version and an upcaster.
    let json = serde_json::to_value(PartnerEvent::PartnerArchived {}).unwrap();
    assert_eq!(json, serde_json::json!({ "PartnerArchived": {} }));
    let json = serde_json::to_value(created()).unwrap();
    assert_eq!(json["PartnerCreated"]["details"]["name"], "Agrolait");
    assert_eq!(json["PartnerCreated"]["details"]["vat"], "BE0477472701");
}

#[test]
fn a_stale_form_is_told_what_changed_and_what_to_do() {
    // every record a form edits says it the same way, only its name changes
    assert_eq!(
        PartnerError::StaleVersion {
            expected: 1,
            actual: 2
        }
        .to_string(),
        "the partner was changed by someone else: your form shows version 1, it is now at version \
         2; reload it and make your change again"
    );
}
