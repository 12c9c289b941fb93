//! The per-function simulation behind [`crate::generate_all`]: arrival
//! rates per hour, then a pool of execution environments that decides,
//! arrival by arrival, which ones start cold. A function that invokes
//! others synchronously is simulated together with them: each call is an
//! arrival at the callee, and the caller waits for the callee's answer
//! (its cold start included) before going on. A function with a surge is
//! simulated after all others, and throttled at its account and region's
//! concurrency limit, given what the others ran meanwhile.

use crate::catalog::{
    init_profile, keep_alive_minutes, utc_offset_hours, FunctionSpec, Pattern, Route, Step, Volume,
};
use crate::pool::{Instance, Pool};
use crate::rng::Rng;
use crate::telemetry::{self, Planned, Telemetry};
use crate::DemoConfig;
use chrono::{DateTime, Datelike, TimeZone, Timelike, Utc};
use faasight_store::InvocationRow;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// Memory that buys one full vCPU on Lambda (and, as an approximation, the
/// other providers' CPU share per MB).
const MB_PER_VCPU: f64 = 1769.0;
/// Share of the requests of an HTTP function that are traced (spans and
/// logs), as a head-based sampler decides at the first function.
pub const TRACE_SAMPLE: f64 = 0.02;
/// At most this many traced requests per function and hour (a reservoir,
/// as X-Ray's sampling rules have), so a large `--invocations` does not
/// make the span and log tables grow with it.
pub const TRACES_PER_HOUR: u32 = 6;
/// Functions that invoke others take no requests in the window's last
/// minute, so every call they make lands inside the window too.
const CALL_MARGIN_MS: i64 = 60_000;
/// Executions that may run at once in an AWS account and region (the
/// default quota,
/// <https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html>):
/// a function with a surge starts an invocation only while fewer run.
pub(crate) const ACCOUNT_CONCURRENCY: usize = 1_000;
/// UTC time of day of a surge (15:20, working hours in Europe and on the
/// US east coast, away from the nightly batches).
const SURGE_TIME_OF_DAY_MS: i64 = 15 * HOUR_MS + 20 * 60_000;
/// How long after a surge starts the rest of its account is watched: the
/// throttled events have all started well before.
const SURGE_WATCH_MS: i64 = HOUR_MS;

/// Relative traffic of `spec` in the hour starting at `t` (unscaled).
fn shape(spec: &FunctionSpec, t: DateTime<Utc>) -> f64 {
    let local = (t.hour() as i32 + utc_offset_hours(spec.region)).rem_euclid(24) as f64;
    let weekend = matches!(
        (t + chrono::Duration::hours(utc_offset_hours(spec.region) as i64)).weekday(),
        chrono::Weekday::Sat | chrono::Weekday::Sun
    );
    match spec.pattern {
        Pattern::Diurnal => {
            let day = 0.25
                + 0.75 * (0.5 - 0.5 * (2.0 * std::f64::consts::PI * (local - 3.0) / 24.0).cos());
            day * if weekend { 0.7 } else { 1.0 }
        }
        Pattern::Business => {
            let day = if (8.0..19.0).contains(&local) {
                1.0
            } else {
                0.06
            };
            day * if weekend { 0.15 } else { 1.0 }
        }
        Pattern::Batch { hour } => {
            if t.hour() == hour {
                1.0
            } else {
                0.002
            }
        }
        Pattern::Timer { .. } | Pattern::Steady => 1.0,
    }
}

/// Expected calls one request of `spec` makes to other functions.
fn fan_out(spec: &FunctionSpec) -> f64 {
    spec.steps
        .iter()
        .map(|s| match s {
            Step::Invoke { chance, .. } => *chance,
            _ => 0.0,
        })
        .sum()
}

