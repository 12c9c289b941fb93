//! `/functions/{provider}/{account}/{region}/{function}`: one function —
//! invocations, errors and cold starts over time; duration percentiles;
//! its INIT-duration histogram; memory used against configured; cost per
//! bucket; its incidents, each hour against what was expected; the
//! right-sizing card with a Power-Tuning-style chart and its
//! evidence; and its latest invocations, linking to their trace and logs.

// The `#[server]` macro generates an argument struct whose fields cannot carry docs.
#![allow(missing_docs)]

use crate::components::{
    decode, scoped_href, show, use_hydrated, Chart, Empty, Loading, QueryList, RangePicker,
};
use crate::format;
use crate::model::QueryTrace;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::{use_location, use_params_map};
use serde::{Deserialize, Serialize};

/// The right-sizing card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advice {
    /// `recommend`, `keep`, `insufficient-data`, `not-applicable`.
    pub status: String,
    /// Why, in a sentence.
    pub reason: String,
    /// Memory now, MB.
    pub current_mb: u32,
    /// Memory advised, MB.
    pub advised_mb: Option<u32>,
    /// Monthly list cost now and after, pico-USD.
    pub monthly_now_pico: Option<i64>,
    /// After.
    pub monthly_after_pico: Option<i64>,
    /// Saving per month, pico-USD.
    pub savings_pico: Option<i64>,
    /// Risk and its reasons.
    pub risk: String,
    /// Reasons behind the risk.
    pub risk_reasons: Vec<String>,
    /// Evidence lines.
    pub evidence: Vec<String>,
    /// The Power-Tuning chart (SVG), when there are candidates.
    pub chart: Option<String>,
    /// The advised size lies below every observed size.
    pub extrapolated_below_observed: bool,
    /// When the best size is uncertain: what to measure.
    pub measure: Option<MeasureCard>,
    /// The configuration inventory's view, in a sentence.
    pub configured: Option<String>,
}

/// What to measure when the best size is uncertain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasureCard {
    /// Why the best size is uncertain.
    pub why: Vec<String>,
    /// Sizes to measure, MB.
    pub sizes_mb: Vec<u32>,
    /// AWS Lambda Power Tuning input (pretty JSON), on AWS.
    pub power_tuning_json: Option<String>,
    /// What to fill in before running it.
    pub note: String,
}

/// One invocation in the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invocation {
    /// Start, UTC text.
    pub start: String,
    /// Request id.
    pub request_id: String,
    /// Trace id.
    pub trace_id: String,
    /// Duration, ms.
    pub duration_ms: f64,
    /// INIT, ms.
    pub init_ms: f64,
    /// Memory used / configured.
    pub memory: String,
    /// `warm`, `cold`, …
    pub start_type: String,
    /// `success`, `error`, `timeout` (with the error type).
    pub status: String,
    /// List cost, USD text.
    pub cost: String,
}

/// One incident on the function page: when, and each anomalous hour
/// against what it was measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentCard {
    /// `2026-11-11 10:00 – 11:00 UTC (1 h)`.
    pub when: String,
    /// What each metric did over it, in a sentence.
    pub summary: String,
    /// Each anomalous hour: metric, value, expected, ordinary range, p.
    pub hours: Vec<String>,
}

/// Everything the function page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionData {
    /// Function name.
    pub name: String,
    /// `provider · region · account`.
    pub place: String,
    /// Range label.
    pub label: String,
    /// Totals: invocations, errors, cold starts, cost (pico).
    pub totals: (u64, u64, u64, i64),
    /// Activity chart.
    pub activity_chart: String,
    /// Duration chart.
    pub duration_chart: String,
    /// Memory chart.
    pub memory_chart: String,
    /// Cost chart.
    pub cost_chart: String,
    /// INIT histogram (None: no cold starts).
    pub init_chart: Option<String>,
    /// Right-sizing.
    pub advice: Option<Advice>,
    /// Latest invocations.
    pub invocations: Vec<Invocation>,
    /// Incidents in the range, most significant first.
    pub incidents: Vec<IncidentCard>,
    /// Not scored for incidents yet: why, in a sentence.
    pub incidents_note: Option<String>,
    /// Queries.
    pub queries: Vec<QueryTrace>,
}

