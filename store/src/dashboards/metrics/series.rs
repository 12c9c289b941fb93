//! From the query's rows (one series' points in one time step) to one
//! value per group and step: pure functions, no I/O.
//!
//! Per series (the rows with the same identity hash), cumulative points
//! become increases: each step's last point minus the point before it.
//! A new start time, or a count or bucket that went down (on a monotonic
//! sum or a histogram), is a reset: the increase is then the new point's
//! whole value, counted from its start. The first point of a series has
//! nothing to be differenced against and only serves as the baseline —
//! unless its start time is within the queried range (the series began
//! there), when its whole value is its increase. Delta points are
//! increases already and are summed. Gauges (and cumulative sums read as
//! levels) keep their values. Then the series of a group (same
//! `group_by` values) are added up per step, and the panel's aggregate
//! is applied: see [`Aggregate`].

use super::histogram::{quantile, Hist};
use super::sql::PointRow;
use super::Aggregate;
use std::collections::{BTreeMap, HashMap};

/// The value of each group (by its `group_by` values) at each step index
/// of the range (1-based; the step before the range is left out).
pub(crate) type Grouped = BTreeMap<Vec<String>, BTreeMap<u32, f64>>;

/// What one series contributed to one step.
#[derive(Debug, Default)]
struct Step {
    /// Increase of the counter: a sum's value, a histogram's count.
    increase: f64,
    /// Seconds the increase was counted over.
    elapsed: f64,
    /// Increase of a histogram's or summary's sum, and count.
    sum: f64,
    count: f64,
    /// Increase of the buckets.
    hist: Option<Hist>,
    /// The last value (time, value) and every value's total, count, min,
    /// max: gauges.
    last: Option<(u64, f64)>,
    total: f64,
    points: u64,
    min: f64,
    max: f64,
}

impl Step {
    fn add_hist(&mut self, h: Option<Hist>) {
        self.hist = match (self.hist.take(), h) {
            (Some(a), Some(b)) => Some(a.plus(&b)),
            (a, b) => a.or(b),
        };
    }

    fn add_levels(&mut self, r: &PointRow) {
        if !r.last_value.is_nan() && self.last.is_none_or(|(t, _)| r.last_time >= t) {
            self.last = Some((r.last_time, r.last_value));
        }
        if r.value_points > 0 {
            self.min = if self.points == 0 {
                r.value_min
            } else {
                self.min.min(r.value_min)
            };
            self.max = if self.points == 0 {
                r.value_max
            } else {
                self.max.max(r.value_max)
            };
            self.total += r.value_total;
            self.points += r.value_points;
        }
    }
}

/// Why `aggregate` cannot be applied to points of `point_type` with
/// `temporality`, if it cannot; phrased to follow "metric NAME ".
pub(crate) fn unsupported(
    aggregate: Aggregate,
    point_type: &str,
    temporality: i8,
) -> Option<String> {
    let histogram = matches!(point_type, "histogram" | "exponential_histogram");
    let ok = match aggregate {
        Aggregate::Quantile(_) => histogram,
        Aggregate::Rate | Aggregate::Increase => {
            histogram || matches!(point_type, "sum" | "summary")
        }
        Aggregate::Avg => {
            histogram
                || matches!(point_type, "gauge" | "summary")
                || (point_type == "sum" && temporality != 1)
        }
        Aggregate::Last | Aggregate::Max | Aggregate::Min => {
            point_type == "gauge" || (point_type == "sum" && temporality != 1)
        }
    };
    if ok {
        return None;
    }
    let what = match point_type {
        "sum" if temporality == 1 => "a delta sum".to_string(),
        "summary" => "a summary".to_string(),
        "" => "of no known type".to_string(),
        t => format!("a {}", t.replace('_', " ")),
    };
    let instead = match point_type {
        "histogram" | "exponential_histogram" => "p50, p90, p95, p99, rate, increase or avg",
        "sum" if temporality == 1 => "rate or increase",
        "sum" => "rate, increase, or last, avg, max, min (of its running total)",
        "gauge" => "last, avg, max or min",
        "summary" => {
            "rate, increase or avg (a summary's quantiles are per series and cannot be \
             combined)"
        }
        _ => "another aggregate",
    };
    Some(format!(
        "is {what}, which {aggregate} does not apply to; use {instead}"
    ))
}

