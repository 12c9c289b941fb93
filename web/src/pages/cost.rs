//! `/cost`: cost stacked by provider, region, account or function; the
//! forecast with its band and backtest error, cost anomalies marked; the
//! monthly bill with tiers and free grants; and the monthly cost report to
//! download (PDF, CSV, JSON).

// The `#[server]` macro generates an argument struct whose fields cannot carry docs.
#![allow(missing_docs)]

use crate::components::{
    param, query_with, show, use_hydrated, use_set_params, Chart, Empty, Loading, QueryList,
    RangePicker,
};
use crate::format;
use crate::model::QueryTrace;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_location;
use serde::{Deserialize, Serialize};

/// Breakdowns offered: URL value and label.
pub const BREAKDOWNS: [(&str, &str); 4] = [
    ("provider", "Provider"),
    ("region", "Region"),
    ("account", "Account"),
    ("function", "Function"),
];

/// One line of a month's bill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillRow {
    /// `provider · account · region · arch`.
    pub scope: String,
    /// Requests.
    pub requests: u64,
    /// List, pico-USD.
    pub list_pico: i64,
    /// Billed − list, pico-USD.
    pub adjustment_pico: i64,
    /// Billed, pico-USD.
    pub billed_pico: i64,
    /// How.
    pub explanation: String,
}

/// One month's bill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthBill {
    /// `YYYY-MM`.
    pub month: String,
    /// Lines.
    pub rows: Vec<BillRow>,
    /// Σ list, pico-USD.
    pub list_pico: i64,
    /// Σ billed, pico-USD.
    pub billed_pico: i64,
    /// What the bill assumed or left out.
    pub notes: Vec<String>,
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostData {
    /// Range label.
    pub label: String,
    /// List cost in the range, pico-USD.
    pub total_pico: i64,
    /// Stacked daily cost (SVG).
    pub stacked_chart: String,
    /// Forecast chart (SVG), when there is a forecast.
    pub forecast_chart: Option<String>,
    /// Forecast sentence: the month's projected end with its interval, the
    /// model, the days it learnt from and its backtest error.
    pub forecast_note: String,
    /// Bills of the months the range touches.
    pub bills: Vec<MonthBill>,
    /// Months with data, newest first (report downloads).
    pub months: Vec<String>,
    /// Queries.
    pub queries: Vec<QueryTrace>,
}

/// The page's data for the URL query (`by`, `free_tier`, `node_price`, range, tenant).
#[server(input = GetUrl)]
pub async fn get_cost(query: String) -> Result<CostData, ServerFnError> {
    data::load(&query).await
}

#[cfg(feature = "ssr")]
mod data {
    use super::*;
    use crate::chart::{stacked_bars, time_series, Band, Line, Marker};
    use crate::server::{analysis_error, page_scope, trace};
    use faasight_analyzer::anomalies::Metric;
    use faasight_analyzer::explore::daily_cost_by;
    use faasight_analyzer::reports::anomalies::anomalies_report;
    use faasight_analyzer::reports::bill::bill_report;
    use faasight_analyzer::reports::forecast::forecast_report;
    use faasight_analyzer::reports::ReportRequest;
    use std::collections::{BTreeMap, HashMap};

    /// Series drawn separately in the stack; the rest is "other".
    const STACKED: usize = 7;

    fn day_epoch(day: &str) -> i64 {
        chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map_or(0, |t| t.and_utc().timestamp())
    }

