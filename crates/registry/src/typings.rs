//! A laboratory's STR typings (an allele table from GeneMapper or GeneMarker) recorded on the
//! samples and reference samples they belong to, found by external id, in one transaction. A
//! typing fills genotypes that are missing; the same genotypes again change nothing; different
//! genotypes for an already typed sample are refused, never overwritten.

use std::collections::HashMap;

use sqlx::Row;

use crate::model::{FieldError, Sex};
use crate::model::{ProfileKind, StrProfile};
use crate::model::{Reference, ReferenceProfile};
use crate::references::{self, profile_from_row, reference_from_row, REFERENCE_COLUMNS};
use crate::samples::{self, check_profile_kind, sample_from_row, SampleProfile, SAMPLE_COLUMNS};
use crate::store::{Store, StoreError};
use crate::backend::{rows_in, Key};
use crate::audit::AuditRecord;
use crate::support::json;
use crate::support::{corrupt, not_found};

/// What an external id names: a sample taken from remains, or a reference sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum TypingTarget {
    Sample(i64),
    Reference(i64),
}

/// A record an allele table's sample name can be: its kind and id, and the sex recorded for it
/// (the donor's, for a reference; remains have none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypingTargetInfo {
    pub external_id: String,
    pub target: TypingTarget,
    pub recorded_sex: Option<Sex>,
}

/// A typing to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTyping {
    pub target: TypingTarget,
    pub genotypes: StrProfile,
}

/// What [`Store::import_typings`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TypingSummary {
    pub written: usize,
    /// Already recorded with the same genotypes.
    pub unchanged: usize,
}

fn already_typed(what: &str, id: i64) -> StoreError {
    FieldError::new(
        "genotypes",
        format!("{what} {id} is typed already with other genotypes; a typing is not overwritten by an import"),
    )
    .into()
}

impl Store {
    /// The samples and references with these external ids (a bulk look-up; an id may name one of
    /// each).
    pub async fn typing_targets(&self, external_ids: &[&str]) -> Result<Vec<TypingTargetInfo>, StoreError> {
        let keys: Vec<Key> = external_ids.iter().map(|k| Key::Text(k)).collect();
        let mut conn = self.pool.acquire().await?;
        let backend = self.backend();
        let mut out = Vec::new();
        for row in rows_in(
            &mut conn,
            backend,
            "SELECT id, external_id FROM samples WHERE external_id IN ({in})",
            &keys,
        )
        .await?
        {
            out.push(TypingTargetInfo {
                external_id: row.try_get("external_id")?,
                target: TypingTarget::Sample(row.try_get("id")?),
                recorded_sex: None,
            });
        }
        let sql = "SELECT r.id, r.external_id, m.sex FROM reference_samples r \
                   JOIN family_members m ON m.id = r.donor_member_id WHERE r.external_id IN ({in})";
        for row in rows_in(&mut conn, backend, sql, &keys).await? {
            let sex: String = row.try_get("sex")?;
            out.push(TypingTargetInfo {
                external_id: row.try_get("external_id")?,
                target: TypingTarget::Reference(row.try_get("id")?),
                recorded_sex: Some(sex.parse().map_err(|e: String| corrupt("family member", "sex", &e))?),
            });
        }
        Ok(out)
    }

