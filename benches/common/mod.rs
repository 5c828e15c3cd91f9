//! Shared by `benches/losses.rs` and `examples/bench_table.rs`: the data
//! generator, the `O(n^2)` textbook baseline, the `rankit` workload and a
//! heap-allocated workspace.
//!
//! # The baselines
//!
//! - **`O(n^2)` textbook** ([`Baseline`]): DESIGN's formulas as written,
//!   in the benchmarked float type: soft ranks of `y_true` and `y_pred` by
//!   the double loop over every ordered pair (`j = i` included) with the
//!   stable sigmoid, Pearson with the Keras epsilon, then
//!   `g_k = (1/tau) sum_j s'((p_k - p_j)/tau) (G_k - G_j)` by a second
//!   double loop. `3 n^2` exponentials per call, `O(n)` memory (no `n x n`
//!   matrix), buffers allocated once outside the timed region.
//! - **`rankit` 0.1.8** ([`rankit_loss_and_grad`], `f64` only): its
//!   sigmoid soft rank `rankit::soft_rank` for both vectors and
//!   `rankit::spearman_loss_gradient`, plus the correlation from the two
//!   rank vectors (`O(n)`, so the value is comparable). Verified in its
//!   source (`src/rank.rs`, `src/gradients/mod.rs`): its
//!   `regularization_strength` multiplies the difference,
//!   `sigmoid(alpha (x_i - x_j))`, so `alpha = 1 / tau` is the same
//!   workload. Semantic differences, none of which changes the cost class:
//!   its ranks skip `j = i` and are rescaled by `(n - 1) / #finite` (a
//!   constant shift of `1/2` for finite input: the same centred ranks); its
//!   loss is `1 - rho` (same gradient as `-rho`), without the Keras epsilon
//!   (and a zero gradient when `sqrt(Saa Sbb) < 1e-8`); its sigmoid clamps
//!   at `|alpha d| > 500`; and its gradient builds the full `n x n`
//!   Jacobian as `Vec<Vec<f64>>` (`8 n^2` bytes: 134 MB at `n = 4096`,
//!   34 GB at `n = 65536`, which is why it is not run there), then a
//!   matrix-vector product. Every call allocates.
#![allow(dead_code)]

use rankloss::{Real, Workspace};

/// SplitMix64 with Box-Muller normals: fixed seeds, reproducible data.
pub struct Rng(u64);

impl Rng {
    /// A generator with this seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `[0, 1)`.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * core::f64::consts::PI * u2).cos()
    }
}

/// `(y_true, y_pred)`: `n` independent standard normals each, seeded by `n`.
pub fn data<T: Real>(n: usize) -> (Vec<T>, Vec<T>) {
    let mut rng = Rng::new(0x5EED ^ n as u64);
    let t = (0..n).map(|_| T::from_f64(rng.normal())).collect();
    let p = (0..n).map(|_| T::from_f64(rng.normal())).collect();
    (t, p)
}

/// A `Workspace<T, N>` on the heap, built on a thread with a stack large
/// enough to hold it in case `Box::new` builds it on the stack first.
pub fn boxed_workspace<T: Real, const N: usize>() -> Box<Workspace<T, N>> {
    std::thread::Builder::new()
        .stack_size(2 * Workspace::<T, N>::BYTES + (1 << 20))
        .spawn(|| Box::new(Workspace::<T, N>::new()))
        .expect("spawn")
        .join()
        .expect("join")
}

/// The `O(n^2)` textbook implementation (see the module docs), with its
/// buffers.
pub struct Baseline<T> {
    a: Vec<T>,
    b: Vec<T>,
    g: Vec<T>,
}

impl<T: Real> Baseline<T> {
    /// Buffers for inputs of up to `n` values.
    pub fn new(n: usize) -> Self {
        Baseline {
            a: Vec::with_capacity(n),
            b: Vec::with_capacity(n),
            g: Vec::with_capacity(n),
        }
    }

    fn sigmoid(z: T) -> T {
        if z >= T::zero() {
            T::one() / (T::one() + (-z).exp())
        } else {
            let e = z.exp();
            e / (T::one() + e)
        }
    }

    fn sigmoid_prime(z: T) -> T {
        let e = (-z.abs()).exp();
        e / ((T::one() + e) * (T::one() + e))
    }

