//! Materialized results: the derived tables that let the cold-start report
//! answer from thousands of rows instead of every invocation of its window.
//!
//! A *pass* finds the UTC days whose invocations changed since their derived
//! rows were built — the ingest watermark of a day is its invocation count
//! and latest `ingested_at`, compared with the figures recorded in
//! `materialized_days` when it was built — and builds each of them again:
//!
//! - `cold_starts`: every classified start with its cause
//!   ([`crate::cold_start::cold_start_causes`] over the day plus a look-back
//!   of the longest keep-alive before it);
//! - `cold_start_days`: per function and day, the keep-alive the causes were
//!   told with and the idle periods behind it;
//! - `invocation_hours`: invocations and list cost per hour and dimension;
//! - `function_hours` and `function_days`: per function, memory size and
//!   architecture, the counts, sums and histograms right-sizing and the
//!   warnings read;
//! - `usage_days`: per day and billed configuration, what the monthly bill
//!   reads;
//! - `function_minutes`: invocations per function and minute, what the
//!   keep-alive what-if replays.
//!
//! A day is built into staging copies of the tables and swapped in with
//! `ALTER TABLE … REPLACE PARTITION` (the tables are partitioned by day), so
//! readers see the old day or the new one, never half of either; building a
//! day again after late data never doubles a row. A changed day also
//! rebuilds the next one, whose look-back it is. Time does not invalidate
//! anything: a day nobody writes to is built once.
//!
//! Passes are serialised across processes by [`lock`] (`up`'s background
//! job and a `faasight materialize` may run at once). A pass that read a
//! day before more data arrived records the figures it read, so the next
//! pass builds the day again: the tables are always consistent with the
//! figures recorded for them, and catch up within one pass.

mod cold_starts;
mod lock;

use crate::{Error, Result};
use chrono::{NaiveDate, TimeZone, Utc};
use faasight_store::Store;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// SQL of the days' current figures.
pub const WATERMARKS_SQL: &str = include_str!("../queries/materialize_watermarks.sql");
/// SQL of the figures each day was built from.
pub const BUILT_SQL: &str = include_str!("../queries/materialize_built.sql");
/// SQL that fills a day of `invocation_hours`' staging copy.
pub const INVOCATION_HOURS_SQL: &str = include_str!("../queries/materialize_invocation_hours.sql");
/// SQL that fills a day of `function_hours`' staging copy.
pub const FUNCTION_HOURS_SQL: &str = include_str!("../queries/materialize_function_hours.sql");
/// SQL that fills a day of `function_days`' staging copy from the hours.
pub const FUNCTION_DAYS_SQL: &str = include_str!("../queries/materialize_function_days.sql");
/// SQL that fills a day of `usage_days`' staging copy.
pub const USAGE_DAYS_SQL: &str = include_str!("../queries/materialize_usage_days.sql");
/// SQL that fills a day of `function_minutes`' staging copy.
pub const FUNCTION_MINUTES_SQL: &str = include_str!("../queries/materialize_function_minutes.sql");

/// The derived tables and their staging copies.
const TABLES: [(&str, &str); 7] = [
    ("cold_starts", "materialize_stage_cold_starts"),
    ("cold_start_days", "materialize_stage_cold_start_days"),
    ("invocation_hours", "materialize_stage_invocation_hours"),
    ("function_hours", "materialize_stage_function_hours"),
    ("function_days", "materialize_stage_function_days"),
    ("usage_days", "materialize_stage_usage_days"),
    ("function_minutes", "materialize_stage_function_minutes"),
];

/// A day's ingest watermark (all zero: a day without data).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Figures {
    invocations: u64,
    max_ingested_at: u32,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct DayFigures {
    day: String,
    invocations: u64,
    max_ingested_at: u32,
}

/// What a pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaterializePass {
    /// Days built, oldest first.
    pub days_built: Vec<NaiveDate>,
    /// Classified starts written.
    pub cold_starts: u64,
    /// Invocations read (days and their look-backs).
    pub invocations_read: u64,
}

impl MaterializePass {
    /// Adds what a pass on another node (cluster mode) did: days built on
    /// any node, once each, in order; counts summed.
    pub fn absorb(&mut self, other: MaterializePass) {
        self.days_built.extend(other.days_built);
        self.days_built.sort();
        self.days_built.dedup();
        self.cold_starts += other.cold_starts;
        self.invocations_read += other.invocations_read;
    }
}

