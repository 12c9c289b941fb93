//! Hand-worked examples of what the panel shows from given points. The
//! range starts at 1,000 s with steps of 60 s: step 0 is [940, 1000) (the
//! baseline), step k is [1000 + 60 (k − 1), 1000 + 60 k).

use super::*;

const S: u64 = 1_000_000_000;
const RANGE_START_NS: u64 = 940 * S;

fn row(series: u64, point_type: &str, temporality: i8, step: u32, time_s: u64) -> PointRow {
    PointRow {
        series,
        point_type: point_type.into(),
        point_temporality: temporality,
        monotonic: u8::from(point_type == "sum"),
        step_index: step,
        last_time: time_s * S,
        ..PointRow::default()
    }
}

/// A cumulative monotonic sum's point.
fn counter(series: u64, start_s: u64, step: u32, time_s: u64, value: f64) -> PointRow {
    PointRow {
        series_start: start_s * S,
        last_value: value,
        value_total: value,
        value_points: 1,
        ..row(series, "sum", 2, step, time_s)
    }
}

/// A cumulative histogram's point with bounds 0.1, 0.5, 1.
fn histogram(series: u64, step: u32, time_s: u64, buckets: [u64; 4], sum: f64) -> PointRow {
    PointRow {
        series_start: 100 * S,
        bounds: vec![0.1, 0.5, 1.0],
        last_buckets: buckets.to_vec(),
        last_count: buckets.iter().sum(),
        last_sum: sum,
        ..row(series, "histogram", 2, step, time_s)
    }
}

fn one_line(grouped: Grouped) -> Vec<(u32, f64)> {
    assert_eq!(grouped.len(), 1, "{grouped:?}");
    grouped.into_values().next().unwrap().into_iter().collect()
}

fn close(got: &[(u32, f64)], want: &[(u32, f64)]) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g.0, w.0, "{got:?} vs {want:?}");
        assert!((g.1 - w.1).abs() < 1e-9, "{got:?} vs {want:?}");
    }
}

/// Two series of a monotonic counter:
///
/// A started at 100 s, before the range: its step-0 point (10 at 990 s)
/// is only the baseline. 16 at 1050 → +6 over 60 s; 30 at 1110 → +14
/// over 60 s; then a new start (1150 s), 4 at 1170 → a reset: +4 over
/// the 20 s since the start; 9 at 1230 → +5 over 60 s.
///
/// B started at 960 s, within the queried rows (from 940 s): its first
/// point (3 at 1020) counts whole, over the 60 s since its start; 9 at
/// 1080 → +6; 2 at 1140 with the same start → a decrease is a reset:
/// +2, over the 60 s since the previous point; 5 at 1200 → +3.
///
/// increase: step 1: 6 + 3 = 9; 2: 14 + 6 = 20; 3: 4 + 2 = 6; 4: 5 + 3 = 8.
/// rate:     step 1: 6/60 + 3/60 = 0.15; 2: 20/60; 3: 4/20 + 2/60 = 0.2 +
///           1/30; 4: 8/60.
fn counters() -> Vec<PointRow> {
    vec![
        counter(1, 100, 0, 990, 10.0),
        counter(1, 100, 1, 1050, 16.0),
        counter(1, 100, 2, 1110, 30.0),
        counter(1, 1150, 3, 1170, 4.0),
        counter(1, 1150, 4, 1230, 9.0),
        counter(2, 960, 1, 1020, 3.0),
        counter(2, 960, 2, 1080, 9.0),
        counter(2, 960, 3, 1140, 2.0),
        counter(2, 960, 4, 1200, 5.0),
    ]
}

#[test]
fn cumulative_counters_are_differenced_per_series_with_resets() {
    let mut rows = counters();
    // The order of the rows does not matter.
    rows.reverse();
    let increase = compute(&rows, Aggregate::Increase, 60, RANGE_START_NS).unwrap();
    close(
        &one_line(increase),
        &[(1, 9.0), (2, 20.0), (3, 6.0), (4, 8.0)],
    );
    let rate = compute(&rows, Aggregate::Rate, 60, RANGE_START_NS).unwrap();
    close(
        &one_line(rate),
        &[
            (1, 0.15),
            (2, 20.0 / 60.0),
            (3, 0.2 + 1.0 / 30.0),
            (4, 8.0 / 60.0),
        ],
    );
}