    pub async fn load(query: &str) -> Result<CostData, ServerFnError> {
        let s = page_scope(query).await?;
        let by = s.param("by").unwrap_or("provider").to_string();
        let free_tier = s.param("free_tier") == Some("1");
        // The chart shows four weeks at least, whatever the range; the
        // forecast learns from up to a year before the range's end.
        let history = s.at_least_days(28);
        // 31 days: a month's rest at most, so the projection always has it.
        let forecast_request = crate::scope::total_forecast(31).map_err(analysis_error)?;
        // `node_price=vcpu-hour=…,gb-hour=…,vcpu-per-gb=…` prices Knative and
        // OpenFaaS; a malformed one is refused by the bill's parser.
        let bill_options = TryFrom::try_from(&ReportRequest {
            aws_free_tier: Some(free_tier),
            node_price: s
                .param("node_price")
                .filter(|p| !p.is_empty())
                .map(str::to_string),
            ..Default::default()
        })
        .map_err(analysis_error)?;
        let anomaly_options =
            TryFrom::try_from(&ReportRequest::default()).map_err(analysis_error)?;
        let (daily, total_daily, forecast, bill, anomalies) = tokio::try_join!(
            daily_cost_by(&s.store, s.tenant(), s.range, &by),
            daily_cost_by(&s.store, s.tenant(), history, "provider"),
            forecast_report(&s.store, s.tenant(), history, forecast_request),
            bill_report(&s.store, s.tenant(), s.range, bill_options),
            anomalies_report(&s.store, s.tenant(), s.range, anomaly_options),
        )
        .map_err(analysis_error)?;
        let ((daily, daily_q), (total_daily, total_q)) = (daily, total_daily);

        // The stack: the largest keys, the rest summed as "other".
        let mut by_key: HashMap<&str, i64> = HashMap::new();
        for d in &daily {
            *by_key.entry(d.key.as_str()).or_default() += d.cost_usd.0;
        }
        let mut keys: Vec<(&str, i64)> = by_key.into_iter().collect();
        keys.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let shown: Vec<&str> = keys.iter().take(STACKED).map(|k| k.0).collect();
        let mut days: Vec<String> = daily.iter().map(|d| d.day.clone()).collect();
        days.sort();
        days.dedup();
        let day_index: HashMap<&str, usize> = days
            .iter()
            .enumerate()
            .map(|(i, d)| (d.as_str(), i))
            .collect();
        let mut series: Vec<(String, Vec<f64>)> = shown
            .iter()
            .map(|k| (crate::chart::shorten(k, 40), vec![0.0; days.len()]))
            .collect();
        let mut other = vec![0.0; days.len()];
        for d in &daily {
            let i = day_index[d.day.as_str()];
            let v = d.cost_usd.0 as f64 / 1e12;
            match shown.iter().position(|k| *k == d.key) {
                Some(s) => series[s].1[i] += v,
                None => other[i] += v,
            }
        }
        if other.iter().any(|v| *v > 0.0) {
            series.push(("other".into(), other));
        }
        let labels: Vec<String> = days.iter().map(|d| d[5..].to_string()).collect();
        let stacked_chart = stacked_bars(
            &format!("Daily list cost by {by}"),
            "USD per day",
            &labels,
            &series,
            &format::dollars,
        )
        .map_err(ServerFnError::new)?;

        let mut per_day: BTreeMap<String, f64> = BTreeMap::new();
        for d in &total_daily {
            *per_day.entry(d.day.clone()).or_default() += d.cost_usd.0 as f64 / 1e12;
        }
        let f = forecast.cost_usd.iter().find_map(|g| g.forecast.as_ref());
        let markers: Vec<Marker> = anomalies
            .result
            .anomalies
            .iter()
            .filter(|a| a.metric == Metric::CostUsd)
            .map(|a| {
                let day = chrono::DateTime::from_timestamp(a.hour, 0)
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_default();
                Marker {
                    at: day_epoch(&day),
                    value: per_day.get(&day).copied().unwrap_or(0.0),
                    title: format!(
                        "anomaly in {}: {} UTC cost ${:.4} against an expected ${:.4} (up to ${:.4} is ordinary; p = {:.1e}; driven by {})",
                        a.key,
                        chrono::DateTime::from_timestamp(a.hour, 0)
                            .map(|t| t.format("%Y-%m-%d %H:00").to_string())
                            .unwrap_or_default(),
                        a.value,
                        a.expectation.expected,
                        a.expectation.interval_high,
                        a.p_value,
                        a.cause.map_or("invocations", |c| c.describe())
                    ),
                }
            })
            .collect();
        let (forecast_chart, forecast_note) = match f {
            None => (
                None,
                forecast
                    .cost_usd
                    .iter()
                    .find_map(|g| g.error.clone())
                    .unwrap_or_else(|| "Not enough history for a forecast.".into()),
            ),
            Some(f) => {
                let points: Vec<(i64, f64, f64, f64)> = f
                    .points
                    .iter()
                    .filter_map(|p| {
                        Some((
                            p.day?.and_hms_opt(0, 0, 0)?.and_utc().timestamp(),
                            p.mean,
                            p.lower,
                            p.upper,
                        ))
                    })
                    .collect();
                let lines = [
                    Line {
                        name: "list cost per day".into(),
                        points: per_day.iter().map(|(d, v)| (day_epoch(d), *v)).collect(),
                        dashed: false,
                    },
                    Line {
                        name: format!("forecast ({})", f.model),
                        points: points.iter().map(|p| (p.0, p.1)).collect(),
                        dashed: true,
                    },
                ];
                let band = Band {
                    name: format!("{:.0} % interval", f.level * 100.0),
                    points: points.iter().map(|p| (p.0, p.2, p.3)).collect(),
                };
                let chart = time_series(
                    "Daily list cost, the next 31 days forecast, anomalies in red",
                    "USD per day",
                    &lines,
                    Some(&band),
                    &markers,
                    86_400,
                    &format::dollars,
                )
                .map_err(ServerFnError::new)?;
                let history_days = forecast
                    .cost_usd
                    .iter()
                    .find(|g| g.forecast.is_some())
                    .map_or(0, |g| g.history_days);
                // The month's projection rather than a sum of the days'
                // bounds, which would overstate the interval of a total.
                let projection = forecast
                    .cost_usd
                    .iter()
                    .find_map(|g| g.month_end.as_ref())
                    .map_or_else(String::new, |p| {
                        format!(
                            "Projected for {}: {} ({:.0} % interval {} – {}), {} so far. ",
                            p.month,
                            format::dollars(p.projected_total),
                            p.level * 100.0,
                            format::dollars(p.lower),
                            format::dollars(p.upper),
                            format::dollars(p.actual_to_date)
                        )
                    });
                let note = format!(
                    "{projection}Model {}, learnt from {} days; backtest error (MAPE) {} over {} origins.",
                    f.model,
                    history_days,
                    f.backtest.mape_pct.map_or("n/a".into(), |m| format!("{m:.1} %")),
                    f.backtest.origins
                );
                (Some(chart), note)
            }
        };
        let bills: Vec<MonthBill> = bill
            .months
            .iter()
            .map(|m| MonthBill {
                month: m.month[..7].to_string(),
                list_pico: m.list_total.0,
                billed_pico: m.billed_total.0,
                rows: m
                    .lines
                    .iter()
                    .map(|l| BillRow {
                        scope: format!(
                            "{} · {} · {} · {}",
                            l.usage.provider, l.usage.account, l.usage.region, l.usage.arch
                        ),
                        requests: l.usage.requests,
                        list_pico: l.usage.list_cost.0,
                        adjustment_pico: l.adjustment.0,
                        billed_pico: l.billed.0,
                        explanation: l.explanation.clone(),
                    })
                    .chain(m.charges.iter().map(|c| {
                        let (kind, function) = (c.kind.name(), c.target());
                        BillRow {
                            scope: format!("{kind} · {} · {} · {function}", c.account, c.region),
                            requests: 0,
                            list_pico: 0,
                            adjustment_pico: c.amount.0,
                            billed_pico: c.amount.0,
                            explanation: format!("{:.1} {}: {}", c.quantity, c.unit, c.basis),
                        }
                    }))
                    .collect(),
                notes: m.notes.clone(),
            })
            .collect();
        let mut months: Vec<String> = bills.iter().map(|b| b.month.clone()).collect();
        months.reverse();
        let mut queries = vec![
            trace("The stacked chart (and the range's total)", daily_q),
            trace("The forecast chart's history", total_q),
        ];
        queries.extend(
            forecast
                .queries
                .into_iter()
                .map(|q| trace("The forecast", q)),
        );
        queries.extend(anomalies.queries.into_iter().map(|q| trace("Anomalies", q)));
        queries.extend(
            bill.queries
                .into_iter()
                .map(|q| trace("The monthly bill", q)),
        );
        Ok(CostData {
            label: s.label.clone(),
            total_pico: daily.iter().map(|d| d.cost_usd.0).sum(),
            stacked_chart,
            forecast_chart,
            forecast_note,
            bills,
            months,
            queries,
        })
    }
}

