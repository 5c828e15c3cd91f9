//! What a call must return, computed independently of the crate.

use crate::input::Fl;
use rankloss::{Arg, Error};

/// The error a loss call must return for `(y_true, y_pred, grad.len())`
/// with workspace capacity `cap`, or `None` when the input is valid.
///
/// Precedence (the crate's documented order of checks): `y_pred`'s length,
/// then `grad`'s, then `n = 0`, then `n > N`, then the first non-finite
/// value of `y_true`, then of `y_pred`.
pub fn call_error<T: Fl>(t: &[T], p: &[T], grad: Option<usize>, cap: usize) -> Option<Error> {
    let n = t.len();
    if p.len() != n {
        return Some(Error::LengthMismatch {
            arg: Arg::YPred,
            expected: n,
            found: p.len(),
        });
    }
    if let Some(g) = grad.filter(|&g| g != n) {
        return Some(Error::LengthMismatch {
            arg: Arg::Grad,
            expected: n,
            found: g,
        });
    }
    size_error(n, cap)
        .or_else(|| non_finite(t, Arg::YTrue))
        .or_else(|| non_finite(p, Arg::YPred))
}

/// The error `prepare` must return for `y_true` with a prepared-target
/// capacity `m` and workspace capacity `n_cap`.
pub fn prepare_error<T: Fl>(t: &[T], m: usize, n_cap: usize) -> Option<Error> {
    size_error(t.len(), m.min(n_cap)).or_else(|| non_finite(t, Arg::YTrue))
}

fn size_error(n: usize, cap: usize) -> Option<Error> {
    if n == 0 {
        Some(Error::Empty)
    } else if n > cap {
        Some(Error::CapacityExceeded {
            len: n,
            capacity: cap,
        })
    } else {
        None
    }
}

fn non_finite<T: Fl>(x: &[T], arg: Arg) -> Option<Error> {
    x.iter()
        .position(|v| !v.is_finite())
        .map(|index| Error::NonFinite { arg, index })
}

/// `ln` of the largest finite `T`.
pub fn ln_max<T: Fl>() -> f64 {
    T::max_value().widen().ln()
}

/// `ln` of an upper bound of `|dL/dy_pred|` for the soft Spearman loss.
///
/// `|g_k| <= (n-1)/2 * max|G| / tau` with `G = alpha A + beta B`,
/// `|alpha| <= 1/sqrt(eps)`, `|A_i| <= (n-1)/2` and
/// `|beta B_i| <= sqrt(Saa) / (2 sqrt(eps)) <= n^1.5 / (4 sqrt(eps))`,
/// `eps = 1e-7`; rounded up generously.
pub fn ln_spearman_grad_bound(n: usize, tau: f64) -> f64 {
    let n = n as f64;
    (n * (n / 2.0 + n.powf(1.5) / 4.0) * 3163.0 * 4.0).ln() - tau.ln()
}

/// Whether a finite input may legitimately overflow: some true intermediate
/// or result of the computation is within a factor `e^2.5` of `T::MAX`.
pub fn may_overflow(ln_bound: f64, ln_max: f64) -> bool {
    ln_bound > ln_max - 2.5
}

/// Midranks (1-based, ties averaged) of `x`, as `f64`.
fn midranks<T: Fl>(x: &[T]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&i, &j| x[i].widen().total_cmp(&x[j].widen()));
    let mut r = vec![0.0; x.len()];
    let mut s = 0;
    while s < idx.len() {
        let mut e = s + 1;
        while e < idx.len() && x[idx[e]].widen() == x[idx[s]].widen() {
            e += 1;
        }
        // positions s..e hold equal values: ranks s+1..=e, averaged.
        let avg = (s + 1 + e) as f64 / 2.0;
        idx[s..e].iter().for_each(|&i| r[i] = avg);
        s = e;
    }
    r
}

/// Whether every pair of `x` is either equal or at least `64 tau` apart:
/// then each sigmoid of the soft rank is exactly 1/2, 0 or 1 in `T` and
/// the soft ranks are the midranks.
pub fn hard_regime<T: Fl>(x: &[T], tau: f64) -> bool {
    let mut v: Vec<T> = x.to_vec();
    v.sort_by(|a, b| a.widen().total_cmp(&b.widen()));
    v.windows(2)
        .all(|w| w[0] == w[1] || z(w[1], w[0], tau) >= 64.0)
}

