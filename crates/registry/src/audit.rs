//! The audit chain: every write appends an entry whose SHA-256 covers the previous entry's hash and
//! every field, so that [`Store::verify_audit`] finds the first entry altered, inserted or removed.
//! Entries are appended one at a time ([`Store::audit`]) or, for bulk imports, chained in memory and
//! written in multi-row INSERTs ([`Store::audit_many`]).

use sha2::{Digest, Sha256};
use sqlx::{Any, Transaction};

use crate::backend::Backend;
use crate::store::{Store, StoreError};
use crate::support::records;
use crate::time::now_utc;

/// The hash before the first audit entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";


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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
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

impl Store {
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
        let (seq, prev_hash): (i64, String) =
            sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                .fetch_one(&mut **tx)
                .await?;
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

    /// Appends the audit entry of a record just created inside `tx`: nothing before, the record (or
    /// the view of it the audit log may hold) after.
    pub(crate) async fn audit_created(
        tx: &mut Transaction<'_, Any>,
        actor: &str,
        entity: &str,
        id: i64,
        after: &str,
    ) -> Result<(), StoreError> {
        Self::audit(tx, actor, "create", entity, &id.to_string(), None, Some(after)).await
    }

    /// Records a read of sensitive data (genetic data, family contacts) in the audit chain.
    pub async fn audit_read(&self, actor: &str, entity: &str, entity_id: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        Self::audit(&mut tx, actor, "read", entity, entity_id, None, None).await?;
        tx.commit().await?;
        Ok(())
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
        let (mut seq, mut prev_hash): (i64, String) =
            sqlx::query_as("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
                .fetch_one(&mut **tx)
                .await?;
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
        records("audit entry", &rows)
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
        records("audit entry", &rows)
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
        let (head_seq, head_hash): (i64, String) = sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
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
