//! AWS Lambda: billing rules and on-demand list prices, per region.
//!
//! Sources (checked 2026-11):
//! - Prices: <https://aws.amazon.com/lambda/pricing/> fills its tables from
//!   AWS's price map
//!   <https://calculator.aws/pricing/2.0/meteredUnitMaps/lambda/USD/current/lambda.json>.
//!   The regional figures below were read from a copy of that map kept in
//!   remotion-dev/remotion (`packages/lambda/src/pricing/price-per-1-s.ts`),
//!   and the GB-second prices cross-checked against a second copy in
//!   janritter/aws-lambda-live-tuner (its `cost` package); the US East (N. Virginia)
//!   figures also against the pricing page's own worked examples
//!   (ephemeral storage, Provisioned Concurrency, SnapStart). These are the
//!   *first monthly tier* duration prices; the lower tiers above 6 B
//!   (x86_64) / 7.5 B (arm64) GB-s a month belong to the analyzer's monthly
//!   bill.
//! - 1 ms billing granularity from 2020-12-01 (100 ms before):
//!   <https://aws.amazon.com/about-aws/whats-new/2020/12/aws-lambda-changes-duration-billing-granularity-from-100ms-to-1ms/>
//! - INIT phase billed for on-demand functions packaged as ZIP on managed
//!   runtimes from 2025-08-01 (custom runtimes and container images were
//!   always billed for it): <https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/>
//! - SnapStart: "SnapStart pricing does not apply to supported Java managed
//!   runtimes" (pricing page); Python and .NET pay a cache charge (minimum
//!   3 hours per published version) and a charge per GB restored; the
//!   after-restore time (runtime load and hooks, the REPORT line's *Billed
//!   Restore Duration*) is billed as duration for every runtime:
//!   <https://docs.aws.amazon.com/lambda/latest/dg/snapstart-monitoring.html>.
//!
//! Regions the catalog does not list are priced at US East (N. Virginia)'s
//! list and every entry looked up for them is marked uncertain;
//! [`region_is_priced`] lets the UI say so.

use crate::catalog::{day, PriceEntry};
use crate::{ceil_ms, ceil_to_step, round_pico};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use faasight_store::{InvocationRow, PicoUsd};

/// The AWS Lambda pricing page.
pub const PRICING_PAGE: &str = "https://aws.amazon.com/lambda/pricing/";
/// AWS's machine-readable price map behind the pricing page.
pub const PRICE_MAP: &str =
    "https://calculator.aws/pricing/2.0/meteredUnitMaps/lambda/USD/current/lambda.json";
/// AWS's Price List API offer file for Lambda.
pub const PRICE_LIST: &str =
    "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AWSLambda/current/index.json";

/// The region whose prices stand in for regions the catalog does not list.
pub const FALLBACK_REGION: &str = "us-east-1";

/// Ephemeral storage included with every function.
pub const FREE_EPHEMERAL_STORAGE_MB: u32 = 512;
/// Provisioned Concurrency time is rounded up to five minutes.
pub const PROVISIONED_STEP_SECONDS: u64 = 300;
/// Minimum SnapStart cache time charged per published version: 3 hours.
pub const SNAPSTART_MIN_CACHE_MS: u64 = 3 * 3600 * 1000;

const UNPRICED_REGION: &str = "region not in the catalog: US East (N. Virginia) price used";
const DERIVED_ARM: &str = "arm64 Provisioned Concurrency price derived as x86_64 × 0.8 rounded to \
     $0.0000000001 (the rule every verified arm64 price follows except ap-east-1); \
     not read from AWS for this region";
const SECONDARY_COPY: &str = "read from a third-party copy of the AWS Price List only";

/// One region's list prices, in pico-dollars per unit. The arm64
/// Provisioned Concurrency prices are not in the copies of the price map
/// the catalog was built from; they are derived (see [`price`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionPrices {
    /// Region code.
    pub region: &'static str,
    /// From when the catalog applies this row. The regional rows are dated
    /// 2020-12-01, the start of 1 ms billing, as a floor: the copies of the
    /// price map are undated (they list ap-southeast-5, opened in 2024), and
    /// Lambda's regional prices are not known to have changed since.
    pub since: NaiveDate,
    /// Where the row was read.
    pub source: &'static str,
    /// Whether the row's own figures were confirmed (see `note`).
    pub certain: bool,
    /// Why the row is uncertain (empty when certain).
    pub note: &'static str,
    /// Per request (x86_64 and arm64 alike).
    pub request_pico: i64,
    /// Per GB-second on x86_64, first monthly tier.
    pub gb_second_x86_pico: i64,
    /// Per GB-second on arm64, first monthly tier.
    pub gb_second_arm_pico: i64,
    /// Per GB-second of ephemeral storage above 512 MB (both architectures).
    pub ephemeral_storage_pico: i64,
    /// Per GB-second of configured Provisioned Concurrency, x86_64.
    pub provisioned_concurrency_x86_pico: i64,
    /// Per GB-second of duration on provisioned environments, x86_64.
    pub provisioned_duration_x86_pico: i64,
    /// Whether AWS publishes this region's arm64 Provisioned Concurrency
    /// prices where the catalog could read them (otherwise they are derived).
    pub provisioned_arm_published: bool,
}

