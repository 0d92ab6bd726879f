//! Identifications: a person named as the source of remains, resting on reference samples. For now
//! only what consent withdrawal needs: proposing one, reading it, and flagging those that rest on a
//! withdrawn reference (inside the withdrawal's transaction).


use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::model::FieldError;
use crate::store::{Store, StoreError};
use crate::support::json;
use crate::support::{corrupt, not_found};
use crate::versioned::Change;

words! {
    pub enum IdentificationStatus {
        Proposed = "proposed",
        Confirmed = "confirmed",
        /// Something it rests on has gone (consent withdrawn): to be reviewed.
        Flagged = "flagged",
        /// A reviewer rejected it.
        Rejected = "rejected",
    }
    parse: folded, "an identification status (proposed, confirmed, flagged, rejected)";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identification {
    pub id: i64,
    pub person_id: i64,
    /// The reference samples the identification rests on.
    pub reference_ids: Vec<i64>,
    pub status: IdentificationStatus,
    pub flag_reason: Option<String>,
    pub version: i64,
}

const IDENTIFICATION_COLUMNS: &str = "id, person_id, reference_ids, status, flag_reason, version";

fn identification_from_row(row: &AnyRow) -> Result<Identification, StoreError> {
    let refs: String = row.try_get("reference_ids")?;
    let status: String = row.try_get("status")?;
    Ok(Identification {
        id: row.try_get("id")?,
        person_id: row.try_get("person_id")?,
        reference_ids: serde_json::from_str(&refs).map_err(|e| corrupt("identification", "reference_ids", &e))?,
        status: status
            .parse()
            .map_err(|e: String| corrupt("identification", "status", &e))?,
        flag_reason: row.try_get("flag_reason")?,
        version: row.try_get("version")?,
    })
}

impl Store {
    /// Proposes that `person_id` is identified, resting on the given references (at least one,
    /// each existing and with its consent standing).
    pub async fn propose_identification(
        &self,
        actor: &str,
        person_id: i64,
        reference_ids: &[i64],
    ) -> Result<Identification, StoreError> {
        let mut refs = reference_ids.to_vec();
        refs.sort_unstable();
        refs.dedup();
        if refs.is_empty() {
            return Err(FieldError::new("reference_ids", "an identification rests on at least one reference").into());
        }
        let mut tx = self.begin_write().await?;
        if sqlx::query("SELECT id FROM persons WHERE id = $1")
            .bind(person_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_none()
        {
            return Err(not_found("person", person_id));
        }
        for &r in &refs {
            let row = sqlx::query("SELECT withdrawn FROM reference_samples WHERE id = $1")
                .bind(r)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| not_found("reference", r))?;
            let withdrawn: i64 = row.try_get("withdrawn")?;
            if withdrawn != 0 {
                return Err(
                    FieldError::new("reference_ids", format!("consent for reference {r} was withdrawn")).into(),
                );
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO identifications (person_id, reference_ids, status, version, proposed_by) \
             VALUES ($1, $2, $3, 1, $4) RETURNING id",
        )
        .bind(person_id)
        .bind(json(&refs))
        .bind(IdentificationStatus::Proposed.as_str())
        .bind(actor)
        .fetch_one(&mut *tx)
        .await?;
        let identification = Identification {
            id,
            person_id,
            reference_ids: refs,
            status: IdentificationStatus::Proposed,
            flag_reason: None,
            version: 1,
        };
        self.audit_created(&mut tx, actor, "identification", identification.id, &json(&identification)).await?;
        tx.commit().await?;
        Ok(identification)
    }

    pub async fn get_identification(&self, id: i64) -> Result<Option<Identification>, StoreError> {
        let sql = format!("SELECT {IDENTIFICATION_COLUMNS} FROM identifications WHERE id = $1");
        self.one_where(&sql, id, identification_from_row).await
    }

    /// Every identification, by id.
    pub async fn list_identifications(&self) -> Result<Vec<Identification>, StoreError> {
        let sql = format!("SELECT {IDENTIFICATION_COLUMNS} FROM identifications ORDER BY id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(identification_from_row).collect()
    }

    /// The identifications that rest on a reference, by id.
    pub async fn identifications_resting_on(&self, reference_id: i64) -> Result<Vec<Identification>, StoreError> {
        let sql =
            format!("SELECT {IDENTIFICATION_COLUMNS} FROM identifications WHERE reference_ids LIKE $1 ORDER BY id");
        let rows = sqlx::query(&sql)
            .bind(format!("%{reference_id}%"))
            .fetch_all(&self.pool)
            .await?;
        let all = rows
            .iter()
            .map(identification_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(all
            .into_iter()
            .filter(|i| i.reference_ids.contains(&reference_id))
            .collect())
    }

    /// Flags, inside `tx`, every identification resting on `reference_id` (a reason is added to
    /// one flagged already), each change audited. Returns their ids.
    pub(crate) async fn flag_identifications_resting_on(
        &self,
        tx: &mut Transaction<'_, Any>,
        actor: &str,
        reference_id: i64,
        reason: &str,
    ) -> Result<Vec<i64>, StoreError> {
        // The LIKE only narrows the candidates; the JSON decides.
        let sql =
            format!("SELECT {IDENTIFICATION_COLUMNS} FROM identifications WHERE reference_ids LIKE $1 ORDER BY id");
        let rows = sqlx::query(&sql)
            .bind(format!("%{reference_id}%"))
            .fetch_all(&mut **tx)
            .await?;
        let mut flagged = Vec::new();
        for row in &rows {
            let candidate = identification_from_row(row)?;
            if candidate.reference_ids.contains(&reference_id) {
                self.flag_identification(tx, actor, candidate.id, reason).await?;
                flagged.push(candidate.id);
            }
        }
        Ok(flagged)
    }

    /// Flags identification `id` inside `tx` for review, with the reason (added to an earlier one),
    /// audited with its state before and after.
    pub(crate) async fn flag_identification(
        &self,
        tx: &mut Transaction<'_, Any>,
        actor: &str,
        id: i64,
        reason: &str,
    ) -> Result<(), StoreError> {
        let sql = format!("SELECT {IDENTIFICATION_COLUMNS} FROM identifications WHERE id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&mut **tx).await?;
        let before = row
            .as_ref()
            .map(identification_from_row)
            .transpose()?
            .ok_or_else(|| not_found("identification", id))?;
        let flag_reason = match &before.flag_reason {
            Some(earlier) => format!("{earlier}; {reason}"),
            None => reason.to_owned(),
        };
        let after = Identification {
            status: IdentificationStatus::Flagged,
            flag_reason: Some(flag_reason.clone()),
            version: before.version + 1,
            ..before.clone()
        };
        Change::new("identifications", "identification", before.id, Some(before.version))
            .set("status", IdentificationStatus::Flagged.as_str())
            .set("flag_reason", flag_reason)
            .run(self,tx, actor, "flag", Some(&json(&before)), &json(&after))
            .await
    }
}
