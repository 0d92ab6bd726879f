//! The store: one type over sqlx's `Any` driver, SQLite (a single file, WAL) or PostgreSQL chosen
//! by the URL. The SQL is shared; the dialects differ only in the migrations
//! (`migrations/sqlite`, `migrations/postgres`), embedded and forward-only.
//!
//! Every write runs in a transaction that also appends to the audit chain, so a change and its
//! audit entry land together or not at all. Updates name the version they read; a stale version
//! is a [`StoreError::Conflict`], never a silent overwrite.

use sha2::{Digest, Sha256};
use sqlx::any::{install_default_drivers, AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Row, Transaction};

use crate::model::{Coordinates, FieldError, NewPerson, NewSite, Person, PersonStatus, Place, Site, SiteStatus};
use crate::support::duplicate;
use crate::time::now_utc;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// The hash before the first audit entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

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

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{entity} {id} was changed by someone else (version {actual}, you read {expected}); reload and try again")]
    Conflict {
        entity: &'static str,
        id: i64,
        expected: i64,
        actual: i64,
    },
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },
    #[error("{entity} with {field} '{value}' already exists")]
    Duplicate {
        entity: &'static str,
        field: &'static str,
        value: String,
    },
    #[error("status cannot move from {from} to {to}: statuses only move forward")]
    BackwardStatus { from: &'static str, to: &'static str },
    #[error("{0}")]
    Invalid(#[from] FieldError),
    /// The evidence a proposal cites does not hold (no such candidate, a foreign or withdrawn
    /// reference, an unfinished job, …); the field names what was cited.
    #[error("{0}")]
    Unfounded(FieldError),
    /// A workflow rule refuses the change (the wrong role, a second review by the same person, …).
    #[error("{0}")]
    NotAllowed(String),
    #[error("unsupported database URL '{0}' (use sqlite://FILE or postgres://…)")]
    Url(String),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Io(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

/// The registry's database.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    backend: Backend,
}

/// The audit chain checked from the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    pub entries: u64,
    /// The first entry whose hash or link does not hold, with what is wrong.
    pub first_broken: Option<(i64, String)>,
}

/// An audit entry waiting for its place in the chain.
#[derive(Debug, Clone)]
pub(crate) struct AuditRecord {
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// SHA-256 over the previous hash and every field, as a JSON array so that no two different
    /// entries share an encoding.
    fn compute_hash(&self) -> String {
        let fields = serde_json::json!([
            self.prev_hash,
            self.seq,
            self.at,
            self.actor,
            self.action,
            self.entity,
            self.entity_id,
            self.before,
            self.after
        ]);
        hex::encode(Sha256::digest(fields.to_string().as_bytes()))
    }
}

/// Lowercase hex SHA-256 of a text: what is kept of an erased profile.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

