//! Each provider's monthly rules: what it meters on a bill line, at which
//! regional prices and tiers, and what it gives away per billing scope.
//! Sources beside each rule; the unit prices themselves live (with theirs)
//! in the provider modules.

use super::{BillingScope, GrantValue, Meter, MonthlyGrant, LINE_DENOMINATOR};
use crate::{
    alibaba_function_compute, aws_lambda, azure_functions, cloudflare_workers,
    gcp_cloud_run_functions, Provider,
};
use chrono::{DateTime, Utc};

/// One tier of a meter's price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tier {
    /// How many priced units the tier holds; `None` for the last tier.
    pub size_units: Option<u128>,
    /// Price per unit, pico-dollars.
    pub pico_per_unit: i128,
}

/// What a meter's tiers count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TierScope {
    /// The line's own usage (AWS: per account, region and architecture).
    Line,
    /// The billing scope's month across its lines (Alibaba's CU tiers per
    /// account).
    BillingScope,
}

/// What one meter of a line costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeterPrice {
    /// The meter.
    pub meter: Meter,
    /// What the tiers count.
    pub tier_scope: TierScope,
    /// Its priced unit, for explanations ("GB-second").
    pub unit: &'static str,
    /// Tiers in order; one unbounded tier for a flat price.
    pub tiers: Vec<Tier>,
}

impl MeterPrice {
    fn flat(meter: Meter, unit: &'static str, pico_per_unit: i128) -> MeterPrice {
        MeterPrice {
            meter,
            tier_scope: TierScope::Line,
            unit,
            tiers: vec![Tier {
                size_units: None,
                pico_per_unit,
            }],
        }
    }

    /// The charge for `raw` units of the meter through the tiers, the
    /// first `offset` units of the tiers being used already, in
    /// pico-dollars × [`LINE_DENOMINATOR`] (not yet rounded).
    pub(super) fn tiered_numerator(&self, offset: u128, raw: u128) -> i128 {
        let per = self.meter.raw_per_unit();
        let scale = (LINE_DENOMINATOR / per) as i128;
        let mut start = offset;
        let mut left = raw;
        let mut tier_start = 0u128;
        let mut total: i128 = 0;
        for (i, tier) in self.tiers.iter().enumerate() {
            let tier_end = match tier.size_units {
                Some(units) if i + 1 < self.tiers.len() => tier_start + units * per,
                _ => u128::MAX,
            };
            if start < tier_end {
                let take = (tier_end - start).min(left);
                total += take as i128 * tier.pico_per_unit * scale;
                left -= take;
                start += take;
            }
            if left == 0 {
                break;
            }
            tier_start = tier_end;
        }
        total
    }
}

/// Rounds pico-dollars half up to $0.0000000001 (100 pico), the precision
/// of every AWS Lambda price.
fn round_to_100_pico(pico: i128) -> i128 {
    (pico + 50) / 100 * 100
}

/// AWS Lambda's on-demand duration tiers in a region: the first tier at the
/// region's price, the next at 90 % and beyond at 80 % of it, rounded to
/// $0.0000000001 — which reproduces US East's published tiers exactly
/// (x86_64 $0.0000166667 / $0.000015 / $0.0000133334; arm64
/// $0.0000133334 / $0.0000120001 / $0.0000106667) and Cape Town's
/// ($0.0000221 / $0.00001989 / $0.00001768). Tier sizes per account, region
/// and architecture a month: 6 B and 9 B GB-s (x86_64), 7.5 B and 11.25 B
/// (arm64), <https://aws.amazon.com/lambda/pricing/>.
fn aws_duration_tiers(first: i128, arm: bool) -> Vec<Tier> {
    let (a, b) = if arm {
        (7_500_000_000, 11_250_000_000)
    } else {
        (6_000_000_000, 9_000_000_000)
    };
    vec![
        Tier {
            size_units: Some(a),
            pico_per_unit: first,
        },
        Tier {
            size_units: Some(b),
            pico_per_unit: round_to_100_pico(first * 9 / 10),
        },
        Tier {
            size_units: None,
            pico_per_unit: round_to_100_pico(first * 8 / 10),
        },
    ]
}