#[test]
fn a_non_monotonic_sum_goes_down_without_a_reset() {
    // An up-down counter: 10 → 4 is −6, not a reset to 4.
    let mut rows = vec![counter(1, 100, 0, 990, 10.0), counter(1, 100, 1, 1050, 4.0)];
    for r in &mut rows {
        r.monotonic = 0;
    }
    let increase = compute(&rows, Aggregate::Increase, 60, RANGE_START_NS).unwrap();
    close(&one_line(increase), &[(1, -6.0)]);
    // Its running total read as a level.
    let last = compute(&rows, Aggregate::Last, 60, RANGE_START_NS).unwrap();
    close(&one_line(last), &[(1, 4.0)]);
}

/// Two series of a histogram with bounds 0.1, 0.5, 1:
///
/// A: [5, 10, 2, 0] (sum 1.0) at 990 → [10, 40, 12, 5] (sum 10.0) at 1050
///    → +[5, 30, 10, 5], sum +9.0; unchanged at 1110 → +0.
/// B: [1, 1, 1, 1] (sum 0.5) → [6, 31, 11, 6] (sum 8.0) → +[5, 30, 10, 5],
///    sum +7.5; then [2, 0, 0, 0] (sum 0.05) at 1100: its count (2) went
///    down from 54, a reset → +[2, 0, 0, 0], sum +0.05.
///
/// Step 1: [10, 60, 20, 10], 100 observations, sum 16.5.
///   p80: rank 80; cumulative 10, 70, 90 → bucket (0.5, 1]:
///        0.5 + 0.5 × (80 − 70) / 20 = 0.75.
///   p50: rank 50 → (0.1, 0.5]: 0.1 + 0.4 × (50 − 10) / 60 = 11/30.
///   p95: rank 95 → the bucket above 1 → its lower bound, 1.
///   avg: 16.5 / 100 = 0.165.  rate: 50/60 + 50/60 = 100/60.
/// Step 2: [2, 0, 0, 0]: p50 rank 1 → [0, 0.1]: 0.1 × 1 / 2 = 0.05 (p80:
///   0.1 × 1.6 / 2 = 0.08, p95: 0.1 × 1.9 / 2 = 0.095);
///   avg 0.05 / 2 = 0.025.
fn histograms() -> Vec<PointRow> {
    vec![
        histogram(1, 0, 990, [5, 10, 2, 0], 1.0),
        histogram(1, 1, 1050, [10, 40, 12, 5], 10.0),
        histogram(1, 2, 1110, [10, 40, 12, 5], 10.0),
        histogram(2, 0, 995, [1, 1, 1, 1], 0.5),
        histogram(2, 1, 1055, [6, 31, 11, 6], 8.0),
        histogram(2, 2, 1100, [2, 0, 0, 0], 0.05),
    ]
}

#[test]
fn histogram_quantiles_merge_the_series_increases() {
    let rows = histograms();
    let at = |a| one_line(compute(&rows, a, 60, RANGE_START_NS).unwrap());
    close(&at(Aggregate::Quantile(80.0)), &[(1, 0.75), (2, 0.08)]);
    close(
        &at(Aggregate::Quantile(50.0)),
        &[(1, 11.0 / 30.0), (2, 0.05)],
    );
    close(&at(Aggregate::Quantile(95.0)), &[(1, 1.0), (2, 0.095)]);
    close(&at(Aggregate::Avg), &[(1, 0.165), (2, 0.025)]);
    // Step 1: 100 observations; A over 60 s, B over 60 s. Step 2: A +0
    // over 60 s, B's reset +2 over the 45 s since its previous point.
    close(&at(Aggregate::Rate), &[(1, 100.0 / 60.0), (2, 2.0 / 45.0)]);
    close(&at(Aggregate::Increase), &[(1, 100.0), (2, 2.0)]);
}

#[test]
fn delta_points_are_summed() {
    // A sum: 30 over 60 s of points (0.5/s) and 12 in points without a
    // start time (over the step, 60 s: 0.2/s).
    let mut a = row(1, "sum", 1, 1, 1050);
    a.value_total = 30.0;
    a.delta_span = 60 * S;
    let mut b = row(2, "sum", 1, 1, 1040);
    b.value_total = 12.0;
    let rows = [a, b];
    close(
        &one_line(compute(&rows, Aggregate::Rate, 60, RANGE_START_NS).unwrap()),
        &[(1, 0.7)],
    );
    close(
        &one_line(compute(&rows, Aggregate::Increase, 60, RANGE_START_NS).unwrap()),
        &[(1, 42.0)],
    );
    // A delta histogram: the step's summed buckets [1, 3, 0, 0]:
    // p50 rank 2 → (0.1, 0.5]: 0.1 + 0.4 × (2 − 1) / 3 = 0.2333…
    let mut h = row(3, "histogram", 1, 1, 1050);
    h.bounds = vec![0.1, 0.5, 1.0];
    h.buckets_total = vec![1, 3, 0, 0];
    h.count_total = 4;
    h.sum_total = 1.0;
    let p50 = compute(&[h.clone()], Aggregate::Quantile(50.0), 60, RANGE_START_NS).unwrap();
    close(&one_line(p50), &[(1, 0.1 + 0.4 / 3.0)]);
    let avg = compute(&[h], Aggregate::Avg, 60, RANGE_START_NS).unwrap();
    close(&one_line(avg), &[(1, 0.25)]);
}

