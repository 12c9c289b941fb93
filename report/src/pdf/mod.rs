//! The report as a PDF (feature `pdf`): A4 portrait pages with a summary,
//! the top functions, a daily cost chart, the forecast, the bill's line
//! items, right-sizing advice, warnings, architecture insights and the
//! queries behind it all.
//!
//! Written with krilla; the charts are plotters SVGs placed as vectors by
//! krilla-svg. All text — the charts' too — is set in DejaVu Sans, embedded
//! from `report/fonts/` (licence: `report/fonts/LICENSE-DejaVu.txt`), so
//! it is real text a reader can search and copy, and the file looks the
//! same wherever it is made. Nothing in the file depends on the moment it
//! is rendered except through the report's own `generated_at`: the same
//! report gives the same bytes.

mod charts;
mod layout;

use std::fmt;

use krilla::metadata::{DateTime, Metadata};

use crate::money::{group_thousands, usd_cents};
use crate::{CostReport, Subtotal};
use layout::{Align, Column, Composer, Fonts, Row, Style, Table};

/// Why a PDF could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PdfError {
    /// The embedded font could not be read (a broken build).
    Font(String),
    /// A chart could not be drawn or parsed.
    Chart(String),
    /// A value of the report is not what its type documents (a date that
    /// is not `YYYY-MM-DD`, …).
    InvalidData {
        /// The report field.
        field: String,
        /// Its value.
        value: String,
    },
    /// The layout could not be set up.
    Layout(String),
    /// krilla could not write the document.
    Pdf(String),
}

impl fmt::Display for PdfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PdfError::Font(m) => write!(f, "PDF font: {m}"),
            PdfError::Chart(m) => write!(f, "PDF chart: {m}"),
            PdfError::InvalidData { field, value } => {
                write!(f, "report field {field} has an invalid value {value:?}")
            }
            PdfError::Layout(m) => write!(f, "PDF layout: {m}"),
            PdfError::Pdf(m) => write!(f, "writing the PDF: {m}"),
        }
    }
}

impl std::error::Error for PdfError {}

/// The sentence that says where the prices come from.
pub const PRICES_SOURCE: &str =
    "Prices: faasight-pricing, from each provider's published price list; see the project README.";

/// The footer's font size.
const FOOTER_SIZE: f32 = 7.5;

/// Charts' size, points (= SVG pixels, drawn 1:1).
const CHART: (u32, u32) = (495, 210);

/// Renders `report` as a PDF.
///
/// The footer of every page reads "faasight cost report · tenant · month ·
/// page N of M".
pub fn to_pdf(report: &CostReport) -> Result<Vec<u8>, PdfError> {
    let fonts = Fonts::load()?;
    let mut doc = Composer::new(&fonts);
    summary(&mut doc, report);
    doc.page_break();
    top_functions(&mut doc, report);
    daily(&mut doc, report)?;
    forecast(&mut doc, report)?;
    bill_lines(&mut doc, report);
    rightsizing(&mut doc, report);
    warnings(&mut doc, report);
    insights(&mut doc, report);
    reconciliation(&mut doc, report);
    sources(&mut doc, report);
    let pages = doc.finish();

    // A very long tenant name is shortened in the footer, so that the
    // page number at its end stays on the page.
    let tenant = fonts.truncate(&report.tenant, FOOTER_SIZE, false, 260.0);
    let month = fonts.truncate(&report.month, FOOTER_SIZE, false, 60.0);
    let footer = move |page: usize, total: usize| {
        format!("faasight cost report · {tenant} · {month} · page {page} of {total}")
    };
    layout::render(&fonts, &pages, footer, FOOTER_SIZE, metadata(report))
}

