//! Why each cold start happened, cold-start rates by dimension, and the
//! share of cost INIT takes before and after AWS began billing it.
//!
//! # Causes
//!
//! Every invocation whose start type is `cold`, `suppressed` (an init
//! re-run in the invoke phase: the caller waited), `snapstart` or
//! `provisioned` gets exactly one cause; the first rule that matches wins:
//!
//! 1. **provisioned** — start type `provisioned`: a provisioned-concurrency
//!    environment was initialised (ahead of demand, or to replace a recycled
//!    one).
//! 2. **snapstart** — start type `snapstart`: the environment was restored
//!    from a SnapStart snapshot.
//! 3. **deploy** — the invocation runs a configuration (version, memory)
//!    that was (re)deployed: the function ran another configuration before
//!    it and this one had not run for more than the keep-alive (or never).
//!    Environments belong to one configuration, so none of the new one's
//!    can be warm. Cold starts count as deploy until the new configuration's
//!    first warm invocation, and at most for one keep-alive after its first
//!    invocation — after that, a warm instance would have existed had
//!    traffic kept one.
//! 4. **scale-out** — when the cold start began, another invocation of the
//!    same function and configuration was in progress. A platform routes a
//!    request to an idle warm environment when it has one and starts a new
//!    environment only when all are busy
//!    (<https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html>),
//!    so the cold start itself shows that no idle warm instance was left;
//!    the busy one shows that the function was warm but its instances were
//!    all serving.
//! 5. **idle** — nothing was in progress and the function's last invocation
//!    (any instance, any configuration) had ended longer ago than its
//!    keep-alive: no instance could still be warm.
//! 6. **first-seen** — the first invocation of the function in the data:
//!    nothing before it, so its cause cannot be told.
//! 7. **unknown** — none of the above: the function ran within its
//!    keep-alive and nothing was busy, yet the platform started a new
//!    environment: one kept for less time than usual (keep-alives vary
//!    between environments), recycled by the platform (Lambda replaces
//!    environments after a few hours of life), or torn down after a crash or
//!    a timeout.
//!
//! `proactive` starts (Lambda initialised the environment well before the
//! request; nobody waited), `warm` and `unknown` start types are not
//! classified, but every invocation counts for busy and idle time.
//!
//! An invocation occupies its environment from `start_time_ms` for
//! `duration_ms`, plus `init_duration_ms` when the start type is `cold` or
//! `suppressed` (the request waits for the init). Sources that stamp the
//! start after the init shift the interval by one init duration at most.
//! `concurrent_busy` counts invocations in progress; on platforms with one
//! request per environment (Lambda) that is busy environments.
//!
//! # Keep-alive
//!
//! How long a platform keeps an idle environment is not documented and
//! varies (measurements: AWS Lambda about 10 minutes, Azure Functions 20
//! minutes — <https://mikhail.io/2019/08/aws-lambda-cold-starts-after-10-minutes/>;
//! Cloud Run functions keep idle instances "for an unspecified amount of
//! time" — <https://cloud.google.com/functions/1stgendocs/configuring/min-instances>).
//! So it is
//! estimated per function from its idle periods: each time an invocation
//! starts with nothing of the function in progress and the same
//! configuration as the one before, the gap since the last end either ended
//! warm (an instance had survived it) or cold. The estimate is the gap that
//! splits these periods best — fewest cold starts at or below it plus warm
//! starts above it, the longer gap on a tie. With a fixed keep-alive that is
//! the longest gap after which a warm start was still seen; with one that
//! varies (AWS) it lands where cold becomes likelier than warm, and the
//! periods on the wrong side are reported as unexplained. A split below
//! [`ColdStartOptions::min_informative_gap_ms`] says nothing (every platform
//! keeps instances longer), so the provider's default applies, as it does
//! when no split beats none; the estimate never exceeds
//! [`ColdStartOptions::max_keep_alive_ms`]. The longest idle time one
//! `instance_id` survived is reported next to it.
//!
//! # Rates and INIT cost
//!
//! [`rates`] turns rows aggregated by ClickHouse (one per value of a
//! [`Dimension`]) into cold-start and INIT-cost percentages;
//! [`init_billing_change`] compares the INIT share of cost before and after
//! 2025-08-01, when AWS began billing INIT for on-demand ZIP functions on
//! managed runtimes
//! (<https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/>).
//!
//! Pure functions over polars frames; no I/O.

use crate::frame_input::{self, FrameError};
use chrono::{DateTime, TimeZone, Utc};
use faasight_store::PicoUsd;
use polars::prelude::{DataFrame, DataType};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::hash_map::Entry;
use std::collections::{BinaryHeap, HashMap, HashSet};

/// Input that the cold-start analyses cannot use.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ColdStartError {
    /// A column is absent or has the wrong type.
    #[error(transparent)]
    Input(#[from] FrameError),
    /// A value is null, out of range, negative or not finite.
    #[error("column `{column}` has no usable value in row {row}: {problem}")]
    BadValue {
        /// The column.
        column: &'static str,
        /// Row number, from 0.
        row: usize,
        /// What is wrong.
        problem: &'static str,
    },
    /// The invocations are not in the documented order.
    #[error(
        "row {row}: invocations must be sorted by (function, start_time_ms) \
         with each function's rows together; `{function}` is out of order"
    )]
    NotSorted {
        /// Row number, from 0.
        row: usize,
        /// The function whose row is out of place.
        function: String,
    },
    /// A start type outside faasight's vocabulary.
    #[error(
        "row {row}: start_type {value:?} is not one of cold, provisioned, \
         snapstart, proactive, suppressed, warm, unknown"
    )]
    UnknownStartType {
        /// Row number, from 0.
        row: usize,
        /// The value.
        value: String,
    },
    /// Aggregated values that contradict each other.
    #[error("row {row} (key {key:?}): {problem}")]
    Inconsistent {
        /// Row number, from 0.
        row: usize,
        /// The row's key.
        key: String,
        /// What contradicts what.
        problem: String,
    },
    /// Options that cannot be used.
    #[error("invalid options: {0}")]
    Options(String),
    /// Usage figures that contradict each other.
    #[error("invalid usage: {0}")]
    Usage(String),
    /// polars could not convert a column.
    #[error("the frame could not be read: {0}")]
    Frame(#[from] polars::error::PolarsError),
}

type Result<T> = std::result::Result<T, ColdStartError>;

// ---------------------------------------------------------------------------
// Column access

fn present<T>(value: Option<Option<T>>, column: &'static str, row: usize) -> Result<T> {
    value.flatten().ok_or(ColdStartError::BadValue {
        column,
        row,
        problem: "null or out of range",
    })
}

fn non_negative_ms(value: f64, column: &'static str, row: usize) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(ColdStartError::BadValue {
            column,
            row,
            problem: "must be a finite number ≥ 0",
        })
    }
}

fn pct(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        100.0 * part / whole
    } else {
        0.0
    }
}

// ---------------------------------------------------------------------------
// Causes

/// Why a cold start happened; see the module documentation for the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// First environments of a newly (re)deployed version or memory size.
    Deploy,
    /// A provisioned-concurrency environment was initialised.
    Provisioned,
    /// A SnapStart restore.
    #[serde(rename = "snapstart")]
    SnapStart,
    /// All warm instances were busy: concurrency grew.
    ScaleOut,
    /// The function sat idle past its keep-alive.
    Idle,
    /// The function's first invocation in the data.
    FirstSeen,
    /// Recent activity and nothing busy, yet a new environment.
    Unknown,
}

impl Cause {
    /// Every cause, in the order of the rule.
    pub const ALL: [Cause; 7] = [
        Cause::Provisioned,
        Cause::SnapStart,
        Cause::Deploy,
        Cause::ScaleOut,
        Cause::Idle,
        Cause::FirstSeen,
        Cause::Unknown,
    ];

    /// The name used in JSON and on pages.
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Deploy => "deploy",
            Cause::Provisioned => "provisioned",
            Cause::SnapStart => "snapstart",
            Cause::ScaleOut => "scale-out",
            Cause::Idle => "idle",
            Cause::FirstSeen => "first-seen",
            Cause::Unknown => "unknown",
        }
    }

    /// One sentence for the UI: what the cause means and how it was told.
    pub fn explanation(self) -> &'static str {
        match self {
            Cause::Deploy => {
                "A new version or memory size had started running; its environments \
                 were all new (until its first warm invocation, at most one keep-alive)."
            }
            Cause::Provisioned => "A provisioned-concurrency environment was initialised.",
            Cause::SnapStart => "The environment was restored from a SnapStart snapshot.",
            Cause::ScaleOut => {
                "Another invocation of the same version was running: every warm \
                 instance was busy, so the platform started one more."
            }
            Cause::Idle => {
                "The function had been idle longer than its keep-alive: no instance \
                 was still warm."
            }
            Cause::FirstSeen => {
                "The function's first invocation in the period: nothing before it \
                 to tell the cause."
            }
            Cause::Unknown => {
                "The function ran within its usual keep-alive and nothing was busy, \
                 yet no instance was left: it was kept for less time than usual, or \
                 the platform recycled it (age, crash, timeout)."
            }
        }
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One classified cold start.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColdStartCause {
    /// The function key.
    pub function: String,
    /// The invocation.
    pub request_id: String,
    /// When it started, epoch ms.
    pub start_time_ms: i64,
    /// Its start type (`cold`, `suppressed`, `snapstart`, `provisioned`).
    pub start_type: String,
    /// Why.
    pub cause: Cause,
    /// Time since the function's last invocation ended (any instance and
    /// configuration), ms; 0 while one was in progress; `None` for the
    /// first invocation.
    pub gap_ms: Option<i64>,
    /// Invocations of the same function and configuration in progress when
    /// it started.
    pub concurrent_busy: u32,
    /// Its INIT duration, ms (0 when the source gave none).
    pub init_duration_ms: f64,
}

