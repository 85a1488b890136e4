//! Rebuild when a bundled file changes (`rerun-if-changed` on the whole
//! directory notices new files too), and compress the bundled files:
//! each directory under `assets/` that `src/bundle.rs` includes becomes a
//! sorted list of gzip members in `OUT_DIR`, read by that module.
use std::io::Write;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=assets");
    println!("cargo:rerun-if-changed=schema.sql");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for dir in ["templates", "static", "locales"] {
        bundle(&Path::new("assets").join(dir), &out.join(dir));
    }
}

/// Write `{out}.rs`: a static array of `Bundled`, named as `out` in
/// capitals, listing every file under `dir` by its `/`-separated path,
/// sorted, each stored as a gzip member in `out/` when that is smaller
/// than the file.
fn bundle(dir: &Path, out: &Path) {
    let mut names = vec![];
    walk(dir, "", &mut names);
    names.sort();
    std::fs::create_dir_all(out).expect("OUT_DIR is writable");
    let name = out.file_name().expect("a directory name").to_string_lossy().to_uppercase();
    let mut list = format!(
        "/// The files of `{}`, sorted by name.\npub static {name}: [Bundled; {}] = [\n",
        dir.display(),
        names.len()
    );
    for name in &names {
        let source = dir.join(name);
        let plain = std::fs::read(&source).unwrap_or_else(|e| panic!("reading {}: {e}", source.display()));
        let gzip = gzip(&plain);
        let (stored, compressed) = if gzip.len() < plain.len() { (gzip, true) } else { (plain.clone(), false) };
        let path = out.join(name.replace('/', "__"));
        std::fs::write(&path, stored).expect("OUT_DIR is writable");
        list += &format!(
            "    Bundled::new({name:?}, include_bytes!({path:?}), {compressed}, {}),\n",
            plain.len(),
            path = path.display().to_string(),
        );
    }
    list += "];\n";
    std::fs::write(out.with_extension("rs"), list).expect("OUT_DIR is writable");
}

/// Every file under `dir`, as paths relative to the bundle's root.
fn walk(dir: &Path, prefix: &str, names: &mut Vec<String>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.expect("a readable directory entry");
        let name = format!("{prefix}{}", entry.file_name().to_str().expect("bundled names are UTF-8"));
        if entry.file_type().expect("a file type").is_dir() {
            walk(&entry.path(), &format!("{name}/"), names);
        } else {
            names.push(name);
        }
    }
}

/// `plain` as one gzip member at the best compression, with no name and
/// no time in its header, so a build is reproducible.
fn gzip(plain: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::GzBuilder::new().write(vec![], flate2::Compression::best());
    encoder.write_all(plain).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}
