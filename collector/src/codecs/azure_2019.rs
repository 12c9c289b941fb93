//! The Azure Functions 2019 public trace, read as it is and expanded into
//! invocation records.
//!
//! Data: M. Shahrad et al., "Serverless in the Wild: Characterizing and
//! Optimizing the Serverless Workload at a Large Cloud Provider", USENIX ATC
//! 2020; Azure Public Dataset (github.com/Azure/AzurePublicDataset,
//! `AzureFunctionsDataset2019.md`), licence CC-BY 4.0. faasight uses the
//! 1,000-function, 24-hour sample in `sample-data/azure-functions-2019/` (with its licence and provenance);
//! its `PROVENANCE.md` says how it was made. Three files:
//!
//! - [`INVOCATIONS_FILE`]: per function, invocations in each minute of the
//!   day (`HashFunction, HashOwner, HashApp, minute_1..minute_1440` in the
//!   sample; the original files' `HashOwner, HashApp, HashFunction, Trigger,
//!   1..1440` is read too). Columns are found by name.
//! - [`DURATIONS_FILE`]: per function, execution time in ms (cold starts
//!   excluded): `Minimum`, `Maximum` and percentiles 1, 25, 50, 75, 99.
//! - [`MEMORY_FILE`]: per app, allocated memory in MB: percentiles 1, 5, 25,
//!   50, 75, 95, 99, 100.
//!
//! The trace has counts and distributions, not invocations. [`expand`]
//! makes invocations from them: each minute's count becomes that many
//! invocations at seeded uniform times in the minute, each with a duration
//! and a memory drawn from the function's (app's) percentiles through a
//! piecewise-linear inverse CDF ([`inverse_cdf`]). Caveats: the duration
//! percentiles of the trace are weighted percentiles of per-minute
//! *averages*, so drawn durations spread less than real ones between the
//! minimum and the maximum; the sample's sampler overwrote owner and app
//! hashes with the function hash and dropped the trigger column (rows then
//! have an empty `trigger`); the day of the trace is not recorded, so rows are
//! placed on [`AzureTraceOptions::day`]. Draws depend only on the seed, the
//! function and the minute, so a function's rows do not change when other
//! functions are filtered out or the batch size changes.

use super::csv::{records, CsvRecord};
use crate::normalize::{normalize, NormalizeError};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use faasight_store::InvocationRow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Invocations of one function in one minute, at most. Each becomes a row
/// (and its offset a 4-byte sort key): an absurd count in a trace file
/// must be an error, not gigabytes of memory. The 1,000-function sample's
/// largest is 2,889; the full trace's busiest functions stay well below.
pub const MAX_PER_MINUTE: u32 = 1_000_000;
/// Per-minute invocation counts per function.
pub const INVOCATIONS_FILE: &str = "1000_inv.csv";
/// Execution-time percentiles per function.
pub const DURATIONS_FILE: &str = "1000_run.csv";
/// Allocated-memory percentiles per app.
pub const MEMORY_FILE: &str = "1000_mem.csv";
/// Minutes in the trace's day: the length of [`FunctionMinutes::counts`].
pub const MINUTES: usize = 1440;
/// The largest batch [`expand`] passes to its sink.
pub const MAX_BATCH_ROWS: usize = 100_000;
/// `memory_mb` of expanded rows: the Consumption plan's instance size.
pub const INSTANCE_MEMORY_MB: u32 = 1536;
/// `source` of expanded rows.
pub const SOURCE: &str = "azure-2019";

/// Options of the expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureTraceOptions {
    /// Seed of every draw: the same seed gives the same rows.
    pub seed: u64,
    /// The (anonymous) trace day is placed on this UTC day.
    pub day: NaiveDate,
    /// `tenant` of the rows.
    pub tenant: String,
    /// `region` of the rows, e.g. `eastus`.
    pub region: String,
    /// Expand only the first this many functions of the invocation file.
    pub max_functions: Option<usize>,
    /// Rows per sink call, from 1 to [`MAX_BATCH_ROWS`] (other values are
    /// brought into that range).
    pub batch_rows: usize,
}

