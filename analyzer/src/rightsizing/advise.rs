//! The advice for one function, step by step: what the current row alone
//! tells (flags, cost now, timeout), whether there is enough data, the
//! duration curve, the candidate sizes and the strategy's pick, its price,
//! its risk, and the sentence that explains it. Each step is a function of
//! its own so that a rule of the module documentation can be found in one
//! place; [`advise`] only runs them in order and stops where the data does.

use super::arm64::arm64_migration;
use super::duration::{duration_curve, Curve, DurationAt};
use super::input::SizeRow;
use super::memory::{
    memory_need_mb, safety_floor_mb, AWS_MAX_MEMORY_MB, AWS_MEMORY_GRID_MB, GCP_MEMORY_TIERS_MB,
};
use super::pricing::{billed_ms, cost_pico, pico};
use super::reason::{advised_provider, azure_reason, decision, missing_data};
use super::risk::assess_risk;
use super::strategy::{choose, Scored};
use super::timeout::timeout_advice;
use super::{
    CandidateSize, Evidence, ObservedSize, Recommendation, RightsizingOptions, Status,
    DAYS_PER_MONTH,
};
use faasight_pricing::Provider;
use faasight_store::PicoUsd;

/// Less than this share of memory used at p99: over-provisioned.
const OVER_PROVISIONED_SHARE: f64 = 0.10;
/// More than this share used at the maximum: near out-of-memory.
const NEAR_OOM_SHARE: f64 = 0.95;

/// Everything about one function that the steps below share.
pub(super) struct Context<'a> {
    pub(super) provider: Option<Provider>,
    pub(super) rows: &'a [SizeRow],
    pub(super) current: &'a SizeRow,
    pub(super) options: &'a RightsizingOptions,
    pub(super) monthly_invocations: f64,
    /// Billed ms beyond the provider rounding of the mean (see module docs).
    pub(super) billed_extra_ms: f64,
}

impl Context<'_> {
    /// Per-invocation cost (fractional pico) at a size and mean duration.
    pub(super) fn cost(&self, arch: &str, memory_mb: u32, mean_ms: f64) -> Option<f64> {
        let provider = self.provider?;
        cost_pico(
            provider,
            arch,
            &self.current.region,
            memory_mb,
            billed_ms(provider, mean_ms) + self.billed_extra_ms,
            self.options.priced_at,
        )
    }

    pub(super) fn monthly(&self, per_invocation: f64) -> PicoUsd {
        pico(per_invocation * self.monthly_invocations)
    }
}

/// The sizes a strategy chooses among, scored, with the duration range at
/// each (same order, smallest first).
pub(super) struct Candidates {
    sizes: Vec<u32>,
    scored: Vec<Scored>,
    ranges: Vec<DurationAt>,
    /// The provider's largest size (MB).
    pub(super) largest: u32,
    /// No size is large enough: `sizes` holds only `largest`.
    pub(super) beyond_largest: bool,
}

/// The advice for one function: `rows` are its sizes, `rows[current_index]`
/// the one it runs at now.
pub(super) fn advise(
    rows: &[SizeRow],
    current_index: usize,
    options: &RightsizingOptions,
) -> Recommendation {
    let current = &rows[current_index];
    let provider = Provider::parse(&current.provider);
    let invocations_window: u64 = rows.iter().map(|r| r.invocations).sum();
    let monthly_invocations = invocations_window as f64 * DAYS_PER_MONTH / options.window_days;
    let billed_extra_ms = match (
        provider,
        current.duration_mean_ms,
        current.billed_duration_mean_ms,
    ) {
        (Some(p), Some(mean), Some(billed)) => (billed - billed_ms(p, mean)).max(0.0),
        _ => 0.0,
    };
    let ctx = Context {
        provider,
        rows,
        current,
        options,
        monthly_invocations,
        billed_extra_ms,
    };
    let window_max = rows
        .iter()
        .filter_map(|r| r.max_memory_max_mb)
        .fold(None, |acc: Option<f64>, m| {
            Some(acc.map_or(m, |a| a.max(m)))
        });
    let mut rec = blank_recommendation(&ctx, invocations_window, window_max);

    let provider = match advised_provider(provider, current) {
        Ok(p) => p,
        Err(reason) => {
            rec.reason = reason;
            return rec;
        }
    };

    let enough_invocations = current_size_findings(&ctx, provider, &mut rec);
    let floor = match (current.max_memory_p99_mb, window_max) {
        (Some(p99), Some(max)) => safety_floor_mb(provider, p99, max, options.headroom_pct),
        _ => None,
    };
    rec.safety_floor_mb = floor;

    if provider == Provider::AzureFunctions {
        rec.reason = azure_reason(floor);
        return rec;
    }

    let (Some(floor), Some(p99), Some(max), true, Some(mean_now)) = (
        floor,
        current.max_memory_p99_mb,
        window_max,
        enough_invocations,
        current.duration_mean_ms,
    ) else {
        let missing = missing_data(current, window_max, enough_invocations, options);
        rec.status = Status::InsufficientData;
        rec.reason = format!("Insufficient data: {}.", missing.join("; "));
        rec.arm64 = arm64_migration(&ctx, current.memory_mb, current.duration_mean_ms);
        return rec;
    };

    let (curve, fitted_sizes) = duration_curve(&ctx, provider);
    for size in &mut rec.evidence.sizes_observed {
        size.used_in_fit = size.arch == current.arch && fitted_sizes.contains(&size.memory_mb);
    }
    rec.duration_model = Some(curve.summary());

    let (candidates, listed) = candidate_sizes(&ctx, provider, &curve, floor);
    rec.candidates = listed;
    let Some(pick) = choose(
        options.strategy,
        options.balanced_weight,
        &candidates.scored,
    ) else {
        rec.status = Status::InsufficientData;
        rec.reason = "Insufficient data: no size could be priced.".into();
        return rec;
    };
    let chosen = candidates.sizes[pick];
    let at = price_choice(&ctx, &candidates, pick, mean_now, &mut rec);

    let need = memory_need_mb(p99, max, options.headroom_pct);
    let (risk, reasons) = assess_risk(current, chosen, need, &candidates, &curve, &at);
    rec.risk = Some(risk);
    rec.risk_reasons = reasons;
    rec.arm64 = arm64_migration(&ctx, chosen, Some(at.expected));
    if chosen != current.memory_mb {
        // A smaller size may run longer: scale p99.9 by the upper end of the
        // projected slow-down before suggesting a timeout.
        let slowdown = current
            .duration_mean_ms
            .filter(|&m| m > 0.0)
            .map_or(1.0, |m| (at.high / m).max(1.0));
        rec.timeout = if enough_invocations {
            timeout_advice(current, Some(slowdown))
        } else {
            None
        };
    }

    let (status, reason) = decision(&ctx, &rec, chosen, (floor, p99, max), &curve, at);
    rec.status = status;
    rec.reason = reason;
    if candidates.beyond_largest {
        let largest = candidates.largest;
        rec.reason.push_str(&format!(
            " Warning: {need:.0} MB needed exceeds the largest size of {largest} MB."
        ));
    }
    rec
}

