//! Tests of the Cost and Usage Report reader on hand-written reports
//! (`sample-data/cur/`). Expected values are read off the files by hand.

use super::*;
use std::io::Write;

const LEGACY: &str = include_str!("../../../sample-data/cur/legacy-cur.csv");
const CUR2: &str = include_str!("../../../sample-data/cur/cur2.csv");

fn item<'a>(f: &'a CurFile, usage_type: &str) -> &'a CurLineItemRow {
    f.items
        .iter()
        .find(|i| i.usage_type == usage_type)
        .unwrap_or_else(|| panic!("no {usage_type}"))
}

/// The legacy report's six AWSLambda rows, as written in the file.
fn check_legacy(f: &CurFile) {
    assert_eq!(f.rows_read, 7);
    assert_eq!(f.items.len(), 6);
    assert_eq!(f.skipped_by_product.get("AmazonS3"), Some(&1));
    assert!(f.has_resource_ids);
    assert!(f.unknown_region_prefixes.is_empty());

    let req = item(f, "USE1-Request");
    assert_eq!(
        (req.kind.as_str(), req.arch.as_str(), req.function.as_str()),
        ("requests", "x86_64", "checkout")
    );
    assert_eq!(req.usage_amount, 1_000_000.0);
    // $0.2000000000 = 0.2 × 10¹² pico.
    assert_eq!(req.unblended_cost, PicoUsd(200_000_000_000));
    assert_eq!(req.account, "123456789012");
    assert_eq!(req.region, "us-east-1");
    assert_eq!(req.line_item_type, "Usage");
    assert_eq!(req.line_item_id, "li-1");
    assert_eq!(req.billing_period.to_string(), "2026-03-01");
    assert_eq!(req.usage_start.to_rfc3339(), "2026-03-01T00:00:00+00:00");

    let dur = item(f, "USE1-Lambda-GB-Second");
    assert_eq!(
        (dur.kind.as_str(), dur.usage_amount),
        ("duration", 250_000.0)
    );
    // 250,000 GB-s × $0.0000166667 = $4.166675.
    assert_eq!(dur.unblended_cost, PicoUsd(4_166_675_000_000));

    // The qualifier ($LATEST) is dropped from the function name.
    let arm = item(f, "USE1-Lambda-GB-Second-ARM");
    assert_eq!(
        (arm.kind.as_str(), arm.arch.as_str(), arm.function.as_str()),
        ("duration", "arm64", "resize")
    );

    // No product/region: eu-west-1 from the EU prefix; the alias is dropped.
    let pc = item(f, "EU-Lambda-Provisioned-Concurrency");
    assert_eq!(
        (pc.region.as_str(), pc.kind.as_str(), pc.function.as_str()),
        ("eu-west-1", "provisioned_concurrency", "quotes")
    );
    assert_eq!(pc.account, "210987654321");
    assert_eq!(pc.unblended_cost, PicoUsd(360_002_880_000));

    // The tax line: no usage type, no amount, no region.
    let tax = f.items.iter().find(|i| i.line_item_type == "Tax").unwrap();
    assert_eq!(
        (tax.kind.as_str(), tax.region.as_str(), tax.usage_amount),
        ("other", "", 0.0)
    );
    assert_eq!(tax.unblended_cost, PicoUsd(450_000_000_000));

    // Σ Lambda cost by hand: 0.2 + 4.166675 + 0.04 + 0.133334 + 0.36000288
    // + 0.45 = $5.35001188.
    let total: PicoUsd = f.items.iter().map(|i| i.unblended_cost).sum();
    assert_eq!(total, PicoUsd(5_350_011_880_000));
}

#[test]
fn reads_a_legacy_csv_report() {
    check_legacy(&parse_file(LEGACY.as_bytes().to_vec()).unwrap());
}

#[test]
fn reads_a_gzip_report() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(LEGACY.as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    assert!(gzip::is_gzip(&bytes));
    check_legacy(&parse_file(bytes).unwrap());
}

