//! The decision: an identification cites its evidence (the matching job, the sample, the LR and
//! posterior) and needs two confirmations by two different users who both hold the reviewer role.
//! The rules live here, not in a user interface: the server only passes the caller on.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::identifications::{Identification, IdentificationStatus};
use crate::model::{FieldError, PersonStatus};
use crate::store::{Store, StoreError};
#[cfg(any(test, feature = "testing"))]
use crate::support::json;
use crate::support::records;
use crate::time::now_utc;
use crate::users::{Role, User};
use crate::versioned::Change;

/// What an identification rests on besides its references.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentificationEvidence {
    /// The matching job whose candidate this was.
    #[serde(default)]
    pub job_id: Option<i64>,
    /// The sample identified.
    #[serde(default)]
    pub sample_id: Option<i64>,
    pub lr: f64,
    pub posterior: f64,
    /// The candidate it was proposed from; the figures below are that candidate's, as stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candidate_id: Option<i64>,
    /// The exact LR (`lr` saturates at the largest f64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log10_lr: Option<f64>,
    /// The prior the posterior is under, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior: Option<String>,
    /// The SHA-256 of the job's model (markers, frequencies, mutation models, engine version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_sha256: Option<String>,
    /// The references the LR rests on, with the hash of each profile as it was cited.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<crate::evidence::CitedReference>,
}

impl IdentificationEvidence {
    #[cfg(any(test, feature = "testing"))]
    fn check(&self) -> Result<(), FieldError> {
        if !(self.lr.is_finite() && self.lr >= 0.0) {
            return Err(FieldError::new("lr", format!("{} is not a likelihood ratio", self.lr)));
        }
        if !(0.0..=1.0).contains(&self.posterior) {
            return Err(FieldError::new(
                "posterior",
                format!("{} is not a probability", self.posterior),
            ));
        }
        Ok(())
    }
}

words! {
    /// A reviewer's decision.
    pub enum Decision {
        Confirm = "confirm",
        Reject = "reject",
    }
    parse: none;
}

/// One review as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Review {
    pub reviewer: String,
    pub decision: String,
    pub comment: String,
    pub at: String,
}

impl Store {
    /// Test support: proposes an identification with figures the caller gives. Nothing outside
    /// tests may take evidence from a caller; the server and the command line propose through
    /// [`Store::propose_from_candidate`], which reads it from the registry.
    #[cfg(any(test, feature = "testing"))]
    pub async fn propose_cited_identification(
        &self,
        actor: &str,
        person_id: i64,
        reference_ids: &[i64],
        evidence: &IdentificationEvidence,
    ) -> Result<Identification, StoreError> {
        evidence.check()?;
        let proposed = self.propose_identification(actor, person_id, reference_ids).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE identifications SET evidence = $1 WHERE id = $2")
            .bind(json(evidence))
            .bind(proposed.id)
            .execute(&mut *tx)
            .await?;
        self.audit(
            &mut tx,
            actor,
            "cite",
            "identification",
            &proposed.id.to_string(),
            None,
            Some(&json(evidence)),
        )
        .await?;
        tx.commit().await?;
        Ok(proposed)
    }

