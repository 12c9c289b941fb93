//! `/insights`: the serverless anti-patterns, concurrency limits and idle
//! provisioned concurrency the analyzer finds in the range's invocations
//! and traces, most money at stake first. Each finding opens to its
//! advice, the figures it rests on and example traces (linking to their
//! waterfall); below them, each account's busiest moment against its
//! concurrency limit.

// The `#[server]` macro generates an argument struct whose fields cannot carry docs.
#![allow(missing_docs)]

use crate::components::{
    param, scoped_href, show, use_hydrated, use_set_params, Card, Chart, Loading, QueryList,
    RangePicker,
};
use crate::format;
use crate::model::QueryTrace;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_location;
use serde::{Deserialize, Serialize};

/// A function (or an account) a finding names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    /// The function's name, or the account as `provider · account ·
    /// region`.
    pub label: String,
    /// `provider · region · account` of a function; empty for an account.
    pub place: String,
    /// The function's page; empty for an account.
    pub href: String,
    /// The key as the analyzer writes it.
    pub key: String,
}

/// `provider/account/region/function` (linked to the function's page) or
/// `provider/account/region` (an account, not linked).
pub fn subject(key: &str) -> Subject {
    let parts: Vec<&str> = key.splitn(4, '/').collect();
    match parts[..] {
        [provider, account, region, function] => Subject {
            label: function.to_string(),
            place: format!("{provider} · {region} · {account}"),
            href: format::function_href(provider, account, region, function),
            key: key.to_string(),
        },
        _ => Subject {
            label: parts.join(" · "),
            place: String::new(),
            href: String::new(),
            key: key.to_string(),
        },
    }
}

/// One finding as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingCard {
    /// The kind's name (`function_waits_on_function`, …).
    pub kind: String,
    /// The kind's heading.
    pub title: String,
    /// What was found, with its figures.
    pub summary: String,
    /// What to do about it.
    pub advice: String,
    /// Functions (or the account) involved.
    pub subjects: Vec<Subject>,
    /// The figures it rests on: label and value with its unit.
    pub evidence: Vec<(String, String)>,
    /// Example trace ids.
    pub trace_ids: Vec<String>,
    /// Money at stake per month, pico-USD.
    pub monthly_pico: i64,
    /// The first example trace's waterfall (SVG), when it is stored.
    pub waterfall: Option<String>,
}

/// An account and region's busiest moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Peak {
    /// `provider/account/region`.
    pub scope: String,
    /// Invocations running at once.
    pub concurrency: u64,
    /// When, UTC text.
    pub at: String,
    /// The limit it is held against.
    pub limit: Option<u32>,
    /// The peak as a share of the limit, %.
    pub limit_pct: Option<f64>,
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsightsData {
    /// Range label.
    pub label: String,
    /// Days in the window.
    pub window_days: f64,
    /// The account concurrency limit applied.
    pub account_limit: u32,
    /// Server spans of functions the trace findings rest on.
    pub traced_invocations: u64,
    /// Σ of the findings' money per month, pico-USD.
    pub total_pico: i64,
    /// Findings, most money first.
    pub findings: Vec<FindingCard>,
    /// Busiest moments, busiest first.
    pub peaks: Vec<Peak>,
    /// The busiest accounts' concurrency hour by hour against their limit
    /// (SVG), when there were invocations.
    pub concurrency_chart: Option<String>,
    /// The kinds of finding looked for (their headings).
    pub checked: Vec<String>,
    /// The same report from the JSON API, for exactly this window.
    pub json_href: String,
    /// The queries behind the numbers.
    pub queries: Vec<QueryTrace>,
}

/// The page's data for the URL query (`account_limit`, range, tenant).
#[server(input = GetUrl)]
pub async fn get_insights(query: String) -> Result<InsightsData, ServerFnError> {
    data::load(&query).await
}

#[cfg(feature = "ssr")]
mod data {
    use super::*;
    use crate::server::{analysis_error, page_scope, trace};
    use faasight_analyzer::explore::trace_spans;
    use faasight_analyzer::insights::FindingKind;
    use faasight_analyzer::reports::insights::{
        insights_report, ConcurrencySeries, InsightsOptions, InsightsReport,
    };
    use faasight_analyzer::reports::ReportRequest;