/// Cold starts of one function counted by cause.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CauseCounts {
    /// [`Cause::Deploy`].
    pub deploy: u64,
    /// [`Cause::Provisioned`].
    pub provisioned: u64,
    /// [`Cause::SnapStart`].
    pub snapstart: u64,
    /// [`Cause::ScaleOut`].
    pub scale_out: u64,
    /// [`Cause::Idle`].
    pub idle: u64,
    /// [`Cause::FirstSeen`].
    pub first_seen: u64,
    /// [`Cause::Unknown`].
    pub unknown: u64,
}

impl CauseCounts {
    /// The count of one cause.
    pub fn get(&self, cause: Cause) -> u64 {
        match cause {
            Cause::Deploy => self.deploy,
            Cause::Provisioned => self.provisioned,
            Cause::SnapStart => self.snapstart,
            Cause::ScaleOut => self.scale_out,
            Cause::Idle => self.idle,
            Cause::FirstSeen => self.first_seen,
            Cause::Unknown => self.unknown,
        }
    }

    fn add(&mut self, cause: Cause) {
        let slot = match cause {
            Cause::Deploy => &mut self.deploy,
            Cause::Provisioned => &mut self.provisioned,
            Cause::SnapStart => &mut self.snapstart,
            Cause::ScaleOut => &mut self.scale_out,
            Cause::Idle => &mut self.idle,
            Cause::FirstSeen => &mut self.first_seen,
            Cause::Unknown => &mut self.unknown,
        };
        *slot += 1;
    }
}

/// Where a function's keep-alive estimate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeepAliveBasis {
    /// The gap that best splits the function's idle periods into those
    /// that ended warm and those that ended cold.
    Observed,
    /// That gap exceeded [`ColdStartOptions::max_keep_alive_ms`]; the cap
    /// is used.
    Capped,
    /// No gap splits the idle periods better than none (no warm start
    /// after an idle period, or mostly cold ones): the provider's default.
    DefaultNoEvidence,
    /// The best split is shorter than
    /// [`ColdStartOptions::min_informative_gap_ms`], which says nothing
    /// about the keep-alive: the provider's default.
    DefaultShortGaps,
}

/// A function's keep-alive estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KeepAliveEstimate {
    /// The keep-alive used by the rule, ms.
    pub keep_alive_ms: i64,
    /// Where it comes from.
    pub basis: KeepAliveBasis,
    /// Idle periods of the function (nothing in progress, same
    /// configuration before and after) that ended in a warm start.
    pub idle_periods_warm: u64,
    /// Idle periods that ended in a cold start (`cold`, `suppressed`,
    /// `snapstart`).
    pub idle_periods_cold: u64,
    /// Idle periods the keep-alive does not explain: cold starts after a
    /// shorter gap, warm starts after a longer one. Many of them mean the
    /// platform's keep-alive varies, or environments are recycled.
    pub idle_periods_unexplained: u64,
    /// The longest an `instance_id` was seen idle and then served a warm
    /// invocation, ms: a lower bound of the platform's longest keep-alive.
    pub max_instance_idle_ms: Option<i64>,
}

/// One function's cold starts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionColdStarts {
    /// The function key.
    pub function: String,
    /// All its invocations in the frame.
    pub invocations: u64,
    /// Classified starts (cold, suppressed, snapstart, provisioned); the
    /// cold starts callers waited for are these minus `by_cause.provisioned`.
    pub cold_starts: u64,
    /// The same, by cause.
    pub by_cause: CauseCounts,
    /// (Re)deployments of a configuration detected (rule 3).
    pub deploys: u64,
    /// The keep-alive used.
    pub keep_alive: KeepAliveEstimate,
}

/// The result of [`cold_start_causes`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColdStartAnalysis {
    /// Every classified start, in input order.
    pub cold_starts: Vec<ColdStartCause>,
    /// One entry per function, in input order.
    pub functions: Vec<FunctionColdStarts>,
}

/// Settings of [`cold_start_causes`].
#[derive(Debug, Clone, PartialEq)]
pub struct ColdStartOptions {
    /// Keep-alive when the data cannot tell and the frame has no `provider`
    /// column (or the provider has no default), ms.
    pub default_keep_alive_ms: i64,
    /// Reuse gaps shorter than this do not inform the estimate, ms.
    pub min_informative_gap_ms: i64,
    /// The estimate never exceeds this, ms.
    pub max_keep_alive_ms: i64,
}

impl Default for ColdStartOptions {
    /// 10 minutes by default (AWS Lambda's measured keep-alive, see the
    /// module documentation), 1 minute to be informative, 2 hours at most.
    fn default() -> Self {
        ColdStartOptions {
            default_keep_alive_ms: 10 * 60_000,
            min_informative_gap_ms: 60_000,
            max_keep_alive_ms: 2 * 3_600_000,
        }
    }
}

/// A provider's keep-alive when the data cannot tell, ms: AWS Lambda 10
/// minutes and Azure Functions 20 minutes, as measured in
/// <https://mikhail.io/2019/08/aws-lambda-cold-starts-after-10-minutes/>;
/// `None` for providers without a published figure (Google documents "an
/// unspecified amount of time"), which get
/// [`ColdStartOptions::default_keep_alive_ms`].
pub fn provider_keep_alive_ms(provider: &str) -> Option<i64> {
    match provider {
        "aws_lambda" => Some(10 * 60_000),
        "azure_functions" => Some(20 * 60_000),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StartType {
    Cold,
    Suppressed,
    SnapStart,
    Provisioned,
    Proactive,
    Warm,
    Unknown,
}

impl StartType {
    fn parse(s: &str) -> Option<StartType> {
        Some(match s {
            "cold" => StartType::Cold,
            "suppressed" => StartType::Suppressed,
            "snapstart" => StartType::SnapStart,
            "provisioned" => StartType::Provisioned,
            "proactive" => StartType::Proactive,
            "warm" => StartType::Warm,
            "unknown" => StartType::Unknown,
            _ => return None,
        })
    }

    fn classified(self) -> bool {
        matches!(
            self,
            StartType::Cold | StartType::Suppressed | StartType::SnapStart | StartType::Provisioned
        )
    }
}

/// One invocation, borrowed from the frame.
struct Invocation<'a> {
    request_id: &'a str,
    version: &'a str,
    memory_mb: i64,
    instance_id: &'a str,
    start_ms: i64,
    duration_ms: f64,
    init_ms: f64,
    start_type: StartType,
    start_type_text: &'a str,
}

impl Invocation<'_> {
    /// When its environment became free again (see the module docs).
    fn end_ms(&self) -> i64 {
        let waited_init = match self.start_type {
            StartType::Cold | StartType::Suppressed => self.init_ms,
            _ => 0.0,
        };
        self.start_ms + (self.duration_ms + waited_init).ceil() as i64
    }
}

