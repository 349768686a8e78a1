//! Trends: per time step and group, how many requests were opened and closed, how many were
//! open at the step's end (the backlog), the median days to close and the share closed within
//! the SLA.
//!
//! Steps end at an anchor: step `i` of `n` is `(end − (n−i)Δ, end − (n−1−i)Δ]`. A request
//! counts as opened in the step of its requested time and closed in the step of its closed
//! time; it is open at a step's end when it was requested by then and not closed by then.
//! The median and the SLA share are over the requests closed in the step (the SLA share over
//! those with a due time).
//!
//! ```
//! use hotspot::analysis::trends::{trends, Steps, TrendInput};
//! let day = 86_400;
//! let steps = Steps { end: 10 * day, step: 5 * day, count: 2 };
//! let input = [
//!     TrendInput { group: 0, requested: Some(day), closed: Some(7 * day), expected: Some(3 * day) },
//!     TrendInput { group: 0, requested: Some(2 * day), closed: None, expected: None },
//! ];
//! let t = trends(&input, 1, &steps);
//! assert_eq!((t[0][0].opened, t[0][0].open_at_end), (2, 2));
//! assert_eq!((t[0][1].closed, t[0][1].open_at_end), (1, 1));
//! assert_eq!(t[0][1].median_days_to_close, Some(6.0));
//! assert_eq!(t[0][1].share_closed_within_sla, Some(0.0));
//! ```

const DAY: f64 = 86_400.0;

/// The steps: `count` steps of `step` seconds ending at `end` (unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Steps {
    pub end: i64,
    pub step: i64,
    pub count: usize,
}

impl Steps {
    /// The end of step `i` (inclusive).
    pub fn end_of(&self, i: usize) -> i64 {
        self.end - (self.count - 1 - i) as i64 * self.step
    }

    /// The start of step `i` (exclusive).
    pub fn start_of(&self, i: usize) -> i64 {
        self.end_of(i) - self.step
    }

    /// The step holding time `t`, if any.
    pub fn of(&self, t: i64) -> Option<usize> {
        if t > self.end {
            return None;
        }
        let back = ((self.end - t) / self.step) as usize;
        (back < self.count).then(|| self.count - 1 - back)
    }

    /// Steps covering `(start, end]`: as many as needed, at least one.
    pub fn covering(start: i64, end: i64, step: i64) -> Steps {
        let span = (end - start).max(1);
        Steps {
            end,
            step,
            count: ((span + step - 1) / step).max(1) as usize,
        }
    }
}

/// One request as trends read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrendInput {
    /// Its group (a type or a district), 0-based.
    pub group: u32,
    pub requested: Option<i64>,
    pub closed: Option<i64>,
    /// The SLA due time.
    pub expected: Option<i64>,
}

/// The figures of one group in one step.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StepStats {
    pub opened: u64,
    pub closed: u64,
    /// Requested by the step's end and not closed by then.
    pub open_at_end: u64,
    /// Median days from request to close of the requests closed in the step.
    pub median_days_to_close: Option<f64>,
    /// Of the requests closed in the step with a due time, the share closed by it.
    pub share_closed_within_sla: Option<f64>,
}

