//! Histogram buckets as a metrics panel needs them: the increase between
//! two cumulative points, the sum of several series, and a quantile
//! estimated from the buckets.
//!
//! Both OTLP layouts are handled: explicit bounds (bucket `i` holds the
//! values in `(bounds[i-1], bounds[i]]`, the last one those above the
//! last bound) and exponential buckets (at scale `s` the base is
//! `2^(2^-s)` and positive bucket index `i` holds `(base^i, base^(i+1)]`,
//! negative index `i` the same range negated; values near zero are
//! counted apart). Pure functions, no I/O.

use std::collections::BTreeMap;

/// The buckets of one histogram point, or of an increase or sum of them.
/// Counts are `f64` so that sums of many series cannot overflow.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Hist {
    /// Explicit bounds: `counts` has one more entry than `bounds`.
    Explicit {
        /// Upper bounds, increasing.
        bounds: Vec<f64>,
        /// Count per bucket.
        counts: Vec<f64>,
    },
    /// Exponential buckets by index at `scale`.
    Exponential {
        /// The resolution: base `2^(2^-scale)`.
        scale: i32,
        /// Values counted as zero.
        zero: f64,
        /// Count per positive bucket index (empty ones may be absent).
        positive: BTreeMap<i32, f64>,
        /// Count per negative bucket index.
        negative: BTreeMap<i32, f64>,
    },
}

impl Hist {
    /// An explicit-bounds point as stored (`bucket_counts`,
    /// `explicit_bounds`); `None` when the counts do not fit the bounds.
    pub(crate) fn explicit(bounds: &[f64], counts: &[u64]) -> Option<Hist> {
        if counts.len() != bounds.len() + 1 {
            return None;
        }
        Some(Hist::Explicit {
            bounds: bounds.to_vec(),
            counts: counts.iter().map(|&c| c as f64).collect(),
        })
    }

    /// An exponential point as stored (`exp_*` columns).
    pub(crate) fn exponential(
        scale: i32,
        zero: u64,
        (positive_offset, positive): (i32, &[u64]),
        (negative_offset, negative): (i32, &[u64]),
    ) -> Hist {
        let by_index = |offset: i32, counts: &[u64]| -> BTreeMap<i32, f64> {
            counts
                .iter()
                .enumerate()
                .filter(|(_, &c)| c > 0)
                .map(|(k, &c)| (offset.saturating_add(k as i32), c as f64))
                .collect()
        };
        Hist::Exponential {
            scale,
            zero: zero as f64,
            positive: by_index(positive_offset, positive),
            negative: by_index(negative_offset, negative),
        }
    }

    /// `self − earlier`, bucket by bucket: what was counted between two
    /// cumulative points of one series. `None` when a bucket went down or
    /// the layouts cannot be compared (different explicit bounds): the
    /// counter was reset, and the caller counts `self` whole.
    pub(crate) fn minus(&self, earlier: &Hist) -> Option<Hist> {
        match (self, earlier) {
            (
                Hist::Explicit { bounds, counts },
                Hist::Explicit {
                    bounds: b0,
                    counts: c0,
                },
            ) => {
                if bounds != b0 || counts.len() != c0.len() {
                    return None;
                }
                let diff: Vec<f64> = counts.iter().zip(c0).map(|(a, b)| a - b).collect();
                diff.iter().all(|d| *d >= 0.0).then(|| Hist::Explicit {
                    bounds: bounds.clone(),
                    counts: diff,
                })
            }
            (Hist::Exponential { .. }, Hist::Exponential { .. }) => {
                let scale = self.scale().min(earlier.scale());
                let (
                    Hist::Exponential {
                        zero,
                        positive,
                        negative,
                        ..
                    },
                    Hist::Exponential {
                        zero: z0,
                        positive: p0,
                        negative: n0,
                        ..
                    },
                ) = (self.downscaled(scale), earlier.downscaled(scale))
                else {
                    return None;
                };
                let minus = |now: &BTreeMap<i32, f64>, before: &BTreeMap<i32, f64>| {
                    let mut out = now.clone();
                    for (i, c) in before {
                        *out.entry(*i).or_insert(0.0) -= c;
                    }
                    out.values().all(|c| *c >= 0.0).then_some(out)
                };
                let zero = zero - z0;
                Some(Hist::Exponential {
                    scale,
                    zero: (zero >= 0.0).then_some(zero)?,
                    positive: minus(&positive, &p0)?,
                    negative: minus(&negative, &n0)?,
                })
            }
            _ => None,
        }
    }

