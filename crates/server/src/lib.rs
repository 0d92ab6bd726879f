//! Homeward's HTTP API (`/api/v1`), over the registry.
//!
//! Every handler states the permission it needs; [`ROUTES`] lists every endpoint with it, and is
//! both the OpenAPI document's source and the table the role-matrix test walks. Callers
//! authenticate with `Authorization: Bearer <token>` (scripts) or the session cookie set by
//! `POST /api/v1/session` (browsers).
//!
//! Persons, sites, audit and users are handled here; families, references, remains, samples with
//! their custody, and missions in `records`. Genotypes leave the server only from the `/profile`
//! endpoints and contact details only from `/families/{id}/contacts`, each read audited by the
//! registry; see `permissions.rs` for who may call them.
//!
//! Architecture invariant: only this crate knows HTTP; it reaches data only through
//! `registry::Store`.

mod decisions;
mod error;
mod permissions;
mod records;
mod visits;
mod web;

use std::net::SocketAddr;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use registry::model::{NewPerson, NewSite, Person, PersonStatus, Site};
use registry::{Role, Store, User};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub use error::ApiError;
pub use permissions::Permission;
pub use web::{Lang, PAGES};

/// Settings of a running server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// How long a browser session lasts, in hours.
    pub session_hours: u64,
    /// Markers and frequencies for matching jobs; without them, jobs cannot run.
    pub matching: Option<std::sync::Arc<jobs::MatchingSettings>>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_body_bytes: 1024 * 1024,
            session_hours: 12,
            matching: None,
        }
    }
}

#[derive(Clone)]
struct AppState {
    store: Store,
    config: ServerConfig,
}

/// One endpoint: method, path (axum syntax), the permission it needs (`None`: public or any
/// signed-in user, see `public`), and what it does.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub permission: Option<Permission>,
    /// Answers without signing in.
    pub public: bool,
    pub summary: &'static str,
}

const fn route(method: &'static str, path: &'static str, permission: Permission, summary: &'static str) -> RouteSpec {
    RouteSpec {
        method,
        path,
        permission: Some(permission),
        public: false,
        summary,
    }
}