/// The page.
#[component]
pub fn CostPage() -> impl IntoView {
    let hydrated = use_hydrated();
    let location = use_location();
    let data = Resource::new(move || location.search.get(), get_cost);
    let set = use_set_params();
    let set_free = set.clone();
    let search = move || location.search.get();
    let by = move || param(&search(), "by").unwrap_or_else(|| "provider".into());
    view! {
        <main id="cost" data-hydrated=move || hydrated.get().to_string()>
            <div class="toolbar">
                <h1>"Cost and forecast"</h1>
                <RangePicker/>
                <label for="by">"Break down by"</label>
                <select id="by" on:change=move |ev| set(&[("by", &event_target_value(&ev))])>
                    {BREAKDOWNS.iter().map(|(v, l)| view! { <option value=*v selected=move || by() == *v>{*l}</option> }).collect_view()}
                </select>
                <label><input id="free-tier" type="checkbox" prop:checked=move || param(&search(), "free_tier").as_deref() == Some("1")
                    on:change=move |ev| set_free(&[("free_tier", if event_target_checked(&ev) { "1" } else { "" })])/>" Apply the AWS free tier"</label>
            </div>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    show(data.await, "cost", |c| {
                        if c.total_pico == 0 && c.bills.is_empty() {
                            view! { <Empty what="invocations"/> }.into_any()
                        } else {
                            view! { <CostBody c/> }.into_any()
                        }
                    })
                })}
            </Transition>
            <InvoiceReconciliation/>
        </main>
    }
}

