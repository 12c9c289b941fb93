//! The one normalization step every receiver's records pass through.
//!
//! It checks the enumerated columns against the values the schema documents,
//! derives the second-precision `start_time` from the exact millisecond
//! start, and applies the provider's billing rules: billed duration when the
//! source did not report one, then the list price (`faasight-pricing`).

use chrono::{DateTime, TimeZone, Utc};
use faasight_store::InvocationRow;

/// Allowed `start_type` values.
pub const START_TYPES: &[&str] = &[
    "cold",
    "provisioned",
    "snapstart",
    "proactive",
    "suppressed",
    "warm",
    "unknown",
];
/// Allowed `status` values.
pub const STATUSES: &[&str] = &["success", "error", "timeout"];
/// Allowed `arch` values (empty when unknown).
pub const ARCHES: &[&str] = &["x86_64", "arm64", ""];

/// Why a record was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NormalizeError {
    /// A field holds a value outside its enumeration.
    #[error("{field} must be one of {allowed}, not {value:?}")]
    NotAllowed {
        /// Field name.
        field: &'static str,
        /// The value given.
        value: String,
        /// The allowed values, comma-separated.
        allowed: String,
    },
    /// A required field is empty.
    #[error("{0} is required")]
    Missing(&'static str),
    /// A number is negative or not finite.
    #[error("{field} must be a finite number ≥ 0, not {value}")]
    Negative {
        /// Field name.
        field: &'static str,
        /// The value given.
        value: f64,
    },
    /// The provider is not one faasight knows: pricing it at $0 would be
    /// silently wrong money.
    #[error("provider must be one of {accepted}, not {value:?}")]
    UnknownProvider {
        /// The value given.
        value: String,
        /// The accepted values.
        accepted: String,
    },
    /// A duration longer than the provider lets an invocation run.
    #[error("{field} is {value} ms, longer than {provider} lets an invocation run ({limit} ms)")]
    TooLong {
        /// Field name.
        field: &'static str,
        /// The value given.
        value: f64,
        /// The provider.
        provider: &'static str,
        /// The longest accepted.
        limit: f64,
    },
    /// A billed amount or a memory size past what any provider offers.
    #[error("{field} is {value}, more than {limit} ({why})")]
    OutOfRange {
        /// Field name.
        field: &'static str,
        /// The value given.
        value: u64,
        /// The largest accepted.
        limit: u64,
        /// Where the limit comes from.
        why: &'static str,
    },
    /// A start time ClickHouse's `DateTime` cannot hold.
    #[error("start_time_ms {0} is outside 1970-01-01T00:00:01Z..2106-02-07T06:28:15Z")]
    StartOutOfRange(u64),
}

/// The largest memory size accepted, in MB. The largest functions offered
/// are far smaller (Lambda 10,240 MB, Cloud Run functions 32 GiB); the
/// bound is for self-hosted platforms and keeps prices inside `i64`.
pub const MAX_MEMORY_MB: u64 = 1_048_576;

/// Earliest and latest start (epoch ms) a `DateTime` column holds: it is a
/// `UInt32` of seconds, and second 0 is what a missing time turns into.
pub const START_TIME_MS_RANGE: std::ops::RangeInclusive<u64> =
    1_000..=(u32::MAX as u64) * 1_000 + 999;

