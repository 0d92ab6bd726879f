//! Identifications: proposed by the lab with the evidence they cite, decided by two different
//! reviewers. The rules are the registry's; these handlers pass the signed-in user on.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use registry::{Decision, Identification, IdentificationEvidence, Review};
use serde::{Deserialize, Serialize};

use crate::{ApiError, ApiJson, ApiPath, AppState, Caller, Permission};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Proposal {
    person_id: i64,
    reference_ids: Vec<i64>,
    evidence: IdentificationEvidence,
}

#[derive(Debug, Serialize)]
pub(crate) struct Decided {
    identification: Identification,
    evidence: Option<IdentificationEvidence>,
    reviews: Vec<Review>,
}

pub(crate) async fn propose(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<Proposal>,
) -> Result<(StatusCode, Json<Identification>), ApiError> {
    caller.require(Permission::ProposeIdentifications)?;
    let id = s
        .store
        .propose_cited_identification(&caller.0.username, body.person_id, &body.reference_ids, &body.evidence)
        .await?;
    Ok((StatusCode::CREATED, Json(id)))
}

pub(crate) async fn get(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Decided>, ApiError> {
    caller.require(Permission::ReadIdentifications)?;
    let identification = s
        .store
        .get_identification(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("identification {id}")))?;
    Ok(Json(Decided {
        evidence: s.store.identification_evidence(id).await?,
        reviews: s.store.identification_reviews(id).await?,
        identification,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReviewBody {
    decision: Decision,
    comment: String,
}

pub(crate) async fn review(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> Result<Json<Identification>, ApiError> {
    caller.require(Permission::ReviewIdentifications)?;
    Ok(Json(
        s.store
            .review_identification(&caller.0, id, body.decision, &body.comment)
            .await?,
    ))
}
