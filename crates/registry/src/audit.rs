//! The audit chain: every write appends an entry whose SHA-256 covers the previous entry's hash and
//! every field, so that [`Store::verify_audit`] finds the first entry altered, inserted or removed.
//! Entries are appended one at a time ([`Store::audit`]) or, for bulk imports, chained in memory and
//! written in multi-row INSERTs ([`Store::audit_many`]).
//!
//! The SHA-256 chain alone can be recomputed by anyone who can write the database. So, when the
//! store has the registry's key ([`Store::with_audit_key`]), every entry is also signed: an
//! HMAC-SHA256 of its sequence number and hash under a key that is kept outside the database
//! (`audit_macs`). The key's public id and the first entry it signs are recorded (`audit_keys`);
//! earlier entries predate the key. Triggers make the three tables append-only, and the head is
//! written outside the database too ([`AuditAnchor`], kept by the application in a file), so that
//! cutting the tail and moving the head back is found as well.

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use sqlx::{Any, Transaction};

use crate::backend::Backend;
use crate::secret::SecretKey;
use crate::store::{Store, StoreError};
use crate::support::records;
use crate::time::now_utc;

/// The hash before the first audit entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";


/// The audit chain checked from the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// Entries that hold, up to the first broken one.
    pub entries: u64,
    /// The first entry whose hash, link or signature does not hold (or where the anchor and the
    /// database disagree), with what is wrong.
    pub first_broken: Option<(i64, String)>,
    /// How the signatures were checked.
    pub signatures: SignatureCheck,
    /// Every sealed record that disagrees with its last audit entry ([`Store::verify_records`]).
    pub records: Vec<crate::seals::RecordProblem>,
}

impl AuditReport {
    /// Whether the chain and every record hold.
    pub fn holds(&self) -> bool {
        self.first_broken.is_none() && self.records.is_empty()
    }
}

/// What [`Store::verify_audit`] could say of the entries' signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureCheck {
    /// The chain was never signed: no key has been registered with this database.
    Unsigned,
    /// Every entry from `from_seq` on was checked against its MAC under the key `key_id`; earlier
    /// entries predate the key and hold by the SHA-256 chain alone.
    Checked { key_id: String, from_seq: i64 },
    /// The chain is signed with `key_id` from `from_seq` on, but the store has no key: only the
    /// SHA-256 chain was checked.
    NoKey { key_id: String, from_seq: i64 },
}

/// The audit head as written outside the database: the last entry's sequence number and hash
/// when it was written, the key the chain is signed with and the first entry it signs, and a MAC
/// over all of it. A database whose entry `seq` has another hash, or that ends before `seq`, was
/// rewritten or cut after the anchor was written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditAnchor {
    pub seq: i64,
    pub hash: String,
    pub key_id: String,
    pub signed_from: i64,
    pub written_at: String,
    pub mac: String,
}

impl AuditAnchor {
    fn message(&self) -> Vec<u8> {
        format!(
            "homeward audit anchor\n{}\n{}\n{}\n{}\n{}",
            self.seq, self.hash, self.key_id, self.signed_from, self.written_at
        )
        .into_bytes()
    }

    /// Whether the anchor's MAC holds under `key`.
    pub fn is_signed_by(&self, key: &SecretKey) -> bool {
        key.verify_hex(&self.message(), &self.mac)
    }
}

