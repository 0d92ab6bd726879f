//! Test support for every crate whose tests need a registry (`registry = { workspace = true,
//! features = ["testing"] }` in `[dev-dependencies]`): the same test on a fresh SQLite file and, when
//! `HOMEWARD_TEST_POSTGRES_URL` is set (`.ci/run` starts a throwaway cluster), on a fresh PostgreSQL
//! database. With `CI=true` a missing PostgreSQL is a failure, not a skip.
//!
//! It also holds the few ways tests reach past the store's API (creating a database, editing the
//! audit log by hand as an intruder would), so that no SQL has to live in other crates' tests.
//! Behind the `testing` feature: nothing here is part of a production build.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::Row;

use crate::{AuditEntry, Backend, Store, StoreError};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A name no other test of this process (or of a concurrent test process) uses: `prefix`, the
/// process id and a counter.
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Fresh stores of every available backend, with a label (`"sqlite"`, `"postgres"`).
///
/// # Panics
/// When a database cannot be created, and with `CI=true` when `HOMEWARD_TEST_POSTGRES_URL` is not
/// set: a harness that cannot set up its database should stop the test, not skip it quietly.
pub async fn fresh_stores() -> Vec<(&'static str, Store)> {
    let dir = std::env::temp_dir().join(unique("homeward-registry"));
    std::fs::create_dir_all(&dir).expect("creating a temporary directory");
    let mut out = vec![(
        "sqlite",
        Store::open(&format!("sqlite://{}", dir.join("db.sqlite").display()))
            .await
            .expect("opening a fresh SQLite registry"),
    )];
    match std::env::var("HOMEWARD_TEST_POSTGRES_URL") {
        Ok(base) => {
            let url = fresh_postgres_database(&base, "homeward_test")
                .await
                .expect("creating a fresh PostgreSQL database");
            out.push((
                "postgres",
                Store::open(&url).await.expect("opening a fresh PostgreSQL registry"),
            ));
        }
        Err(_) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true but HOMEWARD_TEST_POSTGRES_URL is not set: PostgreSQL must be tested in CI")
        }
        Err(_) => eprintln!("HOMEWARD_TEST_POSTGRES_URL not set: PostgreSQL skipped (set it, or run .ci/run)"),
    }
    out
}

