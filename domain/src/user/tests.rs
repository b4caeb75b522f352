//! Given earlier events, when a command arrives, then these events (or this error).

use std::collections::BTreeSet;

use cqrs_es::test::TestFramework;

use super::*;

type UserTest = TestFramework<User>;

fn created() -> UserEvent {
    UserEvent::UserCreated {
        login: Login::parse("Alice@Example.com").unwrap(),
        name: UserName::parse("Alice").unwrap(),
        password_hash: PasswordHash::from_phc("$argon2id$x".into()),
        groups: BTreeSet::new(),
    }
}

#[test]
fn a_login_is_taken_once() {
    let UserEvent::UserCreated {
        login,
        name,
        password_hash,
        groups,
    } = created()
    else {
        unreachable!()
    };
    UserTest::with(())
        .given(vec![created()])
        .when(UserCommand::CreateUser {
            login,
            name,
            password_hash,
            groups,
        })
        .then_expect_error(UserError::AlreadyExists);
}

#[test]
fn deactivating_twice_records_it_once() {
    UserTest::with(())
        .given(vec![created()])
        .when(UserCommand::DeactivateUser)
        .then_expect_events(vec![UserEvent::UserDeactivated {}]);
    UserTest::with(())
        .given(vec![created(), UserEvent::UserDeactivated {}])
        .when(UserCommand::DeactivateUser)
        .then_expect_events(vec![]);
}

#[test]
fn an_update_records_name_and_groups_as_they_now_stand() {
    let sales = Code::parse("sales").unwrap();
    UserTest::with(())
        .given(vec![created()])
        .when(UserCommand::UpdateUser {
            name: None,
            groups: Some(BTreeSet::from([sales.clone()])),
        })
        .then_expect_events(vec![UserEvent::UserUpdated {
            name: UserName::parse("Alice").unwrap(),
            groups: BTreeSet::from([sales]),
        }]);
}

#[test]
fn an_unknown_user_cannot_be_changed() {
    UserTest::with(())
        .given_no_previous_events()
        .when(UserCommand::ActivateUser)
        .then_expect_error(UserError::NotFound);
}
