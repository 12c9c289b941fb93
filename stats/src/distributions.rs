//! The tail probabilities the anomaly scores need: how likely a count at
//! least (or at most) this far from its expectation is, for counts
//! (Poisson, negative binomial) and for events out of a known number of
//! trials (binomial, beta-binomial), plus the normal distribution both ways.
//!
//! Count tails (Poisson, negative binomial) are closed forms: the
//! regularized incomplete gamma and beta functions, evaluated by their
//! series and continued fractions, whose cost grows with the square root of
//! the parameters at worst — a sum of terms would take millions of them
//! for a count of 50,000 an hour with a large spread. Event tails
//! (beta-binomial) are summed term by term from the observed value outward,
//! each term got from the previous one by the distribution's ratio of
//! successive probabilities, over at most the number of trials; the sum
//! stops once a term no longer changes it. Only the tail on the observed
//! side is ever computed.

/// ln Γ(x) for x > 0: the Lanczos approximation with g = 7 and nine
/// coefficients (C. Lanczos, "A precision approximation of the gamma
/// function", SIAM J. Numer. Anal. B 1, 1964; the coefficient set is the
/// one tabulated by P. Godfrey), with the reflection formula below ½.
/// Relative error about 1e-15 over the range the tails use.
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Γ(x) Γ(1 − x) = π / sin(πx)
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).abs().ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, c) in COEFFICIENTS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// ln of the binomial coefficient C(n, k).
fn ln_choose(n: f64, k: f64) -> f64 {
    ln_gamma(n + 1.0) - ln_gamma(k + 1.0) - ln_gamma(n - k + 1.0)
}

/// Inverse of the standard normal distribution function, P. J. Acklam's
/// rational approximation (relative error < 1.2e-9),
/// <https://web.archive.org/web/20151030215612/http://home.online.no/~pjacklam/notes/invnorm/>.
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// P(Z ≥ z) for a standard normal Z: ½ erfc(z / √2), with erfc from the
/// Chebyshev fit of W. H. Press et al., "Numerical Recipes" (2nd ed., §6.2,
/// `erfcc`: fractional error below 1.2e-7 everywhere), which keeps its
/// precision far into the tail where 1 − Φ(z) computed directly would be
/// rounding noise.
pub fn normal_upper_tail(z: f64) -> f64 {
    let x = z / std::f64::consts::SQRT_2;
    let a = x.abs();
    let t = 1.0 / (1.0 + 0.5 * a);
    const C: [f64; 10] = [
        -1.265_512_23,
        1.000_023_68,
        0.374_091_96,
        0.096_784_18,
        -0.186_288_06,
        0.278_868_07,
        -1.135_203_98,
        1.488_515_87,
        -0.822_152_23,
        0.170_872_77,
    ];
    let poly = C.iter().rev().fold(0.0, |acc, c| acc * t + c);
    let erfc = t * (-a * a + poly).exp();
    let erfc = if x >= 0.0 { erfc } else { 2.0 - erfc };
    0.5 * erfc
}

/// The score a one-sided tail probability is worth: the z with
/// P(Z ≥ z) = `p` for a standard normal Z (0 for p ≥ ½, capped at 38 where
/// `p` underflows).
pub fn z_of_tail(p: f64) -> f64 {
    if p >= 0.5 {
        0.0
    } else if p <= 1e-300 {
        38.0
    } else {
        -normal_quantile(p)
    }
}

/// Relative precision the series and continued fractions stop at.
const EPSILON: f64 = 1e-15;
/// Guards the continued fractions' divisions (modified Lentz method).
const TINY: f64 = 1e-300;
/// More iterations than any argument faasight meets needs (they grow with
/// the square root of the larger parameter); reached, the value so far is
/// returned.
const MAX_ITERATIONS: usize = 1_000_000;

/// ln of the prefactor x^a e^-x / Γ(a) of the incomplete gamma function.
fn ln_gamma_prefactor(a: f64, x: f64) -> f64 {
    a * x.ln() - x - ln_gamma(a)
}

