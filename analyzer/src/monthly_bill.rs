//! A month's bill per provider and account: the per-invocation list prices
//! (what `cost_usd` holds) turned into what the provider charges, with
//! volume tiers and free allowances applied to the month's totals.
//!
//! Rules and figures (sources cited in `faasight-pricing`):
//! - AWS Lambda: duration tiers per account, region and architecture each
//!   month — x86_64 $0.0000166667/GB-s for the first 6 B GB-s, $0.000015
//!   for the next 9 B, $0.0000133334 beyond 15 B; arm64 $0.0000133334 for
//!   the first 7.5 B, $0.0000120001 for the next 11.25 B, $0.0000106667
//!   beyond 18.75 B. Free tier (optional, per account): 1 M requests and
//!   400,000 GB-s a month, taken from x86_64 usage first, then arm64.
//! - Azure Functions Consumption: 1 M executions and 400,000 GB-s free per
//!   subscription a month.
//! - Azure Functions Flex Consumption (`azure_functions_flex`, on demand):
//!   250,000 executions and 100,000 GB-s of instance memory free per
//!   subscription a month, at $0.40 per million and $0.000026 per GB-s
//!   (none with always-ready instances, which faasight does not price).
//! - Google Cloud Run functions: 2 M requests, 180,000 vCPU-s and 360,000
//!   GiB-s free per billing account a month (applied as a request credit
//!   and a compute credit at list prices).
//! - Google Cloud Functions 1st gen (`gcp_cloud_functions_gen1`): 2 M
//!   invocations, 400,000 GB-s and 200,000 GHz-s free a month, each valued
//!   at tier-1 prices ($0.40 per million, $0.0000025 per GB-s, $0.00001 per
//!   GHz-s) even for tier-2 regions, each capped at the line's own usage.
//! - Cloudflare Workers Standard: $5 a month, which includes 10 M requests
//!   and 30 M CPU-ms; usage beyond is charged at the list prices.
//!
//! Pure functions over aggregated usage; amounts in pico-dollars.

use faasight_store::PicoUsd;
use serde::Serialize;

const PICO: i128 = 1_000_000_000_000;

/// One month of one account's usage on one provider (and, for AWS, one
/// region and architecture), aggregated from invocations.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Usage {
    /// `provider` column value.
    pub provider: String,
    /// Account, subscription or project.
    pub account: String,
    /// Region.
    pub region: String,
    /// `x86_64` or `arm64` (AWS).
    pub arch: String,
    /// Requests.
    pub requests: u64,
    /// Σ memory_mb × billed_duration_ms (MB-ms): GB-seconds × 1,024,000.
    /// For Flex Consumption the memory is the instance size, for Cloud
    /// Functions 1st gen the billed memory size (`faasight-pricing`'s
    /// `billed_memory_mb` / `gen1::billed_memory`).
    pub mb_ms: u128,
    /// Σ CPU clock (MHz) × billed_duration_ms, Cloud Functions 1st gen only
    /// (0 elsewhere): GHz-seconds × 1,000,000.
    pub mhz_ms: u128,
    /// Σ of per-invocation list prices.
    pub list_cost: PicoUsd,
}

/// The bill of one usage line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BillLine {
    /// The usage billed.
    pub usage: Usage,
    /// What the month costs after tiers and free allowances.
    pub billed: PicoUsd,
    /// `billed - list_cost` (negative: tiers and free tier saved money).
    pub adjustment: PicoUsd,
    /// How the amount was reached, for the UI.
    pub explanation: String,
}

/// Options of the monthly bill.
#[derive(Debug, Clone, Copy, Default)]
pub struct BillOptions {
    /// Apply the AWS Lambda free tier (accounts past their first year may
    /// not have it; off by default).
    pub aws_free_tier: bool,
}

fn div_round(n: i128, d: i128) -> i128 {
    (2 * n + d) / (2 * d)
}

/// Cost in pico-dollars of `gb_s_mbms` MB-ms through tiers of
/// (size in GB-s, price in pico per GB-s); the last tier is unbounded.
fn tiered(mb_ms: u128, tiers: &[(u128, i128)]) -> i128 {
    let per_gb_s: u128 = 1_024_000;
    let mut left = mb_ms;
    let mut cost_numerator: i128 = 0;
    for (i, &(size_gb_s, price)) in tiers.iter().enumerate() {
        let cap = if i + 1 == tiers.len() {
            left
        } else {
            (size_gb_s * per_gb_s).min(left)
        };
        cost_numerator += cap as i128 * price;
        left -= cap;
        if left == 0 {
            break;
        }
    }
    div_round(cost_numerator, per_gb_s as i128)
}