/// Title, language and creation date (the report's `generated_at`, never
/// the clock) of the document.
fn metadata(report: &CostReport) -> Metadata {
    let mut metadata = Metadata::new()
        .title(format!(
            "Cost report — {} — {}",
            report.tenant, report.month
        ))
        .creator("faasight".to_owned())
        .language("en".to_owned());
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(&report.generated_at) {
        use chrono::{Datelike, Timelike};
        let at = at.naive_utc();
        if let (Ok(year), Ok(month), Ok(day), Ok(hour), Ok(minute), Ok(second)) = (
            u16::try_from(at.year()),
            u8::try_from(at.month()),
            u8::try_from(at.day()),
            u8::try_from(at.hour()),
            u8::try_from(at.minute()),
            u8::try_from(at.second()),
        ) {
            metadata = metadata.creation_date(
                DateTime::new(year)
                    .month(month)
                    .day(day)
                    .hour(hour)
                    .minute(minute)
                    .second(second)
                    .utc_offset_hour(0)
                    .utc_offset_minute(0),
            );
        }
    }
    metadata
}

/// A percentage for a reader: `80 %`, `12.5 %`.
pub(crate) fn format_pct(value: f64) -> String {
    if !value.is_finite() {
        "– %".to_owned()
    } else if value.fract() == 0.0 {
        format!("{value:.0} %")
    } else {
        format!("{value:.1} %")
    }
}

/// GB-seconds with thousands separators and one decimal.
fn format_gb_seconds(value: f64) -> String {
    if !value.is_finite() {
        return "–".to_owned();
    }
    let tenths = (value.abs() * 10.0).round();
    let whole = (tenths / 10.0).trunc();
    let sign = if value < 0.0 && tenths > 0.0 { "-" } else { "" };
    format!(
        "{sign}{}.{}",
        group_thousands(whole as u64),
        (tenths - whole * 10.0) as u64
    )
}

/// `2026-12` as `December 2026` (the text itself when it is not a month).
fn month_name(month: &str) -> String {
    chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .map_or_else(|_| month.to_owned(), |d| d.format("%B %Y").to_string())
}

/// A running month's projected total, on the summary page next to the
/// month-to-date totals it extends. A month that has ended has none: its
/// total is the actual one above.
fn month_end(doc: &mut Composer<'_>, report: &CostReport) {
    let Some(p) = &report.month_end else {
        return;
    };
    doc.heading(&format!("Projected for {}", month_name(&p.month)), 80.0);
    doc.figures(&[
        ("Projected list cost", usd_cents(p.projected_pico), "USD"),
        (
            &format!("{} interval", format_pct(p.level_pct)),
            format!("{} – {}", usd_cents(p.low_pico), usd_cents(p.high_pico)),
            "USD",
        ),
    ]);
    doc.gap(4.0);
    let remaining = p.days_in_month.saturating_sub(p.days_elapsed);
    doc.paragraph(
        &format!(
            "{} actual over the first {} of {} days, plus {} forecast for the remaining {} \
             (today's partial day is forecast, not counted). The interval is the forecast's; \
             the actual part is known.",
            usd_cents(p.actual_pico),
            p.days_elapsed,
            p.days_in_month,
            usd_cents(p.forecast_rest_pico),
            remaining
        ),
        Style::NOTE,
        0.0,
    );
}

/// Page 1: title, period, totals, and the subtotals by provider, account
/// and region.
fn summary(doc: &mut Composer<'_>, report: &CostReport) {
    doc.title("Cost report");
    doc.paragraph(
        &report.tenant,
        Style {
            size: 15.0,
            bold: true,
            color: layout::INK,
        },
        0.0,
    );
    doc.gap(4.0);
    let period = if report.complete {
        format!(
            "Period: {} – {} (end exclusive), month {}",
            report.period_start, report.period_end, report.month
        )
    } else {
        format!(
            "Period: {} – {} (end exclusive), month {}, month to date",
            report.period_start, report.period_end, report.month
        )
    };
    doc.paragraph(&period, Style::BODY, 0.0);
    doc.paragraph(
        &format!("Generated at {}", report.generated_at),
        Style::BODY,
        0.0,
    );
    if !report.complete {
        doc.gap(4.0);
        doc.paragraph(
            "Month to date: the month had not ended when this report was made, so the figures \
             cover only the days so far.",
            Style::NOTE,
            0.0,
        );
    }

    doc.heading("Totals", 80.0);
    let t = &report.totals;
    doc.figures(&[
        ("List price", usd_cents(t.list_pico), "USD"),
        (
            "Billed (after tiers and free grants)",
            usd_cents(t.billed_pico),
            "USD",
        ),
        (
            "Adjustment (tiers, free grants, plan fees)",
            usd_cents(t.billed_pico.saturating_sub(t.list_pico)),
            "USD",
        ),
        ("Invocations", group_thousands(t.invocations), "requests"),
    ]);
    doc.gap(4.0);
    doc.paragraph(
        "List price: each invocation at the provider's published per-request and per-GB-second \
         rates. Billed: what the provider charges once the month's usage tiers, free grants and \
         plan fees apply.",
        Style::NOTE,
        0.0,
    );
    month_end(doc, report);

    subtotals(doc, "By provider", "Provider", &report.by_provider);
    subtotals(
        doc,
        "By account",
        "Account (provider/account)",
        &report.by_account,
    );
    subtotals(
        doc,
        "By region",
        "Region (provider/region)",
        &report.by_region,
    );
}

