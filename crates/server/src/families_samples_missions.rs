//! Handlers for the identification records: families (members, pedigree, contacts), reference
//! samples (profile, consent withdrawal), remains, samples (profile, chain of custody) and missions.
//!
//! Genotypes leave the server only from the `/profile` endpoints (`Permission::ReadProfiles`, each
//! read audited by the registry); every other response carries records without them. Contact
//! details leave only from `/families/{id}/contacts` (`Permission::ReadContacts`, audited too).

use axum::extract::State;
use axum::Json;
use registry::model::Site;
use registry::{
    Contacts, CustodyEvent, Family, FamilyMember, Mission, NewCustodyEvent, NewFamily, NewMember, NewMission,
    NewReference, NewRemains, NewSample, Reference, ReferenceProfile, Remains, Sample, SampleProfile, Withdrawal,
};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::extract::{created, existing, found, ApiJson, ApiPath, ApiQuery, Created};
use crate::{ApiError, AppState, Permission};

async fn family_exists(s: &AppState, id: i64) -> Result<Family, ApiError> {
    existing(s.store.get_family(id).await?, "family", id)
}

// ---- families ----

pub(crate) async fn list_families(State(s): State<AppState>, caller: Caller) -> Result<Json<Vec<Family>>, ApiError> {
    Ok(Json(s.store.list_families_in(&caller.family_scope()).await?))
}

pub(crate) async fn create_family(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(family): ApiJson<NewFamily>,
) -> Created<Family> {
    created(s.store.create_family(&caller.0.username, &family).await?)
}

