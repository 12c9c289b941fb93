//! The right-sizing report: the materialized usage per function, memory
//! size and architecture ([`super::function_usage`]) becomes the model's
//! input, [`crate::rightsizing::recommend`] decides.

use super::QueryTrace;
use crate::bill_charges::ConfigSnapshot;
use crate::rightsizing::{recommend, ConfiguredNow, Recommendation, RightsizingOptions};
use crate::{Error, Result, TimeRange};
use faasight_store::{PicoUsd, Store};
use polars::prelude::{df, DataFrame};
use serde::Serialize;
use std::collections::HashMap;

/// One function, memory size and architecture as the model reads it.
#[derive(Debug, Clone)]
struct InputRow {
    provider: String,
    account: String,
    region: String,
    function: String,
    memory_mb: u32,
    arch: String,
    runtime: String,
    timeout_ms: u32,
    invocations: u64,
    duration_p50_ms: f64,
    duration_p90_ms: f64,
    duration_p99_ms: f64,
    duration_p999_ms: f64,
    duration_mean_ms: f64,
    max_memory_p99_mb: f64,
    max_memory_max_mb: u32,
    timeouts: u64,
    oom_errors: u64,
    billed_duration_mean_ms: f64,
    last_seen: u64,
}

impl InputRow {
    /// The model's figures from the materialized usage: duration
    /// quantiles from its histogram (within 0.25 %), memory exact.
    fn from_usage(u: &super::function_usage::FunctionUsage) -> Result<InputRow> {
        let n = u.invocations.max(1) as f64;
        Ok(InputRow {
            provider: u.provider.clone(),
            account: u.account.clone(),
            region: u.region.clone(),
            function: u.function.clone(),
            memory_mb: u.memory_mb,
            arch: u.arch.clone(),
            runtime: u.runtime.clone(),
            timeout_ms: u.timeout_ms_max,
            invocations: u.invocations,
            duration_p50_ms: u.duration_quantile(0.5),
            duration_p90_ms: u.duration_quantile(0.9),
            duration_p99_ms: u.duration_quantile(0.99),
            duration_p999_ms: u.duration_quantile(0.999),
            duration_mean_ms: u.duration_mean()?,
            max_memory_p99_mb: u.memory_quantile(0.99),
            max_memory_max_mb: u.max_memory_max,
            timeouts: u.timeouts,
            oom_errors: u.oom_errors,
            billed_duration_mean_ms: u.billed_ms as f64 / n,
            last_seen: u64::try_from(u.last_seen).unwrap_or(0),
        })
    }
}

/// The right-sizing report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RightsizingReport {
    /// Strategy and thresholds used.
    pub strategy: String,
    /// Weight of cost against speed (`balanced` only).
    pub balanced_weight: f64,
    /// Memory headroom over the p99 of memory used, in %.
    pub headroom_pct: f64,
    /// Days of history the volumes come from.
    pub window_days: f64,
    /// One per function (every function, with a reason where no size is advised).
    pub recommendations: Vec<Recommendation>,
    /// Queries behind the numbers.
    pub queries: Vec<QueryTrace>,
}

