//! What backups and restores need from the database itself: an online copy and a WAL checkpoint.
//! They are SQLite statements (`VACUUM INTO`, `PRAGMA wal_checkpoint`), so they live here with the
//! rest of the SQL rather than in the command that copies files around.

use std::path::Path;

use crate::model::FieldError;
use crate::store::{Store, StoreError};
use crate::backend::Backend;

impl Store {
    /// Writes a consistent copy of an SQLite database to the new file `out` while writers go on
    /// (`VACUUM INTO`: one read transaction). PostgreSQL databases are copied with `pg_dump`
    /// instead, so they are refused.
    pub async fn backup_to(&self, out: &Path) -> Result<(), StoreError> {
        if self.backend() != Backend::Sqlite {
            return Err(StoreError::NotAllowed(
                "PostgreSQL databases are backed up with pg_dump, not by the registry".to_owned(),
            ));
        }
        let file = out
            .to_str()
            .ok_or_else(|| FieldError::new("out", format!("{} is not valid UTF-8", out.display())))?;
        // An empty file of the owner's only (VACUUM INTO accepts one): a backup holds genotypes.
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options
            .open(out)
            .map_err(|e| FieldError::new("out", format!("{}: cannot create: {e}", out.display())))?;
        // The file name is a bound parameter (VACUUM INTO takes any expression): no quoting.
        if let Err(e) = sqlx::query("VACUUM INTO $1").bind(file).execute(&self.pool).await {
            let _ = std::fs::remove_file(out);
            return Err(e.into());
        }
        Ok(())
    }

    /// Folds an SQLite database's write-ahead log into the database file and empties it
    /// (`wal_checkpoint(TRUNCATE)`), so that the file alone holds everything. PostgreSQL keeps its
    /// own log, which no client needs to fold: there it does nothing.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        if self.backend() == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// After an erasure (a withdrawn consent): no copy of the erased bytes stays readable. SQLite
    /// zeroes freed content itself (`secure_delete`, set on every connection); here the WAL, whose
    /// older frames still hold the rows as they were, is folded into the file and emptied, retried
    /// while readers hold it. PostgreSQL: the table is vacuumed so the dead row versions are freed
    /// (their bytes stay in the heap file until reused, and in WAL archives and backups until they
    /// are rotated; docs/operations.md says for how long).
    pub(crate) async fn erase_freed_traces(&self, table: &'static str) -> Result<(), StoreError> {
        match self.backend() {
            Backend::Sqlite => {
                for attempt in 0..20 {
                    let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(&self.pool).await?;
                    let busy: i64 = sqlx::Row::try_get(&row, 0)?;
                    if busy == 0 {
                        return Ok(());
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(50 * (attempt + 1))).await;
                }
                Err(StoreError::NotAllowed(
                    "the erasure is committed, but readers kept the write-ahead log busy for 10 s: older \
                     copies of the erased rows stay in it until the next checkpoint (the next erasure or \
                     backup makes one)"
                        .to_owned(),
                ))
            }
            Backend::Postgres => {
                // A fixed table name from the caller, never user input.
                sqlx::query(&format!("VACUUM {table}")).execute(&self.pool).await?;
                Ok(())
            }
        }
    }
}
