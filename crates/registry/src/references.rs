//! Reference samples: DNA given by a family member to find their missing relative, held only with
//! the donor's consent. Withdrawing consent erases the genotypes in one transaction, keeps a
//! tombstone (the SHA-256 of what was erased, when and why), and flags every identification that
//! rested on the sample. The audit log never holds genotypes, only their hash, so the erasure is
//! complete while the chain still verifies.

use std::collections::HashMap;
use std::fmt;

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Row, Transaction};

use crate::model::{Consent, FieldError, NewReference, Reference, ReferenceProfile, Withdrawal};
use crate::audit::sha256_hex;
use crate::store::{Store, StoreError};
use crate::backend::{first_existing, keep_earliest, rows_in, values_sql, Backend, Key};
use crate::audit::AuditRecord;
use crate::support::json;
use crate::support::{check_version, corrupt, duplicate, not_found, required_text};
use crate::time::now_utc;
use crate::versioned::{row_by_id, Change};

impl ReferenceProfile {
    /// The SHA-256 (hex) of this profile's JSON, as `serde_json` writes it: what the tombstone of a
    /// withdrawn reference keeps.
    pub fn sha256_hex(&self) -> String {
        sha256_hex(&json(self))
    }
}

pub(crate) const REFERENCE_COLUMNS: &str =
    "id, external_id, family_id, donor_member_id, kit, consent_scope, consent_date, \
     withdrawn, withdrawn_at, withdrawal_reason, profile_sha256, version";

pub(crate) fn reference_from_row(row: &AnyRow) -> Result<Reference, StoreError> {
    let bad = |what: &str, e: &dyn fmt::Display| corrupt("reference", what, e);
    let scope: String = row.try_get("consent_scope")?;
    let date: String = row.try_get("consent_date")?;
    let withdrawn: i64 = row.try_get("withdrawn")?;
    let withdrawal = if withdrawn != 0 {
        let at: Option<String> = row.try_get("withdrawn_at")?;
        let reason: Option<String> = row.try_get("withdrawal_reason")?;
        let hash: Option<String> = row.try_get("profile_sha256")?;
        match (at, reason, hash) {
            (Some(at), Some(reason), Some(profile_sha256)) => Some(Withdrawal {
                at,
                reason,
                profile_sha256,
            }),
            _ => return Err(bad("withdrawal", &"withdrawn without a complete tombstone")),
        }
    } else {
        None
    };
    Ok(Reference {
        id: row.try_get("id")?,
        external_id: row.try_get("external_id")?,
        family_id: row.try_get("family_id")?,
        donor_member_id: row.try_get("donor_member_id")?,
        kit: row.try_get("kit")?,
        consent: Consent {
            scope: scope.parse().map_err(|e: String| bad("consent_scope", &e))?,
            date: date.parse().map_err(|e: String| bad("consent_date", &e))?,
        },
        withdrawal,
        version: row.try_get("version")?,
    })
}

/// The columns a new reference is written with: nine bound by [`bind_new_reference`], then
/// `withdrawn` and the version.
const NEW_REFERENCE_COLUMNS: &str = "external_id, family_id, donor_member_id, kit, str_profile, y_haplotype, mtdna, \
     consent_scope, consent_date, withdrawn, version";

/// Binds a new reference's nine values (its family is its donor's), in the order of
/// [`NEW_REFERENCE_COLUMNS`], for the single insert and the bulk import alike.
fn bind_new_reference<'q>(
    q: Query<'q, Any, AnyArguments<'q>>,
    r: &'q NewReference,
    family_id: i64,
) -> Query<'q, Any, AnyArguments<'q>> {
    q.bind(r.external_id.trim())
        .bind(family_id)
        .bind(r.donor_member_id)
        .bind(&r.kit)
        .bind(json(&r.profile.str_profile))
        .bind(&r.profile.y_haplotype)
        .bind(&r.profile.mtdna)
        .bind(r.consent.scope.as_str())
        .bind(r.consent.date.to_string())
}

/// The profile columns of a row, `None` once erased.
pub(crate) fn profile_from_row(row: &AnyRow) -> Result<Option<ReferenceProfile>, StoreError> {
    let str_profile: Option<String> = row.try_get("str_profile")?;
    let Some(str_profile) = str_profile else {
        return Ok(None);
    };
    Ok(Some(ReferenceProfile {
        str_profile: serde_json::from_str(&str_profile).map_err(|e| corrupt("reference", "str_profile", &e))?,
        y_haplotype: row.try_get("y_haplotype")?,
        mtdna: row.try_get("mtdna")?,
    }))
}

