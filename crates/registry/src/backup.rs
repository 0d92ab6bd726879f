//! What backups and restores need from the database itself: an online copy, a WAL checkpoint, and
//! what a backup's manifest records and a restore checks (integrity, schema version, audit head,
//! record counts). They are SQLite statements (`VACUUM INTO`, `PRAGMA wal_checkpoint`,
//! `PRAGMA integrity_check`), so they live here with the rest of the SQL rather than in the
//! command that copies files around.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::Row;

use crate::model::FieldError;
use crate::store::{Store, StoreError};
use crate::backend::Backend;

/// The highest migration this program knows for SQLite: a backup whose schema is newer was made
/// by a newer program and is not restored by this one.
pub fn known_sqlite_schema_version() -> i64 {
    crate::backend::sqlite_migrations()
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

impl Store {
    /// Opens an existing SQLite file to look at it, not to use it: no migration, one connection, a
    /// 500 ms busy timeout (room for another connection's checkpoint, not for a writer's work) and
    /// a 2 s acquire timeout, so that a damaged or locked file fails at once instead of waiting in
    /// the pool (a truncated file used to hang 30 s before "pool timed out").
    pub async fn open_to_inspect(file: &Path) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let name = file
            .to_str()
            .ok_or_else(|| FieldError::new("file", format!("{} is not valid UTF-8", file.display())))?;
        if !file.is_file() {
            return Err(StoreError::Io(format!("{name}: no such file")));
        }
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(2))
            .after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::query("PRAGMA busy_timeout = 500").execute(&mut *conn).await?;
                    Ok(())
                })
            })
            .connect(&format!("sqlite://{name}?mode=rw"))
            .await?;
        Ok(Store {
            pool,
            search_pool: None,
            backend: Backend::Sqlite,
            audit_key: None,
        })
    }

    /// `PRAGMA integrity_check`: an empty list when the file is sound, else what SQLite found
    /// (at most its first 10 complaints).
    pub async fn integrity_problems(&self) -> Result<Vec<String>, StoreError> {
        if self.backend() != Backend::Sqlite {
            return Ok(Vec::new());
        }
        let rows = sqlx::query("PRAGMA integrity_check(10)").fetch_all(&self.pool).await?;
        let mut problems = Vec::new();
        for row in rows {
            let line: String = row.try_get(0)?;
            if line != "ok" {
                problems.push(line);
            }
        }
        Ok(problems)
    }

    /// The highest migration applied to this database (0 if none): its schema version.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.pool)
            .await?;
        let version: Option<i64> = row.try_get(0)?;
        Ok(version.unwrap_or(0))
    }

    /// The audit head: the last entry's sequence number and hash, as the head row records them.
    pub async fn audit_head(&self) -> Result<(i64, String), StoreError> {
        Ok(sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?)
    }

    /// The number of rows of every table of an SQLite database (SQLite's and sqlx's own
    /// bookkeeping left out), by table name: what a backup's manifest records.
    pub async fn table_counts(&self) -> Result<BTreeMap<String, i64>, StoreError> {
        if self.backend() != Backend::Sqlite {
            return Err(StoreError::NotAllowed(
                "record counts of a backup are for SQLite databases".to_owned(),
            ));
        }
        let names: Vec<(String,)> = sqlx::query_as(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> '_sqlx_migrations' ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut counts = BTreeMap::new();
        for (name,) in names {
            // The name comes from the database's own catalogue; quoted as an identifier.
            let sql = format!("SELECT COUNT(*) FROM \"{}\"", name.replace('"', "\"\""));
            let row = sqlx::query(&sql).fetch_one(&self.pool).await?;
            counts.insert(name, row.try_get::<i64, _>(0)?);
        }
        Ok(counts)
    }

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
    pub(crate) async fn erase_freed_traces(&self, tables: &[&'static str]) -> Result<(), StoreError> {
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
                for table in tables {
                    // A fixed table name from the caller, never user input.
                    sqlx::query(&format!("VACUUM {table}")).execute(&self.pool).await?;
                }
                Ok(())
            }
        }
    }
}
