//! The schema in SDL is committed (`api/schema/`), so that every change to it shows up in
//! review: these fail when the schema and the committed SDL differ.

/// The first line where `committed` and `now` differ, to say what changed.
fn first_difference(committed: &str, now: &str) -> String {
    let line = committed
        .lines()
        .zip(now.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| committed.lines().count().min(now.lines().count()));
    format!(
        "line {}: committed {:?}, now {:?}",
        line + 1,
        committed.lines().nth(line),
        now.lines().nth(line)
    )
}

#[test]
fn the_committed_sdl_is_the_schema() {
    let now = api::graphql::sdl();
    let committed = include_str!("../schema/erp.graphql");
    assert!(
        now == committed,
        "the GraphQL schema changed without its SDL: run `cargo run -p api --bin erp -- schema > api/schema/erp.graphql` and commit it ({})",
        first_difference(committed, &now)
    );
}

#[test]
fn the_committed_manager_sdl_is_the_managers_schema() {
    let now = api::graphql::manager::manager_sdl();
    let committed = include_str!("../schema/manager.graphql");
    assert!(
        now == committed,
        "the manager's schema changed without its SDL: run `cargo run -p api --bin erp -- schema --manager > api/schema/manager.graphql` and commit it ({})",
        first_difference(committed, &now)
    );
}