/// Every endpoint of the API.
pub const ROUTES: &[RouteSpec] = &[
    RouteSpec {
        method: "GET",
        path: "/api/openapi.json",
        permission: None,
        public: true,
        summary: "This API's OpenAPI document",
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/session",
        permission: None,
        public: true,
        summary: "Sign in: sets the session cookie",
    },
    RouteSpec {
        method: "DELETE",
        path: "/api/v1/session",
        permission: None,
        public: false,
        summary: "Sign out",
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/me",
        permission: None,
        public: false,
        summary: "The signed-in user and role",
    },
    route(
        "GET",
        "/api/v1/stats",
        Permission::ReadSites,
        "Aggregate numbers: persons by status, sites",
    ),
    route("GET", "/api/v1/sites", Permission::ReadSites, "Burial sites"),
    route("POST", "/api/v1/sites", Permission::WriteSites, "Record a burial site"),
    route("GET", "/api/v1/sites/{id}", Permission::ReadSites, "One burial site"),
    route(
        "POST",
        "/api/v1/sites/{id}/relocate",
        Permission::WriteSites,
        "Record that a site's graves were moved",
    ),
    route(
        "GET",
        "/api/v1/persons",
        Permission::ReadPersons,
        "Persons, searched by name in any script (?q=)",
    ),
    route(
        "POST",
        "/api/v1/persons",
        Permission::WritePersons,
        "Record a missing or deceased person",
    ),
    route("GET", "/api/v1/persons/{id}", Permission::ReadPersons, "One person"),
    route(
        "PUT",
        "/api/v1/persons/{id}",
        Permission::WritePersons,
        "Replace a person's data (409 if stale)",
    ),
    route(
        "POST",
        "/api/v1/persons/{id}/status",
        Permission::AdvanceStatus,
        "Move a person's status forward, with a reason",
    ),
    route(
        "GET",
        "/api/v1/persons/{id}/history",
        Permission::ReadPersons,
        "A person's status history",
    ),
    route(
        "GET",
        "/api/v1/audit",
        Permission::ReadAudit,
        "Audit entries (?after=&limit=)",
    ),
    route(
        "GET",
        "/api/v1/audit/verify",
        Permission::ReadAudit,
        "Check the audit chain",
    ),
    route("GET", "/api/v1/users", Permission::ManageUsers, "Users and roles"),
    // Families of the missing.
    route(
        "GET",
        "/api/v1/families",
        Permission::ReadFamilies,
        "Families (without contact details)",
    ),
    route("POST", "/api/v1/families", Permission::WriteFamilies, "Record a family"),
    route("GET", "/api/v1/families/{id}", Permission::ReadFamilies, "One family"),
    route(
        "GET",
        "/api/v1/families/{id}/contacts",
        Permission::ReadContacts,
        "A family's contact details (the read is audited)",
    ),
    route(
        "GET",
        "/api/v1/families/{id}/members",
        Permission::ReadFamilies,
        "A family's members",
    ),
    route(
        "POST",
        "/api/v1/families/{id}/members",
        Permission::WriteFamilies,
        "Add a member to a family",
    ),
    route(
        "GET",
        "/api/v1/families/{id}/pedigree",
        Permission::ReadFamilies,
        "A family's pedigree (id, father, mother, sex)",
    ),
    // Reference samples given by relatives.
    route(
        "GET",
        "/api/v1/references",
        Permission::ReadReferences,
        "A family's reference samples, without genotypes (?family=)",
    ),
    route(
        "POST",
        "/api/v1/references",
        Permission::WriteReferences,
        "Record a reference sample with its profile and consent",
    ),
    route(
        "GET",
        "/api/v1/references/{id}",
        Permission::ReadReferences,
        "One reference sample, without genotypes",
    ),
    route(
        "GET",
        "/api/v1/references/{id}/profile",
        Permission::ReadProfiles,
        "A reference's genotypes, none once consent is withdrawn (the read is audited)",
    ),
    route(
        "POST",
        "/api/v1/references/{id}/withdraw",
        Permission::WriteReferences,
        "Withdraw consent: erase the genotypes, flag the identifications resting on them",
    ),
    // Remains, samples and custody.
    route(
        "GET",
        "/api/v1/remains",
        Permission::ReadRemains,
        "Remains recovered from a site (?site=)",
    ),
    route(
        "POST",
        "/api/v1/remains",
        Permission::WriteRemains,
        "Record recovered remains",
    ),
    route(
        "GET",
        "/api/v1/remains/{id}",
        Permission::ReadRemains,
        "One set of remains",
    ),
    route(
        "GET",
        "/api/v1/samples",
        Permission::ReadSamples,
        "Samples taken from remains, without genotypes (?remains=)",
    ),
    route("POST", "/api/v1/samples", Permission::WriteSamples, "Record a sample"),
    route(
        "GET",
        "/api/v1/samples/{id}",
        Permission::ReadSamples,
        "One sample, without genotypes",
    ),
    route(
        "GET",
        "/api/v1/samples/{id}/profile",
        Permission::ReadProfiles,
        "A sample's profile (the read is audited)",
    ),
    route(
        "PUT",
        "/api/v1/samples/{id}/profile",
        Permission::WriteProfiles,
        "Record the laboratory's profile of a sample (409 if stale)",
    ),
    route(
        "GET",
        "/api/v1/samples/{id}/custody",
        Permission::ReadSamples,
        "A sample's chain of custody",
    ),
    route(
        "POST",
        "/api/v1/samples/{id}/custody",
        Permission::WriteSamples,
        "Append an event to a sample's chain of custody",
    ),
    // Missions.
    route(
        "GET",
        "/api/v1/missions",
        Permission::ReadMissions,
        "Grave visits and recoveries",
    ),
    route("POST", "/api/v1/missions", Permission::WriteMissions, "Plan a mission"),
    route("GET", "/api/v1/missions/{id}", Permission::ReadMissions, "One mission"),
    route(
        "POST",
        "/api/v1/missions/{id}/outcome",
        Permission::WriteMissions,
        "Record what a mission achieved (409 if stale)",
    ),
    route(
        "GET",
        "/api/v1/missions/{id}/itinerary",
        Permission::ReadMissions,
        "A mission's planned itinerary: day plans",
    ),
    route(
        "POST",
        "/api/v1/missions/{id}/itinerary",
        Permission::WriteMissions,
        "Plan a mission's days from the visit requests for its sites (409 if stale)",
    ),
    route(
        "GET",
        "/api/v1/visit-requests",
        Permission::ReadVisitRequests,
        "Families' requests to visit graves (?site=)",
    ),
    route(
        "POST",
        "/api/v1/visit-requests",
        Permission::WriteVisitRequests,
        "Record a family's request to visit a grave",
    ),
    route(
        "POST",
        "/api/v1/identifications",
        Permission::ProposeIdentifications,
        "Propose an identification citing its evidence",
    ),
    route(
        "GET",
        "/api/v1/identifications/{id}",
        Permission::ReadIdentifications,
        "An identification, its evidence and reviews",
    ),
    route(
        "POST",
        "/api/v1/identifications/{id}/reviews",
        Permission::ReviewIdentifications,
        "Confirm or reject (two different reviewers confirm)",
    ),
    route(
        "POST",
        "/api/v1/jobs",
        Permission::RunJobs,
        "Start a matching job over every sample and family",
    ),
    route(
        "GET",
        "/api/v1/jobs/{id}",
        Permission::ReadJobs,
        "A job's status and progress (percent, pairs done, ETA)",
    ),
    route(
        "GET",
        "/api/v1/jobs/{id}/candidates",
        Permission::ReadJobs,
        "The candidate pairs a job found, with per-marker evidence",
    ),
    route(
        "POST",
        "/api/v1/notifications",
        Permission::WriteHandovers,
        "Record that a family was told of a confirmed identification",
    ),
    route(
        "GET",
        "/api/v1/notifications",
        Permission::ReadHandovers,
        "A family's notifications (?family=)",
    ),
    route(
        "POST",
        "/api/v1/repatriations",
        Permission::WriteHandovers,
        "Record a hand-over; the person becomes returned",
    ),
    route(
        "GET",
        "/api/v1/repatriations/{id}",
        Permission::ReadHandovers,
        "One hand-over",
    ),
    route(
        "GET",
        "/api/v1/candidates",
        Permission::ReadJobs,
        "Candidate pairs of a job (?job=), best first",
    ),
];

