//! The monthly bill report: usage per month from `monthly_usage.sql`,
//! billed by [`crate::monthly_bill`] with tiers and free allowances, next
//! to the per-invocation list prices it reconciles to.

use super::QueryTrace;
use crate::bill_charges::{
    month_charges, ConfigCharge, ConfigSnapshot, FunctionMonthUsage, MonthCharges,
};
use crate::monthly_bill::{add_invocations, monthly_bill, BillLine, BillOptions, NodePrice, Usage};
use crate::{Error, Result, TimeRange};
use chrono::NaiveDate;
use faasight_pricing::Provider;
use faasight_store::{PicoUsd, Store};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// SQL of the usage query.
pub const MONTHLY_USAGE_SQL: &str = include_str!("../queries/monthly_usage.sql");
/// SQL of the per-function usage behind configuration charges.
pub const FUNCTION_MONTH_USAGE_SQL: &str = include_str!("../queries/function_month_usage.sql");
/// SQL of the configuration inventory.
pub const FUNCTION_INVENTORY_SQL: &str = include_str!("../queries/function_inventory.sql");

#[derive(Debug, clickhouse::Row, Deserialize)]
struct UsageRow {
    month: String,
    provider: String,
    account: String,
    region: String,
    arch: String,
    memory_mb: u32,
    observed_memory_mb: u32,
    requests: u64,
    billed_ms: u64,
    list_cost: String,
}

/// One month's bill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthBill {
    /// First day of the month, `YYYY-MM-DD`.
    pub month: String,
    /// One line per provider, account, region and architecture.
    pub lines: Vec<BillLine>,
    /// Charges that follow a function's configuration (Provisioned
    /// Concurrency, ephemeral storage, SnapStart).
    pub charges: Vec<ConfigCharge>,
    /// What the bill assumed or could not include.
    pub notes: Vec<String>,
    /// Σ per-invocation list prices.
    pub list_total: PicoUsd,
    /// Σ billed amounts of the lines and the charges.
    pub billed_total: PicoUsd,
}

/// The bill report: months in order, and the query behind them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BillReport {
    /// Bills by month.
    pub months: Vec<MonthBill>,
    /// Whether the AWS free tier was applied.
    pub aws_free_tier: bool,
    /// Queries behind the numbers.
    pub queries: Vec<QueryTrace>,
}

/// Turns usage rows (one per month, line and memory size) into month
/// bills. Pure: the rows may come from anywhere. Each row's meters are
/// added by its provider's rule ([`add_invocations`]); an unknown provider
/// (which the collector refuses, so only hand-inserted rows) keeps its
/// requests and is left unpriced by the bill, which says so.
fn bills_from_rows(
    rows: Vec<UsageRow>,
    options: BillOptions,
    mut charges: BTreeMap<String, MonthCharges>,
) -> Result<Vec<MonthBill>> {
    type LineKey = (String, String, String, String);
    let mut months: BTreeMap<String, BTreeMap<LineKey, Usage>> = BTreeMap::new();
    for r in rows {
        let list_cost = PicoUsd::parse_decimal(&r.list_cost).ok_or_else(|| Error::BadValue {
            query: "monthly_usage.sql",
            what: "list_cost",
            value: r.list_cost.clone(),
        })?;
        let key = (
            r.provider.clone(),
            r.account.clone(),
            r.region.clone(),
            r.arch.clone(),
        );
        let line = months
            .entry(r.month)
            .or_default()
            .entry(key)
            .or_insert_with(|| Usage {
                provider: r.provider.clone(),
                account: r.account,
                region: r.region,
                arch: r.arch,
                ..Usage::default()
            });
        match Provider::parse(&r.provider) {
            Some(p) => add_invocations(
                line,
                p,
                r.memory_mb,
                r.observed_memory_mb,
                r.requests,
                r.billed_ms,
            ),
            None => line.requests += r.requests,
        }
        line.list_cost = line.list_cost + list_cost;
    }
    months
        .into_iter()
        .map(|(month, lines)| {
            let start = NaiveDate::parse_from_str(&month, "%Y-%m-%d")
                .map_err(|_| Error::BadValue {
                    query: "monthly_usage.sql",
                    what: "month",
                    value: month.clone(),
                })?
                .and_hms_opt(0, 0, 0)
                .unwrap_or_default()
                .and_utc();
            let extra = charges.remove(&month).unwrap_or_default();
            let mut lines = lines;
            // Container-image INIT billed before 2025-08-01 is duration: it
            // joins its line before tiers and free grants.
            for d in &extra.extra_duration {
                let aws = Provider::AwsLambda.as_str().to_string();
                if let Some(line) =
                    lines.get_mut(&(aws, d.account.clone(), d.region.clone(), d.arch.clone()))
                {
                    line.mb_ms += d.mb_ms;
                }
            }
            let usage: Vec<Usage> = lines.into_values().collect();
            let lines = monthly_bill(&usage, options, start);
            let billed: PicoUsd = lines.iter().map(|l| l.billed).sum();
            Ok(MonthBill {
                list_total: lines.iter().map(|l| l.usage.list_cost).sum(),
                billed_total: billed + extra.charges.iter().map(|c| c.amount).sum(),
                month,
                lines,
                charges: extra.charges,
                notes: extra.notes,
            })
        })
        .collect()
}

