//! Matching jobs: their progress, the profiles they read (one audited bulk read), and the candidate
//! pairs they found. The computation itself lives outside the registry (the `jobs` crate); this
//! module only stores what it needs and what it finds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::model::PedigreeRow;
use crate::model::{ProfileKind, StrProfile};
use crate::store::{Store, StoreError};
use crate::support::{json, record, records};
use crate::time::now_utc;

words! {
    pub enum JobStatus {
        Queued = "queued",
        Running = "running",
        Done = "done",
        Failed = "failed",
    }
    parse: exact, "a job status";
}

/// A matching job as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    #[sqlx(try_from = "String")]
    pub status: JobStatus,
    /// Pairs to score, and pairs scored so far.
    pub total: i64,
    pub done: i64,
    pub error: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

/// One marker's share of a candidate's LR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkerEvidence {
    pub marker: String,
    pub log10_lr: f64,
}

/// A sample that may be a family's missing member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCandidate {
    pub sample_id: i64,
    pub family_id: i64,
    pub member_id: i64,
    pub log10_lr: f64,
    pub exclusions: i64,
    pub evidence: Vec<MarkerEvidence>,
    /// P(sample is member) by the joint search over the samples and families the job's
    /// candidates connect to this pair (flat prior over assignments), where it ran.
    pub joint_posterior: Option<f64>,
    /// The certified share of that search's posterior mass not enumerated.
    pub joint_bound: Option<f64>,
    /// The reference samples whose profiles the LR rests on (the family's, as the job read them).
    #[serde(default)]
    pub reference_ids: Vec<i64>,
    /// The SNP share of `log10_lr`, where SNP profiles of the sample and the family were used.
    #[serde(default)]
    pub snp_evidence: Option<SnpEvidence>,
}

/// A candidate's SNP share of its LR: the panel and each chromosome's linked LR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnpEvidence {
    pub panel_id: i64,
    pub panel: String,
    pub chromosomes: Vec<ChromosomeEvidence>,
}

/// One chromosome's LR over its linked SNPs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChromosomeEvidence {
    pub chrom: String,
    /// The panel's SNPs on it.
    pub markers: i64,
    pub log10_lr: f64,
}

impl SnpEvidence {
    /// log10 of the SNP LR: the chromosomes' product.
    pub fn log10_lr(&self) -> f64 {
        self.chromosomes.iter().map(|c| c.log10_lr).sum()
    }
}

/// A stored SNP profile's bytes and the per-read error its read counts are read with.
#[derive(Debug, Clone, PartialEq)]
pub struct SnpBytes {
    pub data: Vec<u8>,
    pub sequencing_error: Option<f64>,
}

/// A reference's SNP profile as a job reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct SnpReference {
    pub reference_id: i64,
    /// The donor.
    pub member_id: i64,
    pub profile: SnpBytes,
}

/// The SNP part of what a job reads: the panel (whole) and the samples' profiles on it.
#[derive(Debug, Clone, PartialEq)]
pub struct SnpMatching {
    pub panel: crate::SnpPanelInfo,
    pub content: String,
    pub samples: Vec<(i64, SnpBytes)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub id: i64,
    pub job_id: i64,
    #[serde(flatten)]
    pub data: NewCandidate,
}

/// A family as a matching job sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchFamily {
    pub family_id: i64,
    pub pedigree: Vec<PedigreeRow>,
    /// Missing members (member ids; `pedigree` names members by their id as text).
    pub missing: Vec<i64>,
    /// Typed relatives: donor member id and STR profile (active consent only).
    pub references: Vec<(i64, StrProfile)>,
    /// The reference samples those profiles are, in the same order.
    pub reference_ids: Vec<i64>,
    /// The references' SNP profiles on the job's panel (active consent only).
    pub snp_references: Vec<SnpReference>,
}

/// Everything a matching job reads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MatchingData {
    pub families: Vec<MatchFamily>,
    /// Samples with an STR profile: (sample id, profile).
    pub samples: Vec<(i64, StrProfile)>,
    /// The SNP profiles on the job's panel, when it names one.
    pub snp: Option<SnpMatching>,
}

