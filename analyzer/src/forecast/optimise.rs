//! A derivative-free minimiser: Nelder and Mead's simplex search. An ETS
//! likelihood has one to four smoothing parameters and no gradient worth
//! deriving, the case the simplex method suits. It knows nothing about
//! forecasting, which is why it lives apart from the model code calling it.

/// Spread of −2 log-likelihood across the simplex below which the search
/// stops: AICc differences of a thousandth never change which model wins in
/// a meaningful way, and −2 log L differences do not depend on the units.
const SIMPLEX_TOLERANCE: f64 = 1e-3;

/// Nelder–Mead simplex search (J. A. Nelder, R. Mead, "A simplex method for
/// function minimization", The Computer Journal 7(4), 1965), standard
/// coefficients: reflection 1, expansion 2, contraction ½, shrink ½.
/// Returns the best point and value after at most `max_evaluations` calls,
/// or earlier once the simplex's values differ by less than
/// [`SIMPLEX_TOLERANCE`].
pub(super) fn nelder_mead(
    mut objective: impl FnMut(&[f64]) -> f64,
    start: &[f64],
    max_evaluations: usize,
) -> (Vec<f64>, f64) {
    let d = start.len();
    let mut evaluations = 0usize;
    let mut eval = |x: &[f64], evaluations: &mut usize| {
        *evaluations += 1;
        let v = objective(x);
        if v.is_nan() {
            f64::INFINITY
        } else {
            v
        }
    };
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(d + 1);
    let first = eval(start, &mut evaluations);
    simplex.push((start.to_vec(), first));
    for i in 0..d {
        let mut x = start.to_vec();
        x[i] += 1.0;
        let v = eval(&x, &mut evaluations);
        simplex.push((x, v));
    }
    while evaluations < max_evaluations {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (best, worst) = (simplex[0].1, simplex[d].1);
        if worst - best <= SIMPLEX_TOLERANCE {
            break;
        }
        let centroid: Vec<f64> = (0..d)
            .map(|j| simplex[..d].iter().map(|p| p.0[j]).sum::<f64>() / d as f64)
            .collect();
        let along = |t: f64| -> Vec<f64> {
            centroid
                .iter()
                .zip(&simplex[d].0)
                .map(|(c, w)| c + t * (c - w))
                .collect()
        };
        let reflected = along(1.0);
        let fr = eval(&reflected, &mut evaluations);
        if fr < best {
            let expanded = along(2.0);
            let fe = eval(&expanded, &mut evaluations);
            simplex[d] = if fe < fr {
                (expanded, fe)
            } else {
                (reflected, fr)
            };
        } else if fr < simplex[d - 1].1 {
            simplex[d] = (reflected, fr);
        } else {
            let (contracted, bound) = if fr < worst {
                (along(0.5), fr)
            } else {
                (along(-0.5), worst)
            };
            let fc = eval(&contracted, &mut evaluations);
            if fc < bound {
                simplex[d] = (contracted, fc);
            } else {
                let anchor = simplex[0].0.clone();
                for point in simplex.iter_mut().skip(1) {
                    let x: Vec<f64> = anchor
                        .iter()
                        .zip(&point.0)
                        .map(|(a, p)| a + 0.5 * (p - a))
                        .collect();
                    let v = eval(&x, &mut evaluations);
                    *point = (x, v);
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (x, v) = simplex.swap_remove(0);
    (x, v)
}
