//! Pieces every page uses: the time-range picker, the loading, empty and
//! error states, charts, cards and the list of queries behind a page.

use crate::model::{QueryTrace, RANGES};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

/// `search` (a URL query without `?`) with `set` pairs replaced (an empty
/// value removes the parameter), as `?a=b&…` (or empty).
pub fn query_with(search: &str, set: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((decode(k)?, decode(v)?))
        })
        .filter(|(k, _)| !set.iter().any(|(name, _)| name == k))
        .collect();
    pairs.extend(
        set.iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    if pairs.is_empty() {
        return String::new();
    }
    let encoded: Vec<String> = pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                crate::format::url_component(k),
                crate::format::url_component(v)
            )
        })
        .collect();
    format!("?{}", encoded.join("&"))
}

/// Percent-decoding of a query component (`+` is a space).
pub fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// A link to `path` keeping the current tenant and time range.
pub fn scoped_href(path: &str, search: &str) -> String {
    let keep: Vec<(String, String)> = ["tenant", "range", "from", "to"]
        .iter()
        .filter_map(|k| {
            let v = param(search, k)?;
            Some((k.to_string(), v))
        })
        .collect();
    let set: Vec<(&str, &str)> = keep.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (base, own) = path.split_once('?').unwrap_or((path, ""));
    format!("{base}{}", query_with(own, &set))
}

/// The value of `name` in a URL query.
pub fn param(search: &str, name: &str) -> Option<String> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|p| p.split_once('=').or(Some((p, ""))))
        .find(|(k, _)| decode(k).as_deref() == Some(name))
        .and_then(|(_, v)| decode(v))
        .filter(|v| !v.is_empty())
}

/// Navigates to the current path with `set` applied to its query.
pub fn use_set_params() -> impl Fn(&[(&str, &str)]) + Clone + 'static {
    let location = use_location();
    let navigate = use_navigate();
    move |set: &[(&str, &str)]| {
        let path = location.pathname.get_untracked();
        let search = location.search.get_untracked();
        navigate(
            &format!("{path}{}", query_with(&search, set)),
            Default::default(),
        );
    }
}

/// Presets and custom dates; the choice lives in the URL (`range`, or
/// `from` and `to`), so a link reproduces the view.
#[component]
pub fn RangePicker() -> impl IntoView {
    let location = use_location();
    let set = use_set_params();
    let search = move || location.search.get();
    let custom = move || param(&search(), "from").is_some();
    let current = move || {
        if custom() {
            "custom".to_string()
        } else {
            param(&search(), "range").unwrap_or_else(|| crate::model::DEFAULT_RANGE.to_string())
        }
    };
    let on_preset = {
        let set = set.clone();
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            if v != "custom" {
                set(&[("range", &v), ("from", ""), ("to", "")]);
            }
        }
    };
    let set_from = set.clone();
    let set_to = set;
    view! {
        <div class="range-picker">
            <label for="range">"Time range"</label>
            <select id="range" on:change=on_preset>
                {RANGES
                    .iter()
                    .map(|(value, label, _)| {
                        view! { <option value=*value selected=move || current() == *value>{*label}</option> }
                    })
                    .collect_view()}
                <option value="custom" selected=custom>"Custom dates"</option>
            </select>
            <label for="range-from">"From"</label>
            <input id="range-from" type="date" prop:value=move || param(&search(), "from").unwrap_or_default()
                on:change=move |ev| set_from(&[("from", &event_target_value(&ev)), ("range", "")])/>
            <label for="range-to">"To"</label>
            <input id="range-to" type="date" prop:value=move || param(&search(), "to").unwrap_or_default()
                on:change=move |ev| set_to(&[("to", &event_target_value(&ev)), ("range", "")])/>
        </div>
    }
}

/// Shown while a page's data loads.
#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="loading" role="status">"Loading…"</p> }
}

/// Shown when a range has no data: what to do about it.
#[component]
pub fn Empty(
    /// What there is none of ("invocations", "traces").
    what: &'static str,
) -> impl IntoView {
    view! {
        <div class="empty" id="empty">
            <p><b>{format!("No {what} in this time range.")}</b></p>
            <p class="note">
                "Pick a longer range, or send data: OTLP to the collector (port 4318, /v1/traces), "
                "Lambda Telemetry API or CloudWatch Logs subscriptions (/v1/lambda/telemetry, /v1/cloudwatch), "
                "Firehose (/v1/firehose), NDJSON (/v1/invocations) or `faasight import`. "
                "`faasight up --demo` loads a demo fleet."
            </p>
        </div>
    }
}

/// A page's data, its error (a sentence and where to look), or nothing.
pub fn show<T>(
    result: Result<T, ServerFnError>,
    what: &'static str,
    body: impl FnOnce(T) -> AnyView,
) -> AnyView {
    match result {
        Ok(data) => body(data),
        Err(e) => {
            let message = match e {
                ServerFnError::ServerError(m) => m,
                other => other.to_string(),
            };
            view! { <p class="error" role="alert">{format!("Could not load {what}: {message}")}</p> }
                .into_any()
        }
    }
}

/// A chart drawn on the server (SVG markup).
#[component]
pub fn Chart(
    /// Element id, for tests and links.
    id: &'static str,
    /// The SVG document.
    svg: String,
) -> impl IntoView {
    view! { <div class="chart" id=id inner_html=svg></div> }
}

/// A headline number with its label.
#[component]
pub fn Card(
    /// What the number is.
    label: &'static str,
    /// Element id of the value.
    id: &'static str,
    /// The value, with its unit.
    value: String,
    /// A second line (comparison, context).
    #[prop(optional)]
    note: Option<String>,
) -> impl IntoView {
    view! {
        <div class="card">
            <div class="label">{label}</div>
            <div class="value" id=id>{value}</div>
            {note.map(|n| view! { <div class="note">{n}</div> })}
        </div>
    }
}

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
        <details class="queries">
            <summary>"Queries behind these numbers"</summary>
            {items}
        </details>
    }
}

/// `true` once the page runs in the browser: pages put it on their `main`
/// element (`data-hydrated`), so tests and users can tell when controls
/// work.
pub fn use_hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_replaced_removed_and_encoded() {
        assert_eq!(query_with("", &[("range", "30d")]), "?range=30d");
        assert_eq!(
            query_with("tenant=acme&range=7d", &[("range", "30d")]),
            "?tenant=acme&range=30d"
        );
        assert_eq!(query_with("range=7d", &[("range", "")]), "");
        assert_eq!(
            query_with("q=a%20b", &[("sort", "cost desc")]),
            "?q=a%20b&sort=cost%20desc"
        );
        assert_eq!(param("tenant=a%2Fb&x=1", "tenant").as_deref(), Some("a/b"));
        assert_eq!(param("q=a+b", "q").as_deref(), Some("a b"));
        assert_eq!(param("q=", "q"), None);
        assert_eq!(
            scoped_href("/functions?sort=cost", "tenant=t&range=30d&sort=x"),
            "/functions?sort=cost&tenant=t&range=30d"
        );
    }
}