/// The days to build: those whose figures differ from what they were built
/// from (new days included), those built with data that has gone
/// (retention, a dropped partition), and the day after each of them (whose
/// look-back changed) when it has data. Pure.
fn stale_days(
    current: &BTreeMap<NaiveDate, Figures>,
    built: &BTreeMap<NaiveDate, Figures>,
) -> Vec<NaiveDate> {
    let gone = Figures::default();
    let mut changed: BTreeSet<NaiveDate> = current
        .iter()
        .filter(|(day, figures)| built.get(day) != Some(figures))
        .map(|(day, _)| *day)
        .collect();
    changed.extend(
        built
            .iter()
            .filter(|(day, figures)| !current.contains_key(day) && **figures != gone)
            .map(|(day, _)| *day),
    );
    let next: Vec<NaiveDate> = changed
        .iter()
        .filter_map(|d| d.succ_opt())
        .filter(|d| current.contains_key(d))
        .collect();
    changed.extend(next);
    changed.into_iter().collect()
}

async fn figures(
    store: &Store,
    sql: &'static str,
    name: &'static str,
) -> Result<BTreeMap<NaiveDate, Figures>> {
    let rows: Vec<DayFigures> = store
        .client()
        .query(sql)
        .fetch_all()
        .await
        .map_err(|source| Error::Query {
            query: name,
            source,
        })?;
    rows.into_iter()
        .map(|r| {
            let day =
                NaiveDate::parse_from_str(&r.day, "%Y-%m-%d").map_err(|_| Error::BadValue {
                    query: name,
                    what: "day",
                    value: r.day.clone(),
                })?;
            Ok((
                day,
                Figures {
                    invocations: r.invocations,
                    max_ingested_at: r.max_ingested_at,
                },
            ))
        })
        .collect()
}

/// Runs one pass: builds every day whose invocations changed since it was
/// last built, and returns what it did. Waits while another process runs
/// a pass.
pub async fn refresh(store: &Store) -> Result<MaterializePass> {
    refresh_until(store, &|| false).await
}

/// [`refresh`], ending early — between two days, with the lock released —
/// once `stopped` turns true: how a service shuts down without leaving the
/// lock behind or waiting for a long pass. The days not built stay stale
/// for the next pass.
pub async fn refresh_until(
    store: &Store,
    stopped: &(dyn Fn() -> bool + Sync),
) -> Result<MaterializePass> {
    let Some(held) = lock::Lock::acquire(store, stopped).await? else {
        return Ok(MaterializePass::default());
    };
    let result = refresh_locked(store, &held, stopped).await;
    held.release(store).await;
    result
}

async fn refresh_locked(
    store: &Store,
    held: &lock::Lock,
    stopped: &(dyn Fn() -> bool + Sync),
) -> Result<MaterializePass> {
    let current = figures(store, WATERMARKS_SQL, "materialize_watermarks.sql").await?;
    let built = figures(store, BUILT_SQL, "materialize_built.sql").await?;
    let days = stale_days(&current, &built);
    let mut pass = MaterializePass::default();
    if days.is_empty() {
        return Ok(pass);
    }
    for (table, stage) in TABLES {
        execute(store, &format!("DROP TABLE IF EXISTS {stage}")).await?;
        execute(store, &format!("CREATE TABLE {stage} AS {table}")).await?;
    }
    for day in days {
        if stopped() {
            break;
        }
        let figures = current.get(&day).copied().unwrap_or_default();
        let built = build_day(store, day, figures.invocations > 0).await?;
        pass.cold_starts += built.cold_starts;
        pass.invocations_read += built.invocations_read;
        pass.days_built.push(day);
        record(store, day, figures).await?;
        held.heartbeat(store).await;
    }
    Ok(pass)
}

/// What building one day wrote.
struct BuiltDay {
    cold_starts: u64,
    invocations_read: u64,
}

