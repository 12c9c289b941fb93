//! Tests of the cold-start analyses: each cause rule on a few invocations
//! laid out by hand, the keep-alive estimate, the percentage arithmetic of
//! rates and INIT billing, and the invariants on 100,000 synthetic
//! invocations (every cold start has exactly one cause).

use super::*;
use faasight_store::PicoUsd;
use polars::prelude::{Column, NamedFrom, Series};

/// (function, version, memory, instance, request, start, duration,
/// start type, init)
type Inv = (
    &'static str,
    &'static str,
    u32,
    &'static str,
    &'static str,
    u64,
    f64,
    &'static str,
    f64,
);

fn frame(rows: &[Inv]) -> DataFrame {
    let col = |name: &str, s: Series| Column::from(s.with_name(name.into()));
    DataFrame::new_infer_height(vec![
        col(
            "function",
            Series::new("".into(), rows.iter().map(|r| r.0).collect::<Vec<_>>()),
        ),
        col(
            "version",
            Series::new("".into(), rows.iter().map(|r| r.1).collect::<Vec<_>>()),
        ),
        col(
            "memory_mb",
            Series::new("".into(), rows.iter().map(|r| r.2).collect::<Vec<_>>()),
        ),
        col(
            "instance_id",
            Series::new("".into(), rows.iter().map(|r| r.3).collect::<Vec<_>>()),
        ),
        col(
            "request_id",
            Series::new("".into(), rows.iter().map(|r| r.4).collect::<Vec<_>>()),
        ),
        col(
            "start_time_ms",
            Series::new("".into(), rows.iter().map(|r| r.5).collect::<Vec<_>>()),
        ),
        col(
            "duration_ms",
            Series::new("".into(), rows.iter().map(|r| r.6).collect::<Vec<_>>()),
        ),
        col(
            "start_type",
            Series::new("".into(), rows.iter().map(|r| r.7).collect::<Vec<_>>()),
        ),
        col(
            "init_duration_ms",
            Series::new("".into(), rows.iter().map(|r| r.8).collect::<Vec<_>>()),
        ),
    ])
    .unwrap()
}

const MIN: u64 = 60_000;

fn causes(a: &ColdStartAnalysis) -> Vec<(&str, Cause)> {
    a.cold_starts
        .iter()
        .map(|c| (c.request_id.as_str(), c.cause))
        .collect()
}

#[test]
fn first_seen_then_idle_after_a_long_gap() {
    // No instance ids: keep-alive is the 10-minute default.
    let f = frame(&[
        ("f", "1", 128, "", "r1", 0, 100.0, "cold", 200.0),
        ("f", "1", 128, "", "r2", MIN, 100.0, "warm", 0.0),
        // r2 ended at 60,100; 30 min later: gap 1,739,900 > 600,000.
        ("f", "1", 128, "", "r3", 30 * MIN, 100.0, "cold", 200.0),
        // r3 ended at 1,800,000 + 300 (init waited) ; 2 min later: gap
        // 119,700 ≤ 600,000 and nothing busy: unknown.
        ("f", "1", 128, "", "r4", 32 * MIN, 100.0, "cold", 200.0),
    ]);
    let a = cold_start_causes(&f, &ColdStartOptions::default()).unwrap();
    assert_eq!(
        causes(&a),
        [
            ("r1", Cause::FirstSeen),
            ("r3", Cause::Idle),
            ("r4", Cause::Unknown)
        ]
    );
    assert_eq!(a.cold_starts[0].gap_ms, None);
    assert_eq!(a.cold_starts[1].gap_ms, Some(30 * 60_000 - 60_100));
    assert_eq!(a.cold_starts[2].gap_ms, Some(120_000 - 300));
    let s = &a.functions[0];
    assert_eq!((s.invocations, s.cold_starts, s.deploys), (4, 3, 0));
    assert_eq!(
        (s.by_cause.first_seen, s.by_cause.idle, s.by_cause.unknown),
        (1, 1, 1)
    );
    // Idle periods: r2 warm after 59,700 (best split, but under a
    // minute), r3 cold after 1,739,900, r4 cold after 119,700: the
    // 10-minute default.
    assert_eq!(s.keep_alive.basis, KeepAliveBasis::DefaultShortGaps);
    assert_eq!(s.keep_alive.keep_alive_ms, 600_000);
    assert_eq!(
        (
            s.keep_alive.idle_periods_warm,
            s.keep_alive.idle_periods_cold
        ),
        (1, 2)
    );
}

