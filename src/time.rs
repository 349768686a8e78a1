//! Time: the one datetime parser (sources, CLI and HTTP parameters alike), its daylight-saving
//! policy, the day anchor of default windows, and formatting in the city's zone.
//!
//! Accepted, in this order:
//! - epoch numbers: milliseconds for values in [1e11, 1e14), seconds for [1e8, 1e11);
//! - RFC 3339 / ISO 8601 with an offset or `Z` (`2024-10-25T11:35:30Z`,
//!   `2024-10-25 11:35:30.5-04:00`, `...+0000`) and RFC 2822;
//! - ISO without an offset (`2026-02-05 22:37:25`, `2024-10-25T11:35:30.000`, `2024-10-25`),
//!   read in the city's time zone;
//! - US `M/D/YYYY H:MM[:SS]` (24-hour), `MM/DD/YYYY hh:mm[:ss] AM/PM` and `MM/DD/YYYY`;
//! - `YYYY/MM/DD HH:MM[:SS]` and `YYYY/MM/DD`.
//!
//! Results outside the years 1900..=2200 are refused (a two-digit year is a typo, not 0022).
//!
//! **Daylight-saving policy** (one for every caller): local times that happen twice (the hour
//! after DST ends) take the **earliest** instant; local times that never happen (the hour
//! skipped when DST starts) are read with the UTC offset in force just before the gap, which
//! moves them later by the gap's length (2:30 on a spring-forward night becomes 3:30 daylight
//! time), as `java.time` does.
//!
//! A bare date as the **end** of a window ([`parse_bound`] with [`Bound::End`]) means the last
//! second of that day (23:59:59 local), so `end=2026-03-01` includes the whole day.

use chrono::{
    DateTime, Datelike, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc,
};
use chrono_tz::Tz;

/// A value that is not a date/time in any accepted spelling.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unrecognised date/time {value:?}: {reason}")]
pub struct DateTimeError {
    /// The text as given.
    pub value: String,
    /// Why it was refused.
    pub reason: &'static str,
}

const WITH_OFFSET: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f%:z",
    "%Y-%m-%d %H:%M:%S%.f%:z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M%:z",
    "%Y-%m-%d %H:%M%:z",
];

const NAIVE: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S%.f",
    "%m/%d/%Y %H:%M",
    "%Y/%m/%d %H:%M:%S%.f",
    "%Y/%m/%d %H:%M",
];

const DATE_ONLY: &[&str] = &["%Y-%m-%d", "%m/%d/%Y", "%Y/%m/%d"];

/// Parses `text` into a UTC instant; values without an offset are local times in `tz`.
pub fn parse_datetime(text: &str, tz: Tz) -> Result<DateTime<Utc>, DateTimeError> {
    let s = text.trim();
    let fail = |reason| DateTimeError {
        value: text.to_string(),
        reason,
    };
    if s.is_empty() {
        return Err(fail("empty"));
    }
    let t = if s.starts_with(|c: char| c.is_ascii_digit()) && !s.contains(['-', '/', ':', ' ']) {
        parse_epoch(s).ok_or_else(|| fail("number outside the epoch seconds/ms range"))?
    } else if let Some(t) = parse_with_offset(s) {
        t.with_timezone(&Utc)
    } else {
        let naive = parse_naive(s).ok_or_else(|| fail("not a known date/time format"))?;
        resolve_local(naive, tz)
            .ok_or_else(|| fail("local time cannot be placed in the time zone"))?
    };
    if (MIN_YEAR..=MAX_YEAR).contains(&t.year()) {
        Ok(t)
    } else {
        Err(fail("year outside 1900..=2200"))
    }
}

/// Which end of a time window a parameter gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// A bare date means its first second (00:00:00 local).
    Start,
    /// A bare date means its last second (23:59:59 local).
    End,
}

