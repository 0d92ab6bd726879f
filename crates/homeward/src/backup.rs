//! `homeward backup` and `homeward restore` for SQLite registries ([`casework::backup`] does the
//! work: a backup with its keyed manifest; a restore that checks both before replacing anything). PostgreSQL registries are backed up with `pg_dump` and restored with `pg_restore`; these
//! commands say so and exit with code 2.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::db::{runtime_for_commands, DbArg};

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
    /// Replace the database if it exists (it is replaced whole, after the backup and its manifest
    /// are checked). Refused while `homeward serve` has the database open.
    #[arg(long)]
    force: bool,
}

pub fn backup(args: &BackupArgs) -> Result<()> {
    let url = args.db.url()?;
    let (checked, manifest) = runtime_for_commands()?.block_on(casework::backup::backup(&url, &args.out))?;
    eprintln!(
        "backup written to {} with its manifest {}: {} persons, audit chain intact ({} entries)",
        args.out.display(),
        manifest.display(),
        checked.persons,
        checked.audit_entries
    );
    Ok(())
}

pub fn restore(args: &RestoreArgs) -> Result<()> {
    let url = args.db.url()?;
    let (target, checked) =
        runtime_for_commands()?.block_on(casework::backup::restore(&url, &args.from, args.force))?;
    eprintln!(
        "{} restored from {}: manifest verified, {} persons, audit chain intact ({} entries)",
        target.display(),
        args.from.display(),
        checked.persons,
        checked.audit_entries
    );
    Ok(())
}
