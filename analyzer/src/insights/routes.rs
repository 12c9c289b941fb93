//! Doing too much: one handler serving routes of very different weight.
//!
//! A function has one memory size, and its heaviest route sets it. When a
//! light route is a sizeable part of the traffic and needs far less
//! memory, splitting it into a function of its own lets it run smaller.
//! The route of a request is its SERVER span's `http.route`, else the span
//! name; its memory used comes from the invocation the span belongs to
//! (`faas.invocation_id` = `request_id`).
//!
//! A function is flagged when it has a heavy route and at least one light
//! one — each with at least [`MIN_CALLS`] traced requests and
//! [`MIN_SHARE`] of the function's traced requests, medians
//! [`MIN_RATIO`]× apart — and the light routes would need a smaller size
//! than the configured one.

use super::{per_month, Evidence, Finding, FindingKind, EXAMPLE_TRACES};

/// Fewest traced requests of a route that counts.
pub const MIN_CALLS: u64 = 20;
/// Smallest share of the function's traced requests of a route that counts.
pub const MIN_SHARE: f64 = 0.05;
/// Ratio of median durations from which two routes are of different weight.
pub const MIN_RATIO: f64 = 4.0;
/// Headroom over the most memory a route used, as right-sizing keeps it.
pub const HEADROOM: f64 = 1.2;

/// One route of one function, from its traced requests.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteStats {
    /// `provider/account/region/function`.
    pub function: String,
    /// `http.route` or the SERVER span's name.
    pub route: String,
    /// Traced requests.
    pub calls: u64,
    /// Median duration of its SERVER spans, ms.
    pub duration_p50_ms: f64,
    /// 95th percentile, ms.
    pub duration_p95_ms: f64,
    /// Traced requests matched to an invocation.
    pub matched: u64,
    /// Most memory one of the matched invocations used, MB.
    pub memory_used_max_mb: u32,
    /// Billed ms of the matched invocations.
    pub billed_ms: u64,
    /// Some traces of the route.
    pub example_trace_ids: Vec<String>,
}

/// What a function runs at and costs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FunctionPrice {
    /// Configured memory, MB.
    pub memory_mb: u32,
    /// Smallest memory size the provider allows, MB.
    pub min_memory_mb: u32,
    /// Step between memory sizes, MB.
    pub step_mb: u32,
    /// Invocations per traced request (≥ 1).
    pub scale: f64,
}

/// The memory a route needs: its peak use with [`HEADROOM`], rounded up to
/// the provider's step, at least its smallest size.
pub fn needed_memory_mb(used_mb: u32, price: &FunctionPrice) -> u32 {
    let step = price.step_mb.max(1);
    let want = (f64::from(used_mb) * HEADROOM).ceil() as u32;
    want.div_ceil(step)
        .saturating_mul(step)
        .max(price.min_memory_mb)
}

