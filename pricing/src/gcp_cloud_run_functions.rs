//! Google Cloud Run functions (request-based billing), and Cloud Functions
//! (1st gen) in [`gen1`]: rules and list prices.
//!
//! Sources (checked 2026-11):
//! - <https://cloud.google.com/run/pricing>: tier 1 regions, request-based
//!   billing: CPU $0.00002400 per vCPU-second, memory $0.00000250 per
//!   GiB-second, requests $0.40 per million; billable time is rounded up to
//!   the nearest 100 ms. The monthly free tier (180,000 vCPU-s, 360,000
//!   GiB-s, 2 M requests) is applied by the analyzer's monthly bill.
//! - <https://cloud.google.com/functions/docs/configuring/memory>: the
//!   default CPU for a memory size (128 MB → 0.083 vCPU … 32 GiB → 8 vCPU),
//!   used when the record does not say how many vCPUs were allocated.
//!
//! - Same page (figures as firebase-tools transcribes them, see
//!   [`TIER1_REGIONS`]): tier 2 regions, request-based billing: CPU $0.00003360 per
//!   vCPU-second, memory $0.00000350 per GiB-second (requests $0.40 per
//!   million in every region). The region lists are [`TIER1_REGIONS`] and
//!   [`TIER2_REGIONS`]; a region in neither is priced at tier 1 and every
//!   entry looked up for it is marked uncertain.

use crate::catalog::{day, in_force, PriceEntry};
use crate::{ceil_ms, ceil_to_step, round_pico};
use chrono::{DateTime, Utc};
use faasight_store::{InvocationRow, PicoUsd};

/// The Cloud Run pricing page.
pub const PRICING_PAGE: &str = "https://cloud.google.com/run/pricing";

const fn run_price(value_pico: i64, unit: &'static str) -> PriceEntry {
    PriceEntry {
        // Floor: Cloud Functions (2nd gen), billed at Cloud Run prices,
        // became generally available in August 2022.
        effective_from: day(2022, 8, 1),
        value_pico,
        unit,
        source: PRICING_PAGE,
        certain: true,
        note: "",
    }
}

/// Per request: $0.40 per million.
pub const REQUEST: &[PriceEntry] = &[run_price(400_000, "request")];
/// Per vCPU-second, tier 1: $0.000024.
pub const VCPU_SECOND: &[PriceEntry] = &[run_price(24_000_000, "vCPU-second")];
/// Per GiB-second, tier 1: $0.0000025.
pub const GIB_SECOND: &[PriceEntry] = &[run_price(2_500_000, "GiB-second")];
/// Per vCPU-second, tier 2: $0.0000336.
pub const VCPU_SECOND_TIER2: &[PriceEntry] = &[run_price(33_600_000, "vCPU-second")];
/// Per GiB-second, tier 2: $0.0000035.
pub const GIB_SECOND_TIER2: &[PriceEntry] = &[run_price(3_500_000, "GiB-second")];

/// Cloud Run's tier 1 regions, as firebase-tools transcribes the Cloud Run
/// pricing page (`src/deploy/functions/pricing.ts` in
/// firebase/firebase-tools; the page itself fills its lists in with
/// JavaScript). Regions opened since are in neither list and priced at
/// tier 1 marked uncertain.
pub const TIER1_REGIONS: &[&str] = &[
    "asia-east1",
    "asia-northeast1",
    "asia-northeast2",
    "europe-north1",
    "europe-west1",
    "europe-west4",
    "us-central1",
    "us-east1",
    "us-east4",
    "us-west1",
];

/// Cloud Run's tier 2 regions (same source).
pub const TIER2_REGIONS: &[&str] = &[
    "asia-east2",
    "asia-northeast3",
    "asia-southeast1",
    "asia-southeast2",
    "asia-south1",
    "australia-southeast1",
    "europe-central2",
    "europe-west2",
    "europe-west3",
    "europe-west6",
    "northamerica-northeast1",
    "southamerica-east1",
    "us-west2",
    "us-west3",
    "us-west4",
];

