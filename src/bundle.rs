//! Files bundled into the binary, gzip-compressed at build time
//! (`build.rs`): the templates, the static files and the message files
//! of each language (`i18n`).
//!
//! Stored compressed they take about a third of the room in the binary
//! (which must stay under 8 MB on a small SD card), and a static file
//! travels to a phone as stored. The templates are inflated once at start
//! (into the template environment); a static file is inflated and kept
//! when a client that does not take gzip first asks for it.

use std::sync::OnceLock;

/// One bundled file.
pub struct Bundled {
    /// The path under its directory, `/`-separated (`style.css`).
    pub name: &'static str,
    /// The file as stored: a gzip member (RFC 1952) when compression made
    /// it smaller, else the plain bytes.
    stored: &'static [u8],
    gzip: bool,
    /// The plain file's length in bytes.
    len: usize,
    plain: OnceLock<Box<[u8]>>,
}

impl Bundled {
    /// A file as `build.rs` wrote it.
    pub const fn new(name: &'static str, stored: &'static [u8], gzip: bool, len: usize) -> Bundled {
        Bundled { name, stored, gzip, len, plain: OnceLock::new() }
    }

    /// The gzip member (RFC 1952) to send with `Content-Encoding: gzip`,
    /// or `None` when the file is stored plain.
    pub fn gzip(&self) -> Option<&'static [u8]> {
        self.gzip.then_some(self.stored)
    }

    /// The file's own bytes, inflated on the first call and kept.
    pub fn plain(&self) -> &[u8] {
        if !self.gzip {
            return self.stored;
        }
        self.plain.get_or_init(|| inflate(self.stored, self.len).into_boxed_slice())
    }

    /// The file's own bytes, inflated anew and not kept: for a caller that
    /// keeps its own copy (the template environment).
    pub fn to_vec(&self) -> Vec<u8> {
        if self.gzip { inflate(self.stored, self.len) } else { self.stored.to_vec() }
    }
}

/// The file named `name` in `files` (sorted by name, as `build.rs` writes
/// them).
pub fn find<'a>(files: &'a [Bundled], name: &str) -> Option<&'a Bundled> {
    files.binary_search_by(|f| f.name.cmp(name)).ok().map(|i| &files[i])
}

/// The bytes of a gzip member that `build.rs` made: a 10-byte header
/// without optional fields (RFC 1952 §2.3), raw deflate, then CRC-32 and
/// length. The data is our own, written at build time, so a failure is a
/// broken build, not input to handle.
fn inflate(member: &[u8], len: usize) -> Vec<u8> {
    assert!(member.len() >= 18 && member[..4] == [0x1f, 0x8b, 8, 0], "a bundled file is not a plain gzip member");
    let deflated = &member[10..member.len() - 8];
    let plain = miniz_oxide::inflate::decompress_to_vec_with_limit(deflated, len).expect("a bundled file inflates");
    assert_eq!(plain.len(), len, "a bundled file inflates to its length");
    plain
}

// `TEMPLATES`, `STATIC` and `LOCALES`, the files of `assets/templates`,
// `assets/static` and `assets/locales` (`en/pages.ftl`, …).
include!(concat!(env!("OUT_DIR"), "/templates.rs"));
include!(concat!(env!("OUT_DIR"), "/static.rs"));
include!(concat!(env!("OUT_DIR"), "/locales.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    /// Every bundled file inflates to the file in the source tree, byte
    /// for byte, and is found by its name.
    #[test]
    fn every_file_inflates_to_its_source() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
        for (dir, files) in [("templates", &TEMPLATES[..]), ("static", &STATIC[..]), ("locales", &LOCALES[..])] {
            assert_eq!(files.len(), count(&root.join(dir)), "{dir}: every file is bundled");
            for file in files {
                let source = std::fs::read(root.join(dir).join(file.name)).unwrap();
                // Compared whole, reported short: a dump of both files helps nobody.
                assert!(file.plain() == &source[..], "{dir}/{} differs from its source (rebuild?)", file.name);
                assert!(file.to_vec() == source, "{dir}/{}: to_vec differs from its source", file.name);
                assert!(std::ptr::eq(find(files, file.name).unwrap(), file));
                if let Some(gzip) = file.gzip() {
                    assert!(gzip.len() < source.len(), "{dir}/{}: stored compressed only when smaller", file.name);
                }
            }
        }
        assert!(find(&STATIC, "nope.css").is_none() && find(&STATIC, "").is_none());
    }

    fn count(dir: &std::path::Path) -> usize {
        let entries = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path());
        entries.map(|path| if path.is_dir() { count(&path) } else { 1 }).sum()
    }

    #[test]
    fn text_files_are_stored_compressed() {
        assert!(find(&STATIC, "check.js").unwrap().gzip().is_some());
        assert!(find(&TEMPLATES, "check.html").unwrap().gzip().is_some());
    }
}
