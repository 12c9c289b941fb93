//! Every page in headless Chromium: signed in through the form,
//! server-rendered, hydrated, showing the analyzer's numbers for the
//! range in its URL, following changes of range and filters, the what-if
//! answering without a reload, exports that download and agree; with a
//! screenshot of each page at 1400 px and 420 px in
//! `target/screenshots/`.

use super::common::{
    faasight_ok, free_port, get_json, kill_and_reap, wait_http_ok, ClickHouse, Stack,
};
use faasight_analyzer::explore::{functions_table, range_totals};
use faasight_analyzer::TimeRange;
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

/// The text of the element at `css`.
async fn text(browser: &Client, css: &str) -> String {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// Screenshots of the current page at 1400 px and 420 px wide, saved as
/// `target/screenshots/{name}-{width}.png`.
async fn screenshots(browser: &Client, name: &str) {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    for width in [1400u32, 420] {
        browser.set_window_size(width, 1100).await.unwrap();
        // The layout settles in the next frame: wait for it, not for time.
        browser
            .execute(
                "return await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(1))));",
                vec![],
            )
            .await
            .unwrap();
        let png = browser.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}-{width}.png")), png).unwrap();
    }
    browser.set_window_size(1400, 1100).await.unwrap();
}

/// Opens `path` and waits until the page has hydrated and its data is
/// shown (no loading line, no error).
async fn open(browser: &Client, web: &str, path: &str) {
    browser.goto(&format!("{web}{path}")).await.unwrap();
    appears(browser, "main[data-hydrated='true']", path).await;
    settled(browser, path).await;
}

/// Waits until no page section is loading, and fails on an error line.
async fn settled(browser: &Client, what: &str) {
    browser
        .wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::XPath("//main[not(.//p[@class='loading'])]"))
        .await
        .unwrap_or_else(|_| panic!("{what} keeps loading"));
    let errors = browser.find_all(Locator::Css("main .error")).await.unwrap();
    if let Some(e) = errors.first() {
        panic!("{what}: {}", e.text().await.unwrap());
    }
}

fn run(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e} (apt-get install -y poppler-utils)"));
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Dollars with cents as the PDF writes them (`$1,234.57`), rounded half
/// away from zero, from pico-dollars: a hand rule, not the crate's.
fn cents(pico: i64) -> String {
    let c = (pico.abs() as i128 * 100 + 500_000_000_000) / 1_000_000_000_000;
    let (d, r) = (c / 100, c % 100);
    let digits = d.to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{}${grouped}.{r:02}", if pico < 0 { "-" } else { "" })
}

