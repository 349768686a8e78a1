//! The demo year in Riverton's time zone: days, seasons, office hours.

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::America::New_York;
use chrono_tz::Tz;

/// Riverton's time zone.
pub const TZ: Tz = New_York;
/// Number of days in the demo year (2025-11-01 ..= 2026-10-31).
pub const DAYS: u32 = 365;

/// First day of the demo year.
pub fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 11, 1).expect("valid date")
}

/// The date of day `d` (0-based) of the demo year.
pub fn date(d: u32) -> NaiveDate {
    first_day() + Duration::days(i64::from(d))
}

/// Day index of a date (may fall outside 0..DAYS).
pub fn day_of(date: NaiveDate) -> i64 {
    (date - first_day()).num_days()
}

/// Local wall time → UTC; a time skipped by the spring DST change moves an hour on.
pub fn local(ndt: NaiveDateTime) -> DateTime<Utc> {
    TZ.from_local_datetime(&ndt)
        .earliest()
        .or_else(|| {
            TZ.from_local_datetime(&(ndt + Duration::hours(1)))
                .earliest()
        })
        .expect("valid local time")
        .with_timezone(&Utc)
}

/// Local midnight starting day `d`.
pub fn day_start(d: u32) -> DateTime<Utc> {
    local(date(d).and_hms_opt(0, 0, 0).expect("valid time"))
}

/// The end of the demo year: 2026-10-31 23:59:59 local.
pub fn end() -> DateTime<Utc> {
    day_start(DAYS) - Duration::seconds(1)
}

/// Season index 0..12 of day `d`: 0 = November, 11 = October.
pub fn season(d: u32) -> usize {
    (date(d).month0() as usize + 2) % 12
}

/// Relative request volume on a weekday.
pub fn weekday_factor(d: u32) -> f64 {
    match date(d).weekday() {
        Weekday::Sat => 0.55,
        Weekday::Sun => 0.45,
        _ => 1.0,
    }
}

/// Moves a time into crews' working hours (Mon–Fri 07:00–16:59 local): a time outside
/// them becomes the next working morning, `minutes` after 07:00.
pub fn into_working_hours(t: DateTime<Utc>, minutes: u32) -> DateTime<Utc> {
    let lt = t.with_timezone(&TZ).naive_local();
    let working = |d: NaiveDate| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
    if working(lt.date()) && (7..17).contains(&lt.hour()) {
        return t;
    }
    let mut d = if lt.hour() < 7 {
        lt.date()
    } else {
        lt.date() + Duration::days(1)
    };
    while !working(d) {
        d += Duration::days(1);
    }
    let morning =
        d.and_hms_opt(7, 0, 0).expect("valid time") + Duration::minutes(i64::from(minutes));
    local(morning)
}
