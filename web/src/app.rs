//! The application shell and its routes.

use crate::model::SessionInfo;
use crate::pages::cold_starts::ColdStartsPage;
use crate::pages::cost::CostPage;
use crate::pages::dashboards::{DashboardPage, DashboardsPage};
use crate::pages::function::FunctionPage;
use crate::pages::functions::FunctionsPage;
use crate::pages::insights::InsightsPage;
use crate::pages::overview::OverviewPage;
use crate::pages::rightsizing::RightsizingPage;
use crate::pages::traces::TracesPage;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use leptos_router::{path, SsrMode};

pub(crate) const STYLE: &str = r#"
* { box-sizing: border-box; }
body { font-family: system-ui, sans-serif; margin: 0; color: #1f2933; background: #f5f7fa; }
a { color: #1d4ed8; }
header { background: #102a43; color: #fff; padding: 0.5rem 1.25rem; display: flex; flex-wrap: wrap; gap: 0.4rem 1.1rem; align-items: center; }
header a { color: #d9e2ec; text-decoration: none; font-weight: 600; }
header a[aria-current="page"], header a:hover, header a:focus { color: #fff; text-decoration: underline; }
header .brand { font-size: 1.2rem; color: #fff; margin-right: 0.5rem; }
header span { color: #9fb3c8; }
header .session { margin-left: auto; display: flex; gap: 0.5rem; align-items: center; }
header .session form { margin: 0; }
header select, header button { color: #1f2933; }
main { padding: 1rem 1.25rem; max-width: 1500px; margin: 0 auto; }
main.login { max-width: 22rem; margin: 2rem auto; display: block; }
main.login form { display: grid; gap: 0.4rem; }
h1 { font-size: 1.35rem; margin: 0 1rem 0 0; } h2 { font-size: 1.1rem; margin: 1.4rem 0 0.5rem; } h3 { font-size: 1rem; }
.toolbar { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin-bottom: 0.8rem; }
.range-picker { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; }
select, input, button, .button { font: inherit; padding: 0.25rem 0.45rem; border: 1px solid #bcccdc; border-radius: 4px; background: #fff; color: inherit; }
.button { text-decoration: none; }
:focus-visible { outline: 3px solid #f59e0b; outline-offset: 1px; }
.cards { display: flex; gap: 0.8rem; flex-wrap: wrap; margin-bottom: 0.8rem; }
.card { background: #fff; border-radius: 6px; padding: 0.6rem 1rem; min-width: 10rem; box-shadow: 0 1px 2px #0002; }
.card.wide { display: block; margin: 1rem 0; }
.card .label { color: #627d98; font-size: 0.8rem; }
.card .value { font-size: 1.4rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .note { margin: 0; }
.chart { background: #fff; border-radius: 6px; padding: 0.5rem; box-shadow: 0 1px 2px #0002; margin-bottom: 1rem; overflow-x: auto; }
.chart svg { width: 100%; height: auto; display: block; }
.chart-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 460px), 1fr)); gap: 0 1rem; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 520px), 1fr)); gap: 0 1.5rem; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; background: #fff; width: 100%; box-shadow: 0 1px 2px #0002; }
th, td { padding: 0.35rem 0.6rem; border-bottom: 1px solid #e4e7eb; text-align: left; font-size: 0.88rem; vertical-align: top; }
th a { color: inherit; text-decoration: none; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.reason { min-width: 16rem; color: #52606d; }
.sub { color: #7b8794; font-size: 0.78rem; }
.mono { font-family: ui-monospace, monospace; font-size: 0.82rem; }
.badge { display: inline-block; padding: 0 0.4rem; border-radius: 8px; background: #e4e7eb; font-size: 0.75rem; }
.badge.advise, .badge.recommend { background: #dcfce7; color: #166534; }
.alerts { padding-left: 1rem; } .alert.critical .badge { background: #fee2e2; color: #991b1b; } .alert.anomaly .badge { background: #ffedd5; color: #9a3412; }
.controls { display: flex; flex-wrap: wrap; gap: 0.8rem; align-items: end; margin-bottom: 0.6rem; }
.controls label { display: grid; gap: 0.2rem; font-size: 0.85rem; }
details { margin-top: 1rem; } pre { background: #fff; padding: 0.5rem; overflow-x: auto; font-size: 0.8rem; white-space: pre-wrap; }
.error { color: #ab091e; } .note { color: #627d98; font-size: 0.85rem; }
.empty { background: #fff; padding: 1rem; border-radius: 6px; }
#account-limit { width: 7rem; }
details.finding { background: #fff; border-radius: 6px; box-shadow: 0 1px 2px #0002; padding: 0.6rem 1rem; margin: 0 0 0.6rem; }
details.finding > summary { cursor: pointer; }
.finding-head { display: inline-flex; flex-wrap: wrap; gap: 0.2rem 1rem; width: calc(100% - 1.5rem); align-items: baseline; }
.finding-head .money { margin-left: auto; font-weight: 600; font-variant-numeric: tabular-nums; white-space: nowrap; }
.finding-summary { display: block; margin: 0.3rem 0 0 1.1rem; }
.finding .subjects { display: flex; flex-wrap: wrap; gap: 0.2rem 1rem; margin: 0.3rem 0 0 1.1rem; font-size: 0.88rem; }
details.finding h4 { margin: 0.8rem 0 0.3rem; } details.finding table { width: auto; min-width: min(100%, 28rem); }
ul.traces { margin: 0; padding-left: 1.2rem; }
tr.error-row td { background: #fff5f5; } tr.log.error td { background: #fff5f5; }
@media (max-width: 600px) {
  header { padding: 0.5rem; } main { padding: 0.6rem; } header .session { margin-left: 0; }
  .card { min-width: calc(50% - 0.4rem); flex: 1; } .card .value { font-size: 1.15rem; }
  th, td { padding: 0.3rem 0.4rem; font-size: 0.8rem; }
}
"#;

/// The HTML document around the app (server side only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <style>{STYLE}</style>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The pages, in navigation order: path and label.
pub const NAVIGATION: &[(&str, &str)] = &[
    ("/", "Overview"),
    ("/functions", "Functions"),
    ("/cold-starts", "Cold starts"),
    ("/rightsizing", "Right-sizing"),
    ("/insights", "Insights"),
    ("/cost", "Cost"),
    ("/traces", "Traces"),
    ("/dashboards", "Dashboards"),
];

/// The application: header and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="faasight"/>
        <Router>
            <header>
                <a class="brand" href="/">"faasight"</a>
                <Navigation/>
                <SessionBar/>
            </header>
            <Routes fallback=|| view! { <main><p>"Page not found."</p></main> }>
                <Route path=path!("/") view=OverviewPage ssr=SsrMode::Async/>
                <Route path=path!("/functions") view=FunctionsPage ssr=SsrMode::Async/>
                <Route path=path!("/functions/:provider/:account/:region/:function") view=FunctionPage ssr=SsrMode::Async/>
                <Route path=path!("/cold-starts") view=ColdStartsPage ssr=SsrMode::Async/>
                <Route path=path!("/rightsizing") view=RightsizingPage ssr=SsrMode::Async/>
                <Route path=path!("/insights") view=InsightsPage ssr=SsrMode::Async/>
                <Route path=path!("/cost") view=CostPage ssr=SsrMode::Async/>
                <Route path=path!("/traces") view=TracesPage ssr=SsrMode::Async/>
                <Route path=path!("/dashboards") view=DashboardsPage ssr=SsrMode::Async/>
                <Route path=path!("/dashboards/:slug") view=DashboardPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}

/// Links to every page, keeping the tenant and time range of the current
/// URL.
#[component]
fn Navigation() -> impl IntoView {
    let location = use_location();
    NAVIGATION
        .iter()
        .map(|(path, label)| {
            let href = move || crate::components::scoped_href(path, &location.search.get());
            view! { <A href=href>{*label}</A> }
        })
        .collect_view()
}

/// Who is signed in, their tenants and the session's CSRF token (for the
/// sign-out form).
#[server(input = GetUrl)]
pub async fn get_session() -> Result<SessionInfo, ServerFnError> {
    let axum::Extension(p) =
        leptos_axum::extract::<axum::Extension<crate::auth::Principal>>().await?;
    Ok(SessionInfo {
        user: p.user,
        tenants: p.tenants,
        csrf: p.csrf.unwrap_or_default(),
    })
}

/// The header's right side: the tenant selector (only the user's
/// tenants; the choice is kept in the URL as `?tenant=`), the user's name
/// and the sign-out button.
#[component]
fn SessionBar() -> impl IntoView {
    let session = Resource::new(|| (), |_| get_session());
    let query = use_query_map();
    let location = use_location();
    let navigate = use_navigate();
    let choose = move |tenant: String| {
        let path = location.pathname.get_untracked();
        navigate(
            &format!("{path}?tenant={}", crate::format::url_component(&tenant)),
            Default::default(),
        );
    };
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let choose = choose.clone();
                Suspend::new(async move {
                    let Ok(s) = session.await else { return ().into_any() };
                    let current = query.read().get("tenant").or_else(|| s.tenants.first().cloned()).unwrap_or_default();
                    let options = s
                        .tenants
                        .iter()
                        .map(|t| {
                            let selected = *t == current;
                            view! { <option value=t.clone() selected=selected>{t.clone()}</option> }
                        })
                        .collect_view();
                    view! {
                        <div class="session">
                            <label for="tenant">"Tenant"</label>
                            <select id="tenant" on:change=move |ev| choose(event_target_value(&ev))>{options}</select>
                            <span id="user">{s.user}</span>
                            <form method="post" action="/logout">
                                <input type="hidden" name="csrf" value=s.csrf/>
                                <button type="submit" id="sign-out">"Sign out"</button>
                            </form>
                        </div>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}
