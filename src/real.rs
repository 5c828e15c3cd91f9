//! The float trait: `f32` and `f64`, with the numerically stable sigmoid
//! pieces the kernels need.

use core::cmp::Ordering;
use core::fmt::{Debug, Display};
use num_traits::Float;

pub(crate) mod sealed {
    /// Private supertrait: the kernels' constants and inner rows, scalar or
    /// (`std`) SIMD.
    pub trait Sealed: Sized {
        /// `ln(1 / u)`, `u` the unit roundoff (`2^-24` for `f32`, `2^-53`
        /// for `f64`): past this many `tau`, `sigmoid` rounds to exactly 1.
        const LN_INV_UNIT_ROUNDOFF: Self;
        /// `e^x - 1`, accurate near 0: a Taylor polynomial for `|x| < 1/4`,
        /// `exp(x) - 1` beyond (one exponential routine in the binary
        /// instead of two, which matters on a microcontroller).
        fn exp_m1_(self) -> Self;
        /// Forward row, see [`super::row_forward_scalar`]: the SIMD row when
        /// `simd` (and the `std` feature), else the scalar one. One call site
        /// per kernel, so the row is inlined once.
        fn row_forward_fast(simd: bool, vi: Self, tau: Self, vs: &[Self], acc: &mut [Self])
            -> Self;
        /// Gradient row, see [`super::row_grad_scalar`]; `simd` as above.
        fn row_grad_fast(
            simd: bool,
            vi: Self,
            gi: Self,
            tau: Self,
            vs: &[Self],
            gs: &[Self],
            acc: &mut [Self],
        ) -> Self;
    }
}

/// The float types the losses work in: `f32` and `f64`.
///
/// Sealed: the kernels rely on IEEE binary32/binary64 properties (unit
/// roundoff, exact small integers), so no other type can implement it.
pub trait Real: Float + Debug + Display + Default + Send + Sync + 'static + sealed::Sealed {
    /// The Keras fuzz factor `epsilon() = 1e-7`, rounded to this type.
    const KERAS_EPSILON: Self;

    /// `n` as a float (exact for every `n` below `2^24` in `f32`).
    fn from_usize(n: usize) -> Self;
    /// `x` rounded to this type.
    fn from_f64(x: f64) -> Self;
    /// `self` widened to `f64` (exact).
    fn widen(self) -> f64;
    /// IEEE total order (`-0.0 < +0.0`, never panics).
    fn total_order(&self, other: &Self) -> Ordering;
}

macro_rules! impl_real {
    ($t:ident, $terms:expr) => {
        impl Real for $t {
            const KERAS_EPSILON: Self = 1e-7;

            #[inline]
            fn from_usize(n: usize) -> Self {
                n as $t
            }
            #[inline]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            #[inline]
            fn widen(self) -> f64 {
                self as f64
            }
            #[inline]
            fn total_order(&self, other: &Self) -> Ordering {
                self.total_cmp(other)
            }
        }

        impl sealed::Sealed for $t {
            const LN_INV_UNIT_ROUNDOFF: Self =
                (<$t>::MANTISSA_DIGITS as $t) * core::f64::consts::LN_2 as $t;

            #[inline]
            fn exp_m1_(self) -> Self {
                // 1/k! for k = 1..=D: the Taylor series of e^x - 1 up to x^D,
                // D = 7 (f32) or 12 (f64), whose truncation error below
                // |x| = 1/4 is under a tenth of the unit roundoff.
                const C: [$t; $terms] = {
                    let mut c = [0.0; $terms];
                    let (mut k, mut f) = (0, 1.0_f64);
                    while k < c.len() {
                        f *= (k + 1) as f64;
                        c[k] = (1.0 / f) as $t;
                        k += 1;
                    }
                    c
                };
                if self.abs() < 0.25 {
                    let mut p = 0.0;
                    for &c in C.iter().rev() {
                        p = p * self + c;
                    }
                    p * self
                } else {
                    // |e^x - 1| >= 0.22 here: the subtraction costs < 4 ulps.
                    Float::exp(self) - 1.0
                }
            }
            #[inline]
            fn row_forward_fast(
                simd: bool,
                vi: Self,
                tau: Self,
                vs: &[Self],
                acc: &mut [Self],
            ) -> Self {
                #[cfg(feature = "std")]
                if simd {
                    return crate::simd::$t::row_forward(vi, tau, vs, acc);
                }
                #[cfg(not(feature = "std"))]
                let _ = simd;
                row_forward_scalar(vi, tau, vs, acc)
            }
            #[inline]
            fn row_grad_fast(
                simd: bool,
                vi: Self,
                gi: Self,
                tau: Self,
                vs: &[Self],
                gs: &[Self],
                acc: &mut [Self],
            ) -> Self {
                #[cfg(feature = "std")]
                if simd {
                    return crate::simd::$t::row_grad(vi, gi, tau, vs, gs, acc);
                }
                #[cfg(not(feature = "std"))]
                let _ = simd;
                row_grad_scalar(vi, gi, tau, vs, gs, acc)
            }
        }
    };
}

