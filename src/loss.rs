//! The `Loss` trait and prepared targets.

use crate::check;
use crate::combined::CombinedLoss;
use crate::error::{Arg, Error};
use crate::real::Real;
use crate::soft_rank::Kernel;
use crate::spearman::{Ranks, SpearmanCorrelation};
use crate::workspace::Workspace;
use heapless::Vec;

/// Targets whose soft ranks are computed once and reused.
///
/// The soft ranks of `y_true` do not depend on `y_pred`: when the same
/// batch of targets is seen every epoch, [`Loss::prepare`] computes them once
/// and [`Loss::loss_prepared`] / [`Loss::loss_and_grad_prepared`] skip that
/// work, with results identical to the unprepared calls. Holds a copy of the
/// targets and their ranks: `2 * M` floats plus a few words, no heap.
///
/// ```
/// use rankloss::{CombinedLoss, Loss, PreparedTarget, Workspace};
///
/// let loss = CombinedLoss::<f32>::default();
/// let mut ws: Workspace<f32, 4> = Workspace::new();
/// let mut target: PreparedTarget<f32, 4> = PreparedTarget::new();
/// let y_true = [0.5, -1.0, 2.0];
/// loss.prepare(&y_true, &mut target, &mut ws)?;
/// let mut grad = [0.0; 3];
/// let v = loss.loss_and_grad_prepared(&target, &[0.4, -0.9, 1.0], &mut grad, &mut ws)?;
/// let mut grad2 = [0.0; 3];
/// let w = loss.loss_and_grad(&y_true, &[0.4, -0.9, 1.0], &mut grad2, &mut ws)?;
/// assert_eq!(v, w);
/// assert_eq!(grad, grad2);
/// # Ok::<(), rankloss::Error>(())
/// ```
#[derive(Clone)]
pub struct PreparedTarget<T, const M: usize> {
    values: Vec<T, M>,
    ranks: Vec<T, M>,
    saa: T,
    /// The loss configuration the ranks were computed with (its guard does
    /// not affect the ranks).
    config: Option<(T, Kernel, bool)>,
}

impl<T: Real, const M: usize> PreparedTarget<T, M> {
    /// An empty prepared target: using it before [`Loss::prepare`] gives
    /// [`Error::Empty`].
    pub fn new() -> Self {
        PreparedTarget {
            values: Vec::new(),
            ranks: Vec::new(),
            saa: T::zero(),
            config: None,
        }
    }

    /// The number of targets (0 before [`Loss::prepare`]).
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether no targets are held.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The targets, as given to [`Loss::prepare`].
    pub fn y_true(&self) -> &[T] {
        &self.values
    }
}

impl<T: Real, const M: usize> Default for PreparedTarget<T, M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Real, const M: usize> core::fmt::Debug for PreparedTarget<T, M> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PreparedTarget")
            .field("len", &self.values.len())
            .field("capacity", &M)
            .field("regularization_strength", &self.config.map(|c| c.0))
            .finish_non_exhaustive()
    }
}

pub(crate) mod private {
    use super::*;

    /// The per-loss part of [`Loss`]; private so that `Loss` is sealed.
    pub trait Eval<T: Real> {
        /// The Spearman term's configuration (kernel, SIMD, guard).
        fn spearman(&self) -> &SpearmanCorrelation<T>;
        /// The loss (and, with `grad`, the gradient) for validated input.
        fn eval<const N: usize>(
            &self,
            t: &[T],
            ranks: Ranks<'_, T>,
            p: &[T],
            range_p: T,
            grad: Option<&mut [T]>,
            ws: &mut Workspace<T, N>,
        ) -> Result<T, Error>;
    }
}

/// Validates one call; returns the ranges of `y_true` and `y_pred`.
#[inline(never)]
fn validate<T: Real>(
    t: &[T],
    p: &[T],
    grad: Option<usize>,
    capacity: usize,
) -> Result<(T, T), Error> {
    let n = t.len();
    check::same_len(n, p.len(), Arg::YPred)?;
    if let Some(g) = grad {
        check::same_len(n, g, Arg::Grad)?;
    }
    check::size(n, capacity)?;
    let range_t = check::finite_range(t, Arg::YTrue)?;
    let range_p = check::finite_range(p, Arg::YPred)?;
    Ok((range_t, range_p))
}

/// What a prepared target must share with the loss that uses it for
/// bit-identical results: `tau`, kernel and SIMD setting.
fn config<T: Real>(sp: &SpearmanCorrelation<T>) -> (T, Kernel, bool) {
    (sp.regularization_strength(), sp.kernel(), sp.simd())
}

/// Validates a prepared call; returns the range of `y_pred`.
fn validate_prepared<T: Real, const M: usize>(
    loss: &SpearmanCorrelation<T>,
    target: &PreparedTarget<T, M>,
    p: &[T],
    grad: Option<usize>,
    capacity: usize,
) -> Result<T, Error> {
    if target.is_empty() {
        return Err(Error::Empty);
    }
    if target.config != Some(config(loss)) {
        return Err(Error::PreparedTargetMismatch);
    }
    validate(&target.values, p, grad, capacity).map(|(_, r)| r)
}

