//! The invocation findings' queries: each function's size and traffic,
//! each account's hourly concurrency and peak, scaling bursts, and the
//! provisioned configurations with the invocations they served.

use super::{
    ConcurrencyPeak, ConcurrencySeries, Window, ACCOUNT_CONCURRENCY_SQL, ACCOUNT_HOUR_SQL,
    FUNCTIONS_SQL, FUNCTION_INVOCATIONS_SQL, SCALING_CANDIDATES_SQL,
};
use crate::insights::concurrency::{
    densest_window, first_at_least, peaks_from_levels, Busy, WindowLevels,
};
use crate::insights::limits::{ScalingBurst, ScopePeak, SCALING_RATE, SCALING_WINDOW_MS};
use crate::insights::provisioned::Provisioned;
use crate::insights::Finding;
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use faasight_pricing::{aws_lambda, Provider};
use faasight_store::rows::inventory::KIND_PROVISIONED;
use faasight_store::{FunctionConfigRow, InvocationRow};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

const HOUR_MS: i64 = 3_600_000;

/// One function's invocations in the window and latest configuration.
#[derive(Debug, Clone, clickhouse::Row, Deserialize)]
pub(super) struct FunctionRow {
    pub(super) provider: String,
    account: String,
    pub(super) region: String,
    function: String,
    pub(super) invocations: u64,
    pub(super) memory_mb: u32,
    pub(super) arch: String,
    runtime: String,
}

impl FunctionRow {
    /// List price of one ms of the function's duration at `memory_mb`,
    /// pico-USD: the price of a 1-s invocation less that of an instant one,
    /// so the request charge cancels. Zero where time is not billed
    /// (Cloudflare Workers bill CPU time; self-hosted platforms nothing per
    /// invocation).
    pub(super) fn pico_per_ms(&self, memory_mb: u32, at: DateTime<Utc>) -> f64 {
        let row = |ms: u64| InvocationRow {
            provider: self.provider.clone(),
            account: self.account.clone(),
            region: self.region.clone(),
            function: self.function.clone(),
            runtime: self.runtime.clone(),
            arch: self.arch.clone(),
            memory_mb,
            max_memory_used_mb: memory_mb,
            start_time: at,
            duration_ms: ms as f64,
            billed_duration_ms: ms,
            ..Default::default()
        };
        let (second, instant) = (
            faasight_pricing::list_cost(&row(1_000)).0,
            faasight_pricing::list_cost(&row(0)).0,
        );
        (second - instant).max(0) as f64 / 1_000.0
    }
}

/// Each function in the window by `provider/account/region/function`
/// (`insight_functions.sql`).
pub(super) async fn functions(w: &mut Window<'_>) -> Result<HashMap<String, FunctionRow>> {
    let rows: Vec<FunctionRow> = w
        .fetch("insight_functions.sql", FUNCTIONS_SQL, &[], 1)
        .await?;
    Ok(rows
        .into_iter()
        .map(|f| {
            (
                format!("{}/{}/{}/{}", f.provider, f.account, f.region, f.function),
                f,
            )
        })
        .collect())
}

/// Smallest memory size and step between sizes, MB, where a function's
/// memory is set freely and priced by it (AWS Lambda: 128 MB to 10,240 MB
/// in 1-MB steps; Alibaba Function Compute: 64-MB steps from 128 MB).
pub(super) fn memory_steps(provider: &str) -> Option<(u32, u32)> {
    match Provider::parse(provider)? {
        Provider::AwsLambda => Some((128, 1)),
        Provider::AlibabaFunctionCompute => Some((128, 64)),
        _ => None,
    }
}