/// The last second ClickHouse's `DateTime` holds: 2106-02-07 06:28:15 UTC.
const LAST_DATETIME: chrono::DateTime<chrono::Utc> =
    chrono::DateTime::from_timestamp(4_294_967_295, 0).expect("in range");

/// The configuration snapshots of `tenant` seen before `to`.
pub(crate) async fn fetch_inventory(
    store: &Store,
    tenant: &str,
    to: chrono::DateTime<chrono::Utc>,
) -> Result<(Vec<ConfigSnapshot>, QueryTrace)> {
    let inventory: Vec<ConfigSnapshot> = store
        .client()
        .query(FUNCTION_INVENTORY_SQL)
        .bind(tenant)
        .bind(to.timestamp())
        .fetch_all()
        .await
        .map_err(|source| Error::Query {
            query: "function_inventory.sql",
            source,
        })?;
    let trace = QueryTrace::new(
        "function_inventory.sql",
        FUNCTION_INVENTORY_SQL,
        vec![tenant.to_string(), to.timestamp().to_string()],
    );
    Ok((inventory, trace))
}

/// Each month's configuration charges, up to `to` or the latest
/// invocation the data holds, whichever is earlier: faasight knows the
/// account up to its telemetry, and the same data always bills the same
/// (a month still running is not charged into the future).
fn charges_by_month(
    usage: &[FunctionMonthUsage],
    inventory: &[ConfigSnapshot],
    to: chrono::DateTime<chrono::Utc>,
) -> Result<BTreeMap<String, MonthCharges>> {
    let last = usage
        .iter()
        .map(|u| u.last_start + 1)
        .max()
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0));
    let now = last.map_or(to, |l| l.min(to));
    let mut by_month: BTreeMap<String, Vec<FunctionMonthUsage>> = BTreeMap::new();
    for u in usage {
        by_month.entry(u.month.clone()).or_default().push(u.clone());
    }
    by_month
        .into_iter()
        .map(|(month, rows)| {
            let (from, to) = crate::cost_report::month_bounds(&month[..7])?;
            let at = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
            Ok((
                month,
                month_charges(at(from), at(to), now, &rows, inventory),
            ))
        })
        .collect()
}

/// The monthly bills of `tenant` for the months overlapping `range`.
/// Months are billed whole when `range` starts or ends inside one, since
/// tiers and free allowances apply to a calendar month's totals.
pub async fn bill_report(
    store: &Store,
    tenant: &str,
    range: TimeRange,
    options: BillOptions,
) -> Result<BillReport> {
    use chrono::Datelike;
    let first = range.from.date_naive().with_day(1).unwrap_or_default();
    let from = first.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let last = range.to - chrono::Duration::seconds(1);
    let to = last
        .date_naive()
        .with_day(1)
        .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
        .unwrap_or_default()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let window = TimeRange::new(from, to)?;
    let (rows, trace) = super::fetch_window::<UsageRow>(
        store,
        "monthly_usage.sql",
        MONTHLY_USAGE_SQL,
        &[],
        tenant,
        window,
    )
    .await?;
    let (function_rows, function_trace) = super::fetch_window::<FunctionMonthUsage>(
        store,
        "function_month_usage.sql",
        FUNCTION_MONTH_USAGE_SQL,
        &[Provider::AwsLambda.as_str()],
        tenant,
        window,
    )
    .await?;
    // Every snapshot, also those seen after the billed months: a month
    // without an earlier one takes the first seen after it (a package type
    // never changes; memory and storage rarely), while Provisioned
    // Concurrency is only charged from when it was seen.
    let (inventory, inventory_trace) = fetch_inventory(store, tenant, LAST_DATETIME).await?;
    let charges = charges_by_month(&function_rows, &inventory, range.to)?;
    Ok(BillReport {
        months: bills_from_rows(rows, options, charges)?,
        aws_free_tier: options.aws_free_tier,
        queries: vec![trace, function_trace, inventory_trace],
    })
}