const SESSION_COOKIE: &str = "homeward_session";

/// The signed-in caller.
struct Caller(User);

impl Caller {
    fn require(&self, p: Permission) -> Result<(), ApiError> {
        if p.allows(self.0.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(self.0.role))
        }
    }
}

fn bearer_or_cookie(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        if let Some(t) = v.strip_prefix("Bearer ") {
            return Some(t.trim().to_owned());
        }
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_owned())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_or_cookie(&parts.headers).ok_or(ApiError::Unauthenticated)?;
        let user = state
            .store
            .user_for_token(&token)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        Ok(Caller(user))
    }
}

/// JSON bodies with errors in the API's own shape: the field named where serde names it.
struct ApiJson<T>(T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_error(rejection)),
        }
    }
}

/// Path parameters with errors in the API's own shape (every path here has one, `{id}`).
struct ApiPath<T>(T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(ApiPath(v)),
            Err(rejection) => Err(path_error(rejection)),
        }
    }
}

fn path_error(rejection: PathRejection) -> ApiError {
    if rejection.status().is_server_error() {
        return ApiError::Unexpected(rejection.body_text());
    }
    ApiError::BadRequest {
        message: rejection.body_text(),
        field: Some("id".to_owned()),
    }
}

/// Query strings with errors in the API's own shape, the parameter named where serde names it.
struct ApiQuery<T>(T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(ApiQuery(v)),
            Err(rejection) => Err(query_error(rejection)),
        }
    }
}

fn query_error(rejection: QueryRejection) -> ApiError {
    let message = rejection.body_text();
    ApiError::BadRequest {
        field: field_of(&message),
        message,
    }
}

fn json_error(rejection: JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::TooLarge(0);
    }
    let message = rejection.body_text();
    ApiError::BadRequest {
        field: field_of(&message),
        message,
    }
}

/// The field a serde error is about: "…: birth: invalid type …", "unknown field `nickname`",
/// "missing field `names`".
fn field_of(message: &str) -> Option<String> {
    for marker in ["unknown field `", "missing field `"] {
        if let Some(rest) = message.split(marker).nth(1) {
            return rest.split('`').next().map(str::to_owned);
        }
    }
    let detail = message.split("target type: ").nth(1)?;
    let (path, _) = detail.split_once(": ")?;
    (!path.contains(' ') && path != ".").then(|| path.to_owned())
}

