//! Training a small model on real data with the crate's losses.
//!
//! Fits a one-hidden-layer network (10 inputs, 8 `tanh` units, 1 output,
//! written out by hand) to the diabetes data of Efron et al. (2004): 442
//! patients, 10 baseline variables, target `progression` (disease
//! progression one year later). See `examples/data/README.md` for the
//! data's provenance.
//!
//! The rows are split once by a seeded shuffle into 352 training rows (11
//! batches of 32) and 90 held-out rows (20 %). Features and target are
//! standardised with the mean and standard deviation of the training rows.
//! The same initial weights and the same batch order (reshuffled every epoch)
//! then train one model per loss with plain mini-batch SGD:
//!
//! - `mse`: `CombinedLoss::new(1.0, 0.0, 1e-3)`, the mean squared error alone;
//! - `spearman`: `SpearmanCorrelation::default()` (`tau = 1e-3`);
//! - `combined`: `CombinedLoss::default()` (`2 * MSE + Spearman`, `tau = 1e-3`);
//! - `spearman tau=0.1`: `SpearmanCorrelation::new(0.1)`, a softer rank that
//!   suits predictions on the scale of a standardised target.
//!
//! Every step calls [`Loss::loss_and_grad`] for the gradient with respect to
//! the 32 predictions and backpropagates it through the network by hand.
//! A training step touches no heap: the weights, the batch, the activations
//! and the gradients are fixed-size arrays, and the loss's scratch memory is
//! a `Workspace<f32, 32>`. (The batches change every epoch, so the targets
//! are ranked in every call; with fixed batches, [`Loss::prepare`] and a
//! `PreparedTarget` would rank them once.)
//!
//! Each epoch prints the mean training loss of every run and its held-out
//! Spearman rank correlation; the final table gives the held-out exact
//! Spearman correlation (average ranks for ties), the held-out mean squared
//! error on the standardised target, the spread of the held-out predictions,
//! the share of non-negligible entries in the loss gradient and the median
//! time of a training step.
//!
//! Run it with
//!
//! ```text
//! cargo run --release --example finetune
//! cargo run --release --example finetune --all-features   # with SIMD kernels
//! ```

use rankloss::{CombinedLoss, Error, Loss, SpearmanCorrelation, Workspace};
use std::time::Instant;

/// The data, embedded at compile time.
const CSV: &str = include_str!("data/diabetes.csv");
/// Number of patients.
const ROWS: usize = 442;
/// Number of input variables.
const FEATURES: usize = 10;
/// Mini-batch size.
const BATCH: usize = 32;
/// Training rows: 11 full batches.
const TRAIN: usize = 11 * BATCH;
/// Held-out rows (20.4 %).
const TEST: usize = ROWS - TRAIN;
/// Hidden units.
const HIDDEN: usize = 8;
/// Passes over the training rows.
const EPOCHS: usize = 100;
/// SGD step size.
const LEARNING_RATE: f32 = 0.01;
/// Seed of the split, the initial weights and the batch order.
const SEED: u64 = 0x5EED_2004;