impl AzureTraceOptions {
    /// Options for `seed` and `day`, with tenant `default`, region
    /// `eastus`, every function and full batches.
    pub fn new(seed: u64, day: NaiveDate) -> AzureTraceOptions {
        AzureTraceOptions {
            seed,
            day,
            tenant: "default".into(),
            region: "eastus".into(),
            max_functions: None,
            batch_rows: MAX_BATCH_ROWS,
        }
    }
}

/// Why the trace could not be read or expanded. Each names its file, and
/// the line where there is one.
#[derive(Debug, thiserror::Error)]
pub enum AzureTraceError {
    /// A trace file does not exist.
    #[error("{}: the trace file is missing", file.display())]
    Missing {
        /// The file.
        file: PathBuf,
    },
    /// A trace file could not be read.
    #[error("{}: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file's header lacks a column.
    #[error("{}:{line}: {reason}", file.display())]
    Header {
        /// The file.
        file: PathBuf,
        /// The header's line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A row is malformed (CSV syntax, cell count, empty function hash).
    #[error("{}:{line}: {reason}", file.display())]
    Row {
        /// The file.
        file: PathBuf,
        /// The row's line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A cell is not the number its column holds.
    #[error("{}:{line}: {column}: {value:?} is not {expected}", file.display())]
    Number {
        /// The file.
        file: PathBuf,
        /// The row's line.
        line: usize,
        /// The column's name.
        column: String,
        /// The cell.
        value: String,
        /// What the column holds.
        expected: &'static str,
    },
    /// The options cannot be used (a day before 1970 or after 9999).
    #[error("invalid options: {0}")]
    Options(String),
}

/// Per-minute counts of one function, exactly as in the trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionMinutes {
    /// Owner hash.
    pub owner: String,
    /// App hash.
    pub app: String,
    /// Function hash.
    pub function: String,
    /// Trigger (`http`, `timer`, `queue`, `event`, `storage`,
    /// `orchestration`, `others`), empty when the file has no such column.
    pub trigger: String,
    /// Invocations in each minute of the day ([`MINUTES`] values).
    pub counts: Vec<u32>,
}

impl FunctionMinutes {
    /// Invocations over the day.
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|&c| u64::from(c)).sum()
    }
}

/// Why a function produced no rows although it has invocations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// The durations file has no row for it.
    NoDurations,
}

/// A function [`expand`] left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFunction {
    /// Owner hash.
    pub owner: String,
    /// App hash.
    pub app: String,
    /// Function hash.
    pub function: String,
    /// Why.
    pub reason: SkipReason,
    /// Its invocations in the trace, which have no rows.
    pub invocations: u64,
}

/// What [`expand`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExpandSummary {
    /// Rows passed to the sink.
    pub rows: u64,
    /// Sink calls.
    pub batches: u64,
    /// Functions considered (the invocation file's, up to `max_functions`).
    pub functions: usize,
    /// Functions expanded (those with durations).
    pub functions_expanded: usize,
    /// Expanded functions whose app has no memory percentiles: their rows
    /// have `max_memory_used_mb` 0 and are billed at the instance size.
    pub functions_without_memory: usize,
    /// Functions left out, with the reason.
    pub skipped: Vec<SkippedFunction>,
}

impl ExpandSummary {
    /// Invocations of the trace that have no rows.
    pub fn skipped_invocations(&self) -> u64 {
        self.skipped.iter().map(|s| s.invocations).sum()
    }
}