    /// The evidence an identification cites, if any.
    pub async fn identification_evidence(&self, id: i64) -> Result<Option<IdentificationEvidence>, StoreError> {
        let row = sqlx::query("SELECT evidence FROM identifications WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound {
                entity: "identification",
                id: id.to_string(),
            });
        };
        let text: Option<String> = row.try_get("evidence")?;
        text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(format!("identification evidence: {e}"))))
            .transpose()
    }

    /// Records a reviewer's decision. A confirmation by a second, different reviewer confirms the
    /// identification and moves the person's status to identified, citing it; a rejection rejects
    /// it. Only users with the reviewer role may review, each once, and only identifications that
    /// are proposed and cite their evidence.
    pub async fn review_identification(
        &self,
        reviewer: &User,
        id: i64,
        decision: Decision,
        comment: &str,
    ) -> Result<Identification, StoreError> {
        if reviewer.role != Role::Reviewer {
            return Err(StoreError::NotAllowed(format!(
                "reviewing identifications needs the reviewer role; '{}' is {}",
                reviewer.username, reviewer.role
            )));
        }
        if comment.trim().is_empty() {
            return Err(FieldError::new("comment", "a review needs a comment").into());
        }
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT person_id, status, evidence, grounds, proposed_by, version FROM identifications WHERE id = $1",
        )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "identification",
                id: id.to_string(),
            })?;
        let status: String = row.try_get("status")?;
        let status: IdentificationStatus = status.parse().map_err(StoreError::Corrupt)?;
        let person_id: i64 = row.try_get("person_id")?;
        let evidence: Option<String> = row.try_get("evidence")?;
        let grounds: Option<String> = row.try_get("grounds")?;
        let proposed_by: Option<String> = row.try_get("proposed_by")?;
        if proposed_by.as_deref() == Some(reviewer.username.as_str()) {
            return Err(StoreError::NotAllowed(format!(
                "'{}' proposed identification {id}; its reviewers are two others",
                reviewer.username
            )));
        }
        if status != IdentificationStatus::Proposed {
            return Err(StoreError::NotAllowed(format!(
                "identification {id} is {status}, not open for review"
            )));
        }
        if evidence.is_none() && grounds.is_none() {
            return Err(StoreError::NotAllowed(format!(
                "identification {id} cites neither a matching job's candidate nor documents; it cannot be decided"
            )));
        }
        let at = now_utc();
        sqlx::query(
            "INSERT INTO identification_reviews (identification_id, reviewer, decision, comment, at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(&reviewer.username)
        .bind(decision.as_str())
        .bind(comment.trim())
        .bind(&at)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if crate::support::unique_violation(&e) {
                StoreError::NotAllowed(format!("'{}' has already reviewed identification {id}", reviewer.username))
            } else {
                e.into()
            }
        })?;
        let review = serde_json::json!({ "decision": decision.as_str(), "comment": comment.trim() }).to_string();
        self.audit(
            &mut tx,
            &reviewer.username,
            "review",
            "identification",
            &id.to_string(),
            None,
            Some(&review),
        )
        .await?;
        let confirmers: Vec<String> = sqlx::query(
            "SELECT reviewer FROM identification_reviews WHERE identification_id = $1 AND decision = 'confirm' ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get("reviewer"))
        .collect::<Result<_, _>>()?;
        let new_status = match decision {
            Decision::Reject => Some(IdentificationStatus::Rejected),
            Decision::Confirm if confirmers.len() >= 2 => Some(IdentificationStatus::Confirmed),
            Decision::Confirm => None,
        };
        if let Some(new_status) = new_status {
            // Writers queue on the audit head (`begin_write`) and the status was read in this
            // transaction: it moves whatever the version.
            Change::new("identifications", "identification", id, None)
                .set("status", new_status.as_str())
                .run(
                    self,
                    &mut tx,
                    &reviewer.username,
                    "status",
                    Some(status.as_str()),
                    new_status.as_str(),
                )
                .await?;
        }
        if new_status == Some(IdentificationStatus::Confirmed) {
            // The person is identified: their status moves forward, citing the decision.
            let row = sqlx::query("SELECT status, version FROM persons WHERE id = $1")
                .bind(person_id)
                .fetch_one(&mut *tx)
                .await?;
            let current: String = row.try_get("status")?;
            let current: PersonStatus = current.parse().map_err(StoreError::Corrupt)?;
            if current < PersonStatus::Identified {
                let reason = format!("identification {id} confirmed by {}", confirmers.join(" and "));
                self.move_person_status(
                    &mut tx,
                    &reviewer.username,
                    person_id,
                    None,
                    current,
                    PersonStatus::Identified,
                    &reason,
                )
                .await?;
            }
        }
        tx.commit().await?;
        self.get_identification(id).await?.ok_or(StoreError::NotFound {
            entity: "identification",
            id: id.to_string(),
        })
    }

    /// The reviews of an identification, oldest first.
    pub async fn identification_reviews(&self, id: i64) -> Result<Vec<Review>, StoreError> {
        let rows = sqlx::query(
            "SELECT reviewer, decision, comment, at FROM identification_reviews WHERE identification_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        records("identification review", &rows)
    }
}