const UNLISTED_REGION: &str =
    "region not in the catalog's Cloud Run tier lists: tier 1 prices used";

/// The Cloud Run price tier of a region; `None` when the catalog does not
/// list it.
pub fn region_tier(region: &str) -> Option<u8> {
    tier_in(region, TIER1_REGIONS, TIER2_REGIONS)
}

/// 1 or 2 as `region` is in `tier1` or `tier2`; `None` in neither. Cloud
/// Run and Cloud Functions (1st gen) publish different lists.
fn tier_in(region: &str, tier1: &[&str], tier2: &[&str]) -> Option<u8> {
    if tier1.contains(&region) {
        Some(1)
    } else if tier2.contains(&region) {
        Some(2)
    } else {
        None
    }
}

/// Whether the catalog knows the region's tier.
pub fn region_is_priced(region: &str) -> bool {
    region_tier(region).is_some()
}

/// (per request, per vCPU-second, per GiB-second) in `region` at `at`:
/// tier 2 prices in tier 2 regions, tier 1 elsewhere (marked uncertain for
/// a region the catalog does not list).
pub fn prices(region: &str, at: DateTime<Utc>) -> (PriceEntry, PriceEntry, PriceEntry) {
    let request = in_force(REQUEST, at);
    match region_tier(region) {
        Some(2) => (
            request,
            in_force(VCPU_SECOND_TIER2, at),
            in_force(GIB_SECOND_TIER2, at),
        ),
        tier => {
            let mut vcpu = in_force(VCPU_SECOND, at);
            let mut gib = in_force(GIB_SECOND, at);
            if tier.is_none() {
                for p in [&mut vcpu, &mut gib] {
                    p.certain = false;
                    p.note = UNLISTED_REGION;
                }
            }
            (request, vcpu, gib)
        }
    }
}
/// Billing step.
pub const BILLING_STEP_MS: u64 = 100;

/// Default vCPU for a memory size, in thousandths of a vCPU.
pub fn default_vcpu_milli(memory_mb: u32) -> i128 {
    match memory_mb {
        0..=128 => 83,
        129..=256 => 167,
        257..=512 => 333,
        513..=1024 => 583,
        1025..=2048 => 1000,
        2049..=8192 => 2000,
        8193..=16384 => 4000,
        _ => 8000,
    }
}

/// Billed time: rounded up to 100 ms.
pub fn billed_duration_ms(row: &InvocationRow) -> u64 {
    ceil_to_step(ceil_ms(row.duration_ms), BILLING_STEP_MS)
}

/// List price: request + vCPU-seconds + GiB-seconds at the region's tier.
pub fn list_cost(row: &InvocationRow) -> PicoUsd {
    let at = row.start_time;
    let ms = row.billed_duration_ms as i128;
    // vcpu: price × (milli / 1000) × (ms / 1000); memory: price × (MB / 1024) × (ms / 1000)
    let denominator: i128 = 1000 * 1000 * 1024;
    let (request, vcpu, gib) = prices(&row.region, at);
    let cpu = vcpu.value_pico as i128 * default_vcpu_milli(row.memory_mb) * ms * 1024;
    let mem = gib.value_pico as i128 * row.memory_mb as i128 * ms * 1000;
    let request = request.value_pico as i128;
    round_pico(cpu + mem + request * denominator, denominator)
}

