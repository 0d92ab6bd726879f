//! The registry: case records (persons, burial sites, families and their members, reference samples
//! with consent, remains, samples and their chain of custody, missions, and in time the decisions),
//! stored in SQLite or PostgreSQL, every change in a hash-chained audit log. Reads of sensitive data
//! (genotypes, family contacts) are audited too; the audit log itself never holds either, only hashes.
//!
//! Architecture invariant: this is the only crate that knows SQL. Callers get domain types
//! (`model`) and typed errors (`StoreError`).
//!
//! Features: `store` (default) is the database; without it the crate is only [`model`], the plain
//! record types and their checks (no sqlx, tokio or hashing), for crates that read files into
//! records. `testing` adds `registry::testing`, the harness other crates' tests share.

/// Attaches `#[cfg(feature = "store")]` to every item: all that needs the database (sqlx, the
/// password hasher, the audit chain's hash) is left out of a model-only build.
macro_rules! with_store {
    ($($item:item)*) => { $( #[cfg(feature = "store")] $item )* };
}

#[macro_use]
mod words;

pub mod model;
pub mod page;
#[cfg(feature = "testing")]
pub mod testing;
mod time;

pub use model::{
    Consent, ConsentScope, Contacts, Family, FamilyMember, ImportFamily, ImportSummary, NewFamily, NewMember,
    NewReference, PedigreeRow, ProfileKind, Reference, ReferenceProfile, StrProfile, Withdrawal,
};
pub use page::{Page, Paged};
pub use time::{format_utc, now_utc};

with_store! {
    mod access;
    mod assignments;
    mod audit;
    mod backend;
    mod backup;
    mod evidence;
    mod families;
    mod family_advice;
    mod family_references;
    mod genealogy;
    mod handovers;
    mod identifications;
    mod jobs;
    mod missions;
    mod name_search;
    mod persons;
    mod queues;
    mod references;
    mod reviews;
    mod samples;
    mod seals;
    mod secret;
    mod sites;
    mod snp_profiles;
    mod store;
    mod support;
    mod typings;
    mod users;
    mod versioned;
    mod visits;

    pub use family_advice::{AdviceInputs, StoredAdvice};
    pub use family_references::{ImportFamilyReference, ImportPart};
    pub use genealogy::{
        GenealogySummary, ImportGenealogy, MemberRecord, MemberRelation, NewRelation, RecordedEvent, RecordedName,
        RecordedVariant, RelationKind, RelationStatus,
    };
    pub use backup::known_sqlite_schema_version;
    pub use evidence::{
        one_in_n_posterior, CandidateInputs, CitedReference, SnpInputs, DocumentaryGrounds, GroundsKind, JobModel, Prior,
    };
    pub use handovers::{Channel, NewNotification, NewRepatriation, Notification, Repatriation};
    pub use identifications::{Identification, IdentificationStatus};
    pub use jobs::{
        Candidate, ChromosomeEvidence, Job, JobStatus, MarkerEvidence, MatchFamily, MatchingData, NewCandidate, SnpBytes,
        SnpEvidence, SnpMatching, SnpReference,
    };
    pub use missions::{Mission, MissionKind, NewMission, Participant};
    pub use name_search::{PersonHit, SiteRef, FOUND_CAP};
    pub use queues::{
        CandidateRow, IdentificationRow, ListFilter, MissionToPlan, NotificationDue, Sort, StatusChangeRow, VisitToArrange,
        PROPOSE_THRESHOLD_LOG10,
    };
    pub use reviews::{Decision, IdentificationEvidence, Review};
    pub use samples::{
        CustodyEvent, CustodyEventKind, NewCustodyEvent, NewRemains, NewSample, Remains, Sample, SampleProfile,
    };
    pub use access::{
        check_new_password, password_verifications, SignIn, SignInPolicy, TokenInfo, UserAccount, MIN_PASSWORD_CHARS,
    };
    pub use assignments::{FamilyAssignment, FamilyScope};
    pub use audit::{sha256_hex, AuditAnchor, AuditEntry, AuditReport, SignatureCheck, GENESIS_HASH};
    pub use backend::Backend;
    pub use seals::RecordProblem;
    pub use secret::{SecretKey, MIN_KEY_BYTES};
    pub use store::{Store, StoreError};
    pub use snp_profiles::{
        NewSnpProfile, SnpPanelInfo, SnpProfileData, SnpProfileInfo, SnpSource, MAX_SNP_PROFILE_BYTES,
    };
    pub use typings::{NewTyping, TypingSummary, TypingTarget, TypingTargetInfo};
    pub use users::{Role, User};
    pub use visits::{MissionItinerary, Mobility, NewVisitRequest, VisitRequest};
}
