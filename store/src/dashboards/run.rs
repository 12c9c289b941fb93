//! Running a panel's query for one viewer and time range.
//!
//! Results come back in ClickHouse's `JSONCompact` output (the `JSON`
//! format with each row as an array rather than an object, so that two
//! columns with the same name stay two columns): a `meta` list of column
//! names and types, then `data`. Both 18.16 and current servers write it.
//! Values stay JSON: 64-bit integers arrive as strings by default (JSON
//! numbers are doubles), which [`number`] reads back.

use super::{sql, Panel, PanelKind, Param};
use crate::{Error, Result, Store};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Most rows a panel shows. No chart or table on a page is readable with
/// more, and the bound keeps one careless query (a GROUP BY on request
/// ids) from shipping millions of rows through the web server.
pub const MAX_ROWS: usize = 10_000;

/// Longest a panel's query may run on the server, in seconds: a page
/// waits for its panels, and a query past this is better stopped (and
/// reported) than left to hold a server thread.
pub const MAX_EXECUTION_SECONDS: u32 = 30;

/// One column of a panel's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The column's name: its alias in the query. Series of line and bar
    /// panels are labelled with it.
    pub name: String,
    /// Its ClickHouse type, e.g. `UInt64`, `Float64`, `DateTime('UTC')`.
    #[serde(rename = "type")]
    pub type_name: String,
}

impl Column {
    /// Whether the values are numbers (integers, floats or decimals,
    /// possibly Nullable): the columns a chart draws as series.
    pub fn is_numeric(&self) -> bool {
        let t = unwrap_type(&self.type_name);
        ["Int", "UInt", "Float", "Decimal"].iter().any(|prefix| {
            t.strip_prefix(prefix).is_some_and(|rest| {
                rest.is_empty() || rest.starts_with(|c: char| c == '(' || c.is_ascii_digit())
            })
        })
    }

    /// Whether the values are times (`Date`, `DateTime`, possibly with a
    /// time zone): what a line panel's first column must be. Dates come as
    /// `YYYY-MM-DD`, times as `YYYY-MM-DD hh:mm:ss` in the column's zone
    /// (UTC for faasight's tables).
    pub fn is_time(&self) -> bool {
        let t = unwrap_type(&self.type_name);
        t == "Date" || t == "DateTime" || t.starts_with("DateTime(")
    }
}

/// `Nullable(T)` and `LowCardinality(T)` as `T`.
fn unwrap_type(mut t: &str) -> &str {
    loop {
        let inner = ["Nullable(", "LowCardinality("]
            .iter()
            .find_map(|w| t.strip_prefix(w).and_then(|r| r.strip_suffix(')')));
        match inner {
            Some(inner) => t = inner,
            None => return t,
        }
    }
}

/// What a panel's query returned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PanelData {
    /// The columns, in the query's order.
    pub columns: Vec<Column>,
    /// The rows, each with one value per column, as ClickHouse wrote them
    /// in JSON (see [`number`] for reading numbers).
    pub rows: Vec<Vec<serde_json::Value>>,
    /// True when the query had more than [`MAX_ROWS`] rows and only the
    /// first ones are here: the page should say so rather than show a
    /// partial chart as if it were whole.
    pub truncated: bool,
    /// The unit the data itself gives, for a panel whose file names none:
    /// a metrics panel's metric unit (see
    /// [`super::metrics::display_unit`]). `None` for SQL panels.
    pub unit: Option<String>,
    /// Something the page should say under the panel, e.g. that only the
    /// largest groups of a metrics panel are drawn.
    pub note: Option<String>,
}