/// Cloud Functions (1st gen), now "Cloud Run functions (1st gen)": rules and
/// list prices. Rows carry `provider` = `gcp_cloud_functions_gen1`.
///
/// Sources (checked 2026-11):
/// - <https://cloud.google.com/functions/pricing-1stgen>: invocations $0.40
///   per million; compute time from the request to completion, rounded up
///   to the nearest 100 ms, billed in GB-seconds of provisioned memory and
///   GHz-seconds of provisioned CPU, whose clock is fixed by the memory size
///   (128 MB / 200 MHz, 256 MB / 400 MHz, 512 MB / 800 MHz, 1,024 MB /
///   1.4 GHz, 2,048 MB / 2.4 GHz, 4,096 MB / 4.8 GHz, 8,192 MB / 4.8 GHz).
///   Tier 1: $0.0000025 per GB-s and $0.0000100 per GHz-s; tier 2:
///   $0.0000035 and $0.0000140. The page's per-100 ms table
///   ($0.000000231 for 128 MB at tier 1, …) is these unit prices rounded to
///   nine decimals; the unit prices are what the bill applies.
/// - The same unit prices, the memory-to-clock table and the region tiers
///   as transcribed in firebase/firebase-tools
///   (`src/deploy/functions/pricing.ts`). Free tier (applied by the
///   analyzer's monthly bill, at tier-1 prices): 2 M invocations,
///   400,000 GB-s, 200,000 GHz-s a month.
pub mod gen1 {
    use crate::catalog::{day, in_force, PriceEntry};
    use crate::{ceil_ms, ceil_to_step, round_pico};
    use chrono::{DateTime, Utc};
    use faasight_store::{InvocationRow, PicoUsd};

    /// The 1st gen pricing page.
    pub const PRICING_PAGE: &str = "https://cloud.google.com/functions/pricing-1stgen";

    const UNLISTED_REGION: &str = "region not in the catalog's tier lists: tier 1 prices used";

    const fn gen1_price(value_pico: i64, unit: &'static str) -> PriceEntry {
        PriceEntry {
            // Floor: the earliest archived copy of the pricing page read
            // (web.archive.org, 2017-07-11) shows these unit prices.
            effective_from: day(2017, 7, 11),
            value_pico,
            unit,
            source: PRICING_PAGE,
            certain: true,
            note: "",
        }
    }

    /// Per invocation: $0.40 per million.
    pub const INVOCATION: &[PriceEntry] = &[gen1_price(400_000, "invocation")];
    /// Tier 1, per GB-second of provisioned memory: $0.0000025.
    pub const GB_SECOND_TIER1: &[PriceEntry] = &[gen1_price(2_500_000, "GB-second")];
    /// Tier 1, per GHz-second of provisioned CPU: $0.00001.
    pub const GHZ_SECOND_TIER1: &[PriceEntry] = &[gen1_price(10_000_000, "GHz-second")];
    /// Tier 2, per GB-second: $0.0000035.
    pub const GB_SECOND_TIER2: &[PriceEntry] = &[gen1_price(3_500_000, "GB-second")];
    /// Tier 2, per GHz-second: $0.000014.
    pub const GHZ_SECOND_TIER2: &[PriceEntry] = &[gen1_price(14_000_000, "GHz-second")];
    /// Billing step.
    pub const BILLING_STEP_MS: u64 = 100;
    /// Memory a function gets when none was configured.
    pub const DEFAULT_MEMORY_MB: u32 = 256;

    /// Memory sizes (MB) and the CPU clock (MHz) each one provisions.
    pub const MEMORY_TIERS: [(u32, i128); 7] = [
        (128, 200),
        (256, 400),
        (512, 800),
        (1024, 1400),
        (2048, 2400),
        (4096, 4800),
        (8192, 4800),
    ];

    /// Tier 1 regions (as firebase-tools lists them for 1st gen).
    pub const TIER1_REGIONS: &[&str] = &[
        "us-central1",
        "us-east1",
        "us-east4",
        "europe-west1",
        "europe-west2",
        "asia-east2",
        "asia-northeast1",
        "asia-northeast2",
    ];
    /// Tier 2 regions.
    pub const TIER2_REGIONS: &[&str] = &[
        "us-west2",
        "us-west3",
        "us-west4",
        "northamerica-northeast1",
        "southamerica-east1",
        "europe-west3",
        "europe-west6",
        "europe-central2",
        "australia-southeast1",
        "asia-south1",
        "asia-southeast2",
        "asia-northeast3",
    ];

