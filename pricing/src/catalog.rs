//! The shape of every price in the catalog: what it is, since when it
//! applies, where it was read, and whether faasight trusts the figure.
//!
//! Provider modules keep their own tables (one file per provider), but every
//! number they use can be turned into a [`PriceEntry`], so the UI can show
//! the source of any cost and warn when a figure is uncertain (derived,
//! read from a secondary copy only, or a fallback for a region the catalog
//! does not list).
//!
//! Prices are integers in pico-dollars per unit: every list price quoted by
//! the providers has at most 12 decimal places of a dollar (AWS quotes 10),
//! so no precision is lost.

use chrono::{DateTime, NaiveDate, Utc};

/// When every source in the catalog was last read.
pub const CHECKED: &str = "2026-11";

/// One list price and its provenance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceEntry {
    /// First day (UTC) the price applies. For the oldest entry of a series
    /// this is the earliest date a source shows it, not necessarily the day
    /// it was introduced; lookups before it use it anyway (see [`price_at`]).
    pub effective_from: NaiveDate,
    /// Price per unit in pico-dollars (10⁻¹² USD).
    pub value_pico: i64,
    /// What one unit is ("request", "GB-second", …).
    pub unit: &'static str,
    /// Page (or copy of a provider's price file) the figure was read from.
    pub source: &'static str,
    /// `false` when the figure could not be confirmed against the provider:
    /// derived by a rule, read from a secondary copy only, or a fallback.
    pub certain: bool,
    /// Why an uncertain figure is uncertain (empty when certain).
    pub note: &'static str,
}

/// A date for catalog tables. Only ever called on constants, so an invalid
/// date stops the build instead of failing at run time.
pub const fn day(year: i32, month: u32, date: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, date) {
        Some(d) => d,
        None => panic!("catalog date out of range"),
    }
}

/// The entry of `series` in force at `at`: the latest one whose
/// `effective_from` is on or before `at`'s UTC date. An instant before the
/// first entry gets the first entry: providers rarely change list prices,
/// and the catalog records a price from the earliest date a source shows
/// it, which is often later than when it took effect. `None` only for an
/// empty series.
pub fn price_at(series: &'static [PriceEntry], at: DateTime<Utc>) -> Option<&'static PriceEntry> {
    let date = at.date_naive();
    series
        .iter()
        .filter(|e| e.effective_from <= date)
        .max_by_key(|e| e.effective_from)
        .or_else(|| series.iter().min_by_key(|e| e.effective_from))
}

/// What [`in_force`] returns for an empty series: a zero price marked
/// uncertain, so a catalog mistake shows up in the UI instead of aborting
/// ingest. The catalog's tests check that no series is empty.
pub const MISSING: PriceEntry = PriceEntry {
    effective_from: day(1970, 1, 1),
    value_pico: 0,
    unit: "",
    source: "",
    certain: false,
    note: "no price in the catalog",
};

/// [`price_at`], by value, with [`MISSING`] for an empty series.
pub fn in_force(series: &'static [PriceEntry], at: DateTime<Utc>) -> PriceEntry {
    price_at(series, at).copied().unwrap_or(MISSING)
}

/// Whether a series is well formed: not empty, dates strictly increasing,
/// prices positive, sources cited, and an explanation for every uncertain
/// entry. The provider modules' tests run it over their tables.
pub fn is_well_formed(series: &[PriceEntry]) -> bool {
    !series.is_empty()
        && series
            .windows(2)
            .all(|w| w[0].effective_from < w[1].effective_from)
        && series.iter().all(|e| {
            e.value_pico > 0
                && e.source.starts_with("https://")
                && !e.unit.is_empty()
                && (e.certain || !e.note.is_empty())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERIES: &[PriceEntry] = &[
        PriceEntry {
            effective_from: day(2020, 1, 1),
            value_pico: 100,
            unit: "request",
            source: "https://example.com/a",
            certain: true,
            note: "",
        },
        PriceEntry {
            effective_from: day(2024, 3, 1),
            value_pico: 150,
            unit: "request",
            source: "https://example.com/b",
            certain: false,
            note: "read from a copy",
        },
    ];

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn the_entry_in_force_is_the_latest_started_one() {
        assert_eq!(
            price_at(SERIES, at("2024-02-29T23:59:59Z"))
                .unwrap()
                .value_pico,
            100
        );
        // The new price applies from the first second of its day (UTC).
        assert_eq!(
            price_at(SERIES, at("2024-03-01T00:00:00Z"))
                .unwrap()
                .value_pico,
            150
        );
        // Before the first recorded date: the first entry.
        assert_eq!(
            price_at(SERIES, at("2010-06-01T00:00:00Z"))
                .unwrap()
                .value_pico,
            100
        );
        assert_eq!(price_at(&[], at("2024-03-01T00:00:00Z")), None);
        assert_eq!(in_force(&[], at("2024-03-01T00:00:00Z")), MISSING);
        assert_eq!(in_force(SERIES, at("2025-01-01T00:00:00Z")), SERIES[1]);
    }

    #[test]
    fn well_formed_series_need_sources_order_and_notes() {
        assert!(is_well_formed(SERIES));
        assert!(!is_well_formed(&[]));
        assert!(!is_well_formed(&[SERIES[1], SERIES[0]]));
        let mut unexplained = [SERIES[0], SERIES[1]];
        unexplained[1].note = "";
        // Sorted, but an uncertain entry without a note.
        assert!(!is_well_formed(&unexplained));
    }
}
