//! A family imported from a family-tree file (GEDCOM): the members and their biological parents
//! (the pedigree, in `family_members`), the relations that are not biological (adoption, fostering,
//! sealing, other, and birth links the file disproves), kept for the family's record and never for
//! a pedigree, and each member's record as the file gives it (names in other scripts, birth, death,
//! burial). One transaction, audited like every write.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::model::FieldError;
use crate::model::ImportFamily;
use crate::store::{Store, StoreError};
use crate::audit::AuditRecord;
use crate::support::json;
use crate::support::{corrupt, optional_text, required_text};

words! {
    /// How a child belongs to a parent other than by birth, or a birth link that was disproven.
    pub enum RelationKind {
        /// Only with [`RelationStatus::Disproven`]: biological links are the pedigree's.
        Birth = "birth",
        Adopted = "adopted",
        Foster = "foster",
        Sealing = "sealing",
        Other = "other",
    }
    parse: exact, "a relation kind";
}

words! {
    /// How certain the source is of a relation.
    pub enum RelationStatus {
        Proven = "proven",
        Challenged = "challenged",
        Disproven = "disproven",
    }
    parse: exact, "a relation status";
}

/// A non-genetic relation to import: `child` and `parent` are 0-based positions in the family's
/// member list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRelation {
    pub child: usize,
    pub parent: usize,
    pub kind: RelationKind,
    #[serde(default)]
    pub status: Option<RelationStatus>,
}

/// A non-genetic relation as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRelation {
    pub id: i64,
    pub family_id: i64,
    pub child_member_id: i64,
    pub parent_member_id: i64,
    pub kind: RelationKind,
    pub status: Option<RelationStatus>,
}

/// The same name in another script or spelling (a GEDCOM `TRAN`, `ROMN` or `FONE`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedVariant {
    pub text: String,
    /// translation, romanized or phonetic.
    pub kind: String,
    /// ISO 15924 script of `text`, guessed from its letters.
    pub script: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// How it was made (romaji, kana, pinyin, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

/// One of a member's names as the source gives it, the surname between slashes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedName {
    pub text: String,
    pub script: String,
    /// The source's name type (BIRTH, MARRIED, AKA, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<RecordedVariant>,
}

/// A birth, death or burial as the source gives it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedEvent {
    /// The date in the source's notation (GEDCOM: `ABT 1945`, `BET 1900 AND 1905`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The date as YYYY, YYYY-MM or YYYY-MM-DD when the source gives one exact Gregorian date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_iso: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_phrase: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
}

/// What the source records of a member beyond the pedigree.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberRecord {
    /// The member's id in the source (a GEDCOM xref such as `I1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    #[serde(default)]
    pub names: Vec<RecordedName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth: Option<RecordedEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub death: Option<RecordedEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burial: Option<RecordedEvent>,
}

impl MemberRecord {
    /// Names are not empty and at most 500 characters, places at most 1,000, coordinates in range.
    pub fn check(&self) -> Result<(), FieldError> {
        optional_text("source_id", self.source_id.as_deref(), 100)?;
        for n in &self.names {
            required_text("names", &n.text, 500)?;
            for v in &n.variants {
                required_text("names", &v.text, 500)?;
            }
        }
        for (field, e) in [("birth", &self.birth), ("death", &self.death), ("burial", &self.burial)] {
            let Some(e) = e else { continue };
            optional_text(field, e.place.as_deref(), 1000)?;
            optional_text(field, e.date.as_deref(), 200)?;
            if e.latitude.is_some_and(|x| !(-90.0..=90.0).contains(&x))
                || e.longitude.is_some_and(|x| !(-180.0..=180.0).contains(&x))
            {
                return Err(FieldError::new(field, "coordinates out of range"));
            }
        }
        Ok(())
    }
}

/// A family from a family-tree file: the family and its members (parents by birth only, see
/// [`ImportFamily`]), one [`MemberRecord`] per member, and the non-genetic relations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportGenealogy {
    pub family: ImportFamily,
    pub records: Vec<MemberRecord>,
    pub relations: Vec<NewRelation>,
}

