//! A month's bill: the usage of a calendar month priced the way each
//! provider invoices it — the region's own prices, volume tiers, and free
//! grants given once per *billing scope* (an AWS account, an Azure
//! subscription, a Google Cloud billing account, a Cloudflare account)
//! however many regions and architectures share it.
//!
//! Per-invocation list prices ([`crate::list_cost`]) round every
//! invocation on its own; a provider's invoice meters the month's totals.
//! This module works on the totals ([`Usage`]): one line per provider,
//! account, region and architecture, whose meters (requests, memory-time,
//! vCPU-time, clock-time, CPU-time) are summed from invocations already
//! rounded by the provider's per-invocation rule.
//!
//! What each provider charges per meter, its tiers and its grants come from
//! [`Provider`] methods ([`Provider::billing_scope`],
//! [`Provider::monthly_grant`], [`line_prices`]), so a new provider is a
//! compile error here until its rules are written down.
//!
//! Money is exact: pico-dollars from integer meters and rational prices,
//! rounded once per meter and line.

mod rules;
#[cfg(test)]
mod tests;

pub use rules::{add_invocations, line_prices, MeterPrice, Tier, TierScope};

/// [`Usage::compute_units_raw`] per compute unit.
pub const CU_RAW: u128 = 512_000_000;

use crate::Provider;
use chrono::{DateTime, Utc};
use faasight_store::PicoUsd;
use serde::Serialize;
use std::collections::HashMap;

/// One month of one billing scope's usage on one provider, in one region
/// and architecture, summed from invocations.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Usage {
    /// `provider` column value.
    pub provider: String,
    /// Account, subscription, project or billing account: the billing
    /// scope whose free grant the line shares.
    pub account: String,
    /// Region.
    pub region: String,
    /// `x86_64` or `arm64` (AWS, Alibaba); empty where it does not matter.
    pub arch: String,
    /// Requests.
    pub requests: u64,
    /// Σ billed memory (MB) × billed duration (ms): GB-seconds × 1,024,000
    /// (GiB-seconds for Google, whose "GiB" and the collectors' "MB" are
    /// both 1,024² bytes). The billed memory is the provider's: observed
    /// for Azure Consumption, the instance size for Flex, the 1st gen size.
    pub mb_ms: u128,
    /// Σ vCPU (thousandths) × billed duration (ms): vCPU-seconds ×
    /// 1,000,000 (Cloud Run functions, Alibaba Function Compute).
    pub vcpu_milli_ms: u128,
    /// Σ CPU clock (MHz) × billed duration (ms): GHz-seconds × 1,000,000
    /// (Cloud Functions 1st gen).
    pub mhz_ms: u128,
    /// Σ billed CPU time in ms (Cloudflare Workers).
    pub cpu_ms: u128,
    /// Σ compute units × 512,000,000 (Alibaba Function Compute, which
    /// converts invocations, vCPU-time and memory-time into CU; the scale
    /// makes each conversion factor an integer).
    pub compute_units_raw: u128,
    /// Σ of per-invocation list prices, for reconciliation.
    pub list_cost: PicoUsd,
}

/// The things a provider meters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Meter {
    /// Requests, executions, invocations.
    Requests,
    /// Memory × time ([`Usage::mb_ms`]).
    MemoryTime,
    /// vCPU × time ([`Usage::vcpu_milli_ms`]).
    VcpuTime,
    /// CPU clock × time ([`Usage::mhz_ms`]).
    ClockTime,
    /// CPU time ([`Usage::cpu_ms`]).
    CpuTime,
    /// Compute units ([`Usage::compute_units_raw`]).
    ComputeUnits,
}

impl Meter {
    /// The raw quantity of this meter on a line.
    pub fn quantity(self, u: &Usage) -> u128 {
        match self {
            Meter::Requests => u128::from(u.requests),
            Meter::MemoryTime => u.mb_ms,
            Meter::VcpuTime => u.vcpu_milli_ms,
            Meter::ClockTime => u.mhz_ms,
            Meter::CpuTime => u.cpu_ms,
            Meter::ComputeUnits => u.compute_units_raw,
        }
    }