/// Why [`expand`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExpandError<E> {
    /// The trace could not be read.
    #[error(transparent)]
    Trace(#[from] AzureTraceError),
    /// A row was refused by normalization (not expected from a valid trace).
    #[error("function {function}, minute {minute}: {source}")]
    Record {
        /// Function hash.
        function: String,
        /// Minute of the day, from 0.
        minute: usize,
        /// The cause.
        source: NormalizeError,
    },
    /// The sink failed; rows of earlier batches were delivered.
    #[error("sink: {0}")]
    Sink(#[source] E),
}

/// Value of a piecewise-linear inverse CDF through `knots`, given as
/// `(probability, value)` pairs in increasing probability, at probability
/// `u`: the knot's value at a knot, linear in between, the first (last)
/// value below (above) the knots, 0 without knots.
pub fn inverse_cdf(knots: &[(f64, f64)], u: f64) -> f64 {
    let Some(&(p0, v0)) = knots.first() else {
        return 0.0;
    };
    if u <= p0 {
        return v0;
    }
    for pair in knots.windows(2) {
        if let [(pa, va), (pb, vb)] = *pair {
            if u <= pb {
                return if pb > pa {
                    va + (vb - va) * (u - pa) / (pb - pa)
                } else {
                    vb
                };
            }
        }
    }
    knots.last().map_or(v0, |&(_, v)| v)
}

/// A parsed trace file: header and rows.
struct Table {
    file: PathBuf,
    header_line: usize,
    columns: HashMap<String, usize>,
    width: usize,
    rows: Vec<CsvRecord>,
}

impl Table {
    fn read(dir: &Path, name: &str) -> Result<Table, AzureTraceError> {
        let file = dir.join(name);
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(AzureTraceError::Missing { file })
            }
            Err(source) => return Err(AzureTraceError::Io { file, source }),
        };
        let mut rows = Vec::new();
        for record in records(&text) {
            match record {
                Ok(r) => rows.push(r),
                Err(e) => {
                    return Err(AzureTraceError::Row {
                        file,
                        line: e.line,
                        reason: e.reason,
                    })
                }
            }
        }
        let mut rows = rows.into_iter();
        let Some(header) = rows.next() else {
            return Err(AzureTraceError::Header {
                file,
                line: 1,
                reason: "the file is empty".into(),
            });
        };
        let columns = header
            .fields
            .iter()
            .enumerate()
            .rev() // the first of duplicate names wins
            .map(|(i, name)| (name.trim().to_string(), i))
            .collect();
        let table = Table {
            file,
            header_line: header.line,
            columns,
            width: header.fields.len(),
            rows: rows.collect(),
        };
        for row in &table.rows {
            if row.fields.len() != table.width {
                return Err(AzureTraceError::Row {
                    file: table.file.clone(),
                    line: row.line,
                    reason: format!(
                        "{} cells, but the header has {}",
                        row.fields.len(),
                        table.width
                    ),
                });
            }
        }
        Ok(table)
    }

    fn column(&self, name: &str) -> Result<usize, AzureTraceError> {
        self.columns
            .get(name)
            .copied()
            .ok_or_else(|| AzureTraceError::Header {
                file: self.file.clone(),
                line: self.header_line,
                reason: format!("no column `{name}`"),
            })
    }

    fn text(row: &CsvRecord, i: usize) -> &str {
        row.fields.get(i).map_or("", |s| s.trim())
    }

    /// A non-empty text cell.
    fn hash(&self, row: &CsvRecord, i: usize, name: &str) -> Result<String, AzureTraceError> {
        match Table::text(row, i) {
            "" => Err(AzureTraceError::Row {
                file: self.file.clone(),
                line: row.line,
                reason: format!("{name} is empty"),
            }),
            s => Ok(s.to_string()),
        }
    }

    fn number<T: std::str::FromStr>(
        &self,
        row: &CsvRecord,
        i: usize,
        expected: &'static str,
        valid: impl Fn(&T) -> bool,
    ) -> Result<T, AzureTraceError> {
        let cell = Table::text(row, i);
        cell.parse::<T>()
            .ok()
            .filter(valid)
            .ok_or_else(|| AzureTraceError::Number {
                file: self.file.clone(),
                line: row.line,
                column: self.name_of(i),
                value: cell.to_string(),
                expected,
            })
    }

    fn name_of(&self, i: usize) -> String {
        self.columns
            .iter()
            .find(|&(_, &c)| c == i)
            .map_or_else(|| format!("column {}", i + 1), |(n, _)| n.clone())
    }

    /// Knots at the given probabilities from the given columns' cells,
    /// made non-decreasing.
    fn knots<const N: usize>(
        &self,
        row: &CsvRecord,
        columns: &[(f64, usize); N],
    ) -> Result<[(f64, f64); N], AzureTraceError> {
        let mut knots = [(0.0, 0.0); N];
        let mut floor = 0.0_f64;
        for (knot, &(p, i)) in knots.iter_mut().zip(columns) {
            let v: f64 = self.number(row, i, "a number ≥ 0", |v: &f64| {
                v.is_finite() && *v >= 0.0
            })?;
            floor = floor.max(v);
            *knot = (p, floor);
        }
        Ok(knots)
    }
}