/// The reference as the audit log sees it: the record and the hash of its profile, never genotypes.
pub(crate) fn audit_view(reference: &Reference, profile_sha256: &str) -> String {
    let mut v = serde_json::to_value(reference).expect("domain types serialise");
    v["profile_sha256"] = profile_sha256.into();
    v.to_string()
}

impl Store {
    /// Records a reference sample given by a family member.
    pub async fn create_reference(&self, actor: &str, r: &NewReference) -> Result<Reference, StoreError> {
        r.check()?;
        let mut tx = self.begin_write().await?;
        let reference = self.insert_reference(&mut tx, actor, r).await?;
        tx.commit().await?;
        Ok(reference)
    }

    /// Checks the donor of a checked reference and writes it, with its audit entry.
    pub(crate) async fn insert_reference(
        &self,
        tx: &mut Transaction<'_, Any>,
        actor: &str,
        r: &NewReference,
    ) -> Result<Reference, StoreError> {
        let family_id: i64 = sqlx::query("SELECT family_id FROM family_members WHERE id = $1")
            .bind(r.donor_member_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| not_found("family member", r.donor_member_id))?
            .try_get("family_id")?;
        let sql = format!(
            "INSERT INTO reference_samples ({NEW_REFERENCE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, 1) \
             RETURNING id"
        );
        let id: i64 = bind_new_reference(sqlx::query(&sql), r, family_id)
            .fetch_one(&mut **tx)
            .await
            .map_err(duplicate("reference", "external_id", &r.external_id))?
            .try_get("id")?;
        let reference = Reference {
            id,
            external_id: r.external_id.trim().to_owned(),
            family_id,
            donor_member_id: r.donor_member_id,
            kit: r.kit.clone(),
            consent: r.consent,
            withdrawal: None,
            version: 1,
        };
        let after = audit_view(&reference, &self.profile_digest(&json(&r.profile)));
        self.audit_created(tx, actor, "reference", reference.id, &after).await?;
        Ok(reference)
    }

    pub async fn get_reference(&self, id: i64) -> Result<Option<Reference>, StoreError> {
        let sql = format!("SELECT {REFERENCE_COLUMNS} FROM reference_samples WHERE id = $1");
        self.one_where(&sql, id, reference_from_row).await
    }

    /// A family's references, withdrawn ones included, by id.
    pub async fn list_references(&self, family_id: i64) -> Result<Vec<Reference>, StoreError> {
        let sql = format!("SELECT {REFERENCE_COLUMNS} FROM reference_samples WHERE family_id = $1 ORDER BY id");
        self.all_where(&sql, family_id, reference_from_row).await
    }