#[component]
fn CostBody(c: CostData) -> impl IntoView {
    let location = use_location();
    let search = location.search.get_untracked();
    let tenant = param(&search, "tenant").unwrap_or_default();
    let downloads = c
        .months
        .iter()
        .map(|m| {
            let link = |format: &str| {
                format!("/api/v1/report{}", query_with("", &[("month", m), ("format", format), ("tenant", &tenant)]))
            };
            view! {
                <li data-month=m.clone()>{m.clone()}": "
                    <a class="report-pdf" href=link("pdf") download=format!("faasight-cost-{m}.pdf")>"PDF"</a>" · "
                    <a class="report-csv" href=link("csv") download=format!("faasight-cost-{m}.csv")>"CSV"</a>" · "
                    <a class="report-json" href=link("json") download=format!("faasight-cost-{m}.json")>"JSON"</a>
                </li>
            }
        })
        .collect_view();
    let bills = c
        .bills
        .iter()
        .map(|b| {
            let rows = b
                .rows
                .iter()
                .map(|r| {
                    view! {
                        <tr>
                            <td>{r.scope.clone()}</td>
                            <td class="num">{format::count(r.requests)}</td>
                            <td class="num">{format::usd(r.list_pico)}</td>
                            <td class="num">{format::usd(r.adjustment_pico)}</td>
                            <td class="num">{format::usd(r.billed_pico)}</td>
                            <td class="reason">{r.explanation.clone()}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <h3>{format!("{}: billed {} (list {})", b.month, format::usd(b.billed_pico), format::usd(b.list_pico))}</h3>
                <div class="table-wrap">
                    <table class="bill" data-month=b.month.clone() data-billed=b.billed_pico.to_string()>
                        <thead><tr><th>"Provider · account · region · arch"</th><th class="num">"Requests"</th><th class="num">"List (USD)"</th>
                            <th class="num">"Tiers and grants"</th><th class="num">"Billed (USD)"</th><th>"How"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                <ul class="bill-notes">
                    {b.notes.iter().map(|n| view! { <li class="note">{n.clone()}</li> }).collect_view()}
                </ul>
            }
        })
        .collect_view();
    view! {
        <div class="cards">
            <crate::components::Card label="List cost in the range" id="cost-total" value=format::usd(c.total_pico) note=c.label.clone()/>
        </div>
        <Chart id="stacked-chart" svg=c.stacked_chart.clone()/>
        {c.forecast_chart.clone().map(|svg| view! { <Chart id="forecast-chart" svg/> })}
        <p class="note" id="forecast-note">{c.forecast_note.clone()}</p>
        <h2>"Monthly bill"</h2>
        <p class="note">"Per provider, account, region and architecture at that region's prices, with each provider's volume tiers, free grants and plan fees applied once per billing scope (AWS account, Azure subscription, Google Cloud billing account, Cloudflare account), then the charges that follow a function's configuration (Provisioned Concurrency, ephemeral storage, SnapStart)."</p>
        {bills}
        <h2>"Cost report"</h2>
        <p class="note">"The month's report: totals, the bill, top functions, daily cost, next month's forecast, right-sizing savings and warnings."</p>
        <ul id="report-downloads">{downloads}</ul>
        <QueryList queries=c.queries.clone()/>
    }
}

// ---- Invoice reconciliation: the AWS Cost and Usage Report against telemetry.

/// One row of the invoice reconciliation, as shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReconRow {
    /// `account · region`.
    pub scope: String,
    /// `Duration (GB-s) · arm64`.
    pub usage: String,
    /// The report's usage types.
    pub usage_types: String,
    /// Invoiced usage with its unit.
    pub invoiced_amount: String,
    /// Invoiced, pico-USD.
    pub invoiced_pico: i64,
    /// From telemetry (`None`: not modelled).
    pub computed_amount: Option<String>,
    /// From telemetry, pico-USD (`None`: not modelled).
    pub computed_pico: Option<i64>,
    /// Invoiced − computed, pico-USD.
    pub remainder_pico: i64,
    /// Likely causes.
    pub explanation: String,
}

/// The reconciliation section's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReconData {
    /// `YYYY-MM`.
    pub month: String,
    /// Rows; empty when no report was imported for the month.
    pub rows: Vec<ReconRow>,
    /// Σ invoiced, pico-USD.
    pub invoiced_pico: i64,
    /// Σ computed, pico-USD.
    pub computed_pico: i64,
    /// Σ remainder, pico-USD.
    pub remainder_pico: i64,
    /// `account/region/function` invoiced without telemetry.
    pub functions_without_telemetry: Vec<String>,
    /// Notes on the data.
    pub notes: Vec<String>,
    /// Queries.
    pub queries: Vec<QueryTrace>,
}

