//! The monthly cost report ([`faasight_report::CostReport`]): one tenant,
//! one calendar month (UTC), assembled from the analyses the UI shows —
//! the bill (tiers and free grants), the functions' list costs, daily
//! cost, next month's forecast, the projection of a running month's end,
//! right-sizing savings, warnings and architecture insights — so
//! the PDF, the CSV, the JSON and the `bill` analysis give the same
//! totals.

use crate::explore::{daily_cost_by, functions_table};
use crate::reports::bill::bill_report;
use crate::reports::forecast::{forecast_report, ForecastRequest};
use crate::reports::insights::{insights_report, InsightsOptions};
use crate::reports::rightsizing::rightsizing_report;
use crate::reports::warnings::warnings_report;
use crate::reports::{QueryTrace, ReportRequest};
use crate::rightsizing::{RightsizingOptions, Status};
use crate::{Error, Result, TimeRange};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use faasight_report::{
    BillLine, CostReport, DailyCost, ForecastDay, ForecastSummary, FunctionCost, InsightItem,
    MonthEndProjection, QueryUsed, RightsizingItem, RightsizingSummary, Subtotal, Totals,
    WarningItem,
};
use faasight_store::Store;
use std::collections::BTreeMap;

/// Functions listed as the costliest.
const TOP_FUNCTIONS: usize = 15;

/// The first day of `month` (`YYYY-MM`) and of the month after.
pub fn month_bounds(month: &str) -> Result<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .map_err(|_| Error::Invalid(format!("month {month:?} is not a month like 2026-11")))?;
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(|| Error::Invalid(format!("month {month:?} is out of range")))?;
    Ok((first, next))
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

fn used(feeds: &str, q: QueryTrace) -> QueryUsed {
    QueryUsed {
        feeds: feeds.to_string(),
        file: q.name.to_string(),
        params: q.params,
    }
}

fn enum_name<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Adds `(list, billed)` to `name`'s subtotal.
fn add(map: &mut BTreeMap<String, (i64, i64)>, name: String, list: i64, billed: i64) {
    let e = map.entry(name).or_default();
    e.0 += list;
    e.1 += billed;
}

fn subtotals(map: BTreeMap<String, (i64, i64)>) -> Vec<Subtotal> {
    let mut v: Vec<Subtotal> = map
        .into_iter()
        .map(|(name, (list_pico, billed_pico))| Subtotal {
            name,
            list_pico,
            billed_pico,
        })
        .collect();
    v.sort_by(|a, b| b.billed_pico.cmp(&a.billed_pico).then(a.name.cmp(&b.name)));
    v
}

