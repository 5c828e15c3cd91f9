//! `std` only: `wide` SIMD inner rows of the soft-rank kernels.

use crate::real::{row_forward_scalar, row_grad_scalar, Real};

/// SIMD forward row (same contract as `row_forward_scalar`).
pub(crate) fn row_forward<T: Real>(vi: T, tau: T, vs: &[T], acc: &mut [T]) -> T {
    row_forward_scalar(vi, tau, vs, acc)
}

/// SIMD gradient row (same contract as `row_grad_scalar`).
pub(crate) fn row_grad<T: Real>(vi: T, gi: T, tau: T, vs: &[T], gs: &[T], acc: &mut [T]) -> T {
    row_grad_scalar(vi, gi, tau, vs, gs, acc)
}
