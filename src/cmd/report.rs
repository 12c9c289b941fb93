//! The analysis commands (`bill`, `rightsizing`, `cold-starts`, …): flags →
//! `ReportRequest` → `faasight_analyzer::reports::run`, the same call the
//! HTTP API makes, so `--format json` prints exactly what the API answers.
//! Tables and CSV are for people and spreadsheets.

use super::InputError;
use crate::cli::{ReportArgs, ReportFormat};
use faasight_analyzer::reports::{run as run_report, Report, ReportKind, ReportRequest};
use faasight_store::PicoUsd;

/// `writeln!` into a String (which cannot fail).
macro_rules! out {
    ($o:expr) => {
        $o.push('\n')
    };
    ($o:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($o, $($arg)*);
    }};
}

fn usd(p: PicoUsd) -> String {
    let d = p.as_usd_f64();
    if d.abs() >= 1.0 || d == 0.0 {
        format!("${d:.2}")
    } else {
        format!("${d:.6}")
    }
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

/// An analysis command's flags: which analysis, the flags every analysis
/// takes, and its own flags as the request fields the HTTP API takes (one
/// small impl per command, beside its flags in `cli.rs`).
pub(crate) trait AnalysisCommand {
    /// The analysis.
    const KIND: ReportKind;
    /// The flags every analysis takes.
    fn common(&self) -> &ReportArgs;
    /// This analysis' own flags as request fields.
    fn request(&self) -> Result<ReportRequest, InputError>;
}

/// Runs an analysis command: its own flags, then the common ones, into one
/// [`ReportRequest`], and the same `reports::run` the HTTP API calls.
pub async fn run<A: AnalysisCommand>(command: &A) -> anyhow::Result<()> {
    let (kind, args) = (A::KIND, command.common());
    let mut request = command.request()?;
    if args.format == ReportFormat::Csv && kind != ReportKind::Rightsizing {
        return Err(InputError(format!(
            "--format csv is available for rightsizing; use table or json for {}",
            kind.name()
        ))
        .into());
    }
    request.tenant = Some(args.tenant.clone());
    request.days = Some(args.days);
    request.to = match &args.to {
        None => None,
        Some(text) => Some(
            chrono::DateTime::parse_from_rfc3339(text)
                .map_err(|e| InputError(format!("--to {text:?} is not an RFC 3339 time ({e})")))?
                .with_timezone(&chrono::Utc),
        ),
    };
    let store = super::connect_reader(&args.db.clickhouse_url).await?;
    let report = run_report(&store, kind, &request, &args.tenant, chrono::Utc::now())
        .await
        .map_err(|e| match e {
            faasight_analyzer::Error::Invalid(message) => anyhow::Error::from(InputError(message)),
            other => other.into(),
        })?;
    let text = match args.format {
        ReportFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
        ReportFormat::Csv => print_csv(&report)?,
        ReportFormat::Table => print_table(&report),
    };
    // A reader that stops early (`| head`) is not an error.
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn print_csv(report: &Report) -> anyhow::Result<String> {
    match report {
        Report::Rightsizing(r) => Ok(r.to_csv()),
        _ => Ok(String::new()),
    }
}

fn print_table(report: &Report) -> String {
    let mut o = String::new();
    match report {
        Report::Bill(b) => {
            out!(
                o,
                "{:<8} {:<26} {:<14} {:<15} {:<7} {:>12} {:>14} {:>14}",
                "month",
                "provider",
                "account",
                "region",
                "arch",
                "requests",
                "list price",
                "billed"
            );
            for m in &b.months {
                for l in &m.lines {
                    let u = &l.usage;
                    out!(
                        o,
                        "{:<8} {:<26} {:<14} {:<15} {:<7} {:>12} {:>14} {:>14}",
                        &m.month[..7.min(m.month.len())],
                        u.provider,
                        u.account,
                        u.region,
                        u.arch,
                        u.requests,
                        usd(u.list_cost),
                        usd(l.billed)
                    );
                }
                for c in &m.charges {
                    let (what, function) = (c.kind.name(), c.target());
                    out!(
                        o,
                        "{:<8} {:<26} {:<14} {:<15} {:<7} {:>12} {:>14} {:>14}",
                        &m.month[..7.min(m.month.len())],
                        what,
                        c.account,
                        c.region,
                        "",
                        "",
                        "",
                        usd(c.amount)
                    );
                    out!(
                        o,
                        "{:<8} {:<26} {function}: {:.1} {} ({})",
                        "",
                        "",
                        c.quantity,
                        c.unit,
                        c.basis
                    );
                }
                out!(
                    o,
                    "{:<8} {:<26} {:<14} {:<15} {:<7} {:>12} {:>14} {:>14}",
                    "",
                    "total",
                    "",
                    "",
                    "",
                    "",
                    usd(m.list_total),
                    usd(m.billed_total)
                );
            }
            for m in &b.months {
                for n in &m.notes {
                    out!(o, "note ({}): {n}", &m.month[..7.min(m.month.len())]);
                }
            }
            out!(o, "(USD; list price = Σ per-invocation list prices; billed = each region's prices after tiers{} and the providers' monthly free grants, once per billing scope, plus configuration charges; --format json explains each line)",
                if b.aws_free_tier { ", the AWS free tier" } else { "" });
        }
        Report::Rightsizing(r) => {
            out!(
                o,
                "{:<34} {:<17} {:>8} {:>8} {:>12} {:>12} {:>12} {:<7}",
                "function",
                "status",
                "now MB",
                "best MB",
                "cost/month",
                "after",
                "savings",
                "risk"
            );
            for x in &r.recommendations {
                let status = serde_json::to_value(x.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                let risk = x
                    .risk
                    .and_then(|r| serde_json::to_value(r).ok())
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_else(|| "-".into());
                out!(
                    o,
                    "{:<34} {:<17} {:>8} {:>8} {:>12} {:>12} {:>12} {:<7}",
                    x.function,
                    status,
                    x.current_memory_mb,
                    opt(x.recommended_memory_mb),
                    x.monthly_cost_now.map_or("-".into(), usd),
                    x.monthly_cost_after.map_or("-".into(), usd),
                    x.monthly_savings.map_or("-".into(), usd),
                    risk
                );
            }
            // Where the best size is uncertain, the sizes to measure (AWS
            // Lambda Power Tuning's powerValues on AWS) and the first reason.
            let uncertain: Vec<_> = r
                .recommendations
                .iter()
                .filter_map(|x| x.measure.as_ref().map(|m| (x, m)))
                .collect();
            if !uncertain.is_empty() {
                out!(o);
                out!(
                    o,
                    "uncertain best size, measure first (sizes in MB; on AWS the powerValues of an AWS Lambda Power Tuning run):"
                );
                for (x, m) in uncertain {
                    let sizes = m
                        .candidate_sizes_mb
                        .iter()
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>()
                        .join(",");
                    let below = if x.extrapolated_below_observed {
                        " (advised size below every observed one)"
                    } else {
                        ""
                    };
                    out!(
                        o,
                        "  {:<34} [{}] {}{}",
                        x.function,
                        sizes,
                        m.why.join("; "),
                        below
                    );
                }
            }
            out!(o, "(strategy {}, headroom {}% over p99 memory used, volumes from {:.1} days; --format json has durations, evidence, reasons and the Power Tuning input)",
                r.strategy, r.headroom_pct, r.window_days);
        }
        Report::Forecast(f) => {
            out!(
                o,
                "forecast by {}, {} days after {}, {:.0} % prediction intervals",
                f.by,
                f.horizon_days,
                f.history_end,
                f.level * 100.0
            );
            for (what, groups) in [
                ("invocations/day", &f.invocations),
                ("cost USD/day", &f.cost_usd),
            ] {
                out!(o);
                out!(
                    o,
                    "{:<48} {:<13} {:>8} {:>9} {:>26} {:>26}",
                    what,
                    "model",
                    "MAPE",
                    "coverage",
                    "day 1 [interval]",
                    "last day [interval]"
                );
                for g in groups {
                    match (&g.forecast, &g.error) {
                        (Some(fc), _) => {
                            let point = |i: usize| {
                                fc.points.get(i).map_or("-".to_string(), |p| {
                                    format!("{:.4} [{:.4}, {:.4}]", p.mean, p.lower, p.upper)
                                })
                            };
                            out!(
                                o,
                                "{:<48} {:<13} {:>7}% {:>8}% {:>26} {:>26}",
                                g.key,
                                fc.model,
                                opt(fc.backtest.mape_pct.map(|m| format!("{m:.1}"))),
                                opt(fc.backtest.coverage_pct.map(|c| format!("{c:.0}"))),
                                point(0),
                                point(fc.points.len().saturating_sub(1))
                            );
                        }
                        (None, error) => out!(
                            o,
                            "{:<48} {}",
                            g.key,
                            error.as_deref().unwrap_or("no forecast")
                        ),
                    }
                }
            }
            out!(o);
            out!(
                o,
                "{:<48} {:<8} {:>5} {:>34} {:>34}",
                "monthly totals",
                "month",
                "days",
                "invocations [interval]",
                "cost USD [interval]"
            );
            for (n, c) in f.invocations.iter().zip(&f.cost_usd) {
                let (Some(nf), Some(cf)) = (&n.forecast, &c.forecast) else {
                    continue;
                };
                for (nm, cm) in nf.months.iter().zip(&cf.months) {
                    out!(
                        o,
                        "{:<48} {:<8} {:>5} {:>34} {:>34}",
                        n.key,
                        nm.month,
                        format!("{}/{}", nm.days, nm.days_in_month),
                        format!("{:.0} [{:.0}, {:.0}]", nm.mean, nm.lower, nm.upper),
                        format!("{:.2} [{:.2}, {:.2}]", cm.mean, cm.lower, cm.upper)
                    );
                }
                if let Some(p) = &c.month_end {
                    out!(
                        o,
                        "{:<48} {} projected: {:.2} USD [{:.2}, {:.2}] = {:.2} actual over {} of {} days + {:.2} forecast",
                        c.key,
                        p.month,
                        p.projected_total,
                        p.lower,
                        p.upper,
                        p.actual_to_date,
                        p.days_elapsed,
                        p.days_in_month,
                        p.forecast_rest
                    );
                }
            }
            out!(o, "(learnt from up to {} days of history from {}; MAPE and coverage: rolling-origin backtest on that history, intervals calibrated on its errors; a month's interval is its total's, narrower than its days' bounds added; days = forecast days of the month; --format json has every day and the interval scale)",
                faasight_analyzer::reports::forecast::HISTORY_DAYS, f.history_start);
        }
        Report::Anomalies(a) => {
            use faasight_analyzer::anomalies::KeyStatus;
            let r = &a.result;
            out!(o, "Incidents (consecutive anomalous hours of a function)");
            out!(
                o,
                "{:<48} {:<21} {:<21} {:>5} {:>9}  what",
                "function",
                "start (UTC)",
                "end (UTC)",
                "hours",
                "p"
            );
            for i in &r.incidents {
                let what: Vec<String> = i
                    .metrics
                    .iter()
                    .map(|m| format!("{} {}", m.metric.name(), m.size_text()))
                    .collect();
                out!(
                    o,
                    "{:<48} {:<21} {:<21} {:>5} {:>9.1e}  {}",
                    i.key,
                    i.start_rfc3339,
                    i.end_rfc3339,
                    i.hours,
                    i.p_value,
                    what.join(", ")
                );
            }
            out!(o, "");
            out!(o, "Anomalous hours");
            out!(
                o,
                "{:<48} {:<16} {:<21} {:>12} {:>12} {:>25} {:>9} {:>6}",
                "function",
                "metric",
                "hour (UTC)",
                "value",
                "expected",
                "ordinary range",
                "p",
                "score"
            );
            for x in &r.anomalies {
                let e = &x.expectation;
                out!(
                    o,
                    "{:<48} {:<16} {:<21} {:>12.4} {:>12.4} {:>25} {:>9.1e} {:>6.1}",
                    x.key,
                    x.metric.name(),
                    x.hour_rfc3339,
                    x.value,
                    e.expected,
                    format!("{:.4} – {:.4}", e.interval_low, e.interval_high),
                    x.p_value,
                    x.score
                );
            }
            for k in r
                .per_key
                .iter()
                .filter(|k| k.status == KeyStatus::InsufficientHistory)
            {
                out!(
                    o,
                    "{}: not scored yet, {} hours of history; scoring needs {} and starts at {}",
                    k.key,
                    k.history_hours,
                    faasight_analyzer::anomalies::MIN_HISTORY_HOURS,
                    k.scored_from
                );
            }
            out!(o, "({} incidents, {} anomalous hours at score ≥ {} (one-sided p < {:.1e}); counts judged by their Poisson / negative-binomial noise, error and cold-start rates by their invocations (beta-binomial), cost by its invocations and cost per invocation; expected values from the same hour on earlier weekdays or weekend days, fitted on up to {} weeks before each day; --format json has each model)",
                r.incidents.len(), r.anomalies.len(), r.threshold, r.p_threshold, r.lookback_weeks);
        }
        Report::Insights(i) => {
            let total = PicoUsd(i.findings.iter().map(|f| f.monthly_usd.0).sum());
            out!(
                o,
                "{:<28} {:>14}  {:<44} summary",
                "finding",
                "USD / month",
                "functions"
            );
            for f in &i.findings {
                out!(
                    o,
                    "{:<28} {:>14}  {:<44} {}",
                    f.kind.name(),
                    usd(f.monthly_usd),
                    f.functions.join(" → "),
                    f.summary
                );
                if !f.example_trace_ids.is_empty() {
                    out!(
                        o,
                        "{:<28} {:>14}  traces: {}",
                        "",
                        "",
                        f.example_trace_ids.join(", ")
                    );
                }
            }
            if i.findings.is_empty() {
                out!(o, "No anti-pattern found in the window.");
            }
            out!(o);
            out!(
                o,
                "Peak concurrency per account and region (exact at 1 ms):"
            );
            for p in &i.account_peaks {
                out!(
                    o,
                    "  {:<48} {:>7} at {}{}",
                    p.scope,
                    p.concurrency,
                    p.at.format("%Y-%m-%d %H:%M:%S%.3f UTC"),
                    p.limit.map_or(String::new(), |l| format!(
                        " ({:.0} % of {l})",
                        100.0 * p.concurrency as f64 / f64::from(l)
                    ))
                );
            }
            out!(
                o,
                "({} findings, {} at stake per month at list price; {} traced requests over {:.1} days; --format json has each finding's evidence and advice)",
                i.findings.len(),
                usd(total),
                i.traced_invocations,
                i.window_days
            );
        }
        Report::Warnings(w) => {
            let name = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
            for x in &w.warnings {
                out!(
                    o,
                    "{:<9} {:<48} {}",
                    name(serde_json::to_value(x.severity).unwrap_or_default()),
                    x.function,
                    x.message
                );
            }
            out!(o, "({} warnings)", w.warnings.len());
        }
        Report::ColdStarts(c) => {
            out!(
                o,
                "{:<48} {:>12} {:>11} {:>8} {:>10} {:>10}",
                "key",
                "invocations",
                "cold starts",
                "cold %",
                "INIT p90",
                "INIT cost %"
            );
            for r in &c.rates.rows {
                out!(
                    o,
                    "{:<48} {:>12} {:>11} {:>7.2}% {:>10} {:>9.2}%",
                    r.key,
                    r.invocations,
                    r.cold_starts,
                    r.cold_start_pct,
                    r.init_ms_p90.map_or("-".into(), |v| format!("{v:.0} ms")),
                    r.init_cost_share_pct
                );
            }
            out!(o);
            out!(o, "INIT share of cost by billing era:");
            for r in &c.init_billing_eras.rows {
                out!(
                    o,
                    "  {:<20} {:>7.2}% of cost ({} cold starts)",
                    r.key,
                    r.init_cost_share_pct,
                    r.cold_starts
                );
            }
            out!(o);
            out!(
                o,
                "{:<48} {:>6} {:>7} {:>8} {:>6} {:>6} {:>6} {:>7} {:>9}",
                "causes per function",
                "deploy",
                "scale",
                "idle",
                "prov.",
                "snap",
                "first",
                "unknown",
                "keep-alive"
            );
            for f in &c.functions {
                let b = &f.by_cause;
                out!(
                    o,
                    "{:<48} {:>6} {:>7} {:>8} {:>6} {:>6} {:>6} {:>7} {:>8.1}m",
                    f.function,
                    b.deploy,
                    b.scale_out,
                    b.idle,
                    b.provisioned,
                    b.snapstart,
                    b.first_seen,
                    b.unknown,
                    f.keep_alive.keep_alive_ms as f64 / 60_000.0
                );
            }
            out!(o);
            for rule in &c.cause_rules {
                out!(o, "{}: {}", rule.cause, rule.rule);
            }
        }
    }
    o
}