/// Writes `entries` (chained already) in multi-row INSERTs inside `tx`.
pub(crate) async fn insert_entries(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    entries: &[AuditEntry],
) -> Result<(), StoreError> {
    for chunk in entries.chunks(backend.batch_rows(11)) {
        let values = crate::backend::values_sql(backend, chunk.len(), 11, "");
        let sql = format!(
            "INSERT INTO audit (seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash, \
             content_hash) VALUES {values}"
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
                .bind(&e.hash)
                .bind(&e.content_hash);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// What an entry's MAC covers: its place and its hash (which covers every field and the chain).
fn entry_mac_message(seq: i64, hash: &str) -> Vec<u8> {
    format!("homeward audit entry\n{seq}\n{hash}").into_bytes()
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
    /// The SHA-256 of the record's content as this change left it (`seals.rs`): `None` for reads,
    /// records that are not sealed, and entries older than the seals.
    pub content_hash: Option<String>,
}

impl AuditEntry {
    /// SHA-256 over the previous hash and every field, as a JSON array so that no two different
    /// entries share an encoding.
    pub(crate) fn compute_hash(&self) -> String {
        let mut fields = serde_json::json!([
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
        // Entries older than the seals hash as they always did.
        if let (Some(seal), Some(list)) = (&self.content_hash, fields.as_array_mut()) {
            list.push(seal.as_str().into());
        }
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
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn audit(
        &self,
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
        let content_hash = self.seal_in(tx, action, entity, entity_id).await?;
        let mut entry = AuditEntry {
            content_hash,
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
        insert_entries(tx, self.backend, std::slice::from_ref(&entry)).await?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(&entry.hash)
            .execute(&mut **tx)
            .await?;
        self.sign_entries(tx, &[(entry.seq, entry.hash.as_str())]).await
    }

    /// The seals of `records`, about to be appended inside `tx`: one batched read per sealed kind.
    async fn seals_of(
        &self,
        tx: &mut Transaction<'_, Any>,
        records: &[AuditRecord],
    ) -> Result<Vec<Option<String>>, StoreError> {
        let mut by_kind: Vec<(&'static crate::seals::Sealed, Vec<i64>)> = Vec::new();
        for r in records.iter().filter(|r| r.action != "read") {
            if let (Some(sealed), Ok(id)) = (crate::seals::sealed_for(r.entity), r.entity_id.parse::<i64>()) {
                match by_kind.iter_mut().find(|(s, _)| std::ptr::eq(*s, sealed)) {
                    Some((_, ids)) => ids.push(id),
                    None => by_kind.push((sealed, vec![id])),
                }
            }
        }
        let mut hashes = HashMap::new();
        for (sealed, ids) in by_kind {
            for (id, hash) in crate::seals::content_hashes(tx, self.backend, sealed, &ids).await? {
                hashes.insert((sealed.table, id), hash);
            }
        }
        Ok(records
            .iter()
            .map(|r| {
                let sealed = crate::seals::sealed_for(r.entity).filter(|_| r.action != "read")?;
                let id = r.entity_id.parse::<i64>().ok()?;
                hashes.get(&(sealed.table, id)).cloned()
            })
            .collect())
    }

    /// Writes the MACs of entries just appended inside `tx`, when the store has the key.
    async fn sign_entries(&self, tx: &mut Transaction<'_, Any>, entries: &[(i64, &str)]) -> Result<(), StoreError> {
        let Some(key) = &self.audit_key else {
            return Ok(());
        };
        for chunk in entries.chunks(self.backend.batch_rows(2)) {
            let sql = format!(
                "INSERT INTO audit_macs (seq, mac) VALUES {}",
                crate::backend::values_sql(self.backend, chunk.len(), 2, "")
            );
            let mut q = sqlx::query(&sql);
            for (seq, hash) in chunk {
                q = q.bind(*seq).bind(key.hmac_hex(&entry_mac_message(*seq, hash)));
            }
            q.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Appends the audit entry of a record just created inside `tx`: nothing before, the record (or
    /// the view of it the audit log may hold) after.
    pub(crate) async fn audit_created(
        &self,
        tx: &mut Transaction<'_, Any>,
        actor: &str,
        entity: &str,
        id: i64,
        after: &str,
    ) -> Result<(), StoreError> {
        self.audit(tx, actor, "create", entity, &id.to_string(), None, Some(after))
            .await
    }

    /// Records a read of sensitive data (genetic data, family contacts) in the audit chain.
    pub async fn audit_read(&self, actor: &str, entity: &str, entity_id: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        self.audit(&mut tx, actor, "read", entity, entity_id, None, None).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Appends many audit entries in one go: the head is taken once, the chain computed in memory,
    /// the rows written in multi-row INSERTs.
    pub(crate) async fn audit_many(
        &self,
        tx: &mut Transaction<'_, Any>,
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
        let seals = self.seals_of(tx, records).await?;
        let mut entries = Vec::with_capacity(records.len());
        for (r, content_hash) in records.iter().zip(seals) {
            seq += 1;
            let mut e = AuditEntry {
                content_hash,
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
        insert_entries(tx, self.backend, &entries).await?;
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(&prev_hash)
            .execute(&mut **tx)
            .await?;
        let signed: Vec<(i64, &str)> = entries.iter().map(|e| (e.seq, e.hash.as_str())).collect();
        self.sign_entries(tx, &signed).await
    }


    /// The audit entries from `after_seq` on, at most `limit`.
    pub async fn audit_entries(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash, content_hash FROM audit \
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
            "SELECT seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash, content_hash FROM audit \
             ORDER BY seq DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        records("audit entry", &rows)
    }

    /// The store, signing every entry it appends from now on with `key`. The first time a key is
    /// used with a database, its id and the next sequence number are recorded; a database signed
    /// with another key is refused ([`StoreError::KeyMismatch`]) rather than signed with two.
    pub async fn with_audit_key(mut self, key: SecretKey) -> Result<Store, StoreError> {
        let mut tx = self.begin_write().await?;
        match self.signing_key_in(&mut tx).await? {
            Some((registered, _)) if registered != key.id() => {
                return Err(StoreError::KeyMismatch {
                    registered,
                    given: key.id(),
                })
            }
            Some(_) => {}
            None => {
                let (head,): (i64,) = sqlx::query_as("SELECT seq FROM audit_head WHERE id = 1")
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO audit_keys (key_id, from_seq, at) VALUES ($1, $2, $3)")
                    .bind(key.id())
                    .bind(head + 1)
                    .bind(now_utc())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        self.audit_key = Some(key);
        Ok(self)
    }

    /// The store with `key` to check signatures by, without recording the key with a database
    /// that has none: for `audit verify`, which must not sign what it was asked to check.
    pub fn checking_with(mut self, key: SecretKey) -> Store {
        self.audit_key = Some(key);
        self
    }

    /// The digest of a profile (its stored JSON) that the registry keeps where the genotypes
    /// must not be: in audit entries, in the evidence of identifications, in the tombstone of a
    /// withdrawn reference. Under the registry's key it is an HMAC (`hmac-sha256:HEX`), so that
    /// someone holding a copy of the genotypes but not the key cannot confirm they were here; a
    /// store without a key keeps the plain SHA-256 (`HEX`).
    pub(crate) fn profile_digest(&self, profile_json: &str) -> String {
        match &self.audit_key {
            Some(key) => format!("hmac-sha256:{}", key.hmac_hex(profile_json.as_bytes())),
            None => sha256_hex(profile_json),
        }
    }

    /// The key the chain is signed with and the first entry it signs, if any.
    async fn signing_key_in(&self, tx: &mut Transaction<'_, Any>) -> Result<Option<(String, i64)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT key_id, from_seq FROM audit_keys ORDER BY from_seq LIMIT 1")
                .fetch_optional(&mut **tx)
                .await?,
        )
    }

    /// The anchor to write outside the database now: the head, signed. `None` without a key.
    pub async fn audit_anchor(&self) -> Result<Option<AuditAnchor>, StoreError> {
        let Some(key) = &self.audit_key else {
            return Ok(None);
        };
        let mut tx = self.pool.begin().await?;
        let (seq, hash): (i64, String) = sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let (key_id, signed_from) = self
            .signing_key_in(&mut tx)
            .await?
            .ok_or_else(|| StoreError::Corrupt("the audit key's record is missing".to_owned()))?;
        tx.commit().await?;
        let mut anchor = AuditAnchor {
            seq,
            hash,
            key_id,
            signed_from,
            written_at: now_utc(),
            mac: String::new(),
        };
        anchor.mac = key.hmac_hex(&anchor.message());
        Ok(Some(anchor))
    }

    /// Walks the whole chain: each entry's hash recomputed, each link to the previous hash, no gap
    /// in the sequence, each signature (when the store has the key), and the head at the last
    /// entry. Without an anchor to compare with, a tail cut off with the head moved back cannot be
    /// told from a shorter log: see [`Store::verify_audit_against`].
    pub async fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        self.verify_audit_against(None).await
    }

    /// [`Store::verify_audit`], and the chain compared with an anchor written outside the database
    /// (its MAC, its key, the entry it names).
    pub async fn verify_audit_against(&self, anchor: Option<&AuditAnchor>) -> Result<AuditReport, StoreError> {
        let mut tx = self.pool.begin().await?;
        let registered = self.signing_key_in(&mut tx).await?;
        tx.commit().await?;
        let signatures = match (&registered, &self.audit_key) {
            (None, _) => SignatureCheck::Unsigned,
            (Some((key_id, from_seq)), Some(_)) => SignatureCheck::Checked {
                key_id: key_id.clone(),
                from_seq: *from_seq,
            },
            (Some((key_id, from_seq)), None) => SignatureCheck::NoKey {
                key_id: key_id.clone(),
                from_seq: *from_seq,
            },
        };
        let signing = match (&signatures, &self.audit_key) {
            (SignatureCheck::Checked { from_seq, .. }, Some(key)) => Some((*from_seq, key)),
            _ => None,
        };
        let records = self.verify_records().await?;
        let report = |entries: u64, first_broken: Option<(i64, String)>| AuditReport {
            entries,
            first_broken,
            signatures: signatures.clone(),
            records: records.clone(),
        };
        if let (Some(anchor), Some(key)) = (anchor, &self.audit_key) {
            if let Some(why) = anchor_problem(anchor, key, registered.as_ref()) {
                return Ok(report(0, Some((anchor.seq, why))));
            }
        }
        let mut prev_hash = GENESIS_HASH.to_owned();
        let mut expected_seq = 1;
        let mut entries = 0u64;
        let mut after = 0;
        loop {
            let batch = self.signed_entries(after, 5000).await?;
            if batch.is_empty() {
                break;
            }
            for (e, mac) in &batch {
                let broken = if e.seq != expected_seq {
                    Some(format!("sequence jumps from {} to {}", expected_seq - 1, e.seq))
                } else if e.prev_hash != prev_hash {
                    Some("does not link to the previous entry".to_owned())
                } else if e.compute_hash() != e.hash {
                    Some("its content does not match its hash (altered)".to_owned())
                } else {
                    signature_problem(signing, e, mac.as_deref())
                }
                .or_else(|| anchor.and_then(|a| anchored_entry_problem(a, e)));
                if let Some(why) = broken {
                    return Ok(report(entries, Some((e.seq, why))));
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
            return Ok(report(
                entries,
                Some((expected_seq, "entries after this point were removed".to_owned())),
            ));
        }
        if let Some(a) = anchor {
            if a.seq > head_seq {
                return Ok(report(
                    entries,
                    Some((
                        head_seq + 1,
                        format!(
                            "the log ends at entry {head_seq} but the anchor written at {} records entry {}: \
                             entries were removed and the head moved back",
                            a.written_at, a.seq
                        ),
                    )),
                ));
            }
        }
        Ok(report(entries, None))
    }

    /// The entries from `after_seq` on, each with its MAC if it has one.
    async fn signed_entries(&self, after_seq: i64, limit: i64) -> Result<Vec<(AuditEntry, Option<String>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.seq, a.at, a.actor, a.action, a.entity, a.entity_id, a.before, a.after, a.prev_hash, a.hash, \
             a.content_hash, m.mac FROM audit a LEFT JOIN audit_macs m ON m.seq = a.seq WHERE a.seq > $1 ORDER BY a.seq LIMIT $2",
        )
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let entries: Vec<AuditEntry> = records("audit entry", &rows)?;
        rows.iter()
            .zip(entries)
            .map(|(row, e)| Ok((e, sqlx::Row::try_get::<Option<String>, _>(row, "mac")?)))
            .collect()
    }
}

/// What is wrong with entry `e`'s signature, if anything: from the key's first entry on, every
/// entry carries a MAC that verifies under the key.
fn signature_problem(signing: Option<(i64, &SecretKey)>, e: &AuditEntry, mac: Option<&str>) -> Option<String> {
    let (from_seq, key) = signing?;
    if e.seq < from_seq {
        return None;
    }
    match mac {
        None => Some(format!(
            "carries no signature although the log is signed from entry {from_seq} on (removed, or written \
             without the key)"
        )),
        Some(mac) if !key.verify_hex(&entry_mac_message(e.seq, &e.hash), mac) => {
            Some("its signature does not verify under the registry's key (altered, or the chain recomputed)".to_owned())
        }
        Some(_) => None,
    }
}

/// What is wrong with the anchor itself, if anything: its MAC, its key, the key's first entry.
fn anchor_problem(anchor: &AuditAnchor, key: &SecretKey, registered: Option<&(String, i64)>) -> Option<String> {
    if !anchor.is_signed_by(key) {
        return Some("the anchor's signature does not verify under the registry's key (the anchor was altered)".to_owned());
    }
    match registered {
        None => Some(format!(
            "the anchor says the log is signed with key {} from entry {} on, but the database records no key \
             (its signing record was removed)",
            anchor.key_id, anchor.signed_from
        )),
        Some((key_id, from_seq)) if (key_id, *from_seq) != (&anchor.key_id, anchor.signed_from) => Some(format!(
            "the anchor says the log is signed with key {} from entry {} on; the database says key {key_id} from entry {from_seq}",
            anchor.key_id, anchor.signed_from
        )),
        Some(_) => None,
    }
}

/// Whether entry `e` is the one the anchor names, with another hash.
fn anchored_entry_problem(anchor: &AuditAnchor, e: &AuditEntry) -> Option<String> {
    (e.seq == anchor.seq && e.hash != anchor.hash).then(|| {
        format!(
            "its hash differs from the one the anchor written at {} records (the log was rewritten)",
            anchor.written_at
        )
    })
}