fn is_histogram(r: &PointRow) -> bool {
    matches!(r.point_type.as_str(), "histogram" | "exponential_histogram")
}

/// A histogram row's buckets: its last point's (`last`) or its delta
/// points' sum.
fn hist(r: &PointRow, last: bool) -> Option<Hist> {
    match (r.point_type.as_str(), last) {
        ("histogram", true) => Hist::explicit(&r.bounds, &r.last_buckets),
        ("histogram", false) => Hist::explicit(&r.bounds, &r.buckets_total),
        ("exponential_histogram", true) => Some(Hist::exponential(
            r.scale,
            r.last_zero,
            (r.positive_offset, &r.last_positive),
            (r.negative_offset, &r.last_negative),
        )),
        ("exponential_histogram", false) => Some(Hist::exponential(
            r.scale,
            r.zero_total,
            (r.positive_offset, &r.positive_total),
            (r.negative_offset, &r.negative_total),
        )),
        _ => None,
    }
}

/// The counter a rate or increase is of: a sum's value, a histogram's or
/// summary's count.
fn counter(r: &PointRow) -> f64 {
    if r.point_type == "sum" {
        r.last_value
    } else {
        r.last_count as f64
    }
}

/// A cumulative series' rows, in time order, as increases per step.
/// `range_start_ns` is when the query's rows begin: a series that starts
/// there or later is counted from its start.
fn cumulative(rows: &[&PointRow], range_start_ns: u64, steps: &mut BTreeMap<u32, Step>) {
    let mut previous: Option<&PointRow> = None;
    for &r in rows {
        if r.point_type == "sum" && r.last_value.is_nan() {
            continue;
        }
        let began_in_range = r.series_start > 0 && r.series_start >= range_start_ns;
        let (whole, since) = match previous {
            None if began_in_range => (true, r.series_start),
            None => {
                previous = Some(r);
                continue;
            }
            Some(p) => {
                let restarted = r.series_start != p.series_start;
                let went_down = match r.point_type.as_str() {
                    "sum" => r.monotonic == 1 && r.last_value < p.last_value,
                    _ => {
                        r.last_count < p.last_count
                            || (is_histogram(r)
                                && matches!((hist(r, true), hist(p, true)),
                                    (Some(now), Some(before)) if now.minus(&before).is_none()))
                    }
                };
                if restarted || went_down {
                    // Counted from the new start when it is known to be after
                    // the previous point, else from the previous point.
                    let since = if r.series_start > p.last_time {
                        r.series_start
                    } else {
                        p.last_time
                    };
                    (true, since)
                } else {
                    (false, p.last_time)
                }
            }
        };
        let step = steps.entry(r.step_index).or_default();
        step.elapsed += r.last_time.saturating_sub(since) as f64 / 1e9;
        match (whole, previous) {
            (false, Some(p)) => {
                step.increase += counter(r) - counter(p);
                step.sum += r.last_sum - p.last_sum;
                step.count += r.last_count as f64 - p.last_count as f64;
                if is_histogram(r) {
                    let h = hist(r, true)
                        .zip(hist(p, true))
                        .and_then(|(a, b)| a.minus(&b));
                    step.add_hist(h);
                }
            }
            _ => {
                step.increase += counter(r);
                step.sum += r.last_sum;
                step.count += r.last_count as f64;
                step.add_hist(hist(r, true));
            }
        }
        previous = Some(r);
    }
}

/// A delta series' rows: each step's points summed.
fn delta(rows: &[&PointRow], step_seconds: u32, steps: &mut BTreeMap<u32, Step>) {
    for &r in rows {
        let step = steps.entry(r.step_index).or_default();
        step.increase += if r.point_type == "sum" {
            r.value_total
        } else {
            r.count_total as f64
        };
        step.elapsed += if r.delta_span > 0 {
            r.delta_span as f64 / 1e9
        } else {
            f64::from(step_seconds)
        };
        step.sum += r.sum_total;
        step.count += r.count_total as f64;
        step.add_hist(hist(r, false));
    }
}

