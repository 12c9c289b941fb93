//! A row of the `invocations` table (migrations/0001_invocations.sql).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An amount of US dollars in units of 10⁻¹² USD (pico-dollars).
///
/// Stored in ClickHouse as `Decimal(18, 12)`, whose RowBinary form is exactly
/// this `i64`. A single Lambda request costs $0.0000002 and a short invocation
/// a few hundred-billionths of a dollar more, so per-invocation list prices
/// need far more than cents, and summing them as floats over millions of rows
/// drifts; integers do not.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct PicoUsd(pub i64);

impl PicoUsd {
    /// Pico-dollars in one dollar.
    pub const PER_USD: i64 = 1_000_000_000_000;

    /// The amount in dollars, as a float (for display and statistics only).
    pub fn as_usd_f64(self) -> f64 {
        self.0 as f64 / Self::PER_USD as f64
    }

    /// The amount as a decimal string with 12 fractional digits, exact.
    pub fn to_decimal_string(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let per = Self::PER_USD as u64;
        format!("{sign}{}.{:012}", abs / per, abs % per)
    }

    /// Parses a decimal dollar amount such as `0.000000212` or `2.12e-7`
    /// exactly (the exponent form is what most languages print for small
    /// floats: Python writes 2.12e-07). Amounts finer than a pico-dollar
    /// (more than 12 fractional digits once the exponent is applied) are
    /// refused rather than rounded.
    pub fn parse_decimal(s: &str) -> Option<PicoUsd> {
        let s = s.trim();
        let (mantissa, exponent) = match s.find(['e', 'E']) {
            Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
            None => (s, 0),
        };
        let (neg, digits) = match mantissa.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, mantissa),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if int.is_empty() && frac.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        // value = int.frac × 10^exponent = (int frac as one integer) ×
        // 10^(exponent − frac digits); in pico-dollars, 12 more.
        let scale = 12 + i64::from(exponent) - frac.len() as i64;
        let scale = u32::try_from(scale).ok()?;
        let mut whole: i64 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            whole = whole.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
        }
        let v = whole.checked_mul(10i64.checked_pow(scale)?)?;
        Some(PicoUsd(if neg { -v } else { v }))
    }
}

impl std::ops::Add for PicoUsd {
    type Output = PicoUsd;
    fn add(self, rhs: PicoUsd) -> PicoUsd {
        PicoUsd(self.0 + rhs.0)
    }
}

impl std::iter::Sum for PicoUsd {
    fn sum<I: Iterator<Item = PicoUsd>>(iter: I) -> PicoUsd {
        PicoUsd(iter.map(|p| p.0).sum())
    }
}

/// One function invocation, normalized from whatever source reported it.
///
/// Field semantics (units are in the names):
/// - `provider`: `aws_lambda`, `azure_functions`, `gcp_cloud_run_functions`,
///   `cloudflare_workers`, `knative`, `openfaas`.
/// - `start_type`: `cold`, `provisioned`, `snapstart`, `proactive`,
///   `suppressed`, `warm` or `unknown`.
/// - `status`: `success`, `error` or `timeout`; `error_type` details it
///   (e.g. `Runtime.OutOfMemory`).
/// - `cost_usd`: the invocation's list price at its start time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, clickhouse::Row)]
#[allow(missing_docs)]
pub struct InvocationRow {
    pub tenant: String,
    pub provider: String,
    pub account: String,
    pub region: String,
    pub function: String,
    pub version: String,
    pub runtime: String,
    pub arch: String,
    pub memory_mb: u32,
    pub timeout_ms: u32,
    pub request_id: String,
    pub instance_id: String,
    pub trace_id: String,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub start_time: DateTime<Utc>,
    pub start_time_ms: u64,
    pub duration_ms: f64,
    pub billed_duration_ms: u64,
    pub init_duration_ms: f64,
    pub restore_duration_ms: f64,
    pub billed_restore_duration_ms: u64,
    pub cpu_time_ms: f64,
    pub start_type: String,
    pub max_memory_used_mb: u32,
    pub status: String,
    pub error_type: String,
    pub trigger: String,
    pub cost_usd: PicoUsd,
    pub source: String,
    /// Id of the collector write batch that stored the row (empty for bulk loads).
    #[serde(default)]
    pub batch_id: String,
    #[serde(default)]
    pub batch_row: u32,
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub ingested_at: DateTime<Utc>,
}

impl InvocationRow {
    /// Whether this invocation paid a user-facing cold start (an on-demand
    /// init or a SnapStart restore). The rollup uses the same rule.
    pub fn is_cold_start(&self) -> bool {
        matches!(self.start_type.as_str(), "cold" | "snapstart")
    }

    /// Whether the invocation failed (error or timeout).
    pub fn is_error(&self) -> bool {
        self.status != "success"
    }
}

impl InvocationRow {
    /// Roughly the memory the row holds: its own size plus its strings.
    /// Bounds what the collector's queue holds in bytes, not only rows.
    pub fn approx_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.tenant.len()
            + self.provider.len()
            + self.account.len()
            + self.region.len()
            + self.function.len()
            + self.version.len()
            + self.runtime.len()
            + self.arch.len()
            + self.request_id.len()
            + self.instance_id.len()
            + self.trace_id.len()
            + self.start_type.len()
            + self.status.len()
            + self.error_type.len()
            + self.trigger.len()
            + self.source.len()
            + self.batch_id.len()
    }
}

#[cfg(test)]
mod tests {
    use super::PicoUsd;

    #[test]
    fn decimal_round_trip_is_exact() {
        for s in [
            "0.000000212000",
            "12.345678901234",
            "-0.000000000001",
            "0.000000000000",
        ] {
            assert_eq!(PicoUsd::parse_decimal(s).unwrap().to_decimal_string(), s);
        }
        assert_eq!(
            PicoUsd::parse_decimal("1.5"),
            Some(PicoUsd(1_500_000_000_000))
        );
        assert_eq!(
            PicoUsd::parse_decimal(".25"),
            Some(PicoUsd(250_000_000_000))
        );
        assert_eq!(PicoUsd::parse_decimal("0.0000000000001"), None);
        assert_eq!(PicoUsd::parse_decimal("2.12e-07"), Some(PicoUsd(212_000)));
        assert_eq!(
            PicoUsd::parse_decimal("-3E2"),
            Some(PicoUsd(-300 * PicoUsd::PER_USD))
        );
        assert_eq!(PicoUsd::parse_decimal("1.5e-12"), None);
        assert_eq!(PicoUsd::parse_decimal("1e"), None);
        assert_eq!(PicoUsd::parse_decimal("e5"), None);
        assert_eq!(PicoUsd::parse_decimal("1e30"), None);
        assert_eq!(PicoUsd::parse_decimal("abc"), None);
        assert_eq!(PicoUsd::parse_decimal(""), None);
    }
}
