//! Persons: the dead and missing, by their names in every script; versioned updates; statuses that
//! only move forward, each move with a reason in the history; and all-or-nothing bulk imports.


use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Row, Transaction};

use crate::audit::AuditRecord;
use crate::backend::{rows_in, values_sql, Key};
use crate::model::{FieldError, NewPerson, Person, PersonStatus, Place};
use crate::store::{Store, StoreError};
use crate::support::{check_version, duplicate, json, search_text};
use crate::versioned::{row_by_id, Change};
use crate::time::now_utc;

/// The columns a new person is written with: nine bound by [`bind_new_person`], then the version.
const NEW_PERSON_COLUMNS: &str = "external_id, names, search, sex, birth, death, death_place, sources, status, version";

/// Binds a new person's nine values, in the order of [`NEW_PERSON_COLUMNS`]: the one place that
/// says how a person is written, for the single insert and the bulk import alike.
fn bind_new_person<'q>(q: Query<'q, Any, AnyArguments<'q>>, p: &'q NewPerson) -> Query<'q, Any, AnyArguments<'q>> {
    q.bind(p.external_id.trim())
        .bind(json(&p.names))
        .bind(search_text(&p.names))
        .bind(p.sex.as_str())
        .bind(p.birth.map(|d| d.to_string()))
        .bind(p.death.map(|d| d.to_string()))
        .bind(p.death_place.as_ref().map(json))
        .bind(json(&p.sources))
        .bind(PersonStatus::Missing.as_str())
}

impl Store {

    async fn insert_person(
        &self,
        tx: &mut Transaction<'_, Any>,
        actor: &str,
        p: &NewPerson,
    ) -> Result<Person, StoreError> {
        p.check()?;
        let sql = format!(
            "INSERT INTO persons ({NEW_PERSON_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) RETURNING id"
        );
        let id: i64 = bind_new_person(sqlx::query(&sql), p)
            .fetch_one(&mut **tx)
            .await
            .map_err(duplicate("person", "external_id", &p.external_id))?
            .try_get("id")?;
        Self::write_name_keys(tx, self.backend, &[(id, p)]).await?;
        let person = Person {
            id,
            data: p.clone(),
            status: PersonStatus::Missing,
            version: 1,
        };
        self.audit_created(tx, actor, "person", id, &json(&person)).await?;
        Ok(person)
    }

    pub async fn create_person(&self, actor: &str, p: &NewPerson) -> Result<Person, StoreError> {
        let mut tx = self.begin_write().await?;
        let person = self.insert_person(&mut tx, actor, p).await?;
        tx.commit().await?;
        Ok(person)
    }