/// The reconciliation of the month in `invoice_month`, else of the month
/// the range ends in, for the URL query's authorised tenant.
#[server(input = GetUrl)]
pub async fn get_reconciliation(query: String) -> Result<ReconData, ServerFnError> {
    recon_data::load(&query).await
}

#[cfg(feature = "ssr")]
mod recon_data {
    use super::*;
    use crate::server::{analysis_error, page_scope, trace};
    use faasight_analyzer::reconcile::reconciliation;

    fn amount(v: f64, unit: &str) -> String {
        if unit == "requests" {
            format!("{} requests", format::count(v.round().max(0.0) as u64))
        } else {
            format!("{v:.2} {unit}")
        }
    }

    pub async fn load(query: &str) -> Result<ReconData, ServerFnError> {
        let s = page_scope(query).await?;
        let month = match s.param("invoice_month") {
            Some(m) => m.to_string(),
            None => (s.range.to - chrono::Duration::seconds(1))
                .format("%Y-%m")
                .to_string(),
        };
        let r = reconciliation(&s.store, s.tenant(), &month)
            .await
            .map_err(analysis_error)?;
        let rows = r
            .lines
            .iter()
            .map(|l| ReconRow {
                scope: format!(
                    "{} · {}",
                    l.account,
                    if l.region.is_empty() {
                        "(no region)"
                    } else {
                        &l.region
                    }
                ),
                usage: if l.arch.is_empty() {
                    l.kind.label().to_string()
                } else {
                    format!("{} · {}", l.kind.label(), l.arch)
                },
                usage_types: l.usage_types.join(", "),
                invoiced_amount: amount(l.invoiced_amount, &l.unit),
                invoiced_pico: l.invoiced_cost.0,
                computed_amount: l.computed_amount.map(|a| amount(a, &l.unit)),
                computed_pico: l.computed_cost.map(|c| c.0),
                remainder_pico: l.remainder_cost.0,
                explanation: l.explanation.clone(),
            })
            .collect();
        Ok(ReconData {
            month: r.month.clone(),
            rows,
            invoiced_pico: r.invoiced_total.0,
            computed_pico: r.computed_total.0,
            remainder_pico: r.remainder_total.0,
            functions_without_telemetry: r.functions_without_telemetry.clone(),
            notes: r.notes.clone(),
            queries: r
                .queries
                .into_iter()
                .map(|q| trace("Invoice reconciliation", q))
                .collect(),
        })
    }
}