    /// Records typings in one transaction: all of them, or none if one is refused (the error
    /// carries its index). A sample must be for STR typing; a reference must not be withdrawn.
    pub async fn import_typings(
        &self,
        actor: &str,
        typings: &[NewTyping],
    ) -> Result<TypingSummary, (usize, StoreError)> {
        let mut seen: HashMap<TypingTarget, usize> = HashMap::new();
        for (i, t) in typings.iter().enumerate() {
            if t.genotypes.is_empty() {
                return Err((i, FieldError::new("genotypes", "no genotypes").into()));
            }
            if let Some(first) = seen.insert(t.target, i) {
                return Err((
                    i,
                    FieldError::new("target", format!("typed twice (also typing {first})")).into(),
                ));
            }
        }
        let mut tx = self.begin_write().await.map_err(|e| (0, e))?;
        let mut summary = TypingSummary::default();
        let mut audit = Vec::new();
        for (i, t) in typings.iter().enumerate() {
            let at = |e: StoreError| (i, e);
            match t.target {
                TypingTarget::Sample(id) => {
                    let sql = format!("SELECT {SAMPLE_COLUMNS}, profile FROM samples WHERE id = $1");
                    let row = sqlx::query(&sql)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(|e| at(e.into()))?
                        .ok_or_else(|| at(not_found("sample", id)))?;
                    let before = sample_from_row(&row).map_err(at)?;
                    let profile = SampleProfile::Str(t.genotypes.clone());
                    check_profile_kind(before.profile_kind, &profile).map_err(|e| at(e.into()))?;
                    let old: Option<String> = row.try_get("profile").map_err(|e| at(e.into()))?;
                    let old = old
                        .map(|text| SampleProfile::from_column(ProfileKind::Str, &text))
                        .transpose()
                        .map_err(|e| at(corrupt("sample", "profile", &e)))?;
                    match &old {
                        Some(o) if *o == profile => {
                            summary.unchanged += 1;
                            continue;
                        }
                        Some(_) => return Err(at(already_typed("sample", id))),
                        None => {}
                    }
                    sqlx::query("UPDATE samples SET profile = $1, version = version + 1 WHERE id = $2")
                        .bind(json(&t.genotypes))
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| at(e.into()))?;
                    let after = samples::Sample {
                        typed: true,
                        version: before.version + 1,
                        ..before.clone()
                    };
                    audit.push(AuditRecord {
                        action: "profile",
                        entity: "sample",
                        entity_id: id.to_string(),
                        before: Some(samples::audit_view(&before, None)),
                        after: Some(samples::audit_view(&after, Some(&self.profile_digest(&profile.to_column())))),
                    });
                }
                TypingTarget::Reference(id) => {
                    let sql = format!(
                        "SELECT {REFERENCE_COLUMNS}, str_profile, y_haplotype, mtdna FROM reference_samples WHERE id = $1"
                    );
                    let row = sqlx::query(&sql)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(|e| at(e.into()))?
                        .ok_or_else(|| at(not_found("reference", id)))?;
                    let before = reference_from_row(&row).map_err(at)?;
                    let old = match profile_from_row(&row).map_err(at)? {
                        Some(p) if before.withdrawal.is_none() => p,
                        _ => {
                            return Err(at(StoreError::NotAllowed(format!(
                                "reference {id}: consent was withdrawn; its genotypes are not recorded"
                            ))))
                        }
                    };
                    if old.str_profile == t.genotypes {
                        summary.unchanged += 1;
                        continue;
                    }
                    if !old.str_profile.is_empty() {
                        return Err(at(already_typed("reference", id)));
                    }
                    let new = ReferenceProfile {
                        str_profile: t.genotypes.clone(),
                        ..old.clone()
                    };
                    sqlx::query("UPDATE reference_samples SET str_profile = $1, version = version + 1 WHERE id = $2")
                        .bind(json(&new.str_profile))
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| at(e.into()))?;
                    let after = Reference {
                        version: before.version + 1,
                        ..before.clone()
                    };
                    audit.push(AuditRecord {
                        action: "profile",
                        entity: "reference",
                        entity_id: id.to_string(),
                        before: Some(references::audit_view(&before, &self.profile_digest(&json(&old)))),
                        after: Some(references::audit_view(&after, &self.profile_digest(&json(&new)))),
                    });
                }
            }
            summary.written += 1;
        }
        let last = typings.len();
        self.audit_many(&mut tx, actor, &audit)
            .await
            .map_err(|e| (last, e))?;
        tx.commit().await.map_err(|e| (last, e.into()))?;
        Ok(summary)
    }
}