fn estimate_keep_alive(
    rows: &[Invocation<'_>],
    default_ms: i64,
    options: &ColdStartOptions,
) -> KeepAliveEstimate {
    // Instance level: the longest idle time an instance survived.
    let mut instance_end: HashMap<&str, i64> = HashMap::new();
    let mut max_instance_idle: Option<i64> = None;
    // Function level: idle periods (nothing in progress) and how they ended.
    let mut periods: Vec<(i64, bool)> = Vec::new();
    let mut latest_end: Option<i64> = None;
    let mut previous_config: Option<(&str, i64)> = None;
    for r in rows {
        let end = r.end_ms();
        if !r.instance_id.is_empty() {
            match instance_end.entry(r.instance_id) {
                Entry::Occupied(mut e) => {
                    let idle = r.start_ms - *e.get();
                    // Negative: an overlapping request on a multi-request
                    // instance, not an idle period.
                    if r.start_type == StartType::Warm && idle >= 0 {
                        max_instance_idle = Some(max_instance_idle.map_or(idle, |m| m.max(idle)));
                    }
                    if end > *e.get() {
                        e.insert(end);
                    }
                }
                Entry::Vacant(e) => {
                    e.insert(end);
                }
            }
        }
        let config = (r.version, r.memory_mb);
        if let Some(last) = latest_end {
            // A configuration change ends the period by deploy, not by the
            // keep-alive: it is no evidence.
            if last <= r.start_ms && previous_config == Some(config) {
                let warm = match r.start_type {
                    StartType::Warm => Some(true),
                    StartType::Cold | StartType::Suppressed | StartType::SnapStart => Some(false),
                    _ => None,
                };
                if let Some(warm) = warm {
                    periods.push((r.start_ms - last, warm));
                }
            }
        }
        latest_end = Some(latest_end.map_or(end, |e| e.max(end)));
        previous_config = Some(config);
    }
    periods.sort_unstable_by_key(|p| p.0);
    let warm_total = periods.iter().filter(|p| p.1).count() as u64;
    let cold_total = periods.len() as u64 - warm_total;
    // The threshold with the fewest periods on the wrong side (cold at or
    // below it, warm above it); on a tie the longer one.
    let mut best: (u64, Option<i64>) = (warm_total, None);
    let (mut warm_at_or_below, mut cold_at_or_below) = (0u64, 0u64);
    let mut i = 0;
    while i < periods.len() {
        let gap = periods[i].0;
        while i < periods.len() && periods[i].0 == gap {
            if periods[i].1 {
                warm_at_or_below += 1;
            } else {
                cold_at_or_below += 1;
            }
            i += 1;
        }
        let wrong = cold_at_or_below + (warm_total - warm_at_or_below);
        if wrong <= best.0 {
            best = (wrong, Some(gap));
        }
    }
    let (keep_alive_ms, basis) = match best.1 {
        None => (default_ms, KeepAliveBasis::DefaultNoEvidence),
        Some(g) if g < options.min_informative_gap_ms => {
            (default_ms, KeepAliveBasis::DefaultShortGaps)
        }
        Some(g) if g > options.max_keep_alive_ms => {
            (options.max_keep_alive_ms, KeepAliveBasis::Capped)
        }
        Some(g) => (g, KeepAliveBasis::Observed),
    };
    let unexplained = periods
        .iter()
        .filter(|&&(gap, warm)| (gap > keep_alive_ms) == warm)
        .count() as u64;
    KeepAliveEstimate {
        keep_alive_ms,
        basis,
        idle_periods_warm: warm_total,
        idle_periods_cold: cold_total,
        idle_periods_unexplained: unexplained,
        max_instance_idle_ms: max_instance_idle,
    }
}

/// State of one configuration (version, memory) of the function.
struct Configuration<'a> {
    version: &'a str,
    memory_mb: i64,
    /// Ends of its invocations still (possibly) in progress: a min-heap.
    busy_until: BinaryHeap<Reverse<i64>>,
    /// Latest end of its invocations so far.
    last_end_ms: i64,
    /// First invocation since it was (re)deployed.
    since_ms: i64,
    /// Whether rule 3 applies to it.
    deployed: bool,
    /// A warm invocation has run since `since_ms`.
    warm_seen: bool,
}

fn classify_function(
    function: &str,
    rows: &[Invocation<'_>],
    default_keep_alive_ms: i64,
    options: &ColdStartOptions,
    out: &mut Vec<ColdStartCause>,
) -> FunctionColdStarts {
    let keep_alive = estimate_keep_alive(rows, default_keep_alive_ms, options);
    let k = keep_alive.keep_alive_ms;
    let mut configurations: Vec<Configuration<'_>> = Vec::new();
    let mut previous: Option<usize> = None;
    let mut latest_end: Option<i64> = None;
    let mut by_cause = CauseCounts::default();
    let mut deploys = 0u64;
    for r in rows {
        let t = r.start_ms;
        let found = match previous {
            Some(p)
                if configurations[p].version == r.version
                    && configurations[p].memory_mb == r.memory_mb =>
            {
                Some(p)
            }
            _ => configurations
                .iter()
                .position(|c| c.version == r.version && c.memory_mb == r.memory_mb),
        };
        let c = match found {
            Some(c) => {
                let cfg = &mut configurations[c];
                // Back after another configuration ran and its own instances
                // expired: a rollback or a redeploy.
                if previous != Some(c) && t - cfg.last_end_ms > k {
                    cfg.since_ms = t;
                    cfg.deployed = true;
                    cfg.warm_seen = false;
                    deploys += 1;
                }
                c
            }
            None => {
                let deployed = previous.is_some();
                deploys += deployed as u64;
                configurations.push(Configuration {
                    version: r.version,
                    memory_mb: r.memory_mb,
                    busy_until: BinaryHeap::new(),
                    last_end_ms: i64::MIN,
                    since_ms: t,
                    deployed,
                    warm_seen: false,
                });
                configurations.len() - 1
            }
        };
        let cfg = &mut configurations[c];
        while cfg.busy_until.peek().is_some_and(|Reverse(end)| *end <= t) {
            cfg.busy_until.pop();
        }
        let busy = cfg.busy_until.len() as u32;
        let gap = latest_end.map(|e| (t - e).max(0));
        if r.start_type.classified() {
            let cause = match r.start_type {
                StartType::Provisioned => Cause::Provisioned,
                StartType::SnapStart => Cause::SnapStart,
                _ if cfg.deployed && !cfg.warm_seen && t - cfg.since_ms <= k => Cause::Deploy,
                _ if busy > 0 => Cause::ScaleOut,
                _ => match gap {
                    None => Cause::FirstSeen,
                    Some(g) if g > k => Cause::Idle,
                    Some(_) => Cause::Unknown,
                },
            };
            by_cause.add(cause);
            out.push(ColdStartCause {
                function: function.to_string(),
                request_id: r.request_id.to_string(),
                start_time_ms: t,
                start_type: r.start_type_text.to_string(),
                cause,
                gap_ms: gap,
                concurrent_busy: busy,
                init_duration_ms: r.init_ms,
            });
        } else if r.start_type == StartType::Warm {
            cfg.warm_seen = true;
        }
        let end = r.end_ms();
        cfg.busy_until.push(Reverse(end));
        cfg.last_end_ms = cfg.last_end_ms.max(end);
        latest_end = Some(latest_end.map_or(end, |e| e.max(end)));
        previous = Some(c);
    }
    let cold_starts = Cause::ALL.iter().map(|&c| by_cause.get(c)).sum();
    FunctionColdStarts {
        function: function.to_string(),
        invocations: rows.len() as u64,
        cold_starts,
        by_cause,
        deploys,
        keep_alive,
    }
}

/// Classifies every cold start of a window of invocations.
///
/// `frame` holds all invocations of the window (not only cold starts: warm
/// ones tell busy and idle time), sorted by (`function`, `start_time_ms`)
/// with each function's rows together. Columns:
///
/// | column | type | |
/// |---|---|---|
/// | `function` | String | function key (tenant, provider, account, region, name) |
/// | `version` | String | |
/// | `memory_mb` | any integer | |
/// | `instance_id` | String | may be empty; only for `max_instance_idle_ms` |
/// | `request_id` | String | |
/// | `start_time_ms` | any integer | epoch ms |
/// | `duration_ms` | any number | ≥ 0 |
/// | `start_type` | String | faasight's start types |
/// | `init_duration_ms` | any number | ≥ 0 |
/// | `provider` | String, optional | picks the default keep-alive ([`provider_keep_alive_ms`]) |
///
/// Per function, one pass collects its idle periods (sorted once to find
/// the keep-alive) and one sweeps its busy intervals with a min-heap of end
/// times per configuration: O(n log n) at worst, and in practice dominated
/// by reading the frame (about 0.2 s per million rows when optimised).
pub fn cold_start_causes(
    frame: &DataFrame,
    options: &ColdStartOptions,
) -> Result<ColdStartAnalysis> {
    let o = options;
    if o.min_informative_gap_ms < 0
        || o.default_keep_alive_ms < o.min_informative_gap_ms
        || o.max_keep_alive_ms < o.default_keep_alive_ms
    {
        return Err(ColdStartError::Options(format!(
            "need 0 ≤ min_informative_gap_ms ({}) ≤ default_keep_alive_ms ({}) ≤ \
             max_keep_alive_ms ({})",
            o.min_informative_gap_ms, o.default_keep_alive_ms, o.max_keep_alive_ms
        )));
    }
    let functions = frame_input::strings(frame, "function")?;
    let versions = frame_input::strings(frame, "version")?;
    let instances = frame_input::strings(frame, "instance_id")?;
    let requests = frame_input::strings(frame, "request_id")?;
    let start_types = frame_input::strings(frame, "start_type")?;
    let memory = frame_input::integers(frame, "memory_mb")?;
    let starts = frame_input::integers(frame, "start_time_ms")?;
    let durations = frame_input::floats(frame, "duration_ms")?;
    let inits = frame_input::floats(frame, "init_duration_ms")?;
    let providers = match frame.column("provider") {
        Ok(_) => Some(frame_input::strings(frame, "provider")?),
        Err(_) => None,
    };

    let mut function_it = functions.iter();
    let mut version_it = versions.iter();
    let mut instance_it = instances.iter();
    let mut request_it = requests.iter();
    let mut start_type_it = start_types.iter();
    let mut memory_it = memory.iter();
    let mut start_it = starts.iter();
    let mut duration_it = durations.iter();
    let mut init_it = inits.iter();
    let mut provider_it = providers.map(|p| p.iter());

    let mut analysis = ColdStartAnalysis {
        cold_starts: Vec::new(),
        functions: Vec::new(),
    };
    let mut done: HashSet<&str> = HashSet::new();
    let mut current: Option<(&str, i64)> = None;
    let mut rows: Vec<Invocation<'_>> = Vec::new();
    let finish = |function: &str,
                  default_ms: i64,
                  rows: &mut Vec<Invocation<'_>>,
                  analysis: &mut ColdStartAnalysis| {
        let summary = classify_function(
            function,
            rows,
            default_ms,
            options,
            &mut analysis.cold_starts,
        );
        analysis.functions.push(summary);
        rows.clear();
    };
    for row in 0..frame.height() {
        let function = present(function_it.next(), "function", row)?;
        let provider = match provider_it.as_mut() {
            Some(it) => Some(present(it.next(), "provider", row)?),
            None => None,
        };
        let text = present(start_type_it.next(), "start_type", row)?;
        let start_type =
            StartType::parse(text).ok_or_else(|| ColdStartError::UnknownStartType {
                row,
                value: text.to_string(),
            })?;
        let invocation = Invocation {
            request_id: present(request_it.next(), "request_id", row)?,
            version: present(version_it.next(), "version", row)?,
            memory_mb: present(memory_it.next(), "memory_mb", row)?,
            instance_id: present(instance_it.next(), "instance_id", row)?,
            start_ms: present(start_it.next(), "start_time_ms", row)?,
            duration_ms: non_negative_ms(
                present(duration_it.next(), "duration_ms", row)?,
                "duration_ms",
                row,
            )?,
            init_ms: non_negative_ms(
                present(init_it.next(), "init_duration_ms", row)?,
                "init_duration_ms",
                row,
            )?,
            start_type,
            start_type_text: text,
        };
        let out_of_order = || ColdStartError::NotSorted {
            row,
            function: function.to_string(),
        };
        match current {
            Some((name, _)) if name == function => {
                if rows
                    .last()
                    .is_some_and(|last| last.start_ms > invocation.start_ms)
                {
                    return Err(out_of_order());
                }
            }
            _ => {
                if let Some((name, default_ms)) = current {
                    finish(name, default_ms, &mut rows, &mut analysis);
                    done.insert(name);
                }
                if done.contains(function) {
                    return Err(out_of_order());
                }
                let default_ms = provider
                    .and_then(provider_keep_alive_ms)
                    .unwrap_or(o.default_keep_alive_ms)
                    .clamp(o.min_informative_gap_ms, o.max_keep_alive_ms);
                current = Some((function, default_ms));
            }
        }
        rows.push(invocation);
    }
    if let Some((name, default_ms)) = current {
        finish(name, default_ms, &mut rows, &mut analysis);
    }
    Ok(analysis)
}

// ---------------------------------------------------------------------------
// Rates

/// What the rows of [`rates`] are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Function key.
    Function,
    /// Function version.
    Version,
    /// Region.
    Region,
    /// Runtime.
    Runtime,
    /// Configured memory.
    Memory,
    /// Trigger.
    Trigger,
    /// Time bucket (hour, day…), as the SQL formats it.
    TimeBucket,
}