impl ImportGenealogy {
    fn check(&self) -> Result<(), FieldError> {
        let n = self.family.members.len();
        if self.records.len() != n {
            return Err(FieldError::new(
                "records",
                format!("{} records for {n} members", self.records.len()),
            ));
        }
        for (k, r) in self.records.iter().enumerate() {
            r.check()
                .map_err(|e| FieldError::new(&e.field, format!("member {k}: {}", e.message)))?;
        }
        let mut seen = HashSet::new();
        for r in &self.relations {
            if r.child >= n || r.parent >= n {
                return Err(FieldError::new(
                    "relations",
                    format!("member {} or {} is not in the family", r.child, r.parent),
                ));
            }
            if r.child == r.parent {
                return Err(FieldError::new(
                    "relations",
                    format!("member {} cannot be their own parent", r.child),
                ));
            }
            if r.kind == RelationKind::Birth && r.status != Some(RelationStatus::Disproven) {
                return Err(FieldError::new(
                    "relations",
                    "a birth link is the pedigree's (father/mother), here only as disproven",
                ));
            }
            if !seen.insert((r.child, r.parent, r.kind)) {
                return Err(FieldError::new(
                    "relations",
                    format!(
                        "member {} is related to member {} as {} twice",
                        r.child, r.parent, r.kind
                    ),
                ));
            }
        }
        // The family and its members are checked by `write_families`, with the import's other rules.
        Ok(())
    }
}

/// What [`Store::import_genealogy`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenealogySummary {
    pub family_id: i64,
    pub members: usize,
    pub relations: usize,
}

fn relation_from_row(row: &AnyRow) -> Result<MemberRelation, StoreError> {
    let kind: String = row.try_get("kind")?;
    let status: Option<String> = row.try_get("status")?;
    Ok(MemberRelation {
        id: row.try_get("id")?,
        family_id: row.try_get("family_id")?,
        child_member_id: row.try_get("child_member_id")?,
        parent_member_id: row.try_get("parent_member_id")?,
        kind: kind
            .parse()
            .map_err(|e: String| corrupt("member relation", "kind", &e))?,
        status: status
            .map(|s| s.parse())
            .transpose()
            .map_err(|e: String| corrupt("member relation", "status", &e))?,
    })
}

impl Store {
    /// Imports one family from a family-tree file in one transaction: the family and members with
    /// the checks of [`Store::import_families`], then the member records and the non-genetic
    /// relations. All of it, or nothing.
    pub async fn import_genealogy(&self, actor: &str, g: &ImportGenealogy) -> Result<GenealogySummary, StoreError> {
        g.check()?;
        let backend = self.backend();
        let mut tx = self.begin_write().await?;
        let (family_ids, member_ids) = self.write_families(&mut tx, backend, actor, std::slice::from_ref(&g.family))
            .await
            .map_err(|(_, e)| e)?;
        let (family_id, members) = (family_ids[0], &member_ids[0]);
        let mut audit = Vec::new();
        for (k, r) in g.records.iter().enumerate() {
            sqlx::query("INSERT INTO member_records (member_id, source_id, record) VALUES ($1, $2, $3)")
                .bind(members[k])
                .bind(&r.source_id)
                .bind(json(r))
                .execute(&mut *tx)
                .await?;
            audit.push(AuditRecord {
                action: "create",
                entity: "member-record",
                entity_id: members[k].to_string(),
                before: None,
                after: Some(json(r)),
            });
        }
        for r in &g.relations {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO member_relations (family_id, child_member_id, parent_member_id, kind, status) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(family_id)
            .bind(members[r.child])
            .bind(members[r.parent])
            .bind(r.kind.as_str())
            .bind(r.status.map(|s| s.as_str()))
            .fetch_one(&mut *tx)
            .await?;
            let stored = MemberRelation {
                id,
                family_id,
                child_member_id: members[r.child],
                parent_member_id: members[r.parent],
                kind: r.kind,
                status: r.status,
            };
            audit.push(AuditRecord {
                action: "create",
                entity: "member-relation",
                entity_id: stored.id.to_string(),
                before: None,
                after: Some(json(&stored)),
            });
        }
        self.audit_many(&mut tx, actor, &audit).await?;
        tx.commit().await?;
        Ok(GenealogySummary {
            family_id,
            members: members.len(),
            relations: g.relations.len(),
        })
    }

    /// A family's non-genetic relations, by id.
    pub async fn member_relations(&self, family_id: i64) -> Result<Vec<MemberRelation>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, family_id, child_member_id, parent_member_id, kind, status FROM member_relations \
             WHERE family_id = $1 ORDER BY id",
        )
        .bind(family_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(relation_from_row).collect()
    }

    /// What the source recorded of a member, if it came from a family-tree file.
    pub async fn member_record(&self, member_id: i64) -> Result<Option<MemberRecord>, StoreError> {
        let row = sqlx::query("SELECT record FROM member_records WHERE member_id = $1")
            .bind(member_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            let text: String = r.try_get("record")?;
            serde_json::from_str(&text).map_err(|e| corrupt("member record", "record", &e))
        })
        .transpose()
    }
}
