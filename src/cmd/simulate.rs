//! `faasight simulate keep-alive`: the keep-alive replay of
//! `faasight_analyzer::keep_alive` on recorded invocations (per minute, from
//! ClickHouse) or on the Azure Functions 2019 trace.

use super::InputError;
use crate::cli::{KeepAliveArgs, OutputFormat};
use faasight_analyzer::keep_alive::{arrivals_per_minute, replay, KeepAliveResult};
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
            let store = super::connect(&args.db.clickhouse_url).await?;
            let range = TimeRange::last_hours(args.days * 24, chrono::Utc::now());
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
    match args.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&results)?),
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
        }
    }
    Ok(())
}
