//! A hand-made report shared by the CSV and PDF tests, and its totals
//! worked out by hand (not with the code under test).
//!
//! 30 bill lines, i = 1..=30: line i lists i × $10.123456789012 and is
//! adjusted by −i × $1.000000000005, so it bills i × $9.123456789007, for
//! i × 1,000,003 requests. Lines 1–10 are AWS, 11–20 Azure, 21–30 Google.
//! With Σi = 465 (1–30), 55 (1–10), 155 (11–20), 255 (21–30):
//!
//! | | list (pico) | billed (pico) |
//! |---|---|---|
//! | total | 465 × 10,123,456,789,012 = 4,707,407,406,890,580 | 465 × 9,123,456,789,007 = 4,242,407,406,888,255 |
//! | aws_lambda | 556,790,123,395,660 | 501,790,123,395,385 |
//! | azure_functions | 1,569,135,802,296,860 | 1,414,135,802,296,085 |
//! | gcp_cloud_functions | 2,581,481,481,198,060 | 2,326,481,481,196,785 |
//!
//! So the page shows $4,707.41 list and $4,242.41 billed (adjustment
//! −$465.000000002325 → −$465.00), and 465 × 1,000,003 = 465,001,395
//! invocations.

// Each test binary uses part of the fixture.
#![allow(dead_code)]

use faasight_report::*;

/// Σ list, pico-USD (worked out above).
pub const LIST_PICO: i64 = 4_707_407_406_890_580;
/// Σ billed, pico-USD (worked out above).
pub const BILLED_PICO: i64 = 4_242_407_406_888_255;
/// Σ requests.
pub const INVOCATIONS: u64 = 465_001_395;
/// The list total as the PDF must show it.
pub const LIST_SHOWN: &str = "$4,707.41";
/// The billed total as the PDF must show it.
pub const BILLED_SHOWN: &str = "$4,242.41";
/// The forecast interval line as the PDF must show it.
pub const INTERVAL_SHOWN: &str = "80 % interval: $4,300.25 – $5,900.75";
/// The tenant.
pub const TENANT: &str = "acme-retail";
/// The month.
pub const MONTH: &str = "2025-06";
/// The most expensive function.
pub const TOP_FUNCTION: &str = "image-thumbnailer";
/// The two insights' summaries, most money first.
pub const INSIGHT_SUMMARIES: [&str; 2] = [
    "Provisioned concurrency of 50 on checkout-api was 6 % used over the month.",
    "order-events-consumer waited on pricing-quote synchronously in 1,240 of 1,300 traces, \
     billed for 410 ms each time.",
];
/// Their money per month, pico-USD: $1,234.004 and $37.125.
pub const INSIGHT_PICO: [i64; 2] = [1_234_004_000_000_000, 37_125_000_000_000];
/// Those amounts as the PDF must show them (cents, half away from zero).
pub const INSIGHT_SHOWN: [&str; 2] = ["$1,234.00", "$37.13"];

const LIST_STEP: i64 = 10_123_456_789_012;
const ADJUST_STEP: i64 = 1_000_000_000_005;
const BILLED_STEP: i64 = 9_123_456_789_007;
const USD: i64 = 1_000_000_000_000;

fn line(i: i64) -> BillLine {
    let (provider, accounts, regions) = match (i - 1) / 10 {
        0 => (
            "aws_lambda",
            ["123456789012", "210987654321"],
            ["us-east-1", "eu-west-1", "ap-southeast-2"],
        ),
        1 => (
            "azure_functions",
            ["sub-prod-0001", "sub-dev-0002"],
            ["westeurope", "eastus", "japaneast"],
        ),
        _ => (
            "gcp_cloud_functions",
            ["shop-prod", "shop-staging"],
            ["europe-west1", "us-central1", "asia-east1"],
        ),
    };
    let j = ((i - 1) % 10) as usize;
    let requests = i as u64 * 1_000_003;
    let gb_seconds = i as f64 * 1234.5;
    let mut explanation = format!(
        "{requests} requests and {gb_seconds} GB-s at list price, minus the \"free tier\" \
         grant of 400,000 GB-s and 1M requests, shared by the account's lines"
    );
    if i == 7 {
        explanation.push_str("\nSecond line: plan fee, none.");
    }
    BillLine {
        provider: provider.to_owned(),
        account: accounts[j % 2].to_owned(),
        region: regions[j / 4].to_owned(),
        arch: ["x86_64", "arm64"][(j / 2) % 2].to_owned(),
        requests,
        gb_seconds,
        list_pico: i * LIST_STEP,
        adjustment_pico: -i * ADJUST_STEP,
        billed_pico: i * BILLED_STEP,
        explanation,
    }
}

