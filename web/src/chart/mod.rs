//! Charts drawn on the server with plotters, as SVG text the page embeds.
//!
//! plotters' SVG backend writes text as `<text>` elements the browser lays
//! out, so no font files are needed. Every chart also carries invisible
//! hover targets with a `<title>` (the browser shows it as a tooltip), so
//! each drawn value can be read exactly: see [`Hover`].

mod waterfall;

pub use waterfall::waterfall;

use plotters::coord::Shift;
use plotters::prelude::*;

/// Width of every chart's drawing, px (the page scales it to fit).
const WIDTH: u32 = 960;

/// Colours of series, in order (distinguishable, colour-blind friendly).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(36, 99, 235),
    RGBColor(234, 88, 12),
    RGBColor(22, 163, 74),
    RGBColor(147, 51, 234),
    RGBColor(202, 138, 4),
    RGBColor(8, 145, 178),
    RGBColor(219, 39, 119),
    RGBColor(100, 116, 139),
];

fn err(e: impl std::fmt::Display) -> String {
    format!("drawing the chart failed: {e}")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Hover targets added after plotters' drawing: transparent shapes with a
/// `<title>` each.
#[derive(Default)]
struct Hover(String);

impl Hover {
    fn rect(&mut self, (x0, y0): (i32, i32), (x1, y1): (i32, i32), title: &str) {
        let (x, w) = (x0.min(x1), (x1 - x0).abs().max(3));
        let (y, h) = (y0.min(y1), (y1 - y0).abs().max(3));
        self.0.push_str(&format!(
            r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="transparent"><title>{}</title></rect>"#,
            escape(title)
        ));
    }

    fn point(&mut self, (x, y): (i32, i32), title: &str) {
        self.0.push_str(&format!(
            r#"<circle cx="{x}" cy="{y}" r="6" fill="transparent"><title>{}</title></circle>"#,
            escape(title)
        ));
    }

    fn into_svg(self, mut svg: String) -> String {
        if let Some(end) = svg.rfind("</svg>") {
            svg.insert_str(end, &format!(r#"<g class="hover">{}</g>"#, self.0));
        }
        svg
    }
}

/// The series' legend, boxed, in one corner; the same look on every chart.
fn legend<'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, CT>,
    position: SeriesLabelPosition,
    font_px: u32,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(203, 210, 217))
        .label_font(("sans-serif", font_px))
        .draw()
        .map_err(err)
}

fn area(svg: &mut String, height: u32) -> DrawingArea<SVGBackend<'_>, Shift> {
    SVGBackend::with_string(svg, (WIDTH, height)).into_drawing_area()
}

/// Labels a UTC epoch-seconds value at the precision of `step` seconds.
fn time_label(t: i64, step: i64) -> String {
    let d = chrono::DateTime::from_timestamp(t, 0).unwrap_or_default();
    if step >= 86_400 {
        d.format("%b %d").to_string()
    } else {
        d.format("%d %H:%M").to_string()
    }
}

/// A named line of `(epoch seconds, value)` points.
pub struct Line {
    /// Legend entry.
    pub name: String,
    /// Points in time order.
    pub points: Vec<(i64, f64)>,
    /// Dashed (a forecast).
    pub dashed: bool,
}

/// A band between two bounds: `(epoch seconds, low, high)`.
pub struct Band {
    /// Legend entry.
    pub name: String,
    /// Points in time order.
    pub points: Vec<(i64, f64, f64)>,
}

/// A marked moment (an anomaly): time, value and what it was.
pub struct Marker {
    /// When.
    pub at: i64,
    /// Where on the y axis.
    pub value: f64,
    /// The tooltip.
    pub title: String,
}