#[test]
fn a_look_back_sets_the_scene_without_being_classified_or_counted() {
    // A day-at-a-time job reads a look-back before the day: r1 and r2 lie
    // before `classify_from_ms` (30 min). r3 starts at 31 min while r2
    // (29:30 to 31:30) is still running: scale-out, which only the
    // look-back can tell. r4 after a 10-second gap: unknown.
    let f = frame(&[
        ("f", "1", 128, "", "r1", 0, 100.0, "cold", 200.0),
        (
            "f",
            "1",
            128,
            "",
            "r2",
            29 * MIN + 30_000,
            120_000.0,
            "warm",
            0.0,
        ),
        ("f", "1", 128, "", "r3", 31 * MIN, 100.0, "cold", 200.0),
        ("f", "1", 128, "", "r4", 32 * MIN, 100.0, "cold", 200.0),
    ]);
    let options = ColdStartOptions {
        classify_from_ms: 30 * MIN as i64,
        ..ColdStartOptions::default()
    };
    let a = cold_start_causes(&f, &options).unwrap();
    assert_eq!(
        causes(&a),
        [("r3", Cause::ScaleOut), ("r4", Cause::Unknown)]
    );
    // Rows are those of the frame, for callers that keep other columns.
    assert_eq!((a.cold_starts[0].row, a.cold_starts[1].row), (2, 3));
    let s = &a.functions[0];
    assert_eq!((s.invocations, s.cold_starts), (2, 2));
    // Idle periods are counted where they end: r2's warm start after r1
    // lies in the look-back (another day's evidence); r4's cold one after
    // r3 does not.
    assert_eq!(
        (
            s.keep_alive.idle_periods_warm,
            s.keep_alive.idle_periods_cold
        ),
        (0, 1)
    );

    // Nothing in the look-back: the first cold start is first-seen, unless
    // the function is known to have run before it, when it waited longer
    // than the look-back (≥ the keep-alive): idle, with no gap to show.
    let alone = frame(&[("f", "1", 128, "", "r9", 3 * 60 * MIN, 100.0, "cold", 200.0)]);
    let unknown_before = cold_start_causes(&alone, &options).unwrap();
    assert_eq!(causes(&unknown_before), [("r9", Cause::FirstSeen)]);
    let known = ColdStartOptions {
        known_before: [("f".to_string(), ("1".to_string(), 128))].into(),
        ..options.clone()
    };
    let known_before = cold_start_causes(&alone, &known).unwrap();
    assert_eq!(causes(&known_before), [("r9", Cause::Idle)]);
    assert_eq!(known_before.cold_starts[0].gap_ms, None);
    // What ran before was version 1: version 2 in the frame is a deploy.
    let redeployed = frame(&[("f", "2", 128, "", "r9", 3 * 60 * MIN, 100.0, "cold", 200.0)]);
    let a = cold_start_causes(&redeployed, &known).unwrap();
    assert_eq!(causes(&a), [("r9", Cause::Deploy)]);
    assert_eq!(a.functions[0].deploys, 1);
}

#[test]
fn scale_out_when_the_one_warm_instance_is_busy() {
    let f = frame(&[
        ("f", "1", 128, "a", "r1", 0, 50.0, "cold", 300.0),
        // Instance a is warm (ended at 350) and serves r2 from 1,000 to
        // 6,000.
        ("f", "1", 128, "a", "r2", 1_000, 5_000.0, "warm", 0.0),
        // r3 arrives at 2,000 while r2 runs: the only warm instance is
        // busy, so the platform starts b.
        ("f", "1", 128, "b", "r3", 2_000, 100.0, "cold", 300.0),
        // At 7,000 both are idle: warm.
        ("f", "1", 128, "a", "r4", 7_000, 10.0, "warm", 0.0),
    ]);
    let a = cold_start_causes(&f, &ColdStartOptions::default()).unwrap();
    assert_eq!(
        causes(&a),
        [("r1", Cause::FirstSeen), ("r3", Cause::ScaleOut)]
    );
    assert_eq!(a.cold_starts[1].concurrent_busy, 1);
    assert_eq!(a.cold_starts[1].gap_ms, Some(0));
    assert_eq!(a.cold_starts[1].init_duration_ms, 300.0);
}

