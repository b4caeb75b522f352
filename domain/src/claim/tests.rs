//! Given earlier events, when a command arrives, then these events (or this error).

use cqrs_es::test::TestFramework;

use super::*;
use crate::testing::id;

type ClaimTest = TestFramework<Claim>;

#[test]
fn a_key_has_one_holder_at_a_time() {
    let (a, b) = (id(1), id(2));
    let claimed = || vec![ClaimEvent::KeyClaimed { owner: a }];
    ClaimTest::with(())
        .given_no_previous_events()
        .when(ClaimCommand::Claim { owner: a })
        .then_expect_events(claimed());
    ClaimTest::with(())
        .given(claimed())
        .when(ClaimCommand::Claim { owner: b })
        .then_expect_error(ClaimError::Taken { owner: a });
    ClaimTest::with(())
        .given(claimed())
        .when(ClaimCommand::Claim { owner: a })
        .then_expect_events(vec![]);
    ClaimTest::with(())
        .given(claimed())
        .when(ClaimCommand::Release { owner: b })
        .then_expect_events(vec![]);
    let released = ClaimTest::with(())
        .given(claimed())
        .when(ClaimCommand::Release { owner: a })
        .inspect_result()
        .unwrap();
    assert!(ClaimTest::with(())
        .given(claimed())
        .and(released)
        .when(ClaimCommand::Claim { owner: b })
        .inspect_result()
        .is_ok());
}
