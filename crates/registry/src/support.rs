//! Small helpers the record modules share: turning database errors into domain errors, checking
//! versions, reading flags and trimmed text.

// The text validators live in the model (the model-only build needs them); the record modules
// take them from here with the other helpers.
pub(crate) use crate::model::{external_id, optional_text, required_text};

use sqlx::any::AnyRow;

use crate::store::StoreError;

/// Maps a unique violation to [`StoreError::Duplicate`], anything else to a database error.
pub(crate) fn duplicate(
    entity: &'static str,
    field: &'static str,
    value: &str,
) -> impl FnOnce(sqlx::Error) -> StoreError {
    let value = value.to_owned();
    move |e| {
        if unique_violation(&e) {
            StoreError::Duplicate { entity, field, value }
        } else {
            e.into()
        }
    }
}

/// A stale version, as read (`actual`) or, when the guarded UPDATE touched no row, unknown (-1).
pub(crate) fn check_version(entity: &'static str, id: i64, expected: i64, actual: i64) -> Result<(), StoreError> {
    if expected == actual {
        Ok(())
    } else {
        Err(StoreError::Conflict {
            entity,
            id,
            expected,
            actual,
        })
    }
}

pub(crate) fn not_found(entity: &'static str, id: impl ToString) -> StoreError {
    StoreError::NotFound {
        entity,
        id: id.to_string(),
    }
}

pub(crate) fn corrupt(entity: &str, what: &str, e: &dyn std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{entity} {what}: {e}"))
}

/// Booleans are stored as 0/1 integers on both backends.
pub(crate) fn flag(b: bool) -> i64 {
    i64::from(b)
}

/// A record as JSON text: what JSON columns and audit entries hold.
pub(crate) fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("domain types serialise")
}

/// Every name of a person or site, lowercased and joined by the unit separator: the column that
/// `LIKE` searches, so that a name matches in whichever script it was given.
pub(crate) fn search_text(names: &[crate::model::Name]) -> String {
    names
        .iter()
        .map(|n| n.text.to_lowercase())
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

pub(crate) fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// A record read from its row by its `sqlx::FromRow`. A value its column cannot hold (text that is
/// no status, a date that does not parse) is damaged data, [`StoreError::Corrupt`] naming the record
/// and the column, as a hand-written reader would say; anything else is a database error.
pub(crate) fn record<T: for<'r> sqlx::FromRow<'r, AnyRow>>(entity: &str, row: &AnyRow) -> Result<T, StoreError> {
    T::from_row(row).map_err(|e| match e {
        sqlx::Error::ColumnDecode { index, source } => corrupt(entity, &index, &source),
        e => e.into(),
    })
}

/// [`record`] for every row.
pub(crate) fn records<T>(entity: &str, rows: &[AnyRow]) -> Result<Vec<T>, StoreError>
where
    T: for<'r> sqlx::FromRow<'r, AnyRow>,
{
    rows.iter().map(|r| record(entity, r)).collect()
}

/// Lets a text column be read straight into a type parsed from it, with
/// `#[sqlx(try_from = "String")]` on a `FromRow` field.
macro_rules! parsed_from_text {
    ($($t:ty),* $(,)?) => {$(
        impl TryFrom<String> for $t {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                s.parse()
            }
        }
    )*};
}

parsed_from_text!(
    crate::model::Sex,
    crate::model::PersonStatus,
    crate::model::SiteStatus,
    crate::model::ProfileKind,
    crate::JobStatus,
    crate::Role,
    crate::Channel,
    crate::Mobility,
    crate::CustodyEventKind,
    crate::IdentificationStatus,
    crate::MissionKind,
    crate::RelationKind,
);
