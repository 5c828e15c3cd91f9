//! The fine-tuning task, shared by the firmware and `build.rs` (which runs the
//! same code on the host to produce the expected results): a linear model on
//! the standardised diabetes features, mini-batch SGD on `CombinedLoss`, and
//! the exact Spearman rank correlation (average ranks for ties) as the metric.
//!
//! `no_std`, no allocation, `f32` only.

use rankloss::{CombinedLoss, Error, Loss, Workspace};

/// Input features per row (age, sex, bmi, bp, s1..s6).
pub const FEATURES: usize = 10;
/// Rows per training batch.
pub const BATCH: usize = 32;
/// Workspace capacity: the largest call is the held-out evaluation.
pub const CAPACITY: usize = 64;
/// Training epochs.
pub const EPOCHS: usize = 6;
/// SGD learning rate.
pub const LEARNING_RATE: f32 = 0.05;
/// `CombinedLoss` parameters: MSE weight, Spearman weight, `tau`.
pub const MSE_WEIGHT: f32 = 1.0;
pub const SPEARMAN_WEIGHT: f32 = 1.0;
pub const TAU: f32 = 0.1;

/// A linear model `y = w . x + b`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Model {
    pub w: [f32; FEATURES],
    pub b: f32,
}

impl Model {
    /// The starting point: small fixed weights from a linear congruential
    /// generator (the same on every build and target).
    pub fn initial() -> Self {
        let mut state: u32 = 0x2545_f491;
        let mut w = [0.0; FEATURES];
        for wi in w.iter_mut() {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            // uniform in [-0.1, 0.1)
            *wi = ((state >> 8) as f32 / (1u32 << 24) as f32 - 0.5) * 0.2;
        }
        Model { w, b: 0.0 }
    }

    /// Predictions for the rows `x` into `out` (same length).
    pub fn predict(&self, x: &[[f32; FEATURES]], out: &mut [f32]) {
        for (row, o) in x.iter().zip(out.iter_mut()) {
            let mut s = self.b;
            for (&wi, &xi) in self.w.iter().zip(row) {
                s += wi * xi;
            }
            *o = s;
        }
    }

    /// One SGD step from `grad = dL/dy_pred` of the rows `x`.
    pub fn step(&mut self, x: &[[f32; FEATURES]], grad: &[f32], lr: f32) {
        let mut gw = [0.0f32; FEATURES];
        let mut gb = 0.0f32;
        for (row, &g) in x.iter().zip(grad) {
            for (gwi, &xi) in gw.iter_mut().zip(row) {
                *gwi += g * xi;
            }
            gb += g;
        }
        for (wi, gwi) in self.w.iter_mut().zip(gw) {
            *wi -= lr * gwi;
        }
        self.b -= lr * gb;
    }
}

/// The training loss.
pub fn loss() -> Result<CombinedLoss<f32>, Error> {
    CombinedLoss::new(MSE_WEIGHT, SPEARMAN_WEIGHT, TAU)
}

/// One epoch of mini-batch SGD over `x`, `y` in order (a trailing partial
/// batch is used as it is); returns the mean batch loss.
pub fn epoch(
    loss: &CombinedLoss<f32>,
    model: &mut Model,
    x: &[[f32; FEATURES]],
    y: &[f32],
    ws: &mut Workspace<f32, CAPACITY>,
) -> Result<f32, Error> {
    let mut total = 0.0f32;
    let mut batches = 0u32;
    for (xb, yb) in x.chunks(BATCH).zip(y.chunks(BATCH)) {
        let n = yb.len();
        let mut pred = [0.0f32; BATCH];
        let mut grad = [0.0f32; BATCH];
        model.predict(xb, &mut pred[..n]);
        total += loss.loss_and_grad(yb, &pred[..n], &mut grad[..n], ws)?;
        model.step(xb, &grad[..n], LEARNING_RATE);
        batches += 1;
    }
    Ok(total / batches.max(1) as f32)
}

/// Held-out loss (one call over all of `y`, at most `CAPACITY` rows) and
/// exact Spearman correlation of the predictions.
pub fn evaluate(
    loss: &CombinedLoss<f32>,
    model: &Model,
    x: &[[f32; FEATURES]],
    y: &[f32],
    ws: &mut Workspace<f32, CAPACITY>,
) -> Result<(f32, f32), Error> {
    let n = y.len().min(CAPACITY);
    let mut pred = [0.0f32; CAPACITY];
    model.predict(&x[..n], &mut pred[..n]);
    let v = loss.loss(&y[..n], &pred[..n], ws)?;
    Ok((v, spearman_exact(&y[..n], &pred[..n])))
}

/// Average rank (1-based) of `x[i]` in `x`: ties share the mean of their ranks.
fn average_rank(x: &[f32], i: usize) -> f32 {
    let (mut below, mut equal) = (0u32, 0u32);
    for &v in x {
        if v < x[i] {
            below += 1;
        } else if v == x[i] {
            equal += 1;
        }
    }
    below as f32 + (equal as f32 + 1.0) * 0.5
}

/// Exact Spearman rank correlation: the Pearson correlation of the average
/// ranks (0 when either side is constant). `O(n^2)`, for small `n`.
pub fn spearman_exact(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let mean = (n as f32 + 1.0) * 0.5; // mean of the ranks 1..=n, ties included
    let (mut sab, mut saa, mut sbb) = (0.0f32, 0.0f32, 0.0f32);
    for i in 0..n {
        let ra = average_rank(&a[..n], i) - mean;
        let rb = average_rank(&b[..n], i) - mean;
        sab += ra * rb;
        saa += ra * ra;
        sbb += rb * rb;
    }
    if saa > 0.0 && sbb > 0.0 {
        sab / libm::sqrtf(saa * sbb)
    } else {
        0.0
    }
}
