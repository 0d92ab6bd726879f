//! SNP panels and SNP profiles (migration 0020). A panel is kept whole, as the file that was
//! imported, so that a job's LRs can be recomputed from the registry alone; a profile is one
//! sample's or reference's evidence at each SNP of one panel, as bytes in the compact form of
//! `formats::snp_profile` (the registry checks only their size: reading them is the caller's), with
//! the VCF file it came from named by its SHA-256.
//!
//! Profiles are genetic data: they are written with an audit entry carrying their digest (never the
//! bytes), every read is audited, and withdrawing a reference's consent deletes its profile
//! ([`Store::erase_snp_profile_in`], called by `withdraw_consent`).

use sqlx::{Any, Row, Transaction};

use crate::audit::{sha256_hex, AuditRecord};
use crate::backend::{rows_in, Key};
use crate::model::{FieldError, ProfileKind};
use crate::store::{Store, StoreError};
use crate::support::{corrupt, json, not_found};
use crate::time::now_utc;
use crate::typings::{TypingSummary, TypingTarget};

/// The largest profile the registry keeps: 25 bytes a SNP (the widest form, three `f64`s and a
/// tag) for 100,000 SNPs.
pub const MAX_SNP_PROFILE_BYTES: usize = 2_500_001;

/// A panel as stored (its content is read apart: [`Store::snp_panel_content`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct SnpPanelInfo {
    pub id: i64,
    pub name: String,
    /// SHA-256 of the panel file's text.
    pub sha256: String,
    pub snps: i64,
    /// Where the file came from (its name, or "bundled").
    pub source: String,
    pub created_by: String,
    pub created_at: String,
}

/// Where a batch of profiles came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnpSource {
    /// SHA-256 of the VCF file.
    pub sha256: String,
    /// The file's name as given.
    pub name: String,
}

/// A profile to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSnpProfile {
    pub target: TypingTarget,
    /// The kinds of evidence in it (`GT`, `PL`, `GL`, `AD`), comma-separated.
    pub evidence: String,
    /// The per-read error rate read counts are to be read with (when it has any).
    pub sequencing_error: Option<f64>,
    pub typed_snps: i64,
    /// The compact form (`formats::SnpProfile::encode`).
    pub data: Vec<u8>,
}

/// What is known of a stored profile without reading its genotypes (not audited).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SnpProfileInfo {
    pub id: i64,
    pub target: TypingTarget,
    pub panel_id: i64,
    pub evidence: String,
    pub sequencing_error: Option<f64>,
    pub typed_snps: i64,
    pub source_sha256: String,
    pub source_name: String,
    pub created_by: String,
    pub created_at: String,
}

/// A stored profile with its bytes: what an audited read gives.
#[derive(Debug, Clone, PartialEq)]
pub struct SnpProfileData {
    pub info: SnpProfileInfo,
    pub data: Vec<u8>,
}

const PANEL_COLUMNS: &str = "id, name, sha256, snps, source, created_by, created_at";
const PROFILE_COLUMNS: &str = "id, sample_id, reference_id, panel_id, evidence, sequencing_error, typed_snps, \
                               source_sha256, source_name, created_by, created_at";