    /// Imports persons in one transaction: all of them, or none if any is rejected (the error
    /// carries the index of the first bad row). Rows go in batches of multi-row INSERTs and the
    /// audit entries are chained in memory and written in batches too: a round trip per batch,
    /// not per row.
    pub async fn import_persons(&self, actor: &str, persons: &[NewPerson]) -> Result<usize, (usize, StoreError)> {
        let batch_rows = self.backend.batch_rows(9);
        let mut seen = std::collections::HashMap::with_capacity(persons.len());
        for (i, p) in persons.iter().enumerate() {
            p.check().map_err(|e| (i, e.into()))?;
            if seen.insert(p.external_id.trim(), i).is_some() {
                let dup = StoreError::Duplicate {
                    entity: "person",
                    field: "external_id",
                    value: p.external_id.clone(),
                };
                return Err((i, dup));
            }
        }
        let mut tx = self.begin_write().await.map_err(|e| (0, e))?;
        let mut created: Vec<Person> = Vec::with_capacity(persons.len());
        for (b, chunk) in persons.chunks(batch_rows).enumerate() {
            let base = b * batch_rows;
            let at = |e: StoreError| (base, e);
            let ids: Vec<&str> = chunk.iter().map(|p| p.external_id.trim()).collect();
            let list = (1..=ids.len())
                .map(|k| self.backend.param(k))
                .collect::<Vec<_>>()
                .join(", ");
            // Already in the database?
            let sql = format!("SELECT external_id FROM persons WHERE external_id IN ({list})");
            let mut q = sqlx::query(&sql);
            for id in &ids {
                q = q.bind(*id);
            }
            if let Some(row) = q.fetch_optional(&mut *tx).await.map_err(|e| at(e.into()))? {
                let id: String = row.try_get("external_id").map_err(|e| at(e.into()))?;
                let i = seen[id.as_str()];
                return Err((
                    i,
                    StoreError::Duplicate {
                        entity: "person",
                        field: "external_id",
                        value: id,
                    },
                ));
            }
            let values = values_sql(self.backend, chunk.len(), 9, ", 1");
            let sql = format!("INSERT INTO persons ({NEW_PERSON_COLUMNS}) VALUES {values}");
            let mut q = sqlx::query(&sql);
            for p in chunk {
                q = bind_new_person(q, p);
            }
            q.execute(&mut *tx).await.map_err(|e| at(e.into()))?;
            let sql = format!("SELECT id, external_id FROM persons WHERE external_id IN ({list})");
            let mut q = sqlx::query(&sql);
            for id in &ids {
                q = q.bind(*id);
            }
            let mut by_external: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
            for row in q.fetch_all(&mut *tx).await.map_err(|e| at(e.into()))? {
                by_external.insert(
                    row.try_get("external_id").map_err(|e| at(e.into()))?,
                    row.try_get("id").map_err(|e| at(e.into()))?,
                );
            }
            let keyed: Vec<(i64, &NewPerson)> = chunk.iter().map(|p| (by_external[p.external_id.trim()], p)).collect();
            Self::write_name_keys(&mut tx, self.backend, &keyed)
                .await
                .map_err(at)?;
            for p in chunk {
                let id = by_external[p.external_id.trim()];
                created.push(Person {
                    id,
                    data: p.clone(),
                    status: PersonStatus::Missing,
                    version: 1,
                });
            }
        }
        let entries: Vec<AuditRecord> = created
            .iter()
            .map(|p| AuditRecord {
                action: "create",
                entity: "person",
                entity_id: p.id.to_string(),
                before: None,
                after: Some(json(p)),
            })
            .collect();
        self.audit_many(&mut tx, actor, &entries)
            .await
            .map_err(|e| (persons.len(), e))?;
        tx.commit().await.map_err(|e| (persons.len(), e.into()))?;
        Ok(persons.len())
    }


    pub(crate) fn person_from_row(row: &AnyRow) -> Result<Person, StoreError> {
        let corrupt = |what: &str, e: &dyn std::fmt::Display| StoreError::Corrupt(format!("person {what}: {e}"));
        let names: String = row.try_get("names")?;
        let sources: String = row.try_get("sources")?;
        let place: Option<String> = row.try_get("death_place")?;
        let birth: Option<String> = row.try_get("birth")?;
        let death: Option<String> = row.try_get("death")?;
        let sex: String = row.try_get("sex")?;
        let status: String = row.try_get("status")?;
        Ok(Person {
            id: row.try_get("id")?,
            data: NewPerson {
                external_id: row.try_get("external_id")?,
                names: serde_json::from_str(&names).map_err(|e| corrupt("names", &e))?,
                sex: sex.parse().map_err(|e: String| corrupt("sex", &e))?,
                birth: birth
                    .map(|b| b.parse())
                    .transpose()
                    .map_err(|e: String| corrupt("birth", &e))?,
                death: death
                    .map(|d| d.parse())
                    .transpose()
                    .map_err(|e: String| corrupt("death", &e))?,
                death_place: place
                    .map(|p| serde_json::from_str::<Place>(&p))
                    .transpose()
                    .map_err(|e| corrupt("death_place", &e))?,
                sources: serde_json::from_str(&sources).map_err(|e| corrupt("sources", &e))?,
            },
            status: status.parse().map_err(|e: String| corrupt("status", &e))?,
            version: row.try_get("version")?,
        })
    }

    pub(crate) const PERSON_COLUMNS: &'static str =
        "id, external_id, names, sex, birth, death, death_place, sources, status, version";

    pub async fn get_person(&self, id: i64) -> Result<Option<Person>, StoreError> {
        let sql = format!("SELECT {} FROM persons WHERE id = $1", Self::PERSON_COLUMNS);
        self.one_where(&sql, id, Self::person_from_row).await
    }

