//! `SpearmanCorrelation`: validation and composition of the kernels.

use crate::check;
use crate::error::{Error, Param};
use crate::pearson::{pearson, sum_sq, Pearson, Sum};
use crate::real::Real;
use crate::soft_rank::{forward, load, reset, vjp, Kernel, Plan};
use crate::workspace::Workspace;
use heapless::Vec;

/// Soft Spearman correlation loss, `-rho(softrank(y_true), softrank(y_pred))`:
/// the port of `centimators.losses.SpearmanCorrelation`.
///
/// The soft rank of `x` is `r_i = sum_j sigmoid((x_i - x_j) / tau)` over
/// all `j` (`j = i` included), `tau` the `regularization_strength`. The
/// loss is minus the Pearson correlation of the two soft-rank vectors, with
/// the Keras epsilon `1e-7` inside the square root of the denominator. It
/// lies in `[-1, 1]`; `-1` means the same order.
///
/// ```
/// use rankloss::{Loss, SpearmanCorrelation, Workspace};
///
/// let sp = SpearmanCorrelation::new(1e-2_f64)?;
/// let mut ws: Workspace<f64, 8> = Workspace::new();
/// let mut grad = [0.0; 4];
/// let v = sp.loss_and_grad(&[1.0, 2.0, 3.0, 4.0], &[0.1, 0.2, 0.3, 0.4], &mut grad, &mut ws)?;
/// assert!((v + 1.0).abs() < 1e-6); // same order: correlation 1
/// # Ok::<(), rankloss::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SpearmanCorrelation<T> {
    tau: T,
    kernel: Kernel,
    simd: bool,
    guard: Option<T>,
}

