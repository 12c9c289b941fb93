//! AWS Cost and Usage Reports: the AWS Lambda line items of a report, as
//! CSV (plain or gzip) or Parquet, in the legacy CUR or the CUR 2.0 schema.
//!
//! Column names (both spellings accepted, in any order, among any others):
//! the legacy CUR's CSV headers are `category/Name`
//! (<https://docs.aws.amazon.com/cur/latest/userguide/Lineitem-columns.html>:
//! `lineItem/UsageAccountId`, `lineItem/UsageType`, `lineItem/UnblendedCost`,
//! …), and its Parquet files and CUR 2.0 (CSV or Parquet) write them in
//! snake case (`line_item_usage_account_id`, …;
//! <https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2-line-item.html>).
//! The region is `product/region` (legacy CSV), `product_region` (legacy
//! Parquet) or `product_region_code` (CUR 2.0,
//! <https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2-product.html>);
//! when that is empty or absent it comes from the usage type's prefix
//! ([`faasight_store::rows::cur::split_usage_type`]), and an unknown prefix
//! is reported, never guessed.
//!
//! Only `AWSLambda` line items are kept; the others are counted per product
//! code. Costs are read exactly from CSV text; a Parquet double is rounded
//! to the nearest pico-dollar, which is as exact as a double holds it.
//! A file missing a required column is refused naming the column; a bad
//! value is refused naming its line (CSV) or row (Parquet) and column.

use super::csv::records;
use super::gzip;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use faasight_store::rows::cur::{classify_usage_type, function_from_arn, split_usage_type};
use faasight_store::{CurLineItemRow, PicoUsd};
use std::collections::BTreeMap;

/// The product code of AWS Lambda line items.
pub const LAMBDA_PRODUCT_CODE: &str = "AWSLambda";

/// Largest decompressed CSV accepted (a month of an organisation's CUR).
pub const MAX_DECOMPRESSED_BYTES: usize = 4 << 30;

/// At most this many bad values are reported for a file.
const MAX_ERRORS: usize = 20;

/// The fields read, each under its legacy CSV name and its snake-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    LineItemId,
    BillingPeriod,
    Account,
    LineItemType,
    UsageStart,
    ProductCode,
    UsageType,
    Operation,
    ResourceId,
    UsageAmount,
    UnblendedCost,
    Region,
}

/// (field, required, accepted names). The first name is the one errors use.
const COLUMNS: &[(Col, bool, &[&str])] = &[
    (
        Col::LineItemId,
        false,
        &["identity/LineItemId", "identity_line_item_id"],
    ),
    (
        Col::BillingPeriod,
        true,
        &[
            "bill/BillingPeriodStartDate",
            "bill_billing_period_start_date",
        ],
    ),
    (
        Col::Account,
        true,
        &["lineItem/UsageAccountId", "line_item_usage_account_id"],
    ),
    (
        Col::LineItemType,
        true,
        &["lineItem/LineItemType", "line_item_line_item_type"],
    ),
    (
        Col::UsageStart,
        true,
        &["lineItem/UsageStartDate", "line_item_usage_start_date"],
    ),
    (
        Col::ProductCode,
        true,
        &["lineItem/ProductCode", "line_item_product_code"],
    ),
    (
        Col::UsageType,
        true,
        &["lineItem/UsageType", "line_item_usage_type"],
    ),
    (
        Col::Operation,
        false,
        &["lineItem/Operation", "line_item_operation"],
    ),
    (
        Col::ResourceId,
        false,
        &["lineItem/ResourceId", "line_item_resource_id"],
    ),
    (
        Col::UsageAmount,
        true,
        &["lineItem/UsageAmount", "line_item_usage_amount"],
    ),
    (
        Col::UnblendedCost,
        true,
        &["lineItem/UnblendedCost", "line_item_unblended_cost"],
    ),
    (
        Col::Region,
        false,
        &[
            "product/region",
            "product_region",
            "product_region_code",
            "product/regionCode",
        ],
    ),
];

/// A fault in a report: where (CSV line or Parquet row, 1-based; 0 for
/// the file as a whole) and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {at}: {message}")]
pub struct CurError {
    /// `line` (CSV) or `row` (Parquet).
    pub what: &'static str,
    /// Its number.
    pub at: usize,
    /// What is wrong, naming the column.
    pub message: String,
}

/// The Lambda line items of one report file and what was left out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CurFile {
    /// Lambda line items; `tenant`, `import_id`, `source_file` and
    /// `imported_at` are left for the importer to fill.
    pub items: Vec<CurLineItemRow>,
    /// Data rows read (all products).
    pub rows_read: usize,
    /// Rows of other products, per product code.
    pub skipped_by_product: BTreeMap<String, usize>,
    /// Lambda rows whose region is unknown: no region column value and a
    /// usage-type prefix not in the billing-code table, per prefix.
    pub unknown_region_prefixes: BTreeMap<String, usize>,
    /// Whether the report has a resource id column (reports created
    /// without "include resource IDs" name no function).
    pub has_resource_ids: bool,
}