impl TryFrom<&super::ReportRequest> for BillOptions {
    type Error = crate::Error;

    fn try_from(r: &super::ReportRequest) -> Result<Self> {
        Ok(BillOptions {
            aws_free_tier: r.aws_free_tier.unwrap_or(false),
            node_price: r.node_price.as_deref().map(parse_node_price).transpose()?,
        })
    }
}

/// Parses a node price for self-hosted platforms:
/// `vcpu-hour=0.0316,gb-hour=0.0042,vcpu-per-gb=0.5` (dollars per vCPU-hour,
/// dollars per GB-hour, vCPU requested per GB of memory). Every key is
/// required: a missing one would price the cluster at a default nobody
/// chose.
pub fn parse_node_price(s: &str) -> Result<NodePrice> {
    let bad = |why: String| Error::Invalid(format!("node_price {s:?}: {why}"));
    let (mut vcpu, mut gb, mut ratio) = (None, None, None);
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = part
            .split_once('=')
            .ok_or_else(|| bad(format!("{part:?} is not key=value")))?;
        let value = value.trim();
        match key.trim() {
            "vcpu-hour" => {
                vcpu =
                    Some(PicoUsd::parse_decimal(value).ok_or_else(|| {
                        bad(format!("vcpu-hour {value:?} is not a dollar amount"))
                    })?)
            }
            "gb-hour" => {
                gb = Some(
                    PicoUsd::parse_decimal(value)
                        .ok_or_else(|| bad(format!("gb-hour {value:?} is not a dollar amount")))?,
                )
            }
            "vcpu-per-gb" => {
                let v: f64 = value
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite() && *v >= 0.0 && *v <= 64.0)
                    .ok_or_else(|| {
                        bad(format!(
                            "vcpu-per-gb {value:?} is not a number from 0 to 64"
                        ))
                    })?;
                ratio = Some((v * 1_000.0).round() as u32);
            }
            other => {
                return Err(bad(format!(
                    "unknown key {other:?} (expected vcpu-hour, gb-hour, vcpu-per-gb)"
                )))
            }
        }
    }
    match (vcpu, gb, ratio) {
        (Some(v), Some(g), Some(r)) if v.0 >= 0 && g.0 >= 0 => Ok(NodePrice {
            vcpu_hour_pico: v.0,
            gb_hour_pico: g.0,
            vcpu_per_gb_milli: r,
        }),
        (Some(_), Some(_), Some(_)) => Err(bad("prices must not be negative".into())),
        _ => Err(bad("needs vcpu-hour, gb-hour and vcpu-per-gb".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        provider: &str,
        memory_mb: u32,
        observed: u32,
        requests: u64,
        billed_ms: u64,
        cost: &str,
    ) -> UsageRow {
        UsageRow {
            month: "2026-11-01".into(),
            provider: provider.into(),
            account: "a".into(),
            region: "r".into(),
            arch: "x86_64".into(),
            memory_mb,
            observed_memory_mb: observed,
            requests,
            billed_ms,
            list_cost: cost.into(),
        }
    }

    #[test]
    fn rows_of_one_line_are_summed_with_each_providers_billed_memory() {
        // Two AWS memory sizes on one line: 512 MB × 1,000 ms + 1,024 MB × 500 ms
        // = 512,000 + 512,000 MB-ms. Azure: 200 MB used bills 256 MB; 100 ms.
        let bills = bills_from_rows(
            vec![
                row("aws_lambda", 512, 0, 1, 1_000, "0.000008533550"),
                row("aws_lambda", 1024, 0, 1, 500, "0.000008533550"),
                row("azure_functions", 1536, 200, 1, 100, "0.000000400000"),
            ],
            BillOptions::default(),
            BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(bills.len(), 1);
        let aws = &bills[0]
            .lines
            .iter()
            .find(|l| l.usage.provider == "aws_lambda")
            .unwrap()
            .usage;
        assert_eq!(aws.mb_ms, 1_024_000);
        assert_eq!(aws.requests, 2);
        assert_eq!(aws.list_cost, PicoUsd(17_067_100));
        let azure = &bills[0]
            .lines
            .iter()
            .find(|l| l.usage.provider == "azure_functions")
            .unwrap()
            .usage;
        assert_eq!(azure.mb_ms, 256 * 100);
        assert_eq!(bills[0].list_total, PicoUsd(17_067_100 + 400_000));
    }

    #[test]
    fn an_unreadable_cost_names_the_query() {
        let err = bills_from_rows(
            vec![row("aws_lambda", 128, 0, 1, 1, "x")],
            BillOptions::default(),
            BTreeMap::new(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("monthly_usage.sql"), "{err}");
    }
}
