//! The registry's secret key and HMAC-SHA256 under it: what makes a backup's manifest (and, next,
//! the audit log) impossible to rewrite for someone who can edit the database but not read the key.
//!
//! The key is never stored in the database it protects, or a copy of the database would carry it.
//! It comes from `HOMEWARD_KEY` (hex), else from the file `HOMEWARD_KEY_FILE`, else from
//! `<database file>.key` beside the live database; [`load_or_create`] makes that file (32 random
//! bytes, mode 0600) when it is missing. No SQL here: the module only reads files and computes.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::input_error;

/// The environment variable holding the key itself, in hex.
pub const KEY_ENV: &str = "HOMEWARD_KEY";
/// The environment variable naming the key file.
pub const KEY_FILE_ENV: &str = "HOMEWARD_KEY_FILE";
/// Bytes of a generated key (the HMAC-SHA256 block is 64; 32 is SHA-256's output, RFC 2104's minimum).
const KEY_BYTES: usize = 32;

/// The registry's key: bytes and the HMACs they give (`registry::SecretKey`).
pub use registry::SecretKey as Key;

/// A key from its bytes, or a message saying why not (too short).
fn key_from(bytes: &[u8]) -> Result<Key> {
    Key::from_bytes(bytes).ok_or_else(|| {
        input_error!(
            "the key is {} bytes; at least {} are needed",
            bytes.len(),
            registry::MIN_KEY_BYTES
        )
    })
}

/// Where the key comes from, for messages: the environment or a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Env,
    File(PathBuf),
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Env => write!(f, "${KEY_ENV}"),
            KeySource::File(p) => write!(f, "key file {}", p.display()),
        }
    }
}

/// The key file of the database `db`: `HOMEWARD_KEY_FILE` if set, else `<db>.key`.
pub fn key_file(db: &Path) -> PathBuf {
    match std::env::var_os(KEY_FILE_ENV) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => {
            let mut name = db.as_os_str().to_owned();
            name.push(".key");
            PathBuf::from(name)
        }
    }
}

/// The key of the database `db`, if there is one (environment, then file); `None` if neither is set.
pub fn load(db: &Path) -> Result<Option<(Key, KeySource)>> {
    if let Some(found) = load_from_env()? {
        return Ok(Some(found));
    }
    load_file(&key_file(db))
}

/// The key the environment gives: `HOMEWARD_KEY`, else the file `HOMEWARD_KEY_FILE` names; `None`
/// if neither is set. A PostgreSQL registry, which has no file to put a key beside, takes it so.
pub fn load_from_env() -> Result<Option<(Key, KeySource)>> {
    if let Some(hex_key) = std::env::var_os(KEY_ENV).filter(|v| !v.is_empty()) {
        let text = hex_key
            .to_str()
            .ok_or_else(|| input_error!("${KEY_ENV} is not hex"))?
            .trim();
        let bytes = hex::decode(text).map_err(|_| input_error!("${KEY_ENV} is not hex"))?;
        return Ok(Some((key_from(&bytes)?, KeySource::Env)));
    }
    match std::env::var_os(KEY_FILE_ENV).filter(|v| !v.is_empty()) {
        Some(file) => load_file(Path::new(&file)),
        None => Ok(None),
    }
}

fn load_file(file: &Path) -> Result<Option<(Key, KeySource)>> {
    let file = file.to_owned();
    match std::fs::read(&file) {
        Ok(bytes) => Ok(Some((
            key_from(&bytes).with_context(|| format!("reading the key file {}", file.display()))?,
            KeySource::File(file),
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(input_error!("{}: cannot read the key file: {e}", file.display())),
    }
}

/// The key of the database `db`, made if there is none yet: 32 random bytes written to the key
/// file with mode 0600 (created exclusively, so two processes racing keep one key).
pub fn load_or_create(db: &Path) -> Result<(Key, KeySource)> {
    if let Some(found) = load(db)? {
        return Ok(found);
    }
    let file = key_file(db);
    let mut bytes = vec![0u8; KEY_BYTES];
    getrandom::getrandom(&mut bytes).map_err(|e| anyhow::anyhow!("drawing a key: {e}"))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(&file) {
        Ok(mut f) => {
            f.write_all(&bytes)
                .and_then(|()| f.sync_all())
                .with_context(|| format!("writing the key file {}", file.display()))?;
            Ok((key_from(&bytes)?, KeySource::File(file)))
        }
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            load(db)?.ok_or_else(|| anyhow::anyhow!("{} vanished while being made", file.display()))
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!("creating the key file {}", file.display()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_key_file_is_made_once_with_mode_0600() {
        let dir = std::env::temp_dir().join(format!("homeward-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("r.db");
        let _ = std::fs::remove_file(dir.join("r.db.key"));
        // The environment is the process's: these tests do not set it, and CI does not either.
        if std::env::var_os(KEY_ENV).is_some() || std::env::var_os(KEY_FILE_ENV).is_some() {
            return;
        }
        assert!(load(&db).unwrap().is_none());
        let (made, source) = load_or_create(&db).unwrap();
        assert_eq!(source, KeySource::File(dir.join("r.db.key")));
        assert_eq!(std::fs::read(dir.join("r.db.key")).unwrap().len(), 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("r.db.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(load_or_create(&db).unwrap().0, made);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
