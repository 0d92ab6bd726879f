//! Remains recovered from burial sites, the samples taken from them with their DNA profiles, and
//! each sample's chain of custody: append-only (no update or delete, here or in the database,
//! whose triggers refuse both).


use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::missions::MissionKind;
use crate::model::NewReference;
use crate::model::{check_lineage_text, ProfileKind, StrProfile};
use crate::model::{FieldError, PartialDate};
use crate::store::{Store, StoreError};
use crate::support::json;
use crate::support::{
    check_version, corrupt, duplicate, external_id, not_found, optional_text, records, required_text,
};
use crate::time::now_utc;
use crate::versioned::{row_by_id, Change};

/// Remains, as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRemains {
    pub external_id: String,
    /// The burial site they were recovered from.
    pub site_id: i64,
    /// The recovery mission, when known.
    #[serde(default)]
    pub mission_id: Option<i64>,
    #[serde(default)]
    pub recovery_date: Option<PartialDate>,
    /// What was recovered ("left femur", "skull and mandible").
    pub skeletal_element: String,
}

impl NewRemains {
    pub fn check(&self) -> Result<(), FieldError> {
        external_id(&self.external_id)?;
        required_text("skeletal_element", &self.skeletal_element, 1000)
    }
}

/// Remains as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remains {
    pub id: i64,
    #[serde(flatten)]
    pub data: NewRemains,
    pub version: i64,
}

/// A laboratory's profile of a sample: STR genotypes by marker, or a Y haplotype or mtDNA profile
/// as text. In JSON: `{"STR": {"TH01": "9/9.3"}}`, `{"Y": "DYS19=14;…"}`, `{"mtDNA": "16129A 16223T"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SampleProfile {
    #[serde(rename = "STR")]
    Str(StrProfile),
    #[serde(rename = "Y")]
    Y(String),
    #[serde(rename = "mtDNA")]
    Mtdna(String),
}

impl SampleProfile {
    pub fn kind(&self) -> ProfileKind {
        match self {
            SampleProfile::Str(_) => ProfileKind::Str,
            SampleProfile::Y(_) => ProfileKind::Y,
            SampleProfile::Mtdna(_) => ProfileKind::Mtdna,
        }
    }

    pub fn check(&self) -> Result<(), FieldError> {
        match self {
            SampleProfile::Str(p) if p.is_empty() => Err(FieldError::new("profile", "has no genotypes")),
            SampleProfile::Str(_) => Ok(()),
            SampleProfile::Y(text) | SampleProfile::Mtdna(text) => check_lineage_text("profile", text),
        }
    }

    /// The stored form: the JSON of the genotypes or of the text (the kind is a column of its own).
    pub(crate) fn to_column(&self) -> String {
        match self {
            SampleProfile::Str(p) => json(p),
            SampleProfile::Y(t) | SampleProfile::Mtdna(t) => json(t),
        }
    }

    pub(crate) fn from_column(kind: ProfileKind, text: &str) -> Result<SampleProfile, serde_json::Error> {
        Ok(match kind {
            ProfileKind::Str => SampleProfile::Str(serde_json::from_str(text)?),
            ProfileKind::Y => SampleProfile::Y(serde_json::from_str(text)?),
            ProfileKind::Mtdna => SampleProfile::Mtdna(serde_json::from_str(text)?),
        })
    }
}

/// A sample, as submitted: taken from remains for one kind of typing, with the profile once the
/// laboratory reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSample {
    pub external_id: String,
    pub remains_id: i64,
    pub lab: String,
    pub profile_kind: ProfileKind,
    #[serde(default)]
    pub profile: Option<SampleProfile>,
}

impl NewSample {
    pub fn check(&self) -> Result<(), FieldError> {
        external_id(&self.external_id)?;
        required_text("lab", &self.lab, 500)?;
        if let Some(p) = &self.profile {
            check_profile_kind(self.profile_kind, p)?;
        }
        Ok(())
    }
}