pub(crate) fn search_text(names: &[crate::model::Name]) -> String {
    names
        .iter()
        .map(|n| n.text.to_lowercase())
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

pub(crate) fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("domain types serialise")
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

pub(crate) fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
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
        let store = Store { pool, backend };
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
        Ok(())
    }

    pub async fn close(&self) {
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

    /// Appends an audit entry inside `tx`. Every write of every module calls this in the same
    /// transaction as the change.
    pub(crate) async fn audit(
        tx: &mut Transaction<'_, Any>,
        actor: &str,
        action: &str,
        entity: &str,
        entity_id: &str,
        before: Option<&str>,
        after: Option<&str>,
    ) -> Result<(), StoreError> {
        // Taking the head first serialises appends: the UPDATE holds the row until commit.
        let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut **tx)
            .await?;
        let seq: i64 = head.try_get("seq")?;
        let prev_hash: String = head.try_get("hash")?;
        let mut entry = AuditEntry {
            seq,
            at: now_utc(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            entity: entity.to_owned(),
            entity_id: entity_id.to_owned(),
            before: before.map(str::to_owned),
            after: after.map(str::to_owned),
            prev_hash,
            hash: String::new(),
        };
        entry.hash = entry.compute_hash();
        sqlx::query(
            "INSERT INTO audit (seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(entry.seq)
        .bind(&entry.at)
        .bind(&entry.actor)
        .bind(&entry.action)
        .bind(&entry.entity)
        .bind(&entry.entity_id)
        .bind(&entry.before)
        .bind(&entry.after)
        .bind(&entry.prev_hash)
        .bind(&entry.hash)
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(&entry.hash)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Records a read of sensitive data (genetic data, family contacts) in the audit chain.
    pub async fn audit_read(&self, actor: &str, entity: &str, entity_id: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        Self::audit(&mut tx, actor, "read", entity, entity_id, None, None).await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- persons ----

    async fn insert_person(tx: &mut Transaction<'_, Any>, actor: &str, p: &NewPerson) -> Result<Person, StoreError> {
        p.check()?;
        let row = sqlx::query(
            "INSERT INTO persons (external_id, names, search, sex, birth, death, death_place, sources, status, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) RETURNING id",
        )
        .bind(p.external_id.trim())
        .bind(json(&p.names))
        .bind(search_text(&p.names))
        .bind(p.sex.as_str())
        .bind(p.birth.map(|d| d.to_string()))
        .bind(p.death.map(|d| d.to_string()))
        .bind(p.death_place.as_ref().map(json))
        .bind(json(&p.sources))
        .bind(PersonStatus::Missing.as_str())
        .fetch_one(&mut **tx)
        .await
        .map_err(duplicate("person", "external_id", &p.external_id))?;
        let id: i64 = row.try_get("id")?;
        let person = Person {
            id,
            data: p.clone(),
            status: PersonStatus::Missing,
            version: 1,
        };
        Self::audit(
            tx,
            actor,
            "create",
            "person",
            &id.to_string(),
            None,
            Some(&json(&person)),
        )
        .await?;
        Ok(person)
    }

    pub async fn create_person(&self, actor: &str, p: &NewPerson) -> Result<Person, StoreError> {
        let mut tx = self.begin_write().await?;
        let person = Self::insert_person(&mut tx, actor, p).await?;
        tx.commit().await?;
        Ok(person)
    }

    /// Imports persons in one transaction: all of them, or none if any is rejected (the error
    /// carries the index of the first bad row). Rows go in batches of multi-row INSERTs and the
    /// audit entries are chained in memory and written in batches too: a round trip per batch,
    /// not per row.
    pub async fn import_persons(&self, actor: &str, persons: &[NewPerson]) -> Result<usize, (usize, StoreError)> {
        let batch_rows = self.backend.batch_rows(9);
        let mut seen = std::collections::HashMap::with_capacity(persons.len());
        for (i, p) in persons.iter().enumerate() {
            p.check().map_err(|e| (i, e.into()))?;
            if seen.insert(p.external_id.trim(), i).is_some() {
                let dup = StoreError::Duplicate {
                    entity: "person",
                    field: "external_id",
                    value: p.external_id.clone(),
                };
                return Err((i, dup));
            }
        }
        let mut tx = self.begin_write().await.map_err(|e| (0, e))?;
        let mut created: Vec<Person> = Vec::with_capacity(persons.len());
        for (b, chunk) in persons.chunks(batch_rows).enumerate() {
            let base = b * batch_rows;
            let at = |e: StoreError| (base, e);
            let ids: Vec<&str> = chunk.iter().map(|p| p.external_id.trim()).collect();
            let list = (1..=ids.len())
                .map(|k| self.backend.param(k))
                .collect::<Vec<_>>()
                .join(", ");
            // Already in the database?
            let sql = format!("SELECT external_id FROM persons WHERE external_id IN ({list})");
            let mut q = sqlx::query(&sql);
            for id in &ids {
                q = q.bind(*id);
            }
            if let Some(row) = q.fetch_optional(&mut *tx).await.map_err(|e| at(e.into()))? {
                let id: String = row.try_get("external_id").map_err(|e| at(e.into()))?;
                let i = seen[id.as_str()];
                return Err((
                    i,
                    StoreError::Duplicate {
                        entity: "person",
                        field: "external_id",
                        value: id,
                    },
                ));
            }
            let values = values_sql(self.backend, chunk.len(), 9, ", 1");
            let sql = format!(
                "INSERT INTO persons (external_id, names, search, sex, birth, death, death_place, sources, status, version) VALUES {values}"
            );
            let mut q = sqlx::query(&sql);
            for p in chunk {
                q = q
                    .bind(p.external_id.trim())
                    .bind(json(&p.names))
                    .bind(search_text(&p.names))
                    .bind(p.sex.as_str())
                    .bind(p.birth.map(|d| d.to_string()))
                    .bind(p.death.map(|d| d.to_string()))
                    .bind(p.death_place.as_ref().map(json))
                    .bind(json(&p.sources))
                    .bind(PersonStatus::Missing.as_str());
            }
            q.execute(&mut *tx).await.map_err(|e| at(e.into()))?;
            let sql = format!("SELECT id, external_id FROM persons WHERE external_id IN ({list})");
            let mut q = sqlx::query(&sql);
            for id in &ids {
                q = q.bind(*id);
            }
            let mut by_external: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
            for row in q.fetch_all(&mut *tx).await.map_err(|e| at(e.into()))? {
                by_external.insert(
                    row.try_get("external_id").map_err(|e| at(e.into()))?,
                    row.try_get("id").map_err(|e| at(e.into()))?,
                );
            }
            for p in chunk {
                let id = by_external[p.external_id.trim()];
                created.push(Person {
                    id,
                    data: p.clone(),
                    status: PersonStatus::Missing,
                    version: 1,
                });
            }
        }
        let entries: Vec<AuditRecord> = created
            .iter()
            .map(|p| AuditRecord {
                action: "create",
                entity: "person",
                entity_id: p.id.to_string(),
                before: None,
                after: Some(json(p)),
            })
            .collect();
        Self::audit_many(&mut tx, self.backend, actor, &entries)
            .await
            .map_err(|e| (persons.len(), e))?;
        tx.commit().await.map_err(|e| (persons.len(), e.into()))?;
        Ok(persons.len())
    }

    /// Appends many audit entries in one go: the head is taken once, the chain computed in memory,
    /// the rows written in multi-row INSERTs.
    pub(crate) async fn audit_many(
        tx: &mut Transaction<'_, Any>,
        backend: Backend,
        actor: &str,
        records: &[AuditRecord],
    ) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let head = sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut **tx)
            .await?;
        let mut seq: i64 = head.try_get("seq")?;
        let mut prev_hash: String = head.try_get("hash")?;
        let at = now_utc();
        let mut entries = Vec::with_capacity(records.len());
        for r in records {
            seq += 1;
            let mut e = AuditEntry {
                seq,
                at: at.clone(),
                actor: actor.to_owned(),
                action: r.action.to_owned(),
                entity: r.entity.to_owned(),
                entity_id: r.entity_id.clone(),
                before: r.before.clone(),
                after: r.after.clone(),
                prev_hash: prev_hash.clone(),
                hash: String::new(),
            };
            e.hash = e.compute_hash();
            prev_hash = e.hash.clone();
            entries.push(e);
        }
        for chunk in entries.chunks(backend.batch_rows(10)) {
            let values = (0..chunk.len())
                .map(|k| {
                    let cols: Vec<String> = (1..=10).map(|c| backend.param(k * 10 + c)).collect();
                    format!("({})", cols.join(", "))
                })
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO audit (seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash) VALUES {values}"
            );
            let mut q = sqlx::query(&sql);
            for e in chunk {
                q = q
                    .bind(e.seq)
                    .bind(&e.at)
                    .bind(&e.actor)
                    .bind(&e.action)
                    .bind(&e.entity)
                    .bind(&e.entity_id)
                    .bind(&e.before)
                    .bind(&e.after)
                    .bind(&e.prev_hash)
                    .bind(&e.hash);
            }
            q.execute(&mut **tx).await?;
        }
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(&prev_hash)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    fn person_from_row(row: &AnyRow) -> Result<Person, StoreError> {
        let corrupt = |what: &str, e: &dyn std::fmt::Display| StoreError::Corrupt(format!("person {what}: {e}"));
        let names: String = row.try_get("names")?;
        let sources: String = row.try_get("sources")?;
        let place: Option<String> = row.try_get("death_place")?;
        let birth: Option<String> = row.try_get("birth")?;
        let death: Option<String> = row.try_get("death")?;
        let sex: String = row.try_get("sex")?;
        let status: String = row.try_get("status")?;
        Ok(Person {
            id: row.try_get("id")?,
            data: NewPerson {
                external_id: row.try_get("external_id")?,
                names: serde_json::from_str(&names).map_err(|e| corrupt("names", &e))?,
                sex: sex.parse().map_err(|e: String| corrupt("sex", &e))?,
                birth: birth
                    .map(|b| b.parse())
                    .transpose()
                    .map_err(|e: String| corrupt("birth", &e))?,
                death: death
                    .map(|d| d.parse())
                    .transpose()
                    .map_err(|e: String| corrupt("death", &e))?,
                death_place: place
                    .map(|p| serde_json::from_str::<Place>(&p))
                    .transpose()
                    .map_err(|e| corrupt("death_place", &e))?,
                sources: serde_json::from_str(&sources).map_err(|e| corrupt("sources", &e))?,
            },
            status: status.parse().map_err(|e: String| corrupt("status", &e))?,
            version: row.try_get("version")?,
        })
    }

    const PERSON_COLUMNS: &'static str =
        "id, external_id, names, sex, birth, death, death_place, sources, status, version";

    pub async fn get_person(&self, id: i64) -> Result<Option<Person>, StoreError> {
        let sql = format!("SELECT {} FROM persons WHERE id = $1", Self::PERSON_COLUMNS);
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(Self::person_from_row).transpose()
    }

    /// The ids of the persons with these external ids (a bulk look-up; unknown ids are left out).
    pub async fn person_ids_by_external_id(
        &self,
        external_ids: &[&str],
    ) -> Result<std::collections::HashMap<String, i64>, StoreError> {
        let keys: Vec<Key> = external_ids.iter().map(|k| Key::Text(k)).collect();
        let mut conn = self.pool.acquire().await?;
        let sql = "SELECT id, external_id FROM persons WHERE external_id IN ({in})";
        rows_in(&mut conn, self.backend, sql, &keys)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("external_id")?, r.try_get("id")?)))
            .collect()
    }

    pub async fn get_person_by_external_id(&self, external_id: &str) -> Result<Option<Person>, StoreError> {
        let sql = format!("SELECT {} FROM persons WHERE external_id = $1", Self::PERSON_COLUMNS);
        let row = sqlx::query(&sql).bind(external_id).fetch_optional(&self.pool).await?;
        row.as_ref().map(Self::person_from_row).transpose()
    }

    /// Persons whose name in any script contains `query` (case-insensitive), by id.
    pub async fn search_persons(
        &self,
        query: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Person>, StoreError> {
        let rows = match query.map(str::trim).filter(|q| !q.is_empty()) {
            Some(q) => {
                let pattern = format!(
                    "%{}%",
                    q.to_lowercase()
                        .replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_")
                );
                let sql = format!(
                    "SELECT {} FROM persons WHERE search LIKE $1 ESCAPE '\\' ORDER BY id LIMIT $2 OFFSET $3",
                    Self::PERSON_COLUMNS
                );
                sqlx::query(&sql)
                    .bind(pattern)
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                let sql = format!(
                    "SELECT {} FROM persons ORDER BY id LIMIT $1 OFFSET $2",
                    Self::PERSON_COLUMNS
                );
                sqlx::query(&sql).bind(limit).bind(offset).fetch_all(&self.pool).await?
            }
        };
        rows.iter().map(Self::person_from_row).collect()
    }

    pub async fn count_persons(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM persons")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }

    /// How many persons have each status (statuses with none are left out).
    pub async fn count_persons_by_status(&self) -> Result<Vec<(PersonStatus, i64)>, StoreError> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM persons GROUP BY status")
            .fetch_all(&self.pool)
            .await?;
        let mut out = rows
            .iter()
            .map(|r| {
                let s: String = r.try_get("status")?;
                Ok((s.parse::<PersonStatus>().map_err(StoreError::Corrupt)?, r.try_get("n")?))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort();
        Ok(out)
    }

    /// Replaces a person's data if nobody changed it since `expected_version`.
    pub async fn update_person(
        &self,
        actor: &str,
        id: i64,
        expected_version: i64,
        p: &NewPerson,
    ) -> Result<Person, StoreError> {
        p.check()?;
        let mut tx = self.begin_write().await?;
        let before = Self::locked_person(&mut tx, id, expected_version).await?;
        let result = sqlx::query(
            "UPDATE persons SET external_id = $1, names = $2, search = $3, sex = $4, birth = $5, death = $6, \
             death_place = $7, sources = $8, version = version + 1 WHERE id = $9 AND version = $10",
        )
        .bind(p.external_id.trim())
        .bind(json(&p.names))
        .bind(search_text(&p.names))
        .bind(p.sex.as_str())
        .bind(p.birth.map(|d| d.to_string()))
        .bind(p.death.map(|d| d.to_string()))
        .bind(p.death_place.as_ref().map(json))
        .bind(json(&p.sources))
        .bind(id)
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .map_err(duplicate("person", "external_id", &p.external_id))?;
        if result.rows_affected() != 1 {
            return Err(StoreError::Conflict {
                entity: "person",
                id,
                expected: expected_version,
                actual: -1,
            });
        }
        let after = Person {
            id,
            data: p.clone(),
            status: before.status,
            version: expected_version + 1,
        };
        Self::audit(
            &mut tx,
            actor,
            "update",
            "person",
            &id.to_string(),
            Some(&json(&before)),
            Some(&json(&after)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Reads a person inside `tx`, checking the version.
    async fn locked_person(
        tx: &mut Transaction<'_, Any>,
        id: i64,
        expected_version: i64,
    ) -> Result<Person, StoreError> {
        let sql = format!("SELECT {} FROM persons WHERE id = $1", Self::PERSON_COLUMNS);
        let row = sqlx::query(&sql).bind(id).fetch_optional(&mut **tx).await?;
        let person = row
            .as_ref()
            .map(Self::person_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound {
                entity: "person",
                id: id.to_string(),
            })?;
        if person.version != expected_version {
            return Err(StoreError::Conflict {
                entity: "person",
                id,
                expected: expected_version,
                actual: person.version,
            });
        }
        Ok(person)
    }

    /// Moves many persons' statuses forward in one transaction (bulk loads such as a survey's list
    /// of located graves): all of them, or none if any is unknown or would move backwards (the
    /// error names its position in `changes`). Each change is recorded as [`Store::advance_status`]
    /// records it.
    pub async fn advance_statuses(
        &self,
        actor: &str,
        changes: &[(i64, PersonStatus, String)],
    ) -> Result<usize, (usize, StoreError)> {
        for (i, (_, _, reason)) in changes.iter().enumerate() {
            if reason.trim().is_empty() {
                return Err((i, FieldError::new("reason", "a status change needs a reason").into()));
            }
        }
        let mut tx = self.begin_write().await.map_err(|e| (0, e))?;
        for (i, (id, to, reason)) in changes.iter().enumerate() {
            let row = sqlx::query("SELECT status FROM persons WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| (i, e.into()))?
                .ok_or((
                    i,
                    StoreError::NotFound {
                        entity: "person",
                        id: id.to_string(),
                    },
                ))?;
            let from: String = row.try_get("status").map_err(|e| (i, e.into()))?;
            let from: PersonStatus = from.parse().map_err(|e: String| (i, StoreError::Corrupt(e)))?;
            if *to <= from {
                return Err((
                    i,
                    StoreError::BackwardStatus {
                        from: from.as_str(),
                        to: to.as_str(),
                    },
                ));
            }
            Self::move_person_status(&mut tx, actor, *id, None, from, *to, reason.trim())
                .await
                .map_err(|e| (i, e))?;
        }
        tx.commit().await.map_err(|e| (changes.len(), e.into()))?;
        Ok(changes.len())
    }

    /// Moves a person's status forward, with the reason, recorded in the status history.
    pub async fn advance_status(
        &self,
        actor: &str,
        id: i64,
        expected_version: i64,
        to: PersonStatus,
        reason: &str,
    ) -> Result<Person, StoreError> {
        if reason.trim().is_empty() {
            return Err(FieldError::new("reason", "a status change needs a reason").into());
        }
        let mut tx = self.begin_write().await?;
        let before = Self::locked_person(&mut tx, id, expected_version).await?;
        if to <= before.status {
            return Err(StoreError::BackwardStatus {
                from: before.status.as_str(),
                to: to.as_str(),
            });
        }
        Self::move_person_status(
            &mut tx,
            actor,
            id,
            Some(expected_version),
            before.status,
            to,
            reason.trim(),
        )
        .await?;
        let after = Person {
            status: to,
            version: expected_version + 1,
            ..before.clone()
        };
        tx.commit().await?;
        Ok(after)
    }

    /// Moves a person's status inside `tx`: the row (guarded by `expected_version` when given), the
    /// history with its reason, and the audit entry. Callers check the direction.
    pub(crate) async fn move_person_status(
        tx: &mut Transaction<'_, Any>,
        actor: &str,
        person_id: i64,
        expected_version: Option<i64>,
        from: PersonStatus,
        to: PersonStatus,
        reason: &str,
    ) -> Result<(), StoreError> {
        let result = match expected_version {
            Some(v) => {
                sqlx::query("UPDATE persons SET status = $1, version = version + 1 WHERE id = $2 AND version = $3")
                    .bind(to.as_str())
                    .bind(person_id)
                    .bind(v)
                    .execute(&mut **tx)
                    .await?
            }
            None => {
                sqlx::query("UPDATE persons SET status = $1, version = version + 1 WHERE id = $2")
                    .bind(to.as_str())
                    .bind(person_id)
                    .execute(&mut **tx)
                    .await?
            }
        };
        if result.rows_affected() != 1 {
            return Err(StoreError::Conflict {
                entity: "person",
                id: person_id,
                expected: expected_version.unwrap_or(-1),
                actual: -1,
            });
        }
        sqlx::query(
            "INSERT INTO person_status_history (person_id, from_status, to_status, reason, actor, at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(person_id)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(reason)
        .bind(actor)
        .bind(now_utc())
        .execute(&mut **tx)
        .await?;
        let change = serde_json::json!({ "status": to.as_str(), "reason": reason }).to_string();
        Self::audit(
            tx,
            actor,
            "status",
            "person",
            &person_id.to_string(),
            Some(from.as_str()),
            Some(&change),
        )
        .await
    }

    /// The latest status changes of any person, newest first: (person id, from, to, reason, actor, at).
    pub async fn recent_status_changes(
        &self,
        limit: i64,
    ) -> Result<Vec<(i64, PersonStatus, PersonStatus, String, String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT person_id, from_status, to_status, reason, actor, at FROM person_status_history \
             ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let (from, to, reason, actor, at) = Self::status_change_from_row(r)?;
                Ok((r.try_get("person_id")?, from, to, reason, actor, at))
            })
            .collect()
    }

    fn status_change_from_row(r: &AnyRow) -> Result<(PersonStatus, PersonStatus, String, String, String), StoreError> {
        let from: String = r.try_get("from_status")?;
        let to: String = r.try_get("to_status")?;
        let bad = |e: String| StoreError::Corrupt(format!("status history: {e}"));
        Ok((
            from.parse().map_err(bad)?,
            to.parse().map_err(bad)?,
            r.try_get("reason")?,
            r.try_get("actor")?,
            r.try_get("at")?,
        ))
    }

    /// A person's status changes, oldest first: (from, to, reason, actor, at).
    pub async fn status_history(
        &self,
        id: i64,
    ) -> Result<Vec<(PersonStatus, PersonStatus, String, String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT from_status, to_status, reason, actor, at FROM person_status_history WHERE person_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::status_change_from_row).collect()
    }

    // ---- sites ----

    const SITE_COLUMNS: &'static str =
        "id, external_id, names, lat, lon, precision_m, status, estimated_count, notes, relocated_to, version";

    fn site_from_row(row: &AnyRow) -> Result<Site, StoreError> {
        let names: String = row.try_get("names")?;
        let status: String = row.try_get("status")?;
        let lat: Option<f64> = row.try_get("lat")?;
        let lon: Option<f64> = row.try_get("lon")?;
        let count: Option<i64> = row.try_get("estimated_count")?;
        let coordinates = match (lat, lon) {
            (Some(lat), Some(lon)) => Some(Coordinates {
                lat,
                lon,
                precision_m: row.try_get("precision_m")?,
            }),
            _ => None,
        };
        Ok(Site {
            id: row.try_get("id")?,
            data: NewSite {
                external_id: row.try_get("external_id")?,
                names: serde_json::from_str(&names).map_err(|e| StoreError::Corrupt(format!("site names: {e}")))?,
                coordinates,
                status: status.parse::<SiteStatus>().map_err(StoreError::Corrupt)?,
                estimated_count: count.map(|c| c.clamp(0, u32::MAX as i64) as u32),
                notes: row.try_get("notes")?,
            },
            relocated_to: row.try_get("relocated_to")?,
            version: row.try_get("version")?,
        })
    }

    async fn insert_site(tx: &mut Transaction<'_, Any>, actor: &str, s: &NewSite) -> Result<Site, StoreError> {
        s.check()?;
        let row = sqlx::query(
            "INSERT INTO sites (external_id, names, search, lat, lon, precision_m, status, estimated_count, notes, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) RETURNING id",
        )
        .bind(s.external_id.trim())
        .bind(json(&s.names))
        .bind(search_text(&s.names))
        .bind(s.coordinates.map(|c| c.lat))
        .bind(s.coordinates.map(|c| c.lon))
        .bind(s.coordinates.and_then(|c| c.precision_m))
        .bind(s.status.as_str())
        .bind(s.estimated_count.map(i64::from))
        .bind(&s.notes)
        .fetch_one(&mut **tx)
        .await
        .map_err(duplicate("site", "external_id", &s.external_id))?;
        let id: i64 = row.try_get("id")?;
        let site = Site {
            id,
            data: s.clone(),
            relocated_to: None,
            version: 1,
        };
        Self::audit(tx, actor, "create", "site", &id.to_string(), None, Some(&json(&site))).await?;
        Ok(site)
    }

    pub async fn create_site(&self, actor: &str, s: &NewSite) -> Result<Site, StoreError> {
        let mut tx = self.begin_write().await?;
        let site = Self::insert_site(&mut tx, actor, s).await?;
        tx.commit().await?;
        Ok(site)
    }

    /// Imports sites in one transaction: all of them, or none if any is rejected (the error carries
    /// the index of the first bad site). Sites are few, so each is one INSERT inside the transaction.
    pub async fn import_sites(&self, actor: &str, sites: &[NewSite]) -> Result<usize, (usize, StoreError)> {
        let mut tx = self.begin_write().await.map_err(|e| (0, e))?;
        for (i, s) in sites.iter().enumerate() {
            Self::insert_site(&mut tx, actor, s).await.map_err(|e| (i, e))?;
        }
        tx.commit().await.map_err(|e| (sites.len(), e.into()))?;
        Ok(sites.len())
    }

    pub async fn get_site(&self, id: i64) -> Result<Option<Site>, StoreError> {
        let sql = format!("SELECT {} FROM sites WHERE id = $1", Self::SITE_COLUMNS);
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(Self::site_from_row).transpose()
    }

    pub async fn list_sites(&self) -> Result<Vec<Site>, StoreError> {
        let sql = format!("SELECT {} FROM sites ORDER BY id", Self::SITE_COLUMNS);
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(Self::site_from_row).collect()
    }

    /// Records that the graves of site `id` were moved to site `to` (status becomes relocated).
    pub async fn relocate_site(
        &self,
        actor: &str,
        id: i64,
        expected_version: i64,
        to: i64,
    ) -> Result<Site, StoreError> {
        if id == to {
            return Err(FieldError::new("relocated_to", "a site cannot be relocated to itself").into());
        }
        let mut tx = self.begin_write().await?;
        let sql = format!("SELECT {} FROM sites WHERE id = $1", Self::SITE_COLUMNS);
        let before = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .as_ref()
            .map(Self::site_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound {
                entity: "site",
                id: id.to_string(),
            })?;
        if before.version != expected_version {
            return Err(StoreError::Conflict {
                entity: "site",
                id,
                expected: expected_version,
                actual: before.version,
            });
        }
        let target = sqlx::query("SELECT id FROM sites WHERE id = $1")
            .bind(to)
            .fetch_optional(&mut *tx)
            .await?;
        if target.is_none() {
            return Err(StoreError::NotFound {
                entity: "site",
                id: to.to_string(),
            });
        }
        let result = sqlx::query(
            "UPDATE sites SET relocated_to = $1, status = $2, version = version + 1 WHERE id = $3 AND version = $4",
        )
        .bind(to)
        .bind(SiteStatus::Relocated.as_str())
        .bind(id)
        .bind(expected_version)
        .execute(&mut *tx)
        .await?;
        if result.rows_affected() != 1 {
            return Err(StoreError::Conflict {
                entity: "site",
                id,
                expected: expected_version,
                actual: -1,
            });
        }
        let mut after = before.clone();
        after.relocated_to = Some(to);
        after.data.status = SiteStatus::Relocated;
        after.version += 1;
        Self::audit(
            &mut tx,
            actor,
            "relocate",
            "site",
            &id.to_string(),
            Some(&json(&before)),
            Some(&json(&after)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    // ---- audit ----

    /// The audit entries from `after_seq` on, at most `limit`.
    pub async fn audit_entries(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash FROM audit \
             WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Self::audit_rows(&rows)
    }

    /// The latest `limit` audit entries, newest first: recent activity.
    pub async fn recent_audit(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash FROM audit \
             ORDER BY seq DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Self::audit_rows(&rows)
    }

    fn audit_rows(rows: &[AnyRow]) -> Result<Vec<AuditEntry>, StoreError> {
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    seq: r.try_get("seq")?,
                    at: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    entity: r.try_get("entity")?,
                    entity_id: r.try_get("entity_id")?,
                    before: r.try_get("before")?,
                    after: r.try_get("after")?,
                    prev_hash: r.try_get("prev_hash")?,
                    hash: r.try_get("hash")?,
                })
            })
            .collect()
    }

    /// Walks the whole chain: each entry's hash recomputed, each link to the previous hash, no gap
    /// in the sequence, and the head at the last entry.
    pub async fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        let mut prev_hash = GENESIS_HASH.to_owned();
        let mut expected_seq = 1;
        let mut entries = 0u64;
        let mut after = 0;
        loop {
            let batch = self.audit_entries(after, 5000).await?;
            if batch.is_empty() {
                break;
            }
            for e in &batch {
                let broken = if e.seq != expected_seq {
                    Some(format!("sequence jumps from {} to {}", expected_seq - 1, e.seq))
                } else if e.prev_hash != prev_hash {
                    Some("does not link to the previous entry".to_owned())
                } else if e.compute_hash() != e.hash {
                    Some("its content does not match its hash (altered)".to_owned())
                } else {
                    None
                };
                if let Some(why) = broken {
                    return Ok(AuditReport {
                        entries,
                        first_broken: Some((e.seq, why)),
                    });
                }
                prev_hash = e.hash.clone();
                expected_seq += 1;
                entries += 1;
                after = e.seq;
            }
        }
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        let (head_seq, head_hash): (i64, String) = (head.try_get("seq")?, head.try_get("hash")?);
        if head_seq != expected_seq - 1 || head_hash != prev_hash {
            return Ok(AuditReport {
                entries,
                first_broken: Some((expected_seq, "entries after this point were removed".to_owned())),
            });
        }
        Ok(AuditReport {
            entries,
            first_broken: None,
        })
    }
}
