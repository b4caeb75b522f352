//! Rebuilds the crate when a migration is added or changed: `sqlx::migrate!` embeds the files.

fn main() {
    println!("cargo:rerun-if-changed=sql");
}