/// SplitMix64: a tiny, well-mixed, deterministic generator.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (multiply-shift; the bias is below `n / 2^32`).
    fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// Uniform in `[-a, a)`.
    fn symmetric(&mut self, a: f32) -> f32 {
        let u = (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
        (2.0 * u - 1.0) * a
    }

    /// Fisher-Yates shuffle.
    fn shuffle(&mut self, v: &mut [usize]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

/// Parses the CSV: features and target per row.
fn parse(csv: &str) -> Result<([[f64; FEATURES]; ROWS], [f64; ROWS]), String> {
    let mut x = [[0.0; FEATURES]; ROWS];
    let mut y = [0.0; ROWS];
    let mut lines = csv.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next().ok_or("empty file")?;
    if !header.ends_with(",progression") {
        return Err(format!("unexpected header {header:?}"));
    }
    let mut n = 0;
    for (i, line) in lines.enumerate() {
        if i >= ROWS {
            return Err(format!("more than {ROWS} rows"));
        }
        let mut fields = line.split(',').map(|f| f.trim().parse::<f64>());
        for slot in x[i].iter_mut().chain(core::iter::once(&mut y[i])) {
            *slot = fields
                .next()
                .ok_or(format!("row {}: too few fields", i + 1))?
                .map_err(|e| format!("row {}: {e}", i + 1))?;
        }
        if fields.next().is_some() {
            return Err(format!("row {}: too many fields", i + 1));
        }
        n += 1;
    }
    if n != ROWS {
        return Err(format!("{n} rows, expected {ROWS}"));
    }
    Ok((x, y))
}

/// Mean and (population) standard deviation of `values`.
fn mean_std(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = values.clone().count() as f64;
    let mean = values.clone().sum::<f64>() / n;
    let var = values.map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// One hidden layer of `tanh` units and a linear output; also used to hold
/// the gradient of the loss with respect to every parameter.
#[derive(Clone)]
struct Mlp {
    w1: [[f32; FEATURES]; HIDDEN],
    b1: [f32; HIDDEN],
    w2: [f32; HIDDEN],
    b2: f32,
}

impl Mlp {
    const ZERO: Mlp = Mlp {
        w1: [[0.0; FEATURES]; HIDDEN],
        b1: [0.0; HIDDEN],
        w2: [0.0; HIDDEN],
        b2: 0.0,
    };

    /// Glorot-uniform weights, zero biases.
    fn init(rng: &mut Rng) -> Self {
        let mut m = Self::ZERO;
        let a1 = (6.0 / (FEATURES + HIDDEN) as f32).sqrt();
        let a2 = (6.0 / (HIDDEN + 1) as f32).sqrt();
        m.w1.iter_mut()
            .flatten()
            .for_each(|w| *w = rng.symmetric(a1));
        m.w2.iter_mut().for_each(|w| *w = rng.symmetric(a2));
        m
    }

    /// The output for `x`; the hidden activations into `h`.
    fn forward(&self, x: &[f32; FEATURES], h: &mut [f32; HIDDEN]) -> f32 {
        let mut out = self.b2;
        for (((hj, w1j), b1j), w2j) in h.iter_mut().zip(&self.w1).zip(&self.b1).zip(&self.w2) {
            let z: f32 = b1j + w1j.iter().zip(x).map(|(w, xi)| w * xi).sum::<f32>();
            *hj = z.tanh();
            out += w2j * *hj;
        }
        out
    }

    fn predict(&self, x: &[f32; FEATURES]) -> f32 {
        self.forward(x, &mut [0.0; HIDDEN])
    }

    /// `self -= lr * grad`.
    fn sgd(&mut self, grad: &Mlp, lr: f32) {
        let pairs = self
            .w1
            .iter_mut()
            .flatten()
            .zip(grad.w1.iter().flatten())
            .chain(self.b1.iter_mut().zip(&grad.b1))
            .chain(self.w2.iter_mut().zip(&grad.w2))
            .chain(core::iter::once((&mut self.b2, &grad.b2)));
        for (p, g) in pairs {
            *p -= lr * g;
        }
    }
}

/// The loss a run trains with (the crate's `Loss` trait has generic
/// methods, so the runs are told apart by an enum rather than a trait object).
enum Objective {
    Combined(CombinedLoss<f32>),
    Spearman(SpearmanCorrelation<f32>),
}

impl Objective {
    fn loss_and_grad<const N: usize>(
        &self,
        y_true: &[f32],
        y_pred: &[f32],
        grad: &mut [f32],
        ws: &mut Workspace<f32, N>,
    ) -> Result<f32, Error> {
        match self {
            Objective::Combined(l) => l.loss_and_grad(y_true, y_pred, grad, ws),
            Objective::Spearman(l) => l.loss_and_grad(y_true, y_pred, grad, ws),
        }
    }
}

/// One SGD step on a batch: forward, loss gradient with respect to the
/// predictions (left in `dpred`), backpropagation, update. No heap memory.
fn train_step(
    model: &mut Mlp,
    objective: &Objective,
    ws: &mut Workspace<f32, BATCH>,
    x: &[[f32; FEATURES]; BATCH],
    y: &[f32; BATCH],
    dpred: &mut [f32; BATCH],
) -> Result<f32, Error> {
    let mut hidden = [[0.0_f32; HIDDEN]; BATCH];
    let mut pred = [0.0_f32; BATCH];
    for ((p, h), xi) in pred.iter_mut().zip(&mut hidden).zip(x) {
        *p = model.forward(xi, h);
    }

    let loss = objective.loss_and_grad(y, &pred, dpred, ws)?;

    // The loss is a function of the whole batch and `dpred` is its gradient,
    // so the parameter gradients are plain sums over the batch.
    let mut grad = Mlp::ZERO;
    for ((&g, h), xi) in dpred.iter().zip(&hidden).zip(x) {
        grad.b2 += g;
        let units = h
            .iter()
            .zip(&model.w2)
            .zip(grad.w2.iter_mut().zip(&mut grad.b1).zip(&mut grad.w1));
        for ((&hj, &w2j), ((gw2, gb1), gw1)) in units {
            *gw2 += g * hj;
            let dz = g * w2j * (1.0 - hj * hj); // through tanh
            *gb1 += dz;
            for (gw, xk) in gw1.iter_mut().zip(xi) {
                *gw += dz * xk;
            }
        }
    }
    model.sgd(&grad, LEARNING_RATE);
    Ok(loss)
}

/// Average ranks (1-based; tied values share the mean of their positions).
fn average_ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut ranks = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && x[order[j]] == x[order[i]] {
            j += 1;
        }
        let rank = (i + j + 1) as f64 / 2.0; // mean of positions i+1 ..= j
        for &k in &order[i..j] {
            ranks[k] = rank;
        }
        i = j;
    }
    ranks
}

/// Pearson correlation (0 when either side is constant).
fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    if saa == 0.0 || sbb == 0.0 {
        0.0
    } else {
        sab / (saa * sbb).sqrt()
    }
}

