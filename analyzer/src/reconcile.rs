//! Invoice reconciliation: a month of AWS Lambda as the Cost and Usage
//! Report invoices it (`cur_invoiced.sql`) set against what telemetry
//! accounts for (`cur_telemetry.sql`), per account, region and usage type,
//! with the remainder and a sentence on its likely causes.
//!
//! Rules:
//! - Invoiced usage counts only usage line items (`Usage`,
//!   `SavingsPlanCoveredUsage`, `DiscountedUsage`); invoiced cost counts
//!   every line item type (Savings Plan negations, credits, refunds and
//!   taxes included), since that is what the invoice adds up.
//! - Computed from telemetry, per account, region and architecture:
//!   requests = invocations; GB-seconds = Σ memory_mb × billed_ms /
//!   1,024,000. Their cost splits Σ `cost_usd` (the per-invocation list
//!   prices) into requests × the region's request price and the rest
//!   (duration, and SnapStart restores where charged), so the computed
//!   column adds up to the list prices the other pages show. Telemetry
//!   without an architecture is x86_64, as its list price was computed.
//! - Provisioned concurrency, duration on provisioned environments,
//!   ephemeral storage, SnapStart cache, Lambda@Edge and anything else are
//!   not modelled from telemetry: they are listed as invoiced, with the
//!   whole amount as remainder.
//! - Telemetry of accounts the imported report does not cover is left out
//!   (and said so); telemetry with no account is attributed to the only
//!   invoiced account of its region, if there is exactly one.

use crate::cost_report::month_bounds;
use crate::reports::QueryTrace;
use crate::{Error, Result};
use faasight_store::{PicoUsd, Store, UsageKind};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// SQL of the invoiced side.
pub const CUR_INVOICED_SQL: &str = include_str!("queries/cur_invoiced.sql");
/// SQL of the telemetry side.
pub const CUR_TELEMETRY_SQL: &str = include_str!("queries/cur_telemetry.sql");

/// Functions named in a line's sentence, at most.
const NAMED_FUNCTIONS: usize = 5;
/// A remainder within this share of the invoiced cost is "accounted for".
const CLOSE_SHARE: f64 = 0.01;

/// One group of `cur_invoiced.sql`.
#[derive(Debug, Clone, Default, PartialEq, clickhouse::Row, Deserialize)]
pub struct InvoicedRow {
    /// Usage account.
    pub account: String,
    /// Region (empty for taxes and unknown prefixes).
    pub region: String,
    /// The report's usage type.
    pub usage_type: String,
    /// [`UsageKind::as_str`].
    pub kind: String,
    /// `x86_64`, `arm64` or empty.
    pub arch: String,
    /// `Usage`, `Tax`, `SavingsPlanNegation`, …
    pub line_item_type: String,
    /// Function name (empty without resource ids).
    pub function: String,
    /// Σ usage amount.
    pub usage_amount: f64,
    /// Σ unblended cost, decimal text.
    pub unblended_cost: String,
    /// Line items summed.
    pub line_items: u64,
}

/// One group of `cur_telemetry.sql`.
#[derive(Debug, Clone, Default, PartialEq, clickhouse::Row, Deserialize)]
pub struct TelemetryRow {
    /// Account (may be empty when the source did not say).
    pub account: String,
    /// Region.
    pub region: String,
    /// `x86_64`, `arm64` or empty.
    pub arch: String,
    /// Function name.
    pub function: String,
    /// Configured memory.
    pub memory_mb: u32,
    /// Invocations.
    pub requests: u64,
    /// Σ billed duration.
    pub billed_ms: u64,
    /// Σ list prices, decimal text.
    pub list_cost: String,
}

