//! Homeward's HTTP API (`/api/v1`) and web pages, over the registry.
//!
//! Every endpoint is declared once, in [`ROUTES`] (the API) or [`PAGES`] (the web pages): method,
//! path, the permission it needs, what it does, and its handler. The router is built from those
//! tables, one layer checks the caller's role against them before any handler runs, the OpenAPI
//! document is generated from [`ROUTES`], and the role-matrix tests walk both (`routes.rs`).
//! Callers authenticate with `Authorization: Bearer <token>` (scripts) or the session cookie set by
//! `POST /api/v1/session` (browsers).
//!
//! Persons, sites, audit and users are handled in `persons`; families, references, remains,
//! samples with their custody, and missions in `families_samples_missions`. Genotypes leave the server only from the
//! `/profile` endpoints and contact details only from `/families/{id}/contacts`, each read audited
//! by the registry; see `permissions.rs` for who may call them. Every request is traced (method,
//! route, status, latency; `logging.rs`).
//!
//! Architecture invariant: only this crate knows HTTP; it reaches data only through
//! `registry::Store`.

mod accounts;
mod auth;
mod decisions;
mod error;
mod extract;
mod families_samples_missions;
mod listen;
pub mod logging;
mod permissions;
mod persons;
mod queues;
mod routes;
mod tls;
mod visits;
mod web;

use std::net::SocketAddr;

use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use registry::Store;

pub use error::ApiError;
pub use listen::ConnectionLimits;
pub use permissions::Permission;
pub use registry::SignInPolicy;
pub use routes::{openapi_document, RouteSpec, ROUTES};
pub use tls::{Tls, TlsError};
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
    /// The address users reach the server at (`https://…` behind a TLS proxy): with https the
    /// session cookie is `Secure`.
    pub public_url: Option<String>,
    /// Behind a reverse proxy: the client's address (for the sign-in throttle) is the last one of
    /// `X-Forwarded-For`, which the proxy appends, not the connection's (the proxy's).
    pub behind_proxy: bool,
    /// Throttling and lockout of failed sign-ins.
    pub sign_in: SignInPolicy,
    /// How long a new API token lasts, in days, and the longest a client may ask for.
    pub token_days: u32,
    /// Connections and the time a client may take.
    pub connections: ConnectionLimits,
    /// HTTPS served directly (a certificate and key); the session cookie is then `Secure`.
    pub tls: Option<Tls>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_body_bytes: 1024 * 1024,
            session_hours: 12,
            matching: None,
            public_url: None,
            behind_proxy: false,
            sign_in: SignInPolicy::default(),
            token_days: 90,
            connections: ConnectionLimits::default(),
            tls: None,
        }
    }
}

impl ServerConfig {
    /// Cookies carry `Secure` when users reach the server over https: served here, or through a
    /// proxy at an https `public_url`.
    pub fn secure_cookies(&self) -> bool {
        self.tls.is_some()
            || self
                .public_url
                .as_deref()
                .is_some_and(|u| u.trim().to_ascii_lowercase().starts_with("https://"))
    }
}

#[derive(Clone)]
struct AppState {
    store: Store,
    config: ServerConfig,
    /// Who to sample next, computed in the background under the server's own account and stored
    /// per family; `None` without matching settings (no markers to simulate on).
    advice: Option<jobs::advice::AdviceService>,
}

/// The advice pages' simulation: LR 10^4 to call an identification conclusive, 300 runs, seed 1
/// (the page's explanation states them).
const ADVICE_OPTIONS: simulate::AdviceOptions = simulate::AdviceOptions {
    log10_threshold: 4.0,
    runs: 300,
    seed: 1,
    configuration_limit: simulate::DEFAULT_CONFIGURATION_LIMIT,
};

/// Builds the router over a store: the API's routes and the pages, each table behind its role
/// check, every request traced.
pub fn router(store: Store, config: ServerConfig) -> Router {
    let limit = config.max_body_bytes;
    let body_timeout = config.connections.body_timeout;
    let advice = config
        .matching
        .as_ref()
        .map(|m| jobs::advice::AdviceService::new(store.clone(), m, ADVICE_OPTIONS));
    let state = AppState { store, config, advice };
    routes::register(ROUTES)
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), auth::authorize))
        .merge(web::routes(state.clone()))
        .fallback(|| async { ApiError::NotFound("endpoint".into()) })
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::map_response(move |r: Response| async move {
            too_large_in_our_shape(r, limit)
        }))
        .layer(axum::middleware::from_fn_with_state(
            (body_timeout, limit),
            read_body_in_time,
        ))
        .layer(axum::middleware::map_response(not_cached_not_sniffed))
        // Outermost, so that the latency covers the role check and the status is the one sent.
        .layer(axum::middleware::from_fn(logging::trace_request))
        .with_state(state)
}

/// Body-limit rejections outside JSON extraction still answer in the API's shape.
fn too_large_in_our_shape(r: Response, limit: usize) -> Response {
    if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::TooLarge(limit).into_response();
    }
    r
}

/// Reads the request body whole within the body timeout (a client trickling its body is cut off
/// with 408) and the body limit (413), before any handler.
async fn read_body_in_time(State((timeout, limit)): State<(Duration, usize)>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
                .await
        }
        Ok(Err(_)) => ApiError::TooLarge(limit).into_response(),
        Err(_) => ApiError::BodyTimeout(timeout.as_secs()).into_response(),
    }
}

/// Every response may carry personal data (genotypes, contacts, names of the dead): none is kept
/// by a browser or proxy cache (the embedded assets keep their own long cache), and none is
/// content-sniffed.
async fn not_cached_not_sniffed(mut r: Response) -> Response {
    let headers = r.headers_mut();
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
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
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "listening");
    bound(addr);
    let limits = config.connections;
    let tls = config.tls.as_ref().map(Tls::acceptor);
    listen::serve_connections(listener, router(store, config), limits, tls, shutdown).await
}