#[test]
fn deploy_after_a_version_change_until_the_first_warm_invocation() {
    let f = frame(&[
        ("f", "7", 256, "a", "r1", 0, 100.0, "cold", 200.0),
        ("f", "7", 256, "a", "r2", MIN, 100.0, "warm", 0.0),
        // Version 8 at 2 min: the function ran 7 before, so new
        // environments are the deploy's.
        ("f", "8", 256, "b", "r3", 2 * MIN, 100.0, "cold", 200.0),
        // Still before any warm invocation of 8 (and busy r3 would
        // otherwise make it a scale-out).
        ("f", "8", 256, "c", "r4", 2 * MIN + 10, 100.0, "cold", 200.0),
        ("f", "8", 256, "b", "r5", 3 * MIN, 100.0, "warm", 0.0),
        // After 8's first warm invocation the deploy is over: a cold
        // start next to a busy one is scale-out again.
        ("f", "8", 256, "b", "r6", 4 * MIN, 1_000.0, "warm", 0.0),
        ("f", "8", 256, "d", "r7", 4 * MIN + 5, 100.0, "cold", 200.0),
        // A memory change is a new configuration too.
        ("f", "8", 512, "e", "r8", 5 * MIN, 100.0, "cold", 200.0),
    ]);
    let a = cold_start_causes(&f, &ColdStartOptions::default()).unwrap();
    assert_eq!(
        causes(&a),
        [
            ("r1", Cause::FirstSeen),
            ("r3", Cause::Deploy),
            ("r4", Cause::Deploy),
            ("r7", Cause::ScaleOut),
            ("r8", Cause::Deploy),
        ]
    );
    assert_eq!(a.cold_starts[2].concurrent_busy, 1);
    assert_eq!(a.functions[0].deploys, 2);
    assert_eq!(a.functions[0].by_cause.deploy, 3);
}

#[test]
fn deploy_ends_after_one_keep_alive_without_warm_invocations() {
    // Default keep-alive 10 min; version 2 runs every 20 min, never
    // warm: only its first cold start is the deploy's, the next one
    // (20 min after it, > 10) is idle.
    let f = frame(&[
        ("f", "1", 128, "", "r1", 0, 100.0, "cold", 0.0),
        ("f", "2", 128, "", "r2", 20 * MIN, 100.0, "cold", 0.0),
        ("f", "2", 128, "", "r3", 40 * MIN, 100.0, "cold", 0.0),
        // Back to version 1 after 60 min: a rollback is a deploy.
        ("f", "1", 128, "", "r4", 60 * MIN, 100.0, "cold", 0.0),
    ]);
    let a = cold_start_causes(&f, &ColdStartOptions::default()).unwrap();
    assert_eq!(
        causes(&a),
        [
            ("r1", Cause::FirstSeen),
            ("r2", Cause::Deploy),
            ("r3", Cause::Idle),
            ("r4", Cause::Deploy),
        ]
    );
    assert_eq!(a.functions[0].deploys, 2);
}

#[test]
fn provisioned_and_snapstart_by_start_type() {
    let f = frame(&[
        ("p", "1", 128, "a", "r1", 0, 100.0, "provisioned", 900.0),
        ("p", "1", 128, "a", "r2", 1_000, 100.0, "warm", 0.0),
        // Proactive inits are not classified.
        (
            "p",
            "1",
            128,
            "b",
            "r3",
            90 * MIN,
            100.0,
            "proactive",
            900.0,
        ),
        // Even after a long idle gap, the start type decides.
        ("s", "1", 128, "c", "r4", 0, 100.0, "snapstart", 0.0),
        ("s", "1", 128, "d", "r5", 90 * MIN, 100.0, "snapstart", 0.0),
    ]);
    let a = cold_start_causes(&f, &ColdStartOptions::default()).unwrap();
    assert_eq!(
        causes(&a),
        [
            ("r1", Cause::Provisioned),
            ("r4", Cause::SnapStart),
            ("r5", Cause::SnapStart)
        ]
    );
    assert_eq!(a.functions.len(), 2);
    assert_eq!(
        (a.functions[0].invocations, a.functions[0].cold_starts),
        (3, 1)
    );
    assert_eq!(a.functions[1].by_cause.snapstart, 2);
}