/// One value of a dimension.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateRow {
    /// The dimension's value.
    pub key: String,
    /// Invocations.
    pub invocations: u64,
    /// Cold starts (as the SQL counts them).
    pub cold_starts: u64,
    /// `cold_starts / invocations`, percent.
    pub cold_start_pct: f64,
    /// Median INIT duration, ms (`None` without cold starts).
    pub init_ms_p50: Option<f64>,
    /// 90th percentile INIT duration, ms.
    pub init_ms_p90: Option<f64>,
    /// 99th percentile INIT duration, ms.
    pub init_ms_p99: Option<f64>,
    /// Cost of billed INIT.
    pub init_cost: PicoUsd,
    /// All cost.
    pub cost: PicoUsd,
    /// `init_cost / cost`, percent.
    pub init_cost_share_pct: f64,
}

/// Totals over the rows of a [`RateTable`] (percentiles do not add up, so
/// there are none).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateTotals {
    /// Invocations.
    pub invocations: u64,
    /// Cold starts.
    pub cold_starts: u64,
    /// `cold_starts / invocations`, percent.
    pub cold_start_pct: f64,
    /// Cost of billed INIT.
    pub init_cost: PicoUsd,
    /// All cost.
    pub cost: PicoUsd,
    /// `init_cost / cost`, percent.
    pub init_cost_share_pct: f64,
}

/// The result of [`rates`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateTable {
    /// What the rows are grouped by.
    pub dimension: Dimension,
    /// One row per key, in input order.
    pub rows: Vec<RateRow>,
    /// Over all rows.
    pub totals: RateTotals,
}

fn key_strings(frame: &DataFrame) -> Result<Vec<String>> {
    let c = frame_input::column(frame, "key")?;
    if c.dtype().is_string() {
        Ok(c.str()?
            .iter()
            .map(|k| k.unwrap_or_default().to_string())
            .collect())
    } else if c.dtype().is_integer() {
        Ok(c.cast(&DataType::Int64)?
            .i64()?
            .iter()
            .map(|k| k.map(|v| v.to_string()).unwrap_or_default())
            .collect())
    } else {
        Err(FrameError::ColumnType {
            column: "key".to_string(),
            expected: "a String or integer column",
            found: c.dtype().to_string(),
        }
        .into())
    }
}

fn optional_ms(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

/// Cold-start and INIT-cost percentages per value of `by`.
///
/// `frame` has one row per key, aggregated by SQL: `key` (String or
/// integer), `invocations`, `cold_starts`, `init_cost_pico`, `cost_pico`
/// (integers; costs in pico-dollars), `init_ms_p50`, `init_ms_p90`,
/// `init_ms_p99` (numbers; null or NaN when there were no cold starts).
pub fn rates(frame: &DataFrame, by: Dimension) -> Result<RateTable> {
    let keys = key_strings(frame)?;
    let invocations = frame_input::integers(frame, "invocations")?;
    let cold_starts = frame_input::integers(frame, "cold_starts")?;
    let init_costs = frame_input::integers(frame, "init_cost_pico")?;
    let costs = frame_input::integers(frame, "cost_pico")?;
    let p50 = frame_input::floats(frame, "init_ms_p50")?;
    let p90 = frame_input::floats(frame, "init_ms_p90")?;
    let p99 = frame_input::floats(frame, "init_ms_p99")?;
    let mut seen: HashSet<&str> = HashSet::new();
    let mut rows = Vec::with_capacity(keys.len());
    let mut its = (
        invocations.iter(),
        cold_starts.iter(),
        init_costs.iter(),
        costs.iter(),
        p50.iter(),
        p90.iter(),
        p99.iter(),
    );
    for (row, key) in keys.iter().enumerate() {
        let n = present(its.0.next(), "invocations", row)?;
        let cold = present(its.1.next(), "cold_starts", row)?;
        let init_cost = present(its.2.next(), "init_cost_pico", row)?;
        let cost = present(its.3.next(), "cost_pico", row)?;
        let inconsistent = |problem: String| ColdStartError::Inconsistent {
            row,
            key: key.clone(),
            problem,
        };
        if n < 0 || cold < 0 || init_cost < 0 || cost < 0 {
            return Err(inconsistent("counts and costs must be ≥ 0".into()));
        }
        if cold > n {
            return Err(inconsistent(format!(
                "{cold} cold starts out of {n} invocations"
            )));
        }
        if init_cost > cost {
            return Err(inconsistent(format!(
                "INIT cost {init_cost} exceeds the total cost {cost} (pico-USD)"
            )));
        }
        if !seen.insert(key.as_str()) {
            return Err(inconsistent("the key appears twice".into()));
        }
        rows.push(RateRow {
            key: key.clone(),
            invocations: n as u64,
            cold_starts: cold as u64,
            cold_start_pct: pct(cold as f64, n as f64),
            init_ms_p50: optional_ms(its.4.next().flatten()),
            init_ms_p90: optional_ms(its.5.next().flatten()),
            init_ms_p99: optional_ms(its.6.next().flatten()),
            init_cost: PicoUsd(init_cost),
            cost: PicoUsd(cost),
            init_cost_share_pct: pct(init_cost as f64, cost as f64),
        });
    }
    let invocations: u64 = rows.iter().map(|r| r.invocations).sum();
    let cold_starts: u64 = rows.iter().map(|r| r.cold_starts).sum();
    let init_cost: PicoUsd = rows.iter().map(|r| r.init_cost).sum();
    let cost: PicoUsd = rows.iter().map(|r| r.cost).sum();
    Ok(RateTable {
        dimension: by,
        totals: RateTotals {
            invocations,
            cold_starts,
            cold_start_pct: pct(cold_starts as f64, invocations as f64),
            init_cost,
            cost,
            init_cost_share_pct: pct(init_cost.0 as f64, cost.0 as f64),
        },
        rows,
    })
}

// ---------------------------------------------------------------------------
// INIT billing, before and after 2025-08-01

/// When AWS Lambda began billing the INIT phase of on-demand functions
/// packaged as ZIP on managed runtimes (custom runtimes and container
/// images were always billed for it):
/// <https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/>.
pub fn init_billing_from() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 8, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// One function's (or key's) usage over one side of 2025-08-01.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EraUsage {
    /// Invocations.
    pub invocations: u64,
    /// Cold starts.
    pub cold_starts: u64,
    /// Σ INIT duration of on-demand cold starts, billed or not, ms.
    pub init_ms: f64,
    /// The part of `init_ms` that was billed, ms.
    pub init_billed_ms: f64,
    /// Σ billed duration, billed INIT included, ms.
    pub billed_ms: f64,
    /// Cost of billed INIT.
    pub init_cost: PicoUsd,
    /// All cost.
    pub cost: PicoUsd,
}

