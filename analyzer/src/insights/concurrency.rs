//! How many invocations ran at once, reconstructed from their starts and
//! durations.
//!
//! An invocation holds an execution environment from its start for its
//! duration. With durations rounded up to the millisecond (the unit Lambda
//! reports and bills in), the number running at each millisecond is exact,
//! and a sweep gives it in O(n log n): +1 at a start, −1 at an end, ends
//! before starts at the same millisecond — an occupancy is `[start, end)`,
//! so an environment freed at `t` can take an invocation starting at `t`.
//! An environment also counts while it initialises: the queries start a
//! cold start's occupancy its INIT earlier (a SnapStart restore's, its
//! restore), since the invocation's own start is after it.
//! The same count over all functions of an account and region is what AWS
//! compares with the account's concurrency limit (1,000 by default,
//! <https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html>).

/// One invocation's occupancy, milliseconds since the epoch: `[start_ms, end_ms)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    /// First millisecond the invocation runs.
    pub start_ms: i64,
    /// First millisecond it no longer runs.
    pub end_ms: i64,
}

impl Busy {
    /// An invocation starting at `start_ms` that ran `duration_ms`, rounded
    /// up to whole milliseconds; at least one (it ran).
    pub fn new(start_ms: i64, duration_ms: f64) -> Busy {
        let whole = if duration_ms.is_finite() && duration_ms > 0.0 {
            duration_ms.ceil() as i64
        } else {
            0
        };
        Busy {
            start_ms,
            end_ms: start_ms + whole.max(1),
        }
    }
}

/// Starts and ends in time order, ends first at the same millisecond.
fn events(busy: &[Busy]) -> Vec<(i64, i8)> {
    let mut events: Vec<(i64, i8)> = busy
        .iter()
        .flat_map(|b| [(b.start_ms, 1), (b.end_ms, -1)])
        .collect();
    events.sort_unstable();
    events
}

/// The first millisecond in `[from_ms, to_ms)` at which at least `level`
/// invocations run, if there is one: where in its busiest hour an
/// account's peak falls.
pub fn first_at_least(busy: &[Busy], level: u64, from_ms: i64, to_ms: i64) -> Option<i64> {
    let events = events(busy);
    let level = level as i64;
    let mut running: i64 = 0;
    let mut k = 0;
    // The level at `from_ms`: every event up to it applied.
    while k < events.len() && events[k].0 <= from_ms {
        running += i64::from(events[k].1);
        k += 1;
    }
    if from_ms < to_ms && running >= level {
        return Some(from_ms);
    }
    // Then the level changes only at events: each millisecond with one,
    // once all of its events are applied.
    while k < events.len() && events[k].0 < to_ms {
        let t = events[k].0;
        while k < events.len() && events[k].0 == t {
            running += i64::from(events[k].1);
            k += 1;
        }
        if running >= level {
            return Some(t);
        }
    }
    None
}

/// One window's figures as `insight_account_concurrency.sql` returns them.
/// Events at the window's first millisecond are apart: until the last of
/// them, the levels between are never held for a millisecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowLevels {
    /// The window's start, ms since the epoch (a multiple of the step).
    pub start_ms: i64,
    /// Events at its first millisecond.
    pub start_events: u64,
    /// Concurrency after the last of them.
    pub start_level: u64,
    /// Highest concurrency after one of its later events (0 if none).
    pub highest_after_start: u64,
    /// Concurrency after its last event.
    pub last: u64,
}

