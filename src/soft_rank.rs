//! Soft-rank kernels: centred soft ranks (forward) and their
//! vector-Jacobian product (gradient), pairwise or in sorted windows.
//!
//! Both kernels visit each unordered pair `{i, j}` once (half pairs): the
//! forward uses `h(-z) = -h(z)` for `h = sigmoid - 1/2`, the gradient the
//! evenness of `sigmoid'`. The windowed kernel sorts the values first and
//! evaluates sigmoids only for pairs closer than `W = c * tau`; farther pairs
//! contribute exactly `+-1/2` to the centred ranks and nothing to the
//! gradient (their true contribution is below the rounding of the sums, see
//! [`window`]).

use crate::real::{gap, Real};
use crate::Error;
use core::cmp::Ordering;

/// Which soft-rank kernel a loss uses.
///
/// All kernels give the same numbers to rounding (the crate's tests check
/// it); the choice only changes speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Kernel {
    /// Per call: [`Kernel::Pairwise`] when every pair of values is closer
    /// than the window `W = c * tau` (sorting would buy nothing), otherwise
    /// [`Kernel::Windowed`]. The default.
    #[default]
    Auto,
    /// Every pair evaluated once, no sort: `n (n - 1) / 2` sigmoids.
    Pairwise,
    /// Sort, then evaluate only pairs closer than `W = c * tau`:
    /// `O(n log n + sum of window sizes)`.
    Windowed,
}

/// The window constant `c`: pairs farther apart than `c * tau` are
/// saturated. With `u` the unit roundoff, a saturated pair's true
/// contribution is below `e^-c <= u / (e^2 n)`, so all `n` of them together
/// stay below the rounding of the kept terms. `ln n` is bounded above by
/// `bits(n) ln 2` (no logarithm routine needed on a microcontroller).
#[inline]
pub(crate) fn window_constant<T: Real>(n: usize) -> T {
    let two = T::one() + T::one();
    let bits = (usize::BITS - n.leading_zeros()) as usize;
    T::LN_INV_UNIT_ROUNDOFF + T::from_usize(bits) * T::from_f64(core::f64::consts::LN_2) + two
}

/// How one vector is laid out for the kernels.
#[derive(Clone, Copy)]
pub(crate) struct Plan<T> {
    /// Values are sorted ascending (windowed kernel).
    pub sorted: bool,
    /// The values span more than `T::MAX`: some differences overflow, and
    /// only the scalar rows (which compare through [`gap`]) take them.
    pub wide: bool,
    /// The window constant `c`: a pair with `|z| > c` is saturated.
    pub c: T,
    /// The loss's `tau`.
    pub tau: T,
}

impl<T: Real> Plan<T> {
    /// Chooses the kernel for a vector of `n` values spanning `range`.
    #[inline(never)]
    pub fn choose(kernel: Kernel, n: usize, tau: T, range: T) -> Self {
        let c = window_constant::<T>(n);
        let sorted = match kernel {
            Kernel::Pairwise => false,
            Kernel::Windowed => true,
            // Sorting buys nothing when no pair is beyond the window.
            Kernel::Auto => range / tau > c,
        };
        Plan {
            sorted,
            wide: !range.is_finite(),
            c,
            tau,
        }
    }

    /// Whether the pair `vi <= vj` is beyond the window (saturated):
    /// `(vj - vi) / tau > c`, overflow-safe.
    #[inline]
    fn saturated(&self, vi: T, vj: T) -> bool {
        gap(vi, vj, self.tau) > self.c
    }
}

/// Sets `buf` to `n` copies of `value` (`n <= N` is checked by the caller).
#[inline]
pub(crate) fn reset<T: Copy, const N: usize>(
    buf: &mut heapless::Vec<T, N>,
    n: usize,
    value: T,
) -> Result<(), Error> {
    buf.clear();
    buf.resize(n, value).map_err(|_| Error::CapacityExceeded {
        len: n,
        capacity: N,
    })
}

/// Fills `vs` with the values of `x` and `idx` with their positions, sorted
/// ascending (IEEE total order) if `plan.sorted`, in input order otherwise:
/// `vs[k] = x[idx[k]]`.
pub(crate) fn load<T: Real, const N: usize>(
    x: &[T],
    plan: Plan<T>,
    vs: &mut heapless::Vec<T, N>,
    idx: &mut heapless::Vec<u32, N>,
) -> Result<(), Error> {
    let n = x.len();
    let full = || Error::CapacityExceeded {
        len: n,
        capacity: N,
    };
    vs.clear();
    vs.extend_from_slice(x).map_err(|_| full())?;
    idx.clear();
    for k in 0..n {
        // n <= N and n <= u32::MAX are checked at the public boundary.
        idx.push(k as u32).map_err(|_| full())?;
    }
    if plan.sorted {
        heapsort(vs, idx);
    }
    Ok(())
}

