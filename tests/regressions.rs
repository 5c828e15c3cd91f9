//! Regression tests for the faults that soft-rank losses are known for:
//! exp overflow at small `tau`, invalid `tau`, wrong gradient lengths, SIMD
//! tails, overflowing differences, ties, f32 accuracy at large `n`, the
//! degenerate gradient of a constant prediction, and determinism.

mod common;

use rankloss::{
    Arg, CombinedLoss, Error, Kernel, Loss, Param, PreparedTarget, SpearmanCorrelation, Workspace,
};

const KERNELS: [Kernel; 3] = [Kernel::Auto, Kernel::Pairwise, Kernel::Windowed];

#[test]
fn tiny_tau_with_wide_gaps_is_finite_exact_and_flat() {
    // Gaps of 1 (f64) or 0.5 (f32) are thousands to 1e30 tau wide: every
    // sigmoid saturates, so the soft ranks are the hard ranks.
    let t: Vec<f64> = (0..9).map(f64::from).collect();
    let p: Vec<f64> = t.iter().map(|x| 3.0 * x - 2.0).collect();
    for tau in [1e-4, 1e-6, 1e-30] {
        for kernel in KERNELS {
            let sp = SpearmanCorrelation::new(tau).unwrap().with_kernel(kernel);
            let mut ws: Workspace<f64, 16> = Workspace::new();
            let mut g = [1.0; 9];
            let v = sp.loss_and_grad(&t, &p, &mut g, &mut ws).unwrap();
            // -1 up to the Keras epsilon: 1 - rho = 1e-7 / (2 Saa^2) = 1.4e-11.
            assert!((v + 1.0).abs() < 1e-10, "tau {tau}: {v}");
            assert!(g.iter().all(|x| *x == 0.0), "tau {tau}: {g:?}");
            let t32: Vec<f32> = t.iter().map(|&x| x as f32 * 0.5).collect();
            let p32: Vec<f32> = p.iter().map(|&x| x as f32).collect();
            let sp32 = SpearmanCorrelation::new(tau as f32)
                .unwrap()
                .with_kernel(kernel);
            let mut ws32: Workspace<f32, 16> = Workspace::new();
            let mut g32 = [1.0f32; 9];
            let v32 = sp32.loss_and_grad(&t32, &p32, &mut g32, &mut ws32).unwrap();
            assert!((v32 + 1.0).abs() < 1e-6, "tau {tau}: {v32}");
            assert!(g32.iter().all(|x| *x == 0.0));
        }
    }
}

#[test]
fn zero_negative_nan_and_infinite_tau_are_rejected_by_name() {
    let err = Some(Error::InvalidParameter {
        param: Param::RegularizationStrength,
    });
    for tau in [0.0, -0.0, -1e-3, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(SpearmanCorrelation::new(tau).err(), err);
        assert_eq!(CombinedLoss::new(2.0, 1.0, tau).err(), err);
    }
    // Subnormal and huge tau are valid.
    assert!(SpearmanCorrelation::new(1e-310_f64).is_ok());
    assert!(SpearmanCorrelation::new(f32::MAX).is_ok());
}

#[test]
fn gradient_buffer_of_the_wrong_length_is_an_error() {
    let t = [0.1f32, 0.5, 0.2, 0.9];
    let mut ws: Workspace<f32, 8> = Workspace::new();
    for len in [0, 3, 5, 8] {
        let mut g = vec![7.0f32; len];
        let want = Err(Error::LengthMismatch {
            arg: Arg::Grad,
            expected: 4,
            found: len,
        });
        assert_eq!(
            SpearmanCorrelation::<f32>::default().loss_and_grad(&t, &t, &mut g, &mut ws),
            want
        );
        assert_eq!(
            CombinedLoss::<f32>::default().loss_and_grad(&t, &t, &mut g, &mut ws),
            want
        );
        assert!(g.iter().all(|x| *x == 7.0), "untouched on a length error");
    }
}

