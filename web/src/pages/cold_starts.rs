//! `/cold-starts`: cold-start rates and causes as charts (by function,
//! runtime and memory), INIT duration by runtime, the table of every
//! function with its causes, and an interactive keep-alive /
//! provisioned-concurrency what-if that replays the recorded arrivals in
//! the browser session without reloading the page.

// The `#[server]` macro generates an argument struct whose fields cannot carry docs.
#![allow(missing_docs)]

use crate::components::{scoped_href, show, use_hydrated, Empty, Loading, QueryList, RangePicker};
use crate::format;
use crate::model::QueryTrace;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_location;
use serde::{Deserialize, Serialize};

/// One function's cold starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColdStartLine {
    /// Function name.
    pub name: String,
    /// `provider/account/region/function`.
    pub key: String,
    /// Its page.
    pub href: String,
    /// Invocations.
    pub invocations: u64,
    /// Cold starts.
    pub cold_starts: u64,
    /// Cold starts, %.
    pub cold_start_pct: f64,
    /// INIT's share of cost, %.
    pub init_cost_share_pct: f64,
    /// Counts by cause, in the order of [`ColdStartsData::causes`].
    pub by_cause: Vec<u64>,
    /// Estimated keep-alive, minutes.
    pub keep_alive_minutes: f64,
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColdStartsData {
    /// Range label.
    pub label: String,
    /// Cause names, in precedence order.
    pub causes: Vec<String>,
    /// The rule behind each cause.
    pub rules: Vec<String>,
    /// One line per function, most cold starts first.
    pub lines: Vec<ColdStartLine>,
    /// Charts: by function, by runtime, by memory, INIT by runtime.
    pub charts: Vec<(String, String)>,
    /// INIT's share of cost by billing era.
    pub init_eras: Vec<(String, f64)>,
    /// What the imported configuration says about functions' cold starts:
    /// (function name, finding).
    pub configuration: Vec<(String, String)>,
    /// Queries.
    pub queries: Vec<QueryTrace>,
}

/// The page's data.
#[server(input = GetUrl)]
pub async fn get_cold_starts(query: String) -> Result<ColdStartsData, ServerFnError> {
    data::load(&query).await
}

/// What the what-if answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhatIfResult {
    /// Invocations replayed.
    pub invocations: u64,
    /// Cold starts with no keep-alive (every idle minute cold).
    pub cold_without: u64,
    /// Cold starts with the keep-alive.
    pub cold_with_keep_alive: u64,
    /// Idle instance-minutes the keep-alive costs the platform.
    pub idle_minutes: u64,
    /// Cold starts with provisioned instances on top of the keep-alive.
    pub cold_with_provisioned: u64,
    /// Provisioned instance-minutes.
    pub provisioned_minutes: u64,
    /// Their list price, pico-USD.
    pub provisioned_cost_pico: i64,
}

/// Replays the recorded per-minute arrivals of `function` (a
/// `provider/account/region/function` key, or empty for all) under a
/// keep-alive and `instances` provisioned instances in UTC hours
/// `from_hour..=to_hour`.
#[server(input = GetUrl)]
pub async fn what_if(
    query: String,
    function: String,
    keep_alive_minutes: u32,
    instances: u32,
    from_hour: u32,
    to_hour: u32,
    memory_mb: u32,
) -> Result<WhatIfResult, ServerFnError> {
    data::what_if(
        &query,
        &function,
        keep_alive_minutes,
        instances,
        from_hour,
        to_hour,
        memory_mb,
    )
    .await
}

#[cfg(feature = "ssr")]
mod data {
    use super::*;
    use crate::chart::bars;
    use crate::server::{analysis_error, page_scope, trace};
    use faasight_analyzer::cold_start::Cause;
    use faasight_analyzer::keep_alive::{
        arrivals_per_minute, provisioned_cost, replay, replay_provisioned, ProvisionedPolicy,
    };
    use faasight_analyzer::reports::cold_starts::{cold_start_rates, cold_starts_report, RatesBy};