    /// Every reference whose consent stands: what matching may use.
    pub async fn list_active_references(&self) -> Result<Vec<Reference>, StoreError> {
        let sql = format!("SELECT {REFERENCE_COLUMNS} FROM reference_samples WHERE withdrawn = 0 ORDER BY id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(reference_from_row).collect()
    }

    /// A reference's genetic data, `None` once consent was withdrawn. The read is recorded in the
    /// audit chain, in the same transaction.
    /// [`Store::get_reference_profile`] of several references in one read, each read audited
    /// (one entry per reference, written together): for a page that shows them side by side.
    /// In the order of `ids`; not found if one is missing.
    pub async fn get_reference_profiles(
        &self,
        actor: &str,
        ids: &[i64],
    ) -> Result<Vec<Option<ReferenceProfile>>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        let keys: Vec<crate::backend::Key<'_>> = ids.iter().map(|id| crate::backend::Key::Int(*id)).collect();
        let rows = crate::backend::rows_in(
            &mut tx,
            self.backend,
            "SELECT id, str_profile, y_haplotype, mtdna FROM reference_samples WHERE id IN ({in})",
            &keys,
        )
        .await?;
        let mut by_id = std::collections::HashMap::with_capacity(rows.len());
        for row in &rows {
            by_id.insert(row.try_get::<i64, _>("id")?, profile_from_row(row)?);
        }
        let mut out = Vec::with_capacity(ids.len());
        let mut reads = Vec::with_capacity(ids.len());
        for &id in ids {
            out.push(by_id.remove(&id).ok_or_else(|| not_found("reference", id))?);
            reads.push(crate::audit::AuditRecord {
                action: "read",
                entity: "reference-profile",
                entity_id: id.to_string(),
                before: None,
                after: None,
            });
        }
        self.audit_many(&mut tx, actor, &reads).await?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn get_reference_profile(&self, actor: &str, id: i64) -> Result<Option<ReferenceProfile>, StoreError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT str_profile, y_haplotype, mtdna FROM reference_samples WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| not_found("reference", id))?;
        let profile = profile_from_row(&row)?;
        self.audit(&mut tx, actor, "read", "reference-profile", &id.to_string(), None, None).await?;
        tx.commit().await?;
        Ok(profile)
    }

    /// Withdraws the donor's consent, in one transaction: the genotypes are erased (the profile
    /// columns set to NULL), a tombstone keeps the SHA-256 of the erased profile with the time and
    /// reason, and every identification resting on this reference is flagged. Returns the reference
    /// and the ids of the flagged identifications.
    pub async fn withdraw_consent(
        &self,
        actor: &str,
        id: i64,
        expected_version: i64,
        reason: &str,
    ) -> Result<(Reference, Vec<i64>), StoreError> {
        required_text("reason", reason, 2000)?;
        let reason = reason.trim();
        let mut tx = self.begin_write().await?;
        let sql =
            format!("SELECT {REFERENCE_COLUMNS}, str_profile, y_haplotype, mtdna FROM reference_samples WHERE id = $1");
        let row = row_by_id(&mut tx, &sql, "reference", id).await?;
        let before = reference_from_row(&row)?;
        check_version("reference", id, expected_version, before.version)?;
        if before.withdrawal.is_some() {
            return Err(FieldError::new("consent", "was withdrawn already").into());
        }
        let profile = profile_from_row(&row)?
            .ok_or_else(|| corrupt("reference", "str_profile", &"erased but not marked withdrawn"))?;
        let withdrawal = Withdrawal {
            at: now_utc(),
            reason: reason.to_owned(),
            profile_sha256: self.profile_digest(&json(&profile)),
        };
        // The identifications are flagged first, so that the audit chain tells the withdrawal's
        // consequences before the withdrawal itself, as it always has.
        let flag_reason = format!("consent for reference {id} ({}) was withdrawn", before.external_id);
        let flagged = self.flag_identifications_resting_on(&mut tx, actor, id, &flag_reason).await?;
        self.erase_snp_profile_in(&mut tx, actor, id).await?;
        let after = Reference {
            withdrawal: Some(withdrawal.clone()),
            version: expected_version + 1,
            ..before.clone()
        };
        // The genotypes are erased: NULL profile columns, only the tombstone's hash kept.
        Change::new("reference_samples", "reference", id, Some(expected_version))
            .set("str_profile", None::<String>)
            .set("y_haplotype", None::<String>)
            .set("mtdna", None::<String>)
            .set("withdrawn", 1)
            .set("withdrawn_at", withdrawal.at.as_str())
            .set("withdrawal_reason", withdrawal.reason.as_str())
            .set("profile_sha256", withdrawal.profile_sha256.as_str())
            .run(
                self,
                &mut tx,
                actor,
                "withdraw-consent",
                Some(&audit_view(&before, &withdrawal.profile_sha256)),
                &audit_view(&after, &withdrawal.profile_sha256),
            )
            .await?;
        tx.commit().await?;
        self.erase_freed_traces(&["reference_samples", "snp_profiles"]).await?;
        Ok((after, flagged))
    }
}

impl Store {
    /// Imports reference samples in one transaction: all of them, or none if any is rejected (the
    /// error carries the index of the first bad one). Each is checked as [`Store::create_reference`]
    /// checks it (its donor a family member, its external id new), then they go in multi-row
    /// INSERTs, and the audit entries (the record and the hash of its profile, never genotypes) are
    /// chained in memory.
    pub async fn import_references(
        &self,
        actor: &str,
        references: &[NewReference],
    ) -> Result<usize, (usize, StoreError)> {
        let mut tx = self.begin_write().await.map_err(|e| (0, e))?;
        let n = self.import_references_in(&mut tx, self.backend(), actor, references).await?;
        tx.commit().await.map_err(|e| (references.len(), e.into()))?;
        Ok(n)
    }

