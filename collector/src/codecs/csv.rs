//! Invocation records as CSV with a header row (RFC 4180).
//!
//! The header names `invocations` columns, with the same names as the
//! NDJSON fields ([`super::ndjson`]); the columns may come in any order and
//! any subset. Each data row is turned into the JSON object it stands for and
//! decoded by [`ndjson::parse_line`], so both formats share one set of rules
//! (required fields, enumerations, billing, `start_time` as RFC 3339 or epoch
//! milliseconds, `cost_usd` as an exact decimal). CSV-specific rules:
//!
//! - Fields may be quoted; inside quotes `""` is a quote and commas and line
//!   breaks are data. Lines end with CRLF or LF, the last one optionally; a
//!   UTF-8 byte-order mark is skipped, and blank lines are ignored.
//! - An unknown header name is refused by name, on the header's line.
//! - An empty (or all-blank) cell means the field is absent.
//! - Numeric columns must hold numbers (whole numbers for the integer
//!   columns); anything else is refused naming the column.
//! - `source` defaults to `csv`.
//!
//! Line numbers in errors are the physical line on which a record starts.

use super::ndjson::{self, RecordError};
use chrono::{DateTime, Utc};
use faasight_store::InvocationRow;
use serde_json::{Map, Number, Value};

/// At most this many errors are reported for a body.
const MAX_ERRORS: usize = 10;

/// How a column's cells become JSON values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A string, as written.
    Text,
    /// A whole number that fits in 32 bits.
    U32,
    /// A whole number that fits in 64 bits.
    U64,
    /// A finite decimal number.
    F64,
    /// Epoch milliseconds (digits only) or RFC 3339 text.
    Time,
}

/// The columns a header may name: the `invocations` table's, as the NDJSON
/// codec accepts them (`start_time_ms` and `batch_id` included).
const COLUMNS: &[(&str, Kind)] = &[
    ("tenant", Kind::Text),
    ("provider", Kind::Text),
    ("account", Kind::Text),
    ("region", Kind::Text),
    ("function", Kind::Text),
    ("version", Kind::Text),
    ("runtime", Kind::Text),
    ("arch", Kind::Text),
    ("memory_mb", Kind::U32),
    ("timeout_ms", Kind::U32),
    ("request_id", Kind::Text),
    ("instance_id", Kind::Text),
    ("trace_id", Kind::Text),
    ("start_time", Kind::Time),
    ("start_time_ms", Kind::U64),
    ("duration_ms", Kind::F64),
    ("billed_duration_ms", Kind::U64),
    ("init_duration_ms", Kind::F64),
    ("restore_duration_ms", Kind::F64),
    ("billed_restore_duration_ms", Kind::U64),
    ("cpu_time_ms", Kind::F64),
    ("start_type", Kind::Text),
    ("max_memory_used_mb", Kind::U32),
    ("status", Kind::Text),
    ("error_type", Kind::Text),
    ("trigger", Kind::Text),
    ("cost_usd", Kind::Text),
    ("source", Kind::Text),
    ("ingested_at", Kind::Text),
    ("batch_id", Kind::Text),
    ("batch_row", Kind::U32),
];

/// One CSV record: its cells, unquoted, and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecord {
    /// The physical line (1-based) on which the record starts.
    pub line: usize,
    /// The cells, with quotes removed and `""` unescaped.
    pub fields: Vec<String>,
}

/// Text that is not well-formed CSV.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct CsvSyntaxError {
    /// The physical line (1-based) of the fault.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// The records of a CSV text, in order; see [`records`]. Stops after the
/// first syntax error.
#[derive(Debug, Clone)]
pub struct CsvRecords<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
    done: bool,
}

/// Reads `text` as RFC 4180 CSV, skipping a leading UTF-8 byte-order mark
/// and blank lines. The first record is the header, if the text has one.
pub fn records(text: &str) -> CsvRecords<'_> {
    CsvRecords {
        text: text.strip_prefix('\u{feff}').unwrap_or(text),
        pos: 0,
        line: 1,
        done: false,
    }
}