    pub async fn load(query: &str) -> Result<ColdStartsData, ServerFnError> {
        let s = page_scope(query).await?;
        let by = |name| RatesBy::parse(name).map_err(analysis_error);
        let (by_runtime, by_memory) = (by("runtime")?, by("memory")?);
        let (report, (runtime, runtime_q), (memory, memory_q)) = tokio::try_join!(
            cold_starts_report(&s.store, s.tenant(), s.range, RatesBy::FUNCTION),
            cold_start_rates(&s.store, s.tenant(), s.range, by_runtime),
            cold_start_rates(&s.store, s.tenant(), s.range, by_memory),
        )
        .map_err(analysis_error)?;
        let by_function: std::collections::HashMap<&str, _> = report
            .functions
            .iter()
            .map(|f| (f.function.as_str(), f))
            .collect();
        let mut lines: Vec<ColdStartLine> = report
            .rates
            .rows
            .iter()
            .map(|r| {
                let f = by_function.get(r.key.as_str());
                let parts: Vec<&str> = r.key.splitn(4, '/').collect();
                let href = if parts.len() == 4 {
                    format::function_href(parts[0], parts[1], parts[2], parts[3])
                } else {
                    String::new()
                };
                ColdStartLine {
                    name: parts.last().copied().unwrap_or_default().to_string(),
                    key: r.key.clone(),
                    href,
                    invocations: r.invocations,
                    cold_starts: r.cold_starts,
                    cold_start_pct: r.cold_start_pct,
                    init_cost_share_pct: r.init_cost_share_pct,
                    by_cause: Cause::ALL
                        .iter()
                        .map(|&c| f.map_or(0, |f| f.by_cause.get(c)))
                        .collect(),
                    keep_alive_minutes: f
                        .map_or(0.0, |f| f.keep_alive.keep_alive_ms as f64 / 60_000.0),
                }
            })
            .collect();
        lines.sort_by(|a, b| b.cold_starts.cmp(&a.cold_starts).then(a.key.cmp(&b.key)));
        let pct = |v: f64| format!("{v:.1} %");
        let top: Vec<(String, f64)> = {
            let mut v: Vec<_> = lines.iter().filter(|l| l.cold_starts > 0).collect();
            v.sort_by(|a, b| b.cold_start_pct.total_cmp(&a.cold_start_pct));
            v.iter()
                .take(12)
                .map(|l| (l.name.clone(), l.cold_start_pct))
                .collect()
        };
        let rows_of =
            |t: &faasight_analyzer::cold_start::RateTable, suffix: &str| -> Vec<(String, f64)> {
                t.rows
                    .iter()
                    .map(|r| (format!("{}{suffix}", r.key), r.cold_start_pct))
                    .collect()
            };
        let init: Vec<(String, f64)> = runtime
            .rows
            .iter()
            .filter_map(|r| Some((r.key.clone(), r.init_ms_p50?)))
            .collect();
        let init90: Vec<(String, f64)> = runtime
            .rows
            .iter()
            .filter_map(|r| Some((r.key.clone(), r.init_ms_p90?)))
            .collect();
        let e = ServerFnError::new;
        let charts = vec![
            (
                "by-function".to_string(),
                bars(
                    "Cold-start rate: the 12 highest functions",
                    "cold starts, % of invocations",
                    &top,
                    &pct,
                )
                .map_err(e)?,
            ),
            (
                "by-runtime".to_string(),
                bars(
                    "Cold-start rate by runtime",
                    "cold starts, % of invocations",
                    &rows_of(&runtime, ""),
                    &pct,
                )
                .map_err(e)?,
            ),
            (
                "by-memory".to_string(),
                bars(
                    "Cold-start rate by memory size",
                    "cold starts, % of invocations",
                    &rows_of(&memory, " MB"),
                    &pct,
                )
                .map_err(e)?,
            ),
            (
                "init-p50".to_string(),
                bars("INIT duration by runtime, median", "ms", &init, &|v| {
                    format!("{v:.0} ms")
                })
                .map_err(e)?,
            ),
            (
                "init-p90".to_string(),
                bars("INIT duration by runtime, p90", "ms", &init90, &|v| {
                    format!("{v:.0} ms")
                })
                .map_err(e)?,
            ),
        ];
        let mut queries: Vec<QueryTrace> = report
            .queries
            .into_iter()
            .map(|q| trace("The table and the by-function chart", q))
            .collect();
        queries.push(trace("By runtime, INIT by runtime", runtime_q));
        queries.push(trace("By memory", memory_q));
        Ok(ColdStartsData {
            label: s.label.clone(),
            causes: Cause::ALL.iter().map(|c| c.to_string()).collect(),
            rules: report
                .cause_rules
                .iter()
                .map(|r| r.rule.to_string())
                .collect(),
            lines,
            charts,
            configuration: report
                .configuration
                .iter()
                .flat_map(|c| {
                    let name = c
                        .function
                        .rsplit('/')
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    c.findings.iter().map(move |f| (name.clone(), f.clone()))
                })
                .collect(),
            init_eras: report
                .init_billing_eras
                .rows
                .iter()
                .map(|r| (r.key.clone(), r.init_cost_share_pct))
                .collect(),
            queries,
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn what_if(
        query: &str,
        function: &str,
        keep_alive: u32,
        instances: u32,
        from_hour: u32,
        to_hour: u32,
        memory_mb: u32,
    ) -> Result<WhatIfResult, ServerFnError> {
        if keep_alive > 24 * 60
            || instances > 1000
            || from_hour > 23
            || to_hour > 23
            || from_hour > to_hour
        {
            return Err(ServerFnError::new(
                "keep-alive is 0–1440 minutes, instances 0–1000, hours 0–23 with from ≤ to",
            ));
        }
        if !(128..=10_240).contains(&memory_mb) {
            return Err(ServerFnError::new("memory is 128–10240 MB"));
        }
        let s = page_scope(query).await?;
        let first_minute = ((s.range.from.timestamp() / 60) % 1440) as u32;
        let series: Vec<Vec<u32>> = arrivals_per_minute(&s.store, s.tenant(), s.range)
            .await
            .map_err(analysis_error)?
            .into_iter()
            .filter(|(key, _)| function.is_empty() || key == function)
            .map(|(_, c)| c)
            .collect();
        let without = replay(series.iter().map(Vec::as_slice), 0);
        let with = replay(series.iter().map(Vec::as_slice), keep_alive);
        let policy =
            ProvisionedPolicy::parse(&format!("{from_hour}-{to_hour}:{instances}"), keep_alive)
                .map_err(analysis_error)?;
        let provisioned =
            replay_provisioned(series.iter().map(Vec::as_slice), first_minute, &policy);
        Ok(WhatIfResult {
            invocations: with.invocations,
            cold_without: without.cold_starts,
            cold_with_keep_alive: with.cold_starts,
            idle_minutes: with.idle_instance_minutes,
            cold_with_provisioned: provisioned.cold_starts,
            provisioned_minutes: provisioned.provisioned_instance_minutes,
            provisioned_cost_pico: provisioned_cost(
                provisioned.provisioned_instance_minutes,
                memory_mb,
                chrono::Utc::now(),
            )
            .0,
        })
    }
}

/// The page.
#[component]
pub fn ColdStartsPage() -> impl IntoView {
    let hydrated = use_hydrated();
    let location = use_location();
    let data = Resource::new(move || location.search.get(), get_cold_starts);
    view! {
        <main id="cold-starts" data-hydrated=move || hydrated.get().to_string()>
            <div class="toolbar"><h1>"Cold starts"</h1><RangePicker/></div>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    show(data.await, "cold starts", |c| {
                        if c.lines.is_empty() {
                            view! { <Empty what="invocations"/> }.into_any()
                        } else {
                            view! { <ColdStartsBody c/> }.into_any()
                        }
                    })
                })}
            </Transition>
        </main>
    }
}

