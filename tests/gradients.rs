//! Analytic gradients against central finite differences (f64), both
//! losses, several `tau` and sizes, and against the textbook double loop.

mod common;

use common::{max_abs, Rng};
use rankloss::{CombinedLoss, Loss, SpearmanCorrelation, Workspace};

const TAUS: [f64; 4] = [1e-3, 1e-2, 1.0, 10.0];
const SIZES: [usize; 5] = [1, 2, 3, 17, 100];

/// Five-point central differences of `f` at `p`, step `h` (error `O(h^4)`).
fn finite_differences(p: &[f64], h: f64, mut f: impl FnMut(&[f64]) -> f64) -> Vec<f64> {
    let mut x = p.to_vec();
    (0..p.len())
        .map(|k| {
            let x0 = x[k];
            let mut at = |d: f64| {
                x[k] = x0 + d;
                let v = f(&x);
                x[k] = x0;
                v
            };
            (at(-2.0 * h) - 8.0 * at(-h) + 8.0 * at(h) - at(2.0 * h)) / (12.0 * h)
        })
        .collect()
}

/// `Saa * Sbb` of the centred soft ranks.
fn rank_product(t: &[f64], p: &[f64], tau: f64) -> f64 {
    let n = t.len() as f64;
    let ss = |x: &[f64]| -> f64 {
        common::soft_ranks(x, tau)
            .iter()
            .map(|r| (r - n / 2.0).powi(2))
            .sum()
    };
    ss(t) * ss(p)
}

/// Inputs whose spacing is comparable to `tau` (so that many pairs are
/// inside the sigmoid's active range) and inputs of unit spread. Draws
/// where `Saa * Sbb` is within 1e3 of the Keras epsilon are redrawn: there
/// the loss curves on a scale far below `tau` (the degenerate regime, tested
/// in closed form elsewhere) and finite differences of step ~`tau` mean
/// nothing.
fn inputs(rng: &mut Rng, n: usize, tau: f64) -> Vec<(Vec<f64>, Vec<f64>)> {
    let mut out = Vec::new();
    for scale in [tau * n as f64 / 4.0, 1.0] {
        loop {
            let t = rng.normals(n, scale);
            let p: Vec<f64> = t
                .iter()
                .map(|x| 0.6 * x + 0.8 * scale * rng.normal())
                .collect();
            if n == 1 || rank_product(&t, &p, tau) > 1e-4 {
                out.push((t, p));
                break;
            }
        }
    }
    out
}

fn check<L: Loss<f64>>(loss: &L, tau: f64, rng: &mut Rng, ws: &mut Workspace<f64, 128>) -> f64 {
    let mut worst: f64 = 0.0;
    for n in SIZES {
        for (t, p) in inputs(rng, n, tau) {
            let mut grad = vec![0.0; n];
            loss.loss_and_grad(&t, &p, &mut grad, ws)
                .expect("valid input");
            let mut ws2: Workspace<f64, 128> = Workspace::new();
            let h = tau * 1e-3;
            let fd = finite_differences(&p, h, |x| loss.loss(&t, x, &mut ws2).expect("valid"));
            let scale = max_abs(&fd).max(max_abs(&grad));
            for (k, (g, d)) in grad.iter().zip(&fd).enumerate() {
                let err = (g - d).abs();
                assert!(
                    err <= 1e-6 * scale + 1e-9,
                    "n={n} tau={tau} k={k}: analytic {g} vs finite difference {d} (scale {scale})"
                );
                if scale > 1e-6 {
                    worst = worst.max(err / scale);
                }
            }
        }
    }
    worst
}

#[test]
fn spearman_gradient_matches_finite_differences() {
    let mut rng = Rng::new(1);
    let mut ws: Workspace<f64, 128> = Workspace::new();
    for tau in TAUS {
        let sp = SpearmanCorrelation::new(tau).unwrap();
        let w = check(&sp, tau, &mut rng, &mut ws);
        println!("spearman tau={tau}: worst relative error {w:.2e}");
    }
}

#[test]
fn combined_gradient_matches_finite_differences() {
    let mut rng = Rng::new(2);
    let mut ws: Workspace<f64, 128> = Workspace::new();
    for tau in TAUS {
        for (wm, wsp) in [(2.0, 1.0), (0.5, 2.0), (0.0, 1.0), (1.0, 0.0)] {
            let cb = CombinedLoss::new(wm, wsp, tau).unwrap();
            let w = check(&cb, tau, &mut rng, &mut ws);
            println!("combined ({wm}, {wsp}) tau={tau}: worst relative error {w:.2e}");
        }
    }
}

#[test]
fn both_losses_match_the_textbook_double_loop() {
    let mut rng = Rng::new(3);
    let mut ws: Workspace<f64, 128> = Workspace::new();
    for tau in TAUS {
        for n in SIZES {
            for (t, p) in inputs(&mut rng, n, tau) {
                let (v_ref, g_ref) = common::combined(&t, &p, 2.0, 1.0, tau);
                let mut grad = vec![0.0; n];
                let cb = CombinedLoss::new(2.0, 1.0, tau).unwrap();
                let v = cb.loss_and_grad(&t, &p, &mut grad, &mut ws).unwrap();
                assert!(
                    (v - v_ref).abs() <= 1e-12 * (1.0 + v_ref.abs()),
                    "n={n} tau={tau}: {v} vs {v_ref}"
                );
                let scale = max_abs(&g_ref);
                for (g, r) in grad.iter().zip(&g_ref) {
                    assert!(
                        (g - r).abs() <= 1e-10 * scale + 1e-300,
                        "n={n} tau={tau}: {g} vs {r}"
                    );
                }
            }
        }
    }
}