/// Subtotals of the lines by a key, largest billed first (fixture data,
/// not an expected value).
fn subtotals(lines: &[BillLine], key: impl Fn(&BillLine) -> String) -> Vec<Subtotal> {
    let mut out: Vec<Subtotal> = Vec::new();
    for l in lines {
        let name = key(l);
        match out.iter_mut().find(|s| s.name == name) {
            Some(s) => {
                s.list_pico += l.list_pico;
                s.billed_pico += l.billed_pico;
            }
            None => out.push(Subtotal {
                name,
                list_pico: l.list_pico,
                billed_pico: l.billed_pico,
            }),
        }
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.billed_pico));
    out
}

/// The fixture as a month still running on its 6th day: five full days
/// elapsed with $50 actual, $250 forecast for the other 25, $280–$330
/// interval, so $300 projected (50 + 250, by hand).
pub fn running_fixture() -> CostReport {
    let mut report = fixture();
    report.complete = false;
    report.generated_at = "2025-06-06T10:00:00Z".to_owned();
    report.month_end = Some(MonthEndProjection {
        month: MONTH.to_owned(),
        days_elapsed: 5,
        days_in_month: 30,
        actual_pico: 50 * USD,
        forecast_rest_pico: 250 * USD,
        projected_pico: 300 * USD,
        low_pico: 280 * USD,
        high_pico: 330 * USD,
        level_pct: 80.0,
    });
    report
}