/// INIT's weight in one era.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EraInitShare {
    /// Invocations.
    pub invocations: u64,
    /// `cold_starts / invocations`, percent.
    pub cold_start_pct: f64,
    /// INIT ms per invocation (`init_ms / invocations`): how much INIT the
    /// workload does, billed or not.
    pub init_ms_per_invocation: f64,
    /// `init_billed_ms / billed_ms`, percent.
    pub init_billed_share_pct: f64,
    /// `init_cost / cost`, percent.
    pub init_cost_share_pct: f64,
    /// The share of billed duration INIT takes when all of it is billed:
    /// `init_ms / (billed_ms − init_billed_ms + init_ms)`, percent. Before
    /// 2025-08-01 a what-if; after it, close to `init_billed_share_pct`.
    pub init_share_if_billed_pct: f64,
}

/// INIT's weight before and after 2025-08-01 for one key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InitBillingChange {
    /// The key (usually a function).
    pub key: String,
    /// Before 2025-08-01, when there was usage.
    pub before: Option<EraInitShare>,
    /// From 2025-08-01, when there was usage.
    pub after: Option<EraInitShare>,
    /// `after.init_cost_share_pct − before.init_cost_share_pct`, percentage
    /// points: what the change did to the bill's composition.
    pub init_cost_share_change_pp: Option<f64>,
    /// `after.init_share_if_billed_pct − before.init_share_if_billed_pct`,
    /// percentage points: how the workload's INIT itself changed (more
    /// cold starts, slower inits), billing aside.
    pub init_share_if_billed_change_pp: Option<f64>,
}

/// INIT's weight in one era's usage.
pub fn era_init_share(usage: &EraUsage) -> Result<EraInitShare> {
    let u = usage;
    let bad = |problem: &str| ColdStartError::Usage(problem.to_string());
    for (v, what) in [
        (u.init_ms, "init_ms"),
        (u.init_billed_ms, "init_billed_ms"),
        (u.billed_ms, "billed_ms"),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(bad(&format!("{what} must be a finite number ≥ 0")));
        }
    }
    if u.cold_starts > u.invocations {
        return Err(bad("more cold starts than invocations"));
    }
    if u.init_billed_ms > u.init_ms || u.init_billed_ms > u.billed_ms {
        return Err(bad("init_billed_ms exceeds init_ms or billed_ms"));
    }
    if u.init_cost.0 < 0 || u.init_cost.0 > u.cost.0 {
        return Err(bad("init_cost must be between 0 and cost"));
    }
    let if_billed_total = u.billed_ms - u.init_billed_ms + u.init_ms;
    Ok(EraInitShare {
        invocations: u.invocations,
        cold_start_pct: pct(u.cold_starts as f64, u.invocations as f64),
        init_ms_per_invocation: if u.invocations == 0 {
            0.0
        } else {
            u.init_ms / u.invocations as f64
        },
        init_billed_share_pct: pct(u.init_billed_ms, u.billed_ms),
        init_cost_share_pct: pct(u.init_cost.0 as f64, u.cost.0 as f64),
        init_share_if_billed_pct: pct(u.init_ms, if_billed_total),
    })
}

