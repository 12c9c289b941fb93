//! `/functions`: every function with invocations in the range — provider,
//! region, runtime, architecture, memory, invocations, errors, cold
//! starts, duration percentiles, memory used against configured, cost and
//! a right-sizing badge. Filters and sort live in the URL (`provider`,
//! `q`, `sort`, `dir`).

// The `#[server]` macro generates an argument struct whose fields cannot carry docs.
#![allow(missing_docs)]

use crate::components::{
    param, scoped_href, show, use_hydrated, use_set_params, Empty, Loading, QueryList, RangePicker,
};
use crate::format;
use crate::model::QueryTrace;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_location;
use serde::{Deserialize, Serialize};

/// The sortable columns: URL value and heading.
pub const COLUMNS: &[(&str, &str)] = &[
    ("function", "Function"),
    ("runtime", "Runtime"),
    ("memory", "Memory"),
    ("invocations", "Invocations"),
    ("errors", "Errors"),
    ("cold", "Cold starts"),
    ("p50", "p50"),
    ("p95", "p95"),
    ("p99", "p99"),
    ("used", "Memory used"),
    ("cost", "Cost"),
];

/// One row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Function name.
    pub name: String,
    /// Provider.
    pub provider: String,
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// Its page.
    pub href: String,
    /// Runtime.
    pub runtime: String,
    /// Architecture.
    pub arch: String,
    /// Memory configured, MB.
    pub memory_mb: u32,
    /// Invocations.
    pub invocations: u64,
    /// Errors, %.
    pub error_pct: f64,
    /// Cold starts, %.
    pub cold_pct: f64,
    /// Duration percentiles, ms.
    pub p50_ms: f64,
    /// p95, ms.
    pub p95_ms: f64,
    /// p99, ms.
    pub p99_ms: f64,
    /// Most memory used, MB (0: unreported).
    pub used_mb: u32,
    /// List cost, pico-USD.
    pub cost_pico: i64,
    /// Right-sizing: advised memory and monthly saving (pico-USD).
    pub advice: Option<(u32, i64)>,
}

/// The table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionsData {
    /// Range label.
    pub label: String,
    /// Providers present (for the filter).
    pub providers: Vec<String>,
    /// Rows, filtered and sorted as asked.
    pub rows: Vec<Row>,
    /// Functions before filtering.
    pub total: usize,
    /// Queries behind the numbers.
    pub queries: Vec<QueryTrace>,
}

/// The table for the URL query `query`.
#[server(input = GetUrl)]
pub async fn get_functions(query: String) -> Result<FunctionsData, ServerFnError> {
    data::load(&query).await
}

#[cfg(feature = "ssr")]
mod data {
    use super::*;
    use crate::server::{analysis_error, page_scope, trace};
    use faasight_analyzer::explore::functions_table;
    use faasight_analyzer::reports::rightsizing::rightsizing_report;
    use faasight_analyzer::rightsizing::{RightsizingOptions, Status};
    use std::collections::HashMap;

