//! The forecast report: daily invocations and cost per function, provider or
//! in total (`daily_series.sql`, from the hourly rollup), projected by
//! [`crate::forecast::forecast_daily`] with prediction intervals and the
//! backtest error next to each forecast, calendar-month totals and the
//! projection of the current month's end.
//!
//! The model learns from every day of the last [`HISTORY_DAYS`] before the
//! window's end, not from the window alone: a 30-day window holds four
//! weekly cycles, too few to tell a lasting change of level from noise or to
//! estimate the weekly pattern well (on a 120-day synthetic series with a
//! level shift, the forecast from all of it beats the one from its last 30
//! days in backtest error; see the forecast module's tests). The window
//! still bounds what is shown as the past: the fitted values start at its
//! first day.

use super::QueryTrace;
use crate::forecast::{forecast_daily, ForecastOptions, GroupForecast};
use crate::{Error, Result, TimeRange};
use chrono::{NaiveDate, TimeZone, Utc};
use faasight_store::{PicoUsd, Store};
use polars::prelude::{df, DataFrame};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// SQL of the daily series query.
pub const DAILY_SERIES_SQL: &str = include_str!("../queries/daily_series.sql");

/// Days of history a forecast learns from at most (a year: enough for the
/// weekly pattern and recent changes of level; older days describe a
/// fleet that has changed since).
pub const HISTORY_DAYS: i64 = 365;

/// Longest horizon, in days: 12 calendar months can span 366 days (a leap
/// year), and 12 months of monthly forecasts is as far as AWS Cost
/// Explorer's GetCostForecast goes (its `Granularity` parameter,
/// <https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostForecast.html>).
pub const MAX_HORIZON_DAYS: u32 = 366;

/// What forecasts can be broken down by.
pub const BREAKDOWNS: [&str; 3] = ["function", "provider", "total"];

/// A forecast's options: the breakdown (one of [`BREAKDOWNS`]) and the
/// model's options.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastRequest {
    /// `function`, `provider` or `total`.
    pub by: &'static str,
    /// Horizon, interval level, seasonality.
    pub options: ForecastOptions,
}

impl TryFrom<&super::ReportRequest> for ForecastRequest {
    type Error = Error;

    /// `by` defaults to `total`, the horizon to 30 days (1 to
    /// [`MAX_HORIZON_DAYS`]), the level to 80 %.
    fn try_from(r: &super::ReportRequest) -> Result<Self> {
        let by = r.by.as_deref().unwrap_or("total");
        let by = BREAKDOWNS.into_iter().find(|b| *b == by).ok_or_else(|| {
            Error::Invalid(format!(
                "unknown breakdown {by:?}; forecasts are by {}",
                BREAKDOWNS.join(", ")
            ))
        })?;
        let horizon = r.horizon_days.unwrap_or(30);
        if horizon == 0 || horizon > MAX_HORIZON_DAYS {
            return Err(Error::Invalid(format!(
                "horizon_days must be 1 to {MAX_HORIZON_DAYS} (12 months at most), not {horizon}"
            )));
        }
        Ok(ForecastRequest {
            by,
            options: ForecastOptions {
                horizon: horizon as usize,
                level: r.level_pct.unwrap_or(80.0) / 100.0,
                ..Default::default()
            },
        })
    }
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct DayRow {
    key: String,
    day: String,
    invocations: u64,
    cost_usd: String,
}

/// The forecast report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastReport {
    /// `function`, `provider` or `total`.
    pub by: String,
    /// Days forecast.
    pub horizon_days: usize,
    /// Prediction interval level (0.51–0.99).
    pub level: f64,
    /// First day of history fetched: [`HISTORY_DAYS`] before the window's
    /// end, whatever the window's length (a key's history starts at its
    /// first day with data on or after it).
    pub history_start: NaiveDate,
    /// Last full day of history (the window is cut at midnight UTC so a
    /// partial day does not read as a drop).
    pub history_end: NaiveDate,
    /// Daily invocations, per key.
    pub invocations: Vec<GroupForecast>,
    /// Daily cost in USD (list prices), per key.
    pub cost_usd: Vec<GroupForecast>,
    /// Queries behind the numbers.
    pub queries: Vec<QueryTrace>,
}

