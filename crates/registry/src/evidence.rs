//! Identifications built from stored evidence. A DNA proposal names a candidate of a finished
//! matching job and nothing else: the LR, the posterior, the references and the model are taken
//! from what the registry stores, checked to belong together (the candidate's family, member,
//! sample, remains, references with their consent standing), and written with the identification in
//! one transaction. A client can cite evidence; it can never supply it.
//!
//! The posterior of a candidate is computed here and only here ([`one_in_n_posterior`] under the
//! candidate's [`Prior`], 1/N), so the candidate page, the proposal and the report agree, and each
//! prints the prior in the same words.

use serde::{Deserialize, Serialize};
use sqlx::{Any, Row, Transaction};

use crate::identifications::{Identification, IdentificationStatus};
use crate::jobs::{Candidate, JobStatus, MatchFamily};
use crate::model::{FieldError, ProfileKind, StrProfile};
use crate::reviews::IdentificationEvidence;
use crate::audit::sha256_hex;
use crate::store::{Store, StoreError};
use crate::support::json;
use crate::support::not_found;

/// The prior probability that a candidate's sample is its missing person, 1/N, and what N counts:
/// the persons believed buried at the sample's site (the site's estimated count) where the
/// registry has that estimate, else the missing persons the job screened every sample against,
/// else (jobs run before that was kept) the missing persons among the job's candidates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Prior {
    pub n: i64,
    /// The prior in the words every page and report prints.
    pub words: String,
}

/// P(the sample is the missing person | LR) under the prior 1/`n`: `LR / (LR + n − 1)`, in logs so
/// that huge LRs neither overflow nor print as 1 when they are not.
pub fn one_in_n_posterior(log10_lr: f64, n: i64) -> f64 {
    if log10_lr == f64::NEG_INFINITY {
        return 0.0;
    }
    if n <= 1 {
        return 1.0;
    }
    let ln_others = ((n - 1) as f64).ln();
    1.0 / (1.0 + (ln_others - log10_lr * std::f64::consts::LN_10).exp())
}

words! {
    /// What an identification on other grounds than DNA rests on.
    pub enum GroundsKind {
        PersonalEffects = "personal-effects",
        BurialRecord = "burial-record",
        Dental = "dental",
        Other = "other",
    }
    parse: folded, "grounds of an identification (personal-effects, burial-record, dental, other)";
}

/// An identification's grounds when they are not DNA: the remains, what kind of grounds, the
/// documents cited (register entries, photographs, dental charts: by their reference or title) and
/// what they show. No LR and no posterior: the reviewers weigh the documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentaryGrounds {
    pub kind: GroundsKind,
    pub remains_id: i64,
    pub documents: Vec<String>,
    pub summary: String,
}

impl DocumentaryGrounds {
    fn check(&self) -> Result<(), FieldError> {
        if self.documents.is_empty() || self.documents.len() > 50 {
            return Err(FieldError::new("documents", "cite between 1 and 50 documents"));
        }
        for d in &self.documents {
            crate::support::required_text("documents", d, 500)?;
        }
        crate::support::required_text("summary", &self.summary, 4000)
    }
}

/// The model a matching job computed under: its JSON (engine version, markers with their
/// frequencies and mutation models, options), written by the `jobs` crate, and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobModel {
    pub json: String,
    pub sha256: String,
}

/// A reference an identification rests on, with the hash of the profile it cited, so that a later
/// change of the profile is seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CitedReference {
    pub id: i64,
    pub profile_sha256: String,
}


/// A refusal naming the field of the proposal whose evidence does not hold.
fn unfounded(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Unfounded(FieldError::new(field, message))
}

