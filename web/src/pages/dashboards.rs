//! `/dashboards` and `/dashboards/{slug}`: every `dashboards/*.toml` file
//! is a page (see `faasight_store::dashboards` for the format). A file that
//! does not parse, or a panel whose query fails, becomes an error panel
//! naming the file and line; the rest of the board still renders.

// The `#[server]` macro generates an argument struct whose fields cannot carry docs.
#![allow(missing_docs)]

use crate::components::{decode, scoped_href, show, use_hydrated, Loading, QueryList, RangePicker};
use crate::model::QueryTrace;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::{use_location, use_params_map};
use serde::{Deserialize, Serialize};

/// A board in the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardLink {
    /// URL name.
    pub slug: String,
    /// Title.
    pub title: String,
    /// What it answers.
    pub description: String,
    /// Panels.
    pub panels: usize,
}

/// The list of boards, and the files that did not parse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardList {
    /// Boards that parsed.
    pub boards: Vec<BoardLink>,
    /// `file:line: message` of each file that did not.
    pub errors: Vec<String>,
}

/// One panel as drawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelView {
    /// Title.
    pub title: String,
    /// `line`, `bar`, `table`, `stat`, `metrics`.
    pub kind: String,
    /// A chart (SVG).
    pub svg: Option<String>,
    /// A table: headings and cells.
    pub table: Option<(Vec<String>, Vec<Vec<String>>)>,
    /// A number with its unit.
    pub stat: Option<String>,
    /// What went wrong, naming the file and line.
    pub error: Option<String>,
    /// More rows than shown.
    pub truncated: bool,
    /// Why there is nothing to draw (a metrics panel without points in
    /// the range): shown instead of an empty chart.
    pub empty: Option<String>,
    /// What the page says under the panel (groups left out of a chart).
    pub note: Option<String>,
}

/// A board as drawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Board {
    /// Title (or the file name when it did not parse).
    pub title: String,
    /// What it answers.
    pub description: String,
    /// Range label.
    pub label: String,
    /// Panels in file order.
    pub panels: Vec<PanelView>,
    /// Queries as sent, with their parameters.
    pub queries: Vec<QueryTrace>,
}

/// The boards.
#[server(input = GetUrl)]
pub async fn get_boards() -> Result<BoardList, ServerFnError> {
    data::list().await
}

/// One board over the URL query's range and tenant.
#[server(input = GetUrl)]
pub async fn get_board(slug: String, query: String) -> Result<Board, ServerFnError> {
    data::board(&slug, &query).await
}

#[cfg(feature = "ssr")]
mod data {
    use super::*;
    use crate::chart::{bars, stacked_bars, time_series, Line};
    use crate::server::page_scope;
    use chrono::{DateTime, Utc};
    use faasight_store::dashboards::{load_dir, number, run_panel, Panel, PanelData, PanelKind};

    fn dir() -> Result<std::path::PathBuf, ServerFnError> {
        let state = use_context::<crate::AppState>()
            .ok_or_else(|| ServerFnError::new("the server state is missing"))?;
        Ok(state.dashboards_dir.clone())
    }

    pub async fn list() -> Result<BoardList, ServerFnError> {
        // Signed-in users only, like every page (the middleware made sure).
        crate::server::authorised(None)
            .await
            .map_err(ServerFnError::new)?;
        let dir = dir()?;
        let loaded = tokio::task::spawn_blocking(move || load_dir(&dir))
            .await
            .map_err(|e| ServerFnError::new(e.to_string()))?;
        let mut list = BoardList {
            boards: Vec::new(),
            errors: Vec::new(),
        };
        for b in loaded {
            match b {
                Ok(d) => list.boards.push(BoardLink {
                    slug: d.slug,
                    title: d.title,
                    description: d.description,
                    panels: d.panels.len(),
                }),
                Err(e) => list.errors.push(e.to_string()),
            }
        }
        Ok(list)
    }

