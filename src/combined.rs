//! `CombinedLoss`: weighted MSE plus soft Spearman.

use crate::check;
use crate::error::{Error, Param};
use crate::pearson::Sum;
use crate::real::Real;
use crate::soft_rank::Kernel;
use crate::spearman::{Ranks, SpearmanCorrelation};
use crate::workspace::Workspace;

/// `mse_weight * mean((y_pred - y_true)^2) + spearman_weight * SpearmanCorrelation(tau)`:
/// the port of `centimators.losses.CombinedLoss`.
///
/// ```
/// use rankloss::{CombinedLoss, Loss, Workspace};
///
/// let loss = CombinedLoss::<f32>::default(); // 2.0, 1.0, 1e-3
/// let mut ws: Workspace<f32, 16> = Workspace::new();
/// let mut grad = [0.0; 3];
/// let v = loss.loss_and_grad(&[0.0, 1.0, 2.0], &[0.0, 1.0, 2.5], &mut grad, &mut ws)?;
/// // 2 * mean([0, 0, 0.25]) - 1 (same order)
/// assert!((v - (2.0 * 0.25 / 3.0 - 1.0)).abs() < 1e-5);
/// # Ok::<(), rankloss::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CombinedLoss<T> {
    mse_weight: T,
    spearman_weight: T,
    spearman: SpearmanCorrelation<T>,
}

impl<T: Real> CombinedLoss<T> {
    /// A combined loss. The weights must be finite and `>= 0`,
    /// `spearman_regularization` (`tau`) finite and `> 0`. The reference's
    /// defaults are `2.0, 1.0, 1e-3` (see [`Default`]).
    pub fn new(
        mse_weight: T,
        spearman_weight: T,
        spearman_regularization: T,
    ) -> Result<Self, Error> {
        Ok(CombinedLoss {
            mse_weight: check::non_negative(mse_weight, Param::MseWeight)?,
            spearman_weight: check::non_negative(spearman_weight, Param::SpearmanWeight)?,
            spearman: SpearmanCorrelation::new(spearman_regularization)?,
        })
    }

    /// The weight of the mean squared error.
    pub fn mse_weight(&self) -> T {
        self.mse_weight
    }

    /// The weight of the Spearman term.
    pub fn spearman_weight(&self) -> T {
        self.spearman_weight
    }

    /// The Spearman term's `regularization_strength` (`tau`).
    pub fn spearman_regularization(&self) -> T {
        self.spearman.regularization_strength()
    }

    /// The Spearman term (with its kernel and guard settings).
    pub fn spearman(&self) -> &SpearmanCorrelation<T> {
        &self.spearman
    }

    /// Chooses the soft-rank kernel, see [`SpearmanCorrelation::with_kernel`].
    #[must_use]
    pub fn with_kernel(mut self, kernel: Kernel) -> Self {
        self.spearman = self.spearman.with_kernel(kernel);
        self
    }

    /// Allows or forbids SIMD, see [`SpearmanCorrelation::with_simd`].
    #[must_use]
    pub fn with_simd(mut self, simd: bool) -> Self {
        self.spearman = self.spearman.with_simd(simd);
        self
    }

    /// Enables the degenerate-gradient guard of the Spearman term, see
    /// [`SpearmanCorrelation::with_degenerate_guard`]: for a constant
    /// `y_pred` only the MSE term then moves the prediction.
    pub fn with_degenerate_guard(mut self, threshold: T) -> Result<Self, Error> {
        self.spearman = self.spearman.with_degenerate_guard(threshold)?;
        Ok(self)
    }

    /// The loss (and, with `grad`, its gradient) for validated inputs;
    /// `t` are the target values, `ranks` the source of their soft ranks.
    #[inline(always)]
    pub(crate) fn eval<const N: usize>(
        &self,
        t: &[T],
        ranks: Ranks<'_, T>,
        p: &[T],
        range_p: T,
        mut grad: Option<&mut [T]>,
        ws: &mut Workspace<T, N>,
    ) -> Result<T, Error> {
        let zero = T::zero();
        let sp = if self.spearman_weight > zero {
            self.spearman
                .eval(ranks, p, range_p, grad.as_deref_mut(), ws)?
        } else {
            if let Some(g) = grad.as_deref_mut() {
                g.iter_mut().for_each(|g| *g = zero);
            }
            zero
        };
        self.finish(sp, t, p, grad)
    }

    /// Adds the weighted MSE to the weighted Spearman value `sp` and its
    /// gradient (already in `grad`). Out of line: the floats it needs are
    /// not live across the Spearman call, which keeps the stack shallow.
    #[inline(never)]
    fn finish(&self, sp: T, t: &[T], p: &[T], grad: Option<&mut [T]>) -> Result<T, Error> {
        let zero = T::zero();
        let mse = if self.mse_weight > zero {
            weighted_mse(self.mse_weight, t, p)
        } else {
            zero
        };
        let value = mse + self.spearman_weight * sp;
        let Some(grad) = grad else {
            return check::finite_result(value, &[]);
        };
        let two = T::one() + T::one();
        // 2 w (p - t) / n = 4 (w / n) (p - t) / 2, in an order that
        // overflows only with the result (the half difference never does).
        let wn = self.mse_weight / T::from_usize(p.len());
        for ((g, &pk), &tk) in grad.iter_mut().zip(p).zip(t) {
            *g = self.spearman_weight * *g;
            if self.mse_weight > zero {
                *g = *g + (wn * half_difference(pk, tk)) * (two + two);
            }
        }
        check::finite_result(value, grad).inspect_err(|_| grad.fill(zero))
    }
}

/// `(p - t) / 2`, finite for all finite `p`, `t` (halving is exact for
/// normal numbers; only subnormal inputs, far below any result that matters
/// here, lose their last bit).
#[inline]
fn half_difference<T: Real>(p: T, t: T) -> T {
    let half = T::one() / (T::one() + T::one());
    p * half - t * half
}

/// `w * mean((p - t)^2)`, overflowing only when the result does: with
/// `s = max |p - t| / 2` (finite even when a difference overflows), the
/// squares are summed as `((p - t) / 2s)^2 <= 1`, and the scale applied
/// last, `(((mean * s) * w) * s) * 4`, an order whose intermediates stay
/// below the result or below `w`.
fn weighted_mse<T: Real>(w: T, t: &[T], p: &[T]) -> T {
    let zero = T::zero();
    let s = p
        .iter()
        .zip(t)
        .fold(zero, |m, (&pk, &tk)| m.max(half_difference(pk, tk).abs()));
    if s == zero {
        return zero;
    }
    let mut sum = Sum::new();
    for (&pk, &tk) in p.iter().zip(t) {
        let r = half_difference(pk, tk) / s;
        sum.add(r * r);
    }
    let four = (T::one() + T::one()) * (T::one() + T::one());
    let mean = sum.value() / T::from_usize(p.len());
    (((mean * s) * w) * s) * four
}

impl<T: Real> Default for CombinedLoss<T> {
    /// `mse_weight = 2.0`, `spearman_weight = 1.0`,
    /// `spearman_regularization = 1e-3`: the reference's defaults.
    fn default() -> Self {
        CombinedLoss {
            mse_weight: T::from_f64(2.0),
            spearman_weight: T::one(),
            spearman: SpearmanCorrelation::default(),
        }
    }
}
