//! Tests of the right-sizing advice: each rule on a function or two built
//! by hand with the arithmetic in comments, the prices against the pricing
//! crate, and 300 synthetic functions whose cheapest safe size is known,
//! which the advice must find for at least 85 % of them.

use super::duration::{cpu_share, detect_pressure, fit_cpu_curve};
use super::input::read_rows;
use super::measure::{measure, sizes_to_measure, Target};
use super::memory::lowest_unobserved_mb;
use super::pricing::{billed_ms, cost_pico, pico};
use super::strategy::{choose, Scored};
use super::timeout::timeout_advice;
use super::*;
use chrono::TimeZone;
use faasight_pricing::Provider;
use faasight_stats::SplitMix64;
use faasight_store::PicoUsd;
use polars::prelude::Column;

/// A date in the current catalog's prices.
pub(super) fn test_date() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
}

/// One row of a test frame.
#[derive(Debug, Clone)]
pub(super) struct Obs {
    pub(super) provider: &'static str,
    pub(super) function: String,
    pub(super) runtime: &'static str,
    pub(super) arch: &'static str,
    pub(super) memory_mb: u32,
    pub(super) timeout_ms: Option<f64>,
    pub(super) invocations: u64,
    pub(super) mean: Option<f64>,
    pub(super) p999: Option<f64>,
    pub(super) mem_p99: Option<f64>,
    pub(super) mem_max: Option<f64>,
    pub(super) timeouts: u64,
    pub(super) oom_errors: u64,
    pub(super) billed_mean: Option<f64>,
    pub(super) is_current: bool,
}

fn obs(
    provider: &'static str,
    runtime: &'static str,
    memory_mb: u32,
    invocations: u64,
    mean: f64,
    mem_p99: f64,
    mem_max: f64,
) -> Obs {
    Obs {
        provider,
        function: "f".into(),
        runtime,
        arch: "x86_64",
        memory_mb,
        timeout_ms: None,
        invocations,
        mean: Some(mean),
        p999: Some(mean * 3.0),
        mem_p99: Some(mem_p99),
        mem_max: Some(mem_max),
        timeouts: 0,
        oom_errors: 0,
        billed_mean: None,
        is_current: true,
    }
}

pub(super) fn frame(rows: &[Obs]) -> DataFrame {
    let text = |name: &str, f: &dyn Fn(&Obs) -> String| {
        Column::new(name.into(), rows.iter().map(f).collect::<Vec<String>>())
    };
    let float = |name: &str, f: &dyn Fn(&Obs) -> Option<f64>| {
        Column::new(
            name.into(),
            rows.iter().map(f).collect::<Vec<Option<f64>>>(),
        )
    };
    let whole = |name: &str, f: &dyn Fn(&Obs) -> u64| {
        Column::new(name.into(), rows.iter().map(f).collect::<Vec<u64>>())
    };
    DataFrame::new_infer_height(vec![
        text("provider", &|o| o.provider.into()),
        text("account", &|_| "123".into()),
        text("region", &|_| "us-east-1".into()),
        text("function", &|o| o.function.clone()),
        text("runtime", &|o| o.runtime.into()),
        text("arch", &|o| o.arch.into()),
        Column::new(
            "memory_mb".into(),
            rows.iter().map(|o| o.memory_mb).collect::<Vec<u32>>(),
        ),
        float("timeout_ms", &|o| o.timeout_ms),
        whole("invocations", &|o| o.invocations),
        float("duration_p50_ms", &|o| o.mean),
        float("duration_p90_ms", &|o| o.mean.map(|m| m * 1.5)),
        float("duration_p99_ms", &|o| o.mean.map(|m| m * 2.0)),
        float("duration_p999_ms", &|o| o.p999),
        float("duration_mean_ms", &|o| o.mean),
        float("max_memory_p99_mb", &|o| o.mem_p99),
        float("max_memory_max_mb", &|o| o.mem_max),
        whole("timeouts", &|o| o.timeouts),
        whole("oom_errors", &|o| o.oom_errors),
        float("billed_duration_mean_ms", &|o| o.billed_mean),
        Column::new(
            "is_current".into(),
            rows.iter().map(|o| o.is_current).collect::<Vec<bool>>(),
        ),
    ])
    .unwrap()
}

/// Options whose window is one average month, so the monthly volume
/// equals the window's invocations.
fn month(strategy: Strategy) -> RightsizingOptions {
    RightsizingOptions {
        strategy,
        window_days: DAYS_PER_MONTH,
        ..RightsizingOptions::default()
    }
}

fn one(rows: &[Obs], options: &RightsizingOptions) -> Recommendation {
    let mut out = recommend(&frame(rows), options).unwrap();
    assert_eq!(out.len(), 1);
    out.remove(0)
}

#[test]
fn floor_rounds_to_each_providers_step() {
    let aws = Provider::AwsLambda;
    // 250 × 1.2 = 300 (not 301: the float error is absorbed).
    assert_eq!(safety_floor_mb(aws, 250.0, 260.0, 20.0), Some(300));
    // Never below the largest seen.
    assert_eq!(safety_floor_mb(aws, 250.0, 310.0, 20.0), Some(310));
    // 250.4 × 1.2 = 300.48 → 301 (1 MB steps).
    assert_eq!(safety_floor_mb(aws, 250.4, 0.0, 20.0), Some(301));
    // 50 × 1.2 = 60 → AWS minimum 128.
    assert_eq!(safety_floor_mb(aws, 50.0, 60.0, 20.0), Some(128));
    // Headroom 0: the largest seen.
    assert_eq!(safety_floor_mb(aws, 250.0, 255.5, 0.0), Some(256));
    let gcp = Provider::GcpCloudRunFunctions;
    // 300 → the 512 MiB tier; 120 → 128; 36,000 is beyond the tiers.
    assert_eq!(safety_floor_mb(gcp, 250.0, 260.0, 20.0), Some(512));
    assert_eq!(safety_floor_mb(gcp, 100.0, 110.0, 20.0), Some(128));
    assert_eq!(safety_floor_mb(gcp, 30000.0, 0.0, 20.0), Some(36000));
    let azure = Provider::AzureFunctions;
    // 300 → 3 × 128 = 384; 1,680 → 14 × 128 = 1,792 (above 1,536).
    assert_eq!(safety_floor_mb(azure, 250.0, 260.0, 20.0), Some(384));
    assert_eq!(safety_floor_mb(azure, 1400.0, 0.0, 20.0), Some(1792));
    assert_eq!(
        safety_floor_mb(Provider::CloudflareWorkers, 50.0, 60.0, 20.0),
        None
    );
    assert_eq!(safety_floor_mb(Provider::Knative, 50.0, 60.0, 20.0), None);
}