pub(crate) fn check_profile_kind(kind: ProfileKind, p: &SampleProfile) -> Result<(), FieldError> {
    p.check()?;
    if p.kind() != kind {
        return Err(FieldError::new(
            "profile",
            format!("is a {} profile but the sample is for {} typing", p.kind(), kind),
        ));
    }
    Ok(())
}

/// A sample as stored, without its genetic data (see [`Store::get_sample_profile`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    pub id: i64,
    pub external_id: String,
    pub remains_id: i64,
    pub lab: String,
    pub profile_kind: ProfileKind,
    /// Whether the laboratory has reported a profile.
    pub typed: bool,
    pub version: i64,
}

words! {
    /// What happened to a sample.
    pub enum CustodyEventKind {
        Collected = "collected",
        Transferred = "transferred",
        Received = "received",
        Analysed = "analysed",
        Returned = "returned",
        Destroyed = "destroyed",
    }
    parse: folded, "a custody event (collected, transferred, received, analysed, returned, destroyed)";
}

impl CustodyEventKind {
    pub const ALL: [CustodyEventKind; 6] = [
        CustodyEventKind::Collected,
        CustodyEventKind::Transferred,
        CustodyEventKind::Received,
        CustodyEventKind::Analysed,
        CustodyEventKind::Returned,
        CustodyEventKind::Destroyed,
    ];
}

/// A custody event, as submitted. `at` is RFC 3339 in UTC (`2026-05-11T09:30:00Z`); without it,
/// now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCustodyEvent {
    pub event: CustodyEventKind,
    pub who: String,
    pub location: String,
    #[serde(default)]
    pub at: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A custody event as stored; `at` always as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CustodyEvent {
    pub id: i64,
    pub sample_id: i64,
    #[sqlx(try_from = "String")]
    pub event: CustodyEventKind,
    pub who: String,
    pub location: String,
    pub at: String,
    pub note: Option<String>,
}

/// Reads an RFC 3339 UTC instant (`…T…Z`, any fraction of a second) into the one format the store
/// writes, `YYYY-MM-DDTHH:MM:SS.mmmZ`, so that stored instants compare as text.
pub(crate) fn parse_utc(field: &str, s: &str) -> Result<String, FieldError> {
    let bad = || {
        FieldError::new(
            field,
            format!("'{s}' is not an RFC 3339 UTC time such as 2026-05-11T09:30:00Z"),
        )
    };
    let s = s.trim();
    let (date, rest) = s.split_once('T').ok_or_else(bad)?;
    let date: PartialDate = date.parse().map_err(|_| bad())?;
    if date.day.is_none() {
        return Err(bad());
    }
    let time = rest
        .strip_suffix('Z')
        .ok_or_else(|| FieldError::new(field, format!("'{s}': give the time in UTC, ending in Z")))?;
    let (hms, fraction) = match time.split_once('.') {
        Some((hms, f)) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => (hms, f),
        Some(_) => return Err(bad()),
        None => (time, ""),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad());
    }
    let n = |i: usize| parts[i].parse::<u32>().unwrap_or(99);
    if n(0) > 23 || n(1) > 59 || n(2) > 59 {
        return Err(bad());
    }
    let millis = format!("{fraction:0<3}");
    Ok(format!(
        "{date}T{}:{}:{}.{}Z",
        parts[0],
        parts[1],
        parts[2],
        &millis[..3]
    ))
}

const REMAINS_COLUMNS: &str = "id, external_id, site_id, mission_id, recovery_date, skeletal_element, version";
/// Whether a row of `samples` is typed: it has a profile of its kind or a SNP profile.
macro_rules! sample_typed {
    () => {
        "(samples.profile IS NOT NULL OR EXISTS (SELECT 1 FROM snp_profiles sp WHERE sp.sample_id = samples.id))"
    };
}
pub(crate) const SAMPLE_TYPED: &str = sample_typed!();
pub(crate) const SAMPLE_COLUMNS: &str = concat!(
    "id, external_id, remains_id, lab, profile_kind, CAST(CASE WHEN ",
    sample_typed!(),
    " THEN 1 ELSE 0 END AS BIGINT) AS typed, version"
);
const CUSTODY_COLUMNS: &str = "id, sample_id, event, who, location, at, note";