/// The fixture report.
pub fn fixture() -> CostReport {
    let lines: Vec<BillLine> = (1..=30).map(line).collect();
    let functions = [
        (
            "image-thumbnailer",
            "gcp_cloud_functions",
            "europe-west1",
            900,
        ),
        ("checkout-api", "azure_functions", "westeurope", 620),
        ("search-indexer", "gcp_cloud_functions", "us-central1", 480),
        ("order-events-consumer", "aws_lambda", "us-east-1", 410),
        ("pdf-invoice-renderer", "azure_functions", "eastus", 350),
        ("recommendations", "gcp_cloud_functions", "asia-east1", 300),
        ("auth-token-refresh", "aws_lambda", "eu-west-1", 210),
        ("inventory-sync", "azure_functions", "japaneast", 180),
        ("email-digest", "aws_lambda", "ap-southeast-2", 95),
        ("healthcheck", "aws_lambda", "us-east-1", 12),
    ];
    let top_functions = functions
        .iter()
        .enumerate()
        .map(|(n, &(function, provider, region, dollars))| FunctionCost {
            provider: provider.to_owned(),
            account: "main".to_owned(),
            region: region.to_owned(),
            function: function.to_owned(),
            invocations: 5_000_000 - n as u64 * 400_000,
            list_pico: dollars * USD,
            share_pct: dollars as f64 / 4707.41 * 100.0,
        })
        .collect();
    let daily = (1..=30)
        .map(|d| DailyCost {
            date: format!("2025-06-{d:02}"),
            list_pico: (120 + (d * 37) % 70) * USD + 123_456_789,
        })
        .collect();
    let days = (1..=31)
        .map(|d| {
            let expected = (160 + d) * USD + 500_000_000_000;
            ForecastDay {
                date: format!("2025-07-{d:02}"),
                expected_pico: expected,
                low_pico: expected / 100 * 84,
                high_pico: expected / 100 * 116,
            }
        })
        .collect();
    let item = |function: &str, provider: &str, region: &str, from, to, cents: i64, risk: &str| {
        RightsizingItem {
            provider: provider.to_owned(),
            region: region.to_owned(),
            function: function.to_owned(),
            current_mb: from,
            advised_mb: to,
            monthly_savings_pico: cents * 10_000_000_000,
            risk: risk.to_owned(),
        }
    };
    CostReport {
        reconciliation: None,
        tenant: TENANT.to_owned(),
        month: MONTH.to_owned(),
        period_start: "2025-06-01".to_owned(),
        period_end: "2025-07-01".to_owned(),
        generated_at: "2025-07-01T04:05:06Z".to_owned(),
        complete: true,
        totals: Totals {
            list_pico: LIST_PICO,
            billed_pico: BILLED_PICO,
            invocations: INVOCATIONS,
        },
        by_provider: vec![
            Subtotal {
                name: "gcp_cloud_functions".to_owned(),
                list_pico: 2_581_481_481_198_060,
                billed_pico: 2_326_481_481_196_785,
            },
            Subtotal {
                name: "azure_functions".to_owned(),
                list_pico: 1_569_135_802_296_860,
                billed_pico: 1_414_135_802_296_085,
            },
            Subtotal {
                name: "aws_lambda".to_owned(),
                list_pico: 556_790_123_395_660,
                billed_pico: 501_790_123_395_385,
            },
        ],
        by_account: subtotals(&lines, |l| format!("{}/{}", l.provider, l.account)),
        by_region: subtotals(&lines, |l| format!("{}/{}", l.provider, l.region)),
        lines,
        top_functions,
        daily,
        forecast: Some(ForecastSummary {
            month: "2025-07".to_owned(),
            expected_pico: 5_100 * USD,
            low_pico: 4_300_250_000_000_000,
            high_pico: 5_900_750_000_000_000,
            level_pct: 80.0,
            backtest_mape_pct: Some(6.8),
            days,
        }),
        month_end: None,
        rightsizing: RightsizingSummary {
            strategy: "balanced".to_owned(),
            monthly_savings_pico: 64_550_000_000_000,
            items: vec![
                item(
                    "search-indexer",
                    "gcp_cloud_functions",
                    "us-central1",
                    2048,
                    1024,
                    4120,
                    "low",
                ),
                item(
                    "checkout-api",
                    "azure_functions",
                    "westeurope",
                    1536,
                    1024,
                    1785,
                    "medium",
                ),
                item(
                    "email-digest",
                    "aws_lambda",
                    "ap-southeast-2",
                    512,
                    256,
                    550,
                    "high",
                ),
            ],
        },
        warnings: vec![
            WarningItem {
                function: "aws_lambda/123456789012/us-east-1/order-events-consumer".to_owned(),
                kind: "cold_starts".to_owned(),
                message: "Cold starts made up 14 % of invocations this month, well above the 5 % \
                          threshold; most followed idle periods longer than 15 minutes at night \
                          (UTC), so provisioned concurrency or a scheduled warm-up would remove \
                          them, at a cost that the right-sizing savings above would more than \
                          cover. This sentence is long on purpose, so that it must wrap."
                    .to_owned(),
            },
            WarningItem {
                function: "gcp_cloud_functions/shop-prod/europe-west1/image-thumbnailer".to_owned(),
                kind: "memory_near_limit".to_owned(),
                message: "Peak memory reached 97 % of the configured 1024 MB.".to_owned(),
            },
        ],
        insights: vec![
            InsightItem {
                kind: "idle_provisioned_concurrency".to_owned(),
                title: "Idle provisioned concurrency".to_owned(),
                summary: INSIGHT_SUMMARIES[0].to_owned(),
                advice: "Lower it to 5, or schedule it for the busy hours only.".to_owned(),
                functions: vec!["aws_lambda/123456789012/us-east-1/checkout-api".to_owned()],
                monthly_usd_pico: INSIGHT_PICO[0],
                example_trace_ids: Vec::new(),
            },
            InsightItem {
                kind: "function_waits_on_function".to_owned(),
                title: "Function waits on function".to_owned(),
                summary: INSIGHT_SUMMARIES[1].to_owned(),
                advice: "Invoke pricing-quote asynchronously, or merge the two.".to_owned(),
                functions: vec![
                    "aws_lambda/123456789012/us-east-1/order-events-consumer".to_owned(),
                    "aws_lambda/123456789012/us-east-1/pricing-quote".to_owned(),
                ],
                monthly_usd_pico: INSIGHT_PICO[1],
                example_trace_ids: vec![
                    "4bf92f3577b34da6a3ce929d0e0e4736".to_owned(),
                    "0af7651916cd43dd8448eb211c80319c".to_owned(),
                ],
            },
        ],
        queries: vec![
            QueryUsed {
                feeds: "bill line items, totals".to_owned(),
                file: "monthly_usage.sql".to_owned(),
                params: vec![
                    TENANT.to_owned(),
                    "2025-06-01".to_owned(),
                    "2025-07-01".to_owned(),
                ],
            },
            QueryUsed {
                feeds: "top functions, daily cost".to_owned(),
                file: "function_costs.sql".to_owned(),
                params: vec![
                    TENANT.to_owned(),
                    "2025-06-01".to_owned(),
                    "2025-07-01".to_owned(),
                ],
            },
            QueryUsed {
                feeds: "forecast".to_owned(),
                file: "daily_history.sql".to_owned(),
                params: vec![TENANT.to_owned(), "2024-06-01".to_owned()],
            },
        ],
    }
}
