//! `/`: every function's invocations, errors, cold starts, p95 duration and
//! cost over a time range, with invocations over time as a chart.

// The `#[server]` macro generates an argument struct whose fields cannot carry docs.
#![allow(missing_docs)]

use super::QueryList;
use crate::format;
use crate::model::{Overview, RANGES};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_query_map;

/// The overview's data for a range value (`24h`, `7d`, `30d`).
#[server(input = GetUrl)]
pub async fn get_overview(
    range: String,
    tenant: Option<String>,
) -> Result<Overview, ServerFnError> {
    crate::server::overview(&range, tenant)
        .await
        .map_err(ServerFnError::new)
}

/// The page.
#[component]
pub fn OverviewPage() -> impl IntoView {
    let (range, set_range) = signal("7d".to_string());
    // Set only in the browser, once hydrated: tests and users can tell when
    // the page has become interactive.
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    let query = use_query_map();
    let data = Resource::new(
        move || (range.get(), query.read().get("tenant")),
        |(range, tenant)| get_overview(range, tenant),
    );

    view! {
        <main id="overview" data-hydrated=move || if hydrated.get() { "true" } else { "false" }>
            <div class="toolbar">
                <label for="range">"Time range"</label>
                <select id="range" on:change=move |ev| set_range.set(event_target_value(&ev))>
                    {RANGES
                        .iter()
                        .map(|(value, label, _)| {
                            view! { <option value=*value selected=move || range.get() == *value>{*label}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(o) => view! { <OverviewBody o/> }.into_any(),
                        Err(e) => view! { <p class="error">{format!("Could not load the overview: {e}")}</p> }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}

#[component]
fn OverviewBody(o: Overview) -> impl IntoView {
    let cold_pct = pct(o.total_cold_starts, o.total_invocations);
    let error_pct = pct(o.total_errors, o.total_invocations);
    let rows = o
        .functions
        .iter()
        .map(|f| {
            view! {
                <tr>
                    <td>{f.provider.clone()}</td>
                    <td>{f.function.clone()}</td>
                    <td>{f.region.clone()}</td>
                    <td class="num">{format::count(f.invocations)}</td>
                    <td class="num">{format::pct(f.error_pct)}</td>
                    <td class="num">{format::pct(f.cold_start_pct)}</td>
                    <td class="num">{format::ms(f.p95_duration_ms)}</td>
                    <td class="num">{format::usd(f.cost_pico_usd)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="cards" id="totals" data-range=o.range.clone()>
            <div class="card"><div class="label">"Invocations"</div><div class="value" id="total-invocations">{format::count(o.total_invocations)}</div></div>
            <div class="card"><div class="label">"Cold starts"</div><div class="value" id="total-cold">{format::pct(cold_pct)}</div></div>
            <div class="card"><div class="label">"Errors"</div><div class="value" id="total-errors">{format::pct(error_pct)}</div></div>
            <div class="card"><div class="label">"Cost (list price, USD)"</div><div class="value" id="total-cost">{format::usd(o.total_cost_pico_usd)}</div></div>
        </div>
        <p class="note">{format!("{} to {} (UTC). Cold starts: on-demand inits and SnapStart restores. Cost: list price per invocation, before free tiers and volume discounts.", o.from, o.to)}</p>
        <div id="chart" data-range=o.range.clone() inner_html=o.chart_svg.clone()></div>
        <table id="functions">
            <thead>
                <tr>
                    <th>"Provider"</th><th>"Function"</th><th>"Region"</th>
                    <th class="num">"Invocations"</th><th class="num">"Errors"</th><th class="num">"Cold starts"</th>
                    <th class="num">"p95 duration (≈)"</th><th class="num">"Cost (USD)"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <QueryList queries=o.queries.clone()/>
    }
}

fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}
