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
    out
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
    fn fields_are_quoted_only_when_needed() {
        let mut out = String::new();
        push_record(&mut out, ["plain", "a,b", "say \"hi\"", "two\nlines", ""]);
        assert_eq!(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n");
    }
}
