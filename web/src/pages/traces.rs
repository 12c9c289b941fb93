//! `/traces`: find traces by id, function, duration and errors; a trace's
//! waterfall; the log records of a trace or of one invocation
//! (`?request=`).

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

/// One trace found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Found {
    /// Trace id.
    pub trace_id: String,
    /// Start, UTC text.
    pub start: String,
    /// Duration, ms.
    pub duration_ms: f64,
    /// Spans.
    pub spans: u64,
    /// Spans with an error.
    pub errors: u64,
    /// `service · operation` of the first span.
    pub root: String,
}

/// One log line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Log {
    /// Time, UTC text with ms.
    pub time: String,
    /// Severity.
    pub severity: String,
    /// Function.
    pub function: String,
    /// Request id.
    pub request_id: String,
    /// Message.
    pub body: String,
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TracesData {
    /// Traces matching the filters.
    pub found: Vec<Found>,
    /// The selected trace's id and waterfall (SVG) and span count.
    pub trace: Option<(String, String, usize)>,
    /// Logs of the selected trace or request.
    pub logs: Vec<Log>,
    /// What the logs belong to.
    pub logs_of: String,
    /// Queries.
    pub queries: Vec<QueryTrace>,
}

/// The page's data for the URL query (`trace`, `request`, `function`,
/// `min_ms`, `errors`, range, tenant).
#[server(input = GetUrl)]
pub async fn get_traces(query: String) -> Result<TracesData, ServerFnError> {
    data::load(&query).await
}

#[cfg(feature = "ssr")]
mod data {
    use super::*;
    use crate::server::{analysis_error, page_scope, trace};
    use faasight_analyzer::explore::{invocation_logs, trace_search, trace_spans, TraceFilter};

    fn is_trace_id(id: &str) -> bool {
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
    }

    fn time(ns: u64) -> String {
        chrono::DateTime::from_timestamp((ns / 1_000_000_000) as i64, (ns % 1_000_000_000) as u32)
            .map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f").to_string())
            .unwrap_or_default()
    }

    pub async fn load(query: &str) -> Result<TracesData, ServerFnError> {
        let s = page_scope(query).await?;
        let selected = s.param("trace").map(str::to_lowercase);
        if let Some(id) = &selected {
            if !is_trace_id(id) {
                return Err(ServerFnError::new(format!(
                    "trace id {id:?} is not 32 hexadecimal digits"
                )));
            }
        }
        let request = s.param("request").unwrap_or("").to_string();
        let min_ms: u64 = match s.param("min_ms") {
            None => 0,
            Some(v) => v.parse().map_err(|_| {
                ServerFnError::new(format!(
                    "min_ms {v:?} is not a whole number of milliseconds"
                ))
            })?,
        };
        let filter = TraceFilter {
            trace_id: selected.clone().unwrap_or_default(),
            service: s.param("function").unwrap_or("").to_string(),
            min_duration_ms: min_ms,
            errors_only: s.param("errors") == Some("1"),
        };
        let mut queries = Vec::new();
        let (found, found_q) = trace_search(&s.store, s.tenant(), s.range, &filter)
            .await
            .map_err(analysis_error)?;
        queries.push(trace("Traces found", found_q));
        let found = found
            .into_iter()
            .map(|t| Found {
                start: time(t.start_ns),
                duration_ms: t.duration_ns as f64 / 1e6,
                spans: t.spans,
                errors: t.error_spans,
                root: format!("{} · {}", t.root_service, t.root_name),
                trace_id: t.trace_id,
            })
            .collect();
        let mut waterfall = None;
        if let Some(id) = &selected {
            let (spans, q) = trace_spans(&s.store, s.tenant(), id)
                .await
                .map_err(analysis_error)?;
            queries.push(trace("The waterfall", q));
            if !spans.is_empty() {
                waterfall = Some((id.clone(), crate::chart::waterfall(&spans), spans.len()));
            }
        }
        let mut logs = Vec::new();
        let mut logs_of = String::new();
        if selected.is_some() || !request.is_empty() {
            let id = selected.clone().unwrap_or_default();
            let (lines, q) = invocation_logs(&s.store, s.tenant(), &id, &request)
                .await
                .map_err(analysis_error)?;
            queries.push(trace("The logs", q));
            logs_of = if request.is_empty() {
                format!("trace {id}")
            } else {
                format!("request {request}")
            };
            logs = lines
                .into_iter()
                .map(|l| Log {
                    time: time(l.time_ns),
                    severity: l.severity_text,
                    function: l.function,
                    request_id: l.request_id,
                    body: l.body,
                })
                .collect();
        }
        Ok(TracesData {
            found,
            trace: waterfall,
            logs,
            logs_of,
            queries,
        })
    }
}

