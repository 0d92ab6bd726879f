//! Who is calling the API: the `authorize` layer runs [`routes::check`](crate::routes::check)
//! before any handler or body parsing (so a forbidden call is a 403 whatever its body) and puts
//! the signed-in user in the request's extensions, where handlers take it as [`Caller`]; the
//! token is looked up once per request. Also signing in and out (`/api/v1/session`) and the
//! sessions the web pages share.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use registry::User;
use serde::Deserialize;
use serde_json::json;

use crate::extract::ApiJson;
use crate::routes::{check, Refusal, ROUTES};
use crate::{ApiError, AppState, Permission};

pub(crate) const SESSION_COOKIE: &str = "homeward_session";

/// The signed-in caller of a route that is not public, put in the request's extensions by
/// `authorize` once the route's permission was checked.
#[derive(Debug, Clone)]
pub(crate) struct Caller(pub User);

impl Caller {
    /// For a permission that depends on the body (a sample sent with its profile); the route's own
    /// permission was checked before the handler ran.
    pub fn require(&self, p: Permission) -> Result<(), ApiError> {
        if p.allows(self.0.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(self.0.role))
        }
    }

    /// The families the caller may see: a family liaison only those assigned to them.
    pub fn family_scope(&self) -> registry::FamilyScope {
        registry::FamilyScope::of(&self.0.username, self.0.role)
    }

    /// Refuses (403) a family outside the caller's scope, whether or not it exists.
    pub async fn require_family(&self, store: &registry::Store, family_id: i64) -> Result<(), ApiError> {
        Ok(store.require_family_in_scope(&self.family_scope(), family_id).await?)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        // Only a public route (which has no caller) can miss it: its handler must not ask.
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| ApiError::Unexpected("a handler asked for the caller of a public route".into()))
    }
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Undeclared(what) => ApiError::Unexpected(what),
            Refusal::Unauthenticated => ApiError::Unauthenticated,
            Refusal::Forbidden(role) => ApiError::Forbidden(role),
            Refusal::MethodNotAllowed(allow) => ApiError::MethodNotAllowed(allow),
            Refusal::Store(e) => e.into(),
        }
    }
}

/// The API's role check, from [`ROUTES`], before any handler or body parsing.
pub(crate) async fn authorize(
    State(s): State<AppState>,
    matched: MatchedPath,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let checked = check(&s, ROUTES, &matched, req.method(), req.headers()).await?;
    if let Some((user, _)) = checked.caller {
        req.extensions_mut().insert(Caller(user));
    }
    Ok(next.run(req).await)
}

/// The token a request carries: `Authorization: Bearer …` (scripts) or the session cookie.
pub(crate) fn bearer_or_cookie(headers: &HeaderMap) -> Option<String> {
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

/// The client's IP address: the connection's peer (`serve` puts it in the request's extensions),
/// or behind a reverse proxy (`ServerConfig::behind_proxy`) the last address of
/// `X-Forwarded-For`, the one the proxy appended; none when the router is driven without a socket
/// (tests) or the header is missing or not an address.
pub(crate) struct ClientAddr(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        if s.config.behind_proxy {
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .last()
                .and_then(|a| a.trim().parse().ok());
            return Ok(ClientAddr(forwarded));
        }
        Ok(ClientAddr(
            parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()),
        ))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignIn {
    username: String,
    password: String,
}

pub(crate) async fn sign_in(
    State(s): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<Response, ApiError> {
    let user = checked_sign_in(&s, &body.username, &body.password, addr).await?;
    let cookie = start_session(&s, &user).await?;
    let mut response = Json(json!({ "user": user })).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, header_value(&cookie)?);
    Ok(response)
}

/// One sign-in attempt through the registry's throttled, audited check (the API's and the web
/// form's): the user, or why not.
pub(crate) async fn checked_sign_in(
    s: &AppState,
    username: &str,
    password: &str,
    addr: Option<IpAddr>,
) -> Result<User, ApiError> {
    let address = addr.map(|a| a.to_string());
    match s
        .store
        .sign_in(username, password, address.as_deref(), s.config.sign_in)
        .await?
    {
        registry::SignIn::Accepted(user) => Ok(user),
        registry::SignIn::Refused => Err(ApiError::SignInRefused),
        registry::SignIn::Throttled { retry_after_ms } => {
            tracing::warn!(address = ?address, retry_after_ms, "sign-in throttled");
            Err(ApiError::Throttled(retry_after_ms))
        }
        registry::SignIn::Locked => Err(ApiError::Locked),
    }
}

fn header_value(v: &str) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(v).map_err(|e| ApiError::Unexpected(e.to_string()))
}

/// The session cookie holding `token` for `max_age` seconds (0 and an empty token: delete it);
/// `Secure` whenever the server's public URL is https.
pub(crate) fn session_cookie(s: &AppState, token: &str, max_age: u64) -> String {
    let secure = if s.config.secure_cookies() { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}")
}

/// Opens a browser session for a user whose password was checked; returns the `Set-Cookie` value.
pub(crate) async fn start_session(s: &AppState, user: &User) -> Result<String, ApiError> {
    let expires = {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default()
            + s.config.session_hours * 3600;
        // The registry's own formatter, through its public clock type.
        registry::format_utc(secs as i64, 0)
    };
    let token = s
        .store
        .create_token(&user.username, &user.username, "session", Some(&expires))
        .await?;
    Ok(session_cookie(s, &token, s.config.session_hours * 3600))
}

/// Revokes the token the request carries (the caller was checked: it is a live one); the
/// registry audits the sign-out. The cookie is deleted too.
pub(crate) async fn sign_out(State(s): State<AppState>, headers: HeaderMap, _: Caller) -> Result<Response, ApiError> {
    if let Some(token) = bearer_or_cookie(&headers) {
        s.store.revoke_token(&token).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, header_value(&session_cookie(&s, "", 0))?);
    Ok(response)
}

pub(crate) async fn me(caller: Caller) -> Json<User> {
    Json(caller.0)
}