/// The meters a provider charges on a bill line in `region` (and `arch`),
/// at the prices in force at `at`. Empty for self-hosted platforms, whose
/// cost comes from the user's node price.
pub fn line_prices(
    provider: Provider,
    region: &str,
    arch: &str,
    at: DateTime<Utc>,
) -> Vec<MeterPrice> {
    use aws_lambda::Charge;
    match provider {
        Provider::AwsLambda => {
            let arm = arch == "arm64";
            let duration = if arm {
                Charge::DurationArm
            } else {
                Charge::DurationX86
            };
            vec![
                MeterPrice::flat(
                    Meter::Requests,
                    "request",
                    aws_lambda::price(region, Charge::Request, at)
                        .value_pico
                        .into(),
                ),
                MeterPrice {
                    meter: Meter::MemoryTime,
                    tier_scope: TierScope::Line,
                    unit: "GB-second",
                    tiers: aws_duration_tiers(
                        aws_lambda::price(region, duration, at).value_pico.into(),
                        arm,
                    ),
                },
            ]
        }
        Provider::AzureFunctions | Provider::AzureFunctionsFlex => {
            let plan = if provider == Provider::AzureFunctionsFlex {
                azure_functions::AzurePlan::FlexConsumption
            } else {
                azure_functions::AzurePlan::Consumption
            };
            let (execution, gb_second) = azure_functions::prices(plan, at);
            vec![
                MeterPrice::flat(Meter::Requests, "execution", execution.value_pico.into()),
                MeterPrice::flat(Meter::MemoryTime, "GB-second", gb_second.value_pico.into()),
            ]
        }
        Provider::GcpCloudRunFunctions => {
            let (request, vcpu, gib) = gcp_cloud_run_functions::prices(region, at);
            vec![
                MeterPrice::flat(Meter::Requests, "request", request.value_pico.into()),
                MeterPrice::flat(Meter::VcpuTime, "vCPU-second", vcpu.value_pico.into()),
                MeterPrice::flat(Meter::MemoryTime, "GiB-second", gib.value_pico.into()),
            ]
        }
        Provider::GcpCloudFunctionsGen1 => {
            use gcp_cloud_run_functions::gen1;
            let (gb, ghz) = gen1::compute_prices(region, at);
            vec![
                MeterPrice::flat(
                    Meter::Requests,
                    "invocation",
                    crate::catalog::in_force(gen1::INVOCATION, at)
                        .value_pico
                        .into(),
                ),
                MeterPrice::flat(Meter::MemoryTime, "GB-second", gb.value_pico.into()),
                MeterPrice::flat(Meter::ClockTime, "GHz-second", ghz.value_pico.into()),
            ]
        }
        Provider::CloudflareWorkers => vec![
            MeterPrice::flat(
                Meter::Requests,
                "request",
                crate::catalog::in_force(cloudflare_workers::REQUEST, at)
                    .value_pico
                    .into(),
            ),
            MeterPrice::flat(
                Meter::CpuTime,
                "CPU-ms",
                crate::catalog::in_force(cloudflare_workers::CPU_MS, at)
                    .value_pico
                    .into(),
            ),
        ],
        Provider::AlibabaFunctionCompute => {
            use alibaba_function_compute::{CU, CU_TIERS};
            // The tiers' list prices scaled by the CU price in force (the
            // 2024-08-27..2025-08-27 discount took 20 % off every tier).
            let first = i128::from(crate::catalog::in_force(CU, at).value_pico);
            let list_first = i128::from(CU_TIERS[0].1);
            let mut lower = 0u64;
            let tiers = CU_TIERS
                .iter()
                .map(|&(upper, price)| {
                    let size_units = upper.map(|u| u128::from(u - lower));
                    lower = upper.unwrap_or(lower);
                    Tier {
                        size_units,
                        pico_per_unit: i128::from(price) * first / list_first,
                    }
                })
                .collect();
            vec![MeterPrice {
                meter: Meter::ComputeUnits,
                tier_scope: TierScope::BillingScope,
                unit: "CU",
                tiers,
            }]
        }
        Provider::Knative | Provider::OpenFaas => Vec::new(),
    }
}