/// The page.
#[component]
pub fn TracesPage() -> impl IntoView {
    let hydrated = use_hydrated();
    let location = use_location();
    let data = Resource::new(move || location.search.get(), get_traces);
    let set = use_set_params();
    let search = move || location.search.get();
    let (s1, s2, s3, s4) = (set.clone(), set.clone(), set.clone(), set);
    view! {
        <main id="traces" data-hydrated=move || hydrated.get().to_string()>
            <div class="toolbar">
                <h1>"Traces and logs"</h1>
                <RangePicker/>
            </div>
            <div class="toolbar filters">
                <label for="trace-id">"Trace id"</label>
                <input id="trace-id" type="search" size="34" placeholder="32 hex digits"
                    prop:value=move || param(&search(), "trace").unwrap_or_default()
                    on:change=move |ev| s1(&[("trace", &event_target_value(&ev))])/>
                <label for="trace-function">"Function"</label>
                <input id="trace-function" type="search" prop:value=move || param(&search(), "function").unwrap_or_default()
                    on:change=move |ev| s2(&[("function", &event_target_value(&ev))])/>
                <label for="min-ms">"At least (ms)"</label>
                <input id="min-ms" type="number" min="0" prop:value=move || param(&search(), "min_ms").unwrap_or_default()
                    on:change=move |ev| s3(&[("min_ms", &event_target_value(&ev))])/>
                <label><input id="errors-only" type="checkbox" prop:checked=move || param(&search(), "errors").as_deref() == Some("1")
                    on:change=move |ev| s4(&[("errors", if event_target_checked(&ev) { "1" } else { "" })])/>" With errors"</label>
            </div>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    show(data.await, "traces", |t| view! { <TracesBody t/> }.into_any())
                })}
            </Transition>
        </main>
    }
}

#[component]
fn TracesBody(t: TracesData) -> impl IntoView {
    let location = use_location();
    let search = location.search.get_untracked();
    let rows = t
        .found
        .iter()
        .map(|f| {
            let href = query_with(&search, &[("trace", &f.trace_id), ("request", "")]);
            view! {
                <tr class={if f.errors > 0 { "error-row" } else { "" }}>
                    <td><a class="mono" href=href>{f.trace_id.clone()}</a></td>
                    <td>{f.start.clone()}</td>
                    <td>{f.root.clone()}</td>
                    <td class="num">{format::ms(f.duration_ms)}</td>
                    <td class="num">{f.spans}</td>
                    <td class="num">{f.errors}</td>
                </tr>
            }
        })
        .collect_view();
    let logs = t
        .logs
        .iter()
        .map(|l| {
            view! {
                <tr class=format!("log {}", l.severity.to_lowercase())>
                    <td class="mono">{l.time.clone()}</td><td>{l.severity.clone()}</td><td>{l.function.clone()}</td>
                    <td class="mono">{format::short_id(&l.request_id)}</td><td class="body">{l.body.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let empty = t.found.is_empty() && t.trace.is_none() && t.logs.is_empty();
    view! {
        {empty.then(|| view! { <Empty what="traces"/> })}
        {t.trace.clone().map(|(id, svg, n)| view! {
            <h2>{format!("Trace {id}")}</h2>
            <p class="note">{format!("{n} spans; blue: server and internal spans, orange: client calls, red: errors. Hover a bar for its timing.")}</p>
            <Chart id="waterfall" svg/>
        })}
        {(!t.logs_of.is_empty()).then(|| view! {
            <h2>{format!("Logs of {}", t.logs_of)}</h2>
            {if t.logs.is_empty() {
                view! { <p class="note">"No log records."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap"><table id="logs-table">
                        <thead><tr><th>"Time (UTC)"</th><th>"Severity"</th><th>"Function"</th><th>"Request"</th><th>"Message"</th></tr></thead>
                        <tbody>{logs}</tbody>
                    </table></div>
                }.into_any()
            }}
        })}
        {(!t.found.is_empty()).then(|| view! {
            <h2>"Traces"</h2>
            <div class="table-wrap"><table id="traces-table">
                <thead><tr><th>"Trace"</th><th>"Start (UTC)"</th><th>"Root"</th><th class="num">"Duration"</th><th class="num">"Spans"</th><th class="num">"Errors"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table></div>
        })}
        <QueryList queries=t.queries.clone()/>
    }
}
