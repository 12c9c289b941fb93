//! The cold-start report: rates by a dimension and INIT's share of cost
//! before and after AWS began billing INIT (both from one scan,
//! `cold_start_rates.sql`), and the
//! cause of every cold start (`cold_start_sequence.sql` with the names from
//! `cold_start_functions.sql` → [`crate::cold_start::cold_start_causes`]).
//! The three queries run at once.

use super::QueryTrace;
use crate::bill_charges::ConfigSnapshot;
use crate::cold_start::{
    cold_start_causes, rates, Cause, ColdStartCause, ColdStartOptions, Dimension,
    FunctionColdStarts, RateTable,
};
use crate::{Error, Result, TimeRange};
use faasight_store::{PicoUsd, Store};
use polars::prelude::{df, DataFrame, IdxCa, IdxSize};
use serde::{Deserialize, Serialize};

/// SQL of the rates query.
pub const COLD_START_RATES_SQL: &str = include_str!("../queries/cold_start_rates.sql");
/// SQL of the invocation sequence query.
pub const COLD_START_SEQUENCE_SQL: &str = include_str!("../queries/cold_start_sequence.sql");
/// SQL of the function names behind the sequence's `function_id`.
pub const COLD_START_FUNCTIONS_SQL: &str = include_str!("../queries/cold_start_functions.sql");

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
    init_ms_p50: f64,
    init_ms_p90: f64,
    init_ms_p99: f64,
    init_cost_pico: i64,
    total_cost_usd: String,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct FunctionRow {
    function_id: u64,
    function_key: String,
    provider: String,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct SequenceRow<'a> {
    function_id: u64,
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
    /// What the configuration inventory adds to the causes, per function
    /// it lists (empty without an imported inventory).
    pub configuration: Vec<ConfigurationContext>,
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
    .map_err(|e| Error::Model(format!("cannot build the cold-start rates frame: {e}")))
}

/// The function keys behind the sequence's `function_id`s.
async fn function_names(
    store: &Store,
    tenant: &str,
    range: TimeRange,
) -> Result<(Vec<FunctionRow>, QueryTrace)> {
    super::fetch_window(
        store,
        "cold_start_functions.sql",
        COLD_START_FUNCTIONS_SQL,
        &[],
        tenant,
        range,
    )
    .await
}

