//! The cold-start report: rates by a dimension and INIT's share of cost
//! before and after AWS began billing INIT (`cold_start_rates.sql`), and the
//! cause of every cold start (`cold_start_sequence.sql` →
//! [`crate::cold_start::cold_start_causes`]).

use super::QueryTrace;
use crate::cold_start::{
    cold_start_causes, rates, Cause, ColdStartCause, ColdStartOptions, Dimension,
    FunctionColdStarts, RateTable,
};
use crate::{Error, Result, TimeRange};
use faasight_store::{PicoUsd, Store};
use polars::prelude::{df, DataFrame};
use serde::{Deserialize, Serialize};

/// SQL of the rates query.
pub const COLD_START_RATES_SQL: &str = include_str!("../queries/cold_start_rates.sql");
/// SQL of the invocation sequence query.
pub const COLD_START_SEQUENCE_SQL: &str = include_str!("../queries/cold_start_sequence.sql");

/// Cold starts listed one by one in the report (the latest ones); the
/// per-function counts cover all of them.
pub const LISTED_COLD_STARTS: usize = 100;

/// Dimensions the rates can be broken down by, as the query names them.
pub const DIMENSIONS: [&str; 7] = [
    "function", "version", "region", "runtime", "memory", "trigger", "day",
];

#[derive(Debug, clickhouse::Row, Deserialize)]
struct RateQueryRow {
    key: String,
    invocations: u64,
    cold_starts: u64,
    init_ms_p50: f64,
    init_ms_p90: f64,
    init_ms_p99: f64,
    init_cost_pico: i64,
    total_cost_usd: String,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct SequenceRow<'a> {
    #[serde(borrow)]
    function: &'a str,
    #[serde(borrow)]
    provider: &'a str,
    #[serde(borrow)]
    version: &'a str,
    memory_mb: u32,
    #[serde(borrow)]
    instance: &'a str,
    #[serde(borrow)]
    request: &'a str,
    start_time_ms: i64,
    duration_ms: f64,
    #[serde(borrow)]
    start_type: &'a str,
    init_duration_ms: f64,
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
    /// Queries behind the numbers.
    pub queries: Vec<QueryTrace>,
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
    let nan_to_none = |v: f64| if v.is_nan() { None } else { Some(v) };
    df!(
        "key" => rows.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
        "invocations" => rows.iter().map(|r| r.invocations).collect::<Vec<u64>>(),
        "cold_starts" => rows.iter().map(|r| r.cold_starts).collect::<Vec<u64>>(),
        "init_ms_p50" => rows.iter().map(|r| nan_to_none(r.init_ms_p50)).collect::<Vec<_>>(),
        "init_ms_p90" => rows.iter().map(|r| nan_to_none(r.init_ms_p90)).collect::<Vec<_>>(),
        "init_ms_p99" => rows.iter().map(|r| nan_to_none(r.init_ms_p99)).collect::<Vec<_>>(),
        "init_cost_pico" => rows.iter().map(|r| r.init_cost_pico).collect::<Vec<i64>>(),
        "cost_pico" => costs,
    )
    .map_err(|e| Error::Invalid(format!("cannot build the cold-start rates frame: {e}")))
}