fn subtotals(doc: &mut Composer<'_>, heading: &str, name: &'static str, rows: &[Subtotal]) {
    doc.heading(heading, 40.0);
    if rows.is_empty() {
        doc.paragraph("No usage this month.", Style::BODY, 0.0);
        return;
    }
    doc.table(&Table {
        name: heading.to_owned(),
        columns: vec![
            Column {
                title: name,
                width: 295.0,
                align: Align::Left,
            },
            Column {
                title: "List (USD)",
                width: 100.0,
                align: Align::Right,
            },
            Column {
                title: "Billed (USD)",
                width: 100.0,
                align: Align::Right,
            },
        ],
        rows: rows
            .iter()
            .map(|s| {
                Row::new(vec![
                    s.name.clone(),
                    usd_cents(s.list_pico),
                    usd_cents(s.billed_pico),
                ])
            })
            .collect(),
        size: 9.0,
    });
}

fn top_functions(doc: &mut Composer<'_>, report: &CostReport) {
    let heading = "Top functions by list cost";
    doc.heading(heading, 40.0);
    if report.top_functions.is_empty() {
        doc.paragraph("No function ran this month.", Style::BODY, 0.0);
        return;
    }
    doc.table(&Table {
        name: heading.to_owned(),
        columns: vec![
            Column {
                title: "Function",
                width: 135.0,
                align: Align::Left,
            },
            Column {
                title: "Provider / region",
                width: 165.0,
                align: Align::Left,
            },
            Column {
                title: "Invocations",
                width: 70.0,
                align: Align::Right,
            },
            Column {
                title: "List cost",
                width: 70.0,
                align: Align::Right,
            },
            Column {
                title: "Share",
                width: 55.0,
                align: Align::Right,
            },
        ],
        rows: report
            .top_functions
            .iter()
            .map(|f| {
                Row::new(vec![
                    f.function.clone(),
                    format!("{} / {}", f.provider, f.region),
                    group_thousands(f.invocations),
                    usd_cents(f.list_pico),
                    format_pct(f.share_pct),
                ])
            })
            .collect(),
        size: 8.5,
    });
}

fn daily(doc: &mut Composer<'_>, report: &CostReport) -> Result<(), PdfError> {
    doc.heading("Daily cost", CHART.1 as f32 + 20.0);
    if report.daily.is_empty() {
        doc.paragraph("No cost recorded on any day yet.", Style::BODY, 0.0);
        return Ok(());
    }
    let start = charts::parse_date("period_start", &report.period_start)?;
    let end = charts::parse_date("period_end", &report.period_end)?;
    let days = report
        .daily
        .iter()
        .map(|d| Ok((charts::parse_date("daily.date", &d.date)?, d.list_pico)))
        .collect::<Result<Vec<_>, PdfError>>()?;
    doc.paragraph("List cost per day (UTC).", Style::NOTE, 0.0);
    let svg = charts::daily_chart(&days, start, end, CHART)?;
    doc.chart(charts::parse_svg(&svg)?, CHART.0 as f32, CHART.1 as f32);
    Ok(())
}

