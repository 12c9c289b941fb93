//! Monthly bills computed by hand from the published rules (figures in the
//! comments), one per rule.

use super::*;
use chrono::TimeZone;

const GB_S: u128 = 1_024_000;
const VCPU_S: u128 = 1_000_000;
const USD: i64 = 1_000_000_000_000;

fn month() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
}

fn usage(provider: &str, account: &str, region: &str, arch: &str) -> Usage {
    Usage {
        provider: provider.into(),
        account: account.into(),
        region: region.into(),
        arch: arch.into(),
        ..Default::default()
    }
}

fn bill(lines: &[Usage]) -> Vec<BillLine> {
    monthly_bill(lines, BillOptions::default(), month())
}

fn total(lines: &[BillLine]) -> i64 {
    lines.iter().map(|l| l.billed.0).sum()
}

#[test]
fn aws_uses_the_regions_own_prices() {
    // Cape Town: 1,000,000 GB-s × $0.0000221 + 1,000 requests × $0.27/M
    // = $22.10 + $0.00027 (US East's prices would give $16.67).
    let u = Usage {
        requests: 1_000,
        mb_ms: 1_000_000 * GB_S,
        ..usage("aws_lambda", "1", "af-south-1", "x86_64")
    };
    assert_eq!(bill(&[u])[0].billed.0, 22_100_270_000_000);
}

#[test]
fn aws_tiers_follow_the_regions_prices() {
    // US East, 7 B GB-s x86: 6 B × $0.0000166667 + 1 B × $0.000015.
    let u = Usage {
        mb_ms: 7_000_000_000 * GB_S,
        ..usage("aws_lambda", "1", "us-east-1", "x86_64")
    };
    assert_eq!(bill(&[u])[0].billed.0, 115_000_200 * (USD / 1_000));
    // arm64, 20 B: 7.5 B × 0.0000133334 + 11.25 B × 0.0000120001 + 1.25 B × 0.0000106667.
    let u = Usage {
        mb_ms: 20_000_000_000 * GB_S,
        ..usage("aws_lambda", "1", "us-east-1", "arm64")
    };
    let expected: i128 =
        7_500_000_000 * 13_333_400 + 11_250_000_000 * 12_000_100 + 1_250_000_000 * 10_666_700;
    assert_eq!(bill(&[u])[0].billed.0 as i128, expected);
    // Cape Town, 7 B GB-s x86: 6 B × $0.0000221 + 1 B × $0.00001989
    // = $132,600 + $19,890.
    let u = Usage {
        mb_ms: 7_000_000_000 * GB_S,
        ..usage("aws_lambda", "1", "af-south-1", "x86_64")
    };
    assert_eq!(bill(&[u])[0].billed.0, 152_490 * USD);
}

#[test]
fn aws_tiers_are_per_region_and_architecture() {
    // 4 B GB-s in each of two regions: neither reaches the 6 B tier, so
    // both are billed at the first tier: 8 B × $0.0000166667.
    let a = Usage {
        mb_ms: 4_000_000_000 * GB_S,
        ..usage("aws_lambda", "1", "us-east-1", "x86_64")
    };
    let b = Usage {
        region: "us-east-2".into(),
        ..a.clone()
    };
    assert_eq!(total(&bill(&[a, b])) as i128, 8_000_000_000 * 16_666_700);
}

#[test]
fn aws_free_tier_once_per_account_across_regions_x86_first() {
    let options = BillOptions {
        aws_free_tier: true,
        ..Default::default()
    };
    let x86 = Usage {
        requests: 600_000,
        mb_ms: 300_000 * GB_S,
        ..usage("aws_lambda", "1", "us-east-1", "x86_64")
    };
    let arm_eu = Usage {
        requests: 600_000,
        mb_ms: 300_000 * GB_S,
        ..usage("aws_lambda", "1", "eu-west-1", "arm64")
    };
    let other_account = Usage {
        account: "2".into(),
        ..x86.clone()
    };
    let b = monthly_bill(&[arm_eu, x86, other_account], options, month());
    // x86 first: all free; account 2 has its own grant: all free.
    assert_eq!((b[1].billed.0, b[2].billed.0), (0, 0));
    // arm64 in Ireland gets what is left: 400,000 of 1 M requests and
    // 100,000 of 400,000 GB-s. Pays 200,000 × $0.0000002 + 200,000 GB-s ×
    // $0.0000133334 (Ireland's arm64 price equals US East's).
    assert_eq!(
        b[0].billed.0 as i128,
        200_000 * 200_000 + 200_000 * 13_333_400
    );
    assert!(
        b[0].explanation.contains("AWS account"),
        "{}",
        b[0].explanation
    );
}