/// Adds `requests` invocations at one configuration, billed for
/// `billed_ms` in all, to a usage line: each meter by the provider's rule
/// (the billed memory of Azure Consumption is the observed memory, of Flex
/// the instance size, of Cloud Functions 1st gen its size tier with its
/// clock; Cloud Run functions add the memory size's default vCPU; Alibaba
/// converts to compute units; Cloudflare's billed time is CPU time).
pub fn add_invocations(
    line: &mut super::Usage,
    provider: Provider,
    memory_mb: u32,
    observed_memory_mb: u32,
    requests: u64,
    billed_ms: u64,
) {
    let ms = u128::from(billed_ms);
    line.requests += requests;
    match provider {
        Provider::AwsLambda | Provider::Knative | Provider::OpenFaas => {
            line.mb_ms += u128::from(memory_mb) * ms;
        }
        Provider::AzureFunctions | Provider::AzureFunctionsFlex => {
            let row = faasight_store::InvocationRow {
                provider: provider.as_str().to_string(),
                memory_mb,
                max_memory_used_mb: observed_memory_mb,
                ..Default::default()
            };
            line.mb_ms += u128::from(azure_functions::billed_memory_mb(&row)) * ms;
        }
        Provider::GcpCloudRunFunctions => {
            line.mb_ms += u128::from(memory_mb) * ms;
            let vcpu = gcp_cloud_run_functions::default_vcpu_milli(memory_mb);
            line.vcpu_milli_ms += u128::try_from(vcpu).unwrap_or(0) * ms;
        }
        Provider::GcpCloudFunctionsGen1 => {
            let (mb, mhz) = gcp_cloud_run_functions::gen1::billed_memory(memory_mb);
            line.mb_ms += u128::from(mb) * ms;
            line.mhz_ms += u128::try_from(mhz).unwrap_or(0) * ms;
        }
        Provider::CloudflareWorkers => line.cpu_ms += ms,
        Provider::AlibabaFunctionCompute => {
            let mb = u128::from(alibaba_function_compute::billed_memory_mb(memory_mb));
            let vcpu_milli =
                u128::try_from(alibaba_function_compute::min_vcpu_milli(memory_mb)).unwrap_or(0);
            line.mb_ms += mb * ms;
            line.vcpu_milli_ms += vcpu_milli * ms;
            // CU × 512,000,000: 0.0075 per invocation = 3,840,000; 1 per
            // vCPU-second = 512 per milli-vCPU-ms; 0.15 per GB-second = 75
            // per MB-ms.
            line.compute_units_raw +=
                u128::from(requests) * 3_840_000 + vcpu_milli * ms * 512 + mb * ms * 75;
        }
    }
}

impl Provider {
    /// Who the provider's free grant and fees belong to.
    pub fn billing_scope(self) -> BillingScope {
        match self {
            Provider::AwsLambda => BillingScope::AwsAccount,
            Provider::AzureFunctions | Provider::AzureFunctionsFlex => {
                BillingScope::AzureSubscription
            }
            Provider::GcpCloudRunFunctions | Provider::GcpCloudFunctionsGen1 => {
                BillingScope::GcpBillingAccount
            }
            Provider::CloudflareWorkers => BillingScope::CloudflareAccount,
            Provider::AlibabaFunctionCompute => BillingScope::AlibabaAccount,
            Provider::Knative | Provider::OpenFaas => BillingScope::Cluster,
        }
    }