    pub async fn load(query: &str) -> Result<FunctionsData, ServerFnError> {
        let s = page_scope(query).await?;
        let sort = s.param("sort").unwrap_or("cost").to_string();
        if !COLUMNS.iter().any(|(c, _)| *c == sort) {
            return Err(ServerFnError::new(format!(
                "cannot sort by {sort:?}; the columns are {}",
                COLUMNS.iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
            )));
        }
        let ascending = s.param("dir") == Some("asc");
        let (table, advice) = tokio::try_join!(
            functions_table(&s.store, s.tenant(), s.range),
            rightsizing_report(&s.store, s.tenant(), s.range, RightsizingOptions::default()),
        )
        .map_err(analysis_error)?;
        let (lines, table_q) = table;
        let advised: HashMap<(String, String, String, String), (u32, i64)> = advice
            .recommendations
            .iter()
            .filter(|r| r.status == Status::Recommend)
            .filter_map(|r| {
                Some((
                    (
                        r.provider.clone(),
                        r.account.clone(),
                        r.region.clone(),
                        r.function.clone(),
                    ),
                    (r.recommended_memory_mb?, r.monthly_savings?.0),
                ))
            })
            .collect();
        let pct = |part: u64, whole: u64| {
            if whole == 0 {
                0.0
            } else {
                100.0 * part as f64 / whole as f64
            }
        };
        let mut providers: Vec<String> = lines.iter().map(|l| l.key.provider.clone()).collect();
        providers.sort();
        providers.dedup();
        let total = lines.len();
        let needle = s.param("q").map(str::to_lowercase);
        let provider = s.param("provider");
        let mut rows: Vec<Row> = lines
            .into_iter()
            .filter(|l| provider.is_none_or(|p| l.key.provider == p))
            .filter(|l| {
                needle.as_ref().is_none_or(|n| {
                    l.key.path().to_lowercase().contains(n) || l.runtime.to_lowercase().contains(n)
                })
            })
            .map(|l| Row {
                href: format::function_href(
                    &l.key.provider,
                    &l.key.account,
                    &l.key.region,
                    &l.key.function,
                ),
                advice: advised
                    .get(&(
                        l.key.provider.clone(),
                        l.key.account.clone(),
                        l.key.region.clone(),
                        l.key.function.clone(),
                    ))
                    .copied(),
                name: l.key.function,
                provider: l.key.provider,
                account: l.key.account,
                region: l.key.region,
                runtime: l.runtime,
                arch: l.arch,
                memory_mb: l.memory_mb,
                error_pct: pct(l.errors, l.invocations),
                cold_pct: pct(l.cold_starts, l.invocations),
                invocations: l.invocations,
                p50_ms: l.p50_duration_ms,
                p95_ms: l.p95_duration_ms,
                p99_ms: l.p99_duration_ms,
                used_mb: l.max_memory_used_mb,
                cost_pico: l.cost_usd.0,
            })
            .collect();
        let key = |r: &Row| -> f64 {
            match sort.as_str() {
                "memory" => f64::from(r.memory_mb),
                "invocations" => r.invocations as f64,
                "errors" => r.error_pct,
                "cold" => r.cold_pct,
                "p50" => r.p50_ms,
                "p95" => r.p95_ms,
                "p99" => r.p99_ms,
                "used" => f64::from(r.used_mb),
                _ => r.cost_pico as f64,
            }
        };
        match sort.as_str() {
            "function" => rows.sort_by(|a, b| a.name.cmp(&b.name)),
            "runtime" => rows.sort_by(|a, b| a.runtime.cmp(&b.runtime).then(a.name.cmp(&b.name))),
            _ => rows.sort_by(|a, b| key(a).total_cmp(&key(b)).then(a.name.cmp(&b.name))),
        }
        // Text sorts read A→Z by default, numbers largest first; `dir`
        // turns either around.
        let text = matches!(sort.as_str(), "function" | "runtime");
        let descending = if text {
            s.param("dir") == Some("desc")
        } else {
            !ascending
        };
        if descending {
            rows.reverse();
        }
        let mut queries = vec![trace("Every column but the badge", table_q)];
        queries.extend(
            advice
                .queries
                .into_iter()
                .map(|q| trace("The right-sizing badge", q)),
        );
        Ok(FunctionsData {
            label: s.label.clone(),
            providers,
            rows,
            total,
            queries,
        })
    }
}

/// The page.
#[component]
pub fn FunctionsPage() -> impl IntoView {
    let hydrated = use_hydrated();
    let location = use_location();
    let data = Resource::new(move || location.search.get(), get_functions);
    let set = use_set_params();
    let search = move || location.search.get();
    let set_q = set.clone();
    view! {
        <main id="functions" data-hydrated=move || hydrated.get().to_string()>
            <div class="toolbar">
                <h1>"Functions"</h1>
                <RangePicker/>
                <label for="filter">"Filter"</label>
                <input id="filter" type="search" placeholder="name, account, region, runtime"
                    prop:value=move || param(&search(), "q").unwrap_or_default()
                    on:change=move |ev| set_q(&[("q", &event_target_value(&ev))])/>
            </div>
            <Transition fallback=Loading>
                {move || {
                    let set = set.clone();
                    Suspend::new(async move {
                        show(data.await, "the functions", move |d| {
                            if d.total == 0 {
                                view! { <Empty what="invocations"/> }.into_any()
                            } else {
                                view! { <FunctionsTable d set/> }.into_any()
                            }
                        })
                    })
                }}
            </Transition>
        </main>
    }
}

