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
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::input_error;

/// The environment variable holding the key itself, in hex.
pub const KEY_ENV: &str = "HOMEWARD_KEY";
/// The environment variable naming the key file.
pub const KEY_FILE_ENV: &str = "HOMEWARD_KEY_FILE";
/// Bytes of a generated key (the HMAC-SHA256 block is 64; 32 is SHA-256's output, RFC 2104's minimum).
const KEY_BYTES: usize = 32;

/// A secret key. Its `Debug` shows nothing of it, so that it cannot end up in a log.
#[derive(Clone, PartialEq, Eq)]
pub struct Key(Vec<u8>);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

impl Key {
    /// A key from its bytes (at least 16: shorter keys are guessable).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Key> {
        if bytes.len() < 16 {
            return Err(input_error!("the key is {} bytes; at least 16 are needed", bytes.len()));
        }
        Ok(Key(bytes))
    }

    /// HMAC-SHA256 of `message` under the key, in lowercase hex.
    pub fn hmac_hex(&self, message: &[u8]) -> String {
        hex::encode(self.mac(message).finalize().into_bytes())
    }

    /// Whether `tag_hex` is the HMAC-SHA256 of `message` under the key (compared in constant
    /// time, so that timing tells nothing about how much of a forged tag was right).
    pub fn verify_hex(&self, message: &[u8], tag_hex: &str) -> bool {
        match hex::decode(tag_hex) {
            Ok(tag) => self.mac(message).verify_slice(&tag).is_ok(),
            Err(_) => false,
        }
    }

    fn mac(&self, message: &[u8]) -> Hmac<Sha256> {
        // HMAC takes keys of any length (longer ones are hashed first): this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(message);
        mac
    }
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
    if let Some(hex_key) = std::env::var_os(KEY_ENV).filter(|v| !v.is_empty()) {
        let text = hex_key
            .to_str()
            .ok_or_else(|| input_error!("${KEY_ENV} is not hex"))?
            .trim();
        let bytes = hex::decode(text).map_err(|_| input_error!("${KEY_ENV} is not hex"))?;
        return Ok(Some((Key::from_bytes(bytes)?, KeySource::Env)));
    }
    let file = key_file(db);
    match std::fs::read(&file) {
        Ok(bytes) => Ok(Some((
            Key::from_bytes(bytes).with_context(|| format!("reading the key file {}", file.display()))?,
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
            Ok((Key(bytes), KeySource::File(file)))
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

    /// RFC 4231, test cases 1 and 2 (HMAC-SHA-256).
    #[test]
    fn hmac_sha256_gives_the_rfc_4231_vectors() {
        let key = Key(vec![0x0b; 20]);
        assert_eq!(
            key.hmac_hex(b"Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        let jefe = Key(b"Jefe".to_vec());
        let tag = jefe.hmac_hex(b"what do ya want for nothing?");
        assert_eq!(tag, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        assert!(jefe.verify_hex(b"what do ya want for nothing?", &tag));
        assert!(!jefe.verify_hex(b"what do ya want for nothing!", &tag));
        assert!(!jefe.verify_hex(b"what do ya want for nothing?", "zz"));
        assert_eq!(format!("{jefe:?}"), "Key(…)");
    }

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