/// Reads one report file: gzip (by its magic number) is decompressed and
/// read as CSV, Parquet is recognised by its `PAR1` magic, anything else
/// is read as CSV text.
pub fn parse_file(bytes: Vec<u8>) -> Result<CurFile, Vec<CurError>> {
    let whole = |message: String| {
        vec![CurError {
            what: "file",
            at: 0,
            message,
        }]
    };
    if gzip::is_gzip(&bytes) {
        let text =
            gzip::decompress(&bytes, MAX_DECOMPRESSED_BYTES).map_err(|e| whole(e.to_string()))?;
        return parse_csv(&text);
    }
    if bytes.starts_with(b"PAR1") {
        return parse_parquet(bytes);
    }
    parse_csv(&bytes)
}

/// One row's values by field, as text (Parquet values are printed).
#[derive(Default)]
struct Values {
    get: BTreeMap<u8, String>,
    // Parquet doubles, kept as numbers for the cost's rounding.
    cost_f64: Option<f64>,
}

impl Values {
    fn text(&self, col: Col) -> &str {
        self.get.get(&(col as u8)).map_or("", |s| s.trim())
    }
}

/// Finds each field's column among `names`, or names the missing ones.
fn resolve(names: &[String]) -> Result<Vec<(usize, Col)>, String> {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for &(col, required, accepted) in COLUMNS {
        match names.iter().position(|n| accepted.contains(&n.trim())) {
            Some(i) => found.push((i, col)),
            None if required => missing.push(format!("{} (or {})", accepted[0], accepted[1])),
            None => {}
        }
    }
    if missing.is_empty() {
        Ok(found)
    } else {
        Err(format!(
            "not a Cost and Usage Report: missing column {}",
            missing.join(", ")
        ))
    }
}

/// Reads a report as CSV text with a header row.
pub fn parse_csv(bytes: &[u8]) -> Result<CurFile, Vec<CurError>> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        vec![CurError {
            what: "file",
            at: 0,
            message: format!("not UTF-8 text: {e}"),
        }]
    })?;
    let mut recs = records(text);
    let header = match recs.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            return Err(vec![CurError {
                what: "line",
                at: e.line,
                message: e.reason,
            }])
        }
        None => {
            return Err(vec![CurError {
                what: "file",
                at: 0,
                message: "empty: no header row".into(),
            }])
        }
    };
    let columns = resolve(&header.fields).map_err(|message| {
        vec![CurError {
            what: "line",
            at: header.line,
            message,
        }]
    })?;
    let mut out = CurFile {
        has_resource_ids: columns.iter().any(|&(_, c)| c == Col::ResourceId),
        ..CurFile::default()
    };
    let mut errors = Vec::new();
    for rec in recs {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(CurError {
                    what: "line",
                    at: e.line,
                    message: e.reason,
                });
                break;
            }
        };
        if rec.fields.len() != header.fields.len() {
            errors.push(CurError {
                what: "line",
                at: rec.line,
                message: format!(
                    "{} cells where the header has {}",
                    rec.fields.len(),
                    header.fields.len()
                ),
            });
            continue;
        }
        let mut v = Values::default();
        for &(i, col) in &columns {
            v.get.insert(col as u8, rec.fields[i].clone());
        }
        if let Err(message) = take_row(&v, &mut out) {
            errors.push(CurError {
                what: "line",
                at: rec.line,
                message,
            });
        }
        if errors.len() >= MAX_ERRORS {
            break;
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Reads a report written as Parquet (legacy CUR or CUR 2.0).
pub fn parse_parquet(bytes: Vec<u8>) -> Result<CurFile, Vec<CurError>> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let whole = |message: String| {
        vec![CurError {
            what: "file",
            at: 0,
            message,
        }]
    };
    let reader = SerializedFileReader::new(bytes::Bytes::from(bytes))
        .map_err(|e| whole(format!("not a readable Parquet file: {e}")))?;
    let names: Vec<String> = reader
        .metadata()
        .file_metadata()
        .schema()
        .get_fields()
        .iter()
        .map(|f| f.name().to_string())
        .collect();
    let columns = resolve(&names).map_err(whole)?;
    let mut out = CurFile {
        has_resource_ids: columns.iter().any(|&(_, c)| c == Col::ResourceId),
        ..CurFile::default()
    };
    let wanted: BTreeMap<&str, Col> = columns
        .iter()
        .map(|&(i, c)| (names[i].as_str(), c))
        .collect();
    let rows = reader
        .get_row_iter(None)
        .map_err(|e| whole(format!("cannot read its rows: {e}")))?;
    let mut errors = Vec::new();
    for (n, row) in rows.enumerate() {
        let at = n + 1;
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                errors.push(CurError {
                    what: "row",
                    at,
                    message: format!("unreadable: {e}"),
                });
                break;
            }
        };
        let mut v = Values::default();
        for (name, field) in row.get_column_iter() {
            let Some(&col) = wanted.get(name.as_str()) else {
                continue;
            };
            if col == Col::UnblendedCost {
                if let parquet::record::Field::Double(d) = field {
                    v.cost_f64 = Some(*d);
                }
            }
            v.get.insert(col as u8, parquet_text(field));
        }
        if let Err(message) = take_row(&v, &mut out) {
            errors.push(CurError {
                what: "row",
                at,
                message,
            });
        }
        if errors.len() >= MAX_ERRORS {
            break;
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A Parquet value as the CSV would print it: timestamps as RFC 3339,
/// dates as `YYYY-MM-DD`, nulls empty.
fn parquet_text(field: &parquet::record::Field) -> String {
    use parquet::record::Field;
    let ts = |t: Option<DateTime<Utc>>| {
        t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    match field {
        Field::Null => String::new(),
        Field::Str(s) => s.clone(),
        Field::TimestampMillis(ms) => ts(DateTime::from_timestamp_millis(*ms)),
        Field::TimestampMicros(us) => ts(DateTime::from_timestamp_micros(*us)),
        Field::Date(days) => NaiveDate::from_num_days_from_ce_opt(719_163 + *days)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        other => other.to_string(),
    }
}

/// A report timestamp: RFC 3339 (`2026-01-01T00:00:00Z`, the legacy CSV
/// form), or `YYYY-MM-DD HH:MM:SS[.fff]` / `YYYY-MM-DDTHH:MM:SS[.fff]` in UTC.
fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|t| t.and_utc())
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
}