/// The function page's data.
#[server(input = GetUrl)]
pub async fn get_function(
    provider: String,
    account: String,
    region: String,
    function: String,
    query: String,
) -> Result<FunctionData, ServerFnError> {
    data::load(provider, account, region, function, &query).await
}

#[cfg(feature = "ssr")]
mod data {
    use super::*;
    use crate::chart::{histogram, power_tuning, time_series, Line, SizePoint};
    use crate::server::{analysis_error, page_scope, trace};
    use faasight_analyzer::anomalies::AnomalyOptions;
    use faasight_analyzer::explore::{
        function_series, init_histogram, recent_invocations, FunctionKey,
    };
    use faasight_analyzer::reports::anomalies::function_anomalies_report;
    use faasight_analyzer::reports::rightsizing::rightsizing_report;
    use faasight_analyzer::rightsizing::RightsizingOptions;

    pub async fn load(
        provider: String,
        account: String,
        region: String,
        function: String,
        query: &str,
    ) -> Result<FunctionData, ServerFnError> {
        let s = page_scope(query).await?;
        let key = FunctionKey {
            provider,
            account,
            region,
            function,
        };
        let bucket = s.range.bucket_seconds();
        // Right-sizing needs volume: it looks at the last 30 days at least.
        let advice_range = s.at_least_days(30);
        let (series, init, recent, advice, anomalies) = tokio::try_join!(
            function_series(&s.store, s.tenant(), &key, s.range, bucket),
            init_histogram(&s.store, s.tenant(), &key, s.range),
            recent_invocations(&s.store, s.tenant(), &key, s.range),
            rightsizing_report(
                &s.store,
                s.tenant(),
                advice_range,
                RightsizingOptions::default()
            ),
            function_anomalies_report(
                &s.store,
                s.tenant(),
                &key,
                s.range,
                AnomalyOptions::default()
            ),
        )
        .map_err(analysis_error)?;
        let (incidents, incidents_note) = incident_cards(&anomalies.result);
        let ((series, series_q), (init, init_q), (recent, recent_q)) = (series, init, recent);
        let step = i64::from(bucket);
        let line =
            |name: &str, f: &dyn Fn(&faasight_analyzer::explore::FunctionBucket) -> f64| Line {
                name: name.into(),
                points: series.iter().map(|b| (b.start, f(b))).collect(),
                dashed: false,
            };
        let per = if bucket >= 86_400 {
            "per day"
        } else {
            "per hour"
        };
        let count = |v: f64| format!("{v:.0}");
        let activity_chart = time_series(
            &format!("Invocations, errors and cold starts {per}"),
            "count",
            &[
                line("invocations", &|b| b.invocations as f64),
                line("errors", &|b| b.errors as f64),
                line("cold starts", &|b| b.cold_starts as f64),
            ],
            None,
            &[],
            step,
            &count,
        )
        .map_err(ServerFnError::new)?;
        let duration_chart = time_series(
            "Duration percentiles (t-digest estimates)",
            "ms",
            &[
                line("p50", &|b| b.p50_duration_ms),
                line("p95", &|b| b.p95_duration_ms),
                line("p99", &|b| b.p99_duration_ms),
            ],
            None,
            &[],
            step,
            &|v| format!("{v:.0} ms"),
        )
        .map_err(ServerFnError::new)?;
        let memory_chart = time_series(
            "Memory used (max) against memory configured",
            "MB",
            &[
                line("configured", &|b| f64::from(b.memory_mb)),
                line("used (max)", &|b| f64::from(b.max_memory_used_mb)),
            ],
            None,
            &[],
            step,
            &|v| format!("{v:.0} MB"),
        )
        .map_err(ServerFnError::new)?;
        let cost_chart = time_series(
            &format!("List cost {per}"),
            "USD",
            &[line("list cost", &|b| b.cost_usd.0 as f64 / 1e12)],
            None,
            &[],
            step,
            &format::dollars,
        )
        .map_err(ServerFnError::new)?;
        let init_chart = if init.is_empty() {
            None
        } else {
            Some(
                histogram(
                    "INIT duration of cold starts (bins 10.5 % wide)",
                    "INIT or restore duration (ms, logarithmic)",
                    &init
                        .iter()
                        .map(|b| (b.from_ms, b.to_ms, b.cold_starts))
                        .collect::<Vec<_>>(),
                )
                .map_err(ServerFnError::new)?,
            )
        };
        let rec = advice.recommendations.iter().find(|r| {
            r.provider == key.provider
                && r.account == key.account
                && r.region == key.region
                && r.function == key.function
        });
        let text = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
        let advice_card = match rec {
            None => None,
            Some(r) => {
                let points: Vec<SizePoint> = r
                    .candidates
                    .iter()
                    .map(|c| SizePoint {
                        memory_mb: c.memory_mb,
                        cost_usd: c.cost_per_invocation.0 as f64 / 1e12,
                        duration_ms: c.expected_duration_ms,
                        observed_ms: c.observed_mean_ms,
                    })
                    .collect();
                let chart = if points.is_empty() {
                    None
                } else {
                    Some(
                        power_tuning(&points, r.current_memory_mb, r.recommended_memory_mb)
                            .map_err(ServerFnError::new)?,
                    )
                };
                let e = &r.evidence;
                let mut evidence = vec![
                    format!(
                        "{} invocations at the current size, {} in {:.0} days",
                        format::count(e.invocations_current),
                        format::count(e.invocations_window),
                        e.window_days
                    ),
                    format!(
                        "sizes observed: {}",
                        e.sizes_observed
                            .iter()
                            .map(|o| format!(
                                "{} MB {} ({} invocations)",
                                o.memory_mb,
                                o.arch,
                                format::count(o.invocations)
                            ))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ];
                if let Some(m) = e.duration_mean_ms {
                    evidence.push(format!("mean duration {}", format::ms(m)));
                }
                if let Some(m) = e.max_memory_max_mb {
                    evidence.push(format!(
                        "most memory used {m:.0} MB of {} MB",
                        r.current_memory_mb
                    ));
                }
                evidence.push(format!(
                    "{} timeouts and {} out-of-memory errors at the current size",
                    e.timeouts_current, e.oom_errors_current
                ));
                Some(Advice {
                    status: text(serde_json::to_value(r.status).unwrap_or_default()),
                    reason: r.reason.clone(),
                    current_mb: r.current_memory_mb,
                    advised_mb: r.recommended_memory_mb,
                    monthly_now_pico: r.monthly_cost_now.map(|p| p.0),
                    monthly_after_pico: r.monthly_cost_after.map(|p| p.0),
                    savings_pico: r.monthly_savings.map(|p| p.0),
                    risk: r
                        .risk
                        .map(|k| text(serde_json::to_value(k).unwrap_or_default()))
                        .unwrap_or_default(),
                    risk_reasons: r.risk_reasons.clone(),
                    evidence,
                    chart,
                    extrapolated_below_observed: r.extrapolated_below_observed,
                    measure: r.measure.as_ref().map(|m| MeasureCard {
                        why: m.why.clone(),
                        sizes_mb: m.candidate_sizes_mb.clone(),
                        power_tuning_json: m
                            .power_tuning_input
                            .as_ref()
                            .and_then(|i| serde_json::to_string_pretty(i).ok()),
                        note: m.note.clone(),
                    }),
                    configured: r.configured.as_ref().map(|c| {
                        format!(
                            "Configured (inventory seen {}): {} MB, timeout {} s, {} package, {} MB ephemeral storage{}.",
                            c.seen_at.get(..10).unwrap_or_default(),
                            c.memory_mb,
                            c.timeout_ms / 1_000,
                            c.package_type,
                            c.ephemeral_storage_mb,
                            if c.memory_differs {
                                " — not the size the latest invocations ran at"
                            } else {
                                ""
                            }
                        )
                    }),
                })
            }
        };
        let invocations = recent
            .into_iter()
            .map(|i| Invocation {
                start: chrono::DateTime::from_timestamp_millis(i.start_time_ms as i64)
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f").to_string())
                    .unwrap_or_default(),
                request_id: i.request_id,
                trace_id: i.trace_id,
                duration_ms: i.duration_ms,
                init_ms: i.init_duration_ms,
                memory: format!(
                    "{} / {}",
                    format::mb(i.max_memory_used_mb),
                    format::mb(i.memory_mb)
                ),
                start_type: i.start_type,
                status: if i.error_type.is_empty() {
                    i.status
                } else {
                    format!("{} ({})", i.status, i.error_type)
                },
                cost: format!("${}", i.cost_usd),
            })
            .collect();
        let totals = (
            series.iter().map(|b| b.invocations).sum(),
            series.iter().map(|b| b.errors).sum(),
            series.iter().map(|b| b.cold_starts).sum(),
            series.iter().map(|b| b.cost_usd.0).sum(),
        );
        let mut queries = vec![
            trace("Totals and the time charts (sums of the buckets)", series_q),
            trace("INIT histogram", init_q),
        ];
        queries.extend(recent_q.into_iter().map(|q| {
            trace(
                "Latest invocations (the hours that hold them, then those rows)",
                q,
            )
        }));
        queries.extend(
            advice
                .queries
                .into_iter()
                .map(|q| trace("Right-sizing (last 30 days at least)", q)),
        );
        queries.extend(anomalies.queries.into_iter().map(|q| {
            trace(
                "Incidents (hourly series, with up to 6 weeks of history before the range)",
                q,
            )
        }));
        Ok(FunctionData {
            place: format!("{} · {} · {}", key.provider, key.region, key.account),
            name: key.function,
            label: s.label.clone(),
            totals,
            activity_chart,
            duration_chart,
            memory_chart,
            cost_chart,
            init_chart,
            advice: advice_card,
            invocations,
            incidents,
            incidents_note,
            queries,
        })
    }

    /// The incidents of one function's anomaly report, as the page shows
    /// them, and a note when the function is not scored yet.
    fn incident_cards(
        r: &faasight_analyzer::anomalies::AnomalyReport,
    ) -> (Vec<IncidentCard>, Option<String>) {
        use faasight_analyzer::anomalies::{KeyStatus, Metric};
        let hour = |t: i64, f: &str| {
            chrono::DateTime::from_timestamp(t, 0)
                .map(|t| t.format(f).to_string())
                .unwrap_or_default()
        };
        let value = |m: Metric, v: f64| match m {
            Metric::Invocations => format!("{v:.0} calls"),
            Metric::ErrorRate | Metric::ColdStartRate => format!("{:.1} %", 100.0 * v),
            Metric::CostUsd => format!("${v:.6}"),
        };
        let cards = r
            .incidents
            .iter()
            .map(|i| {
                let summary = i
                    .metrics
                    .iter()
                    .map(|m| format!("{}: {} over {} h", m.metric.name(), m.size_text(), m.hours))
                    .collect::<Vec<_>>()
                    .join("; ");
                let hours = r
                    .anomalies
                    .iter()
                    .filter(|a| a.key == i.key && i.start <= a.hour && a.hour < i.end)
                    .map(|a| {
                        let e = &a.expectation;
                        format!(
                            "{} {}: {} against {} expected (ordinary {} – {}), p = {:.1e}{}",
                            hour(a.hour, "%H:00"),
                            a.metric.name(),
                            value(a.metric, a.value),
                            value(a.metric, e.expected),
                            value(a.metric, e.interval_low),
                            value(a.metric, e.interval_high),
                            a.p_value,
                            a.cause
                                .map(|c| format!(", driven by {}", c.describe()))
                                .unwrap_or_default()
                        )
                    })
                    .collect();
                IncidentCard {
                    when: format!(
                        "{} – {} UTC ({} h)",
                        hour(i.start, "%Y-%m-%d %H:00"),
                        hour(i.end, "%Y-%m-%d %H:00"),
                        i.hours
                    ),
                    summary,
                    hours,
                }
            })
            .collect();
        let note = r
            .per_key
            .iter()
            .find(|k| k.status == KeyStatus::InsufficientHistory)
            .map(|k| {
                format!(
                    "Not scored for incidents yet: {} hours of history, a week is needed; scoring starts at {}.",
                    k.history_hours, k.scored_from
                )
            });
        (cards, note)
    }
}

/// The page.
#[component]
pub fn FunctionPage() -> impl IntoView {
    let hydrated = use_hydrated();
    let location = use_location();
    let params = use_params_map();
    let part = move |name: &str| {
        params
            .read()
            .get(name)
            .map(|v| decode(&v).unwrap_or(v))
            .unwrap_or_default()
    };
    let data = Resource::new(
        move || {
            (
                part("provider"),
                part("account"),
                part("region"),
                part("function"),
                location.search.get(),
            )
        },
        |(p, a, r, f, q)| get_function(p, a, r, f, q),
    );
    view! {
        <main id="function" data-hydrated=move || hydrated.get().to_string()>
            <div class="toolbar"><h1>{move || part("function")}</h1><RangePicker/></div>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    show(data.await, "the function", |d| {
                        if d.totals.0 == 0 {
                            view! { <Empty what="invocations of this function"/> }.into_any()
                        } else {
                            view! { <FunctionBody d/> }.into_any()
                        }
                    })
                })}
            </Transition>
        </main>
    }
}

