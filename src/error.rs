//! The crate's error type.

use core::fmt;

/// Which argument of a loss call an [`Error`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Arg {
    /// The targets, `y_true`.
    YTrue,
    /// The predictions, `y_pred`.
    YPred,
    /// The gradient output buffer, `grad`.
    Grad,
}

/// Which parameter of a loss an [`Error::InvalidParameter`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Param {
    /// `regularization_strength` (`tau`): must be finite and `> 0`.
    RegularizationStrength,
    /// `mse_weight`: must be finite and `>= 0`.
    MseWeight,
    /// `spearman_weight`: must be finite and `>= 0`.
    SpearmanWeight,
    /// The degenerate-gradient guard's threshold: must be finite and `>= 0`.
    DegenerateThreshold,
}

/// Everything that can go wrong in a loss call or a constructor.
///
/// Every public function of the crate reports bad input with one of these
/// variants; none of them panics or returns NaN or infinity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// `arg` has length `found`, but `y_true` has length `expected`.
    LengthMismatch {
        /// The argument whose length differs from `y_true`'s.
        arg: Arg,
        /// The length of `y_true`.
        expected: usize,
        /// The length of `arg`.
        found: usize,
    },
    /// The inputs are empty (`n = 0`): no correlation is defined.
    Empty,
    /// `n` is larger than the workspace capacity `N` (or the capacity of a
    /// [`PreparedTarget`](crate::PreparedTarget)).
    CapacityExceeded {
        /// The input length `n`.
        len: usize,
        /// The capacity `N`.
        capacity: usize,
    },
    /// `arg[index]` is NaN or infinite.
    NonFinite {
        /// The argument holding the value.
        arg: Arg,
        /// The index of the first non-finite value.
        index: usize,
    },
    /// A loss parameter is out of its domain.
    InvalidParameter {
        /// The parameter.
        param: Param,
    },
    /// The inputs are finite but the result is not representable in the
    /// float type (for example the squared error of values near `T::MAX`, or
    /// a gradient scaled by `1 / tau` for a `tau` near the smallest float).
    Overflow,
    /// A [`PreparedTarget`](crate::PreparedTarget) was used with a loss whose
    /// `regularization_strength`, kernel or SIMD setting differs from the
    /// loss that prepared it.
    PreparedTargetMismatch,
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Arg::YTrue => "y_true",
            Arg::YPred => "y_pred",
            Arg::Grad => "grad",
        })
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Param::RegularizationStrength => "regularization_strength must be finite and > 0",
            Param::MseWeight => "mse_weight must be finite and >= 0",
            Param::SpearmanWeight => "spearman_weight must be finite and >= 0",
            Param::DegenerateThreshold => "degenerate threshold must be finite and >= 0",
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::LengthMismatch {
                arg,
                expected,
                found,
            } => write!(f, "{arg} has length {found}, y_true has length {expected}"),
            Error::Empty => f.write_str("empty input"),
            Error::CapacityExceeded { len, capacity } => {
                write!(f, "input length {len} exceeds the capacity {capacity}")
            }
            Error::NonFinite { arg, index } => write!(f, "{arg}[{index}] is not finite"),
            Error::InvalidParameter { param } => write!(f, "invalid parameter: {param}"),
            Error::Overflow => f.write_str("result overflows the float type"),
            Error::PreparedTargetMismatch => f.write_str(
                "prepared target was built by a loss with another tau, kernel or SIMD setting",
            ),
        }
    }
}

impl core::error::Error for Error {}
