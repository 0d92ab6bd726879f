//! The connection: sqlx's `Any` driver over SQLite (a single file, WAL) or PostgreSQL, chosen by
//! the URL; the migrations of each dialect (`migrations/sqlite`, `migrations/postgres`), embedded
//! and forward-only; write transactions; and the helpers of bulk statements, whose bind-parameter
//! style is the one place the dialects differ in SQL.

use sqlx::any::{install_default_drivers, AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use std::collections::HashMap;

use sqlx::{Any, Row, Transaction};

use crate::store::{Store, StoreError};
use crate::versioned::Value;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// The SQLite migrations embedded in the binary (for the schema version a restore accepts).
pub(crate) fn sqlite_migrations() -> &'static Migrator {
    &SQLITE_MIGRATIONS
}


#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Rows per multi-row statement with `columns` parameters each. Small for SQLite, where a
    /// round trip is a function call and sqlx binds each parameter in time linear in their count;
    /// large for PostgreSQL, where a round trip is a network exchange.
    pub(crate) fn batch_rows(&self, columns: usize) -> usize {
        match self {
            Backend::Sqlite => (400 / columns).max(1),
            Backend::Postgres => (5000 / columns).max(1),
        }
    }

    /// The k-th (1-based) bind parameter. SQLite gets plain `?`: sqlx looks `$N` names up one by
    /// one, which is quadratic in statements with thousands of parameters (the bulk imports).
    pub(crate) fn param(&self, k: usize) -> String {
        match self {
            Backend::Sqlite => "?".to_owned(),
            Backend::Postgres => format!("${k}"),
        }
    }
}

/// `rows` parenthesised groups of `columns` bind parameters each, numbered from 1, each group
/// followed by `extra` (constant columns such as `, 1`): the VALUES list of a multi-row INSERT.
pub(crate) fn values_sql(backend: Backend, rows: usize, columns: usize, extra: &str) -> String {
    let mut out = String::with_capacity(rows * columns * 4);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 1..=columns {
            if c > 1 {
                out.push_str(", ");
            }
            out.push_str(&backend.param(r * columns + c));
        }
        out.push_str(extra);
        out.push(')');
    }
    out
}

/// A key of an `IN (…)` look-up.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Key<'a> {
    Text(&'a str),
    Int(i64),
}