/// One row per key and day from the first day a key has data to the last
/// day of the window, zeros where it had none (a function that stopped is
/// a run of zeros, not a shorter series). Pure.
fn series_frame(rows: &[DayRow], last_day: NaiveDate) -> Result<DataFrame> {
    let mut by_key: BTreeMap<&str, BTreeMap<NaiveDate, (f64, f64)>> = BTreeMap::new();
    for r in rows {
        let day = NaiveDate::parse_from_str(&r.day, "%Y-%m-%d").map_err(|_| Error::BadValue {
            query: "daily_series.sql",
            what: "day",
            value: r.day.clone(),
        })?;
        let cost = PicoUsd::parse_decimal(&r.cost_usd).ok_or_else(|| Error::BadValue {
            query: "daily_series.sql",
            what: "cost_usd",
            value: r.cost_usd.clone(),
        })?;
        by_key
            .entry(&r.key)
            .or_default()
            .insert(day, (r.invocations as f64, cost.as_usd_f64()));
    }
    let (mut keys, mut days, mut invocations, mut costs) = (vec![], vec![], vec![], vec![]);
    for (key, values) in &by_key {
        let Some(first) = values.keys().next().copied() else {
            continue;
        };
        let mut day = first;
        while day <= last_day {
            let (n, c) = values.get(&day).copied().unwrap_or((0.0, 0.0));
            keys.push(*key);
            days.push(day);
            invocations.push(n);
            costs.push(c);
            day = day.succ_opt().unwrap_or(day);
            if day == NaiveDate::MAX {
                break;
            }
        }
    }
    df!("key" => keys, "day" => days, "invocations" => invocations, "cost_usd" => costs)
        .map_err(|e| Error::Model(format!("cannot build the daily series frame: {e}")))
}

/// Forecasts of daily invocations and cost for `tenant`, broken down `by` a
/// dimension, learnt from the [`HISTORY_DAYS`] before `range`'s end (cut at
/// the last midnight); the fitted values are kept from `range`'s first day
/// on, which is what the window shows. Each key's `month_end` projects the
/// month of `range`'s end (the month in progress for a window ending now)
/// when the horizon reaches that month's end.
pub async fn forecast_report(
    store: &Store,
    tenant: &str,
    range: TimeRange,
    request: ForecastRequest,
) -> Result<ForecastReport> {
    let ForecastRequest { by, options } = request;
    let to_day = range.to.date_naive();
    let to = Utc.from_utc_datetime(&to_day.and_hms_opt(0, 0, 0).unwrap_or_default());
    let last_day = to_day.pred_opt().unwrap_or(to_day);
    let from = to - chrono::Duration::days(HISTORY_DAYS);
    let (rows, trace) = super::fetch_window::<DayRow>(
        store,
        "daily_series.sql",
        DAILY_SERIES_SQL,
        &[by],
        tenant,
        TimeRange::new(from, to)?,
    )
    .await?;
    let invalid = Error::from;
    let frame = series_frame(&rows, last_day)?;
    let shown_from = range.from.date_naive();
    let mut invocations = forecast_daily(&frame, "invocations", &options).map_err(invalid)?;
    let mut cost_usd = forecast_daily(&frame, "cost_usd", &options).map_err(invalid)?;
    for g in invocations.iter_mut().chain(cost_usd.iter_mut()) {
        show_from(g, shown_from);
    }
    // Per-key refusals stay in the report; when nothing could be forecast
    // the whole request is refused with the reason.
    if invocations.iter().all(|g| g.forecast.is_none()) {
        return Err(Error::Invalid(match invocations.first() {
            None => format!("no invocations of tenant {tenant:?} before {last_day} in the window; nothing to forecast"),
            Some(g) => g.error.clone().unwrap_or_else(|| "no forecast could be made".into()),
        }));
    }
    Ok(ForecastReport {
        by: by.to_string(),
        horizon_days: options.horizon,
        level: options.level,
        history_start: from.date_naive(),
        history_end: last_day,
        invocations,
        cost_usd,
        queries: vec![trace],
    })
}