/// Mean arrivals per hour for every function and hour of the window,
/// scaled so that the expected total, calls between functions included,
/// is `cfg.invocations`. Functions with [`Volume::Called`] get no arrivals
/// of their own.
pub(crate) fn hourly_rates(cfg: &DemoConfig, fleet: &[FunctionSpec]) -> Vec<Vec<f64>> {
    let (start, _) = cfg.window();
    let hours = cfg.days as i64 * 24;
    let shapes: Vec<Vec<f64>> = fleet
        .iter()
        .map(|spec| {
            (0..hours)
                .map(|h| shape(spec, start + chrono::Duration::hours(h)))
                .collect()
        })
        .collect();
    let fixed = |spec: &FunctionSpec| match (spec.volume, spec.pattern) {
        (Volume::Called, _) => Some(0.0),
        (_, Pattern::Timer { every_minutes }) => Some(hours as f64 * 60.0 / every_minutes as f64),
        (Volume::PerHour(r) | Volume::Extra(r), _) => Some(r * hours as f64),
        (Volume::Share(_), _) => None,
    };
    let mut fixed_total = 0.0;
    let mut share_total = 0.0;
    // Extra traffic is on top of the total: it changes no other rate.
    for spec in fleet
        .iter()
        .filter(|s| !matches!(s.volume, Volume::Extra(_)))
    {
        match (fixed(spec), spec.volume) {
            (Some(n), _) => fixed_total += n * (1.0 + fan_out(spec)),
            (None, Volume::Share(s)) => share_total += s * (1.0 + fan_out(spec)),
            (None, _) => {}
        }
    }
    let remaining = (cfg.invocations as f64 - fixed_total).max(0.0);
    fleet
        .iter()
        .zip(shapes)
        .map(|(spec, shape)| {
            let sum: f64 = shape.iter().sum::<f64>().max(f64::MIN_POSITIVE);
            let expected = match (fixed(spec), spec.volume) {
                (Some(n), _) => n,
                (None, Volume::Share(s)) => remaining * s / share_total,
                (None, _) => 0.0,
            };
            shape.iter().map(|v| expected * v / sum).collect()
        })
        .collect()
}

/// When `spec`'s surge starts, epoch ms: 15:20 UTC on the window's middle
/// day (or the day before or after, if that one's does not fit); `None`
/// without a surge, or in a window too short to hold one.
pub(crate) fn surge_at(cfg: &DemoConfig, spec: &FunctionSpec) -> Option<i64> {
    spec.surge?;
    let (start, end) = cfg.window();
    let (start, end) = (start.timestamp_millis(), end.timestamp_millis());
    let middle = start + cfg.days as i64 * DAY_MS / 2;
    let at = middle - middle.rem_euclid(DAY_MS) + SURGE_TIME_OF_DAY_MS;
    [at, at - DAY_MS, at + DAY_MS]
        .into_iter()
        .find(|&t| t >= start && t + SURGE_WATCH_MS <= end)
}

/// When an invocation holds its execution environment, epoch ms
/// `[start, end)`: from its start through the INIT or restore it waits
/// for to the end of its duration, rounded up to the ms.
pub(crate) fn occupancy(row: &InvocationRow) -> (i64, i64) {
    let wait = match row.start_type.as_str() {
        "cold" => row.init_duration_ms,
        "snapstart" => row.restore_duration_ms,
        _ => 0.0,
    };
    let start = row.start_time_ms as i64;
    (
        start,
        start + ((wait + row.duration_ms).ceil() as i64).max(1),
    )
}

/// How many invocations run at each moment, as a step function.
#[derive(Debug, Default)]
pub(crate) struct Occupancy {
    /// From each time on, this many run; in time order, times distinct.
    changes: Vec<(i64, usize)>,
}

impl Occupancy {
    /// The occupancy of invocations running `[start, end)`.
    pub(crate) fn new(busy: &[(i64, i64)]) -> Occupancy {
        let mut events: Vec<(i64, i64)> = busy
            .iter()
            .flat_map(|&(start, end)| [(start, 1), (end, -1)])
            .collect();
        events.sort_unstable();
        let mut changes: Vec<(i64, usize)> = Vec::new();
        let mut running = 0i64;
        for (t, step) in events {
            running += step;
            match changes.last_mut() {
                Some(last) if last.0 == t => last.1 = running as usize,
                _ => changes.push((t, running as usize)),
            }
        }
        Occupancy { changes }
    }

    /// The most that run at once in `[from, to)`, and the next time after
    /// `from` that the count changes.
    fn max_over(&self, from: i64, to: i64) -> (usize, Option<i64>) {
        let i = self.changes.partition_point(|c| c.0 <= from);
        let at_from = if i == 0 { 0 } else { self.changes[i - 1].1 };
        let later = self.changes[i..].iter().take_while(|c| c.0 < to);
        let most = later.map(|c| c.1).fold(at_from, usize::max);
        (most, self.changes.get(i).map(|c| c.0))
    }
}

