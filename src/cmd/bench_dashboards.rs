//! `faasight bench dashboards`: the demo workload at a chosen size, the web
//! UI over it, and every page and API route timed (p50 and p95 of
//! sequential requests as a signed-in user), each next to the bare SQL it
//! issued run through `clickhouse-client` — the floor the route cannot go
//! below, so the gap is what faasight itself adds.
//!
//! A route's SQL is what it says it ran: the `queries` of an API report,
//! the "Queries behind these numbers" list of a page. Pages without such a
//! list show `-`. The bare SQL runs its queries one after the other, where
//! the route runs them at once: it can be slower than the route.

use super::InputError;
use crate::cli::BenchDashboardsArgs;
use faasight_store::local::{free_port, LocalClickHouse, LocalConfig};
use faasight_store::{ClickHouseUrl, Store};
use std::time::{Duration, Instant};

/// One route's timings.
struct RouteTiming {
    route: String,
    p50_ms: f64,
    p95_ms: f64,
    sql: Option<(f64, f64)>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    // Nearest rank: the smallest value with at least p of them at or below.
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn p50_p95(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    (percentile(&ms, 0.5), percentile(&ms, 0.95))
}

/// A query as a route reported it: SQL with `?` placeholders and the
/// values bound to them, as text.
#[derive(Debug, Clone, PartialEq)]
struct TracedQuery {
    sql: String,
    params: Vec<String>,
}

impl TracedQuery {
    /// The statement with its values in place, bound as the `clickhouse`
    /// crate binds them: integers as they are, text quoted — `nan` or
    /// `1e5` is text. A page's trace has lost the types, so an integer
    /// compared with a text column (`account = ?`: AWS account ids are
    /// digits) is quoted too.
    fn bound(&self) -> String {
        let mut out = String::new();
        let mut params = self.params.iter();
        for (i, part) in self.sql.split('?').enumerate() {
            if i > 0 {
                match params.next() {
                    Some(v) if v.parse::<i64>().is_ok() && !compares_text(&out) => out.push_str(v),
                    Some(v) => {
                        out.push('\'');
                        out.push_str(&v.replace('\\', "\\\\").replace('\'', "\\'"));
                        out.push('\'');
                    }
                    None => out.push('?'),
                }
            }
            out.push_str(part);
        }
        // Comments would hide a statement separator on the line's end.
        out.lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Columns of text that a route binds values to.
const TEXT_COLUMNS: [&str; 5] = ["tenant", "provider", "account", "region", "function"];

/// Whether `sql` ends comparing a text column: `… account = `.
fn compares_text(sql: &str) -> bool {
    let Some(before) = sql.trim_end().strip_suffix('=') else {
        return false;
    };
    let column = before
        .trim_end()
        .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()
        .unwrap_or_default();
    TEXT_COLUMNS.contains(&column)
}

/// The queries of an API report's JSON (`queries: [{sql, params}]`).
fn api_queries(body: &serde_json::Value) -> Vec<TracedQuery> {
    body["queries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|q| {
            Some(TracedQuery {
                sql: q["sql"].as_str()?.to_string(),
                params: q["params"]
                    .as_array()?
                    .iter()
                    .map(|p| p.as_str().unwrap_or_default().to_string())
                    .collect(),
            })
        })
        .collect()
}

fn html_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// The queries a page lists under "Queries behind these numbers":
/// `<pre>SQL</pre>` then `<p class="note">Parameters: a, b</p>`.
fn page_queries(html: &str) -> Vec<TracedQuery> {
    let strip = |s: &str| {
        // Hydration markers are HTML comments.
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("<!") {
            out.push_str(&rest[..i]);
            rest = rest[i..].find('>').map_or("", |j| &rest[i + j + 1..]);
        }
        out.push_str(rest);
        out
    };
    let mut out = Vec::new();
    // Only the query list: a page shows other <pre> blocks (a Power Tuning
    // input, for one).
    let mut rest = html
        .find("<details class=\"queries\"")
        .map_or("", |i| &html[i..]);
    while let Some(start) = rest.find("<pre>") {
        let after = &rest[start + 5..];
        let Some(end) = after.find("</pre>") else {
            break;
        };
        let sql = html_unescape(&strip(&after[..end]));
        rest = &after[end + 6..];
        let marker = "Parameters: ";
        let params = match (rest.find(marker), rest.find("<pre>")) {
            (Some(p), next) if next.is_none_or(|n| p < n) => {
                let from = &rest[p + marker.len()..];
                let text = strip(&from[..from.find("</p>").unwrap_or(from.len())]);
                // Empty values stay (a filter left blank is bound as '').
                html_unescape(&text)
                    .split(", ")
                    .map(str::to_string)
                    .collect()
            }
            _ => Vec::new(),
        };
        let placeholders = sql.matches('?').count();
        let params = if placeholders == 0 {
            Vec::new()
        } else {
            params
        };
        // A list whose values contain ", " cannot be split back: skipped.
        if !sql.trim().is_empty() && params.len() == placeholders {
            out.push(TracedQuery { sql, params });
        }
    }
    out
}

/// Signs `user` in through the login form; returns the session cookie.
async fn sign_in(
    client: &reqwest::Client,
    web: &str,
    user: &str,
    password: &str,
) -> anyhow::Result<String> {
    let cookie = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .and_then(|v| v.split(';').next())
            .map(str::to_string)
    };
    let form = client.get(format!("{web}/login")).send().await?;
    let login_cookie = cookie(&form, "faasight_login_csrf")
        .ok_or_else(|| anyhow::anyhow!("the login form set no CSRF cookie"))?;
    let page = form.text().await?;
    let marker = "name=\"csrf\" value=\"";
    let start = page
        .find(marker)
        .ok_or_else(|| anyhow::anyhow!("the login form has no CSRF field"))?
        + marker.len();
    let csrf = &page[start..][..page[start..].find('"').unwrap_or(0)];
    let r = client
        .post(format!("{web}/login"))
        .header("cookie", login_cookie)
        .form(&[
            ("user", user),
            ("password", password),
            ("csrf", csrf),
            ("next", "/"),
        ])
        .send()
        .await?;
    cookie(&r, "faasight_session")
        .ok_or_else(|| anyhow::anyhow!("signing in failed: HTTP {}", r.status()))
}

/// Runs `queries` through `clickhouse-client` `rounds` times in one
/// process and returns the time of each round (the sum of its queries'
/// times as the client reports them, without the process's start).
async fn bare_sql(
    url: &ClickHouseUrl,
    tcp_port: u16,
    queries: &[TracedQuery],
    rounds: usize,
) -> anyhow::Result<Vec<f64>> {
    let one_round: Vec<String> = queries.iter().map(TracedQuery::bound).collect();
    let script = std::iter::repeat_n(one_round.join(";\n"), rounds)
        .collect::<Vec<_>>()
        .join(";\n");
    let out = tokio::process::Command::new("clickhouse-client")
        .args(["--host", "127.0.0.1", "--port", &tcp_port.to_string()])
        .args(["--user", &url.user, "--database", &url.database])
        .env("CLICKHOUSE_PASSWORD", &url.password)
        .args(["--password", &url.password])
        .args([
            "--multiquery",
            "--time",
            "--format",
            "Null",
            "--query",
            &script,
        ])
        .output()
        .await
        .map_err(|e| {
            anyhow::anyhow!("clickhouse-client could not be run ({e}); install clickhouse-client")
        })?;
    anyhow::ensure!(
        out.status.success(),
        "clickhouse-client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // `--time` prints one line per query: its seconds.
    let times: Vec<f64> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| l.trim().parse::<f64>().ok())
        .collect();
    anyhow::ensure!(
        times.len() == one_round.len() * rounds,
        "clickhouse-client reported {} times for {} queries",
        times.len(),
        one_round.len() * rounds
    );
    Ok(times
        .chunks(one_round.len())
        .map(|round| round.iter().sum::<f64>() * 1000.0)
        .collect())
}

/// The routes: every page (one function's page, every dashboard) and every
/// API analysis, with the default 30-day range.
async fn routes(store: &Store, dashboards_dir: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let mut routes: Vec<String> = [
        "/",
        "/functions",
        "/cold-starts",
        "/rightsizing",
        "/cost",
        "/traces",
        "/dashboards",
    ]
    .map(str::to_string)
    .to_vec();
    let busiest: (String, String, String, String) = store
        .client()
        .query(
            "SELECT provider, account, region, function FROM invocations \
             GROUP BY provider, account, region, function ORDER BY count() DESC LIMIT 1",
        )
        .fetch_one()
        .await?;
    routes.push(format!(
        "/functions/{}/{}/{}/{}",
        busiest.0, busiest.1, busiest.2, busiest.3
    ));
    let mut slugs: Vec<String> = std::fs::read_dir(dashboards_dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            name.strip_suffix(".toml").map(str::to_string)
        })
        .collect();
    slugs.sort();
    routes.extend(slugs.iter().map(|s| format!("/dashboards/{s}")));
    routes.extend(
        faasight_analyzer::reports::ReportKind::ALL
            .iter()
            .map(|k| format!("/api/v1/{}", k.name())),
    );
    Ok(routes)
}