/// Lines over time, with an optional band and markers; `step` is the
/// spacing of the points in seconds (for labels); values are shown with
/// `fmt`.
pub fn time_series(
    caption: &str,
    y_desc: &str,
    lines: &[Line],
    band: Option<&Band>,
    markers: &[Marker],
    step: i64,
    fmt: &dyn Fn(f64) -> String,
) -> Result<String, String> {
    let mut svg = String::new();
    let mut hover = Hover::default();
    {
        let root = area(&mut svg, 300);
        root.fill(&WHITE).map_err(err)?;
        let xs = lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.0))
            .chain(band.iter().flat_map(|b| b.points.iter().map(|p| p.0)));
        let (x0, x1) = xs.fold((i64::MAX, i64::MIN), |(a, b), x| (a.min(x), b.max(x)));
        let (x0, x1) = if x0 > x1 {
            (0, 1)
        } else {
            (x0, x1.max(x0 + 1))
        };
        let y_max = lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.1))
            .chain(band.iter().flat_map(|b| b.points.iter().map(|p| p.2)))
            .chain(markers.iter().map(|m| m.value))
            .fold(0.0f64, f64::max);
        let y_max = if y_max > 0.0 { y_max * 1.12 } else { 1.0 };
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .caption(caption, ("sans-serif", 16))
            .x_label_area_size(30)
            .y_label_area_size(78)
            .build_cartesian_2d(x0..x1, 0f64..y_max)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels(8)
            .x_label_formatter(&|t| time_label(*t, step))
            .y_labels(5)
            .y_desc(y_desc)
            .y_label_formatter(&|v| fmt(*v))
            .light_line_style(RGBColor(235, 238, 242))
            .draw()
            .map_err(err)?;
        if let Some(band) = band {
            let grey = RGBColor(36, 99, 235).mix(0.15);
            let mut outline: Vec<(i64, f64)> = band.points.iter().map(|p| (p.0, p.2)).collect();
            outline.extend(band.points.iter().rev().map(|p| (p.0, p.1)));
            chart
                .draw_series(std::iter::once(Polygon::new(outline, grey.filled())))
                .map_err(err)?
                .label(band.name.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], grey.filled()));
            for p in &band.points {
                hover.point(
                    chart.backend_coord(&(p.0, p.2)),
                    &format!(
                        "{}: {} – {} ({})",
                        band.name,
                        fmt(p.1),
                        fmt(p.2),
                        time_label(p.0, step)
                    ),
                );
            }
        }
        for (i, line) in lines.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let style = color.stroke_width(2);
            let series = if line.dashed {
                chart
                    .draw_series(DashedLineSeries::new(
                        line.points.iter().copied(),
                        6,
                        4,
                        style,
                    ))
                    .map_err(err)?
            } else {
                chart
                    .draw_series(LineSeries::new(line.points.iter().copied(), style))
                    .map_err(err)?
            };
            series.label(line.name.clone()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
            });
            for p in &line.points {
                hover.point(
                    chart.backend_coord(p),
                    &format!("{} at {}: {}", line.name, time_label(p.0, step), fmt(p.1)),
                );
            }
        }
        let red = RGBColor(220, 38, 38);
        chart
            .draw_series(
                markers
                    .iter()
                    .map(|m| Circle::new((m.at, m.value), 5, red.filled())),
            )
            .map_err(err)?;
        for m in markers {
            hover.point(chart.backend_coord(&(m.at, m.value)), &m.title);
        }
        if lines.len() + usize::from(band.is_some()) > 1 {
            legend(&mut chart, SeriesLabelPosition::UpperLeft, 13)?;
        }
        root.present().map_err(err)?;
    }
    Ok(hover.into_svg(svg))
}