    /// Raw quantity in one priced unit: a GB-second is 1,024 MB × 1,000
    /// ms, a vCPU-second 1,000 milli-vCPU × 1,000 ms, a GHz-second 1,000
    /// MHz × 1,000 ms.
    pub fn raw_per_unit(self) -> u128 {
        match self {
            Meter::Requests | Meter::CpuTime => 1,
            Meter::MemoryTime => 1_024_000,
            Meter::VcpuTime | Meter::ClockTime => 1_000_000,
            Meter::ComputeUnits => CU_RAW,
        }
    }
}

/// Who a provider's monthly free grant belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingScope {
    /// An AWS account (the free tier counts every region's usage).
    AwsAccount,
    /// An Azure subscription.
    AzureSubscription,
    /// A Google Cloud billing account (which may pay for several projects).
    GcpBillingAccount,
    /// A Cloudflare account.
    CloudflareAccount,
    /// An Alibaba Cloud account.
    AlibabaAccount,
    /// A self-hosted cluster: no provider invoice.
    Cluster,
}

impl BillingScope {
    /// How the UI names the scope.
    pub fn noun(self) -> &'static str {
        match self {
            BillingScope::AwsAccount => "AWS account",
            BillingScope::AzureSubscription => "Azure subscription",
            BillingScope::GcpBillingAccount => "Google Cloud billing account",
            BillingScope::CloudflareAccount => "Cloudflare account",
            BillingScope::AlibabaAccount => "Alibaba Cloud account",
            BillingScope::Cluster => "cluster",
        }
    }
}

/// How a free grant is worth money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantValue {
    /// The granted quantity is simply not charged, at whatever price the
    /// line it falls on has.
    LinePrice,
    /// The grant is a credit worth its quantity at these prices (pico per
    /// unit, by meter), whichever region used it, capped at what the line
    /// was charged (Cloud Functions 1st gen: "at tier 1 prices").
    Credit(&'static [(Meter, i128)]),
}

/// A provider's monthly free grant per billing scope.
#[derive(Debug, Clone, Copy)]
pub struct MonthlyGrant {
    /// Quantities granted, in priced units (requests, GB-s, vCPU-s, …).
    pub quantities: &'static [(Meter, u128)],
    /// How the grant is valued.
    pub value: GrantValue,
    /// A fixed monthly charge per scope (Cloudflare Workers Standard's $5),
    /// in pico-dollars.
    pub fee_pico: i128,
    /// Whether the grant depends on [`BillOptions::aws_free_tier`].
    pub optional: bool,
    /// What the UI says about the grant.
    pub description: &'static str,
}

/// Prices of self-hosted capacity (Knative, OpenFaaS), which no provider
/// lists: what a node's vCPU-hour and GB-hour cost the user, and how much
/// CPU their functions request per GB of memory. Each function is charged
/// its requested resources for the time it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct NodePrice {
    /// Per vCPU-hour, pico-dollars.
    pub vcpu_hour_pico: i64,
    /// Per GB-hour of memory, pico-dollars.
    pub gb_hour_pico: i64,
    /// vCPU requested per GB of requested memory, in thousandths.
    pub vcpu_per_gb_milli: u32,
}

/// Options of the monthly bill.
#[derive(Debug, Clone, Copy, Default)]
pub struct BillOptions {
    /// Apply the AWS Lambda free tier (accounts past their first year may
    /// not have it; off by default).
    pub aws_free_tier: bool,
    /// Node prices for Knative and OpenFaaS; `None` leaves them unpriced
    /// (and the line says so).
    pub node_price: Option<NodePrice>,
}

/// The bill of one usage line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BillLine {
    /// The usage billed.
    pub usage: Usage,
    /// What the month costs after tiers, free grants and fees.
    pub billed: PicoUsd,
    /// `billed - list_cost` (negative: tiers and free grants saved money).
    pub adjustment: PicoUsd,
    /// How the amount was reached, for the UI.
    pub explanation: String,
}

