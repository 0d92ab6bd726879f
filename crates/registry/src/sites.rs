//! Burial sites: their names, coordinates and status, and relocations (the graves of one site moved
//! to another).

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::model::{Coordinates, FieldError, NewSite, Site, SiteStatus};
use crate::store::{Store, StoreError};
use crate::support::{check_version, duplicate, json, search_text};
use crate::versioned::{row_by_id, Change};

impl Store {

    const SITE_COLUMNS: &'static str =
        "id, external_id, names, lat, lon, precision_m, status, estimated_count, notes, relocated_to, version";

    fn site_from_row(row: &AnyRow) -> Result<Site, StoreError> {
        let names: String = row.try_get("names")?;
        let status: String = row.try_get("status")?;
        let lat: Option<f64> = row.try_get("lat")?;
        let lon: Option<f64> = row.try_get("lon")?;
        let count: Option<i64> = row.try_get("estimated_count")?;
        let coordinates = match (lat, lon) {
            (Some(lat), Some(lon)) => Some(Coordinates {
                lat,
                lon,
                precision_m: row.try_get("precision_m")?,
            }),
            _ => None,
        };
        Ok(Site {
            id: row.try_get("id")?,
            data: NewSite {
                external_id: row.try_get("external_id")?,
                names: serde_json::from_str(&names).map_err(|e| StoreError::Corrupt(format!("site names: {e}")))?,
                coordinates,
                status: status.parse::<SiteStatus>().map_err(StoreError::Corrupt)?,
                estimated_count: count.map(|c| c.clamp(0, u32::MAX as i64) as u32),
                notes: row.try_get("notes")?,
            },
            relocated_to: row.try_get("relocated_to")?,
            version: row.try_get("version")?,
        })
    }

    async fn insert_site(
        &self,
        tx: &mut Transaction<'_, Any>, actor: &str, s: &NewSite) -> Result<Site, StoreError> {
        s.check()?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sites (external_id, names, search, lat, lon, precision_m, status, estimated_count, notes, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) RETURNING id",
        )
        .bind(s.external_id.trim())
        .bind(json(&s.names))
        .bind(search_text(&s.names))
        .bind(s.coordinates.map(|c| c.lat))
        .bind(s.coordinates.map(|c| c.lon))
        .bind(s.coordinates.and_then(|c| c.precision_m))
        .bind(s.status.as_str())
        .bind(s.estimated_count.map(i64::from))
        .bind(&s.notes)
        .fetch_one(&mut **tx)
        .await
        .map_err(duplicate("site", "external_id", &s.external_id))?;
        let site = Site {
            id,
            data: s.clone(),
            relocated_to: None,
            version: 1,
        };
        self.audit_created(tx, actor, "site", id, &json(&site)).await?;
        Ok(site)
    }

    pub async fn create_site(&self, actor: &str, s: &NewSite) -> Result<Site, StoreError> {
        let mut tx = self.begin_write().await?;
        let site = self.insert_site(&mut tx, actor, s).await?;
        tx.commit().await?;
        Ok(site)
    }

    /// Imports sites in one transaction: all of them, or none if any is rejected (the error carries
    /// the index of the first bad site). Sites are few, so each is one INSERT inside the transaction.
    pub async fn import_sites(&self, actor: &str, sites: &[NewSite]) -> Result<usize, (usize, StoreError)> {
        let mut tx = self.begin_write().await.map_err(|e| (0, e))?;
        for (i, s) in sites.iter().enumerate() {
            self.insert_site(&mut tx, actor, s).await.map_err(|e| (i, e))?;
        }
        tx.commit().await.map_err(|e| (sites.len(), e.into()))?;
        Ok(sites.len())
    }

    pub async fn get_site(&self, id: i64) -> Result<Option<Site>, StoreError> {
        let sql = format!("SELECT {} FROM sites WHERE id = $1", Self::SITE_COLUMNS);
        self.one_where(&sql, id, Self::site_from_row).await
    }

    /// The sites with these ids, in the order given (one missing is left out), in one statement.
    pub async fn sites_by_id(&self, ids: &[i64]) -> Result<Vec<Site>, StoreError> {
        let keys: Vec<crate::backend::Key<'_>> = ids.iter().map(|id| crate::backend::Key::Int(*id)).collect();
        let sql = format!("SELECT {} FROM sites WHERE id IN ({{in}})", Self::SITE_COLUMNS);
        let mut conn = self.pool.acquire().await?;
        let rows = crate::backend::rows_in(&mut conn, self.backend, &sql, &keys).await?;
        let mut found: std::collections::HashMap<i64, Site> = std::collections::HashMap::with_capacity(rows.len());
        for row in &rows {
            let site = Self::site_from_row(row)?;
            found.insert(site.id, site);
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    pub async fn list_sites(&self) -> Result<Vec<Site>, StoreError> {
        let sql = format!("SELECT {} FROM sites ORDER BY id", Self::SITE_COLUMNS);
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(Self::site_from_row).collect()
    }

    /// Records that the graves of site `id` were moved to site `to` (status becomes relocated).
    pub async fn relocate_site(
        &self,
        actor: &str,
        id: i64,
        expected_version: i64,
        to: i64,
    ) -> Result<Site, StoreError> {
        if id == to {
            return Err(FieldError::new("relocated_to", "a site cannot be relocated to itself").into());
        }
        let mut tx = self.begin_write().await?;
        let sql = format!("SELECT {} FROM sites WHERE id = $1", Self::SITE_COLUMNS);
        let before = Self::site_from_row(&row_by_id(&mut tx, &sql, "site", id).await?)?;
        check_version("site", id, expected_version, before.version)?;
        row_by_id(&mut tx, "SELECT id FROM sites WHERE id = $1", "site", to).await?;
        let mut after = before.clone();
        after.relocated_to = Some(to);
        after.data.status = SiteStatus::Relocated;
        after.version += 1;
        Change::new("sites", "site", id, Some(expected_version))
            .set("relocated_to", to)
            .set("status", SiteStatus::Relocated.as_str())
            .run(self,&mut tx, actor, "relocate", Some(&json(&before)), &json(&after))
            .await?;
        tx.commit().await?;
        Ok(after)
    }
}
