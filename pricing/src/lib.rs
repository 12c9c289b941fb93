//! Billing rules and list prices of FaaS providers.
//!
//! Each provider has a module that knows how it rounds durations and memory
//! and what it charges per request and per unit of compute, with the dates
//! those rules took effect and a link to the page each number came from.
//! Everything here is the *list* price of a single invocation; monthly tiers
//! and free allowances apply to a month's totals and belong to the
//! analyzer's monthly bill.
//!
//! Money is computed in integer pico-dollars (10⁻¹² USD) from rational
//! prices, and rounded once per invocation (half up), so the same invocation
//! always costs the same amount and sums are exact.
//!
//! Every price is a dated, sourced [`catalog::PriceEntry`]; figures that
//! could not be confirmed are marked uncertain there.
#![deny(missing_docs)]

pub mod alibaba_function_compute;
pub mod aws_lambda;
pub mod azure_functions;
pub mod catalog;
pub mod cloudflare_workers;
pub mod gcp_cloud_run_functions;
pub mod monthly;
pub mod self_hosted;

use faasight_store::{InvocationRow, PicoUsd};

/// Declares the providers once: each line names the variant, its value in
/// the `provider` column, the module with its billing rules
/// (`billed_duration_ms` and `list_cost`), and its longest invocation in
/// seconds as the provider publishes it (`None` where it publishes none).
/// [`Provider`], [`Provider::ALL`], the names and the dispatch of
/// [`billed_duration_ms`], [`list_cost`] and [`Provider::max_duration_ms`]
/// come from this list, so a new provider is its module plus one line here;
/// the analyzer's exhaustive matches on `Provider` then say what else it
/// needs (memory sizes for right-sizing, free grants for the bill).
macro_rules! providers {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident => $name:literal, $($rules:ident)::+, $max_s:expr;
    )*) => {
        /// The providers faasight knows, by the `provider` column's value.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Provider {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Provider {
            /// All providers, in display order.
            pub const ALL: &'static [Provider] = &[$(Provider::$variant),*];

            /// The value stored in the `provider` column.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Provider::$variant => $name,)*
                }
            }

            /// The provider's published maximum timeout, in seconds.
            fn published_max_s(self) -> Option<f64> {
                match self {
                    $(Provider::$variant => $max_s,)*
                }
            }

            fn billed_duration_ms(self, row: &InvocationRow) -> u64 {
                match self {
                    $(Provider::$variant => $($rules)::+::billed_duration_ms(row),)*
                }
            }

            fn list_cost(self, row: &InvocationRow) -> PicoUsd {
                match self {
                    $(Provider::$variant => $($rules)::+::list_cost(row),)*
                }
            }
        }
    };
}

// Maximum timeouts (sources): AWS Lambda 900 s,
// <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>;
// Azure Functions Consumption 10 min, Flex Consumption unbounded,
// <https://learn.microsoft.com/en-us/azure/azure-functions/functions-scale#timeout>;
// Cloud Run functions 60 min (HTTP; 9 min event-driven), 1st gen 540 s,
// <https://cloud.google.com/functions/docs/configuring/timeout>;
// Cloudflare Workers: no wall-clock limit while the client stays connected,
// <https://developers.cloudflare.com/workers/platform/limits/#duration>;
// Alibaba Function Compute 86,400 s,
// <https://www.alibabacloud.com/help/en/function-compute/latest/instance-types-and-instance-modes>;
// Knative and OpenFaaS: set by the operator.
providers! {
    /// `aws_lambda`
    AwsLambda => "aws_lambda", aws_lambda, Some(900.0);
    /// `azure_functions`: the Consumption plan.
    AzureFunctions => "azure_functions", azure_functions, Some(600.0);
    /// `azure_functions_flex`: the Flex Consumption plan (on demand). A
    /// provider value of its own because the invocations table has no plan
    /// column and the plan has its own prices and free grant.
    AzureFunctionsFlex => "azure_functions_flex", azure_functions, None;
    /// `gcp_cloud_run_functions`
    GcpCloudRunFunctions => "gcp_cloud_run_functions", gcp_cloud_run_functions, Some(3_600.0);
    /// `gcp_cloud_functions_gen1`: Cloud Functions (1st gen), billed per
    /// GB-second and GHz-second. Not `gcp_cloud_functions`, which
    /// OpenTelemetry uses for every generation (the collector maps it to
    /// `gcp_cloud_run_functions`).
    GcpCloudFunctionsGen1 => "gcp_cloud_functions_gen1", gcp_cloud_run_functions::gen1, Some(540.0);
    /// `cloudflare_workers`
    CloudflareWorkers => "cloudflare_workers", cloudflare_workers, None;
    /// `alibaba_function_compute`: Function Compute 3.0, pay-as-you-go.
    AlibabaFunctionCompute => "alibaba_function_compute", alibaba_function_compute, Some(86_400.0);
    /// `knative`: self-hosted, no per-invocation price.
    Knative => "knative", self_hosted, None;
    /// `openfaas`: self-hosted, no per-invocation price.
    OpenFaas => "openfaas", self_hosted, None;
}

