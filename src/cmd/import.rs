//! `faasight import`: bulk loads from files, through the same decoders and
//! normalization as the collector's endpoints.
//!
//! Every file is decoded before anything is stored: a bad record anywhere
//! stores nothing, so fixing the file and re-running never duplicates.
//! `--dry-run` prints the normalized invocation records as NDJSON instead.

use super::InputError;
use crate::cli::{ImportArgs, ImportFormat};
use faasight_collector::codecs::{
    aws_cur, aws_inventory, azure_2019, cloudwatch, csv, lambda_log, lambda_telemetry, ndjson, otlp,
};
use faasight_collector::normalize::normalize;
use faasight_collector::transforms::lambda_env::{Assembler, FunctionIdentity};
use faasight_store::{CurLineItemRow, FunctionConfigRow, InvocationRow, LogRow};
use std::io::{IsTerminal, Read, Write};
use std::path::Path;

/// Largest input file read (after decompression for gzip payloads).
const MAX_INPUT_BYTES: usize = 4 << 30;

fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut bytes)?;
    } else {
        bytes = std::fs::read(path)
            .map_err(|e| InputError(format!("cannot read {}: {e}", path.display())))?;
    }
    Ok(bytes)
}

fn utf8<'a>(path: &Path, bytes: &'a [u8]) -> anyhow::Result<&'a str> {
    Ok(std::str::from_utf8(bytes)
        .map_err(|e| InputError(format!("{} is not UTF-8 text: {e}", path.display())))?)
}

fn bad_lines(path: &Path, errors: impl IntoIterator<Item = (usize, String)>) -> anyhow::Error {
    let list: Vec<String> = errors
        .into_iter()
        .map(|(n, e)| format!("{}:{n}: {e}", path.display()))
        .collect();
    InputError(format!(
        "nothing was imported; fix these first:\n  {}",
        list.join("\n  ")
    ))
    .into()
}

/// Decoded rows of all files.
#[derive(Default)]
struct Decoded {
    invocations: Vec<InvocationRow>,
    logs: Vec<LogRow>,
    configs: Vec<FunctionConfigRow>,
    cur: Vec<CurLineItemRow>,
}

/// `--seen-at`, or now.
fn seen_at(args: &ImportArgs) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    match &args.seen_at {
        None => Ok(chrono::Utc::now()),
        Some(t) => chrono::DateTime::parse_from_rfc3339(t)
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|e| {
                InputError(format!("--seen-at {t:?} is not an RFC 3339 time: {e}")).into()
            }),
    }
}

/// The function identity from the flags; `function` overrides --function
/// when the input names it.
fn identity(
    args: &ImportArgs,
    source: &str,
    function: Option<&str>,
) -> anyhow::Result<FunctionIdentity> {
    let id = &args.identity;
    let function = function
        .map(str::to_string)
        .or_else(|| id.function.clone())
        .ok_or_else(|| {
            InputError(format!(
                "--format {source} needs --function NAME: its lines do not name the function"
            ))
        })?;
    Ok(FunctionIdentity {
        tenant: args.tenant.clone(),
        account: id.account.clone().unwrap_or_default(),
        region: id.region.clone().unwrap_or_default(),
        function,
        version: id.function_version.clone().unwrap_or_default(),
        runtime: id.runtime.clone().unwrap_or_default(),
        arch: id.arch.clone().unwrap_or_default(),
        memory_mb: id.memory_mb.unwrap_or(0),
        timeout_ms: 0,
        instance_id: id.instance.clone().unwrap_or_default(),
        source: source.to_string(),
    })
}

