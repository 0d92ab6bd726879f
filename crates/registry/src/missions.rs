//! Missions: grave visits and recoveries, with their dates, the sites they go to, who takes part,
//! the permits they hold, and in the end their outcome.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use sqlx::Row;

use crate::model::{FieldError, PartialDate};
use crate::store::{Store, StoreError};
use crate::support::json;
use crate::support::{check_version, corrupt, not_found, optional_text, required_text};
use crate::versioned::{row_by_id, Change};

words! {
    pub enum MissionKind {
        GraveVisit = "grave-visit",
        Recovery = "recovery",
    }
    parse: folded, "a mission kind (grave-visit, recovery)";
}

/// Someone taking part in a mission, and in what role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Participant {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// A mission, as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMission {
    pub kind: MissionKind,
    pub name: String,
    pub start: PartialDate,
    /// Not known yet while the mission is being planned or under way.
    #[serde(default)]
    pub end: Option<PartialDate>,
    /// The burial sites the mission goes to, in ascending order of id, each once.
    #[serde(default)]
    pub site_ids: Vec<i64>,
    #[serde(default)]
    pub participants: Vec<Participant>,
    #[serde(default)]
    pub permits: Option<String>,
}

/// The first and last day a partial date can mean, as (year, month, day); day 31 stands for the
/// end of any month, which orders correctly.
fn earliest(d: PartialDate) -> (i32, u8, u8) {
    (d.year, d.month.unwrap_or(1), d.day.unwrap_or(1))
}

fn latest(d: PartialDate) -> (i32, u8, u8) {
    (d.year, d.month.unwrap_or(12), d.day.unwrap_or(31))
}

impl NewMission {
    pub fn check(&self) -> Result<(), FieldError> {
        required_text("name", &self.name, 500)?;
        if let Some(end) = self.end {
            // Partial dates overlap: refuse only an end that is before the start whatever they mean.
            if latest(end) < earliest(self.start) {
                return Err(FieldError::new(
                    "end",
                    format!("{end} is before the start, {}", self.start),
                ));
            }
        }
        if self.site_ids.windows(2).any(|w| w[0] >= w[1]) {
            return Err(FieldError::new("site_ids", "list each site once, in ascending order"));
        }
        for p in &self.participants {
            required_text("participants", &p.name, 500)?;
            optional_text("participants", p.role.as_deref(), 200)?;
        }
        optional_text("permits", self.permits.as_deref(), 10_000)
    }
}

/// A mission as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mission {
    pub id: i64,
    #[serde(flatten)]
    pub data: NewMission,
    pub outcome: Option<String>,
    pub version: i64,
}

const MISSION_COLUMNS: &str = "id, kind, name, start_date, end_date, participants, permits, outcome, version";

fn mission_from_row(row: &AnyRow, site_ids: Vec<i64>) -> Result<Mission, StoreError> {
    let bad = |what: &str, e: &dyn fmt::Display| corrupt("mission", what, e);
    let kind: String = row.try_get("kind")?;
    let start: String = row.try_get("start_date")?;
    let end: Option<String> = row.try_get("end_date")?;
    let participants: String = row.try_get("participants")?;
    Ok(Mission {
        id: row.try_get("id")?,
        data: NewMission {
            kind: kind.parse().map_err(|e: String| bad("kind", &e))?,
            name: row.try_get("name")?,
            start: start.parse().map_err(|e: String| bad("start_date", &e))?,
            end: end
                .map(|e| e.parse())
                .transpose()
                .map_err(|e: String| bad("end_date", &e))?,
            site_ids,
            participants: serde_json::from_str(&participants).map_err(|e| bad("participants", &e))?,
            permits: row.try_get("permits")?,
        },
        outcome: row.try_get("outcome")?,
        version: row.try_get("version")?,
    })
}

/// The sites a mission goes to, in ascending order of id.
async fn site_ids(conn: &mut AnyConnection, mission_id: i64) -> Result<Vec<i64>, StoreError> {
    sqlx::query("SELECT site_id FROM mission_sites WHERE mission_id = $1 ORDER BY site_id")
        .bind(mission_id)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| Ok(r.try_get("site_id")?))
        .collect()
}

