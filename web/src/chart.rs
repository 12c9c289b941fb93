//! Charts drawn on the server with plotters, as SVG text the page embeds.
//!
//! plotters' SVG backend writes text as `<text>` elements the browser lays
//! out, so no font files or system libraries are needed.

use faasight_analyzer::TimeBucket;
use plotters::prelude::*;

/// Invocations per bucket as a filled line chart; `bucket_seconds` decides
/// the axis labels (hours or days).
pub fn invocations_chart(buckets: &[TimeBucket], bucket_seconds: u32) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, 260)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        // The x axis counts buckets, so that ticks fall on whole hours or
        // days; labels turn a bucket index back into its time.
        let origin = buckets.first().map(|b| b.start.timestamp()).unwrap_or(0);
        let n = buckets.len().max(1) as i64;
        let y_max = buckets
            .iter()
            .map(|b| b.invocations)
            .max()
            .unwrap_or(0)
            .max(1) as f64
            * 1.1;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .caption(
                if bucket_seconds >= 86_400 {
                    "Invocations per day"
                } else {
                    "Invocations per hour"
                },
                ("sans-serif", 16),
            )
            .x_label_area_size(28)
            .y_label_area_size(64)
            .build_cartesian_2d(0..n, 0f64..y_max)
            .map_err(|e| e.to_string())?;
        let label = move |i: &i64| {
            let d = chrono::DateTime::from_timestamp(origin + i * bucket_seconds as i64, 0)
                .unwrap_or_default();
            if bucket_seconds >= 86_400 {
                d.format("%b %d").to_string()
            } else {
                d.format("%d %H:%M").to_string()
            }
        };
        chart
            .configure_mesh()
            .x_labels(8)
            .x_label_formatter(&label)
            .y_labels(5)
            .y_label_formatter(&|v| format!("{v:.0}"))
            .light_line_style(RGBColor(235, 238, 242))
            .draw()
            .map_err(|e| e.to_string())?;
        let blue = RGBColor(36, 99, 235);
        chart
            .draw_series(
                AreaSeries::new(
                    buckets
                        .iter()
                        .enumerate()
                        .map(|(i, b)| (i as i64, b.invocations as f64)),
                    0.0,
                    blue.mix(0.18),
                )
                .border_style(blue.stroke_width(2)),
            )
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}
