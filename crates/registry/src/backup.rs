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
        // The file name is a bound parameter (VACUUM INTO takes any expression): no quoting.
        sqlx::query("VACUUM INTO $1").bind(file).execute(&self.pool).await?;
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
}