impl Store {
    /// Records the model job `job_id` computes under (before it runs).
    pub async fn record_job_model(&self, job_id: i64, model_json: &str) -> Result<JobModel, StoreError> {
        let model = JobModel {
            json: model_json.to_owned(),
            sha256: sha256_hex(model_json),
        };
        let result = sqlx::query("UPDATE jobs SET model = $1, model_sha256 = $2 WHERE id = $3 AND model IS NULL")
            .bind(&model.json)
            .bind(&model.sha256)
            .bind(job_id)
            .execute(&self.pool)
            .await?;
        if result.rows_affected() != 1 {
            return Err(StoreError::NotAllowed(format!(
                "job {job_id} does not exist or has its model recorded already"
            )));
        }
        Ok(model)
    }

    /// The model a job computed under; `None` for a job that recorded none (before this was kept).
    pub async fn job_model(&self, job_id: i64) -> Result<Option<JobModel>, StoreError> {
        let row = sqlx::query("SELECT model, model_sha256 FROM jobs WHERE id = $1")
            .bind(job_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("job", job_id))?;
        let json: Option<String> = row.try_get("model")?;
        let sha256: Option<String> = row.try_get("model_sha256")?;
        Ok(json.zip(sha256).map(|(json, sha256)| JobModel { json, sha256 }))
    }

    /// The posterior of a candidate under its [`Prior`], from what the registry stores.
    pub async fn candidate_posterior(&self, candidate_id: i64) -> Result<f64, StoreError> {
        Ok(self.candidate_posterior_with_prior(candidate_id).await?.0)
    }

    /// The posterior of a candidate and the prior it is under.
    pub async fn candidate_posterior_with_prior(&self, candidate_id: i64) -> Result<(f64, Prior), StoreError> {
        let mut conn = self.pool.acquire().await?;
        Self::posterior_of(&mut conn, candidate_id).await
    }

    async fn posterior_of(conn: &mut sqlx::AnyConnection, candidate_id: i64) -> Result<(f64, Prior), StoreError> {
        let row = sqlx::query(
            "SELECT c.job_id, c.log10_lr, j.missing_screened, si.external_id AS site, si.estimated_count \
             FROM candidates c JOIN jobs j ON j.id = c.job_id JOIN samples s ON s.id = c.sample_id \
             JOIN remains r ON r.id = s.remains_id JOIN sites si ON si.id = r.site_id WHERE c.id = $1",
        )
        .bind(candidate_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| not_found("candidate", candidate_id))?;
        let job_id: i64 = row.try_get("job_id")?;
        let log10_lr: f64 = row.try_get("log10_lr")?;
        let buried: Option<i64> = row.try_get("estimated_count")?;
        let screened: Option<i64> = row.try_get("missing_screened")?;
        let prior = match (buried.filter(|n| *n >= 1), screened.filter(|n| *n >= 1)) {
            (Some(n), _) => {
                let site: String = row.try_get("site")?;
                Prior {
                    n,
                    words: format!("1/N, N = {n}: the persons believed buried at site {site} (its estimated count)"),
                }
            }
            (None, Some(n)) => Prior {
                n,
                words: format!("1/N, N = {n}: the missing persons job {job_id} screened every sample against"),
            },
            (None, None) => {
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(DISTINCT member_id) FROM candidates WHERE job_id = $1")
                    .bind(job_id)
                    .fetch_one(&mut *conn)
                    .await?;
                Prior {
                    n,
                    words: format!("1/N, N = {n}: the missing persons among job {job_id}'s candidates"),
                }
            }
        };
        Ok((one_in_n_posterior(log10_lr, prior.n), prior))
    }

