//! The PDF read back with poppler (`pdftotext`, `pdftoppm`): real text with
//! the hand-computed totals, a footer whose page count matches the pages
//! that render, charts whose labels are text, nothing off the page.
//!
//! These tests need poppler-utils; they fail (never skip) without it.
#![cfg(feature = "pdf")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use faasight_report::pdf::to_pdf;

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("report-pdf-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a poppler tool, failing the test with the install command when it
/// is missing.
fn poppler(tool: &str, args: &[&str]) -> String {
    let output = match Command::new(tool).args(args).output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "`{tool}` is not installed; the PDF tests need poppler's tools: \
             run `apt-get install -y poppler-utils`"
        ),
        Err(e) => panic!("running {tool}: {e}"),
    };
    assert!(
        output.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 from poppler")
}

/// Writes the report's PDF and returns its path.
fn write_pdf(name: &str, report: &faasight_report::CostReport) -> PathBuf {
    let dir = scratch(name);
    let path = dir.join("report.pdf");
    std::fs::write(&path, to_pdf(report).expect("PDF renders")).unwrap();
    path
}

/// Text with every run of white space made one space, since `-layout`
/// pads columns with spaces.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The page count the footers claim: the M of "page 1 of M".
fn claimed_pages(text: &str) -> usize {
    let marker = "· page 1 of ";
    let at = text.find(marker).expect("a page 1 footer") + marker.len();
    text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

/// The number of pages `pdftoppm` renders.
fn rendered_pages(pdf: &Path) -> usize {
    let dir = pdf.parent().unwrap().join("png");
    std::fs::create_dir_all(&dir).unwrap();
    let prefix = dir.join("page");
    poppler(
        "pdftoppm",
        &[
            "-r",
            "40",
            "-png",
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".png")
        })
        .count()
}

#[test]
fn pdf_shows_the_hand_computed_figures_on_the_pages_it_claims() {
    let report = fixture();
    let pdf = write_pdf("figures", &report);
    let text = squeeze(&poppler(
        "pdftotext",
        &["-layout", pdf.to_str().unwrap(), "-"],
    ));

    for expected in [
        "Cost report",
        TENANT,
        MONTH,
        "Period: 2025-06-01 – 2025-07-01",
        "Generated at 2025-07-01T04:05:06Z",
        LIST_SHOWN,
        BILLED_SHOWN,
        "-$465.00",
        "465,001,395",
        "Billed (after tiers and free grants)",
        TOP_FUNCTION,
        INTERVAL_SHOWN,
        "Backtest MAPE: 6.8 %",
        "Total monthly savings: $64.55",
        "2,048 → 1,024",
        "order-events-consumer — cold_starts",
        "monthly_usage.sql",
        "Prices: faasight-pricing, from each provider's published price list; see the project README.",
    ] {
        assert!(text.contains(expected), "{expected:?} not in the PDF text:\n{text}");
    }
    assert!(
        !text.contains("month to date"),
        "the fixture month is complete"
    );

    let pages = claimed_pages(&text);
    assert!(
        pages >= 3,
        "the fixture needs at least 3 pages, footer says {pages}"
    );
    for page in 1..=pages {
        let footer = format!("faasight cost report · {TENANT} · {MONTH} · page {page} of {pages}");
        assert!(text.contains(&footer), "missing footer {footer:?}");
    }
    assert!(!text.contains(&format!("page {} of", pages + 1)));
    assert_eq!(
        rendered_pages(&pdf),
        pages,
        "pdftoppm renders the pages the footer counts"
    );
}

