//! Time windows a sync reads one after another: a span cut into windows no longer than the
//! server accepts, smaller ones after a server refused or truncated a window.

use chrono::{DateTime, Duration, Utc};

/// Longest window asked for at first (servers often refuse longer date ranges: Open311's
/// own default window is 90 days).
pub const FIRST_WINDOW: Duration = Duration::days(30);
/// Shortest window: one the server still refuses or truncates is reported and skipped.
pub const SMALLEST_WINDOW: Duration = Duration::minutes(1);

/// A half-open time range `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Window {
    /// Its length.
    pub fn len(&self) -> Duration {
        self.end - self.start
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

/// Walks a span in windows: [`Windows::next`] gives the next window, [`Windows::shrink`]
/// halves the size after the server refused or truncated the window just given (which is
/// then given again, smaller), [`Windows::done`] marks it read.
#[derive(Debug, Clone)]
pub struct Windows {
    /// Everything before this has been read (or reported as unreadable).
    at: DateTime<Utc>,
    end: DateTime<Utc>,
    size: Duration,
}

impl Windows {
    /// The span `[start, end)` in windows of at most `size`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>, size: Duration) -> Windows {
        Windows {
            at: start,
            end,
            size: size.max(SMALLEST_WINDOW),
        }
    }

    /// The next window to read, `None` once the span is read.
    pub fn next(&self) -> Option<Window> {
        (self.at < self.end).then(|| Window {
            start: self.at,
            end: (self.at + self.size).min(self.end),
        })
    }

    /// Halves the window size; `false` when it is already the smallest (the caller then
    /// reports the window and moves on with [`Windows::done`]).
    pub fn shrink(&mut self) -> bool {
        let current = self.next().map_or(self.size, |w| w.len().min(self.size));
        if current <= SMALLEST_WINDOW {
            return false;
        }
        self.size = (current / 2).max(SMALLEST_WINDOW);
        true
    }

    /// Marks the window [`Windows::next`] gave as read.
    pub fn done(&mut self) {
        if let Some(w) = self.next() {
            self.at = w.end;
        }
    }

    /// The current window size.
    pub fn size(&self) -> Duration {
        self.size
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    #[test]
    fn cuts_a_span_into_windows_ending_at_its_end() {
        let mut w = Windows::new(t(1, 0), t(3, 12), Duration::days(1));
        let mut seen = Vec::new();
        while let Some(window) = w.next() {
            seen.push((window.start, window.end));
            w.done();
        }
        assert_eq!(
            seen,
            vec![(t(1, 0), t(2, 0)), (t(2, 0), t(3, 0)), (t(3, 0), t(3, 12))]
        );
    }

    #[test]
    fn shrinking_halves_the_window_given_again_and_keeps_the_size() {
        let mut w = Windows::new(t(1, 0), t(5, 0), Duration::days(2));
        assert!(w.shrink());
        assert_eq!(
            w.next(),
            Some(Window {
                start: t(1, 0),
                end: t(2, 0)
            })
        );
        w.done();
        assert_eq!(
            w.next(),
            Some(Window {
                start: t(2, 0),
                end: t(3, 0)
            })
        );
    }

    #[test]
    fn shrinking_a_short_last_window_halves_what_is_left() {
        let mut w = Windows::new(t(1, 0), t(1, 4), Duration::days(2));
        assert!(w.shrink());
        assert_eq!(w.size(), Duration::hours(2));
    }

    #[test]
    fn the_smallest_window_cannot_shrink() {
        let mut w = Windows::new(t(1, 0), t(1, 1), SMALLEST_WINDOW);
        assert!(!w.shrink());
        let mut halvings = 0;
        let mut w = Windows::new(t(1, 0), t(2, 0), Duration::days(1));
        while w.shrink() {
            halvings += 1;
        }
        // 1440 minutes halve 10 times before they fall under 2 minutes
        assert_eq!(halvings, 11);
        assert_eq!(w.size(), SMALLEST_WINDOW);
    }

    #[test]
    fn an_empty_span_has_no_window() {
        assert_eq!(
            Windows::new(t(2, 0), t(1, 0), Duration::days(1)).next(),
            None
        );
    }
}
