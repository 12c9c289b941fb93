//! The cold-start report, read from the materialized tables that
//! [`crate::materialize`] keeps up to date: rates by a dimension, INIT's
//! share of cost before and after AWS began billing INIT, and invocations
//! per function (`cold_start_rates.sql`, one pass over `invocation_hours`;
//! INIT quantiles within 0.25 % from its histograms), causes per function
//! (`cold_start_causes.sql`), the keep-alive behind them
//! (`cold_start_keep_alive.sql`) and the latest cold starts
//! (`cold_start_latest.sql`). The queries run at once and read thousands of
//! rows, not every invocation of the window.

use super::QueryTrace;
use crate::bill_charges::ConfigSnapshot;
use crate::cold_start::{
    rates, Cause, ColdStartCause, ColdStartOptions, Dimension, FunctionColdStarts, RateTable,
};
use crate::{Error, Result, TimeRange};
use faasight_store::{PicoUsd, Store};
use polars::prelude::{df, DataFrame};
use serde::{Deserialize, Serialize};

/// SQL of the rates query.
pub const COLD_START_RATES_SQL: &str = include_str!("../queries/cold_start_rates.sql");
/// SQL of the causes per function.
pub const COLD_START_CAUSES_SQL: &str = include_str!("../queries/cold_start_causes.sql");
/// SQL of the latest cold starts.
pub const COLD_START_LATEST_SQL: &str = include_str!("../queries/cold_start_latest.sql");
/// SQL of the keep-alive per function.
pub const COLD_START_KEEP_ALIVE_SQL: &str = include_str!("../queries/cold_start_keep_alive.sql");
/// SQL of when the window's days were materialized.
pub const MATERIALIZED_AT_SQL: &str = include_str!("../queries/materialized_at.sql");

/// Cold starts listed one by one in the report (the latest ones); the
/// per-function counts cover all of them.
pub const LISTED_COLD_STARTS: usize = 100;

/// Dimensions the rates can be broken down by, as the query names them.
pub const DIMENSIONS: [&str; 7] = [
    "function", "version", "region", "runtime", "memory", "trigger", "day",
];

#[derive(Debug, clickhouse::Row, Deserialize)]
struct RateQueryRow {
    grouping: String,
    key: String,
    invocations: u64,
    cold_starts: u64,
    init_cost_pico: i64,
    total_cost_usd: String,
    /// Histogram of INIT + restore durations (see `function_usage`).
    init_buckets: Vec<u16>,
    init_counts: Vec<u64>,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct CauseRow {
    function_key: String,
    cause: String,
    starts: u64,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct LatestRow {
    function_key: String,
    request_id: String,
    start_time_ms: i64,
    start_type: String,
    cause: String,
    gap_ms: i64,
    concurrent_busy: u32,
    init_duration_ms: f64,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct KeepAliveRow {
    function_key: String,
    keep_alive_ms: i64,
    keep_alive_basis: String,
    deploys: u64,
    idle_periods_warm: u64,
    idle_periods_cold: u64,
    idle_periods_unexplained: u64,
    max_instance_idle_ms: i64,
}

/// A cause with its rule, for people reading the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CauseRule {
    /// The cause's name.
    pub cause: Cause,
    /// The rule that assigns it.
    pub rule: &'static str,
}

/// The cold-start report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColdStartsReport {
    /// Rates by the requested dimension.
    pub rates: RateTable,
    /// The same before and from 2025-08-01 (INIT billing for on-demand ZIP functions).
    pub init_billing_eras: RateTable,
    /// Per function: cold starts by cause and the keep-alive estimate.
    pub functions: Vec<FunctionColdStarts>,
    /// The latest cold starts with their causes (at most [`LISTED_COLD_STARTS`]).
    pub latest_cold_starts: Vec<ColdStartCause>,
    /// How causes are decided, in order of precedence.
    pub cause_rules: Vec<CauseRule>,
    /// What the configuration inventory adds to the causes, per function
    /// it lists (empty without an imported inventory).
    pub configuration: Vec<ConfigurationContext>,
    /// When the causes were classified: the oldest latest build of the
    /// window's days (`None` before the first materialize pass).
    /// Invocations that arrived since show after the next pass.
    pub materialized_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Queries behind the numbers.
    pub queries: Vec<QueryTrace>,
}

/// A function's configuration as last imported, and what it says about
/// the function's cold starts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigurationContext {
    /// Function key, as in [`ColdStartsReport::functions`].
    pub function: String,
    /// `Zip` or `Image`.
    pub package_type: String,
    /// SnapStart on for published versions.
    pub snapstart: bool,
    /// Provisioned Concurrency configured, summed over aliases and
    /// versions (each alias's latest import).
    pub provisioned_concurrency: u32,
    /// The aliases or versions that have it.
    pub provisioned_on: Vec<String>,
    /// What the configuration and the causes say together.
    pub findings: Vec<String>,
}