fn info_from_row(row: &sqlx::any::AnyRow) -> Result<SnpProfileInfo, StoreError> {
    let sample: Option<i64> = row.try_get("sample_id")?;
    let reference: Option<i64> = row.try_get("reference_id")?;
    let target = match (sample, reference) {
        (Some(s), None) => TypingTarget::Sample(s),
        (None, Some(r)) => TypingTarget::Reference(r),
        _ => return Err(corrupt("SNP profile", "sample_id", &"names no sample or reference, or both")),
    };
    Ok(SnpProfileInfo {
        id: row.try_get("id")?,
        target,
        panel_id: row.try_get("panel_id")?,
        evidence: row.try_get("evidence")?,
        sequencing_error: row.try_get("sequencing_error")?,
        typed_snps: row.try_get("typed_snps")?,
        source_sha256: row.try_get("source_sha256")?,
        source_name: row.try_get("source_name")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

fn target_column(target: TypingTarget) -> (&'static str, i64) {
    match target {
        TypingTarget::Sample(id) => ("sample_id", id),
        TypingTarget::Reference(id) => ("reference_id", id),
    }
}

fn check_new(p: &NewSnpProfile) -> Result<(), FieldError> {
    if p.data.is_empty() || p.data.len() > MAX_SNP_PROFILE_BYTES {
        return Err(FieldError::new(
            "data",
            format!("{} bytes: a SNP profile has 2 to {MAX_SNP_PROFILE_BYTES}", p.data.len()),
        ));
    }
    if p.typed_snps <= 0 {
        return Err(FieldError::new("typed_snps", "no SNP is typed"));
    }
    let kinds_ok = !p.evidence.is_empty() && p.evidence.split(',').all(|k| ["GT", "PL", "GL", "AD"].contains(&k));
    if !kinds_ok {
        return Err(FieldError::new(
            "evidence",
            format!("'{}' is not a list of GT, PL, GL and AD", p.evidence),
        ));
    }
    match p.sequencing_error {
        Some(e) if !(e > 0.0 && e < 0.5) => Err(FieldError::new(
            "sequencing_error",
            format!("{e} is not a per-read error rate in (0, 0.5)"),
        )),
        None if p.evidence.split(',').any(|k| k == "AD") => Err(FieldError::new(
            "sequencing_error",
            "read counts need the per-read error rate they are to be read with",
        )),
        _ => Ok(()),
    }
}

impl Store {
    /// Keeps a panel under `name`. The same content again returns the panel kept; other content
    /// under a name in use is refused (a panel's SNPs and map never change under its profiles).
    pub async fn store_snp_panel(
        &self,
        actor: &str,
        name: &str,
        content: &str,
        snps: i64,
        source: &str,
    ) -> Result<SnpPanelInfo, StoreError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(FieldError::new("name", format!("'{name}' is not a panel name (1–64 characters)")).into());
        }
        if snps <= 0 {
            return Err(FieldError::new("snps", "a panel has at least one SNP").into());
        }
        let sha256 = sha256_hex(content);
        if let Some(kept) = self.snp_panel(name).await? {
            return if kept.sha256 == sha256 {
                Ok(kept)
            } else {
                Err(FieldError::new(
                    "name",
                    format!("panel '{name}' is kept already with other content (SHA-256 {}); name this one otherwise", kept.sha256),
                )
                .into())
            };
        }
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO snp_panels (name, sha256, snps, content, source, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(name)
        .bind(&sha256)
        .bind(snps)
        .bind(content)
        .bind(source)
        .bind(actor)
        .bind(now_utc())
        .fetch_one(&mut *tx)
        .await?;
        let view = serde_json::json!({ "name": name, "sha256": sha256, "snps": snps, "source": source }).to_string();
        self.audit(&mut tx, actor, "create", "snp-panel", &id.to_string(), None, Some(&view))
            .await?;
        tx.commit().await?;
        self.snp_panel(name).await?.ok_or_else(|| not_found("SNP panel", name))
    }

    /// The panel kept under `name`.
    pub async fn snp_panel(&self, name: &str) -> Result<Option<SnpPanelInfo>, StoreError> {
        let sql = format!("SELECT {PANEL_COLUMNS} FROM snp_panels WHERE name = $1");
        let row = sqlx::query(&sql).bind(name.trim()).fetch_optional(&self.pool).await?;
        row.map(|r| crate::support::record("SNP panel", &r)).transpose()
    }

    /// Every panel kept, by name.
    pub async fn snp_panels(&self) -> Result<Vec<SnpPanelInfo>, StoreError> {
        let sql = format!("SELECT {PANEL_COLUMNS} FROM snp_panels ORDER BY name");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        crate::support::records("SNP panel", &rows)
    }

    /// Panel `id` and its file's text (checked against its SHA-256).
    pub async fn snp_panel_content(&self, id: i64) -> Result<Option<(SnpPanelInfo, String)>, StoreError> {
        let sql = format!("SELECT {PANEL_COLUMNS}, content FROM snp_panels WHERE id = $1");
        let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        let info: SnpPanelInfo = crate::support::record("SNP panel", &row)?;
        let content: String = row.try_get("content")?;
        if sha256_hex(&content) != info.sha256 {
            return Err(corrupt("SNP panel", "content", &format!("panel {id} no longer matches its SHA-256")));
        }
        Ok(Some((info, content)))
    }

    /// Records SNP profiles on panel `panel_id` in one transaction: all of them, or none if one is
    /// refused (the error carries its index). A profile already recorded with the same bytes on the
    /// same panel is left; another profile for a typed sample or reference is refused, never
    /// overwritten. A sample must be for autosomal typing (not Y or mtDNA); a reference must not be
    /// withdrawn.
    pub async fn import_snp_profiles(
        &self,
        actor: &str,
        panel_id: i64,
        source: &SnpSource,
        profiles: &[NewSnpProfile],
    ) -> Result<TypingSummary, (usize, StoreError)> {
        let mut seen = std::collections::HashMap::new();
        for (i, p) in profiles.iter().enumerate() {
            check_new(p).map_err(|e| (i, e.into()))?;
            if let Some(first) = seen.insert(p.target, i) {
                return Err((i, FieldError::new("target", format!("typed twice (also profile {first})")).into()));
            }
        }
        let mut tx = self.begin_write().await.map_err(|e| (0, e))?;
        let panel: Option<i64> = sqlx::query_scalar("SELECT snps FROM snp_panels WHERE id = $1")
            .bind(panel_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| (0, e.into()))?;
        if panel.is_none() {
            return Err((0, not_found("SNP panel", panel_id)));
        }
        let mut summary = TypingSummary::default();
        let mut audit = Vec::new();
        for (i, p) in profiles.iter().enumerate() {
            let at = |e: StoreError| (i, e);
            self.check_snp_target(&mut tx, p.target).await.map_err(at)?;
            let (column, id) = target_column(p.target);
            let sql = format!("SELECT panel_id, data FROM snp_profiles WHERE {column} = $1");
            let old = sqlx::query(&sql)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| at(e.into()))?;
            if let Some(old) = old {
                let (old_panel, old_data): (i64, Vec<u8>) = (
                    old.try_get("panel_id").map_err(|e| at(e.into()))?,
                    old.try_get("data").map_err(|e| at(e.into()))?,
                );
                if old_panel == panel_id && old_data == p.data {
                    summary.unchanged += 1;
                    continue;
                }
                return Err(at(FieldError::new(
                    "genotypes",
                    format!("{} {id} has a SNP profile already; a profile is not overwritten by an import", column.trim_end_matches("_id")),
                )
                .into()));
            }
            let sql = format!(
                "INSERT INTO snp_profiles ({column}, panel_id, evidence, sequencing_error, typed_snps, data, \
                 source_sha256, source_name, created_by, created_at, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1) RETURNING id"
            );
            let new_id: i64 = sqlx::query_scalar(&sql)
                .bind(id)
                .bind(panel_id)
                .bind(&p.evidence)
                .bind(p.sequencing_error)
                .bind(p.typed_snps)
                .bind(&p.data)
                .bind(&source.sha256)
                .bind(&source.name)
                .bind(actor)
                .bind(now_utc())
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| at(e.into()))?;
            audit.push(AuditRecord {
                action: "create",
                entity: "snp-profile",
                entity_id: new_id.to_string(),
                before: None,
                after: Some(self.snp_audit_view(p.target, panel_id, &p.evidence, p.typed_snps, &source.sha256, &p.data)),
            });
            summary.written += 1;
        }
        let last = profiles.len();
        self.audit_many(&mut tx, actor, &audit).await.map_err(|e| (last, e))?;
        tx.commit().await.map_err(|e| (last, e.into()))?;
        Ok(summary)
    }

    /// A sample for autosomal typing, or a reference whose consent stands.
    async fn check_snp_target(&self, tx: &mut Transaction<'_, Any>, target: TypingTarget) -> Result<(), StoreError> {
        match target {
            TypingTarget::Sample(id) => {
                let kind: Option<String> = sqlx::query_scalar("SELECT profile_kind FROM samples WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?;
                let kind = kind.ok_or_else(|| not_found("sample", id))?;
                if kind != ProfileKind::Str.as_str() {
                    return Err(FieldError::new(
                        "target",
                        format!("sample {id} is for {kind} typing; SNP panels type autosomes"),
                    )
                    .into());
                }
            }
            TypingTarget::Reference(id) => {
                let withdrawn: Option<i64> = sqlx::query_scalar("SELECT withdrawn FROM reference_samples WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?;
                match withdrawn {
                    None => return Err(not_found("reference", id)),
                    Some(0) => {}
                    Some(_) => {
                        return Err(StoreError::NotAllowed(format!(
                            "reference {id}: consent was withdrawn; its genotypes are not recorded"
                        )))
                    }
                }
            }
        }
        Ok(())
    }

    /// The audit log's view of a profile: what it is, never its genotypes (their keyed digest).
    fn snp_audit_view(
        &self,
        target: TypingTarget,
        panel_id: i64,
        evidence: &str,
        typed_snps: i64,
        source_sha256: &str,
        data: &[u8],
    ) -> String {
        let (column, id) = target_column(target);
        json(&serde_json::json!({
            column: id,
            "panel_id": panel_id,
            "evidence": evidence,
            "typed_snps": typed_snps,
            "source_sha256": source_sha256,
            "profile_sha256": self.snp_profile_digest(data),
        }))
    }

    /// The digest of a profile's bytes kept in audit entries and evidence (keyed when the store
    /// has the registry's key).
    pub(crate) fn snp_profile_digest(&self, data: &[u8]) -> String {
        self.profile_digest(&format!("snp:{}", hex::encode(data)))
    }

    /// What is known of the SNP profiles of these samples and references, without their
    /// genotypes (not audited).
    pub async fn snp_profile_infos(&self, targets: &[TypingTarget]) -> Result<Vec<SnpProfileInfo>, StoreError> {
        self.snp_rows(targets, false).await.map(|rows| rows.into_iter().map(|r| r.info).collect())
    }

    /// The SNP profiles of these samples and references (those that have one), in one audited read:
    /// one entry per profile, `purpose` in each.
    pub async fn read_snp_profiles(
        &self,
        actor: &str,
        targets: &[TypingTarget],
        purpose: &str,
    ) -> Result<Vec<SnpProfileData>, StoreError> {
        let rows = self.snp_rows(targets, true).await?;
        if rows.is_empty() {
            return Ok(rows);
        }
        let mut tx = self.begin_write().await?;
        let detail = serde_json::json!({ "purpose": purpose }).to_string();
        let reads: Vec<AuditRecord> = rows
            .iter()
            .map(|r| AuditRecord {
                action: "read",
                entity: "snp-profile",
                entity_id: r.info.id.to_string(),
                before: None,
                after: Some(detail.clone()),
            })
            .collect();
        self.audit_many(&mut tx, actor, &reads).await?;
        tx.commit().await?;
        Ok(rows)
    }

    async fn snp_rows(&self, targets: &[TypingTarget], with_data: bool) -> Result<Vec<SnpProfileData>, StoreError> {
        let mut out = Vec::new();
        let mut conn = self.pool.acquire().await?;
        let data = if with_data { ", data" } else { "" };
        for column in ["sample_id", "reference_id"] {
            let keys: Vec<Key<'_>> = targets
                .iter()
                .filter_map(|&t| {
                    let (c, id) = target_column(t);
                    (c == column).then_some(Key::Int(id))
                })
                .collect();
            if keys.is_empty() {
                continue;
            }
            let sql = format!("SELECT {PROFILE_COLUMNS}{data} FROM snp_profiles WHERE {column} IN ({{in}}) ORDER BY id");
            for row in rows_in(&mut conn, self.backend, &sql, &keys).await? {
                out.push(SnpProfileData {
                    info: info_from_row(&row)?,
                    data: if with_data { row.try_get("data")? } else { Vec::new() },
                });
            }
        }
        Ok(out)
    }

    /// Deletes reference `reference_id`'s SNP profile inside a withdrawal's transaction, with an
    /// audit entry keeping its digest. Returns whether it had one.
    pub(crate) async fn erase_snp_profile_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        actor: &str,
        reference_id: i64,
    ) -> Result<bool, StoreError> {
        let sql = format!("SELECT {PROFILE_COLUMNS}, data FROM snp_profiles WHERE reference_id = $1");
        let Some(row) = sqlx::query(&sql).bind(reference_id).fetch_optional(&mut **tx).await? else {
            return Ok(false);
        };
        let info = info_from_row(&row)?;
        let data: Vec<u8> = row.try_get("data")?;
        sqlx::query("DELETE FROM snp_profiles WHERE id = $1")
            .bind(info.id)
            .execute(&mut **tx)
            .await?;
        let before = self.snp_audit_view(info.target, info.panel_id, &info.evidence, info.typed_snps, &info.source_sha256, &data);
        self.audit(tx, actor, "erase", "snp-profile", &info.id.to_string(), Some(&before), None)
            .await?;
        Ok(true)
    }
}