impl<'a> CsvRecords<'a> {
    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or_default()
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Consumes one line ending (CRLF, LF or a lone CR), if there is one.
    fn newline(&mut self) {
        match self.peek() {
            Some(b'\r') => {
                self.pos += 1;
                if self.peek() == Some(b'\n') {
                    self.pos += 1;
                }
                self.line += 1;
            }
            Some(b'\n') => {
                self.pos += 1;
                self.line += 1;
            }
            _ => {}
        }
    }

    /// Skips lines holding nothing but spaces and tabs.
    fn skip_blank_lines(&mut self) {
        loop {
            let rest = self.rest();
            let eol = rest.find(['\r', '\n']).unwrap_or(rest.len());
            let blank = rest
                .get(..eol)
                .is_some_and(|l| l.trim_matches([' ', '\t']).is_empty());
            if !blank || rest.is_empty() {
                return;
            }
            self.pos += eol;
            if self.peek().is_none() {
                return;
            }
            self.newline();
        }
    }

    fn error(&self, line: usize, reason: &str) -> CsvSyntaxError {
        CsvSyntaxError {
            line,
            reason: reason.to_string(),
        }
    }

    /// A quoted field; `pos` is on the opening quote.
    fn quoted(&mut self) -> Result<String, CsvSyntaxError> {
        let open_line = self.line;
        self.pos += 1;
        let mut value = String::new();
        loop {
            let rest = self.rest();
            let Some(q) = rest.find('"') else {
                return Err(self.error(open_line, "a quoted field is not closed"));
            };
            let chunk = rest.get(..q).unwrap_or_default();
            self.line += count_line_breaks(chunk);
            value.push_str(chunk);
            self.pos += q + 1;
            if self.peek() == Some(b'"') {
                value.push('"');
                self.pos += 1;
            } else {
                break;
            }
        }
        match self.peek() {
            None | Some(b',' | b'\r' | b'\n') => Ok(value),
            Some(_) => Err(self.error(
                self.line,
                "text after the closing quote of a field (a quote inside a quoted field is written \"\")",
            )),
        }
    }

    /// An unquoted field, up to the next comma or line break.
    fn unquoted(&mut self) -> Result<String, CsvSyntaxError> {
        let rest = self.rest();
        let end = rest.find([',', '\r', '\n']).unwrap_or(rest.len());
        let value = rest.get(..end).unwrap_or_default();
        if value.contains('"') {
            return Err(self.error(
                self.line,
                "a quote inside an unquoted field (quote the whole field and write the quote as \"\")",
            ));
        }
        self.pos += end;
        Ok(value.to_string())
    }

    fn record(&mut self) -> Result<CsvRecord, CsvSyntaxError> {
        let line = self.line;
        let mut fields = Vec::new();
        loop {
            let field = if self.peek() == Some(b'"') {
                self.quoted()?
            } else {
                self.unquoted()?
            };
            fields.push(field);
            match self.peek() {
                Some(b',') => self.pos += 1,
                _ => {
                    // End of text or a line break: the record is complete.
                    self.newline();
                    return Ok(CsvRecord { line, fields });
                }
            }
        }
    }
}

impl Iterator for CsvRecords<'_> {
    type Item = Result<CsvRecord, CsvSyntaxError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        self.skip_blank_lines();
        if self.peek().is_none() {
            self.done = true;
            return None;
        }
        let record = self.record();
        if record.is_err() {
            self.done = true;
        }
        Some(record)
    }
}

/// Line breaks in `s`: CRLF, LF and lone CR each count once.
fn count_line_breaks(s: &str) -> usize {
    s.matches('\n').count() + s.matches('\r').count() - s.matches("\r\n").count()
}

fn syntax_error(e: CsvSyntaxError) -> (usize, RecordError) {
    (
        e.line,
        RecordError::Field {
            field: "csv",
            reason: e.reason,
        },
    )
}