/// An amount of dollars: exact when it has at most 12 fractional digits,
/// otherwise rounded to the nearest pico-dollar.
fn parse_cost(text: &str, as_double: Option<f64>) -> Option<PicoUsd> {
    if let Some(d) = as_double {
        let pico = (d * PicoUsd::PER_USD as f64).round();
        return (d.is_finite() && pico.abs() < i64::MAX as f64).then_some(PicoUsd(pico as i64));
    }
    PicoUsd::parse_decimal(text).or_else(|| {
        let d: f64 = text.parse().ok()?;
        parse_cost("", Some(d))
    })
}

/// Classifies one data row: a Lambda line item into `out.items`, another
/// product into the skipped counts.
fn take_row(v: &Values, out: &mut CurFile) -> Result<(), String> {
    out.rows_read += 1;
    let product = v.text(Col::ProductCode);
    if product != LAMBDA_PRODUCT_CODE {
        *out.skipped_by_product
            .entry(if product.is_empty() {
                "(none)".to_string()
            } else {
                product.to_string()
            })
            .or_default() += 1;
        return Ok(());
    }
    let time = |col: Col, name: &str| {
        let s = v.text(col);
        parse_time(s).ok_or_else(|| format!("{name} {s:?} is not a date and time"))
    };
    let billing_period = time(Col::BillingPeriod, "bill/BillingPeriodStartDate")?.date_naive();
    let usage_start = time(Col::UsageStart, "lineItem/UsageStartDate")?;
    let amount_text = v.text(Col::UsageAmount);
    let usage_amount = if amount_text.is_empty() {
        // Taxes and some credits carry no usage amount.
        0.0
    } else {
        amount_text
            .parse::<f64>()
            .ok()
            .filter(|a| a.is_finite())
            .ok_or_else(|| format!("lineItem/UsageAmount {amount_text:?} is not a number"))?
    };
    let cost_text = v.text(Col::UnblendedCost);
    let unblended_cost = parse_cost(cost_text, v.cost_f64)
        .ok_or_else(|| format!("lineItem/UnblendedCost {cost_text:?} is not an amount"))?;
    let account = v.text(Col::Account);
    if account.is_empty() {
        return Err("lineItem/UsageAccountId is empty".into());
    }
    let usage_type = v.text(Col::UsageType);
    let (prefix_region, charge) = match split_usage_type(usage_type) {
        Ok((region, charge)) => (Some(region), charge),
        Err(_) => (None, usage_type),
    };
    let region = match v.text(Col::Region) {
        "" if usage_type.is_empty() => String::new(),
        "" => match prefix_region {
            Some(r) => r.to_string(),
            None => {
                let prefix = usage_type.split('-').next().unwrap_or_default();
                *out.unknown_region_prefixes
                    .entry(prefix.to_string())
                    .or_default() += 1;
                String::new()
            }
        },
        r => r.to_string(),
    };
    let (kind, arch) = classify_usage_type(charge);
    let resource_id = v.text(Col::ResourceId);
    out.items.push(CurLineItemRow {
        billing_period,
        usage_start,
        account: account.to_string(),
        region,
        usage_type: usage_type.to_string(),
        kind: kind.as_str().to_string(),
        arch: arch.to_string(),
        operation: v.text(Col::Operation).to_string(),
        resource_id: resource_id.to_string(),
        function: function_from_arn(resource_id)
            .unwrap_or_default()
            .to_string(),
        line_item_type: v.text(Col::LineItemType).to_string(),
        line_item_id: v.text(Col::LineItemId).to_string(),
        usage_amount,
        unblended_cost,
        ..CurLineItemRow::default()
    });
    Ok(())
}

#[cfg(test)]
#[path = "aws_cur_tests.rs"]
mod tests;