/// The model's input frame from query rows; the current size of a function
/// is the one of its latest invocation. Pure.
fn input_frame(rows: &[InputRow]) -> Result<DataFrame> {
    let mut latest: HashMap<(&str, &str, &str, &str), u64> = HashMap::new();
    for r in rows {
        let key = (
            r.provider.as_str(),
            r.account.as_str(),
            r.region.as_str(),
            r.function.as_str(),
        );
        let seen = latest.entry(key).or_insert(0);
        *seen = (*seen).max(r.last_seen);
    }
    let mut marked: std::collections::HashSet<(&str, &str, &str, &str)> = Default::default();
    let is_current: Vec<bool> = rows
        .iter()
        .map(|r| {
            let key = (
                r.provider.as_str(),
                r.account.as_str(),
                r.region.as_str(),
                r.function.as_str(),
            );
            // Exactly one row per function, even if two sizes share the
            // latest millisecond.
            latest[&key] == r.last_seen && marked.insert(key)
        })
        .collect();
    let col = |f: fn(&InputRow) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
    let reported = |v: f64| if v > 0.0 { Some(v) } else { None };
    df!(
        "provider" => rows.iter().map(|r| r.provider.as_str()).collect::<Vec<_>>(),
        "account" => rows.iter().map(|r| r.account.as_str()).collect::<Vec<_>>(),
        "region" => rows.iter().map(|r| r.region.as_str()).collect::<Vec<_>>(),
        "function" => rows.iter().map(|r| r.function.as_str()).collect::<Vec<_>>(),
        "runtime" => rows.iter().map(|r| r.runtime.as_str()).collect::<Vec<_>>(),
        "arch" => rows.iter().map(|r| r.arch.as_str()).collect::<Vec<_>>(),
        "memory_mb" => rows.iter().map(|r| r.memory_mb).collect::<Vec<u32>>(),
        "timeout_ms" => rows.iter().map(|r| (r.timeout_ms > 0).then_some(r.timeout_ms)).collect::<Vec<_>>(),
        "invocations" => rows.iter().map(|r| r.invocations).collect::<Vec<u64>>(),
        "duration_p50_ms" => col(|r| r.duration_p50_ms),
        "duration_p90_ms" => col(|r| r.duration_p90_ms),
        "duration_p99_ms" => col(|r| r.duration_p99_ms),
        "duration_p999_ms" => col(|r| r.duration_p999_ms),
        "duration_mean_ms" => col(|r| r.duration_mean_ms),
        "max_memory_p99_mb" => rows.iter().map(|r| reported(r.max_memory_p99_mb)).collect::<Vec<_>>(),
        "max_memory_max_mb" => rows.iter().map(|r| reported(f64::from(r.max_memory_max_mb))).collect::<Vec<_>>(),
        "timeouts" => rows.iter().map(|r| r.timeouts).collect::<Vec<u64>>(),
        "oom_errors" => rows.iter().map(|r| r.oom_errors).collect::<Vec<u64>>(),
        "billed_duration_mean_ms" => col(|r| r.billed_duration_mean_ms),
        "is_current" => is_current,
    )
    .map_err(|e| Error::Model(format!("cannot build the right-sizing frame: {e}")))
}

type FunctionKey = (String, String, String, String);

/// Each function's latest configuration snapshot (`$LATEST` when listed).
fn latest_configurations(inventory: &[ConfigSnapshot]) -> HashMap<FunctionKey, &ConfigSnapshot> {
    let mut latest: HashMap<FunctionKey, &ConfigSnapshot> = HashMap::new();
    for s in inventory
        .iter()
        .filter(|s| s.kind == faasight_store::rows::inventory::KIND_FUNCTION)
    {
        let key = (
            s.provider.clone(),
            s.account.clone(),
            s.region.clone(),
            s.function.clone(),
        );
        let better = |old: &ConfigSnapshot| {
            let rank = |x: &ConfigSnapshot| (x.qualifier == "$LATEST", x.seen_at);
            rank(s) > rank(old)
        };
        match latest.get(&key) {
            Some(old) if !better(old) => {}
            _ => {
                latest.insert(key, s);
            }
        }
    }
    latest
}

/// Telemetry without a configured timeout (OTLP, NDJSON without the
/// column) takes the inventory's, so timeout advice and the candidates'
/// timeout check work for it too.
fn fill_timeouts(rows: &mut [InputRow], configured: &HashMap<FunctionKey, &ConfigSnapshot>) {
    for r in rows.iter_mut().filter(|r| r.timeout_ms == 0) {
        let key = (
            r.provider.clone(),
            r.account.clone(),
            r.region.clone(),
            r.function.clone(),
        );
        if let Some(c) = configured.get(&key) {
            r.timeout_ms = c.timeout_ms;
        }
    }
}

fn attach_configurations(
    recommendations: &mut [Recommendation],
    configured: &HashMap<FunctionKey, &ConfigSnapshot>,
) {
    for rec in recommendations.iter_mut() {
        let key = (
            rec.provider.clone(),
            rec.account.clone(),
            rec.region.clone(),
            rec.function.clone(),
        );
        if let Some(c) = configured.get(&key) {
            rec.configured = Some(ConfiguredNow {
                memory_mb: c.memory_mb,
                timeout_ms: c.timeout_ms,
                ephemeral_storage_mb: c.ephemeral_storage_mb,
                package_type: c.package_type.clone(),
                seen_at: c.seen_at.to_rfc3339(),
                memory_differs: c.memory_mb != rec.current_memory_mb,
            });
            if c.memory_mb != rec.current_memory_mb {
                rec.reason.push_str(&format!(
                    " The inventory says {} MB is configured (seen {}), but the latest invocations ran at {} MB: a change not yet in the telemetry, or telemetry from another alias.",
                    c.memory_mb,
                    c.seen_at.format("%Y-%m-%d"),
                    rec.current_memory_mb
                ));
            }
        }
    }
}