#[test]
fn per_invocation_prices_match_the_pricing_crate() {
    use faasight_store::InvocationRow;
    let row = |provider: &str, arch: &str, memory_mb: u32, billed: u64, used: u32| {
        faasight_pricing::list_cost(&InvocationRow {
            provider: provider.into(),
            arch: arch.into(),
            memory_mb,
            billed_duration_ms: billed,
            max_memory_used_mb: used,
            ..Default::default()
        })
    };
    let aws = Provider::AwsLambda;
    let p = |v: Option<f64>| pico(v.unwrap());
    // 128 MB × 10 ms on arm64: 216,667 pico (pricing crate's own test).
    assert_eq!(
        p(cost_pico(aws, "arm64", "us-east-1", 128, 10.0, test_date())),
        PicoUsd(216_667)
    );
    assert_eq!(
        p(cost_pico(aws, "arm64", "us-east-1", 128, 10.0, test_date())),
        row("aws_lambda", "arm64", 128, 10, 0)
    );
    assert_eq!(
        p(cost_pico(
            aws,
            "x86_64",
            "us-east-1",
            1769,
            123.0,
            test_date()
        )),
        row("aws_lambda", "x86_64", 1769, 123, 0)
    );
    let gcp = Provider::GcpCloudRunFunctions;
    assert_eq!(
        p(cost_pico(gcp, "", "us-east-1", 2048, 300.0, test_date())),
        PicoUsd(9_100_000)
    );
    assert_eq!(
        p(cost_pico(gcp, "", "us-east-1", 512, 200.0, test_date())),
        row("gcp_cloud_run_functions", "", 512, 200, 0)
    );
    let azure = Provider::AzureFunctions;
    assert_eq!(
        p(cost_pico(azure, "", "us-east-1", 129, 100.0, test_date())),
        row("azure_functions", "", 1536, 100, 129)
    );
    // Rounding rules: AWS 1 ms (≥ 1), GCP 100 ms, Azure ≥ 100 ms.
    assert_eq!(billed_ms(aws, 100.2), 101.0);
    assert_eq!(billed_ms(aws, 0.3), 1.0);
    assert_eq!(billed_ms(gcp, 100.2), 200.0);
    assert_eq!(billed_ms(azure, 42.0), 100.0);
    assert_eq!(billed_ms(azure, 142.5), 143.0);
}

#[test]
fn least_squares_with_clamps() {
    // Exact: y = 20 + 100 z.
    let (a, b) = fit_cpu_curve(&[(1.0, 120.0, 5.0), (2.0, 220.0, 1.0)]).unwrap();
    assert!((a - 20.0).abs() < 1e-9 && (b - 100.0).abs() < 1e-9);
    // Slower with more CPU (smaller z): b clamps to 0, a is the weighted
    // mean (3 × 90 + 1 × 100) / 4 = 92.5.
    let (a, b) = fit_cpu_curve(&[(2.0, 90.0, 3.0), (1.0, 100.0, 1.0)]).unwrap();
    assert_eq!((a, b), (92.5, 0.0));
    // y = −10 + 20 z: a clamps to 0, b = Σzy / Σz² = (10 + 60) / 5 = 14.
    let (a, b) = fit_cpu_curve(&[(1.0, 10.0, 1.0), (2.0, 30.0, 1.0)]).unwrap();
    assert_eq!(a, 0.0);
    assert!((b - 14.0).abs() < 1e-12);
    // One distinct CPU share: nothing to fit.
    assert_eq!(fit_cpu_curve(&[(1.0, 10.0, 1.0), (1.0, 12.0, 9.0)]), None);
}

/// A python function at 512 MB (not current) and 1,024 MB (current) whose
/// means follow 20 + 100 × 1769 / memory ms exactly.
fn two_sizes() -> Vec<Obs> {
    // 1769 / 512 = 3.455078125 → 20 + 345.5078125;
    // 1769 / 1024 = 1.7275390625 → 20 + 172.75390625.
    let mut small = obs(
        "aws_lambda",
        "python3.12",
        512,
        1000,
        365.5078125,
        150.0,
        160.0,
    );
    small.is_current = false;
    let big = obs(
        "aws_lambda",
        "python3.12",
        1024,
        1000,
        192.75390625,
        150.0,
        160.0,
    );
    vec![small, big]
}