fn forecast(doc: &mut Composer<'_>, report: &CostReport) -> Result<(), PdfError> {
    let Some(f) = &report.forecast else {
        doc.heading("Forecast", 30.0);
        doc.paragraph(
            "No forecast: there is not enough history yet to forecast next month's cost.",
            Style::BODY,
            0.0,
        );
        return Ok(());
    };
    // The figures and their chart stay on one page.
    let chart_height = if f.days.is_empty() {
        0.0
    } else {
        CHART.1 as f32 + 6.0
    };
    doc.heading(&format!("Forecast for {}", f.month), 45.0 + chart_height);
    doc.paragraph(
        &format!(
            "Next month ({}) expected list cost: {}",
            f.month,
            usd_cents(f.expected_pico)
        ),
        Style {
            bold: true,
            ..Style::BODY
        },
        0.0,
    );
    doc.paragraph(
        &format!(
            "{} interval: {} – {}",
            format_pct(f.level_pct),
            usd_cents(f.low_pico),
            usd_cents(f.high_pico)
        ),
        Style::BODY,
        0.0,
    );
    let mape = match f.backtest_mape_pct {
        Some(m) => format!(
            "Backtest MAPE: {} (mean absolute percentage error of the model on past months).",
            format_pct(m)
        ),
        None => "Backtest MAPE: not available (too little history to backtest).".to_owned(),
    };
    doc.paragraph(&mape, Style::BODY, 0.0);
    if f.days.is_empty() {
        return Ok(());
    }
    let days = f
        .days
        .iter()
        .map(|d| {
            Ok((
                charts::parse_date("forecast.days.date", &d.date)?,
                d.expected_pico,
                d.low_pico,
                d.high_pico,
            ))
        })
        .collect::<Result<Vec<_>, PdfError>>()?;
    doc.gap(6.0);
    let svg = charts::forecast_chart(f, &days, CHART)?;
    doc.chart(charts::parse_svg(&svg)?, CHART.0 as f32, CHART.1 as f32);
    Ok(())
}

fn bill_lines(doc: &mut Composer<'_>, report: &CostReport) {
    doc.heading("Bill line items", 60.0);
    doc.paragraph(
        "One line per provider, account, region and architecture, with the usage tiers and free \
         grants applied. Amounts are rounded to cents here; the CSV export has them exactly.",
        Style::NOTE,
        0.0,
    );
    doc.gap(4.0);
    if report.lines.is_empty() {
        doc.paragraph("No billable usage this month.", Style::BODY, 0.0);
        return;
    }
    let right = |title, width| Column {
        title,
        width,
        align: Align::Right,
    };
    let left = |title, width| Column {
        title,
        width,
        align: Align::Left,
    };
    let mut rows: Vec<Row> = report
        .lines
        .iter()
        .map(|l| Row {
            cells: vec![
                l.provider.clone(),
                l.account.clone(),
                l.region.clone(),
                l.arch.clone(),
                group_thousands(l.requests),
                format_gb_seconds(l.gb_seconds),
                usd_cents(l.list_pico),
                usd_cents(l.adjustment_pico),
                usd_cents(l.billed_pico),
            ],
            note: (!l.explanation.is_empty()).then(|| l.explanation.clone()),
            bold: false,
        })
        .collect();
    // The total row sums the lines shown (exactly, in pico-dollars), so
    // the column adds up on paper.
    let sum = |f: fn(&crate::BillLine) -> i64| {
        let total: i128 = report.lines.iter().map(|l| i128::from(f(l))).sum();
        i64::try_from(total).unwrap_or(if total < 0 { i64::MIN } else { i64::MAX })
    };
    let requests = report
        .lines
        .iter()
        .fold(0u64, |a, l| a.saturating_add(l.requests));
    let gb_seconds: f64 = report.lines.iter().map(|l| l.gb_seconds).sum();
    rows.push(Row {
        cells: vec![
            "Total".to_owned(),
            String::new(),
            String::new(),
            String::new(),
            group_thousands(requests),
            format_gb_seconds(gb_seconds),
            usd_cents(sum(|l| l.list_pico)),
            usd_cents(sum(|l| l.adjustment_pico)),
            usd_cents(sum(|l| l.billed_pico)),
        ],
        note: None,
        bold: true,
    });
    doc.table(&Table {
        name: "Bill line items".to_owned(),
        columns: vec![
            left("Provider", 80.0),
            left("Account", 64.0),
            left("Region", 60.0),
            left("Arch", 36.0),
            right("Requests", 54.0),
            right("GB-s", 50.0),
            right("List", 50.0),
            right("Adjustment", 52.0),
            right("Billed", 49.0),
        ],
        rows,
        size: 7.0,
    });
}

