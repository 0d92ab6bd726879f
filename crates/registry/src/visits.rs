//! Grave-visit requests and mission itineraries. A family asks to visit a burial site, saying how
//! many will travel and how well they can walk; a mission planner groups the requests into a
//! mission and plans its days. The plan itself is computed elsewhere (crate `itinerary`) and kept
//! here as JSON, replaced whenever the mission is planned again.


use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::assignments::FamilyScope;
use crate::model::FieldError;
use crate::store::{Store, StoreError};
use crate::support::json;
use crate::support::{check_version, corrupt, not_found, optional_text, record};
use crate::time::now_utc;

words! {
    /// How well the travelling party walks: it sets how long a visit takes and how long a day may be.
    pub enum Mobility {
        /// Walks unaided, including over rough ground.
        Walks = "walks",
        /// Walks slowly or only short distances (most bereaved visitors in their eighties).
        Limited = "limited",
        /// Needs a wheelchair or to be carried over rough ground.
        Wheelchair = "wheelchair",
    }
    parse: folded, "a mobility (walks, limited, wheelchair)";
}

impl Mobility {
    pub const ALL: [Mobility; 3] = [Mobility::Walks, Mobility::Limited, Mobility::Wheelchair];
}

/// A visit request, as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(deny_unknown_fields)]
pub struct NewVisitRequest {
    pub family_id: i64,
    pub site_id: i64,
    /// How many people travel (1–50).
    #[sqlx(try_from = "i64")]
    pub visitors: u32,
    #[sqlx(try_from = "String")]
    pub mobility: Mobility,
    #[serde(default)]
    pub notes: Option<String>,
}

impl NewVisitRequest {
    pub fn check(&self) -> Result<(), FieldError> {
        if !(1..=50).contains(&self.visitors) {
            return Err(FieldError::new("visitors", "must be 1–50 people"));
        }
        optional_text("notes", self.notes.as_deref(), 2_000)
    }
}

/// A visit request as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct VisitRequest {
    pub id: i64,
    #[serde(flatten)]
    #[sqlx(flatten)]
    pub data: NewVisitRequest,
    pub created_by: String,
    pub created_at: String,
}

/// A mission's planned itinerary: the plan as the planner produced it (JSON), who planned it and
/// when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissionItinerary {
    pub mission_id: i64,
    pub plan: serde_json::Value,
    pub planned_by: String,
    pub planned_at: String,
    pub version: i64,
}

const REQUEST_COLUMNS: &str = "id, family_id, site_id, visitors, mobility, notes, created_by, created_at";

fn conflict(mission_id: i64, expected: i64, actual: i64) -> StoreError {
    StoreError::Conflict {
        entity: "itinerary",
        id: mission_id,
        expected,
        actual,
    }
}