/// The regularized incomplete gamma functions (P(a, x), Q(a, x) = 1 −
/// P(a, x)) for a > 0, x ≥ 0: the smaller of the two from its own
/// expansion (the power series of γ when x < a + 1, the continued fraction
/// of Γ(a, x) otherwise: Abramowitz & Stegun 6.5.29 and 6.5.31), the other
/// as its complement, so a tiny tail keeps its relative precision.
fn regularized_gamma(a: f64, x: f64) -> (f64, f64) {
    if x <= 0.0 {
        return (0.0, 1.0);
    }
    if x < a + 1.0 {
        // γ(a, x) = x^a e^-x Σ x^n / (a (a+1) … (a+n)).
        let (mut term, mut sum, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..MAX_ITERATIONS {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * EPSILON {
                break;
            }
        }
        let p = (sum.ln() + ln_gamma_prefactor(a, x)).exp().min(1.0);
        (p, 1.0 - p)
    } else {
        // Γ(a, x) = x^a e^-x / (x + 1 − a − 1·(1 − a) / (x + 3 − a − …)).
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / TINY;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..MAX_ITERATIONS {
            let i = i as f64;
            let an = -i * (i - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < TINY {
                d = TINY;
            }
            c = b + an / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            let step = d * c;
            h *= step;
            if (step - 1.0).abs() < EPSILON {
                break;
            }
        }
        let q = (h.ln() + ln_gamma_prefactor(a, x)).exp().min(1.0);
        (1.0 - q, q)
    }
}

/// The continued fraction of the incomplete beta function (Abramowitz &
/// Stegun 26.5.8), by the modified Lentz method; converges fast for
/// x < (a + 1) / (a + b + 2).
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    let guard = |v: f64| if v.abs() < TINY { TINY } else { v };
    let mut c = 1.0;
    let mut d = 1.0 / guard(1.0 - (a + b) * x / (a + 1.0));
    let mut h = d;
    for m in 1..MAX_ITERATIONS {
        let m = m as f64;
        // Even step: m (b − m) x / ((a + 2m − 1)(a + 2m)).
        let even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        d = 1.0 / guard(1.0 + even * d);
        c = guard(1.0 + even / c);
        h *= d * c;
        // Odd step: −(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)).
        let odd = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        d = 1.0 / guard(1.0 + odd * d);
        c = guard(1.0 + odd / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < EPSILON {
            break;
        }
    }
    h
}

/// The regularized incomplete beta function I_x(a, b) for a, b > 0 and
/// 0 ≤ x ≤ 1: the continued fraction on whichever side it converges
/// quickly, the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) on the other, so
/// a value near 0 is computed directly and keeps its relative precision.
fn regularized_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = a * x.ln() + b * (1.0 - x).ln() - (ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b));
    if x < (a + 1.0) / (a + b + 2.0) {
        ((ln_front + beta_fraction(a, b, x).ln()).exp() / a).min(1.0)
    } else {
        (1.0 - (ln_front + beta_fraction(b, a, 1.0 - x).ln()).exp() / b).max(0.0)
    }
}

/// Which tail of a distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tail {
    /// P(X ≥ x).
    Upper,
    /// P(X ≤ x).
    Lower,
}

/// Sums a tail from the term at `start` (whose log-probability is
/// `ln_first`) outward, each next term being the previous one times
/// `ratio(k)` (the probability of the next value over that of `k`), over
/// at most `steps` terms. Stops when a term adds less than 1e-15 of the
/// sum, or once the sum reaches `cap` (then the result is only known to be
/// at least `cap`: near the mean of a count with a large spread the terms
/// shrink slowly, and a caller that only asks "below p?" needs no more).
fn sum_tail(
    ln_first: f64,
    start: f64,
    steps: u64,
    tail: Tail,
    cap: f64,
    ratio: impl Fn(f64) -> f64,
) -> f64 {
    let mut term = ln_first.exp();
    if term.is_nan() {
        // No model to judge by: nothing is unlikely.
        return 1.0;
    }
    let mut sum = term;
    let mut k = start;
    for _ in 0..steps {
        if sum >= cap {
            break;
        }
        term *= ratio(k);
        k += match tail {
            Tail::Upper => 1.0,
            Tail::Lower => -1.0,
        };
        sum += term;
        if term <= sum * 1e-15 {
            break;
        }
    }
    sum.min(1.0)
}

/// Tail probability of a count `x` whose distribution has mean `mean` and
/// variance `mean + dispersion × mean²`: negative binomial (size
/// 1 / `dispersion`), or Poisson when `dispersion` is (nearly) 0.
///
/// Meant for the tail on the observed side (`Upper` when x is above the
/// mean, `Lower` when below); the other side is 1 minus the opposite tail
/// and is returned as 1 here, since no caller scores it.
pub fn count_tail(x: u64, mean: f64, dispersion: f64, tail: Tail) -> f64 {
    count_tail_capped(x, mean, dispersion, tail, f64::INFINITY)
}