    /// The provider's monthly free grant per billing scope (sources on
    /// each figure).
    pub fn monthly_grant(self) -> MonthlyGrant {
        match self {
            // 1 M requests and 400,000 GB-s a month per account, across
            // regions and architectures; accounts have it during their
            // first year (or under the current Free Tier's credits), so it
            // is optional: <https://aws.amazon.com/lambda/pricing/>.
            Provider::AwsLambda => MonthlyGrant {
                quantities: &[(Meter::Requests, 1_000_000), (Meter::MemoryTime, 400_000)],
                value: GrantValue::LinePrice,
                fee_pico: 0,
                optional: true,
                description: "the free tier of 1 M requests and 400,000 GB-s",
            },
            // "The monthly free grant of 400,000 GB-s and 1 million
            // executions … per subscription":
            // <https://azure.microsoft.com/en-us/pricing/details/functions/>.
            Provider::AzureFunctions => MonthlyGrant {
                quantities: &[(Meter::Requests, 1_000_000), (Meter::MemoryTime, 400_000)],
                value: GrantValue::LinePrice,
                fee_pico: 0,
                optional: false,
                description: "the monthly free grant of 1 M executions and 400,000 GB-s",
            },
            // Flex Consumption on demand: 250,000 executions and 100,000 GB-s
            // per subscription (same page).
            Provider::AzureFunctionsFlex => MonthlyGrant {
                quantities: &[(Meter::Requests, 250_000), (Meter::MemoryTime, 100_000)],
                value: GrantValue::LinePrice,
                fee_pico: 0,
                optional: false,
                description: "the Flex Consumption free grant of 250,000 executions and 100,000 GB-s",
            },
            // 2 M requests, 180,000 vCPU-s and 360,000 GiB-s a month per
            // billing account (summed over its projects), each an allowance
            // of its own, "applied as a spending based discount using Tier 1
            // pricing": <https://cloud.google.com/run/pricing>.
            Provider::GcpCloudRunFunctions => MonthlyGrant {
                quantities: &[
                    (Meter::Requests, 2_000_000),
                    (Meter::VcpuTime, 180_000),
                    (Meter::MemoryTime, 360_000),
                ],
                value: GrantValue::Credit(&[
                    (Meter::Requests, 400_000),
                    (Meter::VcpuTime, 24_000_000),
                    (Meter::MemoryTime, 2_500_000),
                ]),
                fee_pico: 0,
                optional: false,
                description: "the free tier of 2 M requests, 180,000 vCPU-s and 360,000 GiB-s at tier-1 prices",
            },
            // 2 M invocations, 400,000 GB-s and 200,000 GHz-s a month, "at
            // Tier 1 pricing" whatever the region:
            // <https://cloud.google.com/functions/pricing-1stgen>.
            Provider::GcpCloudFunctionsGen1 => MonthlyGrant {
                quantities: &[
                    (Meter::Requests, 2_000_000),
                    (Meter::MemoryTime, 400_000),
                    (Meter::ClockTime, 200_000),
                ],
                value: GrantValue::Credit(&[
                    (Meter::Requests, 400_000),
                    (Meter::MemoryTime, 2_500_000),
                    (Meter::ClockTime, 10_000_000),
                ]),
                fee_pico: 0,
                optional: false,
                description: "the free tier of 2 M invocations, 400,000 GB-s and 200,000 GHz-s at tier-1 prices",
            },
            // Workers Standard: $5 a month per account, including 10 M
            // requests and 30 M CPU-ms:
            // <https://developers.cloudflare.com/workers/platform/pricing/>.
            Provider::CloudflareWorkers => MonthlyGrant {
                quantities: &[(Meter::Requests, 10_000_000), (Meter::CpuTime, 30_000_000)],
                value: GrantValue::LinePrice,
                fee_pico: 5_000_000_000_000,
                optional: false,
                description: "the Workers Standard plan's included 10 M requests and 30 M CPU-ms",
            },
            // No monthly grant on Function Compute 3.0: new accounts get a
            // one-time three-month trial quota, and resource plans are
            // prepaid CU (neither is visible in telemetry):
            // <https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/product-overview/resource-plans-fc>.
            Provider::AlibabaFunctionCompute => MonthlyGrant {
                quantities: &[],
                value: GrantValue::LinePrice,
                fee_pico: 0,
                optional: false,
                description: "no monthly grant (trial quotas and prepaid resource plans are not seen in telemetry)",
            },
            Provider::Knative | Provider::OpenFaas => MonthlyGrant {
                quantities: &[],
                value: GrantValue::LinePrice,
                fee_pico: 0,
                optional: false,
                description: "no grant",
            },
        }
    }

    /// What the bill must say about how this provider's billed memory was
    /// measured, when faasight's figure can differ from the invoice.
    pub fn memory_rule_note(self) -> Option<&'static str> {
        match self {
            Provider::AzureFunctions => Some(
                "Azure bills each execution's average memory (rounded up to 128 MB); telemetry gives its peak, so this line is an upper bound",
            ),
            Provider::AlibabaFunctionCompute => Some(
                "vCPU is not in the telemetry: the least vCPU the memory allows (memory in GB / 4) is assumed, a lower bound for functions set up with more",
            ),
            Provider::AwsLambda
            | Provider::AzureFunctionsFlex
            | Provider::GcpCloudRunFunctions
            | Provider::GcpCloudFunctionsGen1
            | Provider::CloudflareWorkers
            | Provider::Knative
            | Provider::OpenFaas => None,
        }
    }

    /// How long an idle environment stays warm when the data cannot tell,
    /// in ms: AWS Lambda 10 minutes and Azure Functions 20 minutes, as
    /// measured in <https://mikhail.io/2019/08/aws-lambda-cold-starts-after-10-minutes/>;
    /// `None` where no figure is published (Google documents "an
    /// unspecified amount of time"; self-hosted scale-to-zero is the
    /// operator's setting).
    pub fn default_keep_alive_ms(self) -> Option<i64> {
        match self {
            Provider::AwsLambda => Some(10 * 60_000),
            Provider::AzureFunctions => Some(20 * 60_000),
            Provider::AzureFunctionsFlex
            | Provider::GcpCloudRunFunctions
            | Provider::GcpCloudFunctionsGen1
            | Provider::CloudflareWorkers
            | Provider::AlibabaFunctionCompute
            | Provider::Knative
            | Provider::OpenFaas => None,
        }
    }
}