    /// The ids of the persons with these external ids (a bulk look-up; unknown ids are left out).
    pub async fn person_ids_by_external_id(
        &self,
        external_ids: &[&str],
    ) -> Result<std::collections::HashMap<String, i64>, StoreError> {
        let keys: Vec<Key> = external_ids.iter().map(|k| Key::Text(k)).collect();
        let mut conn = self.pool.acquire().await?;
        let sql = "SELECT id, external_id FROM persons WHERE external_id IN ({in})";
        rows_in(&mut conn, self.backend, sql, &keys)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("external_id")?, r.try_get("id")?)))
            .collect()
    }

    pub async fn get_person_by_external_id(&self, external_id: &str) -> Result<Option<Person>, StoreError> {
        let sql = format!("SELECT {} FROM persons WHERE external_id = $1", Self::PERSON_COLUMNS);
        self.one_where(&sql, external_id, Self::person_from_row).await
    }

    /// Persons by id, or found by name ([`Store::find_persons`], best first) when `query` has text.
    pub async fn search_persons(
        &self,
        query: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Person>, StoreError> {
        if let Some(q) = query {
            crate::model::check_text("q", q, 500)?;
        }
        if let Some(q) = query.map(str::trim).filter(|q| !q.is_empty()) {
            let found = self.find_persons(q, crate::Page { limit, offset }).await?;
            return Ok(found.items.into_iter().map(|h| h.person).collect());
        }
        let sql = format!(
            "SELECT {} FROM persons ORDER BY id LIMIT $1 OFFSET $2",
            Self::PERSON_COLUMNS
        );
        let rows = sqlx::query(&sql).bind(limit).bind(offset).fetch_all(&self.pool).await?;
        rows.iter().map(Self::person_from_row).collect()
    }

    pub async fn count_persons(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM persons")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }

    /// How many persons have each status (statuses with none are left out).
    pub async fn count_persons_by_status(&self) -> Result<Vec<(PersonStatus, i64)>, StoreError> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM persons GROUP BY status")
            .fetch_all(&self.pool)
            .await?;
        let mut out = rows
            .iter()
            .map(|r| {
                let s: String = r.try_get("status")?;
                Ok((s.parse::<PersonStatus>().map_err(StoreError::Corrupt)?, r.try_get("n")?))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort();
        Ok(out)
    }

    /// Replaces a person's data if nobody changed it since `expected_version`.
    pub async fn update_person(
        &self,
        actor: &str,
        id: i64,
        expected_version: i64,
        p: &NewPerson,
    ) -> Result<Person, StoreError> {
        p.check()?;
        let mut tx = self.begin_write().await?;
        let before = Self::locked_person(&mut tx, id, expected_version).await?;
        let after = Person {
            id,
            data: p.clone(),
            status: before.status,
            version: expected_version + 1,
        };
        Change::new("persons", "person", id, Some(expected_version))
            .set("external_id", p.external_id.trim())
            .set("names", json(&p.names))
            .set("search", search_text(&p.names))
            .set("sex", p.sex.as_str())
            .set("birth", p.birth.map(|d| d.to_string()))
            .set("death", p.death.map(|d| d.to_string()))
            .set("death_place", p.death_place.as_ref().map(json))
            .set("sources", json(&p.sources))
            .unique("external_id", &p.external_id)
            .run(self,&mut tx, actor, "update", Some(&json(&before)), &json(&after))
            .await?;
        Self::replace_name_keys(&mut tx, self.backend, id, p).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Reads a person inside `tx`, checking the version.
    async fn locked_person(
        tx: &mut Transaction<'_, Any>,
        id: i64,
        expected_version: i64,
    ) -> Result<Person, StoreError> {
        let sql = format!("SELECT {} FROM persons WHERE id = $1", Self::PERSON_COLUMNS);
        let person = Self::person_from_row(&row_by_id(tx, &sql, "person", id).await?)?;
        check_version("person", id, expected_version, person.version)?;
        Ok(person)
    }

    /// Moves many persons' statuses forward in one transaction (bulk loads such as a survey's list
    /// of located graves): all of them, or none if any is unknown or would move backwards (the
    /// error names its position in `changes`). Each change is recorded as [`Store::advance_status`]
    /// records it.
    pub async fn advance_statuses(
        &self,
        actor: &str,
        changes: &[(i64, PersonStatus, String)],
    ) -> Result<usize, (usize, StoreError)> {
        for (i, (_, _, reason)) in changes.iter().enumerate() {
            if reason.trim().is_empty() {
                return Err((i, FieldError::new("reason", "a status change needs a reason").because(crate::model::Problem::Required).into()));
            }
        }
        let mut tx = self.begin_write().await.map_err(|e| (0, e))?;
        for (i, (id, to, reason)) in changes.iter().enumerate() {
            let row = sqlx::query("SELECT status FROM persons WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| (i, e.into()))?
                .ok_or((
                    i,
                    StoreError::NotFound {
                        entity: "person",
                        id: id.to_string(),
                    },
                ))?;
            let from: String = row.try_get("status").map_err(|e| (i, e.into()))?;
            let from: PersonStatus = from.parse().map_err(|e: String| (i, StoreError::Corrupt(e)))?;
            if *to <= from {
                return Err((
                    i,
                    StoreError::BackwardStatus {
                        from: from.as_str(),
                        to: to.as_str(),
                    },
                ));
            }
            self.move_person_status(&mut tx, actor, *id, None, from, *to, reason.trim())
                .await
                .map_err(|e| (i, e))?;
        }
        tx.commit().await.map_err(|e| (changes.len(), e.into()))?;
        Ok(changes.len())
    }

    /// Moves a person's status forward, with the reason, recorded in the status history.
    pub async fn advance_status(
        &self,
        actor: &str,
        id: i64,
        expected_version: i64,
        to: PersonStatus,
        reason: &str,
    ) -> Result<Person, StoreError> {
        if reason.trim().is_empty() {
            return Err(FieldError::new("reason", "a status change needs a reason").because(crate::model::Problem::Required).into());
        }
        let mut tx = self.begin_write().await?;
        let before = Self::locked_person(&mut tx, id, expected_version).await?;
        if to <= before.status {
            return Err(StoreError::BackwardStatus {
                from: before.status.as_str(),
                to: to.as_str(),
            });
        }
        self.move_person_status(
            &mut tx,
            actor,
            id,
            Some(expected_version),
            before.status,
            to,
            reason.trim(),
        )
        .await?;
        let after = Person {
            status: to,
            version: expected_version + 1,
            ..before.clone()
        };
        tx.commit().await?;
        Ok(after)
    }

    /// Moves a person's status inside `tx`: the row (guarded by `expected_version` when given), the
    /// history with its reason, and the audit entry. Callers check the direction.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn move_person_status(
        &self,
        tx: &mut Transaction<'_, Any>,
        actor: &str,
        person_id: i64,
        expected_version: Option<i64>,
        from: PersonStatus,
        to: PersonStatus,
        reason: &str,
    ) -> Result<(), StoreError> {
        let change = serde_json::json!({ "status": to.as_str(), "reason": reason }).to_string();
        Change::new("persons", "person", person_id, expected_version)
            .set("status", to.as_str())
            .run(self,tx, actor, "status", Some(from.as_str()), &change)
            .await?;
        sqlx::query(
            "INSERT INTO person_status_history (person_id, from_status, to_status, reason, actor, at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(person_id)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(reason)
        .bind(actor)
        .bind(now_utc())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The latest status changes of any person, newest first: (person id, from, to, reason, actor, at).
    pub async fn recent_status_changes(
        &self,
        limit: i64,
    ) -> Result<Vec<(i64, PersonStatus, PersonStatus, String, String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT person_id, from_status, to_status, reason, actor, at FROM person_status_history \
             ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let (from, to, reason, actor, at) = Self::status_change_from_row(r)?;
                Ok((r.try_get("person_id")?, from, to, reason, actor, at))
            })
            .collect()
    }

    fn status_change_from_row(r: &AnyRow) -> Result<(PersonStatus, PersonStatus, String, String, String), StoreError> {
        let from: String = r.try_get("from_status")?;
        let to: String = r.try_get("to_status")?;
        let bad = |e: String| StoreError::Corrupt(format!("status history: {e}"));
        Ok((
            from.parse().map_err(bad)?,
            to.parse().map_err(bad)?,
            r.try_get("reason")?,
            r.try_get("actor")?,
            r.try_get("at")?,
        ))
    }

    /// A person's status changes, oldest first: (from, to, reason, actor, at).
    pub async fn status_history(
        &self,
        id: i64,
    ) -> Result<Vec<(PersonStatus, PersonStatus, String, String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT from_status, to_status, reason, actor, at FROM person_status_history WHERE person_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::status_change_from_row).collect()
    }
}