const AWS_X86_TIERS: [(u128, i128); 3] = [
    (6_000_000_000, 16_666_700),
    (9_000_000_000, 15_000_000),
    (0, 13_333_400),
];
const AWS_ARM_TIERS: [(u128, i128); 3] = [
    (7_500_000_000, 13_333_400),
    (11_250_000_000, 12_000_100),
    (0, 10_666_700),
];

/// Bills a month of usage lines. Lines of one AWS account share its free
/// tier; everything else is billed line by line.
pub fn monthly_bill(usage: &[Usage], options: BillOptions) -> Vec<BillLine> {
    // AWS free tier per account: requests and GB-s left to give away.
    let mut aws_free: std::collections::HashMap<&str, (u64, u128)> =
        std::collections::HashMap::new();
    let mut order: Vec<usize> = (0..usage.len()).collect();
    // x86_64 lines first, so the free tier goes to the dearer architecture.
    order.sort_by_key(|&i| (usage[i].arch == "arm64", i));
    let mut lines: Vec<Option<BillLine>> = vec![None; usage.len()];
    for i in order {
        let u = &usage[i];
        let (billed, explanation) = match u.provider.as_str() {
            "aws_lambda" => {
                let (free_req, free_mbms) = if options.aws_free_tier {
                    let left = aws_free
                        .entry(u.account.as_str())
                        .or_insert((1_000_000, 400_000u128 * 1_024_000));
                    let r = left.0.min(u.requests);
                    let m = left.1.min(u.mb_ms);
                    left.0 -= r;
                    left.1 -= m;
                    (r, m)
                } else {
                    (0, 0)
                };
                let tiers: &[(u128, i128)] = if u.arch == "arm64" {
                    &AWS_ARM_TIERS
                } else {
                    &AWS_X86_TIERS
                };
                let duration = tiered(u.mb_ms - free_mbms, tiers);
                let requests = (u.requests - free_req) as i128 * 200_000;
                (
                    duration + requests,
                    format!(
                        "{} requests free, {} GB-s free; duration through the {} monthly tiers",
                        free_req,
                        free_mbms / 1_024_000,
                        u.arch
                    ),
                )
            }
            "azure_functions" => {
                // Free grant: the list price of 400,000 GB-s and 1 M executions, capped at usage.
                let grant_req = u.requests.min(1_000_000) as i128 * 200_000;
                let grant_gbs = div_round(
                    u.mb_ms.min(400_000 * 1_024_000) as i128 * 16_000_000,
                    1_024_000,
                );
                (
                    (u.list_cost.0 as i128 - grant_req - grant_gbs).max(0),
                    "monthly free grant of 1 M executions and 400,000 GB-s".into(),
                )
            }
            "azure_functions_flex" => {
                // Free grant: the list price of 250,000 executions ($0.40/M) and
                // 100,000 GB-s ($0.000026), capped at usage.
                let grant_req = u.requests.min(250_000) as i128 * 400_000;
                let grant_gbs = div_round(
                    u.mb_ms.min(100_000 * 1_024_000) as i128 * 26_000_000,
                    1_024_000,
                );
                (
                    (u.list_cost.0 as i128 - grant_req - grant_gbs).max(0),
                    "monthly free grant of 250,000 executions and 100,000 GB-s (Flex Consumption, on demand)".into(),
                )
            }
            "gcp_cloud_functions_gen1" => {
                // Each grant valued at tier-1 prices and capped at its own usage:
                // 2 M invocations × $0.0000004, 400,000 GB-s × $0.0000025,
                // 200,000 GHz-s × $0.00001.
                let grant_inv = u.requests.min(2_000_000) as i128 * 400_000;
                let grant_gbs = div_round(
                    u.mb_ms.min(400_000 * 1_024_000) as i128 * 2_500_000,
                    1_024_000,
                );
                let grant_ghz = div_round(
                    u.mhz_ms.min(200_000 * 1_000_000) as i128 * 10_000_000,
                    1_000_000,
                );
                (
                    (u.list_cost.0 as i128 - grant_inv - grant_gbs - grant_ghz).max(0),
                    "monthly free tier of 2 M invocations, 400,000 GB-s and 200,000 GHz-s at tier-1 prices".into(),
                )
            }
            "gcp_cloud_run_functions" => {
                let grant_req = u.requests.min(2_000_000) as i128 * 400_000;
                // 180,000 vCPU-s × $0.000024 + 360,000 GiB-s × $0.0000025 at most.
                let compute_list = u.list_cost.0 as i128 - u.requests as i128 * 400_000;
                let grant_compute =
                    compute_list.clamp(0, 180_000 * 24_000_000 + 360_000 * 2_500_000);
                (
                    (u.list_cost.0 as i128 - grant_req - grant_compute).max(0),
                    "monthly free tier of 2 M requests, 180,000 vCPU-s and 360,000 GiB-s".into(),
                )
            }
            "cloudflare_workers" => {
                // Included: 10 M requests ($0.30/M) and 30 M CPU-ms ($0.02/M); $5 minimum.
                let included_req = u.requests.min(10_000_000) as i128 * 300_000;
                let cpu_list = u.list_cost.0 as i128 - u.requests as i128 * 300_000;
                let included_cpu = cpu_list.clamp(0, 30_000_000 * 20_000);
                let usage_cost = (u.list_cost.0 as i128 - included_req - included_cpu).max(0);
                (5 * PICO + usage_cost, "$5 a month, which includes 10 M requests and 30 M CPU-ms; usage beyond at list price".into())
            }
            _ => (u.list_cost.0 as i128, "list price".into()),
        };
        let billed = PicoUsd(billed as i64);
        lines[i] = Some(BillLine {
            adjustment: PicoUsd(billed.0 - u.list_cost.0),
            usage: u.clone(),
            billed,
            explanation,
        });
    }
    lines.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GB_S: u128 = 1_024_000;

    fn usage(provider: &str, arch: &str, requests: u64, gb_s: u128, list: i64) -> Usage {
        Usage {
            provider: provider.into(),
            account: "a".into(),
            arch: arch.into(),
            requests,
            mb_ms: gb_s * GB_S,
            list_cost: PicoUsd(list),
            ..Default::default()
        }
    }

    #[test]
    fn aws_tiers_cross_their_boundaries() {
        // 7 B GB-s on x86: 6 B × $0.0000166667 + 1 B × $0.000015 = $100,000.20 + $15,000.
        let u = usage("aws_lambda", "x86_64", 0, 7_000_000_000, 0);
        assert_eq!(
            monthly_bill(&[u], BillOptions::default())[0].billed,
            PicoUsd(115_000_200_000_000_000)
        );
        // 20 B GB-s on arm: 7.5 B × 0.0000133334 + 11.25 B × 0.0000120001 + 1.25 B × 0.0000106667.
        let u = usage("aws_lambda", "arm64", 0, 20_000_000_000, 0);
        let expected = 7_500_000_000i128 * 13_333_400
            + 11_250_000_000 * 12_000_100
            + 1_250_000_000 * 10_666_700;
        assert_eq!(
            monthly_bill(&[u], BillOptions::default())[0].billed.0 as i128,
            expected
        );
    }

    #[test]
    fn aws_free_tier_is_shared_by_an_accounts_lines_x86_first() {
        let x86 = usage("aws_lambda", "x86_64", 600_000, 300_000, 0);
        let arm = usage("aws_lambda", "arm64", 600_000, 300_000, 0);
        let bill = monthly_bill(
            &[arm.clone(), x86.clone()],
            BillOptions {
                aws_free_tier: true,
            },
        );
        // x86 (second in input, billed first): all free.
        assert_eq!(bill[1].billed, PicoUsd(0));
        // arm: 400,000 of 1 M requests and 100,000 of 400,000 GB-s left free:
        // 200,000 requests × $0.0000002 + 200,000 GB-s × $0.0000133334.
        assert_eq!(
            bill[0].billed.0 as i128,
            200_000 * 200_000 + 200_000 * 13_333_400
        );
        // Without the free tier, list-price-like totals.
        let bill = monthly_bill(&[x86], BillOptions::default());
        assert_eq!(
            bill[0].billed.0 as i128,
            600_000 * 200_000 + 300_000 * 16_666_700
        );
    }

    #[test]
    fn azure_gcp_and_cloudflare_allowances() {
        // Azure: 1.5 M executions, 500,000 GB-s at list: 0.3 + 8.0 = $8.30; free grant $0.20 + $6.40.
        let list = 1_500_000 * 200_000 + 500_000 * 16_000_000;
        let b = monthly_bill(
            &[usage("azure_functions", "", 1_500_000, 500_000, list)],
            BillOptions::default(),
        );
        assert_eq!(
            b[0].billed,
            PicoUsd(100_000 * 1_000_000 + 1_600_000 * 1_000_000)
        );
        // GCP under the free tier: nothing to pay.
        let b = monthly_bill(
            &[usage(
                "gcp_cloud_run_functions",
                "",
                1_000_000,
                0,
                1_000_000 * 400_000 + 1_000_000_000_000,
            )],
            BillOptions::default(),
        );
        assert_eq!(b[0].billed, PicoUsd(0));
        // Cloudflare: below the included amounts, the $5 minimum.
        let b = monthly_bill(
            &[usage("cloudflare_workers", "", 1_000, 0, 1_000 * 300_000)],
            BillOptions::default(),
        );
        assert_eq!(b[0].billed, PicoUsd(5_000_000_000_000));
        assert!(b[0].adjustment.0 > 0);
        // 12 M requests and 40 M CPU-ms: $5 + 2 M × $0.30/M + 10 M CPU-ms × $0.02/M = $5.80.
        let list = 12_000_000 * 300_000 + 40_000_000 * 20_000;
        let b = monthly_bill(
            &[usage("cloudflare_workers", "", 12_000_000, 0, list)],
            BillOptions::default(),
        );
        assert_eq!(b[0].billed, PicoUsd(5_800_000_000_000));
    }

    #[test]
    fn flex_consumption_free_grant() {
        // 1.5 M executions and 500,000 GB-s at list: 1.5 × $0.40 + 500,000 × $0.000026
        // = $0.60 + $13.00 = $13.60; grant 250,000 × $0.0000004 = $0.10 and
        // 100,000 × $0.000026 = $2.60 → $10.90.
        let list = 1_500_000 * 400_000 + 500_000 * 26_000_000;
        let b = monthly_bill(
            &[usage("azure_functions_flex", "", 1_500_000, 500_000, list)],
            BillOptions::default(),
        );
        assert_eq!(b[0].billed, PicoUsd(10_900_000_000_000));
        // Under the grant: nothing to pay.
        let list = 200_000 * 400_000 + 50_000 * 26_000_000;
        let b = monthly_bill(
            &[usage("azure_functions_flex", "", 200_000, 50_000, list)],
            BillOptions::default(),
        );
        assert_eq!(b[0].billed, PicoUsd(0));
    }

    #[test]
    fn cloud_functions_gen1_free_tier_per_resource() {
        let gen1 = |requests: u64, gb_s: u128, ghz_s: u128, list: i64| Usage {
            mhz_ms: ghz_s * 1_000_000,
            ..usage("gcp_cloud_functions_gen1", "", requests, gb_s, list)
        };
        // Tier 1: 3 M invocations ($1.20), 500,000 GB-s ($1.25), 300,000 GHz-s ($3.00)
        // = $5.45; free $0.80 + $1.00 + $2.00 = $3.80 → $1.65.
        let list = 3_000_000 * 400_000 + 500_000 * 2_500_000 + 300_000 * 10_000_000;
        let b = monthly_bill(
            &[gen1(3_000_000, 500_000, 300_000, list)],
            BillOptions::default(),
        );
        assert_eq!(b[0].billed, PicoUsd(1_650_000_000_000));
        // Each grant is capped at its own usage: 200,000 GB-s ($0.50, all free) and
        // 320,000 GHz-s ($3.20, $2.00 free) → $1.20 (a pooled $3 credit would give $0.70).
        let list = 200_000 * 2_500_000 + 320_000 * 10_000_000;
        let b = monthly_bill(&[gen1(0, 200_000, 320_000, list)], BillOptions::default());
        assert_eq!(b[0].billed, PicoUsd(1_200_000_000_000));
        // Tier 2 usage, tier-1 grant: 400,000 GB-s × $0.0000035 = $1.40 − $1.00 = $0.40.
        let b = monthly_bill(
            &[gen1(0, 400_000, 0, 400_000 * 3_500_000)],
            BillOptions::default(),
        );
        assert_eq!(b[0].billed, PicoUsd(400_000_000_000));
    }
}
