//! The registry: case records (persons, burial sites, and in time families, samples, missions and
//! decisions), stored in SQLite or PostgreSQL, every change in a hash-chained audit log.
//!
//! Architecture invariant: this is the only crate that knows SQL. Callers get domain types
//! (`model`) and typed errors (`StoreError`).

pub mod model;
mod store;
mod time;
mod users;

pub use store::{AuditEntry, AuditReport, Backend, Store, StoreError, GENESIS_HASH};
pub use time::{format_utc, now_utc};
pub use users::{Role, User};
