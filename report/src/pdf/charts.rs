//! The report's charts, drawn by plotters as SVG and parsed by usvg (with
//! the embedded fonts, see [`svg_options`](super::layout::svg_options)) so
//! that krilla places them as vectors with real, extractable text.

use chrono::{Days, NaiveDate};
use plotters::prelude::*;

use super::layout::svg_options;
use super::PdfError;
use crate::money::{usd_cents, usd_whole, PICO_PER_USD};
use crate::ForecastSummary;

/// The y axis label of the daily cost chart.
pub(crate) const DAILY_Y_LABEL: &str = "USD per day";

/// Bars' colour.
const BAR: RGBColor = RGBColor(0x3b, 0x6e, 0xa8);
/// The forecast's expected line.
const LINE: RGBColor = RGBColor(0x1d, 0x4e, 0x89);
/// The forecast's interval band.
const BAND: RGBColor = RGBColor(0xb9, 0xcf, 0xe8);
/// Axis and label colour.
const AXIS: RGBColor = RGBColor(0x5f, 0x66, 0x6d);

/// A date of the report (`YYYY-MM-DD`); `field` names it in the error.
pub(crate) fn parse_date(field: &str, value: &str) -> Result<NaiveDate, PdfError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| PdfError::InvalidData {
        field: field.to_owned(),
        value: value.to_owned(),
    })
}

fn usd(pico: i64) -> f64 {
    pico as f64 / PICO_PER_USD as f64
}

/// An axis tick for a USD value: whole dollars when the axis goes past
/// $100, cents below (a $0–$2 axis in whole dollars would repeat `$1`).
fn tick_label(value: f64, axis_max: f64) -> String {
    let pico = (value * PICO_PER_USD as f64).round() as i64;
    if axis_max >= 100.0 {
        usd_whole(pico)
    } else {
        usd_cents(pico)
    }
}

/// The top of a USD axis: a little above the largest value, never zero.
fn axis_top(max_usd: f64) -> f64 {
    if max_usd.is_finite() && max_usd > 0.0 {
        max_usd * 1.12
    } else {
        1.0
    }
}

/// The day after `date`.
fn next_day(date: NaiveDate) -> NaiveDate {
    date.checked_add_days(Days::new(1)).unwrap_or(date)
}

fn chart_error(e: impl std::fmt::Display) -> PdfError {
    PdfError::Chart(e.to_string())
}

/// Parses a plotters SVG with the embedded fonts.
pub(crate) fn parse_svg(svg: &str) -> Result<usvg::Tree, PdfError> {
    usvg::Tree::from_str(svg, &svg_options()).map_err(chart_error)
}

/// Bars of the list cost per day over `[start, end)` (the report's
/// period, so a month-to-date report shows the days still to come as
/// empty), x = date, y = USD per day.
pub(crate) fn daily_chart(
    days: &[(NaiveDate, i64)],
    start: NaiveDate,
    end: NaiveDate,
    size: (u32, u32),
) -> Result<String, PdfError> {
    let first = days.iter().map(|d| d.0).min().unwrap_or(start).min(start);
    let last = days
        .iter()
        .map(|d| next_day(d.0))
        .max()
        .unwrap_or(end)
        .max(end);
    let last = if last <= first { next_day(first) } else { last };
    let max = days.iter().map(|d| usd(d.1)).fold(0.0, f64::max);
    let top = axis_top(max);

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let mut chart = day_axes(&root, first..last, top, DAILY_Y_LABEL)?;
        chart
            .draw_series(days.iter().map(|&(date, pico)| {
                let mut bar =
                    Rectangle::new([(date, 0.0), (next_day(date), usd(pico))], BAR.filled());
                bar.set_margin(0, 0, 1, 1);
                bar
            }))
            .map_err(chart_error)?;
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}

/// Axes shared by the daily charts: days (UTC) across, USD up to `top`,
/// light horizontal grid lines only.
fn day_axes<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    days: std::ops::Range<NaiveDate>,
    top: f64,
    y_desc: &str,
) -> Result<
    ChartContext<
        'a,
        SVGBackend<'b>,
        Cartesian2d<RangedDate<NaiveDate>, plotters::coord::types::RangedCoordf64>,
    >,
    PdfError,
> {
    let mut chart = ChartBuilder::on(root)
        .margin_top(8)
        .margin_right(12)
        .x_label_area_size(34)
        .y_label_area_size(64)
        .build_cartesian_2d(days, 0.0..top)
        .map_err(chart_error)?;
    let label = |d: &NaiveDate| d.format("%-d %b").to_string();
    let y_label = |v: &f64| tick_label(*v, top);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(0xe4, 0xe7, 0xeb))
        .axis_style(AXIS)
        .x_labels(8)
        .y_labels(6)
        .x_label_formatter(&label)
        .y_label_formatter(&y_label)
        .y_desc(y_desc)
        .x_desc("Day (UTC)")
        .label_style(("sans-serif", 11).into_font().color(&AXIS))
        .axis_desc_style(("sans-serif", 12).into_font().color(&AXIS))
        .draw()
        .map_err(chart_error)?;
    Ok(chart)
}

/// The forecast by day: the interval as a band, the expected value as a
/// line, with a legend.
pub(crate) fn forecast_chart(
    forecast: &ForecastSummary,
    days: &[(NaiveDate, i64, i64, i64)],
    size: (u32, u32),
) -> Result<String, PdfError> {
    let first = days.iter().map(|d| d.0).min().unwrap_or_default();
    let last = days.iter().map(|d| d.0).max().unwrap_or(first);
    let last = if last <= first { next_day(first) } else { last };
    let max = days
        .iter()
        .map(|d| usd(d.1).max(usd(d.3)))
        .fold(0.0, f64::max);
    let top = axis_top(max);
    let level = super::format_pct(forecast.level_pct);

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let mut chart = day_axes(&root, first..last, top, "USD per day (forecast)")?;

        let mut band: Vec<(NaiveDate, f64)> = days.iter().map(|d| (d.0, usd(d.3))).collect();
        band.extend(days.iter().rev().map(|d| (d.0, usd(d.2))));
        chart
            .draw_series(std::iter::once(Polygon::new(band, BAND.filled())))
            .map_err(chart_error)?
            .label(format!("{level} interval"))
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], BAND.filled()));
        chart
            .draw_series(LineSeries::new(
                days.iter().map(|d| (d.0, usd(d.1))),
                LINE.stroke_width(2),
            ))
            .map_err(chart_error)?
            .label("expected")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], LINE.stroke_width(2)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(AXIS)
            .label_font(("sans-serif", 11).into_font().color(&AXIS))
            .draw()
            .map_err(chart_error)?;
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}