    /// Centred soft ranks of `x` into `out` (only the first `rows`, the
    /// others 0: see [`Baseline::spearman_rows`]).
    fn ranks(x: &[T], tau: T, out: &mut Vec<T>, rows: usize) {
        out.clear();
        out.extend(x.iter().take(rows).map(|&xi| {
            x.iter()
                .fold(T::zero(), |s, &xj| s + Self::sigmoid((xi - xj) / tau))
        }));
        out.resize(x.len(), T::zero());
        let mean = out.iter().fold(T::zero(), |s, &r| s + r) / T::from_usize(x.len());
        out.iter_mut().for_each(|r| *r = *r - mean);
    }

    /// `SpearmanCorrelation`: `-rho`, gradient into `grad`.
    pub fn spearman(&mut self, t: &[T], p: &[T], tau: T, grad: &mut [T]) -> T {
        self.spearman_rows(t, p, tau, grad, t.len())
    }

    /// [`Baseline::spearman`] evaluating only the first `rows` rows of each
    /// of its three double loops (the other entries are 0, the result is
    /// meaningless): every row costs the same `n` sigmoids, so
    /// `time * n / rows` estimates the full call where it would take
    /// minutes.
    pub fn spearman_rows(&mut self, t: &[T], p: &[T], tau: T, grad: &mut [T], rows: usize) -> T {
        Self::ranks(t, tau, &mut self.a, rows);
        Self::ranks(p, tau, &mut self.b, rows);
        let (a, b) = (&self.a, &self.b);
        let dot = |x: &[T], y: &[T]| x.iter().zip(y).fold(T::zero(), |s, (&u, &v)| s + u * v);
        let (saa, sbb, sab) = (dot(a, a), dot(b, b), dot(a, b));
        let d = (saa * sbb + T::from_f64(1e-7)).sqrt();
        let rho = sab / d;
        self.g.clear();
        self.g.extend(
            a.iter()
                .zip(b)
                .map(|(&ai, &bi)| -(ai / d - sab * saa * bi / (d * d * d))),
        );
        let g = &self.g;
        grad.iter_mut().skip(rows).for_each(|gk| *gk = T::zero());
        for (k, gk) in grad.iter_mut().enumerate().take(rows) {
            let s = p.iter().zip(g).fold(T::zero(), |s, (&pj, &gj)| {
                s + Self::sigmoid_prime((p[k] - pj) / tau) * (g[k] - gj)
            });
            *gk = s / tau;
        }
        -rho
    }

    /// `CombinedLoss(mse_w, sp_w, tau)`: value, gradient into `grad`.
    pub fn combined(&mut self, t: &[T], p: &[T], mse_w: T, sp_w: T, tau: T, grad: &mut [T]) -> T {
        let sp = self.spearman(t, p, tau, grad);
        let n = T::from_usize(p.len());
        let two = T::one() + T::one();
        let mut mse = T::zero();
        for ((g, &pk), &tk) in grad.iter_mut().zip(p).zip(t) {
            mse = mse + (pk - tk) * (pk - tk);
            *g = sp_w * *g + mse_w * two * (pk - tk) / n;
        }
        mse_w * mse / n + sp_w * sp
    }
}

/// `rankit` 0.1.8's sigmoid soft ranks and Spearman gradient (see the
/// module docs): `(1 - rho, gradient)`, regularization `1 / tau`.
pub fn rankit_loss_and_grad(t: &[f64], p: &[f64], tau: f64) -> (f64, Vec<f64>) {
    let alpha = 1.0 / tau;
    let rt = rankit::soft_rank(t, alpha);
    let rp = rankit::soft_rank(p, alpha);
    let n = t.len() as f64;
    let (mt, mp) = (rt.iter().sum::<f64>() / n, rp.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (a, b) in rt.iter().zip(&rp) {
        sab += (a - mt) * (b - mp);
        saa += (a - mt) * (a - mt);
        sbb += (b - mp) * (b - mp);
    }
    let value = 1.0 - sab / (saa * sbb).sqrt();
    let grad = rankit::spearman_loss_gradient(p, t, &rp, &rt, alpha);
    (value, grad)
}
