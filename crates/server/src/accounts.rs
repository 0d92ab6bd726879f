//! Users and tokens: every signed-in user lists, creates and revokes their own API tokens and
//! sessions; an administrator (`ManageUsers`) lists the accounts, disables and enables them,
//! changes roles, unlocks accounts locked by failed sign-ins, and lists and revokes anyone's
//! tokens. The registry audits each change; the permission is checked by the route's declaration.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use registry::{Role, TokenInfo, UserAccount};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::extract::{created, existing, ApiJson, ApiPath, Created};
use crate::{ApiError, AppState};

pub(crate) async fn list_users(State(s): State<AppState>) -> Result<Json<Vec<UserAccount>>, ApiError> {
    Ok(Json(s.store.user_accounts().await?))
}

pub(crate) async fn user_tokens(
    State(s): State<AppState>,
    ApiPath(username): ApiPath<String>,
) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    s.store
        .user_account(&username)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("user {username}")))?;
    Ok(Json(s.store.list_tokens(Some(&username)).await?))
}

pub(crate) async fn revoke_user_token(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath((username, id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    s.store.revoke_token_id(&caller.0.username, id, Some(&username)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn disable_user(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(username): ApiPath<String>,
) -> Result<Json<UserAccount>, ApiError> {
    Ok(Json(
        s.store.set_user_disabled(&caller.0.username, &username, true).await?,
    ))
}

pub(crate) async fn enable_user(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(username): ApiPath<String>,
) -> Result<Json<UserAccount>, ApiError> {
    Ok(Json(
        s.store.set_user_disabled(&caller.0.username, &username, false).await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetRole {
    role: Role,
}

pub(crate) async fn set_role(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(username): ApiPath<String>,
    ApiJson(body): ApiJson<SetRole>,
) -> Result<Json<UserAccount>, ApiError> {
    Ok(Json(
        s.store.set_user_role(&caller.0.username, &username, body.role).await?,
    ))
}

#[derive(Debug, Serialize)]
pub(crate) struct Unlocked {
    username: String,
    was_locked: bool,
}

pub(crate) async fn unlock_user(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(username): ApiPath<String>,
) -> Result<Json<Unlocked>, ApiError> {
    let was_locked = s.store.unlock_user(&caller.0.username, &username).await?;
    Ok(Json(Unlocked { username, was_locked }))
}

pub(crate) async fn own_tokens(State(s): State<AppState>, caller: Caller) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    Ok(Json(s.store.list_tokens(Some(&caller.0.username)).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewToken {
    /// What the token is for ("nightly export").
    name: String,
    /// Days until it expires: at most the configured lifetime, which is the default.
    days: Option<u32>,
}

#[derive(Debug, Serialize)]
pub(crate) struct CreatedToken {
    #[serde(flatten)]
    info: TokenInfo,
    /// The token itself: shown this once, stored only as its hash.
    token: String,
}

pub(crate) async fn create_token(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewToken>,
) -> Created<CreatedToken> {
    let max = s.config.token_days;
    let days = body.days.unwrap_or(max);
    if days == 0 || days > max {
        return Err(ApiError::BadRequest {
            message: format!("a token lasts 1 to {max} days"),
            field: Some("days".into()),
        });
    }
    let user = &caller.0.username;
    let (info, token) = s.store.create_api_token(user, user, &body.name, days).await?;
    created(CreatedToken { info, token })
}

pub(crate) async fn revoke_own_token(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    let user = &caller.0.username;
    s.store.revoke_token_id(user, id, Some(user)).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- families' liaisons ----

/// The family liaisons a family is assigned to (who alone among liaisons see it).
pub(crate) async fn family_liaisons(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<registry::FamilyAssignment>>, ApiError> {
    existing(s.store.get_family(id).await?, "family", id)?;
    Ok(Json(s.store.family_assignments(id).await?))
}

/// Assigns a family to a family liaison (audited); assigning twice keeps the first.
pub(crate) async fn assign_family(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath((id, username)): ApiPath<(i64, String)>,
) -> Result<Json<registry::FamilyAssignment>, ApiError> {
    Ok(Json(s.store.assign_family(&caller.0.username, id, &username).await?))
}

/// Ends a liaison's assignment to a family (audited).
pub(crate) async fn unassign_family(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath((id, username)): ApiPath<(i64, String)>,
) -> Result<StatusCode, ApiError> {
    s.store.unassign_family(&caller.0.username, id, &username).await?;
    Ok(StatusCode::NO_CONTENT)
}
