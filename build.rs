//! Rebuild when a bundled file changes: `include_dir!` does not notice new
//! files by itself.
fn main() {
    println!("cargo:rerun-if-changed=assets");
    println!("cargo:rerun-if-changed=schema.sql");
}
