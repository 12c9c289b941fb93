//! What every page's data depends on, read from the page's URL query: the
//! tenant (authorised against the signed-in user), the time range (a
//! preset such as `7d`, or `from`/`to` dates) and the page's own
//! parameters. Pages pass their whole query string to their server
//! function, so the URL alone reproduces the view.

use crate::auth::AuthorisedTenant;
use crate::model::{range_hours, DEFAULT_RANGE};
use chrono::{DateTime, NaiveDate, Utc};
use faasight_analyzer::TimeRange;
use faasight_store::Store;
use std::collections::HashMap;

/// A page request's resolved scope.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The database (the read-only user).
    pub store: Store,
    /// The tenant the user may read.
    pub tenant: AuthorisedTenant,
    /// The time range shown.
    pub range: TimeRange,
    /// The range of the same length just before, for comparisons.
    pub previous: TimeRange,
    /// How the range reads (`Last 7 days`, `2026-11-01 – 2026-11-30`).
    pub label: String,
    /// The query's parameters.
    pub params: HashMap<String, String>,
}

impl Scope {
    /// A page parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The JSON API's URL of `analysis` (`insights`, `rightsizing.csv`, …)
    /// over exactly this scope: the tenant, and the range as whole days
    /// ending at its end (every range the picker offers is whole days;
    /// the API refuses the page's own `range`, `from` and `to` dates), then
    /// `extra` parameters.
    pub fn api_href(&self, analysis: &str, extra: &[(&str, &str)]) -> String {
        let days = ((self.range.to - self.range.from).num_hours() / 24)
            .max(1)
            .to_string();
        let to = self
            .range
            .to
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut pairs = vec![("tenant", self.tenant()), ("days", &days), ("to", &to)];
        pairs.extend_from_slice(extra);
        format!(
            "/api/v1/{analysis}{}",
            crate::components::query_with("", &pairs)
        )
    }

    /// The tenant's name, for queries.
    pub fn tenant(&self) -> &str {
        self.tenant.as_str()
    }

    /// The range, extended back to at least `days` days when shorter:
    /// what a forecast learns from or right-sizing takes its volumes from,
    /// whatever range the page shows.
    pub fn at_least_days(&self, days: i64) -> TimeRange {
        let length = (self.range.to - self.range.from).num_days().max(days);
        TimeRange::new(
            self.range.to - chrono::Duration::days(length),
            self.range.to,
        )
        .unwrap_or(self.range)
    }
}

/// A forecast of the tenant's total for `horizon_days` (80 % interval).
pub fn total_forecast(
    horizon_days: u32,
) -> Result<faasight_analyzer::reports::forecast::ForecastRequest, faasight_analyzer::Error> {
    faasight_analyzer::reports::forecast::ForecastRequest::try_from(
        &faasight_analyzer::reports::ReportRequest {
            by: Some("total".into()),
            horizon_days: Some(horizon_days),
            ..Default::default()
        },
    )
}

/// Parses `query` (a URL query string, with or without `?`) for the
/// signed-in user at `now`.
pub async fn scope(query: &str, now: DateTime<Utc>) -> Result<Scope, String> {
    let params: HashMap<String, String> = serde_urlencoded::from_str(query.trim_start_matches('?'))
        .map_err(|e| format!("the page's address has a malformed query: {e}"))?;
    let (store, tenant) = crate::server::authorised(params.get("tenant").cloned()).await?;
    let (range, label) = time_range(&params, now)?;
    let length = range.to - range.from;
    let previous = TimeRange::new(range.from - length, range.from).map_err(|e| e.to_string())?;
    Ok(Scope {
        store,
        tenant,
        range,
        previous,
        label,
        params,
    })
}

/// The range a query asks for: `from`/`to` dates (UTC days, `to`
/// inclusive), else the `range` preset, else the default.
fn time_range(
    params: &HashMap<String, String>,
    now: DateTime<Utc>,
) -> Result<(TimeRange, String), String> {
    let day = |name: &str| -> Result<Option<NaiveDate>, String> {
        match params.get(name).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| format!("{name} {v:?} is not a date like 2026-11-30")),
        }
    };
    match (day("from")?, day("to")?) {
        (Some(from), Some(to)) => {
            if to < from {
                return Err(format!("the range ends ({to}) before it starts ({from})"));
            }
            if (to - from).num_days() > 400 {
                return Err("a custom range spans at most 400 days".into());
            }
            let start = from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
            let end = (to + chrono::Days::new(1))
                .and_hms_opt(0, 0, 0)
                .unwrap_or_default()
                .and_utc();
            let range = TimeRange::new(start, end).map_err(|e| e.to_string())?;
            Ok((range, format!("{from} – {to} (UTC)")))
        }
        (None, None) => {
            let preset = params
                .get("range")
                .map(String::as_str)
                .filter(|v| !v.is_empty())
                .unwrap_or(DEFAULT_RANGE);
            let hours = range_hours(preset).ok_or_else(|| {
                format!("unknown time range {preset:?}; use 24h, 7d, 30d, 90d or from/to dates")
            })?;
            let label = crate::model::RANGES
                .iter()
                .find(|(v, _, _)| *v == preset)
                .map(|(_, l, _)| l.to_string())
                .unwrap_or_default();
            Ok((TimeRange::last_hours(hours, now), label))
        }
        _ => Err("a custom range needs both from and to".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn presets_and_custom_days_resolve_to_ranges() {
        let now = DateTime::parse_from_rfc3339("2026-12-06T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let (r, label) = time_range(&params(&[]), now).unwrap();
        assert_eq!((r.to - r.from).num_hours(), 7 * 24);
        assert_eq!(label, "Last 7 days");
        let (r, _) = time_range(&params(&[("range", "24h")]), now).unwrap();
        assert_eq!((r.to - r.from).num_hours(), 24);
        let (r, label) = time_range(
            &params(&[("from", "2026-11-01"), ("to", "2026-11-30")]),
            now,
        )
        .unwrap();
        assert_eq!(r.from.to_rfc3339(), "2026-11-01T00:00:00+00:00");
        assert_eq!(r.to.to_rfc3339(), "2026-12-01T00:00:00+00:00");
        assert_eq!(label, "2026-11-01 – 2026-11-30 (UTC)");
        for bad in [
            params(&[("range", "1y")]),
            params(&[("from", "2026-11-01")]),
            params(&[("from", "2026-11-31"), ("to", "2026-12-01")]),
            params(&[("from", "2026-12-01"), ("to", "2026-11-01")]),
        ] {
            assert!(time_range(&bad, now).is_err(), "{bad:?}");
        }
    }
}