/// Stacked bars per category (days), one segment per series.
pub fn stacked_bars(
    caption: &str,
    y_desc: &str,
    categories: &[String],
    series: &[(String, Vec<f64>)],
    fmt: &dyn Fn(f64) -> String,
) -> Result<String, String> {
    let mut svg = String::new();
    let mut hover = Hover::default();
    {
        let root = area(&mut svg, 320);
        root.fill(&WHITE).map_err(err)?;
        let n = categories.len().max(1);
        let totals: Vec<f64> = (0..n)
            .map(|i| {
                series
                    .iter()
                    .map(|(_, v)| v.get(i).copied().unwrap_or(0.0))
                    .sum()
            })
            .collect();
        let y_max = totals.iter().copied().fold(0.0, f64::max);
        let y_max = if y_max > 0.0 { y_max * 1.1 } else { 1.0 };
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .caption(caption, ("sans-serif", 16))
            .x_label_area_size(30)
            .y_label_area_size(78)
            .build_cartesian_2d(0f64..n as f64, 0f64..y_max)
            .map_err(err)?;
        let cats = categories.to_vec();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.min(10))
            .x_label_formatter(&|x| cats.get(x.floor() as usize).cloned().unwrap_or_default())
            .y_labels(5)
            .y_desc(y_desc)
            .y_label_formatter(&|v| fmt(*v))
            .light_line_style(RGBColor(235, 238, 242))
            .draw()
            .map_err(err)?;
        let mut base = vec![0.0; n];
        for (s, (name, values)) in series.iter().enumerate() {
            let color = PALETTE[s % PALETTE.len()];
            let bars: Vec<_> = (0..n)
                .map(|i| {
                    let v = values.get(i).copied().unwrap_or(0.0);
                    let (x0, x1) = (i as f64 + 0.1, i as f64 + 0.9);
                    let r = ([(x0, base[i]), (x1, base[i] + v)], v);
                    base[i] += v;
                    r
                })
                .collect();
            chart
                .draw_series(
                    bars.iter()
                        .map(|(corners, _)| Rectangle::new(*corners, color.filled())),
                )
                .map_err(err)?
                .label(name.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled())
                });
            for (i, (corners, v)) in bars.iter().enumerate() {
                if *v > 0.0 {
                    hover.rect(
                        chart.backend_coord(&corners[0]),
                        chart.backend_coord(&corners[1]),
                        &format!(
                            "{} on {}: {}",
                            name,
                            categories.get(i).cloned().unwrap_or_default(),
                            fmt(*v)
                        ),
                    );
                }
            }
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft, 12)?;
        root.present().map_err(err)?;
    }
    Ok(hover.into_svg(svg))
}

/// Horizontal bars: one labelled value each, largest first as given.
pub fn bars(
    caption: &str,
    x_desc: &str,
    items: &[(String, f64)],
    fmt: &dyn Fn(f64) -> String,
) -> Result<String, String> {
    let mut svg = String::new();
    let mut hover = Hover::default();
    let n = items.len().max(1);
    {
        let root = area(&mut svg, (60 + 26 * n as u32).max(140));
        root.fill(&WHITE).map_err(err)?;
        let x_max = items.iter().map(|i| i.1).fold(0.0, f64::max);
        let x_max = if x_max > 0.0 { x_max * 1.1 } else { 1.0 };
        let labels: Vec<String> = items.iter().map(|i| shorten(&i.0, 34)).collect();
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .caption(caption, ("sans-serif", 16))
            .x_label_area_size(34)
            .y_label_area_size(250)
            .build_cartesian_2d(0f64..x_max, 0f64..n as f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(6)
            .x_desc(x_desc)
            .x_label_formatter(&|v| fmt(*v))
            .label_style(("sans-serif", 14))
            .light_line_style(RGBColor(235, 238, 242))
            .draw()
            .map_err(err)?;
        // One label per bar, centred on it (the mesh's own labels are
        // thinned and sit on the bars' edges).
        let label_style = ("sans-serif", 14)
            .into_font()
            .color(&RGBColor(31, 41, 51))
            .pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Right,
                plotters::style::text_anchor::VPos::Center,
            ));
        for (i, label) in labels.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(0.0, (n - i - 1) as f64 + 0.5));
            root.draw(&Text::new(label.clone(), (x - 8, y), label_style.clone()))
                .map_err(err)?;
        }
        let blue = PALETTE[0];
        let rects: Vec<_> = items
            .iter()
            .enumerate()
            .map(|(i, (_, v))| {
                let y = (n - i - 1) as f64;
                [(0.0, y + 0.15), (*v, y + 0.85)]
            })
            .collect();
        chart
            .draw_series(rects.iter().map(|c| Rectangle::new(*c, blue.filled())))
            .map_err(err)?;
        for (c, (name, v)) in rects.iter().zip(items) {
            hover.rect(
                chart.backend_coord(&c[0]),
                chart.backend_coord(&c[1]),
                &format!("{name}: {}", fmt(*v)),
            );
        }
        root.present().map_err(err)?;
    }
    Ok(hover.into_svg(svg))
}

