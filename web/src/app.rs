//! The application shell and its routes.

use crate::model::SessionInfo;
use crate::pages::cold_starts::ColdStartsPage;
use crate::pages::overview::OverviewPage;
use crate::pages::recommendations::RecommendationsPage;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use leptos_router::{path, SsrMode};

pub(crate) const STYLE: &str = r#"
body { font-family: system-ui, sans-serif; margin: 0; color: #1f2933; background: #f5f7fa; }
header { background: #102a43; color: #fff; padding: 0.6rem 1.5rem; display: flex; gap: 1.5rem; align-items: baseline; }
header a { color: #fff; text-decoration: none; font-weight: 600; font-size: 1.2rem; }
header span { color: #9fb3c8; }
header .session { margin-left: auto; display: flex; gap: 0.5rem; align-items: center; }
header .session form { margin: 0; }
main.login { max-width: 22rem; margin: 2rem auto; display: block; }
main.login form { display: grid; gap: 0.4rem; }
main { padding: 1rem 1.5rem; }
.toolbar { display: flex; gap: 0.5rem; align-items: center; margin-bottom: 1rem; }
.cards { display: flex; gap: 1rem; flex-wrap: wrap; margin-bottom: 1rem; }
.card { background: #fff; border-radius: 6px; padding: 0.6rem 1rem; min-width: 10rem; box-shadow: 0 1px 2px #0002; }
.card .label { color: #627d98; font-size: 0.8rem; }
.card .value { font-size: 1.4rem; font-weight: 600; }
#chart { background: #fff; border-radius: 6px; padding: 0.5rem; box-shadow: 0 1px 2px #0002; margin-bottom: 1rem; }
#chart svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; background: #fff; width: 100%; box-shadow: 0 1px 2px #0002; }
th, td { padding: 0.35rem 0.6rem; border-bottom: 1px solid #e4e7eb; text-align: left; font-size: 0.9rem; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
details { margin-top: 1rem; } pre { background: #fff; padding: 0.5rem; overflow-x: auto; font-size: 0.8rem; }
.error { color: #ab091e; } .note { color: #627d98; font-size: 0.85rem; }
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

/// The application: header and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="faasight"/>
        <Router>
            <header>
                <A href="/">"faasight"</A>
                <A href="/cold-starts">"Cold starts"</A>
                <A href="/recommendations">"Recommendations"</A>
                <SessionBar/>
            </header>
            <Routes fallback=|| view! { <main><p>"Page not found."</p></main> }>
                <Route path=path!("/") view=OverviewPage ssr=SsrMode::Async/>
                <Route path=path!("/recommendations") view=RecommendationsPage ssr=SsrMode::Async/>
                <Route path=path!("/cold-starts") view=ColdStartsPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
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