const fn region(
    region: &'static str,
    [request, x86, arm, storage, pc, pd]: [i64; 6],
) -> RegionPrices {
    RegionPrices {
        region,
        since: day(2020, 12, 1),
        source: PRICE_MAP,
        certain: true,
        note: "",
        request_pico: request,
        gb_second_x86_pico: x86,
        gb_second_arm_pico: arm,
        ephemeral_storage_pico: storage,
        provisioned_concurrency_x86_pico: pc,
        provisioned_duration_x86_pico: pd,
        provisioned_arm_published: false,
    }
}

/// Regional list prices (pico-dollars): request, GB-s x86_64, GB-s arm64,
/// ephemeral storage GB-s, Provisioned Concurrency GB-s x86_64, duration on
/// provisioned environments GB-s x86_64. All read from the AWS price map
/// (see the module documentation) unless marked otherwise.
pub const REGION_PRICES: &[RegionPrices] = &[
    // $0.27/M; $0.0000221, $0.00001768; storage $0.0000000404; PC $0.00000553, $0.0000129.
    region(
        "af-south-1",
        [
            270_000, 22_100_000, 17_680_000, 40_400, 5_530_000, 12_900_000,
        ],
    ),
    // $0.28/M; $0.00002292, $0.0000183; $0.0000000407; $0.0000057153, $0.0000133358.
    region(
        "ap-east-1",
        [
            280_000, 22_920_000, 18_300_000, 40_700, 5_715_300, 13_335_800,
        ],
    ),
    region(
        "ap-northeast-1",
        [
            200_000, 16_666_700, 13_333_400, 37_000, 5_383_500, 12_561_500,
        ],
    ),
    region(
        "ap-northeast-2",
        [
            200_000, 16_666_700, 13_333_400, 35_200, 5_125_400, 11_959_200,
        ],
    ),
    region(
        "ap-northeast-3",
        [
            200_000, 16_666_700, 13_333_400, 37_000, 5_383_500, 12_561_500,
        ],
    ),
    region(
        "ap-south-1",
        [
            200_000, 16_666_700, 13_333_400, 35_200, 4_498_500, 10_496_600,
        ],
    ),
    region(
        "ap-southeast-1",
        [
            200_000, 16_666_700, 13_333_400, 37_000, 5_199_100, 12_131_300,
        ],
    ),
    region(
        "ap-southeast-2",
        [
            200_000, 16_666_700, 13_333_400, 37_000, 5_236_000, 12_217_300,
        ],
    ),
    region(
        "ap-southeast-4",
        [
            200_000, 16_666_700, 13_333_400, 37_000, 5_236_000, 12_217_300,
        ],
    ),
    // Malaysia is cheaper than US East: $0.18/M, $0.000015, $0.000012.
    region(
        "ap-southeast-5",
        [
            180_000, 15_000_000, 12_000_000, 33_300, 4_679_100, 10_918_100,
        ],
    ),
    region(
        "ca-central-1",
        [
            200_000, 16_666_700, 13_333_400, 34_000, 4_646_000, 10_840_700,
        ],
    ),
    region(
        "eu-central-1",
        [
            200_000, 16_666_700, 13_333_400, 36_700, 5_014_700, 11_701_100,
        ],
    ),
    // Zurich: $0.22/M; $0.0000183334, $0.0000146667.
    region(
        "eu-central-2",
        [
            220_000, 18_333_400, 14_666_700, 44_100, 5_516_200, 12_871_200,
        ],
    ),
    region(
        "eu-north-1",
        [
            200_000, 16_666_700, 13_333_400, 32_300, 4_424_800, 10_324_500,
        ],
    ),
    // Milan: $0.23/M; $0.0000195172, $0.0000156138.
    region(
        "eu-south-1",
        [
            230_000, 19_517_200, 15_613_800, 35_700, 4_878_300, 11_382_700,
        ],
    ),
    region(
        "eu-west-1",
        [
            200_000, 16_666_700, 13_333_400, 34_000, 4_646_000, 10_840_700,
        ],
    ),
    region(
        "eu-west-2",
        [
            200_000, 16_666_700, 13_333_400, 35_800, 4_830_400, 11_270_900,
        ],
    ),
    region(
        "eu-west-3",
        [
            200_000, 16_666_700, 13_333_400, 35_800, 4_867_300, 11_356_900,
        ],
    ),
    // UAE: not in the copies of the price map. Request and GB-s prices as
    // two third-party tables list them (equal to Bahrain's); storage and
    // Provisioned Concurrency taken from Bahrain (me-south-1), unverified.
    RegionPrices {
        certain: false,
        note: "not in the copies of the AWS price map read: request and duration from \
               third-party tables, storage and Provisioned Concurrency assumed equal to \
               me-south-1",
        ..region(
            "me-central-1",
            [
                250_000, 20_666_700, 16_533_400, 37_400, 5_110_800, 11_925_100,
            ],
        )
    },
    // Bahrain: $0.25/M; $0.0000206667, $0.0000165334.
    region(
        "me-south-1",
        [
            250_000, 20_666_700, 16_533_400, 37_400, 5_110_800, 11_925_100,
        ],
    ),
    // São Paulo: duration as US East, storage and Provisioned Concurrency dearer.
    region(
        "sa-east-1",
        [
            200_000, 16_666_700, 13_333_400, 58_600, 6_637_200, 15_486_700,
        ],
    ),
    // $0.20/M; $0.0000166667, $0.0000133334; storage $0.0000000309;
    // PC $0.0000041667 and $0.0000097222 (arm64 $0.0000033334 and
    // $0.0000077778, on the pricing page).
    RegionPrices {
        provisioned_arm_published: true,
        ..region(
            "us-east-1",
            [
                200_000, 16_666_700, 13_333_400, 30_900, 4_166_700, 9_722_200,
            ],
        )
    },
    region(
        "us-east-2",
        [
            200_000, 16_666_700, 13_333_400, 30_900, 4_166_700, 9_722_200,
        ],
    ),
    region(
        "us-west-1",
        [
            200_000, 16_666_700, 13_333_400, 37_000, 4_904_100, 11_443_000,
        ],
    ),
    region(
        "us-west-2",
        [
            200_000, 16_666_700, 13_333_400, 30_900, 4_166_700, 9_722_200,
        ],
    ),
];

