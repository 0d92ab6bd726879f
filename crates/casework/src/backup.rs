//! Backup and restore of SQLite registries (`homeward backup`, `homeward restore`).
//!
//! `backup` takes an online copy with `VACUUM INTO` (a consistent snapshot while the server keeps
//! running), checks the copy's audit chain, and writes a keyed manifest beside it
//! (`BACKUP.manifest.json`, mode 0600): the copy's SHA-256, its schema version, its audit head,
//! its record counts per table and when it was made, under an HMAC-SHA256 with the registry's key
//! ([`crate::key`]: never in the database, so whoever can edit a backup cannot re-sign it).
//!
//! `restore` trusts nothing it is given. It takes the target's lock ([`crate::lock`]; refused while
//! `homeward serve` runs on it), then checks, in this order and failing at the first problem: the
//! file is an SQLite database of the size its header says (a truncated file fails here, at once),
//! `PRAGMA integrity_check`, the manifest exists, its HMAC verifies under the key, the file's
//! SHA-256 is the manifest's, the schema version is not newer than this program's, the audit chain
//! verifies and ends at the manifest's head, and the record counts are the manifest's. The checks
//! run on a copy next to the target, which is renamed over the target only when all pass, so the
//! target is replaced whole or not at all. An existing database is replaced only with `--force`.
//!
//! PostgreSQL registries are backed up with `pg_dump` and restored with `pg_restore`; these commands
//! say so and exit with code 2.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use registry::Store;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::input_error;
use crate::key::{self, Key};
use crate::lock::{self, DbLock};

/// What a backup or restore holds, once it was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    pub persons: i64,
    pub audit_entries: u64,
}

/// The version of the manifest's layout (not of the registry's schema).
const MANIFEST_FORMAT: u32 = 1;

/// The last audit entry of a backup: its sequence number and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

/// What a backup's manifest states about it; the HMAC covers exactly these fields, serialised
/// compactly in this order (maps sorted by key): [`Manifest::canonical`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// The backup's file name (for people; the hash is what binds the manifest to the file).
    pub file: String,
    pub sha256: String,
    /// The highest migration applied to the backup.
    pub schema_version: i64,
    pub audit_head: AuditHead,
    /// Rows per table.
    pub counts: BTreeMap<String, i64>,
    pub created_at: String,
}

/// The manifest as written: its fields and the HMAC-SHA256 over [`Manifest::canonical`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedManifest {
    #[serde(flatten)]
    pub manifest: Manifest,
    pub hmac: String,
}

impl Manifest {
    /// The bytes the HMAC covers: compact JSON of the fields in their declared order.
    pub fn canonical(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(self).context("serialising the manifest")
    }

    fn sign(self, key: &Key) -> Result<SignedManifest> {
        let hmac = key.hmac_hex(&self.canonical()?);
        Ok(SignedManifest { manifest: self, hmac })
    }
}

/// `BACKUP.manifest.json`, beside the backup.
pub fn manifest_path(backup: &Path) -> PathBuf {
    let mut name = backup.as_os_str().to_owned();
    name.push(".manifest.json");
    PathBuf::from(name)
}

const PG_HELP: &str = "PostgreSQL databases are backed up and restored with PostgreSQL's own tools: \
    `pg_dump --format=custom --file=FILE URL` and `pg_restore --clean --if-exists --dbname=URL FILE` \
    (see README, \"Backup and restore\")";

/// The file of a `sqlite://` URL, or an input error for PostgreSQL and anything else.
fn sqlite_path(url: &str, command: &str) -> Result<PathBuf> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(input_error!("homeward {command}: {PG_HELP}"));
    }
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| input_error!("--db: unsupported database URL '{url}' (use sqlite://FILE or postgres://…)"))?;
    let file = rest.split('?').next().unwrap_or_default();
    if file.is_empty() || file.starts_with(":memory:") {
        return Err(input_error!("--db: '{url}' names no database file"));
    }
    Ok(PathBuf::from(file))
}

/// The SQLite file of `url`, if it names one (PostgreSQL and in-memory databases have none).
pub(crate) fn sqlite_file(url: &str) -> Option<PathBuf> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return None;
    }
    sqlite_path(url, "serve").ok()
}

