//! The audit anchor: the head of the registry's audit chain written outside the database, signed
//! under the registry's key, so that a log whose tail was cut and whose head was moved back (which
//! the chain and its signatures alone cannot tell from a shorter log) disagrees with it.
//!
//! The file is `<database file>.anchor` beside a SQLite registry, or the file `HOMEWARD_AUDIT_ANCHOR`
//! names (the only way for PostgreSQL). Every command that opened the registry rewrites it when it
//! closes the store, and the server every few seconds while the head moves; an anchor is only ever
//! moved forward along the same chain, never over evidence that the log was rewritten.
//! `homeward audit anchor` prints it, to be kept by someone else (a notary, a second site).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use registry::{AuditAnchor, Store};

use crate::input_error;

/// The environment variable naming the anchor file.
pub const ANCHOR_ENV: &str = "HOMEWARD_AUDIT_ANCHOR";

/// The anchor file of the registry at `url`: `HOMEWARD_AUDIT_ANCHOR` if set, else
/// `<database file>.anchor` for SQLite; `None` for PostgreSQL without the variable.
pub fn anchor_file(url: &str) -> Option<PathBuf> {
    match std::env::var_os(ANCHOR_ENV) {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => crate::backup::sqlite_file(url).map(|db| {
            let mut name = db.into_os_string();
            name.push(".anchor");
            PathBuf::from(name)
        }),
    }
}

/// The anchor in `file`, if the file exists.
pub fn read(file: &Path) -> Result<Option<AuditAnchor>> {
    match std::fs::read(file) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| input_error!("{}: not an audit anchor: {e}", file.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::Error::new(e).context(format!("reading the audit anchor {}", file.display()))),
    }
}

/// What [`advance`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Advanced {
    /// The store has no key (nothing to sign an anchor with) or the registry has no anchor file.
    NotKept,
    /// The anchor now records entry `seq`.
    To(i64),
    /// The anchor was left as it is because the database disagrees with it: the reason. The
    /// anchor is the evidence, so it is never overwritten then.
    Refused(String),
}

/// Moves the anchor of the registry at `url` to the store's current head, if the head follows
/// on from the anchor already there (the entry it records still has its hash).
pub async fn advance(store: &Store, url: &str) -> Result<Advanced> {
    let Some(file) = anchor_file(url) else {
        return Ok(Advanced::NotKept);
    };
    let Some(now) = store.audit_anchor().await.context("reading the audit head")? else {
        return Ok(Advanced::NotKept);
    };
    if let Some(old) = read(&file)? {
        if let Some(why) = disagreement(store, &old, &now).await? {
            return Ok(Advanced::Refused(why));
        }
        if old.seq == now.seq {
            return Ok(Advanced::To(now.seq));
        }
    }
    write(&file, &now)?;
    Ok(Advanced::To(now.seq))
}

/// Replaces the anchor with the store's head whatever it said: after a verified restore, whose
/// registry is legitimately an earlier state of the chain.
pub async fn reset(store: &Store, url: &str) -> Result<Advanced> {
    let Some(file) = anchor_file(url) else {
        return Ok(Advanced::NotKept);
    };
    match store.audit_anchor().await.context("reading the audit head")? {
        Some(now) => {
            write(&file, &now)?;
            Ok(Advanced::To(now.seq))
        }
        None => Ok(Advanced::NotKept),
    }
}

/// Why the anchor `old` may not be moved to `now`, if it may not.
async fn disagreement(store: &Store, old: &AuditAnchor, now: &AuditAnchor) -> Result<Option<String>> {
    if (old.key_id.as_str(), old.signed_from) != (now.key_id.as_str(), now.signed_from) {
        return Ok(Some(format!(
            "the anchor records key {} from entry {}, the registry key {} from entry {}",
            old.key_id, old.signed_from, now.key_id, now.signed_from
        )));
    }
    if old.seq > now.seq {
        return Ok(Some(format!(
            "the audit log ends at entry {} but the anchor records entry {}",
            now.seq, old.seq
        )));
    }
    if old.seq > 0 {
        let entry = store
            .audit_entries(old.seq - 1, 1)
            .await
            .context("reading the audit log")?;
        if entry.first().map(|e| e.hash.as_str()) != Some(old.hash.as_str()) {
            return Ok(Some(format!(
                "entry {} differs from the one the anchor records",
                old.seq
            )));
        }
    }
    Ok(None)
}

/// Writes `anchor` to `file` whole or not at all (a temporary file renamed over it), mode 0600.
fn write(file: &Path, anchor: &AuditAnchor) -> Result<()> {
    let mut tmp = file.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let text = serde_json::to_string_pretty(anchor).context("writing the audit anchor")?;
    options
        .open(&tmp)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, file))
        .with_context(|| format!("writing the audit anchor {}", file.display()))
}
