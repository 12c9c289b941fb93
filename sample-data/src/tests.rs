//! Properties of the demo workload that the rest of faasight relies on.
//!
//! Expected values come from the rows themselves (brute-force sums and
//! counts) or from the providers' published prices, re-applied here row by
//! row without `faasight-pricing`, never from the catalog's parameters.

use super::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

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

/// The default workload (seed 42, 30 days, 400,000 invocations) ending at
/// a fixed hour, with its traces and logs: generated once for all tests.
struct Demo {
    cfg: DemoConfig,
    rows: Vec<InvocationRow>,
    spans: Vec<SpanRow>,
    logs: Vec<LogRow>,
    summary: DemoSummary,
}

fn default_demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let cfg = DemoConfig::new("2026-03-02T10:30:00Z".parse().unwrap());
        let (mut rows, mut spans, mut logs) = (Vec::new(), Vec::new(), Vec::new());
        let summary = generate_all(&cfg, |batch| {
            rows.extend(batch.invocations);
            spans.extend(batch.spans);
            logs.extend(batch.logs);
            Ok::<_, ()>(())
        })
        .unwrap();
        Demo {
            cfg,
            rows,
            spans,
            logs,
            summary,
        }
    })
}

const PICO: f64 = 1e12;

fn by_function(rows: &[InvocationRow]) -> BTreeMap<&str, Vec<&InvocationRow>> {
    let mut m: BTreeMap<&str, Vec<&InvocationRow>> = BTreeMap::new();
    for r in rows {
        m.entry(r.function.as_str()).or_default().push(r);
    }
    m
}