/// Bills a month of usage lines whose prices are those in force at
/// `month_start`. Lines of one provider and billing scope share its free
/// grant: each meter's grant goes to the scope's lines in order (x86_64
/// before arm64, then by region), a rule faasight chose because no
/// provider publishes one; the scope's total is the same either way
/// wherever the lines' prices are equal. Returns one bill line per usage
/// line, in input order.
pub fn monthly_bill(
    usage: &[Usage],
    options: BillOptions,
    month_start: DateTime<Utc>,
) -> Vec<BillLine> {
    let mut order: Vec<usize> = (0..usage.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&usage[a], &usage[b]);
        (x.arch == "arm64", &x.region, a).cmp(&(y.arch == "arm64", &y.region, b))
    });
    // Grant left per (provider, scope, meter), in raw meter units; scopes
    // whose fee was charged.
    let mut left: HashMap<(&str, &str, Meter), u128> = HashMap::new();
    let mut fee_charged: HashMap<(&str, &str), ()> = HashMap::new();
    // Usage already priced per (provider, scope, meter) for tiers that
    // count a billing scope's whole month.
    let mut tier_used: HashMap<(&str, &str, Meter), u128> = HashMap::new();
    let mut lines: Vec<Option<BillLine>> = vec![None; usage.len()];
    for i in order {
        let u = &usage[i];
        let Some(provider) = Provider::parse(&u.provider) else {
            lines[i] = Some(unpriced(u, "unknown provider: not billed"));
            continue;
        };
        if provider.billing_scope() == BillingScope::Cluster {
            lines[i] = Some(self_hosted_line(u, options.node_price));
            continue;
        }
        let grant = provider.monthly_grant();
        let grant_applies = !grant.optional || options.aws_free_tier;
        let mut numerator_total: i128 = 0;
        let mut notes: Vec<String> = Vec::new();
        for price in line_prices(provider, &u.region, &u.arch, month_start) {
            let qty = price.meter.quantity(u);
            let raw = price.meter.raw_per_unit();
            let mut free = 0u128;
            if grant_applies {
                if let Some(&(_, units)) = grant.quantities.iter().find(|(m, _)| *m == price.meter)
                {
                    let l = left
                        .entry((u.provider.as_str(), u.account.as_str(), price.meter))
                        .or_insert(units * raw);
                    free = (*l).min(qty);
                    *l -= free;
                }
            }
            // Where tiers count the scope's month, this line starts where
            // the scope's earlier lines left off.
            let offset = match price.tier_scope {
                TierScope::Line => 0,
                TierScope::BillingScope => {
                    let used = tier_used
                        .entry((u.provider.as_str(), u.account.as_str(), price.meter))
                        .or_insert(0);
                    let before = *used;
                    *used += qty - free;
                    before
                }
            };
            // Charge in pico × raw units (divided once at the end of the line).
            let charged = match grant.value {
                GrantValue::LinePrice => price.tiered_numerator(offset, qty - free),
                GrantValue::Credit(values) => {
                    let full = price.tiered_numerator(offset, qty);
                    let credit_price = values
                        .iter()
                        .find(|(m, _)| *m == price.meter)
                        .map_or(0, |&(_, p)| p);
                    // The credit, scaled to the line's common denominator.
                    (full - free as i128 * credit_price * (LINE_DENOMINATOR / raw) as i128).max(0)
                }
            };
            numerator_total += charged;
            if free > 0 {
                notes.push(format!("{} {} free", format_units(free, raw), price.unit));
            }
            if price.tiers.len() > 1 {
                notes.push(format!("{} through the monthly tiers", price.unit));
            }
        }
        let mut billed = div_round(numerator_total, LINE_DENOMINATOR as i128);
        if grant.fee_pico > 0
            && fee_charged
                .insert((u.provider.as_str(), u.account.as_str()), ())
                .is_none()
        {
            billed += grant.fee_pico;
            notes.push(format!(
                "the {}'s monthly fee of {}",
                provider.billing_scope().noun(),
                usd(grant.fee_pico)
            ));
        }
        if let Some(note) = provider.memory_rule_note() {
            notes.push(note.to_string());
        }
        let scope = format!("{} {:?}", provider.billing_scope().noun(), u.account);
        let explanation = if grant_applies {
            format!(
                "{} prices in {}; {} shared by every region of {scope}{}",
                provider.as_str(),
                if u.region.is_empty() {
                    "every region"
                } else {
                    &u.region
                },
                grant.description,
                if notes.is_empty() {
                    String::new()
                } else {
                    format!(": {}", notes.join(", "))
                }
            )
        } else {
            format!(
                "{} prices in {}, no free grant (not enabled){}",
                provider.as_str(),
                u.region,
                if notes.is_empty() {
                    String::new()
                } else {
                    format!("; {}", notes.join(", "))
                }
            )
        };
        let billed = PicoUsd(i64::try_from(billed).unwrap_or(i64::MAX));
        lines[i] = Some(BillLine {
            adjustment: PicoUsd(billed.0 - u.list_cost.0),
            usage: u.clone(),
            billed,
            explanation,
        });
    }
    lines.into_iter().flatten().collect()
}