impl Store {
    /// Records a family's request to visit a site.
    pub async fn create_visit_request(&self, actor: &str, r: &NewVisitRequest) -> Result<VisitRequest, StoreError> {
        r.check()?;
        let mut tx = self.begin_write().await?;
        for (entity, table, id) in [("family", "families", r.family_id), ("site", "sites", r.site_id)] {
            let sql = format!("SELECT id FROM {table} WHERE id = $1");
            if sqlx::query(&sql).bind(id).fetch_optional(&mut *tx).await?.is_none() {
                return Err(not_found(entity, id));
            }
        }
        // One request per family and site: a second would put the family on the plan twice (and
        // once made the planner fail); the first is amended instead.
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM visit_requests WHERE family_id = $1 AND site_id = $2")
                .bind(r.family_id)
                .bind(r.site_id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(existing) = existing {
            return Err(StoreError::Duplicate {
                entity: "visit request",
                field: "site_id",
                value: format!("{} (request {existing} of family {})", r.site_id, r.family_id),
            });
        }
        let at = now_utc();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO visit_requests (family_id, site_id, visitors, mobility, notes, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(r.family_id)
        .bind(r.site_id)
        .bind(i64::from(r.visitors))
        .bind(r.mobility.as_str())
        .bind(r.notes.as_deref().map(str::trim))
        .bind(actor)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?;
        let request = VisitRequest {
            id,
            data: NewVisitRequest {
                notes: r.notes.as_deref().map(|n| n.trim().to_string()),
                ..r.clone()
            },
            created_by: actor.to_string(),
            created_at: at,
        };
        self.audit_created(&mut tx, actor, "visit_request", request.id, &json(&request.data)).await?;
        tx.commit().await?;
        Ok(request)
    }

    /// One family's visit requests, oldest first (the family page's list).
    pub async fn visit_requests_of_family(&self, family_id: i64) -> Result<Vec<VisitRequest>, StoreError> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM visit_requests WHERE family_id = $1 ORDER BY id");
        let rows = sqlx::query(&sql).bind(family_id).fetch_all(&self.pool).await?;
        rows.iter().map(|row| record("visit request", row)).collect()
    }

    /// Visit requests, oldest first; only those for the given sites when `sites` is given, and
    /// of the families in `scope`.
    pub async fn list_visit_requests(
        &self,
        sites: Option<&[i64]>,
        scope: &FamilyScope,
    ) -> Result<Vec<VisitRequest>, StoreError> {
        let rows = match scope.liaison() {
            None => {
                let sql = format!("SELECT {REQUEST_COLUMNS} FROM visit_requests ORDER BY id");
                sqlx::query(&sql).fetch_all(&self.pool).await?
            }
            Some(liaison) => {
                let sql = format!(
                    "SELECT {REQUEST_COLUMNS} FROM visit_requests WHERE family_id IN \
                     (SELECT family_id FROM family_assignments WHERE username = $1) ORDER BY id"
                );
                sqlx::query(&sql).bind(liaison).fetch_all(&self.pool).await?
            }
        };
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let r: VisitRequest = record("visit request", row)?;
            if sites.is_none_or(|s| s.contains(&r.data.site_id)) {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Stores a mission's itinerary, replacing the one planned before if it is still the version
    /// the planner saw (`expected_version`; `None` for the first plan).
    pub async fn set_mission_itinerary(
        &self,
        actor: &str,
        mission_id: i64,
        expected_version: Option<i64>,
        plan: &serde_json::Value,
    ) -> Result<MissionItinerary, StoreError> {
        let mut tx = self.begin_write().await?;
        if sqlx::query("SELECT id FROM missions WHERE id = $1")
            .bind(mission_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_none()
        {
            return Err(not_found("mission", mission_id));
        }
        let current: Option<i64> = sqlx::query("SELECT version FROM mission_itineraries WHERE mission_id = $1")
            .bind(mission_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get("version"))
            .transpose()?;
        let version = match (current, expected_version) {
            (None, None) => 1,
            (Some(v), Some(e)) => {
                check_version("itinerary", mission_id, e, v)?;
                v + 1
            }
            // A first plan where one exists, or a re-plan of one that does not: someone else planned
            // (or nobody did) since the planner looked. Version 0 stands for "no plan".
            (Some(actual), None) => return Err(conflict(mission_id, 0, actual)),
            (None, Some(expected)) => return Err(conflict(mission_id, expected, 0)),
        };
        let at = now_utc();
        let text = plan.to_string();
        if current.is_some() {
            sqlx::query(
                "UPDATE mission_itineraries SET plan = $1, planned_by = $2, planned_at = $3, version = $4 \
                 WHERE mission_id = $5",
            )
            .bind(&text)
            .bind(actor)
            .bind(&at)
            .bind(version)
            .bind(mission_id)
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query(
                "INSERT INTO mission_itineraries (mission_id, plan, planned_by, planned_at, version) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(mission_id)
            .bind(&text)
            .bind(actor)
            .bind(&at)
            .bind(version)
            .execute(&mut *tx)
            .await?;
        }
        self.audit(
            &mut tx,
            actor,
            "plan",
            "mission",
            &mission_id.to_string(),
            None,
            Some(&text),
        )
        .await?;
        tx.commit().await?;
        Ok(MissionItinerary {
            mission_id,
            plan: plan.clone(),
            planned_by: actor.to_string(),
            planned_at: at,
            version,
        })
    }

    pub async fn get_mission_itinerary(&self, mission_id: i64) -> Result<Option<MissionItinerary>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT mission_id, plan, planned_by, planned_at, version FROM mission_itineraries WHERE mission_id = $1",
        )
        .bind(mission_id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let plan: String = row.try_get("plan")?;
        Ok(Some(MissionItinerary {
            mission_id: row.try_get("mission_id")?,
            plan: serde_json::from_str(&plan).map_err(|e| corrupt("itinerary", "plan", &e))?,
            planned_by: row.try_get("planned_by")?,
            planned_at: row.try_get("planned_at")?,
            version: row.try_get("version")?,
        }))
    }
}