/// [`count_tail`]; the cap is kept for the callers that pass one (a closed
/// form costs the same whatever the answer), so the value is exact.
pub fn count_tail_capped(x: u64, mean: f64, dispersion: f64, tail: Tail, _cap: f64) -> f64 {
    let xf = x as f64;
    match tail {
        Tail::Upper if xf <= mean => return 1.0,
        Tail::Lower if xf >= mean => return 1.0,
        _ => {}
    }
    if mean <= 0.0 {
        // Nothing expected: any count above 0 is impossible under the model.
        return if x == 0 { 1.0 } else { 0.0 };
    }
    if !(mean.is_finite() && dispersion.is_finite()) {
        // No model to judge by: nothing is unlikely.
        return 1.0;
    }
    if dispersion < 1e-9 {
        // Poisson: P(X ≥ x) = P(x, λ), P(X ≤ x) = Q(x + 1, λ).
        return match tail {
            Tail::Upper => regularized_gamma(xf, mean).0,
            Tail::Lower => regularized_gamma(xf + 1.0, mean).1,
        };
    }
    // Negative binomial with size r and success probability q = r/(r + μ):
    // P(X ≤ k) = I_q(r, k + 1), so P(X ≥ x) = I_{1−q}(x, r).
    let r = 1.0 / dispersion;
    let q = r / (r + mean);
    match tail {
        Tail::Upper => regularized_beta(1.0 - q, xf, r),
        Tail::Lower => regularized_beta(q, r, xf + 1.0),
    }
}

/// Tail probability of `events` out of `trials` when each trial succeeds
/// with probability p drawn from Beta(`a`, `b`) (beta-binomial; mean rate
/// a / (a + b)); as `a + b` grows it becomes the binomial with p = a/(a+b).
/// Like [`count_tail`], meant for the tail on the observed side.
pub fn events_tail(events: u64, trials: u64, a: f64, b: f64, tail: Tail) -> f64 {
    events_tail_capped(events, trials, a, b, tail, f64::INFINITY)
}

