//! `faasight bench anomalies`: how often the anomaly detector finds
//! incidents of known size and kind, and how often it cries wolf, on
//! synthetic fleets at several volumes.
//!
//! Each fleet has `functions` functions × `weeks` weeks of hourly series:
//! a daily curve (quiet nights, a midday peak) and a working week (weekends
//! at half the weekday level), each function at its own level around the
//! fleet's mean; counts are Poisson around an hourly mean that itself
//! varies by 10 % (log-normal), so they are over-dispersed as real traffic
//! is. Errors are binomial around a per-function rate of 0.5–2 % that
//! varies from hour to hour by 30 %; cold starts are more frequent at low
//! traffic (2 % plus one in (calls + 4)); each call costs its function's
//! price times a log-normal duration factor (σ = 0.3).
//!
//! After the first (history-only) week, each function gets one incident of
//! each kind, one hour long, at random hours at least a day apart: 3× the
//! traffic; an error burst (20 % of calls fail on top of the usual rate);
//! a cost spike (every call costs 3×: a slow deploy); a cold-start jump
//! (25 % of calls cold on top of the usual rate).
//!
//! The series are scored exactly as `faasight anomalies` scores the
//! rollup's hourly rows ([`detect_anomalies`]). An injected incident is
//! found when a reported incident of that function covers its hour and
//! names its metric; every reported incident covering no injected hour is a
//! false alarm. Numbers for people, not pass/fail: they are recorded in
//! `benches/README.md`.

use crate::cli::BenchAnomaliesArgs;
use faasight_analyzer::anomalies::{detect_anomalies, AnomalyOptions, Metric};
use faasight_sample_data::rng::Rng;
use faasight_stats::distributions::{count_tail, events_tail, normal_upper_tail, Tail};
use std::collections::BTreeMap;
use std::io::Write;

const HOUR: i64 = 3_600;
/// 2026-01-05T00:00:00Z, a Monday.
const MONDAY: i64 = 1_767_571_200;

/// The kinds of injected incident, with the metric that must name them.
const KINDS: [(&str, Metric); 4] = [
    ("traffic_3x", Metric::Invocations),
    ("error_burst_20pct", Metric::ErrorRate),
    ("cost_3x", Metric::CostUsd),
    ("cold_start_jump_25pts", Metric::ColdStartRate),
];

struct Fleet {
    key: Vec<String>,
    hour: Vec<i64>,
    invocations: Vec<f64>,
    errors: Vec<f64>,
    cold_starts: Vec<f64>,
    cost_usd: Vec<f64>,
    /// (key, hour, kind index)
    truth: Vec<(String, i64, usize)>,
    /// Per injected incident: whether the same test with the generator's
    /// true parameters (known mean, rates and cost per call) reaches the
    /// threshold — the best any detector with this false-alarm rate per
    /// hour could do.
    oracle: Vec<bool>,
}

fn binomial(rng: &mut Rng, n: u64, p: f64) -> u64 {
    if n > 2_000 {
        let mean = n as f64 * p;
        let sd = (mean * (1.0 - p)).sqrt();
        return (mean + sd * rng.normal()).round().clamp(0.0, n as f64) as u64;
    }
    (0..n).filter(|_| rng.chance(p)).count() as u64
}