/// In the hard regime: the loss value `-Sab / sqrt(Saa Sbb + eps)` from
/// midranks, and `Saa * Sbb` (for the degenerate guard).
pub fn hard_spearman<T: Fl>(t: &[T], p: &[T]) -> (f64, f64) {
    let n = t.len() as f64;
    let c = (n + 1.0) / 2.0;
    let a: Vec<f64> = midranks(t).iter().map(|r| r - c).collect();
    let b: Vec<f64> = midranks(p).iter().map(|r| r - c).collect();
    let saa: f64 = a.iter().map(|x| x * x).sum();
    let sbb: f64 = b.iter().map(|x| x * x).sum();
    let sab: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
    let eps = T::from_f64(1e-7).widen();
    let rho = (sab / (saa * sbb + eps).sqrt()).clamp(-1.0, 1.0);
    (-rho, saa * sbb)
}

/// `sum (p - t)^2 / n` in `f64` (exact enough for `f32` inputs).
pub fn mse<T: Fl>(t: &[T], p: &[T]) -> f64 {
    let s: f64 = t
        .iter()
        .zip(p)
        .map(|(a, b)| {
            let d = b.widen() - a.widen();
            d * d
        })
        .sum();
    s / t.len() as f64
}

/// `ln max |p_i - t_i|` (in `f64`; `+inf` if that overflows).
pub fn ln_max_diff<T: Fl>(t: &[T], p: &[T]) -> f64 {
    t.iter()
        .zip(p)
        .map(|(a, b)| (b.widen() - a.widen()).abs())
        .fold(0.0, f64::max)
        .ln()
}

/// `(x_i - x_j) / tau` to `f64` accuracy: exact differences of `f32`
/// values; for `f64` values whose difference overflows (opposite signs, no
/// cancellation), `x_i / tau - x_j / tau`.
fn z<T: Fl>(xi: T, xj: T, tau: f64) -> f64 {
    let d = xi.widen() - xj.widen();
    if d.is_finite() {
        d / tau
    } else {
        xi.widen() / tau - xj.widen() / tau
    }
}

/// Centred soft ranks of `x` in `f64` (`h = sigmoid - 1/2` of each pair),
/// and a bound of
/// the error of each rank computed in `T`: `n` rounded additions of terms
/// of at most `1/2`, each term within a few ulps.
fn soft_ranks<T: Fl>(x: &[T], tau: f64) -> (Vec<f64>, Vec<f64>) {
    let n = x.len();
    let mut r = vec![0.0; n];
    let mut e = vec![0.0; n];
    for i in 0..n {
        let (mut s, mut abs) = (0.0, 0.0);
        for j in 0..n {
            let d = z(x[i], x[j], tau);
            let m = (-d.abs()).exp_m1();
            let h = -m / (2.0 * (2.0 + m));
            let h = if d < 0.0 { -h } else { h };
            s += h;
            abs += h.abs();
        }
        r[i] = s;
        e[i] = T::UNIT * (4.0 * (n as f64 + 2.0) * abs + 8.0);
    }
    (r, e)
}

/// The soft Spearman loss `-rho` in `f64` and a bound of the error of a
/// `T` evaluation, from first-order propagation of the rank errors through
/// `rho = Sab / sqrt(Saa Sbb + eps)`, with a safety factor.
pub fn soft_spearman<T: Fl>(t: &[T], p: &[T], tau: T) -> (f64, f64) {
    let tau = tau.widen();
    let (a, ea) = soft_ranks(t, tau);
    let (b, eb) = soft_ranks(p, tau);
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(u, v)| u * v).sum::<f64>();
    let (saa, sbb, sab) = (dot(&a, &a), dot(&b, &b), dot(&a, &b));
    let (ea, eb) = (dot(&ea, &ea).sqrt(), dot(&eb, &eb).sqrt());
    let (na, nb) = (saa.sqrt(), sbb.sqrt());
    let eps = T::from_f64(1e-7).widen();
    let d = (saa * sbb + eps).sqrt();
    let rho = (sab / d).clamp(-1.0, 1.0);
    let dsab = ea * nb + na * eb + ea * eb;
    let dprod = (2.0 * na * ea + ea * ea) * sbb + saa * (2.0 * nb * eb + eb * eb);
    let dd = dprod / (2.0 * d);
    let tol = if dd < d / 2.0 {
        4.0 * (dsab + sab.abs() * dd / d) / (d - dd) + 64.0 * T::UNIT
    } else {
        f64::INFINITY
    };
    (-rho, tol)
}