/// Resolves the header's names to known columns, or names the faults.
fn header_columns(header: &CsvRecord) -> Result<Vec<(&'static str, Kind)>, RecordError> {
    let mut columns = Vec::with_capacity(header.fields.len());
    let mut unknown = Vec::new();
    for (i, name) in header.fields.iter().enumerate() {
        let name = name.trim();
        if name.is_empty() {
            return Err(RecordError::Field {
                field: "header",
                reason: format!("column {} has no name", i + 1),
            });
        }
        match COLUMNS.iter().find(|(c, _)| *c == name) {
            Some(&(c, _)) if columns.iter().any(|&(seen, _)| seen == c) => {
                return Err(RecordError::Field {
                    field: "header",
                    reason: format!("column `{c}` appears more than once"),
                });
            }
            Some(&column) => columns.push(column),
            None => unknown.push(format!("`{name}`")),
        }
    }
    match unknown.len() {
        0 => Ok(columns),
        1 => Err(RecordError::Field {
            field: "header",
            reason: format!("unknown column {}", unknown.join("")),
        }),
        _ => Err(RecordError::Field {
            field: "header",
            reason: format!("unknown columns {}", unknown.join(", ")),
        }),
    }
}

/// The JSON value of a non-empty cell.
fn cell_value(column: &'static str, kind: Kind, cell: &str) -> Result<Value, RecordError> {
    let t = cell.trim();
    let bad = |what: &str| RecordError::Field {
        field: column,
        reason: format!("{cell:?} is not {what}"),
    };
    let whole = |max: u64| {
        t.parse::<u64>()
            .ok()
            .filter(|v| *v <= max)
            .map(Value::from)
            .ok_or_else(|| bad(&format!("a whole number from 0 to {max}")))
    };
    match kind {
        Kind::Text => Ok(Value::String(cell.to_string())),
        Kind::U32 => whole(u32::MAX.into()),
        Kind::U64 => whole(u64::MAX),
        Kind::F64 => t
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| bad("a finite number")),
        Kind::Time if t.bytes().all(|b| b.is_ascii_digit()) => whole(u64::MAX),
        Kind::Time => Ok(Value::String(t.to_string())),
    }
}

/// Decodes one data record under `columns`.
fn record_row(
    columns: &[(&'static str, Kind)],
    record: &CsvRecord,
    now: DateTime<Utc>,
) -> Result<InvocationRow, RecordError> {
    if record.fields.len() != columns.len() {
        return Err(RecordError::Field {
            field: "row",
            reason: format!(
                "{} cells, but the header names {} columns",
                record.fields.len(),
                columns.len()
            ),
        });
    }
    let mut object = Map::new();
    for (&(column, kind), cell) in columns.iter().zip(&record.fields) {
        if cell.trim().is_empty() {
            continue;
        }
        object.insert(column.to_string(), cell_value(column, kind, cell)?);
    }
    if !object.contains_key("source") {
        object.insert("source".into(), "csv".into());
    }
    ndjson::parse_line(&Value::Object(object).to_string(), now)
}

/// Decodes a CSV body whose header names `invocations` columns (the NDJSON
/// field names and rules). All-or-nothing like [`ndjson::parse_body`]: on
/// any fault, returns up to ten errors as `(line number, error)` and no
/// rows. An empty or header-only body has no rows.
pub fn parse_body(
    body: &str,
    now: DateTime<Utc>,
) -> Result<Vec<InvocationRow>, Vec<(usize, RecordError)>> {
    let mut records = records(body);
    let header = match records.next() {
        None => return Ok(Vec::new()),
        Some(Err(e)) => return Err(vec![syntax_error(e)]),
        Some(Ok(header)) => header,
    };
    let columns = header_columns(&header).map_err(|e| vec![(header.line, e)])?;
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for record in records {
        let result = match record {
            Ok(record) => record_row(&columns, &record, now).map_err(|e| (record.line, e)),
            Err(e) => Err(syntax_error(e)),
        };
        match result {
            Ok(row) => rows.push(row),
            Err(e) if errors.len() < MAX_ERRORS => errors.push(e),
            Err(_) => {}
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
#[path = "csv_tests.rs"]
mod tests;
