//! One module per route: its component and the server functions it calls.

pub mod cold_starts;
pub mod overview;
pub mod recommendations;

use crate::model::QueryTrace;
use leptos::prelude::*;

/// The queries behind a page's numbers, folded away under one summary line,
/// each with the part of the page it feeds and its bound parameters.
#[component]
pub fn QueryList(
    /// The queries, in the order the page uses them.
    queries: Vec<QueryTrace>,
) -> impl IntoView {
    let items = queries
        .into_iter()
        .map(|q| {
            view! {
                <h4>{q.feeds}</h4>
                <pre>{q.sql}</pre>
                <p class="note">"Parameters: " {q.params.join(", ")}</p>
            }
        })
        .collect_view();
    view! {
        <details>
            <summary>"Queries behind these numbers"</summary>
            {items}
        </details>
    }
}