/// Builds the router over a store.
pub fn router(store: Store, config: ServerConfig) -> Router {
    let limit = config.max_body_bytes;
    let state = AppState { store, config };
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/v1/session", post(sign_in).delete(sign_out))
        .route("/api/v1/me", get(me))
        .route("/api/v1/stats", get(stats))
        .route("/api/v1/sites", get(list_sites).post(create_site))
        .route("/api/v1/sites/{id}", get(get_site))
        .route("/api/v1/sites/{id}/relocate", post(relocate_site))
        .route("/api/v1/persons", get(list_persons).post(create_person))
        .route("/api/v1/persons/{id}", get(get_person).put(update_person))
        .route("/api/v1/persons/{id}/status", post(advance_status))
        .route("/api/v1/persons/{id}/history", get(person_history))
        .route("/api/v1/audit", get(audit_entries))
        .route("/api/v1/audit/verify", get(audit_verify))
        .route("/api/v1/users", get(list_users))
        .route(
            "/api/v1/families",
            get(records::list_families).post(records::create_family),
        )
        .route("/api/v1/families/{id}", get(records::get_family))
        .route("/api/v1/families/{id}/contacts", get(records::family_contacts))
        .route(
            "/api/v1/families/{id}/members",
            get(records::list_members).post(records::add_member),
        )
        .route("/api/v1/families/{id}/pedigree", get(records::family_pedigree))
        .route(
            "/api/v1/references",
            get(records::list_references).post(records::create_reference),
        )
        .route("/api/v1/references/{id}", get(records::get_reference))
        .route("/api/v1/references/{id}/profile", get(records::reference_profile))
        .route("/api/v1/references/{id}/withdraw", post(records::withdraw_consent))
        .route(
            "/api/v1/remains",
            get(records::list_remains).post(records::create_remains),
        )
        .route("/api/v1/remains/{id}", get(records::get_remains))
        .route(
            "/api/v1/samples",
            get(records::list_samples).post(records::create_sample),
        )
        .route("/api/v1/samples/{id}", get(records::get_sample))
        .route(
            "/api/v1/samples/{id}/profile",
            get(records::sample_profile).put(records::set_sample_profile),
        )
        .route(
            "/api/v1/samples/{id}/custody",
            get(records::custody_chain).post(records::append_custody_event),
        )
        .route(
            "/api/v1/missions",
            get(records::list_missions).post(records::create_mission),
        )
        .route("/api/v1/missions/{id}", get(records::get_mission))
        .route("/api/v1/missions/{id}/outcome", post(records::set_mission_outcome))
        .route(
            "/api/v1/missions/{id}/itinerary",
            get(visits::mission_itinerary).post(visits::plan_mission_itinerary),
        )
        .route(
            "/api/v1/visit-requests",
            get(visits::list_visit_requests).post(visits::create_visit_request),
        )
        .route("/api/v1/jobs", post(decisions::start_job))
        .route("/api/v1/jobs/{id}", get(decisions::get_job))
        .route("/api/v1/jobs/{id}/candidates", get(decisions::job_candidates))
        .route("/api/v1/candidates", get(decisions::candidates))
        .route(
            "/api/v1/notifications",
            post(decisions::notify).get(decisions::notifications),
        )
        .route("/api/v1/repatriations", post(decisions::repatriate))
        .route("/api/v1/repatriations/{id}", get(decisions::repatriation))
        .route("/api/v1/identifications", post(decisions::propose))
        .route("/api/v1/identifications/{id}", get(decisions::get))
        .route("/api/v1/identifications/{id}/reviews", post(decisions::review))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), authorize))
        .merge(web::routes(state.clone()))
        .fallback(|| async { ApiError::NotFound("endpoint".into()) })
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::map_response(move |r: Response| async move {
            too_large_in_our_shape(r, limit)
        }))
        .with_state(state)
}