#[test]
fn fitted_on_two_sizes() {
    let r = one(&two_sizes(), &month(Strategy::Cost));
    let model = r.duration_model.clone().unwrap();
    assert_eq!(model.kind, ModelKind::Fitted);
    assert!((model.fixed_ms - 20.0).abs() < 1e-9);
    assert!((model.cpu_ms_at_one_vcpu - 100.0).abs() < 1e-9);
    assert_eq!(model.usable_vcpus, Some(1.0));
    assert_eq!(model.sizes_mb, vec![512, 1024]);
    assert!(r.evidence.sizes_observed.iter().all(|s| s.used_in_fit));
    // Floor: max(150 × 1.2, 160) = 180 MB.
    assert_eq!(r.safety_floor_mb, Some(180));
    // Below the smallest observed size (512 MB) advice goes no lower than
    // max(512 / 2, 150 × 2) = 300 MB.
    assert_eq!(r.lowest_advisable_mb, Some(300));
    // Cost per MB-ms: 300 MB × ceil(20 + 100 × 1769 / 300 = 609.67) =
    // 300 × 610 = 183,000; 384 × ceil(480.68) = 184,704; 512 × 366
    // (the fit, equal to the observation) = 187,392; … → 300 MB. The
    // model alone, from every safe size, takes the floor: 180 MB ×
    // ceil(20 + 100 × 1769 / 180 = 1002.8) = 180,540.
    assert_eq!(r.status, Status::Recommend);
    assert_eq!(r.recommended_memory_mb, Some(300));
    assert!((r.expected_duration_ms.unwrap() - (20.0 + 176_900.0 / 300.0)).abs() < 1e-9);
    assert!(r.extrapolated_below_observed);
    // After: 16,666,700 × 300 × 610 / 1,024,000 + 200,000 = 3,178,521.6.
    assert_eq!(r.cost_per_invocation_after, Some(PicoUsd(3_178_522)));
    // Now: 16,666,700 × 1024 × 193 / 1,024,000 + 200,000 = 3,416,673.1.
    assert_eq!(r.cost_per_invocation_now, Some(PicoUsd(3_416_673)));
    // 2,000 invocations a month (both sizes).
    assert_eq!(r.monthly_invocations, 2000.0);
    assert_eq!(r.monthly_cost_now, Some(PicoUsd(6_833_346_200)));
    assert_eq!(r.monthly_cost_after, Some(PicoUsd(6_357_043_164)));
    assert_eq!(r.monthly_savings, Some(PicoUsd(476_303_036)));
    // 476,303,036 / 6,833,346,200 = 6.9703 %.
    assert!((r.savings_pct.unwrap() - 6.97028).abs() < 1e-4);
    // 300 ≥ 180 × 1.1 and fitted, but below every observed size: medium.
    assert_eq!(r.risk, Some(Risk::Medium));
    assert!(
        r.risk_reasons
            .iter()
            .any(|x| x.contains("below the smallest observed size (512 MB)")),
        "{:?}",
        r.risk_reasons
    );
    assert!(
        r.reason.starts_with("Lower 1024 MB → 300 MB"),
        "{}",
        r.reason
    );
    assert!(
        r.reason.contains("The model alone favours 180 MB"),
        "{}",
        r.reason
    );
    assert!(r.memory_pressure.is_empty());
    let measure = r.measure.clone().unwrap();
    assert!(measure
        .why
        .iter()
        .any(|w| w.contains("model alone would pick 180 MB")));
}

#[test]
fn extrapolation_below_the_observed_sizes_is_bounded() {
    // Half the smallest observed size, or twice the p99 of memory used,
    // whichever is larger, never above the smallest observed size.
    assert_eq!(lowest_unobserved_mb(2048, 300.0), 1024);
    assert_eq!(lowest_unobserved_mb(2048, 700.0), 1400);
    // 2 × 600 = 1,200 > 1,024: the observed size itself.
    assert_eq!(lowest_unobserved_mb(1024, 600.0), 1024);
    // 300 / 2 = 150; 2 × 10.3 = 20.6.
    assert_eq!(lowest_unobserved_mb(300, 10.3), 150);
    // 2 × 250.2 = 500.4 → 501.
    assert_eq!(lowest_unobserved_mb(800, 250.2), 501);
}

#[test]
fn pressure_from_the_duration_slope() {
    // Python (one usable vCPU) at 1,024 MB and 2,048 MB: CPU share
    // min(2048 / 1769, 1) / (1024 / 1769) = 1.7275, so at most 1.7275 ×
    // 1.15 = 1.987× faster. 1,000 → 300 ms is 3.33×: pressure at 1,024.
    let python = |m: u32| (m as f64 / AWS_MB_PER_VCPU).min(1.0);
    let found = detect_pressure(&[(1024, 1000.0, None), (2048, 300.0, None)], python);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].memory_mb, 1024);
    assert_eq!(found[0].sign, PressureSign::DurationSlope);
    assert!(found[0].detail.contains("3.33×") && found[0].detail.contains("1.73×"));
    // 1,000 → 580 ms (1.72×) is what the CPU share explains: none.
    assert!(detect_pressure(&[(1024, 1000.0, None), (2048, 580.0, None)], python).is_empty());
    // 410 of 512 MB used at p99 = 80.1 %: pressure by share; 400 is 78 %.
    let found = detect_pressure(
        &[(512, 100.0, Some(410.0)), (1024, 60.0, Some(410.0))],
        python,
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].sign, PressureSign::MemoryShare);
    assert!(detect_pressure(&[(512, 100.0, Some(400.0))], python).is_empty());
}

