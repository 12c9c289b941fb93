//! The parts of an AWS Lambda bill that depend on a function's
//! configuration rather than on each invocation: Provisioned Concurrency,
//! ephemeral storage above 512 MB, SnapStart caches and restores, and the
//! INIT time container images were billed for before AWS billed INIT for
//! every function (2025-08-01). Telemetry alone cannot see most of them;
//! the configuration inventory (`faasight import --format
//! aws-lambda-functions` / `aws-provisioned-concurrency`) can. Where
//! neither says, the bill says what it left out instead of guessing.
//!
//! Pure: month usage per function and configuration snapshots in, charges
//! and notes out. Prices and rules from `faasight_pricing::aws_lambda`.

use chrono::{DateTime, Utc};
use faasight_pricing::aws_lambda;
use faasight_store::PicoUsd;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One month of one AWS function at one configuration
/// (`function_month_usage.sql`).
#[derive(Debug, Clone, Default, clickhouse::Row, Deserialize)]
pub struct FunctionMonthUsage {
    /// First day of the month, `YYYY-MM-DD`.
    pub month: String,
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// Function.
    pub function: String,
    /// Architecture.
    pub arch: String,
    /// Runtime.
    pub runtime: String,
    /// Memory, MB.
    pub memory_mb: u32,
    /// Invocations.
    pub requests: u64,
    /// Σ billed duration, ms.
    pub billed_ms: u64,
    /// SnapStart restores.
    pub snapstart_restores: u64,
    /// INIT time of cold starts before 2025-08-01 not in the billed
    /// duration, ms.
    pub unbilled_init_ms: u64,
    /// Latest start time, Unix seconds.
    pub last_start: i64,
}

/// One configuration snapshot (`function_inventory.sql` reads the
/// table's rows whole).
pub use faasight_store::FunctionConfigRow as ConfigSnapshot;

/// When a snapshot was seen, Unix seconds.
fn seen(s: &ConfigSnapshot) -> i64 {
    s.seen_at.timestamp()
}

/// What a configuration charge is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeKind {
    /// Configured Provisioned Concurrency.
    ProvisionedConcurrency,
    /// Ephemeral storage above 512 MB.
    EphemeralStorage,
    /// SnapStart snapshot cache.
    SnapStartCache,
    /// SnapStart restores.
    SnapStartRestore,
}

/// One configuration charge of a month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigCharge {
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// Function.
    pub function: String,
    /// Alias or version (Provisioned Concurrency), else empty.
    pub qualifier: String,
    /// What is charged.
    pub kind: ChargeKind,
    /// How much of it, in `unit`.
    pub quantity: f64,
    /// The priced unit.
    pub unit: &'static str,
    /// The charge.
    pub amount: PicoUsd,
    /// How it was reached.
    pub basis: String,
}

impl ChargeKind {
    /// The name used in JSON, tables and pages.
    pub fn name(self) -> &'static str {
        match self {
            ChargeKind::ProvisionedConcurrency => "provisioned_concurrency",
            ChargeKind::EphemeralStorage => "ephemeral_storage",
            ChargeKind::SnapStartCache => "snap_start_cache",
            ChargeKind::SnapStartRestore => "snap_start_restore",
        }
    }
}

impl ConfigCharge {
    /// The function, with the alias or version when the charge has one
    /// (`api:live`).
    pub fn target(&self) -> String {
        if self.qualifier.is_empty() {
            self.function.clone()
        } else {
            format!("{}:{}", self.function, self.qualifier)
        }
    }
}

/// INIT time a container image was billed for, to add to a bill line's
/// duration (it counts toward tiers and the free tier like any duration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraDuration {
    /// Account of the bill line.
    pub account: String,
    /// Region of the bill line.
    pub region: String,
    /// Architecture of the bill line.
    pub arch: String,
    /// MB × ms to add.
    pub mb_ms: u128,
}

/// A month's configuration charges.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonthCharges {
    /// Charges, by account, region, function, kind.
    pub charges: Vec<ConfigCharge>,
    /// Duration to add to bill lines.
    pub extra_duration: Vec<ExtraDuration>,
    /// What was assumed or left out.
    pub notes: Vec<String>,
}