fn rightsizing(doc: &mut Composer<'_>, report: &CostReport) {
    let r = &report.rightsizing;
    doc.heading("Right-sizing", 50.0);
    if r.items.is_empty() {
        doc.paragraph(
            "No memory change would save money this month.",
            Style::BODY,
            0.0,
        );
        return;
    }
    doc.paragraph(
        &format!(
            "Memory changes that save money (strategy: {}). Total monthly savings: {}.",
            r.strategy,
            usd_cents(r.monthly_savings_pico)
        ),
        Style::BODY,
        0.0,
    );
    doc.gap(4.0);
    doc.table(&Table {
        name: "Right-sizing".to_owned(),
        columns: vec![
            Column {
                title: "Function",
                width: 125.0,
                align: Align::Left,
            },
            Column {
                title: "Provider / region",
                width: 165.0,
                align: Align::Left,
            },
            Column {
                title: "Memory (MB)",
                width: 75.0,
                align: Align::Right,
            },
            Column {
                title: "Monthly saving",
                width: 85.0,
                align: Align::Right,
            },
            Column {
                title: "Risk",
                width: 45.0,
                align: Align::Left,
            },
        ],
        rows: r
            .items
            .iter()
            .map(|i| {
                Row::new(vec![
                    i.function.clone(),
                    format!("{} / {}", i.provider, i.region),
                    format!(
                        "{} → {}",
                        group_thousands(u64::from(i.current_mb)),
                        group_thousands(u64::from(i.advised_mb))
                    ),
                    usd_cents(i.monthly_savings_pico),
                    i.risk.clone(),
                ])
            })
            .chain(std::iter::once(Row {
                cells: vec![
                    "Total".to_owned(),
                    String::new(),
                    String::new(),
                    usd_cents(r.monthly_savings_pico),
                    String::new(),
                ],
                note: None,
                bold: true,
            }))
            .collect(),
        size: 8.5,
    });
}

fn warnings(doc: &mut Composer<'_>, report: &CostReport) {
    doc.heading("Warnings", 30.0);
    if report.warnings.is_empty() {
        doc.paragraph("No warnings.", Style::BODY, 0.0);
        return;
    }
    for w in &report.warnings {
        doc.bullet(&format!("{} — {}", w.function, w.kind), &w.message);
    }
}

/// The architecture insights: one row per finding, most money at stake
/// first, with the functions involved and, under it, what was found, what
/// to do and the traces that show it.
fn insights(doc: &mut Composer<'_>, report: &CostReport) {
    let heading = "Architecture insights";
    doc.heading(heading, 60.0);
    if report.insights.is_empty() {
        doc.paragraph("No anti-pattern found in the month.", Style::BODY, 0.0);
        return;
    }
    let mut items: Vec<&crate::InsightItem> = report.insights.iter().collect();
    // Most money first (the analyzer's order; kept for equal amounts).
    items.sort_by_key(|i| std::cmp::Reverse(i.monthly_usd_pico));
    let total: i128 = items.iter().map(|i| i128::from(i.monthly_usd_pico)).sum();
    let total = i64::try_from(total).unwrap_or(if total < 0 { i64::MIN } else { i64::MAX });
    doc.paragraph(
        &format!(
            "Serverless anti-patterns, concurrency limits and idle provisioned concurrency found \
             in the month's invocations and traces: {} {}, {} per month at stake in all.",
            items.len(),
            if items.len() == 1 {
                "finding"
            } else {
                "findings"
            },
            usd_cents(total)
        ),
        Style::BODY,
        0.0,
    );
    doc.paragraph(
        "Money per month at list price, at the month's rate; $0.00 where the cost is latency \
         or risk rather than money.",
        Style::NOTE,
        0.0,
    );
    doc.gap(4.0);
    doc.table(&Table {
        name: heading.to_owned(),
        columns: vec![
            Column {
                title: "Finding",
                width: 115.0,
                align: Align::Left,
            },
            Column {
                title: "Functions",
                width: 285.0,
                align: Align::Left,
            },
            Column {
                title: "USD / month",
                width: 95.0,
                align: Align::Right,
            },
        ],
        rows: items
            .iter()
            .map(|i| {
                let mut note = i.summary.clone();
                if !i.advice.is_empty() {
                    note.push_str(&format!("\nWhat to do: {}", i.advice));
                }
                if !i.example_trace_ids.is_empty() {
                    note.push_str(&format!(
                        "\nExample traces: {}",
                        i.example_trace_ids.join(", ")
                    ));
                }
                Row {
                    cells: vec![
                        i.title.clone(),
                        // `provider/account/region/function` with spaces
                        // around the slashes, so it wraps between parts.
                        i.functions
                            .iter()
                            .map(|f| f.replace('/', " / "))
                            .collect::<Vec<_>>()
                            .join("\n"),
                        usd_cents(i.monthly_usd_pico),
                    ],
                    note: Some(note),
                    bold: false,
                }
            })
            .collect(),
        size: 8.5,
    });
}