/// The case: a Java function observed at 2,048, 8,192 and
/// 10,240 MB whose duration rises steeply at 2,048 MB (garbage
/// collection), running at 10,240 MB now.
#[test]
fn steep_pressure_below_the_fitted_sizes_is_not_extrapolated() {
    let row = |m: u32, mean: f64, current: bool| {
        let mut o = obs("aws_lambda", "java21", m, 1000, mean, 700.0, 720.0);
        o.is_current = current;
        o
    };
    let rows = [
        row(2048, 3000.0, false),
        row(8192, 400.0, false),
        row(10240, 330.0, true),
    ];
    let r = one(&rows, &month(Strategy::Cost));
    // 2,048 → 8,192 MB: 3,000 / 400 = 7.5× faster for 4× the CPU:
    // pressure at 2,048 MB. 8,192 → 10,240: 1.21× for 1.25×: none.
    assert_eq!(r.memory_pressure.len(), 1);
    assert_eq!(r.memory_pressure[0].memory_mb, 2048);
    assert_eq!(r.memory_pressure[0].sign, PressureSign::DurationSlope);
    // Fitted on 8,192 and 10,240 only; nothing below 2,048 MB advised.
    assert_eq!(
        r.duration_model.as_ref().unwrap().sizes_mb,
        vec![8192, 10240]
    );
    assert_eq!(r.lowest_advisable_mb, Some(2048));
    assert!(r.candidates.iter().all(|c| c.memory_mb >= 2048));
    let at = |m: u32| r.candidates.iter().find(|c| c.memory_mb == m).unwrap();
    // 2,048 MB at its observed mean; 4,096 MB halfway (in log memory)
    // between 2,048 and 8,192: √(3,000 × 400) = 1,095.4 ms, at most the
    // 3,000 ms observed at 2,048.
    assert_eq!(at(2048).expected_duration_ms, 3000.0);
    assert!((at(4096).expected_duration_ms - (3000.0f64 * 400.0).sqrt()).abs() < 1e-6);
    assert_eq!(at(4096).duration_high_ms, 3000.0);
    // MB-ms: 2,048 × 3,000 = 6.1 M; 4,096 × 1,096 = 4.5 M; 8,192 × 400
    // = 3.28 M; 9,216 × ceil(50 + 1,620.8 × 0.19195 = 361.1) = 3.34 M;
    // 10,240 × 330 = 3.38 M → 8,192 MB, an observed size.
    assert_eq!(r.recommended_memory_mb, Some(8192));
    assert!(!r.extrapolated_below_observed);
    assert!(
        r.reason
            .contains("Memory pressure: 2048 MB ran 7.50× as long as 8192 MB"),
        "{}",
        r.reason
    );
    assert!(
        r.reason.contains("no size below 2048 MB is advised"),
        "{}",
        r.reason
    );
    // Pressure makes the best size uncertain: measure from the floor
    // (max(700 × 1.2, 720) = 840 MB) up to one rung above 10,240 (none).
    let m = r.measure.clone().unwrap();
    assert!(m
        .why
        .iter()
        .any(|w| w.starts_with("memory pressure: 2048 MB")));
    assert_eq!(
        m.candidate_sizes_mb,
        vec![840, 1024, 1536, 2048, 3008, 4096, 5120, 6144, 7168, 8192, 9216, 10240]
    );
}

#[test]
fn measurement_input_by_provider() {
    // AWS: the Power Tuning ladder from the floor (700, a size of its own
    // on AWS) to one rung above the current 2,048 MB.
    assert_eq!(
        sizes_to_measure(Provider::AwsLambda, 700, 2048, 1024),
        vec![700, 1024, 1536, 2048, 3008]
    );
    // GCP: its memory tiers; a current size below the floor is left out.
    assert_eq!(
        sizes_to_measure(Provider::GcpCloudRunFunctions, 512, 256, 1024),
        vec![512, 1024, 2048]
    );
    let target = |provider, account| Target {
        provider,
        account,
        region: "eu-west-1",
        function: "checkout",
        strategy: Strategy::Balanced,
        balanced_weight: 0.3,
    };
    let why =
        vec!["durations at other sizes are projected from one observed size (1024 MB)".to_string()];
    let m = measure(
        &target(Provider::AwsLambda, "111122223333"),
        why.clone(),
        vec![512, 1024],
    );
    let input = serde_json::to_value(m.power_tuning_input.unwrap()).unwrap();
    assert_eq!(
        input,
        serde_json::json!({
            "lambdaARN": "arn:aws:lambda:eu-west-1:111122223333:function:checkout",
            "powerValues": [512, 1024],
            "num": 50,
            "payload": {},
            "parallelInvocation": false,
            "strategy": "balanced",
            "balancedWeight": 0.3
        })
    );
    // No account: the ARN is left empty, and the note says so.
    let m = measure(
        &target(Provider::AwsLambda, ""),
        why.clone(),
        vec![512, 1024],
    );
    assert_eq!(m.power_tuning_input.unwrap().lambda_arn, "");
    assert!(m.note.contains("lambdaARN is empty"), "{}", m.note);
    // Power Tuning is AWS-only: elsewhere the sizes alone.
    let m = measure(
        &target(Provider::GcpCloudRunFunctions, "p"),
        why,
        vec![512, 1024],
    );
    assert!(m.power_tuning_input.is_none());
    assert_eq!(m.candidate_sizes_mb, vec![512, 1024]);
    assert!(m.note.contains("AWS only"), "{}", m.note);
}

#[test]
fn projected_range_from_one_size() {
    let rows = [obs(
        "aws_lambda",
        "nodejs20.x",
        1024,
        1_000_000,
        200.0,
        80.0,
        90.0,
    )];
    let r = one(&rows, &month(Strategy::Cost));
    let model = r.duration_model.clone().unwrap();
    assert_eq!(model.kind, ModelKind::ProjectedRange);
    // Floor: max(96, 90) → AWS minimum 128; but below the one observed
    // size advice goes no lower than max(1,024 / 2, 80 × 2) = 512 MB.
    assert_eq!(r.safety_floor_mb, Some(128));
    assert_eq!(r.lowest_advisable_mb, Some(512));
    assert!(r.candidates.iter().all(|c| c.memory_mb >= 512));
    let at = |m: u32| r.candidates.iter().find(|c| c.memory_mb == m).unwrap();
    // 512 MB: unchanged 200 ms … fully CPU-bound 200 × 1024 / 512 =
    // 400 ms; expected the midpoint 300 ms.
    let c = at(512);
    assert_eq!((c.duration_low_ms, c.duration_high_ms), (200.0, 400.0));
    assert_eq!(c.expected_duration_ms, 300.0);
    // 2,048 MB: node uses one vCPU, so at best 200 × (1024 / 1769) / 1.
    let c = at(2048);
    assert!((c.duration_low_ms - 200.0 * 1024.0 / 1769.0).abs() < 1e-9);
    assert_eq!(c.duration_high_ms, 200.0);
    assert_eq!(at(1024).observed_mean_ms, Some(200.0));
    assert_eq!(at(1024).expected_duration_ms, 200.0);
    // Cost: m × (200 + 200 × 1024 / m) / 2 = 100 m + 102,400 MB-ms grows
    // with m, so 512 × 300 = 153,600 beats 640 × 260 = 166,400 and the
    // current 1,024 × 200 = 204,800.
    assert_eq!(r.recommended_memory_mb, Some(512));
    assert!(r.extrapolated_below_observed);
    // 16,666,700 × 512 × 300 / 1,024,000 + 200,000 = 2,700,005
    // and 16,666,700 × 0.2 + 200,000 = 3,533,340, × 1,000,000 a month.
    assert_eq!(r.monthly_cost_now, Some(PicoUsd(3_533_340_000_000)));
    assert_eq!(r.monthly_cost_after, Some(PicoUsd(2_700_005_000_000)));
    assert_eq!(r.monthly_savings, Some(PicoUsd(833_335_000_000)));
    // Range: 200 ms → 1,666,670 + 200,000; 400 ms → 3,533,340.
    assert_eq!(
        r.monthly_cost_after_range,
        Some((PicoUsd(1_866_670_000_000), PicoUsd(3_533_340_000_000)))
    );
    // 512 ≥ 96 × 1.1 = 105.6, but projected and below the observed size:
    // medium.
    assert_eq!(r.risk, Some(Risk::Medium));
    assert!(
        r.reason
            .contains("below the smallest observed size (1024 MB)"),
        "{}",
        r.reason
    );
    // Uncertain: a Power Tuning input over the ladder from the floor
    // (128) to one rung above the current 1,024 MB.
    let m = r.measure.clone().unwrap();
    assert_eq!(m.candidate_sizes_mb, vec![128, 256, 512, 1024, 1536]);
    assert!(
        m.why[0].contains("projected from one observed size (1024 MB)"),
        "{:?}",
        m.why
    );
    let input = serde_json::to_value(m.power_tuning_input.unwrap()).unwrap();
    assert_eq!(
        input,
        serde_json::json!({
            "lambdaARN": "arn:aws:lambda:us-east-1:123:function:f",
            "powerValues": [128, 256, 512, 1024, 1536],
            "num": 50,
            "payload": {},
            "parallelInvocation": false,
            "strategy": "cost"
        })
    );
    // 80 MB of 1,024 at p99 is under 10 %.
    assert!(r.over_provisioned);
    assert!(!r.near_oom);
}