#[test]
fn keep_alive_is_the_gap_that_splits_warm_from_cold_idle_periods() {
    let f = frame(&[
        ("f", "1", 128, "a", "r1", 0, 1_000.0, "cold", 0.0),
        // a ended at 1,000; reused 5 min later: gap 299,000.
        ("f", "1", 128, "a", "r2", 5 * MIN, 1_000.0, "warm", 0.0),
        // a ended at 301,000; reused at 17 min: gap 719,000.
        ("f", "1", 128, "a", "r3", 17 * MIN, 1_000.0, "warm", 0.0),
        // b: cold 29 s after a's last end while a is idle → unknown;
        // b ended at 1,051,000 and is reused at 1,171,000: gap 120,000.
        (
            "f",
            "1",
            128,
            "b",
            "r4",
            17 * MIN + 30_000,
            1_000.0,
            "cold",
            0.0,
        ),
        (
            "f",
            "1",
            128,
            "b",
            "r5",
            19 * MIN + 31_000,
            1_000.0,
            "warm",
            0.0,
        ),
        // r5 ended at 1,172,000; r6 starts at 2,072,000: gap 900,000 >
        // 719,000 → idle.
        (
            "f",
            "1",
            128,
            "c",
            "r6",
            34 * MIN + 32_000,
            1_000.0,
            "cold",
            0.0,
        ),
        // r6 ended at 2,073,000; r7 at 2,733,000: 660,000 ≤ 719,000 →
        // unknown.
        (
            "f",
            "1",
            128,
            "d",
            "r7",
            45 * MIN + 33_000,
            1_000.0,
            "cold",
            0.0,
        ),
    ]);
    let a = cold_start_causes(&f, &ColdStartOptions::default()).unwrap();
    let k = a.functions[0].keep_alive;
    // Idle periods by gap: 29k cold, 120k warm, 299k warm, 660k cold,
    // 719k warm, 900k cold. Wrong side of a split at 299k: 29k cold +
    // 719k warm = 2; at 719k: 29k + 660k cold = 2; a tie, the longer
    // wins (every other split has 3 or more).
    assert_eq!(k.basis, KeepAliveBasis::Observed);
    assert_eq!(k.keep_alive_ms, 719_000);
    assert_eq!(
        (
            k.idle_periods_warm,
            k.idle_periods_cold,
            k.idle_periods_unexplained
        ),
        (3, 3, 2)
    );
    assert_eq!(k.max_instance_idle_ms, Some(719_000));
    assert_eq!(
        causes(&a),
        [
            ("r1", Cause::FirstSeen),
            ("r4", Cause::Unknown),
            ("r6", Cause::Idle),
            ("r7", Cause::Unknown),
        ]
    );
}

#[test]
fn a_varying_keep_alive_splits_where_cold_becomes_likelier() {
    // Durations 0, so each gap is the time between starts: 2 min warm,
    // 4 warm, 5 cold, 6 cold, 7 warm, 8 cold, 9 cold.
    let f = frame(&[
        ("f", "1", 128, "a", "r1", 0, 0.0, "cold", 0.0),
        ("f", "1", 128, "a", "r2", 2 * MIN, 0.0, "warm", 0.0),
        ("f", "1", 128, "a", "r3", 6 * MIN, 0.0, "warm", 0.0),
        ("f", "1", 128, "b", "r4", 11 * MIN, 0.0, "cold", 0.0),
        ("f", "1", 128, "c", "r5", 17 * MIN, 0.0, "cold", 0.0),
        ("f", "1", 128, "c", "r6", 24 * MIN, 0.0, "warm", 0.0),
        ("f", "1", 128, "d", "r7", 32 * MIN, 0.0, "cold", 0.0),
        ("f", "1", 128, "e", "r8", 41 * MIN, 0.0, "cold", 0.0),
    ]);
    let a = cold_start_causes(&f, &ColdStartOptions::default()).unwrap();
    let k = a.functions[0].keep_alive;
    // Wrong side per split: none 3 (warm), 2 min 2, 4 min 1, 5 min 2,
    // 6 min 3, 7 min 2, 8 min 3, 9 min 4 → 4 min, with the 7-minute
    // warm start unexplained; the instance c survived 7 minutes.
    assert_eq!(k.keep_alive_ms, 4 * 60_000);
    assert_eq!(k.idle_periods_unexplained, 1);
    assert_eq!(k.max_instance_idle_ms, Some(7 * 60_000));
    assert_eq!(
        causes(&a),
        [
            ("r1", Cause::FirstSeen),
            ("r4", Cause::Idle),
            ("r5", Cause::Idle),
            ("r7", Cause::Idle),
            ("r8", Cause::Idle),
        ]
    );
}

