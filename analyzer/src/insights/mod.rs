//! Architecture insights: serverless anti-patterns, concurrency limits and
//! throttling found in the stored invocations and traces (#14).
//!
//! Each finding names the functions involved, the evidence counted, example
//! traces and the money at stake per month. Each kind is one pure function
//! over the rows its query returns ([`calls`], [`routes`], [`fan_out`],
//! [`limits`], [`provisioned`]); `reports::insights` runs the queries.
//!
//! The rules lean towards silence: a function without the anti-pattern gets
//! no finding, and a pattern seen in too few traces to be more than chance
//! gets none either. A false finding costs more trust than a missed one.

pub mod calls;
pub mod concurrency;
pub mod fan_out;
pub mod limits;
pub mod provisioned;
pub mod routes;

use faasight_store::PicoUsd;
use serde::{Deserialize, Serialize};

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A function invokes another synchronously and is billed while it
    /// waits.
    FunctionWaitsOnFunction,
    /// One handler serves routes of very different weight: the heaviest
    /// sets the memory size for all.
    DoingTooMuch,
    /// A request works through items one after another that could run as
    /// parallel invocations.
    SequentialFanOut,
    /// An account and region ran at or near its concurrency limit.
    ConcurrencyLimit,
    /// A function started new environments faster than the platform
    /// scales.
    ScalingRate,
    /// Provisioned concurrency paid for and mostly unused.
    IdleProvisionedConcurrency,
}

impl FindingKind {
    /// Every kind, in the order the README lists them.
    pub const ALL: &'static [FindingKind] = &[
        FindingKind::FunctionWaitsOnFunction,
        FindingKind::DoingTooMuch,
        FindingKind::SequentialFanOut,
        FindingKind::ConcurrencyLimit,
        FindingKind::ScalingRate,
        FindingKind::IdleProvisionedConcurrency,
    ];

    /// The name in JSON and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::FunctionWaitsOnFunction => "function_waits_on_function",
            FindingKind::DoingTooMuch => "doing_too_much",
            FindingKind::SequentialFanOut => "sequential_fan_out",
            FindingKind::ConcurrencyLimit => "concurrency_limit",
            FindingKind::ScalingRate => "scaling_rate",
            FindingKind::IdleProvisionedConcurrency => "idle_provisioned_concurrency",
        }
    }

    /// A heading for people.
    pub fn title(self) -> &'static str {
        match self {
            FindingKind::FunctionWaitsOnFunction => "Function waits on function",
            FindingKind::DoingTooMuch => "Doing too much",
            FindingKind::SequentialFanOut => "Sequential fan-out",
            FindingKind::ConcurrencyLimit => "Concurrency limit",
            FindingKind::ScalingRate => "Scaling rate",
            FindingKind::IdleProvisionedConcurrency => "Idle provisioned concurrency",
        }
    }
}

/// One figure behind a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// What was counted or measured.
    pub label: String,
    /// The figure.
    pub value: f64,
    /// Its unit (`invocations`, `ms`, `%`, `USD`, …).
    pub unit: String,
}

impl Evidence {
    /// `value` `unit` of `label`.
    pub fn new(label: &str, value: f64, unit: &str) -> Evidence {
        Evidence {
            label: label.to_string(),
            value,
            unit: unit.to_string(),
        }
    }
}

/// One anti-pattern or limit found in the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// What it is about.
    pub kind: FindingKind,
    /// What was found, in a sentence with its figures.
    pub summary: String,
    /// What to do about it.
    pub advice: String,
    /// Functions involved, as `provider/account/region/function` (for an
    /// edge: the caller first); for an account-wide finding, the account
    /// as `provider/account/region`.
    pub functions: Vec<String>,
    /// The figures the finding rests on.
    pub evidence: Vec<Evidence>,
    /// Up to five traces that show it (empty when it comes from
    /// invocations alone).
    pub example_trace_ids: Vec<String>,
    /// Money the anti-pattern costs per month at the window's rate, at
    /// list price; zero when its cost is latency or risk, not money.
    pub monthly_usd: PicoUsd,
}

/// Findings in the order people should read them: most money first, then
/// by kind and functions, so that equal findings keep a stable order.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.monthly_usd
            .cmp(&a.monthly_usd)
            .then(a.kind.cmp(&b.kind))
            .then_with(|| a.functions.cmp(&b.functions))
    });
}

/// Money over a window of `window_days`, scaled to a month of
/// [`crate::rightsizing::DAYS_PER_MONTH`] days.
pub fn per_month(pico_in_window: f64, window_days: f64) -> PicoUsd {
    if window_days <= 0.0 || !pico_in_window.is_finite() {
        return PicoUsd(0);
    }
    PicoUsd((pico_in_window * crate::rightsizing::DAYS_PER_MONTH / window_days).round() as i64)
}

/// At most this many example traces per finding.
pub const EXAMPLE_TRACES: usize = 5;