/// A histogram of cold starts over bins `(from ms, to ms, count)` on a
/// logarithmic axis (INIT durations span 50 ms to tens of seconds; bins of
/// equal relative width look equally wide).
pub fn histogram(caption: &str, x_desc: &str, bins: &[(f64, f64, u64)]) -> Result<String, String> {
    use plotters::coord::combinators::IntoLogRange;
    let mut svg = String::new();
    let mut hover = Hover::default();
    {
        let root = area(&mut svg, 260);
        root.fill(&WHITE).map_err(err)?;
        let x_min = bins.iter().map(|b| b.0).fold(f64::INFINITY, f64::min);
        let x_max = bins.iter().map(|b| b.1).fold(0.0, f64::max);
        let (x_min, x_max) = if x_min.is_finite() && x_max > x_min && x_min > 0.0 {
            (x_min / 1.1, x_max * 1.1)
        } else {
            (1.0, 10.0)
        };
        let y_max = bins.iter().map(|b| b.2).max().unwrap_or(0).max(1) as f64 * 1.1;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .caption(caption, ("sans-serif", 16))
            .x_label_area_size(34)
            .y_label_area_size(64)
            .build_cartesian_2d((x_min..x_max).log_scale(), 0f64..y_max)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels(10)
            .x_desc(x_desc)
            .x_label_formatter(&|v| {
                if *v < 10.0 {
                    format!("{v:.1}")
                } else {
                    format!("{v:.0}")
                }
            })
            .y_labels(5)
            .y_desc("cold starts")
            .y_label_formatter(&|v| format!("{v:.0}"))
            .light_line_style(RGBColor(235, 238, 242))
            .draw()
            .map_err(err)?;
        let color = PALETTE[1];
        chart
            .draw_series(bins.iter().map(|&(from, to, count)| {
                // A hair of space between bars: 2 % of the bin's width.
                Rectangle::new(
                    [(from, 0.0), (from + (to - from) * 0.98, count as f64)],
                    color.filled(),
                )
            }))
            .map_err(err)?;
        for &(from, to, count) in bins {
            hover.rect(
                chart.backend_coord(&(from, 0.0)),
                chart.backend_coord(&(to, count as f64)),
                &format!("{from:.1}–{to:.1} ms: {count} cold starts"),
            );
        }
        root.present().map_err(err)?;
    }
    Ok(hover.into_svg(svg))
}

/// One memory size of a Power-Tuning chart.
pub struct SizePoint {
    /// Memory, MB.
    pub memory_mb: u32,
    /// Cost of one invocation, USD.
    pub cost_usd: f64,
    /// Expected duration, ms.
    pub duration_ms: f64,
    /// Measured mean duration at this size, when it ran at it.
    pub observed_ms: Option<f64>,
}

