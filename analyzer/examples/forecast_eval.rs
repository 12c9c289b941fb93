//! Rolling-origin backtest of [`faasight_analyzer::forecast`] on series read
//! from a CSV, for comparison with other forecasters
//! (`benches/forecast_compare.py` runs the same folds with statsforecast and
//! prophet).
//!
//! Usage: `forecast_eval FILE [--season N] [--horizon H] [--level L]`
//! (defaults: season 7, horizon 30, level 0.8) where FILE has the header
//! `series_id,t,value`, `t` being an integer index or an ISO date
//! (YYYY-MM-DD); a series' rows are put in order of `t`, and must be evenly
//! spaced without gaps (fill missing steps before). Prints one JSON line per
//! series, in order of first appearance:
//! `{"series_id":…,"model":…,"mape_pct":…,"coverage_pct":…,"origins":…,"horizon":…,"zero_actuals_skipped":…,"outliers_replaced":…,"interval_scale":…}`
//! (or `{"series_id":…,"error":…}` when a series cannot be forecast).

use faasight_analyzer::forecast::{forecast_series, ForecastOptions};
use std::process::ExitCode;

/// A JSON string literal (quotes, backslashes and control characters
/// escaped), so the output needs no JSON library.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON number, or null when absent.
fn json_number(value: Option<f64>) -> String {
    match value {
        Some(v) if v.is_finite() => format!("{v}"),
        _ => "null".to_string(),
    }
}

struct Args {
    path: String,
    options: ForecastOptions,
}

fn parse_args() -> Result<Args, String> {
    let mut path = None;
    let mut options = ForecastOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--season" => {
                options.season_length = value("--season")?
                    .parse()
                    .map_err(|e| format!("--season: {e}"))?
            }
            "--horizon" => {
                options.horizon = value("--horizon")?
                    .parse()
                    .map_err(|e| format!("--horizon: {e}"))?
            }
            "--level" => {
                options.level = value("--level")?
                    .parse()
                    .map_err(|e| format!("--level: {e}"))?
            }
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            other => path = Some(other.to_string()),
        }
    }
    Ok(Args {
        path: path.ok_or("usage: forecast_eval FILE [--season N] [--horizon H] [--level L]")?,
        options,
    })
}

/// Where a row sits in its series: integer indexes order numerically, ISO
/// dates order as text (YYYY-MM-DD sorts chronologically); integers sort
/// before dates, which never meet in one well-formed series.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Position {
    Index(i64),
    Date(String),
}

/// Series in order of first appearance: (id, values ordered by `t`).
fn read_series(text: &str) -> Result<Vec<(String, Vec<f64>)>, String> {
    let mut series: Vec<(String, Vec<(Position, f64)>)> = Vec::new();
    let mut index_of: std::collections::HashMap<String, usize> = Default::default();
    for (number, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        let [id, t, value] = fields[..] else {
            return Err(format!("line {}: expected series_id,t,value", number + 1));
        };
        let t = t.trim();
        let position = match t.parse::<i64>() {
            Ok(i) => Position::Index(i),
            Err(_) => Position::Date(t.to_string()),
        };
        let value: f64 = value
            .trim()
            .parse()
            .map_err(|e| format!("line {}: value: {e}", number + 1))?;
        let slot = *index_of.entry(id.to_string()).or_insert_with(|| {
            series.push((id.to_string(), Vec::new()));
            series.len() - 1
        });
        series[slot].1.push((position, value));
    }
    Ok(series
        .into_iter()
        .map(|(id, mut rows)| {
            rows.sort_by(|a, b| a.0.cmp(&b.0));
            (id, rows.into_iter().map(|(_, v)| v).collect())
        })
        .collect())
}

fn main() -> ExitCode {
    let run = || -> Result<(), String> {
        let args = parse_args()?;
        let text = std::fs::read_to_string(&args.path)
            .map_err(|e| format!("cannot read {}: {e}", args.path))?;
        for (id, values) in read_series(&text)? {
            match forecast_series(&values, &args.options) {
                Ok(f) => println!(
                    "{{\"series_id\":{},\"model\":{},\"mape_pct\":{},\"coverage_pct\":{},\"origins\":{},\"horizon\":{},\"zero_actuals_skipped\":{},\"outliers_replaced\":{},\"interval_scale\":{}}}",
                    json_string(&id),
                    json_string(&f.model),
                    json_number(f.backtest.mape_pct),
                    json_number(f.backtest.coverage_pct),
                    f.backtest.origins,
                    f.backtest.horizon,
                    f.backtest.zero_actuals_skipped,
                    f.outliers_replaced,
                    json_number(Some(f.backtest.interval_scale))
                ),
                Err(e) => println!(
                    "{{\"series_id\":{},\"error\":{}}}",
                    json_string(&id),
                    json_string(&e.to_string())
                ),
            }
        }
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("forecast_eval: {message}");
            ExitCode::FAILURE
        }
    }
}