type Key = (String, String, String);

fn key(account: &str, region: &str, function: &str) -> Key {
    (
        account.to_string(),
        region.to_string(),
        function.to_string(),
    )
}

/// The function's configuration in force at `t`: the latest snapshot seen
/// by then (of `$LATEST` when listed, else of any version), or the earliest
/// seen after when none was seen before.
fn config_at<'a>(snaps: &[&'a ConfigSnapshot], t: i64) -> Option<&'a ConfigSnapshot> {
    let latest: Vec<&ConfigSnapshot> = if snaps.iter().any(|s| s.qualifier == "$LATEST") {
        snaps
            .iter()
            .copied()
            .filter(|s| s.qualifier == "$LATEST")
            .collect()
    } else {
        snaps.to_vec()
    };
    latest
        .iter()
        .copied()
        .filter(|s| seen(s) <= t)
        .max_by_key(|s| seen(s))
        .or_else(|| latest.iter().copied().min_by_key(|s| seen(s)))
}

/// The configuration charges of the month `[month_start, month_end)` as of
/// `now` (time after `now` is not charged). `usage` holds this month's rows
/// only; `inventory` every snapshot seen before the month's end.
pub fn month_charges(
    month_start: DateTime<Utc>,
    month_end: DateTime<Utc>,
    now: DateTime<Utc>,
    usage: &[FunctionMonthUsage],
    inventory: &[ConfigSnapshot],
) -> MonthCharges {
    let aws = faasight_pricing::Provider::AwsLambda.as_str();
    let (start, end) = (month_start.timestamp(), month_end.min(now).timestamp());
    let mut functions: BTreeMap<Key, Vec<&ConfigSnapshot>> = BTreeMap::new();
    let mut provisioned: BTreeMap<(Key, String), Vec<&ConfigSnapshot>> = BTreeMap::new();
    for s in inventory.iter().filter(|s| s.provider == aws) {
        let k = key(&s.account, &s.region, &s.function);
        if s.kind == faasight_store::rows::inventory::KIND_PROVISIONED {
            provisioned
                .entry((k, s.qualifier.clone()))
                .or_default()
                .push(s);
        } else {
            functions.entry(k).or_default().push(s);
        }
    }
    let mut out = MonthCharges::default();
    let mut unknown: BTreeSet<&str> = BTreeSet::new();
    let mut storage: BTreeMap<Key, (f64, i64, String)> = BTreeMap::new();
    let mut restores: BTreeMap<Key, (f64, i64, u64)> = BTreeMap::new();
    let mut image_init: BTreeMap<Key, u64> = BTreeMap::new();
    for u in usage {
        let k = key(&u.account, &u.region, &u.function);
        if u.snapstart_restores > 0 {
            let each =
                aws_lambda::snapstart_restore_cost(u.memory_mb, &u.runtime, &u.region, month_start);
            if each.0 > 0 {
                let r = restores.entry(k.clone()).or_default();
                r.0 += u.memory_mb as f64 / 1024.0 * u.snapstart_restores as f64;
                r.1 += each.0 * u.snapstart_restores as i64;
                r.2 += u.snapstart_restores;
            }
        }
        let Some(cfg) = functions.get(&k).and_then(|s| config_at(s, end - 1)) else {
            unknown.insert(&u.function);
            continue;
        };
        if cfg.ephemeral_storage_mb > aws_lambda::FREE_EPHEMERAL_STORAGE_MB {
            let amount = aws_lambda::ephemeral_storage_cost(
                cfg.ephemeral_storage_mb,
                u.billed_ms,
                &u.region,
                month_start,
            );
            let extra_gb =
                (cfg.ephemeral_storage_mb - aws_lambda::FREE_EPHEMERAL_STORAGE_MB) as f64 / 1024.0;
            let s = storage.entry(k.clone()).or_default();
            s.0 += extra_gb * u.billed_ms as f64 / 1000.0;
            s.1 += amount.0;
            s.2 = format!(
                "{} MB configured (512 MB included) × billed duration",
                cfg.ephemeral_storage_mb
            );
        }
        if cfg.package_type == "Image" && u.unbilled_init_ms > 0 {
            out.extra_duration.push(ExtraDuration {
                account: u.account.clone(),
                region: u.region.clone(),
                arch: u.arch.clone(),
                mb_ms: u128::from(u.memory_mb) * u128::from(u.unbilled_init_ms),
            });
            *image_init.entry(k).or_default() += u.unbilled_init_ms;
        }
    }
    for ((account, region, function), (quantity, amount, basis)) in storage {
        out.charges.push(ConfigCharge {
            account,
            region,
            function,
            qualifier: String::new(),
            kind: ChargeKind::EphemeralStorage,
            quantity,
            unit: "GB-second above 512 MB",
            amount: PicoUsd(amount),
            basis,
        });
    }
    for ((account, region, function), (quantity, amount, n)) in restores {
        out.charges.push(ConfigCharge {
            account,
            region,
            function,
            qualifier: String::new(),
            kind: ChargeKind::SnapStartRestore,
            quantity,
            unit: "GB restored",
            amount: PicoUsd(amount),
            basis: format!("{n} restores × memory (Python and .NET SnapStart)"),
        });
    }
    for ((_, _, function), ms) in &image_init {
        out.notes.push(format!(
            "{function}: {ms} ms of INIT added to duration — a container image, billed for INIT before 2025-08-01"
        ));
    }
    // SnapStart caches: per published version, from when it was first seen
    // (at least 3 hours a version).
    for ((account, region, function), snaps) in &functions {
        let Some(cfg) = config_at(snaps, end - 1) else {
            continue;
        };
        if cfg.snapstart_apply_on != "PublishedVersions"
            || !aws_lambda::snapstart_is_charged(&cfg.runtime)
        {
            continue;
        }
        let first_seen = snaps.iter().map(|s| seen(s)).min().unwrap_or(end);
        let from = start.max(first_seen);
        if from >= end {
            continue;
        }
        let versions: BTreeSet<&str> = snaps
            .iter()
            .filter(|s| s.qualifier != "$LATEST")
            .map(|s| s.qualifier.as_str())
            .collect();
        let n = versions.len().max(1) as i64;
        let ms = ((end - from) * 1000) as u64;
        let each =
            aws_lambda::snapstart_cache_cost(cfg.memory_mb, ms, &cfg.runtime, region, month_start);
        out.charges.push(ConfigCharge {
            account: account.clone(),
            region: region.clone(),
            function: function.clone(),
            qualifier: String::new(),
            kind: ChargeKind::SnapStartCache,
            quantity: n as f64 * cfg.memory_mb as f64 / 1024.0 * ms.max(aws_lambda::SNAPSTART_MIN_CACHE_MS) as f64 / 1000.0,
            unit: "GB-second cached",
            amount: PicoUsd(each.0 * n),
            basis: if versions.is_empty() {
                "one published version assumed (the inventory lists $LATEST only; import `list-functions --function-version ALL` for each version), cached since first seen".into()
            } else {
                format!("{n} published versions cached since first seen")
            },
        });
    }
    // Provisioned Concurrency: each snapshot's concurrency from when it
    // was seen until the alias's next snapshot.
    for (((account, region, function), qualifier), snaps) in &provisioned {
        let mut sorted = snaps.clone();
        sorted.sort_by_key(|s| seen(s));
        let (mut gb_s, mut amount) = (0.0, 0i64);
        let mut missing_memory = false;
        for (i, s) in sorted.iter().enumerate() {
            let next = sorted.get(i + 1).map_or(i64::MAX, |n| seen(n));
            let (from, to) = (seen(s).max(start), next.min(end));
            let concurrency = if s.provisioned_allocated > 0 {
                s.provisioned_allocated
            } else {
                s.provisioned_requested
            };
            if from >= to || concurrency == 0 {
                continue;
            }
            let cfg = functions
                .get(&key(account, region, function))
                .and_then(|f| config_at(f, from));
            let Some(cfg) = cfg else {
                missing_memory = true;
                continue;
            };
            let configured_mb = u64::from(cfg.memory_mb) * u64::from(concurrency);
            let seconds = (to - from) as u64;
            amount += aws_lambda::provisioned_concurrency_cost(
                configured_mb,
                seconds,
                &cfg.arch,
                region,
                month_start,
            )
            .0;
            gb_s += configured_mb as f64 / 1024.0 * seconds as f64;
        }
        if missing_memory {
            out.notes.push(format!(
                "{function}:{qualifier}: Provisioned Concurrency seen, but the function's memory is not in the inventory (import `aws lambda list-functions` output); not charged"
            ));
        }
        if amount > 0 {
            out.charges.push(ConfigCharge {
                account: account.clone(),
                region: region.clone(),
                function: function.clone(),
                qualifier: qualifier.clone(),
                kind: ChargeKind::ProvisionedConcurrency,
                quantity: gb_s,
                unit: "GB-second configured",
                amount: PicoUsd(amount),
                basis: "concurrency × memory from each import until the alias's next import, in 5-minute steps".into(),
            });
        }
    }
    if !provisioned.is_empty() {
        out.notes.push(
            "Invocations on provisioned environments are billed here at the on-demand duration price; AWS charges them the lower Provisioned Concurrency duration price.".into(),
        );
    }
    if !unknown.is_empty() {
        let names: Vec<&str> = unknown.iter().copied().take(5).collect();
        out.notes.push(format!(
            "No configuration imported for {} AWS Lambda function{} ({}{}): Provisioned Concurrency, ephemeral storage above 512 MB, SnapStart caches and container-image INIT before 2025-08-01 are not in this bill for {}. Import `aws lambda list-functions` and `list-provisioned-concurrency-configs` output with `faasight import`.",
            unknown.len(),
            if unknown.len() == 1 { "" } else { "s" },
            names.join(", "),
            if unknown.len() > 5 { ", …" } else { "" },
            if unknown.len() == 1 { "it" } else { "them" },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(d: u32, h: u32) -> DateTime<Utc> {
        if d > 30 {
            Utc.with_ymd_and_hms(2026, 12, d - 30, h, 0, 0).unwrap()
        } else {
            Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap()
        }
    }

    fn function(name: &str, seen: DateTime<Utc>) -> ConfigSnapshot {
        ConfigSnapshot {
            provider: "aws_lambda".into(),
            account: "1".into(),
            region: "us-east-1".into(),
            function: name.into(),
            qualifier: "$LATEST".into(),
            kind: "function".into(),
            memory_mb: 1024,
            runtime: "python3.12".into(),
            arch: "x86_64".into(),
            package_type: "Zip".into(),
            ephemeral_storage_mb: 512,
            seen_at: seen,
            ..Default::default()
        }
    }

    fn used(name: &str) -> FunctionMonthUsage {
        FunctionMonthUsage {
            month: "2026-11-01".into(),
            account: "1".into(),
            region: "us-east-1".into(),
            function: name.into(),
            arch: "x86_64".into(),
            runtime: "python3.12".into(),
            memory_mb: 1024,
            requests: 1_000,
            billed_ms: 1_000_000,
            ..Default::default()
        }
    }

    fn november(
        now: DateTime<Utc>,
        usage: &[FunctionMonthUsage],
        inv: &[ConfigSnapshot],
    ) -> MonthCharges {
        month_charges(t(1, 0), t(31, 0), now, usage, inv)
    }

    #[test]
    fn provisioned_concurrency_from_each_import_until_the_next() {
        // 10 × 1,024 MB on alias `live` from Nov 10 until an import on Nov 20
        // shows 0: 10 days × 86,400 s × 10 GB = 8,640,000 GB-s × $0.0000041667
        // (US East, x86_64) = $36.000288.
        let pc = |seen, n| ConfigSnapshot {
            qualifier: "live".into(),
            kind: "provisioned_concurrency".into(),
            provisioned_allocated: n,
            provisioned_requested: n,
            ..function("api", seen)
        };
        let inv = [function("api", t(5, 0)), pc(t(10, 0), 10), pc(t(20, 0), 0)];
        let c = november(t(31, 0), &[used("api")], &inv);
        let pc: Vec<&ConfigCharge> = c
            .charges
            .iter()
            .filter(|c| c.kind == ChargeKind::ProvisionedConcurrency)
            .collect();
        assert_eq!(pc.len(), 1);
        assert_eq!(pc[0].amount, PicoUsd(36_000_288_000_000));
        assert_eq!(pc[0].qualifier, "live");
        // Without the function's memory, nothing is charged and the bill says so.
        let c = november(t(31, 0), &[], &inv[1..]);
        assert!(c.charges.is_empty());
        assert!(
            c.notes
                .iter()
                .any(|n| n.contains("memory is not in the inventory")),
            "{:?}",
            c.notes
        );
    }

    #[test]
    fn ephemeral_storage_above_512_mb_times_billed_duration() {
        // 2,048 MB: 1.5 GB above the included 512 MB × 1,000 s billed =
        // 1,500 GB-s × $0.0000000309 = $0.00004635.
        let inv = [ConfigSnapshot {
            ephemeral_storage_mb: 2048,
            ..function("etl", t(2, 0))
        }];
        let c = november(t(31, 0), &[used("etl")], &inv);
        assert_eq!(c.charges.len(), 1);
        assert_eq!(c.charges[0].kind, ChargeKind::EphemeralStorage);
        assert_eq!(c.charges[0].amount, PicoUsd(46_350_000));
        assert!((c.charges[0].quantity - 1_500.0).abs() < 1e-9);
    }

    #[test]
    fn snapstart_cache_at_least_three_hours_and_restores_per_gb() {
        // Seen an hour before the month ends: charged the 3-hour minimum,
        // 10,800 s × 1 GB × $0.0000015046 = $0.0162496800; 10 restores of
        // 1 GB × $0.0001397998 = $0.001397998.
        let inv = [ConfigSnapshot {
            snapstart_apply_on: "PublishedVersions".into(),
            ..function("py", t(30, 23))
        }];
        let usage = FunctionMonthUsage {
            snapstart_restores: 10,
            ..used("py")
        };
        let c = november(t(31, 0), &[usage], &inv);
        let amount = |k| c.charges.iter().find(|c| c.kind == k).map(|c| c.amount);
        assert_eq!(
            amount(ChargeKind::SnapStartCache),
            Some(PicoUsd(16_249_680_000))
        );
        assert_eq!(
            amount(ChargeKind::SnapStartRestore),
            Some(PicoUsd(1_397_998_000))
        );
        // Java's SnapStart is free: no cache charge.
        let java = [ConfigSnapshot {
            runtime: "java21".into(),
            ..inv[0].clone()
        }];
        assert!(november(t(31, 0), &[], &java).charges.is_empty());
    }

    #[test]
    fn container_image_init_before_august_2025_joins_the_duration() {
        let inv = [ConfigSnapshot {
            package_type: "Image".into(),
            ..function("img", t(1, 0))
        }];
        let usage = FunctionMonthUsage {
            unbilled_init_ms: 5_000,
            ..used("img")
        };
        let c = november(t(31, 0), std::slice::from_ref(&usage), &inv);
        assert_eq!(
            c.extra_duration,
            vec![ExtraDuration {
                account: "1".into(),
                region: "us-east-1".into(),
                arch: "x86_64".into(),
                mb_ms: 1024 * 5_000
            }]
        );
        // A ZIP function's INIT before then was not billed.
        let zip = [function("img", t(1, 0))];
        assert!(november(t(31, 0), &[usage], &zip).extra_duration.is_empty());
    }

    #[test]
    fn charge_names_are_the_json_names() {
        for k in [
            ChargeKind::ProvisionedConcurrency,
            ChargeKind::EphemeralStorage,
            ChargeKind::SnapStartCache,
            ChargeKind::SnapStartRestore,
        ] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.name());
        }
    }

    #[test]
    fn functions_without_configuration_are_named() {
        let c = november(t(31, 0), &[used("a"), used("b")], &[]);
        assert!(c.charges.is_empty());
        assert!(
            c.notes
                .iter()
                .any(|n| n.contains("2 AWS Lambda functions") && n.contains("a, b")),
            "{:?}",
            c.notes
        );
    }
}
