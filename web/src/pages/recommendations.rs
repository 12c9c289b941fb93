//! `/recommendations`: memory right-sizing advice for every function, by
//! strategy, with the monthly cost now and after, and the reason.

// The `#[server]` macro generates an argument struct whose fields cannot carry docs.
#![allow(missing_docs)]

use super::QueryList;
use crate::format;
use crate::model::Recommendations;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_query_map;

/// Strategies offered, as the analyzer names them.
pub const STRATEGIES: [(&str, &str); 3] = [
    ("cost", "Lowest cost"),
    ("balanced", "Balanced"),
    ("speed", "Fastest"),
];

/// The page's data for a strategy over the last 30 days.
#[server(input = GetUrl)]
pub async fn get_recommendations(
    strategy: String,
    tenant: Option<String>,
) -> Result<Recommendations, ServerFnError> {
    crate::server::recommendations(&strategy, tenant)
        .await
        .map_err(ServerFnError::new)
}

/// The page.
#[component]
pub fn RecommendationsPage() -> impl IntoView {
    let (strategy, set_strategy) = signal("cost".to_string());
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    let query = use_query_map();
    let data = Resource::new(
        move || (strategy.get(), query.read().get("tenant")),
        |(strategy, tenant)| get_recommendations(strategy, tenant),
    );
    view! {
        <main id="recommendations" data-hydrated=move || if hydrated.get() { "true" } else { "false" }>
            <div class="toolbar">
                <label for="strategy">"Strategy"</label>
                <select id="strategy" on:change=move |ev| set_strategy.set(event_target_value(&ev))>
                    {STRATEGIES
                        .iter()
                        .map(|(value, label)| {
                            view! { <option value=*value selected=move || strategy.get() == *value>{*label}</option> }
                        })
                        .collect_view()}
                </select>
                <a href=move || format!("/api/v1/recommendations?strategy={}", strategy.get())>"JSON"</a>
            </div>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(r) => view! { <RecommendationsBody r/> }.into_any(),
                        Err(e) => view! { <p class="error">{format!("Could not load the recommendations: {e}")}</p> }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}

#[component]
fn RecommendationsBody(r: Recommendations) -> impl IntoView {
    let money = |p: Option<i64>| p.map_or_else(|| "–".to_string(), format::usd);
    let rows = r
        .lines
        .iter()
        .map(|l| {
            view! {
                <tr data-status=l.status.clone()>
                    <td>{l.provider.clone()}</td>
                    <td>{l.function.clone()}</td>
                    <td>{l.region.clone()}</td>
                    <td>{l.status.clone()}</td>
                    <td class="num">{l.current_mb}</td>
                    <td class="num">{l.recommended_mb.map_or_else(|| "–".to_string(), |m| m.to_string())}</td>
                    <td class="num">{money(l.monthly_now_pico)}</td>
                    <td class="num">{money(l.monthly_after_pico)}</td>
                    <td class="num">{money(l.savings_pico)}</td>
                    <td>{l.risk.clone()}</td>
                    <td class="note">{l.reason.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="cards" id="rec-totals" data-strategy=r.strategy.clone()>
            <div class="card"><div class="label">"Monthly savings of the advice (USD)"</div><div class="value" id="total-savings">{format::usd(r.total_savings_pico)}</div></div>
        </div>
        <p class="note">{format!("Strategy {}; volumes from the last {:.0} days at list prices. Sizes are never below the p99 of memory used plus headroom, nor below the largest seen.", r.strategy, r.window_days)}</p>
        <table id="recommendation-table">
            <thead>
                <tr>
                    <th>"Provider"</th><th>"Function"</th><th>"Region"</th><th>"Advice"</th>
                    <th class="num">"Now (MB)"</th><th class="num">"Advised (MB)"</th>
                    <th class="num">"Cost/month now"</th><th class="num">"After"</th><th class="num">"Savings"</th>
                    <th>"Risk"</th><th>"Why"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <QueryList queries=r.queries.clone()/>
    }
}