/// Runs `test` once per backend, each on a fresh database, on a runtime of its own (so that plain
/// `#[test]` functions can use it); afterwards every sealed record must agree with its last audit
/// entry, so that each test is also a check that the store audits every change it makes.
///
/// # Panics
/// As [`fresh_stores`], when the runtime cannot be built, and when a record disagrees with the
/// audit log after the test.
pub fn on_every_backend<F, Fut>(test: F)
where
    F: Fn(&'static str, Store) -> Fut,
    Fut: Future<Output = ()>,
{
    run_on_every_backend(test, true);
}

/// [`on_every_backend`] for tests that tamper with the audit log on purpose: the records are not
/// checked afterwards.
pub fn on_every_backend_tampered<F, Fut>(test: F)
where
    F: Fn(&'static str, Store) -> Fut,
    Fut: Future<Output = ()>,
{
    run_on_every_backend(test, false);
}

fn run_on_every_backend<F, Fut>(test: F, check_records: bool)
where
    F: Fn(&'static str, Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("building a tokio runtime");
    rt.block_on(async {
        for (label, store) in fresh_stores().await {
            eprintln!("backend: {label}");
            test(label, store.clone()).await;
            if check_records {
                let problems = store
                    .verify_records()
                    .await
                    .expect("reading the records and the audit log");
                assert!(
                    problems.is_empty(),
                    "{label}: records disagree with the audit log after the test: {problems:?}"
                );
            }
            store.close().await;
        }
    });
}

/// Creates an empty database `prefix_…` (see [`unique`]) on the PostgreSQL server of `admin_url`
/// (a URL naming any database there) and returns the URL of the new one; no schema yet.
pub async fn fresh_postgres_database(admin_url: &str, prefix: &str) -> Result<String, StoreError> {
    let (server, _) = admin_url
        .rsplit_once('/')
        .ok_or_else(|| StoreError::Url(admin_url.to_owned()))?;
    let name = unique(prefix);
    let admin = Store::open(admin_url).await?;
    let created = create_database(&admin, &name).await;
    admin.close().await;
    created?;
    Ok(format!("{server}/{name}"))
}

/// `CREATE DATABASE name` on `admin`'s PostgreSQL server. A database name cannot be a bind
/// parameter, so only plain identifiers (letters, digits, `_`, not starting with a digit) are
/// accepted and nothing needs quoting.
pub async fn create_database(admin: &Store, name: &str) -> Result<(), StoreError> {
    let plain = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.chars().next().is_some_and(|c| !c.is_ascii_digit());
    if !plain {
        return Err(StoreError::NotAllowed(format!(
            "'{name}' is not a plain database name (letters, digits and _)"
        )));
    }
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin.pool)
        .await?;
    Ok(())
}

/// Drops the triggers that keep the audit tables append-only, as someone who can write the
/// database (the file, or PostgreSQL as its owner) can: what the tampering helpers below do first.
pub async fn drop_audit_guards(store: &Store) -> Result<(), StoreError> {
    let statements: &[&str] = match store.backend() {
        Backend::Sqlite => &[
            "DROP TRIGGER IF EXISTS audit_no_update",
            "DROP TRIGGER IF EXISTS audit_no_delete",
            "DROP TRIGGER IF EXISTS audit_macs_no_update",
            "DROP TRIGGER IF EXISTS audit_macs_no_delete",
            "DROP TRIGGER IF EXISTS audit_keys_no_update",
            "DROP TRIGGER IF EXISTS audit_keys_no_delete",
        ],
        Backend::Postgres => &[
            "DROP TRIGGER IF EXISTS audit_append_only ON audit",
            "DROP TRIGGER IF EXISTS audit_append_only_truncate ON audit",
            "DROP TRIGGER IF EXISTS audit_macs_append_only ON audit_macs",
            "DROP TRIGGER IF EXISTS audit_macs_append_only_truncate ON audit_macs",
            "DROP TRIGGER IF EXISTS audit_keys_append_only ON audit_keys",
            "DROP TRIGGER IF EXISTS audit_keys_append_only_truncate ON audit_keys",
        ],
    };
    for sql in statements {
        sqlx::query(sql).execute(&store.pool).await?;
    }
    Ok(())
}

/// Overwrites the audit entry `forged.seq` with every field of `forged`, its hash included, as
/// someone editing the database file by hand would (the append-only triggers dropped first): for
/// tests that `verify_audit` notices.
pub async fn forge_audit_entry(store: &Store, forged: &AuditEntry) -> Result<(), StoreError> {
    drop_audit_guards(store).await?;
    let result = sqlx::query(
        "UPDATE audit SET at = $1, actor = $2, action = $3, entity = $4, entity_id = $5, before = $6, \
         after = $7, prev_hash = $8, hash = $9 WHERE seq = $10",
    )
    .bind(&forged.at)
    .bind(&forged.actor)
    .bind(&forged.action)
    .bind(&forged.entity)
    .bind(&forged.entity_id)
    .bind(&forged.before)
    .bind(&forged.after)
    .bind(&forged.prev_hash)
    .bind(&forged.hash)
    .bind(forged.seq)
    .execute(&store.pool)
    .await?;
    if result.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::NotFound {
            entity: "audit entry",
            id: forged.seq.to_string(),
        })
    }
}

/// The same database without the key: a writer that never had it (or a checker without it).
pub fn without_key(store: &Store) -> Store {
    let mut unkeyed = store.clone();
    unkeyed.audit_key = None;
    unkeyed
}