/// Drops the fitted values of days before `first` (and moves `first_day`
/// on), so a forecast learnt from a year shows the window asked for.
fn show_from(g: &mut GroupForecast, first: NaiveDate) {
    let (Some(start), Some(f)) = (g.first_day, g.forecast.as_mut()) else {
        return;
    };
    if start >= first {
        return;
    }
    let skip = usize::try_from((first - start).num_days()).unwrap_or(0);
    f.fitted.drain(..skip.min(f.fitted.len()));
    g.first_day = Some(first);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, day: &str, n: u64) -> DayRow {
        DayRow {
            key: key.into(),
            day: day.into(),
            invocations: n,
            cost_usd: "0.000001000000".into(),
        }
    }

    #[test]
    fn missing_days_are_zeros_up_to_the_last_day() {
        let last = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
        let frame = series_frame(
            &[
                row("a", "2026-03-01", 3),
                row("a", "2026-03-03", 4),
                row("b", "2026-03-04", 1),
            ],
            last,
        )
        .unwrap();
        // a: 1st..5th = 5 days; b: 4th..5th = 2 days.
        assert_eq!(frame.height(), 7);
        let n: Vec<Option<f64>> = frame
            .column("invocations")
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(
            n,
            vec![
                Some(3.0),
                Some(0.0),
                Some(4.0),
                Some(0.0),
                Some(0.0),
                Some(1.0),
                Some(0.0)
            ]
        );
    }

    fn request(horizon_days: u32) -> Result<ForecastRequest> {
        ForecastRequest::try_from(&crate::reports::ReportRequest {
            horizon_days: Some(horizon_days),
            ..Default::default()
        })
    }

    #[test]
    fn horizons_run_to_twelve_months_and_no_further() {
        // 366 days: twelve calendar months from the 1st of a month in the
        // year before a leap day (2027-03-01 … 2028-02-29).
        assert_eq!(request(366).unwrap().options.horizon, 366);
        assert_eq!(request(1).unwrap().options.horizon, 1);
        for bad in [0, 367, 400] {
            let err = request(bad).unwrap_err().to_string();
            assert!(
                err.contains("horizon_days must be 1 to 366 (12 months at most)")
                    && err.contains(&format!("not {bad}")),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn fitted_values_are_shown_from_the_window_start() {
        // A forecast learnt from 2026-01-01 on, shown from 2026-01-20: the
        // first 19 fitted values (Jan 1–19) go, Jan 20 comes first.
        let y: Vec<f64> = (0..40).map(|t| 5.0 + (t % 7) as f64).collect();
        let forecast = crate::forecast::forecast_series(&y, &ForecastOptions::default()).unwrap();
        let mut g = GroupForecast {
            key: "total".into(),
            first_day: NaiveDate::from_ymd_opt(2026, 1, 1),
            history_days: 40,
            forecast: Some(forecast.clone()),
            error: None,
            month_end: None,
            month_end_error: None,
        };
        show_from(&mut g, NaiveDate::from_ymd_opt(2026, 1, 20).unwrap());
        assert_eq!(g.first_day, NaiveDate::from_ymd_opt(2026, 1, 20));
        assert_eq!(g.history_days, 40);
        assert_eq!(g.forecast.unwrap().fitted, forecast.fitted[19..].to_vec());
    }

    #[test]
    fn a_bad_day_names_the_query() {
        let err = series_frame(&[row("a", "March", 1)], NaiveDate::MIN).unwrap_err();
        assert!(err.to_string().contains("daily_series.sql"), "{err}");
    }
}