#[test]
fn strategies_follow_power_tuning() {
    // Hand-made sizes: (cost, duration) = (1, 10), (2, 4), (4, 2).
    let s = [
        Scored {
            cost: 1.0,
            duration: 10.0,
        },
        Scored {
            cost: 2.0,
            duration: 4.0,
        },
        Scored {
            cost: 4.0,
            duration: 2.0,
        },
    ];
    assert_eq!(choose(Strategy::Cost, 0.5, &s), Some(0));
    assert_eq!(choose(Strategy::Speed, 0.5, &s), Some(2));
    // Balanced 0.5: 0.5 × 1/4 + 0.5 × 10/10 = 0.625; 0.5 × 2/4 + 0.5 ×
    // 4/10 = 0.45; 0.5 × 4/4 + 0.5 × 2/10 = 0.6 → the middle one.
    assert_eq!(choose(Strategy::Balanced, 0.5, &s), Some(1));
    assert_eq!(choose(Strategy::Balanced, 1.0, &s), Some(0));
    assert_eq!(choose(Strategy::Balanced, 0.0, &s), Some(2));
    // Ties: equal cost → the faster; equal duration → the cheaper.
    let tie = [
        Scored {
            cost: 1.0,
            duration: 5.0,
        },
        Scored {
            cost: 1.0,
            duration: 3.0,
        },
        Scored {
            cost: 0.5,
            duration: 3.0,
        },
    ];
    assert_eq!(choose(Strategy::Cost, 0.5, &tie[..2]), Some(1));
    assert_eq!(choose(Strategy::Speed, 0.5, &tie), Some(2));
    assert_eq!(choose(Strategy::Cost, 0.5, &[]), None);

    // The same frame under each strategy.
    let pick = |strategy, weight| {
        let options = RightsizingOptions {
            balanced_weight: weight,
            ..month(strategy)
        };
        one(&two_sizes(), &options).recommended_memory_mb
    };
    // Cost: 300 MB, the bound below the observed 512 MB (fitted_on_two_sizes).
    assert_eq!(pick(Strategy::Cost, 0.5), Some(300));
    // Python gains nothing above one vCPU: every size from 1,769 MB runs
    // 20 + 100 = 120 ms, and 1,769 MB is the cheapest of them.
    assert_eq!(pick(Strategy::Speed, 0.5), Some(1769));
    assert_eq!(pick(Strategy::Balanced, 1.0), Some(300));
    assert_eq!(pick(Strategy::Balanced, 0.0), Some(1769));
    assert_eq!("Balanced".parse::<Strategy>(), Ok(Strategy::Balanced));
    assert_eq!(" cost ".parse::<Strategy>(), Ok(Strategy::Cost));
    assert_eq!(
        "fast".parse::<Strategy>(),
        Err(RightsizingError::UnknownStrategy("fast".into()))
    );
}

#[test]
fn arm64_savings_at_the_advised_size() {
    // 1,024 MB, 1,000 ms, 1 M invocations a month; floor
    // max(800 × 1.2, 850) = 960 MB. 1,280 MB would cost 1,280 × 900 ms
    // (midpoint of 800 … 1,000) = 1,152,000 MB-ms > 1,024,000: keep.
    let rows = [obs(
        "aws_lambda",
        "python3.12",
        1024,
        1_000_000,
        1000.0,
        800.0,
        850.0,
    )];
    let r = one(&rows, &month(Strategy::Cost));
    assert_eq!(r.status, Status::Keep);
    // 1 GB-s: x86 16,666,700 + 200,000; arm 13,333,400 + 200,000.
    let arm = r.arm64.clone().unwrap();
    assert_eq!(arm.memory_mb, 1024);
    assert_eq!(arm.monthly_cost_x86_64, PicoUsd(16_866_700_000_000));
    assert_eq!(arm.monthly_cost_arm64, PicoUsd(13_533_400_000_000));
    assert_eq!(arm.monthly_savings, PicoUsd(3_333_300_000_000));
    // 3,333,300 / 16,866,700 = 19.7626 %.
    assert!((arm.savings_pct - 19.7626).abs() < 1e-4);
    // 1,024 < 960 × 1.1 = 1,056: thin margin.
    assert_eq!(r.risk, Some(Risk::High));
    // Runtimes without arm64, functions already on arm64, other clouds.
    let arm_of = |provider, runtime, arch| {
        let mut o = rows[0].clone();
        o.provider = provider;
        o.runtime = runtime;
        o.arch = arch;
        one(&[o], &month(Strategy::Cost)).arm64
    };
    assert!(arm_of("aws_lambda", "go1.x", "x86_64").is_none());
    assert!(arm_of("aws_lambda", "java8", "x86_64").is_none());
    assert!(arm_of("aws_lambda", "", "x86_64").is_none());
    assert!(arm_of("aws_lambda", "python3.12", "arm64").is_none());
    assert!(arm_of("aws_lambda", "provided.al2023", "x86_64").is_some());
    assert!(arm_of("gcp_cloud_run_functions", "python312", "x86_64").is_none());
}

