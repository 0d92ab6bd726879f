//! The advisory lock on a registry file (`<database file>.lock`, flock(2)): `homeward serve` holds
//! it shared for its whole life, `homeward restore` takes it exclusively without waiting. SQLite's
//! own locks cannot say "a server has this open": a server between transactions holds none, and
//! WAL readers do not block `BEGIN EXCLUSIVE`. The lock is released by the kernel when the
//! process ends, however it ends, so a killed server leaves nothing stale behind.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rustix::fs::{flock, FlockOperation};

use crate::input_error;

/// A held lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct DbLock {
    _file: File,
    path: PathBuf,
}

impl DbLock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// `<db>.lock`.
pub fn lock_file(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

fn open(db: &Path) -> Result<(File, PathBuf)> {
    let path = lock_file(db);
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options
        .open(&path)
        .with_context(|| format!("opening the lock file {}", path.display()))?;
    Ok((file, path))
}

/// For a server: the shared lock, so that several servers may share a database but no restore
/// runs under them. Refused at once if a restore holds it.
pub fn serving(db: &Path) -> Result<DbLock> {
    let (file, path) = open(db)?;
    flock(&file, FlockOperation::NonBlockingLockShared).map_err(|_| {
        input_error!(
            "{} is being restored (its lock {} is held); start the server when the restore is done",
            db.display(),
            path.display()
        )
    })?;
    Ok(DbLock { _file: file, path })
}

/// For a restore: the exclusive lock, without waiting. Refused while a server (or another
/// restore) has the database.
pub fn exclusive(db: &Path) -> Result<DbLock> {
    let (file, path) = open(db)?;
    flock(&file, FlockOperation::NonBlockingLockExclusive).map_err(|_| {
        input_error!(
            "a server has DB open; stop it first ({} is held by another process: `homeward serve` or a restore)",
            path.display()
        )
    })?;
    Ok(DbLock { _file: file, path })
}