/// Reads the per-minute counts of every function, in file order.
pub fn read_minutes(dir: &Path) -> Result<Vec<FunctionMinutes>, AzureTraceError> {
    let t = Table::read(dir, INVOCATIONS_FILE)?;
    let (owner, app, function) = (
        t.column("HashOwner")?,
        t.column("HashApp")?,
        t.column("HashFunction")?,
    );
    let trigger = t.columns.get("Trigger").copied();
    let mut minutes = Vec::with_capacity(MINUTES);
    for m in 1..=MINUTES {
        let named = format!("minute_{m}");
        let i = match t.columns.get(&named) {
            Some(&i) => i,
            None => t
                .column(&m.to_string())
                .map_err(|_| AzureTraceError::Header {
                    file: t.file.clone(),
                    line: t.header_line,
                    reason: format!("no column `{named}` (or `{m}`)"),
                })?,
        };
        minutes.push(i);
    }
    let mut out = Vec::with_capacity(t.rows.len());
    for row in &t.rows {
        let counts = minutes
            .iter()
            .map(|&i| {
                t.number(
                    row,
                    i,
                    "a whole number from 0 to 1,000,000 (invocations in one minute)",
                    |n: &u32| *n <= MAX_PER_MINUTE,
                )
            })
            .collect::<Result<Vec<u32>, _>>()?;
        out.push(FunctionMinutes {
            owner: Table::text(row, owner).to_string(),
            app: Table::text(row, app).to_string(),
            function: t.hash(row, function, "HashFunction")?,
            trigger: trigger.map_or("", |i| Table::text(row, i)).to_string(),
            counts,
        });
    }
    Ok(out)
}

type DurationKnots = [(f64, f64); 7];
type MemoryKnots = [(f64, f64); 8];

/// Duration knots per (owner, app, function); the first row of each wins.
fn read_durations(
    dir: &Path,
) -> Result<HashMap<(String, String, String), DurationKnots>, AzureTraceError> {
    let t = Table::read(dir, DURATIONS_FILE)?;
    let (owner, app, function) = (
        t.column("HashOwner")?,
        t.column("HashApp")?,
        t.column("HashFunction")?,
    );
    let columns = [
        (0.0, t.column("Minimum")?),
        (0.01, t.column("percentile_Average_1")?),
        (0.25, t.column("percentile_Average_25")?),
        (0.5, t.column("percentile_Average_50")?),
        (0.75, t.column("percentile_Average_75")?),
        (0.99, t.column("percentile_Average_99")?),
        (1.0, t.column("Maximum")?),
    ];
    let mut out = HashMap::with_capacity(t.rows.len());
    for row in &t.rows {
        let key = (
            Table::text(row, owner).to_string(),
            Table::text(row, app).to_string(),
            t.hash(row, function, "HashFunction")?,
        );
        let knots = t.knots(row, &columns)?;
        out.entry(key).or_insert(knots);
    }
    Ok(out)
}

