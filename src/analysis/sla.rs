//! SLA summaries and work priority of groups of requests (a Gi* hot region's members, a
//! DBSCAN cluster, a repeat address). Pure: the reference time `as_of` is a parameter.
//!
//! Definitions (DESIGN.md "SLA"): a request is **overdue** when it is open and `as_of` is
//! past its `expected` (due) time; **late** when it was closed after its due time.
//! Hot-spot queries pass the index's newest `requested_datetime` as `as_of` by default, so
//! results are deterministic and agree with default windows anchored at the newest request.
//!
//! **Priority** ([`priority_order`]) is lexicographic, rank 1 = work first:
//! 1. more overdue open requests,
//! 2. then more open requests,
//! 3. then higher significance (max |z| of a Gi* region, requests per hectare of a cluster),
//! 4. then the older oldest open request,
//! 5. then more requests in total, and finally the input order.

use std::cmp::Ordering;

use crate::model::Status;

/// Seconds per day.
pub const DAY_S: f64 = 86_400.0;

/// The SLA-relevant times of one request (unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaTimes {
    pub status: Status,
    pub requested: Option<i64>,
    /// Due time (`expected_datetime`).
    pub expected: Option<i64>,
    pub closed: Option<i64>,
}

impl SlaTimes {
    /// Open past its due time at `as_of`.
    pub fn is_overdue(&self, as_of: i64) -> bool {
        self.status == Status::Open && self.expected.is_some_and(|due| as_of > due)
    }

    /// Closed after its due time.
    pub fn is_late(&self) -> bool {
        self.status == Status::Closed
            && matches!((self.closed, self.expected), (Some(c), Some(due)) if c > due)
    }

    /// Days past due at `as_of` when overdue, else `None`.
    pub fn days_overdue(&self, as_of: i64) -> Option<f64> {
        if self.is_overdue(as_of) {
            self.expected
                .map(|due| as_of.saturating_sub(due) as f64 / DAY_S)
        } else {
            None
        }
    }
}

/// SLA figures of a group of requests at a reference time.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SlaSummary {
    /// Requests in the group.
    pub requests: usize,
    /// Open requests.
    pub open: usize,
    /// Open requests past their due time at `as_of`.
    pub overdue: usize,
    /// Closed requests closed after their due time.
    pub late: usize,
    /// Days from the oldest open request's `requested` time to `as_of` (≥ 0); `None` when
    /// no open request has a requested time.
    pub oldest_open_days: Option<f64>,
    /// Median days from requested to closed over closed requests with both times.
    pub median_days_to_close: Option<f64>,
    /// `overdue / open` (0 when nothing is open).
    pub share_overdue: f64,
}

/// Summarizes a group of requests at `as_of` (unix seconds).
pub fn summarize(requests: impl IntoIterator<Item = SlaTimes>, as_of: i64) -> SlaSummary {
    let mut s = SlaSummary::default();
    let mut oldest: Option<i64> = None;
    let mut to_close: Vec<f64> = Vec::new();
    for r in requests {
        s.requests += 1;
        match r.status {
            Status::Open => {
                s.open += 1;
                if r.is_overdue(as_of) {
                    s.overdue += 1;
                }
                if let Some(at) = r.requested {
                    oldest = Some(oldest.map_or(at, |o| o.min(at)));
                }
            }
            Status::Closed => {
                if r.is_late() {
                    s.late += 1;
                }
                if let (Some(a), Some(c)) = (r.requested, r.closed) {
                    to_close.push(c.saturating_sub(a).max(0) as f64 / DAY_S);
                }
            }
        }
    }
    s.oldest_open_days = oldest.map(|o| as_of.saturating_sub(o).max(0) as f64 / DAY_S);
    s.median_days_to_close = median(&mut to_close);
    s.share_overdue = if s.open > 0 {
        s.overdue as f64 / s.open as f64
    } else {
        0.0
    };
    s
}

/// Median (mean of the two middle values for an even count); `None` when empty.
fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// What a group is ranked on: its SLA summary and a method-specific significance
/// (max |z| of a Gi* region, requests per hectare of a DBSCAN cluster).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriorityInput {
    pub sla: SlaSummary,
    pub significance: f64,
}

/// Compares two groups: `Less` means `a` is worked on before `b` (see the module docs).
pub fn priority_cmp(a: &PriorityInput, b: &PriorityInput) -> Ordering {
    let sig = |x: f64| if x.is_nan() { f64::NEG_INFINITY } else { x };
    b.sla
        .overdue
        .cmp(&a.sla.overdue)
        .then(b.sla.open.cmp(&a.sla.open))
        .then(sig(b.significance).total_cmp(&sig(a.significance)))
        .then(
            b.sla
                .oldest_open_days
                .unwrap_or(-1.0)
                .total_cmp(&a.sla.oldest_open_days.unwrap_or(-1.0)),
        )
        .then(b.sla.requests.cmp(&a.sla.requests))
}

/// Indices of `items` in priority order (first = rank 1); ties keep the input order.
pub fn priority_order(items: &[PriorityInput]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| priority_cmp(&items[a], &items[b]));
    order
}