/// Joins the inventory's latest snapshots with the functions' cold starts.
/// Pure.
fn configuration_context(
    functions: &[FunctionColdStarts],
    inventory: &[ConfigSnapshot],
) -> Vec<ConfigurationContext> {
    use faasight_store::rows::inventory::KIND_PROVISIONED;
    use std::collections::BTreeMap;
    let key =
        |s: &ConfigSnapshot| format!("{}/{}/{}/{}", s.provider, s.account, s.region, s.function);
    // Latest snapshot per (function, qualifier, kind).
    let mut latest: BTreeMap<(String, String, bool), &ConfigSnapshot> = BTreeMap::new();
    for s in inventory {
        let k = (key(s), s.qualifier.clone(), s.kind == KIND_PROVISIONED);
        match latest.get(&k) {
            Some(old) if old.seen_at >= s.seen_at => {}
            _ => {
                latest.insert(k, s);
            }
        }
    }
    functions
        .iter()
        .filter_map(|f| {
            let mine: Vec<(&(String, String, bool), &&ConfigSnapshot)> =
                latest.iter().filter(|((k, _, _), _)| *k == f.function).collect();
            let config = mine
                .iter()
                .filter(|((_, _, pc), _)| !pc)
                .max_by_key(|((_, q, _), s)| (q == "$LATEST", s.seen_at))
                .map(|(_, s)| **s)?;
            let provisioned: Vec<(&str, u32)> = mine
                .iter()
                .filter(|((_, _, pc), _)| *pc)
                .map(|((_, q, _), s)| {
                    (q.as_str(), s.provisioned_allocated.max(s.provisioned_requested))
                })
                .filter(|(_, n)| *n > 0)
                .collect();
            let total: u32 = provisioned.iter().map(|(_, n)| n).sum();
            let on: Vec<String> = provisioned.iter().map(|(q, _)| q.to_string()).collect();
            let c = &f.by_cause;
            let on_demand = c.scale_out + c.idle + c.unknown + c.deploy + c.first_seen;
            let mut findings = Vec::new();
            if total > 0 && on_demand > 0 {
                findings.push(format!(
                    "{on_demand} on-demand cold starts although {total} environments are provisioned on {}: traffic beyond them ({} while all were busy), or calls to another alias or version (an unqualified or $LATEST call never uses Provisioned Concurrency).",
                    on.join(", "),
                    c.scale_out
                ));
            }
            if total > 0 && c.provisioned == 0 {
                findings.push(format!(
                    "Provisioned Concurrency is configured on {}, but no provisioned environment initialised in the window: check that callers invoke that alias.",
                    on.join(", ")
                ));
            }
            let snapstart = config.snapstart_apply_on == "PublishedVersions";
            if snapstart && c.snapstart == 0 && on_demand > 0 {
                findings.push(
                    "SnapStart is on for published versions, yet every cold start was a full INIT: invocations of $LATEST (or an unpublished version) are never restored from a snapshot.".into(),
                );
            }
            if config.package_type == "Image" && f.cold_starts > 0 {
                findings.push(
                    "Packaged as a container image: its INIT was billed even before 2025-08-01, and the image's size and layers add to it.".into(),
                );
            }
            Some(ConfigurationContext {
                function: f.function.clone(),
                package_type: config.package_type.clone(),
                snapstart,
                provisioned_concurrency: total,
                provisioned_on: on,
                findings,
            })
        })
        .collect()
}