/// Right-sizing advice for every function of `tenant` seen in `range`.
pub async fn rightsizing_report(
    store: &Store,
    tenant: &str,
    range: TimeRange,
    mut options: RightsizingOptions,
) -> Result<RightsizingReport> {
    options.window_days = range.hours() as f64 / 24.0;
    let ((usage, trace), (inventory, inventory_trace)) = tokio::try_join!(
        super::function_usage::function_usage(store, tenant, range, true),
        super::bill::fetch_inventory(store, tenant, range.to),
    )?;
    let rows = usage
        .iter()
        .map(InputRow::from_usage)
        .collect::<Result<Vec<InputRow>>>()?;
    let configured = latest_configurations(&inventory);
    let mut rows = rows;
    fill_timeouts(&mut rows, &configured);
    let mut recommendations = if rows.is_empty() {
        Vec::new()
    } else {
        recommend(&input_frame(&rows)?, &options).map_err(Error::from)?
    };
    attach_configurations(&mut recommendations, &configured);
    Ok(RightsizingReport {
        strategy: options.strategy.to_string(),
        balanced_weight: options.balanced_weight,
        headroom_pct: options.headroom_pct,
        window_days: options.window_days,
        recommendations,
        queries: vec![trace, inventory_trace],
    })
}

impl RightsizingReport {
    /// The advice as CSV, one line per function (RFC 4180 quoting; money
    /// as exact decimal USD): what `faasight rightsizing --format csv`
    /// prints and the right-sizing page exports. Lists within a cell
    /// (`memory_pressure_mb`, `power_values`: the sizes to measure when the
    /// best size is uncertain, Power Tuning's `powerValues` on AWS) are
    /// separated by `;` so the cell needs no quoting.
    pub fn to_csv(&self) -> String {
        use std::fmt::Write;
        let field = |s: &str| {
            if s.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        let name = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
        let money = |p: Option<PicoUsd>| p.map_or(String::new(), |p| p.to_decimal_string());
        fn list(sizes: impl Iterator<Item = u32>) -> String {
            sizes.map(|m| m.to_string()).collect::<Vec<_>>().join(";")
        }
        let mut o = String::from("provider,account,region,function,runtime,arch,status,current_memory_mb,recommended_memory_mb,safety_floor_mb,expected_duration_ms,monthly_invocations,monthly_cost_now_usd,monthly_cost_after_usd,monthly_savings_usd,savings_pct,risk,over_provisioned,near_oom,lowest_advisable_mb,extrapolated_below_observed,memory_pressure_mb,power_values,reason\n");
        for x in &self.recommendations {
            let _ = writeln!(
                o,
                "{},{},{},{},{},{},{},{},{},{},{},{:.0},{},{},{},{},{},{},{},{},{},{},{},{}",
                field(&x.provider),
                field(&x.account),
                field(&x.region),
                field(&x.function),
                field(&x.runtime),
                field(&x.arch),
                name(serde_json::to_value(x.status).unwrap_or_default()),
                x.current_memory_mb,
                x.recommended_memory_mb
                    .map_or(String::new(), |m| m.to_string()),
                x.safety_floor_mb.map_or(String::new(), |m| m.to_string()),
                x.expected_duration_ms
                    .map_or(String::new(), |d| format!("{d:.1}")),
                x.monthly_invocations,
                money(x.monthly_cost_now),
                money(x.monthly_cost_after),
                money(x.monthly_savings),
                x.savings_pct.map_or(String::new(), |p| format!("{p:.2}")),
                x.risk.map_or(String::new(), |r| name(
                    serde_json::to_value(r).unwrap_or_default()
                )),
                x.over_provisioned,
                x.near_oom,
                x.lowest_advisable_mb
                    .map_or(String::new(), |m| m.to_string()),
                x.extrapolated_below_observed,
                list(x.memory_pressure.iter().map(|p| p.memory_mb)),
                list(
                    x.measure
                        .iter()
                        .flat_map(|m| m.candidate_sizes_mb.iter().copied())
                ),
                field(&x.reason),
            );
        }
        o
    }
}

impl TryFrom<&super::ReportRequest> for RightsizingOptions {
    type Error = Error;