fn remains_from_row(row: &AnyRow) -> Result<Remains, StoreError> {
    let date: Option<String> = row.try_get("recovery_date")?;
    Ok(Remains {
        id: row.try_get("id")?,
        data: NewRemains {
            external_id: row.try_get("external_id")?,
            site_id: row.try_get("site_id")?,
            mission_id: row.try_get("mission_id")?,
            recovery_date: date
                .map(|d| d.parse())
                .transpose()
                .map_err(|e: String| corrupt("remains", "recovery_date", &e))?,
            skeletal_element: row.try_get("skeletal_element")?,
        },
        version: row.try_get("version")?,
    })
}

pub(crate) fn sample_from_row(row: &AnyRow) -> Result<Sample, StoreError> {
    let kind: String = row.try_get("profile_kind")?;
    let typed: i64 = row.try_get("typed")?;
    Ok(Sample {
        id: row.try_get("id")?,
        external_id: row.try_get("external_id")?,
        remains_id: row.try_get("remains_id")?,
        lab: row.try_get("lab")?,
        profile_kind: kind
            .parse()
            .map_err(|e: String| corrupt("sample", "profile_kind", &e))?,
        typed: typed != 0,
        version: row.try_get("version")?,
    })
}

/// The sample as the audit log sees it: the record and the hash of its profile, never genotypes.
pub(crate) fn audit_view(sample: &Sample, profile_digest: Option<&str>) -> String {
    let mut v = serde_json::to_value(sample).expect("domain types serialise");
    if let Some(digest) = profile_digest {
        v["profile_sha256"] = digest.into();
    }
    v.to_string()
}

impl Store {
    // ---- remains ----

    /// Records remains recovered from a site, by a recovery mission if one is named.
    pub async fn create_remains(&self, actor: &str, r: &NewRemains) -> Result<Remains, StoreError> {
        r.check()?;
        let mut tx = self.begin_write().await?;
        let remains = self.insert_remains(&mut tx, actor, r).await?;
        tx.commit().await?;
        Ok(remains)
    }