    /// The price tier of a region, `None` when the catalog does not list
    /// it (it is then priced at tier 1, marked uncertain).
    pub fn region_tier(region: &str) -> Option<u8> {
        super::tier_in(region, TIER1_REGIONS, TIER2_REGIONS)
    }

    /// Whether the catalog knows the region's tier.
    pub fn region_is_priced(region: &str) -> bool {
        region_tier(region).is_some()
    }

    /// The billed memory size: the smallest 1st gen size that holds the
    /// configured memory (256 MB when unknown, 8,192 MB at most), and its
    /// CPU clock in MHz.
    pub fn billed_memory(memory_mb: u32) -> (u32, i128) {
        let memory_mb = if memory_mb == 0 {
            DEFAULT_MEMORY_MB
        } else {
            memory_mb
        };
        MEMORY_TIERS
            .into_iter()
            .find(|&(size, _)| memory_mb <= size)
            .unwrap_or(MEMORY_TIERS[MEMORY_TIERS.len() - 1])
    }

    /// (per GB-second, per GHz-second) in a region at `at`. Unlisted
    /// regions get tier 1 prices marked uncertain.
    pub fn compute_prices(region: &str, at: DateTime<Utc>) -> (PriceEntry, PriceEntry) {
        match region_tier(region) {
            Some(2) => (
                in_force(GB_SECOND_TIER2, at),
                in_force(GHZ_SECOND_TIER2, at),
            ),
            tier => {
                let mut gb = in_force(GB_SECOND_TIER1, at);
                let mut ghz = in_force(GHZ_SECOND_TIER1, at);
                if tier.is_none() {
                    for p in [&mut gb, &mut ghz] {
                        p.certain = false;
                        p.note = UNLISTED_REGION;
                    }
                }
                (gb, ghz)
            }
        }
    }

    /// Billed time: rounded up to 100 ms.
    pub fn billed_duration_ms(row: &InvocationRow) -> u64 {
        ceil_to_step(ceil_ms(row.duration_ms), BILLING_STEP_MS)
    }