#[component]
fn FunctionBody(d: FunctionData) -> impl IntoView {
    let location = use_location();
    let search = location.search.get_untracked();
    let (invocations, errors, cold, cost) = d.totals;
    let pct = |p: u64| {
        if invocations == 0 {
            0.0
        } else {
            100.0 * p as f64 / invocations as f64
        }
    };
    let advice = d.advice.clone().map(|a| {
        let headline = match (a.status.as_str(), a.advised_mb) {
            ("recommend", Some(mb)) => format!(
                "Change memory from {} to {}: {} a month instead of {} (saves {}).",
                format::mb(a.current_mb),
                format::mb(mb),
                a.monthly_after_pico.map(format::usd).unwrap_or_default(),
                a.monthly_now_pico.map(format::usd).unwrap_or_default(),
                a.savings_pico.map(format::usd).unwrap_or_default()
            ),
            ("keep", _) => format!("Keep {}.", format::mb(a.current_mb)),
            _ => "No advice.".to_string(),
        };
        let evidence = a.evidence.iter().map(|e| view! { <li>{e.clone()}</li> }).collect_view();
        let risks = a.risk_reasons.iter().map(|e| view! { <li>{e.clone()}</li> }).collect_view();
        // Where the best size is uncertain: the sizes to measure and, on
        // AWS, the Power Tuning input to copy.
        let measure = a.measure.clone().map(|m| {
            let sizes = m.sizes_mb.iter().map(|s| format::mb(*s)).collect::<Vec<_>>().join(", ");
            let why = m.why.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view();
            let summary = if m.power_tuning_json.is_some() {
                "Uncertain: measure with AWS Lambda Power Tuning"
            } else {
                "Uncertain: measure these sizes"
            };
            view! {
                <details id="power-tuning-input">
                    <summary>{summary}</summary>
                    <ul>{why}</ul>
                    <p>{format!("Sizes to measure: {sizes}.")}</p>
                    {m.power_tuning_json.clone().map(|json| view! { <pre><code>{json}</code></pre> })}
                    <p class="note">{m.note.clone()}</p>
                </details>
            }
        });
        let below = a.extrapolated_below_observed.then(|| view! {
            <p class="note">"The advised size is below every size observed: its duration is extrapolated."</p>
        });
        view! {
            <section class="card wide" id="rightsizing-card" data-status=a.status.clone()>
                <h2>"Right-sizing"</h2>
                <p id="advice-headline"><b>{headline}</b></p>
                <p>{a.reason.clone()}</p>
                {a.configured.clone().map(|c| view! { <p class="note" id="configured">{c}</p> })}
                {(!a.risk.is_empty()).then(|| view! { <p>{format!("Risk: {}", a.risk)}</p><ul>{risks}</ul> })}
                {below}
                {measure}
                {a.chart.clone().map(|svg| view! { <Chart id="power-tuning" svg/> })}
                <h3>"Evidence"</h3>
                <ul>{evidence}</ul>
            </section>
        }
    });
    let rows = d
        .invocations
        .iter()
        .map(|i| {
            let trace = (!i.trace_id.is_empty()).then(|| {
                let href = scoped_href(&format!("/traces?trace={}", i.trace_id), &search);
                view! { <a href=href>"trace"</a> }
            });
            let logs = scoped_href(&format!("/traces?request={}", format::url_component(&i.request_id)), &search);
            view! {
                <tr>
                    <td>{i.start.clone()}</td>
                    <td class="mono">{format::short_id(&i.request_id)}</td>
                    <td class="num">{format::ms(i.duration_ms)}</td>
                    <td class="num">{if i.init_ms > 0.0 { format::ms(i.init_ms) } else { "—".into() }}</td>
                    <td>{i.start_type.clone()}</td>
                    <td>{i.status.clone()}</td>
                    <td class="num">{i.memory.clone()}</td>
                    <td class="num">{i.cost.clone()}</td>
                    <td>{trace}" "<a href=logs>"logs"</a></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="note">{format!("{} · {}", d.place, d.label)}</p>
        <div class="cards">
            <crate::components::Card label="Invocations" id="fn-invocations" value=format::count(invocations)/>
            <crate::components::Card label="Errors" id="fn-errors" value=format::pct(pct(errors))/>
            <crate::components::Card label="Cold starts" id="fn-cold" value=format::pct(pct(cold))/>
            <crate::components::Card label="Cost (list price)" id="fn-cost" value=format::usd(cost)/>
        </div>
        {advice}
        <Chart id="activity-chart" svg=d.activity_chart.clone()/>
        <Chart id="duration-chart" svg=d.duration_chart.clone()/>
        {d.init_chart.clone().map(|svg| view! { <Chart id="init-chart" svg/> })}
        <Chart id="memory-chart" svg=d.memory_chart.clone()/>
        <Chart id="fn-cost-chart" svg=d.cost_chart.clone()/>
        <section id="incidents">
            <h2>"Incidents"</h2>
            {d.incidents_note.clone().map(|n| view! { <p class="note">{n}</p> })}
            {(d.incidents.is_empty() && d.incidents_note.is_none()).then(|| view! {
                <p class="note">"No incidents in this range: every hour was within what this function's history makes likely."</p>
            })}
            {d.incidents.iter().map(|i| {
                let hours = i.hours.iter().map(|h| view! { <li>{h.clone()}</li> }).collect_view();
                view! {
                    <details class="incident">
                        <summary><b>{i.when.clone()}</b>" "{i.summary.clone()}</summary>
                        <ul>{hours}</ul>
                    </details>
                }
            }).collect_view()}
        </section>
        <h2>"Latest invocations"</h2>
        <div class="table-wrap">
            <table id="invocations-table">
                <thead><tr><th>"Start (UTC)"</th><th>"Request"</th><th class="num">"Duration"</th><th class="num">"INIT"</th>
                    <th>"Start"</th><th>"Status"</th><th class="num">"Memory used / configured"</th><th class="num">"Cost (USD)"</th><th>"Links"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <QueryList queries=d.queries.clone()/>
    }
}
