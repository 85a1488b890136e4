//! The data directory and the files in it stay owner-only, whatever made
//! them.
//!
//! Porchlight creates its directory 0700 and its database and key file
//! 0600, but other programs put files there too: `litestream restore`
//! writes the database 0644 (measured with Litestream 0.5.17), `cp` of a
//! key file keeps the umask's 0644, an unpacked archive keeps whatever it
//! recorded, and Litestream keeps pages of the database in its own
//! folder beside it (`.porchlight.db-litestream/`, 0755 with 0644 files).
//! These hold client names, addresses and the key that turns the
//! database into working links, so every start (`serve` and every
//! command) tightens them before SQLite opens anything: the files to
//! 0600, Litestream's folder to 0700 (which puts every file in it out of
//! reach, however Litestream made them). What was changed is said on
//! standard error; a file that cannot be changed (another user's, a
//! read-only disk) stops Porchlight with the command that fixes it.
//!
//! The data directory itself is left as it is: Porchlight and the Debian
//! package make it 0700, and `--data` may name a folder that holds other
//! things, whose mode is not Porchlight's to change. Its file names are
//! not secret; its files are.

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use crate::error::{Error, Result};

/// Group and other permission bits: none of them may be set.
const OTHERS: u32 = 0o077;

/// The files of the data directory that hold client data or the key,
/// with what they are: the database, SQLite's write-ahead log and its
/// index (sqlite.org/wal.html), the key file. The `.bak` copies kept
/// before a migration are made 0600 by `db::copy` and are not listed.
fn private_files() -> [(String, &'static str); 4] {
    let db = crate::db::DB_FILE;
    [
        (db.to_string(), "the database"),
        (format!("{db}-wal"), "the database's write-ahead log"),
        (format!("{db}-shm"), "the write-ahead log's index"),
        (crate::token::KEY_FILE.to_string(), "the key file"),
    ]
}

/// Tighten the private files of the data directory `dir` and
/// Litestream's folder there (see the module doc). Returns one
/// line per change, for the caller to print; a file that is not there is
/// skipped. Errors: a directory or file whose mode cannot be changed,
/// naming it, its owner and the command to run.
pub fn keep_private(dir: &Path) -> Result<Vec<String>> {
    let mut changed = vec![];
    let litestream = dir.join(format!(".{}-litestream", crate::db::DB_FILE));
    changed.extend(tighten(&litestream, "Litestream's copy of the database's pages", 0o700)?);
    for (name, what) in private_files() {
        changed.extend(tighten(&dir.join(name), what, 0o600)?);
    }
    Ok(changed)
}

/// Clear the group and other bits of `path` (keeping the owner's, at most
/// `most`); `Some(line)` when something changed. The file is opened
/// without following a symbolic link and changed through that handle
/// (`fchmod`), so a link planted in the data directory, or swapped in
/// between a look and a change, never makes a command run as root
/// change a file elsewhere; a link is left alone and said so. (A hard
/// link to another user's file cannot be made there: Debian protects
/// hard links by default.)
fn tighten(path: &Path, what: &str, most: u32) -> Result<Option<String>> {
    use std::os::unix::fs::OpenOptionsExt;
    let shown = path.display();
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Ok(Some(format!("{shown} ({what}) is a symbolic link: its mode was left as it is")));
        }
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::internal(format!("cannot read {shown}: {e}"))),
    }
    let flags = libc::O_NOFOLLOW | libc::O_CLOEXEC | if most == 0o700 { libc::O_DIRECTORY } else { 0 };
    let file = match fs::OpenOptions::new().read(true).custom_flags(flags).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::internal(format!("cannot open {shown} ({what}) to check its mode: {e}"))),
    };
    let meta = file.metadata().map_err(|e| Error::internal(format!("cannot read {shown}: {e}")))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & OTHERS == 0 {
        return Ok(None);
    }
    let refuse = |why: String| {
        Error::internal(format!(
            "{shown} ({what}) can be read by other users (mode {mode:o}) and {why}; it belongs to user id {}. \
             Run Porchlight as that user, or run: chmod {most:o} {shown}",
            meta.uid()
        ))
    };
    let tight = mode & most & !OTHERS;
    file.set_permissions(fs::Permissions::from_mode(tight))
        .map_err(|e| refuse(format!("could not be made private: {e}")))?;
    Ok(Some(format!("{shown} ({what}) could be read by other users (mode {mode:o}); it is {tight:o} now")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn set(path: &Path, mode: u32) {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn files_others_can_read_are_made_owner_only_and_said() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let litestream = data.join(".porchlight.db-litestream");
        fs::create_dir_all(litestream.join("ltx")).unwrap();
        for (name, _) in private_files() {
            fs::write(data.join(&name), "x").unwrap();
            set(&data.join(&name), 0o644);
        }
        set(&data, 0o755);
        set(&litestream, 0o755);
        let said = keep_private(&data).unwrap();
        assert_eq!(mode(&data), 0o755, "the data directory is the owner's to set");
        assert_eq!(mode(&litestream), 0o700);
        for (name, _) in private_files() {
            assert_eq!(mode(&data.join(&name)), 0o600, "{name}");
        }
        assert_eq!(said.len(), 5, "{said:?}");
        assert!(said[0].contains("(Litestream's copy of the database's pages) could be read"), "{}", said[0]);
        assert!(
            said[1].contains("porchlight.db (the database) could be read by other users (mode 644)"),
            "{}",
            said[1]
        );
        assert!(said[1].ends_with("it is 600 now"), "{}", said[1]);
        assert!(keep_private(&data).unwrap().is_empty(), "a second start has nothing to say");
    }

    #[test]
    fn the_owner_keeps_what_it_had_and_nothing_more() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join(crate::token::KEY_FILE);
        fs::write(&key, "x").unwrap();
        // Read-only for the owner stays read-only; execute bits never appear.
        set(&key, 0o444);
        keep_private(dir.path()).unwrap();
        assert_eq!(mode(&key), 0o400);
    }

    #[test]
    fn a_symbolic_link_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        fs::write(&elsewhere, "not Porchlight's").unwrap();
        set(&elsewhere, 0o644);
        let data = dir.path().join("data");
        fs::create_dir(&data).unwrap();
        std::os::unix::fs::symlink(&elsewhere, data.join("porchlight.db-wal")).unwrap();
        std::os::unix::fs::symlink(dir.path(), data.join(".porchlight.db-litestream")).unwrap();
        set(dir.path(), 0o755);
        let said = keep_private(&data).unwrap();
        assert_eq!(mode(&elsewhere), 0o644, "the file the link points at is untouched");
        assert_eq!(mode(dir.path()), 0o755, "so is the folder");
        assert!(said.iter().filter(|l| l.contains("is a symbolic link")).count() == 2, "{said:?}");
    }

    #[test]
    fn missing_files_and_private_ones_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        assert!(keep_private(dir.path()).unwrap().is_empty());
        assert!(keep_private(&dir.path().join("nowhere")).unwrap().is_empty());
    }
}