/// The highest concurrency in each of `windows` windows of `step_ms` from
/// `from_ms`, from the windows that have events (`levels`, in time order):
/// a window starts at the level the last event before it left, which is
/// its peak too when nothing starts in it.
pub fn peaks_from_levels(
    levels: &[WindowLevels],
    from_ms: i64,
    step_ms: i64,
    windows: usize,
) -> Vec<u64> {
    let mut out = Vec::with_capacity(windows);
    let mut next = 0;
    let mut carried = 0u64;
    for k in 0..windows as i64 {
        let start = from_ms + k * step_ms;
        // Windows before this one (before the range too) set the level.
        while next < levels.len() && levels[next].start_ms < start {
            carried = levels[next].last;
            next += 1;
        }
        let mut highest = carried;
        if next < levels.len() && levels[next].start_ms == start {
            let w = &levels[next];
            let at_start = if w.start_events > 0 {
                w.start_level
            } else {
                carried
            };
            highest = at_start.max(w.highest_after_start);
        }
        out.push(highest);
    }
    out
}

/// Environment-milliseconds of at most `cap` environments used within
/// each of `windows` consecutive windows of `step_ms` from `from_ms`:
/// ∫ min(concurrency, cap) dt. With `cap` the provisioned concurrency, it
/// is the time provisioned environments were busy (Lambda routes
/// invocations to them first), so divided by `cap × step_ms` it is their
/// utilisation in the window, the figure CloudWatch reports as
/// `ProvisionedConcurrencyUtilization`.
pub fn capped_busy_per_window(
    busy: &[Busy],
    cap: u64,
    from_ms: i64,
    step_ms: i64,
    windows: usize,
) -> Vec<i64> {
    let mut out = vec![0i64; windows];
    let end_ms = from_ms + step_ms * windows as i64;
    let mut running: i64 = 0;
    // The level `running` holds from `since` on, added to the windows it
    // covers when the level changes.
    let mut since = from_ms;
    let add = |from: i64, to: i64, level: i64, out: &mut Vec<i64>| {
        let (from, to) = (from.max(from_ms), to.min(end_ms));
        if level <= 0 || from >= to {
            return;
        }
        let level = level.min(cap as i64);
        let mut t = from;
        while t < to {
            let k = ((t - from_ms) / step_ms) as usize;
            let window_end = (from_ms + (k as i64 + 1) * step_ms).min(to);
            out[k] += level * (window_end - t);
            t = window_end;
        }
    };
    for (at, step) in events(busy) {
        add(since, at, running, &mut out);
        running += i64::from(step);
        since = at;
    }
    add(since, end_ms, running, &mut out);
    out
}

