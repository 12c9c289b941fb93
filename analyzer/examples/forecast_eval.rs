//! Rolling-origin backtest of [`faasight_analyzer::forecast`] on series read
//! from a CSV, for comparison with other forecasters
//! (`benches/forecast_compare.py` runs the same folds with statsforecast and
//! prophet).
//!
//! Usage: `forecast_eval FILE [--season N] [--horizon H] [--level L]`
//! where FILE has the header `series_id,t,value` and each series' rows in
//! time order. Prints one JSON line per series:
//! `{"series_id":…,"model":…,"mape_pct":…,"coverage_pct":…,"origins":…,"horizon":…}`
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

/// Series in file order: (id, values).
fn read_series(text: &str) -> Result<Vec<(String, Vec<f64>)>, String> {
    let mut series: Vec<(String, Vec<f64>)> = Vec::new();
    for (number, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        let [id, _t, value] = fields[..] else {
            return Err(format!("line {}: expected series_id,t,value", number + 1));
        };
        let value: f64 = value
            .trim()
            .parse()
            .map_err(|e| format!("line {}: value: {e}", number + 1))?;
        match series.last_mut() {
            Some((last, values)) if last == id => values.push(value),
            _ => series.push((id.to_string(), vec![value])),
        }
    }
    Ok(series)
}

fn main() -> ExitCode {
    let run = || -> Result<(), String> {
        let args = parse_args()?;
        let text = std::fs::read_to_string(&args.path)
            .map_err(|e| format!("cannot read {}: {e}", args.path))?;
        for (id, values) in read_series(&text)? {
            match forecast_series(&values, &args.options) {
                Ok(f) => println!(
                    "{{\"series_id\":{},\"model\":{},\"mape_pct\":{},\"coverage_pct\":{},\"origins\":{},\"horizon\":{}}}",
                    json_string(&id),
                    json_string(&f.model),
                    json_number(f.backtest.mape_pct),
                    json_number(f.backtest.coverage_pct),
                    f.backtest.origins,
                    f.backtest.horizon
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