/// Rewrites the whole audit log as someone who can write the database but not read the key
/// would: `edit` changes the list of entries (drops some, alters others), then every entry is
/// renumbered, re-linked and re-hashed with SHA-256 and the head moved to the last one, so that
/// the unkeyed chain holds again. The MACs stay as they were for the sequence numbers that remain
/// (they cannot be recomputed without the key); those beyond the new end are deleted.
pub async fn rewrite_audit(store: &Store, edit: impl FnOnce(&mut Vec<AuditEntry>)) -> Result<(), StoreError> {
    let mut entries = store.audit_entries(0, i64::MAX).await?;
    edit(&mut entries);
    drop_audit_guards(store).await?;
    let mut tx = store.pool.begin().await?;
    let count = i64::try_from(entries.len()).unwrap_or(i64::MAX);
    let macs: Vec<(i64, String)> = sqlx::query_as("SELECT seq, mac FROM audit_macs WHERE seq <= $1")
        .bind(count)
        .fetch_all(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM audit_macs").execute(&mut *tx).await?;
    sqlx::query("DELETE FROM audit").execute(&mut *tx).await?;
    let mut prev_hash = crate::GENESIS_HASH.to_owned();
    for (k, e) in entries.iter_mut().enumerate() {
        e.seq = i64::try_from(k).unwrap_or(i64::MAX) + 1;
        e.prev_hash = prev_hash.clone();
        e.hash = e.compute_hash();
        prev_hash = e.hash.clone();
    }
    crate::audit::insert_entries(&mut tx, store.backend(), &entries).await?;
    for (seq, mac) in macs {
        sqlx::query("INSERT INTO audit_macs (seq, mac) VALUES ($1, $2)")
            .bind(seq)
            .bind(mac)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(count)
        .bind(&prev_hash)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes the audit entry `seq` by hand, the triggers dropped first (its MAC, if any, and the
/// head are left as they are).
pub async fn delete_audit_entry(store: &Store, seq: i64) -> Result<u64, StoreError> {
    drop_audit_guards(store).await?;
    sqlx::query("DELETE FROM audit_macs WHERE seq = $1")
        .bind(seq)
        .execute(&store.pool)
        .await?;
    Ok(sqlx::query("DELETE FROM audit WHERE seq = $1")
        .bind(seq)
        .execute(&store.pool)
        .await?
        .rows_affected())
}

/// Runs one SQL statement as is and returns the rows it touched: for the registry's own tests of
/// what the database itself guarantees (append-only triggers, erased columns), which no store
/// method can show.
pub async fn execute_sql(store: &Store, sql: &str) -> Result<u64, StoreError> {
    Ok(sqlx::query(sql).execute(&store.pool).await?.rows_affected())
}

/// A database's tables and their columns, by name: what the migrations made of it, to compare the
/// two backends' migrations by their effect rather than by their file names. sqlx's own
/// bookkeeping table is left out (see [`applied_migrations`]).
pub async fn schema(store: &Store) -> Result<BTreeMap<String, BTreeSet<String>>, StoreError> {
    let sql = match store.backend() {
        Backend::Sqlite => {
            "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND m.name <> '_sqlx_migrations'"
        }
        // information_schema's names are of a domain type the Any driver does not decode: cast.
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS table_name, CAST(column_name AS TEXT) AS column_name \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'"
        }
    };
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in sqlx::query(sql).fetch_all(&store.pool).await? {
        out.entry(row.try_get("table_name")?)
            .or_default()
            .insert(row.try_get("column_name")?);
    }
    Ok(out)
}

/// The versions of the migrations applied to a database, in order.
pub async fn applied_migrations(store: &Store) -> Result<Vec<i64>, StoreError> {
    sqlx::query("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(|r| Ok(r.try_get("version")?))
        .collect()
}

/// Whether `e` is the conflict of a stale update: the version the caller read (`expected`) and the
/// one stored (`actual`).
pub fn is_conflict(e: &StoreError, expected: i64, actual: i64) -> bool {
    matches!(e, StoreError::Conflict { expected: x, actual: a, .. } if (*x, *a) == (expected, actual))
}