    fn cell(v: &serde_json::Value) -> String {
        match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => "—".into(),
            other => other.to_string(),
        }
    }

    fn time_of(v: &serde_json::Value) -> Option<i64> {
        let text = v.as_str()?;
        chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
            .map(|t| t.and_utc().timestamp())
            .or_else(|_| {
                chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map(|d| {
                    d.and_hms_opt(0, 0, 0)
                        .unwrap_or_default()
                        .and_utc()
                        .timestamp()
                })
            })
            .ok()
    }

    fn draw(
        panel: &Panel,
        data: &PanelData,
        range: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<PanelView, String> {
        let (kind, title) = (panel.kind, panel.title.as_str());
        // A metrics panel without a unit of its own shows the metric's.
        let unit = match &data.unit {
            Some(u) if panel.unit.is_empty() => u.as_str(),
            _ => panel.unit.as_str(),
        };
        let fmt = |v: f64| {
            if v.abs() >= 100.0 || v == v.trunc() {
                format!("{v:.0} {unit}")
            } else if kind == PanelKind::Metrics && v.abs() < 1.0 {
                // Rates and latencies below one: three significant digits
                // (0.0738 s, not 0.07 s).
                let decimals = (2 - v.abs().log10().floor() as i32).clamp(2, 9) as usize;
                format!("{v:.decimals$} {unit}")
            } else {
                format!("{v:.2} {unit}")
            }
        };
        let mut view = PanelView {
            title: title.to_string(),
            kind: kind.to_string(),
            svg: None,
            table: None,
            stat: None,
            error: None,
            truncated: data.truncated,
            empty: None,
            note: data.note.clone(),
        };
        let series: Vec<usize> = (1..data.columns.len())
            .filter(|&i| data.columns[i].is_numeric())
            .collect();
        match kind {
            PanelKind::Stat => {
                let v = data.rows.first().and_then(|r| r.first());
                view.stat = Some(match v.and_then(number) {
                    Some(n) => fmt(n),
                    None => v.map(cell).unwrap_or_else(|| "no rows".into()),
                });
            }
            PanelKind::Table => {
                view.table = Some((
                    data.columns.iter().map(|c| c.name.clone()).collect(),
                    data.rows
                        .iter()
                        .map(|r| r.iter().map(cell).collect())
                        .collect(),
                ));
            }
            PanelKind::Metrics if data.rows.is_empty() => {
                if let Some(m) = &panel.metric {
                    let matching = match (m.service.is_some(), !m.filters.is_empty()) {
                        (true, true) => " that match the panel's service and where",
                        (true, false) => " of the panel's service",
                        (false, true) => " that match the panel's where",
                        (false, false) => "",
                    };
                    view.empty = Some(format!(
                        "No points of metric {}{matching} in this range.",
                        m.metric
                    ));
                }
            }
            PanelKind::Line | PanelKind::Metrics => {
                if series.is_empty() {
                    return Err(
                        "a line panel needs a time column and at least one numeric column".into(),
                    );
                }
                // Rows are points; several rows per time with a label column
                // are not pivoted: one line per numeric column.
                let lines: Vec<Line> = series
                    .iter()
                    .map(|&i| Line {
                        name: data.columns[i].name.clone(),
                        points: data
                            .rows
                            .iter()
                            .filter_map(|r| Some((time_of(r.first()?)?, number(r.get(i)?)?)))
                            .collect(),
                        dashed: false,
                    })
                    .collect();
                let step = if panel.metric.is_some() {
                    // The step the metrics were computed at.
                    i64::from(faasight_store::dashboards::metrics::step_seconds(
                        range.0, range.1,
                    ))
                } else {
                    lines
                        .first()
                        .and_then(|l| {
                            l.points
                                .get(1)
                                .zip(l.points.first())
                                .map(|(b, a)| b.0 - a.0)
                        })
                        .unwrap_or(3600)
                };
                view.svg = Some(time_series(title, unit, &lines, None, &[], step, &fmt)?);
            }
            PanelKind::Bar => {
                if series.is_empty() {
                    return Err(
                        "a bar panel needs a label column and at least one numeric column".into(),
                    );
                }
                let labels: Vec<String> = data
                    .rows
                    .iter()
                    .map(|r| r.first().map(cell).unwrap_or_default())
                    .collect();
                view.svg = Some(if series.len() == 1 {
                    let items: Vec<(String, f64)> = labels
                        .iter()
                        .zip(&data.rows)
                        .map(|(l, r)| (l.clone(), r.get(series[0]).and_then(number).unwrap_or(0.0)))
                        .take(40)
                        .collect();
                    bars(title, unit, &items, &fmt)?
                } else {
                    let s: Vec<(String, Vec<f64>)> = series
                        .iter()
                        .map(|&i| {
                            (
                                data.columns[i].name.clone(),
                                data.rows
                                    .iter()
                                    .map(|r| r.get(i).and_then(number).unwrap_or(0.0))
                                    .collect(),
                            )
                        })
                        .collect();
                    stacked_bars(title, unit, &labels, &s, &fmt)?
                });
            }
        }
        Ok(view)
    }

    pub async fn board(slug: &str, query: &str) -> Result<Board, ServerFnError> {
        let s = page_scope(query).await?;
        let dir = dir()?;
        let loaded = tokio::task::spawn_blocking(move || load_dir(&dir))
            .await
            .map_err(|e| ServerFnError::new(e.to_string()))?;
        let found = loaded.into_iter().find(|b| match b {
            Ok(d) => d.slug == slug,
            Err(e) => e.file.file_stem().and_then(|f| f.to_str()) == Some(slug),
        });
        let dashboard = match found {
            None => {
                return Err(ServerFnError::new(format!(
                    "there is no dashboard {slug:?}"
                )))
            }
            Some(Err(e)) => {
                return Ok(Board {
                    title: slug.to_string(),
                    description: String::new(),
                    label: s.label.clone(),
                    panels: vec![PanelView {
                        title: "This dashboard's file has an error".into(),
                        kind: "error".into(),
                        svg: None,
                        table: None,
                        stat: None,
                        error: Some(e.to_string()),
                        truncated: false,
                        empty: None,
                        note: None,
                    }],
                    queries: Vec::new(),
                })
            }
            Some(Ok(d)) => d,
        };
        let runs = dashboard
            .panels
            .iter()
            .map(|p| run_panel(&s.store, p, s.tenant(), s.range.from, s.range.to));
        let results = futures::future::join_all(runs).await;
        let mut panels = Vec::new();
        let mut queries = Vec::new();
        for (p, result) in dashboard.panels.iter().zip(results) {
            let bound = p.bound();
            queries.push(QueryTrace {
                feeds: p.title.clone(),
                sql: bound.sql.clone(),
                params: bound
                    .params
                    .iter()
                    .map(|param| param.value(s.tenant(), s.range.from, s.range.to))
                    .collect(),
            });
            let at = format!("{}:{}", dashboard.file.display(), p.line);
            let view = match result {
                Ok(data) => draw(p, &data, (s.range.from, s.range.to))
                    .map_err(|e| format!("{at}: panel {:?}: {e}", p.title)),
                Err(e) => {
                    tracing::warn!(error = %e, panel = %p.title, "Dashboard panel failed.");
                    Err(format!("{at}: panel {:?}: the query failed: {e}", p.title))
                }
            };
            panels.push(view.unwrap_or_else(|error| PanelView {
                title: p.title.clone(),
                kind: "error".into(),
                svg: None,
                table: None,
                stat: None,
                error: Some(error),
                truncated: false,
                empty: None,
                note: None,
            }));
        }
        Ok(Board {
            title: dashboard.title,
            description: dashboard.description,
            label: s.label.clone(),
            panels,
            queries,
        })
    }
}