/// For `homeward db migrate`: makes the key of the SQLite registry at `url` if it has none yet, so
/// that its backups can be signed. Gives where the key is; `None` for PostgreSQL.
pub fn ensure_key(url: &str) -> Result<Option<key::KeySource>> {
    match sqlite_file(url) {
        Some(file) => Ok(Some(key::load_or_create(&file)?.1)),
        None => Ok(None),
    }
}

/// For `homeward serve`: the shared lock on the SQLite registry at `url`, held while the server
/// runs so that no restore replaces the file under it. `None` for PostgreSQL.
pub fn serving_lock(url: &str) -> Result<Option<DbLock>> {
    match sqlite_file(url) {
        Some(file) => Ok(Some(lock::serving(&file)?)),
        None => Ok(None),
    }
}

/// `FILE-wal`, `FILE-shm`: SQLite's companions of a database in WAL mode.
fn companion(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn sqlite_url(file: &Path) -> String {
    format!("sqlite://{}", file.display())
}

/// Removes a database's `-wal` and `-shm` files after a `wal_checkpoint(TRUNCATE)` emptied the WAL
/// (SQLite leaves them behind when two connections close at once); refuses if the WAL holds data.
fn remove_checkpointed_wal(file: &Path) -> Result<()> {
    let wal = companion(file, "-wal");
    match std::fs::metadata(&wal) {
        Ok(m) if m.len() > 0 => anyhow::bail!("{} was not checkpointed", wal.display()),
        // SQLite may delete the empty WAL itself between the two calls: gone is what was wanted.
        Ok(_) => match std::fs::remove_file(&wal) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(anyhow::Error::new(e).context(format!("removing {}", wal.display())))
            }
            _ => {}
        },
        Err(_) => {}
    }
    let _ = std::fs::remove_file(companion(file, "-shm"));
    Ok(())
}

/// Why a file is not an SQLite database whole, from its first 100 bytes and its size alone: the
/// magic string, and the page size × page count that the header states against the file's size
/// (a truncated copy is caught here, before SQLite is asked to open it).
fn check_sqlite_file(file: &Path) -> Result<()> {
    let shown = file.display();
    let mut f = std::fs::File::open(file).map_err(|e| input_error!("--from: {shown}: cannot read: {e}"))?;
    let size = f
        .metadata()
        .map_err(|e| input_error!("--from: {shown}: cannot read: {e}"))?
        .len();
    let mut header = [0u8; 100];
    if f.read_exact(&mut header).is_err() || &header[..16] != b"SQLite format 3\0" {
        return Err(input_error!("--from: {shown} is not an SQLite database"));
    }
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536u64,
        n if n >= 512 && n.is_power_of_two() => u64::from(n),
        n => {
            return Err(input_error!(
                "--from: {shown}: not a readable SQLite database (page size {n})"
            ))
        }
    };
    let pages = u64::from(u32::from_be_bytes([header[28], header[29], header[30], header[31]]));
    // The page count is valid when the change counter equals "version valid for" (SQLite ≥ 3.7.0
    // keeps both in step); otherwise only whole pages can be asked for.
    let counted = header[24..28] == header[92..96] && pages > 0;
    if size % page_size != 0 || (counted && pages * page_size != size) {
        return Err(input_error!(
            "--from: {shown} is truncated or damaged: {size} bytes, but its header says {} pages of {page_size} bytes",
            pages
        ));
    }
    Ok(())
}