/// The report of `tenant` for `month` (`YYYY-MM`), as of `now`. A month
/// still running is reported to date (`complete` false).
pub async fn cost_report(
    store: &Store,
    tenant: &str,
    month: &str,
    now: DateTime<Utc>,
) -> Result<CostReport> {
    let (first, next) = month_bounds(month)?;
    if midnight(first) > now {
        return Err(Error::Invalid(format!("month {month} has not started")));
    }
    let end = midnight(next).min(now);
    let range = TimeRange::new(midnight(first), end)?;
    // Volumes for right-sizing: the 30 days before the month's end. The
    // forecast learns from up to a year before it (see
    // `reports::forecast::HISTORY_DAYS`) and runs from the month's end (or
    // today, for a running month) to the end of the next month.
    let history = TimeRange::new(end - chrono::Duration::days(30), end)?;
    let (next_first, next_next) = (
        next,
        next.checked_add_months(chrono::Months::new(1))
            .unwrap_or(next),
    );
    let horizon = u32::try_from((next_next - end.date_naive()).num_days().max(1)).unwrap_or(62);
    let forecast_request = ForecastRequest::try_from(&ReportRequest {
        by: Some("total".into()),
        horizon_days: Some(horizon.min(366)),
        ..Default::default()
    })?;
    let defaults = ReportRequest::default();
    let (bill, functions, daily, forecast, advice, warnings, insights) = tokio::try_join!(
        bill_report(store, tenant, range, TryFrom::try_from(&defaults)?),
        functions_table(store, tenant, range),
        daily_cost_by(store, tenant, range, "provider"),
        forecast_report(store, tenant, range, forecast_request),
        rightsizing_report(store, tenant, history, RightsizingOptions::default()),
        warnings_report(store, tenant, range, TryFrom::try_from(&defaults)?),
        insights_report(store, tenant, range, InsightsOptions::default()),
    )?;
    let ((functions, functions_q), (daily, daily_q)) = (functions, daily);

    let mut lines = Vec::new();
    let (mut by_provider, mut by_account, mut by_region) =
        (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    for m in &bill.months {
        for l in &m.lines {
            let u = &l.usage;
            add(
                &mut by_provider,
                u.provider.clone(),
                u.list_cost.0,
                l.billed.0,
            );
            add(
                &mut by_account,
                format!("{}/{}", u.provider, u.account),
                u.list_cost.0,
                l.billed.0,
            );
            add(
                &mut by_region,
                format!("{}/{}", u.provider, u.region),
                u.list_cost.0,
                l.billed.0,
            );
            lines.push(BillLine {
                provider: u.provider.clone(),
                account: u.account.clone(),
                region: u.region.clone(),
                arch: u.arch.clone(),
                requests: u.requests,
                // MB·ms → GB·s with 1 GB = 1,024 MB, as providers bill.
                gb_seconds: u.mb_ms as f64 / 1024.0 / 1000.0,
                list_pico: u.list_cost.0,
                adjustment_pico: l.adjustment.0,
                billed_pico: l.billed.0,
                explanation: l.explanation.clone(),
            });
        }
        // Configuration charges (Provisioned Concurrency, ephemeral storage,
        // SnapStart) are lines of their own: no requests, billed = charge.
        for c in &m.charges {
            let provider = faasight_pricing::Provider::AwsLambda.as_str().to_string();
            add(&mut by_provider, provider.clone(), 0, c.amount.0);
            add(
                &mut by_account,
                format!("{provider}/{}", c.account),
                0,
                c.amount.0,
            );
            add(
                &mut by_region,
                format!("{provider}/{}", c.region),
                0,
                c.amount.0,
            );
            let (what, function) = (c.kind.name(), c.target());
            lines.push(BillLine {
                provider,
                account: c.account.clone(),
                region: c.region.clone(),
                arch: String::new(),
                requests: 0,
                gb_seconds: 0.0,
                list_pico: 0,
                adjustment_pico: c.amount.0,
                billed_pico: c.amount.0,
                explanation: format!(
                    "{what} of {function}: {:.1} {} ({})",
                    c.quantity, c.unit, c.basis
                ),
            });
        }
    }
    let totals = Totals {
        list_pico: bill.months.iter().map(|m| m.list_total.0).sum(),
        billed_pico: bill.months.iter().map(|m| m.billed_total.0).sum(),
        invocations: lines.iter().map(|l| l.requests).sum(),
    };

    let list_all: i64 = functions.iter().map(|f| f.cost_usd.0).sum();
    let mut top: Vec<_> = functions.iter().collect();
    top.sort_by(|a, b| b.cost_usd.cmp(&a.cost_usd).then(a.key.cmp(&b.key)));
    let top_functions = top
        .into_iter()
        .take(TOP_FUNCTIONS)
        .map(|f| FunctionCost {
            provider: f.key.provider.clone(),
            account: f.key.account.clone(),
            region: f.key.region.clone(),
            function: f.key.function.clone(),
            invocations: f.invocations,
            list_pico: f.cost_usd.0,
            share_pct: if list_all == 0 {
                0.0
            } else {
                100.0 * f.cost_usd.0 as f64 / list_all as f64
            },
        })
        .collect();

    let mut per_day: BTreeMap<String, i64> = BTreeMap::new();
    for d in &daily {
        *per_day.entry(d.day.clone()).or_default() += d.cost_usd.0;
    }
    let daily_costs = per_day
        .into_iter()
        .map(|(date, list_pico)| DailyCost { date, list_pico })
        .collect();

    // Next month: the forecast's days that fall in it, and its month total
    // (whose interval is the sum's, not the days' bounds added up).
    let pico = |usd: f64| (usd * 1e12).round() as i64;
    let cost_group = forecast.cost_usd.iter().find(|g| g.forecast.is_some());
    let forecast_summary = cost_group.and_then(|g| g.forecast.as_ref()).and_then(|f| {
        let total = f
            .months
            .iter()
            .find(|m| m.first_day == next_first && m.through_month_end)?;
        let days: Vec<ForecastDay> = f
            .points
            .iter()
            .filter_map(|p| {
                let day = p.day?;
                (day >= next_first && day < next_next).then(|| ForecastDay {
                    date: day.to_string(),
                    expected_pico: pico(p.mean),
                    low_pico: pico(p.lower),
                    high_pico: pico(p.upper),
                })
            })
            .collect();
        Some(ForecastSummary {
            month: total.month.clone(),
            expected_pico: pico(total.mean),
            low_pico: pico(total.lower),
            high_pico: pico(total.upper),
            level_pct: f.level * 100.0,
            backtest_mape_pct: f.backtest.mape_pct,
            days,
        })
    });
    // A running month projected to its end; an ended month's total is the
    // actual one, so it has none.
    let report_month = format!("{:04}-{:02}", first.year(), first.month());
    let month_end = cost_group
        .and_then(|g| g.month_end.as_ref())
        .filter(|p| now < midnight(next) && p.month == report_month)
        .map(|p| MonthEndProjection {
            month: p.month.clone(),
            days_elapsed: p.days_elapsed,
            days_in_month: p.days_in_month,
            actual_pico: pico(p.actual_to_date),
            forecast_rest_pico: pico(p.forecast_rest),
            projected_pico: pico(p.actual_to_date) + pico(p.forecast_rest),
            low_pico: pico(p.lower),
            high_pico: pico(p.upper),
            level_pct: p.level * 100.0,
        });

    let mut items: Vec<RightsizingItem> = advice
        .recommendations
        .iter()
        .filter(|r| r.status == Status::Recommend)
        .filter_map(|r| {
            let saving = r.monthly_savings?.0;
            (saving > 0).then(|| RightsizingItem {
                provider: r.provider.clone(),
                region: r.region.clone(),
                function: r.function.clone(),
                current_mb: r.current_memory_mb,
                advised_mb: r.recommended_memory_mb.unwrap_or(r.current_memory_mb),
                monthly_savings_pico: saving,
                risk: r.risk.map(enum_name).unwrap_or_default(),
            })
        })
        .collect();
    items.sort_by(|a, b| {
        b.monthly_savings_pico
            .cmp(&a.monthly_savings_pico)
            .then(a.function.cmp(&b.function))
    });

    let mut queries = Vec::new();
    queries.extend(
        bill.queries
            .into_iter()
            .map(|q| used("Totals, subtotals and bill lines", q)),
    );
    queries.push(used("Top functions", functions_q));
    queries.push(used("Daily cost", daily_q));
    queries.extend(
        forecast
            .queries
            .into_iter()
            .map(|q| used("Forecast (up to 365 days of history)", q)),
    );
    queries.extend(
        advice
            .queries
            .into_iter()
            .map(|q| used("Right-sizing (30 days of volume)", q)),
    );
    queries.extend(warnings.queries.into_iter().map(|q| used("Warnings", q)));
    queries.extend(
        insights
            .queries
            .into_iter()
            .map(|q| used("Architecture insights", q)),
    );
    // Invoice reconciliation: only when a Cost and Usage Report was imported.
    let recon = crate::reconcile::reconciliation(store, tenant, month).await?;
    let reconciliation = crate::reconcile::report_section(&recon);
    queries.extend(
        recon
            .queries
            .into_iter()
            .map(|q| used("Invoice reconciliation", q)),
    );
    Ok(CostReport {
        tenant: tenant.to_string(),
        month: report_month,
        period_start: first.to_string(),
        period_end: next.to_string(),
        generated_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        complete: now >= midnight(next),
        totals,
        lines,
        by_provider: subtotals(by_provider),
        by_account: subtotals(by_account),
        by_region: subtotals(by_region),
        top_functions,
        daily: daily_costs,
        forecast: forecast_summary,
        month_end,
        rightsizing: RightsizingSummary {
            strategy: advice.strategy.clone(),
            monthly_savings_pico: items.iter().map(|i| i.monthly_savings_pico).sum(),
            items,
        },
        warnings: warnings
            .warnings
            .iter()
            .map(|w| WarningItem {
                function: w.function.clone(),
                kind: enum_name(w.kind),
                message: w.message.clone(),
            })
            .collect(),
        // Already most money first (`insights::sort_findings`).
        insights: insights
            .findings
            .iter()
            .map(|f| InsightItem {
                kind: f.kind.name().to_string(),
                title: f.kind.title().to_string(),
                summary: f.summary.clone(),
                advice: f.advice.clone(),
                functions: f.functions.clone(),
                monthly_usd_pico: f.monthly_usd.0,
                example_trace_ids: f.example_trace_ids.clone(),
            })
            .collect(),
        queries,
        reconciliation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_checked_and_bounded() {
        let (a, b) = month_bounds("2026-11").unwrap();
        assert_eq!(
            (a.to_string(), b.to_string()),
            ("2026-11-01".into(), "2026-12-01".into())
        );
        let (_, b) = month_bounds("2026-12").unwrap();
        assert_eq!(b.to_string(), "2027-01-01");
        for bad in ["2026-13", "November", "2026-1x", ""] {
            let e = month_bounds(bad).unwrap_err().to_string();
            assert!(e.contains("is not a month"), "{bad}: {e}");
        }
    }
}