/// SnapStart prices of one region, pico-dollars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapStartPrices {
    /// Region code.
    pub region: &'static str,
    /// Per GB-second of cached snapshot.
    pub cache_pico: i64,
    /// Per GB restored.
    pub restore_pico: i64,
    /// Where the row was read.
    pub source: &'static str,
    /// Whether confirmed against AWS's own pages.
    pub certain: bool,
    /// Why not (empty when certain).
    pub note: &'static str,
}

/// SnapStart prices for the regions where they could be read. US East's are
/// the pricing page's ($0.0000015046 per GB-s cached, $0.0001397998 per GB
/// restored, used in its worked example); the two Asian rows come from a
/// third-party cost model that quotes the Price List (published 2026-09)
/// and show that the price varies by region. Other regions fall back to
/// US East, marked uncertain.
pub const SNAPSTART_PRICES: &[SnapStartPrices] = &[
    SnapStartPrices {
        region: "us-east-1",
        cache_pico: 1_504_600,
        restore_pico: 139_799_800,
        source: PRICING_PAGE,
        certain: true,
        note: "",
    },
    SnapStartPrices {
        region: "ap-northeast-1",
        cache_pico: 1_504_600,
        restore_pico: 139_799_800,
        source: PRICE_LIST,
        certain: false,
        note: SECONDARY_COPY,
    },
    // Seoul: $0.0000018383 per GB-s cached, $0.0001674588 per GB restored.
    SnapStartPrices {
        region: "ap-northeast-2",
        cache_pico: 1_838_300,
        restore_pico: 167_458_800,
        source: PRICE_LIST,
        certain: false,
        note: SECONDARY_COPY,
    },
];

/// The things Lambda charges for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Charge {
    /// A request (x86_64 and arm64 alike).
    Request,
    /// On-demand duration on x86_64, first monthly tier.
    DurationX86,
    /// On-demand duration on arm64, first monthly tier.
    DurationArm,
    /// Ephemeral storage above 512 MB, while the function runs.
    EphemeralStorage,
    /// Configured Provisioned Concurrency, x86_64, whether used or not.
    ProvisionedConcurrencyX86,
    /// Configured Provisioned Concurrency, arm64.
    ProvisionedConcurrencyArm,
    /// Duration of invocations on provisioned environments, x86_64.
    ProvisionedDurationX86,
    /// Duration of invocations on provisioned environments, arm64.
    ProvisionedDurationArm,
    /// SnapStart snapshot cache (Python and .NET).
    SnapStartCache,
    /// SnapStart restore (Python and .NET).
    SnapStartRestore,
}

impl Charge {
    /// What one unit is.
    pub fn unit(self) -> &'static str {
        match self {
            Charge::Request => "request",
            Charge::DurationX86 | Charge::DurationArm => "GB-second",
            Charge::EphemeralStorage => "GB-second of ephemeral storage above 512 MB",
            Charge::ProvisionedConcurrencyX86 | Charge::ProvisionedConcurrencyArm => {
                "GB-second of configured concurrency"
            }
            Charge::ProvisionedDurationX86 | Charge::ProvisionedDurationArm => {
                "GB-second on a provisioned environment"
            }
            Charge::SnapStartCache => "GB-second of cached snapshot",
            Charge::SnapStartRestore => "GB restored",
        }
    }

    /// When the feature behind the charge became available (so no price
    /// entry claims to be older than its feature).
    fn available_from(self) -> NaiveDate {
        match self {
            Charge::Request | Charge::DurationX86 => day(2014, 11, 13),
            // Provisioned Concurrency launched 2019-12-03.
            Charge::ProvisionedConcurrencyX86 | Charge::ProvisionedDurationX86 => day(2019, 12, 3),
            // Graviton2 functions launched 2021-09-29:
            // https://aws.amazon.com/blogs/aws/aws-lambda-functions-powered-by-aws-graviton2-processor-run-your-functions-on-arm-and-get-up-to-34-better-price-performance/
            Charge::DurationArm
            | Charge::ProvisionedConcurrencyArm
            | Charge::ProvisionedDurationArm => day(2021, 9, 29),
            // Configurable ephemeral storage launched 2022-03-24:
            // https://aws.amazon.com/blogs/aws/aws-lambda-now-supports-up-to-10-gb-ephemeral-storage/
            Charge::EphemeralStorage => day(2022, 3, 24),
            Charge::SnapStartCache | Charge::SnapStartRestore => snapstart_charges_from_date(),
        }
    }
}

