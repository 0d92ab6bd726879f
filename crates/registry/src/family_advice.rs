//! Derived statistics kept per family: the "who to sample next" advice, computed by the server's
//! own account from the family's references and stored here with a fingerprint of its inputs, so
//! that a family liaison's page shows it without any genotype being read on their behalf.
//!
//! The fingerprint is the SHA-256 over the family's members (every column: the pedigree, who is
//! alive, missing, named what, each row's version), the id, donor and version of every reference
//! whose consent stands (a re-typing bumps the version, a withdrawal removes it), and the caller's
//! options. It is computed from those rows alone, never from a genotype, so checking whether the
//! stored advice still holds is no read of genetic data.

use sqlx::{AnyConnection, Row};

use crate::audit::sha256_hex;
use crate::families::{member_from_row, pedigree_rows, MEMBER_COLUMNS};
use crate::model::{FamilyMember, PedigreeRow, StrProfile};
use crate::store::{Store, StoreError};
use crate::support::{corrupt, json, not_found};
use crate::time::now_utc;

/// What the advice of one family is computed from, read (and audited) in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct AdviceInputs {
    /// The fingerprint of exactly these inputs (and the options given).
    pub fingerprint: String,
    pub members: Vec<FamilyMember>,
    pub pedigree: Vec<PedigreeRow>,
    /// (donor member id, STR profile) of every reference whose consent stands, by reference id.
    pub references: Vec<(i64, StrProfile)>,
    /// The ids of those references, in the same order.
    pub reference_ids: Vec<i64>,
}

/// The advice stored for a family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAdvice {
    pub family_id: i64,
    pub fingerprint: String,
    /// The advice as JSON, as its writer gave it.
    pub advice: String,
    pub computed_at: String,
}

/// The SQL of the references whose consent stands and whose profile is still held.
const STANDING_REFERENCES: &str = "SELECT id, donor_member_id, version, str_profile FROM reference_samples \
     WHERE family_id = $1 AND withdrawn = 0 AND str_profile IS NOT NULL ORDER BY id";

/// The members of an existing family, by id.
async fn members_of(conn: &mut AnyConnection, family_id: i64) -> Result<Vec<FamilyMember>, StoreError> {
    if sqlx::query("SELECT id FROM families WHERE id = $1")
        .bind(family_id)
        .fetch_optional(&mut *conn)
        .await?
        .is_none()
    {
        return Err(not_found("family", family_id));
    }
    let sql = format!("SELECT {MEMBER_COLUMNS} FROM family_members WHERE family_id = $1 ORDER BY id");
    let rows = sqlx::query(&sql).bind(family_id).fetch_all(&mut *conn).await?;
    rows.iter().map(member_from_row).collect()
}

/// The fingerprint of the inputs: members, (id, donor, version) of the standing references, options.
fn fingerprint(members: &[FamilyMember], references: &[(i64, i64, i64)], options: &str) -> String {
    sha256_hex(&json(&serde_json::json!({
        "members": members,
        "references": references,
        "options": options,
    })))
}

impl Store {
    /// The fingerprint of family `family_id`'s advice inputs under `options`, read without any
    /// genotype (so not audited: nothing sensitive is read).
    pub async fn advice_fingerprint(&self, family_id: i64, options: &str) -> Result<String, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let members = members_of(&mut conn, family_id).await?;
        // The profile column is selected by the shared statement but never decoded here.
        let rows = sqlx::query(STANDING_REFERENCES)
            .bind(family_id)
            .fetch_all(&mut *conn)
            .await?;
        let references = rows
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("donor_member_id")?, r.try_get("version")?)))
            .collect::<Result<Vec<(i64, i64, i64)>, StoreError>>()?;
        Ok(fingerprint(&members, &references, options))
    }

    /// Everything family `family_id`'s advice is computed from, with its fingerprint, in one
    /// transaction that records each reference profile read in the audit chain under `actor`
    /// (the account computing), naming `requested_by` (who asked for the advice) in the entry.
    pub async fn advice_inputs(
        &self,
        actor: &str,
        family_id: i64,
        requested_by: Option<&str>,
        options: &str,
    ) -> Result<AdviceInputs, StoreError> {
        let mut tx = self.begin_write().await?;
        let members = members_of(&mut tx, family_id).await?;
        let rows = sqlx::query(STANDING_REFERENCES)
            .bind(family_id)
            .fetch_all(&mut *tx)
            .await?;
        let (mut keys, mut references, mut reference_ids) = (Vec::new(), Vec::new(), Vec::new());
        for r in &rows {
            let (id, donor, version): (i64, i64, i64) =
                (r.try_get("id")?, r.try_get("donor_member_id")?, r.try_get("version")?);
            let text: String = r.try_get("str_profile")?;
            let profile: StrProfile =
                serde_json::from_str(&text).map_err(|e| corrupt("reference", "str_profile", &e))?;
            keys.push((id, donor, version));
            references.push((donor, profile));
            reference_ids.push(id);
        }
        let detail = json(&serde_json::json!({ "purpose": "advice", "requested_by": requested_by }));
        for id in &reference_ids {
            self.audit(&mut tx, actor, "read", "reference-profile", &id.to_string(), None, Some(&detail)).await?;
        }
        tx.commit().await?;
        Ok(AdviceInputs {
            fingerprint: fingerprint(&members, &keys, options),
            pedigree: pedigree_rows(&members),
            members,
            references,
            reference_ids,
        })
    }

    /// The advice stored for family `family_id`, whatever its fingerprint.
    pub async fn stored_advice(&self, family_id: i64) -> Result<Option<StoredAdvice>, StoreError> {
        let row = sqlx::query("SELECT family_id, fingerprint, advice, computed_at FROM family_advice WHERE family_id = $1")
            .bind(family_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(StoredAdvice {
                family_id: r.try_get("family_id")?,
                fingerprint: r.try_get("fingerprint")?,
                advice: r.try_get("advice")?,
                computed_at: r.try_get("computed_at")?,
            })
        })
        .transpose()
    }

    /// Stores (or replaces) family `family_id`'s advice computed from inputs of `fingerprint`. The
    /// audit entry names the fingerprint, not the advice: it holds no genotype, but it is derived
    /// data that the entry's readers do not need.
    pub async fn store_advice(
        &self,
        actor: &str,
        family_id: i64,
        fingerprint: &str,
        advice: &str,
    ) -> Result<StoredAdvice, StoreError> {
        let stored = StoredAdvice {
            family_id,
            fingerprint: fingerprint.to_owned(),
            advice: advice.to_owned(),
            computed_at: now_utc(),
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO family_advice (family_id, fingerprint, advice, computed_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (family_id) DO UPDATE SET fingerprint = excluded.fingerprint, advice = excluded.advice, \
             computed_at = excluded.computed_at",
        )
        .bind(family_id)
        .bind(&stored.fingerprint)
        .bind(&stored.advice)
        .bind(&stored.computed_at)
        .execute(&mut *tx)
        .await?;
        let detail = json(&serde_json::json!({ "fingerprint": fingerprint, "computed_at": stored.computed_at }));
        self.audit(&mut tx, actor, "compute", "family-advice", &family_id.to_string(), None, Some(&detail)).await?;
        tx.commit().await?;
        Ok(stored)
    }
}