/// The list of boards.
#[component]
pub fn DashboardsPage() -> impl IntoView {
    let hydrated = use_hydrated();
    let location = use_location();
    let data = Resource::new(|| (), |_| get_boards());
    view! {
        <main id="dashboards" data-hydrated=move || hydrated.get().to_string()>
            <div class="toolbar"><h1>"Dashboards"</h1></div>
            <p class="note">"Each file in dashboards/*.toml is a board: panels of SQL with {tenant}, {from} and {to} bound as query parameters, or metrics panels that chart an OpenTelemetry metric by name. `faasight dashboards check` validates them."</p>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    show(data.await, "the dashboards", move |l| {
                        let search = location.search.get_untracked();
                        let boards = l.boards.iter().map(|b| view! {
                            <li><a href=scoped_href(&format!("/dashboards/{}", b.slug), &search)>{b.title.clone()}</a>
                                {format!(" — {} ({} panels)", b.description, b.panels)}</li>
                        }).collect_view();
                        let errors = l.errors.iter().map(|e| view! { <li class="error">{e.clone()}</li> }).collect_view();
                        view! { <ul id="board-list">{boards}</ul><ul id="board-errors">{errors}</ul> }.into_any()
                    })
                })}
            </Transition>
        </main>
    }
}

/// One board.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let hydrated = use_hydrated();
    let location = use_location();
    let params = use_params_map();
    let slug = move || {
        params
            .read()
            .get("slug")
            .map(|v| decode(&v).unwrap_or(v))
            .unwrap_or_default()
    };
    let data = Resource::new(
        move || (slug(), location.search.get()),
        |(s, q)| get_board(s, q),
    );
    view! {
        <main id="dashboard" data-hydrated=move || hydrated.get().to_string()>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    show(data.await, "the dashboard", |b| view! { <BoardBody b/> }.into_any())
                })}
            </Transition>
        </main>
    }
}