/// Exact pico-dollars of a decimal USD text (`12.345678901234`).
fn pico_of(text: &str) -> i64 {
    let (sign, t) = text.strip_prefix('-').map_or((1, text), |t| (-1, t));
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let frac = format!("{frac:0<12}");
    sign * (int.parse::<i64>().unwrap() * 1_000_000_000_000 + frac[..12].parse::<i64>().unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_page_shows_the_analyzers_numbers_and_follows_its_url() {
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
    let dashboards = concat!(env!("CARGO_MANIFEST_DIR"), "/dashboards");
    let Stack {
        ch, up, api, login, ..
    } = Stack::over(
        ch,
        &[
            "--site-root",
            site.to_str().unwrap(),
            "--dashboards-dir",
            dashboards,
        ],
        &[],
    )
    .await;
    let web = up.web.clone();

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
                "--disable-sync", "--window-size=1400,1100", format!("--user-data-dir={}", profile.path().display()),
            ]
        }
    });
    let browser = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps.as_object().unwrap().clone())
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a chromium session");

    // Signed out, a page sends the browser to the sign-in form, which
    // comes back to it.
    browser
        .goto(&format!("{web}/functions?range=30d"))
        .await
        .unwrap();
    appears(&browser, "#login-form", "the sign-in form").await;
    screenshots(&browser, "login").await;
    let form = browser.form(Locator::Css("#login-form")).await.unwrap();
    form.set_by_name("user", &login.user).await.unwrap();
    form.set_by_name("password", &login.password).await.unwrap();
    form.submit().await.unwrap();
    appears(
        &browser,
        "main#functions[data-hydrated='true']",
        "back on the functions page",
    )
    .await;
    assert_eq!(text(&browser, "#user").await, "tester");

    let store = ch.store();
    let last = |hours| TimeRange::last_hours(hours, chrono::Utc::now());

    // Overview: the cards are the analyzer's totals for the URL's range;
    // choosing another range changes them and the URL, and the URL alone
    // reproduces the view.
    open(&browser, &web, "/?range=30d").await;
    let (before, _) = range_totals(&store, "default", last(30 * 24))
        .await
        .unwrap();
    let shown = digits(&text(&browser, "#total-invocations").await);
    let (after, _) = range_totals(&store, "default", last(30 * 24))
        .await
        .unwrap();
    assert!(
        shown == before.counts.invocations || shown == after.counts.invocations,
        "30d: page {shown}, analyzer {}",
        before.counts.invocations
    );
    assert!(count(&browser, "#cost-chart svg").await == 1);
    assert!(count(&browser, "#top-functions tbody tr").await >= 5);
    screenshots(&browser, "overview").await;
    select(&browser, "#range", "24h").await;
    appears(
        &browser,
        "#totals[data-label='Last 24 hours']",
        "the 24h totals",
    )
    .await;
    settled(&browser, "overview 24h").await;
    let day = digits(&text(&browser, "#total-invocations").await);
    let (expected, _) = range_totals(&store, "default", last(24)).await.unwrap();
    assert!(day < shown, "24h {day} < 30d {shown}");
    assert!(
        day.abs_diff(expected.counts.invocations) <= expected.counts.invocations / 50 + 5,
        "24h page {day}, analyzer {}",
        expected.counts.invocations
    );
    let url = browser.current_url().await.unwrap();
    assert!(url.as_str().contains("range=24h"), "{url}");
    browser.goto(url.as_str()).await.unwrap();
    appears(
        &browser,
        "#totals[data-label='Last 24 hours']",
        "the URL reproduces the view",
    )
    .await;

    // Functions: one row per function of the analyzer's table; a filter in
    // the URL narrows it; sorting by cost puts the costliest first.
    open(&browser, &web, "/functions?range=30d").await;
    let (table, _) = functions_table(&store, "default", last(30 * 24))
        .await
        .unwrap();
    assert_eq!(
        count(&browser, "#functions-table tbody tr").await,
        table.len()
    );
    let costliest = table.iter().max_by_key(|f| f.cost_usd).unwrap();
    let first_row = browser
        .find(Locator::Css("#functions-table tbody tr"))
        .await
        .unwrap();
    assert_eq!(
        first_row.attr("data-function").await.unwrap().as_deref(),
        Some(costliest.key.function.as_str())
    );
    screenshots(&browser, "functions").await;
    open(&browser, &web, "/functions?range=30d&provider=aws_lambda").await;
    let aws = table
        .iter()
        .filter(|f| f.key.provider == "aws_lambda")
        .count();
    assert_eq!(count(&browser, "#functions-table tbody tr").await, aws);
    assert!(aws < table.len());

    // Function detail, reached by its link: its totals are its line of the
    // functions table; the right-sizing card has a Power-Tuning chart.
    open(&browser, &web, "/functions?range=30d").await;
    click(&browser, "#functions-table tbody tr:first-child td a").await;
    appears(
        &browser,
        "main#function[data-hydrated='true'] #fn-invocations",
        "the function page",
    )
    .await;
    settled(&browser, "function page").await;
    assert_eq!(
        digits(&text(&browser, "#fn-invocations").await),
        costliest.invocations
    );
    assert!(count(&browser, "#activity-chart svg").await == 1);
    assert!(count(&browser, "#invocations-table tbody tr").await > 0);
    screenshots(&browser, "function").await;
    let with_card = table
        .iter()
        .find(|f| f.key.provider == "aws_lambda" && f.invocations > 500)
        .unwrap();
    open(
        &browser,
        &web,
        &format!(
            "/functions/aws_lambda/{}/{}/{}?range=30d",
            with_card.key.account, with_card.key.region, with_card.key.function
        ),
    )
    .await;
    assert_eq!(count(&browser, "#rightsizing-card").await, 1);
    assert_eq!(count(&browser, "#power-tuning svg").await, 1);
    screenshots(&browser, "function-rightsizing").await;
    // Its incidents are the anomaly API's for that function and range.
    let anomalies = get_json(&api, format!("{web}/api/v1/anomalies?days=30")).await;
    let key = format!(
        "aws_lambda/{}/{}/{}",
        with_card.key.account, with_card.key.region, with_card.key.function
    );
    let incidents = anomalies["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["key"] == key.as_str())
        .count();
    assert_eq!(count(&browser, "#incidents").await, 1);
    assert_eq!(
        count(&browser, "#incidents details.incident").await,
        incidents
    );

    // Right-sizing: the advised rows are the API's for the same strategy
    // and range, the CSV export has a line per function.
    open(&browser, &web, "/rightsizing?range=30d&strategy=speed").await;
    let advised = count(
        &browser,
        "#recommendation-table tbody tr[data-status='recommend']",
    )
    .await;
    let rows = count(&browser, "#recommendation-table tbody tr").await;
    let from_api = get_json(
        &api,
        format!("{web}/api/v1/rightsizing?strategy=speed&days=30"),
    )
    .await;
    let list = from_api["recommendations"].as_array().unwrap();
    assert_eq!(rows, list.len());
    assert_eq!(
        advised,
        list.iter().filter(|r| r["status"] == "recommend").count()
    );
    let csv_href = browser
        .find(Locator::Css("#export-csv"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(
        csv_href.contains("strategy=speed") && csv_href.contains("days=30"),
        "{csv_href}"
    );
    // The link itself answers: the API takes the page's window as days.
    let csv = api.get(format!("{web}{csv_href}")).send().await.unwrap();
    assert_eq!(csv.status(), 200, "{csv_href}");
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(csv.text().await.unwrap().lines().count(), list.len() + 1);
    screenshots(&browser, "rightsizing").await;

    // Insights: the findings and account peaks are the API's for the
    // page's own window (its JSON export), or the empty state says so.
    open(&browser, &web, "/insights?range=30d").await;
    let json_href = browser
        .find(Locator::Css("#export-json"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let insights = get_json(&api, format!("{web}{json_href}")).await;
    let findings = insights["findings"].as_array().unwrap().len();
    assert_eq!(count(&browser, "#findings details.finding").await, findings);
    assert_eq!(
        count(&browser, "#no-findings").await,
        usize::from(findings == 0)
    );
    assert_eq!(
        count(&browser, "#account-peaks tbody tr").await,
        insights["account_peaks"].as_array().unwrap().len()
    );
    screenshots(&browser, "insights").await;
    // A finding with example traces opens to its evidence and traces; a
    // trace opens as its waterfall.
    let with_traces = insights["findings"]
        .as_array()
        .unwrap()
        .iter()
        .position(|f| !f["example_trace_ids"].as_array().unwrap().is_empty());
    if let Some(i) = with_traces {
        let finding = format!("#findings details.finding:nth-child({})", i + 1);
        click(&browser, &format!("{finding} summary .kind")).await;
        appears(&browser, &format!("{finding}[open]"), "the finding opens").await;
        let expected = &insights["findings"][i];
        assert_eq!(
            count(&browser, &format!("{finding} table.evidence tbody tr")).await,
            expected["evidence"].as_array().unwrap().len()
        );
        assert_eq!(
            count(&browser, &format!("{finding} a.trace")).await,
            expected["example_trace_ids"].as_array().unwrap().len()
        );
        screenshots(&browser, "insights-finding").await;
        click(&browser, &format!("{finding} a.trace")).await;
        appears(&browser, "#waterfall svg", "the example trace's waterfall").await;
        settled(&browser, "the example trace").await;
    }

    // Cold starts: charts and the table; the what-if answers a slider
    // without reloading the page.
    open(&browser, &web, "/cold-starts?range=30d").await;
    assert!(count(&browser, "#cold-start-table tbody tr").await >= 20);
    assert_eq!(count(&browser, "#cause-rules li").await, 7);
    assert!(count(&browser, ".chart-grid svg").await >= 4);
    browser
        .execute("window.__same_page = 'yes'; return 1;", vec![])
        .await
        .unwrap();
    appears(
        &browser,
        "#what-if-result[data-keep-alive='10']",
        "the what-if's first answer",
    )
    .await;
    let cold_at_10 = digits(&text(&browser, "#wi-cold").await);
    browser
        .execute(
            "const s = document.getElementById('wi-keep-alive'); s.value = '0'; s.dispatchEvent(new Event('input', {bubbles: true})); return 1;",
            vec![],
        )
        .await
        .unwrap();
    appears(
        &browser,
        "#what-if-result[data-keep-alive='0']",
        "the what-if follows the slider",
    )
    .await;
    let cold_at_0 = digits(&text(&browser, "#wi-cold").await);
    assert!(
        cold_at_0 > cold_at_10,
        "no keep-alive {cold_at_0} vs 10 min {cold_at_10}"
    );
    let same = browser
        .execute("return window.__same_page || 'reloaded';", vec![])
        .await
        .unwrap();
    assert_eq!(same, serde_json::json!("yes"), "the page did not reload");
    screenshots(&browser, "cold-starts").await;

    // Cost: the bill and the report downloads; PDF, CSV, JSON and the bill
    // analysis agree on the month's totals.
    open(&browser, &web, "/cost?range=30d").await;
    assert!(count(&browser, "#stacked-chart svg").await == 1);
    assert!(count(&browser, "table.bill").await >= 1);
    screenshots(&browser, "cost").await;
    let month = browser
        .find(Locator::Css("#report-downloads li"))
        .await
        .unwrap()
        .attr("data-month")
        .await
        .unwrap()
        .unwrap();
    let pdf_href = browser
        .find(Locator::Css("#report-downloads li .report-pdf"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(
        pdf_href.starts_with("/api/v1/report?") && pdf_href.contains(&format!("month={month}")),
        "{pdf_href}"
    );
    let get = |format: &str| {
        api.get(format!("{web}/api/v1/report?month={month}&format={format}"))
            .send()
    };
    let doc: serde_json::Value = get("json").await.unwrap().json().await.unwrap();
    let billed = doc["totals"]["billed_pico"].as_i64().unwrap();
    let list_total = doc["totals"]["list_pico"].as_i64().unwrap();
    let csv = get("csv").await.unwrap().text().await.unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "billed_usd").unwrap();
    // The bill's block ends at the first empty record (a reconciliation
    // block may follow); a projection row leaves its amounts empty.
    let csv_billed: i64 = csv
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| l.split(',').nth(col).unwrap())
        .filter(|v| !v.is_empty())
        .map(pico_of)
        .sum();
    assert_eq!(
        csv_billed, billed,
        "CSV lines sum to the document's billed total"
    );
    let (first, _) = faasight_analyzer::cost_report::month_bounds(&month).unwrap();
    let bill: serde_json::Value = api
        .get(format!(
            "{web}/api/v1/bill?to={}&days=62",
            (first + chrono::Days::new(40)).format("%Y-%m-01T00:00:00Z")
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let month_bill = bill["months"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["month"].as_str().unwrap().starts_with(&month))
        .unwrap();
    assert_eq!(
        month_bill["billed_total"].as_i64().unwrap(),
        billed,
        "the bill analysis agrees"
    );
    let pdf = get("pdf").await.unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.pdf");
    std::fs::write(&file, pdf.bytes().await.unwrap()).unwrap();
    let text_of_pdf = run("pdftotext", &["-layout", file.to_str().unwrap(), "-"]);
    assert!(
        text_of_pdf.contains(&cents(billed)),
        "billed {} in the PDF",
        cents(billed)
    );
    assert!(
        text_of_pdf.contains(&cents(list_total)),
        "list {} in the PDF",
        cents(list_total)
    );
    let pages = text_of_pdf.matches("page ").count();
    run(
        "pdftoppm",
        &[
            "-r",
            "30",
            "-png",
            file.to_str().unwrap(),
            dir.path().join("p").to_str().unwrap(),
        ],
    );
    let rendered = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "png")
        })
        .count();
    assert!(
        rendered >= 2 && pages >= rendered,
        "{rendered} pages rendered"
    );

    // Traces: the demo's traces are listed; one opens as a waterfall with
    // its nested calls and its logs.
    open(&browser, &web, "/traces?range=30d").await;
    if count(&browser, "#traces-table tbody tr").await > 0 {
        click(&browser, "#traces-table tbody tr:first-child a").await;
        appears(&browser, "#waterfall svg", "the waterfall").await;
        settled(&browser, "the trace").await;
        assert!(count(&browser, "#waterfall g.span").await >= 2);
    }
    screenshots(&browser, "traces").await;

    // Dashboards: every shipped board renders without an error panel.
    open(&browser, &web, "/dashboards").await;
    let boards = count(&browser, "#board-list li").await;
    assert!(boards >= 3, "{boards} boards");
    screenshots(&browser, "dashboards").await;
    // The self-telemetry board reads the demo tenant's metrics table: its
    // panels may be empty, never errors.
    for slug in ["cold_starts", "cost", "error_budget", "faasight"] {
        open(&browser, &web, &format!("/dashboards/{slug}?range=30d")).await;
        assert!(count(&browser, "section.panel").await >= 3, "{slug}");
        assert_eq!(count(&browser, "section.panel.error").await, 0, "{slug}");
        screenshots(&browser, &format!("dashboard-{slug}")).await;
    }

    browser.close().await.unwrap();
    assert!(up.stop().await.success());
}