#[test]
fn keep_alive_defaults_and_cap() {
    // Reuse gaps of 10 s only: default; with a provider column, the
    // provider's default (Azure: 20 min).
    let rows = [
        ("f", "1", 128, "a", "r1", 0, 0.0, "cold", 0.0),
        ("f", "1", 128, "a", "r2", 10_000, 0.0, "warm", 0.0),
        // g: one reuse after 3 h, beyond the 2 h cap.
        ("g", "1", 128, "a", "r3", 0, 0.0, "cold", 0.0),
        ("g", "1", 128, "a", "r4", 180 * MIN, 0.0, "warm", 0.0),
    ];
    let mut f = frame(&rows);
    let a = cold_start_causes(&f, &ColdStartOptions::default()).unwrap();
    assert_eq!(
        a.functions[0].keep_alive.basis,
        KeepAliveBasis::DefaultShortGaps
    );
    assert_eq!(a.functions[0].keep_alive.keep_alive_ms, 600_000);
    assert_eq!(a.functions[1].keep_alive.basis, KeepAliveBasis::Capped);
    assert_eq!(a.functions[1].keep_alive.keep_alive_ms, 7_200_000);
    assert_eq!(
        a.functions[1].keep_alive.max_instance_idle_ms,
        Some(10_800_000)
    );
    f.with_column(Column::from(Series::new(
        "provider".into(),
        ["azure_functions", "azure_functions", "x", "x"],
    )))
    .unwrap();
    let a = cold_start_causes(&f, &ColdStartOptions::default()).unwrap();
    assert_eq!(a.functions[0].keep_alive.keep_alive_ms, 1_200_000);
}

#[test]
fn bad_input_is_an_error() {
    let opts = ColdStartOptions::default();
    let unsorted = frame(&[
        ("f", "1", 128, "", "r1", 5, 1.0, "cold", 0.0),
        ("f", "1", 128, "", "r2", 4, 1.0, "warm", 0.0),
    ]);
    assert!(matches!(
        cold_start_causes(&unsorted, &opts),
        Err(ColdStartError::NotSorted { row: 1, .. })
    ));
    let split = frame(&[
        ("f", "1", 128, "", "r1", 1, 1.0, "cold", 0.0),
        ("g", "1", 128, "", "r2", 1, 1.0, "cold", 0.0),
        ("f", "1", 128, "", "r3", 2, 1.0, "warm", 0.0),
    ]);
    assert!(matches!(
        cold_start_causes(&split, &opts),
        Err(ColdStartError::NotSorted { row: 2, .. })
    ));
    let typo = frame(&[("f", "1", 128, "", "r1", 1, 1.0, "COLD", 0.0)]);
    assert!(matches!(
        cold_start_causes(&typo, &opts),
        Err(ColdStartError::UnknownStartType { row: 0, .. })
    ));
    let negative = frame(&[("f", "1", 128, "", "r1", 1, -1.0, "cold", 0.0)]);
    assert!(matches!(
        cold_start_causes(&negative, &opts),
        Err(ColdStartError::BadValue {
            column: "duration_ms",
            ..
        })
    ));
    let mut missing = frame(&[("f", "1", 128, "", "r1", 1, 1.0, "cold", 0.0)]);
    let _ = missing.drop_in_place("request_id").unwrap();
    let e = cold_start_causes(&missing, &opts).unwrap_err();
    assert_eq!(e.to_string(), "the frame has no column `request_id`");
    let bad_opts = ColdStartOptions {
        max_keep_alive_ms: 1,
        ..ColdStartOptions::default()
    };
    assert!(matches!(
        cold_start_causes(&frame(&[]), &bad_opts),
        Err(ColdStartError::Options(_))
    ));
    let empty = cold_start_causes(&frame(&[]), &opts).unwrap();
    assert!(empty.cold_starts.is_empty() && empty.functions.is_empty());
}

