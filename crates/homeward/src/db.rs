//! `homeward db migrate` and `homeward audit verify`, and the `--db`/`--config` arguments every
//! registry command takes.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use registry::Store;

/// The database to use, and where the settings come from.
#[derive(Debug, Args)]
pub struct DbArg {
    /// sqlite://FILE (created if missing) or postgres://USER@HOST:PORT/DB [default: from the
    /// configuration, else sqlite://homeward.db].
    #[arg(long)]
    pub db: Option<String>,
    /// Configuration file [default: ./homeward.toml if present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

impl DbArg {
    /// The settings in force, the `--db` flag over everything else.
    pub fn settings(&self) -> Result<crate::config::Settings> {
        let mut s = crate::config::load(self.config.as_ref(), |k| std::env::var(k).ok())?;
        if let Some(db) = &self.db {
            s.db = db.clone();
        }
        Ok(s)
    }

    /// The database URL in force.
    pub fn url(&self) -> Result<String> {
        Ok(self.settings()?.db)
    }

    /// Opens the registry, runs `f` on it, and closes it whatever `f` returned.
    pub fn with_store<T, F, Fut>(&self, f: F) -> Result<T>
    where
        F: FnOnce(Store) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        casework::store::with_store(&self.url()?, f)
    }
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Create the database if needed and apply the migrations it has not seen.
    Migrate(DbArg),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the whole audit chain; exit 1 and name the first broken entry if it does not hold.
    Verify(DbArg),
}

pub fn db(cmd: &DbCommand) -> Result<()> {
    match cmd {
        DbCommand::Migrate(db) => {
            db.with_store(|_| async { Ok(()) })?;
            let url = db.url()?;
            // The key that signs backups (and, next, the audit log) is made with the registry.
            match casework::backup::ensure_key(&url)? {
                Some(source) => eprintln!("{url} is up to date; its key: {source}"),
                None => eprintln!("{url} is up to date"),
            }
            Ok(())
        }
    }
}

pub fn audit(cmd: &AuditCommand) -> Result<()> {
    match cmd {
        AuditCommand::Verify(db) => {
            let report = db.with_store(|store| async move { Ok(store.verify_audit().await?) })?;
            match report.first_broken {
                None => {
                    println!("audit chain intact: {} entries", report.entries);
                    Ok(())
                }
                Some((seq, why)) => Err(anyhow::anyhow!(
                    "audit chain broken at entry {seq}: {why} ({} entries before it hold)",
                    report.entries
                )),
            }
        }
    }
}

/// Opens the registry that `db` names.
pub(crate) async fn open(db: &DbArg) -> Result<Store> {
    casework::store::open(&db.url()?).await
}

/// The runtime of a registry command.
pub(crate) fn runtime_for_commands() -> Result<tokio::runtime::Runtime> {
    casework::store::runtime()
}