    /// List price: invocation + GB-seconds + GHz-seconds at the region's
    /// tier.
    pub fn list_cost(row: &InvocationRow) -> PicoUsd {
        let at = row.start_time;
        let (memory_mb, mhz) = billed_memory(row.memory_mb);
        let (gb_second, ghz_second) = compute_prices(&row.region, at);
        let ms = row.billed_duration_ms as i128;
        // memory: price × (MB / 1024) × (ms / 1000); cpu: price × (MHz / 1000) × (ms / 1000);
        // over one denominator of 1024 × 1000 × 1000.
        let denominator: i128 = 1024 * 1000 * 1000;
        let memory = gb_second.value_pico as i128 * memory_mb as i128 * ms * 1000;
        let cpu = ghz_second.value_pico as i128 * mhz * ms * 1024;
        let invocation = in_force(INVOCATION, at).value_pico as i128 * denominator;
        round_pico(memory + cpu + invocation, denominator)
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::catalog::is_well_formed;

        fn row(region: &str, memory_mb: u32, billed_ms: u64) -> InvocationRow {
            InvocationRow {
                provider: "gcp_cloud_functions_gen1".into(),
                region: region.into(),
                memory_mb,
                billed_duration_ms: billed_ms,
                start_time: "2026-01-01T00:00:00Z".parse().unwrap(),
                ..Default::default()
            }
        }

        #[test]
        fn time_rounds_up_to_100_ms() {
            let mut r = row("us-central1", 256, 0);
            r.duration_ms = 260.0;
            assert_eq!(billed_duration_ms(&r), 300);
            r.duration_ms = 0.2;
            assert_eq!(billed_duration_ms(&r), 100);
        }

        #[test]
        fn tier_one_prices_per_memory_size() {
            // 128 MB / 200 MHz, 100 ms: 0.125 GB × 0.1 s × $0.0000025 = 31,250 pico;
            // 0.2 GHz × 0.1 s × $0.00001 = 200,000; the page's $0.000000231 per
            // 100 ms is 231,250 rounded. + $0.0000004 invocation = 631,250.
            assert_eq!(list_cost(&row("us-central1", 128, 100)), PicoUsd(631_250));
            // 1,024 MB / 1.4 GHz, 300 ms: 1 × 0.3 × 2,500,000 = 750,000;
            // 1.4 × 0.3 × 10,000,000 = 4,200,000; + 400,000 = 5,350,000.
            assert_eq!(
                list_cost(&row("europe-west1", 1024, 300)),
                PicoUsd(5_350_000)
            );
            // 8,192 MB / 4.8 GHz, 100 ms: 8 × 0.1 × 2,500,000 = 2,000,000;
            // 4.8 × 0.1 × 10,000,000 = 4,800,000 (the page's $0.0000068); + 400,000.
            assert_eq!(list_cost(&row("us-east1", 8192, 100)), PicoUsd(7_200_000));
        }

        #[test]
        fn tier_two_regions_cost_more() {
            // 2,048 MB / 2.4 GHz, 1 s in São Paulo (tier 2):
            // 2 × 1 × 3,500,000 = 7,000,000; 2.4 × 1 × 14,000,000 = 33,600,000;
            // + 400,000 = 41,000,000. Tier 1 would be 5,000,000 + 24,000,000 + 400,000.
            assert_eq!(
                list_cost(&row("southamerica-east1", 2048, 1000)),
                PicoUsd(41_000_000)
            );
            assert_eq!(
                list_cost(&row("us-central1", 2048, 1000)),
                PicoUsd(29_400_000)
            );
        }

        #[test]
        fn odd_sizes_bill_the_next_tier_and_unknown_regions_are_flagged() {
            assert_eq!(billed_memory(0), (256, 400));
            assert_eq!(billed_memory(300), (512, 800));
            assert_eq!(billed_memory(16384), (8192, 4800));
            // 300 MB bills as 512 MB / 800 MHz: 0.5 × 0.1 × 2,500,000 = 125,000;
            // 0.8 × 0.1 × 10,000,000 = 800,000; + 400,000 = 1,325,000.
            assert_eq!(list_cost(&row("us-central1", 300, 100)), PicoUsd(1_325_000));
            assert!(!region_is_priced("mars-north1"));
            let (gb, ghz) = compute_prices("mars-north1", "2026-01-01T00:00:00Z".parse().unwrap());
            assert_eq!((gb.value_pico, ghz.value_pico), (2_500_000, 10_000_000));
            assert!(!gb.certain && !ghz.certain);
            let (gb, _) = compute_prices("us-central1", "2026-01-01T00:00:00Z".parse().unwrap());
            assert!(gb.certain);
        }

        #[test]
        fn price_series_are_well_formed() {
            for s in [
                INVOCATION,
                GB_SECOND_TIER1,
                GHZ_SECOND_TIER1,
                GB_SECOND_TIER2,
                GHZ_SECOND_TIER2,
            ] {
                assert!(is_well_formed(s));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::is_well_formed;

    #[test]
    fn hand_computed_price() {
        let mut r = InvocationRow {
            provider: "gcp_cloud_run_functions".into(),
            memory_mb: 2048,
            duration_ms: 250.1,
            ..Default::default()
        };
        assert_eq!(billed_duration_ms(&r), 300);
        r.billed_duration_ms = 300;
        // 1 vCPU × 0.3 s × $0.000024 = $0.0000072; 2 GiB × 0.3 s × $0.0000025
        // = $0.0000015; + $0.0000004 request = $0.0000091.
        assert_eq!(list_cost(&r), PicoUsd(9_100_000));
    }

    #[test]
    fn price_series_are_well_formed() {
        for s in [REQUEST, VCPU_SECOND, GIB_SECOND] {
            assert!(is_well_formed(s));
        }
    }
}