/// Where the targets' centred soft ranks come from.
pub enum Ranks<'a, T> {
    /// Compute them from `y_true`, whose values span `range`.
    Compute { t: &'a [T], range: T },
    /// Already computed (a [`PreparedTarget`](crate::PreparedTarget)).
    Ready { ranks: &'a [T], saa: T },
}

impl<T: Real> SpearmanCorrelation<T> {
    /// A loss with `regularization_strength = tau` (the reference's default
    /// is `1e-3`, see [`Default`]). `tau` must be finite and `> 0`.
    pub fn new(regularization_strength: T) -> Result<Self, Error> {
        Ok(SpearmanCorrelation {
            tau: check::tau(regularization_strength)?,
            kernel: Kernel::Auto,
            simd: true,
            guard: None,
        })
    }

    /// The `regularization_strength` (`tau`).
    pub fn regularization_strength(&self) -> T {
        self.tau
    }

    /// Chooses the soft-rank kernel (default [`Kernel::Auto`]).
    #[must_use]
    pub fn with_kernel(mut self, kernel: Kernel) -> Self {
        self.kernel = kernel;
        self
    }

    /// The soft-rank kernel in use.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// Allows (`true`, the default) or forbids the `wide` SIMD inner loops.
    /// Without the `std` feature there are none and this changes nothing.
    #[must_use]
    pub fn with_simd(mut self, simd: bool) -> Self {
        self.simd = simd;
        self
    }

    /// Whether the SIMD inner loops are allowed.
    pub fn simd(&self) -> bool {
        self.simd
    }

    /// Opt-in degenerate-gradient guard.
    ///
    /// With a constant (or near-constant) `y_pred` the soft ranks are all
    /// equal, `Sbb = sum B_i^2` collapses, the denominator becomes
    /// `sqrt(1e-7)` and the reference's gradient explodes (about `5e6` at
    /// `n = 4`, `tau = 1e-3`, growing with `n / tau`). With the guard, when
    /// `Saa * Sbb <= threshold` the correlation is taken as 0 and the
    /// Spearman gradient as 0, so a model stuck at a constant output is
    /// moved only by the other terms of its loss. Outside that regime results
    /// are unchanged. `1e-3` is a good threshold for both float types (the
    /// denominator is then at least `0.03`); `0` guards only the exactly
    /// constant case. Off by default (reference behaviour). The threshold
    /// must be finite and `>= 0`.
    pub fn with_degenerate_guard(mut self, threshold: T) -> Result<Self, Error> {
        self.guard = Some(check::non_negative(threshold, Param::DegenerateThreshold)?);
        Ok(self)
    }

    /// The degenerate-gradient guard's threshold, if enabled.
    pub fn degenerate_guard(&self) -> Option<T> {
        self.guard
    }

    /// Centred soft ranks of `x` (input order) into `out`; returns
    /// `sum out_i^2`.
    #[inline(never)]
    pub(crate) fn ranks_into<const N: usize, const M: usize>(
        &self,
        x: &[T],
        range: T,
        vs: &mut Vec<T, N>,
        idx: &mut Vec<u32, N>,
        acc: &mut Vec<T, N>,
        out: &mut Vec<T, M>,
    ) -> Result<T, Error> {
        let n = x.len();
        let plan = Plan::choose(self.kernel, n, self.tau, range);
        load(x, plan, vs, idx)?;
        reset(acc, n, T::zero())?;
        forward(vs, plan, self.simd, acc);
        reset(out, n, T::zero())?;
        for (&k, &r) in idx.iter().zip(acc.iter()) {
            if let Some(o) = out.get_mut(k as usize) {
                *o = r;
            }
        }
        Ok(sum_sq(out))
    }

    /// The loss (and, with `grad`, its gradient) for validated inputs.
    ///
    /// An orchestrator over out-of-line stages, so that the stack depth is
    /// that of the deepest stage, not the sum of all of them.
    #[inline(never)]
    pub(crate) fn eval<const N: usize>(
        &self,
        ranks: Ranks<'_, T>,
        p: &[T],
        range_p: T,
        grad: Option<&mut [T]>,
        ws: &mut Workspace<T, N>,
    ) -> Result<T, Error> {
        let Workspace { vs, idx, b, acc, a } = ws;
        let (a, saa): (&[T], T) = match ranks {
            Ranks::Compute { t, range } => {
                let saa = self.ranks_into(t, range, vs, idx, acc, a)?;
                (a, saa)
            }
            Ranks::Ready { ranks, saa } => (ranks, saa),
        };
        let plan = Plan::choose(self.kernel, p.len(), self.tau, range_p);
        let (sbb, sab) = self.pred_ranks(p, plan, a, vs, idx, b)?;
        let pe = pearson(saa, sbb, sab, self.guard);
        let value = -pe.rho;
        match grad {
            None => Ok(value),
            Some(grad) => self
                .backward(pe, plan, a, vs, idx, b, acc, grad)
                .and_then(|()| check::finite_result(value, grad))
                .inspect_err(|_| grad.fill(T::zero())),
        }
    }

    /// Soft ranks of `p` into `b` (sorted order per `plan`, with `vs` and
    /// `idx`); returns `(Sbb, Sab)`.
    #[inline(never)]
    fn pred_ranks<const N: usize>(
        &self,
        p: &[T],
        plan: Plan<T>,
        a: &[T],
        vs: &mut Vec<T, N>,
        idx: &mut Vec<u32, N>,
        b: &mut Vec<T, N>,
    ) -> Result<(T, T), Error> {
        load(p, plan, vs, idx)?;
        reset(b, p.len(), T::zero())?;
        forward(vs, plan, self.simd, b);
        let mut sab = Sum::new();
        // a in input order, b in vs order: a[idx[k]] pairs with b[k].
        for (&k, &bk) in idx.iter().zip(b.iter()) {
            sab.add(at(a, k) * bk);
        }
        Ok((sum_sq(b), sab.value()))
    }

    /// The gradient with respect to `p` into `grad`, from the correlation's
    /// coefficients: `dL/dB = alpha A + beta B` (written over `b`), then the
    /// soft ranks' vector-Jacobian product.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn backward<const N: usize>(
        &self,
        pe: Pearson<T>,
        plan: Plan<T>,
        a: &[T],
        vs: &[T],
        idx: &[u32],
        b: &mut [T],
        acc: &mut Vec<T, N>,
        grad: &mut [T],
    ) -> Result<(), Error> {
        if pe.alpha == T::zero() && pe.beta == T::zero() {
            grad.fill(T::zero());
            return Ok(());
        }
        for (&k, bk) in idx.iter().zip(b.iter_mut()) {
            *bk = pe.alpha * at(a, k) + pe.beta * *bk;
        }
        reset(acc, vs.len(), T::zero())?;
        vjp(vs, b, plan, self.simd, acc);
        for (&k, &s) in idx.iter().zip(acc.iter()) {
            if let Some(g) = grad.get_mut(k as usize) {
                *g = s / self.tau;
            }
        }
        Ok(())
    }
}

/// `x[k]` for an index from a permutation of `0..x.len()`.
#[inline]
fn at<T: Real>(x: &[T], k: u32) -> T {
    x.get(k as usize).copied().unwrap_or_else(T::zero)
}

impl<T: Real> Default for SpearmanCorrelation<T> {
    /// `regularization_strength = 1e-3`, the reference's default.
    fn default() -> Self {
        SpearmanCorrelation {
            tau: T::from_f64(1e-3),
            kernel: Kernel::Auto,
            simd: true,
            guard: None,
        }
    }
}
