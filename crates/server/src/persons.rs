//! Handlers for persons (search, record, update, status), burial sites, the aggregate numbers,
//! the audit log and the users. Each route's permission is checked by its declaration in
//! `routes.rs` before these run; they take the signed-in user as [`Caller`].

use axum::extract::State;
use axum::Json;
use registry::model::{NewPerson, NewSite, Person, PersonStatus, Site};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::extract::{created, found, ApiJson, ApiPath, ApiQuery, Created};
use crate::{ApiError, AppState};

#[derive(Debug, Serialize)]
pub(crate) struct Stats {
    persons_by_status: serde_json::Map<String, Value>,
    sites: usize,
}

pub(crate) async fn stats(State(s): State<AppState>) -> Result<Json<Stats>, ApiError> {
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

pub(crate) async fn list_sites(State(s): State<AppState>) -> Result<Json<Vec<Site>>, ApiError> {
    Ok(Json(s.store.list_sites().await?))
}

pub(crate) async fn create_site(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(site): ApiJson<NewSite>,
) -> Created<Site> {
    created(s.store.create_site(&caller.0.username, &site).await?)
}

pub(crate) async fn get_site(State(s): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<Site>, ApiError> {
    found(s.store.get_site(id).await?, "site", id)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Relocate {
    version: i64,
    to: i64,
}

pub(crate) async fn relocate_site(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Relocate>,
) -> Result<Json<Site>, ApiError> {
    Ok(Json(
        s.store
            .relocate_site(&caller.0.username, id, body.version, body.to)
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PersonQuery {
    q: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

pub(crate) async fn list_persons(
    State(s): State<AppState>,
    ApiQuery(query): ApiQuery<PersonQuery>,
) -> Result<Json<Vec<Person>>, ApiError> {
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let offset = query.offset.unwrap_or(0).max(0);
    Ok(Json(s.store.search_persons(query.q.as_deref(), limit, offset).await?))
}

pub(crate) async fn create_person(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(person): ApiJson<NewPerson>,
) -> Created<Person> {
    created(s.store.create_person(&caller.0.username, &person).await?)
}

pub(crate) async fn get_person(State(s): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<Person>, ApiError> {
    found(s.store.get_person(id).await?, "person", id)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdatePerson {
    version: i64,
    person: NewPerson,
}

pub(crate) async fn update_person(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UpdatePerson>,
) -> Result<Json<Person>, ApiError> {
    Ok(Json(
        s.store
            .update_person(&caller.0.username, id, body.version, &body.person)
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AdvanceStatus {
    version: i64,
    status: PersonStatus,
    reason: String,
}

pub(crate) async fn advance_status(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AdvanceStatus>,
) -> Result<Json<Person>, ApiError> {
    Ok(Json(
        s.store
            .advance_status(&caller.0.username, id, body.version, body.status, &body.reason)
            .await?,
    ))
}

pub(crate) async fn person_history(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
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
pub(crate) struct AuditQuery {
    after: Option<i64>,
    limit: Option<i64>,
}

pub(crate) async fn audit_entries(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<registry::AuditEntry>>, ApiError> {
    Ok(Json(
        s.store
            .audit_entries(q.after.unwrap_or(0), q.limit.unwrap_or(100).clamp(1, 1000))
            .await?,
    ))
}

pub(crate) async fn audit_verify(State(s): State<AppState>) -> Result<Json<Value>, ApiError> {
    let report = s.store.verify_audit().await?;
    Ok(Json(json!({
        "entries": report.entries,
        "intact": report.holds(),
        "first_broken": report.first_broken.map(|(seq, why)| json!({ "seq": seq, "reason": why })),
        "records": report.records.iter().map(|p| json!({ "record": p.record, "id": p.id, "reason": p.why })).collect::<Vec<_>>(),
    })))
}
