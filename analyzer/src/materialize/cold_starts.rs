//! One day of `cold_starts` and `cold_start_days`: the day's invocations
//! and a look-back before it, streamed into a frame, classified by
//! [`cold_start_causes`] with the look-back only setting the scene.

use crate::cold_start::{cold_start_causes, is_classified_start_type, ColdStartOptions};
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use faasight_store::Store;
use polars::prelude::{DataFrame, IdxCa, IdxSize};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// SQL of the invocations of a day and its look-back.
pub const SEQUENCE_SQL: &str = include_str!("../queries/materialize_sequence.sql");
/// SQL of the names behind the sequence's `function_id`.
pub const FUNCTIONS_SQL: &str = include_str!("../queries/materialize_functions.sql");
/// SQL of the functions that ran before a look-back.
pub const KNOWN_BEFORE_SQL: &str = include_str!("../queries/materialize_known_before.sql");

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
    #[serde(borrow)]
    runtime_if_classified: &'a str,
    #[serde(borrow)]
    trigger_if_classified: &'a str,
    restore_duration_ms: f64,
    init_cost_pico: i64,
}

#[derive(Debug, Clone, clickhouse::Row, Deserialize)]
struct FunctionRow {
    function_id: u64,
    tenant: String,
    provider: String,
    account: String,
    region: String,
    function: String,
}

/// A row of `cold_starts`.
#[derive(Debug, clickhouse::Row, Serialize)]
pub(super) struct ColdStartRow {
    tenant: String,
    provider: String,
    account: String,
    region: String,
    function: String,
    version: String,
    runtime: String,
    memory_mb: u32,
    trigger: String,
    day: u16,
    start_time: u32,
    start_time_ms: i64,
    request_id: String,
    start_type: String,
    cause: &'static str,
    gap_ms: i64,
    concurrent_busy: u32,
    init_duration_ms: f64,
    restore_duration_ms: f64,
    init_cost_pico: i64,
}

/// A row of `cold_start_days`.
#[derive(Debug, clickhouse::Row, Serialize)]
pub(super) struct ColdStartDayRow {
    tenant: String,
    provider: String,
    account: String,
    region: String,
    function: String,
    day: u16,
    invocations: u64,
    deploys: u64,
    keep_alive_ms: i64,
    keep_alive_basis: &'static str,
    idle_periods_warm: u64,
    idle_periods_cold: u64,
    idle_periods_unexplained: u64,
    max_instance_idle_ms: i64,
}

/// A classified day.
pub(super) struct DayRows {
    pub cold_starts: Vec<ColdStartRow>,
    pub days: Vec<ColdStartDayRow>,
    pub invocations_read: u64,
}