/// Exact Spearman rank correlation, ties averaged.
fn spearman(a: &[f64], b: &[f64]) -> f64 {
    pearson(&average_ranks(a), &average_ranks(b))
}

/// Held-out exact Spearman correlation and mean squared error.
fn evaluate(model: &Mlp, x: &[[f32; FEATURES]], y: &[f32]) -> (f64, f64) {
    let pred: Vec<f64> = x.iter().map(|xi| f64::from(model.predict(xi))).collect();
    let truth: Vec<f64> = y.iter().map(|&v| f64::from(v)).collect();
    let mse = pred
        .iter()
        .zip(&truth)
        .map(|(p, t)| (p - t) * (p - t))
        .sum::<f64>()
        / pred.len() as f64;
    (spearman(&pred, &truth), mse)
}

/// One model in training, with its loss and statistics.
struct Run {
    name: &'static str,
    objective: Objective,
    model: Mlp,
    ws: Workspace<f32, BATCH>,
    /// Sum of the batch losses of the current epoch.
    epoch_loss: f64,
    /// Sum over all steps of the fraction of non-negligible gradient entries.
    active: f64,
    /// Duration of every training step, in nanoseconds.
    step_ns: Vec<u64>,
}

/// The share of `g`'s entries with magnitude at least 1 % of its largest.
fn active_share(g: &[f32]) -> f64 {
    let max = g.iter().fold(0.0_f32, |m, v| m.max(v.abs()));
    let n = g
        .iter()
        .filter(|v| max > 0.0 && v.abs() >= 0.01 * max)
        .count();
    n as f64 / g.len() as f64
}

