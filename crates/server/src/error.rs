//! API errors: a status code and a JSON body `{"error": …, "field": …}`; internals are logged,
//! never sent.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use registry::StoreError;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("sign in first: send a session cookie or `Authorization: Bearer <token>`")]
    Unauthenticated,
    /// A sign-in with a wrong user name or password (or of a disabled user: one answer for all).
    #[error("the user name or password is wrong")]
    SignInRefused,
    /// Too many failed sign-ins for the account or from the address: wait before trying again.
    #[error("too many failed sign-ins: try again in {} s", retry_after_secs(*.0))]
    Throttled(u64),
    #[error("this account is locked after too many failed sign-ins; an administrator can unlock it")]
    Locked,
    #[error("your role ({0}) may not do this")]
    Forbidden(registry::Role),
    /// A workflow rule refuses it (a second review by the same person, an undecidable case, …).
    #[error("{0}")]
    NotAllowed(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{message}")]
    BadRequest { message: String, field: Option<String> },
    /// Well-formed, but what it cites does not hold or is not the client's to give (422).
    #[error("{message}")]
    Unprocessable { message: String, field: Option<String> },
    #[error("{0}")]
    Conflict(String),
    #[error("the request body is larger than the limit of {0} bytes")]
    TooLarge(usize),
    /// The path exists, the method does not: the methods it has (the `Allow` header).
    #[error("method not allowed here; this path allows {0}")]
    MethodNotAllowed(String),
    #[error("the request body did not arrive within {0} s")]
    BodyTimeout(u64),
    #[error("unexpected error")]
    Unexpected(String),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { .. } | StoreError::Duplicate { .. } | StoreError::BackwardStatus { .. } => {
                ApiError::Conflict(e.to_string())
            }
            StoreError::NotFound { entity, id } => ApiError::NotFound(format!("{entity} {id}")),
            StoreError::NotAllowed(why) => ApiError::NotAllowed(why),
            StoreError::Invalid(f) => ApiError::BadRequest {
                message: f.message.clone(),
                field: Some(f.field),
            },
            StoreError::Unfounded(f) => ApiError::Unprocessable {
                message: f.message.clone(),
                field: Some(f.field),
            },
            // The whole chain of causes, for the log: it never leaves the server.
            other => ApiError::Unexpected(jobs::Causes(&other).to_string()),
        }
    }
}

impl ApiError {
    /// The status code this error answers with, logging unexpected ones (in the span of the request
    /// they broke).
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated | ApiError::SignInRefused => StatusCode::UNAUTHORIZED,
            ApiError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Locked => StatusCode::LOCKED,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::Forbidden(_) | ApiError::NotAllowed(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unexpected(detail) => {
                tracing::error!(error = %detail, "unexpected error");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let field = match &self {
            ApiError::BadRequest { field, .. } | ApiError::Unprocessable { field, .. } => field.clone(),
            _ => None,
        };
        let mut body = json!({ "error": self.to_string(), "field": field });
        if let ApiError::Throttled(ms) = &self {
            body["retry_after_ms"] = json!(ms);
        }
        let mut response = (status, axum::Json(body)).into_response();
        self.add_headers(response.headers_mut());
        response
    }
}

impl ApiError {
    /// The headers this error's status calls for: `Allow` on a 405, `Retry-After` on a 429.
    pub(crate) fn add_headers(&self, headers: &mut HeaderMap) {
        let (name, value) = match self {
            ApiError::MethodNotAllowed(allow) => (header::ALLOW, allow.clone()),
            ApiError::Throttled(ms) => (header::RETRY_AFTER, retry_after_secs(*ms).to_string()),
            _ => return,
        };
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
}

/// Whole seconds to wait, rounded up (`Retry-After` has no fractions).
fn retry_after_secs(ms: u64) -> u64 {
    ms.div_ceil(1000)
}