/// SnapStart for Python and .NET (the charged runtimes) became generally
/// available on 2024-11-18:
/// <https://aws.amazon.com/blogs/aws/aws-lambda-snapstart-for-python-and-net-functions-is-now-generally-available/>
fn snapstart_charges_from_date() -> NaiveDate {
    day(2024, 11, 18)
}

/// From when SnapStart cache and restore charges exist (before, SnapStart
/// was Java-only and free).
pub fn snapstart_charges_from() -> DateTime<Utc> {
    Utc.from_utc_datetime(
        &snapstart_charges_from_date()
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default(),
    )
}

/// Whether the catalog lists this region. When it does not, every price is
/// US East (N. Virginia)'s, marked uncertain, and the UI should say so.
pub fn region_is_priced(region: &str) -> bool {
    REGION_PRICES.iter().any(|r| r.region == region)
}

/// The row in force for a listed region at `at`: the latest started one,
/// or the region's earliest when `at` predates them all.
fn region_row(region: &str, at: DateTime<Utc>) -> Option<&'static RegionPrices> {
    let date = at.date_naive();
    let rows = || REGION_PRICES.iter().filter(move |r| r.region == region);
    rows()
        .filter(|r| r.since <= date)
        .max_by_key(|r| r.since)
        .or_else(|| rows().min_by_key(|r| r.since))
}

fn fallback_row() -> &'static RegionPrices {
    // The catalog always lists the fallback region (checked by a test); the
    // first row only guards against an edit that removes it.
    REGION_PRICES
        .iter()
        .find(|r| r.region == FALLBACK_REGION)
        .unwrap_or(&REGION_PRICES[0])
}

/// x86_64 price × 0.8, rounded half up to $0.0000000001 (100 pico): how
/// every arm64 price AWS publishes relates to its x86_64 one, except
/// ap-east-1's on-demand duration.
pub fn arm_price_from_x86(x86_pico: i64) -> i64 {
    (x86_pico * 8 + 500) / 1000 * 100
}

/// The list price of `charge` in `region` at `at`, with its provenance.
/// Unlisted regions get US East (N. Virginia)'s price marked uncertain.
pub fn price(region: &str, charge: Charge, at: DateTime<Utc>) -> PriceEntry {
    let listed = region_row(region, at);
    let row = listed.unwrap_or_else(fallback_row);
    let (mut certain, mut note) = if listed.is_some() {
        (row.certain, row.note)
    } else {
        (false, UNPRICED_REGION)
    };
    let mut source = row.source;
    let value_pico = match charge {
        Charge::Request => row.request_pico,
        Charge::DurationX86 => row.gb_second_x86_pico,
        Charge::DurationArm => row.gb_second_arm_pico,
        Charge::EphemeralStorage => row.ephemeral_storage_pico,
        Charge::ProvisionedConcurrencyX86 => row.provisioned_concurrency_x86_pico,
        Charge::ProvisionedDurationX86 => row.provisioned_duration_x86_pico,
        Charge::ProvisionedConcurrencyArm | Charge::ProvisionedDurationArm => {
            if !row.provisioned_arm_published && certain {
                certain = false;
                note = DERIVED_ARM;
            }
            if row.provisioned_arm_published {
                source = PRICING_PAGE;
            }
            arm_price_from_x86(if charge == Charge::ProvisionedConcurrencyArm {
                row.provisioned_concurrency_x86_pico
            } else {
                row.provisioned_duration_x86_pico
            })
        }
        Charge::SnapStartCache | Charge::SnapStartRestore => {
            let snap = SNAPSTART_PRICES.iter().find(|s| s.region == region);
            let s = snap.unwrap_or(&SNAPSTART_PRICES[0]);
            source = s.source;
            (certain, note) = match snap {
                Some(s) => (s.certain, s.note),
                None => (false, UNPRICED_REGION),
            };
            if charge == Charge::SnapStartCache {
                s.cache_pico
            } else {
                s.restore_pico
            }
        }
    };
    PriceEntry {
        effective_from: row.since.max(charge.available_from()),
        value_pico,
        unit: charge.unit(),
        source,
        certain,
        note,
    }
}

fn price_pico(region: &str, charge: Charge, at: DateTime<Utc>) -> i128 {
    price(region, charge, at).value_pico as i128
}

fn is_arm(arch: &str) -> bool {
    arch == "arm64"
}

/// When billing moved from 100 ms to 1 ms steps.
pub fn one_ms_billing_from() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 12, 1, 0, 0, 0).unwrap()
}

/// When the INIT phase became billed for on-demand ZIP functions on managed
/// runtimes.
pub fn init_billing_from() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 8, 1, 0, 0, 0).unwrap()
}

/// Custom runtimes (`provided`, `provided.al2`, `provided.al2023`) run their
/// own bootstrap, whose INIT has always been billed.
fn is_custom_runtime(runtime: &str) -> bool {
    runtime.starts_with("provided")
}

/// Whether this invocation's INIT phase is part of its billed duration.
pub fn init_is_billed(row: &InvocationRow) -> bool {
    row.start_type == "cold"
        && row.init_duration_ms > 0.0
        && (row.start_time >= init_billing_from() || is_custom_runtime(&row.runtime))
}