/// One row of the reconciliation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReconLine {
    /// Usage account.
    pub account: String,
    /// Region.
    pub region: String,
    /// What the usage type charges for.
    pub kind: UsageKind,
    /// `x86_64`, `arm64` or empty.
    pub arch: String,
    /// The report's usage types in this row.
    pub usage_types: Vec<String>,
    /// The usage's unit (`requests`, `GB-s`, or the report's).
    pub unit: String,
    /// Σ usage of usage line items.
    pub invoiced_amount: f64,
    /// Σ unblended cost of all line items.
    pub invoiced_cost: PicoUsd,
    /// Of which line items other than usage (negations, credits, taxes).
    pub adjustments_cost: PicoUsd,
    /// What telemetry accounts for; `None` where faasight does not model
    /// the charge from telemetry.
    pub computed_amount: Option<f64>,
    /// Its list price; `None` where not modelled.
    pub computed_cost: Option<PicoUsd>,
    /// `invoiced_amount − computed_amount` (`None` where not modelled).
    pub remainder_amount: Option<f64>,
    /// `invoiced_cost − computed_cost` (all of it where not modelled).
    pub remainder_cost: PicoUsd,
    /// Functions invoiced on this row that sent no telemetry this month.
    pub functions_without_telemetry: Vec<String>,
    /// The likely causes of the remainder, in one or two sentences.
    pub explanation: String,
}

impl ReconLine {
    /// A line with nothing invoiced or computed yet, in the kind's unit.
    fn empty(account: &str, region: &str, kind: UsageKind, arch: &str) -> ReconLine {
        ReconLine {
            account: account.to_string(),
            region: region.to_string(),
            kind,
            arch: arch.to_string(),
            usage_types: Vec::new(),
            unit: match kind {
                UsageKind::Requests => "requests".into(),
                UsageKind::Duration
                | UsageKind::ProvisionedConcurrency
                | UsageKind::ProvisionedDuration
                | UsageKind::EphemeralStorage
                | UsageKind::SnapStartCache => "GB-s".into(),
                UsageKind::SnapStartRestore => "GB".into(),
                UsageKind::Edge | UsageKind::Other => "as invoiced".into(),
            },
            invoiced_amount: 0.0,
            invoiced_cost: PicoUsd(0),
            adjustments_cost: PicoUsd(0),
            computed_amount: None,
            computed_cost: None,
            remainder_amount: None,
            remainder_cost: PicoUsd(0),
            functions_without_telemetry: Vec::new(),
            explanation: String::new(),
        }
    }
}

/// A month's reconciliation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reconciliation {
    /// `YYYY-MM`.
    pub month: String,
    /// Rows, by account, region, kind and architecture.
    pub lines: Vec<ReconLine>,
    /// Σ invoiced cost.
    pub invoiced_total: PicoUsd,
    /// Σ computed cost of the modelled rows.
    pub computed_total: PicoUsd,
    /// `invoiced_total − computed_total`.
    pub remainder_total: PicoUsd,
    /// Functions with invoiced Lambda usage and no telemetry, as
    /// `account/region/function`.
    pub functions_without_telemetry: Vec<String>,
    /// Facts about the data that bear on every row.
    pub notes: Vec<String>,
    /// Queries behind the numbers (empty for the pure function).
    #[serde(skip_deserializing)]
    pub queries: Vec<QueryTrace>,
}

fn is_usage_line(line_item_type: &str) -> bool {
    matches!(
        line_item_type,
        "Usage" | "SavingsPlanCoveredUsage" | "DiscountedUsage"
    )
}

fn modelled(kind: UsageKind) -> bool {
    matches!(kind, UsageKind::Requests | UsageKind::Duration)
}

fn usd(p: PicoUsd) -> String {
    format!("${:.2}", p.as_usd_f64())
}

fn parse_pico(query: &'static str, what: &'static str, s: &str) -> Result<PicoUsd> {
    PicoUsd::parse_decimal(s).ok_or_else(|| Error::BadValue {
        query,
        what,
        value: s.to_string(),
    })
}

type LineKey = (String, String, UsageKind, String, String);

/// Telemetry per account, region and architecture.
#[derive(Default)]
struct Computed {
    requests: u64,
    mb_ms: u128,
    list_cost: PicoUsd,
}

