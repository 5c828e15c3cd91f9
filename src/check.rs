//! Validation of user input, done once at the public boundary.

use crate::error::{Arg, Error, Param};
use crate::real::Real;

/// `tau` must be finite and `> 0`.
pub(crate) fn tau<T: Real>(tau: T) -> Result<T, Error> {
    if tau.is_finite() && tau > T::zero() {
        Ok(tau)
    } else {
        Err(Error::InvalidParameter {
            param: Param::RegularizationStrength,
        })
    }
}

/// A weight (or threshold) must be finite and `>= 0`.
pub(crate) fn non_negative<T: Real>(w: T, param: Param) -> Result<T, Error> {
    if w.is_finite() && w >= T::zero() {
        Ok(w)
    } else {
        Err(Error::InvalidParameter { param })
    }
}

/// Checks the lengths of a call: `other` (`y_pred` or `grad`) against
/// `y_true`'s length `n`.
pub(crate) fn same_len(n: usize, other: usize, arg: Arg) -> Result<(), Error> {
    if n == other {
        Ok(())
    } else {
        Err(Error::LengthMismatch {
            arg,
            expected: n,
            found: other,
        })
    }
}

/// `n >= 1`, `n <= capacity` and `n` fits the `u32` index buffers.
pub(crate) fn size(n: usize, capacity: usize) -> Result<(), Error> {
    if n == 0 {
        Err(Error::Empty)
    } else if n > capacity || u32::try_from(n).is_err() {
        Err(Error::CapacityExceeded { len: n, capacity })
    } else {
        Ok(())
    }
}

/// Every value finite; returns `max - min` (may overflow to `+inf`, which
/// the kernels handle).
#[inline(never)]
pub(crate) fn finite_range<T: Real>(x: &[T], arg: Arg) -> Result<T, Error> {
    let mut lo = T::infinity();
    let mut hi = T::neg_infinity();
    for (index, &v) in x.iter().enumerate() {
        if !v.is_finite() {
            return Err(Error::NonFinite { arg, index });
        }
        lo = lo.min(v);
        hi = hi.max(v);
    }
    Ok(hi - lo)
}

/// A computed result must be finite (inputs were): otherwise it overflowed.
pub(crate) fn finite_result<T: Real>(v: T, grad: &[T]) -> Result<T, Error> {
    if v.is_finite() && grad.iter().all(|g| g.is_finite()) {
        Ok(v)
    } else {
        Err(Error::Overflow)
    }
}