#[test]
fn reads_a_cur2_csv_report() {
    let f = parse_file(CUR2.as_bytes().to_vec()).unwrap();
    assert_eq!((f.rows_read, f.items.len()), (4, 3));
    assert_eq!(f.skipped_by_product.get("AmazonCloudWatch"), Some(&1));
    let req = item(&f, "USE2-Request");
    assert_eq!(
        (req.region.as_str(), req.function.as_str(), req.usage_amount),
        ("us-east-2", "api", 300.0)
    );
    // 300 requests × $0.0000002 = $0.00006.
    assert_eq!(req.unblended_cost, PicoUsd(60_000_000));
    assert_eq!(req.usage_start.to_rfc3339(), "2026-03-05T10:00:00+00:00");
    // 1.6667e-05 in exponent form, exactly; the covered line's empty
    // region comes from the USE2 prefix.
    let covered = f
        .items
        .iter()
        .find(|i| i.line_item_type == "SavingsPlanCoveredUsage")
        .unwrap();
    assert_eq!(covered.unblended_cost, PicoUsd(16_667_000));
    assert_eq!(covered.region, "us-east-2");
    assert_eq!(covered.function, "api");
    let negation = f
        .items
        .iter()
        .find(|i| i.line_item_type == "SavingsPlanNegation")
        .unwrap();
    assert_eq!(negation.unblended_cost, PicoUsd(-16_667_000));
}

#[test]
fn a_missing_column_is_named() {
    let without_cost = LEGACY.replace("lineItem/UnblendedCost", "lineItem/SomethingElse");
    let e = parse_file(without_cost.into_bytes()).unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].at, 1);
    assert!(
        e[0].message
            .contains("missing column lineItem/UnblendedCost (or line_item_unblended_cost)"),
        "{}",
        e[0].message
    );
}

#[test]
fn bad_values_are_refused_by_line_and_column() {
    let bad = LEGACY.replace(",250000,4.1666750000,", ",lots,4.1666750000,");
    let e = parse_file(bad.into_bytes()).unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!((e[0].what, e[0].at), ("line", 3));
    assert!(
        e[0].message.contains("lineItem/UsageAmount \"lots\""),
        "{}",
        e[0].message
    );
    let bad = CUR2.replace("2026-03-05 10:00:00.000,arn", "yesterday,arn");
    let e = parse_file(bad.into_bytes()).unwrap_err();
    assert!(e[0].message.contains("lineItem/UsageStartDate"), "{e:?}");
}

#[test]
fn an_unknown_region_prefix_is_reported_not_guessed() {
    let odd = LEGACY.replace("EU-Lambda-Provisioned", "XX9-Lambda-Provisioned");
    let f = parse_file(odd.into_bytes()).unwrap();
    assert_eq!(f.unknown_region_prefixes.get("XX9"), Some(&1));
    let pc = item(&f, "XX9-Lambda-Provisioned-Concurrency");
    assert_eq!(pc.region, "");
}