/// The recommendation before any advice: the function's identity, its
/// monthly volume and the evidence, with every finding still empty and
/// the status `not-applicable` until a step says otherwise.
fn blank_recommendation(
    ctx: &Context<'_>,
    invocations_window: u64,
    window_max: Option<f64>,
) -> Recommendation {
    let (rows, current, options) = (ctx.rows, ctx.current, ctx.options);
    Recommendation {
        provider: current.provider.clone(),
        account: current.account.clone(),
        region: current.region.clone(),
        function: current.function.clone(),
        runtime: current.runtime.clone(),
        arch: current.arch.clone(),
        status: Status::NotApplicable,
        reason: String::new(),
        strategy: options.strategy,
        current_memory_mb: current.memory_mb,
        recommended_memory_mb: None,
        safety_floor_mb: None,
        duration_model: None,
        expected_duration_ms: None,
        duration_range_ms: None,
        monthly_invocations: ctx.monthly_invocations,
        cost_per_invocation_now: None,
        cost_per_invocation_after: None,
        monthly_cost_now: None,
        monthly_cost_after: None,
        monthly_cost_after_range: None,
        monthly_savings: None,
        savings_pct: None,
        risk: None,
        risk_reasons: Vec::new(),
        arm64: None,
        timeout: None,
        over_provisioned: false,
        near_oom: false,
        candidates: Vec::new(),
        evidence: Evidence {
            invocations_current: current.invocations,
            invocations_window,
            window_days: options.window_days,
            sizes_observed: rows
                .iter()
                .map(|r| ObservedSize {
                    memory_mb: r.memory_mb,
                    arch: r.arch.clone(),
                    invocations: r.invocations,
                    duration_mean_ms: r.duration_mean_ms,
                    duration_p99_ms: r.duration_p99_ms,
                    max_memory_p99_mb: r.max_memory_p99_mb,
                    is_current: r.is_current,
                    used_in_fit: false,
                })
                .collect(),
            duration_p50_ms: current.duration_p50_ms,
            duration_p90_ms: current.duration_p90_ms,
            duration_p99_ms: current.duration_p99_ms,
            duration_p999_ms: current.duration_p999_ms,
            duration_mean_ms: current.duration_mean_ms,
            billed_duration_mean_ms: current.billed_duration_mean_ms,
            max_memory_p99_mb: current.max_memory_p99_mb,
            max_memory_max_mb: window_max,
            timeouts_current: current.timeouts,
            oom_errors_current: current.oom_errors,
            timeouts_window: rows.iter().map(|r| r.timeouts).sum(),
            oom_errors_window: rows.iter().map(|r| r.oom_errors).sum(),
        },
    }
}

