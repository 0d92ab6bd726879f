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

mod auth;
mod decisions;
mod error;
mod extract;
mod families_samples_missions;
pub mod logging;
mod permissions;
mod persons;
mod queues;
mod routes;
mod visits;
mod web;

use std::net::SocketAddr;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use registry::Store;

pub use error::ApiError;
pub use permissions::Permission;
pub use routes::{openapi_document, RouteSpec, ROUTES};
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
    axum::serve(listener, router(store, config))
        .with_graceful_shutdown(shutdown)
        .await
}