#[test]
fn bill_lines_continue_across_pages_with_the_header_repeated() {
    let pdf = write_pdf("lines", &fixture());
    let raw = poppler("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"]);
    let header_rows = raw
        .lines()
        .map(squeeze)
        .filter(|l| l == "Provider Account Region Arch Requests GB-s List Adjustment Billed")
        .count();
    assert!(
        header_rows >= 2,
        "bill line header appears {header_rows} times:\n{raw}"
    );
    // Every line of the bill is there (its requests, i × 1,000,003).
    let text = squeeze(&raw);
    for i in 1..=30u64 {
        let requests = i * 1_000_003;
        let shown = format!(
            "{},{:03},{:03}",
            requests / 1_000_000,
            requests / 1_000 % 1_000,
            requests % 1_000
        );
        assert!(text.contains(&shown), "line {i} ({shown}) missing");
    }
    assert!(text.contains("Bill line items (continued)"));
    // The table's total row sums the lines: the hand-computed totals.
    assert!(text.contains(&format!(
        "Total 465,001,395 574,042.5 {LIST_SHOWN} -$465.00 {BILLED_SHOWN}"
    )));
}

/// Asserts that every word `pdftotext -bbox` finds lies inside the page
/// margins (50 pt each side, footer included), and returns how many.
fn assert_within_margins(pdf: &Path) -> usize {
    let html = poppler("pdftotext", &["-bbox", pdf.to_str().unwrap(), "-"]);
    let attr = |tag: &str, name: &str| -> f64 {
        let key = format!("{name}=\"");
        let at = tag.find(&key).unwrap() + key.len();
        tag[at..].split('"').next().unwrap().parse().unwrap()
    };
    let mut words = 0;
    for tag in html.split("<word ").skip(1) {
        let word = tag
            .split('>')
            .nth(1)
            .unwrap_or("")
            .split('<')
            .next()
            .unwrap_or("");
        let (x0, y0, x1, y1) = (
            attr(tag, "xMin"),
            attr(tag, "yMin"),
            attr(tag, "xMax"),
            attr(tag, "yMax"),
        );
        assert!(
            x0 >= 45.0 && x1 <= 550.0 && y0 >= 40.0 && y1 <= 822.0,
            "{word:?} at ({x0}, {y0})–({x1}, {y1}) is outside the margins"
        );
        words += 1;
    }
    words
}

#[test]
fn nothing_is_drawn_outside_the_margins() {
    let pdf = write_pdf("margins", &fixture());
    let words = assert_within_margins(&pdf);
    assert!(words > 500, "only {words} words");
}

#[test]
fn long_texts_wrap_and_stay_on_the_page() {
    let mut report = fixture();
    report.tenant = "a-tenant-with-a-very-long-name-".repeat(6);
    report.top_functions[0].function = "x".repeat(200);
    report.lines[3].explanation = "a long explanation of the bill line ".repeat(600);
    report.warnings[0].message = "this warning goes on and on ".repeat(150);
    report.queries[0].params = (0..200).map(|i| format!("param-{i}")).collect();
    let pdf = write_pdf("long", &report);
    assert_within_margins(&pdf);
    let text = squeeze(&poppler(
        "pdftotext",
        &["-layout", pdf.to_str().unwrap(), "-"],
    ));
    let pages = claimed_pages(&text);
    assert_eq!(rendered_pages(&pdf), pages);
    assert!(
        text.contains("param-199"),
        "the last parameter is on a page"
    );
}

#[test]
fn chart_labels_are_text() {
    let pdf = write_pdf("charts", &fixture());
    let text = squeeze(&poppler("pdftotext", &[pdf.to_str().unwrap(), "-"]));
    // The axis labels only exist as text if usvg had the fonts: without
    // them it drops every <text> of the SVG without a word.
    assert!(
        text.contains("USD per day"),
        "y axis label missing:\n{text}"
    );
    assert!(text.contains("Day (UTC)"), "x axis label missing");
    assert!(
        text.contains("80 % interval expected"),
        "forecast legend missing"
    );
}

#[test]
fn month_to_date_without_forecast_says_so() {
    let mut report = fixture();
    report.complete = false;
    report.forecast = None;
    report.warnings.clear();
    let pdf = write_pdf("mtd", &report);
    let text = squeeze(&poppler(
        "pdftotext",
        &["-layout", pdf.to_str().unwrap(), "-"],
    ));
    assert!(text.contains("month to date"));
    assert!(text.contains("No forecast: there is not enough history yet"));
    assert!(text.contains("No warnings."));
    assert!(!text.contains("interval:"));
}