/// Sorts `vs` ascending by IEEE total order, applying the same swaps to
/// `idx`. Heapsort: `O(n log n)` worst case, no recursion and no scratch,
/// so its code and stack stay small on a microcontroller (core's
/// `sort_unstable` costs ~3.8 KiB of flash and ~2.5 KiB of stack on a
/// Cortex-M4F), and the keys are read contiguously.
fn heapsort<T: Real>(vs: &mut [T], idx: &mut [u32]) {
    let n = vs.len().min(idx.len());
    let less = |vs: &[T], i: usize, j: usize| vs[i].total_order(&vs[j]) == Ordering::Less;
    let sift_down = |vs: &mut [T], idx: &mut [u32], mut root: usize, end: usize| loop {
        let mut child = 2 * root + 1;
        if child >= end {
            break;
        }
        if child + 1 < end && less(vs, child, child + 1) {
            child += 1;
        }
        if !less(vs, root, child) {
            break;
        }
        vs.swap(root, child);
        idx.swap(root, child);
        root = child;
    };
    for root in (0..n / 2).rev() {
        sift_down(vs, idx, root, n);
    }
    for end in (1..n).rev() {
        vs.swap(0, end);
        idx.swap(0, end);
        sift_down(vs, idx, 0, end);
    }
}

/// For sorted `vs`, the end of `i`'s window: the first `j > i` whose pair
/// with `i` is saturated, advanced from the previous row's `end`.
#[inline]
fn advance_end<T: Real>(vs: &[T], i: usize, plan: &Plan<T>, mut end: usize) -> usize {
    let vi = vs.get(i).copied().unwrap_or_else(T::zero);
    end = end.max(i + 1);
    while let Some(&vj) = vs.get(end) {
        if plan.saturated(vi, vj) {
            break;
        }
        end += 1;
    }
    end
}

/// Centred soft ranks `A_i = sum_j sigmoid((v_i - v_j) / tau) - n/2` of
/// `vs` (in `vs` order) into `acc`, which must hold `vs.len()` zeros.
pub(crate) fn forward<T: Real>(vs: &[T], plan: Plan<T>, simd: bool, acc: &mut [T]) {
    let tau = plan.tau;
    let n = vs.len();
    let half = T::one() / (T::one() + T::one());
    let (mut end, mut lo) = (0, 0);
    for i in 0..n {
        let vi = vs[i];
        let (below, above) = if plan.sorted {
            end = advance_end(vs, i, &plan, end);
            // lo: the first k whose pair with i is not saturated (the same
            // predicate as `end`).
            while lo < i && plan.saturated(vs[lo], vs[i]) {
                lo += 1;
            }
            (lo, n - end)
        } else {
            end = n;
            (0, 0)
        };
        let (head, tail) = acc.split_at_mut(i + 1);
        let row = &vs[i + 1..end];
        let tail = &mut tail[..end - i - 1];
        // The SIMD rows take plain differences: not for values spanning
        // more than T::MAX.
        let s = T::row_forward_fast(simd && !plan.wide, vi, tau, row, tail);
        let count = T::from_usize(below) - T::from_usize(above);
        head[i] = (head[i] + s) + half * count;
    }
}

/// Vector-Jacobian product of the soft ranks: given `gs = dL/db` (in `vs`
/// order), writes `tau * dL/dv_k = sum_j sigmoid'((v_k - v_j)/tau) (G_k - G_j)`
/// into `acc`, which must hold `vs.len()` zeros (the caller divides by
/// `tau`).
pub(crate) fn vjp<T: Real>(vs: &[T], gs: &[T], plan: Plan<T>, simd: bool, acc: &mut [T]) {
    let tau = plan.tau;
    let n = vs.len();
    let mut end = 0;
    for i in 0..n {
        end = if plan.sorted {
            advance_end(vs, i, &plan, end)
        } else {
            n
        };
        let (head, tail) = acc.split_at_mut(i + 1);
        let (vr, gr) = (&vs[i + 1..end], &gs[i + 1..end]);
        let tail = &mut tail[..end - i - 1];
        let q = T::row_grad_fast(simd && !plan.wide, vs[i], gs[i], tau, vr, gr, tail);
        head[i] = head[i] + q;
    }
}
