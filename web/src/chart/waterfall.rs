//! A trace as a waterfall: one row per span, indented under its parent,
//! its bar placed on the trace's time axis. Drawn directly as SVG: rows,
//! bars and labels are all it needs.

use super::escape;
use faasight_analyzer::explore::SpanLine;
use std::collections::HashMap;

const ROW: u32 = 24;
const LABEL_WIDTH: u32 = 330;
const WIDTH: u32 = 960;

/// Spans in depth-first order with their depth: children follow their
/// parent, in start order; spans whose parent is missing are roots.
fn ordered(spans: &[SpanLine]) -> Vec<(usize, &SpanLine)> {
    let ids: std::collections::HashSet<&str> = spans.iter().map(|s| s.span_id.as_str()).collect();
    let mut children: HashMap<&str, Vec<&SpanLine>> = HashMap::new();
    let mut roots = Vec::new();
    for s in spans {
        if s.parent_span_id.is_empty() || !ids.contains(s.parent_span_id.as_str()) {
            roots.push(s);
        } else {
            children
                .entry(s.parent_span_id.as_str())
                .or_default()
                .push(s);
        }
    }
    roots.sort_by_key(|s| s.start_ns);
    for kids in children.values_mut() {
        kids.sort_by_key(|s| s.start_ns);
    }
    let mut out = Vec::with_capacity(spans.len());
    let mut stack: Vec<(usize, &SpanLine)> = roots.into_iter().rev().map(|s| (0, s)).collect();
    while let Some((depth, span)) = stack.pop() {
        out.push((depth, span));
        if let Some(kids) = children.get(span.span_id.as_str()) {
            stack.extend(kids.iter().rev().map(|k| (depth + 1, *k)));
        }
        if out.len() > spans.len() {
            break; // a cycle in bad data: stop rather than loop
        }
    }
    out
}

/// The waterfall of `spans` (one trace) as an SVG document.
pub fn waterfall(spans: &[SpanLine]) -> String {
    let rows = ordered(spans);
    let start = spans.iter().map(|s| s.start_ns).min().unwrap_or(0);
    let end = spans
        .iter()
        .map(|s| s.end_ns)
        .max()
        .unwrap_or(start)
        .max(start + 1);
    let total = (end - start) as f64;
    let bar_width = f64::from(WIDTH - LABEL_WIDTH - 20);
    let height = 40 + ROW * rows.len() as u32;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    svg.push_str(&format!(
        r##"<rect width="{WIDTH}" height="{height}" fill="#fff"/><text x="{LABEL_WIDTH}" y="16" fill="#52606d">0 ms</text><text x="{}" y="16" text-anchor="end" fill="#52606d">{:.1} ms</text>"##,
        WIDTH - 20,
        total / 1e6
    ));
    for (i, (depth, s)) in rows.iter().enumerate() {
        let y = 28 + ROW * i as u32;
        let x0 =
            f64::from(LABEL_WIDTH) + bar_width * (s.start_ns.saturating_sub(start)) as f64 / total;
        let w = (bar_width * (s.end_ns.saturating_sub(s.start_ns)) as f64 / total).max(2.0);
        let color = if s.status_code == 2 {
            "#dc2626"
        } else if s.kind == 3 {
            "#ea580c"
        } else {
            "#2463eb"
        };
        let ms = (s.end_ns.saturating_sub(s.start_ns)) as f64 / 1e6;
        let offset = (s.start_ns.saturating_sub(start)) as f64 / 1e6;
        let kind = match s.kind {
            2 => "server",
            3 => "client",
            4 => "producer",
            5 => "consumer",
            _ => "internal",
        };
        let label = super::shorten(
            &format!("{} · {}", s.service_name, s.name),
            44 - 2 * depth.min(&8),
        );
        svg.push_str(&format!(
            r##"<g class="span" data-span-id="{id}"><title>{title}</title><text x="{lx}" y="{ty}" fill="#1f2933">{label}</text><rect x="{x0:.1}" y="{y}" width="{w:.1}" height="{h}" rx="2" fill="{color}"/><text x="{tx:.1}" y="{ty}" fill="{tfill}" text-anchor="{tanchor}">{ms:.1} ms</text></g>"##,
            id = escape(&s.span_id),
            title = escape(&format!(
                "{} ({kind}) in {}: {ms:.3} ms, starting at +{offset:.3} ms{}",
                s.name,
                s.service_name,
                if s.status_code == 2 { format!("; error: {}", s.status_message) } else { String::new() }
            )),
            lx = 8 + 14 * depth.min(&12),
            ty = y + 14,
            label = escape(&label),
            h = ROW - 8,
            // The duration goes after the bar, or inside its end when the
            // bar reaches the right edge.
            tx = if x0 + w + 70.0 > f64::from(WIDTH) { x0 + w - 4.0 } else { x0 + w + 4.0 },
            tfill = if x0 + w + 70.0 > f64::from(WIDTH) { "#fff" } else { "#52606d" },
            tanchor = if x0 + w + 70.0 > f64::from(WIDTH) { "end" } else { "start" },
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(id: &str, parent: &str, start: u64, end: u64) -> SpanLine {
        SpanLine {
            span_id: id.into(),
            parent_span_id: parent.into(),
            name: format!("op {id}"),
            service_name: "svc".into(),
            kind: 2,
            status_code: 0,
            status_message: String::new(),
            start_ns: start,
            end_ns: end,
        }
    }

    #[test]
    fn children_follow_their_parent_in_start_order() {
        let spans = [
            span("c2", "root", 50, 90),
            span("root", "", 0, 100),
            span("c1", "root", 10, 40),
            span("g1", "c1", 20, 30),
            span("orphan", "missing", 60, 70),
        ];
        let order: Vec<(usize, &str)> = ordered(&spans)
            .iter()
            .map(|(d, s)| (*d, s.span_id.as_str()))
            .collect();
        assert_eq!(
            order,
            [(0, "root"), (1, "c1"), (2, "g1"), (1, "c2"), (0, "orphan")]
        );
        let svg = waterfall(&spans);
        assert_eq!(svg.matches("class=\"span\"").count(), 5);
        assert!(svg.contains("op g1 (server) in svc: 0.000 ms, starting at +0.000 ms"));
    }
}