fn generate(functions: usize, weeks: usize, volume: f64, seed: u64, p_threshold: f64) -> Fleet {
    let hours = weeks * 168;
    let mut fleet = Fleet {
        key: Vec::new(),
        hour: Vec::new(),
        invocations: Vec::new(),
        errors: Vec::new(),
        cold_starts: Vec::new(),
        cost_usd: Vec::new(),
        truth: Vec::new(),
        oracle: Vec::new(),
    };
    for f in 0..functions {
        let mut rng = Rng::new(seed, f as u64 + 1);
        let key = format!("aws_lambda/111/eu-west-1/fn-{f:03}");
        let level = volume * rng.lognormal(1.0, 0.3);
        let error_rate = rng.range(0.005, 0.02);
        let unit_cost = rng.range(0.000_005, 0.000_2);
        // One incident of each kind, after the first week, a day apart.
        let mut at: Vec<usize> = Vec::new();
        while at.len() < KINDS.len() {
            let h = 168 + rng.below((hours - 168) as u64) as usize;
            if at.iter().all(|&o| o.abs_diff(h) >= 24) {
                at.push(h);
            }
        }
        for i in 0..hours {
            let (day, h) = (i / 24, i % 24);
            // Quiet nights (0.3), a midday peak (1.7); weekends at half.
            let daily = 1.0 + 0.7 * (((h as f64 - 7.0) / 24.0) * 2.0 * std::f64::consts::PI).sin();
            let weekly = if day % 7 >= 5 { 0.6 } else { 1.16 };
            let usual = level * daily * weekly;
            let mut mean = usual * rng.lognormal(1.0, 0.1);
            let kind = at.iter().position(|&a| a == i);
            if kind == Some(0) {
                mean *= 3.0;
            }
            let n = rng.poisson(mean);
            let mut p_error = (error_rate * rng.lognormal(1.0, 0.3)).min(1.0);
            if kind == Some(1) {
                p_error = (p_error + 0.2).min(1.0);
            }
            let mut p_cold = 0.02 + 1.0 / (mean + 4.0);
            if kind == Some(3) {
                p_cold = (p_cold + 0.25).min(1.0);
            }
            let per_call = if kind == Some(2) {
                3.0 * unit_cost
            } else {
                unit_cost
            };
            let cost = if n > 2_000 {
                // The sum of n log-normal factors: its mean and spread.
                let m = (0.3f64 * 0.3 / 2.0).exp();
                let sd = ((0.09f64.exp() - 1.0) * m * m * n as f64).sqrt();
                per_call * (m * n as f64 + sd * rng.normal()).max(0.0)
            } else {
                (0..n).map(|_| per_call * rng.lognormal(1.0, 0.3)).sum()
            };
            let errors = binomial(&mut rng, n, p_error);
            let cold = binomial(&mut rng, n, p_cold);
            fleet.key.push(key.clone());
            fleet.hour.push(MONDAY + i as i64 * HOUR);
            fleet.invocations.push(n as f64);
            fleet.errors.push(errors as f64);
            fleet.cold_starts.push(cold as f64);
            fleet.cost_usd.push(cost);
            if let Some(k) = kind {
                fleet.truth.push((key.clone(), MONDAY + i as i64 * HOUR, k));
                let usual_cold = 0.02 + 1.0 / (usual + 4.0);
                let binomial_tail = |events: u64, p: f64| {
                    events_tail(events, n, p * 1e9, (1.0 - p) * 1e9, Tail::Upper)
                };
                let p = match k {
                    // Poisson around a mean known up to its 10 % hourly
                    // variation (dispersion 0.01).
                    0 => count_tail(n, usual, 0.01, Tail::Upper),
                    1 => binomial_tail(errors, error_rate),
                    2 => {
                        // A mean of n calls whose factor has mean m and
                        // variance (e^σ² − 1) m².
                        let m = (0.045f64).exp();
                        let sd = ((0.09f64.exp() - 1.0) * m * m / n.max(1) as f64).sqrt();
                        normal_upper_tail((cost / (n.max(1) as f64 * unit_cost) - m) / sd)
                    }
                    _ => binomial_tail(cold, usual_cold),
                };
                fleet.oracle.push(n > 0 && p < p_threshold);
            }
        }
    }
    fleet
}

fn write_csv(fleet: &Fleet, dir: &std::path::Path, volume: f64) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut series = std::io::BufWriter::new(std::fs::File::create(
        dir.join(format!("series-{volume}.csv")),
    )?);
    writeln!(series, "key,hour,invocations,errors,cold_starts,cost_usd")?;
    for i in 0..fleet.key.len() {
        writeln!(
            series,
            "{},{},{},{},{},{}",
            fleet.key[i],
            fleet.hour[i],
            fleet.invocations[i],
            fleet.errors[i],
            fleet.cold_starts[i],
            fleet.cost_usd[i]
        )?;
    }
    let mut truth = std::fs::File::create(dir.join(format!("truth-{volume}.csv")))?;
    writeln!(truth, "key,hour,kind,metric")?;
    for (key, hour, k) in &fleet.truth {
        writeln!(truth, "{key},{hour},{},{}", KINDS[*k].0, KINDS[*k].1.name())?;
    }
    Ok(())
}