#[test]
fn timeout_advice_rules() {
    // 128 MB, the smallest size: kept, so no slow-down scaling.
    let base = {
        let mut o = obs("aws_lambda", "python3.12", 128, 5000, 100.0, 50.0, 60.0);
        o.timeout_ms = Some(30_000.0);
        o.p999 = Some(800.0);
        o
    };
    let advice = |o: &Obs| one(std::slice::from_ref(o), &month(Strategy::Cost)).timeout;
    // 30 s > 10 × 0.8 s and > 3 s: 3 × 800 = 2,400 ms → 3 s.
    let a = advice(&base).unwrap();
    assert_eq!(a.action, TimeoutAction::Lower);
    assert_eq!(a.current_timeout_ms, 30_000);
    assert_eq!(a.suggested_timeout_ms, Some(3000));
    // 5 s is not over 10 × 0.6 s.
    let mut o = base.clone();
    o.timeout_ms = Some(5000.0);
    o.p999 = Some(600.0);
    assert_eq!(advice(&o), None);
    // 2.5 s is over 10 × 0.1 s but not over 3 s.
    o.timeout_ms = Some(2500.0);
    o.p999 = Some(100.0);
    assert_eq!(advice(&o), None);
    // Timeouts observed: raise or investigate, and the advice is risky.
    let mut o = base.clone();
    o.timeouts = 3;
    let r = one(&[o], &month(Strategy::Cost));
    let a = r.timeout.unwrap();
    assert_eq!(a.action, TimeoutAction::RaiseOrInvestigate);
    assert_eq!(a.suggested_timeout_ms, None);
    assert_eq!(r.risk, Some(Risk::High));
    // A size that may run 1.5× slower scales p99.9: 800 × 1.5 × 3 =
    // 3,600 ms → 4 s.
    let row = read_rows(&frame(&[base])).unwrap().remove(0);
    let a = timeout_advice(&row, Some(1.5)).unwrap();
    assert_eq!(a.suggested_timeout_ms, Some(4000));
}

#[test]
fn insufficient_data_says_why() {
    let few = obs("aws_lambda", "python3.12", 512, 5, 100.0, 50.0, 60.0);
    let r = one(&[few], &month(Strategy::Cost));
    assert_eq!(r.status, Status::InsufficientData);
    assert!(
        r.reason.contains(
            "only 5 invocations at the current size of 512 MB in the window (at least 10 needed)"
        ),
        "{}",
        r.reason
    );
    assert_eq!(r.recommended_memory_mb, None);
    assert!(r.arm64.is_none());
    // Memory not reported (OpenTelemetry without the REPORT line).
    let mut blind = obs("aws_lambda", "python3.12", 512, 5000, 100.0, 0.0, 0.0);
    blind.mem_p99 = None;
    let r = one(&[blind], &month(Strategy::Cost));
    assert_eq!(r.status, Status::InsufficientData);
    assert!(r.reason.contains("no max-memory data"), "{}", r.reason);
    assert_eq!(r.safety_floor_mb, None);
    // Durations are known, so arm64 savings still are.
    assert!(r.arm64.is_some());
    // A lower threshold admits the five invocations (medium risk at best).
    let few = obs("aws_lambda", "python3.12", 512, 5, 100.0, 50.0, 60.0);
    let options = RightsizingOptions {
        min_invocations: 5,
        ..month(Strategy::Cost)
    };
    let r = one(&[few], &options);
    assert_eq!(r.status, Status::Recommend);
    assert!(r.risk.unwrap() >= Risk::Medium);
}

#[test]
fn platforms_without_a_memory_setting() {
    let r = one(
        &[obs("cloudflare_workers", "", 128, 5000, 10.0, 20.0, 30.0)],
        &month(Strategy::Cost),
    );
    assert_eq!(r.status, Status::NotApplicable);
    assert!(r
        .reason
        .contains("Cloudflare Workers have no memory setting"));
    let r = one(
        &[obs(
            "azure_functions",
            "node",
            1536,
            5000,
            42.0,
            250.0,
            260.0,
        )],
        &month(Strategy::Cost),
    );
    assert_eq!(r.status, Status::NotApplicable);
    // Floor 300 → 384 MB; billed at the memory used: 250 → 256 MB ×
    // 100 ms minimum × $0.000016 + $0.0000002 = 600,000 pico.
    assert_eq!(r.safety_floor_mb, Some(384));
    assert_eq!(r.cost_per_invocation_now, Some(PicoUsd(600_000)));
    assert!(!r.over_provisioned);
}