    /// Accounts drawn at most: the busiest, so the chart stays legible.
    const CHART_ACCOUNTS: usize = 5;

    /// The busiest accounts' hourly peaks, with each AWS account's limit
    /// as a dashed line; `None` without invocations.
    fn concurrency_chart(report: &InsightsReport) -> Result<Option<String>, String> {
        use crate::chart::{time_series, Line};
        let series: Vec<_> = report.account_series.iter().take(CHART_ACCOUNTS).collect();
        if series.is_empty() {
            return Ok(None);
        }
        let points = |s: &ConcurrencySeries, v: &dyn Fn(u64) -> f64| {
            s.peaks
                .iter()
                .enumerate()
                .map(|(k, &p)| {
                    (
                        s.from.timestamp() + k as i64 * i64::from(s.step_seconds),
                        v(p),
                    )
                })
                .collect::<Vec<_>>()
        };
        let mut lines: Vec<Line> = series
            .iter()
            .map(|s| Line {
                name: s.scope.clone(),
                points: points(s, &|p| p as f64),
                dashed: false,
            })
            .collect();
        // One limit line: the accounts share the limit applied.
        if let Some((s, limit)) = series.iter().find_map(|s| s.limit.map(|l| (s, l))) {
            lines.push(Line {
                name: "AWS account limit".into(),
                points: points(s, &|_| f64::from(limit)),
                dashed: true,
            });
        }
        time_series(
            "Concurrency per account and region, highest each hour (exact at 1 ms)",
            "invocations at once",
            &lines,
            None,
            &[],
            3_600,
            &|v| format!("{v:.0}"),
        )
        .map(Some)
    }

    pub async fn load(query: &str) -> Result<InsightsData, ServerFnError> {
        let s = page_scope(query).await?;
        let account_limit = match s.param("account_limit") {
            None => None,
            Some(v) => Some(v.parse::<u32>().map_err(|_| {
                ServerFnError::new(format!(
                    "account_limit {v:?} is not a whole number of concurrent executions"
                ))
            })?),
        };
        let options = InsightsOptions::try_from(&ReportRequest {
            account_limit,
            ..Default::default()
        })
        .map_err(analysis_error)?;
        let report = insights_report(&s.store, s.tenant(), s.range, options)
            .await
            .map_err(analysis_error)?;
        let mut findings: Vec<FindingCard> = report
            .findings
            .iter()
            .map(|f| FindingCard {
                kind: f.kind.name().to_string(),
                title: f.kind.title().to_string(),
                summary: f.summary.clone(),
                advice: f.advice.clone(),
                subjects: f.functions.iter().map(|k| subject(k)).collect(),
                evidence: f
                    .evidence
                    .iter()
                    .map(|e| (e.label.clone(), format::quantity(e.value, &e.unit)))
                    .collect(),
                trace_ids: f.example_trace_ids.clone(),
                monthly_pico: f.monthly_usd.0,
                waterfall: None,
            })
            .collect();
        // Each finding opens on its first example trace's waterfall.
        let mut queries = Vec::new();
        for card in findings.iter_mut() {
            let Some(id) = card.trace_ids.first() else {
                continue;
            };
            let (spans, q) = trace_spans(&s.store, s.tenant(), id)
                .await
                .map_err(analysis_error)?;
            if queries.is_empty() {
                queries.push(trace(
                    "The waterfall of each finding's first example trace",
                    q,
                ));
            }
            if !spans.is_empty() {
                card.waterfall = Some(crate::chart::waterfall(&spans));
            }
        }
        let concurrency_chart = concurrency_chart(&report).map_err(ServerFnError::new)?;
        let peaks = report
            .account_peaks
            .iter()
            .map(|p| Peak {
                scope: p.scope.clone(),
                concurrency: p.concurrency,
                at: p.at.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
                limit: p.limit,
                limit_pct: p
                    .limit
                    .filter(|&l| l > 0)
                    .map(|l| 100.0 * p.concurrency as f64 / f64::from(l)),
            })
            .collect();
        let limit = report.account_limit.to_string();
        let json_href = s.api_href("insights", &[("account_limit", &limit)]);
        Ok(InsightsData {
            label: s.label.clone(),
            window_days: report.window_days,
            account_limit: report.account_limit,
            traced_invocations: report.traced_invocations,
            total_pico: report
                .findings
                .iter()
                .fold(0i64, |sum, f| sum.saturating_add(f.monthly_usd.0)),
            findings,
            peaks,
            checked: FindingKind::ALL
                .iter()
                .map(|k| k.title().to_string())
                .collect(),
            json_href,
            concurrency_chart,
            queries: report
                .queries
                .into_iter()
                .map(|q| {
                    let feeds = format!("Findings, peaks and traced invocations ({})", q.name);
                    trace(&feeds, q)
                })
                .chain(queries)
                .collect(),
        })
    }
}