    /// The sum of two histograms (of two series, or two delta points).
    /// The same explicit bounds add bucket by bucket and exponential
    /// buckets at a common scale; other mixes are merged by upper bound
    /// (see [`Hist::by_upper_bound`]), which is exact when one layout's
    /// bounds include the other's and an approximation otherwise.
    pub(crate) fn plus(&self, other: &Hist) -> Hist {
        match (self, other) {
            (
                Hist::Explicit { bounds, counts },
                Hist::Explicit {
                    bounds: b1,
                    counts: c1,
                },
            ) if bounds == b1 && counts.len() == c1.len() => Hist::Explicit {
                bounds: bounds.clone(),
                counts: counts.iter().zip(c1).map(|(a, b)| a + b).collect(),
            },
            (Hist::Exponential { .. }, Hist::Exponential { .. }) => {
                let scale = self.scale().min(other.scale());
                let (
                    Hist::Exponential {
                        zero,
                        mut positive,
                        mut negative,
                        ..
                    },
                    Hist::Exponential {
                        zero: z1,
                        positive: p1,
                        negative: n1,
                        ..
                    },
                ) = (self.downscaled(scale), other.downscaled(scale))
                else {
                    unreachable!("downscaled keeps the variant")
                };
                for (i, c) in p1 {
                    *positive.entry(i).or_insert(0.0) += c;
                }
                for (i, c) in n1 {
                    *negative.entry(i).or_insert(0.0) += c;
                }
                Hist::Exponential {
                    scale,
                    zero: zero + z1,
                    positive,
                    negative,
                }
            }
            _ => {
                let mut merged: BTreeMap<OrderedBound, f64> = BTreeMap::new();
                for (upper, count) in self
                    .by_upper_bound()
                    .into_iter()
                    .chain(other.by_upper_bound())
                {
                    *merged.entry(OrderedBound(upper)).or_insert(0.0) += count;
                }
                let mut bounds: Vec<f64> = merged.keys().map(|b| b.0).collect();
                let mut counts: Vec<f64> = merged.values().copied().collect();
                // The last bucket is the open one above the last bound.
                if bounds.last() == Some(&f64::INFINITY) {
                    bounds.pop();
                } else {
                    counts.push(0.0);
                }
                Hist::Explicit { bounds, counts }
            }
        }
    }

    fn scale(&self) -> i32 {
        match self {
            Hist::Exponential { scale, .. } => *scale,
            Hist::Explicit { .. } => 0,
        }
    }

    /// The same exponential histogram at a coarser `scale` (each step
    /// down merges pairs of buckets: index `i` becomes `i >> 1`, rounding
    /// towards minus infinity as the OTLP data model defines).
    fn downscaled(&self, scale: i32) -> Hist {
        match self {
            Hist::Exponential {
                scale: s,
                zero,
                positive,
                negative,
            } if *s > scale => {
                let shift = (*s - scale).min(62) as u32;
                let down = |m: &BTreeMap<i32, f64>| {
                    let mut out = BTreeMap::new();
                    for (i, c) in m {
                        *out.entry((i64::from(*i) >> shift) as i32).or_insert(0.0) += c;
                    }
                    out
                };
                Hist::Exponential {
                    scale,
                    zero: *zero,
                    positive: down(positive),
                    negative: down(negative),
                }
            }
            other => other.clone(),
        }
    }

