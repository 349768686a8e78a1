//! The API's one error type, mapped to status codes in one place, in two shapes: Open311's
//! error list `[{"code":N,"description":"..."}]` ([`ApiError`] itself) and the `/api/v1/`
//! problem `{"status":N,"parameter":...,"error":"..."}` ([`Problem`]). Internal errors keep
//! their source; the response carries the whole chain in an extension ([`Logged`]) that the
//! metrics middleware logs once, and the client sees no internals.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::hotspots::HotspotError;
use crate::methods::ParamError;
use crate::selection::SelectionError;
use crate::store::StoreError;

/// A boxed error source.
pub type Source = Box<dyn std::error::Error + Send + Sync>;

/// An error answered to an HTTP client. The description always names the field and the reason.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{field}: {reason}")]
    BadRequest { field: String, reason: String },
    /// Several bad fields at once (each a [`ApiError::BadRequest`]), answered together.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<ApiError>),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the stored state (e.g. an update older than the stored one).
    #[error("{0}")]
    Conflict(String),
    #[error("request body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("{0}")]
    Busy(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A failure of the server, not of the request: `context` says what was being done.
    #[error("internal error while {context}")]
    Internal {
        context: &'static str,
        #[source]
        source: Source,
    },
}

impl ApiError {
    /// A 400 naming the parameter and what is wrong with it.
    pub fn bad(field: impl Into<String>, reason: impl Into<String>) -> ApiError {
        ApiError::BadRequest {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Wraps an error of the server's own as an internal error while doing `context`.
    pub fn internal<E>(context: &'static str) -> impl FnOnce(E) -> ApiError
    where
        E: Into<Source>,
    {
        move |e| ApiError::Internal {
            context,
            source: e.into(),
        }
    }

    /// One error for a list of bad fields: `None` when empty, the error itself when one.
    pub fn all(mut errors: Vec<ApiError>) -> Option<ApiError> {
        match errors.len() {
            0 => None,
            1 => errors.pop(),
            _ => Some(ApiError::Invalid(errors)),
        }
    }

    /// The errors this one stands for: the list of [`ApiError::Invalid`], else itself.
    pub fn parts(&self) -> Vec<&ApiError> {
        match self {
            ApiError::Invalid(list) => list.iter().flat_map(ApiError::parts).collect(),
            other => vec![other],
        }
    }

    /// What the client is told, one description per error (see [`ApiError::parts`]); a
    /// 500's internals are never told.
    pub fn descriptions(&self) -> Vec<String> {
        self.parts()
            .into_iter()
            .map(ApiError::public_message)
            .collect()
    }

    /// Answers with `body` (of `content_type`) and `self`'s status, carrying an internal
    /// error's log line for the middleware.
    pub fn respond_with(self, content_type: &'static str, body: String) -> Response {
        let mut response = (
            self.status(),
            [(axum::http::header::CONTENT_TYPE, content_type)],
            body,
        )
            .into_response();
        if let Some(logged) = self.log_line() {
            response.extensions_mut().insert(logged);
        }
        response
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } | ApiError::Invalid(_) => StatusCode::BAD_REQUEST,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the client is told: the message, without internals for a 500.
    fn public_message(&self) -> String {
        match self {
            ApiError::Internal { .. } => "internal error".to_string(),
            other => other.to_string(),
        }
    }

    /// The log line of an internal error (the whole source chain), else `None`.
    fn log_line(&self) -> Option<Logged> {
        let ApiError::Internal { .. } = self else {
            return None;
        };
        let mut line = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(e) = source {
            line.push_str(": ");
            line.push_str(&e.to_string());
            source = e.source();
        }
        Some(Logged(line))
    }

    /// Answers with `body` and `self`'s status, carrying the log line for the middleware.
    fn respond(self, body: serde_json::Value) -> Response {
        let mut response = (self.status(), Json(body)).into_response();
        if let Some(logged) = self.log_line() {
            response.extensions_mut().insert(logged);
        }
        response
    }
}

/// An internal error's chain, attached to its response for the middleware to log once.
#[derive(Debug, Clone)]
pub struct Logged(pub String);

impl From<HotspotError> for ApiError {
    fn from(e: HotspotError) -> ApiError {
        match e {
            HotspotError::Selection(SelectionError::UnknownType { name, .. }) => ApiError::bad(
                "type",
                format!("{name:?} is not a service code, name or alias of this city (see /api/v1/layers)"),
            ),
            HotspotError::Selection(SelectionError::ReversedWindow) => {
                ApiError::bad("end", "is before start")
            }
            HotspotError::Parameter(p) => p.into(),
            HotspotError::Analysis(crate::analysis::AnalysisError::InvalidParameter {
                name,
                reason,
            }) => ApiError::bad(name, reason),
            e @ HotspotError::TooFew { .. } => ApiError::bad("type", e.to_string()),
            other => ApiError::internal("computing a hot-spot report")(other),
        }
    }
}

impl From<ParamError> for ApiError {
    fn from(e: ParamError) -> ApiError {
        ApiError::bad(e.name, e.reason)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        ApiError::internal("reading or writing the request store")(e)
    }
}

#[derive(Serialize)]
struct Open311Error {
    code: u16,
    description: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = self.status().as_u16();
        let list: Vec<Open311Error> = self
            .descriptions()
            .into_iter()
            .map(|description| Open311Error { code, description })
            .collect();
        self.respond(serde_json::json!(list))
    }
}

/// An [`ApiError`] rendered for the `/api/v1/` JSON interface:
/// `{"status": 400, "parameter": "bbox", "error": "bbox: ..."}`.
#[derive(Debug)]
pub struct Problem(pub ApiError);

macro_rules! problem_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Problem {
            fn from(e: $t) -> Problem {
                Problem(e.into())
            }
        }
    )*};
}
problem_from!(ApiError, ParamError, HotspotError, StoreError);

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let parameter = match self.0.parts().first() {
            Some(ApiError::BadRequest { field, .. }) => Some(field.clone()),
            _ => None,
        };
        let body = serde_json::json!({
            "status": self.0.status().as_u16(),
            "parameter": parameter,
            "error": self.0.public_message(),
        });
        self.0.respond(body)
    }
}

/// An [`ApiError`] rendered for the OGC API (`/ogc`), as OGC API – Features' exception:
/// `{"code": "InvalidParameterValue", "description": "bbox: ...", "parameter": "bbox"}`.
#[derive(Debug)]
pub struct OgcException(pub ApiError);

macro_rules! ogc_from {
    ($($t:ty),*) => {$(
        impl From<$t> for OgcException {
            fn from(e: $t) -> OgcException {
                OgcException(e.into())
            }
        }
    )*};
}
ogc_from!(ApiError, ParamError, HotspotError, StoreError);

impl IntoResponse for OgcException {
    fn into_response(self) -> Response {
        let parameter = match self.0.parts().first() {
            Some(ApiError::BadRequest { field, .. }) => Some(field.clone()),
            _ => None,
        };
        let code = match self.0.status() {
            StatusCode::BAD_REQUEST => "InvalidParameterValue",
            StatusCode::NOT_FOUND => "NotFound",
            StatusCode::SERVICE_UNAVAILABLE => "ServiceUnavailable",
            _ => "ServerError",
        };
        let body = serde_json::json!({
            "code": code,
            "description": self.0.public_message(),
            "parameter": parameter,
        });
        self.0.respond(body)
    }
}