pub async fn run(args: BenchDashboardsArgs) -> anyhow::Result<()> {
    if args.invocations == 0 || args.requests < 2 {
        return Err(InputError(
            "--invocations must be at least 1 and --requests at least 2".into(),
        )
        .into());
    }
    let dir = tempfile::tempdir()?;
    let (_local, url, tcp_port) = match &args.clickhouse_url {
        Some(u) => (
            None,
            ClickHouseUrl::parse(u).map_err(|e| InputError(e.to_string()))?,
            args.clickhouse_tcp_port,
        ),
        None => {
            let cfg = LocalConfig::with_free_ports(dir.path())?;
            let tcp = cfg.tcp_port;
            let server = LocalClickHouse::start(&cfg).await?;
            let url = server.url().clone();
            (Some(server), url, tcp)
        }
    };
    let store = Store::connect(&url);
    store.ensure_database().await?;
    super::migrate_quietly(&store).await?;
    let existing: u64 = store
        .client()
        .query("SELECT count() FROM invocations WHERE tenant = 'default'")
        .fetch_one()
        .await?;
    if existing == 0 {
        let mut cfg = faasight_sample_data::DemoConfig::new(chrono::Utc::now());
        cfg.days = 30;
        cfg.invocations = args.invocations;
        let started = Instant::now();
        // `load` ends with a materialize pass, timed in its own line.
        super::demo_data::load(&store, &cfg).await?;
        eprintln!(
            "bench: demo loaded and materialized in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    } else {
        eprintln!("bench: reusing the {existing} invocations already loaded");
        super::materialize::pass(&store).await?;
    }
    let invocations: u64 = store
        .client()
        .query("SELECT count() FROM invocations")
        .fetch_one()
        .await?;

    // The web UI in this process, signed in as a bench user.
    let users_file = dir.path().join("users.json");
    let password = faasight_web::auth::users::random_password();
    let mut users = faasight_web::auth::users::UsersFile::load(&users_file)?;
    users.set_user("bench", &password, &["default".to_string()])?;
    users.save(&users_file)?;
    let port = free_port()?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let web = tokio::spawn(faasight_web::serve(
        listener,
        faasight_web::WebConfig {
            store: store.clone(),
            users_file,
            dashboards_dir: args.dashboards_dir.clone(),
            site_root: dir.path().to_path_buf(),
            allowed_hosts: Vec::new(),
        },
        async move {
            let _ = stop_rx.wait_for(|s| *s).await;
        },
    ));
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(600))
        .build()?;
    let session = sign_in(&client, &base, "bench", &password).await?;

    let mut timings = Vec::new();
    let mut failures = Vec::new();
    for route in routes(&store, &args.dashboards_dir).await? {
        let get = || async {
            let started = Instant::now();
            let r = client
                .get(format!("{base}{route}"))
                .header("cookie", &session)
                .send()
                .await?;
            let status = r.status();
            let body = r.text().await?;
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            anyhow::ensure!(
                status.is_success(),
                "HTTP {status} after {ms:.0} ms: {}",
                body.chars().take(200).collect::<String>()
            );
            Ok::<_, anyhow::Error>((ms, body))
        };
        let timed = async {
            // The first request warms caches (the server's and ClickHouse's).
            let (_, body) = get().await?;
            let mut ms = Vec::with_capacity(args.requests);
            for _ in 0..args.requests {
                ms.push(get().await?.0);
            }
            Ok::<_, anyhow::Error>((ms, body))
        };
        let (ms, body) = match timed.await {
            Ok(v) => v,
            Err(e) => {
                eprintln!("bench: {route} failed: {e}");
                failures.push(format!("{route}: {e}"));
                continue;
            }
        };
        let (p50_ms, p95_ms) = p50_p95(ms);
        let queries = if route.starts_with("/api/") {
            api_queries(&serde_json::from_str(&body)?)
        } else {
            page_queries(&body)
        };
        let sql = if queries.is_empty() {
            None
        } else {
            match bare_sql(&url, tcp_port, &queries, args.requests.min(10)).await {
                Ok(ms) => Some(p50_p95(ms)),
                Err(e) => {
                    eprintln!("bench: the bare SQL of {route} could not be run: {e}");
                    None
                }
            }
        };
        eprintln!("bench: {route} p50 {p50_ms:.1} ms, p95 {p95_ms:.1} ms");
        timings.push(RouteTiming {
            route,
            p50_ms,
            p95_ms,
            sql,
        });
    }
    let _ = stop_tx.send(true);
    web.await??;

    println!(
        "{invocations} invocations, {} requests per route, {}",
        args.requests,
        chrono::Utc::now().format("%Y-%m-%d")
    );
    println!(
        "{:<52} {:>8} {:>8} {:>10} {:>10}",
        "ROUTE", "p50 ms", "p95 ms", "SQL p50", "SQL p95"
    );
    for t in &timings {
        let (s50, s95) = t.sql.map_or(("-".to_string(), "-".to_string()), |(a, b)| {
            (format!("{a:.1}"), format!("{b:.1}"))
        });
        println!(
            "{:<52} {:>8.1} {:>8.1} {:>10} {:>10}",
            t.route, t.p50_ms, t.p95_ms, s50, s95
        );
    }
    for f in &failures {
        println!("FAILED {f}");
    }
    anyhow::ensure!(failures.is_empty(), "{} routes failed", failures.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let ms: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(p50_p95(ms), (10.0, 19.0));
        assert_eq!(p50_p95(vec![7.0, 3.0]), (3.0, 7.0));
    }

    #[test]
    fn traced_queries_are_bound_as_the_client_binds_them() {
        let q = TracedQuery {
            sql: "-- a comment\nSELECT ? AS a, ? AS b WHERE x = ? AND account = ?".into(),
            params: vec![
                "default".into(),
                "1767225600".into(),
                "it's".into(),
                "412345678901".into(),
            ],
        };
        // Comment lines go: one would swallow the `;` that follows it.
        assert_eq!(
            q.bound(),
            "SELECT 'default' AS a, 1767225600 AS b WHERE x = 'it\\'s' AND account = '412345678901'"
        );
    }

    #[test]
    fn a_pages_query_list_is_read_back() {
        let html = "<pre><code>{\"num\": 50}</code></pre>\
            <details class=\"queries\"><summary>Queries behind these numbers</summary>\
            <h4>Rates</h4><pre>SELECT a FROM t WHERE x &lt; ? AND y = ?</pre>\
            <p class=\"note\">Parameters: <!---->default, 42</p>\
            <h4>Other</h4><pre>SELECT 1</pre><p class=\"note\">Parameters: </p>\
            <h4>Filter</h4><pre>SELECT ? = ''</pre><p class=\"note\">Parameters: </p></details>";
        let q = page_queries(html);
        assert_eq!(q.len(), 3);
        // An empty value is a value.
        assert_eq!(q[2].params, vec![String::new()]);
        assert_eq!(q[0].sql, "SELECT a FROM t WHERE x < ? AND y = ?");
        assert_eq!(q[0].params, vec!["default".to_string(), "42".to_string()]);
        assert!(q[1].params.is_empty());
    }
}
