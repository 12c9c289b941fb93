//! Reconciliation on small hand-made inputs; every expected number is
//! worked out by hand in the comments, at the published us-east-1 list
//! prices ($0.20 per million requests, $0.0000166667 per x86_64 GB-s).

use super::*;

#[allow(clippy::too_many_arguments)]
fn inv(
    account: &str,
    region: &str,
    usage_type: &str,
    kind: &str,
    arch: &str,
    line_item_type: &str,
    function: &str,
    amount: f64,
    cost: &str,
) -> InvoicedRow {
    InvoicedRow {
        account: account.into(),
        region: region.into(),
        usage_type: usage_type.into(),
        kind: kind.into(),
        arch: arch.into(),
        line_item_type: line_item_type.into(),
        function: function.into(),
        usage_amount: amount,
        unblended_cost: cost.into(),
        line_items: 1,
    }
}

fn tel(
    account: &str,
    arch: &str,
    function: &str,
    memory_mb: u32,
    requests: u64,
    billed_ms: u64,
    list: &str,
) -> TelemetryRow {
    TelemetryRow {
        account: account.into(),
        region: "us-east-1".into(),
        arch: arch.into(),
        function: function.into(),
        memory_mb,
        requests,
        billed_ms,
        list_cost: list.into(),
    }
}

fn usd(s: &str) -> PicoUsd {
    PicoUsd::parse_decimal(s).unwrap()
}

fn invoice() -> Vec<InvoicedRow> {
    let a = "111111111111";
    vec![
        inv(
            a,
            "us-east-1",
            "USE1-Request",
            "requests",
            "x86_64",
            "Usage",
            "checkout",
            1_000_000.0,
            "0.2",
        ),
        inv(
            a,
            "us-east-1",
            "USE1-Request",
            "requests",
            "x86_64",
            "Usage",
            "ghost",
            500_000.0,
            "0.1",
        ),
        inv(
            a,
            "us-east-1",
            "USE1-Lambda-GB-Second",
            "duration",
            "x86_64",
            "Usage",
            "checkout",
            250_000.0,
            "4.166675",
        ),
        inv(
            a,
            "us-east-1",
            "USE1-Lambda-GB-Second",
            "duration",
            "x86_64",
            "Usage",
            "ghost",
            50_000.0,
            "0.833335",
        ),
        inv(
            a,
            "us-east-1",
            "USE1-Lambda-Provisioned-Concurrency",
            "provisioned_concurrency",
            "x86_64",
            "Usage",
            "quotes",
            86_400.0,
            "0.36000288",
        ),
        inv(a, "", "", "other", "", "Tax", "", 0.0, "0.45"),
    ]
}

fn line(r: &Reconciliation, kind: UsageKind) -> &ReconLine {
    r.lines.iter().find(|l| l.kind == kind).unwrap()
}

#[test]
fn totals_and_remainders_by_hand() {
    let telemetry = vec![
        // 1,000,000 requests of 1,024 MB × 250 ms: 1024 × 250,000,000 MB-ms
        // / 1,024,000 = 250,000 GB-s; list price 0.2 + 250,000 ×
        // 0.0000166667 = $4.366675.
        tel(
            "111111111111",
            "x86_64",
            "checkout",
            1024,
            1_000_000,
            250_000_000,
            "4.366675",
        ),
        // Another account: not in the report, left out.
        tel(
            "222222222222",
            "arm64",
            "elsewhere",
            128,
            10,
            10,
            "0.000002",
        ),
    ];
    let r = reconcile("2026-03", &invoice(), &telemetry).unwrap();
    assert_eq!(r.lines.len(), 4);

    let req = line(&r, UsageKind::Requests);
    // Invoiced 1,000,000 + 500,000 requests, $0.2 + $0.1.
    assert_eq!(req.invoiced_amount, 1_500_000.0);
    assert_eq!(req.invoiced_cost, usd("0.3"));
    // Computed: 1,000,000 × $0.0000002 = $0.2.
    assert_eq!(req.computed_amount, Some(1_000_000.0));
    assert_eq!(req.computed_cost, Some(usd("0.2")));
    assert_eq!(req.remainder_amount, Some(500_000.0));
    assert_eq!(req.remainder_cost, usd("0.1"));
    assert_eq!(req.functions_without_telemetry, vec!["ghost".to_string()]);
    assert!(
        req.explanation
            .contains("1 function billed here sent no telemetry (ghost)"),
        "{}",
        req.explanation
    );

    let dur = line(&r, UsageKind::Duration);
    // Invoiced 250,000 + 50,000 GB-s; $4.166675 + $0.833335 = $5.00001.
    assert_eq!(dur.invoiced_amount, 300_000.0);
    assert_eq!(dur.invoiced_cost, usd("5.00001"));
    // Computed 250,000 GB-s; $4.366675 − $0.2 of requests = $4.166675.
    assert_eq!(dur.computed_amount, Some(250_000.0));
    assert_eq!(dur.computed_cost, Some(usd("4.166675")));
    assert_eq!(dur.remainder_amount, Some(50_000.0));
    assert_eq!(dur.remainder_cost, usd("0.833335"));

    let pc = line(&r, UsageKind::ProvisionedConcurrency);
    assert_eq!(pc.computed_cost, None);
    assert_eq!(pc.remainder_cost, usd("0.36000288"));
    assert!(
        pc.explanation.contains("not modelled"),
        "{}",
        pc.explanation
    );

    let tax = line(&r, UsageKind::Other);
    assert_eq!(
        (tax.remainder_cost, tax.adjustments_cost),
        (usd("0.45"), usd("0.45"))
    );
    assert!(tax.explanation.contains("taxes"), "{}", tax.explanation);

    // Invoiced: 0.3 + 5.00001 + 0.36000288 + 0.45 = $6.11001288.
    assert_eq!(r.invoiced_total, usd("6.11001288"));
    // Computed: 0.2 + 4.166675 = $4.366675, the telemetry's list price.
    assert_eq!(r.computed_total, usd("4.366675"));
    // Remainder: 6.11001288 − 4.366675 = $1.74333788.
    assert_eq!(r.remainder_total, usd("1.74333788"));
    assert_eq!(
        r.functions_without_telemetry,
        vec!["111111111111/us-east-1/ghost".to_string()]
    );
    assert!(
        r.notes.iter().any(|n| n.contains("222222222222")),
        "{:?}",
        r.notes
    );
}