/// What the current row alone tells, even when there is too little data
/// to advise a size: the near-OOM and over-provisioned flags, the cost now
/// and the timeout advice. Returns whether the current size has enough
/// invocations to advise on.
fn current_size_findings(ctx: &Context<'_>, provider: Provider, rec: &mut Recommendation) -> bool {
    let (current, options) = (ctx.current, ctx.options);
    let memory = current.memory_mb as f64;
    rec.near_oom = current.oom_errors > 0
        || current
            .max_memory_max_mb
            .is_some_and(|m| m > NEAR_OOM_SHARE * memory);
    rec.over_provisioned = provider != Provider::AzureFunctions
        && current
            .max_memory_p99_mb
            .is_some_and(|m| m < OVER_PROVISIONED_SHARE * memory);
    let enough_invocations = current.invocations >= options.min_invocations.max(1);
    let durations_known = enough_invocations && current.duration_mean_ms.is_some();
    if let (true, Some(mean)) = (durations_known, current.duration_mean_ms) {
        // Azure bills the memory used, not a setting: price at the p99 used.
        let priced_mb = if provider == Provider::AzureFunctions {
            current
                .max_memory_p99_mb
                .map_or(current.memory_mb, |m| (m.ceil() as u32).max(1))
        } else {
            current.memory_mb
        };
        if let Some(now) = ctx.cost(&current.arch, priced_mb, mean) {
            rec.cost_per_invocation_now = Some(pico(now));
            rec.monthly_cost_now = Some(ctx.monthly(now));
        }
    }
    if enough_invocations {
        rec.timeout = timeout_advice(current, None);
    }
    enough_invocations
}

/// The candidates: the provider's grid, the current size and the observed
/// sizes, at or above the floor and within the provider's range, each
/// priced at its expected duration, and the list the recommendation shows.
/// When none is large enough, the largest size alone, for the advice to
/// flag.
fn candidate_sizes(
    ctx: &Context<'_>,
    provider: Provider,
    curve: &Curve,
    floor: u32,
) -> (Candidates, Vec<CandidateSize>) {
    let current = ctx.current;
    let (grid, largest): (&[u32], u32) = match provider {
        Provider::GcpCloudRunFunctions => (
            &GCP_MEMORY_TIERS_MB,
            *GCP_MEMORY_TIERS_MB.last().unwrap_or(&0),
        ),
        _ => (&AWS_MEMORY_GRID_MB, AWS_MAX_MEMORY_MB),
    };
    let mut sizes: Vec<u32> = grid
        .iter()
        .copied()
        .chain(std::iter::once(current.memory_mb))
        .chain(curve.observed.iter().map(|(m, _)| *m))
        .filter(|&m| m >= floor && m <= largest)
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    let beyond_largest = sizes.is_empty();
    if beyond_largest {
        sizes.push(largest);
    }
    let mut scored = Vec::with_capacity(sizes.len());
    let mut ranges = Vec::with_capacity(sizes.len());
    let mut listed = Vec::new();
    for &m in &sizes {
        let d = curve.at(m);
        let cost = ctx.cost(&current.arch, m, d.expected).unwrap_or(0.0);
        scored.push(Scored {
            cost,
            duration: d.expected,
        });
        ranges.push(d);
        listed.push(CandidateSize {
            memory_mb: m,
            expected_duration_ms: d.expected,
            duration_low_ms: d.low,
            duration_high_ms: d.high,
            observed_mean_ms: curve.observed.iter().find(|o| o.0 == m).map(|o| o.1),
            cost_per_invocation: pico(cost),
            monthly_cost: ctx.monthly(cost),
        });
    }
    let candidates = Candidates {
        sizes,
        scored,
        ranges,
        largest,
        beyond_largest,
    };
    (candidates, listed)
}

/// Records the size at `pick` as the choice, with its duration, its cost
/// and the savings against now, and returns the duration there. Keeping
/// the size changes nothing: "after" is then what is observed now, not the
/// curve's value there.
fn price_choice(
    ctx: &Context<'_>,
    candidates: &Candidates,
    pick: usize,
    mean_now: f64,
    rec: &mut Recommendation,
) -> DurationAt {
    let current = ctx.current;
    let chosen = candidates.sizes[pick];
    let (at, after) = if chosen == current.memory_mb {
        let now = DurationAt {
            expected: mean_now,
            low: mean_now,
            high: mean_now,
            observed: true,
        };
        let cost = ctx.cost(&current.arch, chosen, mean_now).unwrap_or(0.0);
        (now, cost)
    } else {
        (candidates.ranges[pick], candidates.scored[pick].cost)
    };
    rec.recommended_memory_mb = Some(chosen);
    rec.expected_duration_ms = Some(at.expected);
    rec.duration_range_ms = Some((at.low, at.high));
    rec.cost_per_invocation_after = Some(pico(after));
    rec.monthly_cost_after = Some(ctx.monthly(after));
    let cost_low = ctx.cost(&current.arch, chosen, at.low).unwrap_or(after);
    let cost_high = ctx.cost(&current.arch, chosen, at.high).unwrap_or(after);
    rec.monthly_cost_after_range = Some((ctx.monthly(cost_low), ctx.monthly(cost_high)));
    if let (Some(now), Some(after)) = (rec.monthly_cost_now, rec.monthly_cost_after) {
        let saved = PicoUsd(now.0 - after.0);
        rec.monthly_savings = Some(saved);
        rec.savings_pct = (now.0 != 0).then(|| 100.0 * saved.0 as f64 / now.0 as f64);
    }
    at
}