#[test]
fn near_oom_and_undersized() {
    // 1,000 of 1,024 MB used: near OOM; floor max(900 × 1.2, 1000) =
    // 1,080 MB > 1,024 MB → raise to the floor itself (AWS takes 1 MB
    // steps): 1,080 × ceil((100 + 100 × 1024 / 1080) / 2 = 97.4) =
    // 105,840 MB-ms beats 1,280 × 90 = 115,200.
    let rows = [obs(
        "aws_lambda",
        "python3.12",
        1024,
        5000,
        100.0,
        900.0,
        1000.0,
    )];
    let r = one(&rows, &month(Strategy::Cost));
    assert!(r.near_oom);
    assert_eq!(r.safety_floor_mb, Some(1080));
    assert_eq!(r.recommended_memory_mb, Some(1080));
    // 1,080 < 1,080 × 1.1: no margin beyond the headroom.
    assert_eq!(r.risk, Some(Risk::High));
    // 900 / 1,024 = 88 % used at p99 ≥ 80 %: memory pressure there.
    assert_eq!(r.memory_pressure.len(), 1);
    assert_eq!(r.memory_pressure[0].memory_mb, 1024);
    assert_eq!(r.memory_pressure[0].sign, PressureSign::MemoryShare);
    assert!(r.memory_pressure[0].detail.contains("88 %"));
    assert!(
        r.reason.starts_with("Raise (the current size is below"),
        "{}",
        r.reason
    );
    assert!(r.monthly_savings.unwrap().0 < 0);
    // OOM errors alone also flag it, and make the advice high risk.
    let mut o = obs("aws_lambda", "python3.12", 1024, 5000, 100.0, 300.0, 400.0);
    o.oom_errors = 2;
    let r = one(&[o], &month(Strategy::Cost));
    assert!(r.near_oom);
    assert_eq!(r.risk, Some(Risk::High));
}

#[test]
fn bad_input_is_an_error_sentence() {
    let good = frame(&[obs("aws_lambda", "python3.12", 512, 50, 10.0, 50.0, 60.0)]);
    let options = RightsizingOptions::default();
    let no_arch = good.drop("arch").unwrap();
    assert_eq!(
        recommend(&no_arch, &options),
        Err(RightsizingError::Input(FrameError::MissingColumn {
            column: "arch".into()
        }))
    );
    let mut two = obs("aws_lambda", "python3.12", 512, 50, 10.0, 50.0, 60.0);
    let mut other = two.clone();
    other.memory_mb = 1024;
    let err = recommend(&frame(&[two.clone(), other.clone()]), &options).unwrap_err();
    assert!(
        err.to_string().contains("2 rows have is_current = true"),
        "{err}"
    );
    two.is_current = false;
    other.is_current = false;
    let err = recommend(&frame(&[two.clone(), other]), &options).unwrap_err();
    assert!(err.to_string().contains("0 rows have is_current"), "{err}");
    let mut dup = two.clone();
    dup.is_current = true;
    let err = recommend(&frame(&[two, dup]), &options).unwrap_err();
    assert!(err.to_string().contains("two rows for 512 MB"), "{err}");
    let mut negative = obs("aws_lambda", "python3.12", 512, 50, 10.0, 50.0, 60.0);
    negative.mean = Some(-1.0);
    assert!(matches!(
        recommend(&frame(&[negative]), &options),
        Err(RightsizingError::BadRow { row: 0, .. })
    ));
    let mut text_memory = good.clone();
    text_memory
        .with_column(Column::new("memory_mb".into(), vec!["512"]))
        .unwrap();
    let err = recommend(&text_memory, &options).unwrap_err();
    assert!(
        matches!(&err, RightsizingError::Input(e) if e.column() == "memory_mb"),
        "{err}"
    );
    for bad in [
        RightsizingOptions {
            balanced_weight: 1.5,
            ..options.clone()
        },
        RightsizingOptions {
            headroom_pct: -5.0,
            ..options.clone()
        },
        RightsizingOptions {
            window_days: 0.0,
            ..options.clone()
        },
    ] {
        assert!(matches!(
            recommend(&good, &bad),
            Err(RightsizingError::BadOption(_))
        ));
    }
}

/// Draws for the validation set from a seeded SplitMix64, so the
/// validation is the same on every run.
pub(super) struct Draws(pub(super) SplitMix64);

impl Draws {
    /// Uniform in [0, 1).
    pub(super) fn uniform(&mut self) -> f64 {
        self.0.uniform()
    }
    pub(super) fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }
    pub(super) fn log_between(&mut self, lo: f64, hi: f64) -> f64 {
        self.between(lo.ln(), hi.ln()).exp()
    }
    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.uniform() * n as f64) as usize % n.max(1)
    }
    /// Standard normal (Box–Muller).
    pub(super) fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// A synthetic function's true behaviour.
struct Truth {
    provider: Provider,
    runtime: &'static str,
    arch: &'static str,
    cpu_fraction: f64,
    parallelism: f64,
    one_vcpu_ms: f64,
    need_mb: f64,
    /// Smallest size the function was observed at.
    smallest_seen_mb: u32,
}

impl Truth {
    /// True mean duration: the CPU-bound part shrinks with vCPUs up to
    /// the code's real parallelism.
    fn duration(&self, memory_mb: u32) -> f64 {
        let vcpus = cpu_share(self.provider, memory_mb)
            .unwrap()
            .min(self.parallelism);
        self.one_vcpu_ms * ((1.0 - self.cpu_fraction) + self.cpu_fraction / vcpus)
    }

    fn true_cost(&self, memory_mb: u32) -> f64 {
        let d = self.duration(memory_mb);
        cost_pico(
            self.provider,
            self.arch,
            "us-east-1",
            memory_mb,
            billed_ms(self.provider, d),
            test_date(),
        )
        .unwrap()
    }

    fn grid(&self) -> &'static [u32] {
        match self.provider {
            Provider::GcpCloudRunFunctions => &GCP_MEMORY_TIERS_MB,
            _ => &AWS_MEMORY_GRID_MB,
        }
    }

    /// The cheapest size with 20 % headroom over the true need, among
    /// those the advice may reach: below the smallest observed size, no
    /// lower than half of it nor than twice the need (the bound on
    /// extrapolation, [`UNOBSERVED_STEP_DOWN`], [`UNOBSERVED_HEADROOM`]);
    /// the grid, and on AWS (1 MB steps) that lowest size itself.
    fn oracle(&self) -> u32 {
        let safe = (self.need_mb * 1.2 - 1e-6).ceil() as u32;
        let smallest = self.smallest_seen_mb as f64;
        let reach = (smallest * 0.5).max(self.need_mb * 2.0).min(smallest);
        let lowest = safe
            .max((reach - 1e-6).ceil() as u32)
            .max(AWS_MIN_MEMORY_MB);
        let exact = (self.provider == Provider::AwsLambda).then_some(lowest);
        self.grid()
            .iter()
            .copied()
            .chain(exact)
            .filter(|&m| m >= lowest)
            .min_by(|&a, &b| {
                self.true_cost(a)
                    .total_cmp(&self.true_cost(b))
                    .then(self.duration(a).total_cmp(&self.duration(b)))
                    .then(a.cmp(&b))
            })
            .unwrap()
    }
}

