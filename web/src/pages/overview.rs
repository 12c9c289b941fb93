//! `/`: the tenant at a glance — cost against the previous range,
//! invocations, errors, cold starts and p95 duration; where the month's
//! cost is heading; daily cost with the forecast and its band; the
//! functions costing most; current warnings and anomalies, each linking to
//! its function.

// The `#[server]` macro generates an argument struct whose fields cannot carry docs.
#![allow(missing_docs)]

use crate::components::{
    scoped_href, show, use_hydrated, Card, Chart, Empty, Loading, QueryList, RangePicker,
};
use crate::format;
use crate::model::QueryTrace;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_location;
use serde::{Deserialize, Serialize};

/// A function among the costliest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopFunction {
    /// Function name.
    pub name: String,
    /// `provider · region · account`.
    pub place: String,
    /// Its page.
    pub href: String,
    /// List cost, pico-USD.
    pub cost_pico: i64,
    /// Share of the range's cost, %.
    pub share_pct: f64,
    /// Invocations.
    pub invocations: u64,
}

/// A warning or anomaly line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// The function's name (or the key the alert is about).
    pub subject: String,
    /// Its page, when it is a function.
    pub href: Option<String>,
    /// `warning`, `critical`, `anomaly`.
    pub level: String,
    /// The alert in a sentence.
    pub message: String,
}

/// The month in progress projected to its end (list cost, pico-USD).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthEnd {
    /// The month as people read it, `December`.
    pub month_name: String,
    /// Actual to date plus the forecast of the rest.
    pub projected_pico: i64,
    /// Lower bound of the interval.
    pub low_pico: i64,
    /// Upper bound of the interval.
    pub high_pico: i64,
    /// Interval level, %.
    pub level_pct: f64,
    /// Actual cost of the month's full days so far.
    pub actual_pico: i64,
    /// Full days elapsed.
    pub days_elapsed: u32,
    /// Days in the month.
    pub days_in_month: u32,
}

/// Everything the overview shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverviewData {
    /// The range, as people read it.
    pub label: String,
    /// List cost in the range, pico-USD.
    pub cost_pico: i64,
    /// List cost in the previous range of the same length, pico-USD.
    pub previous_cost_pico: i64,
    /// Invocations.
    pub invocations: u64,
    /// Invocations in the previous range.
    pub previous_invocations: u64,
    /// Errors and timeouts, % of invocations.
    pub error_pct: f64,
    /// Cold starts, % of invocations.
    pub cold_pct: f64,
    /// p95 duration across functions, ms.
    pub p95_ms: f64,
    /// Daily cost with the forecast (SVG).
    pub cost_chart: String,
    /// The month of the range's end projected to its end, when there is
    /// enough history to forecast.
    pub month_end: Option<MonthEnd>,
    /// The costliest functions.
    pub top: Vec<TopFunction>,
    /// Warnings and anomalies.
    pub alerts: Vec<Alert>,
    /// The queries behind the numbers.
    pub queries: Vec<QueryTrace>,
}

/// The overview for the URL query `query`.
#[server(input = GetUrl)]
pub async fn get_overview(query: String) -> Result<OverviewData, ServerFnError> {
    data::load(&query).await
}

#[cfg(feature = "ssr")]
mod data {
    use super::*;
    use crate::server::{analysis_error, page_scope, trace};
    use faasight_analyzer::explore::{daily_cost_by, range_counts, range_totals, top_functions};
    use faasight_analyzer::reports::anomalies::anomalies_report;
    use faasight_analyzer::reports::forecast::forecast_report;
    use faasight_analyzer::reports::warnings::warnings_report;
    use faasight_analyzer::reports::ReportRequest;
    use std::collections::BTreeMap;

    /// A month's rest is at most 31 days, so the forecast always reaches
    /// the month's end for the projection.
    const HORIZON_DAYS: u32 = 31;
    /// Functions in the top list.
    const TOP_FUNCTIONS: u32 = 10;

