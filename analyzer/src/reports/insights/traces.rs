//! The trace findings' queries: routes of traced requests, calls between
//! functions, same-named children of a request. A span's function is its
//! resource's, keyed as the invocations are (`provider/account/region/
//! function`); a span of a platform faasight does not price is left out.

use super::{Window, CALLS_SQL, FAN_OUT_SQL, ROUTES_SQL};
use crate::insights::calls::CallEdge;
use crate::insights::fan_out::ChildGroup;
use crate::insights::routes::RouteStats;
use crate::Result;
use faasight_pricing::Provider;
use serde::Deserialize;
use std::collections::BTreeMap;

/// `provider/account/region/function` of a span's resource; `None` for a
/// platform faasight does not price.
fn span_key(
    cloud_provider: &str,
    cloud_platform: &str,
    account: &str,
    region: &str,
    function: &str,
) -> Option<String> {
    let p = Provider::from_opentelemetry(cloud_provider, cloud_platform)?;
    Some(format!("{}/{account}/{region}/{function}", p.as_str()))
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct RouteRow {
    cloud_provider: String,
    cloud_platform: String,
    account: String,
    region: String,
    function: String,
    route: String,
    calls: u64,
    duration_quantiles: Vec<f64>,
    matched: u64,
    memory_used_max_mb: u32,
    billed_ms: u64,
    example_trace_ids: Vec<String>,
}

/// Each function's routes in the window (`insight_routes.sql`).
pub(super) async fn routes(w: &mut Window<'_>) -> Result<Vec<RouteStats>> {
    let rows: Vec<RouteRow> = w.fetch("insight_routes.sql", ROUTES_SQL, &[], 3).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(RouteStats {
                function: span_key(
                    &r.cloud_provider,
                    &r.cloud_platform,
                    &r.account,
                    &r.region,
                    &r.function,
                )?,
                route: r.route,
                calls: r.calls,
                duration_p50_ms: r.duration_quantiles.first().copied().unwrap_or(0.0),
                duration_p95_ms: r.duration_quantiles.get(1).copied().unwrap_or(0.0),
                matched: r.matched,
                memory_used_max_mb: r.memory_used_max_mb,
                billed_ms: r.billed_ms,
                example_trace_ids: r.example_trace_ids,
            })
        })
        .collect())
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct CallRow {
    caller_cloud_provider: String,
    caller_cloud_platform: String,
    caller_account: String,
    caller_region: String,
    caller_function: String,
    callee_cloud_provider: String,
    callee_cloud_platform: String,
    callee_account: String,
    callee_region: String,
    callee_function: String,
    invoked_name: String,
    synchronous: u8,
    calls: u64,
    waited_ms: f64,
    example_trace_ids: Vec<String>,
}

/// Calls between functions per caller, callee and mode
/// (`insight_calls.sql`). The callee is its key when its span was traced,
/// else the name the call gives; an edge the query returns in several rows
/// (some calls' callee traced, some not) is one edge.
pub(super) async fn call_edges(w: &mut Window<'_>) -> Result<Vec<CallEdge>> {
    let rows: Vec<CallRow> = w.fetch("insight_calls.sql", CALLS_SQL, &[], 2).await?;
    let mut merged: BTreeMap<(String, String, bool), CallEdge> = BTreeMap::new();
    for c in rows {
        let Some(caller) = span_key(
            &c.caller_cloud_provider,
            &c.caller_cloud_platform,
            &c.caller_account,
            &c.caller_region,
            &c.caller_function,
        ) else {
            continue;
        };
        let callee = if c.callee_function.is_empty() {
            c.invoked_name.clone()
        } else {
            span_key(
                &c.callee_cloud_provider,
                &c.callee_cloud_platform,
                &c.callee_account,
                &c.callee_region,
                &c.callee_function,
            )
            .unwrap_or_else(|| c.callee_function.clone())
        };
        let synchronous = c.synchronous == 1;
        let edge = merged
            .entry((caller.clone(), callee.clone(), synchronous))
            .or_insert_with(|| CallEdge {
                caller,
                callee,
                synchronous,
                calls: 0,
                waited_ms: 0.0,
                example_trace_ids: Vec::new(),
            });
        edge.calls += c.calls;
        edge.waited_ms += c.waited_ms;
        edge.example_trace_ids.extend(c.example_trace_ids);
    }
    Ok(merged.into_values().collect())
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct FanOutRow {
    cloud_provider: String,
    cloud_platform: String,
    account: String,
    region: String,
    function: String,
    child_name: String,
    trace_id: String,
    parent_duration_ns: u64,
    starts: Vec<u64>,
    ends: Vec<u64>,
}

/// Requests with four or more children of one name
/// (`insight_fan_out.sql`).
pub(super) async fn child_groups(w: &mut Window<'_>) -> Result<Vec<ChildGroup>> {
    let rows: Vec<FanOutRow> = w.fetch("insight_fan_out.sql", FAN_OUT_SQL, &[], 2).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(ChildGroup {
                function: span_key(
                    &r.cloud_provider,
                    &r.cloud_platform,
                    &r.account,
                    &r.region,
                    &r.function,
                )?,
                name: r.child_name,
                trace_id: r.trace_id,
                parent_duration_ns: r.parent_duration_ns,
                children: r.starts.into_iter().zip(r.ends).collect(),
            })
        })
        .collect())
}
