//! Properties of the demo workload that the rest of faasight relies on.

use super::*;
use std::collections::{BTreeMap, BTreeSet};

fn small(seed: u64) -> (DemoConfig, Vec<InvocationRow>) {
    let mut cfg = DemoConfig::new("2026-03-02T10:30:00Z".parse().unwrap());
    cfg.seed = seed;
    cfg.invocations = 150_000;
    let mut rows = Vec::new();
    let summary = generate(&cfg, |batch| {
        rows.extend(batch);
        Ok::<_, ()>(())
    })
    .unwrap();
    assert_eq!(summary.rows, rows.len() as u64);
    (cfg, rows)
}

#[test]
fn deterministic_for_a_seed_and_different_across_seeds() {
    let (_, a) = small(7);
    let (_, b) = small(7);
    let (_, c) = small(8);
    assert_eq!(a, b);
    assert_ne!(a.len(), 0);
    assert_ne!(a, c);
}

#[test]
fn covers_the_fleet_window_and_volume() {
    let (cfg, rows) = small(1);
    let (start, end) = cfg.window();
    assert_eq!(
        end,
        "2026-03-02T10:00:00Z".parse::<DateTime<Utc>>().unwrap()
    );
    assert!(rows
        .iter()
        .all(|r| r.start_time >= start && r.start_time < end));
    let functions: BTreeSet<_> = rows.iter().map(|r| r.function.as_str()).collect();
    assert!(functions.len() >= 30, "{} functions", functions.len());
    let providers: BTreeSet<_> = rows.iter().map(|r| r.provider.as_str()).collect();
    assert_eq!(providers.len(), 4, "{providers:?}");
    let arches: BTreeSet<_> = rows
        .iter()
        .filter(|r| r.provider == "aws_lambda")
        .map(|r| r.arch.as_str())
        .collect();
    assert_eq!(arches.len(), 2);
    let days: BTreeSet<_> = rows.iter().map(|r| r.start_time.date_naive()).collect();
    assert!(days.len() >= 30);
    // The total lands near the requested size.
    let n = rows.len() as f64;
    let target = cfg.invocations as f64;
    assert!((n - target).abs() / target < 0.15, "{n} rows");
}

#[test]
fn java_cold_starts_are_much_slower_than_python_and_node() {
    let (_, rows) = small(2);
    let median_init = |prefix: &str| {
        let mut v: Vec<f64> = rows
            .iter()
            .filter(|r| {
                r.provider == "aws_lambda"
                    && r.runtime.starts_with(prefix)
                    && r.start_type == "cold"
            })
            .map(|r| r.init_duration_ms)
            .collect();
        assert!(v.len() > 5, "too few {prefix} cold starts");
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    assert!(median_init("java") > 4.0 * median_init("python"));
    assert!(median_init("java") > 4.0 * median_init("node"));
}

#[test]
fn sparse_functions_start_cold_far_more_often_than_busy_ones() {
    let (_, rows) = small(3);
    let cold_rate = |name: &str| {
        let f: Vec<_> = rows.iter().filter(|r| r.function == name).collect();
        f.iter().filter(|r| r.is_cold_start()).count() as f64 / f.len() as f64
    };
    let (sparse, busy) = (cold_rate("webhook-stripe"), cold_rate("api-orders"));
    assert!(
        sparse > 0.15 && sparse > 5.0 * busy,
        "sparse {sparse}, busy {busy}"
    );
}

#[test]
fn memory_changes_errors_timeouts_ooms_and_special_starts_occur() {
    let (_, rows) = small(4);
    let sizes: BTreeMap<&str, BTreeSet<u32>> = rows.iter().fold(BTreeMap::new(), |mut m, r| {
        m.entry(r.function.as_str())
            .or_default()
            .insert(r.memory_mb);
        m
    });
    assert_eq!(sizes["image-resize"].len(), 2);
    assert_eq!(sizes["pdf-render"].len(), 2);
    for status in ["success", "error", "timeout"] {
        assert!(rows.iter().any(|r| r.status == status), "no {status}");
    }
    assert!(rows.iter().any(|r| r.error_type == "Runtime.OutOfMemory"));
    for st in ["cold", "warm", "provisioned", "snapstart", "proactive"] {
        assert!(rows.iter().any(|r| r.start_type == st), "no {st} start");
    }
    // Memory used never exceeds the configured size.
    assert!(rows.iter().all(|r| r.max_memory_used_mb <= r.memory_mb));
    // Every row is priced.
    assert!(rows
        .iter()
        .all(|r| r.cost_usd.0 > 0 && r.billed_duration_ms > 0));
}

#[test]
fn more_memory_makes_cpu_bound_work_faster() {
    let (_, rows) = small(5);
    let median = |mb: u32| {
        let mut v: Vec<f64> = rows
            .iter()
            .filter(|r| r.function == "image-resize" && r.memory_mb == mb && r.status == "success")
            .map(|r| r.duration_ms)
            .collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    assert!(median(1769) < 0.8 * median(1024));
}
