//! The monthly bill end to end on ClickHouse: invocations and a
//! configuration inventory imported with `faasight import`, billed by
//! `faasight bill`, every figure computed by hand from the providers'
//! published prices (in the comments).

use super::common::{faasight_ok, ClickHouse};
use serde_json::Value;
use std::io::Write;

fn file(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .unwrap();
    path.to_str().unwrap().to_string()
}

fn invocation(
    provider: &str,
    account: &str,
    region: &str,
    memory: u32,
    used: u32,
    ms: u32,
    i: usize,
) -> String {
    format!(
        r#"{{"provider":"{provider}","account":"{account}","region":"{region}","function":"render","arch":"x86_64","runtime":"python3.12","memory_mb":{memory},"max_memory_used_mb":{used},"request_id":"{region}-{i}","start_time":"2026-11-{:02}T10:00:00Z","duration_ms":{ms}}}"#,
        1 + i % 28
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn regional_prices_grants_per_scope_and_configuration_charges() {
    let ch = ClickHouse::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut lines = Vec::new();
    // AWS Cape Town: 111 × 10 GB × 900 s + 10 GB × 100 s = 1,000,000 GB-s
    // in 112 requests.
    for i in 0..111 {
        lines.push(invocation(
            "aws_lambda",
            "111",
            "af-south-1",
            10_240,
            2_000,
            900_000,
            i,
        ));
    }
    lines.push(invocation(
        "aws_lambda",
        "111",
        "af-south-1",
        10_240,
        2_000,
        100_000,
        111,
    ));
    // Azure Consumption, one subscription in two regions: 1.5 GB observed
    // × 600 s = 900 GB-s each; 667 + 444 executions = 600,300 + 399,600 GB-s.
    for i in 0..667 {
        lines.push(invocation(
            "azure_functions",
            "sub",
            "eastus",
            1_536,
            1_536,
            600_000,
            i,
        ));
    }
    for i in 0..444 {
        lines.push(invocation(
            "azure_functions",
            "sub",
            "westeurope",
            1_536,
            1_536,
            600_000,
            i,
        ));
    }
    ch.import_ndjson(&lines);
    let url = ch.url();
    // The function's configuration as `aws lambda list-functions` prints it
    // (2 GB of ephemeral storage), and 5 provisioned environments on alias
    // `live` seen on Nov 20.
    let functions = file(
        dir.path(),
        "functions.json",
        r#"{"Functions":[{"FunctionName":"render","FunctionArn":"arn:aws:lambda:af-south-1:111:function:render","Runtime":"python3.12","Timeout":900,"MemorySize":10240,"Version":"$LATEST","PackageType":"Zip","Architectures":["x86_64"],"EphemeralStorage":{"Size":2048},"SnapStart":{"ApplyOn":"None","OptimizationStatus":"Off"}}]}"#,
    );
    let provisioned = file(
        dir.path(),
        "pc.json",
        r#"{"ProvisionedConcurrencyConfigs":[{"FunctionArn":"arn:aws:lambda:af-south-1:111:function:render:live","RequestedProvisionedConcurrencyExecutions":5,"AvailableProvisionedConcurrencyExecutions":5,"AllocatedProvisionedConcurrencyExecutions":5,"Status":"READY","LastModified":"2026-11-19T20:29:00+0000"}]}"#,
    );
    let seen = "2026-11-01T00:00:00Z";
    let out = faasight_ok(&[
        "import",
        "--format",
        "aws-lambda-functions",
        "--seen-at",
        seen,
        &functions,
        "--clickhouse-url",
        &url,
    ]);
    assert!(out.is_empty() || !out.contains("error"), "{out}");
    faasight_ok(&[
        "import",
        "--format",
        "aws-provisioned-concurrency",
        "--seen-at",
        "2026-11-20T00:00:00Z",
        &provisioned,
        "--clickhouse-url",
        &url,
    ]);
    let bill: Value = serde_json::from_str(&faasight_ok(&[
        "bill",
        "--days",
        "30",
        "--to",
        "2026-12-01T00:00:00Z",
        "--format",
        "json",
        "--clickhouse-url",
        &url,
    ]))
    .unwrap();
    let months = bill["months"].as_array().unwrap();
    assert_eq!(months.len(), 1, "{bill}");
    let m = &months[0];
    let line = |provider: &str| -> i64 {
        m["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["usage"]["provider"] == provider)
            .map(|l| l["billed"].as_i64().unwrap())
            .sum()
    };
    // Cape Town's prices: 1,000,000 × $0.0000221 + 112 × $0.00000027.
    assert_eq!(line("aws_lambda"), 22_100_030_240_000, "{m}");
    // One grant for the subscription: (999,900 − 400,000) GB-s × $0.000016
    // = $9.5984; 1,111 executions are inside the 1 M free.
    assert_eq!(line("azure_functions"), 9_598_400_000_000, "{m}");
    let charge = |kind: &str| -> i64 {
        m["charges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == kind)
            .map(|c| c["amount"].as_i64().unwrap())
            .sum()
    };
    // Ephemeral storage: 1.5 GB above 512 MB × 100,000 s billed = 150,000
    // GB-s × $0.0000000404 (Cape Town) = $0.00606.
    assert_eq!(charge("ephemeral_storage"), 6_060_000_000);
    // Provisioned Concurrency: 5 × 10 GB from Nov 20 until the latest
    // telemetry, Nov 28 10:00:00 (+1 s): 727,201 s, billed in 5-minute
    // steps as 727,500 s = 36,375,000 GB-s × $0.00000553 = $201.15375.
    assert_eq!(charge("provisioned_concurrency"), 201_153_750_000_000);
    let billed_total = m["billed_total"].as_i64().unwrap();
    assert_eq!(
        billed_total,
        22_100_030_240_000 + 9_598_400_000_000 + 6_060_000_000 + 201_153_750_000_000
    );
    // The bill says what it priced on-demand that AWS prices lower.
    assert!(
        m["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("provisioned environments")),
        "{m}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn container_image_init_is_billed_before_august_2025_only_once() {
    let ch = ClickHouse::start().await;
    let dir = tempfile::tempdir().unwrap();
    // One cold start a month of a 1,024 MB python3.12 function: 100 ms of
    // duration after 1,000 ms of INIT. faasight bills a ZIP function's INIT
    // from 2025-08-01 (so July's row is billed 100 ms, August's 1,100 ms).
    let row = |day: &str, id: &str| {
        format!(
            r#"{{"provider":"aws_lambda","account":"222","region":"us-east-1","function":"legacy-image","arch":"x86_64","runtime":"python3.12","memory_mb":1024,"request_id":"{id}","start_time":"{day}T10:00:00Z","duration_ms":100,"init_duration_ms":1000,"start_type":"cold"}}"#
        )
    };
    ch.import_ndjson(&[row("2025-07-15", "a"), row("2025-08-15", "b")]);
    let url = ch.url();
    let bill = || -> Vec<i64> {
        let v: Value = serde_json::from_str(&faasight_ok(&[
            "bill",
            "--days",
            "62",
            "--to",
            "2025-09-01T00:00:00Z",
            "--format",
            "json",
            "--clickhouse-url",
            &url,
        ]))
        .unwrap();
        v["months"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["billed_total"].as_i64().unwrap())
            .collect()
    };
    // ZIP (no inventory): July 0.1 s × 1 GB × $0.0000166667 + $0.0000002
    // = 1,666,670 + 200,000; August 1.1 s: 18,333,370 + 200,000.
    assert_eq!(bill(), vec![1_866_670, 18_533_370]);
    // As a container image (seen today: a package type never changes), July's
    // INIT was billed too — and August's is not billed twice.
    let functions = file(
        dir.path(),
        "functions.json",
        r#"{"Functions":[{"FunctionName":"legacy-image","FunctionArn":"arn:aws:lambda:us-east-1:222:function:legacy-image","Timeout":30,"MemorySize":1024,"Version":"$LATEST","PackageType":"Image","Architectures":["x86_64"]}]}"#,
    );
    faasight_ok(&[
        "import",
        "--format",
        "aws-lambda-functions",
        &functions,
        "--clickhouse-url",
        &url,
    ]);
    assert_eq!(bill(), vec![18_533_370, 18_533_370]);
}