pub fn run(args: &BenchAnomaliesArgs) -> anyhow::Result<()> {
    if args.weeks < 2 || args.functions == 0 {
        anyhow::bail!(
            "the benchmark needs at least 2 weeks (the first is history only) and 1 function"
        );
    }
    let options = AnomalyOptions {
        threshold: args.threshold,
        ..AnomalyOptions::default()
    };
    println!(
        "{} functions × {} weeks per volume, threshold {}; recall per injected kind (in brackets: the best possible, the same test with the generator's true parameters), precision of incidents, false alarms per function per 4 weeks of scored time",
        args.functions, args.weeks, args.threshold
    );
    println!(
        "{:>8} {:>12} {:>13} {:>12} {:>12} {:>10} {:>13} {:>9}",
        "calls/h",
        "traffic_3x",
        "errors_20pct",
        "cost_3x",
        "cold_+25pt",
        "precision",
        "false/fn/4wk",
        "seconds"
    );
    for &volume in &args.volumes {
        let p_threshold = normal_upper_tail(args.threshold);
        let fleet = generate(args.functions, args.weeks, volume, args.seed, p_threshold);
        if let Some(dir) = &args.out {
            write_csv(&fleet, dir, volume)?;
        }
        let frame = faasight_analyzer::polars::df!(
            "key" => &fleet.key,
            "hour" => &fleet.hour,
            "invocations" => &fleet.invocations,
            "errors" => &fleet.errors,
            "cold_starts" => &fleet.cold_starts,
            "cost_usd" => &fleet.cost_usd,
        )?;
        let started = std::time::Instant::now();
        let report = detect_anomalies(&frame, options)?;
        let seconds = started.elapsed().as_secs_f64();
        let mut found = [0usize; 4];
        let mut injected = [0usize; 4];
        let mut possible = [0usize; 4];
        for ((key, hour, k), oracle) in fleet.truth.iter().zip(&fleet.oracle) {
            injected[*k] += 1;
            possible[*k] += usize::from(*oracle);
            let hit = report.incidents.iter().any(|i| {
                &i.key == key
                    && i.start <= *hour
                    && *hour < i.end
                    && i.metrics.iter().any(|m| m.metric == KINDS[*k].1)
            });
            found[*k] += usize::from(hit);
        }
        let mut truth_hours: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
        for (key, hour, _) in &fleet.truth {
            truth_hours.entry(key).or_default().push(*hour);
        }
        let false_alarms = report
            .incidents
            .iter()
            .filter(|i| {
                !truth_hours
                    .get(i.key.as_str())
                    .is_some_and(|hs| hs.iter().any(|h| i.start <= *h && *h < i.end))
            })
            .count();
        let true_incidents = report.incidents.len() - false_alarms;
        let precision = if report.incidents.is_empty() {
            1.0
        } else {
            true_incidents as f64 / report.incidents.len() as f64
        };
        let scored_weeks = (args.weeks - 1) as f64;
        let per_fn_4wk = false_alarms as f64 / args.functions as f64 * 4.0 / scored_weeks;
        let pct = |k: usize| {
            format!(
                "{:.0} % ({:.0})",
                100.0 * found[k] as f64 / injected[k].max(1) as f64,
                100.0 * possible[k] as f64 / injected[k].max(1) as f64
            )
        };
        println!(
            "{:>8} {:>12} {:>13} {:>12} {:>12} {:>10} {:>13.3} {:>9.2}",
            volume,
            pct(0),
            pct(1),
            pct(2),
            pct(3),
            format!("{:.1} %", 100.0 * precision),
            per_fn_4wk,
            seconds
        );
    }
    Ok(())
}
