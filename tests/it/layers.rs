//! The house rules of `src/`, checked by `scripts/layers.py`: imports
//! point only down the floors of its table, no floor's modules import each
//! other in a circle, and no file holds more than 400 lines of code
//! outside its tests. The same script must catch each kind of breach when
//! one is planted in a copy of the tree.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run the check on `src`: (passed, what it printed).
fn layers(src: &Path) -> (bool, String) {
    let out = Command::new("python3")
        .arg(root().join("scripts/layers.py"))
        .arg(src)
        .output()
        .expect("python3 runs (the CI machine installs it)");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

/// A copy of `src/` to plant a breach in.
fn copy_of_src() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let status = Command::new("cp").arg("-r").arg(root().join("src")).arg(dir.path()).status().expect("cp runs");
    assert!(status.success());
    dir
}

/// Put `line` after the first line of `file` (after its module docs
/// would do as well: the check reads code, not position).
fn plant(src: &Path, file: &str, line: &str) {
    let path = src.join(file);
    let text = std::fs::read_to_string(&path).expect("file to plant in");
    std::fs::write(&path, format!("{line}\n{text}")).expect("write");
}

#[test]
fn the_tree_keeps_its_layers() {
    let (ok, said) = layers(&root().join("src"));
    println!("{said}");
    assert!(ok, "scripts/layers.py found breaches:\n{said}");
}

#[test]
fn an_upward_import_is_caught() {
    let dir = copy_of_src();
    let src = dir.path().join("src");
    assert!(layers(&src).0, "the copy passes before anything is planted");
    plant(&src, "store/outbox.rs", "use crate::mail::plan;");
    let (ok, said) = layers(&src);
    assert!(!ok, "{said}");
    assert!(said.contains("src/store/outbox.rs: upward import `crate::mail` from `store`"), "{said}");
    // A path written out in the code, and a name inside `use crate::{..}`.
    let dir = copy_of_src();
    let src = dir.path().join("src");
    plant(&src, "app/mod.rs", "fn f() { let _ = crate::router::quick; }");
    plant(&src, "token.rs", "use crate::{error::Result, store::Store};");
    let (ok, said) = layers(&src);
    assert!(!ok, "{said}");
    assert!(said.contains("upward import `crate::router` from `app`"), "{said}");
    assert!(said.contains("src/token.rs: upward import `crate::store` from `token`"), "{said}");
    assert!(!said.contains("`crate::error` from `token`"), "error is on token's own floor: {said}");
}

#[test]
fn an_import_cycle_within_a_floor_is_caught() {
    let dir = copy_of_src();
    let src = dir.path().join("src");
    // video, auth and mail share a floor: each may use the others, but
    // not in a circle.
    plant(&src, "video/mod.rs", "use crate::auth::Policy;");
    plant(&src, "auth/mod.rs", "use crate::video::Door;");
    let (ok, said) = layers(&src);
    assert!(!ok, "{said}");
    assert!(said.contains("import cycle: auth -> video -> auth"), "{said}");
}

#[test]
fn a_file_too_long_is_caught_and_its_tests_do_not_count() {
    let dir = copy_of_src();
    let src = dir.path().join("src");
    let code: String = (0..401).map(|i| format!("pub fn f{i}() {{}}\n")).collect();
    let docs: String = (0..50).map(|i| format!("/// line {i}\n\n// why {i}\n")).collect();
    let tests: String = (0..600).map(|i| format!("fn t{i}() {{}}\n")).collect();
    std::fs::write(src.join("store/long.rs"), format!("{docs}{code}")).unwrap();
    std::fs::write(
        src.join("store/tested.rs"),
        format!("{docs}pub fn f() {{}}\n#[cfg(test)]\nmod tests {{\n{tests}}}\n"),
    )
    .unwrap();
    let (ok, said) = layers(&src);
    assert!(!ok, "{said}");
    assert!(said.contains("src/store/long.rs: 401 lines of code outside tests (at most 400)"), "{said}");
    assert!(!said.contains("tested.rs"), "{said}");
}