/// Classifies the cold starts that began in `[start, end)`.
pub(super) async fn classify_day(
    store: &Store,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<DayRows> {
    use polars::prelude::{IntoColumn, NamedFrom, Series, StringChunkedBuilder};
    // The look-back is the longest keep-alive the rule uses, so that every
    // instance that could still be warm at midnight, and every invocation
    // still busy, is seen. A function with nothing in it but known from
    // before it had been idle longer than any keep-alive.
    let defaults = ColdStartOptions::default();
    let read_from = start - chrono::Duration::milliseconds(defaults.max_keep_alive_ms);
    let query_error = |query: &'static str| move |source| Error::Query { query, source };
    let names = fetch_names(store, read_from, end);
    let known_before = async {
        store
            .client()
            .query(KNOWN_BEFORE_SQL)
            .bind(read_from.timestamp())
            .fetch_all::<(u64, String, i64)>()
            .await
            .map_err(query_error("materialize_known_before.sql"))
    };
    let mut cursor = store
        .client()
        .query(SEQUENCE_SQL)
        .bind(read_from.timestamp())
        .bind(end.timestamp())
        .fetch::<SequenceRow<'_>>()
        .map_err(query_error("materialize_sequence.sql"))?;
    let text = |name: &str| StringChunkedBuilder::new(name.into(), 1 << 16);
    let (mut version, mut instance) = (text("version"), text("instance_id"));
    let (mut request, mut start_type) = (text("request_id"), text("start_type"));
    let (mut ids, mut memory, mut starts, mut duration, mut init) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut warm = vec![];
    // What the rule does not read, kept for the classified rows only.
    let mut extra_of_row: Vec<u32> = vec![];
    let mut extras: Vec<(String, String, f64, i64)> = vec![];
    let stream = async {
        while let Some(r) = cursor
            .next()
            .await
            .map_err(query_error("materialize_sequence.sql"))?
        {
            ids.push(r.function_id);
            version.append_value(r.version);
            instance.append_value(r.instance);
            request.append_value(r.request);
            start_type.append_value(r.start_type);
            warm.push(r.start_type == "warm");
            memory.push(r.memory_mb);
            starts.push(r.start_time_ms);
            duration.push(r.duration_ms);
            init.push(r.init_duration_ms);
            if !is_classified_start_type(r.start_type) {
                extra_of_row.push(u32::MAX);
            } else {
                extra_of_row.push(extras.len() as u32);
                extras.push((
                    r.runtime_if_classified.to_string(),
                    r.trigger_if_classified.to_string(),
                    r.restore_duration_ms,
                    r.init_cost_pico,
                ));
            }
        }
        Ok::<_, Error>(())
    };
    let ((), mut names, known_before) = tokio::try_join!(stream, names, known_before)?;
    if !ids.iter().all(|id| names.contains_key(id)) {
        // Rows written between the two queries, of a function new to both.
        names = fetch_names(store, read_from, end).await?;
    }
    let unnamed = |id: u64| Error::BadValue {
        query: "materialize_functions.sql",
        what: "function_id",
        value: format!("{id} of materialize_sequence.sql has no function name"),
    };
    let (mut function, mut provider) = (text("function"), text("provider"));
    for &id in &ids {
        let name = names.get(&id).ok_or_else(|| unnamed(id))?;
        function.append_value(id.to_string());
        provider.append_value(&name.provider);
    }
    let order = sequence_order(&ids, &starts, &warm, &duration);
    let frame = DataFrame::new(
        ids.len(),
        vec![
            function.finish().into_column(),
            provider.finish().into_column(),
            version.finish().into_column(),
            Series::new("memory_mb".into(), memory.clone()).into_column(),
            instance.finish().into_column(),
            request.finish().into_column(),
            Series::new("start_time_ms".into(), starts).into_column(),
            Series::new("duration_ms".into(), duration).into_column(),
            start_type.finish().into_column(),
            Series::new("init_duration_ms".into(), init).into_column(),
        ],
    )
    .and_then(|frame| frame.take(&order))
    .map_err(|e| Error::Model(format!("cannot build the cold-start sequence frame: {e}")))?;
    let options = ColdStartOptions {
        classify_from_ms: start.timestamp_millis(),
        known_before: known_before
            .into_iter()
            .filter(|(id, _, _)| names.contains_key(id))
            .map(|(id, version, memory_mb)| (id.to_string(), (version, memory_mb)))
            .collect(),
        ..defaults
    };
    let analysis = cold_start_causes(&frame, &options).map_err(|e| {
        Error::Model(format!(
            "cannot classify the cold starts of {}: {e}",
            start.date_naive()
        ))
    })?;
    let day = super::date_column(start.date_naive());
    let order: Vec<IdxSize> = order.into_no_null_iter().collect();
    // Only classified rows need their version: read by row, not copied.
    let versions = crate::frame_input::strings(&frame, "version")
        .map_err(|e| Error::Model(format!("the sequence frame: {e}")))?;
    let mut cold_starts = Vec::with_capacity(analysis.cold_starts.len());
    for c in analysis.cold_starts {
        let original = order[c.row] as usize;
        let id = ids[original];
        let name = names.get(&id).ok_or_else(|| unnamed(id))?;
        let (runtime, trigger, restore, init_cost) = extras
            .get(extra_of_row[original] as usize)
            .cloned()
            .unwrap_or_default();
        cold_starts.push(ColdStartRow {
            tenant: name.tenant.clone(),
            provider: name.provider.clone(),
            account: name.account.clone(),
            region: name.region.clone(),
            function: name.function.clone(),
            version: versions.get(c.row).unwrap_or_default().to_string(),
            runtime,
            memory_mb: memory[original],
            trigger,
            day,
            start_time: u32::try_from(c.start_time_ms.div_euclid(1000)).unwrap_or(0),
            start_time_ms: c.start_time_ms,
            request_id: c.request_id,
            start_type: c.start_type,
            cause: c.cause.as_str(),
            gap_ms: c.gap_ms.unwrap_or(-1),
            concurrent_busy: c.concurrent_busy,
            init_duration_ms: c.init_duration_ms,
            restore_duration_ms: restore,
            init_cost_pico: init_cost,
        });
    }
    let mut days = Vec::new();
    for f in analysis.functions {
        if f.invocations == 0 {
            continue;
        }
        let id: u64 = f
            .function
            .parse()
            .map_err(|_| Error::Model(format!("function id {:?} is not a number", f.function)))?;
        let name = names.get(&id).ok_or_else(|| unnamed(id))?;
        let k = f.keep_alive;
        days.push(ColdStartDayRow {
            tenant: name.tenant.clone(),
            provider: name.provider.clone(),
            account: name.account.clone(),
            region: name.region.clone(),
            function: name.function.clone(),
            day,
            invocations: f.invocations,
            deploys: f.deploys,
            keep_alive_ms: k.keep_alive_ms,
            keep_alive_basis: k.basis.as_str(),
            idle_periods_warm: k.idle_periods_warm,
            idle_periods_cold: k.idle_periods_cold,
            idle_periods_unexplained: k.idle_periods_unexplained,
            max_instance_idle_ms: k.max_instance_idle_ms.unwrap_or(-1),
        });
    }
    Ok(DayRows {
        cold_starts,
        days,
        invocations_read: ids.len() as u64,
    })
}

async fn fetch_names(
    store: &Store,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<HashMap<u64, FunctionRow>> {
    let rows: Vec<FunctionRow> = store
        .client()
        .query(FUNCTIONS_SQL)
        .bind(from.timestamp())
        .bind(to.timestamp())
        .fetch_all()
        .await
        .map_err(|source| Error::Query {
            query: "materialize_functions.sql",
            source,
        })?;
    Ok(rows.into_iter().map(|r| (r.function_id, r)).collect())
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
