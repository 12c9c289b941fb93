//! `faasight import`: bulk loads of invocation records from files.

use super::InputError;
use crate::cli::{ImportArgs, ImportFormat};
use faasight_collector::codecs::ndjson;
use faasight_collector::sink::ClickHouseSink;
use std::io::{Read, Write};
use std::path::Path;

fn read_input(path: &Path) -> anyhow::Result<String> {
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text)?;
    } else {
        text = std::fs::read_to_string(path)
            .map_err(|e| InputError(format!("cannot read {}: {e}", path.display())))?;
    }
    Ok(text)
}

pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    // Every file is decoded before anything is stored: a bad line anywhere
    // stores nothing, so fixing the file and re-running never duplicates.
    let mut rows = Vec::new();
    for path in &args.files {
        let text = read_input(path)?;
        match args.format {
            ImportFormat::Ndjson => match ndjson::parse_body(&text, now) {
                Ok(r) => rows.extend(r),
                Err(errors) => {
                    let list: Vec<String> = errors
                        .iter()
                        .map(|(n, e)| format!("{}:{n}: {e}", path.display()))
                        .collect();
                    return Err(InputError(format!(
                        "nothing was imported; fix these lines first:\n  {}",
                        list.join("\n  ")
                    ))
                    .into());
                }
            },
        }
    }
    if args.dry_run {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        for row in &rows {
            writeln!(out, "{}", ndjson::to_line(row))?;
        }
        out.flush()?;
        return Ok(());
    }
    let store = super::connect(&args.db.clickhouse_url).await?;
    super::migrate_quietly(&store).await?;
    ClickHouseSink::new(store).write_invocations(&rows).await?;
    eprintln!("import: stored {} invocations", rows.len());
    Ok(())
}