/// The what-if: inputs are signals; the result is a resource of them, so
/// moving a slider asks the server again and redraws only the result.
#[component]
fn WhatIfPanel(functions: Vec<(String, String)>) -> impl IntoView {
    let location = use_location();
    let (function, set_function) = signal(String::new());
    let (keep_alive, set_keep_alive) = signal(10u32);
    let (instances, set_instances) = signal(0u32);
    let (from_hour, set_from_hour) = signal(8u32);
    let (to_hour, set_to_hour) = signal(19u32);
    let (memory, set_memory) = signal(1024u32);
    let result = Resource::new(
        move || {
            (
                location.search.get(),
                function.get(),
                keep_alive.get(),
                instances.get(),
                from_hour.get(),
                to_hour.get(),
                memory.get(),
            )
        },
        |(q, f, k, i, a, b, m)| what_if(q, f, k, i, a, b, m),
    );
    let number = |ev: &leptos::ev::Event| event_target_value(ev).parse::<u32>().unwrap_or(0);
    let options = functions
        .into_iter()
        .map(|(key, name)| view! { <option value=key>{name}</option> })
        .collect_view();
    view! {
        <section class="card wide" id="what-if">
            <h2>"What if: keep-alive and provisioned concurrency"</h2>
            <p class="note">"Replays the recorded arrivals of the range minute by minute. A minute with invocations after more idle minutes than the keep-alive starts cold; provisioned instances keep their hours warm and are priced at AWS Lambda's Provisioned Concurrency rate (us-east-1, x86_64)."</p>
            <div class="controls">
                <label>"Function"
                    <select id="wi-function" on:change=move |ev| set_function.set(event_target_value(&ev))>
                        <option value="">"All functions"</option>
                        {options}
                    </select>
                </label>
                <label>{move || format!("Keep-alive: {} min", keep_alive.get())}
                    <input id="wi-keep-alive" type="range" min="0" max="60" step="1" prop:value=move || keep_alive.get().to_string()
                        on:input=move |ev| set_keep_alive.set(number(&ev))/>
                </label>
                <label>{move || format!("Provisioned instances: {}", instances.get())}
                    <input id="wi-instances" type="range" min="0" max="20" step="1" prop:value=move || instances.get().to_string()
                        on:input=move |ev| set_instances.set(number(&ev))/>
                </label>
                <label>"From hour (UTC)"
                    <input id="wi-from" type="number" min="0" max="23" prop:value=move || from_hour.get().to_string()
                        on:change=move |ev| set_from_hour.set(number(&ev))/>
                </label>
                <label>"To hour (UTC)"
                    <input id="wi-to" type="number" min="0" max="23" prop:value=move || to_hour.get().to_string()
                        on:change=move |ev| set_to_hour.set(number(&ev))/>
                </label>
                <label>"Memory per instance (MB)"
                    <input id="wi-memory" type="number" min="128" max="10240" step="64" prop:value=move || memory.get().to_string()
                        on:change=move |ev| set_memory.set(number(&ev))/>
                </label>
            </div>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    show(result.await, "the what-if", |w| {
                        let pct = |c: u64| if w.invocations == 0 { 0.0 } else { 100.0 * c as f64 / w.invocations as f64 };
                        view! {
                            <table id="what-if-result" data-keep-alive=keep_alive.get_untracked().to_string()>
                                <thead><tr><th>"Policy"</th><th class="num">"Cold starts"</th><th class="num">"% of invocations"</th><th class="num">"Cost"</th></tr></thead>
                                <tbody>
                                    <tr><td>"No keep-alive"</td><td class="num">{format::count(w.cold_without)}</td><td class="num">{format::pct(pct(w.cold_without))}</td><td class="num">"—"</td></tr>
                                    <tr><td>"Keep-alive"</td><td class="num" id="wi-cold">{format::count(w.cold_with_keep_alive)}</td><td class="num">{format::pct(pct(w.cold_with_keep_alive))}</td>
                                        <td class="num">{format!("{} idle instance-minutes (the platform's)", format::count(w.idle_minutes))}</td></tr>
                                    <tr><td>"Keep-alive + provisioned"</td><td class="num" id="wi-cold-provisioned">{format::count(w.cold_with_provisioned)}</td><td class="num">{format::pct(pct(w.cold_with_provisioned))}</td>
                                        <td class="num" id="wi-cost">{format!("{} for {} instance-minutes", format::usd(w.provisioned_cost_pico), format::count(w.provisioned_minutes))}</td></tr>
                                </tbody>
                            </table>
                            <p class="note">{format!("{} invocations replayed.", format::count(w.invocations))}</p>
                        }
                        .into_any()
                    })
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ColdStartsBody(c: ColdStartsData) -> impl IntoView {
    let location = use_location();
    let search = location.search.get_untracked();
    let heads = c
        .causes
        .iter()
        .map(|name| view! { <th class="num">{name.clone()}</th> })
        .collect_view();
    let rows = c
        .lines
        .iter()
        .map(|l| {
            let causes = l
                .by_cause
                .iter()
                .map(|n| view! { <td class="num">{format::count(*n)}</td> })
                .collect_view();
            let parts: Vec<&str> = l.key.splitn(4, '/').collect();
            view! {
                <tr>
                    <td><a href=scoped_href(&l.href, &search)>{l.name.clone()}</a>
                        <div class="sub">{parts[..parts.len().saturating_sub(1)].join(" · ")}</div></td>
                    <td class="num">{format::count(l.invocations)}</td>
                    <td class="num">{format::count(l.cold_starts)}</td>
                    <td class="num">{format::pct(l.cold_start_pct)}</td>
                    <td class="num">{format::pct(l.init_cost_share_pct)}</td>
                    {causes}
                    <td class="num">{format!("{:.1} min", l.keep_alive_minutes)}</td>
                </tr>
            }
        })
        .collect_view();
    let rules = c
        .causes
        .iter()
        .zip(&c.rules)
        .map(|(name, rule)| view! { <li><b>{name.clone()}</b>": "{rule.clone()}</li> })
        .collect_view();
    let eras = c
        .init_eras
        .iter()
        .map(|(era, pct)| format!("{era}: {}", format::pct(*pct)))
        .collect::<Vec<_>>()
        .join("; ");
    let charts = c
        .charts
        .iter()
        .map(|(id, svg)| view! { <div class="chart half" id=format!("chart-{id}") inner_html=svg.clone()></div> })
        .collect_view();
    let functions: Vec<(String, String)> = c
        .lines
        .iter()
        .filter(|l| l.cold_starts > 0)
        .map(|l| (l.key.clone(), l.name.clone()))
        .collect();
    view! {
        <p class="note">{format!("{}. INIT's share of cost by billing era — {eras}.", c.label)}</p>
        <div class="chart-grid">{charts}</div>
        <WhatIfPanel functions/>
        <h2>"By function"</h2>
        <div class="table-wrap">
            <table id="cold-start-table">
                <thead>
                    <tr>
                        <th>"Function"</th><th class="num">"Invocations"</th><th class="num">"Cold starts"</th>
                        <th class="num">"Cold %"</th><th class="num">"INIT cost %"</th>
                        {heads}
                        <th class="num">"Keep-alive (est.)"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {(!c.configuration.is_empty()).then(|| view! {
            <h3>"What the configuration inventory adds"</h3>
            <ul id="configuration-findings">
                {c.configuration.iter().map(|(name, finding)| view! { <li><b>{name.clone()}</b>": "{finding.clone()}</li> }).collect_view()}
            </ul>
        })}
        <h3>"How each cold start gets its cause (first rule that matches)"</h3>
        <ol id="cause-rules">{rules}</ol>
        <QueryList queries=c.queries.clone()/>
    }
}