    pub async fn load(query: &str) -> Result<OverviewData, ServerFnError> {
        let s = page_scope(query).await?;
        let (store, tenant) = (&s.store, s.tenant());
        // The chart shows four weeks at least, whatever the range; the
        // forecast learns from up to a year before the range's end.
        let history = s.at_least_days(28);
        let forecast_request =
            crate::scope::total_forecast(HORIZON_DAYS).map_err(analysis_error)?;
        let defaults = ReportRequest::default();
        let (now, before, functions, daily, forecast, warnings, anomalies) = tokio::try_join!(
            range_totals(store, tenant, s.range),
            range_counts(store, tenant, s.previous),
            top_functions(store, tenant, s.range, TOP_FUNCTIONS),
            daily_cost_by(store, tenant, history, "provider"),
            forecast_report(store, tenant, history, forecast_request),
            warnings_report(store, tenant, s.range, TryFrom::try_from(&defaults)?),
            anomalies_report(store, tenant, s.range, TryFrom::try_from(&defaults)?),
        )
        .map_err(analysis_error)?;
        let ((now, now_q), (before, before_q), (functions, functions_q), (daily, daily_q)) =
            (now, before, functions, daily);

        let mut per_day: BTreeMap<String, i64> = BTreeMap::new();
        for d in &daily {
            *per_day.entry(d.day.clone()).or_default() += d.cost_usd.0;
        }
        let epoch = |day: &str| {
            chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
                .map(|d| {
                    d.and_hms_opt(0, 0, 0)
                        .unwrap_or_default()
                        .and_utc()
                        .timestamp()
                })
                .unwrap_or(0)
        };
        let history_line = crate::chart::Line {
            name: "list cost per day".into(),
            points: per_day
                .iter()
                .map(|(day, pico)| (epoch(day), *pico as f64 / 1e12))
                .collect(),
            dashed: false,
        };
        let series = forecast.cost_usd.iter().find_map(|g| g.forecast.as_ref());
        let pico = |usd: f64| (usd * 1e12).round() as i64;
        let month_end = forecast
            .cost_usd
            .iter()
            .find_map(|g| g.month_end.as_ref())
            .map(|p| MonthEnd {
                month_name: chrono::NaiveDate::parse_from_str(
                    &format!("{}-01", p.month),
                    "%Y-%m-%d",
                )
                .map_or_else(|_| p.month.clone(), |d| d.format("%B").to_string()),
                projected_pico: pico(p.projected_total),
                low_pico: pico(p.lower),
                high_pico: pico(p.upper),
                level_pct: p.level * 100.0,
                actual_pico: pico(p.actual_to_date),
                days_elapsed: p.days_elapsed,
                days_in_month: p.days_in_month,
            });
        let (mut forecast_line, mut band) = (None, None);
        if let Some(f) = series {
            let points: Vec<_> = f
                .points
                .iter()
                .filter_map(|p| {
                    let day = p.day?;
                    let t = day.and_hms_opt(0, 0, 0)?.and_utc().timestamp();
                    Some((t, p.mean, p.lower, p.upper))
                })
                .collect();
            forecast_line = Some(crate::chart::Line {
                name: format!("forecast ({} model)", f.model),
                points: points.iter().map(|p| (p.0, p.1)).collect(),
                dashed: true,
            });
            band = Some(crate::chart::Band {
                name: format!("{:.0} % interval", f.level * 100.0),
                points: points.iter().map(|p| (p.0, p.2, p.3)).collect(),
            });
        }
        let mut lines = vec![history_line];
        lines.extend(forecast_line);
        let cost_chart = crate::chart::time_series(
            "Daily list cost, with the next 31 days forecast",
            "USD per day",
            &lines,
            band.as_ref(),
            &[],
            86_400,
            &format::dollars,
        )
        .map_err(ServerFnError::new)?;

        let total_cost = now.counts.cost_usd.0.max(1) as f64;
        let top = functions
            .iter()
            .map(|f| TopFunction {
                name: f.key.function.clone(),
                place: format!("{} · {} · {}", f.key.provider, f.key.region, f.key.account),
                href: format::function_href(
                    &f.key.provider,
                    &f.key.account,
                    &f.key.region,
                    &f.key.function,
                ),
                cost_pico: f.cost_usd.0,
                share_pct: 100.0 * f.cost_usd.0 as f64 / total_cost,
                invocations: f.invocations,
            })
            .collect();

        let href_of = |path: &str| {
            let parts: Vec<&str> = path.splitn(4, '/').collect();
            (parts.len() == 4)
                .then(|| format::function_href(parts[0], parts[1], parts[2], parts[3]))
        };
        let mut alerts: Vec<Alert> = warnings
            .warnings
            .iter()
            .map(|w| Alert {
                subject: w
                    .function
                    .rsplit('/')
                    .next()
                    .unwrap_or(&w.function)
                    .to_string(),
                href: href_of(&w.function),
                level: serde_json::to_value(w.severity)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                message: w.message.clone(),
            })
            .collect();
        alerts.extend(anomalies.result.incidents.iter().take(20).map(|i| {
            let when = |t: i64| {
                chrono::DateTime::from_timestamp(t, 0)
                    .map(|t| t.format("%Y-%m-%d %H:00").to_string())
                    .unwrap_or_default()
            };
            let what: Vec<String> = i
                .metrics
                .iter()
                .map(|m| format!("{} {}", m.metric.name(), m.size_text()))
                .collect();
            Alert {
                subject: i.key.rsplit('/').next().unwrap_or(&i.key).to_string(),
                href: href_of(&i.key),
                level: "anomaly".into(),
                message: format!(
                    "incident {} – {} UTC ({} h): {} (p = {:.1e})",
                    when(i.start),
                    when(i.end),
                    i.hours,
                    what.join(", "),
                    i.p_value
                ),
            }
        }));

        let pct = |part: u64, whole: u64| {
            if whole == 0 {
                0.0
            } else {
                100.0 * part as f64 / whole as f64
            }
        };
        let mut queries = vec![
            trace(
                "Cost, invocations, errors, cold starts and p95 (this range)",
                now_q,
            ),
            trace("Cost and invocations of the previous range", before_q),
            trace("Top functions", functions_q),
            trace("Daily cost (summed over providers)", daily_q),
        ];
        queries.extend(forecast.queries.into_iter().map(|q| trace("Forecast", q)));
        queries.extend(warnings.queries.into_iter().map(|q| trace("Warnings", q)));
        queries.extend(anomalies.queries.into_iter().map(|q| trace("Anomalies", q)));
        Ok(OverviewData {
            label: s.label.clone(),
            cost_pico: now.counts.cost_usd.0,
            previous_cost_pico: before.cost_usd.0,
            invocations: now.counts.invocations,
            previous_invocations: before.invocations,
            error_pct: pct(now.counts.errors, now.counts.invocations),
            cold_pct: pct(now.counts.cold_starts, now.counts.invocations),
            p95_ms: now.p95_duration_ms,
            cost_chart,
            month_end,
            top,
            alerts,
            queries,
        })
    }
}

