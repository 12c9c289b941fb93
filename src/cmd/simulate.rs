//! `faasight simulate keep-alive`: the keep-alive replay of
//! `faasight_analyzer::keep_alive` on recorded invocations (per minute, from
//! ClickHouse) or on the Azure Functions 2019 trace.

use super::InputError;
use crate::cli::{KeepAliveArgs, OutputFormat};
use faasight_analyzer::keep_alive::{
    arrivals_per_minute, provisioned_cost, replay, replay_provisioned, KeepAliveResult,
    ProvisionedPolicy, ProvisionedResult,
};
use faasight_store::PicoUsd;

/// A provisioned-concurrency replay with what it costs.
#[derive(Debug, Clone, serde::Serialize)]
struct ProvisionedWithCost {
    #[serde(flatten)]
    result: ProvisionedResult,
    /// Memory each provisioned instance is priced at.
    memory_mb: u32,
    /// Provisioned Concurrency charge for the instance-minutes, pico-dollars.
    provisioned_cost: PicoUsd,
}

/// Everything `simulate keep-alive` reports.
#[derive(Debug, serde::Serialize)]
struct SimulationReport {
    keep_alive: Vec<KeepAliveResult>,
    provisioned: Vec<ProvisionedWithCost>,
}
use faasight_analyzer::TimeRange;

/// Parses `5m`, `2h` or a bare number of minutes.
fn minutes(text: &str) -> Result<u32, InputError> {
    let t = text.trim();
    let (num, factor) = match t.strip_suffix('h') {
        Some(n) => (n, 60),
        None => (t.strip_suffix('m').unwrap_or(t), 1),
    };
    num.parse::<u32>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .ok_or_else(|| {
            InputError(format!(
                "--keep-alive {text:?} is not a duration like 5m, 20m or 2h"
            ))
        })
}

pub async fn keep_alive(args: KeepAliveArgs) -> anyhow::Result<()> {
    let policies = args
        .keep_alive
        .iter()
        .map(|k| minutes(k))
        .collect::<Result<Vec<u32>, _>>()?;
    // Minute of the day (UTC) of each series' first count.
    let mut first_minute = 0u32;
    let series: Vec<Vec<u32>> = match args.trace.as_slice() {
        [kind, dir] if kind == "azure-2019" => {
            faasight_collector::codecs::azure_2019::read_minutes(std::path::Path::new(dir))
                .map_err(|e| InputError(format!("{dir}: {e}")))?
                .into_iter()
                .map(|f| f.counts)
                .collect()
        }
        [kind, _] => {
            return Err(InputError(format!(
                "--trace {kind:?}: the only trace kind is azure-2019"
            ))
            .into())
        }
        _ => {
            let store = super::connect_reader(&args.db.clickhouse_url).await?;
            let range = TimeRange::last_hours(args.days * 24, chrono::Utc::now());
            first_minute = ((range.from.timestamp() / 60) % 1440) as u32;
            arrivals_per_minute(&store, &args.tenant, range)
                .await?
                .into_iter()
                .map(|(_, c)| c)
                .collect()
        }
    };
    let results: Vec<KeepAliveResult> = policies
        .iter()
        .map(|&k| replay(series.iter().map(Vec::as_slice), k))
        .collect();
    // Provisioned policies sit on top of the first keep-alive given.
    let base_keep_alive = policies.first().copied().unwrap_or(0);
    let provisioned = args
        .provisioned
        .iter()
        .map(|spec| ProvisionedPolicy::parse(spec, base_keep_alive))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| InputError(e.to_string()))?;
    let now = chrono::Utc::now();
    let provisioned: Vec<ProvisionedWithCost> = provisioned
        .iter()
        .map(|p| {
            let result = replay_provisioned(series.iter().map(Vec::as_slice), first_minute, p);
            let provisioned_cost =
                provisioned_cost(result.provisioned_instance_minutes, args.memory_mb, now);
            ProvisionedWithCost {
                result,
                memory_mb: args.memory_mb,
                provisioned_cost,
            }
        })
        .collect();
    let report = SimulationReport {
        keep_alive: results.clone(),
        provisioned: provisioned.clone(),
    };
    match args.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        OutputFormat::Table => {
            println!(
                "{:>10} {:>9} {:>12} {:>11} {:>8} {:>9} {:>17}",
                "keep-alive",
                "functions",
                "invocations",
                "cold starts",
                "cold %",
                "avoided",
                "idle instance-min"
            );
            for r in &results {
                println!(
                    "{:>9}m {:>9} {:>12} {:>11} {:>7.2}% {:>9} {:>17}",
                    r.keep_alive_minutes,
                    r.functions,
                    r.invocations,
                    r.cold_starts,
                    r.cold_start_pct,
                    r.cold_starts_avoided,
                    r.idle_instance_minutes
                );
            }
            if !provisioned.is_empty() {
                println!();
                println!(
                    "{:<28} {:>11} {:>8} {:>9} {:>16} {:>13} {:>14}",
                    "provisioned (hours:n)",
                    "cold starts",
                    "cold %",
                    "avoided",
                    "instance-min",
                    "idle inst-min",
                    "cost (USD)"
                );
                for p in &provisioned {
                    let r = &p.result;
                    println!(
                        "{:<28} {:>11} {:>7.2}% {:>9} {:>16} {:>13} {:>14.2}",
                        r.policy,
                        r.cold_starts,
                        r.cold_start_pct,
                        r.cold_starts_avoided,
                        r.provisioned_instance_minutes,
                        r.idle_provisioned_instance_minutes,
                        p.provisioned_cost.as_usd_f64()
                    );
                }
                println!(
                    "(on top of a {base_keep_alive}-minute keep-alive; avoided = against it alone; cost at {} MB per instance, AWS Lambda x86_64 Provisioned Concurrency in us-east-1)",
                    args.memory_mb
                );
            }
        }
    }
    Ok(())
}