/// Cost per invocation (left axis) and duration (right axis) across
/// memory sizes, as AWS Lambda Power Tuning draws them; observed sizes get
/// a ring, the current and advised sizes a labelled line.
pub fn power_tuning(
    points: &[SizePoint],
    current_mb: u32,
    advised_mb: Option<u32>,
) -> Result<String, String> {
    let mut svg = String::new();
    let mut hover = Hover::default();
    {
        let root = area(&mut svg, 320);
        root.fill(&WHITE).map_err(err)?;
        // Sizes are spread evenly (an index axis): providers' sizes grow
        // geometrically and a linear axis would crowd the small ones.
        let n = points.len().max(1);
        let cost_max = points
            .iter()
            .map(|p| p.cost_usd)
            .fold(0.0, f64::max)
            .max(1e-12)
            * 1.15;
        let dur_max = points
            .iter()
            .map(|p| p.duration_ms.max(p.observed_ms.unwrap_or(0.0)))
            .fold(0.0, f64::max)
            .max(1.0)
            * 1.15;
        let sizes: Vec<u32> = points.iter().map(|p| p.memory_mb).collect();
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .caption(
                "Cost per invocation and duration by memory size",
                ("sans-serif", 16),
            )
            .x_label_area_size(34)
            .y_label_area_size(90)
            .right_y_label_area_size(70)
            .build_cartesian_2d(-0.5f64..n as f64 - 0.5, 0f64..cost_max)
            .map_err(err)?
            .set_secondary_coord(-0.5f64..n as f64 - 0.5, 0f64..dur_max);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_desc("memory (MB)")
            .x_label_formatter(&|x| {
                if (x - x.round()).abs() < 1e-9 {
                    sizes
                        .get(x.round() as usize)
                        .map(|m| m.to_string())
                        .unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_desc("cost per invocation (USD)")
            .y_label_formatter(&|v| format!("${v:.8}"))
            .light_line_style(RGBColor(235, 238, 242))
            .draw()
            .map_err(err)?;
        chart
            .configure_secondary_axes()
            .y_desc("duration (ms)")
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()
            .map_err(err)?;
        let (cost_color, dur_color) = (PALETTE[0], PALETTE[1]);
        for (mb, label, color) in [
            (Some(current_mb), "current", RGBColor(100, 116, 139)),
            (advised_mb, "advised", PALETTE[2]),
        ] {
            let Some(i) = mb.and_then(|mb| sizes.iter().position(|s| *s == mb)) else {
                continue;
            };
            let x = i as f64;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x, 0.0), (x, cost_max)],
                    color.stroke_width(2),
                )))
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{label} {} MB", sizes[i]),
                    (
                        x + 0.06,
                        cost_max * if label == "advised" { 0.97 } else { 0.90 },
                    ),
                    ("sans-serif", 13).into_font().color(&color),
                )))
                .map_err(err)?;
        }
        let cost_points: Vec<(f64, f64)> = points
            .iter()
            .enumerate()
            .map(|(i, p)| (i as f64, p.cost_usd))
            .collect();
        chart
            .draw_series(LineSeries::new(
                cost_points.iter().copied(),
                cost_color.stroke_width(2),
            ))
            .map_err(err)?
            .label("cost per invocation (left)")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], cost_color.stroke_width(2))
            });
        chart
            .draw_series(
                cost_points
                    .iter()
                    .map(|p| Circle::new(*p, 3, cost_color.filled())),
            )
            .map_err(err)?;
        let dur_points: Vec<(f64, f64)> = points
            .iter()
            .enumerate()
            .map(|(i, p)| (i as f64, p.duration_ms))
            .collect();
        chart
            .draw_secondary_series(LineSeries::new(
                dur_points.iter().copied(),
                dur_color.stroke_width(2),
            ))
            .map_err(err)?
            .label("expected duration (right)")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], dur_color.stroke_width(2))
            });
        let observed: Vec<(f64, f64)> = points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.observed_ms.map(|o| (i as f64, o)))
            .collect();
        chart
            .draw_secondary_series(
                observed
                    .iter()
                    .map(|p| Circle::new(*p, 6, dur_color.stroke_width(2))),
            )
            .map_err(err)?
            .label("measured mean duration")
            .legend(move |(x, y)| Circle::new((x + 8, y), 5, dur_color.stroke_width(2)));
        legend(&mut chart, SeriesLabelPosition::UpperRight, 12)?;
        for (i, p) in points.iter().enumerate() {
            let measured = p
                .observed_ms
                .map(|o| format!("; measured {o:.1} ms"))
                .unwrap_or_default();
            hover.point(
                chart.backend_coord(&(i as f64, p.cost_usd)),
                &format!(
                    "{} MB: ${:.10} per invocation, {:.1} ms expected{measured}",
                    p.memory_mb, p.cost_usd, p.duration_ms
                ),
            );
        }
        root.present().map_err(err)?;
    }
    Ok(hover.into_svg(svg))
}

/// `text` cut to `max` characters with an ellipsis.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}