impl Provider {
    /// Parses a `provider` column value.
    pub fn parse(s: &str) -> Option<Provider> {
        Provider::ALL.iter().copied().find(|p| p.as_str() == s)
    }

    /// Parses what a record may name its provider with: a `provider` column
    /// value, or the OpenTelemetry resource attribute values users already
    /// send — `cloud.platform` (`aws_lambda`, `azure_functions`,
    /// `gcp_cloud_functions`, `gcp_cloud_run`) or, alone, `cloud.provider`
    /// (`aws`, `azure`, `gcp`, `cloudflare`, `alibaba_cloud`), each of which has one FaaS
    /// offering faasight prices. Values from
    /// <https://opentelemetry.io/docs/specs/semconv/registry/attributes/cloud/>.
    /// Case and surrounding spaces do not matter; anything else is `None`.
    pub fn parse_lenient(s: &str) -> Option<Provider> {
        let s = s.trim().to_ascii_lowercase();
        Provider::parse(&s)
            .or_else(|| Provider::from_opentelemetry(&s, ""))
            .or_else(|| Provider::from_opentelemetry("", &s))
    }

    /// The provider an OpenTelemetry resource names with `cloud.provider`
    /// and `cloud.platform` (either may be empty); `None` when they name
    /// none faasight prices.
    pub fn from_opentelemetry(cloud_provider: &str, cloud_platform: &str) -> Option<Provider> {
        let cp = cloud_provider.trim().to_ascii_lowercase();
        let pl = cloud_platform.trim().to_ascii_lowercase();
        match (cp.as_str(), pl.as_str()) {
            (_, "aws_lambda") | ("aws", "") => Some(Provider::AwsLambda),
            (_, "azure_functions" | "azure.functions") | ("azure", "") => {
                Some(Provider::AzureFunctions)
            }
            // OpenTelemetry names every generation `gcp_cloud_functions`;
            // the current one is Cloud Run functions.
            (_, "gcp_cloud_functions" | "gcp_cloud_run") | ("gcp", "") => {
                Some(Provider::GcpCloudRunFunctions)
            }
            ("cloudflare", _) | (_, "cloudflare_workers") => Some(Provider::CloudflareWorkers),
            (_, "alibaba_cloud_fc") | ("alibaba_cloud", "") => {
                Some(Provider::AlibabaFunctionCompute)
            }
            _ => None,
        }
    }

    /// The accepted `provider` values, comma-separated, for error messages.
    pub fn accepted_values() -> String {
        let names: Vec<&str> = Provider::ALL.iter().map(|p| p.as_str()).collect();
        format!(
            "{} (or OpenTelemetry's cloud.provider aws, azure, gcp, cloudflare, alibaba_cloud or cloud.platform aws_lambda, azure_functions, gcp_cloud_functions, gcp_cloud_run, alibaba_cloud_fc)",
            names.join(", ")
        )
    }

    /// The longest an invocation of this provider can run, in ms: the
    /// provider's published maximum timeout (sources beside the
    /// `providers!` list), plus [`DURATION_OVERSHOOT_MS`] because a
    /// timed-out invocation's report runs a little past its timeout. Where a
    /// provider publishes no maximum, [`MAX_DURATION_MS`].
    pub fn max_duration_ms(self) -> f64 {
        self.published_max_s()
            .map_or(MAX_DURATION_MS, |s| s * 1_000.0 + DURATION_OVERSHOOT_MS)
    }
}

/// How far past a provider's maximum timeout a reported duration may go:
/// a timed-out Lambda invocation reports e.g. `Duration: 3003.43 ms` for a
/// 3 s timeout, i.e. the platform's own time to stop it is counted too.
pub const DURATION_OVERSHOOT_MS: f64 = 60_000.0;

/// The ceiling for durations where the provider publishes none: one day.
/// A longer "invocation" is a unit mistake (µs or ns sent as ms) or a
/// hostile value, and would push start times computed from it out of range.
pub const MAX_DURATION_MS: f64 = 86_400_000.0;

/// Billed duration of an invocation under its provider's rounding rule, in
/// ms. Used when the source did not report one. An unknown provider (which
/// the collector refuses before pricing) bills its duration rounded up.
pub fn billed_duration_ms(row: &InvocationRow) -> u64 {
    Provider::parse(&row.provider)
        .map_or_else(|| ceil_ms(row.duration_ms), |p| p.billed_duration_ms(row))
}

