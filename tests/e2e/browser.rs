//! The overview in headless Chromium: server-rendered, hydrated, and
//! interactive (changing the time range reloads the table and the chart).

use super::common::{faasight_ok, free_port, kill_and_reap, wait_http_ok, ClickHouse, Stack};
use faasight_analyzer::{functions_summary, SummaryTotals, TimeRange};
use fantoccini::{Client, ClientBuilder, Locator};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

struct ChromeDriver(std::process::Child);

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        kill_and_reap(&mut self.0);
    }
}

fn site_root() -> PathBuf {
    std::env::var_os("FAASIGHT_SITE_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/site")))
}

fn digits(text: &str) -> u64 {
    text.chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

async fn total_for_last(ch: &ClickHouse, hours: u32) -> u64 {
    let range = TimeRange::last_hours(hours, chrono::Utc::now());
    SummaryTotals::of(
        &functions_summary(&ch.store(), "default", range)
            .await
            .unwrap(),
    )
    .invocations
}

/// Waits up to 30 s for an element matching `css` to appear (`what` names
/// it when it does not).
async fn appears(browser: &Client, css: &str, what: &str) {
    browser
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await
        .expect(what);
}

/// The overview's figures for the selected range: the total invocations
/// and the chart's markup.
async fn total_and_chart(browser: &Client) -> (u64, String) {
    let total = browser.find(Locator::Css("#total-invocations")).await;
    let total = digits(&total.unwrap().text().await.unwrap());
    let chart = browser.find(Locator::Css("#chart")).await;
    (total, chart.unwrap().html(true).await.unwrap())
}

/// How many elements match `css`.
async fn count(browser: &Client, css: &str) -> usize {
    browser.find_all(Locator::Css(css)).await.unwrap().len()
}

/// Chooses `value` in the `<select>` at `css`.
async fn select(browser: &Client, css: &str, value: &str) {
    let element = browser.find(Locator::Css(css)).await.unwrap();
    element.select_by_value(value).await.unwrap();
}

/// Clicks the element at `css` (a link in the header).
async fn click(browser: &Client, css: &str) {
    let element = browser.find(Locator::Css(css)).await.unwrap();
    element.click().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn overview_hydrates_and_follows_the_time_range() {
    let site = site_root();
    assert!(
        site.join("pkg/faasight_bg.wasm").is_file(),
        "no browser bundle in {}: run scripts/build-web.sh (scripts/test.sh does)",
        site.display()
    );
    let ch = ClickHouse::start().await;
    faasight_ok(&[
        "demo-data",
        "--invocations",
        "20000",
        "--clickhouse-url",
        &ch.url(),
    ]);
    let Stack {
        ch, up, api, login, ..
    } = Stack::over(ch, &["--site-root", site.to_str().unwrap()], &[]).await;

    let port = free_port();
    let _driver = ChromeDriver(
        Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is installed (apt-get install chromium-driver)"),
    );
    wait_http_ok(
        &format!("http://127.0.0.1:{port}/status"),
        Duration::from_secs(30),
    )
    .await;
    let profile = tempfile::tempdir().unwrap();
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1280,1400", format!("--user-data-dir={}", profile.path().display()),
            ]
        }
    });
    let browser = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps.as_object().unwrap().clone())
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a chromium session");

    // Signed out, the overview sends the browser to the sign-in form,
    // which comes back to it.
    browser.goto(&up.web).await.unwrap();
    appears(&browser, "#login-form", "the sign-in form").await;
    let form = browser.form(Locator::Css("#login-form")).await.unwrap();
    form.set_by_name("user", &login.user).await.unwrap();
    form.set_by_name("password", &login.password).await.unwrap();
    form.submit().await.unwrap();
    appears(&browser, "main[data-hydrated='true']", "the page hydrates").await;
    assert_eq!(
        browser
            .find(Locator::Css("#user"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "tester"
    );
    appears(&browser, "#totals[data-range='7d']", "the 7d totals").await;
    let (week_total, week_chart) = total_and_chart(&browser).await;
    let week_rows = count(&browser, "#functions tbody tr").await;
    assert!(
        week_total > 0 && week_rows >= 30,
        "7d: {week_total} invocations, {week_rows} rows"
    );
    assert!(week_chart.contains("<svg"));

    let before = total_for_last(&ch, 24).await;
    select(&browser, "#range", "24h").await;
    appears(
        &browser,
        "#totals[data-range='24h']",
        "the range change reloads the data",
    )
    .await;
    appears(&browser, "#chart[data-range='24h']", "the 24h chart").await;
    let (day_total, day_chart) = total_and_chart(&browser).await;
    let after = total_for_last(&ch, 24).await;
    assert!(day_total < week_total, "24h {day_total} vs 7d {week_total}");
    assert!(
        day_total == before || day_total == after,
        "page says {day_total}, the analyzer {before}/{after}"
    );
    assert_ne!(day_chart, week_chart, "the chart was redrawn");
    assert!(day_chart.contains("Invocations per hour"));

    let png = browser.screenshot().await.unwrap();
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("overview-24h.png");
    std::fs::write(&shot, png).unwrap();

    // The recommendations page: one row per function, and a strategy
    // change reloads it with the same rows the API gives for that strategy.
    click(&browser, "header a[href='/recommendations']").await;
    appears(
        &browser,
        "#rec-totals[data-strategy='cost']",
        "the recommendations page renders",
    )
    .await;
    let rows = count(&browser, "#recommendation-table tbody tr").await;
    assert!(rows >= 30, "{rows} recommendation rows");
    select(&browser, "#strategy", "speed").await;
    appears(
        &browser,
        "#rec-totals[data-strategy='speed']",
        "the strategy change reloads the advice",
    )
    .await;
    let advised_on_page = count(
        &browser,
        "#recommendation-table tbody tr[data-status='recommend']",
    )
    .await;
    let api: serde_json::Value = api
        .get(format!("{}/api/v1/recommendations?strategy=speed", up.web))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let advised_by_api = api["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "recommend")
        .count();
    assert_eq!(advised_on_page, advised_by_api);

    // The cold-starts page explains every cause's rule next to the counts.
    click(&browser, "header a[href='/cold-starts']").await;
    appears(&browser, "#cause-rules", "the cold-starts page renders").await;
    assert_eq!(count(&browser, "#cause-rules li").await, 7);
    let rows = count(&browser, "#cold-start-table tbody tr").await;
    assert!(rows >= 20, "{rows} functions on the cold-starts page");
    browser.close().await.unwrap();
    assert!(up.stop().await.success());
}