/// What the rest of each surge's account and region runs while the surge
/// is on, collected as the other functions are generated.
#[derive(Debug, Default)]
pub(crate) struct AccountLoad {
    watches: Vec<Watch>,
}

#[derive(Debug)]
struct Watch {
    /// Index in the fleet of the function with the surge.
    index: usize,
    provider: &'static str,
    account: &'static str,
    region: &'static str,
    /// The watched span of time, epoch ms.
    from_ms: i64,
    to_ms: i64,
    /// The other functions' invocations that ran in it.
    busy: Vec<(i64, i64)>,
}

impl AccountLoad {
    /// Watches the account and region of every function with a surge.
    pub(crate) fn new(cfg: &DemoConfig, fleet: &[FunctionSpec]) -> AccountLoad {
        let watches = fleet
            .iter()
            .enumerate()
            .filter_map(|(index, spec)| {
                let at = surge_at(cfg, spec)?;
                Some(Watch {
                    index,
                    provider: spec.provider,
                    account: spec.account,
                    region: spec.region,
                    from_ms: at,
                    to_ms: at + SURGE_WATCH_MS,
                    busy: Vec::new(),
                })
            })
            .collect();
        AccountLoad { watches }
    }

    /// Notes the rows generated for function `index` (its own or those of
    /// the functions it invoked) that ran in a watched account and region
    /// while another function's surge is on.
    pub(crate) fn observe(&mut self, index: usize, rows: &[InvocationRow]) {
        for w in self.watches.iter_mut().filter(|w| w.index != index) {
            for r in rows {
                // No invocation runs for an hour: most rows are out of the
                // watched span at a glance.
                let start = r.start_time_ms as i64;
                if start >= w.to_ms || start + HOUR_MS <= w.from_ms {
                    continue;
                }
                let (start, end) = occupancy(r);
                if end > w.from_ms
                    && r.region == w.region
                    && r.account == w.account
                    && r.provider == w.provider
                {
                    w.busy.push((start, end));
                }
            }
        }
    }

    /// What the rest of the account and region ran during the surge of
    /// function `index`, if it has one.
    pub(crate) fn others(&self, index: usize) -> Option<Occupancy> {
        self.watches
            .iter()
            .find(|w| w.index == index)
            .map(|w| Occupancy::new(&w.busy))
    }
}

/// The account and region's concurrency limit, as seen by one function:
/// an arrival starts only while fewer than [`ACCOUNT_CONCURRENCY`]
/// invocations run, the function's own and the others', for as long as it
/// may run (the others were simulated first and are not throttled, so the
/// function leaves room for what they start meanwhile); a throttled event
/// is retried until one fits, in the order the events came.
struct Throttle {
    /// The other functions of the account and region.
    others: Occupancy,
    /// The longest an invocation of the function holds an environment.
    longest_ms: i64,
    /// Ends of this function's running invocations.
    running: BinaryHeap<Reverse<i64>>,
    /// The latest start so far.
    last_start: i64,
}

impl Throttle {
    /// When an event that arrived at `t` starts.
    fn admit(&mut self, t: i64) -> i64 {
        let mut at = t.max(self.last_start);
        loop {
            while self.running.peek().is_some_and(|end| end.0 <= at) {
                self.running.pop();
            }
            let (others, next) = self.others.max_over(at, at + self.longest_ms);
            if self.running.len() + others < ACCOUNT_CONCURRENCY {
                break;
            }
            // Full: retry when the next invocation ends (or the others'
            // count changes: a start does not make room, but moves the
            // window past it).
            at = match (self.running.peek(), next) {
                (Some(end), Some(next)) => end.0.min(next),
                (Some(end), None) => end.0,
                (None, next) => next.expect("every invocation ends"),
            };
        }
        self.last_start = at;
        at
    }

    /// Notes an invocation of the function that runs until `end_ms`.
    fn started(&mut self, end_ms: i64) {
        self.running.push(Reverse(end_ms));
    }
}

/// What a caller hands a function it invokes synchronously.
struct TraceContext {
    /// The caller's trace.
    trace_id: String,
    /// The caller's CLIENT span of the call, when the trace is sampled.
    parent_span_id: Option<String>,
}

/// An invocation and when it ended.
struct Done {
    row: InvocationRow,
    /// End of the execution (INIT or restore wait included), ms after the
    /// row's start.
    end_ms: f64,
    /// When its environment is free again, epoch ms.
    busy_until_ms: i64,
}