#[test]
fn azure_grant_once_per_subscription_across_regions() {
    // 600,000 + 400,000 GB-s in two regions of one subscription: one grant
    // of 400,000 → 600,000 × $0.000016 = $9.60.
    let east = Usage {
        mb_ms: 600_000 * GB_S,
        ..usage("azure_functions", "sub", "eastus", "")
    };
    let west = Usage {
        mb_ms: 400_000 * GB_S,
        ..usage("azure_functions", "sub", "westeurope", "")
    };
    assert_eq!(
        total(&bill(&[east.clone(), west.clone()])),
        9_600_000_000_000
    );
    // Two subscriptions: two grants, 200,000 GB-s × $0.000016 = $3.20.
    let west = Usage {
        account: "sub2".into(),
        ..west
    };
    assert_eq!(total(&bill(&[east, west])), 3_200_000_000_000);
    // Executions: 1.5 M → 500,000 × $0.20/M = $0.10.
    let u = Usage {
        requests: 1_500_000,
        ..usage("azure_functions", "sub", "eastus", "")
    };
    let lines = bill(&[u]);
    assert_eq!(total(&lines), 100_000_000_000);
    // The line says Azure meters average memory where telemetry has the peak.
    assert!(
        lines[0].explanation.contains("upper bound"),
        "{}",
        lines[0].explanation
    );
}

#[test]
fn flex_consumption_grant() {
    // 1.5 M executions and 500,000 GB-s: 1.25 M × $0.40/M + 400,000 ×
    // $0.000026 = $0.50 + $10.40 = $10.90.
    let u = Usage {
        requests: 1_500_000,
        mb_ms: 500_000 * GB_S,
        ..usage("azure_functions_flex", "sub", "eastus", "")
    };
    assert_eq!(total(&bill(&[u])), 10_900_000_000_000);
}

#[test]
fn cloud_run_functions_vcpu_and_memory_allowances_are_separate() {
    // us-central1 at 16 GiB (4 vCPU): 160,000 vCPU-s (under 180,000: free)
    // and 640,000 GiB-s (280,000 over 360,000 × $0.0000025 = $0.70).
    let u = Usage {
        vcpu_milli_ms: 160_000 * VCPU_S,
        mb_ms: 640_000 * GB_S,
        ..usage("gcp_cloud_run_functions", "billing", "us-central1", "")
    };
    assert_eq!(total(&bill(&[u])), 700_000_000_000);
}

#[test]
fn cloud_run_functions_tier_2_prices_and_a_tier_1_valued_allowance() {
    // europe-west3 (tier 2): 280,000 vCPU-s × $0.0000336 = $9.408 less the
    // allowance at tier-1 prices, 180,000 × $0.000024 = $4.32 → $5.088;
    // 460,000 GiB-s × $0.0000035 = $1.61 less 360,000 × $0.0000025 = $0.90
    // → $0.71. Total $5.798.
    let u = Usage {
        vcpu_milli_ms: 280_000 * VCPU_S,
        mb_ms: 460_000 * GB_S,
        ..usage("gcp_cloud_run_functions", "billing", "europe-west3", "")
    };
    assert_eq!(total(&bill(&[u])), 5_798_000_000_000);
    // The allowance is shared with a tier-1 region of the same billing
    // account: it goes to europe-west3 first (alphabetical): 180,000 vCPU-s
    // there cost $6.048 − $4.32 = $1.728; the 10,000 vCPU-s in us-central1
    // find none left and pay $0.000024 each = $0.24.
    let tier1 = Usage {
        vcpu_milli_ms: 10_000 * VCPU_S,
        ..usage("gcp_cloud_run_functions", "billing", "us-central1", "")
    };
    let both = bill(&[
        Usage {
            vcpu_milli_ms: 180_000 * VCPU_S,
            ..usage("gcp_cloud_run_functions", "billing", "europe-west3", "")
        },
        tier1,
    ]);
    assert_eq!(
        (both[0].billed.0, both[1].billed.0),
        (1_728_000_000_000, 240_000_000_000)
    );
}

#[test]
fn cloud_functions_gen1_grant_at_tier_1_prices() {
    let gen1 = |region: &str, requests: u64, gb_s: u128, ghz_s: u128| Usage {
        requests,
        mb_ms: gb_s * GB_S,
        mhz_ms: ghz_s * 1_000_000,
        ..usage("gcp_cloud_functions_gen1", "billing", region, "")
    };
    // Tier 1: 3 M invocations ($1.20), 500,000 GB-s ($1.25), 300,000 GHz-s
    // ($3.00); free $0.80 + $1.00 + $2.00 → $1.65.
    assert_eq!(
        total(&bill(&[gen1("us-central1", 3_000_000, 500_000, 300_000)])),
        1_650_000_000_000
    );
    // Tier 2 usage, tier-1 credit: 400,000 GB-s × $0.0000035 = $1.40 − $1.00.
    assert_eq!(
        total(&bill(&[gen1("europe-west3", 0, 400_000, 0)])),
        400_000_000_000
    );
}