/// Streams the invocation sequence straight into the model's frame: rows
/// borrow from the response buffer and strings go into column builders,
/// so millions of rows cost no per-row allocation.
async fn sequence_frame(store: &Store, tenant: &str, range: TimeRange) -> Result<DataFrame> {
    use polars::prelude::{IntoColumn, NamedFrom, Series, StringChunkedBuilder};
    let query_error = |source| Error::Query {
        query: "cold_start_sequence.sql",
        source,
    };
    let mut cursor = store
        .client()
        .query(COLD_START_SEQUENCE_SQL)
        .bind(tenant)
        .bind(range.from.timestamp())
        .bind(range.to.timestamp())
        .fetch::<SequenceRow<'_>>()
        .map_err(query_error)?;
    let text = |name: &str| StringChunkedBuilder::new(name.into(), 1 << 16);
    let (mut function, mut provider, mut version) =
        (text("function"), text("provider"), text("version"));
    let (mut instance, mut request, mut start_type) =
        (text("instance_id"), text("request_id"), text("start_type"));
    let (mut memory, mut start, mut duration, mut init) = (vec![], vec![], vec![], vec![]);
    while let Some(r) = cursor.next().await.map_err(query_error)? {
        function.append_value(r.function);
        provider.append_value(r.provider);
        version.append_value(r.version);
        instance.append_value(r.instance);
        request.append_value(r.request);
        start_type.append_value(r.start_type);
        memory.push(r.memory_mb);
        start.push(r.start_time_ms);
        duration.push(r.duration_ms);
        init.push(r.init_duration_ms);
    }
    let height = memory.len();
    DataFrame::new(
        height,
        vec![
            function.finish().into_column(),
            provider.finish().into_column(),
            version.finish().into_column(),
            Series::new("memory_mb".into(), memory).into_column(),
            instance.finish().into_column(),
            request.finish().into_column(),
            Series::new("start_time_ms".into(), start).into_column(),
            Series::new("duration_ms".into(), duration).into_column(),
            start_type.finish().into_column(),
            Series::new("init_duration_ms".into(), init).into_column(),
        ],
    )
    .map_err(|e| Error::Invalid(format!("cannot build the cold-start sequence frame: {e}")))
}

/// Cold-start rates by `dimension`, INIT cost shares by billing era, and
/// the causes of the cold starts of `tenant` in `range`.
pub async fn cold_starts_report(
    store: &Store,
    tenant: &str,
    range: TimeRange,
    dimension: &str,
) -> Result<ColdStartsReport> {
    let by = dimension_of(dimension)?;
    // The validated name, as the query spells it.
    let name: &'static str = DIMENSIONS
        .into_iter()
        .find(|d| *d == dimension)
        .unwrap_or("function");
    let invalid = |e: crate::cold_start::ColdStartError| Error::Invalid(e.to_string());
    let rates_of = |dimension: &'static str| async move {
        super::fetch_window::<RateQueryRow>(
            store,
            "cold_start_rates.sql",
            COLD_START_RATES_SQL,
            &[dimension],
            tenant,
            range,
        )
        .await
    };
    let (by_dimension, by_dimension_trace) = rates_of(name).await?;
    let (by_era, by_era_trace) = rates_of("init_billing_era").await?;
    let sequence = sequence_frame(store, tenant, range).await?;
    let analysis = cold_start_causes(&sequence, &ColdStartOptions::default()).map_err(invalid)?;
    let mut latest = analysis.cold_starts;
    latest.sort_by(|a, b| (b.start_time_ms, &b.request_id).cmp(&(a.start_time_ms, &a.request_id)));
    latest.truncate(LISTED_COLD_STARTS);
    Ok(ColdStartsReport {
        rates: rates(&rates_frame(&by_dimension)?, by).map_err(invalid)?,
        init_billing_eras: rates(&rates_frame(&by_era)?, Dimension::TimeBucket).map_err(invalid)?,
        functions: analysis.functions,
        latest_cold_starts: latest,
        cause_rules: Cause::ALL
            .into_iter()
            .map(|cause| CauseRule {
                cause,
                rule: cause.explanation(),
            })
            .collect(),
        queries: vec![
            by_dimension_trace,
            by_era_trace,
            QueryTrace::new(
                "cold_start_sequence.sql",
                COLD_START_SEQUENCE_SQL,
                vec![
                    tenant.to_string(),
                    range.from.timestamp().to_string(),
                    range.to.timestamp().to_string(),
                ],
            ),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn nan_init_quantiles_become_nulls_in_the_frame() {
        let frame = rates_frame(&[RateQueryRow {
            key: "f".into(),
            invocations: 10,
            cold_starts: 0,
            init_ms_p50: f64::NAN,
            init_ms_p90: f64::NAN,
            init_ms_p99: f64::NAN,
            init_cost_pico: 0,
            total_cost_usd: "0.000000000005".into(),
        }])
        .unwrap();
        assert_eq!(frame.column("init_ms_p50").unwrap().null_count(), 1);
        let table = rates(&frame, Dimension::Function).unwrap();
        assert_eq!(table.rows.len(), 1);
    }
}