/// The value of every group at every step of the range, for `aggregate`,
/// from the query's rows (any order). An error when a row's kind does not
/// take the aggregate.
pub(crate) fn compute(
    rows: &[PointRow],
    aggregate: Aggregate,
    step_seconds: u32,
    range_start_ns: u64,
) -> Result<Grouped, String> {
    if let Some(problem) = rows
        .iter()
        .find_map(|r| unsupported(aggregate, &r.point_type, r.point_temporality))
    {
        return Err(problem);
    }
    // The rows of each series, in time order.
    let mut by_series: HashMap<(u64, &str, i8), Vec<&PointRow>> = HashMap::new();
    for r in rows {
        by_series
            .entry((r.series, r.point_type.as_str(), r.point_temporality))
            .or_default()
            .push(r);
    }
    let levels = matches!(aggregate, Aggregate::Last | Aggregate::Max | Aggregate::Min)
        || (aggregate == Aggregate::Avg
            && rows
                .iter()
                .all(|r| matches!(r.point_type.as_str(), "gauge" | "sum")));
    // Per group and step, the series' contributions.
    let mut groups: BTreeMap<Vec<String>, BTreeMap<u32, Vec<Step>>> = BTreeMap::new();
    let mut series: Vec<_> = by_series.into_iter().collect();
    series.sort_by_key(|(key, _)| *key);
    for (_, mut points) in series {
        points.sort_by_key(|r| (r.last_time, r.step_index));
        let mut steps = BTreeMap::new();
        if levels {
            for r in &points {
                steps
                    .entry(r.step_index)
                    .or_insert_with(Step::default)
                    .add_levels(r);
            }
        } else if points[0].point_temporality == 1 {
            delta(&points, step_seconds, &mut steps);
        } else {
            cumulative(&points, range_start_ns, &mut steps);
        }
        let group = groups.entry(points[0].group_values.clone()).or_default();
        for (index, step) in steps {
            if index > 0 {
                group.entry(index).or_default().push(step);
            }
        }
    }
    let mut out = Grouped::new();
    for (key, steps) in groups {
        let values: BTreeMap<u32, f64> = steps
            .into_iter()
            .filter_map(|(index, series)| Some((index, combine(aggregate, &series)?)))
            .filter(|(_, v)| v.is_finite())
            .collect();
        if !values.is_empty() {
            out.insert(key, values);
        }
    }
    Ok(out)
}

/// One group's value at one step from its series' contributions.
fn combine(aggregate: Aggregate, series: &[Step]) -> Option<f64> {
    match aggregate {
        Aggregate::Rate => {
            let rates: Vec<f64> = series
                .iter()
                .filter(|s| s.elapsed > 0.0)
                .map(|s| s.increase / s.elapsed)
                .collect();
            (!rates.is_empty()).then(|| rates.iter().sum())
        }
        Aggregate::Increase => Some(series.iter().map(|s| s.increase).sum()),
        Aggregate::Avg => {
            let points: u64 = series.iter().map(|s| s.points).sum();
            let count: f64 = series.iter().map(|s| s.count).sum();
            if points > 0 {
                Some(series.iter().map(|s| s.total).sum::<f64>() / points as f64)
            } else if count > 0.0 {
                Some(series.iter().map(|s| s.sum).sum::<f64>() / count)
            } else {
                None
            }
        }
        Aggregate::Quantile(percent) => {
            let merged = series.iter().filter_map(|s| s.hist.as_ref()).fold(
                None,
                |acc: Option<Hist>, h| {
                    Some(match acc {
                        Some(a) => a.plus(h),
                        None => h.clone(),
                    })
                },
            )?;
            quantile(&merged.buckets(), percent / 100.0)
        }
        Aggregate::Last => {
            let last: Vec<f64> = series.iter().filter_map(|s| s.last.map(|l| l.1)).collect();
            (!last.is_empty()).then(|| last.iter().sum())
        }
        Aggregate::Max => series
            .iter()
            .filter(|s| s.points > 0)
            .map(|s| s.max)
            .reduce(f64::max),
        Aggregate::Min => series
            .iter()
            .filter(|s| s.points > 0)
            .map(|s| s.min)
            .reduce(f64::min),
    }
}

#[cfg(test)]
mod tests;
