//! Grave-visit requests (families asking to visit a site, with how many travel and how well they
//! walk) and missions' planned itineraries.

use axum::extract::State;
use axum::Json;
use jobs::planning::{plan_mission, PlanError, PlanOptions};
use registry::{MissionItinerary, NewVisitRequest, VisitRequest};
use serde::Deserialize;

use crate::auth::Caller;
use crate::extract::{created, found, ApiJson, ApiPath, ApiQuery, Created};
use crate::{ApiError, AppState};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VisitQuery {
    /// Only the requests for this site.
    site: Option<i64>,
}

pub(crate) async fn list_visit_requests(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<VisitQuery>,
) -> Result<Json<Vec<VisitRequest>>, ApiError> {
    let sites = q.site.map(|s| vec![s]);
    Ok(Json(
        s.store
            .list_visit_requests(sites.as_deref(), &caller.family_scope())
            .await?,
    ))
}

pub(crate) async fn create_visit_request(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<NewVisitRequest>,
) -> Created<VisitRequest> {
    caller.require_family(&s.store, request.family_id).await?;
    created(s.store.create_visit_request(&caller.0.username, &request).await?)
}

pub(crate) async fn mission_itinerary(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MissionItinerary>, ApiError> {
    found(s.store.get_mission_itinerary(id).await?, "itinerary of mission", id)
}

/// Plans the mission's days from the visit requests for its sites (crate `itinerary`) and stores
/// the plan; 409 when `expected_version` is not the stored plan's.
pub(crate) async fn plan_mission_itinerary(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(options): ApiJson<PlanOptions>,
) -> Result<Json<MissionItinerary>, ApiError> {
    match plan_mission(&s.store, &caller.0.username, id, &options).await {
        Ok(itinerary) => Ok(Json(itinerary)),
        Err(PlanError::Store(e)) => Err(e.into()),
        Err(PlanError::Invalid { field, message }) => Err(ApiError::BadRequest {
            message: format!("{field}: {message}"),
            field: Some(field.to_string()),
        }),
        Err(e @ PlanError::Problem(_)) => Err(ApiError::BadRequest {
            message: e.to_string(),
            field: None,
        }),
        Err(e @ PlanError::Schedule(_)) => Err(ApiError::Unexpected(e.to_string())),
    }
}
