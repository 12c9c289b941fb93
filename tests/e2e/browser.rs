//! The overview in headless Chromium: server-rendered, hydrated, and
//! interactive (changing the time range reloads the table and the chart).

use super::common::{faasight_ok, free_port, wait_http_ok, ClickHouse, Up};
use faasight_analyzer::{functions_summary, SummaryTotals, TimeRange};
use fantoccini::{ClientBuilder, Locator};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

struct ChromeDriver(std::process::Child);

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
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
    let dir = tempfile::tempdir().unwrap();
    let up = Up::start(
        &[
            "--clickhouse-url",
            &ch.url(),
            "--site-root",
            site.to_str().unwrap(),
        ],
        dir.path(),
    )
    .await;

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

    browser.goto(&up.web).await.unwrap();
    let wait = || browser.wait().at_most(Duration::from_secs(30));
    wait()
        .for_element(Locator::Css("main[data-hydrated='true']"))
        .await
        .expect("the page hydrates");
    wait()
        .for_element(Locator::Css("#totals[data-range='7d']"))
        .await
        .unwrap();
    let week_total = digits(
        &browser
            .find(Locator::Css("#total-invocations"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let week_chart = browser
        .find(Locator::Css("#chart"))
        .await
        .unwrap()
        .html(true)
        .await
        .unwrap();
    let week_rows = browser
        .find_all(Locator::Css("#functions tbody tr"))
        .await
        .unwrap()
        .len();
    assert!(
        week_total > 0 && week_rows >= 30,
        "7d: {week_total} invocations, {week_rows} rows"
    );
    assert!(week_chart.contains("<svg"));

    let before = total_for_last(&ch, 24).await;
    browser
        .find(Locator::Css("#range"))
        .await
        .unwrap()
        .select_by_value("24h")
        .await
        .unwrap();
    wait()
        .for_element(Locator::Css("#totals[data-range='24h']"))
        .await
        .expect("the range change reloads the data");
    wait()
        .for_element(Locator::Css("#chart[data-range='24h']"))
        .await
        .unwrap();
    let day_total = digits(
        &browser
            .find(Locator::Css("#total-invocations"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let day_chart = browser
        .find(Locator::Css("#chart"))
        .await
        .unwrap()
        .html(true)
        .await
        .unwrap();
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
    browser
        .find(Locator::Css("header a[href='/recommendations']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait()
        .for_element(Locator::Css("#rec-totals[data-strategy='cost']"))
        .await
        .expect("the recommendations page renders");
    let rows = browser
        .find_all(Locator::Css("#recommendation-table tbody tr"))
        .await
        .unwrap()
        .len();
    assert!(rows >= 30, "{rows} recommendation rows");
    browser
        .find(Locator::Css("#strategy"))
        .await
        .unwrap()
        .select_by_value("speed")
        .await
        .unwrap();
    wait()
        .for_element(Locator::Css("#rec-totals[data-strategy='speed']"))
        .await
        .expect("the strategy change reloads the advice");
    let advised_on_page = browser
        .find_all(Locator::Css(
            "#recommendation-table tbody tr[data-status='recommend']",
        ))
        .await
        .unwrap()
        .len();
    let api: serde_json::Value =
        reqwest::get(format!("{}/api/v1/recommendations?strategy=speed", up.web))
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
    browser
        .find(Locator::Css("header a[href='/cold-starts']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait()
        .for_element(Locator::Css("#cause-rules"))
        .await
        .expect("the cold-starts page renders");
    let rules = browser
        .find_all(Locator::Css("#cause-rules li"))
        .await
        .unwrap();
    assert_eq!(rules.len(), 7);
    let rows = browser
        .find_all(Locator::Css("#cold-start-table tbody tr"))
        .await
        .unwrap()
        .len();
    assert!(rows >= 20, "{rows} functions on the cold-starts page");
    browser.close().await.unwrap();
    assert!(up.stop().await.success());
}