    /// Proposes the identification a candidate supports, with the evidence the registry holds for
    /// it. Refused, naming the field, when the candidate does not exist, its job has not finished,
    /// its member is not a missing person of its family, its sample or remains are gone, a
    /// reference it rests on is not of the family or has had its consent withdrawn, or the person
    /// already has an open identification resting on the same sample.
    pub async fn propose_from_candidate(&self, actor: &str, candidate_id: i64) -> Result<Identification, StoreError> {
        let mut tx = self.begin_write().await?;
        let cited = self.cite_candidate(&mut tx, candidate_id).await?;
        let (posterior, prior) = Self::posterior_of(&mut tx, candidate_id).await?;
        let evidence = IdentificationEvidence {
            job_id: Some(cited.job_id),
            sample_id: Some(cited.sample_id),
            // An LR beyond f64 is still evidence: the exact figure is `log10_lr`.
            lr: 10f64.powf(cited.log10_lr).min(f64::MAX),
            posterior,
            candidate_id: Some(candidate_id),
            log10_lr: Some(cited.log10_lr),
            prior: Some(prior.words),
            model_sha256: Some(cited.model_sha256),
            references: cited.references.clone(),
        };
        let reference_ids: Vec<i64> = cited.references.iter().map(|r| r.id).collect();
        let proposal = Proposal::Dna {
            evidence: &evidence,
            candidate_id,
        };
        let identification = self.insert_proposed(&mut tx, actor, cited.person_id, reference_ids, proposal).await?;
        tx.commit().await?;
        Ok(identification)
    }

