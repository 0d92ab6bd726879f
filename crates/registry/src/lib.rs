//! The registry: case records (persons, burial sites, families and their members, reference samples
//! with consent, remains, samples and their chain of custody, missions, and in time the decisions),
//! stored in SQLite or PostgreSQL, every change in a hash-chained audit log. Reads of sensitive data
//! (genotypes, family contacts) are audited too; the audit log itself never holds either, only hashes.
//!
//! Architecture invariant: this is the only crate that knows SQL. Callers get domain types
//! (`model`) and typed errors (`StoreError`).

mod backup;
mod families;
mod family_references;
mod genealogy;
mod handovers;
mod identifications;
mod jobs;
mod missions;
pub mod model;
mod profiles;
mod references;
mod reviews;
mod samples;
mod store;
mod support;
#[cfg(feature = "testing")]
pub mod testing;
mod time;
mod typings;
mod users;
mod visits;

pub use families::{Contacts, Family, FamilyMember, ImportFamily, ImportSummary, NewFamily, NewMember, PedigreeRow};
pub use family_references::{ImportFamilyReference, ImportPart};
pub use genealogy::{
    GenealogySummary, ImportGenealogy, MemberRecord, MemberRelation, NewRelation, RecordedEvent, RecordedName,
    RecordedVariant, RelationKind, RelationStatus,
};
pub use handovers::{Channel, NewNotification, NewRepatriation, Notification, Repatriation};
pub use identifications::{Identification, IdentificationStatus};
pub use jobs::{Candidate, Job, JobStatus, MarkerEvidence, MatchFamily, MatchingData, NewCandidate};
pub use missions::{Mission, MissionKind, NewMission, Participant};
pub use profiles::{sha256_hex, ProfileKind, StrProfile};
pub use references::{Consent, ConsentScope, NewReference, Reference, ReferenceProfile, Withdrawal};
pub use reviews::{Decision, IdentificationEvidence, Review};
pub use samples::{
    CustodyEvent, CustodyEventKind, NewCustodyEvent, NewRemains, NewSample, Remains, Sample, SampleProfile,
};

pub use store::{AuditEntry, AuditReport, Backend, Store, StoreError, GENESIS_HASH};
pub use time::{format_utc, now_utc};
pub use typings::{NewTyping, TypingSummary, TypingTarget, TypingTargetInfo};
pub use users::{Role, User};
pub use visits::{MissionItinerary, Mobility, NewVisitRequest, VisitRequest};