/// [`events_tail`], exact below `cap`; at or above it, some value ≥ `cap`.
pub fn events_tail_capped(events: u64, trials: u64, a: f64, b: f64, tail: Tail, cap: f64) -> f64 {
    let (k, n) = (events as f64, trials as f64);
    let mean = n * a / (a + b);
    match tail {
        Tail::Upper if k <= mean => return 1.0,
        Tail::Lower if k >= mean => return 1.0,
        _ => {}
    }
    // P(k) = C(n, k) B(k + a, n − k + b) / B(a, b),
    // P(k+1)/P(k) = (n − k)/(k + 1) × (k + a)/(n − k − 1 + b).
    let ln_beta = |x: f64, y: f64| ln_gamma(x) + ln_gamma(y) - ln_gamma(x + y);
    let ln_first = ln_choose(n, k) + ln_beta(k + a, n - k + b) - ln_beta(a, b);
    match tail {
        Tail::Upper => sum_tail(ln_first, k, trials - events, tail, cap, |k| {
            (n - k) / (k + 1.0) * (k + a) / (n - k - 1.0 + b)
        }),
        Tail::Lower => sum_tail(ln_first, k, events, tail, cap, |k| {
            k / (n - k + 1.0) * (n - k + b) / (k - 1.0 + a)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, rel: f64) {
        assert!(
            (got - want).abs() <= rel * want.abs(),
            "got {got:e}, want {want:e}"
        );
    }

    #[test]
    fn ln_gamma_of_integers_is_ln_factorial() {
        // Γ(n) = (n − 1)!: 0! = 1, 4! = 24, 9! = 362880, 20! = 2432902008176640000.
        close(ln_gamma(1.0).exp(), 1.0, 1e-13);
        close(ln_gamma(5.0).exp(), 24.0, 1e-13);
        close(ln_gamma(10.0).exp(), 362_880.0, 1e-13);
        close(ln_gamma(21.0), 2_432_902_008_176_640_000f64.ln(), 1e-14);
        // Γ(½) = √π.
        close(ln_gamma(0.5).exp(), std::f64::consts::PI.sqrt(), 1e-13);
    }

    #[test]
    fn normal_tails_match_tables() {
        // Standard normal table: P(Z ≥ 1.96) = 0.0249979, P(Z ≥ 4) = 3.16712e-5,
        // P(Z ≥ 6) = 9.86588e-10, P(Z ≥ −1) = 0.841345.
        close(normal_upper_tail(1.96), 0.024_997_9, 1e-6);
        close(normal_upper_tail(4.0), 3.167_12e-5, 1e-5);
        close(normal_upper_tail(6.0), 9.865_88e-10, 1e-5);
        close(normal_upper_tail(-1.0), 0.841_345, 1e-6);
        close(z_of_tail(3.167_12e-5), 4.0, 1e-6);
        assert_eq!(z_of_tail(0.7), 0.0);
    }

    #[test]
    fn poisson_tails_by_hand() {
        // P(X ≥ 3 | λ = 1) = 1 − e⁻¹(1 + 1 + ½) = 1 − 2.5/e.
        close(
            count_tail(3, 1.0, 0.0, Tail::Upper),
            1.0 - 2.5 / std::f64::consts::E,
            1e-12,
        );
        // P(X ≤ 1 | λ = 4) = e⁻⁴ (1 + 4) = 5 e⁻⁴.
        close(
            count_tail(1, 4.0, 0.0, Tail::Lower),
            5.0 * (-4.0f64).exp(),
            1e-12,
        );
        // The other side is not summed.
        assert_eq!(count_tail(1, 4.0, 0.0, Tail::Upper), 1.0);
    }

    #[test]
    fn negative_binomial_tail_by_hand() {
        // Dispersion 1 = size r = 1: geometric on {0, 1, …} with
        // q = 1/(1 + μ); P(X ≥ k) = (1 − q)^k. μ = 3, k = 7: (3/4)^7.
        close(count_tail(7, 3.0, 1.0, Tail::Upper), 0.75f64.powi(7), 1e-12);
        // P(X ≤ 0) = q = 1/4 with μ = 3, r = 1.
        close(count_tail(0, 3.0, 1.0, Tail::Lower), 0.25, 1e-12);
    }

    #[test]
    fn wide_counts_far_in_the_tail_are_exact_and_fast() {
        // Dispersion 1 (geometric) with μ = 50,000: P(X ≥ k) = (1 − q)^k,
        // q = 1/(1 + μ). Summing terms would take millions of them.
        let q: f64 = 1.0 / 50_001.0;
        let started = std::time::Instant::now();
        for k in [60_000u64, 200_000, 2_000_000] {
            let want = ((1.0 - q).ln() * k as f64).exp();
            // ln Γ of millions carries ~1e-15 of its size as absolute error.
            close(count_tail(k, 50_000.0, 1.0, Tail::Upper), want, 1e-7);
        }
        // P(X ≤ k) = 1 − (1 − q)^(k + 1).
        let want = 1.0 - ((1.0 - q).ln() * 1_001.0).exp();
        close(count_tail(1_000, 50_000.0, 1.0, Tail::Lower), want, 1e-9);
        // Poisson λ = 50,000 observed 52,000 (8.9 standard deviations
        // up), against the brute-force sum of each term's own formula
        // e^-λ λ^k / k! (terms beyond 56,000 are below 1e-80 of the first).
        let lambda: f64 = 50_000.0;
        let brute: f64 = (52_000..56_000)
            .map(|k| (k as f64 * lambda.ln() - lambda - ln_gamma(k as f64 + 1.0)).exp())
            .sum();
        close(count_tail(52_000, lambda, 0.0, Tail::Upper), brute, 1e-7);
        assert!(started.elapsed() < std::time::Duration::from_millis(100));
    }

    #[test]
    fn a_capped_tail_is_exact_below_the_cap_and_at_least_the_cap_above() {
        // Exact where the tail is small: P(X ≥ 3 | λ = 1) = 1 − 2.5/e = 0.0803.
        close(
            count_tail_capped(3, 1.0, 0.0, Tail::Upper, 0.5),
            1.0 - 2.5 / std::f64::consts::E,
            1e-12,
        );
        // Counts are closed forms, exact whatever the cap: P(X ≥ 1,000,100 |
        // λ = 10⁶) is the normal tail at (100 − ½)/1000 to about 1e-4.
        let capped = count_tail_capped(1_000_100, 1e6, 0.0, Tail::Upper, 1e-3);
        close(capped, normal_upper_tail(99.5 / 1000.0), 1e-3);
        let capped = events_tail_capped(50_100, 100_000, 5e6, 5e6, Tail::Upper, 1e-3);
        assert!(capped >= 1e-3, "{capped}");
    }

    #[test]
    fn binomial_tails_by_hand() {
        // "3 of 5" with a 10 % rate: P(X ≥ 3) = 10·0.1³·0.9² + 5·0.1⁴·0.9 + 0.1⁵
        // = 0.0081 + 0.00045 + 0.00001 = 0.00856. Beta(1e7·0.1, 1e7·0.9) is
        // the binomial to 1e-7.
        close(events_tail(3, 5, 1e6, 9e6, Tail::Upper), 0.008_56, 1e-5);
        // Beta(1, 1) = uniform p: every count 0..n equally likely, 1/(n+1).
        // P(X ≥ 4 | n = 5) = 2/6; P(X ≤ 1) = 2/6.
        close(events_tail(4, 5, 1.0, 1.0, Tail::Upper), 2.0 / 6.0, 1e-12);
        close(events_tail(1, 5, 1.0, 1.0, Tail::Lower), 2.0 / 6.0, 1e-12);
    }
}