/// Memory knots per (owner, app); the first row of each wins. The trace
/// has no minimum, so probabilities below 1 % take the 1st percentile.
fn read_memory(dir: &Path) -> Result<HashMap<(String, String), MemoryKnots>, AzureTraceError> {
    let t = Table::read(dir, MEMORY_FILE)?;
    let (owner, app) = (t.column("HashOwner")?, t.column("HashApp")?);
    let mut columns = [(0.0, 0); 8];
    for (c, (p, pct)) in columns.iter_mut().zip([
        (0.01, 1),
        (0.05, 5),
        (0.25, 25),
        (0.5, 50),
        (0.75, 75),
        (0.95, 95),
        (0.99, 99),
        (1.0, 100),
    ]) {
        *c = (p, t.column(&format!("AverageAllocatedMb_pct{pct}"))?);
    }
    let mut out = HashMap::with_capacity(t.rows.len());
    for row in &t.rows {
        let key = (
            Table::text(row, owner).to_string(),
            t.hash(row, app, "HashApp")?,
        );
        let knots = t.knots(row, &columns)?;
        out.entry(key).or_insert(knots);
    }
    Ok(out)
}

/// SplitMix64 (Steele, Lea & Flood, 2014): small, fast and fixed forever,
/// so a seed gives the same rows on every machine and version.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix64(self.0)
    }

    /// Uniform in [0, 1).
    fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [0, n).
    fn below(&mut self, n: u32) -> u32 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u32
    }
}

/// SplitMix64's output function: a bijective 64-bit mix.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// FNV-1a over the function's identity, so that draws follow the function,
/// not its position in the file.
fn function_key(seed: u64, f: &FunctionMinutes) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [&f.owner, &f.app, &f.function] {
        for b in part.bytes().chain([0xff]) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    mix64(seed ^ mix64(h))
}

/// A request id from the function-minute's seed and the invocation's index.
fn request_id(minute_seed: u64, index: u64) -> String {
    let a = mix64(minute_seed ^ mix64(index.wrapping_add(0x5851_f42d_4c95_7f2d)));
    let b = mix64(a ^ 0x2545_f491_4f6c_dd1d);
    format!("{a:016x}{b:016x}")
}

/// One function to expand.
struct Plan<'a> {
    f: &'a FunctionMinutes,
    key: u64,
    durations: DurationKnots,
    memory: Option<MemoryKnots>,
}