/// One function and day of output.
pub(crate) struct DayOutput {
    /// The function's own invocations, in time order.
    pub(crate) rows: Vec<InvocationRow>,
    /// Invocations of each callee made by this function's requests, in
    /// time order (parallel to the `callees` passed to `run_day`).
    pub(crate) callee_rows: Vec<Vec<InvocationRow>>,
    /// Spans and logs of the day's traced requests (callees' included).
    pub(crate) telemetry: Telemetry,
}

/// One function's state across the window.
pub(crate) struct FunctionSim<'a> {
    pub(crate) spec: &'a FunctionSpec,
    rng: Rng,
    /// Span and log ids and texts: a stream of their own, so that traces do
    /// not change the invocations.
    trng: Rng,
    tenant: String,
    start_ms: i64,
    end_ms: i64,
    days: u32,
    instances: Pool,
    version: u32,
    deployed: u32,
    burst_left: u32,
    burst_factor: f64,
    idle_left: u32,
    traced_this_hour: u32,
    /// Start of the function's surge, epoch ms.
    surge_at: Option<i64>,
    /// The account's concurrency limit, for a function with a surge.
    throttle: Option<Throttle>,
}

impl<'a> FunctionSim<'a> {
    pub(crate) fn new(cfg: &DemoConfig, spec: &'a FunctionSpec, stream: u64) -> Self {
        let (start, end) = cfg.window();
        let mut rng = Rng::new(cfg.seed, stream);
        let trng = Rng::new(cfg.seed, stream | 1 << 32);
        let version = 3 + rng.below(20) as u32;
        FunctionSim {
            spec,
            rng,
            trng,
            tenant: cfg.tenant.clone(),
            start_ms: start.timestamp_millis(),
            end_ms: end.timestamp_millis(),
            days: cfg.days,
            instances: Pool::default(),
            version,
            deployed: version,
            burst_left: 0,
            burst_factor: 1.0,
            idle_left: 0,
            traced_this_hour: 0,
            surge_at: surge_at(cfg, spec),
            throttle: None,
        }
    }

    /// Holds the function to its account and region's concurrency limit,
    /// given what the account's other functions run (`others`).
    pub(crate) fn throttle_by(&mut self, others: Occupancy) {
        self.throttle = Some(Throttle {
            others,
            // The timeout, and an INIT before it (at most 10 s on Lambda).
            longest_ms: self.spec.timeout_ms as i64 + 10_000,
            running: BinaryHeap::new(),
            last_start: i64::MIN,
        });
    }

