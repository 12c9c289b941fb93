//! The sentences of the advice: why a platform gets none, what data is
//! missing, and the decision with the figures behind it. People act on
//! these rather than on the numbers, so their wording sits in one file,
//! apart from the arithmetic that decides.

use super::advise::Context;
use super::duration::{Curve, DurationAt, ModelKind};
use super::input::SizeRow;
use super::memory::{UNOBSERVED_HEADROOM, UNOBSERVED_STEP_DOWN};
use super::strategy::Strategy;
use super::{Recommendation, RightsizingOptions, Status};
use faasight_pricing::{azure_functions, Provider};
use faasight_store::PicoUsd;

/// `provider` when its memory size can be advised on; otherwise why not,
/// the reason of a `not-applicable` recommendation for `current`.
pub(super) fn advised_provider(
    provider: Option<Provider>,
    current: &SizeRow,
) -> Result<Provider, String> {
    match provider {
        Some(
            p @ (Provider::AwsLambda | Provider::GcpCloudRunFunctions | Provider::AzureFunctions),
        ) => Ok(p),
        Some(Provider::CloudflareWorkers) => Err(
            "Not applicable: Cloudflare Workers have no memory setting (every isolate \
                          gets the same 128 MB) and bill CPU time, so there is no size to choose."
                .into(),
        ),
        Some(
            Provider::AzureFunctionsFlex
            | Provider::GcpCloudFunctionsGen1
            | Provider::AlibabaFunctionCompute,
        ) => Err(format!(
            "Not modelled yet: `{}` prices are in the catalog, but its duration-vs-size \
                 model is not; the safety floor above is still the smallest safe size.",
            current.provider
        )),
        Some(Provider::Knative | Provider::OpenFaas) => Err(format!(
            "Not applicable: {} is self-hosted; memory is a container limit with no \
                 per-invocation price, so there is no list-price trade-off to advise on.",
            current.provider
        )),
        None => Err(format!(
            "Not applicable: provider `{}` is unknown to faasight's price catalog.",
            current.provider
        )),
    }
}

/// The reason for Azure Functions Consumption, which bills each
/// execution's observed memory instead of a setting: not applicable, with
/// a warning when the safety floor exceeds its instances' memory.
pub(super) fn azure_reason(floor: Option<u32>) -> String {
    let limit = azure_functions::MAX_MEMORY_MB;
    match floor {
        Some(f) if f > limit => format!(
            "Not applicable: Azure Functions Consumption has no memory setting (each execution \
             is billed for the memory it uses, in 128 MB steps). Warning: the safety floor of \
             {f} MB exceeds the {limit} MB a Consumption instance has; consider a plan with \
             larger instances."
        ),
        Some(f) => format!(
            "Not applicable: Azure Functions Consumption has no memory setting (each execution \
             is billed for the memory it uses, in 128 MB steps); the safety floor of {f} MB \
             fits in a {limit} MB instance."
        ),
        None => "Not applicable: Azure Functions Consumption has no memory setting (each \
                 execution is billed for the memory it uses, in 128 MB steps)."
            .into(),
    }
}

/// What keeps the advice from being given, one phrase per missing piece.
pub(super) fn missing_data(
    current: &SizeRow,
    window_max: Option<f64>,
    enough_invocations: bool,
    options: &RightsizingOptions,
) -> Vec<String> {
    let mut missing = Vec::new();
    if !enough_invocations {
        missing.push(format!(
            "only {} invocations at the current size of {} MB in the window (at least {} needed)",
            current.invocations,
            current.memory_mb,
            options.min_invocations.max(1)
        ));
    }
    if current.max_memory_p99_mb.is_none() || window_max.is_none() {
        missing.push(
            "no max-memory data at the current size (the source does not report memory used, \
             e.g. traces without Lambda's REPORT line)"
                .into(),
        );
    }
    if current.duration_mean_ms.is_none() {
        missing.push("no mean duration at the current size".into());
    }
    missing
}