#[test]
fn a_running_month_shows_its_projection() {
    let pdf = write_pdf("projection", &running_fixture());
    let text = squeeze(&poppler(
        "pdftotext",
        &["-layout", pdf.to_str().unwrap(), "-"],
    ));
    // The fixture's figures: $50 actual + $250 forecast = $300.
    for expected in [
        "Projected for June 2025",
        "Projected list cost $300.00",
        "80 % interval $280.00 – $330.00",
        "$50.00 actual over the first 5 of 30 days, plus $250.00 forecast for the remaining 25",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} not in the PDF text:\n{text}"
        );
    }
    let complete = squeeze(&poppler(
        "pdftotext",
        &[
            "-layout",
            write_pdf("no-projection", &fixture()).to_str().unwrap(),
            "-",
        ],
    ));
    assert!(
        !complete.contains("Projected for"),
        "an ended month has no projection"
    );
}

#[test]
fn an_empty_report_still_renders() {
    let mut report = fixture();
    report.lines.clear();
    report.by_provider.clear();
    report.by_account.clear();
    report.by_region.clear();
    report.top_functions.clear();
    report.daily.clear();
    report.forecast = None;
    report.rightsizing.items.clear();
    report.warnings.clear();
    report.queries.clear();
    let pdf = write_pdf("empty", &report);
    let text = squeeze(&poppler(
        "pdftotext",
        &["-layout", pdf.to_str().unwrap(), "-"],
    ));
    assert!(text.contains("No billable usage this month."));
    let pages = claimed_pages(&text);
    assert_eq!(rendered_pages(&pdf), pages);
}

#[test]
fn insights_show_their_summaries_and_money_most_first() {
    let pdf = write_pdf("insights", &fixture());
    let text = squeeze(&poppler(
        "pdftotext",
        &["-layout", pdf.to_str().unwrap(), "-"],
    ));
    assert!(text.contains("Architecture insights"), "{text}");
    for expected in INSIGHT_SUMMARIES.iter().chain(&INSIGHT_SHOWN) {
        assert!(
            text.contains(expected),
            "{expected:?} not in the PDF text:\n{text}"
        );
    }
    // $1,234.004 + $37.125 = $1,271.129 at stake, by hand.
    assert!(text.contains("2 findings, $1,271.13 per month at stake in all"));
    assert!(text.contains("4bf92f3577b34da6a3ce929d0e0e4736"));
    let section = &text[text.find("Architecture insights").unwrap()..];
    let (first, second) = (
        section.find(INSIGHT_SHOWN[0]).unwrap(),
        section.find(INSIGHT_SHOWN[1]).unwrap(),
    );
    assert!(first < second, "most money first");
    assert!(!text.contains("No anti-pattern found in the month."));
}

#[test]
fn a_month_without_insights_says_so() {
    let mut report = fixture();
    report.insights.clear();
    let pdf = write_pdf("no-insights", &report);
    let text = squeeze(&poppler(
        "pdftotext",
        &["-layout", pdf.to_str().unwrap(), "-"],
    ));
    assert!(text.contains("Architecture insights"));
    assert!(
        text.contains("No anti-pattern found in the month."),
        "{text}"
    );
    assert!(!text.contains(INSIGHT_SUMMARIES[0]));
}

#[test]
fn a_report_from_before_insights_reads_as_without_them() {
    let mut json = serde_json::to_value(fixture()).unwrap();
    json.as_object_mut().unwrap().remove("insights");
    let report: faasight_report::CostReport = serde_json::from_value(json).unwrap();
    assert!(report.insights.is_empty());
}

#[test]
fn the_same_report_gives_the_same_bytes() {
    let report = fixture();
    assert_eq!(to_pdf(&report).unwrap(), to_pdf(&report).unwrap());
}