pub(crate) async fn get_family(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Family>, ApiError> {
    caller.require_family(&s.store, id).await?;
    found(s.store.get_family(id).await?, "family", id)
}

/// Sensitive: the registry records the read in the audit chain.
pub(crate) async fn family_contacts(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Contacts>, ApiError> {
    caller.require_family(&s.store, id).await?;
    Ok(Json(s.store.get_family_contacts(&caller.0.username, id).await?))
}

pub(crate) async fn list_members(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<FamilyMember>>, ApiError> {
    caller.require_family(&s.store, id).await?;
    family_exists(&s, id).await?;
    Ok(Json(s.store.list_members(id).await?))
}

pub(crate) async fn add_member(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(member): ApiJson<NewMember>,
) -> Created<FamilyMember> {
    caller.require_family(&s.store, id).await?;
    created(s.store.add_member(&caller.0.username, id, &member).await?)
}

/// One member of a pedigree as the matching engine reads it; ids are member ids as text, and an
/// unknown parent of a member with only one recorded parent appears as `"<id>-father"` or
/// `"<id>-mother"`.
#[derive(Debug, Serialize)]
pub(crate) struct PedigreeMember {
    id: String,
    father: Option<String>,
    mother: Option<String>,
    sex: registry::model::Sex,
}

pub(crate) async fn family_pedigree(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<PedigreeMember>>, ApiError> {
    caller.require_family(&s.store, id).await?;
    let rows = s.store.family_pedigree(id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(id, father, mother, sex)| PedigreeMember {
                id,
                father,
                mother,
                sex,
            })
            .collect(),
    ))
}

// ---- references ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReferenceQuery {
    family: i64,
}

pub(crate) async fn list_references(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ReferenceQuery>,
) -> Result<Json<Vec<Reference>>, ApiError> {
    caller.require_family(&s.store, q.family).await?;
    family_exists(&s, q.family).await?;
    Ok(Json(s.store.list_references(q.family).await?))
}

/// Takes the genotypes in; answers with the record only.
pub(crate) async fn create_reference(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(reference): ApiJson<NewReference>,
) -> Created<Reference> {
    created(s.store.create_reference(&caller.0.username, &reference).await?)
}

pub(crate) async fn get_reference(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Reference>, ApiError> {
    let reference = existing(s.store.get_reference(id).await?, "reference", id)?;
    caller.require_family(&s.store, reference.family_id).await?;
    Ok(Json(reference))
}

/// A reference's genetic data: `profile` is null once consent was withdrawn, and `withdrawal`
/// says when and why.
#[derive(Debug, Serialize)]
pub(crate) struct ReferenceProfileView {
    reference_id: i64,
    profile: Option<ReferenceProfile>,
    withdrawal: Option<Withdrawal>,
}

/// Sensitive: the registry records the read in the audit chain.
pub(crate) async fn reference_profile(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ReferenceProfileView>, ApiError> {
    let profile = s.store.get_reference_profile(&caller.0.username, id).await?;
    let withdrawal = s.store.get_reference(id).await?.and_then(|r| r.withdrawal);
    Ok(Json(ReferenceProfileView {
        reference_id: id,
        // Never hand out genotypes of a withdrawn reference, whatever the row still holds.
        profile: profile.filter(|_| withdrawal.is_none()),
        withdrawal,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Withdraw {
    version: i64,
    reason: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Withdrawn {
    reference: Reference,
    /// The identifications that rested on the reference, now flagged for review.
    flagged_identifications: Vec<i64>,
}

/// The donor withdraws consent: the genotypes are erased and the identifications resting on the
/// reference flagged, in one transaction.
pub(crate) async fn withdraw_consent(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Withdraw>,
) -> Result<Json<Withdrawn>, ApiError> {
    // A liaison records it for the families assigned to them only.
    let reference = s.store.get_reference(id).await?.ok_or(registry::StoreError::NotFound {
        entity: "reference",
        id: id.to_string(),
    })?;
    caller.require_family(&s.store, reference.family_id).await?;
    let (reference, flagged_identifications) = s
        .store
        .withdraw_consent(&caller.0.username, id, body.version, &body.reason)
        .await?;
    Ok(Json(Withdrawn {
        reference,
        flagged_identifications,
    }))
}

// ---- remains ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RemainsQuery {
    site: i64,
}

pub(crate) async fn list_remains(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<RemainsQuery>,
) -> Result<Json<Vec<Remains>>, ApiError> {
    let _: Site = existing(s.store.get_site(q.site).await?, "site", q.site)?;
    Ok(Json(s.store.list_remains(q.site).await?))
}

pub(crate) async fn create_remains(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(remains): ApiJson<NewRemains>,
) -> Created<Remains> {
    created(s.store.create_remains(&caller.0.username, &remains).await?)
}

pub(crate) async fn get_remains(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Remains>, ApiError> {
    found(s.store.get_remains(id).await?, "remains", id)
}

// ---- samples ----

/// A sample may arrive with its profile already: the route's `WriteSamples` was checked before this
/// runs, and a profile needs `WriteProfiles` too, which only the body tells. The answer is the
/// record without the profile.
pub(crate) async fn create_sample(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(sample): ApiJson<NewSample>,
) -> Created<Sample> {
    if sample.profile.is_some() {
        caller.require(Permission::WriteProfiles)?;
    }
    created(s.store.create_sample(&caller.0.username, &sample).await?)
}

pub(crate) async fn get_sample(State(s): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<Sample>, ApiError> {
    found(s.store.get_sample(id).await?, "sample", id)
}

/// A sample's profile; `profile` is null until the laboratory reports one.
#[derive(Debug, Serialize)]
pub(crate) struct SampleProfileView {
    sample_id: i64,
    profile: Option<SampleProfile>,
}

/// Sensitive: the registry records the read in the audit chain.
pub(crate) async fn sample_profile(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SampleProfileView>, ApiError> {
    Ok(Json(SampleProfileView {
        sample_id: id,
        profile: s.store.get_sample_profile(&caller.0.username, id).await?,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetProfile {
    version: i64,
    profile: SampleProfile,
}

pub(crate) async fn set_sample_profile(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<SetProfile>,
) -> Result<Json<Sample>, ApiError> {
    Ok(Json(
        s.store
            .set_sample_profile(&caller.0.username, id, body.version, &body.profile)
            .await?,
    ))
}

pub(crate) async fn custody_chain(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<CustodyEvent>>, ApiError> {
    if s.store.get_sample(id).await?.is_none() {
        return Err(ApiError::NotFound(format!("sample {id}")));
    }
    Ok(Json(s.store.custody_chain(id).await?))
}

pub(crate) async fn append_custody_event(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(event): ApiJson<NewCustodyEvent>,
) -> Created<CustodyEvent> {
    created(s.store.append_custody_event(&caller.0.username, id, &event).await?)
}

// ---- missions ----

pub(crate) async fn list_missions(State(s): State<AppState>) -> Result<Json<Vec<Mission>>, ApiError> {
    Ok(Json(s.store.list_missions().await?))
}

pub(crate) async fn create_mission(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(mission): ApiJson<NewMission>,
) -> Created<Mission> {
    created(s.store.create_mission(&caller.0.username, &mission).await?)
}

pub(crate) async fn get_mission(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Mission>, ApiError> {
    found(s.store.get_mission(id).await?, "mission", id)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Outcome {
    version: i64,
    /// What the mission achieved; null clears it.
    #[serde(default)]
    outcome: Option<String>,
}

pub(crate) async fn set_mission_outcome(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Outcome>,
) -> Result<Json<Mission>, ApiError> {
    Ok(Json(
        s.store
            .set_mission_outcome(&caller.0.username, id, body.version, body.outcome.as_deref())
            .await?,
    ))
}