// Taylor terms of `exp_m1_`: 7 for f32, 12 for f64.
impl_real!(f32, 7);
impl_real!(f64, 12);

/// `z = (vj - vi) / tau` without spurious overflow: the difference of two
/// finite values overflows only when they have opposite signs, and then
/// `vj / tau - vi / tau` has no cancellation.
#[inline]
pub(crate) fn gap<T: Real>(vi: T, vj: T, tau: T) -> T {
    let d = vj - vi;
    if d.is_finite() {
        d / tau
    } else {
        vj / tau - vi / tau
    }
}

/// `h = sigmoid(-z) - 1/2` for `z = (vj - vi) / tau`, i.e. the centred
/// sigmoid of `(vi - vj) / tau`.
///
/// With `m = expm1(-|z|)`, `h(-|z|) = m / (2 (2 + m))`: no overflow, and
/// accurate for small `|z|` (where `sigmoid(z) - 1/2` would cancel).
#[inline]
pub(crate) fn centred_sigmoid<T: Real>(z: T) -> T {
    let two = T::one() + T::one();
    let m = (-z.abs()).exp_m1_();
    let h = m / (two * (two + m)); // <= 0
    if z > T::zero() {
        h
    } else {
        -h
    }
}

/// `sigmoid'(z) = e^-|z| / (1 + e^-|z|)^2` (even).
#[inline]
pub(crate) fn sigmoid_prime<T: Real>(z: T) -> T {
    let e = (-z.abs()).exp();
    let one_e = T::one() + e;
    e / (one_e * one_e)
}

/// One row of the half-pair forward kernel: for every `j`, with
/// `h_j = sigmoid((vi - vs[j]) / tau) - 1/2`, subtract `h_j` from `acc[j]`
/// and return `sum_j h_j`. `acc` and `vs` have the same length.
#[inline]
pub(crate) fn row_forward_scalar<T: Real>(vi: T, tau: T, vs: &[T], acc: &mut [T]) -> T {
    let mut sum = T::zero();
    for (&vj, aj) in vs.iter().zip(acc.iter_mut()) {
        let h = centred_sigmoid(gap(vi, vj, tau));
        *aj = *aj - h;
        sum = sum + h;
    }
    sum
}

/// One row of the half-pair gradient kernel: for every `j`, with
/// `q_j = sigmoid'((vi - vs[j]) / tau) * (gi - gs[j])`, subtract `q_j` from
/// `acc[j]` and return `sum_j q_j`.
#[inline]
pub(crate) fn row_grad_scalar<T: Real>(
    vi: T,
    gi: T,
    tau: T,
    vs: &[T],
    gs: &[T],
    acc: &mut [T],
) -> T {
    let mut sum = T::zero();
    for ((&vj, &gj), aj) in vs.iter().zip(gs).zip(acc.iter_mut()) {
        let q = sigmoid_prime(gap(vi, vj, tau)) * (gi - gj);
        *aj = *aj - q;
        sum = sum + q;
    }
    sum
}