/// Billed duration in ms: duration (plus INIT where billed), rounded up to
/// 1 ms, or to 100 ms before 2020-12-01; a SnapStart restore adds its
/// *Billed Restore Duration* (runtime load and after-restore hooks, billed
/// as duration for every runtime).
pub fn billed_duration_ms(row: &InvocationRow) -> u64 {
    let mut ms = row.duration_ms;
    if init_is_billed(row) {
        ms += row.init_duration_ms;
    }
    let ms = ceil_ms(ms).max(1);
    let ms = if row.start_time < one_ms_billing_from() {
        ceil_to_step(ms, 100)
    } else {
        ms
    };
    if row.start_type == "snapstart" {
        ms.saturating_add(row.billed_restore_duration_ms)
    } else {
        ms
    }
}

/// Whether SnapStart cache and restore charges apply to a runtime: Python
/// and .NET pay them, Java does not ("SnapStart pricing does not apply to
/// supported Java managed runtimes"), and other runtimes cannot use
/// SnapStart.
pub fn snapstart_is_charged(runtime: &str) -> bool {
    runtime.starts_with("python") || runtime.starts_with("dotnet")
}

/// Whether a row's list price includes a SnapStart restore charge.
pub fn restore_is_charged(row: &InvocationRow) -> bool {
    row.start_type == "snapstart"
        && snapstart_is_charged(&row.runtime)
        && row.start_time >= snapstart_charges_from()
}

/// List price of one invocation in its region: one request, memory × billed
/// duration at the architecture's first-tier GB-second price, and for a
/// SnapStart restore of a Python or .NET function the restore charge
/// (memory in GB × the per-GB restore price).
///
/// Invocations on provisioned environments are priced on demand too: only
/// some of them can be told apart at ingest (`start_type` "provisioned"
/// marks the first one on an environment, later ones are "warm"), so the
/// analyzer reprices them with [`provisioned_duration_cost`] where it
/// knows the configuration.
pub fn list_cost(row: &InvocationRow) -> PicoUsd {
    let at = row.start_time;
    let region = row.region.as_str();
    let duration = if is_arm(&row.arch) {
        Charge::DurationArm
    } else {
        Charge::DurationX86
    };
    let memory = row.memory_mb as i128;
    // price × (memory_mb / 1024 GB) × (billed_ms / 1000 s) + request
    // (+ restore × memory_mb / 1024), over one denominator of 1024 × 1000.
    let denominator: i128 = 1024 * 1000;
    let mut numerator = price_pico(region, duration, at) * memory * row.billed_duration_ms as i128
        + price_pico(region, Charge::Request, at) * denominator;
    if restore_is_charged(row) {
        numerator += price_pico(region, Charge::SnapStartRestore, at) * memory * 1000;
    }
    round_pico(numerator, denominator)
}

/// Ephemeral storage charge of one invocation: (storage − 512 MB) / 1024 GB
/// × billed seconds × the region's storage price. Storage up to 512 MB is
/// included.
pub fn ephemeral_storage_cost(
    storage_mb: u32,
    billed_ms: u64,
    region: &str,
    at: DateTime<Utc>,
) -> PicoUsd {
    let extra_mb = storage_mb.saturating_sub(FREE_EPHEMERAL_STORAGE_MB) as i128;
    round_pico(
        price_pico(region, Charge::EphemeralStorage, at) * extra_mb * billed_ms as i128,
        1024 * 1000,
    )
}

/// Charge for keeping Provisioned Concurrency configured: `configured_mb`
/// is memory × concurrency (MB), `enabled_seconds` the time it was enabled,
/// rounded up to five minutes as AWS bills it.
pub fn provisioned_concurrency_cost(
    configured_mb: u64,
    enabled_seconds: u64,
    arch: &str,
    region: &str,
    at: DateTime<Utc>,
) -> PicoUsd {
    let charge = if is_arm(arch) {
        Charge::ProvisionedConcurrencyArm
    } else {
        Charge::ProvisionedConcurrencyX86
    };
    let seconds = if enabled_seconds == 0 {
        0
    } else {
        ceil_to_step(enabled_seconds, PROVISIONED_STEP_SECONDS)
    };
    round_pico(
        price_pico(region, charge, at) * configured_mb as i128 * seconds as i128,
        1024,
    )
}

/// Duration charge of one invocation that ran on a provisioned environment
/// (it replaces the on-demand duration part of [`list_cost`]; the request
/// charge is the same).
pub fn provisioned_duration_cost(
    memory_mb: u32,
    billed_ms: u64,
    arch: &str,
    region: &str,
    at: DateTime<Utc>,
) -> PicoUsd {
    let charge = if is_arm(arch) {
        Charge::ProvisionedDurationArm
    } else {
        Charge::ProvisionedDurationX86
    };
    round_pico(
        price_pico(region, charge, at) * memory_mb as i128 * billed_ms as i128,
        1024 * 1000,
    )
}

/// SnapStart cache charge of one published version: memory in GB × the
/// time the version was active (at least 3 hours) × the cache price.
/// Nothing for Java and other uncharged runtimes, or before 2024-11-18.
pub fn snapstart_cache_cost(
    memory_mb: u32,
    cached_ms: u64,
    runtime: &str,
    region: &str,
    at: DateTime<Utc>,
) -> PicoUsd {
    if !snapstart_is_charged(runtime) || at < snapstart_charges_from() {
        return PicoUsd(0);
    }
    let ms = cached_ms.max(SNAPSTART_MIN_CACHE_MS) as i128;
    round_pico(
        price_pico(region, Charge::SnapStartCache, at) * memory_mb as i128 * ms,
        1024 * 1000,
    )
}