fn rate_frame(keys: &[&str], n: &[u64], cold: &[u64], init: &[i64], cost: &[i64]) -> DataFrame {
    let p50: Vec<Option<f64>> = keys.iter().map(|_| None).collect();
    polars::df!(
        "key" => keys,
        "invocations" => n,
        "cold_starts" => cold,
        "init_ms_p50" => [Some(210.0), None],
        "init_ms_p90" => [Some(400.0), Some(f64::NAN)],
        "init_ms_p99" => p50,
        "init_cost_pico" => init,
        "cost_pico" => cost,
    )
    .unwrap()
}

#[test]
fn rates_arithmetic() {
    let f = rate_frame(
        &["python3.12", "java21"],
        &[1_000, 400],
        &[25, 100],
        &[2_000_000, 30_000_000],
        &[80_000_000, 120_000_000],
    );
    let t = rates(&f, Dimension::Runtime).unwrap();
    assert_eq!(t.dimension, Dimension::Runtime);
    let py = &t.rows[0];
    // 25 / 1,000 = 2.5 %; 2,000,000 / 80,000,000 = 2.5 %.
    assert!((py.cold_start_pct - 2.5).abs() < 1e-12);
    assert!((py.init_cost_share_pct - 2.5).abs() < 1e-12);
    assert_eq!(
        (py.init_ms_p50, py.init_ms_p90, py.init_ms_p99),
        (Some(210.0), Some(400.0), None)
    );
    let java = &t.rows[1];
    // 100 / 400 = 25 %; 30 M / 120 M = 25 %; NaN p90 → None.
    assert!((java.cold_start_pct - 25.0).abs() < 1e-12);
    assert!((java.init_cost_share_pct - 25.0).abs() < 1e-12);
    assert_eq!((java.init_ms_p50, java.init_ms_p90), (None, None));
    // Totals: 125 / 1,400 = 8.928571… %; 32 M / 200 M = 16 %.
    assert_eq!((t.totals.invocations, t.totals.cold_starts), (1_400, 125));
    assert!((t.totals.cold_start_pct - 100.0 * 125.0 / 1_400.0).abs() < 1e-12);
    assert_eq!(t.totals.init_cost, PicoUsd(32_000_000));
    assert!((t.totals.init_cost_share_pct - 16.0).abs() < 1e-12);
}

#[test]
fn rates_reject_contradictions() {
    let more_cold = rate_frame(&["a", "b"], &[10, 10], &[11, 0], &[0, 0], &[5, 5]);
    assert!(matches!(
        rates(&more_cold, Dimension::Function),
        Err(ColdStartError::Inconsistent { row: 0, .. })
    ));
    let init_over = rate_frame(&["a", "b"], &[10, 10], &[1, 0], &[0, 6], &[5, 5]);
    assert!(matches!(
        rates(&init_over, Dimension::Function),
        Err(ColdStartError::Inconsistent { row: 1, .. })
    ));
    let twice = rate_frame(&["a", "a"], &[10, 10], &[1, 0], &[0, 0], &[5, 5]);
    assert!(matches!(
        rates(&twice, Dimension::Function),
        Err(ColdStartError::Inconsistent { row: 1, .. })
    ));
    // Integer keys (memory sizes) become text.
    let by_memory = polars::df!(
        "key" => [128u32, 1024],
        "invocations" => [4u64, 0],
        "cold_starts" => [1u64, 0],
        "init_ms_p50" => [1.0, 1.0],
        "init_ms_p90" => [1.0, 1.0],
        "init_ms_p99" => [1.0, 1.0],
        "init_cost_pico" => [0i64, 0],
        "cost_pico" => [0i64, 0],
    )
    .unwrap();
    let t = rates(&by_memory, Dimension::Memory).unwrap();
    assert_eq!(t.rows[1].key, "1024");
    // No invocations, no cost: 0 %, not NaN.
    assert_eq!(
        (t.rows[1].cold_start_pct, t.rows[1].init_cost_share_pct),
        (0.0, 0.0)
    );
}

