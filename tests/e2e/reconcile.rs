//! `faasight import --format aws-cur` on a hand-written Cost and Usage
//! Report next to a month of invocations, and the reconciliation read back
//! from ClickHouse 18.16: every expected number is worked out by hand
//! below at the us-east-1 list prices ($0.20 per million requests,
//! $0.0000166667 per x86_64 GB-s).

use super::common::{faasight, faasight_ok, get_json, sign_in, ClickHouse, Stack};
use faasight_analyzer::reconcile::reconciliation;
use faasight_store::{InvocationRow, PicoUsd, UsageKind};

const HEADER: &str = "identity/LineItemId,bill/BillingPeriodStartDate,lineItem/UsageAccountId,\
lineItem/LineItemType,lineItem/UsageStartDate,lineItem/ProductCode,lineItem/UsageType,\
lineItem/Operation,lineItem/ResourceId,lineItem/UsageAmount,lineItem/UnblendedCost,product/region";

fn row(
    id: &str,
    kind: &str,
    product: &str,
    usage_type: &str,
    function: &str,
    amount: &str,
    cost: &str,
) -> String {
    let arn = if function.is_empty() {
        String::new()
    } else {
        format!("arn:aws:lambda:us-east-1:123456789012:function:{function}:prod")
    };
    let region = if usage_type.is_empty() {
        ""
    } else {
        "us-east-1"
    };
    format!(
        "{id},2026-03-01T00:00:00Z,123456789012,{kind},2026-03-10T00:00:00Z,{product},\
         {usage_type},Invoke,{arn},{amount},{cost},{region}"
    )
}

/// The invoice: checkout's 1,000 requests and 250 GB-s, ghost's 500
/// requests and 50 GB-s (ghost sends no telemetry), a $0.01 tax and an
/// S3 line that is not Lambda's.
fn report(with_ghost: bool) -> String {
    let mut rows = vec![
        HEADER.to_string(),
        row(
            "a",
            "Usage",
            "AWSLambda",
            "USE1-Request",
            "checkout",
            "1000",
            "0.0002000000",
        ),
        row(
            "b",
            "Usage",
            "AWSLambda",
            "USE1-Lambda-GB-Second",
            "checkout",
            "250",
            "0.0041666750",
        ),
        row("e", "Tax", "AWSLambda", "", "", "", "0.0100000000"),
        row(
            "f",
            "Usage",
            "AmazonS3",
            "USE1-TimedStorage-ByteHrs",
            "",
            "10",
            "0.0000230000",
        ),
    ];
    if with_ghost {
        rows.push(row(
            "c",
            "Usage",
            "AWSLambda",
            "USE1-Request",
            "ghost",
            "500",
            "0.0001000000",
        ));
        rows.push(row(
            "d",
            "Usage",
            "AWSLambda",
            "USE1-Lambda-GB-Second",
            "ghost",
            "50",
            "0.0008333350",
        ));
    }
    rows.join("\n") + "\n"
}