    /// The buckets as `(lower, upper, count)` in increasing order of
    /// value. Explicit: the first bucket starts at 0 when its upper bound
    /// is positive (as Prometheus assumes: durations and sizes are not
    /// negative), at −∞ otherwise; the last ends at +∞. Exponential: the
    /// buckets' own ranges, the zero bucket as `[0, 0]`.
    pub(crate) fn buckets(&self) -> Vec<(f64, f64, f64)> {
        match self {
            Hist::Explicit { bounds, counts } => {
                let mut out = Vec::with_capacity(counts.len());
                let mut lower = match bounds.first() {
                    Some(&b) if b > 0.0 => 0.0,
                    _ => f64::NEG_INFINITY,
                };
                for (i, &count) in counts.iter().enumerate() {
                    let upper = bounds.get(i).copied().unwrap_or(f64::INFINITY);
                    out.push((lower, upper, count));
                    lower = upper;
                }
                out
            }
            Hist::Exponential {
                scale,
                zero,
                positive,
                negative,
            } => {
                let base = 2f64.powf(2f64.powi(-scale));
                let mut out = Vec::new();
                for (&i, &c) in negative.iter().rev() {
                    out.push((-base.powi(i + 1), -base.powi(i), c));
                }
                out.push((0.0, 0.0, *zero));
                for (&i, &c) in positive {
                    out.push((base.powi(i), base.powi(i + 1), c));
                }
                out
            }
        }
    }

    /// `(upper bound, count)` per bucket, the open top bucket at +∞: the
    /// form two different layouts are merged in.
    fn by_upper_bound(&self) -> Vec<(f64, f64)> {
        self.buckets().into_iter().map(|(_, u, c)| (u, c)).collect()
    }
}

/// An f64 bound usable as a map key (bounds are never NaN).
#[derive(Debug, Clone, Copy, PartialEq)]
struct OrderedBound(f64);

impl Eq for OrderedBound {}

