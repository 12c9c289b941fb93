//! The bill's line items as CSV (RFC 4180), for a spreadsheet.
//!
//! One row per [`BillLine`](crate::BillLine) and no totals row: a reader sums
//! the `billed_usd` column, and since each amount is written exactly (see
//! [`usd_exact`]) that sum is the report's billed total to the pico-dollar.
//! A totals row would be summed along with the lines and double the total.
//!
//! For a month still running, one more row follows the lines: the month's
//! projected total (`provider` reads `projection`). Its amount columns are
//! empty, so the columns still sum to the bill; the figures are in its
//! `explanation`, written exactly as the amounts are.
//! When the month has an imported AWS Cost and Usage Report, the invoice
//! reconciliation follows as a second block after an empty record, under
//! its own header row (see [`RECONCILIATION_HEADER`]).

use crate::money::usd_exact;
use crate::CostReport;

/// The header row, in column order.
pub const HEADER: [&str; 12] = [
    "month",
    "tenant",
    "provider",
    "account",
    "region",
    "arch",
    "requests",
    "gb_seconds",
    "list_usd",
    "adjustment_usd",
    "billed_usd",
    "explanation",
];

/// The report's line items as CSV: the [`HEADER`] row, then one row per
/// bill line in the report's order. Records end with CRLF, as RFC 4180
/// asks; a field is quoted only when it holds a comma, a quote or a line
/// break.
pub fn to_csv(report: &CostReport) -> String {
    let mut out = String::new();
    push_record(&mut out, HEADER.iter().copied());
    for line in &report.lines {
        let requests = line.requests.to_string();
        let gb_seconds = line.gb_seconds.to_string();
        let list = usd_exact(line.list_pico);
        let adjustment = usd_exact(line.adjustment_pico);
        let billed = usd_exact(line.billed_pico);
        push_record(
            &mut out,
            [
                report.month.as_str(),
                report.tenant.as_str(),
                line.provider.as_str(),
                line.account.as_str(),
                line.region.as_str(),
                line.arch.as_str(),
                requests.as_str(),
                gb_seconds.as_str(),
                list.as_str(),
                adjustment.as_str(),
                billed.as_str(),
                line.explanation.as_str(),
            ],
        );
    }
    if let Some(p) = &report.month_end {
        let explanation = format!(
            "Projected list cost for {}: {} USD ({} % interval {} to {} USD) = {} USD actual over the first {} of {} days + {} USD forecast for the rest",
            p.month,
            usd_exact(p.projected_pico),
            p.level_pct,
            usd_exact(p.low_pico),
            usd_exact(p.high_pico),
            usd_exact(p.actual_pico),
            p.days_elapsed,
            p.days_in_month,
            usd_exact(p.forecast_rest_pico),
        );
        push_record(
            &mut out,
            [
                report.month.as_str(),
                report.tenant.as_str(),
                "projection",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                explanation.as_str(),
            ],
        );
    }
    push_reconciliation(&mut out, report);
    out
}

/// The header of the invoice reconciliation block.
pub const RECONCILIATION_HEADER: [&str; 12] = [
    "reconciliation_month",
    "account",
    "region",
    "usage",
    "arch",
    "unit",
    "invoiced_amount",
    "invoiced_usd",
    "computed_amount",
    "computed_usd",
    "remainder_usd",
    "explanation",
];

/// When the report holds an invoice reconciliation, a second block after
/// one empty record: its own header row ([`RECONCILIATION_HEADER`]), then
/// one row per line. Not-modelled amounts are empty cells. The block's
/// header names every column differently from the bill's, so a reader
/// cannot mistake its amounts for bill lines.
fn push_reconciliation(out: &mut String, report: &CostReport) {
    let Some(r) = &report.reconciliation else {
        return;
    };
    out.push_str("\r\n");
    push_record(out, RECONCILIATION_HEADER.iter().copied());
    for l in &r.lines {
        let cells = [
            report.month.clone(),
            l.account.clone(),
            l.region.clone(),
            l.usage.clone(),
            l.arch.clone(),
            l.unit.clone(),
            l.invoiced_amount.to_string(),
            usd_exact(l.invoiced_pico),
            l.computed_amount.map(|a| a.to_string()).unwrap_or_default(),
            l.computed_pico.map(usd_exact).unwrap_or_default(),
            usd_exact(l.remainder_pico),
            l.explanation.clone(),
        ];
        push_record(out, cells.iter().map(String::as_str));
    }
}

/// Appends one record: the fields separated by commas, then CRLF.
fn push_record<'a>(out: &mut String, fields: impl IntoIterator<Item = &'a str>) {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_field(out, field);
    }
    out.push_str("\r\n");
}

/// Appends one field, quoted (with inner quotes doubled) when RFC 4180
/// requires it.
fn push_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reconciliation_block_follows_the_bill_when_present() {
        use crate::{InvoiceReconciliation, ReconciliationLine, Totals};
        let mut report = CostReport {
            tenant: "t".into(),
            month: "2026-03".into(),
            period_start: "2026-03-01".into(),
            period_end: "2026-04-01".into(),
            generated_at: "2026-04-01T00:00:00Z".into(),
            complete: true,
            totals: Totals {
                list_pico: 0,
                billed_pico: 0,
                invocations: 0,
            },
            lines: Vec::new(),
            by_provider: Vec::new(),
            by_account: Vec::new(),
            by_region: Vec::new(),
            top_functions: Vec::new(),
            daily: Vec::new(),
            forecast: None,
            month_end: None,
            rightsizing: crate::RightsizingSummary {
                strategy: String::new(),
                monthly_savings_pico: 0,
                items: Vec::new(),
            },
            warnings: Vec::new(),
            insights: Vec::new(),
            queries: Vec::new(),
            reconciliation: None,
        };
        let bill_only = to_csv(&report);
        assert_eq!(bill_only.lines().count(), 1);
        report.reconciliation = Some(InvoiceReconciliation {
            invoiced_pico: 300_000_000_000,
            computed_pico: 200_000_000_000,
            remainder_pico: 100_000_000_000,
            lines: vec![ReconciliationLine {
                account: "1".into(),
                region: "us-east-1".into(),
                usage: "Requests".into(),
                arch: "x86_64".into(),
                unit: "requests".into(),
                invoiced_amount: 1_500_000.0,
                invoiced_pico: 300_000_000_000,
                computed_amount: None,
                computed_pico: None,
                remainder_pico: 100_000_000_000,
                explanation: "a, b".into(),
            }],
            functions_without_telemetry: Vec::new(),
            notes: Vec::new(),
        });
        let csv = to_csv(&report);
        assert!(csv.starts_with(&bill_only));
        let block: Vec<&str> = csv[bill_only.len()..].split("\r\n").collect();
        assert_eq!(block[0], "");
        assert!(block[1].starts_with("reconciliation_month,account,"));
        // $0.3 and $0.1 exactly; the not-modelled cells are empty.
        assert_eq!(
            block[2],
            "2026-03,1,us-east-1,Requests,x86_64,requests,1500000,0.30,,,0.10,\"a, b\""
        );
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        let mut out = String::new();
        push_record(&mut out, ["plain", "a,b", "say \"hi\"", "two\nlines", ""]);
        assert_eq!(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n");
    }
}
