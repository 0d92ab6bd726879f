//! The API's extractors: JSON bodies, path parameters and query strings whose errors answer in
//! the API's own shape (`{"error": …, "field": …}`), the field named where serde names it; and the
//! two answers most handlers give, a created record (201) and a record found by id (else 404).

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use serde::de::DeserializeOwned;

use crate::ApiError;

/// JSON bodies with errors in the API's own shape: the field named where serde names it.
pub(crate) struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_error(rejection)),
        }
    }
}

/// A JSON body that may be left out (then `T::default()`): options of an action that has defaults.
pub(crate) struct ApiJsonOrEmpty<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for ApiJsonOrEmpty<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::BadRequest {
                message: e.body_text(),
                field: None,
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(ApiJsonOrEmpty(T::default()));
        }
        serde_json::from_slice(&bytes)
            .map(ApiJsonOrEmpty)
            .map_err(|e| ApiError::BadRequest {
                message: format!("the body is not the JSON expected: {e}"),
                field: None,
            })
    }
}

/// Path parameters with errors in the API's own shape (every path here has one, `{id}`).
pub(crate) struct ApiPath<T>(pub T);

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
pub(crate) struct ApiQuery<T>(pub T);

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
/// "missing field `names`", or the field a domain constructor named ("…: names[0]: field 'name':
/// is empty", from `Name::new` through serde's `try_from`).
fn field_of(message: &str) -> Option<String> {
    for marker in ["unknown field `", "missing field `"] {
        if let Some(rest) = message.split(marker).nth(1) {
            return rest.split('`').next().map(str::to_owned);
        }
    }
    let detail = message.split("target type: ").nth(1)?;
    let (path, rest) = detail.split_once(": ")?;
    if let Some(field) = rest.strip_prefix("field '").and_then(|r| r.split('\'').next()) {
        return Some(field.to_owned());
    }
    (!path.contains(' ') && path != ".").then(|| path.to_owned())
}

/// The answer to a create: 201 with the record.
pub(crate) type Created<T> = Result<(StatusCode, Json<T>), ApiError>;

/// 201 with `value`.
pub(crate) fn created<T>(value: T) -> Created<T> {
    Ok((StatusCode::CREATED, Json(value)))
}

/// The record found by id, else 404 naming `what` and the id.
pub(crate) fn found<T>(value: Option<T>, what: &str, id: i64) -> Result<Json<T>, ApiError> {
    existing(value, what, id).map(Json)
}

/// The record looked up, or 404 naming it (`what` and `id`): also for the parent a list is of.
pub(crate) fn existing<T>(value: Option<T>, what: &str, id: i64) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::NotFound(format!("{what} {id}")))
}