#[test]
fn gauges_by_group() {
    let gauge = |series, group: &str, time_s, last, (total, points, min, max)| PointRow {
        group_values: vec![group.to_string()],
        last_value: last,
        value_total: total,
        value_points: points,
        value_min: min,
        value_max: max,
        ..row(series, "gauge", 0, 1, time_s)
    };
    let mut rows = [
        gauge(1, "x", 1050, 5.0, (12.0, 3, 2.0, 5.0)),
        gauge(2, "y", 1055, 3.0, (3.0, 1, 3.0, 3.0)),
        gauge(3, "x", 1040, 7.0, (14.0, 2, 7.0, 7.0)),
        // The baseline step is not shown.
        gauge(3, "x", 990, 1.0, (1.0, 1, 1.0, 1.0)),
    ];
    rows[3].step_index = 0;
    let get = |a| compute(&rows, a, 60, RANGE_START_NS).unwrap();
    let x = vec!["x".to_string()];
    let y = vec!["y".to_string()];
    // last: the sum of each series' last value.
    assert_eq!(get(Aggregate::Last)[&x], BTreeMap::from([(1, 12.0)]));
    assert_eq!(get(Aggregate::Last)[&y], BTreeMap::from([(1, 3.0)]));
    // avg over every point of the group: (12 + 14) / 5.
    assert_eq!(get(Aggregate::Avg)[&x], BTreeMap::from([(1, 5.2)]));
    assert_eq!(get(Aggregate::Max)[&x], BTreeMap::from([(1, 7.0)]));
    assert_eq!(get(Aggregate::Min)[&x], BTreeMap::from([(1, 2.0)]));
}

#[test]
fn aggregates_a_kind_does_not_take_are_errors() {
    let gauge = row(1, "gauge", 0, 1, 1050);
    assert_eq!(
        compute(&[gauge], Aggregate::Rate, 60, RANGE_START_NS).unwrap_err(),
        "is a gauge, which rate does not apply to; use last, avg, max or min"
    );
    let summary = row(1, "summary", 0, 1, 1050);
    assert_eq!(
        compute(&[summary], Aggregate::Quantile(95.0), 60, RANGE_START_NS).unwrap_err(),
        "is a summary, which p95 does not apply to; use rate, increase or avg (a summary's \
         quantiles are per series and cannot be combined)"
    );
    let delta = row(1, "sum", 1, 1, 1050);
    assert_eq!(
        compute(&[delta], Aggregate::Last, 60, RANGE_START_NS).unwrap_err(),
        "is a delta sum, which last does not apply to; use rate or increase"
    );
    let sum = row(1, "sum", 2, 1, 1050);
    assert!(compute(&[sum], Aggregate::Quantile(99.0), 60, RANGE_START_NS).is_err());
    // No rows: no lines, not an error.
    assert!(compute(&[], Aggregate::Rate, 60, RANGE_START_NS)
        .unwrap()
        .is_empty());
}

#[test]
fn exponential_histograms_are_differenced_by_index() {
    // Scale 0 (base 2): buckets 1 (2, 4] and 2 (4, 8].
    // 990 s: [1, 1] → 1050 s: [3, 5] → +[2, 4]: 6 observations,
    // p50 rank 3 → bucket (4, 8] (2 below): 4 + 4 × 1 / 4 = 5.
    let exp = |step, time_s, counts: [u64; 2]| PointRow {
        series_start: 100 * S,
        scale: 0,
        positive_offset: 1,
        last_positive: counts.to_vec(),
        last_count: counts.iter().sum(),
        ..row(1, "exponential_histogram", 2, step, time_s)
    };
    let rows = [exp(0, 990, [1, 1]), exp(1, 1050, [3, 5])];
    let p50 = compute(&rows, Aggregate::Quantile(50.0), 60, RANGE_START_NS).unwrap();
    close(&one_line(p50), &[(1, 5.0)]);
}