#[cfg(feature = "std")]
#[test]
fn simd_equals_scalar_for_lengths_off_the_lane_width() {
    let mut rng = common::Rng::new(11);
    for n in [1usize, 2, 3, 5, 7, 9, 15, 17] {
        for tau in [1e-3, 0.1, 10.0] {
            let t = rng.normals(n, 1.0);
            let p = rng.normals(n, 1.0);
            let t32: Vec<f32> = t.iter().map(|&x| x as f32).collect();
            let p32: Vec<f32> = p.iter().map(|&x| x as f32).collect();
            for kernel in KERNELS {
                let simd = CombinedLoss::new(2.0, 1.0, tau)
                    .unwrap()
                    .with_kernel(kernel);
                let scalar = simd.with_simd(false);
                let mut ws: Workspace<f64, 32> = Workspace::new();
                let (mut g1, mut g2) = (vec![0.0; n], vec![0.0; n]);
                let v1 = simd.loss_and_grad(&t, &p, &mut g1, &mut ws).unwrap();
                let v2 = scalar.loss_and_grad(&t, &p, &mut g2, &mut ws).unwrap();
                let scale = common::max_abs(&g2) + 1.0;
                assert!((v1 - v2).abs() <= 1e-13, "n={n} tau={tau}: {v1} vs {v2}");
                for (a, b) in g1.iter().zip(&g2) {
                    assert!(
                        (a - b).abs() <= 1e-12 * scale,
                        "n={n} tau={tau}: {a} vs {b}"
                    );
                }
                let simd32 = CombinedLoss::new(2.0, 1.0, tau as f32)
                    .unwrap()
                    .with_kernel(kernel);
                let mut ws32: Workspace<f32, 32> = Workspace::new();
                let (mut h1, mut h2) = (vec![0.0f32; n], vec![0.0f32; n]);
                let w1 = simd32
                    .loss_and_grad(&t32, &p32, &mut h1, &mut ws32)
                    .unwrap();
                let w2 = simd32
                    .with_simd(false)
                    .loss_and_grad(&t32, &p32, &mut h2, &mut ws32)
                    .unwrap();
                let scale = h2.iter().fold(1.0f32, |m, x| m.max(x.abs()));
                assert!((w1 - w2).abs() <= 1e-5, "n={n} tau={tau}: {w1} vs {w2}");
                for (a, b) in h1.iter().zip(&h2) {
                    assert!((a - b).abs() <= 1e-5 * scale, "n={n} tau={tau}: {a} vs {b}");
                }
            }
        }
    }
}

#[test]
fn overflowing_differences_never_give_nan() {
    // |x| near MAX/2: differences overflow to +-inf, the sigmoid saturates.
    let big = f32::MAX / 2.0;
    let t = [big, -big, 0.0, big * 0.5];
    let p = [big * 0.9, -big, 1.0, big * 0.25];
    let mut ws: Workspace<f32, 4> = Workspace::new();
    let mut g = [0.0f32; 4];
    for kernel in KERNELS {
        let sp = SpearmanCorrelation::<f32>::default().with_kernel(kernel);
        // Same order: hard ranks, correlation 1, flat gradient.
        assert_eq!(sp.loss_and_grad(&t, &p, &mut g, &mut ws), Ok(-1.0));
        assert_eq!(g, [0.0; 4]);
        // The MSE part of CombinedLoss legitimately overflows f32:
        // documented as Error::Overflow, with the gradient zeroed.
        let reversed = [-big * 0.9, big, -1.0, -big * 0.25];
        let cb = CombinedLoss::<f32>::default().with_kernel(kernel);
        g = [9.0; 4];
        assert_eq!(
            cb.loss_and_grad(&t, &reversed, &mut g, &mut ws),
            Err(Error::Overflow)
        );
        assert_eq!(g, [0.0; 4]);
        assert_eq!(cb.loss(&t, &reversed, &mut ws), Err(Error::Overflow));
        // Without an MSE weight nothing overflows.
        let sp_only = CombinedLoss::new(0.0, 1.0, 1e-3)
            .unwrap()
            .with_kernel(kernel);
        assert_eq!(
            sp_only.loss_and_grad(&t, &reversed, &mut g, &mut ws),
            Ok(1.0)
        );
    }
}