/// What the rates are broken down by: a dimension and its name as the
/// query spells it (one of [`DIMENSIONS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RatesBy {
    name: &'static str,
    dimension: Dimension,
}

impl RatesBy {
    /// Rates per function (the default).
    pub const FUNCTION: RatesBy = RatesBy {
        name: "function",
        dimension: Dimension::Function,
    };

    /// Parses one of [`DIMENSIONS`].
    pub fn parse(name: &str) -> Result<RatesBy> {
        let dimension = dimension_of(name)?;
        let name = DIMENSIONS
            .into_iter()
            .find(|d| *d == name)
            .unwrap_or(Self::FUNCTION.name);
        Ok(RatesBy { name, dimension })
    }
}

impl TryFrom<&super::ReportRequest> for RatesBy {
    type Error = Error;

    fn try_from(r: &super::ReportRequest) -> Result<Self> {
        r.by.as_deref()
            .map_or(Ok(RatesBy::FUNCTION), RatesBy::parse)
    }
}

fn dimension_of(name: &str) -> Result<Dimension> {
    Ok(match name {
        "function" => Dimension::Function,
        "version" => Dimension::Version,
        "region" => Dimension::Region,
        "runtime" => Dimension::Runtime,
        "memory" => Dimension::Memory,
        "trigger" => Dimension::Trigger,
        "day" => Dimension::TimeBucket,
        _ => {
            return Err(Error::Invalid(format!(
                "unknown dimension {name:?}; cold starts break down by {}",
                DIMENSIONS.join(", ")
            )))
        }
    })
}

fn rates_frame(rows: &[RateQueryRow]) -> Result<DataFrame> {
    let costs = rows
        .iter()
        .map(|r| {
            PicoUsd::parse_decimal(&r.total_cost_usd)
                .map(|p| p.0)
                .ok_or_else(|| Error::BadValue {
                    query: "cold_start_rates.sql",
                    what: "total_cost_usd",
                    value: r.total_cost_usd.clone(),
                })
        })
        .collect::<Result<Vec<i64>>>()?;
    use super::function_usage::duration_quantile;
    let init =
        |r: &RateQueryRow, level: f64| duration_quantile(&r.init_buckets, &r.init_counts, level);
    df!(
        "key" => rows.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
        "invocations" => rows.iter().map(|r| r.invocations).collect::<Vec<u64>>(),
        "cold_starts" => rows.iter().map(|r| r.cold_starts).collect::<Vec<u64>>(),
        "init_ms_p50" => rows.iter().map(|r| init(r, 0.5)).collect::<Vec<_>>(),
        "init_ms_p90" => rows.iter().map(|r| init(r, 0.9)).collect::<Vec<_>>(),
        "init_ms_p99" => rows.iter().map(|r| init(r, 0.99)).collect::<Vec<_>>(),
        "init_cost_pico" => rows.iter().map(|r| r.init_cost_pico).collect::<Vec<i64>>(),
        "cost_pico" => costs,
    )
    .map_err(|e| Error::Model(format!("cannot build the cold-start rates frame: {e}")))
}

/// Runs `cold_start_rates.sql` broken down by `dimension`.
async fn fetch_rates(
    store: &Store,
    tenant: &str,
    range: TimeRange,
    dimension: &'static str,
) -> Result<(Vec<RateQueryRow>, QueryTrace)> {
    super::fetch_window(
        store,
        "cold_start_rates.sql",
        COLD_START_RATES_SQL,
        &[dimension],
        tenant,
        range,
    )
    .await
}

/// Only the rates by `rates_by`, without the causes, for views that break
/// rates down several ways.
pub async fn cold_start_rates(
    store: &Store,
    tenant: &str,
    range: TimeRange,
    rates_by: RatesBy,
) -> Result<(RateTable, QueryTrace)> {
    let (rows, trace) = fetch_rates(store, tenant, range, rates_by.name).await?;
    let by_dimension: Vec<RateQueryRow> = rows
        .into_iter()
        .filter(|r| r.grouping == "dimension")
        .collect();
    let table = rates(&rates_frame(&by_dimension)?, rates_by.dimension).map_err(Error::from)?;
    Ok((table, trace))
}

