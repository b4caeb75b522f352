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
        companies: UserCompanies::default(),
    }
}

#[test]
fn a_login_is_taken_once() {
    let UserEvent::UserCreated {
        login,
        name,
        password_hash,
        groups,
        companies,
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
            companies,
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
            companies: None,
            company: None,
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

#[test]
fn a_users_companies_change_apart_from_name_and_groups() {
    let (main, b) = (Code::main_company(), Code::parse("b").unwrap());
    let update = |companies: Option<BTreeSet<Code>>, company: Option<Code>| {
        UserTest::with(())
            .given(vec![created()])
            .when(UserCommand::UpdateUser {
                name: None,
                groups: None,
                companies,
                company,
            })
    };
    let both = BTreeSet::from([main.clone(), b.clone()]);
    // main stays current while it is still one of theirs.
    update(Some(both.clone()), None).then_expect_events(vec![UserEvent::UserCompaniesSet {
        companies: UserCompanies::new(both.clone(), main.clone()).unwrap(),
    }]);
    // without main, the first company left becomes the current one.
    update(Some(BTreeSet::from([b.clone()])), None).then_expect_events(vec![
        UserEvent::UserCompaniesSet {
            companies: UserCompanies::new(BTreeSet::from([b.clone()]), b.clone()).unwrap(),
        },
    ]);
    update(None, Some(b.clone())).then_expect_error(UserError::NotTheirCompany("b".into()));
    update(Some(BTreeSet::new()), None).then_expect_error(UserError::NoCompany);
    update(Some(BTreeSet::from([main])), None).then_expect_events(vec![]);
}

#[test]
fn a_user_created_before_companies_works_in_the_main_one() {
    let event: UserEvent = serde_json::from_value(serde_json::json!({
        "UserCreated": {
            "login": "bob", "name": "Bob", "password_hash": "$argon2id$x", "groups": []
        }
    }))
    .unwrap();
    let UserEvent::UserCreated { companies, .. } = event else {
        panic!("{event:?}")
    };
    assert_eq!(companies.current().as_str(), "main");
    assert_eq!(companies.allowed().len(), 1);
}