fn sha256_file(file: &Path) -> Result<String> {
    let mut f = std::fs::File::open(file).with_context(|| format!("reading {}", file.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f
            .read(&mut buf)
            .with_context(|| format!("reading {}", file.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// What a database file holds, as a manifest records it (all but the file's hash and name).
struct Contents {
    schema_version: i64,
    audit_head: AuditHead,
    audit_entries: u64,
    counts: BTreeMap<String, i64>,
}

/// Reads a database file's schema version, audit chain (checked whole), head and counts, without
/// migrating it; closes it cleanly (WAL checkpointed). Errors that mean "not a good backup" are
/// input errors naming `shown`.
async fn inspect(store: &Store, shown: &str) -> Result<Contents> {
    let schema_version = store
        .schema_version()
        .await
        .map_err(|e| input_error!("{shown}: not a registry database: {e}"))?;
    let known = registry::known_sqlite_schema_version();
    if schema_version > known {
        return Err(input_error!(
            "{shown}: schema version {schema_version} is newer than this program's ({known}): \
             restore it with the homeward release that made it"
        ));
    }
    let report = store.verify_audit().await.context("reading the audit chain")?;
    if let Some((seq, why)) = report.first_broken {
        return Err(input_error!("{shown}: audit chain broken at entry {seq}: {why}"));
    }
    if let Some(first) = report.records.first() {
        return Err(input_error!(
            "{shown}: {} record(s) disagree with the audit log, first {first}",
            report.records.len()
        ));
    }
    let (seq, hash) = store.audit_head().await.context("reading the audit head")?;
    let counts = store.table_counts().await.context("counting records")?;
    Ok(Contents {
        schema_version,
        audit_head: AuditHead { seq, hash },
        audit_entries: report.entries,
        counts,
    })
}

/// Opens `file` to look at it ([`Store::open_to_inspect`]: no migration, no waiting), runs `f`,
/// checkpoints and closes it whatever `f` gave.
async fn with_inspected<T>(file: &Path, f: impl AsyncFnOnce(&Store) -> Result<T>) -> Result<T> {
    let shown = file.display();
    let store = Store::open_to_inspect(file)
        .await
        .map_err(|e| input_error!("{shown}: not a readable SQLite database: {e}"))?;
    let out = f(&store).await;
    if out.is_ok() {
        store.checkpoint().await.context("checkpointing")?;
    }
    store.close().await;
    out
}

/// Writes `json` to the new file `path`, readable by its owner only (it names what the backup holds).
fn write_owner_only(path: &Path, json: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(json)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("writing {}", path.display()))
}

/// Writes an online copy of the registry at `url` to the new file `out` (`VACUUM INTO`: one read
/// transaction, while writers go on), checks the copy's audit chain, and writes its signed
/// manifest beside it (the key made first if the registry has none). Gives what the copy holds and
/// the manifest's path.
pub async fn backup(url: &str, out_path: &Path) -> Result<(Checked, PathBuf)> {
    let source = sqlite_path(url, "backup")?;
    if !source.exists() {
        return Err(input_error!("--db: {} does not exist", source.display()));
    }
    let manifest_file = manifest_path(out_path);
    for f in [out_path, &manifest_file] {
        if f.exists() {
            return Err(input_error!(
                "--out: {} exists already; choose a new file name",
                f.display()
            ));
        }
    }
    let out = out_path
        .to_str()
        .ok_or_else(|| input_error!("--out: {} is not valid UTF-8", out_path.display()))?;
    // The key first: a backup that cannot be signed is not written at all.
    let (key, _) = key::load_or_create(&source)?;
    let store = crate::store::open(url).await?;
    // An online, consistent copy: one read transaction, while writers go on.
    let result = store.backup_to(out_path).await;
    store.close().await;
    result.with_context(|| format!("writing the backup to {out}"))?;
    let contents = with_inspected(out_path, async |s| inspect(s, out).await)
        .await
        .with_context(|| format!("checking the backup {out} (it was written)"))?;
    remove_checkpointed_wal(out_path)?;
    // Hashed last: opening the copy may have changed its header (the journal mode).
    let manifest = Manifest {
        format: MANIFEST_FORMAT,
        file: out_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sha256: sha256_file(out_path)?,
        schema_version: contents.schema_version,
        audit_head: contents.audit_head,
        counts: contents.counts,
        created_at: registry::now_utc(),
    };
    let persons = manifest.counts.get("persons").copied().unwrap_or(0);
    let signed = manifest.sign(&key)?;
    let json = serde_json::to_vec_pretty(&signed).context("serialising the manifest")?;
    write_owner_only(&manifest_file, &json)?;
    Ok((
        Checked {
            persons,
            audit_entries: contents.audit_entries,
        },
        manifest_file,
    ))
}

/// Reads and authenticates the manifest of `from` under `key`; then the copy's hash against it.
fn check_manifest(from: &Path, key: &Key, copy_sha256: &str) -> Result<Manifest> {
    let shown = from.display();
    let path = manifest_path(from);
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(input_error!(
                "{shown}: no manifest {}: only backups made by `homeward backup` are restored",
                path.display()
            ))
        }
        Err(e) => return Err(input_error!("{}: cannot read: {e}", path.display())),
    };
    let signed: SignedManifest =
        serde_json::from_slice(&text).map_err(|e| input_error!("{}: not a backup manifest: {e}", path.display()))?;
    if !key.verify_hex(&signed.manifest.canonical()?, &signed.hmac) {
        return Err(input_error!(
            "{}: the manifest's HMAC does not verify under the key: it was altered, or made with another key",
            path.display()
        ));
    }
    if signed.manifest.format != MANIFEST_FORMAT {
        return Err(input_error!(
            "{}: manifest format {} is not this program's ({MANIFEST_FORMAT})",
            path.display(),
            signed.manifest.format
        ));
    }
    if signed.manifest.sha256 != copy_sha256 {
        return Err(input_error!(
            "{shown}: its SHA-256 is not the manifest's: the file was changed after the backup was made"
        ));
    }
    Ok(signed.manifest)
}

/// Replaces the SQLite registry at `url` by the backup `from`, whole or not at all, after every
/// check of the module's documentation passed. An existing database is replaced only with
/// `force`. Gives the file replaced and what the backup holds.
pub async fn restore(url: &str, from: &Path, force: bool) -> Result<(PathBuf, Checked)> {
    let target = sqlite_path(url, "restore")?;
    // Held until the rename is done: no server starts on the file while it is being replaced.
    let _lock = lock::exclusive(&target)?;
    check_sqlite_file(from)?;
    if target.exists() {
        if std::fs::canonicalize(&target)? == std::fs::canonicalize(from)? {
            return Err(input_error!("--from and --db name the same file"));
        }
        if !force {
            return Err(input_error!(
                "{} exists; add --force to replace it with the backup",
                target.display()
            ));
        }
    }
    let from_wal = companion(from, "-wal");
    if std::fs::metadata(&from_wal).is_ok_and(|m| m.len() > 0) {
        return Err(input_error!(
            "--from: {} has a write-ahead log {} beside it: it was opened and written after the backup was made",
            from.display(),
            from_wal.display()
        ));
    }
    let (key, source) = key::load(&target)?.ok_or_else(|| {
        input_error!(
            "no key to check the backup with: {} does not exist; set {} or {} to the key of the registry \
             the backup was made from",
            key::key_file(&target).display(),
            key::KEY_ENV,
            key::KEY_FILE_ENV
        )
    })?;
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .ok_or_else(|| input_error!("--db: {} names no file", target.display()))?;
    let tmp = dir.join(format!(".{}.restore-{}", name.to_string_lossy(), std::process::id()));
    let cleanup = |tmp: &Path| {
        for f in [tmp.to_owned(), companion(tmp, "-wal"), companion(tmp, "-shm")] {
            let _ = std::fs::remove_file(f);
        }
    };
    let result = async {
        std::fs::copy(from, &tmp).with_context(|| format!("copying {} to {}", from.display(), tmp.display()))?;
        // The copy is what is checked and put in place, so its bytes are what must match.
        let sha256 = sha256_file(&tmp)?;
        let shown = from.display().to_string();
        let checked = with_inspected(&tmp, async |store| {
            let problems = store
                .integrity_problems()
                .await
                .map_err(|e| input_error!("{shown}: PRAGMA integrity_check failed, the file is damaged: {e}"))?;
            if !problems.is_empty() {
                return Err(input_error!(
                    "{shown}: PRAGMA integrity_check found damage: {}",
                    problems.join("; ")
                ));
            }
            let manifest =
                check_manifest(from, &key, &sha256).with_context(|| format!("(checked with the {source})"))?;
            let contents = inspect(store, &shown).await?;
            if contents.schema_version != manifest.schema_version {
                return Err(input_error!(
                    "{shown}: schema version {} is not the manifest's {}",
                    contents.schema_version,
                    manifest.schema_version
                ));
            }
            if contents.audit_head != manifest.audit_head {
                return Err(input_error!(
                    "{shown}: the audit chain ends at entry {}, but the manifest's head is entry {} \
                     (entries were cut off or added)",
                    contents.audit_head.seq,
                    manifest.audit_head.seq
                ));
            }
            if contents.counts != manifest.counts {
                let differ: Vec<String> = manifest
                    .counts
                    .keys()
                    .chain(contents.counts.keys())
                    .filter(|t| manifest.counts.get(*t) != contents.counts.get(*t))
                    .map(|t| {
                        format!(
                            "{t}: {} in the file, {} in the manifest",
                            contents.counts.get(t).copied().unwrap_or(0),
                            manifest.counts.get(t).copied().unwrap_or(0)
                        )
                    })
                    .collect();
                return Err(input_error!(
                    "{shown}: record counts differ from the manifest: {}",
                    differ.join(", ")
                ));
            }
            if contents.audit_entries == 0 {
                return Err(input_error!(
                    "--from: {shown} holds no audit entries: an empty registry or not a registry backup"
                ));
            }
            Ok(Checked {
                persons: manifest.counts.get("persons").copied().unwrap_or(0),
                audit_entries: contents.audit_entries,
            })
        })
        .await?;
        // Only now is the copy opened as a registry: its schema brought up to date.
        let store = Store::open(&sqlite_url(&tmp))
            .await
            .context("opening the checked copy")?;
        let migrated = store.checkpoint().await;
        store.close().await;
        migrated.context("checkpointing the checked copy")?;
        remove_checkpointed_wal(&tmp)?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .context("syncing the restored copy")?;
        Ok::<_, anyhow::Error>(checked)
    }
    .await;
    let checked = match result {
        Ok(c) => c,
        Err(e) => {
            cleanup(&tmp);
            return Err(e.context(format!("checking the backup {}; nothing was changed", from.display())));
        }
    };
    if target.exists() {
        // Fold the old database's WAL into it first, so that nothing is lost if the rename below
        // fails; then remove the WAL and its index: they must not be applied to the new file.
        if let Ok(old) = Store::open(&sqlite_url(&target)).await {
            let _ = old.checkpoint().await;
            old.close().await;
        }
        for f in [companion(&target, "-wal"), companion(&target, "-shm")] {
            if let Err(e) = std::fs::remove_file(&f) {
                if e.kind() != std::io::ErrorKind::NotFound {
                    cleanup(&tmp);
                    return Err(anyhow::Error::new(e).context(format!("removing {}", f.display())));
                }
            }
        }
    }
    if let Err(e) = std::fs::rename(&tmp, &target) {
        cleanup(&tmp);
        return Err(anyhow::Error::new(e).context(format!("replacing {}", target.display())));
    }
    // The registry is now an earlier state of its chain, checked against the signed manifest:
    // its anchor moves back with it, or every later check would see a cut tail.
    let url = sqlite_url(&target);
    let store = crate::store::open(&url).await?;
    let reset = crate::anchor::reset(&store, &url).await;
    store.close().await;
    reset.context("resetting the audit anchor to the restored registry")?;
    Ok((target, checked))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_file_and_postgres_points_at_pg_dump() {
        assert_eq!(
            sqlite_path("sqlite://a/b.db", "backup").unwrap(),
            PathBuf::from("a/b.db")
        );
        assert_eq!(
            sqlite_path("sqlite:///tmp/b.db?mode=rwc", "backup").unwrap(),
            PathBuf::from("/tmp/b.db")
        );
        let e = sqlite_path("postgres://u@h/db", "backup").unwrap_err();
        assert!(e.downcast_ref::<crate::error::InputError>().is_some());
        assert!(e.to_string().contains("pg_dump"), "{e}");
        assert!(sqlite_path("sqlite::memory:", "restore").is_err());
        assert!(sqlite_path("mysql://x", "restore").is_err());
    }
}