/// List price of one invocation at its start time and in its region, from
/// its billed duration and configuration. Self-hosted platforms cost
/// nothing per invocation; an unknown provider (which the collector
/// refuses before pricing) is not priced either.
pub fn list_cost(row: &InvocationRow) -> PicoUsd {
    Provider::parse(&row.provider).map_or(PicoUsd(0), |p| p.list_cost(row))
}

/// Fills `billed_duration_ms` when the source left it at 0, then sets
/// `cost_usd` to the list price. The one place every ingest path and the
/// demo generator price an invocation.
pub fn apply_billing(row: &mut InvocationRow) {
    if row.billed_duration_ms == 0 {
        row.billed_duration_ms = billed_duration_ms(row);
    }
    row.cost_usd = list_cost(row);
}

/// Rounds a duration up to whole milliseconds (negative and NaN give 0).
pub fn ceil_ms(ms: f64) -> u64 {
    if ms.is_finite() && ms > 0.0 {
        // Durations are reported with at most microsecond precision; the
        // epsilon keeps 12.000000001 (a float artefact) from billing 13 ms.
        (ms - 1e-6).ceil().max(0.0) as u64
    } else {
        0
    }
}

/// Rounds `ms` up to a multiple of `step` ms, with at least one step.
pub fn ceil_to_step(ms: u64, step: u64) -> u64 {
    ms.div_ceil(step).max(1) * step
}

/// `numerator / denominator` rounded half up, as pico-dollars. The
/// collector bounds durations and memory before pricing (see
/// `faasight_collector::normalize`), which keeps every price far inside
/// `i64`; should a caller pass more, the amount saturates instead of
/// wrapping into a negative bill.
pub(crate) fn round_pico(numerator: i128, denominator: i128) -> PicoUsd {
    let doubled = numerator.saturating_mul(2).saturating_add(denominator);
    let pico = doubled / denominator.saturating_mul(2);
    PicoUsd(i64::try_from(pico).unwrap_or(if pico < 0 { i64::MIN } else { i64::MAX }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_helpers() {
        assert_eq!(ceil_ms(12.0), 12);
        assert_eq!(ceil_ms(12.01), 13);
        assert_eq!(ceil_ms(0.0), 0);
        assert_eq!(ceil_ms(f64::NAN), 0);
        assert_eq!(ceil_to_step(1, 100), 100);
        assert_eq!(ceil_to_step(100, 100), 100);
        assert_eq!(ceil_to_step(101, 100), 200);
        assert_eq!(ceil_to_step(0, 100), 100);
        assert_eq!(round_pico(5, 2), PicoUsd(3));
        // Past i64 it saturates: never a negative bill from wrapping.
        assert_eq!(round_pico(i128::MAX / 3, 1), PicoUsd(i64::MAX));
        assert_eq!(
            round_pico(10_000_200 * 1_000_000_000_000_000, 1),
            PicoUsd(i64::MAX)
        );
        assert_eq!(round_pico(4, 3), PicoUsd(1));
    }

    #[test]
    fn providers_round_trip_their_names() {
        for &p in Provider::ALL {
            assert_eq!(Provider::parse(p.as_str()), Some(p));
        }
        assert_eq!(Provider::parse("aws"), None);
        assert_eq!(
            Provider::parse("azure_functions_flex"),
            Some(Provider::AzureFunctionsFlex)
        );
        assert_eq!(Provider::parse("gcp_cloud_functions"), None);
    }

    #[test]
    fn apply_billing_dispatches_on_the_new_provider_values() {
        let mut flex = InvocationRow {
            provider: "azure_functions_flex".into(),
            memory_mb: 2048,
            duration_ms: 42.0,
            ..Default::default()
        };
        apply_billing(&mut flex);
        // 1 s minimum × 2 GB × $0.000026 + $0.0000004.
        assert_eq!(
            (flex.billed_duration_ms, flex.cost_usd),
            (1000, PicoUsd(52_400_000))
        );
        let mut gen1 = InvocationRow {
            provider: "gcp_cloud_functions_gen1".into(),
            region: "us-central1".into(),
            memory_mb: 128,
            duration_ms: 42.0,
            ..Default::default()
        };
        apply_billing(&mut gen1);
        // 100 ms at 128 MB / 200 MHz: 31,250 + 200,000 + 400,000 invocation.
        assert_eq!(
            (gen1.billed_duration_ms, gen1.cost_usd),
            (100, PicoUsd(631_250))
        );
    }
}
