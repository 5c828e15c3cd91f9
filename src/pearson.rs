//! Pearson correlation of two centred rank vectors and its gradient.

use crate::real::Real;

/// Compensated (Kahan-Babuska-Neumaier) sum: the error of the result does
/// not grow with the number of terms.
#[derive(Clone, Copy)]
pub(crate) struct Sum<T> {
    s: T,
    c: T,
}

impl<T: Real> Sum<T> {
    pub fn new() -> Self {
        Sum {
            s: T::zero(),
            c: T::zero(),
        }
    }
    #[inline]
    pub fn add(&mut self, x: T) {
        let t = self.s + x;
        if self.s.abs() >= x.abs() {
            self.c = self.c + ((self.s - t) + x);
        } else {
            self.c = self.c + ((x - t) + self.s);
        }
        self.s = t;
    }
    pub fn value(self) -> T {
        self.s + self.c
    }
}

/// `sum x_i^2`, compensated.
pub(crate) fn sum_sq<T: Real>(x: &[T]) -> T {
    let mut s = Sum::new();
    x.iter().for_each(|&v| s.add(v * v));
    s.value()
}

/// The correlation and the coefficients of its gradient.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pearson<T> {
    /// `rho = Sab / sqrt(Saa Sbb + eps)`.
    pub rho: T,
    /// `d(-rho)/dB_i = alpha A_i + beta B_i`.
    pub alpha: T,
    /// See `alpha`.
    pub beta: T,
}

/// Correlation of centred vectors with sums `saa`, `sbb`, `sab`, with the
/// Keras epsilon inside the square root. When `guard` is `Some(threshold)`
/// and `saa * sbb <= threshold`, the correlation is taken as 0 with a zero
/// gradient (the degenerate-gradient guard).
#[inline(never)]
pub(crate) fn pearson<T: Real>(saa: T, sbb: T, sab: T, guard: Option<T>) -> Pearson<T> {
    let prod = saa * sbb;
    if let Some(threshold) = guard {
        if prod <= threshold {
            return Pearson {
                rho: T::zero(),
                alpha: T::zero(),
                beta: T::zero(),
            };
        }
    }
    let d = if prod.is_finite() {
        (prod + T::KERAS_EPSILON).sqrt()
    } else {
        // Saa * Sbb overflows only for n in the millions (f32): the epsilon
        // is then far below the rounding anyway.
        saa.sqrt() * sbb.sqrt()
    };
    // |Sab| <= sqrt(Saa Sbb) < D mathematically; clamp the rounding.
    let rho = (sab / d).max(-T::one()).min(T::one());
    Pearson {
        rho,
        alpha: -T::one() / d,
        beta: rho * (saa / d) / d,
    }
}