#[component]
fn FunctionsTable(
    d: FunctionsData,
    set: impl Fn(&[(&str, &str)]) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let location = use_location();
    let search = location.search.get_untracked();
    let sort = param(&search, "sort").unwrap_or_else(|| "cost".into());
    let dir = param(&search, "dir").unwrap_or_default();
    let provider = param(&search, "provider").unwrap_or_default();
    let set_provider = set.clone();
    let providers = d
        .providers
        .iter()
        .map(|p| view! { <option value=p.clone() selected=*p == provider>{p.clone()}</option> })
        .collect_view();
    let heads = COLUMNS
        .iter()
        .map(|(col, title)| {
            let active = *col == sort;
            let text = *col == "function" || *col == "runtime";
            // The default direction (A→Z for text, largest first for
            // numbers) is the empty `dir`; a click on the active column
            // turns it around.
            let (flipped, up) = if text { ("desc", dir != "desc") } else { ("asc", dir == "asc") };
            let next_dir = if active && dir.is_empty() { flipped } else { "" };
            let arrow = if !active { "" } else if up { " ▲" } else { " ▼" };
            let href = crate::components::query_with(&search, &[("sort", col), ("dir", next_dir)]);
            let class = if *col == "function" || *col == "runtime" { "" } else { "num" };
            view! {
                <th class=class aria-sort=if active { if up { "ascending" } else { "descending" } } else { "none" }>
                    <a href=href data-sort=*col>{format!("{title}{arrow}")}</a>
                </th>
            }
        })
        .collect_view();
    let rows = d
        .rows
        .iter()
        .map(|r| {
            let used = if r.used_mb == 0 {
                "—".to_string()
            } else {
                format!("{} / {}", format::mb(r.used_mb), format::mb(r.memory_mb))
            };
            let badge = r.advice.map(|(mb, saving)| {
                view! { <span class="badge advise" title="Right-sizing advice">{format!("→ {} · save {}/mo", format::mb(mb), format::usd(saving))}</span> }
            });
            view! {
                <tr data-function=r.name.clone()>
                    <td><a href=scoped_href(&r.href, &search)>{r.name.clone()}</a>
                        <div class="sub">{format!("{} · {} · {}", r.provider, r.region, r.account)}</div>{badge}</td>
                    <td>{r.runtime.clone()}<div class="sub">{r.arch.clone()}</div></td>
                    <td class="num">{format::mb(r.memory_mb)}</td>
                    <td class="num">{format::count(r.invocations)}</td>
                    <td class="num">{format::pct(r.error_pct)}</td>
                    <td class="num">{format::pct(r.cold_pct)}</td>
                    <td class="num">{format::ms(r.p50_ms)}</td>
                    <td class="num">{format::ms(r.p95_ms)}</td>
                    <td class="num">{format::ms(r.p99_ms)}</td>
                    <td class="num">{used}</td>
                    <td class="num cost">{format::usd(r.cost_pico)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="toolbar">
            <label for="provider">"Provider"</label>
            <select id="provider" on:change=move |ev| set_provider(&[("provider", &event_target_value(&ev))])>
                <option value="" selected=provider.is_empty()>"All providers"</option>
                {providers}
            </select>
            <span class="note" id="shown">{format!("{} of {} functions · {} · durations are t-digest estimates; cost is list price", d.rows.len(), d.total, d.label)}</span>
        </div>
        <div class="table-wrap">
            <table id="functions-table">
                <thead><tr>{heads}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <QueryList queries=d.queries.clone()/>
    }
}
