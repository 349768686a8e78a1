//! The API's one error type; renders as an Open311 error list `[{"code":N,"description":"..."}]`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// An error answered to an HTTP client. The description always names the field and the reason.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{field}: {reason}")]
    BadRequest { field: String, reason: String },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("request body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("{0}")]
    Busy(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A 400 naming the parameter and what is wrong with it.
    pub fn bad(field: impl Into<String>, reason: impl Into<String>) -> ApiError {
        ApiError::BadRequest {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<crate::hotspots::HotspotError> for ApiError {
    fn from(e: crate::hotspots::HotspotError) -> ApiError {
        use crate::analysis::AnalysisError;
        use crate::hotspots::HotspotError;
        match e {
            HotspotError::UnknownType(name, _) => ApiError::bad(
                "type",
                format!("{name:?} is not a service code, name or alias of this city (see /api/v1/layers)"),
            ),
            HotspotError::ReversedWindow => ApiError::bad("end", "is before start"),
            HotspotError::Analysis(AnalysisError::InvalidParameter { name, reason }) => {
                ApiError::bad(name, reason)
            }
            e @ HotspotError::TooFew { .. } => ApiError::bad("type", e.to_string()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> ApiError {
        ApiError::Internal(e.to_string())
    }
}

#[derive(Serialize)]
struct Open311Error {
    code: u16,
    description: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let description = match &self {
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                "internal error; the request was not stored".to_string()
            }
            other => other.to_string(),
        };
        let body = vec![Open311Error {
            code: status.as_u16(),
            description,
        }];
        (status, Json(body)).into_response()
    }
}

/// An [`ApiError`] rendered for the `/api/v1/` JSON interface:
/// `{"status": 400, "parameter": "bbox", "error": "bbox: ..."}`.
#[derive(Debug)]
pub struct Problem(pub ApiError);

impl From<ApiError> for Problem {
    fn from(e: ApiError) -> Problem {
        Problem(e)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let (parameter, error) = match &self.0 {
            ApiError::BadRequest { field, reason } => {
                (Some(field.clone()), format!("{field}: {reason}"))
            }
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                (None, "internal error".to_string())
            }
            other => (None, other.to_string()),
        };
        let body = serde_json::json!({
            "status": status.as_u16(),
            "parameter": parameter,
            "error": error,
        });
        (status, Json(body)).into_response()
    }
}