/// The section: invoiced against telemetry for one month.
#[component]
fn InvoiceReconciliation() -> impl IntoView {
    let location = use_location();
    let data = Resource::new(move || location.search.get(), get_reconciliation);
    view! {
        <section id="invoice-reconciliation">
            <h2>"Invoice reconciliation"</h2>
            <p class="note">"AWS Lambda as the Cost and Usage Report invoices it, against what telemetry accounts for, per account, region and usage type. The remainder is what telemetry does not explain: functions that send none, and charges faasight does not model."</p>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    show(data.await, "the invoice reconciliation", |r| {
                        if r.rows.is_empty() {
                            view! {
                                <p class="empty" id="reconciliation-empty">{format!(
                                    "No Cost and Usage Report imported for {}. Import the month's report (CSV, .csv.gz or Parquet; legacy CUR or CUR 2.0) with: faasight import --format aws-cur --tenant TENANT FILE…",
                                    r.month
                                )}</p>
                            }.into_any()
                        } else {
                            view! { <ReconTable r/> }.into_any()
                        }
                    })
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ReconTable(r: ReconData) -> impl IntoView {
    let not_modelled = || "not modelled".to_string();
    let rows = r
        .rows
        .iter()
        .map(|row| {
            view! {
                <tr>
                    <td>{row.scope.clone()}</td>
                    <td title=row.usage_types.clone()>{row.usage.clone()}</td>
                    <td class="num">{row.invoiced_amount.clone()}</td>
                    <td class="num">{format::usd(row.invoiced_pico)}</td>
                    <td class="num">{row.computed_amount.clone().unwrap_or_else(not_modelled)}</td>
                    <td class="num">{row.computed_pico.map(format::usd).unwrap_or_else(not_modelled)}</td>
                    <td class="num">{format::usd(row.remainder_pico)}</td>
                    <td class="reason">{row.explanation.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let missing = (!r.functions_without_telemetry.is_empty()).then(|| {
        view! {
            <p class="note" id="functions-without-telemetry">
                {format!("Invoiced, but no telemetry: {}.", r.functions_without_telemetry.join(", "))}
            </p>
        }
    });
    let notes = r
        .notes
        .iter()
        .map(|n| view! { <p class="note">{n.clone()}</p> })
        .collect_view();
    view! {
        <h3>{format!(
            "{}: invoiced {}, computed from telemetry {}, remainder {}",
            r.month,
            format::usd(r.invoiced_pico),
            format::usd(r.computed_pico),
            format::usd(r.remainder_pico)
        )}</h3>
        <div class="table-wrap">
            <table class="reconciliation" data-month=r.month.clone() data-remainder=r.remainder_pico.to_string()>
                <thead><tr><th>"Account · region"</th><th>"Usage type"</th><th class="num">"Invoiced usage"</th><th class="num">"Invoiced (USD)"</th>
                    <th class="num">"From telemetry"</th><th class="num">"List (USD)"</th><th class="num">"Remainder (USD)"</th><th>"Likely causes"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {missing}
        {notes}
        <QueryList queries=r.queries.clone()/>
    }
}