/// Every meter's charge is kept as pico × (1 / LINE_DENOMINATOR) until the
/// line's total is rounded: a common multiple of every meter's
/// [`Meter::raw_per_unit`].
const LINE_DENOMINATOR: u128 = 1_024_000_000;

fn div_round(n: i128, d: i128) -> i128 {
    if n >= 0 {
        (2 * n + d) / (2 * d)
    } else {
        -((-2 * n + d) / (2 * d))
    }
}

fn format_units(raw: u128, raw_per_unit: u128) -> String {
    let whole = raw / raw_per_unit;
    let frac = raw % raw_per_unit;
    if frac == 0 {
        whole.to_string()
    } else {
        format!("{:.3}", raw as f64 / raw_per_unit as f64)
    }
}

/// Dollars for an explanation: cents, or more digits for amounts below a
/// cent (unit prices).
fn usd(pico: i128) -> String {
    let dollars = pico as f64 / 1e12;
    if pico % 10_000_000_000 == 0 {
        format!("${dollars:.2}")
    } else {
        format!(
            "${}",
            PicoUsd(pico as i64)
                .to_decimal_string()
                .trim_end_matches('0')
        )
    }
}

fn unpriced(u: &Usage, why: &str) -> BillLine {
    BillLine {
        usage: u.clone(),
        billed: PicoUsd(0),
        adjustment: PicoUsd(-u.list_cost.0),
        explanation: why.to_string(),
    }
}

/// Knative and OpenFaaS: requested memory × time at the node's GB-hour
/// price, plus the CPU requested with it × time at the vCPU-hour price.
fn self_hosted_line(u: &Usage, node: Option<NodePrice>) -> BillLine {
    let Some(node) = node else {
        return unpriced(
            u,
            "self-hosted: no list price; give a node price (per vCPU-hour and GB-hour) to allocate the cluster's cost",
        );
    };
    // GB-hours = mb_ms / (1,024 × 3,600,000); vCPU-hours = GB-hours × vcpu_per_gb.
    let d: i128 = 1_024 * 3_600_000;
    let memory = u.mb_ms as i128 * node.gb_hour_pico as i128;
    let cpu =
        u.mb_ms as i128 * node.vcpu_per_gb_milli as i128 * node.vcpu_hour_pico as i128 / 1_000;
    let billed = PicoUsd(i64::try_from(div_round(memory + cpu, d)).unwrap_or(i64::MAX));
    BillLine {
        adjustment: PicoUsd(billed.0 - u.list_cost.0),
        usage: u.clone(),
        billed,
        explanation: format!(
            "self-hosted: {:.1} GB-hours requested at {} per GB-hour and {:.1} vCPU-hours ({} vCPU per GB) at {} per vCPU-hour",
            u.mb_ms as f64 / d as f64,
            usd(node.gb_hour_pico.into()),
            u.mb_ms as f64 / d as f64 * node.vcpu_per_gb_milli as f64 / 1_000.0,
            node.vcpu_per_gb_milli as f64 / 1_000.0,
            usd(node.vcpu_hour_pico.into()),
        ),
    }
}