fn instant(ms: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default()
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct HourLevelsRow {
    provider: String,
    account: String,
    region: String,
    hour_epoch: i64,
    start_events: u64,
    start_level: u64,
    highest_after_start: u64,
    last_level: u64,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct OccupancyRow {
    start_ms: i64,
    end_ms: i64,
}

/// The window's concurrency.
pub(super) struct Concurrency {
    /// Each account and region's peak, for the limit rule.
    pub(super) peaks: Vec<ScopePeak>,
    /// The same, as the report shows them.
    pub(super) account_peaks: Vec<ConcurrencyPeak>,
    /// Each account and region hour by hour.
    pub(super) account_series: Vec<ConcurrencySeries>,
}

/// Each account and region's hourly series
/// (`insight_account_concurrency.sql`), and its peak: the series' highest
/// hour, where the first millisecond of the peak is found among the
/// invocations of that hour (`insight_account_hour.sql`).
pub(super) async fn concurrency(w: &mut Window<'_>, limit: u32) -> Result<Concurrency> {
    let aws = Provider::AwsLambda.as_str();
    let rows: Vec<HourLevelsRow> = w
        .fetch(
            "insight_account_concurrency.sql",
            ACCOUNT_CONCURRENCY_SQL,
            &[],
            1,
        )
        .await?;
    let mut levels: BTreeMap<(String, String, String), Vec<WindowLevels>> = BTreeMap::new();
    for r in rows {
        levels
            .entry((r.provider, r.account, r.region))
            .or_default()
            .push(WindowLevels {
                start_ms: r.hour_epoch * 1_000,
                start_events: r.start_events,
                start_level: r.start_level,
                highest_after_start: r.highest_after_start,
                last: r.last_level,
            });
    }
    let first_hour_ms = w.range.from.timestamp_millis().div_euclid(HOUR_MS) * HOUR_MS;
    let hours = (w.range.to.timestamp_millis() - first_hour_ms + HOUR_MS - 1)
        .div_euclid(HOUR_MS)
        .max(0) as usize;
    let mut accounts: Vec<(ScopePeak, ConcurrencySeries)> = Vec::new();
    for ((provider, account, region), levels) in levels {
        let series = peaks_from_levels(&levels, first_hour_ms, HOUR_MS, hours);
        let Some((hour, &peak)) = series
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
        else {
            continue;
        };
        if peak == 0 {
            continue;
        }
        let from_ms = first_hour_ms + hour as i64 * HOUR_MS;
        let to_ms = from_ms + HOUR_MS;
        let busy = hour_occupancy(w, &provider, &account, &region, from_ms, to_ms).await?;
        let at_ms = first_at_least(&busy, peak, from_ms, to_ms).ok_or_else(|| {
            Error::Model(format!(
                "{provider}/{account}/{region}: no millisecond of its busiest hour reaches its peak of {peak}"
            ))
        })?;
        let scope = format!("{provider}/{account}/{region}");
        let series = ConcurrencySeries {
            scope: scope.clone(),
            limit: (provider == aws).then_some(limit),
            from: instant(first_hour_ms),
            step_seconds: 3_600,
            peaks: series,
        };
        let peak = ScopePeak {
            provider,
            scope,
            concurrency: peak,
            at_ms,
        };
        accounts.push((peak, series));
    }
    // Busiest first, equal peaks by scope.
    accounts.sort_by(|(a, _), (b, _)| {
        b.concurrency
            .cmp(&a.concurrency)
            .then_with(|| a.scope.cmp(&b.scope))
    });
    let (peaks, account_series): (Vec<ScopePeak>, Vec<ConcurrencySeries>) =
        accounts.into_iter().unzip();
    let account_peaks = peaks
        .iter()
        .map(|p| ConcurrencyPeak {
            scope: p.scope.clone(),
            concurrency: p.concurrency,
            at: instant(p.at_ms),
            limit: (p.provider == aws).then_some(limit),
        })
        .collect();
    Ok(Concurrency {
        peaks,
        account_peaks,
        account_series,
    })
}

/// The occupancies of an account's invocations during `[from_ms, to_ms)`
/// (`insight_account_hour.sql`).
async fn hour_occupancy(
    w: &mut Window<'_>,
    provider: &str,
    account: &str,
    region: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<Busy>> {
    let (hour_from, hour_to) = (from_ms.to_string(), to_ms.to_string());
    // A day before the hour (no invocation runs longer) to an hour after
    // (an invocation starting then may hold an environment in the hour
    // for its INIT; none lasts that long).
    let read = (
        from_ms.div_euclid(1_000) - 86_400,
        to_ms.div_euclid(1_000) + 3_600,
    );
    let rows: Vec<OccupancyRow> = w
        .fetch_over(
            "insight_account_hour.sql",
            ACCOUNT_HOUR_SQL,
            &[&hour_from, &hour_to, provider, account, region],
            &[read],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| Busy {
            start_ms: r.start_ms,
            end_ms: r.end_ms,
        })
        .collect())
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct CandidateRow {
    provider: String,
    account: String,
    region: String,
    function: String,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct StartRow {
    start_ms: i64,
    duration_ms: f64,
}

/// One function's invocations (`cold_only`: its cold starts) in the
/// window (`insight_function_invocations.sql`).
async fn starts(
    w: &mut Window<'_>,
    cold_only: bool,
    provider: &str,
    account: &str,
    region: &str,
    function: &str,
) -> Result<Vec<StartRow>> {
    let cold = if cold_only { "1" } else { "0" };
    w.fetch(
        "insight_function_invocations.sql",
        FUNCTION_INVOCATIONS_SQL,
        &[cold, provider, account, region, function],
        1,
    )
    .await
}

/// The densest 10 s of new environments of each AWS function that may
/// have outrun the scaling rate (`insight_scaling_candidates.sql`, then
/// the candidates' cold starts).
pub(super) async fn scaling_bursts(
    w: &mut Window<'_>,
    functions: &HashMap<String, FunctionRow>,
) -> Result<Vec<ScalingBurst>> {
    let half_rate = (SCALING_RATE / 2).to_string();
    let candidates: Vec<CandidateRow> = w
        .fetch(
            "insight_scaling_candidates.sql",
            SCALING_CANDIDATES_SQL,
            &[half_rate.as_str()],
            1,
        )
        .await?;
    let at = w.range.to;
    let mut bursts = Vec::new();
    for c in &candidates {
        let cold = starts(w, true, &c.provider, &c.account, &c.region, &c.function).await?;
        let (new_environments, at_ms) =
            densest_window(cold.iter().map(|s| s.start_ms).collect(), SCALING_WINDOW_MS);
        let key = format!("{}/{}/{}/{}", c.provider, c.account, c.region, c.function);
        let provisioned_hour_a_day_pico = functions.get(&key).map(|f| {
            let hour = aws_lambda::provisioned_concurrency_cost(
                u64::from(f.memory_mb) * new_environments,
                3_600,
                &f.arch,
                &f.region,
                at,
            );
            (hour.0 as f64 * crate::rightsizing::DAYS_PER_MONTH).round() as i64
        });
        bursts.push(ScalingBurst {
            function: key,
            new_environments,
            at_ms,
            provisioned_hour_a_day_pico,
        });
    }
    Ok(bursts)
}

/// Idle provisioned concurrency: each AWS alias's provisioned
/// configurations (each snapshot in force until the alias's next one, as
/// the bill charges them) against the function's invocations
/// (`function_inventory.sql`, then `insight_function_invocations.sql` per
/// function with one).
pub(super) async fn idle_provisioned(
    w: &mut Window<'_>,
    functions: &HashMap<String, FunctionRow>,
) -> Result<Vec<Finding>> {
    let aws = Provider::AwsLambda.as_str();
    let (inventory, trace) =
        crate::reports::bill::fetch_inventory(w.store, w.tenant, w.range.to).await?;
    w.queries.push(trace);
    type Alias = (String, String, String, String);
    let mut aliases: BTreeMap<Alias, Vec<&FunctionConfigRow>> = BTreeMap::new();
    for s in inventory
        .iter()
        .filter(|s| s.provider == aws && s.kind == KIND_PROVISIONED)
    {
        aliases
            .entry((
                s.account.clone(),
                s.region.clone(),
                s.function.clone(),
                s.qualifier.clone(),
            ))
            .or_default()
            .push(s);
    }
    let mut findings = Vec::new();
    for ((account, region, function, qualifier), mut snaps) in aliases {
        snaps.sort_by_key(|s| s.seen_at);
        let key = format!("{aws}/{account}/{region}/{function}");
        // Memory and architecture: the function's latest configuration
        // snapshot, else its latest invocation.
        let latest_config = inventory
            .iter()
            .filter(|s| {
                s.provider == aws
                    && s.kind != KIND_PROVISIONED
                    && (&s.account, &s.region, &s.function) == (&account, &region, &function)
            })
            .max_by_key(|s| s.seen_at);
        let (memory_mb, arch) = match (latest_config, functions.get(&key)) {
            (Some(c), _) if c.memory_mb > 0 => (c.memory_mb, c.arch.clone()),
            (_, Some(f)) => (f.memory_mb, f.arch.clone()),
            _ => continue,
        };
        let rows = starts(w, false, aws, &account, &region, &function).await?;
        let busy: Vec<Busy> = rows
            .iter()
            .map(|r| Busy::new(r.start_ms, r.duration_ms))
            .collect();
        for (i, s) in snaps.iter().enumerate() {
            let next = snaps.get(i + 1).map_or(w.range.to, |n| n.seen_at);
            let (from, to) = (s.seen_at.max(w.range.from), next.min(w.range.to));
            if from >= to || s.provisioned_allocated == 0 {
                continue;
            }
            let charge = aws_lambda::provisioned_concurrency_cost(
                u64::from(memory_mb) * u64::from(s.provisioned_allocated),
                (to - from).num_seconds().max(0) as u64,
                &arch,
                &region,
                from,
            );
            let config = Provisioned {
                function: key.clone(),
                qualifier: qualifier.clone(),
                allocated: u64::from(s.provisioned_allocated),
                from_ms: from.timestamp_millis(),
                to_ms: to.timestamp_millis(),
                charge_pico: charge.0,
            };
            findings.extend(crate::insights::provisioned::idle_provisioned(
                &config, &busy,
            ));
        }
    }
    Ok(findings)
}
