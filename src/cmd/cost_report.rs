//! `faasight report`: the monthly cost report as PDF, CSV or JSON — the
//! same document `GET /api/v1/report` serves and the cost page links to.

use super::InputError;
use crate::cli::{CostReportArgs, CostReportFormat};
use std::io::Write;

pub async fn run(args: CostReportArgs) -> anyhow::Result<()> {
    let store = super::connect_reader(&args.db.clickhouse_url).await?;
    let report = faasight_analyzer::cost_report::cost_report(
        &store,
        &args.tenant,
        &args.month,
        chrono::Utc::now(),
    )
    .await
    .map_err(|e| match e {
        faasight_analyzer::Error::Invalid(m) => anyhow::Error::from(InputError(m)),
        other => other.into(),
    })?;
    let bytes = match args.format {
        CostReportFormat::Json => (serde_json::to_string_pretty(&report)? + "\n").into_bytes(),
        CostReportFormat::Csv => faasight_report::csv::to_csv(&report).into_bytes(),
        CostReportFormat::Pdf => faasight_report::pdf::to_pdf(&report)?,
    };
    match &args.out {
        Some(path) => std::fs::write(path, &bytes)
            .map_err(|e| InputError(format!("cannot write {}: {e}", path.display())))?,
        None => match std::io::stdout().lock().write_all(&bytes) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
            _ => {}
        },
    }
    if let Some(path) = &args.out {
        eprintln!(
            "report: {} {} for tenant {:?} in {} ({} bytes)",
            report.month,
            if report.complete {
                "(complete)"
            } else {
                "(to date)"
            },
            report.tenant,
            path.display(),
            bytes.len()
        );
    }
    Ok(())
}