/// Checks the caller's role against [`ROUTES`] before any handler or body parsing runs, so a
/// forbidden call is a 403 whatever its body.
async fn authorize(
    State(s): State<AppState>,
    matched: axum::extract::MatchedPath,
    req: Request,
    next: axum::middleware::Next,
) -> Result<Response, ApiError> {
    let spec = ROUTES
        .iter()
        .find(|r| r.path == matched.as_str() && r.method == req.method().as_str())
        .ok_or_else(|| ApiError::Unexpected(format!("{} {} is not in ROUTES", req.method(), matched.as_str())))?;
    if !spec.public {
        let token = bearer_or_cookie(req.headers()).ok_or(ApiError::Unauthenticated)?;
        let user = s.store.user_for_token(&token).await?.ok_or(ApiError::Unauthenticated)?;
        if let Some(p) = spec.permission {
            if !p.allows(user.role) {
                return Err(ApiError::Forbidden(user.role));
            }
        }
    }
    Ok(next.run(req).await)
}

/// Body-limit rejections outside JSON extraction still answer in the API's shape.
fn too_large_in_our_shape(r: Response, limit: usize) -> Response {
    if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::TooLarge(limit).into_response();
    }
    r
}

/// Serves until `shutdown` completes. Returns the bound address through `bound`.
pub async fn serve(
    store: Store,
    config: ServerConfig,
    listen: SocketAddr,
    bound: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    bound(listener.local_addr()?);
    axum::serve(listener, router(store, config))
        .with_graceful_shutdown(shutdown)
        .await
}

// ---- handlers ----

async fn openapi() -> Json<Value> {
    Json(openapi_document())
}

/// The OpenAPI 3.1 document, generated from [`ROUTES`].
pub fn openapi_document() -> Value {
    let mut paths = serde_json::Map::new();
    for r in ROUTES {
        let entry = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        let roles: Vec<&str> = r
            .permission
            .map(|p| p.roles().iter().map(Role::as_str).collect())
            .unwrap_or_default();
        entry[r.method.to_lowercase()] = json!({
            "summary": r.summary,
            "security": if r.public { json!([]) } else { json!([{ "bearer": [] }, { "session": [] }]) },
            "x-roles": roles,
            "responses": {
                "200": { "description": "OK" },
                "400": { "description": "Bad request; `field` names the field" },
                "401": { "description": "Not signed in" },
                "403": { "description": "The role may not do this" },
                "404": { "description": "Not found" },
                "409": { "description": "Conflict: stale version, duplicate or backward status" },
                "413": { "description": "Body too large" }
            }
        });
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Homeward API", "version": env!("CARGO_PKG_VERSION") },
        "components": { "securitySchemes": {
            "bearer": { "type": "http", "scheme": "bearer" },
            "session": { "type": "apiKey", "in": "cookie", "name": SESSION_COOKIE }
        }},
        "paths": paths
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    username: String,
    password: String,
}

async fn sign_in(State(s): State<AppState>, ApiJson(body): ApiJson<SignIn>) -> Result<Response, ApiError> {
    let user = s
        .store
        .check_password(&body.username, &body.password)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let cookie = start_session(&s, &user).await?;
    let mut response = Json(json!({ "user": user })).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| ApiError::Unexpected(e.to_string()))?,
    );
    Ok(response)
}

/// Opens a browser session for a user whose password was checked; returns the `Set-Cookie` value.
async fn start_session(s: &AppState, user: &User) -> Result<String, ApiError> {
    let expires = {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default()
            + s.config.session_hours * 3600;
        registry_time(secs)
    };
    let token = s
        .store
        .create_token(&user.username, &user.username, "session", Some(&expires))
        .await?;
    Ok(format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        s.config.session_hours * 3600
    ))
}

fn registry_time(secs: u64) -> String {
    // The registry's own formatter, through its public clock type.
    registry::format_utc(secs as i64, 0)
}