/// Builds `day` in the staging copies and swaps it in. A day without data
/// (`has_data` false) swaps in nothing, which empties it.
async fn build_day(store: &Store, day: NaiveDate, has_data: bool) -> Result<BuiltDay> {
    let partition = day.format("'%Y-%m-%d'").to_string();
    for (_, stage) in TABLES {
        execute(
            store,
            &format!("ALTER TABLE {stage} DROP PARTITION {partition}"),
        )
        .await?;
    }
    let mut built = BuiltDay {
        cold_starts: 0,
        invocations_read: 0,
    };
    if has_data {
        let start = Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight exists"));
        let end = start + chrono::Duration::days(1);
        let rows = cold_starts::classify_day(store, start, end).await?;
        built.cold_starts = rows.cold_starts.len() as u64;
        built.invocations_read = rows.invocations_read;
        store
            .insert_rows("materialize_stage_cold_starts", &rows.cold_starts)
            .await?;
        store
            .insert_rows("materialize_stage_cold_start_days", &rows.days)
            .await?;
        let day_of = |sql: &'static str, query: &'static str, binds: &[i64]| {
            let mut q = store.client().query(sql);
            for b in binds {
                q = q.bind(*b);
            }
            async move {
                q.execute()
                    .await
                    .map_err(|source| Error::Query { query, source })
            }
        };
        let (from, to) = (start.timestamp(), end.timestamp());
        day_of(
            INVOCATION_HOURS_SQL,
            "materialize_invocation_hours.sql",
            &[from, to],
        )
        .await?;
        day_of(
            FUNCTION_HOURS_SQL,
            "materialize_function_hours.sql",
            &[from, to],
        )
        .await?;
        day_of(FUNCTION_DAYS_SQL, "materialize_function_days.sql", &[from]).await?;
        let init_billed_from = faasight_pricing::aws_lambda::init_billing_from().timestamp();
        day_of(
            USAGE_DAYS_SQL,
            "materialize_usage_days.sql",
            &[init_billed_from, from, to],
        )
        .await?;
        day_of(
            FUNCTION_MINUTES_SQL,
            "materialize_function_minutes.sql",
            &[from, to],
        )
        .await?;
    }
    for (table, stage) in TABLES {
        execute(
            store,
            &format!("ALTER TABLE {table} REPLACE PARTITION {partition} FROM {stage}"),
        )
        .await?;
        execute(
            store,
            &format!("ALTER TABLE {stage} DROP PARTITION {partition}"),
        )
        .await?;
    }
    Ok(built)
}

/// Records the figures `day` was built from.
async fn record(store: &Store, day: NaiveDate, figures: Figures) -> Result<()> {
    #[derive(clickhouse::Row, serde::Serialize)]
    struct Built {
        day: u16,
        invocations: u64,
        max_ingested_at: u32,
        built_at: u32,
        build_us: u64,
    }
    let row = Built {
        day: date_column(day),
        invocations: figures.invocations,
        max_ingested_at: figures.max_ingested_at,
        built_at: u32::try_from(Utc::now().timestamp()).unwrap_or(u32::MAX),
        build_us: u64::try_from(Utc::now().timestamp_micros()).unwrap_or(0),
    };
    store.insert_rows("materialized_days", &[row]).await?;
    Ok(())
}

/// `day` as a `Date` column holds it: days since 1970-01-01.
fn date_column(day: NaiveDate) -> u16 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("the epoch exists");
    u16::try_from((day - epoch).num_days()).unwrap_or(u16::MAX)
}

async fn execute(store: &Store, sql: &str) -> Result<()> {
    store.execute(sql).await.map_err(Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, d).unwrap()
    }

    fn figures(n: u64, at: u32) -> Figures {
        Figures {
            invocations: n,
            max_ingested_at: at,
        }
    }

    #[test]
    fn dates_are_counted_from_the_epoch() {
        assert_eq!(date_column(day(1)), 20_454);
    }

    #[test]
    fn stale_days_are_the_changed_ones_the_emptied_ones_and_the_day_after_each() {
        let current = BTreeMap::from([
            (day(1), figures(10, 100)),
            (day(2), figures(10, 100)),
            (day(3), figures(10, 100)),
            (day(4), figures(5, 300)),
            (day(5), figures(10, 100)),
            (day(7), figures(1, 100)),
        ]);
        let built = BTreeMap::from([
            (day(1), figures(10, 100)),
            // Late data on day 2: same count, later ingest (a replaced row).
            (day(2), figures(10, 90)),
            (day(3), figures(10, 100)),
            (day(4), figures(5, 300)),
            (day(5), figures(10, 100)),
            // Day 6 lost its data; day 8 was built empty and stays so.
            (day(6), figures(4, 100)),
            (day(8), figures(0, 0)),
        ]);
        // 2 changed (and 3 after it); 6 emptied (7 after it has data);
        // 7 never built.
        assert_eq!(
            stale_days(&current, &built),
            vec![day(2), day(3), day(6), day(7)]
        );
        assert_eq!(stale_days(&current, &current), Vec::<NaiveDate>::new());
    }
}