fn decode(
    args: &ImportArgs,
    path: &Path,
    out: &mut Decoded,
    assembler: &mut Assembler,
) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    if args.format == ImportFormat::Azure2019 {
        return decode_azure(args, path, out);
    }
    if args.format == ImportFormat::AwsCur {
        return decode_cur(path, out);
    }
    let bytes = read_input(path)?;
    let normalized = |rows: Vec<InvocationRow>, out: &mut Decoded| -> anyhow::Result<()> {
        let mut errors = Vec::new();
        for mut row in rows {
            match normalize(&mut row, now) {
                Ok(()) => out.invocations.push(row),
                Err(e) => errors.push((0, format!("request {}: {e}", row.request_id))),
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(bad_lines(path, errors))
        }
    };
    match args.format {
        ImportFormat::AwsLambdaFunctions | ImportFormat::AwsProvisionedConcurrency => {
            let text = utf8(path, &bytes)?;
            let seen = seen_at(args)?;
            let rows = if args.format == ImportFormat::AwsLambdaFunctions {
                aws_inventory::parse_list_functions(text, &args.tenant, seen)
            } else {
                aws_inventory::parse_provisioned_concurrency(text, &args.tenant, seen)
            }
            .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
            out.configs.extend(rows);
        }
        ImportFormat::Ndjson | ImportFormat::Csv => {
            let text = utf8(path, &bytes)?;
            let parsed = if args.format == ImportFormat::Csv {
                csv::parse_body(text, now)
            } else {
                ndjson::parse_body(text, now)
            };
            match parsed {
                Ok(mut rows) => {
                    rows.iter_mut()
                        .filter(|r| r.tenant == "default")
                        .for_each(|r| r.tenant = args.tenant.clone());
                    out.invocations.extend(rows);
                }
                Err(errors) => {
                    return Err(bad_lines(
                        path,
                        errors.into_iter().map(|(n, e)| (n, e.to_string())),
                    ))
                }
            }
        }
        ImportFormat::Otlp => {
            let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
            let encoding = if first == Some(&b'{') {
                otlp::Encoding::Json
            } else {
                otlp::Encoding::Protobuf
            };
            let decoded = otlp::decode_traces(&bytes, encoding, &args.tenant)
                .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
            if decoded.rejected_spans > 0 {
                return Err(bad_lines(path, decoded.errors.into_iter().map(|e| (0, e))));
            }
            normalized(decoded.invocations, out)?;
        }
        ImportFormat::Azure2019 | ImportFormat::AwsCur => unreachable!("handled above"),
        ImportFormat::LambdaLog => {
            let id = identity(args, "lambda-log", None)?;
            let events = utf8(path, &bytes)?
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| (lambda_log::parse_line(l), now))
                .collect::<Vec<_>>();
            let assembled = assembler.push(&id, events);
            out.logs.extend(assembled.logs);
            normalized(assembled.invocations, out)?;
        }
        ImportFormat::LambdaTelemetry => {
            let id = identity(args, "lambda-telemetry", None)?;
            let results = lambda_telemetry::parse_body(utf8(path, &bytes)?)
                .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
            let mut events = Vec::new();
            let mut errors = Vec::new();
            for (n, r) in results.into_iter().enumerate() {
                match r {
                    Ok(e) => events.push((e, now)),
                    Err(e) => errors.push((n + 1, e.to_string())),
                }
            }
            if !errors.is_empty() {
                return Err(bad_lines(path, errors));
            }
            let assembled = assembler.push(&id, events);
            out.logs.extend(assembled.logs);
            normalized(assembled.invocations, out)?;
        }
        ImportFormat::CloudwatchSubscription => {
            let payload = cloudwatch::decode_body(&bytes, MAX_INPUT_BYTES)
                .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
            if payload.function().is_none() && args.identity.function.is_none() {
                return Err(InputError(format!(
                    "{}: log group {:?} is not /aws/lambda/NAME; pass --function",
                    path.display(),
                    payload.log_group
                ))
                .into());
            }
            let mut id = identity(args, "cloudwatch-subscription", payload.function())?;
            id.account = if payload.owner.is_empty() {
                id.account
            } else {
                payload.owner.clone()
            };
            id.version = payload.version().map(str::to_string).unwrap_or(id.version);
            id.instance_id = payload.log_stream.clone();
            let events = payload
                .log_events
                .iter()
                .flat_map(|e| {
                    let t = chrono::DateTime::from_timestamp_millis(e.timestamp).unwrap_or(now);
                    e.message
                        .lines()
                        .map(move |l| (lambda_log::parse_line(l), t))
                })
                .collect::<Vec<_>>();
            let assembled = assembler.push(&id, events);
            out.logs.extend(assembled.logs);
            normalized(assembled.invocations, out)?;
        }
    }
    Ok(())
}