fn check_enum(
    field: &'static str,
    value: &mut String,
    allowed: &[&str],
    default: &str,
) -> Result<(), NormalizeError> {
    if value.is_empty() {
        *value = default.to_string();
    }
    if allowed.contains(&value.as_str()) {
        Ok(())
    } else {
        Err(NormalizeError::NotAllowed {
            field,
            value: value.clone(),
            allowed: allowed
                .iter()
                .filter(|a| !a.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
        })
    }
}

/// Whether `t` lies in [`START_TIME_MS_RANGE`]: what ClickHouse's
/// `DateTime` holds (whole seconds from 1970 to 2106-02-07, a `UInt32`),
/// less second 0, which is what a missing time turns into. Rows with other times would fail the INSERT of
/// the whole batch they are in, other tenants' rows included.
pub fn storable_time(t: DateTime<Utc>) -> bool {
    u64::try_from(t.timestamp_millis()).is_ok_and(|ms| START_TIME_MS_RANGE.contains(&ms))
}

/// Validates `row` in place and fills its derived fields. `now` stamps
/// `ingested_at`.
pub fn normalize(row: &mut InvocationRow, now: DateTime<Utc>) -> Result<(), NormalizeError> {
    if row.function.is_empty() {
        return Err(NormalizeError::Missing("function"));
    }
    if row.tenant.is_empty() {
        row.tenant = "default".to_string();
    }
    let provider = faasight_pricing::Provider::parse_lenient(&row.provider).ok_or_else(|| {
        NormalizeError::UnknownProvider {
            value: row.provider.clone(),
            accepted: faasight_pricing::Provider::accepted_values(),
        }
    })?;
    if row.provider != provider.as_str() {
        row.provider = provider.as_str().to_string();
    }
    check_enum("start_type", &mut row.start_type, START_TYPES, "unknown")?;
    check_enum("status", &mut row.status, STATUSES, "success")?;
    check_enum("arch", &mut row.arch, ARCHES, "")?;
    for (field, value) in [
        ("duration_ms", row.duration_ms),
        ("init_duration_ms", row.init_duration_ms),
        ("restore_duration_ms", row.restore_duration_ms),
        ("cpu_time_ms", row.cpu_time_ms),
    ] {
        if !value.is_finite() || value < 0.0 {
            return Err(NormalizeError::Negative { field, value });
        }
        let limit = provider.max_duration_ms();
        if value > limit {
            return Err(NormalizeError::TooLong {
                field,
                value,
                provider: provider.as_str(),
                limit,
            });
        }
    }
    // Billed time is the invocation's, plus an INIT or restore phase that
    // runs under the same limit: at most twice the longest invocation.
    // Past that a value is a mistake or hostile, and priced it would be
    // absurd money (a billed duration of 6e13 ms wrapped to -$8.4 M).
    let billed_limit = (2.0 * provider.max_duration_ms()).ceil() as u64;
    for (field, value, limit, why) in [
        (
            "billed_duration_ms",
            row.billed_duration_ms,
            billed_limit,
            "twice the longest invocation the provider runs",
        ),
        (
            "billed_restore_duration_ms",
            row.billed_restore_duration_ms,
            billed_limit,
            "twice the longest invocation the provider runs",
        ),
        (
            "memory_mb",
            u64::from(row.memory_mb),
            MAX_MEMORY_MB,
            "1 TiB, far past any FaaS platform's largest size",
        ),
        (
            "max_memory_used_mb",
            u64::from(row.max_memory_used_mb),
            MAX_MEMORY_MB,
            "1 TiB, far past any FaaS platform's largest size",
        ),
    ] {
        if value > limit {
            return Err(NormalizeError::OutOfRange {
                field,
                value,
                limit,
                why,
            });
        }
    }
    if !START_TIME_MS_RANGE.contains(&row.start_time_ms) {
        return Err(NormalizeError::StartOutOfRange(row.start_time_ms));
    }
    row.start_time = Utc
        .timestamp_opt((row.start_time_ms / 1000) as i64, 0)
        .single()
        .ok_or(NormalizeError::StartOutOfRange(row.start_time_ms))?;
    row.ingested_at = now;
    faasight_pricing::apply_billing(row);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> InvocationRow {
        InvocationRow {
            function: "f".into(),
            provider: "aws_lambda".into(),
            memory_mb: 1024,
            duration_ms: 999.2,
            start_time_ms: 1_767_225_600_123,
            ..Default::default()
        }
    }

    #[test]
    fn fills_defaults_billing_and_start_second() {
        let mut r = base();
        normalize(&mut r, Utc::now()).unwrap();
        assert_eq!(
            (r.tenant.as_str(), r.status.as_str(), r.start_type.as_str()),
            ("default", "success", "unknown")
        );
        assert_eq!(r.start_time.timestamp(), 1_767_225_600);
        assert_eq!(r.billed_duration_ms, 1000);
        assert_eq!(r.cost_usd.0, 16_866_700);
    }

    #[test]
    fn keeps_a_reported_billed_duration() {
        let mut r = base();
        r.billed_duration_ms = 1100;
        normalize(&mut r, Utc::now()).unwrap();
        assert_eq!(r.billed_duration_ms, 1100);
    }

    #[test]
    fn refuses_bad_values_with_the_field_name() {
        let mut r = base();
        r.status = "ok".into();
        let e = normalize(&mut r, Utc::now()).unwrap_err().to_string();
        assert!(
            e.contains("status") && e.contains("success, error, timeout"),
            "{e}"
        );
        let mut r = base();
        r.duration_ms = -1.0;
        assert!(matches!(
            normalize(&mut r, Utc::now()),
            Err(NormalizeError::Negative {
                field: "duration_ms",
                ..
            })
        ));
        let mut r = base();
        r.function.clear();
        assert_eq!(
            normalize(&mut r, Utc::now()),
            Err(NormalizeError::Missing("function"))
        );
    }

    #[test]
    fn unknown_providers_are_refused_and_opentelemetry_names_accepted() {
        for bad in ["", "lambda", "aws_ecs", "knative2"] {
            let mut r = base();
            r.provider = bad.into();
            let e = normalize(&mut r, Utc::now()).unwrap_err().to_string();
            assert!(
                e.contains("provider must be one of") && e.contains("aws_lambda, azure_functions"),
                "{bad:?}: {e}"
            );
        }
        // OpenTelemetry's cloud.provider / cloud.platform values.
        for (given, stored) in [
            ("aws", "aws_lambda"),
            ("AWS", "aws_lambda"),
            ("gcp_cloud_functions", "gcp_cloud_run_functions"),
            ("gcp", "gcp_cloud_run_functions"),
            ("azure", "azure_functions"),
            ("cloudflare", "cloudflare_workers"),
        ] {
            let mut r = base();
            r.provider = given.into();
            normalize(&mut r, Utc::now()).unwrap();
            assert_eq!(r.provider, stored, "{given}");
        }
        // "aws" is priced as Lambda: 1 s billed at 1 GB, x86_64 us-east-1
        // ($0.0000166667 per GB-s) + $0.20 per million requests.
        let mut r = base();
        r.provider = "aws".into();
        normalize(&mut r, Utc::now()).unwrap();
        assert_eq!(r.cost_usd.0, 16_666_700 + 200_000);
    }

    #[test]
    fn billed_amounts_and_memory_past_any_provider_are_refused_not_priced() {
        // A REPORT with Billed Duration: 60000000000000 ms at 10,240 MB
        // priced to -$8,446,724.07 (the i64 wrapped).
        let mut r = base();
        r.memory_mb = 10_240;
        r.billed_duration_ms = 60_000_000_000_000;
        let e = normalize(&mut r, Utc::now()).unwrap_err().to_string();
        assert!(
            e.contains("billed_duration_ms") && e.contains("1920000"),
            "{e}"
        );
        // Lambda: 2 × (900 s + 60 s).
        let mut r = base();
        r.billed_duration_ms = 1_920_000;
        normalize(&mut r, Utc::now()).unwrap();
        assert!(r.cost_usd.0 > 0);
        let mut r = base();
        r.start_type = "snapstart".into();
        r.billed_restore_duration_ms = u64::MAX;
        assert!(matches!(
            normalize(&mut r, Utc::now()),
            Err(NormalizeError::OutOfRange {
                field: "billed_restore_duration_ms",
                ..
            })
        ));
        let mut r = base();
        r.provider = "gcp_cloud_run_functions".into();
        r.memory_mb = u32::MAX;
        assert!(matches!(
            normalize(&mut r, Utc::now()),
            Err(NormalizeError::OutOfRange {
                field: "memory_mb",
                ..
            })
        ));
    }

    #[test]
    fn durations_past_the_providers_limit_and_impossible_times_are_refused() {
        // Lambda: 900 s timeout + 60 s for the report's overshoot.
        let mut r = base();
        r.duration_ms = 960_000.0;
        normalize(&mut r, Utc::now()).unwrap();
        let mut r = base();
        r.duration_ms = 960_000.5;
        let e = normalize(&mut r, Utc::now()).unwrap_err().to_string();
        assert!(e.contains("duration_ms") && e.contains("aws_lambda"), "{e}");
        let mut r = base();
        r.init_duration_ms = 9.0e15;
        assert!(matches!(
            normalize(&mut r, Utc::now()),
            Err(NormalizeError::TooLong {
                field: "init_duration_ms",
                ..
            })
        ));
        // Knative publishes no limit: one day.
        let mut r = base();
        r.provider = "knative".into();
        r.duration_ms = 86_400_001.0;
        assert!(normalize(&mut r, Utc::now()).is_err());

        for bad in [0, 999, 4_294_967_296_000, u64::MAX] {
            let mut r = base();
            r.start_time_ms = bad;
            assert_eq!(
                normalize(&mut r, Utc::now()),
                Err(NormalizeError::StartOutOfRange(bad))
            );
        }
        let mut r = base();
        r.start_time_ms = 4_294_967_295_999;
        normalize(&mut r, Utc::now()).unwrap();
        assert_eq!(r.start_time.timestamp(), 4_294_967_295);
    }
}