/// The most events within any `window_ms` (a half-open window
/// `[t, t + window_ms)`), and the first event of the first such window.
/// With cold starts as the events (each one a new execution environment)
/// and a 10-second window, it is what AWS's scaling rate bounds: each
/// function scales by at most 1,000 environments every 10 seconds
/// (<https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html>);
/// a burst above it is throttled.
pub fn densest_window(mut times_ms: Vec<i64>, window_ms: i64) -> (u64, i64) {
    times_ms.sort_unstable();
    let (mut best, mut at) = (0usize, 0i64);
    let mut first = 0;
    for (last, &t) in times_ms.iter().enumerate() {
        while times_ms[first] + window_ms <= t {
            first += 1;
        }
        if last + 1 - first > best {
            (best, at) = (last + 1 - first, times_ms[first]);
        }
    }
    (best as u64, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// xorshift64*: random intervals without a dependency, the same on every run.
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
        }
    }

    /// Counting, millisecond by millisecond, the intervals that hold it.
    fn brute_force(busy: &[Busy], t: i64) -> u64 {
        busy.iter()
            .filter(|b| b.start_ms <= t && t < b.end_ms)
            .count() as u64
    }

    #[test]
    fn the_sweep_equals_a_count_at_every_millisecond() {
        for seed in 1..=40u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let n = 1 + rng.below(200) as usize;
            let busy: Vec<Busy> = (0..n)
                .map(|_| {
                    let start = rng.below(2_000) as i64;
                    // Whole and fractional durations, some shorter than 1 ms.
                    let duration = rng.below(30_000) as f64 / 100.0;
                    Busy::new(start, duration)
                })
                .collect();
            let counts: Vec<u64> = (0..2_400).map(|t| brute_force(&busy, t)).collect();
            let expected_peak = *counts.iter().max().unwrap();
            let expected_at = counts.iter().position(|c| *c == expected_peak).unwrap() as i64;
            assert_eq!(
                first_at_least(&busy, expected_peak, 0, 2_400),
                Some(expected_at),
                "seed {seed}"
            );
            assert_eq!(first_at_least(&busy, expected_peak + 1, 0, 2_400), None);
            let windows: Vec<u64> = counts
                .chunks(100)
                .map(|w| *w.iter().max().unwrap())
                .collect();
            assert_eq!(
                peaks_from_levels(&sql_levels(&busy, 100), 0, 100, 24),
                windows,
                "seed {seed}"
            );
        }
    }

    /// 200 arrivals a second, evenly spaced (one every 5 ms), each running
    /// 100 ms: once the first has ended, exactly 100 / 5 = 20 run at any
    /// millisecond (Little's law with no variance), never 21 — an ending
    /// and a start at the same millisecond do not overlap.
    #[test]
    fn a_steady_burst_peaks_at_rate_times_duration() {
        let busy: Vec<Busy> = (0..2_000).map(|i| Busy::new(i * 5, 100.0)).collect();
        assert_eq!(first_at_least(&busy, 20, 0, 20_000), Some(95));
        assert_eq!(first_at_least(&busy, 21, 0, 20_000), None);
        // Ramp-up in the first 100 ms window, 20 throughout, ramp-down after
        // the last start (9,995 ms) until 10,095 ms.
        let per_second = peaks_from_levels(&sql_levels(&busy, 1_000), 0, 1_000, 11);
        assert_eq!(per_second, [20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 19]);
        assert_eq!(
            peaks_from_levels(&sql_levels(&busy, 100), -100, 100, 2),
            [0, 20]
        );
    }

    /// The densest window equals the best of every window that starts at
    /// an event, counted directly (a densest window can always be slid
    /// right until it starts at an event).
    #[test]
    fn the_densest_window_equals_a_direct_count() {
        for seed in 1..=40u64 {
            let mut rng = Rng(seed.wrapping_mul(0xd1b5_4a32_d192_ed03));
            let times: Vec<i64> = (0..1 + rng.below(300))
                .map(|_| rng.below(5_000) as i64)
                .collect();
            let window = 1 + rng.below(400) as i64;
            let mut sorted = times.clone();
            sorted.sort_unstable();
            let counts: Vec<(u64, i64)> = sorted
                .iter()
                .map(|&s| {
                    let n = times.iter().filter(|&&t| s <= t && t < s + window).count();
                    (n as u64, s)
                })
                .collect();
            let best = counts.iter().map(|c| c.0).max().unwrap();
            let expected = *counts.iter().find(|c| c.0 == best).unwrap();
            assert_eq!(densest_window(times, window), expected, "seed {seed}");
        }
        assert_eq!(densest_window(Vec::new(), 10_000), (0, 0));
        // 1,500 new environments in 1.5 s: 1,500 within one 10-second window.
        let burst: Vec<i64> = (0..1_500).map(|i| 60_000 + i).collect();
        assert_eq!(densest_window(burst, 10_000), (1_500, 60_000));
    }

    #[test]
    fn capped_busy_time_equals_a_count_at_every_millisecond() {
        for seed in 1..=30u64 {
            let mut rng = Rng(seed.wrapping_mul(0x94d0_49bb_1331_11eb));
            let n = 1 + rng.below(150) as usize;
            let busy: Vec<Busy> = (0..n)
                .map(|_| {
                    let start = rng.below(3_000) as i64 - 200;
                    Busy::new(start, rng.below(400) as f64 + 0.5)
                })
                .collect();
            let cap = 1 + rng.below(6);
            let (from, step, windows) = (0i64, 250i64, 10usize);
            let got = capped_busy_per_window(&busy, cap, from, step, windows);
            let expected: Vec<i64> = (0..windows as i64)
                .map(|k| {
                    (from + k * step..from + (k + 1) * step)
                        .map(|t| brute_force(&busy, t).min(cap) as i64)
                        .sum()
                })
                .collect();
            assert_eq!(got, expected, "seed {seed}, cap {cap}");
        }
    }

    /// The rows `insight_account_concurrency.sql` returns for `busy`, by
    /// its own steps: sorted events, running sum, grouped by window.
    fn sql_levels(busy: &[Busy], step_ms: i64) -> Vec<WindowLevels> {
        let mut out: Vec<WindowLevels> = Vec::new();
        let mut running = 0i64;
        for (at, step) in events(busy) {
            running += i64::from(step);
            let start_ms = at.div_euclid(step_ms) * step_ms;
            if out.last().is_none_or(|w| w.start_ms != start_ms) {
                out.push(WindowLevels {
                    start_ms,
                    start_events: 0,
                    start_level: 0,
                    highest_after_start: 0,
                    last: 0,
                });
            }
            let w = out.last_mut().unwrap();
            if at == start_ms {
                w.start_events += 1;
                w.start_level = running as u64;
            } else {
                w.highest_after_start = w.highest_after_start.max(running as u64);
            }
            w.last = running as u64;
        }
        out
    }

    #[test]
    fn window_levels_carried_over_give_each_windows_peak() {
        for seed in 1..=40u64 {
            let mut rng = Rng(seed.wrapping_mul(0xbf58_476d_1ce4_e5b9));
            let n = 1 + rng.below(100) as usize;
            // Long invocations over short windows: many windows have no
            // event and only carry a level.
            let busy: Vec<Busy> = (0..n)
                .map(|_| {
                    let start = rng.below(5_000) as i64;
                    let start = if rng.below(4) == 0 {
                        start / 100 * 100
                    } else {
                        start
                    };
                    Busy::new(start, (rng.below(20) * 100) as f64 + rng.below(3) as f64)
                })
                .collect();
            let (from, step, windows) = (1_000i64, 100i64, 50usize);
            // Events on window boundaries too.
            let expected: Vec<u64> = (0..windows as i64)
                .map(|k| {
                    (from + k * step..from + (k + 1) * step)
                        .map(|t| brute_force(&busy, t))
                        .max()
                        .unwrap()
                })
                .collect();
            assert_eq!(
                peaks_from_levels(&sql_levels(&busy, step), from, step, windows),
                expected,
                "seed {seed}"
            );
        }
    }

    #[test]
    fn the_first_millisecond_at_a_level_equals_a_direct_search() {
        for seed in 1..=40u64 {
            let mut rng = Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d));
            let n = 1 + rng.below(60) as usize;
            let busy: Vec<Busy> = (0..n)
                .map(|_| Busy::new(rng.below(3_000) as i64, rng.below(1_500) as f64 + 1.0))
                .collect();
            let (from, to) = (rng.below(2_000) as i64, 2_000 + rng.below(2_000) as i64);
            for level in 1..=8u64 {
                let expected = (from..to).find(|&t| brute_force(&busy, t) >= level);
                assert_eq!(
                    first_at_least(&busy, level, from, to),
                    expected,
                    "seed {seed}, level {level}, [{from}, {to})"
                );
            }
        }
    }

    #[test]
    fn durations_round_up_to_the_millisecond() {
        assert_eq!(Busy::new(10, 0.2).end_ms, 11);
        assert_eq!(Busy::new(10, 3.0).end_ms, 13);
        assert_eq!(Busy::new(10, 3.01).end_ms, 14);
        assert_eq!(Busy::new(10, f64::NAN).end_ms, 11);
        // Nothing runs: no millisecond reaches one, every window is 0.
        assert_eq!(first_at_least(&[], 1, 0, 10), None);
        assert_eq!(peaks_from_levels(&[], 0, 10, 2), [0, 0]);
    }
}
