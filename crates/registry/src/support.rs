//! Small helpers the record modules share: turning database errors into domain errors, checking
//! versions, reading flags and trimmed text.

use crate::model::FieldError;
use crate::store::{unique_violation, StoreError};

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

/// After `UPDATE … WHERE id = ? AND version = ?`: exactly one row, or someone else got there first.
pub(crate) fn one_row(
    result: &sqlx::any::AnyQueryResult,
    entity: &'static str,
    id: i64,
    expected: i64,
) -> Result<(), StoreError> {
    if result.rows_affected() == 1 {
        Ok(())
    } else {
        check_version(entity, id, expected, -1)
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

/// Text that must not be empty once trimmed, and at most `max` characters.
pub(crate) fn required_text(field: &str, value: &str, max: usize) -> Result<(), FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(FieldError::new(field, "is empty"));
    }
    if v.chars().count() > max {
        return Err(FieldError::new(field, format!("is longer than {max} characters")));
    }
    Ok(())
}

/// Optional text: when given, the same rules as [`required_text`].
pub(crate) fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<(), FieldError> {
    value.map_or(Ok(()), |v| required_text(field, v, max))
}

/// An external id: 1–200 characters, as for persons and sites.
pub(crate) fn external_id(value: &str) -> Result<(), FieldError> {
    let id = value.trim();
    if id.is_empty() || id.len() > 200 {
        return Err(FieldError::new("external_id", "must be 1–200 characters"));
    }
    Ok(())
}
