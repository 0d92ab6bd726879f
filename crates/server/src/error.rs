//! API errors: a status code and a JSON body `{"error": …, "field": …}`; internals are logged,
//! never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use registry::StoreError;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("sign in first: send a session cookie or `Authorization: Bearer <token>`")]
    Unauthenticated,
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
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
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
        (status, axum::Json(json!({ "error": self.to_string(), "field": field }))).into_response()
    }
}
