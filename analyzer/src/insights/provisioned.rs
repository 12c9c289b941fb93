//! Idle money: Provisioned Concurrency paid for and mostly unused.
//!
//! Provisioned environments are billed for every second they are
//! configured, busy or not. Lambda routes a function's invocations to them
//! first, so the time they are busy is ∫ min(concurrency, provisioned) dt
//! ([`super::concurrency::capped_busy_per_window`]); divided by the
//! provisioned environment-time it is their utilisation, hour by hour.
//! Below [`MAX_UTILISATION`] over the window, the idle share of the
//! charge is the money at stake.
//!
//! Environments initialised and never invoked (`unused init`, billed by
//! AWS since 2025-08-01) are not judged: no stored source reports an INIT
//! without its invocation.

use super::concurrency::{capped_busy_per_window, Busy};
use super::{per_month, Evidence, Finding, FindingKind};

/// Utilisation below which provisioned concurrency is a finding.
pub const MAX_UTILISATION: f64 = 0.4;
/// Fewest whole hours configured in the window for a judgement.
pub const MIN_HOURS: usize = 24;
const HOUR_MS: i64 = 3_600_000;

/// One provisioned configuration in force over part of the window.
#[derive(Debug, Clone, PartialEq)]
pub struct Provisioned {
    /// `provider/account/region/function`.
    pub function: String,
    /// Alias or version.
    pub qualifier: String,
    /// Environments provisioned.
    pub allocated: u64,
    /// In force from, ms since the epoch.
    pub from_ms: i64,
    /// Until, ms (exclusive).
    pub to_ms: i64,
    /// What keeping it configured over `[from_ms, to_ms)` costs, pico-USD.
    pub charge_pico: i64,
}

/// A finding for each configuration used below [`MAX_UTILISATION`];
/// `busy` holds the function's invocations. The money is the idle share
/// of the charge over the time configured, scaled to a month.
pub fn idle_provisioned(config: &Provisioned, busy: &[Busy]) -> Option<Finding> {
    let hours = ((config.to_ms - config.from_ms) / HOUR_MS).max(0) as usize;
    if config.allocated == 0 || hours < MIN_HOURS {
        return None;
    }
    let per_hour = capped_busy_per_window(busy, config.allocated, config.from_ms, HOUR_MS, hours);
    let capacity = config.allocated as f64 * HOUR_MS as f64;
    let used: f64 = per_hour.iter().map(|&b| b as f64).sum();
    let utilisation = used / (capacity * hours as f64);
    if utilisation >= MAX_UTILISATION {
        return None;
    }
    let busiest = per_hour.iter().copied().max().unwrap_or(0) as f64 / capacity;
    let idle_hours = per_hour
        .iter()
        .filter(|&&b| (b as f64) < 0.1 * capacity)
        .count();
    // The charge covers the configured time; the judged hours may leave
    // out a last partial hour, whose share is charged at the same
    // utilisation.
    let idle_pico = config.charge_pico as f64 * (1.0 - utilisation);
    let name = super::calls::short(&config.function);
    Some(Finding {
        kind: FindingKind::IdleProvisionedConcurrency,
        summary: format!(
            "{name}:{} keeps {} environments provisioned, busy {:.1} % of the time on average (busiest hour {:.0} %, {idle_hours} of {hours} hours below 10 %)",
            config.qualifier,
            config.allocated,
            100.0 * utilisation,
            100.0 * busiest,
        ),
        advice: format!(
            "Lower {name}'s provisioned concurrency to what its busy hours use, or schedule it (Application Auto Scaling) for those hours only; on-demand environments serve the rest."
        ),
        functions: vec![config.function.clone()],
        evidence: vec![
            Evidence::new("environments provisioned", config.allocated as f64, "environments"),
            Evidence::new("hours judged", hours as f64, "hours"),
            Evidence::new("mean utilisation", 100.0 * utilisation, "%"),
            Evidence::new("busiest hour's utilisation", 100.0 * busiest, "%"),
            Evidence::new("hours below 10 % utilisation", idle_hours as f64, "hours"),
            Evidence::new("provisioned concurrency charge in the window", config.charge_pico as f64 / 1e12, "USD"),
        ],
        example_trace_ids: Vec::new(),
        monthly_usd: per_month(idle_pico, (config.to_ms - config.from_ms) as f64 / 86_400_000.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use faasight_store::PicoUsd;

    fn config(allocated: u64) -> Provisioned {
        Provisioned {
            function: "aws_lambda/1/us-east-1/auth".into(),
            qualifier: "live".into(),
            allocated,
            from_ms: 0,
            to_ms: 48 * HOUR_MS,
            charge_pico: 1_000_000_000_000,
        }
    }

    #[test]
    fn idle_share_of_the_charge_is_at_stake() {
        // Two environments for 48 h; one invocation of 6 h each hour-pair
        // boundary … simply: 12 h of one environment busy = 12 / 96 of
        // the capacity, 12.5 % utilisation; 87.5 % of $1 is idle.
        let busy = [Busy::new(0, 12.0 * HOUR_MS as f64)];
        let f = idle_provisioned(&config(2), &busy).unwrap();
        // $0.875 idle over 2 days: × 30.4375 / 2 a month.
        assert_eq!(f.monthly_usd, PicoUsd(13_316_406_250_000));
        assert_eq!(f.evidence[2].value, 12.5);
        // The busiest hours used one of two environments.
        assert_eq!(f.evidence[3].value, 50.0);
        assert_eq!(f.evidence[4].value, 36.0);
    }

    #[test]
    fn concurrency_beyond_the_provisioned_counts_once() {
        // Four overlapping invocations, 20 h each, on 2 environments:
        // 2 × 20 h busy of 96 h provisioned = 41.7 %: no finding.
        let busy: Vec<Busy> = (0..4)
            .map(|_| Busy::new(0, 20.0 * HOUR_MS as f64))
            .collect();
        assert!(idle_provisioned(&config(2), &busy).is_none());
        // Under a day configured: not judged.
        let short = Provisioned {
            to_ms: 23 * HOUR_MS,
            ..config(2)
        };
        assert!(idle_provisioned(&short, &[]).is_none());
    }
}
