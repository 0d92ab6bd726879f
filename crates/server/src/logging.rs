//! Structured logs of the server and its matching jobs, through `tracing`: a span per request
//! (method, route, and once answered status and latency) and, in `jobs`, a span per job (job id,
//! kind). Unexpected errors are logged inside the span of the request or job they broke, with
//! their cause.
//!
//! The route is the declared path (`/api/v1/persons/{id}`), never the requested URI: query strings
//! carry names searched for, and no token, cookie or body is ever logged.
//!
//! Logs go to standard error, as text or as one JSON object per line ([`LogFormat`]); the
//! `HOMEWARD_LOG` environment variable filters them with `tracing`'s directives (`debug`,
//! `server=debug,jobs=info`, …), by default [`DEFAULT_FILTER`].

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

/// What is logged without `HOMEWARD_LOG`: requests and jobs, and warnings from everything else
/// (the database driver logs every statement below that).
pub const DEFAULT_FILTER: &str = "warn,server=info,jobs=info";

/// The environment variable whose directives replace [`DEFAULT_FILTER`].
pub const FILTER_VARIABLE: &str = "HOMEWARD_LOG";

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One line per event, for people: time, level, spans with their fields, message.
    #[default]
    Text,
    /// One JSON object per event, for log collectors.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = LogError;
    fn from_str(s: &str) -> Result<Self, LogError> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(LogError::Format(other.to_owned())),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("'{0}' is not a log format (text, json)")]
    Format(String),
    #[error("{FILTER_VARIABLE}: {0}")]
    Filter(#[from] tracing_subscriber::filter::ParseError),
    #[error("logging was already set up in this process")]
    AlreadySet,
}

/// Sends this process's logs to standard error in `format`, filtered by `HOMEWARD_LOG` (else
/// [`DEFAULT_FILTER`]). Call once, before serving.
pub fn init(format: LogFormat) -> Result<(), LogError> {
    let filter = match std::env::var(FILTER_VARIABLE) {
        Ok(directives) if !directives.trim().is_empty() => EnvFilter::try_new(directives)?,
        _ => EnvFilter::new(DEFAULT_FILTER),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).try_init(),
    }
    .map_err(|_| LogError::AlreadySet)
}

/// The span of one request: method and declared route, then status and latency once answered.
/// Server errors are logged at `error` (their cause was logged inside the span where it arose),
/// everything else at `info`.
pub(crate) async fn trace_request(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(unmatched)".to_owned(), |m| m.as_str().to_owned());
    let span = tracing::info_span!("request", method = %req.method(), route = %route);
    let started = Instant::now();
    let response = next.run(req).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if response.status().is_server_error() {
            tracing::error!(status, latency_ms, "answered");
        } else {
            tracing::info!(status, latency_ms, "answered");
        }
    });
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_by_name() {
        assert_eq!("text".parse::<LogFormat>().ok(), Some(LogFormat::Text));
        assert_eq!("json".parse::<LogFormat>().ok(), Some(LogFormat::Json));
        let err = "xml".parse::<LogFormat>().unwrap_err();
        assert_eq!(err.to_string(), "'xml' is not a log format (text, json)");
    }

    #[test]
    fn the_default_filter_parses() {
        assert!(EnvFilter::try_new(DEFAULT_FILTER).is_ok());
    }
}