impl PartialOrd for OrderedBound {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrderedBound {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The `q` quantile (0 < q < 1) of values counted in `buckets`
/// (`(lower, upper, count)`, increasing), by linear interpolation within
/// the bucket it falls in, as Prometheus' `histogram_quantile` does: the
/// rank is `q × total`; the bucket is the first whose cumulative count
/// reaches the rank; the value is `lower + (upper − lower) × (rank −
/// count below) / count in the bucket`. A rank in the open top bucket
/// gives its lower bound (the highest bound there is), a rank in an open
/// bottom bucket its upper bound. `None` when nothing was counted.
pub(crate) fn quantile(buckets: &[(f64, f64, f64)], q: f64) -> Option<f64> {
    let total: f64 = buckets.iter().map(|b| b.2).sum();
    if total <= 0.0 || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let rank = q * total;
    let mut below = 0.0;
    for &(lower, upper, count) in buckets {
        if below + count >= rank && count > 0.0 {
            return match (lower.is_finite(), upper.is_finite()) {
                (_, false) if lower.is_finite() => Some(lower),
                (false, true) => Some(upper),
                (false, false) => None,
                _ => Some(lower + (upper - lower) * (rank - below) / count),
            };
        }
        below += count;
    }
    // Rounding left the rank above the last cumulative count.
    buckets
        .iter()
        .rev()
        .find(|b| b.2 > 0.0)
        .map(|b| if b.1.is_finite() { b.1 } else { b.0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explicit(bounds: &[f64], counts: &[u64]) -> Hist {
        Hist::explicit(bounds, counts).unwrap()
    }

    #[test]
    fn quantiles_interpolate_within_the_bucket() {
        // Bounds 0.1, 0.5, 1 (s); counts 10, 60, 20, 10 (100 in all).
        // p95: rank 95; cumulative 10, 70, 90, 100 → the open top bucket
        // (90 < 95 ≤ 100) → its lower bound, 1.
        // p50: rank 50 → bucket (0.1, 0.5] (10 < 50 ≤ 70):
        //      0.1 + 0.4 × (50 − 10) / 60 = 0.1 + 0.4 × 2/3 = 0.3666…
        // p80: rank 80 → bucket (0.5, 1] (70 < 80 ≤ 90):
        //      0.5 + 0.5 × (80 − 70) / 20 = 0.75
        // p5:  rank 5 → bucket [0, 0.1]: 0 + 0.1 × 5 / 10 = 0.05
        let h = explicit(&[0.1, 0.5, 1.0], &[10, 60, 20, 10]).buckets();
        assert_eq!(quantile(&h, 0.95), Some(1.0));
        assert!((quantile(&h, 0.5).unwrap() - (0.1 + 0.4 * 40.0 / 60.0)).abs() < 1e-12);
        assert!((quantile(&h, 0.8).unwrap() - 0.75).abs() < 1e-12);
        assert!((quantile(&h, 0.05).unwrap() - 0.05).abs() < 1e-12);
        // Nothing counted: no quantile.
        assert_eq!(quantile(&explicit(&[1.0], &[0, 0]).buckets(), 0.5), None);
        // A first bound at or below zero: the bottom bucket is open, and a
        // rank in it gives its upper bound.
        let h = explicit(&[-1.0, 1.0], &[5, 5, 0]).buckets();
        assert_eq!(quantile(&h, 0.2), Some(-1.0));
        // rank 7.5 in (−1, 1]: −1 + 2 × 2.5 / 5 = 0.
        assert_eq!(quantile(&h, 0.75), Some(0.0));
    }

    #[test]
    fn increases_are_bucket_differences_and_resets_are_none() {
        let a = explicit(&[1.0, 2.0], &[1, 2, 3]);
        let b = explicit(&[1.0, 2.0], &[4, 2, 5]);
        assert_eq!(b.minus(&a), Some(explicit(&[1.0, 2.0], &[3, 0, 2])));
        // A bucket went down: a reset.
        assert_eq!(a.minus(&b), None);
        // Other bounds cannot be compared.
        assert_eq!(b.minus(&explicit(&[1.0], &[0, 0])), None);
        assert_eq!(a.plus(&b), explicit(&[1.0, 2.0], &[5, 4, 8]));
    }

    #[test]
    fn different_bounds_merge_by_upper_bound() {
        // [0,1]: 2, (1,+∞): 1   plus   [0,2]: 3, (2,+∞): 4
        // → bounds 1, 2: [0,1] 2, (1,2] 3, (2,+∞) 1 + 4 = 5
        let merged = explicit(&[1.0], &[2, 1]).plus(&explicit(&[2.0], &[3, 4]));
        assert_eq!(merged, explicit(&[1.0, 2.0], &[2, 3, 5]));
    }

    #[test]
    fn exponential_buckets_align_to_the_coarser_scale() {
        // Scale 1: base √2. Positive indexes 2, 3 → (2, 2√2], (2√2, 4].
        let fine = Hist::exponential(1, 1, (2, &[3, 4]), (0, &[]));
        // Scale 0: base 2; index 1 is (2, 4]: the two fine buckets merged
        // (2 >> 1 = 1, 3 >> 1 = 1).
        let coarse = Hist::exponential(0, 2, (1, &[10]), (-1, &[1]));
        assert_eq!(
            coarse.minus(&fine),
            Some(Hist::exponential(0, 1, (1, &[3]), (-1, &[1])))
        );
        let sum = fine.plus(&coarse);
        assert_eq!(sum, Hist::exponential(0, 3, (1, &[17]), (-1, &[1])));
        // Negative bucket −1 at scale 0 holds [−1, −0.5); zero bucket 0;
        // positive 1 holds (2, 4]. 21 values: p50 is rank 10.5, in (2, 4]
        // (4 below it): 2 + 2 × 6.5 / 17.
        let b = sum.buckets();
        assert_eq!(b[0], (-1.0, -0.5, 1.0));
        assert_eq!(b[1], (0.0, 0.0, 3.0));
        assert_eq!(b[2], (2.0, 4.0, 17.0));
        assert!((quantile(&b, 0.5).unwrap() - (2.0 + 2.0 * 6.5 / 17.0)).abs() < 1e-12);
        // A bucket that went down is a reset.
        assert_eq!(fine.minus(&coarse), None);
        // Negative indexes round down: −3 >> 1 = −2.
        let neg = Hist::exponential(1, 0, (0, &[]), (-3, &[1]));
        assert_eq!(
            neg.downscaled(0),
            Hist::exponential(0, 0, (0, &[]), (-2, &[1]))
        );
    }

    #[test]
    fn mixed_layouts_merge_by_upper_bound() {
        let e = Hist::exponential(0, 0, (0, &[1, 1]), (0, &[]));
        // Exponential (1, 2] and (2, 4] plus explicit [0, 2] 1, (2, +∞) 1
        // → bounds 2, 4 (the zero bucket's upper 0 too): ≤0: 0, (0,2]: 2,
        // (2,4]: 1, above: 1.
        let m = e.plus(&explicit(&[2.0], &[1, 1]));
        assert_eq!(m, explicit(&[0.0, 2.0, 4.0], &[0, 2, 1, 1]));
    }
}