    /// Generates one day (24 hourly rates) of invocations, in time order,
    /// with the calls they make to `callees` (the functions this one
    /// invokes, each simulated only through these calls).
    pub(crate) fn run_day(
        &mut self,
        day: usize,
        rates: &[f64],
        callees: &mut [FunctionSim<'_>],
    ) -> DayOutput {
        let mut out = DayOutput {
            rows: Vec::new(),
            callee_rows: vec![Vec::new(); callees.len()],
            telemetry: Telemetry::default(),
        };
        let calls_out = fan_out(self.spec) > 0.0;
        for (h, &rate) in rates.iter().enumerate() {
            let hour_start = self.start_ms + day as i64 * DAY_MS + h as i64 * HOUR_MS;
            self.traced_this_hour = 0;
            let mut arrivals = self.arrivals(hour_start, rate);
            if let (Some(at), Some(surge)) = (self.surge_at, self.spec.surge) {
                if (hour_start..hour_start + HOUR_MS).contains(&at) {
                    arrivals.extend(
                        (0..surge.events)
                            .map(|_| at + self.rng.below(surge.spread_ms as u64) as i64),
                    );
                }
            }
            arrivals.sort_unstable();
            for t in arrivals {
                if calls_out && t >= self.end_ms - CALL_MARGIN_MS {
                    continue;
                }
                let t = match &mut self.throttle {
                    Some(throttle) => throttle.admit(t),
                    None => t,
                };
                let mut tree = Telemetry::default();
                let done = self.invoke(t, None, callees, &mut out.callee_rows, &mut tree);
                if let Some(throttle) = &mut self.throttle {
                    throttle.started(done.busy_until_ms);
                }
                out.rows.push(done.row);
                out.telemetry.append(tree);
            }
        }
        for rows in &mut out.callee_rows {
            rows.sort_by_key(|r| r.start_time_ms);
        }
        out
    }

    fn arrivals(&mut self, hour_start: i64, rate: f64) -> Vec<i64> {
        if let Pattern::Timer { every_minutes } = self.spec.pattern {
            let step = every_minutes as i64 * 60_000;
            return (0..HOUR_MS / step.max(1) + 1)
                .map(|k| hour_start + k * step)
                .filter(|t| *t < hour_start + HOUR_MS && (t - self.start_ms) % step == 0)
                .map(|t| t + self.rng.below(2_000) as i64)
                .collect();
        }
        // Bursts and idle spells: a few per month per function, bursts more
        // often where the catalog says so. A scheduled batch does not
        // burst: its size is its work's, and several times it would run
        // thousands of environments at once, more than Lambda lets an
        // account run (1,000 by default).
        let scheduled = matches!(self.spec.pattern, Pattern::Batch { .. });
        if !scheduled && self.burst_left == 0 && self.rng.chance(self.spec.burst_chance) {
            self.burst_left = 1 + self.rng.below(3) as u32;
            self.burst_factor = self.rng.range(4.0, 10.0);
        }
        if self.idle_left == 0
            && matches!(self.spec.volume, Volume::Share(_))
            && self.rng.chance(0.002)
        {
            self.idle_left = 2 + self.rng.below(7) as u32;
        }
        let mut factor = 1.0;
        if self.burst_left > 0 {
            self.burst_left -= 1;
            factor = self.burst_factor;
        }
        if self.idle_left > 0 {
            self.idle_left -= 1;
            factor = 0.0;
        }
        let n = self.rng.poisson(rate * factor);
        let batch = matches!(self.spec.pattern, Pattern::Batch { .. }) && rate > 1.0;
        (0..n)
            .map(|_| {
                let u = self.rng.f64();
                // Batches fan out in their first ten minutes, front-loaded.
                let offset = if batch {
                    u * u * 600_000.0
                } else {
                    u * HOUR_MS as f64
                };
                hour_start + offset as i64
            })
            .collect()
    }

    fn memory_at(&self, t: i64) -> u32 {
        match self.spec.memory_change {
            Some((at, mb))
                if t >= self.start_ms + (at * self.days as f64 * DAY_MS as f64) as i64 =>
            {
                mb
            }
            _ => self.spec.memory_mb,
        }
    }

    fn version_at(&self, t: i64) -> u32 {
        match self.spec.deploy_every_days {
            Some(d) => self.version + ((t - self.start_ms) / (d as i64 * DAY_MS)) as u32,
            None => self.version,
        }
    }

    fn new_instance(&mut self, t: i64, provisioned: bool) -> Instance {
        let (lo, hi) = keep_alive_minutes(self.spec.provider);
        let id = match self.spec.provider {
            "aws_lambda" => {
                let d = Utc.timestamp_millis_opt(t).unwrap();
                format!(
                    "{}/[{}]{}",
                    d.format("%Y/%m/%d"),
                    self.version_at(t),
                    self.rng.hex(16)
                )
            }
            "cloudflare_workers" => String::new(),
            _ => self.rng.hex(8),
        };
        Instance {
            id,
            created_ms: t,
            busy_until_ms: t,
            last_end_ms: t,
            keep_alive_ms: (self.rng.range(lo, hi) * 60_000.0) as i64,
            lifetime_ms: (self.rng.range(2.0, 6.0) * HOUR_MS as f64) as i64,
            provisioned,
            used: false,
        }
    }

    /// The route a request takes, for a function that serves several.
    fn pick_route(&mut self) -> Option<&'static Route> {
        let routes = self.spec.routes;
        if routes.is_empty() {
            return None;
        }
        let mut u = self.rng.f64() * routes.iter().map(|r| r.share).sum::<f64>();
        for route in routes {
            if u < route.share {
                return Some(route);
            }
            u -= route.share;
        }
        routes.last()
    }