/// When the window's days were last materialized.
async fn materialized_at(
    store: &Store,
    range: TimeRange,
) -> Result<(Option<chrono::DateTime<chrono::Utc>>, QueryTrace)> {
    let built: u32 = store
        .client()
        .query(MATERIALIZED_AT_SQL)
        .bind(range.from.timestamp())
        .bind(range.to.timestamp())
        .fetch_one()
        .await
        .map_err(|source| Error::Query {
            query: "materialized_at.sql",
            source,
        })?;
    let at = (built > 0)
        .then(|| chrono::DateTime::from_timestamp(i64::from(built), 0))
        .flatten();
    let trace = QueryTrace::new(
        "materialized_at.sql",
        MATERIALIZED_AT_SQL,
        vec![
            range.from.timestamp().to_string(),
            range.to.timestamp().to_string(),
        ],
    );
    Ok((at, trace))
}

/// The latest classified starts of the window.
async fn latest_cold_starts(
    store: &Store,
    tenant: &str,
    range: TimeRange,
) -> Result<(Vec<ColdStartCause>, QueryTrace)> {
    let rows: Vec<LatestRow> = store
        .client()
        .query(COLD_START_LATEST_SQL)
        .bind(tenant)
        .bind(range.from.timestamp())
        .bind(range.to.timestamp())
        .bind(LISTED_COLD_STARTS as u64)
        .fetch_all()
        .await
        .map_err(|source| Error::Query {
            query: "cold_start_latest.sql",
            source,
        })?;
    let latest = rows
        .into_iter()
        .map(|r| {
            let cause = Cause::parse(&r.cause).ok_or_else(|| Error::BadValue {
                query: "cold_start_latest.sql",
                what: "cause",
                value: r.cause.clone(),
            })?;
            Ok(ColdStartCause {
                function: r.function_key,
                request_id: r.request_id,
                start_time_ms: r.start_time_ms,
                start_type: r.start_type,
                cause,
                gap_ms: (r.gap_ms >= 0).then_some(r.gap_ms),
                concurrent_busy: r.concurrent_busy,
                init_duration_ms: r.init_duration_ms,
                row: 0,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let trace = QueryTrace::new(
        "cold_start_latest.sql",
        COLD_START_LATEST_SQL,
        vec![
            tenant.to_string(),
            range.from.timestamp().to_string(),
            range.to.timestamp().to_string(),
            LISTED_COLD_STARTS.to_string(),
        ],
    );
    Ok((latest, trace))
}

/// Each function's cold starts: its invocations (from the rates' `function`
/// grouping), its classified starts by cause and the keep-alive they were
/// told with; a function without a materialized day gets its provider's
/// default keep-alive. Pure.
fn function_cold_starts(
    invocations: &[RateQueryRow],
    causes: &[CauseRow],
    keep_alive: &[KeepAliveRow],
) -> Result<Vec<FunctionColdStarts>> {
    use crate::cold_start::{CauseCounts, KeepAliveBasis, KeepAliveEstimate};
    use std::collections::BTreeMap;
    let mut functions: BTreeMap<&str, (u64, CauseCounts)> = BTreeMap::new();
    for r in invocations {
        functions.entry(&r.key).or_default().0 += r.invocations;
    }
    for r in causes {
        let cause = Cause::parse(&r.cause).ok_or_else(|| Error::BadValue {
            query: "cold_start_causes.sql",
            what: "cause",
            value: r.cause.clone(),
        })?;
        functions
            .entry(&r.function_key)
            .or_default()
            .1
            .add_count(cause, r.starts);
    }
    let keep_alive: BTreeMap<&str, &KeepAliveRow> = keep_alive
        .iter()
        .map(|k| (k.function_key.as_str(), k))
        .collect();
    functions
        .into_iter()
        .map(|(function, (invocations, by_cause))| {
            let (keep_alive, deploys) = match keep_alive.get(function) {
                Some(k) => (
                    KeepAliveEstimate {
                        keep_alive_ms: k.keep_alive_ms,
                        basis: KeepAliveBasis::parse(&k.keep_alive_basis).ok_or_else(|| {
                            Error::BadValue {
                                query: "cold_start_keep_alive.sql",
                                what: "keep_alive_basis",
                                value: k.keep_alive_basis.clone(),
                            }
                        })?,
                        idle_periods_warm: k.idle_periods_warm,
                        idle_periods_cold: k.idle_periods_cold,
                        idle_periods_unexplained: k.idle_periods_unexplained,
                        max_instance_idle_ms: (k.max_instance_idle_ms >= 0)
                            .then_some(k.max_instance_idle_ms),
                    },
                    k.deploys,
                ),
                None => {
                    let provider = function.split('/').next();
                    let keep_alive_ms =
                        ColdStartOptions::default().fallback_keep_alive_ms(provider);
                    (
                        KeepAliveEstimate {
                            keep_alive_ms,
                            basis: KeepAliveBasis::DefaultNoEvidence,
                            idle_periods_warm: 0,
                            idle_periods_cold: 0,
                            idle_periods_unexplained: 0,
                            max_instance_idle_ms: None,
                        },
                        0,
                    )
                }
            };
            Ok(FunctionColdStarts {
                function: function.to_string(),
                invocations,
                cold_starts: Cause::ALL.iter().map(|&c| by_cause.get(c)).sum(),
                by_cause,
                deploys,
                keep_alive,
            })
        })
        .collect()
}

/// Cold-start rates by `dimension`, INIT cost shares by billing era, and
/// the causes of the cold starts of `tenant` in `range`, as materialized.
pub async fn cold_starts_report(
    store: &Store,
    tenant: &str,
    range: TimeRange,
    rates_by: RatesBy,
) -> Result<ColdStartsReport> {
    let RatesBy {
        name,
        dimension: by,
    } = rates_by;
    let invalid = Error::from;
    let causes = super::fetch_window::<CauseRow>(
        store,
        "cold_start_causes.sql",
        COLD_START_CAUSES_SQL,
        &[],
        tenant,
        range,
    );
    let keep_alive = super::fetch_window::<KeepAliveRow>(
        store,
        "cold_start_keep_alive.sql",
        COLD_START_KEEP_ALIVE_SQL,
        &[],
        tenant,
        range,
    );
    let (
        (rate_rows, rates_trace),
        (cause_rows, causes_trace),
        (keep_alive_rows, keep_alive_trace),
        (latest, latest_trace),
        (materialized_at, materialized_trace),
        (inventory, inventory_trace),
    ) = tokio::try_join!(
        fetch_rates(store, tenant, range, name),
        causes,
        keep_alive,
        latest_cold_starts(store, tenant, range),
        materialized_at(store, range),
        super::bill::fetch_inventory(store, tenant, range.to),
    )?;
    let mut by_dimension = Vec::new();
    let mut by_era = Vec::new();
    let mut by_function = Vec::new();
    for r in rate_rows {
        match r.grouping.as_str() {
            "dimension" => by_dimension.push(r),
            "init_billing_era" => by_era.push(r),
            _ => by_function.push(r),
        }
    }
    let functions = function_cold_starts(&by_function, &cause_rows, &keep_alive_rows)?;
    let configuration = configuration_context(&functions, &inventory);
    Ok(ColdStartsReport {
        rates: rates(&rates_frame(&by_dimension)?, by).map_err(invalid)?,
        init_billing_eras: rates(&rates_frame(&by_era)?, Dimension::TimeBucket).map_err(invalid)?,
        functions,
        latest_cold_starts: latest,
        cause_rules: Cause::ALL
            .into_iter()
            .map(|cause| CauseRule {
                cause,
                rule: cause.explanation(),
            })
            .collect(),
        configuration,
        materialized_at,
        queries: vec![
            rates_trace,
            causes_trace,
            keep_alive_trace,
            latest_trace,
            materialized_trace,
            inventory_trace,
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cold(function: &str, by_cause: crate::cold_start::CauseCounts) -> FunctionColdStarts {
        use crate::cold_start::{CauseCounts, KeepAliveBasis, KeepAliveEstimate};
        let CauseCounts {
            deploy,
            provisioned,
            snapstart,
            scale_out,
            idle,
            first_seen,
            unknown,
        } = by_cause;
        FunctionColdStarts {
            function: function.into(),
            invocations: 1_000,
            cold_starts: deploy + provisioned + snapstart + scale_out + idle + first_seen + unknown,
            by_cause,
            deploys: 0,
            keep_alive: KeepAliveEstimate {
                keep_alive_ms: 600_000,
                basis: KeepAliveBasis::Observed,
                idle_periods_warm: 0,
                idle_periods_cold: 0,
                idle_periods_unexplained: 0,
                max_instance_idle_ms: None,
            },
        }
    }

    #[test]
    fn the_inventory_explains_on_demand_cold_starts_beside_provisioned_concurrency() {
        let snap = |qualifier: &str, kind: &str, n: u32, seen_at: i64| ConfigSnapshot {
            provider: "aws_lambda".into(),
            account: "1".into(),
            region: "us-east-1".into(),
            function: "api".into(),
            qualifier: qualifier.into(),
            kind: kind.into(),
            package_type: "Zip".into(),
            snapstart_apply_on: "PublishedVersions".into(),
            provisioned_allocated: n,
            seen_at: chrono::DateTime::from_timestamp(seen_at, 0).unwrap(),
            ..Default::default()
        };
        // `live` had 10, then 4 (latest import wins); `beta` 2: 6 in all.
        let inventory = [
            snap("$LATEST", "function", 0, 1),
            snap("live", "provisioned_concurrency", 10, 1),
            snap("live", "provisioned_concurrency", 4, 2),
            snap("beta", "provisioned_concurrency", 2, 1),
        ];
        let by_cause = crate::cold_start::CauseCounts {
            scale_out: 3,
            idle: 2,
            ..Default::default()
        };
        let ctx = configuration_context(
            &[
                cold("aws_lambda/1/us-east-1/api", by_cause),
                cold("aws_lambda/1/us-east-1/other", by_cause),
            ],
            &inventory,
        );
        // Only the function the inventory lists gets a context.
        assert_eq!(ctx.len(), 1);
        let c = &ctx[0];
        assert_eq!(
            (c.provisioned_concurrency, c.provisioned_on.clone()),
            (6, vec!["beta".to_string(), "live".to_string()])
        );
        // 5 on-demand cold starts beside 6 provisioned, 3 of them scale-out;
        // no provisioned init seen; SnapStart on but no restore.
        assert_eq!(c.findings.len(), 3, "{:?}", c.findings);
        assert!(
            c.findings[0].starts_with("5 on-demand cold starts although 6 environments"),
            "{}",
            c.findings[0]
        );
        assert!(
            c.findings[0].contains("(3 while all were busy)"),
            "{}",
            c.findings[0]
        );
        assert!(c.findings[1].contains("no provisioned environment initialised"));
        assert!(c.findings[2].contains("$LATEST"));
    }

    #[test]
    fn an_unknown_dimension_lists_the_known_ones() {
        let err = dimension_of("colour").unwrap_err().to_string();
        assert!(
            err.contains("\"colour\"") && err.contains("function, version"),
            "{err}"
        );
        assert!(matches!(dimension_of("day"), Ok(Dimension::TimeBucket)));
    }

    #[test]
    fn init_quantiles_without_cold_starts_become_nulls_in_the_frame() {
        let frame = rates_frame(&[RateQueryRow {
            grouping: "dimension".into(),
            key: "f".into(),
            invocations: 10,
            cold_starts: 0,
            init_cost_pico: 0,
            total_cost_usd: "0.000000000005".into(),
            init_buckets: vec![],
            init_counts: vec![],
        }])
        .unwrap();
        assert_eq!(frame.column("init_ms_p50").unwrap().null_count(), 1);
        let table = rates(&frame, Dimension::Function).unwrap();
        assert_eq!(table.rows.len(), 1);
    }
}