const CANDIDATE_COLUMNS: &str =
    "id, job_id, sample_id, family_id, member_id, log10_lr, exclusions, evidence, joint_posterior, joint_bound, \
     reference_ids, snp_evidence";

const JOB_COLUMNS: &str = "id, kind, status, total, done, error, created_by, created_at, started_at, finished_at";

impl Store {
    pub async fn create_job(&self, actor: &str, kind: &str) -> Result<Job, StoreError> {
        let mut tx = self.begin_write().await?;
        let id: i64 =
            sqlx::query_scalar("INSERT INTO jobs (kind, status, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(kind)
                .bind(JobStatus::Queued.as_str())
                .bind(actor)
                .bind(now_utc())
                .fetch_one(&mut *tx)
                .await?;
        self.audit_created(&mut tx, actor, "job", id, kind).await?;
        tx.commit().await?;
        self.get_job(id).await?.ok_or(StoreError::NotFound {
            entity: "job",
            id: id.to_string(),
        })
    }

    pub async fn get_job(&self, id: i64) -> Result<Option<Job>, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| record("job", &r)).transpose()
    }

    /// The most recent jobs, newest first.
    pub async fn list_jobs(&self, limit: i64) -> Result<Vec<Job>, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs ORDER BY id DESC LIMIT $1");
        let rows = sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await?;
        records("job", &rows)
    }

    /// The job starts: `total` pairs to score, every sample against `missing_screened` missing
    /// persons (the N of its candidates' prior where a site has no estimate of its buried).
    pub async fn start_job(&self, id: i64, total: i64, missing_screened: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE jobs SET status = $1, total = $2, done = 0, started_at = $3, missing_screened = $4 WHERE id = $5",
        )
        .bind(JobStatus::Running.as_str())
        .bind(total)
        .bind(now_utc())
        .bind(missing_screened)
        .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Progress ticks: operational state, not case data, so not audited.
    pub async fn job_progress(&self, id: i64, done: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE jobs SET done = $1 WHERE id = $2 AND status = $3")
            .bind(done)
            .bind(id)
            .bind(JobStatus::Running.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores the candidates and closes the job, in one transaction.
    pub async fn finish_job(&self, actor: &str, id: i64, candidates: &[NewCandidate]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for c in candidates {
            sqlx::query(
                "INSERT INTO candidates (job_id, sample_id, family_id, member_id, log10_lr, exclusions, evidence, \
                 joint_posterior, joint_bound, reference_ids, snp_evidence) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(id)
            .bind(c.sample_id)
            .bind(c.family_id)
            .bind(c.member_id)
            .bind(c.log10_lr)
            .bind(c.exclusions)
            .bind(json(&c.evidence))
            .bind(c.joint_posterior)
            .bind(c.joint_bound)
            .bind(json(&c.reference_ids))
            .bind(c.snp_evidence.as_ref().map(json))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE jobs SET status = $1, done = total, finished_at = $2 WHERE id = $3")
            .bind(JobStatus::Done.as_str())
            .bind(now_utc())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let summary = serde_json::json!({ "candidates": candidates.len() }).to_string();
        self.audit(&mut tx, actor, "finish", "job", &id.to_string(), None, Some(&summary)).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn fail_job(&self, actor: &str, id: i64, error: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE jobs SET status = $1, error = $2, finished_at = $3 WHERE id = $4")
            .bind(JobStatus::Failed.as_str())
            .bind(error)
            .bind(now_utc())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        self.audit(&mut tx, actor, "fail", "job", &id.to_string(), None, Some(error)).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_candidates(&self, job_id: i64) -> Result<Vec<Candidate>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CANDIDATE_COLUMNS} FROM candidates \
             WHERE job_id = $1 ORDER BY log10_lr DESC, id",
        ))
        .bind(job_id)
        .fetch_all(&self.pool)
        .await?;
        Self::candidate_rows(&rows)
    }

    /// A job's best `limit` candidates (highest LR first) and how many it has in all: what a page
    /// shows of a job with thousands of pairs.
    pub async fn top_candidates(&self, job_id: i64, limit: i64) -> Result<(Vec<Candidate>, i64), StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CANDIDATE_COLUMNS} FROM candidates \
             WHERE job_id = $1 ORDER BY log10_lr DESC, id LIMIT $2",
        ))
        .bind(job_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM candidates WHERE job_id = $1")
            .bind(job_id)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        Ok((Self::candidate_rows(&rows)?, total))
    }

    /// A job's candidate samples for one missing member, highest LR first.
    pub async fn member_candidates(&self, job_id: i64, member_id: i64) -> Result<Vec<Candidate>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CANDIDATE_COLUMNS} FROM candidates \
             WHERE job_id = $1 AND member_id = $2 ORDER BY log10_lr DESC, id",
        ))
        .bind(job_id)
        .bind(member_id)
        .fetch_all(&self.pool)
        .await?;
        Self::candidate_rows(&rows)
    }

    /// One candidate pair.
    pub async fn get_candidate(&self, id: i64) -> Result<Option<Candidate>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CANDIDATE_COLUMNS} FROM candidates \
             WHERE id = $1",
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Self::candidate_rows(&rows)?.pop())
    }

    fn candidate_rows(rows: &[sqlx::any::AnyRow]) -> Result<Vec<Candidate>, StoreError> {
        rows.iter()
            .map(|r| {
                let evidence: String = r.try_get("evidence")?;
                // Jobs before the references were kept have none.
                let reference_ids: Option<String> = r.try_get("reference_ids")?;
                let reference_ids = reference_ids
                    .map(|t| serde_json::from_str(&t))
                    .transpose()
                    .map_err(|e| StoreError::Corrupt(format!("candidate reference_ids: {e}")))?
                    .unwrap_or_default();
                let snp_evidence: Option<String> = r.try_get("snp_evidence")?;
                let snp_evidence = snp_evidence
                    .map(|t| serde_json::from_str(&t))
                    .transpose()
                    .map_err(|e| StoreError::Corrupt(format!("candidate snp_evidence: {e}")))?;
                Ok(Candidate {
                    id: r.try_get("id")?,
                    job_id: r.try_get("job_id")?,
                    data: NewCandidate {
                        sample_id: r.try_get("sample_id")?,
                        family_id: r.try_get("family_id")?,
                        member_id: r.try_get("member_id")?,
                        log10_lr: r.try_get("log10_lr")?,
                        exclusions: r.try_get("exclusions")?,
                        evidence: serde_json::from_str(&evidence)
                            .map_err(|e| StoreError::Corrupt(format!("candidate evidence: {e}")))?,
                        joint_posterior: r.try_get("joint_posterior")?,
                        joint_bound: r.try_get("joint_bound")?,
                        reference_ids,
                        snp_evidence,
                    },
                })
            })
            .collect()
    }

    /// Everything a matching job reads: each family's pedigree, missing members and the STR
    /// profiles of references whose consent stands, and every sample's STR profile; with
    /// `snp_panel`, the panel and every sample's and reference's SNP profile on it. One audit
    /// entry records the bulk read of genetic data for the job.
    pub async fn matching_data(
        &self,
        actor: &str,
        job_id: i64,
        snp_panel: Option<&str>,
    ) -> Result<MatchingData, StoreError> {
        let mut data = MatchingData::default();
        let mut snp_references: std::collections::HashMap<i64, Vec<SnpReference>> = Default::default();
        if let Some(name) = snp_panel {
            let panel = self.snp_panel(name).await?.ok_or_else(|| StoreError::NotFound {
                entity: "SNP panel",
                id: name.to_owned(),
            })?;
            let (panel, content) = self
                .snp_panel_content(panel.id)
                .await?
                .ok_or_else(|| crate::support::not_found("SNP panel", panel.id))?;
            let rows = sqlx::query(
                "SELECT p.sample_id, p.data, p.sequencing_error FROM snp_profiles p \
                 WHERE p.panel_id = $1 AND p.sample_id IS NOT NULL ORDER BY p.sample_id",
            )
            .bind(panel.id)
            .fetch_all(&self.pool)
            .await?;
            let mut samples = Vec::with_capacity(rows.len());
            for r in &rows {
                samples.push((r.try_get("sample_id")?, snp_bytes(r)?));
            }
            let rows = sqlx::query(
                "SELECT p.reference_id, p.data, p.sequencing_error, r.family_id, r.donor_member_id \
                 FROM snp_profiles p JOIN reference_samples r ON r.id = p.reference_id \
                 WHERE p.panel_id = $1 AND r.withdrawn = 0 ORDER BY p.reference_id",
            )
            .bind(panel.id)
            .fetch_all(&self.pool)
            .await?;
            for r in &rows {
                snp_references
                    .entry(r.try_get("family_id")?)
                    .or_default()
                    .push(SnpReference {
                        reference_id: r.try_get("reference_id")?,
                        member_id: r.try_get("donor_member_id")?,
                        profile: snp_bytes(r)?,
                    });
            }
            data.snp = Some(SnpMatching { panel, content, samples });
        }
        for family in self.list_families().await? {
            let members = self.list_members(family.id).await?;
            let missing: Vec<i64> = members.iter().filter(|m| m.data.is_missing).map(|m| m.id).collect();
            if missing.is_empty() {
                continue;
            }
            let rows = sqlx::query(
                "SELECT id, donor_member_id, str_profile FROM reference_samples WHERE family_id = $1 AND withdrawn = 0 \
                 AND str_profile IS NOT NULL ORDER BY id",
            )
            .bind(family.id)
            .fetch_all(&self.pool)
            .await?;
            let mut references = Vec::new();
            let mut reference_ids = Vec::new();
            for r in &rows {
                let text: String = r.try_get("str_profile")?;
                let profile: StrProfile =
                    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("reference profile: {e}")))?;
                references.push((r.try_get("donor_member_id")?, profile));
                reference_ids.push(r.try_get("id")?);
            }
            data.families.push(MatchFamily {
                family_id: family.id,
                pedigree: self.family_pedigree(family.id).await?,
                missing,
                references,
                reference_ids,
                snp_references: snp_references.remove(&family.id).unwrap_or_default(),
            });
        }
        // The profile column holds the kind's own JSON: a marker → genotype map for STR.
        let rows =
            sqlx::query("SELECT id, profile FROM samples WHERE profile IS NOT NULL AND profile_kind = $1 ORDER BY id")
                .bind(ProfileKind::Str.as_str())
                .fetch_all(&self.pool)
                .await?;
        for r in &rows {
            let text: String = r.try_get("profile")?;
            let profile: StrProfile =
                serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("sample profile: {e}")))?;
            data.samples.push((r.try_get("id")?, profile));
        }
        let mut tx = self.begin_write().await?;
        let snp_samples = data.snp.as_ref().map_or(0, |s| s.samples.len());
        let snp_refs: usize = data.families.iter().map(|f| f.snp_references.len()).sum();
        let mut what: BTreeMap<&str, usize> = [("families", data.families.len()), ("samples", data.samples.len())]
            .into_iter()
            .collect();
        if data.snp.is_some() {
            what.insert("snp_samples", snp_samples);
            what.insert("snp_references", snp_refs);
        }
        self.audit(
            &mut tx,
            actor,
            "read",
            "profiles",
            &format!("job {job_id}"),
            None,
            Some(&json(&what)),
        )
        .await?;
        tx.commit().await?;
        Ok(data)
    }
}

/// A row's `data` and `sequencing_error`: a stored SNP profile as a job reads it.
pub(crate) fn snp_bytes(r: &sqlx::any::AnyRow) -> Result<SnpBytes, StoreError> {
    Ok(SnpBytes {
        data: r.try_get("data")?,
        sequencing_error: r.try_get("sequencing_error")?,
    })
}