#[test]
fn telemetry_without_an_account_goes_to_the_regions_only_account() {
    // The same invoice; telemetry names no account and no architecture
    // (x86_64, as priced), and covers both functions exactly:
    // 1,500,000 requests and 1024 × 300,000,000 / 1,024,000 = 300,000
    // GB-s; list 0.3 + 300,000 × 0.0000166667 = 0.3 + 5.00001 = $5.30001.
    let telemetry = vec![
        tel("", "", "checkout", 1024, 1_000_000, 250_000_000, "4.366675"),
        tel("", "", "ghost", 1024, 500_000, 50_000_000, "0.933335"),
    ];
    let r = reconcile("2026-03", &invoice(), &telemetry).unwrap();
    let req = line(&r, UsageKind::Requests);
    assert_eq!(req.remainder_cost, PicoUsd(0));
    assert!(req.functions_without_telemetry.is_empty());
    assert!(
        req.explanation
            .starts_with("Telemetry accounts for the invoice within 1 %"),
        "{}",
        req.explanation
    );
    let dur = line(&r, UsageKind::Duration);
    assert_eq!(dur.computed_amount, Some(300_000.0));
    assert_eq!(dur.remainder_cost, PicoUsd(0));
    // Only the not-modelled rows remain: 0.36000288 + 0.45.
    assert_eq!(r.remainder_total, usd("0.81000288"));
    assert!(r.notes.is_empty(), "{:?}", r.notes);
}

#[test]
fn savings_plan_lines_count_in_cost_not_in_usage() {
    let a = "1";
    let invoiced = vec![
        inv(
            a,
            "us-east-1",
            "USE1-Lambda-GB-Second-ARM",
            "duration",
            "arm64",
            "SavingsPlanCoveredUsage",
            "f",
            100.0,
            "0.00133334",
        ),
        inv(
            a,
            "us-east-1",
            "USE1-Lambda-GB-Second-ARM",
            "duration",
            "arm64",
            "SavingsPlanNegation",
            "f",
            100.0,
            "-0.00133334",
        ),
    ];
    let r = reconcile("2026-03", &invoiced, &[]).unwrap();
    let d = line(&r, UsageKind::Duration);
    // Usage counted once (the negation is not usage); cost nets to zero.
    assert_eq!((d.invoiced_amount, d.invoiced_cost), (100.0, PicoUsd(0)));
    assert_eq!(d.adjustments_cost, usd("-0.00133334"));
    assert_eq!(d.remainder_amount, Some(100.0));
    assert_eq!(d.functions_without_telemetry, vec!["f".to_string()]);
}

#[test]
fn bad_rows_are_refused() {
    let mut bad = invoice();
    bad[0].kind = "teleportation".into();
    assert!(matches!(
        reconcile("2026-03", &bad, &[]),
        Err(Error::BadValue { what: "kind", .. })
    ));
    assert!(matches!(
        reconcile("March", &invoice(), &[]),
        Err(Error::Invalid(_))
    ));
}

#[test]
fn the_report_section_is_absent_without_an_imported_report() {
    let none = reconcile("2026-03", &[], &[]).unwrap();
    assert_eq!(report_section(&none), None);
    let r = reconcile("2026-03", &invoice(), &[]).unwrap();
    let section = report_section(&r).unwrap();
    assert_eq!(section.lines.len(), r.lines.len());
    // Nothing computed: the whole invoice, $6.11001288, is remainder.
    assert_eq!(section.remainder_pico, 6_110_012_880_000);
    assert_eq!(section.invoiced_pico, section.remainder_pico);
}
