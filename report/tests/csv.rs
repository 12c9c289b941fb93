//! The CSV export read back as a spreadsheet would: the header, one row per
//! bill line, and the billed column summing to the hand-computed total.

mod common;

use common::{fixture, running_fixture, BILLED_PICO, LIST_PICO, MONTH, TENANT};
use faasight_report::csv::to_csv;

/// A minimal RFC 4180 reader, independent of the writer under test:
/// records end with CRLF (or LF), fields may be quoted, `""` inside quotes
/// is one quote, quoted fields may hold commas and line breaks.
fn read_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => {
                assert!(field.is_empty(), "quote inside an unquoted field");
                quoted = true;
            }
            ',' => record.push(std::mem::take(&mut field)),
            '\r' => assert_eq!(chars.next(), Some('\n'), "CR without LF"),
            '\n' => panic!("record ended by a bare LF"),
            _ => field.push(c),
        }
        if c == '\r' {
            record.push(std::mem::take(&mut field));
            records.push(std::mem::take(&mut record));
        }
    }
    assert!(!quoted, "unterminated quoted field");
    assert!(
        field.is_empty() && record.is_empty(),
        "last record has no CRLF"
    );
    records
}

/// An exact decimal (`-12.345`) as pico-dollars, by string arithmetic.
fn decimal_to_pico(text: &str) -> i128 {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, frac) = digits.split_once('.').expect("a decimal point");
    assert!(frac.len() >= 2 && frac.len() <= 12, "decimals in {text}");
    assert!(whole
        .chars()
        .chain(frac.chars())
        .all(|c| c.is_ascii_digit()));
    let padded = format!("{frac:0<12}");
    let value =
        whole.parse::<i128>().unwrap() * 1_000_000_000_000 + padded.parse::<i128>().unwrap();
    if negative {
        -value
    } else {
        value
    }
}

#[test]
fn csv_reads_back_and_sums_to_the_billed_total() {
    let report = fixture();
    let text = to_csv(&report);
    let records = read_csv(&text);
    assert_eq!(
        records[0],
        "month,tenant,provider,account,region,arch,requests,gb_seconds,list_usd,adjustment_usd,billed_usd,explanation"
            .split(',')
            .collect::<Vec<_>>()
    );
    let rows = &records[1..];
    assert_eq!(rows.len(), 30, "one row per bill line");
    for row in rows {
        assert_eq!(row.len(), 12);
        assert_eq!(row[0], MONTH);
        assert_eq!(row[1], TENANT);
    }

    let column = |i: usize| rows.iter().map(|r| decimal_to_pico(&r[i])).sum::<i128>();
    assert_eq!(column(10), i128::from(BILLED_PICO));
    assert_eq!(column(8), i128::from(LIST_PICO));
    assert_eq!(column(9), i128::from(BILLED_PICO - LIST_PICO));

    // Line 1 (i = 1), by hand: $10.123456789012 list, −$1.000000000005
    // adjustment, $9.123456789007 billed, 1,000,003 requests, 1234.5 GB-s.
    assert_eq!(
        rows[0][2..11],
        [
            "aws_lambda",
            "123456789012",
            "us-east-1",
            "x86_64",
            "1000003",
            "1234.5",
            "10.123456789012",
            "-1.000000000005",
            "9.123456789007"
        ]
    );
    // Quotes, commas and the line break of the explanations survive.
    assert!(rows[0][11].contains("the \"free tier\" grant of 400,000 GB-s"));
    assert!(rows[6][11].ends_with("shared by the account's lines\nSecond line: plan fee, none."));
}

#[test]
fn a_running_month_adds_its_projection_without_changing_the_sums() {
    let text = to_csv(&running_fixture());
    let records = read_csv(&text);
    let rows = &records[1..];
    assert_eq!(rows.len(), 31, "30 bill lines and the projection");
    let (lines, projection) = rows.split_at(30);
    let column = |i: usize| lines.iter().map(|r| decimal_to_pico(&r[i])).sum::<i128>();
    assert_eq!(column(10), i128::from(BILLED_PICO));
    let p = &projection[0];
    assert_eq!(p.len(), 12);
    assert_eq!(
        (p[0].as_str(), p[1].as_str(), p[2].as_str()),
        (MONTH, TENANT, "projection")
    );
    // No amount in the summed columns: a spreadsheet's column sum is still the bill.
    assert!(p[3..11].iter().all(String::is_empty), "{p:?}");
    // $50 actual + $250 forecast = $300, interval $280–$330 (the fixture's).
    assert_eq!(
        p[11],
        "Projected list cost for 2025-06: 300.00 USD (80 % interval 280.00 to 330.00 USD) = 50.00 USD actual over the first 5 of 30 days + 250.00 USD forecast for the rest"
    );
    // A complete month has no projection row.
    assert_eq!(read_csv(&to_csv(&fixture())).len(), 31);
}

#[test]
fn csv_of_a_report_without_lines_is_the_header_alone() {
    let mut report = fixture();
    report.lines.clear();
    assert_eq!(
        to_csv(&report),
        "month,tenant,provider,account,region,arch,requests,gb_seconds,list_usd,adjustment_usd,billed_usd,explanation\r\n"
    );
}

#[test]
fn money_formats_by_hand() {
    use faasight_report::money::{usd_cents, usd_exact};
    assert_eq!(usd_exact(1_234_567_890_123), "1.234567890123");
    assert_eq!(usd_exact(5_000_000_000_000), "5.00");
    assert_eq!(usd_exact(-250_000_000_000), "-0.25");
    assert_eq!(usd_exact(100_000_000_000), "0.10");
    assert_eq!(usd_cents(1_234_567_000_000_000), "$1,234.57");
    // $2.005 → $2.01 and −$2.005 → −$2.01 (half away from zero);
    // $2.004999999999 → $2.00.
    assert_eq!(usd_cents(2_005_000_000_000), "$2.01");
    assert_eq!(usd_cents(-2_005_000_000_000), "-$2.01");
    assert_eq!(usd_cents(2_004_999_999_999), "$2.00");
    assert_eq!(usd_cents(-1_000_000_000_000), "-$1.00");
    assert_eq!(usd_cents(1_234_567_890_000_000_000), "$1,234,567.89");
    assert_eq!(usd_cents(0), "$0.00");
}
