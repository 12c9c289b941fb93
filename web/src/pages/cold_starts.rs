//! `/cold-starts`: each function's cold-start rate, INIT's share of cost,
//! and its cold starts by cause, with the rule behind every cause.

// The `#[server]` macro generates an argument struct whose fields cannot carry docs.
#![allow(missing_docs)]

use super::QueryList;
use crate::format;
use crate::model::ColdStarts;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_query_map;

/// The page's data over the last 7 days.
#[server(input = GetUrl)]
pub async fn get_cold_starts(tenant: Option<String>) -> Result<ColdStarts, ServerFnError> {
    crate::server::cold_starts(tenant)
        .await
        .map_err(ServerFnError::new)
}

/// The page.
#[component]
pub fn ColdStartsPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(move || query.read().get("tenant"), get_cold_starts);
    view! {
        <main id="cold-starts">
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(c) => view! { <ColdStartsBody c/> }.into_any(),
                        Err(e) => view! { <p class="error">{format!("Could not load cold starts: {e}")}</p> }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}

#[component]
fn ColdStartsBody(c: ColdStarts) -> impl IntoView {
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
                .map(|n| view! { <td class="num">{*n}</td> })
                .collect_view();
            view! {
                <tr>
                    <td>{l.function.clone()}</td>
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
    view! {
        <p class="note">{format!("Last 7 days. INIT's share of cost by billing era — {eras}.")}</p>
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
        <h3>"How each cold start gets its cause (first rule that matches)"</h3>
        <ol id="cause-rules">{rules}</ol>
        <QueryList queries=c.queries.clone()/>
    }
}