    /// Checks the site and mission of checked remains and writes them, with their audit entry.
    async fn insert_remains(
        &self,
        tx: &mut Transaction<'_, Any>, actor: &str, r: &NewRemains) -> Result<Remains, StoreError> {
        if sqlx::query("SELECT id FROM sites WHERE id = $1")
            .bind(r.site_id)
            .fetch_optional(&mut **tx)
            .await?
            .is_none()
        {
            return Err(not_found("site", r.site_id));
        }
        if let Some(mission) = r.mission_id {
            let row = sqlx::query("SELECT kind FROM missions WHERE id = $1")
                .bind(mission)
                .fetch_optional(&mut **tx)
                .await?
                .ok_or_else(|| not_found("mission", mission))?;
            let kind: String = row.try_get("kind")?;
            if kind != MissionKind::Recovery.as_str() {
                return Err(
                    FieldError::new("mission_id", format!("mission {mission} is a {kind}, not a recovery")).into(),
                );
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO remains (external_id, site_id, mission_id, recovery_date, skeletal_element, version) \
             VALUES ($1, $2, $3, $4, $5, 1) RETURNING id",
        )
        .bind(r.external_id.trim())
        .bind(r.site_id)
        .bind(r.mission_id)
        .bind(r.recovery_date.map(|d| d.to_string()))
        .bind(&r.skeletal_element)
        .fetch_one(&mut **tx)
        .await
        .map_err(duplicate("remains", "external_id", &r.external_id))?;
        let mut data = r.clone();
        data.external_id = r.external_id.trim().to_owned();
        let remains = Remains {
            id,
            data,
            version: 1,
        };
        self.audit_created(tx, actor, "remains", remains.id, &json(&remains)).await?;
        Ok(remains)
    }

    pub async fn get_remains(&self, id: i64) -> Result<Option<Remains>, StoreError> {
        let sql = format!("SELECT {REMAINS_COLUMNS} FROM remains WHERE id = $1");
        self.one_where(&sql, id, remains_from_row).await
    }

    /// The remains recovered from a site, by id.
    pub async fn list_remains(&self, site_id: i64) -> Result<Vec<Remains>, StoreError> {
        let sql = format!("SELECT {REMAINS_COLUMNS} FROM remains WHERE site_id = $1 ORDER BY id");
        self.all_where(&sql, site_id, remains_from_row).await
    }

    // ---- samples ----

    pub async fn create_sample(&self, actor: &str, s: &NewSample) -> Result<Sample, StoreError> {
        s.check()?;
        let mut tx = self.begin_write().await?;
        let sample = self.insert_sample(&mut tx, actor, s).await?;
        tx.commit().await?;
        Ok(sample)
    }

    /// Checks the remains of a checked sample and writes it, with its audit entry.
    async fn insert_sample(
        &self,
        tx: &mut Transaction<'_, Any>, actor: &str, s: &NewSample) -> Result<Sample, StoreError> {
        if sqlx::query("SELECT id FROM remains WHERE id = $1")
            .bind(s.remains_id)
            .fetch_optional(&mut **tx)
            .await?
            .is_none()
        {
            return Err(not_found("remains", s.remains_id));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO samples (external_id, remains_id, lab, profile_kind, profile, version) \
             VALUES ($1, $2, $3, $4, $5, 1) RETURNING id",
        )
        .bind(s.external_id.trim())
        .bind(s.remains_id)
        .bind(&s.lab)
        .bind(s.profile_kind.as_str())
        .bind(s.profile.as_ref().map(SampleProfile::to_column))
        .fetch_one(&mut **tx)
        .await
        .map_err(duplicate("sample", "external_id", &s.external_id))?;
        let sample = Sample {
            id,
            external_id: s.external_id.trim().to_owned(),
            remains_id: s.remains_id,
            lab: s.lab.clone(),
            profile_kind: s.profile_kind,
            typed: s.profile.is_some(),
            version: 1,
        };
        let digest = s.profile.as_ref().map(|p| self.profile_digest(&p.to_column()));
        let after = audit_view(&sample, digest.as_deref());
        self.audit_created(tx, actor, "sample", sample.id, &after).await?;
        Ok(sample)
    }

    /// Writes remains, each with one sample, and reference samples, as a laboratory's file brings
    /// them: all in one transaction, or nothing if any is refused. The error carries the index of
    /// the refused record, counting the remains first, then the references. Each record is checked
    /// as its `create_` method checks it; a sample's `remains_id` is ignored (it is the id of the
    /// remains it comes with).
    pub async fn import_specimens(
        &self,
        actor: &str,
        remains: &[(NewRemains, NewSample)],
        references: &[NewReference],
    ) -> Result<(), (usize, StoreError)> {
        for (i, (r, s)) in remains.iter().enumerate() {
            r.check().map_err(|e| (i, e.into()))?;
            s.check().map_err(|e| (i, e.into()))?;
        }
        for (i, r) in references.iter().enumerate() {
            r.check().map_err(|e| (remains.len() + i, e.into()))?;
        }
        let mut tx = self.begin_write().await.map_err(|e| (0, e))?;
        for (i, (r, s)) in remains.iter().enumerate() {
            let stored = self.insert_remains(&mut tx, actor, r).await.map_err(|e| (i, e))?;
            let sample = NewSample {
                remains_id: stored.id,
                ..s.clone()
            };
            self.insert_sample(&mut tx, actor, &sample).await.map_err(|e| (i, e))?;
        }
        for (i, r) in references.iter().enumerate() {
            self.insert_reference(&mut tx, actor, r)
                .await
                .map_err(|e| (remains.len() + i, e))?;
        }
        let last = remains.len() + references.len();
        tx.commit().await.map_err(|e| (last, e.into()))
    }

    pub async fn get_sample(&self, id: i64) -> Result<Option<Sample>, StoreError> {
        let sql = format!("SELECT {SAMPLE_COLUMNS} FROM samples WHERE id = $1");
        self.one_where(&sql, id, sample_from_row).await
    }

    /// Samples of any remains, by id, at most `limit` from `offset`.
    pub async fn list_all_samples(&self, limit: i64, offset: i64) -> Result<Vec<Sample>, StoreError> {
        let sql = format!("SELECT {SAMPLE_COLUMNS} FROM samples ORDER BY id LIMIT $1 OFFSET $2");
        let rows = sqlx::query(&sql).bind(limit).bind(offset).fetch_all(&self.pool).await?;
        rows.iter().map(sample_from_row).collect()
    }

    /// The samples taken from remains, by id.
    pub async fn list_samples(&self, remains_id: i64) -> Result<Vec<Sample>, StoreError> {
        let sql = format!("SELECT {SAMPLE_COLUMNS} FROM samples WHERE remains_id = $1 ORDER BY id");
        self.all_where(&sql, remains_id, sample_from_row).await
    }

    /// Records (or replaces) the laboratory's profile of a sample, if nobody changed the sample since
    /// `expected_version`; it must be of the sample's kind.
    pub async fn set_sample_profile(
        &self,
        actor: &str,
        id: i64,
        expected_version: i64,
        profile: &SampleProfile,
    ) -> Result<Sample, StoreError> {
        let mut tx = self.begin_write().await?;
        let sql = format!("SELECT {SAMPLE_COLUMNS}, profile FROM samples WHERE id = $1");
        let row = row_by_id(&mut tx, &sql, "sample", id).await?;
        let before = sample_from_row(&row)?;
        check_version("sample", id, expected_version, before.version)?;
        check_profile_kind(before.profile_kind, profile)?;
        let old: Option<String> = row.try_get("profile")?;
        let old = old
            .map(|t| SampleProfile::from_column(before.profile_kind, &t))
            .transpose()
            .map_err(|e| corrupt("sample", "profile", &e))?;
        let after = Sample {
            typed: true,
            version: expected_version + 1,
            ..before.clone()
        };
        Change::new("samples", "sample", id, Some(expected_version))
            .set("profile", profile.to_column())
            .run(
                self,
                &mut tx,
                actor,
                "profile",
                Some(&audit_view(&before, old.as_ref().map(|p| self.profile_digest(&p.to_column())).as_deref())),
                &audit_view(&after, Some(&self.profile_digest(&profile.to_column()))),
            )
            .await?;
        if old.as_ref().is_some_and(|o| o != profile) {
            // An LR computed from the old profile no longer describes this sample.
            self.flag_identifications_citing_sample(&mut tx, actor, id).await?;
        }
        tx.commit().await?;
        Ok(after)
    }

    /// A sample's profile, `None` until typed. The read is recorded in the audit chain, in the same
    /// transaction.
    pub async fn get_sample_profile(&self, actor: &str, id: i64) -> Result<Option<SampleProfile>, StoreError> {
        let mut tx = self.begin_write().await?;
        let row = row_by_id(&mut tx, "SELECT profile_kind, profile FROM samples WHERE id = $1", "sample", id).await?;
        let kind: String = row.try_get("profile_kind")?;
        let kind: ProfileKind = kind
            .parse()
            .map_err(|e: String| corrupt("sample", "profile_kind", &e))?;
        let text: Option<String> = row.try_get("profile")?;
        let profile = text
            .map(|t| SampleProfile::from_column(kind, &t))
            .transpose()
            .map_err(|e| corrupt("sample", "profile", &e))?;
        self.audit(&mut tx, actor, "read", "sample-profile", &id.to_string(), None, None).await?;
        tx.commit().await?;
        Ok(profile)
    }

    // ---- custody ----

    /// Takes the sample row's write lock (without changing it), so that custody appends of one
    /// sample are checked one at a time; `NotFound` if there is no such sample.
    async fn lock_sample(tx: &mut Transaction<'_, Any>, sample_id: i64) -> Result<(), StoreError> {
        let result = sqlx::query("UPDATE samples SET version = version WHERE id = $1")
            .bind(sample_id)
            .execute(&mut **tx)
            .await?;
        if result.rows_affected() == 1 {
            Ok(())
        } else {
            Err(not_found("sample", sample_id))
        }
    }

    /// Appends an event to a sample's chain of custody. Nothing follows its destruction.
    pub async fn append_custody_event(
        &self,
        actor: &str,
        sample_id: i64,
        e: &NewCustodyEvent,
    ) -> Result<CustodyEvent, StoreError> {
        required_text("who", &e.who, 500)?;
        required_text("location", &e.location, 1000)?;
        optional_text("note", e.note.as_deref(), 10_000)?;
        let at = match &e.at {
            Some(at) => parse_utc("at", at)?,
            None => now_utc(),
        };
        let mut tx = self.begin_write().await?;
        Self::lock_sample(&mut tx, sample_id).await?;
        let destroyed = sqlx::query("SELECT at FROM custody_events WHERE sample_id = $1 AND event = $2")
            .bind(sample_id)
            .bind(CustodyEventKind::Destroyed.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(row) = destroyed {
            let when: String = row.try_get("at")?;
            return Err(FieldError::new("event", format!("sample {sample_id} was destroyed at {when}")).into());
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO custody_events (sample_id, event, who, location, at, note) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(sample_id)
        .bind(e.event.as_str())
        .bind(&e.who)
        .bind(&e.location)
        .bind(&at)
        .bind(&e.note)
        .fetch_one(&mut *tx)
        .await?;
        let event = CustodyEvent {
            id,
            sample_id,
            event: e.event,
            who: e.who.clone(),
            location: e.location.clone(),
            at,
            note: e.note.clone(),
        };
        self.audit(
            &mut tx,
            actor,
            "append",
            "custody-event",
            &event.id.to_string(),
            None,
            Some(&json(&event)),
        )
        .await?;
        tx.commit().await?;
        Ok(event)
    }

    /// A sample's chain of custody in the order things happened (by time, then as recorded).
    pub async fn custody_chain(&self, sample_id: i64) -> Result<Vec<CustodyEvent>, StoreError> {
        let sql = format!("SELECT {CUSTODY_COLUMNS} FROM custody_events WHERE sample_id = $1 ORDER BY at, id");
        let rows = sqlx::query(&sql).bind(sample_id).fetch_all(&self.pool).await?;
        records("custody event", &rows)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_utc;

    #[test]
    fn utc_times_are_normalised_to_milliseconds() {
        assert_eq!(
            parse_utc("at", "2026-05-11T09:30:00Z").unwrap(),
            "2026-05-11T09:30:00.000Z"
        );
        assert_eq!(
            parse_utc("at", "2026-05-11T09:30:00.5Z").unwrap(),
            "2026-05-11T09:30:00.500Z"
        );
        assert_eq!(
            parse_utc("at", "2026-05-11T09:30:00.123456Z").unwrap(),
            "2026-05-11T09:30:00.123Z"
        );
        for bad in [
            "2026-05-11",
            "2026-05-11T09:30:00+09:00",
            "2026-05T09:30:00Z",
            "2026-02-30T09:30:00Z",
            "2026-05-11T24:00:00Z",
            "2026-05-11T09:30Z",
            "2026-05-11T09:30:00.Z",
        ] {
            assert_eq!(parse_utc("at", bad).unwrap_err().field, "at", "{bad}");
        }
    }
}