/// Runs `sql`, whose `{in}` is replaced by a list of parameters, once per batch of `keys`, and
/// returns every row: a bulk look-up in a few round trips.
pub(crate) async fn rows_in(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    sql: &str,
    keys: &[Key<'_>],
) -> Result<Vec<AnyRow>, StoreError> {
    let mut out = Vec::new();
    for chunk in keys.chunks(backend.batch_rows(1)) {
        let list = (1..=chunk.len())
            .map(|k| backend.param(k))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = sql.replace("{in}", &list);
        let mut q = sqlx::query(&sql);
        for key in chunk {
            q = match *key {
                Key::Text(t) => q.bind(t),
                Key::Int(i) => q.bind(i),
            };
        }
        out.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

impl Store {
    /// Opens (and for SQLite creates) the database at `url` and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        install_default_drivers();
        let (backend, url) = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else if let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            let sep = if rest.contains('?') { "&" } else { "?" };
            let mode = if rest.contains("mode=") {
                String::new()
            } else {
                format!("{sep}mode=rwc")
            };
            (Backend::Sqlite, format!("sqlite://{rest}{mode}"))
        } else {
            return Err(StoreError::Url(url.to_owned()));
        };
        let sqlite = backend == Backend::Sqlite;
        if sqlite {
            create_owner_only(&url)?;
        }
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 4 } else { 16 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA busy_timeout = 10000").execute(&mut *conn).await?;
                        // FULL: a commit (an identification, a review, its audit entry) is on disk
                        // when it returns, not only after the next checkpoint.
                        sqlx::query("PRAGMA synchronous = FULL").execute(&mut *conn).await?;
                        // Erased content (a withdrawn profile) is overwritten with zeros, not left
                        // readable in free space of the page.
                        sqlx::query("PRAGMA secure_delete = ON").execute(&mut *conn).await?;
                        // 64 MiB of page cache per connection (the default is 2 MiB): the name-key
                        // index of a million persons is written and read at random.
                        sqlx::query("PRAGMA cache_size = -65536").execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        if sqlite {
            // WAL: readers do not block the writer, and a killed writer leaves the file consistent.
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
        }
        // Name search on PostgreSQL, one statement a request: planned once per connection (a
        // generic plan, its parameters unknown; the custom plan that `auto` chose again for every
        // request took longer to plan, 1.4–3.3 ms at 1,000,000 persons, than to run, 0.3–1.3 ms,
        // and the generic plan is the same index-order scans), and without parallel workers (the
        // generic plan gathered a scan of 0.2 ms from two, whose start took 5 ms and made the
        // search six times slower under load). Its own sessions, so no other statement is planned
        // so; read-only, since search never writes. Connected when first used.
        let search_pool = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(
                AnyPoolOptions::new()
                    .max_connections(16)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            for setting in [
                                "SET plan_cache_mode = force_generic_plan",
                                "SET max_parallel_workers_per_gather = 0",
                                "SET default_transaction_read_only = on",
                            ] {
                                sqlx::query(setting).execute(&mut *conn).await?;
                            }
                            Ok(())
                        })
                    })
                    .connect_lazy(&url)?,
            ),
        };
        let store = Store {
            pool,
            search_pool,
            backend,
            audit_key: None,
        };
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies the migrations this database has not seen (forward only).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        // Derived data only Rust can compute: the search keys of the names (migration 0016).
        self.refresh_name_keys().await
    }

    pub async fn close(&self) {
        if let Some(search) = &self.search_pool {
            search.close().await;
        }
        self.pool.close().await;
    }

    /// Begins a write transaction and takes the write lock at once, by touching the audit head
    /// first. Every write appends to the audit chain anyway, so writers queue here: on SQLite a
    /// transaction that read first and wrote later could not wait for the lock (SQLITE_BUSY), and
    /// on PostgreSQL the row lock orders the chain.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// The record `sql` selects with `key` as `$1`, if any, read by `read`: the look-up of one
    /// record by its id or external id.
    pub(crate) async fn one_where<T>(
        &self,
        sql: &str,
        key: impl Into<Value>,
        read: impl Fn(&AnyRow) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        // By a unique key: at most one row.
        Ok(self.all_where(sql, key, read).await?.into_iter().next())
    }

    /// Every record `sql` selects with `key` as `$1`, read by `read`: a list by its owner.
    pub(crate) async fn all_where<T>(
        &self,
        sql: &str,
        key: impl Into<Value>,
        read: impl Fn(&AnyRow) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let rows = key.into().bind_to(sqlx::query(sql)).fetch_all(&self.pool).await?;
        rows.iter().map(read).collect()
    }
}

/// Keeps in `first` the error of the earliest record of an import: several checks each find their
/// offenders, and the import reports the one that comes first in the file.
pub(crate) fn keep_earliest(first: &mut Option<(usize, StoreError)>, i: usize, e: impl FnOnce() -> StoreError) {
    if first.as_ref().is_none_or(|(j, _)| i < *j) {
        *first = Some((i, e()));
    }
}

/// The earliest record of an import (`seen`: external id → position) whose external id `table`
/// holds already, as the [`StoreError::Duplicate`] the import reports.
pub(crate) async fn first_existing(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    table: &str,
    entity: &'static str,
    seen: &HashMap<&str, usize>,
) -> Result<Option<(usize, StoreError)>, StoreError> {
    let keys: Vec<Key> = seen.keys().map(|k| Key::Text(k)).collect();
    let sql = format!("SELECT external_id FROM {table} WHERE external_id IN ({{in}})");
    let mut first = None;
    for row in rows_in(conn, backend, &sql, &keys).await? {
        let value: String = row.try_get("external_id")?;
        keep_earliest(&mut first, seen[value.as_str()], || StoreError::Duplicate {
            entity,
            field: "external_id",
            value,
        });
    }
    Ok(first)
}

/// Creates the SQLite file of `url` readable and writable by its owner only (0600) if it does not
/// exist yet: SQLite gives the WAL and shared-memory files the database file's permissions, so the
/// genotypes and contacts in any of them are not world-readable. An existing file keeps its mode.
fn create_owner_only(url: &str) -> Result<(), StoreError> {
    let path = url.trim_start_matches("sqlite://");
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path == ":memory:" || std::path::Path::new(path).exists() {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        // Another process made it first: it is theirs to have set up.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Io(format!("creating {path}: {e}"))),
    }
}