async fn sign_out(State(s): State<AppState>, headers: HeaderMap, _caller: Caller) -> Result<StatusCode, ApiError> {
    if let Some(token) = bearer_or_cookie(&headers) {
        s.store.revoke_token(&token).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn me(caller: Caller) -> Json<User> {
    Json(caller.0)
}

#[derive(Debug, Serialize)]
struct Stats {
    persons_by_status: serde_json::Map<String, Value>,
    sites: usize,
}

async fn stats(State(s): State<AppState>, caller: Caller) -> Result<Json<Stats>, ApiError> {
    caller.require(Permission::ReadSites)?;
    let counts = s.store.count_persons_by_status().await?;
    let persons_by_status = counts
        .into_iter()
        .map(|(st, n)| (st.as_str().to_owned(), Value::from(n)))
        .collect();
    Ok(Json(Stats {
        persons_by_status,
        sites: s.store.list_sites().await?.len(),
    }))
}

async fn list_sites(State(s): State<AppState>, caller: Caller) -> Result<Json<Vec<Site>>, ApiError> {
    caller.require(Permission::ReadSites)?;
    Ok(Json(s.store.list_sites().await?))
}

async fn create_site(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(site): ApiJson<NewSite>,
) -> Result<(StatusCode, Json<Site>), ApiError> {
    caller.require(Permission::WriteSites)?;
    Ok((
        StatusCode::CREATED,
        Json(s.store.create_site(&caller.0.username, &site).await?),
    ))
}

async fn get_site(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Site>, ApiError> {
    caller.require(Permission::ReadSites)?;
    s.store
        .get_site(id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound(format!("site {id}")))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Relocate {
    version: i64,
    to: i64,
}

async fn relocate_site(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Relocate>,
) -> Result<Json<Site>, ApiError> {
    caller.require(Permission::WriteSites)?;
    Ok(Json(
        s.store
            .relocate_site(&caller.0.username, id, body.version, body.to)
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonQuery {
    q: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn list_persons(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<PersonQuery>,
) -> Result<Json<Vec<Person>>, ApiError> {
    caller.require(Permission::ReadPersons)?;
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let offset = query.offset.unwrap_or(0).max(0);
    Ok(Json(s.store.search_persons(query.q.as_deref(), limit, offset).await?))
}

async fn create_person(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(person): ApiJson<NewPerson>,
) -> Result<(StatusCode, Json<Person>), ApiError> {
    caller.require(Permission::WritePersons)?;
    Ok((
        StatusCode::CREATED,
        Json(s.store.create_person(&caller.0.username, &person).await?),
    ))
}

async fn get_person(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Person>, ApiError> {
    caller.require(Permission::ReadPersons)?;
    s.store
        .get_person(id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound(format!("person {id}")))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdatePerson {
    version: i64,
    person: NewPerson,
}

async fn update_person(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UpdatePerson>,
) -> Result<Json<Person>, ApiError> {
    caller.require(Permission::WritePersons)?;
    Ok(Json(
        s.store
            .update_person(&caller.0.username, id, body.version, &body.person)
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceStatus {
    version: i64,
    status: PersonStatus,
    reason: String,
}

async fn advance_status(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AdvanceStatus>,
) -> Result<Json<Person>, ApiError> {
    caller.require(Permission::AdvanceStatus)?;
    Ok(Json(
        s.store
            .advance_status(&caller.0.username, id, body.version, body.status, &body.reason)
            .await?,
    ))
}

async fn person_history(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ReadPersons)?;
    let rows = s.store.status_history(id).await?;
    Ok(Json(Value::Array(
        rows.into_iter()
            .map(|(from, to, reason, actor, at)| {
                json!({ "from": from.as_str(), "to": to.as_str(), "reason": reason, "actor": actor, "at": at })
            })
            .collect(),
    )))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    after: Option<i64>,
    limit: Option<i64>,
}

async fn audit_entries(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<registry::AuditEntry>>, ApiError> {
    caller.require(Permission::ReadAudit)?;
    Ok(Json(
        s.store
            .audit_entries(q.after.unwrap_or(0), q.limit.unwrap_or(100).clamp(1, 1000))
            .await?,
    ))
}

async fn audit_verify(State(s): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ReadAudit)?;
    let report = s.store.verify_audit().await?;
    Ok(Json(json!({
        "entries": report.entries,
        "intact": report.first_broken.is_none(),
        "first_broken": report.first_broken.map(|(seq, why)| json!({ "seq": seq, "reason": why })),
    })))
}

async fn list_users(State(s): State<AppState>, caller: Caller) -> Result<Json<Vec<User>>, ApiError> {
    caller.require(Permission::ManageUsers)?;
    Ok(Json(s.store.list_users().await?))
}