/// The page.
#[component]
pub fn InsightsPage() -> impl IntoView {
    let hydrated = use_hydrated();
    let location = use_location();
    let data = Resource::new(move || location.search.get(), get_insights);
    let set = use_set_params();
    let search = move || location.search.get();
    view! {
        <main id="insights" data-hydrated=move || hydrated.get().to_string()>
            <div class="toolbar">
                <h1>"Insights"</h1>
                <RangePicker/>
                <label for="account-limit">"Account limit"</label>
                <input id="account-limit" type="number" min="1" step="1"
                    title="Concurrent executions an AWS account allows per region"
                    prop:value=move || param(&search(), "account_limit").unwrap_or_default()
                    on:change=move |ev| set(&[("account_limit", &event_target_value(&ev))])/>
            </div>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    show(data.await, "insights", |d| view! { <InsightsBody d/> }.into_any())
                })}
            </Transition>
        </main>
    }
}

/// Links to the functions a finding names (an account is plain text);
/// phrasing content only, as it sits in a `<summary>`.
fn subjects_view(subjects: &[Subject], search: &str) -> impl IntoView {
    subjects
        .iter()
        .map(|s| {
            let name = if s.href.is_empty() {
                view! { <span class="subject" title=s.key.clone()>{s.label.clone()}</span> }
                    .into_any()
            } else {
                view! {
                    <a class="subject" href=scoped_href(&s.href, search) title=s.key.clone()>{s.label.clone()}</a>
                }
                .into_any()
            };
            view! {
                <span class="subject-item">{name}{(!s.place.is_empty()).then(|| view! { <span class="sub">{format!(" {}", s.place)}</span> })}</span>
            }
        })
        .collect_view()
}