fn usd(s: &str) -> PicoUsd {
    PicoUsd::parse_decimal(s).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cur_import_reconciles_with_telemetry_and_re_imports_replace() {
    let ch = ClickHouse::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cur.csv");
    std::fs::write(&file, report(true)).unwrap();
    let url = ch.url();
    let import = |path: &std::path::Path| {
        faasight(&[
            "import",
            "--format",
            "aws-cur",
            "--tenant",
            "acme",
            "--clickhouse-url",
            &url,
            path.to_str().unwrap(),
        ])
    };
    let out = import(&file);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "6 rows, 5 AWS Lambda line items, 1 rows of other products skipped (AmazonS3: 1)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("stored 5 AWS Lambda line items for tenant acme"),
        "{stderr}"
    );

    // 1,000 invocations of checkout at 1,024 MB × 250 ms billed: 250 GB-s;
    // each lists at $0.0000002 + 0.25 × $0.0000166667 = $0.000004366675.
    let start: chrono::DateTime<chrono::Utc> = "2026-03-10T12:00:00Z".parse().unwrap();
    let rows: Vec<InvocationRow> = (0..1000)
        .map(|i| InvocationRow {
            tenant: "acme".into(),
            provider: "aws_lambda".into(),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            function: "checkout".into(),
            arch: "x86_64".into(),
            memory_mb: 1024,
            request_id: format!("r{i}"),
            start_time: start,
            start_time_ms: start.timestamp_millis() as u64,
            duration_ms: 249.5,
            billed_duration_ms: 250,
            start_type: "warm".into(),
            status: "success".into(),
            cost_usd: PicoUsd(4_366_675),
            source: "test".into(),
            ingested_at: start,
            ..InvocationRow::default()
        })
        .collect();
    ch.store().insert_invocations(&rows).await.unwrap();
    // Another tenant's invoice must not show.
    let other = dir.path().join("other.csv");
    std::fs::write(&other, report(true).replace("0.0100000000", "9.0000000000")).unwrap();
    faasight_ok(&[
        "import",
        "--format",
        "aws-cur",
        "--tenant",
        "someone-else",
        "--clickhouse-url",
        &url,
        other.to_str().unwrap(),
    ]);

    let check = |r: &faasight_analyzer::reconcile::Reconciliation, ghost: bool| {
        let line = |kind| r.lines.iter().find(|l| l.kind == kind).unwrap();
        let req = line(UsageKind::Requests);
        let dur = line(UsageKind::Duration);
        // Computed: 1,000 requests × $0.0000002 = $0.0002; 250 GB-s and
        // 1,000 × $0.000004366675 − $0.0002 = $0.004166675.
        assert_eq!(req.computed_amount, Some(1000.0));
        assert_eq!(req.computed_cost, Some(usd("0.0002")));
        assert_eq!(dur.computed_amount, Some(250.0));
        assert_eq!(dur.computed_cost, Some(usd("0.004166675")));
        if ghost {
            // Invoiced 1,500 requests ($0.0003) and 300 GB-s ($0.005000010).
            assert_eq!(
                (req.invoiced_amount, req.invoiced_cost),
                (1500.0, usd("0.0003"))
            );
            assert_eq!(
                (req.remainder_amount, req.remainder_cost),
                (Some(500.0), usd("0.0001"))
            );
            assert_eq!(
                (dur.invoiced_amount, dur.invoiced_cost),
                (300.0, usd("0.00500001"))
            );
            assert_eq!(dur.remainder_cost, usd("0.000833335"));
            assert_eq!(req.functions_without_telemetry, vec!["ghost".to_string()]);
            // Invoiced 0.0003 + 0.00500001 + 0.01 = $0.01530001; computed
            // $0.004366675; remainder $0.010933335.
            assert_eq!(r.invoiced_total, usd("0.01530001"));
            assert_eq!(r.remainder_total, usd("0.010933335"));
        } else {
            assert_eq!(req.remainder_cost, PicoUsd(0));
            assert_eq!(dur.remainder_cost, PicoUsd(0));
            assert!(r.functions_without_telemetry.is_empty());
            // 0.0002 + 0.004166675 + 0.01 = $0.014366675.
            assert_eq!(r.invoiced_total, usd("0.014366675"));
            assert_eq!(r.remainder_total, usd("0.01"));
        }
        assert_eq!(r.computed_total, usd("0.004366675"));
        let tax = line(UsageKind::Other);
        assert_eq!(tax.invoiced_cost, usd("0.01"));
        assert_eq!(r.lines.len(), 3);
    };
    let store = ch.store();
    let r = reconciliation(&store, "acme", "2026-03").await.unwrap();
    check(&r, true);

    // The same file again: replaced, not added.
    assert!(import(&file).status.success());
    check(
        &reconciliation(&store, "acme", "2026-03").await.unwrap(),
        true,
    );
    // A later delivery without ghost's lines replaces the month's.
    std::fs::write(&file, report(false)).unwrap();
    assert!(import(&file).status.success());
    check(
        &reconciliation(&store, "acme", "2026-03").await.unwrap(),
        false,
    );
    // The cost report carries the same reconciliation: JSON field, CSV
    // block, PDF section.
    let json = faasight_ok(&[
        "report",
        "--month",
        "2026-03",
        "--tenant",
        "acme",
        "--format",
        "json",
        "--clickhouse-url",
        &url,
    ]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let section = &doc["reconciliation"];
    // $0.014366675 invoiced, $0.01 (the tax) left over.
    assert_eq!(section["invoiced_pico"], 14_366_675_000i64, "{section}");
    assert_eq!(section["remainder_pico"], 10_000_000_000i64, "{section}");
    let csv = faasight_ok(&[
        "report",
        "--month",
        "2026-03",
        "--tenant",
        "acme",
        "--format",
        "csv",
        "--clickhouse-url",
        &url,
    ]);
    assert!(
        csv.contains("\r\n\r\nreconciliation_month,account,region,usage,arch,unit,"),
        "{csv}"
    );
    assert!(
        csv.contains(
            "2026-03,123456789012,us-east-1,Requests,x86_64,requests,1000,0.0002,1000,0.0002,0.00,"
        ),
        "{csv}"
    );
    let pdf = dir.path().join("report.pdf");
    faasight_ok(&[
        "report",
        "--month",
        "2026-03",
        "--tenant",
        "acme",
        "--format",
        "pdf",
        "--out",
        pdf.to_str().unwrap(),
        "--clickhouse-url",
        &url,
    ]);
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    // Another month has nothing.
    let empty = reconciliation(&store, "acme", "2026-04").await.unwrap();
    assert!(empty.lines.is_empty());

    // A file that is not a report stores nothing and says which column is missing.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        report(true).replace("lineItem/UsageType", "lineItem/Kind"),
    )
    .unwrap();
    let out = import(&bad);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("bad.csv:1: not a Cost and Usage Report: missing column lineItem/UsageType (or line_item_usage_type)"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_and_the_cost_page_show_the_reconciliation_of_the_users_tenant() {
    let stack = Stack::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cur.csv");
    std::fs::write(&file, report(true)).unwrap();
    let url = stack.ch.url();
    for tenant in ["default", "other"] {
        faasight_ok(&[
            "import",
            "--format",
            "aws-cur",
            "--tenant",
            tenant,
            "--clickhouse-url",
            &url,
            file.to_str().unwrap(),
        ]);
    }
    let web = stack.up.web.clone();
    let r = get_json(
        &stack.api,
        format!("{web}/api/v1/reconciliation?month=2026-03"),
    )
    .await;
    // No telemetry: all of the invoice, 0.0003 + 0.00500001 + 0.01 =
    // $0.01530001, is remainder.
    assert_eq!(r["invoiced_total"], 15_300_010_000i64, "{r}");
    assert_eq!(r["remainder_total"], 15_300_010_000i64, "{r}");
    assert_eq!(r["lines"].as_array().unwrap().len(), 3, "{r}");
    // The user may not read the other tenant's invoice.
    let refused = stack
        .api
        .get(format!(
            "{web}/api/v1/reconciliation?month=2026-03&tenant=other"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);

    // The cost page renders the section on the server, and says how to
    // import when a month has no report.
    let session = sign_in(&web, &stack.login.user, &stack.login.password).await;
    let page = |month: &'static str| {
        let (web, session) = (web.clone(), session.clone());
        async move {
            reqwest::Client::new()
                .get(format!("{web}/cost?invoice_month={month}"))
                .header("cookie", session)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let html = page("2026-03").await;
    assert!(html.contains("Invoice reconciliation"), "{html}");
    assert!(
        html.contains(r#"data-month="2026-03" data-remainder="15300010000""#),
        "{html}"
    );
    assert!(
        html.contains("ghost"),
        "the function without telemetry is named"
    );
    let html = page("2026-04").await;
    assert!(html.contains(r#"id="reconciliation-empty""#), "{html}");
    assert!(html.contains("faasight import --format aws-cur"), "{html}");
}