impl Store {
    pub async fn create_mission(&self, actor: &str, m: &NewMission) -> Result<Mission, StoreError> {
        m.check()?;
        let mut tx = self.begin_write().await?;
        for &site in &m.site_ids {
            if sqlx::query("SELECT id FROM sites WHERE id = $1")
                .bind(site)
                .fetch_optional(&mut *tx)
                .await?
                .is_none()
            {
                return Err(not_found("site", site));
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO missions (kind, name, start_date, end_date, participants, permits, version) \
             VALUES ($1, $2, $3, $4, $5, $6, 1) RETURNING id",
        )
        .bind(m.kind.as_str())
        .bind(&m.name)
        .bind(m.start.to_string())
        .bind(m.end.map(|d| d.to_string()))
        .bind(json(&m.participants))
        .bind(&m.permits)
        .fetch_one(&mut *tx)
        .await?;
        for &site in &m.site_ids {
            sqlx::query("INSERT INTO mission_sites (mission_id, site_id) VALUES ($1, $2)")
                .bind(id)
                .bind(site)
                .execute(&mut *tx)
                .await?;
        }
        let mission = Mission {
            id,
            data: m.clone(),
            outcome: None,
            version: 1,
        };
        self.audit_created(&mut tx, actor, "mission", id, &json(&mission)).await?;
        tx.commit().await?;
        Ok(mission)
    }

    pub async fn get_mission(&self, id: i64) -> Result<Option<Mission>, StoreError> {
        let sql = format!("SELECT {MISSION_COLUMNS} FROM missions WHERE id = $1");
        let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        let sites = site_ids(&mut *self.pool.acquire().await?, id).await?;
        mission_from_row(&row, sites).map(Some)
    }

    /// Every mission, by id.
    pub async fn list_missions(&self) -> Result<Vec<Mission>, StoreError> {
        let mut sites: HashMap<i64, BTreeSet<i64>> = HashMap::new();
        for r in sqlx::query("SELECT mission_id, site_id FROM mission_sites")
            .fetch_all(&self.pool)
            .await?
        {
            sites
                .entry(r.try_get("mission_id")?)
                .or_default()
                .insert(r.try_get("site_id")?);
        }
        let sql = format!("SELECT {MISSION_COLUMNS} FROM missions ORDER BY id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let id: i64 = row.try_get("id")?;
                let ids = sites.remove(&id).unwrap_or_default().into_iter().collect();
                mission_from_row(row, ids)
            })
            .collect()
    }

    /// Records (or clears, with `None`) what a mission achieved, if nobody changed it since
    /// `expected_version`.
    pub async fn set_mission_outcome(
        &self,
        actor: &str,
        id: i64,
        expected_version: i64,
        outcome: Option<&str>,
    ) -> Result<Mission, StoreError> {
        optional_text("outcome", outcome, 10_000)?;
        let mut tx = self.begin_write().await?;
        let sql = format!("SELECT {MISSION_COLUMNS} FROM missions WHERE id = $1");
        let row = row_by_id(&mut tx, &sql, "mission", id).await?;
        let sites = site_ids(&mut tx, id).await?;
        let before = mission_from_row(&row, sites)?;
        check_version("mission", id, expected_version, before.version)?;
        let after = Mission {
            outcome: outcome.map(str::to_owned),
            version: expected_version + 1,
            ..before.clone()
        };
        Change::new("missions", "mission", id, Some(expected_version))
            .set("outcome", outcome)
            .run(self,&mut tx, actor, "outcome", Some(&json(&before)), &json(&after))
            .await?;
        tx.commit().await?;
        Ok(after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mission(start: &str, end: Option<&str>) -> NewMission {
        NewMission {
            kind: MissionKind::Recovery,
            name: "Komusan 2026".into(),
            start: start.parse().unwrap(),
            end: end.map(|e| e.parse().unwrap()),
            site_ids: vec![],
            participants: vec![],
            permits: None,
        }
    }

    #[test]
    fn an_end_before_the_start_is_refused_whatever_the_precision() {
        for (start, end) in [
            ("2026-05-10", "2026-05-09"),
            ("2026-05", "2026-04-30"),
            ("2026", "2025-12"),
        ] {
            let e = mission(start, Some(end)).check().unwrap_err();
            assert_eq!(e.field, "end", "{start} {end}");
        }
        for (start, end) in [
            ("2026-05-10", "2026-05-10"),
            ("2026-05-10", "2026-05"),
            ("2026-05", "2026"),
        ] {
            assert!(mission(start, Some(end)).check().is_ok(), "{start} {end}");
        }
    }
}