/// A loss with value and gradient: implemented by [`SpearmanCorrelation`]
/// and [`CombinedLoss`], so that a training loop can be generic over it.
///
/// Every method validates its input and returns an [`Error`] for: length
/// mismatch between `y_true`, `y_pred` and `grad`; `n = 0`; `n > N`;
/// NaN or infinity in the inputs; and a result that overflows the float
/// type (then `grad`, if given, is zeroed). `grad` is written, not added to.
pub trait Loss<T: Real>: private::Eval<T> {
    /// The loss value.
    #[inline(always)]
    fn loss<const N: usize>(
        &self,
        y_true: &[T],
        y_pred: &[T],
        ws: &mut Workspace<T, N>,
    ) -> Result<T, Error> {
        let (range_t, range_p) = validate(y_true, y_pred, None, N)?;
        let ranks = Ranks::Compute {
            t: y_true,
            range: range_t,
        };
        self.eval(y_true, ranks, y_pred, range_p, None, ws)
    }

    /// The loss value; its gradient with respect to `y_pred` into `grad`.
    #[inline(always)]
    fn loss_and_grad<const N: usize>(
        &self,
        y_true: &[T],
        y_pred: &[T],
        grad: &mut [T],
        ws: &mut Workspace<T, N>,
    ) -> Result<T, Error> {
        let (range_t, range_p) = validate(y_true, y_pred, Some(grad.len()), N)?;
        let ranks = Ranks::Compute {
            t: y_true,
            range: range_t,
        };
        self.eval(y_true, ranks, y_pred, range_p, Some(grad), ws)
    }

    /// Computes the soft ranks of `y_true` once into `target`, for
    /// [`Loss::loss_prepared`] and [`Loss::loss_and_grad_prepared`]. On error
    /// `target` is left empty.
    fn prepare<const M: usize, const N: usize>(
        &self,
        y_true: &[T],
        target: &mut PreparedTarget<T, M>,
        ws: &mut Workspace<T, N>,
    ) -> Result<(), Error> {
        target.values.clear();
        target.ranks.clear();
        target.config = None;
        check::size(y_true.len(), M.min(N))?;
        let range = check::finite_range(y_true, Arg::YTrue)?;
        let Workspace { vs, idx, acc, .. } = ws;
        let saa = self
            .spearman()
            .ranks_into(y_true, range, vs, idx, acc, &mut target.ranks)?;
        target
            .values
            .extend_from_slice(y_true)
            .map_err(|_| Error::CapacityExceeded {
                len: y_true.len(),
                capacity: M,
            })?;
        target.saa = saa;
        target.config = Some(config(self.spearman()));
        Ok(())
    }

    /// [`Loss::loss`] with targets prepared by [`Loss::prepare`].
    #[inline(always)]
    fn loss_prepared<const M: usize, const N: usize>(
        &self,
        target: &PreparedTarget<T, M>,
        y_pred: &[T],
        ws: &mut Workspace<T, N>,
    ) -> Result<T, Error> {
        let range_p = validate_prepared(self.spearman(), target, y_pred, None, N)?;
        let ranks = Ranks::Ready {
            ranks: &target.ranks,
            saa: target.saa,
        };
        self.eval(&target.values, ranks, y_pred, range_p, None, ws)
    }

    /// [`Loss::loss_and_grad`] with targets prepared by [`Loss::prepare`].
    #[inline(always)]
    fn loss_and_grad_prepared<const M: usize, const N: usize>(
        &self,
        target: &PreparedTarget<T, M>,
        y_pred: &[T],
        grad: &mut [T],
        ws: &mut Workspace<T, N>,
    ) -> Result<T, Error> {
        let range_p = validate_prepared(self.spearman(), target, y_pred, Some(grad.len()), N)?;
        let ranks = Ranks::Ready {
            ranks: &target.ranks,
            saa: target.saa,
        };
        self.eval(&target.values, ranks, y_pred, range_p, Some(grad), ws)
    }
}

impl<T: Real> private::Eval<T> for SpearmanCorrelation<T> {
    fn spearman(&self) -> &SpearmanCorrelation<T> {
        self
    }
    #[inline(always)]
    fn eval<const N: usize>(
        &self,
        _t: &[T],
        ranks: Ranks<'_, T>,
        p: &[T],
        range_p: T,
        grad: Option<&mut [T]>,
        ws: &mut Workspace<T, N>,
    ) -> Result<T, Error> {
        SpearmanCorrelation::eval(self, ranks, p, range_p, grad, ws)
    }
}

impl<T: Real> Loss<T> for SpearmanCorrelation<T> {}

impl<T: Real> private::Eval<T> for CombinedLoss<T> {
    fn spearman(&self) -> &SpearmanCorrelation<T> {
        CombinedLoss::spearman(self)
    }
    #[inline(always)]
    fn eval<const N: usize>(
        &self,
        t: &[T],
        ranks: Ranks<'_, T>,
        p: &[T],
        range_p: T,
        grad: Option<&mut [T]>,
        ws: &mut Workspace<T, N>,
    ) -> Result<T, Error> {
        CombinedLoss::eval(self, t, ranks, p, range_p, grad, ws)
    }
}

impl<T: Real> Loss<T> for CombinedLoss<T> {}