    /// The request's steps with each [`Step::Repeat`] drawn and written out
    /// once per item, and how much longer than typical (the repeats at
    /// their mean count) that makes the request's own work, given the
    /// weight of a gap between steps.
    fn unroll(&mut self, gap_weight: f64) -> (Vec<Step>, f64) {
        let mut steps = Vec::new();
        let mut typical = 0.0;
        for step in self.spec.steps {
            match *step {
                Step::Repeat { step, min, max } => {
                    assert!(
                        matches!(step, Step::Db { .. } | Step::Http { .. }),
                        "a repeated step is a query or an outside call"
                    );
                    let n = min + self.rng.below((max - min + 1) as u64) as u32;
                    steps.extend(std::iter::repeat_n(*step, n as usize));
                    typical += (min + max) as f64 / 2.0;
                }
                other => {
                    steps.push(other);
                    typical += 1.0;
                }
            }
        }
        // Expected weights of the timeline: a gap before, between and after
        // the steps; one per query or outside call.
        let calls = self
            .spec
            .steps
            .iter()
            .filter(|s| matches!(s, Step::Invoke { .. }))
            .count() as f64;
        let weight = |n: f64| (n + 1.0) * gap_weight + n - calls;
        let scale = weight(steps.len() as f64) / weight(typical);
        (steps, scale)
    }

    /// Whether a new request of this (HTTP) function is traced.
    fn sample(&mut self) -> bool {
        let pick = self.rng.chance(TRACE_SAMPLE);
        if pick && self.traced_this_hour < TRACES_PER_HOUR {
            self.traced_this_hour += 1;
            true
        } else {
            false
        }
    }

