//! The advice for one function, step by step: what the current row alone
//! tells (flags, cost now, timeout), whether there is enough data, the
//! duration curve, the candidate sizes and the strategy's pick, its price,
//! its risk, and the sentence that explains it. Each step is a function of
//! its own so that a rule of the module documentation can be found in one
//! place; [`advise`] only runs them in order and stops where the data does.

use super::arm64::arm64_migration;
use super::duration::{duration_curve, Curve, DurationAt, ModelKind};
use super::input::SizeRow;
use super::measure::{measure, sizes_to_measure, Target};
use super::memory::{
    lowest_unobserved_mb, memory_need_mb, safety_floor_mb, AWS_MAX_MEMORY_MB, AWS_MEMORY_GRID_MB,
    GCP_MEMORY_TIERS_MB,
};
use super::pricing::{billed_ms, cost_pico, pico};
use super::reason::{advised_provider, azure_reason, decision, evidence_notes, missing_data};
use super::risk::assess_risk;
use super::strategy::{choose, Scored};
use super::timeout::timeout_advice;
use super::{
    CandidateSize, Evidence, ObservedSize, Recommendation, RightsizingOptions, Status,
    DAYS_PER_MONTH,
};
use faasight_pricing::Provider;
use faasight_store::PicoUsd;

/// A projected duration range wider than this ratio (high / low) at the
/// advised size leaves the best size uncertain enough to measure.
const WIDE_RANGE: f64 = 1.25;

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
    rec.memory_pressure = curve.pressure.clone();

    let lowest = lowest_advisable_mb(&curve, floor, p99);
    rec.lowest_advisable_mb = Some(lowest);
    let (candidates, listed) = candidate_sizes(&ctx, provider, &curve, lowest, mean_now);
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
    // What the model alone would pick from every safe size, to tell the
    // reader when the bounds held it back.
    let unbounded = if lowest > floor {
        let (all, _) = candidate_sizes(&ctx, provider, &curve, floor, mean_now);
        choose(options.strategy, options.balanced_weight, &all.scored)
            .map(|i| all.sizes[i])
            .filter(|&m| m < chosen)
    } else {
        None
    };
    let at = price_choice(&ctx, &candidates, pick, mean_now, &mut rec);
    let below_observed = curve.smallest_observed_mb().filter(|&s| chosen < s);
    rec.extrapolated_below_observed = below_observed.is_some();

    let need = memory_need_mb(p99, max, options.headroom_pct);
    let (risk, reasons) = assess_risk(
        current,
        chosen,
        need,
        &candidates,
        &curve,
        &at,
        below_observed,
    );
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

    let why = uncertainty(&curve, chosen, &at, below_observed, unbounded);
    if !why.is_empty() {
        let target = Target {
            provider,
            account: &current.account,
            region: &current.region,
            function: &current.function,
            strategy: options.strategy,
            balanced_weight: options.balanced_weight,
        };
        let sizes = sizes_to_measure(provider, floor, current.memory_mb, chosen);
        rec.measure = Some(measure(&target, why, sizes));
    }
    rec.reason.push_str(&evidence_notes(
        &rec,
        chosen,
        below_observed,
        curve.pressure_floor_mb(),
        unbounded,
    ));
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
        lowest_advisable_mb: None,
        extrapolated_below_observed: false,
        memory_pressure: Vec::new(),
        measure: None,
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
        configured: None,
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

/// The smallest size the strategy may choose: the safety floor; below the
/// smallest observed size, no further than [`lowest_unobserved_mb`]
/// allows; and never below a size that showed memory pressure.
fn lowest_advisable_mb(curve: &Curve, floor: u32, p99: f64) -> u32 {
    let mut lowest = floor;
    if let Some(smallest) = curve.smallest_observed_mb() {
        lowest = lowest.max(lowest_unobserved_mb(smallest, p99));
    }
    if let Some(pressured) = curve.pressure_floor_mb() {
        lowest = lowest.max(pressured);
    }
    lowest
}

/// The candidates: the provider's grid, the current size, the observed
/// sizes and (AWS) `lowest` itself, at or above `lowest` and within the provider's range, each
/// priced at its expected duration, and the list the recommendation shows.
/// Staying is priced at the mean observed now, so that a change has to
/// beat what the function costs today, not the model's value there. Sizes
/// whose projected duration could exceed the configured timeout are left
/// out while any other remains. When none is large enough, the largest
/// size alone, for the advice to flag.
fn candidate_sizes(
    ctx: &Context<'_>,
    provider: Provider,
    curve: &Curve,
    lowest: u32,
    mean_now: f64,
) -> (Candidates, Vec<CandidateSize>) {
    let current = ctx.current;
    let (grid, largest): (&[u32], u32) = match provider {
        Provider::GcpCloudRunFunctions => (
            &GCP_MEMORY_TIERS_MB,
            *GCP_MEMORY_TIERS_MB.last().unwrap_or(&0),
        ),
        _ => (&AWS_MEMORY_GRID_MB, AWS_MAX_MEMORY_MB),
    };
    // AWS Lambda takes any size in 1 MB steps: the lowest advisable size
    // is a candidate of its own, the cheapest when duration barely
    // depends on memory.
    let exact = (provider == Provider::AwsLambda).then_some(lowest);
    let mut sizes: Vec<u32> = grid
        .iter()
        .copied()
        .chain(std::iter::once(current.memory_mb))
        .chain(curve.observed.iter().map(|(m, _)| *m))
        .chain(exact)
        .filter(|&m| m >= lowest && m <= largest)
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    let at = |m: u32| {
        if m == current.memory_mb {
            DurationAt {
                expected: mean_now,
                low: mean_now,
                high: mean_now,
                observed: true,
            }
        } else {
            curve.at(m)
        }
    };
    if let Some(timeout) = current.timeout_ms {
        let in_time: Vec<u32> = sizes
            .iter()
            .copied()
            .filter(|&m| at(m).high <= timeout)
            .collect();
        if !in_time.is_empty() {
            sizes = in_time;
        }
    }
    let beyond_largest = sizes.is_empty();
    if beyond_largest {
        sizes.push(largest);
    }
    let mut scored = Vec::with_capacity(sizes.len());
    let mut ranges = Vec::with_capacity(sizes.len());
    let mut listed = Vec::new();
    for &m in &sizes {
        let d = at(m);
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

/// What makes the best size uncertain enough to measure rather than
/// trust, one phrase each; empty when the advice rests on fitted,
/// unpressured observations around the chosen size.
fn uncertainty(
    curve: &Curve,
    chosen: u32,
    at: &DurationAt,
    below_observed: Option<u32>,
    unbounded: Option<u32>,
) -> Vec<String> {
    let mut why = Vec::new();
    if curve.kind == ModelKind::ProjectedRange {
        why.push(format!(
            "durations at other sizes are projected from one observed size ({} MB)",
            curve.sizes_mb.first().copied().unwrap_or(chosen)
        ));
    }
    if let Some(smallest) = below_observed {
        why.push(format!(
            "{chosen} MB is below the smallest observed size ({smallest} MB)"
        ));
    }
    for p in &curve.pressure {
        why.push(format!("memory pressure: {}", p.detail));
    }
    if !at.observed && at.low > 0.0 && at.high > at.low * WIDE_RANGE {
        why.push(format!(
            "the mean duration at {chosen} MB is projected between {:.0} and {:.0} ms",
            at.low, at.high
        ));
    }
    if let Some(u) = unbounded {
        why.push(format!(
            "the model alone would pick {u} MB, lower than the observations support"
        ));
    }
    why
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