/// Parses a window bound: as [`parse_datetime`], except that a bare date given as
/// [`Bound::End`] means the end of that day.
pub fn parse_bound(text: &str, tz: Tz, bound: Bound) -> Result<DateTime<Utc>, DateTimeError> {
    let s = text.trim();
    if bound == Bound::End {
        if let Some(day) = DATE_ONLY
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
        {
            let last = day
                .and_hms_opt(23, 59, 59)
                .expect("23:59:59 is a valid time");
            return resolve_local(last, tz).ok_or(DateTimeError {
                value: text.to_string(),
                reason: "local time cannot be placed in the time zone",
            });
        }
    }
    parse_datetime(text, tz)
}

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// The anchor of default windows and of overdue counts: the end (23:59:59, city time) of the
/// day of `newest` (unix seconds; the newest request in the data), or of today when there is
/// none. An imported history shows up on first look, and the anchor moves once a day rather
/// than with every request.
pub fn day_anchor(newest: Option<i64>, tz: Tz) -> i64 {
    let newest = newest
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .unwrap_or_else(Utc::now);
    let day = newest.with_timezone(&tz).date_naive();
    day.and_hms_opt(23, 59, 59)
        .and_then(|t| tz.from_local_datetime(&t).latest())
        .map_or(newest.timestamp(), |t| t.timestamp())
}

/// RFC 3339 with the city's offset, to the second.
pub fn format_local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Unix seconds as RFC 3339 in the city's zone, or `None`.
pub fn local_time(t: Option<i64>, tz: Tz) -> Option<String> {
    t.and_then(|s| DateTime::from_timestamp(s, 0))
        .map(|t| format_local(t, tz))
}

/// Years outside this range are typos (`3/12/22` read as year 22), not 311 requests.
const MIN_YEAR: i32 = 1900;
const MAX_YEAR: i32 = 2200;

/// Epoch milliseconds (≥ 1e11) or seconds (≥ 1e8, i.e. after March 1973).
fn parse_epoch(s: &str) -> Option<DateTime<Utc>> {
    let v: f64 = s.parse().ok()?;
    let ms = if (1e11..1e14).contains(&v) {
        v
    } else if (1e8..1e11).contains(&v) {
        v * 1000.0
    } else {
        return None;
    };
    DateTime::<Utc>::from_timestamp_millis(ms.round() as i64)
}

fn parse_with_offset(s: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t);
    }
    let zulu;
    let s = match s.strip_suffix(['Z', 'z']) {
        Some(rest) => {
            zulu = format!("{rest}+00:00");
            zulu.as_str()
        }
        None => s,
    };
    WITH_OFFSET
        .iter()
        .find_map(|f| DateTime::parse_from_str(s, f).ok())
        .or_else(|| DateTime::parse_from_rfc2822(s).ok())
}

