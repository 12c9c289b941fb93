//! Interval calibration. A model's own intervals assume its error
//! distribution; small counts and irregular bursts break that assumption,
//! one way or the other, and the series' own backtest errors say by how
//! much. These functions score each error against its interval and turn the
//! scores into the factor the forecast's intervals are rescaled by.

/// Backtest errors needed before they rescale an interval (see
/// [`calibration_scale`]): fewer say too little about the tails.
const MIN_CALIBRATION_SCORES: usize = 10;

/// The calibration factor stays within a factor of 10 either way, so a run
/// of lucky or unlucky backtest days cannot collapse or explode an interval.
pub(super) const CALIBRATION_BOUNDS: (f64, f64) = (0.1, 10.0);

/// How far `actual` lies from the forecast's mean, in half-widths of the
/// interval on its side: at most 1 inside the interval. A side of zero
/// width (a bound clipped at 0 equal to the mean) gives 0 for the mean
/// itself and infinity beyond it.
pub(super) fn interval_score(actual: f64, (mean, lower, upper): (f64, f64, f64)) -> f64 {
    let (distance, half_width) = if actual >= mean {
        (actual - mean, upper - mean)
    } else {
        (mean - actual, mean - lower)
    };
    if distance == 0.0 {
        0.0
    } else if half_width > 0.0 {
        distance / half_width
    } else {
        f64::INFINITY
    }
}

/// The factor that makes the interval cover `level` of the backtest's
/// actuals, from their [`interval_score`]s: the ⌈(n + 1)·level⌉-th smallest
/// score, as split conformal prediction takes it (V. Vovk, A. Gammerman,
/// G. Shafer, "Algorithmic Learning in a Random World", 2005; A. N.
/// Angelopoulos, S. Bates, "A Gentle Introduction to Conformal Prediction",
/// 2021, §1), within [`CALIBRATION_BOUNDS`]; 1 with fewer than
/// [`MIN_CALIBRATION_SCORES`] scores. The model's own intervals assume its
/// error distribution; series of small counts (2, 3, 2, 4 …) or with
/// irregular bursts break that assumption one way or the other, and their
/// own recent errors say by how much.
pub(super) fn calibration_scale(scores: &[f64], level: f64) -> f64 {
    if scores.len() < MIN_CALIBRATION_SCORES {
        return 1.0;
    }
    let mut sorted = scores.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = (((sorted.len() + 1) as f64) * level).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].clamp(CALIBRATION_BOUNDS.0, CALIBRATION_BOUNDS.1)
}

/// The interval's half-widths multiplied by `scale` around the mean
/// (clipped at 0 again for counts and costs).
pub(super) fn rescale(
    (mean, lower, upper): (f64, f64, f64),
    scale: f64,
    non_negative: bool,
) -> (f64, f64, f64) {
    let lower = mean - scale * (mean - lower);
    let upper = mean + scale * (upper - mean);
    if non_negative {
        (mean, lower.max(0.0), upper.max(0.0))
    } else {
        (mean, lower, upper)
    }
}
