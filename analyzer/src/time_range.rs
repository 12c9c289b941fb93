//! Time ranges of analyses, aligned to the rollup's hours.

use crate::{Error, Result};
use chrono::{DateTime, Duration, DurationRound, Utc};

/// A half-open range `[from, to)` on whole hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    /// Inclusive start.
    pub from: DateTime<Utc>,
    /// Exclusive end.
    pub to: DateTime<Utc>,
}

impl TimeRange {
    /// The `hours` hours up to and including the hour that holds `now`.
    pub fn last_hours(hours: u32, now: DateTime<Utc>) -> TimeRange {
        let to = now.duration_trunc(Duration::hours(1)).unwrap_or(now) + Duration::hours(1);
        TimeRange {
            from: to - Duration::hours(hours as i64),
            to,
        }
    }

    /// A range from explicit bounds, widened outward to whole hours.
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<TimeRange> {
        if to <= from {
            return Err(Error::Invalid(format!(
                "the range must end after it starts ({from} .. {to})"
            )));
        }
        let hour = Duration::hours(1);
        let from_h = from.duration_trunc(hour).unwrap_or(from);
        let to_h = to.duration_trunc(hour).unwrap_or(to);
        let to_h = if to_h < to { to_h + hour } else { to_h };
        Ok(TimeRange {
            from: from_h,
            to: to_h,
        })
    }

    /// Length in hours.
    pub fn hours(&self) -> i64 {
        (self.to - self.from).num_hours()
    }

    /// A chart bucket size that keeps a range to at most ~200 points:
    /// hours up to a week, then days.
    pub fn bucket_seconds(&self) -> u32 {
        if self.hours() <= 24 * 8 {
            3600
        } else {
            86_400
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_to_hours() {
        let now: DateTime<Utc> = "2026-03-02T10:30:00Z".parse().unwrap();
        let r = TimeRange::last_hours(24, now);
        assert_eq!(
            r.to,
            "2026-03-02T11:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(r.hours(), 24);
        let r = TimeRange::new("2026-03-01T10:10:00Z".parse().unwrap(), now).unwrap();
        assert_eq!(
            (r.from.to_rfc3339(), r.hours()),
            ("2026-03-01T10:00:00+00:00".to_string(), 25)
        );
        assert!(TimeRange::new(now, now).is_err());
        assert_eq!(TimeRange::last_hours(24 * 30, now).bucket_seconds(), 86_400);
    }
}