#[test]
fn synthetic_functions_match_the_oracle() {
    let mut rng = Draws(SplitMix64::new(0x5eed_2026));
    let single = ["nodejs20.x", "python3.12", "ruby3.3"];
    let multi = ["java21", "dotnet8", "provided.al2023"];
    let mut rows = Vec::new();
    let mut truths = Vec::new();
    let functions = 300;
    for i in 0..functions {
        let provider = if rng.uniform() < 0.8 {
            Provider::AwsLambda
        } else {
            Provider::GcpCloudRunFunctions
        };
        let threaded = rng.uniform() < 0.5;
        let runtime = if threaded {
            multi[rng.below(3)]
        } else {
            single[rng.below(3)]
        };
        let mut truth = Truth {
            provider,
            runtime,
            arch: if provider == Provider::AwsLambda && rng.uniform() < 0.3 {
                "arm64"
            } else {
                "x86_64"
            },
            cpu_fraction: rng.uniform(),
            parallelism: if threaded {
                1.0 + rng.below(6) as f64
            } else {
                1.0
            },
            one_vcpu_ms: rng.log_between(3.0, 3000.0),
            need_mb: rng.log_between(30.0, 4000.0),
            smallest_seen_mb: 0,
        };
        // Sizes seen: one (60 %) or two to three, all large enough not to
        // run out of memory, among the eight smallest such sizes.
        let allowed: Vec<u32> = truth
            .grid()
            .iter()
            .copied()
            .filter(|&m| m as f64 >= truth.need_mb * 1.1)
            .take(8)
            .collect();
        let k = match rng.uniform() {
            u if u < 0.6 => 1,
            u if u < 0.85 => 2,
            _ => 3,
        }
        .min(allowed.len());
        let mut seen: Vec<u32> = Vec::new();
        while seen.len() < k {
            let m = allowed[rng.below(allowed.len())];
            if !seen.contains(&m) {
                seen.push(m);
            }
        }
        truth.smallest_seen_mb = seen.iter().copied().min().unwrap_or(0);
        for (j, &m) in seen.iter().enumerate() {
            let n = rng.log_between(30.0, 200_000.0) as u64;
            // Noise of a window's mean and memory p99: shrinking with
            // the invocation count, plus a floor for drift.
            let sd = 0.5 / (n as f64).sqrt() + 0.01;
            let mean = truth.duration(m) * (sd * rng.normal()).exp();
            let mem_sd = 0.1 / (n as f64).sqrt() + 0.01;
            let p99 = truth.need_mb * (1.0 + mem_sd * rng.normal());
            let max = (truth.need_mb * (1.0 + 0.12 * rng.uniform()))
                .max(p99)
                .min(m as f64);
            rows.push(Obs {
                provider: truth.provider.as_str(),
                function: format!("fn{i:03}"),
                runtime: truth.runtime,
                arch: truth.arch,
                memory_mb: m,
                timeout_ms: Some(30_000.0),
                invocations: n,
                mean: Some(mean),
                p999: Some(mean * 4.0),
                mem_p99: Some(p99),
                mem_max: Some(max),
                timeouts: 0,
                oom_errors: 0,
                billed_mean: Some(billed_ms(truth.provider, mean)),
                is_current: j + 1 == seen.len(),
            });
        }
        truths.push(truth);
    }
    let recs = recommend(&frame(&rows), &RightsizingOptions::default()).unwrap();
    assert_eq!(recs.len(), functions);
    let (mut exact, mut near) = (0usize, 0usize);
    let mut misses = Vec::new();
    let mut by_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for rec in &recs {
        // Output is ordered by provider first; the name gives the index.
        let truth = &truths[rec.function[2..].parse::<usize>().unwrap()];
        let oracle = truth.oracle();
        let got = rec.recommended_memory_mb.expect("every function has data");
        let hit = got == oracle;
        if !hit {
            misses.push(format!(
                "{}: {got} MB for {oracle} MB (need × 1.2 = {:.0}, floor {:?}, {:?})",
                rec.function,
                truth.need_mb * 1.2,
                rec.safety_floor_mb,
                rec.duration_model.as_ref().map(|m| m.kind)
            ));
        }
        exact += hit as usize;
        // Within 1 % of the oracle's true cost counts as near.
        near += (truth.true_cost(got) <= truth.true_cost(oracle) * 1.01) as usize;
        let kind = match (truth.provider, rec.duration_model.as_ref().map(|m| m.kind)) {
            (Provider::AwsLambda, Some(ModelKind::Fitted)) => "aws fitted",
            (Provider::AwsLambda, _) => "aws projected",
            (_, Some(ModelKind::Fitted)) => "gcp fitted",
            _ => "gcp projected",
        };
        let e = by_kind.entry(kind).or_default();
        e.0 += hit as usize;
        e.1 += 1;
    }
    let rate = near as f64 / functions as f64;
    eprintln!(
        "right-sizing validation: {exact}/{functions} = {:.1} % equal to the oracle's size; \
         {near}/{functions} = {:.1} % within 1 % of its true cost; by kind {by_kind:?}",
        100.0 * exact as f64 / functions as f64,
        100.0 * rate
    );
    eprintln!("misses: {misses:#?}");
    assert!(
        rate >= 0.85,
        "only {:.1} % within 1 % of the oracle's cost",
        100.0 * rate
    );
}
