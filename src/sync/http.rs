//! HTTP for sync: GETs against the remote server with a timeout, gzip, and retries of what
//! may pass (connection failures, timeouts, 429 and 5xx answers).

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::Url;

/// Why a GET failed (after its retries).
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The server answered with an error status; `message` is its Open311 error description
    /// (or the start of the body).
    #[error("{url}: HTTP {status}{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Status {
        url: String,
        status: u16,
        message: Option<String>,
    },
    /// No answer (connection refused, timeout, broken body).
    #[error("{url}: {source}")]
    Transport {
        url: String,
        #[source]
        source: reqwest::Error,
    },
}

impl FetchError {
    /// The HTTP status, if the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            FetchError::Transport { .. } => None,
        }
    }
}

/// A client for one remote server.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    /// Waits before each retry (their number is the number of retries).
    retry_delays: Vec<Duration>,
}

/// Longest wait for one answer.
const TIMEOUT: Duration = Duration::from_secs(60);

impl Client {
    /// A client that retries after each of `retry_delays`.
    pub fn new(retry_delays: Vec<Duration>) -> Client {
        let http = reqwest::Client::builder()
            .user_agent(concat!("hotspot/", env!("CARGO_PKG_VERSION"), " (sync)"))
            .timeout(TIMEOUT)
            .gzip(true)
            .build()
            .expect("building the HTTP client (TLS backend)");
        Client { http, retry_delays }
    }

    /// GETs `url` and returns the body; retries answers that may pass.
    pub async fn get(&self, url: &Url) -> Result<Vec<u8>, FetchError> {
        let mut delays = self.retry_delays.iter();
        loop {
            let result = self.get_once(url).await;
            match (&result, delays.next()) {
                (Err(e), Some(delay)) if retryable(e) => {
                    tracing::warn!("sync: {e}; retrying in {} s", delay.as_secs_f64());
                    tokio::time::sleep(*delay).await;
                }
                _ => return result,
            }
        }
    }

    async fn get_once(&self, url: &Url) -> Result<Vec<u8>, FetchError> {
        let transport = |source| FetchError::Transport {
            url: url.to_string(),
            source,
        };
        let response = self
            .http
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let body = response.bytes().await.map_err(transport)?;
        if status.is_success() {
            Ok(body.to_vec())
        } else {
            Err(FetchError::Status {
                url: url.to_string(),
                status: status.as_u16(),
                message: error_message(&body),
            })
        }
    }
}

fn retryable(e: &FetchError) -> bool {
    match e {
        FetchError::Transport { .. } => true,
        FetchError::Status { status, .. } => {
            *status == StatusCode::TOO_MANY_REQUESTS.as_u16() || *status >= 500
        }
    }
}

/// The description of an Open311 error body (`[{"code":…,"description":…}]`), else the start
/// of the body as text.
fn error_message(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Open311Error {
        description: String,
    }
    if let Ok(errors) = serde_json::from_slice::<Vec<Open311Error>>(body) {
        let text: Vec<String> = errors.into_iter().map(|e| e.description).collect();
        if !text.is_empty() {
            return Some(text.join("; "));
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    (!text.is_empty()).then(|| text.chars().take(200).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_come_from_open311_errors_or_the_body() {
        assert_eq!(
            error_message(br#"[{"code":400,"description":"start_date: too far back"}]"#),
            Some("start_date: too far back".into())
        );
        assert_eq!(
            error_message(b"  Bad Gateway\n"),
            Some("Bad Gateway".into())
        );
        assert_eq!(error_message(b""), None);
    }

    #[test]
    fn only_what_may_pass_is_retried() {
        let status = |status| FetchError::Status {
            url: "u".into(),
            status,
            message: None,
        };
        assert!(retryable(&status(503)));
        assert!(retryable(&status(429)));
        assert!(!retryable(&status(400)));
        assert!(!retryable(&status(404)));
    }
}