    /// The request's strategy, balanced weight and headroom over the
    /// defaults (`cost`, 0.5, 20 %).
    fn try_from(r: &super::ReportRequest) -> Result<Self> {
        let mut options = RightsizingOptions::default();
        if let Some(s) = &r.strategy {
            options.strategy = s
                .parse()
                .map_err(|e: crate::rightsizing::RightsizingError| Error::from(e))?;
        }
        if let Some(w) = r.balanced_weight {
            options.balanced_weight = w;
        }
        if let Some(h) = r.headroom_pct {
            options.headroom_pct = h;
        }
        Ok(options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(function: &str, memory_mb: u32, last_seen: u64) -> InputRow {
        InputRow {
            provider: "aws_lambda".into(),
            account: "1".into(),
            region: "us-east-1".into(),
            function: function.into(),
            memory_mb,
            arch: "x86_64".into(),
            runtime: "python3.12".into(),
            timeout_ms: 3000,
            invocations: 1000,
            duration_p50_ms: 100.0,
            duration_p90_ms: 150.0,
            duration_p99_ms: 200.0,
            duration_p999_ms: 250.0,
            duration_mean_ms: 110.0,
            max_memory_p99_mb: 0.0,
            max_memory_max_mb: 0,
            timeouts: 0,
            oom_errors: 0,
            billed_duration_mean_ms: 111.0,
            last_seen,
        }
    }

    #[test]
    fn the_inventory_fills_missing_timeouts_and_flags_a_configured_size_the_telemetry_lacks() {
        let snap = |memory_mb, timeout_ms, seen_at: i64, qualifier: &str| ConfigSnapshot {
            provider: "aws_lambda".into(),
            account: "1".into(),
            region: "us-east-1".into(),
            function: "f".into(),
            qualifier: qualifier.into(),
            kind: "function".into(),
            memory_mb,
            timeout_ms,
            seen_at: chrono::DateTime::from_timestamp(seen_at, 0).unwrap(),
            ..Default::default()
        };
        // The newest `$LATEST` snapshot wins over an older one and over a
        // newer published version's.
        let inventory = [
            snap(512, 3_000, 100, "$LATEST"),
            snap(1024, 6_000, 200, "$LATEST"),
            snap(256, 1_000, 300, "7"),
        ];
        let configured = latest_configurations(&inventory);
        let mut rows = vec![InputRow {
            timeout_ms: 0,
            ..row("f", 512, 1)
        }];
        fill_timeouts(&mut rows, &configured);
        assert_eq!(rows[0].timeout_ms, 6_000);
        let frame = input_frame(&rows).unwrap();
        let mut recs = recommend(&frame, &RightsizingOptions::default()).unwrap();
        attach_configurations(&mut recs, &configured);
        let c = recs[0].configured.as_ref().unwrap();
        assert_eq!(
            (c.memory_mb, c.timeout_ms, c.memory_differs),
            (1024, 6_000, true)
        );
        assert!(
            recs[0].reason.contains("1024 MB is configured"),
            "{}",
            recs[0].reason
        );
    }

    #[test]
    fn the_latest_size_is_current_and_unreported_memory_is_null() {
        let frame =
            input_frame(&[row("a", 512, 10), row("a", 1024, 20), row("b", 128, 5)]).unwrap();
        let current: Vec<Option<bool>> = frame
            .column("is_current")
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(current, vec![Some(false), Some(true), Some(true)]);
        assert_eq!(frame.column("max_memory_p99_mb").unwrap().null_count(), 3);
    }

    #[test]
    fn csv_lists_the_sizes_to_measure() {
        // One size only, 600 MB used of 1,024 at p99 (58 %): the best
        // size is uncertain, and below 1,024 MB nothing is observed.
        let mut r = row("a", 1024, 10);
        r.max_memory_p99_mb = 600.0;
        r.max_memory_max_mb = 620;
        let recommendations = recommend(
            &input_frame(&[r]).unwrap(),
            &RightsizingOptions {
                window_days: 30.0,
                ..RightsizingOptions::default()
            },
        )
        .unwrap();
        let report = RightsizingReport {
            strategy: "cost".into(),
            balanced_weight: 0.5,
            headroom_pct: 20.0,
            window_days: 30.0,
            recommendations,
            queries: Vec::new(),
        };
        let csv = report.to_csv();
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let line = lines.next().unwrap();
        let cells: Vec<&str> = line.split(',').collect();
        let cell = |name: &str| cells[header.iter().position(|h| *h == name).unwrap()];
        // Twice 600 MB exceeds the one observed size: no lower than it.
        assert_eq!(cell("lowest_advisable_mb"), "1024");
        assert_eq!(cell("extrapolated_below_observed"), "false");
        assert_eq!(cell("memory_pressure_mb"), "");
        // Floor max(600 × 1.2, 620) = 720 MB, then the ladder to one rung
        // above 1,024.
        assert_eq!(cell("power_values"), "720;1024;1536");
        assert_eq!(*header.last().unwrap(), "reason");
    }

    #[test]
    fn a_tie_on_the_latest_invocation_still_marks_one_row() {
        let frame = input_frame(&[row("a", 512, 20), row("a", 1024, 20)]).unwrap();
        let current: Vec<Option<bool>> = frame
            .column("is_current")
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(current, vec![Some(true), Some(false)]);
    }
}