/// Expands the trace in `dir` into invocation records and passes them to
/// `sink` in batches of at most [`AzureTraceOptions::batch_rows`] rows.
///
/// Every minute with n invocations gives n rows whose start times are
/// uniform (whole ms, seeded) within the minute, in time order. Durations
/// are drawn from the function's percentiles (knots (0, min), (0.01, p1),
/// (0.25, p25), (0.5, p50), (0.75, p75), (0.99, p99), (1, max)), rounded to
/// µs; functions missing from the durations file are skipped and counted.
/// `max_memory_used_mb` is drawn likewise from the app's allocated-memory
/// percentiles, rounded to MB, or 0 when the app is missing. Rows come
/// minute by minute, and within a minute function by function in file
/// order. Each row is normalized (billing: 100 ms minimum, memory rounded
/// up to 128 MB) with `ingested_at` at the end of the day. Deterministic
/// for a seed.
pub fn expand<E>(
    dir: &Path,
    opts: &AzureTraceOptions,
    mut sink: impl FnMut(Vec<InvocationRow>) -> Result<(), E>,
) -> Result<ExpandSummary, ExpandError<E>> {
    let (day_ms, now) = day_bounds(opts.day)?;
    let mut functions = read_minutes(dir)?;
    if let Some(max) = opts.max_functions {
        functions.truncate(max);
    }
    let durations = read_durations(dir)?;
    let memory = read_memory(dir)?;

    let mut summary = ExpandSummary {
        functions: functions.len(),
        ..ExpandSummary::default()
    };
    let mut plans = Vec::with_capacity(functions.len());
    let mut remaining: u64 = 0;
    for f in &functions {
        let id = (f.owner.clone(), f.app.clone(), f.function.clone());
        let Some(&knots) = durations.get(&id) else {
            summary.skipped.push(SkippedFunction {
                owner: f.owner.clone(),
                app: f.app.clone(),
                function: f.function.clone(),
                reason: SkipReason::NoDurations,
                invocations: f.total(),
            });
            continue;
        };
        let (owner, app, _) = id;
        let memory = memory.get(&(owner, app)).copied();
        if memory.is_none() {
            summary.functions_without_memory += 1;
        }
        remaining += f.total();
        plans.push(Plan {
            f,
            key: function_key(opts.seed, f),
            durations: knots,
            memory,
        });
    }
    summary.functions_expanded = plans.len();

    let batch_rows = opts.batch_rows.clamp(1, MAX_BATCH_ROWS);
    let capacity =
        |remaining: u64| usize::try_from(remaining).map_or(batch_rows, |r| r.min(batch_rows));
    let mut batch = Vec::with_capacity(capacity(remaining));
    let mut offsets = Vec::new();
    for minute in 0..MINUTES {
        let minute_ms = day_ms + minute as u64 * 60_000;
        for plan in &plans {
            let n = plan.f.counts.get(minute).copied().unwrap_or(0);
            if n == 0 {
                continue;
            }
            let minute_seed = mix64(plan.key ^ mix64(minute as u64 + 1));
            let mut rng = SplitMix64(minute_seed);
            offsets.clear();
            offsets.extend((0..n).map(|_| rng.below(60_000)));
            offsets.sort_unstable();
            let [(_, lo), .., (_, hi)] = plan.durations;
            for (index, &offset) in offsets.iter().enumerate() {
                let duration = (inverse_cdf(&plan.durations, rng.f64()) * 1000.0).round() / 1000.0;
                let memory_used = plan
                    .memory
                    .map_or(0.0, |m| inverse_cdf(&m, rng.f64()).round());
                let mut row = InvocationRow {
                    tenant: opts.tenant.clone(),
                    provider: "azure_functions".into(),
                    account: plan.f.owner.clone(),
                    region: opts.region.clone(),
                    function: plan.f.function.clone(),
                    memory_mb: INSTANCE_MEMORY_MB,
                    request_id: request_id(minute_seed, index as u64),
                    start_time_ms: minute_ms + u64::from(offset),
                    duration_ms: duration.clamp(lo, hi),
                    start_type: "unknown".into(),
                    max_memory_used_mb: memory_used as u32,
                    status: "success".into(),
                    trigger: plan.f.trigger.clone(),
                    source: SOURCE.into(),
                    ..InvocationRow::default()
                };
                normalize(&mut row, now).map_err(|source| ExpandError::Record {
                    function: plan.f.function.clone(),
                    minute,
                    source,
                })?;
                batch.push(row);
                remaining = remaining.saturating_sub(1);
                if batch.len() >= batch_rows {
                    let full =
                        std::mem::replace(&mut batch, Vec::with_capacity(capacity(remaining)));
                    summary.rows += full.len() as u64;
                    summary.batches += 1;
                    sink(full).map_err(ExpandError::Sink)?;
                }
            }
        }
    }
    if !batch.is_empty() {
        summary.rows += batch.len() as u64;
        summary.batches += 1;
        sink(batch).map_err(ExpandError::Sink)?;
    }
    Ok(summary)
}

/// The day's first millisecond since the epoch, and the next midnight (the
/// rows' `ingested_at`).
fn day_bounds(day: NaiveDate) -> Result<(u64, DateTime<Utc>), AzureTraceError> {
    let start = day.and_time(NaiveTime::MIN).and_utc();
    let ms = u64::try_from(start.timestamp_millis())
        .map_err(|_| AzureTraceError::Options(format!("day {day} is before 1970-01-01")))?;
    let next = day
        .succ_opt()
        .ok_or_else(|| AzureTraceError::Options(format!("day {day} has no next day")))?;
    Ok((ms, next.and_time(NaiveTime::MIN).and_utc()))
}

#[cfg(test)]
#[path = "azure_2019_tests.rs"]
mod tests;