/// Writes the CUR 2.0 schema's columns as Parquet (timestamps in
/// milliseconds and costs as doubles, as Data Exports writes them).
fn cur2_parquet() -> Vec<u8> {
    use parquet::basic::Compression;
    use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;
    let schema = parse_message_type(
        "message cur {
            OPTIONAL BINARY line_item_usage_account_id (UTF8);
            OPTIONAL BINARY line_item_line_item_type (UTF8);
            OPTIONAL INT64 bill_billing_period_start_date (TIMESTAMP(MILLIS,true));
            OPTIONAL INT64 line_item_usage_start_date (TIMESTAMP(MILLIS,true));
            OPTIONAL BINARY line_item_product_code (UTF8);
            OPTIONAL BINARY line_item_usage_type (UTF8);
            OPTIONAL BINARY line_item_resource_id (UTF8);
            OPTIONAL DOUBLE line_item_usage_amount;
            OPTIONAL DOUBLE line_item_unblended_cost;
            OPTIONAL BINARY product_region_code (UTF8);
        }",
    )
    .unwrap();
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut buf = Vec::new();
    let mut w = SerializedFileWriter::new(&mut buf, schema.into(), props.into()).unwrap();
    let mut rg = w.next_row_group().unwrap();
    // 2026-03-01T00:00:00Z and 2026-03-07T12:00:00Z in epoch ms.
    let (period, start) = (1_772_323_200_000i64, 1_772_884_800_000i64);
    let strings: [&[&str]; 3] = [&["444455556666", "444455556666"], &["Usage", "Usage"], &[]];
    let mut col = 0;
    while let Some(mut c) = rg.next_column().unwrap() {
        let defs = [1i16, 1];
        match col {
            0 | 1 => {
                let v: Vec<ByteArray> = strings[col].iter().map(|s| (*s).into()).collect();
                c.typed::<ByteArrayType>()
                    .write_batch(&v, Some(&defs), None)
                    .unwrap();
            }
            2 => {
                c.typed::<Int64Type>()
                    .write_batch(&[period, period], Some(&defs), None)
                    .unwrap();
            }
            3 => {
                c.typed::<Int64Type>()
                    .write_batch(&[start, start], Some(&defs), None)
                    .unwrap();
            }
            4 => {
                let v: Vec<ByteArray> = vec!["AWSLambda".into(), "AmazonEC2".into()];
                c.typed::<ByteArrayType>()
                    .write_batch(&v, Some(&defs), None)
                    .unwrap();
            }
            5 => {
                let v: Vec<ByteArray> =
                    vec!["APN1-Lambda-GB-Second-ARM".into(), "APN1-BoxUsage".into()];
                c.typed::<ByteArrayType>()
                    .write_batch(&v, Some(&defs), None)
                    .unwrap();
            }
            6 => {
                let v: Vec<ByteArray> =
                    vec!["arn:aws:lambda:ap-northeast-1:444455556666:function:tokyo-fn".into()];
                // The EC2 row has no resource id (null).
                c.typed::<ByteArrayType>()
                    .write_batch(&v, Some(&[1, 0]), None)
                    .unwrap();
            }
            7 => {
                c.typed::<DoubleType>()
                    .write_batch(&[1500.0, 24.0], Some(&defs), None)
                    .unwrap();
            }
            8 => {
                // 1,500 GB-s × $0.0000133334 = $0.0200001.
                c.typed::<DoubleType>()
                    .write_batch(&[0.0200001, 2.4], Some(&defs), None)
                    .unwrap();
            }
            _ => {
                // Null region on the Lambda row: the APN1 prefix decides.
                let v: Vec<ByteArray> = vec!["ap-northeast-1".into()];
                c.typed::<ByteArrayType>()
                    .write_batch(&v, Some(&[0, 1]), None)
                    .unwrap();
            }
        }
        c.close().unwrap();
        col += 1;
    }
    rg.close().unwrap();
    w.close().unwrap();
    buf
}

#[test]
fn reads_a_parquet_report() {
    let bytes = cur2_parquet();
    assert!(bytes.starts_with(b"PAR1"));
    let f = parse_file(bytes).unwrap();
    assert_eq!((f.rows_read, f.items.len()), (2, 1));
    assert_eq!(f.skipped_by_product.get("AmazonEC2"), Some(&1));
    let i = &f.items[0];
    assert_eq!(
        (
            i.region.as_str(),
            i.kind.as_str(),
            i.arch.as_str(),
            i.function.as_str()
        ),
        ("ap-northeast-1", "duration", "arm64", "tokyo-fn")
    );
    assert_eq!(i.usage_amount, 1500.0);
    assert_eq!(i.unblended_cost, PicoUsd(20_000_100_000));
    assert_eq!(i.billing_period.to_string(), "2026-03-01");
    assert_eq!(i.usage_start.to_rfc3339(), "2026-03-07T12:00:00+00:00");
}

#[test]
fn a_parquet_file_without_a_required_column_is_named() {
    // A Parquet file of some other table.
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    let schema =
        parquet::schema::parser::parse_message_type("message t { OPTIONAL DOUBLE x; }").unwrap();
    let mut buf = Vec::new();
    let w = SerializedFileWriter::new(
        &mut buf,
        schema.into(),
        WriterProperties::builder().build().into(),
    )
    .unwrap();
    w.close().unwrap();
    let e = parse_file(buf).unwrap_err();
    assert!(
        e[0].message
            .contains("missing column bill/BillingPeriodStartDate"),
        "{}",
        e[0].message
    );
}
