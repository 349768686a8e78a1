//! HTTP range requests (RFC 9110 §14) on rendered bodies, so GDAL's `/vsicurl/` and download
//! managers can read a large layer in pieces. One `bytes` range is answered with `206`;
//! several ranges, another unit or a malformed header get the whole body (`200`, as the RFC
//! lets a server ignore `Range`); a range past the end gets `416`. `If-Range` must match the
//! identity body's strong ETag, else the whole body is sent. Ranges address the identity
//! representation only: [`identity_for_ranges`] keeps such requests uncompressed.

use axum::http::{header, HeaderMap};

/// What a request's `Range` asks of a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The whole body (no range, an ignored one, or `If-Range` not matching).
    Full,
    /// Bytes `start..=end` of the body.
    Partial { start: u64, end: u64 },
    /// No byte of the body is in the range (`416`).
    Unsatisfiable,
}

/// The answer to `request` for a body of `len` bytes whose strong ETag is `etag`.
pub fn requested(request: &HeaderMap, etag: &str, len: u64) -> Answer {
    let mut ranges = request.get_all(header::RANGE).iter();
    let (Some(range), None) = (ranges.next(), ranges.next()) else {
        return Answer::Full;
    };
    let Ok(range) = range.to_str() else {
        return Answer::Full;
    };
    if let Some(validator) = request.get(header::IF_RANGE) {
        // strong comparison: a weak tag or a date never matches (we send no Last-Modified)
        let strong = !etag.starts_with("W/");
        if !(strong && validator.as_bytes() == etag.as_bytes()) {
            return Answer::Full;
        }
    }
    parse(range, len)
}

/// The answer to a `Range` header value for a body of `len` bytes.
pub fn parse(value: &str, len: u64) -> Answer {
    let Some((unit, set)) = value.split_once('=') else {
        return Answer::Full;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return Answer::Full;
    }
    let specs: Vec<&str> = set
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let [spec] = specs[..] else {
        return Answer::Full;
    };
    let Some((first, last)) = spec.split_once('-') else {
        return Answer::Full;
    };
    let (first, last) = (first.trim(), last.trim());
    match (number(first), number(last)) {
        // `-n`: the last n bytes
        (None, Some(n)) if first.is_empty() => {
            if n == 0 || len == 0 {
                Answer::Unsatisfiable
            } else {
                Answer::Partial {
                    start: len - n.min(len),
                    end: len - 1,
                }
            }
        }
        // `a-`: from a to the end
        (Some(a), None) if last.is_empty() => from(a, u64::MAX, len),
        // `a-b`
        (Some(a), Some(b)) if a <= b => from(a, b, len),
        _ => Answer::Full,
    }
}

/// Bytes `start..=end`, cut at the body's end.
fn from(start: u64, end: u64, len: u64) -> Answer {
    if start >= len {
        Answer::Unsatisfiable
    } else {
        Answer::Partial {
            start,
            end: end.min(len - 1),
        }
    }
}

/// A run of ASCII digits (too many digits for u64 read as u64::MAX: still past any body).
fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse().unwrap_or(u64::MAX))
}

/// Middleware: a request with `Range` loses its `Accept-Encoding`, so the answer (whole or
/// partial) is the identity representation that byte ranges and the strong ETag refer to.
pub async fn identity_for_ranges(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if request.headers().contains_key(header::RANGE) {
        request.headers_mut().remove(header::ACCEPT_ENCODING);
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use Answer::*;

    fn part(start: u64, end: u64) -> Answer {
        Partial { start, end }
    }

    #[test]
    fn single_ranges() {
        assert_eq!(parse("bytes=0-99", 1000), part(0, 99));
        assert_eq!(parse("bytes=10-10", 1000), part(10, 10));
        assert_eq!(parse("bytes=900-5000", 1000), part(900, 999));
        assert_eq!(parse("bytes=500-", 1000), part(500, 999));
        assert_eq!(parse("bytes=-100", 1000), part(900, 999));
        assert_eq!(parse("bytes=-5000", 1000), part(0, 999));
        assert_eq!(parse("BYTES = 1-2 ", 1000), part(1, 2));
        assert_eq!(parse("bytes=0-0,", 1000), part(0, 0));
    }

    #[test]
    fn unsatisfiable_ranges() {
        assert_eq!(parse("bytes=1000-", 1000), Unsatisfiable);
        assert_eq!(parse("bytes=1000-2000", 1000), Unsatisfiable);
        assert_eq!(parse("bytes=-0", 1000), Unsatisfiable);
        assert_eq!(parse("bytes=0-", 0), Unsatisfiable);
        assert_eq!(parse("bytes=-1", 0), Unsatisfiable);
        assert_eq!(parse("bytes=99999999999999999999999-", 10), Unsatisfiable);
    }

    #[test]
    fn malformed_or_multiple_ranges_get_the_whole_body() {
        for value in [
            "bytes=5-1",
            "bytes=a-b",
            "bytes=-",
            "bytes=1",
            "bytes=+1-2",
            "bytes=1--2",
            "bytes=",
            "items=0-1",
            "0-1",
            "bytes=0-1,5-6",
            "bytes=0-1, -1",
        ] {
            assert_eq!(parse(value, 1000), Full, "{value}");
        }
    }

    #[test]
    fn if_range_needs_the_strong_etag() {
        let etag = "\"abc-10\"";
        let mut headers = HeaderMap::new();
        assert_eq!(requested(&headers, etag, 10), Full);
        headers.insert(header::RANGE, HeaderValue::from_static("bytes=2-3"));
        assert_eq!(requested(&headers, etag, 10), part(2, 3));
        headers.insert(header::IF_RANGE, HeaderValue::from_static("\"abc-10\""));
        assert_eq!(requested(&headers, etag, 10), part(2, 3));
        for other in ["\"other\"", "W/\"abc-10\"", "Wed, 21 Oct 2015 07:28:00 GMT"] {
            headers.insert(header::IF_RANGE, HeaderValue::from_str(other).unwrap());
            assert_eq!(requested(&headers, etag, 10), Full, "{other}");
        }
        headers.insert(header::IF_RANGE, HeaderValue::from_static("W/\"abc-10\""));
        assert_eq!(requested(&headers, "W/\"abc-10\"", 10), Full);
        headers.remove(header::IF_RANGE);
        headers.append(header::RANGE, HeaderValue::from_static("bytes=4-5"));
        assert_eq!(requested(&headers, etag, 10), Full);
    }
}
