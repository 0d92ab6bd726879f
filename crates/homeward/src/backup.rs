//! `homeward backup` and `homeward restore` for SQLite registries.
//!
//! `backup` takes an online copy with `VACUUM INTO` (a consistent snapshot while the server keeps
//! running), then opens the copy and checks its audit chain. `restore` copies the backup (with its WAL, if it
//! has one) next to the target, opens the copy, checks its audit chain (and brings its schema up to date), and only
//! then renames it over the target, so the target is replaced whole or not at all. It refuses to
//! replace an existing database without `--force`. It cannot tell whether a server has the target
//! open: stop `homeward serve` before restoring.
//!
//! PostgreSQL registries are backed up with `pg_dump` and restored with `pg_restore`; these commands
//! say so and exit with code 2.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use registry::Store;

use crate::input_error;
use crate::records::{runtime_for_commands, DbArg};

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    db: DbArg,
    /// The backup file to write (must not exist yet).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    db: DbArg,
    /// The backup file to restore.
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
    /// Replace the database if it exists (it is replaced whole, after the backup is checked). Stop
    /// `homeward serve` first: a running server is not detected.
    #[arg(long)]
    force: bool,
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
        Ok(_) => std::fs::remove_file(&wal).with_context(|| format!("removing {}", wal.display()))?,
        Err(_) => {}
    }
    let _ = std::fs::remove_file(companion(file, "-shm"));
    Ok(())
}

/// Opens a database file, checks its audit chain and counts what it holds; closes it cleanly
/// (WAL checkpointed and removed). Errors that mean "not a good backup" are input errors.
async fn check_database(file: &Path) -> Result<(u64, i64)> {
    let shown = file.display();
    let store = Store::open(&sqlite_url(file))
        .await
        .map_err(|e| input_error!("{shown}: not a registry database: {e}"))?;
    let checked = async {
        let report = store.verify_audit().await.context("reading the audit chain")?;
        if let Some((seq, why)) = report.first_broken {
            return Err(input_error!("{shown}: audit chain broken at entry {seq}: {why}"));
        }
        let persons = store.count_persons().await?;
        store.checkpoint().await.context("checkpointing")?;
        Ok((report.entries, persons))
    }
    .await;
    store.close().await;
    checked
}

pub fn backup(args: &BackupArgs) -> Result<()> {
    let url = args.db.settings()?.db;
    let source = sqlite_path(&url, "backup")?;
    if !source.exists() {
        return Err(input_error!("--db: {} does not exist", source.display()));
    }
    if args.out.exists() {
        return Err(input_error!(
            "--out: {} exists already; choose a new file name",
            args.out.display()
        ));
    }
    let out = args
        .out
        .to_str()
        .ok_or_else(|| input_error!("--out: {} is not valid UTF-8", args.out.display()))?;
    runtime_for_commands()?.block_on(async {
        let store = crate::records::open(&args.db).await?;
        // An online, consistent copy: one read transaction, while writers go on.
        let result = store.backup_to(&args.out).await;
        store.close().await;
        result.with_context(|| format!("writing the backup to {out}"))?;
        let (entries, persons) = check_database(&args.out)
            .await
            .with_context(|| format!("checking the backup {out} (it was written)"))?;
        remove_checkpointed_wal(&args.out)?;
        eprintln!("backup written to {out}: {persons} persons, audit chain intact ({entries} entries)");
        Ok(())
    })
}

pub fn restore(args: &RestoreArgs) -> Result<()> {
    let url = args.db.settings()?.db;
    let target = sqlite_path(&url, "restore")?;
    let from = &args.from;
    let mut header = [0u8; 16];
    std::io::Read::read_exact(
        &mut std::fs::File::open(from).map_err(|e| input_error!("--from: {}: cannot read: {e}", from.display()))?,
        &mut header,
    )
    .map_err(|_| input_error!("--from: {} is not an SQLite database", from.display()))?;
    if &header != b"SQLite format 3\0" {
        return Err(input_error!("--from: {} is not an SQLite database", from.display()));
    }
    if target.exists() {
        if std::fs::canonicalize(&target)? == std::fs::canonicalize(from)? {
            return Err(input_error!("--from and --db name the same file"));
        }
        if !args.force {
            return Err(input_error!(
                "{} exists; add --force to replace it with the backup",
                target.display()
            ));
        }
    }
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
    // A backup that was opened may have part of its content in its WAL still: copy both.
    let copied = std::fs::copy(from, &tmp).and_then(|_| {
        let from_wal = companion(from, "-wal");
        if from_wal.exists() {
            std::fs::copy(&from_wal, companion(&tmp, "-wal")).map(|_| ())
        } else {
            Ok(())
        }
    });
    if let Err(e) = copied {
        cleanup(&tmp);
        return Err(anyhow::Error::new(e).context(format!("copying {} to {}", from.display(), tmp.display())));
    }
    let checked = runtime_for_commands()?.block_on(check_database(&tmp));
    let (entries, persons) = match checked {
        Ok(v) => v,
        Err(e) => {
            cleanup(&tmp);
            return Err(e.context(format!("checking the backup {}; nothing was changed", from.display())));
        }
    };
    if entries == 0 {
        cleanup(&tmp);
        return Err(input_error!(
            "--from: {} holds no audit entries: an empty registry or not a registry backup; nothing was changed",
            from.display()
        ));
    }
    if let Err(e) = remove_checkpointed_wal(&tmp).and_then(|()| {
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .context("syncing the restored copy")
    }) {
        cleanup(&tmp);
        return Err(e);
    }
    if target.exists() {
        // Fold the old database's WAL into it first, so that nothing is lost if the rename below
        // fails; then remove the WAL and its index: they must not be applied to the new file.
        runtime_for_commands()?.block_on(async {
            if let Ok(old) = Store::open(&sqlite_url(&target)).await {
                let _ = old.checkpoint().await;
                old.close().await;
            }
        });
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
    eprintln!(
        "{} restored from {}: {persons} persons, audit chain intact ({entries} entries)",
        target.display(),
        from.display()
    );
    Ok(())
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