/// The invoice reconciliation table, and the likely causes of each
/// remainder below it; nothing when no Cost and Usage Report was imported.
fn reconciliation(doc: &mut Composer<'_>, report: &CostReport) {
    let Some(r) = &report.reconciliation else {
        return;
    };
    let heading = "Invoice reconciliation (AWS Lambda)";
    doc.heading(heading, 40.0);
    doc.paragraph(
        &format!(
            "Invoiced {}; computed from telemetry {}; remainder {}.",
            usd_cents(r.invoiced_pico),
            usd_cents(r.computed_pico),
            usd_cents(r.remainder_pico)
        ),
        Style::BODY,
        0.0,
    );
    let not_modelled = || "not modelled".to_owned();
    doc.table(&Table {
        name: heading.to_owned(),
        columns: vec![
            Column {
                title: "Account / region",
                width: 135.0,
                align: Align::Left,
            },
            Column {
                title: "Usage type",
                width: 140.0,
                align: Align::Left,
            },
            Column {
                title: "Invoiced",
                width: 70.0,
                align: Align::Right,
            },
            Column {
                title: "From telemetry",
                width: 80.0,
                align: Align::Right,
            },
            Column {
                title: "Remainder",
                width: 70.0,
                align: Align::Right,
            },
        ],
        rows: r
            .lines
            .iter()
            .map(|l| {
                Row::new(vec![
                    format!("{} / {}", l.account, l.region),
                    if l.arch.is_empty() {
                        l.usage.clone()
                    } else {
                        format!("{} · {}", l.usage, l.arch)
                    },
                    usd_cents(l.invoiced_pico),
                    l.computed_pico.map(usd_cents).unwrap_or_else(not_modelled),
                    usd_cents(l.remainder_pico),
                ])
            })
            .collect(),
        size: 8.5,
    });
    for l in r.lines.iter().filter(|l| l.remainder_pico != 0) {
        doc.bullet(
            &format!("{} / {} — {}", l.account, l.region, l.usage),
            &l.explanation,
        );
    }
    for n in &r.notes {
        doc.paragraph(n, Style::BODY, 0.0);
    }
}

fn sources(doc: &mut Composer<'_>, report: &CostReport) {
    doc.heading("Sources", 30.0);
    doc.paragraph(
        "The queries behind the figures, run against faasight's ClickHouse store:",
        Style::BODY,
        0.0,
    );
    doc.gap(4.0);
    for q in &report.queries {
        let params = if q.params.is_empty() {
            "no parameters".to_owned()
        } else {
            format!("parameters: {}", q.params.join(", "))
        };
        doc.bullet(&format!("{} — {}", q.feeds, q.file), &params);
    }
    doc.gap(6.0);
    doc.paragraph(PRICES_SOURCE, Style::BODY, 0.0);
}