/// Reconciles invoiced rows with telemetry rows for `month` (`YYYY-MM`,
/// whose first day prices the requests). Pure: the rows may come from
/// anywhere.
pub fn reconcile(
    month: &str,
    invoiced: &[InvoicedRow],
    telemetry: &[TelemetryRow],
) -> Result<Reconciliation> {
    let (first, _) = month_bounds(month)?;
    let price_at = first.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let mut notes = Vec::new();

    // Invoiced rows into lines.
    let mut lines: BTreeMap<LineKey, ReconLine> = BTreeMap::new();
    // Functions with invoiced requests or duration, per account and region.
    let mut invoiced_functions: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut regions_accounts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in invoiced {
        let kind = UsageKind::parse(&r.kind).ok_or_else(|| Error::BadValue {
            query: "cur_invoiced.sql",
            what: "kind",
            value: r.kind.clone(),
        })?;
        let cost = parse_pico("cur_invoiced.sql", "unblended_cost", &r.unblended_cost)?;
        let split_by_type = matches!(kind, UsageKind::Other | UsageKind::Edge);
        let key = (
            r.account.clone(),
            r.region.clone(),
            kind,
            r.arch.clone(),
            if split_by_type {
                r.usage_type.clone()
            } else {
                String::new()
            },
        );
        let line = lines
            .entry(key)
            .or_insert_with(|| ReconLine::empty(&r.account, &r.region, kind, &r.arch));
        if !r.usage_type.is_empty() && !line.usage_types.contains(&r.usage_type) {
            line.usage_types.push(r.usage_type.clone());
        }
        line.invoiced_cost = line.invoiced_cost + cost;
        if is_usage_line(&r.line_item_type) {
            line.invoiced_amount += r.usage_amount;
        } else {
            line.adjustments_cost = line.adjustments_cost + cost;
        }
        if !r.region.is_empty() {
            regions_accounts
                .entry(r.region.clone())
                .or_default()
                .insert(r.account.clone());
        }
        if modelled(kind) && !r.function.is_empty() && is_usage_line(&r.line_item_type) {
            invoiced_functions
                .entry((r.account.clone(), r.region.clone()))
                .or_default()
                .insert(r.function.clone());
        }
    }
    let accounts: BTreeSet<&str> = invoiced.iter().map(|r| r.account.as_str()).collect();

    // Telemetry per (account, region, arch), and its functions.
    let mut computed: BTreeMap<(String, String, String), Computed> = BTreeMap::new();
    let mut telemetry_functions: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut outside: BTreeSet<String> = BTreeSet::new();
    let mut unattributed = 0u64;
    for t in telemetry {
        let account = if t.account.is_empty() {
            match regions_accounts.get(&t.region) {
                Some(a) if a.len() == 1 => a.iter().next().cloned().unwrap_or_default(),
                _ => {
                    unattributed += t.requests;
                    continue;
                }
            }
        } else {
            t.account.clone()
        };
        if !accounts.contains(account.as_str()) {
            outside.insert(account);
            continue;
        }
        let arch = if t.arch == "arm64" { "arm64" } else { "x86_64" };
        let c = computed
            .entry((account.clone(), t.region.clone(), arch.to_string()))
            .or_default();
        c.requests += t.requests;
        c.mb_ms += u128::from(t.memory_mb) * u128::from(t.billed_ms);
        c.list_cost = c.list_cost + parse_pico("cur_telemetry.sql", "list_cost", &t.list_cost)?;
        telemetry_functions
            .entry((account, t.region.clone()))
            .or_default()
            .insert(t.function.clone());
    }
    if !outside.is_empty() {
        notes.push(format!(
            "Telemetry of accounts the imported report does not cover is left out: {}.",
            outside.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    if unattributed > 0 {
        notes.push(format!(
            "{unattributed} invocations name no account and could not be attributed to one \
             (their region has no single invoiced account); they are left out."
        ));
    }

    // Telemetry with no invoiced line of its kind still gets a line, so
    // that usage the invoice does not show (free tier, another payer) is
    // visible.
    for ((account, region, arch), c) in &computed {
        for kind in [UsageKind::Requests, UsageKind::Duration] {
            let key = (
                account.clone(),
                region.clone(),
                kind,
                arch.clone(),
                String::new(),
            );
            if c.requests > 0 && !lines.contains_key(&key) {
                lines.insert(key, ReconLine::empty(account, region, kind, arch));
            }
        }
    }

    let provisioned_here: BTreeSet<(String, String, String)> = lines
        .values()
        .filter(|l| l.kind == UsageKind::ProvisionedDuration && l.invoiced_amount > 0.0)
        .map(|l| (l.account.clone(), l.region.clone(), l.arch.clone()))
        .collect();
    let mut all_missing = BTreeSet::new();
    for line in lines.values_mut() {
        let place = (line.account.clone(), line.region.clone());
        if !modelled(line.kind) {
            line.remainder_cost = line.invoiced_cost;
            line.explanation = not_modelled_sentence(line);
            continue;
        }
        let c = computed.get(&(place.0.clone(), place.1.clone(), line.arch.clone()));
        let (requests, mb_ms, list) =
            c.map_or((0, 0, PicoUsd(0)), |c| (c.requests, c.mb_ms, c.list_cost));
        let request_price = faasight_pricing::aws_lambda::price(
            &line.region,
            faasight_pricing::aws_lambda::Charge::Request,
            price_at,
        )
        .value_pico;
        let requests_cost = PicoUsd(requests as i64 * request_price);
        let (amount, cost) = match line.kind {
            UsageKind::Requests => (requests as f64, requests_cost),
            _ => (
                mb_ms as f64 / 1_024_000.0,
                PicoUsd(list.0 - requests_cost.0),
            ),
        };
        line.computed_amount = Some(amount);
        line.computed_cost = Some(cost);
        line.remainder_amount = Some(line.invoiced_amount - amount);
        line.remainder_cost = PicoUsd(line.invoiced_cost.0 - cost.0);
        let seen = telemetry_functions.get(&place);
        line.functions_without_telemetry = invoiced_functions
            .get(&place)
            .map(|fs| {
                fs.iter()
                    .filter(|f| seen.is_none_or(|s| !s.contains(*f)))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        for f in &line.functions_without_telemetry {
            all_missing.insert(format!("{}/{}/{f}", line.account, line.region));
        }
        let provisioned = provisioned_here.contains(&(
            line.account.clone(),
            line.region.clone(),
            line.arch.clone(),
        ));
        line.explanation = modelled_sentence(line, provisioned);
    }

    let lines: Vec<ReconLine> = lines.into_values().collect();
    let invoiced_total: PicoUsd = lines.iter().map(|l| l.invoiced_cost).sum();
    let computed_total: PicoUsd = lines.iter().filter_map(|l| l.computed_cost).sum();
    Ok(Reconciliation {
        month: month.to_string(),
        lines,
        invoiced_total,
        computed_total,
        remainder_total: PicoUsd(invoiced_total.0 - computed_total.0),
        functions_without_telemetry: all_missing.into_iter().collect(),
        notes,
        queries: Vec::new(),
    })
}

fn not_modelled_sentence(line: &ReconLine) -> String {
    let what = match line.kind {
        UsageKind::ProvisionedConcurrency => {
            "Configured provisioned concurrency is billed whether or not it is used"
        }
        UsageKind::ProvisionedDuration => {
            "Duration on provisioned environments is billed at its own rate"
        }
        UsageKind::EphemeralStorage => "Ephemeral storage above 512 MB",
        UsageKind::SnapStartCache => "The SnapStart snapshot cache",
        UsageKind::SnapStartRestore => {
            "SnapStart restores (their list price is inside the computed duration row)"
        }
        UsageKind::Edge => "Lambda@Edge",
        _ if line.usage_types.is_empty() => "Charges without a usage type (taxes, fees, credits)",
        _ => "This charge",
    };
    format!("{what}: not modelled from telemetry, so all of it is remainder.")
}

fn modelled_sentence(line: &ReconLine, provisioned: bool) -> String {
    let mut s = Vec::new();
    let rem = line.remainder_cost.0;
    let close =
        (rem.unsigned_abs() as f64) <= CLOSE_SHARE * line.invoiced_cost.0.unsigned_abs() as f64;
    if line.invoiced_cost.0 == 0 && line.invoiced_amount == 0.0 {
        s.push(
            "The imported report has no such charge: usage within the free tier, billed to \
             another payer, or telemetry that is not this account's."
                .to_string(),
        );
    } else if close {
        s.push("Telemetry accounts for the invoice within 1 %.".to_string());
    } else if !line.functions_without_telemetry.is_empty() {
        let n = line.functions_without_telemetry.len();
        let named: Vec<&str> = line
            .functions_without_telemetry
            .iter()
            .take(NAMED_FUNCTIONS)
            .map(String::as_str)
            .collect();
        s.push(format!(
            "{n} function{} billed here sent no telemetry ({}{}).",
            if n == 1 { "" } else { "s" },
            named.join(", "),
            if n > NAMED_FUNCTIONS { ", …" } else { "" }
        ));
    } else if rem > 0 {
        s.push(
            "Telemetry misses part of the usage: sampled or dropped telemetry, or invocations \
             before it was set up."
                .to_string(),
        );
    } else {
        s.push(
            "Telemetry exceeds the invoice: the free tier, volume tiers or a Savings Plan \
             lowered the bill, or telemetry was counted twice."
                .to_string(),
        );
    }
    if provisioned && line.kind == UsageKind::Duration {
        s.push(
            "Telemetry counts duration on provisioned environments here, which the invoice \
             bills as provisioned duration."
                .to_string(),
        );
    }
    if line.adjustments_cost.0 != 0 {
        s.push(format!(
            "The invoiced cost includes {} of Savings Plan, credit or tax lines.",
            usd(line.adjustments_cost)
        ));
    }
    s.join(" ")
}

/// The reconciliation of `tenant` for `month` (`YYYY-MM`).
pub async fn reconciliation(store: &Store, tenant: &str, month: &str) -> Result<Reconciliation> {
    let (first, next) = month_bounds(month)?;
    let period = first.to_string();
    let midnight = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let (from, to) = (midnight(first).timestamp(), midnight(next).timestamp());
    let invoiced_q = store
        .client()
        .query(CUR_INVOICED_SQL)
        .bind(tenant)
        .bind(period.as_str())
        .bind(tenant)
        .bind(period.as_str())
        .fetch_all::<InvoicedRow>();
    let telemetry_q = store
        .client()
        .query(CUR_TELEMETRY_SQL)
        .bind(tenant)
        .bind(from)
        .bind(to)
        .fetch_all::<TelemetryRow>();
    let (invoiced, telemetry) = tokio::join!(invoiced_q, telemetry_q);
    let invoiced = invoiced.map_err(|source| Error::Query {
        query: "cur_invoiced.sql",
        source,
    })?;
    let telemetry = telemetry.map_err(|source| Error::Query {
        query: "cur_telemetry.sql",
        source,
    })?;
    let mut r = reconcile(month, &invoiced, &telemetry)?;
    r.queries = vec![
        QueryTrace::new(
            "cur_invoiced.sql",
            CUR_INVOICED_SQL,
            vec![tenant.into(), period.clone(), tenant.into(), period],
        ),
        QueryTrace::new(
            "cur_telemetry.sql",
            CUR_TELEMETRY_SQL,
            vec![tenant.into(), from.to_string(), to.to_string()],
        ),
    ];
    Ok(r)
}

/// The cost report's section ([`faasight_report::InvoiceReconciliation`]);
/// `None` when no report was imported for the month (no lines).
pub fn report_section(r: &Reconciliation) -> Option<faasight_report::InvoiceReconciliation> {
    if r.lines.is_empty() {
        return None;
    }
    Some(faasight_report::InvoiceReconciliation {
        invoiced_pico: r.invoiced_total.0,
        computed_pico: r.computed_total.0,
        remainder_pico: r.remainder_total.0,
        lines: r
            .lines
            .iter()
            .map(|l| faasight_report::ReconciliationLine {
                account: l.account.clone(),
                region: l.region.clone(),
                usage: l.kind.label().to_string(),
                arch: l.arch.clone(),
                unit: l.unit.clone(),
                invoiced_amount: l.invoiced_amount,
                invoiced_pico: l.invoiced_cost.0,
                computed_amount: l.computed_amount,
                computed_pico: l.computed_cost.map(|c| c.0),
                remainder_pico: l.remainder_cost.0,
                explanation: l.explanation.clone(),
            })
            .collect(),
        functions_without_telemetry: r.functions_without_telemetry.clone(),
        notes: r.notes.clone(),
    })
}

#[cfg(test)]
#[path = "reconcile_tests.rs"]
mod tests;