/// Compares INIT's weight before and after 2025-08-01, per key.
///
/// `frame` has at most one row per (key, era), aggregated by SQL that
/// splits at [`init_billing_from`]: `key` (String or integer), `era`
/// (String, `before` or `after`), `invocations`, `cold_starts`,
/// `init_cost_pico`, `cost_pico` (integers), `init_ms`, `init_billed_ms`,
/// `billed_ms` (numbers, see [`EraUsage`]). Keys come out in order of first
/// appearance.
pub fn init_billing_change(frame: &DataFrame) -> Result<Vec<InitBillingChange>> {
    let keys = key_strings(frame)?;
    let eras = frame_input::strings(frame, "era")?;
    let invocations = frame_input::integers(frame, "invocations")?;
    let cold_starts = frame_input::integers(frame, "cold_starts")?;
    let init_costs = frame_input::integers(frame, "init_cost_pico")?;
    let costs = frame_input::integers(frame, "cost_pico")?;
    let init_ms = frame_input::floats(frame, "init_ms")?;
    let init_billed_ms = frame_input::floats(frame, "init_billed_ms")?;
    let billed_ms = frame_input::floats(frame, "billed_ms")?;
    let mut its = (
        eras.iter(),
        invocations.iter(),
        cold_starts.iter(),
        init_costs.iter(),
        costs.iter(),
        init_ms.iter(),
        init_billed_ms.iter(),
        billed_ms.iter(),
    );
    let mut order: Vec<InitBillingChange> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (row, key) in keys.iter().enumerate() {
        let era = present(its.0.next(), "era", row)?;
        let count = |v: i64, column: &'static str| {
            u64::try_from(v).map_err(|_| ColdStartError::BadValue {
                column,
                row,
                problem: "must be ≥ 0",
            })
        };
        let usage = EraUsage {
            invocations: count(present(its.1.next(), "invocations", row)?, "invocations")?,
            cold_starts: count(present(its.2.next(), "cold_starts", row)?, "cold_starts")?,
            init_cost: PicoUsd(present(its.3.next(), "init_cost_pico", row)?),
            cost: PicoUsd(present(its.4.next(), "cost_pico", row)?),
            init_ms: present(its.5.next(), "init_ms", row)?,
            init_billed_ms: present(its.6.next(), "init_billed_ms", row)?,
            billed_ms: present(its.7.next(), "billed_ms", row)?,
        };
        let inconsistent = |problem: String| ColdStartError::Inconsistent {
            row,
            key: key.clone(),
            problem,
        };
        let share = era_init_share(&usage).map_err(|e| inconsistent(e.to_string()))?;
        let i = *index.entry(key.clone()).or_insert_with(|| {
            order.push(InitBillingChange {
                key: key.clone(),
                before: None,
                after: None,
                init_cost_share_change_pp: None,
                init_share_if_billed_change_pp: None,
            });
            order.len() - 1
        });
        let slot = match era {
            "before" => &mut order[i].before,
            "after" => &mut order[i].after,
            other => {
                return Err(inconsistent(format!(
                    "era {other:?} is neither \"before\" nor \"after\""
                )))
            }
        };
        if slot.is_some() {
            return Err(inconsistent(format!("era {era:?} appears twice")));
        }
        *slot = Some(share);
    }
    for change in &mut order {
        if let (Some(b), Some(a)) = (&change.before, &change.after) {
            change.init_cost_share_change_pp = Some(a.init_cost_share_pct - b.init_cost_share_pct);
            change.init_share_if_billed_change_pp =
                Some(a.init_share_if_billed_pct - b.init_share_if_billed_pct);
        }
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::{Column, NamedFrom, Series};

    /// (function, version, memory, instance, request, start, duration,
    /// start type, init)
    type Inv = (
        &'static str,
        &'static str,
        u32,
        &'static str,
        &'static str,
        u64,
        f64,
        &'static str,
        f64,
    );

    fn frame(rows: &[Inv]) -> DataFrame {
        let col = |name: &str, s: Series| Column::from(s.with_name(name.into()));
        DataFrame::new_infer_height(vec![
            col(
                "function",
                Series::new("".into(), rows.iter().map(|r| r.0).collect::<Vec<_>>()),
            ),
            col(
                "version",
                Series::new("".into(), rows.iter().map(|r| r.1).collect::<Vec<_>>()),
            ),
            col(
                "memory_mb",
                Series::new("".into(), rows.iter().map(|r| r.2).collect::<Vec<_>>()),
            ),
            col(
                "instance_id",
                Series::new("".into(), rows.iter().map(|r| r.3).collect::<Vec<_>>()),
            ),
            col(
                "request_id",
                Series::new("".into(), rows.iter().map(|r| r.4).collect::<Vec<_>>()),
            ),
            col(
                "start_time_ms",
                Series::new("".into(), rows.iter().map(|r| r.5).collect::<Vec<_>>()),
            ),
            col(
                "duration_ms",
                Series::new("".into(), rows.iter().map(|r| r.6).collect::<Vec<_>>()),
            ),
            col(
                "start_type",
                Series::new("".into(), rows.iter().map(|r| r.7).collect::<Vec<_>>()),
            ),
            col(
                "init_duration_ms",
                Series::new("".into(), rows.iter().map(|r| r.8).collect::<Vec<_>>()),
            ),
        ])
        .unwrap()
    }

    const MIN: u64 = 60_000;

    fn causes(a: &ColdStartAnalysis) -> Vec<(&str, Cause)> {
        a.cold_starts
            .iter()
            .map(|c| (c.request_id.as_str(), c.cause))
            .collect()
    }

    #[test]
    fn first_seen_then_idle_after_a_long_gap() {
        // No instance ids: keep-alive is the 10-minute default.
        let f = frame(&[
            ("f", "1", 128, "", "r1", 0, 100.0, "cold", 200.0),
            ("f", "1", 128, "", "r2", MIN, 100.0, "warm", 0.0),
            // r2 ended at 60,100; 30 min later: gap 1,739,900 > 600,000.
            ("f", "1", 128, "", "r3", 30 * MIN, 100.0, "cold", 200.0),
            // r3 ended at 1,800,000 + 300 (init waited) ; 2 min later: gap
            // 119,700 ≤ 600,000 and nothing busy: unknown.
            ("f", "1", 128, "", "r4", 32 * MIN, 100.0, "cold", 200.0),
        ]);
        let a = cold_start_causes(&f, &ColdStartOptions::default()).unwrap();
        assert_eq!(
            causes(&a),
            [
                ("r1", Cause::FirstSeen),
                ("r3", Cause::Idle),
                ("r4", Cause::Unknown)
            ]
        );
        assert_eq!(a.cold_starts[0].gap_ms, None);
        assert_eq!(a.cold_starts[1].gap_ms, Some(30 * 60_000 - 60_100));
        assert_eq!(a.cold_starts[2].gap_ms, Some(120_000 - 300));
        let s = &a.functions[0];
        assert_eq!((s.invocations, s.cold_starts, s.deploys), (4, 3, 0));
        assert_eq!(
            (s.by_cause.first_seen, s.by_cause.idle, s.by_cause.unknown),
            (1, 1, 1)
        );
        // Idle periods: r2 warm after 59,700 (best split, but under a
        // minute), r3 cold after 1,739,900, r4 cold after 119,700: the
        // 10-minute default.
        assert_eq!(s.keep_alive.basis, KeepAliveBasis::DefaultShortGaps);
        assert_eq!(s.keep_alive.keep_alive_ms, 600_000);
        assert_eq!(
            (
                s.keep_alive.idle_periods_warm,
                s.keep_alive.idle_periods_cold
            ),
            (1, 2)
        );
    }

    #[test]
    fn scale_out_when_the_one_warm_instance_is_busy() {
        let f = frame(&[
            ("f", "1", 128, "a", "r1", 0, 50.0, "cold", 300.0),
            // Instance a is warm (ended at 350) and serves r2 from 1,000 to
            // 6,000.
            ("f", "1", 128, "a", "r2", 1_000, 5_000.0, "warm", 0.0),
            // r3 arrives at 2,000 while r2 runs: the only warm instance is
            // busy, so the platform starts b.
            ("f", "1", 128, "b", "r3", 2_000, 100.0, "cold", 300.0),
            // At 7,000 both are idle: warm.
            ("f", "1", 128, "a", "r4", 7_000, 10.0, "warm", 0.0),
        ]);
        let a = cold_start_causes(&f, &ColdStartOptions::default()).unwrap();
        assert_eq!(
            causes(&a),
            [("r1", Cause::FirstSeen), ("r3", Cause::ScaleOut)]
        );
        assert_eq!(a.cold_starts[1].concurrent_busy, 1);
        assert_eq!(a.cold_starts[1].gap_ms, Some(0));
        assert_eq!(a.cold_starts[1].init_duration_ms, 300.0);
    }

    #[test]
    fn deploy_after_a_version_change_until_the_first_warm_invocation() {
        let f = frame(&[
            ("f", "7", 256, "a", "r1", 0, 100.0, "cold", 200.0),
            ("f", "7", 256, "a", "r2", MIN, 100.0, "warm", 0.0),
            // Version 8 at 2 min: the function ran 7 before, so new
            // environments are the deploy's.
            ("f", "8", 256, "b", "r3", 2 * MIN, 100.0, "cold", 200.0),
            // Still before any warm invocation of 8 (and busy r3 would
            // otherwise make it a scale-out).
            ("f", "8", 256, "c", "r4", 2 * MIN + 10, 100.0, "cold", 200.0),
            ("f", "8", 256, "b", "r5", 3 * MIN, 100.0, "warm", 0.0),
            // After 8's first warm invocation the deploy is over: a cold
            // start next to a busy one is scale-out again.
            ("f", "8", 256, "b", "r6", 4 * MIN, 1_000.0, "warm", 0.0),
            ("f", "8", 256, "d", "r7", 4 * MIN + 5, 100.0, "cold", 200.0),
            // A memory change is a new configuration too.
            ("f", "8", 512, "e", "r8", 5 * MIN, 100.0, "cold", 200.0),
        ]);
        let a = cold_start_causes(&f, &ColdStartOptions::default()).unwrap();
        assert_eq!(
            causes(&a),
            [
                ("r1", Cause::FirstSeen),
                ("r3", Cause::Deploy),
                ("r4", Cause::Deploy),
                ("r7", Cause::ScaleOut),
                ("r8", Cause::Deploy),
            ]
        );
        assert_eq!(a.cold_starts[2].concurrent_busy, 1);
        assert_eq!(a.functions[0].deploys, 2);
        assert_eq!(a.functions[0].by_cause.deploy, 3);
    }

    #[test]
    fn deploy_ends_after_one_keep_alive_without_warm_invocations() {
        // Default keep-alive 10 min; version 2 runs every 20 min, never
        // warm: only its first cold start is the deploy's, the next one
        // (20 min after it, > 10) is idle.
        let f = frame(&[
            ("f", "1", 128, "", "r1", 0, 100.0, "cold", 0.0),
            ("f", "2", 128, "", "r2", 20 * MIN, 100.0, "cold", 0.0),
            ("f", "2", 128, "", "r3", 40 * MIN, 100.0, "cold", 0.0),
            // Back to version 1 after 60 min: a rollback is a deploy.
            ("f", "1", 128, "", "r4", 60 * MIN, 100.0, "cold", 0.0),
        ]);
        let a = cold_start_causes(&f, &ColdStartOptions::default()).unwrap();
        assert_eq!(
            causes(&a),
            [
                ("r1", Cause::FirstSeen),
                ("r2", Cause::Deploy),
                ("r3", Cause::Idle),
                ("r4", Cause::Deploy),
            ]
        );
        assert_eq!(a.functions[0].deploys, 2);
    }

    #[test]
    fn provisioned_and_snapstart_by_start_type() {
        let f = frame(&[
            ("p", "1", 128, "a", "r1", 0, 100.0, "provisioned", 900.0),
            ("p", "1", 128, "a", "r2", 1_000, 100.0, "warm", 0.0),
            // Proactive inits are not classified.
            (
                "p",
                "1",
                128,
                "b",
                "r3",
                90 * MIN,
                100.0,
                "proactive",
                900.0,
            ),
            // Even after a long idle gap, the start type decides.
            ("s", "1", 128, "c", "r4", 0, 100.0, "snapstart", 0.0),
            ("s", "1", 128, "d", "r5", 90 * MIN, 100.0, "snapstart", 0.0),
        ]);
        let a = cold_start_causes(&f, &ColdStartOptions::default()).unwrap();
        assert_eq!(
            causes(&a),
            [
                ("r1", Cause::Provisioned),
                ("r4", Cause::SnapStart),
                ("r5", Cause::SnapStart)
            ]
        );
        assert_eq!(a.functions.len(), 2);
        assert_eq!(
            (a.functions[0].invocations, a.functions[0].cold_starts),
            (3, 1)
        );
        assert_eq!(a.functions[1].by_cause.snapstart, 2);
    }

    #[test]
    fn keep_alive_is_the_gap_that_splits_warm_from_cold_idle_periods() {
        let f = frame(&[
            ("f", "1", 128, "a", "r1", 0, 1_000.0, "cold", 0.0),
            // a ended at 1,000; reused 5 min later: gap 299,000.
            ("f", "1", 128, "a", "r2", 5 * MIN, 1_000.0, "warm", 0.0),
            // a ended at 301,000; reused at 17 min: gap 719,000.
            ("f", "1", 128, "a", "r3", 17 * MIN, 1_000.0, "warm", 0.0),
            // b: cold 29 s after a's last end while a is idle → unknown;
            // b ended at 1,051,000 and is reused at 1,171,000: gap 120,000.
            (
                "f",
                "1",
                128,
                "b",
                "r4",
                17 * MIN + 30_000,
                1_000.0,
                "cold",
                0.0,
            ),
            (
                "f",
                "1",
                128,
                "b",
                "r5",
                19 * MIN + 31_000,
                1_000.0,
                "warm",
                0.0,
            ),
            // r5 ended at 1,172,000; r6 starts at 2,072,000: gap 900,000 >
            // 719,000 → idle.
            (
                "f",
                "1",
                128,
                "c",
                "r6",
                34 * MIN + 32_000,
                1_000.0,
                "cold",
                0.0,
            ),
            // r6 ended at 2,073,000; r7 at 2,733,000: 660,000 ≤ 719,000 →
            // unknown.
            (
                "f",
                "1",
                128,
                "d",
                "r7",
                45 * MIN + 33_000,
                1_000.0,
                "cold",
                0.0,
            ),
        ]);
        let a = cold_start_causes(&f, &ColdStartOptions::default()).unwrap();
        let k = a.functions[0].keep_alive;
        // Idle periods by gap: 29k cold, 120k warm, 299k warm, 660k cold,
        // 719k warm, 900k cold. Wrong side of a split at 299k: 29k cold +
        // 719k warm = 2; at 719k: 29k + 660k cold = 2; a tie, the longer
        // wins (every other split has 3 or more).
        assert_eq!(k.basis, KeepAliveBasis::Observed);
        assert_eq!(k.keep_alive_ms, 719_000);
        assert_eq!(
            (
                k.idle_periods_warm,
                k.idle_periods_cold,
                k.idle_periods_unexplained
            ),
            (3, 3, 2)
        );
        assert_eq!(k.max_instance_idle_ms, Some(719_000));
        assert_eq!(
            causes(&a),
            [
                ("r1", Cause::FirstSeen),
                ("r4", Cause::Unknown),
                ("r6", Cause::Idle),
                ("r7", Cause::Unknown),
            ]
        );
    }

    #[test]
    fn a_varying_keep_alive_splits_where_cold_becomes_likelier() {
        // Durations 0, so each gap is the time between starts: 2 min warm,
        // 4 warm, 5 cold, 6 cold, 7 warm, 8 cold, 9 cold.
        let f = frame(&[
            ("f", "1", 128, "a", "r1", 0, 0.0, "cold", 0.0),
            ("f", "1", 128, "a", "r2", 2 * MIN, 0.0, "warm", 0.0),
            ("f", "1", 128, "a", "r3", 6 * MIN, 0.0, "warm", 0.0),
            ("f", "1", 128, "b", "r4", 11 * MIN, 0.0, "cold", 0.0),
            ("f", "1", 128, "c", "r5", 17 * MIN, 0.0, "cold", 0.0),
            ("f", "1", 128, "c", "r6", 24 * MIN, 0.0, "warm", 0.0),
            ("f", "1", 128, "d", "r7", 32 * MIN, 0.0, "cold", 0.0),
            ("f", "1", 128, "e", "r8", 41 * MIN, 0.0, "cold", 0.0),
        ]);
        let a = cold_start_causes(&f, &ColdStartOptions::default()).unwrap();
        let k = a.functions[0].keep_alive;
        // Wrong side per split: none 3 (warm), 2 min 2, 4 min 1, 5 min 2,
        // 6 min 3, 7 min 2, 8 min 3, 9 min 4 → 4 min, with the 7-minute
        // warm start unexplained; the instance c survived 7 minutes.
        assert_eq!(k.keep_alive_ms, 4 * 60_000);
        assert_eq!(k.idle_periods_unexplained, 1);
        assert_eq!(k.max_instance_idle_ms, Some(7 * 60_000));
        assert_eq!(
            causes(&a),
            [
                ("r1", Cause::FirstSeen),
                ("r4", Cause::Idle),
                ("r5", Cause::Idle),
                ("r7", Cause::Idle),
                ("r8", Cause::Idle),
            ]
        );
    }

    #[test]
    fn keep_alive_defaults_and_cap() {
        // Reuse gaps of 10 s only: default; with a provider column, the
        // provider's default (Azure: 20 min).
        let rows = [
            ("f", "1", 128, "a", "r1", 0, 0.0, "cold", 0.0),
            ("f", "1", 128, "a", "r2", 10_000, 0.0, "warm", 0.0),
            // g: one reuse after 3 h, beyond the 2 h cap.
            ("g", "1", 128, "a", "r3", 0, 0.0, "cold", 0.0),
            ("g", "1", 128, "a", "r4", 180 * MIN, 0.0, "warm", 0.0),
        ];
        let mut f = frame(&rows);
        let a = cold_start_causes(&f, &ColdStartOptions::default()).unwrap();
        assert_eq!(
            a.functions[0].keep_alive.basis,
            KeepAliveBasis::DefaultShortGaps
        );
        assert_eq!(a.functions[0].keep_alive.keep_alive_ms, 600_000);
        assert_eq!(a.functions[1].keep_alive.basis, KeepAliveBasis::Capped);
        assert_eq!(a.functions[1].keep_alive.keep_alive_ms, 7_200_000);
        assert_eq!(
            a.functions[1].keep_alive.max_instance_idle_ms,
            Some(10_800_000)
        );
        f.with_column(Column::from(Series::new(
            "provider".into(),
            ["azure_functions", "azure_functions", "x", "x"],
        )))
        .unwrap();
        let a = cold_start_causes(&f, &ColdStartOptions::default()).unwrap();
        assert_eq!(a.functions[0].keep_alive.keep_alive_ms, 1_200_000);
    }

    #[test]
    fn bad_input_is_an_error() {
        let opts = ColdStartOptions::default();
        let unsorted = frame(&[
            ("f", "1", 128, "", "r1", 5, 1.0, "cold", 0.0),
            ("f", "1", 128, "", "r2", 4, 1.0, "warm", 0.0),
        ]);
        assert!(matches!(
            cold_start_causes(&unsorted, &opts),
            Err(ColdStartError::NotSorted { row: 1, .. })
        ));
        let split = frame(&[
            ("f", "1", 128, "", "r1", 1, 1.0, "cold", 0.0),
            ("g", "1", 128, "", "r2", 1, 1.0, "cold", 0.0),
            ("f", "1", 128, "", "r3", 2, 1.0, "warm", 0.0),
        ]);
        assert!(matches!(
            cold_start_causes(&split, &opts),
            Err(ColdStartError::NotSorted { row: 2, .. })
        ));
        let typo = frame(&[("f", "1", 128, "", "r1", 1, 1.0, "COLD", 0.0)]);
        assert!(matches!(
            cold_start_causes(&typo, &opts),
            Err(ColdStartError::UnknownStartType { row: 0, .. })
        ));
        let negative = frame(&[("f", "1", 128, "", "r1", 1, -1.0, "cold", 0.0)]);
        assert!(matches!(
            cold_start_causes(&negative, &opts),
            Err(ColdStartError::BadValue {
                column: "duration_ms",
                ..
            })
        ));
        let mut missing = frame(&[("f", "1", 128, "", "r1", 1, 1.0, "cold", 0.0)]);
        let _ = missing.drop_in_place("request_id").unwrap();
        let e = cold_start_causes(&missing, &opts).unwrap_err();
        assert_eq!(e.to_string(), "the frame has no column `request_id`");
        let bad_opts = ColdStartOptions {
            max_keep_alive_ms: 1,
            ..ColdStartOptions::default()
        };
        assert!(matches!(
            cold_start_causes(&frame(&[]), &bad_opts),
            Err(ColdStartError::Options(_))
        ));
        let empty = cold_start_causes(&frame(&[]), &opts).unwrap();
        assert!(empty.cold_starts.is_empty() && empty.functions.is_empty());
    }

    fn rate_frame(keys: &[&str], n: &[u64], cold: &[u64], init: &[i64], cost: &[i64]) -> DataFrame {
        let p50: Vec<Option<f64>> = keys.iter().map(|_| None).collect();
        polars::df!(
            "key" => keys,
            "invocations" => n,
            "cold_starts" => cold,
            "init_ms_p50" => [Some(210.0), None],
            "init_ms_p90" => [Some(400.0), Some(f64::NAN)],
            "init_ms_p99" => p50,
            "init_cost_pico" => init,
            "cost_pico" => cost,
        )
        .unwrap()
    }

    #[test]
    fn rates_arithmetic() {
        let f = rate_frame(
            &["python3.12", "java21"],
            &[1_000, 400],
            &[25, 100],
            &[2_000_000, 30_000_000],
            &[80_000_000, 120_000_000],
        );
        let t = rates(&f, Dimension::Runtime).unwrap();
        assert_eq!(t.dimension, Dimension::Runtime);
        let py = &t.rows[0];
        // 25 / 1,000 = 2.5 %; 2,000,000 / 80,000,000 = 2.5 %.
        assert!((py.cold_start_pct - 2.5).abs() < 1e-12);
        assert!((py.init_cost_share_pct - 2.5).abs() < 1e-12);
        assert_eq!(
            (py.init_ms_p50, py.init_ms_p90, py.init_ms_p99),
            (Some(210.0), Some(400.0), None)
        );
        let java = &t.rows[1];
        // 100 / 400 = 25 %; 30 M / 120 M = 25 %; NaN p90 → None.
        assert!((java.cold_start_pct - 25.0).abs() < 1e-12);
        assert!((java.init_cost_share_pct - 25.0).abs() < 1e-12);
        assert_eq!((java.init_ms_p50, java.init_ms_p90), (None, None));
        // Totals: 125 / 1,400 = 8.928571… %; 32 M / 200 M = 16 %.
        assert_eq!((t.totals.invocations, t.totals.cold_starts), (1_400, 125));
        assert!((t.totals.cold_start_pct - 100.0 * 125.0 / 1_400.0).abs() < 1e-12);
        assert_eq!(t.totals.init_cost, PicoUsd(32_000_000));
        assert!((t.totals.init_cost_share_pct - 16.0).abs() < 1e-12);
    }

    #[test]
    fn rates_reject_contradictions() {
        let more_cold = rate_frame(&["a", "b"], &[10, 10], &[11, 0], &[0, 0], &[5, 5]);
        assert!(matches!(
            rates(&more_cold, Dimension::Function),
            Err(ColdStartError::Inconsistent { row: 0, .. })
        ));
        let init_over = rate_frame(&["a", "b"], &[10, 10], &[1, 0], &[0, 6], &[5, 5]);
        assert!(matches!(
            rates(&init_over, Dimension::Function),
            Err(ColdStartError::Inconsistent { row: 1, .. })
        ));
        let twice = rate_frame(&["a", "a"], &[10, 10], &[1, 0], &[0, 0], &[5, 5]);
        assert!(matches!(
            rates(&twice, Dimension::Function),
            Err(ColdStartError::Inconsistent { row: 1, .. })
        ));
        // Integer keys (memory sizes) become text.
        let by_memory = polars::df!(
            "key" => [128u32, 1024],
            "invocations" => [4u64, 0],
            "cold_starts" => [1u64, 0],
            "init_ms_p50" => [1.0, 1.0],
            "init_ms_p90" => [1.0, 1.0],
            "init_ms_p99" => [1.0, 1.0],
            "init_cost_pico" => [0i64, 0],
            "cost_pico" => [0i64, 0],
        )
        .unwrap();
        let t = rates(&by_memory, Dimension::Memory).unwrap();
        assert_eq!(t.rows[1].key, "1024");
        // No invocations, no cost: 0 %, not NaN.
        assert_eq!(
            (t.rows[1].cold_start_pct, t.rows[1].init_cost_share_pct),
            (0.0, 0.0)
        );
    }

    #[test]
    fn init_billing_before_and_after_august_2025() {
        assert_eq!(
            init_billing_from().to_rfc3339(),
            "2025-08-01T00:00:00+00:00"
        );
        let f = polars::df!(
            "key" => ["f", "f", "g"],
            "era" => ["before", "after", "after"],
            "invocations" => [1_000u64, 1_000, 10],
            "cold_starts" => [10u64, 20, 1],
            "init_ms" => [3_000.0, 6_000.0, 100.0],
            "init_billed_ms" => [0.0, 6_000.0, 100.0],
            "billed_ms" => [97_000.0, 106_000.0, 1_100.0],
            "init_cost_pico" => [0i64, 5_000_000, 10],
            "cost_pico" => [90_000_000i64, 100_000_000, 110],
        )
        .unwrap();
        let out = init_billing_change(&f).unwrap();
        assert_eq!(out.len(), 2);
        let b = out[0].before.as_ref().unwrap();
        // Before: 10 / 1,000 = 1 % cold; 3,000 / 1,000 = 3 ms INIT per
        // invocation; none billed; if billed 3,000 / (97,000 + 3,000) = 3 %.
        assert!((b.cold_start_pct - 1.0).abs() < 1e-12);
        assert!((b.init_ms_per_invocation - 3.0).abs() < 1e-12);
        assert_eq!((b.init_billed_share_pct, b.init_cost_share_pct), (0.0, 0.0));
        assert!((b.init_share_if_billed_pct - 3.0).abs() < 1e-12);
        let a = out[0].after.as_ref().unwrap();
        // After: 6,000 / 106,000 = 5.660377… % billed, the same if billed
        // (106,000 − 6,000 + 6,000); cost 5 M / 100 M = 5 %.
        assert!((a.init_billed_share_pct - 600.0 / 106.0).abs() < 1e-9);
        assert!((a.init_share_if_billed_pct - 600.0 / 106.0).abs() < 1e-9);
        assert!((a.init_cost_share_pct - 5.0).abs() < 1e-12);
        // Changes: cost share +5 pp; workload INIT share 5.660377 − 3 pp.
        assert!((out[0].init_cost_share_change_pp.unwrap() - 5.0).abs() < 1e-12);
        assert!(
            (out[0].init_share_if_billed_change_pp.unwrap() - (600.0 / 106.0 - 3.0)).abs() < 1e-9
        );
        // g has no "before": no change to report.
        assert_eq!(out[1].key, "g");
        assert!(out[1].before.is_none() && out[1].init_cost_share_change_pp.is_none());

        let wrong_era = polars::df!(
            "key" => ["f"],
            "era" => ["during"],
            "invocations" => [1u64],
            "cold_starts" => [0u64],
            "init_ms" => [0.0],
            "init_billed_ms" => [0.0],
            "billed_ms" => [1.0],
            "init_cost_pico" => [0i64],
            "cost_pico" => [1i64],
        )
        .unwrap();
        assert!(matches!(
            init_billing_change(&wrong_era),
            Err(ColdStartError::Inconsistent { row: 0, .. })
        ));
        let e = era_init_share(&EraUsage {
            invocations: 1,
            init_ms: 1.0,
            init_billed_ms: 2.0,
            billed_ms: 5.0,
            ..EraUsage::default()
        })
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid usage: init_billed_ms exceeds init_ms or billed_ms"
        );
    }

    /// Synthetic invocations: `functions` functions × `per_function`
    /// invocations with Poisson-like spacing, a deploy halfway, and bursts.
    fn synthetic(functions: usize, per_function: usize) -> DataFrame {
        let n = functions * per_function;
        let mut function = Vec::with_capacity(n);
        let mut version = Vec::with_capacity(n);
        let mut memory = Vec::with_capacity(n);
        let mut instance = Vec::with_capacity(n);
        let mut request = Vec::with_capacity(n);
        let mut start = Vec::with_capacity(n);
        let mut duration = Vec::with_capacity(n);
        let mut start_type = Vec::with_capacity(n);
        let mut init = Vec::with_capacity(n);
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            // xorshift64*
            seed ^= seed >> 12;
            seed ^= seed << 25;
            seed ^= seed >> 27;
            (seed.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
        };
        for f in 0..functions {
            let mean_gap = 1_000.0 + 2_000_000.0 * next();
            let mut t = 1_750_000_000_000u64;
            // Per instance: (id, free at, last end).
            let mut pool: Vec<(usize, u64)> = Vec::new();
            let mut ids = 0usize;
            for i in 0..per_function {
                t += (-(1.0 - next()).ln() * mean_gap) as u64;
                let v = if i < per_function / 2 { "1" } else { "2" };
                if i == per_function / 2 {
                    pool.clear();
                }
                pool.retain(|&(_, end)| t < end + 600_000);
                let d = 50.0 + 2_000.0 * next();
                let (id, st, init_ms) = match pool.iter().position(|&(_, end)| end <= t) {
                    Some(p) => (pool[p].0, "warm", 0.0),
                    None => {
                        ids += 1;
                        pool.push((ids, 0));
                        (ids, "cold", 300.0)
                    }
                };
                let p = pool.iter().position(|&(x, _)| x == id).unwrap_or(0);
                pool[p].1 = t + (d + init_ms) as u64;
                function.push(format!("tenant/aws_lambda/1/us-east-1/fn{f:04}"));
                version.push(v);
                memory.push(512u32);
                instance.push(format!("i{id}"));
                request.push(format!("r{f}-{i}"));
                start.push(t);
                duration.push(d);
                start_type.push(st);
                init.push(init_ms);
            }
        }
        polars::df!(
            "function" => function,
            "version" => version,
            "memory_mb" => memory,
            "instance_id" => instance,
            "request_id" => request,
            "start_time_ms" => start,
            "duration_ms" => duration,
            "start_type" => start_type,
            "init_duration_ms" => init,
        )
        .unwrap()
    }

    /// The large-scale invariants at a size CI runs every time (100,000
    /// invocations); [`one_million_invocations`] is the same at full size.
    #[test]
    fn one_hundred_thousand_invocations() {
        check_synthetic(100, 1_000);
    }

    /// Timing on 1 M invocations (1,000 functions × 1,000):
    /// `cargo test -p faasight-analyzer --lib cold_start -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn one_million_invocations() {
        check_synthetic(1_000, 1_000);
    }

    fn check_synthetic(functions: usize, per_function: usize) {
        let f = synthetic(functions, per_function);
        let started = std::time::Instant::now();
        let a = cold_start_causes(&f, &ColdStartOptions::default()).unwrap();
        let elapsed = started.elapsed();
        eprintln!(
            "cold_start_causes: {} rows, {} cold starts, {} functions in {:?}",
            f.height(),
            a.cold_starts.len(),
            a.functions.len(),
            elapsed
        );
        for cause in Cause::ALL {
            let n: u64 = a.functions.iter().map(|s| s.by_cause.get(cause)).sum();
            eprintln!("  {cause}: {n}");
        }
        assert_eq!(a.functions.len(), functions);
        let total: u64 = a.functions.iter().map(|s| s.invocations).sum();
        assert_eq!(total, (functions * per_function) as u64);
        let cold = f
            .column("start_type")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .filter(|s| *s == Some("cold"))
            .count();
        let caused: u64 = a
            .functions
            .iter()
            .map(|s| Cause::ALL.iter().map(|c| s.by_cause.get(*c)).sum::<u64>())
            .sum();
        assert_eq!(
            caused, cold as u64,
            "every cold start has exactly one cause"
        );
        // Every function deploys version 2 halfway.
        assert!(a.functions.iter().all(|s| s.deploys == 1));
        // The generator keeps instances exactly 10 minutes and never
        // recycles them, so every cold start has a known cause.
        assert!(a.functions.iter().all(|s| s.by_cause.unknown == 0));
    }
}