#[test]
fn cloudflare_fee_and_inclusions_once_per_account() {
    // Two lines of one account: 12 M requests and 40 M CPU-ms in all →
    // $5 + 2 M × $0.30/M + 10 M × $0.02/M = $5.80, the fee charged once.
    let a = Usage {
        requests: 6_000_000,
        cpu_ms: 20_000_000,
        ..usage("cloudflare_workers", "cf", "", "")
    };
    let b = Usage {
        region: "global".into(),
        ..a.clone()
    };
    let lines = bill(&[a, b]);
    assert_eq!(total(&lines), 5_800_000_000_000);
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.explanation.contains("monthly fee"))
            .count(),
        1
    );
}

#[test]
fn self_hosted_allocated_from_the_node_price_or_left_unpriced() {
    // 2 GB for an hour: 2 GB-hours × $0.005 + (2 × 0.5) vCPU-hours × $0.04 = $0.05.
    let u = Usage {
        mb_ms: 2 * 1_024 * 3_600_000,
        ..usage("knative", "cluster", "", "")
    };
    let node = NodePrice {
        vcpu_hour_pico: 40_000_000_000,
        gb_hour_pico: 5_000_000_000,
        vcpu_per_gb_milli: 500,
    };
    let b = monthly_bill(
        std::slice::from_ref(&u),
        BillOptions {
            node_price: Some(node),
            ..Default::default()
        },
        month(),
    );
    assert_eq!(b[0].billed.0, 50_000_000_000);
    let b = bill(&[u]);
    assert_eq!(b[0].billed.0, 0);
    assert!(
        b[0].explanation.contains("node price"),
        "{}",
        b[0].explanation
    );
}

#[test]
fn every_provider_has_a_scope_and_a_grant_description() {
    for &p in Provider::ALL {
        assert!(!p.billing_scope().noun().is_empty());
        assert!(!p.monthly_grant().description.is_empty());
    }
}

#[test]
fn alibaba_compute_units_tier_per_account_across_regions() {
    // 60 M CU in each of two regions of one account: the account's month
    // is 120 M CU → 100 M × $0.00002 + 20 M × $0.000017 = $2,000 + $340.
    let cu = |region: &str, account: &str| Usage {
        compute_units_raw: 60_000_000 * CU_RAW,
        ..usage("alibaba_function_compute", account, region, "")
    };
    let lines = bill(&[cu("ap-southeast-1", "1"), cu("cn-hangzhou", "1")]);
    assert_eq!(total(&lines), 2_340 * USD);
    // Separate accounts stay in the first tier: 120 M × $0.00002 = $2,400.
    let lines = bill(&[cu("ap-southeast-1", "1"), cu("cn-hangzhou", "2")]);
    assert_eq!(total(&lines), 2_400 * USD);
}

#[test]
fn alibaba_invocations_convert_to_compute_units() {
    // 512 MB, 200 ms, the least vCPU 512 MB allows (0.15): 0.0075 + 0.15 ×
    // 0.2 + 0.15 × 0.5 GB × 0.2 = 0.0525 CU.
    let mut line = usage("alibaba_function_compute", "1", "ap-southeast-1", "");
    add_invocations(&mut line, Provider::AlibabaFunctionCompute, 512, 0, 1, 200);
    assert_eq!(line.compute_units_raw, 525 * CU_RAW / 10_000);
    // …at $0.00002 per CU: $0.00000105.
    assert_eq!(bill(&[line])[0].billed.0, 1_050_000);
}

#[test]
fn meters_follow_each_providers_billed_memory() {
    // Azure Consumption bills observed memory rounded up to 128 MB: 200 MB
    // used of 1,536 → 256 MB × 100 ms.
    let mut azure = usage("azure_functions", "s", "eastus", "");
    add_invocations(&mut azure, Provider::AzureFunctions, 1536, 200, 1, 100);
    assert_eq!(azure.mb_ms, 25_600);
    // Cloud Run functions at 16 GiB: 4 vCPU (Google's default for the size).
    let mut run = usage("gcp_cloud_run_functions", "b", "us-central1", "");
    add_invocations(
        &mut run,
        Provider::GcpCloudRunFunctions,
        16_384,
        0,
        1,
        1_000,
    );
    assert_eq!((run.mb_ms, run.vcpu_milli_ms), (16_384_000, 4_000_000));
}