    /// Picks (or starts) an environment for an arrival at `t`, runs the
    /// request (the calls it makes to `callees` included) and returns the
    /// invocation it produces. `ctx` is the caller's trace when another
    /// function invoked this one. Spans and logs of a traced request go to
    /// `tree`; calls made to callee `k` go to `callee_rows[k]`.
    fn invoke(
        &mut self,
        t: i64,
        ctx: Option<&TraceContext>,
        callees: &mut [FunctionSim<'_>],
        callee_rows: &mut [Vec<InvocationRow>],
        tree: &mut Telemetry,
    ) -> Done {
        let spec = self.spec;
        let version = self.version_at(t);
        // A deploy replaces every environment.
        if version != self.deployed {
            self.deployed = version;
            self.instances.clear();
        }
        for _ in self.instances.provisioned()..spec.provisioned {
            let inst = self.new_instance(t - 60_000, true);
            self.instances.add(inst);
        }
        // The most recently used free environment (as Lambda routes),
        // provisioned ones before on-demand; or a new one.
        let (inst, fresh) = match self.instances.take(t) {
            Some(inst) => (inst, false),
            None => (self.new_instance(t, false), true),
        };

        let memory_mb = self.memory_at(t);
        let (init_median, init_sigma) = spec
            .init_ms
            .unwrap_or_else(|| init_profile(spec.provider, spec.runtime));
        let mut start_type = "warm";
        let mut init_duration_ms = 0.0;
        let mut restore_duration_ms = 0.0;
        let first_use = !inst.used;
        if inst.provisioned && first_use {
            start_type = "provisioned";
            init_duration_ms = self.rng.lognormal(init_median, init_sigma);
        } else if fresh {
            if spec.snapstart {
                start_type = "snapstart";
                restore_duration_ms = self.rng.lognormal(380.0, 0.3);
            } else if spec.provider == "aws_lambda" && self.rng.chance(0.08) {
                start_type = "proactive";
                init_duration_ms = self.rng.lognormal(init_median, init_sigma);
            } else {
                start_type = "cold";
                init_duration_ms = self.rng.lognormal(init_median, init_sigma);
            }
        }
        let init_duration_ms = (init_duration_ms * 100.0).round() / 100.0;
        let restore_duration_ms = (restore_duration_ms * 100.0).round() / 100.0;
        // The request waits for an on-demand INIT or a restore; provisioned
        // and proactive environments were initialised before it came.
        let wait = if start_type == "cold" {
            init_duration_ms
        } else {
            restore_duration_ms
        };

        // The function's own work: CPU work scales with the vCPU share the
        // memory buys (one thread, so nothing past one vCPU); the rest does
        // not.
        let vcpu = |mb: u32| (mb as f64 / MB_PER_VCPU).min(1.0);
        let cpu_scale = vcpu(spec.memory_mb) / vcpu(memory_mb);
        let route = self.pick_route();
        let (operation, (median_ms, sigma), memory_used) = match route {
            Some(r) => (r.operation, r.duration_ms, r.memory_used),
            None => (spec.operation, spec.duration_ms, spec.memory_used),
        };
        let mut own_ms = self.rng.lognormal(median_ms, sigma)
            * ((1.0 - spec.cpu_bound) + spec.cpu_bound * cpu_scale);
        if matches!(start_type, "cold" | "snapstart") && spec.runtime.starts_with("java") {
            own_ms *= 1.4; // first requests run before the JIT warms up
        }
        let used_mb =
            (spec.memory_mb as f64 * memory_used * self.rng.lognormal(1.0, 0.06)).max(18.0);
        let mut max_memory_used_mb = used_mb.min(memory_mb as f64).round() as u32;
        let roll = self.rng.f64();
        let oom_rate = if memory_mb == spec.memory_mb {
            spec.oom_rate
        } else {
            0.0
        };
        let oom = roll < oom_rate || used_mb > memory_mb as f64;
        let forced_timeout = !oom && roll < oom_rate + spec.timeout_rate;
        let handled_error =
            !oom && !forced_timeout && roll < oom_rate + spec.timeout_rate + spec.error_rate;

        // The trace: a caller's, or a new one for a request from outside.
        let root = ctx.is_none() && spec.trigger == "http";
        let trace_id = match ctx {
            Some(c) => c.trace_id.clone(),
            None if root => self.rng.hex(16),
            None => String::new(),
        };
        let traced = match ctx {
            Some(c) => c.parent_span_id.is_some(),
            None => root && self.sample(),
        };
        let server_span_id = if traced {
            self.trng.hex(8)
        } else {
            String::new()
        };

        // The request's timeline, in ms after `t`: the own work is spread
        // over the gaps between steps and the steps that are not calls; a
        // call lasts as long as the callee takes, plus the network.
        let mut planned: Vec<Planned> = Vec::new();
        let mut failed_call: Option<&'static str> = None;
        let mut cursor = wait;
        if oom {
            // The environment is killed part-way; nothing after runs.
            cursor += own_ms * self.rng.range(0.3, 0.9);
        } else if spec.steps.is_empty() {
            cursor += own_ms;
        } else {
            let gap_weight = 0.2 + 2.0 * spec.cpu_bound;
            let unrolled;
            let steps: &[Step] = if spec.steps.iter().any(|s| matches!(s, Step::Repeat { .. })) {
                let scale;
                (unrolled, scale) = self.unroll(gap_weight);
                own_ms *= scale;
                &unrolled
            } else {
                spec.steps
            };
            let n = steps.len();
            let mut weights = Vec::with_capacity(2 * n + 1);
            for _ in 0..=n {
                weights.push(self.rng.range(0.5, 1.5) * gap_weight);
            }
            for step in steps {
                weights.push(match step {
                    Step::Invoke { .. } => 0.0,
                    _ => self.rng.range(0.5, 1.5),
                });
            }
            let total: f64 = weights.iter().sum();
            let part = |w: f64| own_ms * w / total;
            for (i, step) in steps.iter().enumerate() {
                cursor += part(weights[i]);
                match *step {
                    Step::Invoke { function, chance } => {
                        if failed_call.is_some() || !self.rng.chance(chance) {
                            continue;
                        }
                        let k = callees
                            .iter()
                            .position(|c| c.spec.name == function)
                            .expect("a callee is simulated with its caller");
                        let hop_out = self.rng.range(8.0, 25.0);
                        let hop_back = self.rng.range(3.0, 10.0);
                        let client_span_id = if traced {
                            self.trng.hex(8)
                        } else {
                            String::new()
                        };
                        let call_at = t + (cursor + hop_out).round() as i64;
                        let child_ctx = TraceContext {
                            trace_id: trace_id.clone(),
                            parent_span_id: traced.then(|| client_span_id.clone()),
                        };
                        let done =
                            callees[k].invoke(call_at, Some(&child_ctx), &mut [], &mut [], tree);
                        let end = (call_at - t) as f64 + done.end_ms + hop_back;
                        let ok = done.row.status == "success";
                        if traced {
                            planned.push(Planned::call(
                                client_span_id,
                                callees[k].spec,
                                &done.row,
                                cursor,
                                end,
                            ));
                        }
                        if !ok {
                            failed_call = Some(function);
                        }
                        callee_rows[k].push(done.row);
                        cursor = end;
                    }
                    Step::Db { .. } | Step::Http { .. } => {
                        let d = part(weights[n + 1 + i]);
                        if traced {
                            planned.push(Planned::step(self.trng.hex(8), step, cursor, cursor + d));
                        }
                        cursor += d;
                    }
                    Step::Repeat { .. } => unreachable!("repeats are unrolled"),
                }
            }
            cursor += part(weights[n]);
        }

        let mut duration_ms = cursor - wait;
        let (mut status, mut error_type) = ("success", String::new());
        if oom {
            status = "error";
            error_type = "Runtime.OutOfMemory".into();
            max_memory_used_mb = memory_mb;
        } else if forced_timeout || duration_ms >= spec.timeout_ms as f64 {
            status = "timeout";
            error_type = "Sandbox.Timedout".into();
            duration_ms = spec.timeout_ms as f64 + self.rng.range(0.0, 3.0);
            // Killed with a call or query still open: its span would end
            // after the request's; such a trace is not kept.
            if planned.iter().any(|p| p.end > wait + duration_ms) {
                tree.broken = true;
            }
        } else if handled_error || failed_call.is_some() {
            status = "error";
            error_type = error_name(spec.runtime, self.rng.below(3)).into();
        }
        let end_ms = wait + duration_ms;
        let duration_ms = (duration_ms * 100.0).round() / 100.0;

        let mut inst = inst;
        inst.used = true;
        inst.busy_until_ms = t + (wait + duration_ms).ceil() as i64;
        inst.last_end_ms = inst.busy_until_ms;
        let busy_until_ms = inst.busy_until_ms;
        let instance_id = inst.id.clone();
        // A crashed or timed-out environment is torn down.
        if status == "timeout" || error_type == "Runtime.OutOfMemory" {
            self.instances.tear_down(inst);
        } else {
            self.instances.give_back(inst);
        }

        let start_time = Utc.timestamp_millis_opt(t).unwrap();
        let mut row = InvocationRow {
            tenant: self.tenant.clone(),
            provider: spec.provider.into(),
            account: spec.account.into(),
            region: spec.region.into(),
            function: spec.name.into(),
            version: version.to_string(),
            runtime: spec.runtime.into(),
            arch: spec.arch.into(),
            memory_mb,
            timeout_ms: spec.timeout_ms,
            request_id: match spec.provider {
                "aws_lambda" | "azure_functions" => self.rng.uuid(),
                "cloudflare_workers" => format!("{}-IAD", self.rng.hex(8)),
                _ => self.rng.hex(6),
            },
            instance_id,
            trace_id,
            start_time: chrono::DurationRound::duration_trunc(
                start_time,
                chrono::Duration::seconds(1),
            )
            .unwrap(),
            start_time_ms: t as u64,
            duration_ms,
            init_duration_ms,
            restore_duration_ms,
            billed_restore_duration_ms: if spec.snapstart {
                restore_duration_ms.ceil() as u64
            } else {
                0
            },
            cpu_time_ms: if spec.provider == "cloudflare_workers" {
                ((duration_ms * (0.05 + 0.6 * spec.cpu_bound)) * 100.0).round() / 100.0
            } else {
                0.0
            },
            start_type: start_type.into(),
            max_memory_used_mb,
            status: status.into(),
            error_type,
            trigger: spec.trigger.into(),
            source: "demo".into(),
            ingested_at: start_time,
            ..Default::default()
        };
        row.ingested_at = row.start_time;
        faasight_pricing::apply_billing(&mut row);

        if traced {
            let parent = ctx
                .and_then(|c| c.parent_span_id.clone())
                .unwrap_or_default();
            telemetry::record(
                spec,
                &row,
                telemetry::Server {
                    span_id: server_span_id,
                    parent_span_id: parent,
                    start: wait,
                    end: end_ms,
                    operation,
                    failed_call,
                },
                planned,
                tree,
            );
        }
        Done {
            row,
            end_ms,
            busy_until_ms,
        }
    }
}

fn error_name(runtime: &str, k: u64) -> &'static str {
    let names: [&str; 3] = if runtime.starts_with("python") {
        ["KeyError", "ValueError", "botocore.exceptions.ClientError"]
    } else if runtime.starts_with("node") || runtime == "workerd" {
        ["TypeError", "Error", "FetchError"]
    } else if runtime.starts_with("java") {
        [
            "java.lang.NullPointerException",
            "java.lang.IllegalStateException",
            "software.amazon.awssdk.core.exception.SdkClientException",
        ]
    } else if runtime.starts_with("dotnet") {
        [
            "System.NullReferenceException",
            "System.InvalidOperationException",
            "System.TimeoutException",
        ]
    } else {
        ["Runtime.ExitError", "Handler.Error", "Runtime.Unknown"]
    };
    names[k as usize % 3]
}
