//! The one way a versioned record changes: `UPDATE … SET …, version = version + 1` guarded by the
//! version the caller read, then its audit entry, inside the caller's write transaction. Every
//! record module (persons, sites, families, members, samples, missions, identifications,
//! references) goes through [`Change`], so a stale version is always the same
//! [`StoreError::Conflict`] and no update can forget its audit entry.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Transaction};

use crate::store::{Store, StoreError};
use crate::support::{duplicate, not_found};

/// A value of an UPDATE's SET list. Owned, so that a change can be built from borrowed records
/// and bound after the SQL text it belongs to is made.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Text(Option<String>),
    Int(Option<i64>),
}

impl Value {
    pub(crate) fn bind_to<'q>(self, q: Query<'q, Any, AnyArguments<'q>>) -> Query<'q, Any, AnyArguments<'q>> {
        match self {
            Value::Text(v) => q.bind(v),
            Value::Int(v) => q.bind(v),
        }
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(Some(v.to_owned()))
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(Some(v))
    }
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Value {
        Value::Text(v)
    }
}

impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Value {
        Value::Text(v.map(str::to_owned))
    }
}

impl From<&Option<String>> for Value {
    fn from(v: &Option<String>) -> Value {
        Value::Text(v.clone())
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(Some(v))
    }
}

impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Value {
        Value::Int(v)
    }
}

/// An update of one versioned record and its audit entry, built up and then [`run`](Change::run).
#[derive(Debug)]
pub(crate) struct Change<'a> {
    table: &'static str,
    /// The record's name in errors ("family member").
    entity: &'static str,
    /// Its name in the audit log, where some records are hyphenated ("family-member").
    audit_entity: &'static str,
    id: i64,
    /// `None` where the caller holds the row's lock already and moves it regardless of version
    /// (status moves made by a workflow, not by an editor holding a copy).
    expected_version: Option<i64>,
    set: Vec<(&'static str, Value)>,
    /// The unique column whose violation is a [`StoreError::Duplicate`], with the value tried.
    unique: Option<(&'static str, &'a str)>,
}

impl<'a> Change<'a> {
    /// A change of row `id` of `table`, the record named `entity` in errors and in the audit log.
    pub(crate) fn new(table: &'static str, entity: &'static str, id: i64, expected_version: Option<i64>) -> Self {
        Change {
            table,
            entity,
            audit_entity: entity,
            id,
            expected_version,
            set: Vec::new(),
            unique: None,
        }
    }

    /// Names the record in the audit log as `name` instead of its name in errors.
    pub(crate) fn audited_as(mut self, name: &'static str) -> Self {
        self.audit_entity = name;
        self
    }

    /// `column = value` in the SET list.
    pub(crate) fn set(mut self, column: &'static str, value: impl Into<Value>) -> Self {
        self.set.push((column, value.into()));
        self
    }

    /// A unique violation on this change is a duplicate `field` of `value`.
    pub(crate) fn unique(mut self, field: &'static str, value: &'a str) -> Self {
        self.unique = Some((field, value));
        self
    }

    /// Runs the UPDATE inside `tx` (exactly one row, or [`StoreError::Conflict`]: someone else got
    /// there first) and appends its audit entry, `action` with the record before and after.
    pub(crate) async fn run(
        self,
        store: &Store,
        tx: &mut Transaction<'_, Any>,
        actor: &str,
        action: &str,
        before: Option<&str>,
        after: &str,
    ) -> Result<(), StoreError> {
        let mut sql = format!("UPDATE {} SET ", self.table);
        for (k, (column, _)) in self.set.iter().enumerate() {
            sql.push_str(&format!("{column} = ${}, ", k + 1));
        }
        let n = self.set.len();
        sql.push_str(&format!("version = version + 1 WHERE id = ${}", n + 1));
        if self.expected_version.is_some() {
            sql.push_str(&format!(" AND version = ${}", n + 2));
        }
        let mut q = sqlx::query(&sql);
        for (_, v) in self.set {
            q = v.bind_to(q);
        }
        q = q.bind(self.id);
        if let Some(v) = self.expected_version {
            q = q.bind(v);
        }
        let result = q.execute(&mut **tx).await.map_err(|e| match self.unique {
            Some((field, value)) => duplicate(self.entity, field, value)(e),
            None => e.into(),
        })?;
        if result.rows_affected() != 1 {
            // The version read was checked before; no row now means a writer came in between.
            return Err(StoreError::Conflict {
                entity: self.entity,
                id: self.id,
                expected: self.expected_version.unwrap_or(-1),
                actual: -1,
            });
        }
        store
            .audit(
            tx,
            actor,
            action,
            self.audit_entity,
            &self.id.to_string(),
            before,
            Some(after),
        )
        .await
    }
}

/// The row `sql` selects by id (`$1`) inside `tx`, or [`StoreError::NotFound`]: the read that
/// comes before a [`Change`], whose version the caller checks.
pub(crate) async fn row_by_id(
    tx: &mut Transaction<'_, Any>,
    sql: &str,
    entity: &'static str,
    id: i64,
) -> Result<AnyRow, StoreError> {
    sqlx::query(sql)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| not_found(entity, id))
}
