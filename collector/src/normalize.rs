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
}

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

/// Validates `row` in place and fills its derived fields. `now` stamps
/// `ingested_at`.
pub fn normalize(row: &mut InvocationRow, now: DateTime<Utc>) -> Result<(), NormalizeError> {
    if row.function.is_empty() {
        return Err(NormalizeError::Missing("function"));
    }
    if row.tenant.is_empty() {
        row.tenant = "default".to_string();
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
    }
    let ms = row.start_time_ms as i64;
    row.start_time = Utc
        .timestamp_opt(ms.div_euclid(1000), 0)
        .single()
        .unwrap_or_default();
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
}
