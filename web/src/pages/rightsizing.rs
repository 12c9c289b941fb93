//! `/rightsizing`: memory right-sizing advice for every function, largest
//! saving first, by strategy (`cost`, `balanced`, `speed`, as AWS Lambda
//! Power Tuning names them), with a savings chart and CSV and JSON
//! exports of the same advice.

// The `#[server]` macro generates an argument struct whose fields cannot carry docs.
#![allow(missing_docs)]

use crate::components::{
    param, scoped_href, show, use_hydrated, use_set_params, Chart, Empty, Loading, QueryList,
    RangePicker,
};
use crate::format;
use crate::model::QueryTrace;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_location;
use serde::{Deserialize, Serialize};

/// Strategies offered, as the analyzer names them.
pub const STRATEGIES: [(&str, &str); 3] = [
    ("cost", "Lowest cost"),
    ("balanced", "Balanced"),
    ("speed", "Fastest"),
];

/// One function's advice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// Function name.
    pub name: String,
    /// `provider · region · account`.
    pub place: String,
    /// Its page.
    pub href: String,
    /// `recommend`, `keep`, `insufficient-data` or `not-applicable`.
    pub status: String,
    /// Memory now, MB.
    pub current_mb: u32,
    /// Memory advised, MB.
    pub advised_mb: Option<u32>,
    /// Monthly list cost now, pico-USD.
    pub monthly_now_pico: Option<i64>,
    /// Monthly list cost at the advised size, pico-USD.
    pub monthly_after_pico: Option<i64>,
    /// Monthly saving, pico-USD.
    pub savings_pico: Option<i64>,
    /// Expected duration now → after, ms.
    pub duration: String,
    /// `low`, `medium`, `high` or empty.
    pub risk: String,
    /// Why, in a sentence.
    pub reason: String,
    /// Sizes to measure when the best size is uncertain (MB, comma
    /// separated; AWS Lambda Power Tuning's powerValues on AWS), or empty.
    pub measure: String,
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RightsizingData {
    /// The strategy.
    pub strategy: String,
    /// Days of history behind the volumes.
    pub window_days: f64,
    /// Advice, largest saving first.
    pub lines: Vec<Line>,
    /// Σ monthly savings of the advised changes, pico-USD.
    pub total_savings_pico: i64,
    /// Savings chart (SVG), when something saves.
    pub chart: Option<String>,
    /// The same advice from the API as CSV, for exactly this window.
    pub csv_href: String,
    /// The same from the API as JSON.
    pub json_href: String,
    /// The queries behind the numbers.
    pub queries: Vec<QueryTrace>,
}

/// The page's data for the URL query (`strategy`, range, tenant).
#[server(input = GetUrl)]
pub async fn get_rightsizing(query: String) -> Result<RightsizingData, ServerFnError> {
    data::load(&query).await
}

#[cfg(feature = "ssr")]
mod data {
    use super::*;
    use crate::server::{analysis_error, page_scope, trace};
    use faasight_analyzer::reports::rightsizing::rightsizing_report;
    use faasight_analyzer::reports::ReportRequest;
    use faasight_analyzer::rightsizing::{RightsizingOptions, Status};