fn median(v: &mut [u64]) -> f64 {
    v.sort_unstable();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (raw_x, raw_y) = parse(CSV)?;
    let mut rng = Rng(SEED);

    // Deterministic split, then standardisation with training statistics.
    let mut rows: Vec<usize> = (0..ROWS).collect();
    rng.shuffle(&mut rows);
    let (train_rows, test_rows) = rows.split_at(TRAIN);
    let mut x_train = [[0.0_f32; FEATURES]; TRAIN];
    let mut y_train = [0.0_f32; TRAIN];
    let mut x_test = [[0.0_f32; FEATURES]; TEST];
    let mut y_test = [0.0_f32; TEST];
    for f in 0..FEATURES {
        let (m, s) = mean_std(train_rows.iter().map(|&r| raw_x[r][f]));
        for (dst, &r) in x_train.iter_mut().zip(train_rows) {
            dst[f] = ((raw_x[r][f] - m) / s) as f32;
        }
        for (dst, &r) in x_test.iter_mut().zip(test_rows) {
            dst[f] = ((raw_x[r][f] - m) / s) as f32;
        }
    }
    let (ym, ys) = mean_std(train_rows.iter().map(|&r| raw_y[r]));
    for (dst, &r) in y_train.iter_mut().zip(train_rows) {
        *dst = ((raw_y[r] - ym) / ys) as f32;
    }
    for (dst, &r) in y_test.iter_mut().zip(test_rows) {
        *dst = ((raw_y[r] - ym) / ys) as f32;
    }

    // Same initial weights for every run.
    let init = Mlp::init(&mut rng);
    let steps = EPOCHS * (TRAIN / BATCH);
    let new_run = |name, objective| Run {
        name,
        objective,
        model: init.clone(),
        ws: Workspace::new(),
        epoch_loss: 0.0,
        active: 0.0,
        step_ns: Vec::with_capacity(steps),
    };
    let mut runs = [
        new_run(
            "mse",
            Objective::Combined(CombinedLoss::new(1.0, 0.0, 1e-3)?),
        ),
        new_run(
            "spearman",
            Objective::Spearman(SpearmanCorrelation::default()),
        ),
        new_run("combined", Objective::Combined(CombinedLoss::default())),
        new_run(
            "spearman tau=0.1",
            Objective::Spearman(SpearmanCorrelation::new(0.1)?),
        ),
    ];

    println!(
        "diabetes: {ROWS} patients, {FEATURES} features, {TRAIN} train / {TEST} held-out rows; \
         MLP {FEATURES}-{HIDDEN}-1 (tanh); SGD lr {LEARNING_RATE}, batch {BATCH}, {EPOCHS} epochs"
    );
    let (rho0, _) = evaluate(&init, &x_test, &y_test);
    println!("held-out Spearman of the initial weights: {rho0:.4}\n");
    print!("epoch");
    for run in &runs {
        print!(" | {:>16}", run.name);
    }
    print!("\n     ");
    for _ in &runs {
        print!(" | {:>7} {:>8}", "loss", "rho");
    }
    println!();

    let mut order: Vec<usize> = (0..TRAIN).collect();
    let mut xb = [[0.0_f32; FEATURES]; BATCH];
    let mut yb = [0.0_f32; BATCH];
    let mut dpred = [0.0_f32; BATCH];
    for epoch in 1..=EPOCHS {
        // One batch order per epoch, shared by all runs.
        rng.shuffle(&mut order);
        for run in &mut runs {
            run.epoch_loss = 0.0;
        }
        for batch in order.chunks_exact(BATCH) {
            for ((xd, yd), &r) in xb.iter_mut().zip(&mut yb).zip(batch) {
                *xd = x_train[r];
                *yd = y_train[r];
            }
            for run in &mut runs {
                let start = Instant::now();
                let loss = train_step(
                    &mut run.model,
                    &run.objective,
                    &mut run.ws,
                    &xb,
                    &yb,
                    &mut dpred,
                )?;
                run.step_ns.push(start.elapsed().as_nanos() as u64);
                run.epoch_loss += f64::from(loss);
                run.active += active_share(&dpred);
            }
        }
        print!("{epoch:>5}");
        for run in &runs {
            let (rho, _) = evaluate(&run.model, &x_test, &y_test);
            let loss = run.epoch_loss / (TRAIN / BATCH) as f64;
            print!(" | {loss:>7.4} {rho:>8.4}");
        }
        println!();
    }

    println!(
        "\n{:<17} {:>9} {:>9} {:>8} {:>12} {:>8}",
        "run", "Spearman", "MSE", "pred sd", "active grad", "step µs"
    );
    for run in &mut runs {
        let (rho, mse) = evaluate(&run.model, &x_test, &y_test);
        let pred = x_test.iter().map(|x| f64::from(run.model.predict(x)));
        let (_, sd) = mean_std(pred);
        let active = 100.0 * run.active / steps as f64;
        let us = median(&mut run.step_ns) / 1e3;
        println!(
            "{:<17} {rho:>9.4} {mse:>9.4} {sd:>8.3} {active:>11.0}% {us:>8.2}",
            run.name
        );
    }
    let (_, sd_test) = mean_std(y_test.iter().map(|&v| f64::from(v)));
    let mse_mean = y_test.iter().map(|&v| f64::from(v * v)).sum::<f64>() / TEST as f64;
    println!(
        "
Spearman: exact rank correlation (average ranks for ties) of predictions and
  targets on the {TEST} held-out rows; with so few rows, differences of a few
  hundredths between runs are within the noise of the split.
MSE: held-out mean squared error on the standardised target (predicting the
  training mean gives {mse_mean:.4}). pred sd: standard deviation of the held-out
  predictions (targets: {sd_test:.3}).
  A pure Spearman loss sees only the order of the predictions, not their shift
  or scale, so the Spearman runs' MSE is poor by construction: expected, not a bug.
active grad: mean share of the {BATCH} entries of dLoss/dprediction that are at
  least 1 % of the largest one. With tau = 1e-3 the soft ranks of predictions
  spread over about one unit are almost hard ranks: only near-tied pairs get a
  gradient, so the pure Spearman run learns from a few entries per batch.
step µs: median over {steps} steps of forward + loss_and_grad + backprop +
  SGD update, for one batch of {BATCH}."
    );
    Ok(())
}
