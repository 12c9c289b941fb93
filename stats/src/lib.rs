//! The few statistics faasight's analyses and its demo generator share: a
//! median, a quantile, a seeded SplitMix64 generator, and the tail
//! probabilities of counts and rates ([`distributions`]) that anomaly
//! scores are made of.
//!
//! Each of them used to be written out in the module that needed it, and the
//! copies had begun to differ in small ways (one uniform draw excluded 0,
//! another did not). Here each has one definition, one set of tests and
//! documentation of the exact arithmetic, because the callers' outputs must
//! not move: a forecast's interval, an anomaly's baseline and the demo
//! workload for a seed are compared bit for bit. No dependencies, so using
//! the crate costs nothing at build time.
#![deny(missing_docs)]

pub mod distributions;

/// Median of `values`: the middle value, or for an even count the mean of
/// the two middle ones computed as `(a + b) / 2`. Sorts `values` in place
/// (by [`f64::total_cmp`], so NaN never panics and `-0.0` sorts before
/// `0.0`): O(n log n), meant for short reference sets such as the few
/// earlier weeks an anomaly score compares an hour with.
///
/// [`quantile`]`(values, 0.5)` finds the same value in O(n) for longer
/// inputs, but averages as `a·½ + b·½` and does not order zeros by sign;
/// the two can differ in the last bit where `a + b` overflows or falls
/// into the subnormal range, and in the sign of a zero. Both are kept so
/// that each caller computes exactly what it always has.
///
/// # Panics
///
/// When `values` is empty: there is no median to return.
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Quantile with linear interpolation between order statistics (R's type 7,
/// R. J. Hyndman, Y. Fan, "Sample quantiles in statistical packages", The
/// American Statistician 50(4), 1996): position `q·(n − 1)` in the sorted
/// values, interpolated as `low·(1 − w) + high·w`. `q` is clamped to
/// 0..=1. Finds the two order statistics by selection, O(n), not by
/// sorting, because the forecast takes quantiles of hundreds of simulated
/// paths per step; reorders `values` as a side effect.
///
/// # Panics
///
/// When `values` is empty. No value may be NaN (the selection compares
/// with `<` and `>`, which NaN defeats).
pub fn quantile(values: &mut [f64], q: f64) -> f64 {
    let last = values.len() - 1;
    let position = q.clamp(0.0, 1.0) * last as f64;
    let below = position.floor() as usize;
    let weight = position - below as f64;
    let low = select_kth(values, below);
    if below == last || weight == 0.0 {
        return low;
    }
    // The next order statistic is the smallest of those above.
    let high = values[below + 1..]
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    low * (1.0 - weight) + high * weight
}

/// Moves the k-th smallest value (0-based) of `values` to index k, smaller
/// ones before it and larger ones after it, and returns it: Hoare's FIND
/// (C. A. R. Hoare, "Algorithm 65: Find", Communications of the ACM 4(7),
/// 1961) with a middle pivot. Written out rather than
/// `select_nth_unstable_by` because the analyses also run unoptimised
/// (debug builds), where the generic library version with a comparison
/// closure is several times slower. No value may be NaN.
fn select_kth(values: &mut [f64], k: usize) -> f64 {
    let (mut low, mut high) = (0, values.len() - 1);
    while low < high {
        let pivot = values[low + (high - low) / 2];
        let (mut i, mut j) = (low, high);
        while i <= j {
            while values[i] < pivot {
                i += 1;
            }
            while values[j] > pivot {
                j -= 1;
            }
            if i <= j {
                values.swap(i, j);
                i += 1;
                if j == 0 {
                    break;
                }
                j -= 1;
            }
        }
        // Now values[low..=j] ≤ pivot ≤ values[i..=high], and values
        // strictly between j and i equal the pivot.
        if k <= j {
            high = j;
        } else if k >= i {
            low = i;
        } else {
            break;
        }
    }
    values[k]
}

/// SplitMix64 (G. L. Steele, D. Lea, C. H. Flood, "Fast splittable
/// pseudorandom number generators", OOPSLA 2014; reference code by
/// S. Vigna, <https://prng.di.unimi.it/splitmix64.c>): 64 bits of state,
/// one addition and a mixing function per draw.
///
/// Owned here rather than taken from a crate so that a seed gives the same
/// stream on every machine and with every version of faasight's
/// dependencies: forecast intervals simulated from it must be repeatable,
/// and the demo generator seeds its xoshiro256** state from it, as the
/// xoshiro authors recommend. Not for anything that needs unpredictability.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose stream depends only on `seed`.
    pub const fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform on [0, 1): the top 53 bits of [`next_u64`](Self::next_u64)
    /// over 2⁵³, so every value is a multiple of 2⁻⁵³ and 0 can occur.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform on (0, 1]: the top 53 bits plus ½, over 2⁵³. Never 0, so
    /// its logarithm is finite, as the Box–Muller transform needs. The sum
    /// is rounded to an `f64` (ties to even), so draws in the upper half
    /// land on multiples of 2⁻⁵³ and the very largest on exactly 1.
    pub fn uniform_open(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        // Sorted 1 2 3: the middle one.
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        // Sorted 1 2 3 4: (2 + 3) / 2 = 2.5.
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&mut [7.0]), 7.0);
        // Two values: their mean, (−1 + 4) / 2 = 1.5.
        assert_eq!(median(&mut [4.0, -1.0]), 1.5);
        // Sorted in place as a side effect.
        let mut values = [5.0, 1.0, 4.0];
        assert_eq!(median(&mut values), 4.0);
        assert_eq!(values, [1.0, 4.0, 5.0]);
        // Total order: NaN sorts last, so 1 2 NaN has the median 2.
        assert_eq!(median(&mut [f64::NAN, 2.0, 1.0]), 2.0);
    }

    #[test]
    fn quantile_interpolates_by_type_7() {
        // 1 2 3 4: q 0.25 → position 0.75 → 1·0.25 + 2·0.75 = 1.75;
        // q 0.5 → position 1.5 → 2·0.5 + 3·0.5 = 2.5; q 0 and 1 are the
        // extremes, and q outside 0..=1 is clamped to them.
        let values = [4.0, 2.0, 3.0, 1.0];
        for (q, expected) in [
            (0.25, 1.75),
            (0.5, 2.5),
            (0.0, 1.0),
            (1.0, 4.0),
            (-3.0, 1.0),
            (7.0, 4.0),
        ] {
            assert_eq!(quantile(&mut values.clone(), q), expected, "q {q}");
        }
        // One value: every quantile is that value.
        assert_eq!(quantile(&mut [9.0], 0.3), 9.0);
        // Position exactly on an order statistic: no interpolation;
        // 10 20 30, q 0.5 → position 1 → 20.
        assert_eq!(quantile(&mut [30.0, 10.0, 20.0], 0.5), 20.0);
    }

    #[test]
    fn quantile_interpolates_between_order_statistics() {
        // Sorted: 1 1 2 3 4 5 5 5 6 9 (positions 0..9).
        // q = 0.1 → position 0.9 → 1·0.1 + 1·0.9 = 1;
        // q = 0.5 → position 4.5 → (4 + 5) / 2 = 4.5;
        // q = 0.9 → position 8.1 → 6·0.9 + 9·0.1 = 6.3.
        let values = [5.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0];
        for (q, expected) in [(0.1, 1.0), (0.5, 4.5), (0.9, 6.3), (1.0, 9.0)] {
            let got = quantile(&mut values.clone(), q);
            assert!((got - expected).abs() < 1e-12, "q {q}: {got}");
        }
        let sorted = [1.0, 1.0, 2.0, 3.0, 4.0, 5.0, 5.0, 5.0, 6.0, 9.0];
        for (k, expected) in sorted.iter().enumerate() {
            assert_eq!(select_kth(&mut values.clone(), k), *expected, "k {k}");
        }
        // Seeded random arrays of 1..=40 values with many ties: every k
        // agrees with sorting, and the partition around k holds.
        let mut rng = SplitMix64::new(42);
        for _ in 0..200 {
            let len = 1 + (rng.next_u64() % 40) as usize;
            let values: Vec<f64> = (0..len).map(|_| (rng.next_u64() % 8) as f64).collect();
            let mut reference = values.clone();
            reference.sort_by(f64::total_cmp);
            for (k, expected) in reference.iter().enumerate() {
                let mut work = values.clone();
                assert_eq!(select_kth(&mut work, k), *expected, "{values:?} k {k}");
                assert!(work[..k].iter().all(|v| v <= expected));
                assert!(work[k + 1..].iter().all(|v| v >= expected));
            }
        }
    }

    #[test]
    fn splitmix64_matches_the_reference_stream() {
        // The first outputs of Vigna's splitmix64.c from state 0.
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(rng.next_u64(), 0x6e78_9e6a_a1b9_65f4);
        assert_eq!(rng.next_u64(), 0x06c4_5d18_8009_454f);
        // Same seed, same stream; a clone continues where the original is.
        let mut a = SplitMix64::new(7);
        a.next_u64();
        let mut b = a.clone();
        assert_eq!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn uniform_draws_at_the_ends_and_in_between() {
        // The mixing function maps 0 to 0, so the seed that steps the state
        // to 0 (0 − 0x9e3779b97f4a7c15) makes the next draw all zero bits:
        // 0 / 2⁵³ = 0 on [0, 1), and (0 + ½) / 2⁵³ = 2⁻⁵⁴ on (0, 1].
        let zero_next = 0u64.wrapping_sub(0x9e37_79b9_7f4a_7c15);
        assert_eq!(SplitMix64::new(zero_next).next_u64(), 0);
        assert_eq!(SplitMix64::new(zero_next).uniform(), 0.0);
        assert_eq!(SplitMix64::new(zero_next).uniform_open(), 2f64.powi(-54));
        // Seed 0x31628af67b2131ab steps the state to 0xcf9a04affa6badc0,
        // which the mixing function maps to all one bits (found by running
        // it backwards): top 53 bits 2⁵³ − 1, so (2⁵³ − 1) / 2⁵³ on
        // [0, 1), while 2⁵³ − 1 + ½ is a tie that rounds to the even 2⁵³,
        // and the open draw is exactly 1.
        let all_ones_next = 0x3162_8af6_7b21_31ab;
        assert_eq!(SplitMix64::new(all_ones_next).next_u64(), u64::MAX);
        assert_eq!(
            SplitMix64::new(all_ones_next).uniform(),
            1.0 - 2f64.powi(-53)
        );
        assert_eq!(SplitMix64::new(all_ones_next).uniform_open(), 1.0);
        // From state 0 the first draw is 0xe220a8397b1dcdaf; its top 53
        // bits are 0x1c4415072f63b9 = 7,956,156,453,446,585, so [0, 1)
        // gives 7,956,156,453,446,585 / 2⁵³ = 0.883311 (to 6 places); the
        // open draw adds ½, a tie between two integers (f64 spacing is 1
        // above 2⁵²) that rounds to the even 7,956,156,453,446,586.
        assert_eq!(0xe220_a839_7b1d_cdaf_u64 >> 11, 7_956_156_453_446_585);
        let u = SplitMix64::new(0).uniform();
        assert_eq!(u, 7_956_156_453_446_585.0 / 9_007_199_254_740_992.0);
        assert!((u - 0.883_311).abs() < 1e-6, "{u}");
        let open = SplitMix64::new(0).uniform_open();
        assert_eq!(open, 7_956_156_453_446_586.0 / 9_007_199_254_740_992.0);
    }
}