#[component]
fn InsightsBody(d: InsightsData) -> impl IntoView {
    let location = use_location();
    let search = location.search.get_untracked();
    let findings = d
        .findings
        .iter()
        .map(|f| {
            let evidence = f
                .evidence
                .iter()
                .map(|(label, value)| view! { <tr><td>{label.clone()}</td><td class="num">{value.clone()}</td></tr> })
                .collect_view();
            let traces = f
                .trace_ids
                .iter()
                .map(|id| {
                    let href = scoped_href(&format!("/traces?trace={}", format::url_component(id)), &search);
                    view! { <li><a class="mono trace" href=href>{id.clone()}</a></li> }
                })
                .collect_view();
            view! {
                <details class="finding" data-kind=f.kind.clone() data-monthly-pico=f.monthly_pico.to_string()>
                    <summary>
                        <span class="finding-head">
                            <b class="kind">{f.title.clone()}</b>
                            <span class="money">{format!("{} / month", format::usd(f.monthly_pico))}</span>
                        </span>
                        <span class="finding-summary">{f.summary.clone()}</span>
                        <span class="subjects">{subjects_view(&f.subjects, &search)}</span>
                    </summary>
                    <h4>"What to do"</h4>
                    <p class="advice">{f.advice.clone()}</p>
                    {(f.monthly_pico == 0).then(|| view! { <p class="note">"No money at stake: its cost is latency or risk."</p> })}
                    <h4>"Evidence"</h4>
                    <div class="table-wrap">
                        <table class="evidence">
                            <thead><tr><th>"Figure"</th><th class="num">"Value"</th></tr></thead>
                            <tbody>{evidence}</tbody>
                        </table>
                    </div>
                    <h4>"Example traces"</h4>
                    {if f.trace_ids.is_empty() {
                        view! { <p class="note">"None: this finding comes from invocations alone."</p> }.into_any()
                    } else {
                        view! { <ul class="traces">{traces}</ul> }.into_any()
                    }}
                    {f.waterfall.clone().map(|svg| view! {
                        <p class="note">"The first example trace; blue: server and internal spans, orange: client calls, red: errors."</p>
                        <div class="chart waterfall" inner_html=svg></div>
                    })}
                </details>
            }
        })
        .collect_view();
    let peaks = d
        .peaks
        .iter()
        .map(|p| {
            view! {
                <tr>
                    <td class="mono">{p.scope.clone()}</td>
                    <td class="num">{format::count(p.concurrency)}</td>
                    <td class="mono">{p.at.clone()}</td>
                    <td class="num">{p.limit.map(|l| format::count(u64::from(l))).unwrap_or_else(|| "—".into())}</td>
                    <td class="num">{p.limit_pct.map(format::pct).unwrap_or_else(|| "—".into())}</td>
                </tr>
            }
        })
        .collect_view();
    let header = format!(
        "{}: a window of {} · account limit applied: {} concurrent executions per account and region · traced invocations: {}",
        d.label,
        format::days(d.window_days),
        format::count(u64::from(d.account_limit)),
        format::count(d.traced_invocations),
    );
    view! {
        <div class="cards">
            <Card label="Money at stake" id="total-at-stake" value=format!("{} / month", format::usd(d.total_pico))
                note="USD / month at list price: the findings' sum".to_string()/>
        </div>
        <p class="note" id="insights-header">{header}" "
            <a class="button" id="export-json" href=d.json_href.clone() download="insights.json">"Export JSON"</a>
        </p>
        <h2>"Findings"</h2>
        {if d.findings.is_empty() {
            view! {
                <div class="empty" id="no-findings">
                    <p><b>{format!("No anti-pattern found in the window ({}).", d.label)}</b></p>
                    <p class="note">{format!(
                        "Looked for: {}. A pattern seen in too few traces to be more than chance gives no finding; \
                         pick a longer range to look at more of them.",
                        d.checked.join(", ")
                    )}</p>
                </div>
            }
            .into_any()
        } else {
            view! {
                <p class="note">"Most money at stake first; open a finding for its advice, the figures it rests on and example traces."</p>
                <div id="findings">{findings}</div>
            }
            .into_any()
        }}
        <h2>"Busiest moments against the concurrency limit"</h2>
        {d.concurrency_chart.clone().map(|svg| view! { <Chart id="concurrency-chart" svg/> })}
        {if d.peaks.is_empty() {
            view! { <p class="note" id="no-peaks">"No concurrency measured: no invocations in this time range."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table id="account-peaks">
                        <thead>
                            <tr><th>"Scope"</th><th class="num">"Peak concurrency"</th><th>"At (UTC)"</th>
                                <th class="num">"Limit"</th><th class="num">"% of limit"</th></tr>
                        </thead>
                        <tbody>{peaks}</tbody>
                    </table>
                </div>
                <p class="note">"Invocations running at once, reconstructed from their starts and durations (exact to the millisecond); the first millisecond with the peak."</p>
            }
            .into_any()
        }}
        <QueryList queries=d.queries.clone()/>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_link_to_their_page_and_accounts_do_not() {
        let f = subject("aws_lambda/123/eu-west-1/checkout api");
        assert_eq!(f.label, "checkout api");
        assert_eq!(f.place, "aws_lambda · eu-west-1 · 123");
        assert_eq!(f.href, "/functions/aws_lambda/123/eu-west-1/checkout%20api");
        let a = subject("aws_lambda/123/eu-west-1");
        assert_eq!(a.label, "aws_lambda · 123 · eu-west-1");
        assert!(a.href.is_empty() && a.place.is_empty());
        assert_eq!(a.key, "aws_lambda/123/eu-west-1");
    }
}
