//! Shared helpers of the integration tests: a seeded generator and an
//! independent textbook implementation of the reference math (every ordered
//! pair, `f64`), written from DESIGN's formulas and not from the crate.
#![allow(dead_code)]

/// SplitMix64: a tiny deterministic generator.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
    pub fn normals(&mut self, n: usize, scale: f64) -> Vec<f64> {
        (0..n).map(|_| scale * self.normal()).collect()
    }
}

/// `sigmoid(z)`, stable.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `sigmoid'(z)`.
pub fn sigmoid_prime(z: f64) -> f64 {
    let e = (-z.abs()).exp();
    e / ((1.0 + e) * (1.0 + e))
}

/// Centred soft ranks: `soft_ranks` minus the exact mean `n/2`.
pub fn centred_ranks(x: &[f64], tau: f64) -> Vec<f64> {
    let half_n = x.len() as f64 / 2.0;
    soft_ranks(x, tau).iter().map(|r| r - half_n).collect()
}

/// Textbook soft ranks `r_i = sum_j sigmoid((x_i - x_j) / tau)`.
pub fn soft_ranks(x: &[f64], tau: f64) -> Vec<f64> {
    x.iter()
        .map(|&xi| x.iter().map(|&xj| sigmoid((xi - xj) / tau)).sum())
        .collect()
}

/// `dL/db`, the loss's gradient with respect to the soft ranks of `p`.
pub fn rank_gradient(t: &[f64], p: &[f64], tau: f64) -> Vec<f64> {
    spearman_parts(t, p, tau).1
}

/// Textbook `SpearmanCorrelation` value and gradient (reference semantics
/// with exact means).
pub fn spearman(t: &[f64], p: &[f64], tau: f64) -> (f64, Vec<f64>) {
    let n = t.len();
    let (v, g) = spearman_parts(t, p, tau);
    debug_assert_eq!(g.len(), n);
    (v, spearman_grad_through_ranks(p, &g, tau))
}

/// `(-rho, dL/db)` by the textbook formulas.
fn spearman_parts(t: &[f64], p: &[f64], tau: f64) -> (f64, Vec<f64>) {
    let n = t.len();
    let mean = |r: &[f64]| r.iter().sum::<f64>() / n as f64;
    let rt = soft_ranks(t, tau);
    let rp = soft_ranks(p, tau);
    let (mt, mp) = (mean(&rt), mean(&rp));
    let a: Vec<f64> = rt.iter().map(|r| r - mt).collect();
    let b: Vec<f64> = rp.iter().map(|r| r - mp).collect();
    let saa: f64 = a.iter().map(|x| x * x).sum();
    let sbb: f64 = b.iter().map(|x| x * x).sum();
    let sab: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
    let d = (saa * sbb + 1e-7).sqrt();
    let rho = sab / d;
    // dL/db_i, L = -rho
    let g: Vec<f64> = (0..n)
        .map(|i| -(a[i] / d - sab * saa * b[i] / (d * d * d)))
        .collect();
    (-rho, g)
}

/// `g_k = (1/tau) sum_j s'(d_kj) (G_k - G_j)`.
fn spearman_grad_through_ranks(p: &[f64], g: &[f64], tau: f64) -> Vec<f64> {
    let n = p.len();
    (0..n)
        .map(|k| {
            (0..n)
                .map(|j| {
                    let s = sigmoid((p[k] - p[j]) / tau);
                    s * (1.0 - s) * (g[k] - g[j])
                })
                .sum::<f64>()
                / tau
        })
        .collect()
}

/// Textbook `CombinedLoss` value and gradient.
pub fn combined(t: &[f64], p: &[f64], wm: f64, ws: f64, tau: f64) -> (f64, Vec<f64>) {
    let n = t.len() as f64;
    let (sv, sg) = spearman(t, p, tau);
    let mse = p.iter().zip(t).map(|(p, t)| (p - t).powi(2)).sum::<f64>() / n;
    let grad = sg
        .iter()
        .zip(p.iter().zip(t))
        .map(|(g, (p, t))| ws * g + wm * 2.0 * (p - t) / n)
        .collect();
    (wm * mse + ws * sv, grad)
}

/// `max_k |x_k|`.
pub fn max_abs(x: &[f64]) -> f64 {
    x.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// Exact Spearman rank correlation with average ranks for ties.
pub fn exact_spearman(x: &[f64], y: &[f64]) -> f64 {
    fn ranks(v: &[f64]) -> Vec<f64> {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
        let mut r = vec![0.0; v.len()];
        let mut i = 0;
        while i < idx.len() {
            let mut j = i;
            while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
                j += 1;
            }
            let avg = (i + j) as f64 / 2.0 + 1.0;
            for k in &idx[i..=j] {
                r[*k] = avg;
            }
            i = j + 1;
        }
        r
    }
    let (rx, ry) = (ranks(x), ranks(y));
    let n = x.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let sxy: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = rx.iter().map(|a| (a - mx).powi(2)).sum();
    let syy: f64 = ry.iter().map(|b| (b - my).powi(2)).sum();
    sxy / (sxx * syy).sqrt()
}
