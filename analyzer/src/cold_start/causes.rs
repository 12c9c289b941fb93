//! The cause rule (see the module documentation for its order) and the
//! types of its result. Every classified start gets exactly one cause; a
//! function's invocations are swept once, in start order, with a min-heap of
//! busy end times per configuration (version, memory), so the rule needs
//! only what had happened when each cold start began.

use super::keep_alive::{estimate_keep_alive, ColdStartOptions, KeepAliveEstimate};
use super::{Invocation, StartType};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

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

    /// The cause named `name` ([`Cause::as_str`]).
    pub fn parse(name: &str) -> Option<Cause> {
        Cause::ALL.into_iter().find(|c| c.as_str() == name)
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
    /// Its row in the analysed frame, for callers that keep more columns
    /// than the rule reads.
    #[serde(skip)]
    pub row: usize,
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
        self.add_count(cause, 1);
    }

    /// Adds `n` starts of `cause`.
    pub(crate) fn add_count(&mut self, cause: Cause, n: u64) {
        let slot = match cause {
            Cause::Deploy => &mut self.deploy,
            Cause::Provisioned => &mut self.provisioned,
            Cause::SnapStart => &mut self.snapstart,
            Cause::ScaleOut => &mut self.scale_out,
            Cause::Idle => &mut self.idle,
            Cause::FirstSeen => &mut self.first_seen,
            Cause::Unknown => &mut self.unknown,
        };
        *slot += n;
    }
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

pub(super) fn classify_function(
    function: &str,
    rows: &[Invocation<'_>],
    default_keep_alive_ms: i64,
    options: &ColdStartOptions,
    out: &mut Vec<ColdStartCause>,
) -> FunctionColdStarts {
    let keep_alive = estimate_keep_alive(rows, default_keep_alive_ms, options);
    let k = keep_alive.keep_alive_ms;
    let from = options.classify_from_ms;
    let known_before = options.known_before.get(function);
    let mut configurations: Vec<Configuration<'_>> = Vec::new();
    let mut previous: Option<usize> = None;
    if let Some((version, memory_mb)) = known_before {
        // What ran before the frame: long enough ago that none of its
        // instances is warm, but a different first configuration in the
        // frame is a deploy.
        configurations.push(Configuration {
            version,
            memory_mb: *memory_mb,
            busy_until: BinaryHeap::new(),
            last_end_ms: i64::MIN,
            since_ms: i64::MIN,
            deployed: false,
            warm_seen: true,
        });
        previous = Some(0);
    }
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
                    deploys += u64::from(t >= from);
                }
                c
            }
            None => {
                let deployed = previous.is_some();
                deploys += u64::from(deployed && t >= from);
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
        if r.start_type.classified() && t >= from {
            let cause = match r.start_type {
                StartType::Provisioned => Cause::Provisioned,
                StartType::SnapStart => Cause::SnapStart,
                _ if cfg.deployed && !cfg.warm_seen && t - cfg.since_ms <= k => Cause::Deploy,
                _ if busy > 0 => Cause::ScaleOut,
                _ => match gap {
                    None if known_before.is_some() => Cause::Idle,
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
                row: r.row,
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
        invocations: rows.iter().filter(|r| r.start_ms >= from).count() as u64,
        cold_starts,
        by_cause,
        deploys,
        keep_alive,
    }
}