    pub async fn load(query: &str) -> Result<RightsizingData, ServerFnError> {
        let s = page_scope(query).await?;
        let options = RightsizingOptions::try_from(&ReportRequest {
            strategy: s.param("strategy").map(str::to_string),
            ..Default::default()
        })
        .map_err(analysis_error)?;
        let report = rightsizing_report(&s.store, s.tenant(), s.range, options)
            .await
            .map_err(analysis_error)?;
        let text = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
        let mut lines: Vec<Line> = report
            .recommendations
            .iter()
            .map(|r| Line {
                name: r.function.clone(),
                place: format!("{} · {} · {}", r.provider, r.region, r.account),
                href: format::function_href(&r.provider, &r.account, &r.region, &r.function),
                status: text(serde_json::to_value(r.status).unwrap_or_default()),
                current_mb: r.current_memory_mb,
                advised_mb: r.recommended_memory_mb,
                monthly_now_pico: r.monthly_cost_now.map(|p| p.0),
                monthly_after_pico: r.monthly_cost_after.map(|p| p.0),
                savings_pico: r.monthly_savings.map(|p| p.0),
                duration: match (r.evidence.duration_mean_ms, r.expected_duration_ms) {
                    (Some(now), Some(after)) if r.status == Status::Recommend => {
                        format!("{} → {}", format::ms(now), format::ms(after))
                    }
                    (Some(now), _) => format::ms(now),
                    _ => String::new(),
                },
                risk: r
                    .risk
                    .map(|k| text(serde_json::to_value(k).unwrap_or_default()))
                    .unwrap_or_default(),
                reason: r.reason.clone(),
                measure: r
                    .measure
                    .as_ref()
                    .map(|m| {
                        m.candidate_sizes_mb
                            .iter()
                            .map(|s| s.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default(),
            })
            .collect();
        // Advised changes by saving, then the rest by name.
        lines.sort_by(|a, b| {
            let key = |l: &Line| {
                if l.status == "recommend" {
                    l.savings_pico.unwrap_or(0)
                } else {
                    i64::MIN
                }
            };
            key(b).cmp(&key(a)).then(a.name.cmp(&b.name))
        });
        let saving: Vec<(String, f64)> = lines
            .iter()
            .filter(|l| l.status == "recommend" && l.savings_pico.unwrap_or(0) > 0)
            .take(15)
            .map(|l| (l.name.clone(), l.savings_pico.unwrap_or(0) as f64 / 1e12))
            .collect();
        let chart = if saving.is_empty() {
            None
        } else {
            Some(
                crate::chart::bars(
                    "Monthly savings of the advised changes",
                    "USD per month",
                    &saving,
                    &format::dollars,
                )
                .map_err(ServerFnError::new)?,
            )
        };
        Ok(RightsizingData {
            total_savings_pico: lines
                .iter()
                .filter(|l| l.status == "recommend")
                .filter_map(|l| l.savings_pico)
                .filter(|&s| s > 0)
                .sum(),
            csv_href: s.api_href("rightsizing.csv", &[("strategy", &report.strategy)]),
            json_href: s.api_href("rightsizing", &[("strategy", &report.strategy)]),
            strategy: report.strategy,
            window_days: report.window_days,
            lines,
            chart,
            queries: report
                .queries
                .into_iter()
                .map(|q| trace("Every column and the chart", q))
                .collect(),
        })
    }
}

/// The page.
#[component]
pub fn RightsizingPage() -> impl IntoView {
    let hydrated = use_hydrated();
    let location = use_location();
    let data = Resource::new(move || location.search.get(), get_rightsizing);
    let set = use_set_params();
    let search = move || location.search.get();
    let strategy = move || param(&search(), "strategy").unwrap_or_else(|| "cost".into());
    view! {
        <main id="rightsizing" data-hydrated=move || hydrated.get().to_string()>
            <div class="toolbar">
                <h1>"Right-sizing"</h1>
                <RangePicker/>
                <label for="strategy">"Strategy"</label>
                <select id="strategy" on:change=move |ev| set(&[("strategy", &event_target_value(&ev))])>
                    {STRATEGIES
                        .iter()
                        .map(|(value, label)| view! { <option value=*value selected=move || strategy() == *value>{*label}</option> })
                        .collect_view()}
                </select>
            </div>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    show(data.await, "right-sizing", |r| {
                        if r.lines.is_empty() {
                            view! { <Empty what="invocations"/> }.into_any()
                        } else {
                            view! { <RightsizingBody r/> }.into_any()
                        }
                    })
                })}
            </Transition>
        </main>
    }
}

#[component]
fn RightsizingBody(r: RightsizingData) -> impl IntoView {
    let location = use_location();
    let search = location.search.get_untracked();
    let rows = r
        .lines
        .iter()
        .map(|l| {
            let money = |p: Option<i64>| p.map(format::usd).unwrap_or_default();
            view! {
                <tr data-status=l.status.clone()>
                    <td><a href=scoped_href(&l.href, &search)>{l.name.clone()}</a><div class="sub">{l.place.clone()}</div></td>
                    <td><span class=format!("badge {}", l.status)>{l.status.clone()}</span></td>
                    <td class="num">{format::mb(l.current_mb)}</td>
                    <td class="num">{l.advised_mb.map(format::mb).unwrap_or_default()}</td>
                    <td class="num">{l.duration.clone()}</td>
                    <td class="num">{money(l.monthly_now_pico)}</td>
                    <td class="num">{money(l.monthly_after_pico)}</td>
                    <td class="num savings">{money(l.savings_pico)}</td>
                    <td>{l.risk.clone()}</td>
                    <td class="reason">{l.reason.clone()}
                        {(!l.measure.is_empty()).then(|| view! { <div class="sub">{format!("Measure: {} MB", l.measure)}</div> })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="cards">
            <crate::components::Card label="Savings a month if all advice is taken" id="total-savings" value=format::usd(r.total_savings_pico)
                note=format!("strategy {} · volumes from {:.0} days", r.strategy, r.window_days)/>
        </div>
        <p class="exports">
            <a class="button" id="export-csv" href=r.csv_href.clone() download="rightsizing.csv">"Export CSV"</a>
            " "
            <a class="button" id="export-json" href=r.json_href.clone() download="rightsizing.json">"Export JSON"</a>
        </p>
        {r.chart.clone().map(|svg| view! { <Chart id="savings-chart" svg/> })}
        <div class="table-wrap">
            <table id="recommendation-table">
                <thead>
                    <tr>
                        <th>"Function"</th><th>"Advice"</th><th class="num">"Memory now"</th><th class="num">"Advised"</th>
                        <th class="num">"Duration (mean)"</th><th class="num">"Monthly now"</th><th class="num">"Monthly after"</th>
                        <th class="num">"Saves / month"</th><th>"Risk"</th><th>"Why"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <p class="note">"Monthly costs are list prices at the window's volume scaled to 30 days; the function page draws each function's cost and duration across sizes."</p>
        <QueryList queries=r.queries.clone()/>
    }
}
