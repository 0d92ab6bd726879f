//! Small helpers the record modules share: turning database errors into domain errors, checking
//! versions, reading flags and trimmed text.

// The text validators live in the model (the model-only build needs them); the record modules
// take them from here with the other helpers.
pub(crate) use crate::model::{external_id, optional_text, required_text};
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