fn median(mut v: Vec<f64>) -> f64 {
    assert!(!v.is_empty());
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
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
fn traces_and_logs_are_deterministic_and_do_not_change_the_invocations() {
    let mut cfg = DemoConfig::new("2026-03-02T10:30:00Z".parse().unwrap());
    cfg.seed = 9;
    cfg.invocations = 60_000;
    let all = |cfg: &DemoConfig| {
        let mut batches = Vec::new();
        generate_all(cfg, |b| {
            batches.push(b);
            Ok::<_, ()>(())
        })
        .unwrap();
        batches
    };
    let (a, b) = (all(&cfg), all(&cfg));
    assert_eq!(a, b);
    assert!(a.iter().map(|b| b.spans.len()).sum::<usize>() > 100);
    assert!(a.iter().map(|b| b.logs.len()).sum::<usize>() > 100);
    // `generate` gives exactly the invocations of `generate_all`.
    let (_, only) = {
        let mut rows = Vec::new();
        let s = generate(&cfg, |batch| {
            rows.extend(batch);
            Ok::<_, ()>(())
        })
        .unwrap();
        (s, rows)
    };
    let from_all: Vec<InvocationRow> = a.into_iter().flat_map(|b| b.invocations).collect();
    assert_eq!(only, from_all);
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
    assert!(functions.len() >= 39, "{} functions", functions.len());
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

/// Σ over `n` of `numerator / denominator` rounded half up, per row.
fn round_half_up(numerator: i128, denominator: i128) -> i128 {
    (2 * numerator + denominator) / (2 * denominator)
}

/// Whole ms above a duration given to 0.01 ms (the generator's precision).
fn ceil_ms(hundredths: i128) -> i128 {
    (hundredths + 99) / 100
}

fn hundredths(ms: f64) -> i128 {
    (ms * 100.0).round() as i128
}

/// The row's list price from the providers' published prices (2026), in
/// pico-dollars, computed here without `faasight-pricing`:
/// - AWS Lambda (<https://aws.amazon.com/lambda/pricing/>, US East and
///   Ireland): $0.20 per 1 M requests; $0.0000166667 per GB-s on x86_64 and
///   $0.0000133334 on arm64; duration rounded up to 1 ms; an on-demand
///   INIT billed as duration since 2025-08-01; a SnapStart restore adds its
///   billed restore duration (no restore charge for Java).
/// - Azure Functions Consumption (<https://azure.microsoft.com/pricing/details/functions/>):
///   $0.20 per 1 M executions; $0.000016 per GB-s of *observed* memory
///   rounded up to 128 MB (at most 1,536 MB), at least 100 ms.
/// - Cloud Run functions (<https://cloud.google.com/run/pricing>, tier 1):
///   $0.40 per 1 M requests; $0.000024 per vCPU-s at the memory's default
///   vCPU; $0.0000025 per GiB-s; time rounded up to 100 ms.
/// - Cloudflare Workers Standard (<https://developers.cloudflare.com/workers/platform/pricing/>):
///   $0.30 per 1 M requests; $0.02 per 1 M CPU ms.
fn published_price(r: &InvocationRow) -> i128 {
    let mem = r.memory_mb as i128;
    match r.provider.as_str() {
        "aws_lambda" => {
            let mut h = hundredths(r.duration_ms);
            if r.start_type == "cold" {
                h += hundredths(r.init_duration_ms);
            }
            let mut billed = ceil_ms(h).max(1);
            if r.start_type == "snapstart" {
                billed += r.billed_restore_duration_ms as i128;
            }
            let per_gb_s: i128 = if r.arch == "arm64" {
                13_333_400
            } else {
                16_666_700
            };
            round_half_up(per_gb_s * mem * billed, 1024 * 1000) + 200_000
        }
        "azure_functions" => {
            let billed = ceil_ms(hundredths(r.duration_ms)).max(100);
            let used = (r.max_memory_used_mb as i128).max(1);
            let billed_mb = (((used + 127) / 128) * 128).min(1536);
            round_half_up(16_000_000 * billed_mb * billed, 1024 * 1000) + 200_000
        }
        "gcp_cloud_run_functions" => {
            let billed = ((ceil_ms(hundredths(r.duration_ms)) + 99) / 100).max(1) * 100;
            let vcpu_milli: i128 = match r.memory_mb {
                0..=128 => 83,
                129..=256 => 167,
                257..=512 => 333,
                513..=1024 => 583,
                1025..=2048 => 1000,
                2049..=8192 => 2000,
                8193..=16384 => 4000,
                _ => 8000,
            };
            let denominator = 1000 * 1000 * 1024;
            round_half_up(
                24_000_000 * vcpu_milli * billed * 1024 + 2_500_000 * mem * billed * 1000,
                denominator,
            ) + 400_000
        }
        "cloudflare_workers" => {
            let cpu = ceil_ms(hundredths(r.cpu_time_ms)).max(1);
            300_000 + 20_000 * cpu
        }
        other => panic!("no published price for {other}"),
    }
}

#[test]
fn every_row_is_priced_as_the_providers_publish() {
    let demo = default_demo();
    let mut mismatches = Vec::new();
    for r in &demo.rows {
        let expected = published_price(r);
        if (expected - r.cost_usd.0 as i128).abs() > 1 {
            mismatches.push(format!(
                "{} {}: {expected} vs {}",
                r.function, r.request_id, r.cost_usd.0
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} rows: {:?}",
        mismatches.len(),
        &mismatches[..mismatches.len().min(5)]
    );
}

#[test]
fn a_month_costs_what_a_mid_size_account_pays() {
    let demo = default_demo();
    // Brute force: the 30-day bill is the sum of the rows' published prices.
    let total: i128 = demo.rows.iter().map(published_price).sum();
    let stored: i128 = demo.rows.iter().map(|r| r.cost_usd.0 as i128).sum();
    assert!((total - stored).abs() <= demo.rows.len() as i128);
    let usd = total as f64 / PICO;
    assert!((1_000.0..20_000.0).contains(&usd), "${usd:.2} in 30 days");
    assert!(
        (3_000.0..8_000.0).contains(&usd),
        "aimed at $3k-8k: ${usd:.2}"
    );
    // Kept light: about the requested number of invocations.
    let n = demo.rows.len() as f64;
    assert!((n - 400_000.0).abs() / 400_000.0 < 0.1, "{n} rows");

    // A clear leader and a long tail.
    let mut shares: Vec<(f64, &str)> = by_function(&demo.rows)
        .into_iter()
        .map(|(f, rows)| {
            let cost: i128 = rows.iter().map(|r| published_price(r)).sum();
            (cost as f64 / total as f64, f)
        })
        .collect();
    shares.sort_by(|a, b| b.0.total_cmp(&a.0));
    assert!(shares.len() >= 36);
    let (leader, name) = shares[0];
    assert!(leader >= 0.25, "{name} makes {:.1} %", 100.0 * leader);
    assert!(leader >= 1.5 * shares[1].0, "{shares:?}");
    let tail = shares.iter().filter(|(s, _)| *s < 0.01).count();
    assert!(tail >= 20, "{tail} functions under 1 %: {shares:?}");
    // The cheap side of the bill is where the traffic is: the HTTP APIs
    // make a large part of the invocations and a sliver of the cost.
    let http: Vec<&InvocationRow> = demo.rows.iter().filter(|r| r.trigger == "http").collect();
    let http_cost: i128 = http.iter().map(|r| published_price(r)).sum();
    let (http_rows, http_share) = (http.len() as f64 / n, http_cost as f64 / total as f64);
    assert!(
        http_rows > 0.4 && http_share < 0.02,
        "{http_rows} of rows, {http_share} of cost"
    );
}

#[test]
fn java_cold_starts_are_much_slower_than_python_and_node() {
    let (_, rows) = small(2);
    let median_init = |function: &str| {
        median(
            rows.iter()
                .filter(|r| r.function == function && r.start_type == "cold")
                .map(|r| r.init_duration_ms)
                .collect(),
        )
    };
    let java = median_init("payment-authorize");
    assert!(java > 4.0 * median_init("api-users"));
    assert!(java > 4.0 * median_init("inventory-reserve"));
    assert!(java > 4.0 * median_init("api-orders"));
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
fn some_cold_starts_are_worth_fixing() {
    let demo = default_demo();
    let mut worth = Vec::new();
    for (f, rows) in by_function(&demo.rows) {
        let cold: Vec<&&InvocationRow> = rows.iter().filter(|r| r.start_type == "cold").collect();
        let rate = cold.len() as f64 / rows.len() as f64;
        if rows.len() < 2_000 || rate <= 0.05 {
            continue;
        }
        let init = median(cold.iter().map(|r| r.init_duration_ms).collect());
        if init <= 1_000.0 {
            continue;
        }
        // Most of them follow a quiet spell (≥ 5 minutes without any
        // invocation), which a longer keep-alive would have bridged.
        let mut starts: Vec<(u64, bool)> = rows
            .iter()
            .map(|r| (r.start_time_ms, r.start_type == "cold"))
            .collect();
        starts.sort();
        let after_idle = starts
            .windows(2)
            .filter(|w| w[1].1 && w[1].0 - w[0].0 >= 300_000)
            .count();
        worth.push((f, rate, init, after_idle as f64 / cold.len() as f64));
    }
    eprintln!("cold starts worth fixing (function, rate, INIT p50, after idle): {worth:?}");
    let idle_driven = worth.iter().filter(|w| w.3 >= 0.5).count();
    assert!(worth.len() >= 2 && idle_driven >= 2, "{worth:?}");
}

#[test]
fn some_functions_are_worth_right_sizing() {
    let demo = default_demo();
    let functions = by_function(&demo.rows);
    // Over-provisioned: 3,008 MB or more configured, the 99th percentile
    // of memory used under 300 MB.
    let over: Vec<&str> = functions
        .iter()
        .filter(|(_, rows)| {
            let mut used: Vec<u32> = rows.iter().map(|r| r.max_memory_used_mb).collect();
            used.sort();
            rows.iter().all(|r| r.memory_mb >= 3008) && used[used.len() * 99 / 100] < 300
        })
        .map(|(f, _)| *f)
        .collect();
    assert!(over.len() >= 2, "{over:?}");

    // A CPU-bound function observed at two sizes: faster at the larger one
    // for about the same price per invocation.
    let resize = &functions["image-resize"];
    let at = |mb: u32| -> (f64, f64, usize) {
        let ok: Vec<&&InvocationRow> = resize
            .iter()
            .filter(|r| r.memory_mb == mb && r.status == "success")
            .collect();
        let cost: i128 = ok.iter().map(|r| published_price(r)).sum();
        (
            median(ok.iter().map(|r| r.duration_ms).collect()),
            cost as f64 / ok.len() as f64,
            ok.len(),
        )
    };
    let ((d_small, c_small, n_small), (d_large, c_large, n_large)) = (at(512), at(1024));
    assert!(n_small > 1_000 && n_large > 1_000);
    assert!(d_large < 0.6 * d_small, "{d_large} ms vs {d_small} ms");
    assert!(
        (c_large / c_small - 1.0).abs() < 0.15,
        "{c_large} vs {c_small}"
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

fn attr<'a>(keys: &'a [String], values: &'a [String], key: &str) -> Option<&'a str> {
    keys.iter()
        .position(|k| k == key)
        .map(|i| values[i].as_str())
}

/// When the row's execution ran, in epoch ns: after its INIT or restore
/// wait, for its duration.
fn execution_ns(r: &InvocationRow) -> (u64, u64) {
    let wait = match r.start_type.as_str() {
        "cold" => r.init_duration_ms,
        "snapstart" => r.restore_duration_ms,
        _ => 0.0,
    };
    let start = r.start_time_ms * 1_000_000 + (wait * 1e6) as u64;
    (start, start + (r.duration_ms * 1e6) as u64)
}

#[test]
fn synchronous_calls_run_inside_their_callers() {
    let demo = default_demo();
    let checkouts: HashMap<&str, &InvocationRow> = demo
        .rows
        .iter()
        .filter(|r| r.function == "api-checkout")
        .map(|r| (r.trace_id.as_str(), r))
        .collect();
    for callee in ["inventory-reserve", "payment-authorize"] {
        let calls: Vec<&InvocationRow> =
            demo.rows.iter().filter(|r| r.function == callee).collect();
        assert!(calls.len() > 1_000, "{callee}: {}", calls.len());
        for c in calls {
            let caller = checkouts
                .get(c.trace_id.as_str())
                .unwrap_or_else(|| panic!("{callee} {} has no caller", c.request_id));
            let (p0, p1) = execution_ns(caller);
            let (c0, c1) = execution_ns(c);
            // 0.01 ms of rounding in the rows' durations.
            assert!(
                c0 > p0 && c1 < p1 + 20_000,
                "{callee} {c:?} outside {caller:?}"
            );
        }
    }
    // A failed call fails the checkout.
    let failed_calls: BTreeSet<&str> = demo
        .rows
        .iter()
        .filter(|r| r.trigger == "invoke" && r.status != "success")
        .map(|r| r.trace_id.as_str())
        .collect();
    assert!(!failed_calls.is_empty());
    assert!(failed_calls
        .iter()
        .all(|t| checkouts[t].status != "success"));
}

#[test]
fn traces_form_consistent_graphs() {
    let demo = default_demo();
    assert!(!demo.spans.is_empty());
    assert_eq!(demo.summary.spans, demo.spans.len() as u64);
    assert_eq!(demo.summary.logs, demo.logs.len() as u64);
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    let mut traces: HashMap<&str, Vec<&SpanRow>> = HashMap::new();
    let mut ids = BTreeSet::new();
    for s in &demo.spans {
        assert!(hex(&s.trace_id, 32) && hex(&s.span_id, 16), "{s:?}");
        assert!(s.parent_span_id.is_empty() || hex(&s.parent_span_id, 16));
        assert!(
            ids.insert((s.trace_id.as_str(), s.span_id.as_str())),
            "duplicate span id"
        );
        assert!(s.end_time_unix_nano >= s.start_time_unix_nano);
        assert_eq!(s.duration_ns, s.end_time_unix_nano - s.start_time_unix_nano);
        assert_eq!(
            s.timestamp.timestamp() as u64,
            s.start_time_unix_nano / 1_000_000_000
        );
        traces.entry(&s.trace_id).or_default().push(s);
    }
    let rows_by_trace: HashMap<&str, Vec<&InvocationRow>> = demo
        .rows
        .iter()
        .filter(|r| !r.trace_id.is_empty())
        .fold(HashMap::new(), |mut m, r| {
            m.entry(r.trace_id.as_str()).or_default().push(r);
            m
        });
    let mut with_calls = 0;
    for (trace_id, spans) in &traces {
        let by_id: HashMap<&str, &SpanRow> =
            spans.iter().map(|s| (s.span_id.as_str(), *s)).collect();
        let roots: Vec<&&SpanRow> = spans
            .iter()
            .filter(|s| s.parent_span_id.is_empty())
            .collect();
        assert_eq!(roots.len(), 1, "trace {trace_id}");
        let root = roots[0];
        assert_eq!(root.kind, 2, "the root is a SERVER span");
        for s in spans {
            if s.parent_span_id.is_empty() {
                continue;
            }
            let parent = by_id
                .get(s.parent_span_id.as_str())
                .unwrap_or_else(|| panic!("span {} of {trace_id}: no parent", s.span_id));
            assert!(
                s.start_time_unix_nano >= parent.start_time_unix_nano
                    && s.end_time_unix_nano <= parent.end_time_unix_nano,
                "{s:?} outside {parent:?}"
            );
            // A SERVER span below the root is a function invoked by a
            // CLIENT span of another.
            if s.kind == 2 {
                assert_eq!(parent.kind, 3);
                assert_ne!(parent.service_name, s.service_name);
                assert_eq!(
                    attr(
                        &parent.attribute_keys,
                        &parent.attribute_values,
                        "faas.invoked_name"
                    ),
                    Some(s.service_name.as_str())
                );
            }
        }
        // Every SERVER span is an invocation row of its function, in this
        // trace, and the root is the request that came from outside.
        let rows = &rows_by_trace[trace_id];
        for s in spans.iter().filter(|s| s.kind == 2) {
            let id = attr(&s.attribute_keys, &s.attribute_values, "faas.invocation_id").unwrap();
            let row = rows
                .iter()
                .find(|r| r.request_id == id)
                .unwrap_or_else(|| panic!("no invocation {id} in trace {trace_id}"));
            assert_eq!(row.function, s.service_name);
            assert_eq!(
                attr(&s.resource_keys, &s.resource_values, "cloud.region"),
                Some(row.region.as_str())
            );
            assert_eq!(s.status_code == 2, row.status != "success");
            if s.parent_span_id.is_empty() {
                assert_eq!(row.trigger, "http");
            } else {
                assert_eq!(row.trigger, "invoke");
            }
        }
        // Every invocation in a traced trace has its SERVER span.
        let servers = spans.iter().filter(|s| s.kind == 2).count();
        assert_eq!(servers, rows.len(), "trace {trace_id}");
        if servers > 1 {
            with_calls += 1;
            // The callees' own work shows too: their database calls.
            assert!(spans.iter().any(|s| s.kind == 3
                && s.service_name != root.service_name
                && attr(&s.attribute_keys, &s.attribute_values, "db.system.name").is_some()));
        }
    }
    assert!(
        with_calls >= 50,
        "{with_calls} traces with calls between functions"
    );

    // The trace ids of the traced roots' invocation rows resolve to a root
    // span of the same function.
    let root_of: HashMap<&str, &SpanRow> = demo
        .spans
        .iter()
        .filter(|s| s.parent_span_id.is_empty())
        .map(|s| (s.trace_id.as_str(), s))
        .collect();
    let mut resolved = 0;
    for r in demo.rows.iter().filter(|r| r.trigger == "http") {
        assert!(hex(&r.trace_id, 32), "{r:?}");
        if let Some(root) = root_of.get(r.trace_id.as_str()) {
            assert_eq!(root.service_name, r.function);
            assert_eq!(
                attr(
                    &root.attribute_keys,
                    &root.attribute_values,
                    "faas.invocation_id"
                ),
                Some(r.request_id.as_str())
            );
            resolved += 1;
        }
    }
    assert_eq!(resolved, root_of.len());
    // A sample: 1-2 % of the HTTP requests, and a small share of the load.
    let http = demo.rows.iter().filter(|r| r.trigger == "http").count();
    let share = resolved as f64 / http as f64;
    assert!((0.01..=0.025).contains(&share), "{share}");
    assert!(demo.spans.len() + demo.logs.len() < demo.rows.len() / 5);
    // The reservoir: a bounded number of traced requests per function and
    // hour, however large the workload.
    let mut per_hour: HashMap<(&str, u64), u32> = HashMap::new();
    for root in root_of.values() {
        *per_hour
            .entry((
                root.service_name.as_str(),
                root.start_time_unix_nano / 3_600_000_000_000,
            ))
            .or_default() += 1;
    }
    assert!(per_hour.values().all(|n| *n <= TRACES_PER_HOUR));
}

#[test]
fn every_called_function_has_one_caller_that_waits_for_it() {
    let fleet = catalog::fleet();
    let names: BTreeSet<&str> = fleet.iter().map(|f| f.name).collect();
    assert_eq!(names.len(), fleet.len(), "names are unique");
    for callee in fleet.iter().filter(|f| f.volume == catalog::Volume::Called) {
        let callers: Vec<&catalog::FunctionSpec> = fleet
            .iter()
            .filter(|f| {
                f.steps.iter().any(|s| {
                    matches!(s, catalog::Step::Invoke { function, .. } if *function == callee.name)
                })
            })
            .collect();
        assert_eq!(callers.len(), 1, "{}", callee.name);
        // Calls go one level deep, within one provider, and a caller's
        // timeout leaves room for the callee's.
        assert!(!callee
            .steps
            .iter()
            .any(|s| matches!(s, catalog::Step::Invoke { .. })));
        assert_eq!(callers[0].provider, callee.provider);
        assert!(callers[0].timeout_ms > callee.timeout_ms);
    }
    for f in &fleet {
        for s in f.steps {
            if let catalog::Step::Invoke { function, .. } = s {
                let callee = fleet.iter().find(|c| c.name == *function).unwrap();
                assert_eq!(callee.volume, catalog::Volume::Called, "{function}");
            }
        }
    }
}

#[test]
fn logs_belong_to_traced_invocations() {
    let demo = default_demo();
    let servers: HashMap<(&str, &str), &SpanRow> = demo
        .spans
        .iter()
        .filter(|s| s.kind == 2)
        .map(|s| ((s.trace_id.as_str(), s.span_id.as_str()), s))
        .collect();
    let rows: HashMap<&str, &InvocationRow> = demo
        .rows
        .iter()
        .filter(|r| !r.trace_id.is_empty())
        .map(|r| (r.request_id.as_str(), r))
        .collect();
    let mut per_request: HashMap<&str, Vec<&LogRow>> = HashMap::new();
    for l in &demo.logs {
        let server = servers
            .get(&(l.trace_id.as_str(), l.span_id.as_str()))
            .unwrap_or_else(|| panic!("log without its span: {l:?}"));
        assert_eq!(l.function, server.service_name);
        assert_eq!(l.service_name, l.function);
        assert_eq!(
            attr(
                &server.attribute_keys,
                &server.attribute_values,
                "faas.invocation_id"
            ),
            Some(l.request_id.as_str())
        );
        assert!(
            l.time_unix_nano >= server.start_time_unix_nano
                && l.time_unix_nano <= server.end_time_unix_nano,
            "{l:?}"
        );
        per_request.entry(&l.request_id).or_default().push(l);
    }
    assert_eq!(
        per_request.len(),
        servers.len(),
        "every traced invocation logs"
    );
    let mut failed = 0;
    for (id, logs) in &per_request {
        let row = rows[id];
        let errors = logs.iter().filter(|l| l.severity_text == "ERROR").count();
        let expected = usize::from(row.status != "success");
        assert_eq!(errors, expected, "{row:?}: {logs:?}");
        if row.status != "success" {
            failed += 1;
        }
        if row.provider == "aws_lambda" {
            assert!(logs[0].body.starts_with("START RequestId: "));
            assert!(logs
                .iter()
                .any(|l| l.body.starts_with("REPORT RequestId: ")));
        }
    }
    assert!(failed > 0, "no failed traced invocation");
}

/// `cargo test -p faasight-sample-data print_fleet -- --ignored --nocapture`:
/// the default workload's functions, costs and cold starts.
#[test]
#[ignore]
fn print_fleet() {
    let demo = default_demo();
    let total: i64 = demo.rows.iter().map(|r| r.cost_usd.0).sum();
    let mut lines: Vec<_> = by_function(&demo.rows)
        .into_iter()
        .map(|(f, v)| {
            let cost: i64 = v.iter().map(|r| r.cost_usd.0).sum();
            let cold = v.iter().filter(|r| r.is_cold_start()).count();
            let inits: Vec<f64> = v
                .iter()
                .filter(|r| r.start_type == "cold")
                .map(|r| r.init_duration_ms)
                .collect();
            let sizes: BTreeSet<u32> = v.iter().map(|r| r.memory_mb).collect();
            let mut used: Vec<u32> = v.iter().map(|r| r.max_memory_used_mb).collect();
            used.sort();
            let errs = v.iter().filter(|r| r.status != "success").count();
            (
                cost,
                format!(
                    "{f:24} {:>8} {:>10.2} {:>6.2}% cold {:>5.1}% init p50 {:>6.0} ms sizes {sizes:?} used p99 {} MB failed {:.2}%",
                    v.len(),
                    cost as f64 / PICO,
                    100.0 * cost as f64 / total as f64,
                    100.0 * cold as f64 / v.len() as f64,
                    if inits.is_empty() { 0.0 } else { median(inits) },
                    used[used.len() * 99 / 100],
                    100.0 * errs as f64 / v.len() as f64,
                ),
            )
        })
        .collect();
    lines.sort_by_key(|l| -l.0);
    for l in &lines {
        eprintln!("{}", l.1);
    }
    // One traced checkout, cold callee first if there is one.
    let traced: BTreeSet<&str> = demo
        .spans
        .iter()
        .filter(|s| s.name.starts_with("Lambda.Invoke"))
        .map(|s| s.trace_id.as_str())
        .collect();
    let trace = traced
        .iter()
        .find(|t| {
            demo.rows
                .iter()
                .any(|r| r.trace_id == **t && r.trigger == "invoke" && r.start_type == "cold")
        })
        .or(traced.iter().next());
    if let Some(trace) = trace {
        let mut spans: Vec<&SpanRow> = demo.spans.iter().filter(|s| s.trace_id == *trace).collect();
        spans.sort_by_key(|s| s.start_time_unix_nano);
        let t0 = spans[0].start_time_unix_nano;
        eprintln!("trace {trace}");
        for s in spans {
            eprintln!(
                "  {:>9.3} ms +{:>9.3} ms  kind {} {:20} {:40} {} parent {}",
                (s.start_time_unix_nano - t0) as f64 / 1e6,
                s.duration_ns as f64 / 1e6,
                s.kind,
                s.service_name,
                s.name,
                s.span_id,
                s.parent_span_id
            );
        }
        let mut logs: Vec<&LogRow> = demo.logs.iter().filter(|l| l.trace_id == *trace).collect();
        logs.sort_by_key(|l| l.time_unix_nano);
        for l in logs {
            eprintln!("  {:5} {:18} {}", l.severity_text, l.function, l.body);
        }
    }
    eprintln!(
        "total ${:.2}, {} invocations, {} spans, {} logs ({:?})",
        total as f64 / PICO,
        demo.rows.len(),
        demo.spans.len(),
        demo.logs.len(),
        demo.cfg.window()
    );
}

// --- The architecture insights' cases, each found by a brute-force
// computation of its rule over the generated rows ---

fn span_attr<'a>(s: &'a SpanRow, key: &str) -> Option<&'a str> {
    attr(&s.attribute_keys, &s.attribute_values, key)
}

#[test]
fn checkout_waits_on_both_its_callees_in_enough_traces() {
    let demo = default_demo();
    let servers: HashMap<(&str, &str), &SpanRow> = demo
        .spans
        .iter()
        .filter(|s| s.kind == 2)
        .map(|s| ((s.trace_id.as_str(), s.parent_span_id.as_str()), s))
        .collect();
    // (caller, callee) → traced calls: a CLIENT span naming the callee with
    // the callee's SERVER span as its child.
    let mut edges: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for s in demo.spans.iter().filter(|s| s.kind == 3) {
        let Some(callee) = span_attr(s, "faas.invoked_name") else {
            continue;
        };
        if let Some(server) = servers.get(&(s.trace_id.as_str(), s.span_id.as_str())) {
            assert_eq!(server.service_name, callee);
            *edges.entry((s.service_name.as_str(), callee)).or_default() += 1;
        }
    }
    eprintln!("traced synchronous calls: {edges:?}");
    for callee in ["inventory-reserve", "payment-authorize"] {
        let n = edges.get(&("api-checkout", callee)).copied().unwrap_or(0);
        assert!(n >= 10, "api-checkout → {callee}: {n} traced calls");
    }
    assert_eq!(edges.len(), 2, "{edges:?}");
}

/// Lambda's memory sizes an advice would pick from.
const SIZES_MB: [u32; 8] = [128, 256, 512, 1024, 1536, 2048, 3008, 4096];

/// A function meeting the "doing too much" rule, with the figures of two
/// of its routes.
#[derive(Debug)]
struct TooMuch {
    function: String,
    light: String,
    heavy: String,
    /// Traced calls of the light and the heavy route.
    calls: (usize, usize),
    /// Heavy route's median duration over the light one's.
    ratio: f64,
    /// Most memory a call of the light route used.
    light_used_mb: u32,
    /// The smallest size that holds that with 20 % headroom.
    fits_mb: u32,
    configured_mb: u32,
}

/// The functions whose SERVER spans show two routes (`http.route`, else
/// the span's name), each at least 5 % of the function's traced calls and
/// 20 calls, whose median durations differ by 4× or more, where the
/// lighter route's memory used (the invocation rows') plus 20 % fits in
/// half the configured size or less.
fn doing_too_much(demo: &Demo) -> Vec<TooMuch> {
    let rows: HashMap<&str, &InvocationRow> = demo
        .rows
        .iter()
        .filter(|r| !r.trace_id.is_empty())
        .map(|r| (r.request_id.as_str(), r))
        .collect();
    // function → route → (SERVER span durations, memory used, configured)
    type Calls<'a> = BTreeMap<&'a str, (Vec<f64>, Vec<u32>, u32)>;
    let mut functions: BTreeMap<&str, Calls> = BTreeMap::new();
    for s in demo.spans.iter().filter(|s| s.kind == 2) {
        let route = span_attr(s, "http.route").unwrap_or(&s.name);
        let id = span_attr(s, "faas.invocation_id").unwrap();
        let row = rows[id];
        let calls = functions
            .entry(&s.service_name)
            .or_default()
            .entry(route)
            .or_default();
        calls.0.push(s.duration_ns as f64 / 1e6);
        calls.1.push(row.max_memory_used_mb);
        calls.2 = calls.2.max(row.memory_mb);
    }
    let mut found = Vec::new();
    for (function, routes) in functions {
        let traced: usize = routes.values().map(|c| c.0.len()).sum();
        let eligible: Vec<(&str, usize, f64, u32, u32)> = routes
            .iter()
            .filter(|(_, c)| c.0.len() >= 20 && c.0.len() as f64 >= 0.05 * traced as f64)
            .map(|(route, c)| {
                let used = *c.1.iter().max().unwrap();
                (*route, c.0.len(), median(c.0.clone()), used, c.2)
            })
            .collect();
        for light in &eligible {
            for heavy in &eligible {
                let ratio = heavy.2 / light.2;
                let needed = light.3 as f64 * 1.2;
                let fits = SIZES_MB.iter().copied().find(|mb| *mb as f64 >= needed);
                if let Some(fits_mb) = fits.filter(|mb| ratio >= 4.0 && 2 * mb <= light.4) {
                    found.push(TooMuch {
                        function: function.to_string(),
                        light: light.0.to_string(),
                        heavy: heavy.0.to_string(),
                        calls: (light.1, heavy.1),
                        ratio,
                        light_used_mb: light.3,
                        fits_mb,
                        configured_mb: light.4,
                    });
                }
            }
        }
    }
    found
}

#[test]
fn only_the_media_api_is_doing_too_much() {
    let demo = default_demo();
    let found = doing_too_much(demo);
    eprintln!("doing too much: {found:?}");
    assert_eq!(found.len(), 1, "{found:?}");
    let f = &found[0];
    assert_eq!(f.function, "media-api");
    assert_eq!(
        (f.light.as_str(), f.heavy.as_str()),
        ("/media/{id}", "/media/transcode-preview")
    );
    assert!(f.ratio >= 10.0, "{f:?}");
    assert!(f.calls.0 > 2 * f.calls.1 && f.calls.1 >= 20, "{f:?}");
    assert!(f.light_used_mb < 400 && f.fits_mb <= 512 && f.configured_mb == 2048);
    // The rows agree with the spans: each invocation of the heavy route
    // uses several times the memory of the light one.
    let media: Vec<&InvocationRow> = demo
        .rows
        .iter()
        .filter(|r| r.function == "media-api")
        .collect();
    let used = |light: bool| {
        median(
            media
                .iter()
                .filter(|r| (r.max_memory_used_mb < 1024) == light)
                .map(|r| r.max_memory_used_mb as f64)
                .collect(),
        )
    };
    let share_light =
        media.iter().filter(|r| r.max_memory_used_mb < 1024).count() as f64 / media.len() as f64;
    assert!((0.7..0.8).contains(&share_light), "{share_light}");
    assert!(used(false) > 5.0 * used(true));
}

/// Per function, the traced requests whose SERVER span has ≥ 4 CLIENT
/// children of one name that run one after another and take together at
/// least half of it.
fn sequential_fan_outs(demo: &Demo) -> BTreeMap<&str, usize> {
    let mut children: HashMap<(&str, &str), Vec<&SpanRow>> = HashMap::new();
    for s in demo.spans.iter().filter(|s| !s.parent_span_id.is_empty()) {
        children
            .entry((s.trace_id.as_str(), s.parent_span_id.as_str()))
            .or_default()
            .push(s);
    }
    let mut found: BTreeMap<&str, usize> = BTreeMap::new();
    for server in demo.spans.iter().filter(|s| s.kind == 2) {
        let Some(kids) = children.get(&(server.trace_id.as_str(), server.span_id.as_str())) else {
            continue;
        };
        let mut by_name: BTreeMap<&str, Vec<&SpanRow>> = BTreeMap::new();
        for k in kids {
            by_name.entry(&k.name).or_default().push(k);
        }
        let hit = by_name.values_mut().any(|same| {
            same.sort_by_key(|s| s.start_time_unix_nano);
            let sequential = same
                .windows(2)
                .all(|w| w[1].start_time_unix_nano >= w[0].end_time_unix_nano);
            let took: u64 = same.iter().map(|s| s.duration_ns).sum();
            same.len() >= 4 && sequential && 2 * took >= server.duration_ns
        });
        if hit {
            *found.entry(&server.service_name).or_default() += 1;
        }
    }
    found
}

#[test]
fn only_the_order_notifier_fans_out_one_call_after_another() {
    let demo = default_demo();
    let found = sequential_fan_outs(demo);
    let traced = demo
        .spans
        .iter()
        .filter(|s| s.kind == 2 && s.service_name == "order-notifier")
        .count();
    eprintln!("sequential fan-out: {found:?} of {traced} traced order-notifier requests");
    assert_eq!(
        found.keys().copied().collect::<Vec<_>>(),
        ["order-notifier"]
    );
    assert!(found["order-notifier"] >= 10, "{found:?}");
    // The loop is 4 to 12 e-mails, and a request with more takes longer.
    let (few, many): (Vec<f64>, Vec<f64>) = {
        let mut sends: HashMap<(&str, &str), usize> = HashMap::new();
        for s in demo.spans.iter().filter(|s| s.name.contains("sendgrid")) {
            *sends
                .entry((s.trace_id.as_str(), s.parent_span_id.as_str()))
                .or_default() += 1;
        }
        assert!(sends.values().all(|n| (4..=12).contains(n)), "{sends:?}");
        let (mut few, mut many) = (Vec::new(), Vec::new());
        for s in demo
            .spans
            .iter()
            .filter(|s| s.kind == 2 && s.service_name == "order-notifier")
        {
            match sends[&(s.trace_id.as_str(), s.span_id.as_str())] {
                4..=6 => few.push(s.duration_ns as f64),
                10..=12 => many.push(s.duration_ns as f64),
                _ => {}
            }
        }
        (few, many)
    };
    assert!(median(many) > 1.5 * median(few));
}

/// The most invocations of each AWS account and region running at once,
/// counted at every start (where the count can rise): those whose
/// `[start, start + duration rounded up)` covers it, or, with `init`, whose
/// INIT or restore wait before it too.
fn account_peaks(rows: &[InvocationRow], init: bool) -> BTreeMap<(String, String), usize> {
    let mut groups: BTreeMap<(String, String), Vec<(u64, u64)>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.provider == "aws_lambda") {
        let wait = match (init, r.start_type.as_str()) {
            (true, "cold") => r.init_duration_ms,
            (true, "snapstart") => r.restore_duration_ms,
            _ => 0.0,
        };
        let ms = ((wait + r.duration_ms).ceil() as u64).max(1);
        groups
            .entry((r.account.clone(), r.region.clone()))
            .or_default()
            .push((r.start_time_ms, r.start_time_ms + ms));
    }
    groups
        .into_iter()
        .map(|(key, mut busy)| {
            busy.sort();
            let longest = busy.iter().map(|(s, e)| e - s).max().unwrap();
            let mut peak = 0;
            for (i, &(at, _)) in busy.iter().enumerate() {
                if busy.get(i + 1).is_some_and(|next| next.0 == at) {
                    continue; // counted at the last of equal starts
                }
                let from = busy.partition_point(|b| b.0 + longest < at);
                let running = busy[from..=i].iter().filter(|b| b.1 > at).count();
                peak = peak.max(running);
            }
            (key, peak)
        })
        .collect()
}

#[test]
fn a_bulk_import_runs_its_account_into_the_concurrency_limit() {
    let demo = default_demo();
    let peaks = account_peaks(&demo.rows, false);
    let with_init = account_peaks(&demo.rows, true);
    eprintln!("peak concurrency per AWS account and region: {peaks:?}, with INIT {with_init:?}");
    let data = ("498765432109".to_string(), "us-east-1".to_string());
    assert!((800..=1000).contains(&peaks[&data]), "{peaks:?}");
    assert!(with_init[&data] <= 1000, "{with_init:?}");
    for (key, peak) in &peaks {
        assert!(key == &data || *peak < 800, "{key:?}: {peak}");
    }

    // The surge: 1,500 events on one afternoon, every one run, the ones
    // over the limit later than they came.
    let imports: Vec<&InvocationRow> = demo
        .rows
        .iter()
        .filter(|r| r.function == "bulk-import")
        .collect();
    let (start, end) = demo.cfg.window();
    let middle = start + (end - start) / 2;
    let day = |r: &&&InvocationRow| {
        (r.start_time - middle).num_hours().abs() < 24
            && chrono::Timelike::hour(&r.start_time) == 15
    };
    let surge: Vec<&&InvocationRow> = imports.iter().filter(day).collect();
    assert!((1_500..1_510).contains(&surge.len()), "{}", surge.len());
    let mut starts: Vec<u64> = surge.iter().map(|r| r.start_time_ms).collect();
    starts.sort();
    // The events came within 30 s; those over the limit ran later.
    let first = starts[10];
    let later = starts.iter().filter(|t| **t > first + 35_000).count();
    assert!((400..=600).contains(&later), "{later} retried");
    assert!(imports.len() < 2_500, "{} bulk imports", imports.len());
    // New environments stay within Lambda's scaling rate: at most 1,000
    // per function in any 10 seconds.
    let mut fresh: Vec<u64> = imports
        .iter()
        .filter(|r| r.start_type != "warm")
        .map(|r| r.start_time_ms)
        .collect();
    fresh.sort();
    let densest = (0..fresh.len())
        .map(|i| fresh[i..].partition_point(|t| *t < fresh[i] + 10_000))
        .max()
        .unwrap();
    eprintln!(
        "bulk-import: {} events, {later} retried, {} new environments in the month, at most {densest} in 10 s",
        surge.len(),
        fresh.len()
    );
    assert!((400..=1_000).contains(&densest), "{densest}");
}

#[test]
fn the_provisioned_concurrency_is_mostly_idle() {
    let demo = default_demo();
    let (start, end) = demo.cfg.window();
    let hours = (end - start).num_hours() as f64;
    let provisioned: Vec<faasight_store::FunctionConfigRow> = inventory(&demo.cfg)
        .into_iter()
        .filter(|c| c.provisioned_allocated > 0)
        .collect();
    assert_eq!(provisioned.len(), 1);
    let config = &provisioned[0];
    assert_eq!(config.function, "auth-authorizer");
    let rows: Vec<&InvocationRow> = demo
        .rows
        .iter()
        .filter(|r| r.function == config.function)
        .collect();
    let capacity_ms = config.provisioned_allocated as f64 * hours * 3_600_000.0;
    let on_provisioned: f64 = rows
        .iter()
        .filter(|r| r.start_type == "provisioned")
        .map(|r| r.duration_ms)
        .sum();
    // Even counting every invocation as if it ran on a provisioned
    // environment, most of the paid capacity idles.
    let all: f64 = rows.iter().map(|r| r.duration_ms).sum();
    eprintln!(
        "provisioned utilisation of {}: {:.2e} % ({} invocations of start type provisioned), at most {:.2e} %",
        config.function,
        100.0 * on_provisioned / capacity_ms,
        rows.iter().filter(|r| r.start_type == "provisioned").count(),
        100.0 * all / capacity_ms
    );
    assert!(on_provisioned > 0.0);
    assert!(on_provisioned / capacity_ms < 0.4);
    assert!(all / capacity_ms < 0.4);
}

#[test]
fn extra_volumes_leave_the_rest_of_the_workload_as_it_was() {
    let cfg = DemoConfig::new("2026-03-02T10:30:00Z".parse().unwrap());
    let fleet = catalog::fleet();
    let without: Vec<catalog::FunctionSpec> = fleet
        .iter()
        .filter(|f| !matches!(f.volume, catalog::Volume::Extra(_)))
        .cloned()
        .collect();
    assert_eq!(fleet.len() - without.len(), 3);
    assert!(fleet[..without.len()]
        .iter()
        .all(|f| !matches!(f.volume, catalog::Volume::Extra(_))));
    let (a, b) = (
        simulate::hourly_rates(&cfg, &fleet),
        simulate::hourly_rates(&cfg, &without),
    );
    assert_eq!(a[..without.len()], b[..]);
    // Routes and repeats are well formed.
    for f in &fleet {
        if !f.routes.is_empty() {
            let total: f64 = f.routes.iter().map(|r| r.share).sum();
            assert!((total - 1.0).abs() < 1e-9, "{}", f.name);
            assert_eq!(f.trigger, "http");
        }
        for s in f.steps {
            if let catalog::Step::Repeat { step, min, max } = s {
                assert!(1 <= *min && min <= max, "{}", f.name);
                assert!(matches!(
                    step,
                    catalog::Step::Db { .. } | catalog::Step::Http { .. }
                ));
            }
        }
    }
}

/// `cargo test -p faasight-sample-data benchmark_size -- --ignored --nocapture`
/// (a minute or two): at the benchmark's 10 M invocations the surge is the
/// same one-off of 1,500 events, and the account still runs at most 1,000
/// at once while it is on.
#[test]
#[ignore]
fn the_surge_at_the_benchmark_size() {
    let mut cfg = DemoConfig::new("2026-03-02T10:30:00Z".parse().unwrap());
    cfg.invocations = 10_000_000;
    let fleet = catalog::fleet();
    let bulk = fleet.iter().find(|f| f.surge.is_some()).unwrap();
    let at = simulate::surge_at(&cfg, bulk).unwrap() as u64;
    let started = std::time::Instant::now();
    let (mut account, mut imports) = (Vec::new(), 0usize);
    let summary = generate(&cfg, |batch| {
        for r in batch {
            imports += usize::from(r.function == bulk.name);
            if r.account == bulk.account
                && r.region == bulk.region
                && r.start_time_ms + 3_600_000 > at
                && r.start_time_ms < at + 3_600_000
            {
                account.push(r);
            }
        }
        Ok::<_, ()>(())
    })
    .unwrap();
    let peaks = account_peaks(&account, true);
    eprintln!(
        "{} rows in {:.1} s; {imports} bulk imports; peak around the surge {peaks:?}",
        summary.rows,
        started.elapsed().as_secs_f64()
    );
    assert!(imports < 2_500);
    let peak = peaks.values().next().copied().unwrap();
    assert!((800..=1000).contains(&peak), "{peak}");
}
