//! The registry's database handle and its error type. Each record's SQL lives in its own module
//! (`persons.rs`, `sites.rs`, `families.rs`, …), each adding methods to [`Store`]; the connection,
//! migrations, transactions and bulk helpers are in `backend.rs`, the audit chain in `audit.rs`.
//!
//! Every write runs in a transaction that also appends to the audit chain, so a change and its
//! audit entry land together or not at all. Updates name the version they read; a stale version
//! is a [`StoreError::Conflict`], never a silent overwrite.

use sqlx::AnyPool;

use crate::backend::Backend;
use crate::model::FieldError;
use crate::secret::SecretKey;


/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{entity} {id} was changed by someone else (version {actual}, you read {expected}); reload and try again")]
    Conflict {
        entity: &'static str,
        id: i64,
        expected: i64,
        actual: i64,
    },
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },
    #[error("{entity} with {field} '{value}' already exists")]
    Duplicate {
        entity: &'static str,
        field: &'static str,
        value: String,
    },
    #[error("status cannot move from {from} to {to}: statuses only move forward")]
    BackwardStatus { from: &'static str, to: &'static str },
    #[error("{0}")]
    Invalid(#[from] FieldError),
    /// The evidence a proposal cites does not hold (no such candidate, a foreign or withdrawn
    /// reference, an unfinished job, …); the field names what was cited.
    #[error("{0}")]
    Unfounded(FieldError),
    /// A workflow rule refuses the change (the wrong role, a second review by the same person, …).
    #[error("{0}")]
    NotAllowed(String),
    #[error("unsupported database URL '{0}' (use sqlite://FILE or postgres://…)")]
    Url(String),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Io(String),
    /// The store was given a key other than the one its audit log is signed with.
    #[error("this registry's audit log is signed with key {registered}; the key given is {given} (wrong HOMEWARD_KEY or key file?)")]
    KeyMismatch { registered: String, given: String },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

/// The registry's database.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    /// PostgreSQL's connections for name search (`None` on SQLite, whose search reads `pool`):
    /// read-only sessions with the plan settings the search's statement needs (see
    /// [`Store::find_persons`]), so that it is one round trip rather than a transaction's three.
    pub(crate) search_pool: Option<AnyPool>,
    pub(crate) backend: Backend,
    /// The registry's key, kept outside the database: it signs the audit entries and keys the
    /// digests of profiles. `None` for a store opened without one (the registry's own tests).
    pub(crate) audit_key: Option<SecretKey>,
}
