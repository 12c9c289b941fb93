//! The monthly bill report: usage per month from `monthly_usage.sql`,
//! billed by [`crate::monthly_bill`] with tiers and free allowances, next
//! to the per-invocation list prices it reconciles to.

use super::QueryTrace;
use crate::monthly_bill::{monthly_bill, BillLine, BillOptions, Usage};
use crate::{Error, Result, TimeRange};
use faasight_store::{InvocationRow, PicoUsd, Store};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// SQL of the usage query.
pub const MONTHLY_USAGE_SQL: &str = include_str!("../queries/monthly_usage.sql");

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
    /// Σ per-invocation list prices.
    pub list_total: PicoUsd,
    /// Σ billed amounts.
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

/// Billed memory (MB) and CPU clock (MHz, Cloud Functions 1st gen only) of
/// a usage row, by the provider's rule in `faasight-pricing`.
fn billed_memory(provider: &str, memory_mb: u32, observed_memory_mb: u32) -> (u32, u32) {
    match provider {
        "azure_functions" | "azure_functions_flex" => {
            let row = InvocationRow {
                provider: provider.to_string(),
                memory_mb,
                max_memory_used_mb: observed_memory_mb,
                ..InvocationRow::default()
            };
            (faasight_pricing::azure_functions::billed_memory_mb(&row), 0)
        }
        "gcp_cloud_functions_gen1" => {
            let (mb, mhz) =
                faasight_pricing::gcp_cloud_run_functions::gen1::billed_memory(memory_mb);
            (mb, u32::try_from(mhz).unwrap_or(0))
        }
        _ => (memory_mb, 0),
    }
}

/// Turns usage rows (one per month, line and memory size) into month
/// bills. Pure: the rows may come from anywhere.
fn bills_from_rows(rows: Vec<UsageRow>, options: BillOptions) -> Result<Vec<MonthBill>> {
    type LineKey = (String, String, String, String);
    let mut months: BTreeMap<String, BTreeMap<LineKey, Usage>> = BTreeMap::new();
    for r in rows {
        let list_cost = PicoUsd::parse_decimal(&r.list_cost).ok_or_else(|| Error::BadValue {
            query: "monthly_usage.sql",
            what: "list_cost",
            value: r.list_cost.clone(),
        })?;
        let (mb, mhz) = billed_memory(&r.provider, r.memory_mb, r.observed_memory_mb);
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
                provider: r.provider,
                account: r.account,
                region: r.region,
                arch: r.arch,
                ..Usage::default()
            });
        line.requests += r.requests;
        line.mb_ms += u128::from(mb) * u128::from(r.billed_ms);
        line.mhz_ms += u128::from(mhz) * u128::from(r.billed_ms);
        line.list_cost = line.list_cost + list_cost;
    }
    Ok(months
        .into_iter()
        .map(|(month, lines)| {
            let usage: Vec<Usage> = lines.into_values().collect();
            let lines = monthly_bill(&usage, options);
            MonthBill {
                list_total: lines.iter().map(|l| l.usage.list_cost).sum(),
                billed_total: lines.iter().map(|l| l.billed).sum(),
                month,
                lines,
            }
        })
        .collect())
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
    let (rows, trace) = super::fetch_window::<UsageRow>(
        store,
        "monthly_usage.sql",
        MONTHLY_USAGE_SQL,
        &[],
        tenant,
        TimeRange::new(from, to)?,
    )
    .await?;
    Ok(BillReport {
        months: bills_from_rows(rows, options)?,
        aws_free_tier: options.aws_free_tier,
        queries: vec![trace],
    })
}

impl TryFrom<&super::ReportRequest> for BillOptions {
    type Error = crate::Error;

    fn try_from(r: &super::ReportRequest) -> Result<Self> {
        Ok(BillOptions {
            aws_free_tier: r.aws_free_tier.unwrap_or(false),
        })
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
        )
        .unwrap_err();
        assert!(err.to_string().contains("monthly_usage.sql"), "{err}");
    }
}