/// The status and the sentence of an advised size: keep or change, the
/// floor and what set it, the duration expected and how it was modelled,
/// and the money at the monthly volume.
pub(super) fn decision(
    ctx: &Context<'_>,
    rec: &Recommendation,
    chosen: u32,
    (floor, p99, max): (u32, f64, f64),
    curve: &Curve,
    at: DurationAt,
) -> (Status, String) {
    let (current, options) = (ctx.current, ctx.options);
    let monthly_invocations = ctx.monthly_invocations;
    let model = match curve.kind {
        ModelKind::Fitted => format!("fitted on {} sizes", curve.sizes_mb.len()),
        ModelKind::ProjectedRange => "projected from one size, not to fully CPU-bound".into(),
    };
    let floor_why = format!(
        "the safety floor is {floor} MB (p99 memory used {p99:.0} MB + {}% headroom, \
         largest seen {max:.0} MB)",
        options.headroom_pct
    );
    let money = match rec.monthly_savings {
        Some(s) if s.0 >= 0 => format!(
            "saves {}/month ({:.1} %) at {:.0} invocations/month",
            usd(s),
            rec.savings_pct.unwrap_or(0.0),
            monthly_invocations
        ),
        Some(s) => format!(
            "costs {}/month more at {:.0} invocations/month",
            usd(PicoUsd(-s.0)),
            monthly_invocations
        ),
        None => String::new(),
    };
    let pick_word = match options.strategy {
        Strategy::Cost => "cheapest",
        Strategy::Speed => "fastest",
        Strategy::Balanced => "best balanced",
    };
    if chosen == current.memory_mb {
        (
            Status::Keep,
            format!(
                "Keep {chosen} MB: it is the {pick_word} size at or above the floor; {floor_why}."
            ),
        )
    } else {
        let verb = if current.memory_mb < floor {
            "Raise (the current size is below the safety floor)"
        } else if chosen < current.memory_mb {
            "Lower"
        } else {
            "Raise"
        };
        let reason = format!(
            "{verb} {} MB → {chosen} MB ({} strategy): {floor_why}; expected mean duration \
             {:.0} ms (range {:.0}–{:.0} ms, {model}); {money}.",
            current.memory_mb, options.strategy, at.expected, at.low, at.high
        );
        (Status::Recommend, reason)
    }
}

fn usd(amount: PicoUsd) -> String {
    let dollars = amount.as_usd_f64();
    if dollars.abs() >= 0.01 {
        format!("${dollars:.2}")
    } else {
        format!("${dollars:.6}")
    }
}

/// Sentences on the limits of the advice, appended to the decision: a
/// size below every observed one, memory pressure, sizes the bounds held
/// the model back from, and where to measure instead.
pub(super) fn evidence_notes(
    rec: &Recommendation,
    chosen: u32,
    below_observed: Option<u32>,
    pressure_floor: Option<u32>,
    unbounded: Option<u32>,
) -> String {
    let mut notes = String::new();
    if let Some(smallest) = below_observed {
        notes.push_str(&format!(
            " Risk: {chosen} MB is below the smallest observed size ({smallest} MB), so its \
             duration is extrapolated; without an observation, advice goes no lower than {:.0} % \
             of the smallest observed size and keeps {:.0} % headroom over the memory used.",
            UNOBSERVED_STEP_DOWN * 100.0,
            UNOBSERVED_HEADROOM * 100.0
        ));
    }
    if let Some(floor) = pressure_floor {
        let details: Vec<&str> = rec
            .memory_pressure
            .iter()
            .map(|p| p.detail.as_str())
            .collect();
        notes.push_str(&format!(
            " Memory pressure: {}; no size below {floor} MB is advised.",
            details.join("; ")
        ));
    }
    if let Some(u) = unbounded {
        notes.push_str(&format!(
            " The model alone favours {u} MB, lower than any observation supports."
        ));
    }
    if let Some(m) = &rec.measure {
        if m.power_tuning_input.is_some() {
            notes.push_str(" The best size is uncertain: measure it with AWS Lambda Power Tuning (input in `measure`).");
        } else {
            notes.push_str(
                " The best size is uncertain: measure the candidate sizes before changing.",
            );
        }
    }
    notes
}