/// Findings over every function's routes. `price` knows each function's
/// configuration; `pico_per_ms(function, memory_mb)` prices one ms of its
/// duration at a memory size.
pub fn doing_too_much(
    routes: &[RouteStats],
    price: impl Fn(&str) -> Option<FunctionPrice>,
    pico_per_ms: impl Fn(&str, u32) -> Option<f64>,
    window_days: f64,
) -> Vec<Finding> {
    use std::collections::BTreeMap;
    let mut by_function: BTreeMap<&str, Vec<&RouteStats>> = BTreeMap::new();
    for r in routes {
        by_function.entry(&r.function).or_default().push(r);
    }
    let mut out = Vec::new();
    for (function, routes) in by_function {
        let traced: u64 = routes.iter().map(|r| r.calls).sum();
        let counted: Vec<&RouteStats> = routes
            .iter()
            .copied()
            .filter(|r| r.calls >= MIN_CALLS && r.calls as f64 >= MIN_SHARE * traced as f64)
            // Memory used is known only from sources that report it
            // (Lambda REPORT lines); without it there is nothing to size.
            .filter(|r| r.matched > 0 && r.memory_used_max_mb > 0)
            .collect();
        let Some(heavy) = counted
            .iter()
            .copied()
            .max_by(|a, b| a.duration_p50_ms.total_cmp(&b.duration_p50_ms))
        else {
            continue;
        };
        let Some(p) = price(function) else { continue };
        let Some(now_per_ms) = pico_per_ms(function, p.memory_mb) else {
            continue;
        };
        let mut light = Vec::new();
        let mut saved_pico = 0.0;
        for r in counted.iter().copied().filter(|r| {
            r.duration_p50_ms > 0.0 && heavy.duration_p50_ms >= MIN_RATIO * r.duration_p50_ms
        }) {
            let needed = needed_memory_mb(r.memory_used_max_mb, &p);
            if needed >= p.memory_mb {
                continue;
            }
            let Some(then_per_ms) = pico_per_ms(function, needed) else {
                continue;
            };
            // The matched requests stand for all of the route's traffic:
            // the route's traced requests per matched one, times the
            // function's invocations per traced request.
            let billed = r.billed_ms as f64 * (r.calls as f64 / r.matched as f64) * p.scale;
            let saving = billed * (now_per_ms - then_per_ms);
            if saving > 0.0 {
                saved_pico += saving;
                light.push((r, needed));
            }
        }
        if light.is_empty() {
            continue;
        }
        let name = super::calls::short(function);
        let light_names: Vec<String> = light
            .iter()
            .map(|(r, needed)| format!("{} ({needed} MB)", r.route))
            .collect();
        let mut evidence = vec![
            Evidence::new("traced requests", traced as f64, "requests"),
            Evidence::new("configured memory", f64::from(p.memory_mb), "MB"),
            Evidence::new(
                &format!("{}: median duration", heavy.route),
                heavy.duration_p50_ms,
                "ms",
            ),
            Evidence::new(
                &format!("{}: most memory used", heavy.route),
                f64::from(heavy.memory_used_max_mb),
                "MB",
            ),
        ];
        for (r, needed) in &light {
            evidence.push(Evidence::new(
                &format!("{}: share of requests", r.route),
                100.0 * r.calls as f64 / traced as f64,
                "%",
            ));
            evidence.push(Evidence::new(
                &format!("{}: median duration", r.route),
                r.duration_p50_ms,
                "ms",
            ));
            evidence.push(Evidence::new(
                &format!("{}: most memory used", r.route),
                f64::from(r.memory_used_max_mb),
                "MB",
            ));
            evidence.push(Evidence::new(
                &format!("{}: memory it needs", r.route),
                f64::from(*needed),
                "MB",
            ));
        }
        let examples = std::iter::once(heavy)
            .chain(light.iter().map(|(r, _)| *r))
            .flat_map(|r| r.example_trace_ids.iter().take(2))
            .take(EXAMPLE_TRACES)
            .cloned()
            .collect();
        out.push(Finding {
            kind: FindingKind::DoingTooMuch,
            summary: format!(
                "{name} serves {} (median {:.0} ms, up to {} MB used) and {}: the heavy route sets {} MB for all",
                heavy.route,
                heavy.duration_p50_ms,
                heavy.memory_used_max_mb,
                light
                    .iter()
                    .map(|(r, _)| format!("{} (median {:.0} ms, up to {} MB)", r.route, r.duration_p50_ms, r.memory_used_max_mb))
                    .collect::<Vec<_>>()
                    .join(", "),
                p.memory_mb,
            ),
            advice: format!(
                "Split {} into a function of its own at {} and keep {name} for {}; the saving assumes the light routes' duration does not change at the smaller size (they use little CPU).",
                light.iter().map(|(r, _)| r.route.as_str()).collect::<Vec<_>>().join(", "),
                light_names.join(", "),
                heavy.route,
            ),
            functions: vec![function.to_string()],
            evidence,
            example_trace_ids: examples,
            monthly_usd: per_month(saved_pico, window_days),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use faasight_store::PicoUsd;

    fn route(route: &str, calls: u64, p50: f64, used: u32, billed_ms: u64) -> RouteStats {
        RouteStats {
            function: "aws_lambda/1/us-east-1/media".into(),
            route: route.into(),
            calls,
            duration_p50_ms: p50,
            duration_p95_ms: p50 * 2.0,
            matched: calls / 2,
            memory_used_max_mb: used,
            billed_ms,
            example_trace_ids: vec![format!("{route}-1"), format!("{route}-2")],
        }
    }

    const PRICE: FunctionPrice = FunctionPrice {
        memory_mb: 2048,
        min_memory_mb: 128,
        step_mb: 1,
        scale: 3.0,
    };

    /// One ms at `mb` MB: $0.0000166667 per GB-s ÷ 1000 × mb / 1024.
    fn per_ms(_: &str, mb: u32) -> Option<f64> {
        Some(16_666.7 * f64::from(mb) / 1024.0)
    }

    #[test]
    fn a_light_route_behind_a_heavy_one_is_priced_at_the_size_it_needs() {
        let routes = [
            route("POST /render", 100, 2_500.0, 1_500, 1_000_000),
            route("GET /media/{id}", 900, 40.0, 200, 20_000),
        ];
        let f = doing_too_much(&routes, |_| Some(PRICE), per_ms, 30.4375);
        assert_eq!(f.len(), 1);
        // 200 MB × 1.2 = 240 MB. 450 of 900 matched: 20,000 billed ms
        // stand for 40,000, × 3 invocations per traced one = 120,000 ms,
        // saving (2048 − 240) / 1024 × 16,666.7 pico-USD per ms each.
        let expected: f64 = 120_000.0 * 16_666.7 * (2048.0 - 240.0) / 1024.0;
        assert_eq!(f[0].monthly_usd, PicoUsd(expected.round() as i64));
        assert!(f[0].summary.contains("POST /render"), "{}", f[0].summary);
        assert!(f[0].advice.contains("240 MB"), "{}", f[0].advice);
    }

    #[test]
    fn routes_of_similar_weight_or_little_traffic_are_no_finding() {
        // 3× apart only.
        let similar = [
            route("POST /a", 100, 120.0, 1_500, 1_000),
            route("GET /b", 900, 40.0, 200, 1_000),
        ];
        assert!(doing_too_much(&similar, |_| Some(PRICE), per_ms, 30.0).is_empty());
        // The light route is 4 % of the traffic.
        let rare = [
            route("POST /a", 960, 2_500.0, 1_500, 1_000),
            route("GET /b", 40, 40.0, 200, 1_000),
        ];
        assert!(doing_too_much(&rare, |_| Some(PRICE), per_ms, 30.0).is_empty());
        // The light route needs as much memory as the heavy one.
        let hungry = [
            route("POST /a", 100, 2_500.0, 1_500, 1_000),
            route("GET /b", 900, 40.0, 1_800, 1_000),
        ];
        assert!(doing_too_much(&hungry, |_| Some(PRICE), per_ms, 30.0).is_empty());
        // A single route.
        let one = [route("POST /a", 100, 2_500.0, 1_500, 1_000)];
        assert!(doing_too_much(&one, |_| Some(PRICE), per_ms, 30.0).is_empty());
    }

    #[test]
    fn the_needed_size_rounds_up_to_the_providers_step() {
        let p = FunctionPrice {
            step_mb: 64,
            ..PRICE
        };
        assert_eq!(needed_memory_mb(200, &p), 256);
        assert_eq!(needed_memory_mb(10, &p), 128);
    }
}