/// Per group (outer, `groups` of them) and step (inner), the figures of `input`.
pub fn trends(input: &[TrendInput], groups: usize, steps: &Steps) -> Vec<Vec<StepStats>> {
    let n = steps.count;
    let mut out = vec![vec![StepStats::default(); n]; groups];
    // backlog by differences: +1 at the step a request opens (or the first step, when it
    // opened before), −1 at the step after it closes
    let mut delta = vec![vec![0i64; n + 1]; groups];
    let mut days: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); n]; groups];
    let mut sla: Vec<Vec<(u64, u64)>> = vec![vec![(0, 0); n]; groups];
    let first_start = steps.start_of(0);
    for r in input {
        let g = r.group as usize;
        if g >= groups {
            continue;
        }
        let Some(requested) = r.requested else {
            continue;
        };
        if let Some(i) = steps.of(requested) {
            out[g][i].opened += 1;
        }
        let open_from = if requested <= first_start {
            Some(0)
        } else {
            steps.of(requested)
        };
        let closed_step = r.closed.and_then(|c| steps.of(c));
        let open_until = match r.closed {
            None => Some(n),
            Some(c) if c <= first_start => None,
            Some(c) if c > steps.end => Some(n),
            Some(_) => closed_step,
        };
        if let (Some(from), Some(until)) = (open_from, open_until) {
            if from < until {
                delta[g][from] += 1;
                delta[g][until] -= 1;
            }
        }
        if let (Some(c), Some(i)) = (r.closed, closed_step) {
            out[g][i].closed += 1;
            days[g][i].push((c - requested).max(0) as f64 / DAY);
            if let Some(due) = r.expected {
                let (met, all) = &mut sla[g][i];
                *all += 1;
                *met += u64::from(c <= due);
            }
        }
    }
    for g in 0..groups {
        let mut open = 0i64;
        for i in 0..n {
            open += delta[g][i];
            let s = &mut out[g][i];
            s.open_at_end = open.max(0) as u64;
            s.median_days_to_close = median(&mut days[g][i]);
            let (met, all) = sla[g][i];
            s.share_closed_within_sla = (all > 0).then(|| met as f64 / all as f64);
        }
    }
    out
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: i64 = 86_400;

    /// The definition, counted request by request (no differences).
    fn brute(input: &[TrendInput], steps: &Steps) -> Vec<(u64, u64, u64)> {
        (0..steps.count)
            .map(|i| {
                let (start, end) = (steps.start_of(i), steps.end_of(i));
                let within = |t: Option<i64>| t.is_some_and(|t| t > start && t <= end);
                let opened = input.iter().filter(|r| within(r.requested)).count() as u64;
                let closed = input
                    .iter()
                    .filter(|r| r.requested.is_some() && within(r.closed))
                    .count() as u64;
                let open = input
                    .iter()
                    .filter(|r| {
                        r.requested.is_some_and(|q| q <= end) && r.closed.is_none_or(|c| c > end)
                    })
                    .count() as u64;
                (opened, closed, open)
            })
            .collect()
    }

    #[test]
    fn counts_match_the_definition_request_by_request() {
        let steps = Steps {
            end: 100 * D,
            step: 7 * D,
            count: 10,
        };
        let mut input = Vec::new();
        let mut x: i64 = 7;
        for _ in 0..2_000 {
            x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
            let requested = (x % (110 * D)) - 5 * D;
            let closed = (x % 3 != 0).then(|| requested + (x / 7) % (30 * D));
            input.push(TrendInput {
                group: 0,
                requested: Some(requested),
                closed,
                expected: Some(requested + 7 * D),
            });
        }
        let t = trends(&input, 1, &steps);
        let ours: Vec<(u64, u64, u64)> = t[0]
            .iter()
            .map(|s| (s.opened, s.closed, s.open_at_end))
            .collect();
        assert_eq!(ours, brute(&input, &steps));
    }

    #[test]
    fn steps_end_at_the_anchor_and_cover_the_window() {
        let s = Steps::covering(0, 30 * D, 7 * D);
        assert_eq!(s.count, 5);
        assert_eq!(s.end_of(4), 30 * D);
        assert_eq!(s.of(30 * D), Some(4));
        assert_eq!(s.of(23 * D), Some(3), "a step holds its end");
        assert_eq!(s.of(30 * D + 1), None);
        assert_eq!(Steps::covering(5, 5, 7 * D).count, 1);
    }

    #[test]
    fn medians_and_sla_shares_are_of_the_requests_closed_in_the_step() {
        let steps = Steps {
            end: 10 * D,
            step: 10 * D,
            count: 1,
        };
        let r = |req: i64, closed: i64, due: Option<i64>| TrendInput {
            group: 0,
            requested: Some(req * D),
            closed: Some(closed * D),
            expected: due.map(|d| d * D),
        };
        let input = [
            r(1, 2, Some(3)),
            r(1, 5, Some(3)),
            r(2, 8, None),
            r(3, 4, Some(4)),
        ];
        let t = trends(&input, 1, &steps);
        assert_eq!(t[0][0].median_days_to_close, Some(2.5), "1, 4, 6, 1 days");
        assert_eq!(t[0][0].share_closed_within_sla, Some(2.0 / 3.0));
    }
}