#[component]
fn BoardBody(b: Board) -> impl IntoView {
    let panels = b
        .panels
        .iter()
        .map(|p| {
            let body = if let Some(e) = &p.error {
                view! { <p class="error" role="alert">{e.clone()}</p> }.into_any()
            } else if let Some(empty) = &p.empty {
                view! { <h3>{p.title.clone()}</h3><p class="note empty">{empty.clone()}</p> }.into_any()
            } else if let Some(svg) = &p.svg {
                view! { <div class="chart" inner_html=svg.clone()></div> }.into_any()
            } else if let Some(stat) = &p.stat {
                view! { <div class="card"><div class="label">{p.title.clone()}</div><div class="value">{stat.clone()}</div></div> }.into_any()
            } else if let Some((heads, rows)) = &p.table {
                let heads = heads.iter().map(|h| view! { <th>{h.clone()}</th> }).collect_view();
                let rows = rows
                    .iter()
                    .map(|r| view! { <tr>{r.iter().map(|c| view! { <td>{c.clone()}</td> }).collect_view()}</tr> })
                    .collect_view();
                view! { <h3>{p.title.clone()}</h3><div class="table-wrap"><table><thead><tr>{heads}</tr></thead><tbody>{rows}</tbody></table></div> }.into_any()
            } else {
                ().into_any()
            };
            view! {
                <section class=format!("panel {}", p.kind) data-kind=p.kind.clone()>
                    {body}
                    {p.truncated.then(|| view! { <p class="note">"Only the first 10,000 rows are shown."</p> })}
                    {p.note.clone().map(|n| view! { <p class="note">{n}</p> })}
                </section>
            }
        })
        .collect_view();
    view! {
        <div class="toolbar"><h1>{b.title.clone()}</h1><RangePicker/></div>
        <p class="note">{format!("{} {}", b.description, b.label)}</p>
        <div class="board">{panels}</div>
        <QueryList queries=b.queries.clone()/>
    }
}