/// A value as a number: JSON numbers, and strings holding one (how
/// ClickHouse writes 64-bit integers, and some versions decimals). `None`
/// for anything else, including NaN and infinities.
pub fn number(value: &serde_json::Value) -> Option<f64> {
    let n = match value {
        serde_json::Value::Number(n) => n.as_f64()?,
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    n.is_finite().then_some(n)
}

/// The shape of a `JSONCompact` answer (other keys such as `rows` and
/// `statistics` are ignored).
#[derive(Deserialize)]
struct CompactOutput {
    meta: Vec<Column>,
    data: Vec<Vec<serde_json::Value>>,
}

/// Runs `panel` for `tenant` over `[from, to)` and returns its rows.
///
/// The tenant and times are bound as parameters (escaped by the client),
/// never pasted into the SQL. Every query runs under ClickHouse limits sent
/// as request settings, which both 18.16 and current servers know:
/// `max_result_rows` with `result_overflow_mode = 'break'` (the server
/// stops at a block boundary once past the limit, so it returns the first
/// rows rather than an error) and `max_execution_time`. The row limit sent
/// is one more than [`MAX_ROWS`]: whether the server stops exactly at the
/// limit or at the end of the block that crossed it (versions differ), more
/// than [`MAX_ROWS`] rows back then means there were more, and the extra
/// rows are dropped here. The server is also asked to buffer the answer
/// (`wait_end_of_query`), so an error late in the query (the time limit)
/// comes back as an error rather than as a cut-off body.
///
/// The panel's SQL is checked first, as [`super::parse`] does: a panel
/// built by hand without `{tenant}` is refused, not run.
pub async fn run_panel(
    store: &Store,
    panel: &Panel,
    tenant: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<PanelData> {
    if let Some(m) = &panel.metric {
        return super::metrics::run(store, panel, m, tenant, from, to).await;
    }
    let what = format!("dashboard panel {:?}", panel.title);
    if panel.kind == PanelKind::Metrics {
        let message = format!(
            "panel {:?} is a metrics panel without a metric",
            panel.title
        );
        return Err(Error::query(
            what,
            clickhouse::error::Error::InvalidParams(message.into()),
        ));
    }
    if let Err(problem) = sql::check(&panel.sql) {
        let message = format!("panel {:?} {problem}", panel.title);
        return Err(Error::query(
            what,
            clickhouse::error::Error::InvalidParams(message.into()),
        ));
    }
    let bound = panel.bound();
    let query = bind_params(
        store.client().query(&bound.sql),
        &bound.params,
        tenant,
        from,
        to,
    );
    let body = query
        .with_setting("max_result_rows", (MAX_ROWS + 1).to_string())
        .with_setting("result_overflow_mode", "break")
        .with_setting("max_execution_time", MAX_EXECUTION_SECONDS.to_string())
        .with_setting("wait_end_of_query", "1")
        .fetch_bytes("JSONCompact")
        .map_err(|e| Error::query(what.clone(), e))?
        .collect()
        .await
        .map_err(|e| Error::query(what.clone(), e))?;
    let output: CompactOutput = serde_json::from_slice(&body)
        .map_err(|e| Error::query(what, clickhouse::error::Error::DataFormat(Box::new(e))))?;
    let mut rows = output.data;
    let truncated = rows.len() > MAX_ROWS;
    rows.truncate(MAX_ROWS);
    Ok(PanelData {
        columns: output.meta,
        rows,
        truncated,
        unit: None,
        note: None,
    })
}

/// Binds `params` to `query` in order, with their values for `tenant` and
/// `[from, to)`: the tenant and texts as strings, times as epoch seconds,
/// the step of a metrics panel as a number.
pub(super) fn bind_params(
    mut query: clickhouse::query::Query,
    params: &[Param],
    tenant: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> clickhouse::query::Query {
    for param in params {
        query = match param {
            Param::Tenant => query.bind(tenant),
            Param::From => query.bind(epoch_seconds(from)),
            Param::To => query.bind(epoch_seconds(to)),
            Param::Step => query.bind(super::metrics::step_seconds(from, to)),
            Param::Text(text) => query.bind(text.as_str()),
        };
    }
    query
}

impl Param {
    /// The value bound for this parameter, as text (what a page lists
    /// under the query it shows).
    pub fn value(&self, tenant: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
        match self {
            Param::Tenant => tenant.to_string(),
            Param::From => epoch_seconds(from).to_string(),
            Param::To => epoch_seconds(to).to_string(),
            Param::Step => super::metrics::step_seconds(from, to).to_string(),
            Param::Text(text) => text.clone(),
        }
    }
}

/// Seconds since the epoch, clamped to what a ClickHouse `DateTime` holds
/// (an unsigned 32-bit count), so that an open-ended range still binds.
fn epoch_seconds(t: DateTime<Utc>) -> u32 {
    u32::try_from(t.timestamp().max(0)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_come_as_numbers_or_numeric_strings() {
        use serde_json::json;
        assert_eq!(number(&json!(1.5)), Some(1.5));
        assert_eq!(number(&json!(42)), Some(42.0));
        assert_eq!(
            number(&json!("18446744073709551615")),
            Some(18446744073709551615.0)
        );
        assert_eq!(number(&json!("-0.000000416667")), Some(-0.000000416667));
        for not in [
            json!("python3.12"),
            json!(""),
            json!(null),
            json!(true),
            json!("nan"),
            json!("inf"),
        ] {
            assert_eq!(number(&not), None, "{not}");
        }
    }

    #[test]
    fn column_types_tell_series_and_time_axes() {
        let col = |t: &str| Column {
            name: "c".into(),
            type_name: t.into(),
        };
        for t in [
            "UInt64",
            "Int8",
            "Float64",
            "Decimal(38, 12)",
            "Nullable(Float64)",
            "Decimal64(3)",
        ] {
            assert!(col(t).is_numeric(), "{t}");
        }
        for t in [
            "String",
            "DateTime('UTC')",
            "Interval",
            "Array(UInt64)",
            "UUID",
        ] {
            assert!(!col(t).is_numeric(), "{t}");
        }
        for t in [
            "Date",
            "DateTime",
            "DateTime('UTC')",
            "Nullable(DateTime('UTC'))",
        ] {
            assert!(col(t).is_time(), "{t}");
        }
        assert!(!col("String").is_time());
    }

    #[test]
    fn times_are_clamped_to_the_datetime_range() {
        use chrono::TimeZone;
        assert_eq!(
            epoch_seconds(Utc.timestamp_opt(1767225600, 0).unwrap()),
            1767225600
        );
        assert_eq!(epoch_seconds(Utc.timestamp_opt(-5, 0).unwrap()), 0);
        assert_eq!(
            epoch_seconds(Utc.timestamp_opt(1 << 40, 0).unwrap()),
            u32::MAX
        );
    }
}