fn parse_naive(s: &str) -> Option<NaiveDateTime> {
    NAIVE
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .or_else(|| {
            DATE_ONLY
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
}

/// Places a local time in `tz`: the earliest instant when ambiguous, the offset before the
/// gap when it does not exist.
fn resolve_local(naive: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
        LocalResult::None => {
            let before = naive.checked_sub_signed(chrono::TimeDelta::days(1))?;
            let offset = tz.from_local_datetime(&before).earliest()?.offset().fix();
            let utc = naive
                .checked_sub_signed(chrono::TimeDelta::seconds(offset.local_minus_utc().into()))?;
            Some(Utc.from_utc_datetime(&utc))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn table() {
        use chrono_tz::America::{Chicago, New_York};
        use chrono_tz::UTC;
        let ok: &[(&str, Tz, &str)] = &[
            // RFC 3339 / ISO with offset or Z
            ("2024-10-25T11:35:30Z", New_York, "2024-10-25T11:35:30Z"),
            ("2024-10-25T11:35:30z", New_York, "2024-10-25T11:35:30Z"),
            ("2024-10-25T11:35:30.250Z", UTC, "2024-10-25T11:35:30.25Z"),
            ("2024-10-25 11:35:30Z", New_York, "2024-10-25T11:35:30Z"),
            ("2024-10-25T11:35:30-04:00", UTC, "2024-10-25T15:35:30Z"),
            ("2024-10-25T11:35:30+0200", UTC, "2024-10-25T09:35:30Z"),
            ("2024-10-25 11:35:30.5+00:00", UTC, "2024-10-25T11:35:30.5Z"),
            ("2024-10-25T11:35-05:00", UTC, "2024-10-25T16:35:00Z"),
            (
                "Fri, 25 Oct 2024 11:35:30 +0000",
                UTC,
                "2024-10-25T11:35:30Z",
            ),
            // ISO without offset, city zone
            ("2026-02-05 22:37:25", New_York, "2026-02-06T03:37:25Z"),
            ("2024-10-25T11:35:30", New_York, "2024-10-25T15:35:30Z"),
            ("2019-01-02T08:05:12.000", Chicago, "2019-01-02T14:05:12Z"),
            ("2024-07-04 09:30", Chicago, "2024-07-04T14:30:00Z"),
            ("2024-07-04", New_York, "2024-07-04T04:00:00Z"),
            // epoch milliseconds and seconds
            ("1568478540000", New_York, "2019-09-14T16:29:00Z"),
            ("1568478540000.0", New_York, "2019-09-14T16:29:00Z"),
            ("1568478540", New_York, "2019-09-14T16:29:00Z"),
            ("1731945354000", UTC, "2024-11-18T15:55:54Z"),
            // US formats
            ("3/12/2022 6:23", New_York, "2022-03-12T11:23:00Z"),
            ("9/24/2019 20:00", New_York, "2019-09-25T00:00:00Z"),
            ("05/01/2022 12:00:03 AM", New_York, "2022-05-01T04:00:03Z"),
            ("03/01/2011 02:27:57 PM", New_York, "2011-03-01T19:27:57Z"),
            ("03/01/2011 12:15:00 PM", UTC, "2011-03-01T12:15:00Z"),
            ("3/1/2011 2:27 pm", UTC, "2011-03-01T14:27:00Z"),
            ("11/01/2016", Chicago, "2016-11-01T05:00:00Z"),
            ("01/15/2024 13:45:10", UTC, "2024-01-15T13:45:10Z"),
            // YYYY/MM/DD (Parks & Rec)
            ("2021/01/05 16:59", New_York, "2021-01-05T21:59:00Z"),
            ("2025/08/12 08:39:10", New_York, "2025-08-12T12:39:10Z"),
            ("2021/01/05", UTC, "2021-01-05T00:00:00Z"),
            // DST: ambiguous 1:30 on 2024-11-03 in New York → earliest (EDT, -4)
            ("2024-11-03 01:30", New_York, "2024-11-03T05:30:00Z"),
            ("11/03/2024 01:30:00 AM", New_York, "2024-11-03T05:30:00Z"),
            // DST: 2:30 on 2024-03-10 never happens → read with EST (-5), i.e. 3:30 EDT
            ("2024-03-10 02:30", New_York, "2024-03-10T07:30:00Z"),
            ("2024-03-10 03:30", New_York, "2024-03-10T07:30:00Z"),
            ("  2024-10-25T11:35:30Z  ", UTC, "2024-10-25T11:35:30Z"),
        ];
        for (input, tz, want) in ok {
            let got = parse_datetime(input, *tz).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(got, utc(want), "{input:?} in {tz}");
        }
        let bad = [
            "",
            "yesterday",
            "2024-13-01",
            "2024-02-30 10:00",
            "13/45/2022 6:23",
            "3/12/22 6:23",
            "25:00",
            "2024",
            "1e999",
            "NaN",
            "12345678901234567",
            "2024-10-25T11:35:30+25:00",
        ];
        for input in bad {
            let err = parse_datetime(input, New_York).expect_err(input);
            assert_eq!(err.value, input);
            assert!(err.to_string().contains(&format!("{input:?}")), "{err}");
        }
    }

    #[test]
    fn end_bound_of_a_bare_date_is_the_last_second_of_that_day() {
        use chrono_tz::America::New_York;
        let end = parse_bound("2024-07-04", New_York, Bound::End).unwrap();
        assert_eq!(end, utc("2024-07-05T03:59:59Z"));
        let start = parse_bound("2024-07-04", New_York, Bound::Start).unwrap();
        assert_eq!(start, utc("2024-07-04T04:00:00Z"));
        // a full datetime is the same either way; DST gaps follow the one policy
        for bound in [Bound::Start, Bound::End] {
            assert_eq!(
                parse_bound("2024-03-10 02:30", New_York, bound).unwrap(),
                utc("2024-03-10T07:30:00Z")
            );
        }
        assert!(parse_bound("2026-02-30", New_York, Bound::End).is_err());
    }

    #[test]
    fn day_anchor_is_the_end_of_the_newest_day_in_the_city() {
        use chrono_tz::America::New_York;
        let newest = utc("2024-07-04T20:00:00Z").timestamp(); // 16:00 in New York
        assert_eq!(
            day_anchor(Some(newest), New_York),
            utc("2024-07-05T03:59:59Z").timestamp()
        );
        assert_eq!(
            local_time(Some(newest), New_York).as_deref(),
            Some("2024-07-04T16:00:00-04:00")
        );
    }
}