#[test]
fn tied_values_get_equal_soft_ranks_and_the_tie_corrected_correlation() {
    // y_pred = [1,1,1,1,2] vs y_true = [5,4,3,2,1]: the average-rank
    // Spearman correlation is -1/sqrt(2), so the loss tends to +0.7071.
    let t = [5.0, 4.0, 3.0, 2.0, 1.0];
    let p = [1.0, 1.0, 1.0, 1.0, 2.0];
    let exact = common::exact_spearman(&t, &p);
    assert!((exact + std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-12);
    let mut ws: Workspace<f64, 8> = Workspace::new();
    let mut g = [0.0; 5];
    for kernel in KERNELS {
        let sp = SpearmanCorrelation::new(1e-3).unwrap().with_kernel(kernel);
        let v = sp.loss_and_grad(&t, &p, &mut g, &mut ws).unwrap();
        assert!((v + exact).abs() < 1e-9, "{v}");
        // Tied predictions get bit-equal soft ranks, so permuting the
        // targets within the tied block changes nothing.
        let q = [1.0, 1.0, 1.0, 1.0, 2.0];
        let swapped_t = [2.0, 3.0, 4.0, 5.0, 1.0];
        assert_eq!(sp.loss(&swapped_t, &q, &mut ws), Ok(v));
    }
}

#[test]
fn f32_stays_close_to_f64_at_n_4096() {
    const N: usize = 4096;
    let mut ws32: Box<Workspace<f32, N>> = Box::default();
    let mut ws64: Box<Workspace<f64, N>> = Box::default();
    let mut rng = common::Rng::new(4096);
    for tau in [1e-3, 1e-1, 10.0] {
        let t: Vec<f32> = rng.normals(N, 1.0).iter().map(|&x| x as f32).collect();
        let p: Vec<f32> = t
            .iter()
            .map(|&x| 0.6 * x + 0.8 * rng.normal() as f32)
            .collect();
        let (t64, p64): (Vec<f64>, Vec<f64>) = (
            t.iter().map(|&x| x.into()).collect(),
            p.iter().map(|&x| x.into()).collect(),
        );
        let (mut g32, mut g64) = (vec![0.0f32; N], vec![0.0f64; N]);
        let sp32 = SpearmanCorrelation::new(tau as f32).unwrap();
        let sp64 = SpearmanCorrelation::new(tau).unwrap();
        let v32 = sp32.loss_and_grad(&t, &p, &mut g32, &mut ws32).unwrap();
        let v64 = sp64.loss_and_grad(&t64, &p64, &mut g64, &mut ws64).unwrap();
        let dv = (f64::from(v32) - v64).abs();
        let gmax = common::max_abs(&g64);
        let dg = g32
            .iter()
            .zip(&g64)
            .map(|(a, b)| (f64::from(*a) - b).abs())
            .fold(0.0, f64::max)
            / gmax;
        println!("n={N} tau={tau}: |dv| = {dv:.2e}, max|dg|/max|g| = {dg:.2e}");
        assert!(dv <= 1e-5, "tau {tau}: value {v32} vs {v64}");
        assert!(dg <= 1e-3, "tau {tau}: gradient relative error {dg}");
    }
}

#[test]
fn degenerate_gradient_guard_is_opt_in() {
    // Constant predictions, n = 4, tau = 1e-3: the reference's gradient
    // explodes to about 5e6.
    let t = [0.3f64, -1.0, 2.0, 0.7];
    let p = [0.25f64; 4];
    let mut ws: Workspace<f64, 4> = Workspace::new();
    let mut g = [0.0; 4];
    let reference = SpearmanCorrelation::new(1e-3).unwrap();
    assert_eq!(reference.loss_and_grad(&t, &p, &mut g, &mut ws), Ok(-0.0));
    let big = common::max_abs(&g);
    assert!(big > 1e6 && big < 1e7, "reference behaviour kept: {big}");
    // Closed form: g_k = -n A_k / (4 tau sqrt(eps)).
    let a: Vec<f64> = common::soft_ranks(&t, 1e-3)
        .iter()
        .map(|r| r - 2.0)
        .collect();
    for (gk, ak) in g.iter().zip(&a) {
        let want = -4.0 * ak / (4.0 * 1e-3 * 1e-7f64.sqrt());
        assert!((gk - want).abs() <= 1e-9 * want.abs());
    }
    let guarded = reference.with_degenerate_guard(1e-3).unwrap();
    assert_eq!(guarded.loss_and_grad(&t, &p, &mut g, &mut ws), Ok(-0.0));
    assert_eq!(g, [0.0; 4]);
    // Near-constant predictions: still bounded with the guard.
    let near = [0.25, 0.25 + 1e-9, 0.25 - 1e-9, 0.25];
    reference.loss_and_grad(&t, &near, &mut g, &mut ws).unwrap();
    assert!(common::max_abs(&g) > 1e5);
    guarded.loss_and_grad(&t, &near, &mut g, &mut ws).unwrap();
    assert!(common::max_abs(&g) == 0.0);
    // Combined: only the MSE term moves a constant prediction.
    let cb = CombinedLoss::new(2.0, 1.0, 1e-3)
        .unwrap()
        .with_degenerate_guard(1e-3)
        .unwrap();
    let v = cb.loss_and_grad(&t, &p, &mut g, &mut ws).unwrap();
    let (mse_v, mse_g) = common::combined(&t, &p, 2.0, 0.0, 1e-3);
    assert!((v - mse_v).abs() < 1e-12);
    for (a, b) in g.iter().zip(&mse_g) {
        assert!((a - b).abs() < 1e-12);
    }
    // Away from the degenerate regime the guard changes nothing.
    let q = [0.1, -0.5, 1.5, 0.2];
    let (mut g1, mut g2) = ([0.0; 4], [0.0; 4]);
    let v1 = reference.loss_and_grad(&t, &q, &mut g1, &mut ws);
    let v2 = guarded.loss_and_grad(&t, &q, &mut g2, &mut ws);
    assert_eq!((v1, g1), (v2, g2));
}

#[test]
fn results_are_bit_identical_across_calls_and_dirty_workspaces() {
    let mut rng = common::Rng::new(5);
    let big_t: Vec<f32> = rng.normals(200, 1.0).iter().map(|&x| x as f32).collect();
    let big_p: Vec<f32> = rng.normals(200, 1.0).iter().map(|&x| x as f32).collect();
    let t: Vec<f32> = rng.normals(37, 1.0).iter().map(|&x| x as f32).collect();
    let p: Vec<f32> = rng.normals(37, 0.01).iter().map(|&x| x as f32).collect();
    for tau in [1e-3f32, 1e-1, 10.0] {
        for kernel in KERNELS {
            let cb = CombinedLoss::new(2.0, 1.0, tau)
                .unwrap()
                .with_kernel(kernel);
            let mut fresh: Workspace<f32, 256> = Workspace::new();
            let mut g0 = vec![0.0f32; 37];
            let v0 = cb.loss_and_grad(&t, &p, &mut g0, &mut fresh).unwrap();
            // A dirty workspace from a larger call, then the same call again.
            let mut dirty: Workspace<f32, 256> = Workspace::new();
            let mut gb = vec![0.0f32; 200];
            cb.loss_and_grad(&big_t, &big_p, &mut gb, &mut dirty)
                .unwrap();
            for _ in 0..3 {
                let mut g = vec![0.0f32; 37];
                let v = cb.loss_and_grad(&t, &p, &mut g, &mut dirty).unwrap();
                assert_eq!(v.to_bits(), v0.to_bits());
                assert!(g.iter().zip(&g0).all(|(a, b)| a.to_bits() == b.to_bits()));
                assert_eq!(
                    cb.loss(&t, &p, &mut dirty).map(f32::to_bits),
                    Ok(v0.to_bits())
                );
            }
            // Prepared targets give the identical numbers.
            let mut target: PreparedTarget<f32, 64> = PreparedTarget::new();
            cb.prepare(&t, &mut target, &mut dirty).unwrap();
            let mut g = vec![0.0f32; 37];
            let v = cb
                .loss_and_grad_prepared(&target, &p, &mut g, &mut dirty)
                .unwrap();
            assert_eq!(v.to_bits(), v0.to_bits());
            assert!(g.iter().zip(&g0).all(|(a, b)| a.to_bits() == b.to_bits()));
        }
    }
}

#[test]
fn mse_overflows_only_when_the_result_does() {
    // The squares sum past f32::MAX (4 * 2.25e38) but the weighted mean fits.
    let t = [0.0f32; 4];
    let p = [1.5e19f32, -1.5e19, 1.5e19, -1.5e19];
    let mut ws: Workspace<f32, 4> = Workspace::new();
    for (w, want) in [(1e-10f32, 2.25e28f64), (1.0, 2.25e38)] {
        let cb = CombinedLoss::new(w, 0.0, 1e-3).unwrap();
        let v = cb.loss(&t, &p, &mut ws).unwrap();
        assert!((f64::from(v) / want - 1.0).abs() < 1e-6, "w {w}: {v}");
        let mut g = [0.0f32; 4];
        assert_eq!(cb.loss_and_grad(&t, &p, &mut g, &mut ws), Ok(v));
        assert!((f64::from(g[0]) / (f64::from(w) * 2.0 * 1.5e19 / 4.0) - 1.0).abs() < 1e-6);
    }
    // f64: squares beyond f64::MAX individually, result ~1e278.
    let p64 = [1e154f64, -1e154, 1e154, -1e154];
    let cb = CombinedLoss::new(1e-30f64, 0.0, 1e-3).unwrap();
    let mut ws64: Workspace<f64, 4> = Workspace::new();
    let v = cb.loss(&[0.0; 4], &p64, &mut ws64).unwrap();
    assert!((v / 1e278 - 1.0).abs() < 1e-12, "{v}");
    // A result beyond the type is still Error::Overflow.
    let cb = CombinedLoss::new(10.0f32, 0.0, 1e-3).unwrap();
    assert_eq!(cb.loss(&t, &p, &mut ws), Err(Error::Overflow));
}

#[test]
fn huge_tau_with_overflowing_differences_keeps_the_exact_math() {
    // x_i - x_j overflows, but (x_i - x_j) / tau is about 1: the pairs are not
    // saturated. The textbook math on x / tau (exact here) is the reference.
    let m = f64::MAX;
    let t = [m, -m, 0.0, m / 2.0];
    let p = [m / 2.0, -m / 2.0, m / 4.0, 0.0];
    let scaled = |x: &[f64]| x.iter().map(|v| v / m).collect::<Vec<_>>();
    let (v_ref, g_ref) = common::spearman(&scaled(&t), &scaled(&p), 1.0);
    for kernel in KERNELS {
        let sp = SpearmanCorrelation::new(m).unwrap().with_kernel(kernel);
        let mut ws: Workspace<f64, 4> = Workspace::new();
        let mut g = [0.0; 4];
        let v = sp.loss_and_grad(&t, &p, &mut g, &mut ws).unwrap();
        assert!((v - v_ref).abs() < 1e-12, "{kernel:?}: {v} vs {v_ref}");
        // dL/dx = (1/tau) dL/d(x/tau): scaled back, it is the textbook gradient.
        for (a, b) in g.iter().zip(&g_ref) {
            assert!(
                (a * m - b).abs() < 1e-9 * common::max_abs(&g_ref),
                "{kernel:?}: {a} vs {b}"
            );
        }
    }
    // Same in f32.
    let m = f32::MAX;
    let t = [m, -m, 0.0, m / 2.0];
    let p = [m / 2.0, -m / 2.0, m / 4.0, 0.0];
    let sp = SpearmanCorrelation::new(m).unwrap();
    let mut ws: Workspace<f32, 4> = Workspace::new();
    let v = sp.loss(&t, &p, &mut ws).unwrap();
    assert!((f64::from(v) - v_ref).abs() < 1e-6, "{v} vs {v_ref}");
}

#[test]
fn a_prepared_target_must_come_from_the_same_configuration() {
    let t = [0.3f32, -1.0, 2.0, 0.7];
    let p = [0.1f32, -0.5, 1.5, 0.2];
    let mut ws: Workspace<f32, 4> = Workspace::new();
    let base = SpearmanCorrelation::new(0.05f32).unwrap();
    let mut target: PreparedTarget<f32, 4> = PreparedTarget::new();
    base.with_kernel(Kernel::Pairwise)
        .prepare(&t, &mut target, &mut ws)
        .unwrap();
    let mismatch = Err(Error::PreparedTargetMismatch);
    assert_eq!(
        base.with_kernel(Kernel::Windowed)
            .loss_prepared(&target, &p, &mut ws),
        mismatch
    );
    assert_eq!(
        base.with_kernel(Kernel::Pairwise)
            .with_simd(false)
            .loss_prepared(&target, &p, &mut ws),
        mismatch
    );
    assert_eq!(
        SpearmanCorrelation::new(0.5f32)
            .unwrap()
            .with_kernel(Kernel::Pairwise)
            .loss_prepared(&target, &p, &mut ws),
        mismatch
    );
    // The guard does not change the ranks: accepted, same value as unprepared.
    let guarded = base
        .with_kernel(Kernel::Pairwise)
        .with_degenerate_guard(1e-3)
        .unwrap();
    assert_eq!(
        guarded.loss_prepared(&target, &p, &mut ws),
        guarded.loss(&t, &p, &mut ws)
    );
    // A failed prepare leaves the target empty.
    assert!(base.prepare(&[f32::NAN; 4], &mut target, &mut ws).is_err());
    assert!(target.is_empty());
    assert_eq!(base.loss_prepared(&target, &p, &mut ws), Err(Error::Empty));
}

#[test]
fn mse_of_differences_beyond_max_with_a_tiny_weight() {
    // Found by fuzzing: p - t overflows f32, but w * mean((p - t)^2) fits.
    let w = 3.59e-43f32;
    let t = [6.013_036_6e36f32, 6.013_036_6e36];
    let p = [-3.402_822_5e38f32, -3.402_821_6e38];
    let cb = CombinedLoss::new(w, 0.0, 1e-3).unwrap();
    let mut ws: Workspace<f32, 2> = Workspace::new();
    let mut g = [0.0f32; 2];
    let v = cb.loss_and_grad(&t, &p, &mut g, &mut ws).unwrap();
    let d: Vec<f64> = p
        .iter()
        .zip(&t)
        .map(|(&a, &b)| f64::from(a) - f64::from(b))
        .collect();
    let want = f64::from(w) * d.iter().map(|x| x * x).sum::<f64>() / 2.0;
    assert!((f64::from(v) / want - 1.0).abs() < 1e-5, "{v} vs {want}");
    for (gk, dk) in g.iter().zip(&d) {
        let want = 2.0 * f64::from(w) * dk / 2.0;
        // w is subnormal: a few bits of precision only.
        assert!((f64::from(*gk) / want - 1.0).abs() < 1e-2, "{gk} vs {want}");
    }
}

#[test]
fn close_large_values_keep_their_precision_when_others_overflow() {
    // Found by fuzzing: tau > 1 and values spanning more than MAX. Close
    // pairs must keep the plain difference; only the overflowing pairs need
    // x_i / tau - x_j / tau.
    let t = [5.862_068_7e37f32, 5.862_069_7e37, -3e38];
    let p = [0.0f32, 1.014_120_5e31, 2.028_241e31];
    let tau = 6.988_130_4e30f32;
    let widen = |x: &[f32]| x.iter().map(|&v| f64::from(v)).collect::<Vec<_>>();
    let (want, _) = common::spearman(&widen(&t), &widen(&p), f64::from(tau));
    assert!((want - 0.646_710_36).abs() < 1e-6);
    for kernel in KERNELS {
        for simd in [true, false] {
            let sp = SpearmanCorrelation::new(tau)
                .unwrap()
                .with_kernel(kernel)
                .with_simd(simd);
            let mut ws: Workspace<f32, 4> = Workspace::new();
            let mut g = [0.0f32; 3];
            let v = sp.loss_and_grad(&t, &p, &mut g, &mut ws).unwrap();
            assert!(
                (f64::from(v) - want).abs() < 1e-5,
                "{kernel:?} simd {simd}: {v} vs {want}"
            );
        }
    }
    let t = [1.999_999_999_999_999_7e307f64, 2e307, -1.7e308];
    let p = [0.0f64, 2.494_800_386_918_4e291, 4.989_600_773_836_8e291];
    let sp = SpearmanCorrelation::new(2.220_446_049_250_312_8e291f64).unwrap();
    let mut ws: Workspace<f64, 4> = Workspace::new();
    let v = sp.loss(&t, &p, &mut ws).unwrap();
    assert!((v - 0.689_801_90).abs() < 1e-7, "{v}");
}

#[test]
fn the_largest_mse_weight_gives_a_finite_gradient() {
    // Found by fuzzing: the gradient scale 2 w / n overflowed for w > MAX/2.
    let mut ws: Workspace<f32, 2> = Workspace::new();
    let cb = CombinedLoss::new(f32::MAX, 0.0, 1e-3).unwrap();
    let mut g = [1.0f32];
    assert_eq!(cb.loss_and_grad(&[0.0], &[0.0], &mut g, &mut ws), Ok(0.0));
    assert_eq!(g, [0.0]);
    let mut ws64: Workspace<f64, 2> = Workspace::new();
    let cb = CombinedLoss::new(f64::MAX, 0.0, 1e-3).unwrap();
    let mut g = [1.0f64; 2];
    let v = cb
        .loss_and_grad(&[0.0, 0.0], &[1e-300, -1e-300], &mut g, &mut ws64)
        .unwrap();
    assert!(v.is_finite() && g.iter().all(|x| x.is_finite()));
    assert!((g[0] - f64::MAX * 1e-300).abs() <= 1e-12 * f64::MAX * 1e-300);
}