/// Expands the Azure Functions 2019 trace directory `path` into invocations.
fn decode_azure(args: &ImportArgs, path: &Path, out: &mut Decoded) -> anyhow::Result<()> {
    let day = chrono::NaiveDate::parse_from_str(&args.day, "%Y-%m-%d")
        .map_err(|e| InputError(format!("--day {:?} is not YYYY-MM-DD: {e}", args.day)))?;
    let mut opts = azure_2019::AzureTraceOptions::new(args.seed, day);
    opts.tenant = args.tenant.clone();
    if let Some(region) = &args.identity.region {
        opts.region = region.clone();
    }
    let summary = azure_2019::expand(path, &opts, |rows| {
        out.invocations.extend(rows);
        Ok::<_, std::convert::Infallible>(())
    })
    .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
    if !summary.skipped.is_empty() {
        eprintln!(
            "import: {} functions of the trace have no durations and were skipped",
            summary.skipped.len()
        );
    }
    Ok(())
}

/// Reads the Lambda line items of a Cost and Usage Report file and prints
/// what it left out: other products, and regions it could not tell.
fn decode_cur(path: &Path, out: &mut Decoded) -> anyhow::Result<()> {
    let bytes = read_input(path)?;
    let file = aws_cur::parse_file(bytes).map_err(|errors| {
        bad_lines(
            path,
            errors.into_iter().map(|e| match e.what {
                // CSV lines are numbered like the other formats' (path:line).
                "line" => (e.at, e.message),
                _ => (e.at, format!("{} {}: {}", e.what, e.at, e.message)),
            }),
        )
    })?;
    let skipped: usize = file.skipped_by_product.values().sum();
    eprintln!(
        "import: {}: {} rows, {} AWS Lambda line items, {} rows of other products skipped{}",
        path.display(),
        file.rows_read,
        file.items.len(),
        skipped,
        if skipped == 0 {
            String::new()
        } else {
            format!(
                " ({})",
                file.skipped_by_product
                    .iter()
                    .map(|(p, n)| format!("{p}: {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    for (prefix, n) in &file.unknown_region_prefixes {
        eprintln!(
            "import: {}: {n} line items have no region and a usage-type prefix {prefix:?} \
             faasight does not know; they are stored without a region",
            path.display()
        );
    }
    if !file.has_resource_ids && !file.items.is_empty() {
        eprintln!(
            "import: {}: the report has no resource id column, so charges cannot be \
             attributed to functions (create the report with resource IDs included)",
            path.display()
        );
    }
    let source = path.display().to_string();
    out.cur.extend(file.items.into_iter().map(|mut i| {
        i.source_file = source.clone();
        i
    }));
    Ok(())
}

/// `[#####.....]  50% 5 / 10 invocations`: a bar of `width` cells.
fn progress_bar(done: usize, total: usize, width: usize) -> String {
    let share = if total == 0 {
        1.0
    } else {
        done as f64 / total as f64
    };
    let filled = ((share * width as f64).round() as usize).min(width);
    format!(
        "[{}{}] {:>3.0}% {done} / {total} invocations",
        "#".repeat(filled),
        ".".repeat(width - filled),
        share * 100.0
    )
}

pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    let mut decoded = Decoded::default();
    let mut assembler = Assembler::new();
    for path in &args.files {
        decode(&args, path, &mut decoded, &mut assembler)?;
    }
    if args.format == ImportFormat::AwsCur {
        return store_cur(&args, decoded.cur).await;
    }
    if args.dry_run {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        for row in &decoded.invocations {
            writeln!(out, "{}", ndjson::to_line(row))?;
        }
        for row in &decoded.configs {
            writeln!(out, "{}", serde_json::to_string(row)?)?;
        }
        out.flush()?;
        return Ok(());
    }
    let store = super::connect_db(&args.db).await?;
    super::migrate_quietly(&store).await?;
    let progress = std::io::stderr().is_terminal();
    let total = decoded.invocations.len();
    for (n, chunk) in decoded.invocations.chunks(100_000).enumerate() {
        store.insert_invocations(chunk).await?;
        if progress {
            eprint!(
                "\rimport: {}",
                progress_bar((n * 100_000 + chunk.len()).min(total), total, 30)
            );
        }
    }
    for chunk in decoded.logs.chunks(100_000) {
        store.insert_logs(chunk).await?;
    }
    if !decoded.configs.is_empty() {
        store.insert_function_configs(&decoded.configs).await?;
        eprintln!(
            "import: stored {} function configurations seen at {}",
            decoded.configs.len(),
            decoded.configs[0].seen_at.to_rfc3339()
        );
        return Ok(());
    }
    if progress {
        eprintln!();
    }
    eprintln!(
        "import: stored {} invocations and {} log records",
        total,
        decoded.logs.len()
    );
    super::materialize::pass(&store).await?;
    Ok(())
}

/// Stores the line items of all files as one import: its id sorts after
/// every earlier import's, so readers take it in place of what earlier
/// imports stored for the same billing periods and accounts
/// (migrations/0007_cur_line_items.sql).
async fn store_cur(args: &ImportArgs, mut items: Vec<CurLineItemRow>) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    let import_id = cur_import_id(now.timestamp_millis(), std::process::id());
    for i in &mut items {
        i.tenant = args.tenant.clone();
        i.import_id = import_id.clone();
        i.imported_at = now;
    }
    if args.dry_run {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        for row in &items {
            writeln!(out, "{}", serde_json::to_string(row)?)?;
        }
        out.flush()?;
        return Ok(());
    }
    let store = super::connect_db(&args.db).await?;
    super::migrate_quietly(&store).await?;
    // One INSERT: a report delivery is stored whole or not at all.
    store.insert_cur_line_items(&items).await?;
    let mut periods: Vec<String> = items.iter().map(|i| i.billing_period.to_string()).collect();
    periods.sort();
    periods.dedup();
    eprintln!(
        "import: stored {} AWS Lambda line items for tenant {} (import {import_id}, billing periods {})",
        items.len(),
        args.tenant,
        if periods.is_empty() { "none".to_string() } else { periods.join(", ") }
    );
    Ok(())
}

/// Zero-padded epoch milliseconds, then the process id: ids compare in
/// the order imports were made.
fn cur_import_id(epoch_ms: i64, pid: u32) -> String {
    format!("{epoch_ms:015}-{pid:010}")
}

#[cfg(test)]
mod tests {
    use super::{cur_import_id, progress_bar};

    #[test]
    fn cur_import_ids_sort_in_time_order() {
        let a = cur_import_id(999_999_999_999, 7);
        let b = cur_import_id(1_000_000_000_000, 1);
        assert!(a < b, "{a} {b}");
        assert_eq!(b, "001000000000000-0000000001");
    }

    #[test]
    fn the_bar_fills_with_the_share_done() {
        assert_eq!(progress_bar(0, 10, 4), "[....]   0% 0 / 10 invocations");
        assert_eq!(progress_bar(5, 10, 4), "[##..]  50% 5 / 10 invocations");
        assert_eq!(progress_bar(10, 10, 4), "[####] 100% 10 / 10 invocations");
        assert_eq!(progress_bar(0, 0, 2), "[##] 100% 0 / 0 invocations");
    }
}