    /// [`Store::import_references`] inside a transaction the caller commits.
    pub(crate) async fn import_references_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        backend: Backend,
        actor: &str,
        references: &[NewReference],
    ) -> Result<usize, (usize, StoreError)> {
        let mut seen: HashMap<&str, usize> = HashMap::with_capacity(references.len());
        let mut donors: HashMap<i64, usize> = HashMap::new();
        for (i, r) in references.iter().enumerate() {
            r.check().map_err(|e| (i, e.into()))?;
            if seen.insert(r.external_id.trim(), i).is_some() {
                return Err((
                    i,
                    StoreError::Duplicate {
                        entity: "reference",
                        field: "external_id",
                        value: r.external_id.clone(),
                    },
                ));
            }
            donors.entry(r.donor_member_id).or_insert(i);
        }
        let mut first = first_existing(tx, backend, "reference_samples", "reference", &seen)
            .await
            .map_err(|e| (0, e))?;
        let keys: Vec<Key> = donors.keys().map(|&d| Key::Int(d)).collect();
        let sql = "SELECT id, family_id FROM family_members WHERE id IN ({in})";
        let mut family_of: HashMap<i64, i64> = HashMap::with_capacity(donors.len());
        for row in rows_in(tx, backend, sql, &keys).await.map_err(|e| (0, e))? {
            let id: i64 = row.try_get("id").map_err(|e| (0, e.into()))?;
            family_of.insert(id, row.try_get("family_id").map_err(|e| (0, e.into()))?);
        }
        for (&d, &i) in &donors {
            if !family_of.contains_key(&d) {
                keep_earliest(&mut first, i, || not_found("family member", d));
            }
        }
        if let Some(e) = first {
            return Err(e);
        }
        let batch = backend.batch_rows(9);
        let mut ids = vec![0i64; references.len()];
        for (b, chunk) in references.chunks(batch).enumerate() {
            let base = b * batch;
            let sql = format!(
                "INSERT INTO reference_samples ({NEW_REFERENCE_COLUMNS}) VALUES {} RETURNING id, external_id",
                values_sql(backend, chunk.len(), 9, ", 0, 1")
            );
            let mut q = sqlx::query(&sql);
            for r in chunk {
                q = bind_new_reference(q, r, family_of[&r.donor_member_id]);
            }
            for row in q.fetch_all(&mut **tx).await.map_err(|e| (base, e.into()))? {
                let ext: String = row.try_get("external_id").map_err(|e| (base, e.into()))?;
                ids[seen[ext.as_str()]] = row.try_get("id").map_err(|e| (base, e.into()))?;
            }
        }
        let records: Vec<AuditRecord> = references
            .iter()
            .zip(&ids)
            .map(|(r, &id)| {
                let reference = Reference {
                    id,
                    external_id: r.external_id.trim().to_owned(),
                    family_id: family_of[&r.donor_member_id],
                    donor_member_id: r.donor_member_id,
                    kit: r.kit.clone(),
                    consent: r.consent,
                    withdrawal: None,
                    version: 1,
                };
                AuditRecord {
                    action: "create",
                    entity: "reference",
                    entity_id: id.to_string(),
                    before: None,
                    after: Some(audit_view(&reference, &self.profile_digest(&json(&r.profile)))),
                }
            })
            .collect();
        let last = references.len();
        self.audit_many(tx, actor, &records)
            .await
            .map_err(|e| (last, e))?;
        Ok(references.len())
    }

    /// The references with these external ids, withdrawn ones included, in no particular order (a
    /// bulk look-up).
    pub async fn references_by_external_id(&self, external_ids: &[&str]) -> Result<Vec<Reference>, StoreError> {
        let keys: Vec<Key> = external_ids.iter().map(|k| Key::Text(k)).collect();
        let sql = format!("SELECT {REFERENCE_COLUMNS} FROM reference_samples WHERE external_id IN ({{in}})");
        let mut conn = self.pool.acquire().await?;
        rows_in(&mut conn, self.backend(), &sql, &keys)
            .await?
            .iter()
            .map(reference_from_row)
            .collect()
    }
}