    /// Writes a proposed identification of `person_id` resting on `reference_ids` inside `tx`, with
    /// its audit entry (the record and what it cites): the one insert both kinds share.
    async fn insert_proposed(
        &self,
        tx: &mut Transaction<'_, Any>,
        actor: &str,
        person_id: i64,
        reference_ids: Vec<i64>,
        proposal: Proposal<'_>,
    ) -> Result<Identification, StoreError> {
        let (kind, evidence, candidate_id, grounds) = match proposal {
            Proposal::Dna { evidence, candidate_id } => ("dna", Some(json(evidence)), Some(candidate_id), None),
            Proposal::Documentary(g) => (g.kind.as_str(), None, None, Some(json(g))),
        };
        let row = sqlx::query(
            "INSERT INTO identifications (person_id, reference_ids, status, version, evidence, candidate_id, kind, \
             grounds, proposed_by) VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(person_id)
        .bind(json(&reference_ids))
        .bind(IdentificationStatus::Proposed.as_str())
        .bind(evidence)
        .bind(candidate_id)
        .bind(kind)
        .bind(grounds)
        .bind(actor)
        .fetch_one(&mut **tx)
        .await?;
        let identification = Identification {
            id: row.try_get("id")?,
            person_id,
            reference_ids,
            status: IdentificationStatus::Proposed,
            flag_reason: None,
            version: 1,
        };
        let record = match proposal {
            Proposal::Dna { evidence, .. } => serde_json::json!({ "identification": &identification, "evidence": evidence }),
            Proposal::Documentary(g) => serde_json::json!({ "identification": &identification, "grounds": g }),
        };
        self.audit(
            tx,
            actor,
            "create",
            "identification",
            &identification.id.to_string(),
            None,
            Some(&record.to_string()),
        )
        .await?;
        Ok(identification)
    }

    /// Everything a proposal from `candidate_id` rests on, checked inside `tx`.
    async fn cite_candidate(
        &self,
        tx: &mut Transaction<'_, Any>, candidate_id: i64) -> Result<CitedCandidate, StoreError> {
        let field = "candidate_id";
        let c = sqlx::query(
            "SELECT c.job_id, c.sample_id, c.family_id, c.member_id, c.log10_lr, c.reference_ids, \
             j.status, j.model_sha256 FROM candidates c JOIN jobs j ON j.id = c.job_id WHERE c.id = $1",
        )
        .bind(candidate_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| unfounded(field, format!("candidate {candidate_id} does not exist")))?;
        let job_id: i64 = c.try_get("job_id")?;
        let status: String = c.try_get("status")?;
        if status != JobStatus::Done.as_str() {
            return Err(unfounded(field, format!("job {job_id} is {status}, not finished")));
        }
        let model_sha256: Option<String> = c.try_get("model_sha256")?;
        let model_sha256 = model_sha256.ok_or_else(|| {
            unfounded(
                field,
                format!("job {job_id} recorded no model, so its LRs cannot be recomputed; run a new matching job"),
            )
        })?;
        let (sample_id, family_id, member_id): (i64, i64, i64) =
            (c.try_get("sample_id")?, c.try_get("family_id")?, c.try_get("member_id")?);
        let member = sqlx::query("SELECT family_id, person_id, is_missing FROM family_members WHERE id = $1")
            .bind(member_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| unfounded(field, format!("member {member_id} of candidate {candidate_id} is gone")))?;
        let member_family: i64 = member.try_get("family_id")?;
        let is_missing: i64 = member.try_get("is_missing")?;
        let person_id: Option<i64> = member.try_get("person_id")?;
        if member_family != family_id || is_missing == 0 {
            return Err(unfounded(
                field,
                format!("member {member_id} is not a missing member of family {family_id}"),
            ));
        }
        let person_id = person_id.ok_or_else(|| {
            unfounded(
                field,
                format!("member {member_id} of family {family_id} is linked to no person of the register"),
            )
        })?;
        let sample = sqlx::query("SELECT s.id FROM samples s JOIN remains r ON r.id = s.remains_id WHERE s.id = $1")
            .bind(sample_id)
            .fetch_optional(&mut **tx)
            .await?;
        if sample.is_none() {
            return Err(unfounded(
                field,
                format!("sample {sample_id} of candidate {candidate_id} or its remains do not exist"),
            ));
        }
        let reference_ids: Option<String> = c.try_get("reference_ids")?;
        let reference_ids: Vec<i64> = reference_ids
            .map(|t| serde_json::from_str(&t))
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("candidate {candidate_id}: reference_ids: {e}")))?
            .unwrap_or_default();
        if reference_ids.is_empty() {
            return Err(unfounded(
                field,
                format!("candidate {candidate_id} names no reference it rests on"),
            ));
        }
        let mut references = Vec::with_capacity(reference_ids.len());
        for &r in &reference_ids {
            let row = sqlx::query(
                "SELECT r.family_id, r.withdrawn, r.str_profile, p.data AS snp_data FROM reference_samples r \
                 LEFT JOIN snp_profiles p ON p.reference_id = r.id WHERE r.id = $1",
            )
                .bind(r)
                .fetch_optional(&mut **tx)
                .await?
                .ok_or_else(|| unfounded("reference_ids", format!("reference {r} does not exist")))?;
            let of_family: i64 = row.try_get("family_id")?;
            let withdrawn: i64 = row.try_get("withdrawn")?;
            let profile: Option<String> = row.try_get("str_profile")?;
            let snp: Option<Vec<u8>> = row.try_get("snp_data")?;
            if of_family != family_id {
                return Err(unfounded(
                    "reference_ids",
                    format!("reference {r} belongs to family {of_family}, not to family {family_id}"),
                ));
            }
            // The digest of what the reference holds: its STR profile as before SNP profiles
            // existed, with the SNP profile's digest after it when it has one.
            let digest = match (withdrawn, profile, snp) {
                (0, Some(p), None) => self.profile_digest(&p),
                (0, p, Some(snp)) => self.profile_digest(&format!(
                    "{}\n{}",
                    p.unwrap_or_default(),
                    self.snp_profile_digest(&snp)
                )),
                _ => {
                    return Err(unfounded(
                        "reference_ids",
                        format!("consent for reference {r} was withdrawn; its profile is not evidence"),
                    ))
                }
            };
            references.push(CitedReference {
                id: r,
                profile_sha256: digest,
            });
        }
        let open = sqlx::query(
            "SELECT i.id FROM identifications i JOIN candidates c ON c.id = i.candidate_id \
             WHERE i.person_id = $1 AND c.sample_id = $2 AND i.status IN ('proposed', 'confirmed', 'flagged') \
             ORDER BY i.id LIMIT 1",
        )
        .bind(person_id)
        .bind(sample_id)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(open) = open {
            let id: i64 = open.try_get("id")?;
            return Err(StoreError::NotAllowed(format!(
                "identification {id} already names this person for sample {sample_id}; decide it first"
            )));
        }
        Ok(CitedCandidate {
            job_id,
            sample_id,
            person_id,
            log10_lr: c.try_get("log10_lr")?,
            model_sha256,
            references,
        })
    }

    /// What recomputing candidate `candidate_id` needs, read as the job read it: the family's
    /// pedigree and missing members, the profiles of the references the candidate rests on (as
    /// stored now: a withdrawn one is missing, and recomputation then fails to agree), and the
    /// sample's profile. One audit entry records the read of genetic data, with `purpose` (`verify`,
    /// `karyogram`).
    pub async fn candidate_inputs(
        &self,
        actor: &str,
        candidate_id: i64,
        purpose: &str,
    ) -> Result<CandidateInputs, StoreError> {
        let candidate = self
            .get_candidate(candidate_id)
            .await?
            .ok_or_else(|| not_found("candidate", candidate_id))?;
        let c = &candidate.data;
        let model = self.job_model(candidate.job_id).await?;
        let members = self.list_members(c.family_id).await?;
        // The cited references in one read each for STR and SNP profiles, kept in the order cited.
        let keys: Vec<crate::backend::Key<'_>> = c.reference_ids.iter().map(|&r| crate::backend::Key::Int(r)).collect();
        let mut conn = self.pool.acquire().await?;
        let rows = if keys.is_empty() {
            Vec::new()
        } else {
            crate::backend::rows_in(
                &mut conn,
                self.backend,
                "SELECT id, family_id, withdrawn, donor_member_id, str_profile FROM reference_samples WHERE id IN ({in})",
                &keys,
            )
            .await?
        };
        let mut str_rows = std::collections::HashMap::new();
        for row in rows {
            let (id, family, withdrawn): (i64, i64, i64) =
                (row.try_get("id")?, row.try_get("family_id")?, row.try_get("withdrawn")?);
            if family == c.family_id && withdrawn == 0 {
                str_rows.insert(id, row);
            }
        }
        let mut references = Vec::new();
        let mut reference_ids = Vec::new();
        for &r in &c.reference_ids {
            let Some(row) = str_rows.get(&r) else { continue };
            let Some(text) = row.try_get::<Option<String>, _>("str_profile")? else {
                continue;
            };
            let profile: StrProfile =
                serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("reference {r} profile: {e}")))?;
            references.push((row.try_get("donor_member_id")?, profile));
            reference_ids.push(r);
        }
        let row = sqlx::query("SELECT profile FROM samples WHERE id = $1 AND profile_kind = $2")
            .bind(c.sample_id)
            .bind(ProfileKind::Str.as_str())
            .fetch_optional(&self.pool)
            .await?;
        let sample_profile: Option<StrProfile> = match row {
            Some(r) => r
                .try_get::<Option<String>, _>("profile")?
                .map(|t| serde_json::from_str(&t))
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("sample {} profile: {e}", c.sample_id)))?,
            None => None,
        };
        let mut snp_references = Vec::new();
        let snp = match &c.snp_evidence {
            None => None,
            Some(ev) => {
                let (panel, content) = self
                    .snp_panel_content(ev.panel_id)
                    .await?
                    .ok_or_else(|| not_found("SNP panel", ev.panel_id))?;
                let rows = if keys.is_empty() {
                    Vec::new()
                } else {
                    crate::backend::rows_in(
                        &mut conn,
                        self.backend,
                        "SELECT p.reference_id, p.panel_id, p.data, p.sequencing_error, r.family_id, r.withdrawn, \
                         r.donor_member_id FROM snp_profiles p JOIN reference_samples r ON r.id = p.reference_id \
                         WHERE p.reference_id IN ({in})",
                        &keys,
                    )
                    .await?
                };
                let mut snp_rows = std::collections::HashMap::new();
                for row in rows {
                    let (id, panel, family, withdrawn): (i64, i64, i64, i64) = (
                        row.try_get("reference_id")?,
                        row.try_get("panel_id")?,
                        row.try_get("family_id")?,
                        row.try_get("withdrawn")?,
                    );
                    if panel == ev.panel_id && family == c.family_id && withdrawn == 0 {
                        snp_rows.insert(id, row);
                    }
                }
                for &r in &c.reference_ids {
                    if let Some(row) = snp_rows.get(&r) {
                        snp_references.push(crate::SnpReference {
                            reference_id: r,
                            member_id: row.try_get("donor_member_id")?,
                            profile: crate::jobs::snp_bytes(row)?,
                        });
                    }
                }
                let row = sqlx::query(
                    "SELECT data, sequencing_error FROM snp_profiles WHERE sample_id = $1 AND panel_id = $2",
                )
                .bind(c.sample_id)
                .bind(ev.panel_id)
                .fetch_optional(&self.pool)
                .await?;
                let sample = row.as_ref().map(crate::jobs::snp_bytes).transpose()?;
                Some(SnpInputs { panel, content, sample })
            }
        };
        let family = MatchFamily {
            family_id: c.family_id,
            pedigree: self.family_pedigree(c.family_id).await?,
            missing: members.iter().filter(|m| m.data.is_missing).map(|m| m.id).collect(),
            references,
            reference_ids,
            snp_references,
        };
        // Back to the pool before the audit entry's write takes one.
        drop(conn);
        let mut tx = self.begin_write().await?;
        self.audit(
            &mut tx,
            actor,
            "read",
            "profiles",
            &format!("candidate {candidate_id}"),
            None,
            Some(
                &serde_json::json!({
                    "purpose": purpose,
                    "references": family.reference_ids.len(),
                    "snp_references": family.snp_references.len(),
                    "samples": 1,
                })
                .to_string(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(CandidateInputs {
            candidate,
            model,
            family,
            sample_profile,
            snp,
        })
    }

    /// Proposes that `person_id` is the source of remains `grounds.remains_id` on documentary
    /// grounds: its own kind of identification, decided by two reviewers like a DNA one, with the
    /// documents cited and no LR. Refused, naming the field, when the person or the remains do not
    /// exist, or the person already has an open identification on grounds for the same remains.
    pub async fn propose_documentary_identification(
        &self,
        actor: &str,
        person_id: i64,
        grounds: &DocumentaryGrounds,
    ) -> Result<Identification, StoreError> {
        grounds.check()?;
        let mut tx = self.begin_write().await?;
        let exists = |table: &'static str| format!("SELECT id FROM {table} WHERE id = $1");
        if sqlx::query(&exists("persons")).bind(person_id).fetch_optional(&mut *tx).await?.is_none() {
            return Err(unfounded("person_id", format!("person {person_id} does not exist")));
        }
        if sqlx::query(&exists("remains"))
            .bind(grounds.remains_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_none()
        {
            return Err(unfounded("remains_id", format!("remains {} do not exist", grounds.remains_id)));
        }
        let open = sqlx::query(
            "SELECT id, grounds FROM identifications WHERE person_id = $1 AND grounds IS NOT NULL \
             AND status IN ('proposed', 'confirmed', 'flagged') ORDER BY id",
        )
        .bind(person_id)
        .fetch_all(&mut *tx)
        .await?;
        for row in &open {
            let text: String = row.try_get("grounds")?;
            let earlier: DocumentaryGrounds = serde_json::from_str(&text)
                .map_err(|e| StoreError::Corrupt(format!("identification grounds: {e}")))?;
            if earlier.remains_id == grounds.remains_id {
                let id: i64 = row.try_get("id")?;
                return Err(StoreError::NotAllowed(format!(
                    "identification {id} already names this person for remains {}; decide it first",
                    grounds.remains_id
                )));
            }
        }
        let proposal = Proposal::Documentary(grounds);
        let identification = self.insert_proposed(&mut tx, actor, person_id, Vec::new(), proposal).await?;
        tx.commit().await?;
        Ok(identification)
    }

    /// The documentary grounds of an identification (`None` for a DNA one).
    pub async fn identification_grounds(&self, id: i64) -> Result<Option<DocumentaryGrounds>, StoreError> {
        let row = sqlx::query("SELECT grounds FROM identifications WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("identification", id))?;
        let text: Option<String> = row.try_get("grounds")?;
        text.map(|t| serde_json::from_str(&t))
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("identification {id} grounds: {e}")))
    }

    /// The candidate a DNA identification was proposed from (`None` for one proposed otherwise).
    pub async fn identification_candidate(&self, id: i64) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT candidate_id FROM identifications WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found("identification", id))?;
        Ok(row.try_get("candidate_id")?)
    }

    /// Flags, inside `tx`, every open identification whose evidence cites sample `sample_id`, whose
    /// profile just changed, each change audited. (A reference is typed once and loses its profile
    /// only by withdrawal, which flags through `flag_identifications_resting_on`.)
    pub(crate) async fn flag_identifications_citing_sample(
        &self,
        tx: &mut Transaction<'_, Any>,
        actor: &str,
        sample_id: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT i.id FROM identifications i JOIN candidates c ON c.id = i.candidate_id \
             WHERE c.sample_id = $1 AND i.status IN ('proposed', 'confirmed', 'flagged') ORDER BY i.id",
        )
        .bind(sample_id)
        .fetch_all(&mut **tx)
        .await?;
        let reason = format!("the profile of sample {sample_id} changed after the LR was computed");
        let mut flagged = Vec::new();
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            self.flag_identification(tx, actor, id, &reason).await?;
            flagged.push(id);
        }
        Ok(flagged)
    }
}