#[test]
fn init_billing_before_and_after_august_2025() {
    assert_eq!(
        init_billing_from().to_rfc3339(),
        "2025-08-01T00:00:00+00:00"
    );
    let f = polars::df!(
        "key" => ["f", "f", "g"],
        "era" => ["before", "after", "after"],
        "invocations" => [1_000u64, 1_000, 10],
        "cold_starts" => [10u64, 20, 1],
        "init_ms" => [3_000.0, 6_000.0, 100.0],
        "init_billed_ms" => [0.0, 6_000.0, 100.0],
        "billed_ms" => [97_000.0, 106_000.0, 1_100.0],
        "init_cost_pico" => [0i64, 5_000_000, 10],
        "cost_pico" => [90_000_000i64, 100_000_000, 110],
    )
    .unwrap();
    let out = init_billing_change(&f).unwrap();
    assert_eq!(out.len(), 2);
    let b = out[0].before.as_ref().unwrap();
    // Before: 10 / 1,000 = 1 % cold; 3,000 / 1,000 = 3 ms INIT per
    // invocation; none billed; if billed 3,000 / (97,000 + 3,000) = 3 %.
    assert!((b.cold_start_pct - 1.0).abs() < 1e-12);
    assert!((b.init_ms_per_invocation - 3.0).abs() < 1e-12);
    assert_eq!((b.init_billed_share_pct, b.init_cost_share_pct), (0.0, 0.0));
    assert!((b.init_share_if_billed_pct - 3.0).abs() < 1e-12);
    let a = out[0].after.as_ref().unwrap();
    // After: 6,000 / 106,000 = 5.660377… % billed, the same if billed
    // (106,000 − 6,000 + 6,000); cost 5 M / 100 M = 5 %.
    assert!((a.init_billed_share_pct - 600.0 / 106.0).abs() < 1e-9);
    assert!((a.init_share_if_billed_pct - 600.0 / 106.0).abs() < 1e-9);
    assert!((a.init_cost_share_pct - 5.0).abs() < 1e-12);
    // Changes: cost share +5 pp; workload INIT share 5.660377 − 3 pp.
    assert!((out[0].init_cost_share_change_pp.unwrap() - 5.0).abs() < 1e-12);
    assert!((out[0].init_share_if_billed_change_pp.unwrap() - (600.0 / 106.0 - 3.0)).abs() < 1e-9);
    // g has no "before": no change to report.
    assert_eq!(out[1].key, "g");
    assert!(out[1].before.is_none() && out[1].init_cost_share_change_pp.is_none());

    let wrong_era = polars::df!(
        "key" => ["f"],
        "era" => ["during"],
        "invocations" => [1u64],
        "cold_starts" => [0u64],
        "init_ms" => [0.0],
        "init_billed_ms" => [0.0],
        "billed_ms" => [1.0],
        "init_cost_pico" => [0i64],
        "cost_pico" => [1i64],
    )
    .unwrap();
    assert!(matches!(
        init_billing_change(&wrong_era),
        Err(ColdStartError::Inconsistent { row: 0, .. })
    ));
    let e = era_init_share(&EraUsage {
        invocations: 1,
        init_ms: 1.0,
        init_billed_ms: 2.0,
        billed_ms: 5.0,
        ..EraUsage::default()
    })
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid usage: init_billed_ms exceeds init_ms or billed_ms"
    );
}