/// The page.
#[component]
pub fn OverviewPage() -> impl IntoView {
    let hydrated = use_hydrated();
    let location = use_location();
    let data = Resource::new(move || location.search.get(), get_overview);
    view! {
        <main id="overview" data-hydrated=move || hydrated.get().to_string()>
            <div class="toolbar"><h1>"Overview"</h1><RangePicker/></div>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    show(data.await, "the overview", |o| {
                        if o.invocations == 0 && o.previous_invocations == 0 {
                            view! { <Empty what="invocations"/> }.into_any()
                        } else {
                            view! { <OverviewBody o/> }.into_any()
                        }
                    })
                })}
            </Transition>
        </main>
    }
}

#[component]
fn OverviewBody(o: OverviewData) -> impl IntoView {
    let location = use_location();
    let search = location.search.get_untracked();
    let top = o
        .top
        .iter()
        .map(|f| {
            let href = scoped_href(&f.href, &search);
            view! {
                <tr>
                    <td><a href=href>{f.name.clone()}</a><div class="sub">{f.place.clone()}</div></td>
                    <td class="num">{format::count(f.invocations)}</td>
                    <td class="num">{format::usd(f.cost_pico)}</td>
                    <td class="num">{format::pct(f.share_pct)}</td>
                </tr>
            }
        })
        .collect_view();
    let alerts = if o.alerts.is_empty() {
        view! { <p class="note">"No warnings or anomalies in this range."</p> }.into_any()
    } else {
        o.alerts
            .iter()
            .map(|a| {
                let subject = match &a.href {
                    Some(h) => view! { <a href=scoped_href(h, &search)>{a.subject.clone()}</a> }.into_any(),
                    None => view! { <b>{a.subject.clone()}</b> }.into_any(),
                };
                view! { <li class=format!("alert {}", a.level)><span class="badge">{a.level.clone()}</span>" "{subject}": "{a.message.clone()}</li> }
            })
            .collect_view()
            .into_any()
    };
    // "Projected for December: $X (range $L–$U), $A so far". Built here
    // rather than with `Card`, whose label is a fixed text.
    let month_end = o.month_end.map(|p| {
        let note = format!(
            "{:.0} % range {} – {}; {} so far ({} of {} days)",
            p.level_pct,
            format::usd(p.low_pico),
            format::usd(p.high_pico),
            format::usd(p.actual_pico),
            p.days_elapsed,
            p.days_in_month
        );
        view! {
            <div class="card">
                <div class="label">{format!("Projected for {}", p.month_name)}</div>
                <div class="value" id="month-end">{format::usd(p.projected_pico)}</div>
                <div class="note">{note}</div>
            </div>
        }
    });
    view! {
        <div class="cards" id="totals" data-label=o.label.clone()>
            <Card label="Cost (list price)" id="total-cost" value=format::usd(o.cost_pico)
                note=format!("{} vs previous", format::change(o.cost_pico as f64, o.previous_cost_pico as f64))/>
            <Card label="Invocations" id="total-invocations" value=format::count(o.invocations)
                note=format!("{} vs previous", format::change(o.invocations as f64, o.previous_invocations as f64))/>
            <Card label="Errors" id="total-errors" value=format::pct(o.error_pct)/>
            <Card label="Cold starts" id="total-cold" value=format::pct(o.cold_pct)/>
            <Card label="p95 duration" id="total-p95" value=format::ms(o.p95_ms)/>
            {month_end}
        </div>
        <p class="note">{format!("{}. Cost is the list price per invocation, before free tiers and volume discounts (the Cost page has the bill).", o.label)}</p>
        <Chart id="cost-chart" svg=o.cost_chart.clone()/>
        <div class="columns">
            <section>
                <h2>"Top functions by cost"</h2>
                <div class="table-wrap">
                    <table id="top-functions">
                        <thead><tr><th>"Function"</th><th class="num">"Invocations"</th><th class="num">"Cost (USD)"</th><th class="num">"Share"</th></tr></thead>
                        <tbody>{top}</tbody>
                    </table>
                </div>
            </section>
            <section>
                <h2>"Warnings and anomalies"</h2>
                <ul id="alerts" class="alerts">{alerts}</ul>
            </section>
        </div>
        <QueryList queries=o.queries.clone()/>
    }
}