/// Everything a candidate's LR was computed from, as stored now ([`Store::candidate_inputs`]).
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateInputs {
    pub candidate: Candidate,
    /// `None` for a job from before models were recorded.
    pub model: Option<JobModel>,
    /// The candidate's family with only the references the candidate cites (those still held).
    pub family: MatchFamily,
    /// `None` when the sample's STR profile is gone.
    pub sample_profile: Option<StrProfile>,
    /// For a candidate with SNP evidence: its panel and the sample's SNP profile on it (the
    /// references' are in `family.snp_references`).
    pub snp: Option<SnpInputs>,
}

/// The SNP part of a candidate's inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct SnpInputs {
    pub panel: crate::SnpPanelInfo,
    pub content: String,
    /// `None` when the sample's SNP profile is gone.
    pub sample: Option<crate::SnpBytes>,
}

/// What a proposal cites: a candidate's evidence, or documents.
#[derive(Clone, Copy)]
enum Proposal<'a> {
    Dna {
        evidence: &'a IdentificationEvidence,
        candidate_id: i64,
    },
    Documentary(&'a DocumentaryGrounds),
}

/// What [`Store::cite_candidate`] found.
struct CitedCandidate {
    job_id: i64,
    sample_id: i64,
    person_id: i64,
    log10_lr: f64,
    model_sha256: String,
    references: Vec<CitedReference>,
}

#[cfg(test)]
mod tests {
    use super::one_in_n_posterior;

    #[test]
    fn posterior_against_direct_arithmetic() {
        // LR 100 with a prior of 1/11: 100 / (100 + 10).
        assert!((one_in_n_posterior(2.0, 11) - 100.0 / 110.0).abs() < 1e-12);
        // LR 1 is no evidence: the prior itself.
        assert!((one_in_n_posterior(0.0, 300) - 1.0 / 300.0).abs() < 1e-15);
        // Huge LRs do not overflow, and are not 1 before they are; tiny ones do not vanish early.
        assert_eq!(one_in_n_posterior(400.0, 300), 1.0);
        let near = one_in_n_posterior(10.0, 300);
        assert!(near < 1.0 && (1.0 - near - 299e-10).abs() < 1e-14, "{near}");
        let p = one_in_n_posterior(-300.0, 2);
        assert!((p / 1e-300 - 1.0).abs() < 1e-9, "{p}");
        // One person who could be the sample; an excluded pairing.
        assert_eq!(one_in_n_posterior(-2.0, 1), 1.0);
        assert_eq!(one_in_n_posterior(f64::NEG_INFINITY, 300), 0.0);
    }
}