/// Streams the invocation sequence straight into the model's frame: rows
/// borrow from the response buffer and strings go into column builders,
/// so millions of rows cost no per-row allocation. The function key and
/// provider come from `names` (started at the same time) by the row's
/// `function_id`; rows written between the two queries can belong to a
/// function `names` has not seen, and then the names are read once more.
async fn sequence_frame<N>(
    store: &Store,
    tenant: &str,
    range: TimeRange,
    names: N,
) -> Result<(DataFrame, [QueryTrace; 2])>
where
    N: std::future::Future<Output = Result<(Vec<FunctionRow>, QueryTrace)>>,
{
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
    let (mut version, mut instance) = (text("version"), text("instance_id"));
    let (mut request, mut start_type) = (text("request_id"), text("start_type"));
    let (mut ids, mut memory, mut start, mut duration, mut init) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut warm = vec![];
    let stream = async {
        while let Some(r) = cursor.next().await.map_err(query_error)? {
            ids.push(r.function_id);
            version.append_value(r.version);
            instance.append_value(r.instance);
            request.append_value(r.request);
            start_type.append_value(r.start_type);
            warm.push(r.start_type == "warm");
            memory.push(r.memory_mb);
            start.push(r.start_time_ms);
            duration.push(r.duration_ms);
            init.push(r.init_duration_ms);
        }
        Ok::<_, Error>(())
    };
    let ((), (mut names, mut names_trace)) = tokio::try_join!(stream, names)?;
    let known = |names: &[FunctionRow]| {
        let by_id: std::collections::HashSet<u64> = names.iter().map(|n| n.function_id).collect();
        ids.iter().all(|id| by_id.contains(id))
    };
    if !known(&names) {
        (names, names_trace) = function_names(store, tenant, range).await?;
    }
    let by_id: std::collections::HashMap<u64, &FunctionRow> =
        names.iter().map(|n| (n.function_id, n)).collect();
    let (mut function, mut provider) = (text("function"), text("provider"));
    let mut last: Option<(u64, &FunctionRow)> = None;
    for &id in &ids {
        let name = match last {
            Some((last_id, name)) if last_id == id => name,
            _ => {
                let name = *by_id.get(&id).ok_or_else(|| Error::BadValue {
                    query: "cold_start_functions.sql",
                    what: "function_id",
                    value: format!("{id} of cold_start_sequence.sql has no function name"),
                })?;
                last = Some((id, name));
                name
            }
        };
        function.append_value(&name.function_key);
        provider.append_value(&name.provider);
    }
    let order = sequence_order(&ids, &start, &warm, &duration);
    let frame = DataFrame::new(
        ids.len(),
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
    .and_then(|frame| frame.take(&order))
    .map_err(|e| Error::Model(format!("cannot build the cold-start sequence frame: {e}")))?;
    let trace = QueryTrace::window(
        "cold_start_sequence.sql",
        COLD_START_SEQUENCE_SQL,
        &[],
        tenant,
        range,
    );
    Ok((frame, [names_trace, trace]))
}

/// The order the model needs — by function, then start time — as row
/// indices into rows that arrived unsorted. Sorting here rather than in
/// ClickHouse lets the server stream rows as it reads them (an ORDER BY
/// holds them all back until the sort is done) and sorts 8-byte keys that
/// mostly arrive in runs already (each part is sorted by function and
/// time). Ties are broken the same way on every run: warm invocations
/// first (a warm instance at the same millisecond was already there), then
/// by duration.
fn sequence_order(ids: &[u64], start: &[i64], warm: &[bool], duration: &[f64]) -> IdxCa {
    let mut order: Vec<IdxSize> = (0..ids.len() as IdxSize).collect();
    order.sort_by(|&a, &b| {
        let key = |i: IdxSize| {
            let i = i as usize;
            (ids[i], start[i], !warm[i], duration[i].to_bits())
        };
        key(a).cmp(&key(b))
    });
    IdxCa::from_vec("order".into(), order)
}

/// Only the rates by `rates_by`, without the causes: one aggregate query,
/// for views that break rates down several ways (the causes need every
/// invocation's sequence, which is the expensive part of the report).
pub async fn cold_start_rates(
    store: &Store,
    tenant: &str,
    range: TimeRange,
    rates_by: RatesBy,
) -> Result<(RateTable, QueryTrace)> {
    let (rows, trace) = super::fetch_window::<RateQueryRow>(
        store,
        "cold_start_rates.sql",
        COLD_START_RATES_SQL,
        &[rates_by.name],
        tenant,
        range,
    )
    .await?;
    let by_dimension: Vec<RateQueryRow> = rows
        .into_iter()
        .filter(|r| r.grouping != "init_billing_era")
        .collect();
    let table = rates(&rates_frame(&by_dimension)?, rates_by.dimension).map_err(Error::from)?;
    Ok((table, trace))
}

/// Cold-start rates by `dimension`, INIT cost shares by billing era, and
/// the causes of the cold starts of `tenant` in `range`.
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
    let leading = [name];
    let rate_query = super::fetch_window::<RateQueryRow>(
        store,
        "cold_start_rates.sql",
        COLD_START_RATES_SQL,
        &leading,
        tenant,
        range,
    );
    let names = function_names(store, tenant, range);
    let ((rate_rows, rates_trace), (sequence, [names_trace, sequence_trace])) =
        tokio::try_join!(rate_query, sequence_frame(store, tenant, range, names))?;
    let (by_era, by_dimension): (Vec<RateQueryRow>, Vec<RateQueryRow>) = rate_rows
        .into_iter()
        .partition(|r| r.grouping == "init_billing_era");
    let analysis = cold_start_causes(&sequence, &ColdStartOptions::default()).map_err(invalid)?;
    let (inventory, inventory_trace) =
        super::bill::fetch_inventory(store, tenant, range.to).await?;
    let configuration = configuration_context(&analysis.functions, &inventory);
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
        configuration,
        queries: vec![rates_trace, names_trace, sequence_trace, inventory_trace],
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
    fn the_sequence_is_ordered_by_function_then_time_with_warm_first_on_ties() {
        // Rows as they might stream in: two functions interleaved, one tie.
        let ids = [7, 3, 7, 3, 7];
        let start = [200, 100, 100, 50, 100];
        let warm = [true, true, false, true, true];
        let duration = [1.0, 1.0, 5.0, 1.0, 9.0];
        let order: Vec<IdxSize> = sequence_order(&ids, &start, &warm, &duration)
            .into_no_null_iter()
            .collect();
        // Function 3 (rows 3, 1), then function 7: at t=100 the warm row 4
        // before the cold row 2, then t=200.
        assert_eq!(order, vec![3, 1, 4, 2, 0]);
    }

    #[test]
    fn nan_init_quantiles_become_nulls_in_the_frame() {
        let frame = rates_frame(&[RateQueryRow {
            grouping: "dimension".into(),
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