/// SnapStart restore charge of one restored environment: memory in GB ×
/// the per-GB restore price (already part of [`list_cost`] for rows with
/// `start_type` "snapstart"). Nothing for uncharged runtimes.
pub fn snapstart_restore_cost(
    memory_mb: u32,
    runtime: &str,
    region: &str,
    at: DateTime<Utc>,
) -> PicoUsd {
    if !snapstart_is_charged(runtime) || at < snapstart_charges_from() {
        return PicoUsd(0);
    }
    round_pico(
        price_pico(region, Charge::SnapStartRestore, at) * memory_mb as i128,
        1024,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::is_well_formed;

    fn row(start: &str, arch: &str, memory_mb: u32, duration_ms: f64) -> InvocationRow {
        InvocationRow {
            provider: "aws_lambda".into(),
            region: "us-east-1".into(),
            arch: arch.into(),
            runtime: "python3.12".into(),
            memory_mb,
            duration_ms,
            start_type: "warm".into(),
            start_time: start.parse().unwrap(),
            ..Default::default()
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn one_ms_rounding_since_december_2020_and_100_ms_before() {
        assert_eq!(
            billed_duration_ms(&row("2020-11-30T23:59:59Z", "x86_64", 128, 101.2)),
            200
        );
        assert_eq!(
            billed_duration_ms(&row("2020-12-01T00:00:00Z", "x86_64", 128, 101.2)),
            102
        );
        assert_eq!(
            billed_duration_ms(&row("2024-01-01T00:00:00Z", "x86_64", 128, 0.4)),
            1
        );
    }

    #[test]
    fn init_is_billed_for_on_demand_cold_starts_from_august_2025() {
        let mut before = row("2025-07-31T23:59:59Z", "x86_64", 512, 100.0);
        before.start_type = "cold".into();
        before.init_duration_ms = 250.5;
        assert_eq!(billed_duration_ms(&before), 100);
        let mut after = before.clone();
        after.start_time = "2025-08-01T00:00:00Z".parse().unwrap();
        assert_eq!(billed_duration_ms(&after), 351);
        // Custom runtimes were always billed for INIT.
        before.runtime = "provided.al2023".into();
        assert_eq!(billed_duration_ms(&before), 351);
        // Provisioned environments are initialised ahead and billed separately.
        after.start_type = "provisioned".into();
        assert_eq!(billed_duration_ms(&after), 100);
    }

    #[test]
    fn snapstart_restore_time_is_billed_duration() {
        let mut r = row("2026-01-01T00:00:00Z", "x86_64", 1024, 15.36);
        r.start_type = "snapstart".into();
        r.billed_restore_duration_ms = 152;
        // ceil(15.36) = 16 ms + 152 ms billed restore.
        assert_eq!(billed_duration_ms(&r), 168);
        r.start_type = "warm".into();
        assert_eq!(billed_duration_ms(&r), 16);
    }

    #[test]
    fn hand_computed_list_prices() {
        // 1,024 MB × 1,000 ms = 1 GB-s → $0.0000166667 + $0.0000002 request.
        let mut r = row("2026-01-01T00:00:00Z", "x86_64", 1024, 1000.0);
        r.billed_duration_ms = 1000;
        assert_eq!(list_cost(&r), PicoUsd(16_866_700));
        // arm64 128 MB × 10 ms = 0.00125 GB-s × $0.0000133334 = $0.0000000166667500
        // → 16,666.75 pico, rounds to 16,667; + 200,000 request.
        let mut a = row("2026-01-01T00:00:00Z", "arm64", 128, 10.0);
        a.billed_duration_ms = 10;
        assert_eq!(list_cost(&a), PicoUsd(216_667));
    }

    #[test]
    fn the_invocations_region_sets_the_price() {
        let mut r = row("2026-01-01T00:00:00Z", "x86_64", 1024, 1000.0);
        r.billed_duration_ms = 1000;
        // eu-west-1 lists US East's prices.
        r.region = "eu-west-1".into();
        assert_eq!(list_cost(&r), PicoUsd(16_866_700));
        // Milan: 1 GB-s × $0.0000195172 + $0.00000023 = 19,517,200 + 230,000.
        r.region = "eu-south-1".into();
        assert_eq!(list_cost(&r), PicoUsd(19_747_200));
        // Hong Kong arm64: 1 GB-s × $0.0000183 + $0.00000028 = 18,300,000 + 280,000.
        r.region = "ap-east-1".into();
        r.arch = "arm64".into();
        assert_eq!(list_cost(&r), PicoUsd(18_580_000));
        // Malaysia is cheaper: 1 GB-s × $0.000012 + $0.00000018.
        r.region = "ap-southeast-5".into();
        assert_eq!(list_cost(&r), PicoUsd(12_180_000));
        // Cape Town x86_64, 512 MB × 200 ms = 0.1 GB-s × $0.0000221 = 2,210,000
        // + $0.00000027 request = 2,480,000.
        let mut c = row("2026-01-01T00:00:00Z", "x86_64", 512, 200.0);
        c.billed_duration_ms = 200;
        c.region = "af-south-1".into();
        assert_eq!(list_cost(&c), PicoUsd(2_480_000));
    }

    #[test]
    fn unlisted_regions_get_us_east_prices_flagged() {
        assert!(region_is_priced("eu-west-1"));
        assert!(region_is_priced("sa-east-1"));
        assert!(!region_is_priced("xx-nowhere-1"));
        assert!(!region_is_priced(""));
        let t = at("2026-01-01T00:00:00Z");
        let p = price("xx-nowhere-1", Charge::DurationX86, t);
        assert_eq!(p.value_pico, 16_666_700);
        assert!(!p.certain);
        assert_eq!(p.note, UNPRICED_REGION);
        let p = price("eu-south-1", Charge::DurationX86, t);
        assert!(p.certain);
        assert_eq!(p.source, PRICE_MAP);
        // A listed but unverified region is flagged by its own note.
        let p = price("me-central-1", Charge::Request, t);
        assert_eq!(p.value_pico, 250_000);
        assert!(!p.certain && p.note.contains("me-south-1"));
        // An empty region (a source that did not say) costs what US East costs.
        let mut r = row("2026-01-01T00:00:00Z", "x86_64", 1024, 1000.0);
        r.billed_duration_ms = 1000;
        r.region = String::new();
        assert_eq!(list_cost(&r), PicoUsd(16_866_700));
    }

    #[test]
    fn price_entries_carry_feature_dates() {
        let t = at("2026-01-01T00:00:00Z");
        assert_eq!(
            price("us-east-1", Charge::DurationX86, t).effective_from,
            day(2020, 12, 1)
        );
        assert_eq!(
            price("us-east-1", Charge::DurationArm, t).effective_from,
            day(2021, 9, 29)
        );
        assert_eq!(
            price("eu-west-1", Charge::EphemeralStorage, t).effective_from,
            day(2022, 3, 24)
        );
        assert_eq!(
            price("us-east-1", Charge::SnapStartRestore, t).effective_from,
            day(2024, 11, 18)
        );
    }

    #[test]
    fn ephemeral_storage_above_512_mb() {
        let t = at("2026-01-01T00:00:00Z");
        // The pricing page's example: 2,048 MB storage, 280 ms.
        // (2048 − 512) / 1024 = 1.5 GB × 0.28 s = 0.42 GB-s × $0.0000000309
        // = $0.000000012978 = 12,978 pico (× 6 M invocations = $0.077868,
        // the page's $0.08).
        assert_eq!(
            ephemeral_storage_cost(2048, 280, "us-east-1", t),
            PicoUsd(12_978)
        );
        // Ireland's storage price is $0.000000034: 0.42 × 34,000 = 14,280.
        assert_eq!(
            ephemeral_storage_cost(2048, 280, "eu-west-1", t),
            PicoUsd(14_280)
        );
        // Up to 512 MB is included.
        assert_eq!(ephemeral_storage_cost(512, 280, "us-east-1", t), PicoUsd(0));
        assert_eq!(ephemeral_storage_cost(256, 280, "us-east-1", t), PicoUsd(0));
    }

    #[test]
    fn provisioned_concurrency_configured_time_and_duration() {
        let t = at("2026-01-01T00:00:00Z");
        // The pricing page's example: concurrency 100 × 1,536 MB for 8 h.
        // 150 GB × 28,800 s = 4,320,000 GB-s × $0.0000041667 = $18.000144.
        assert_eq!(
            provisioned_concurrency_cost(100 * 1536, 8 * 3600, "x86_64", "us-east-1", t),
            PicoUsd(18_000_144_000_000)
        );
        // Rounded up to five minutes: 1 s bills 300 s.
        // 1 GB × 300 s × $0.0000041667 = 1,250,010,000 pico.
        assert_eq!(
            provisioned_concurrency_cost(1024, 1, "x86_64", "us-east-1", t),
            PicoUsd(1_250_010_000)
        );
        assert_eq!(
            provisioned_concurrency_cost(1024, 0, "x86_64", "us-east-1", t),
            PicoUsd(0)
        );
        // arm64: 1 GB × 300 s × $0.0000033334 = 1,000,020,000.
        assert_eq!(
            provisioned_concurrency_cost(1024, 300, "arm64", "us-east-1", t),
            PicoUsd(1_000_020_000)
        );
        // Duration on provisioned environments: 1,536 MB × 100 ms = 0.15 GB-s
        // × $0.0000097222 = 1,458,330 pico (× 500,000 = the page's $0.73).
        assert_eq!(
            provisioned_duration_cost(1536, 100, "x86_64", "us-east-1", t),
            PicoUsd(1_458_330)
        );
        // arm64: 1 GB × 1 s × $0.0000077778.
        assert_eq!(
            provisioned_duration_cost(1024, 1000, "arm64", "us-east-1", t),
            PicoUsd(7_777_800)
        );
        // Ireland x86_64: 1 GB × 1 s × $0.0000108407.
        assert_eq!(
            provisioned_duration_cost(1024, 1000, "x86_64", "eu-west-1", t),
            PicoUsd(10_840_700)
        );
    }

    #[test]
    fn arm_provisioned_prices_are_derived_and_flagged_outside_us_east() {
        // The rule reproduces every published arm64 price it is used for:
        // 4,166,700 × 0.8 = 3,333,360 → 3,333,400; 9,722,200 × 0.8 = 7,777,760 → 7,777,800.
        assert_eq!(arm_price_from_x86(4_166_700), 3_333_400);
        assert_eq!(arm_price_from_x86(9_722_200), 7_777_800);
        for r in REGION_PRICES {
            if r.region != "ap-east-1" {
                assert_eq!(
                    arm_price_from_x86(r.gb_second_x86_pico),
                    r.gb_second_arm_pico,
                    "{}",
                    r.region
                );
            }
        }
        let t = at("2026-01-01T00:00:00Z");
        let us = price("us-east-1", Charge::ProvisionedConcurrencyArm, t);
        assert!(us.certain);
        let eu = price("eu-west-1", Charge::ProvisionedConcurrencyArm, t);
        // 4,646,000 × 0.8 = 3,716,800.
        assert_eq!(eu.value_pico, 3_716_800);
        assert!(!eu.certain);
        assert_eq!(eu.note, DERIVED_ARM);
    }

    #[test]
    fn snapstart_restore_is_charged_for_python_and_dotnet_only() {
        let mut r = row("2026-01-01T00:00:00Z", "x86_64", 1024, 100.0);
        r.start_type = "snapstart".into();
        r.billed_duration_ms = 100;
        // 1 GB × 0.1 s × $0.0000166667 = 1,666,670 + 200,000 request
        // + 1 GB restored × $0.0001397998 = 139,799,800 → 141,666,470.
        assert_eq!(list_cost(&r), PicoUsd(141_666_470));
        r.runtime = "dotnet8".into();
        assert_eq!(list_cost(&r), PicoUsd(141_666_470));
        // Java: SnapStart pricing does not apply.
        r.runtime = "java21".into();
        assert_eq!(list_cost(&r), PicoUsd(1_866_670));
        // Before Python/.NET SnapStart existed, nothing to charge.
        r.runtime = "python3.12".into();
        r.start_time = "2024-11-17T23:59:59Z".parse().unwrap();
        assert_eq!(list_cost(&r), PicoUsd(1_866_670));
        // Seoul restores cost more: 2 GB × $0.0001674588 = 334,917,600;
        // duration 2 GB × 0.1 s × $0.0000166667 = 3,333,340; request 200,000.
        let mut s = row("2026-01-01T00:00:00Z", "x86_64", 2048, 100.0);
        s.start_type = "snapstart".into();
        s.billed_duration_ms = 100;
        s.region = "ap-northeast-2".into();
        assert_eq!(list_cost(&s), PicoUsd(338_450_940));
        assert_eq!(
            snapstart_restore_cost(2048, "python3.12", "ap-northeast-2", s.start_time),
            PicoUsd(334_917_600)
        );
        assert!(!price("ap-northeast-2", Charge::SnapStartRestore, s.start_time).certain);
    }

    #[test]
    fn snapstart_cache_has_a_three_hour_minimum() {
        let t = at("2026-01-01T00:00:00Z");
        // The pricing page's example: 1 GB cached for 31 days = 2,678,400 GB-s
        // × $0.0000015046 = $4.02992064 (the page's $4.03).
        assert_eq!(
            snapstart_cache_cost(1024, 2_678_400_000, "python3.12", "us-east-1", t),
            PicoUsd(4_029_920_640_000)
        );
        // A version active one minute pays 3 h: 1 GB × 10,800 s × $0.0000015046.
        assert_eq!(
            snapstart_cache_cost(1024, 60_000, "python3.12", "us-east-1", t),
            PicoUsd(16_249_680_000)
        );
        assert_eq!(
            snapstart_cache_cost(1024, 60_000, "java21", "us-east-1", t),
            PicoUsd(0)
        );
        // The page's example: 74,400 restores of 1 GB = $10.4009...
        assert_eq!(
            snapstart_restore_cost(1024, "python3.12", "us-east-1", t).0 * 74_400,
            10_401_105_120_000
        );
    }

    #[test]
    fn the_regional_table_is_complete_and_sourced() {
        assert!(region_is_priced(FALLBACK_REGION));
        for r in REGION_PRICES {
            assert_eq!(
                REGION_PRICES
                    .iter()
                    .filter(|o| o.region == r.region)
                    .count(),
                1,
                "{} listed twice",
                r.region
            );
            assert!(r.certain || !r.note.is_empty(), "{}", r.region);
            assert!(r.request_pico > 0 && r.ephemeral_storage_pico > 0);
            let t = at("2026-01-01T00:00:00Z");
            let entries: Vec<PriceEntry> = [
                Charge::Request,
                Charge::DurationX86,
                Charge::DurationArm,
                Charge::EphemeralStorage,
                Charge::ProvisionedConcurrencyX86,
                Charge::ProvisionedConcurrencyArm,
                Charge::ProvisionedDurationX86,
                Charge::ProvisionedDurationArm,
                Charge::SnapStartCache,
                Charge::SnapStartRestore,
            ]
            .into_iter()
            .map(|c| price(r.region, c, t))
            .collect();
            for e in entries {
                assert!(is_well_formed(&[e]), "{} {e:?}", r.region);
            }
        }
        // The demo's regions (sample-data) are all listed.
        for demo in ["us-east-1", "eu-west-1"] {
            assert!(region_is_priced(demo));
        }
    }
}