/// Synthetic invocations: `functions` functions × `per_function`
/// invocations with Poisson-like spacing, a deploy halfway, and bursts.
fn synthetic(functions: usize, per_function: usize) -> DataFrame {
    let n = functions * per_function;
    let mut function = Vec::with_capacity(n);
    let mut version = Vec::with_capacity(n);
    let mut memory = Vec::with_capacity(n);
    let mut instance = Vec::with_capacity(n);
    let mut request = Vec::with_capacity(n);
    let mut start = Vec::with_capacity(n);
    let mut duration = Vec::with_capacity(n);
    let mut start_type = Vec::with_capacity(n);
    let mut init = Vec::with_capacity(n);
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        // xorshift64*
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        (seed.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    };
    for f in 0..functions {
        let mean_gap = 1_000.0 + 2_000_000.0 * next();
        let mut t = 1_750_000_000_000u64;
        // Per instance: (id, free at, last end).
        let mut pool: Vec<(usize, u64)> = Vec::new();
        let mut ids = 0usize;
        for i in 0..per_function {
            t += (-(1.0 - next()).ln() * mean_gap) as u64;
            let v = if i < per_function / 2 { "1" } else { "2" };
            if i == per_function / 2 {
                pool.clear();
            }
            pool.retain(|&(_, end)| t < end + 600_000);
            let d = 50.0 + 2_000.0 * next();
            let (id, st, init_ms) = match pool.iter().position(|&(_, end)| end <= t) {
                Some(p) => (pool[p].0, "warm", 0.0),
                None => {
                    ids += 1;
                    pool.push((ids, 0));
                    (ids, "cold", 300.0)
                }
            };
            let p = pool.iter().position(|&(x, _)| x == id).unwrap_or(0);
            pool[p].1 = t + (d + init_ms) as u64;
            function.push(format!("tenant/aws_lambda/1/us-east-1/fn{f:04}"));
            version.push(v);
            memory.push(512u32);
            instance.push(format!("i{id}"));
            request.push(format!("r{f}-{i}"));
            start.push(t);
            duration.push(d);
            start_type.push(st);
            init.push(init_ms);
        }
    }
    polars::df!(
        "function" => function,
        "version" => version,
        "memory_mb" => memory,
        "instance_id" => instance,
        "request_id" => request,
        "start_time_ms" => start,
        "duration_ms" => duration,
        "start_type" => start_type,
        "init_duration_ms" => init,
    )
    .unwrap()
}

/// The large-scale invariants at a size CI runs every time (100,000
/// invocations); [`one_million_invocations`] is the same at full size.
#[test]
fn one_hundred_thousand_invocations() {
    check_synthetic(100, 1_000);
}

/// Timing on 1 M invocations (1,000 functions × 1,000):
/// `cargo test -p faasight-analyzer --lib cold_start -- --ignored --nocapture`.
#[test]
#[ignore]
fn one_million_invocations() {
    check_synthetic(1_000, 1_000);
}

fn check_synthetic(functions: usize, per_function: usize) {
    let f = synthetic(functions, per_function);
    let started = std::time::Instant::now();
    let a = cold_start_causes(&f, &ColdStartOptions::default()).unwrap();
    let elapsed = started.elapsed();
    eprintln!(
        "cold_start_causes: {} rows, {} cold starts, {} functions in {:?}",
        f.height(),
        a.cold_starts.len(),
        a.functions.len(),
        elapsed
    );
    for cause in Cause::ALL {
        let n: u64 = a.functions.iter().map(|s| s.by_cause.get(cause)).sum();
        eprintln!("  {cause}: {n}");
    }
    assert_eq!(a.functions.len(), functions);
    let total: u64 = a.functions.iter().map(|s| s.invocations).sum();
    assert_eq!(total, (functions * per_function) as u64);
    let cold = f
        .column("start_type")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .filter(|s| *s == Some("cold"))
        .count();
    let caused: u64 = a
        .functions
        .iter()
        .map(|s| Cause::ALL.iter().map(|c| s.by_cause.get(*c)).sum::<u64>())
        .sum();
    assert_eq!(
        caused, cold as u64,
        "every cold start has exactly one cause"
    );
    // Every function deploys version 2 halfway.
    assert!(a.functions.iter().all(|s| s.deploys == 1));
    // The generator keeps instances exactly 10 minutes and never
    // recycles them, so every cold start has a known cause.
    assert!(a.functions.iter().all(|s| s.by_cause.unknown == 0));
}