/// A short explanation of a group's place in the ranking, e.g.
/// `"4 of 9 open requests overdue, oldest open 41 days; max |z| 5.20"`.
/// `significance` is already formatted by the caller (`"max |z| 5.20"`), or empty.
pub fn priority_reason(sla: &SlaSummary, significance: &str) -> String {
    let mut parts = Vec::new();
    if sla.open == 0 {
        parts.push(format!(
            "no open requests ({} closed, {} late)",
            sla.requests, sla.late
        ));
    } else {
        let mut s = if sla.overdue > 0 {
            format!("{} of {} open requests overdue", sla.overdue, sla.open)
        } else {
            format!("{} open requests, none overdue", sla.open)
        };
        if let Some(d) = sla.oldest_open_days {
            s.push_str(&format!(", oldest open {} days", d.floor() as i64));
        }
        parts.push(s);
    }
    if !significance.is_empty() {
        parts.push(significance.to_string());
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: i64 = 86_400;

    fn open(requested: i64, expected: i64) -> SlaTimes {
        SlaTimes {
            status: Status::Open,
            requested: Some(requested),
            expected: Some(expected),
            closed: None,
        }
    }

    fn closed(requested: i64, expected: i64, closed: i64) -> SlaTimes {
        SlaTimes {
            status: Status::Closed,
            requested: Some(requested),
            expected: Some(expected),
            closed: Some(closed),
        }
    }

    /// A hand-worked group at as_of = day 100.
    #[test]
    fn hand_worked_summary() {
        let as_of = 100 * D;
        let group = [
            open(10 * D, 20 * D),           // overdue 80 days, age 90
            open(95 * D, 99 * D),           // overdue 1 day
            open(98 * D, 105 * D),          // open, not yet due
            open(99 * D, 100 * D),          // due exactly now: not overdue (as_of > due)
            closed(0, 5 * D, 3 * D),        // 3 days, on time
            closed(10 * D, 12 * D, 17 * D), // 7 days, late
            closed(20 * D, 30 * D, 21 * D), // 1 day
            closed(30 * D, 31 * D, 40 * D), // 10 days, late
            SlaTimes {
                status: Status::Closed,
                requested: None,
                expected: None,
                closed: Some(50 * D),
            },
        ];
        let s = summarize(group, as_of);
        assert_eq!(s.requests, 9);
        assert_eq!(s.open, 4);
        assert_eq!(s.overdue, 2);
        assert_eq!(s.late, 2);
        assert_eq!(s.oldest_open_days, Some(90.0));
        // durations 3, 7, 1, 10 → sorted 1, 3, 7, 10 → median 5
        assert_eq!(s.median_days_to_close, Some(5.0));
        assert_eq!(s.share_overdue, 0.5);
        assert_eq!(group[0].days_overdue(as_of), Some(80.0));
        assert_eq!(group[2].days_overdue(as_of), None);
        assert_eq!(group[3].days_overdue(as_of), None);
    }

    #[test]
    fn empty_and_odd_median() {
        let s = summarize([], 0);
        assert_eq!(s, SlaSummary::default());
        let s = summarize(
            [closed(0, D, D), closed(0, D, 5 * D), closed(0, D, 2 * D)],
            10 * D,
        );
        assert_eq!(s.median_days_to_close, Some(2.0));
        assert_eq!(s.late, 2);
        assert_eq!(s.oldest_open_days, None);
        assert_eq!(s.share_overdue, 0.0);
    }

    #[test]
    fn open_requested_after_as_of_has_age_zero() {
        let s = summarize([open(10 * D, 20 * D)], 5 * D);
        assert_eq!(s.oldest_open_days, Some(0.0));
        assert_eq!(s.overdue, 0);
    }

    fn input(overdue: usize, open: usize, significance: f64, oldest: f64) -> PriorityInput {
        PriorityInput {
            sla: SlaSummary {
                requests: open + 10,
                open,
                overdue,
                oldest_open_days: Some(oldest),
                ..Default::default()
            },
            significance,
        }
    }

    #[test]
    fn priority_is_lexicographic() {
        let items = [
            input(0, 50, 9.0, 100.0), // 4: no overdue
            input(3, 5, 2.0, 10.0),   // 2: 3 overdue, 5 open
            input(3, 5, 4.0, 1.0),    // 1: same, more significant
            input(3, 4, 9.0, 99.0),   // 3: fewer open
            input(0, 50, 9.0, 200.0), // tie with 0 except older → before 0
            input(0, 50, f64::NAN, 300.0),
        ];
        assert_eq!(priority_order(&items), vec![2, 1, 3, 4, 0, 5]);
    }

    #[test]
    fn reasons_read_well() {
        let s = summarize(
            [open(0, D), open(5 * D, 50 * D), closed(0, D, 2 * D)],
            41 * D,
        );
        assert_eq!(
            priority_reason(&s, "max |z| 5.20"),
            "1 of 2 open requests overdue, oldest open 41 days; max |z| 5.20"
        );
        let s = summarize([closed(0, D, 2 * D)], 41 * D);
        assert_eq!(
            priority_reason(&s, ""),
            "no open requests (1 closed, 1 late)"
        );
    }
}
