//! Property tests (proptest): the identities of the math, no NaN for any
//! finite input, windowed == pairwise to rounding, and a typed error for
//! every kind of invalid input.

mod common;

use proptest::prelude::*;
use rankloss::{
    Arg, CombinedLoss, Error, Kernel, Loss, Param, PreparedTarget, Real, SpearmanCorrelation,
    Workspace,
};

const CAP: usize = 256;

/// Inputs: `n` in 1..=200, values of a random spread (1e-6..1e3 around a
/// random offset), optionally rounded to integers (exact ties), and a
/// `tau` in 1e-6..1e3.
fn case() -> impl Strategy<Value = (Vec<f64>, Vec<f64>, f64)> {
    (
        1usize..=200,
        -6.0f64..3.0,
        -6.0f64..3.0,
        any::<bool>(),
        -1e3f64..1e3,
        any::<u64>(),
    )
        .prop_map(|(n, log_spread, log_tau, ties, offset, seed)| {
            let mut rng = common::Rng::new(seed);
            let spread = 10f64.powf(log_spread);
            let mut draw = |_| {
                let x = rng.normal() * if ties { 3.0 } else { spread };
                if ties {
                    x.round()
                } else {
                    offset + x
                }
            };
            let t: Vec<f64> = (0..n).map(&mut draw).collect();
            let p: Vec<f64> = (0..n).map(&mut draw).collect();
            (t, p, 10f64.powf(log_tau))
        })
}

fn cast<T: Real>(x: &[f64]) -> Vec<T> {
    x.iter().map(|&v| T::from_f64(v)).collect()
}

/// Value and gradient of `loss` (panics on error: inputs are valid).
fn eval<T: Real, L: Loss<T>>(
    loss: &L,
    t: &[T],
    p: &[T],
    ws: &mut Workspace<T, CAP>,
) -> (T, Vec<T>) {
    let mut g = vec![T::zero(); t.len()];
    let v = loss.loss_and_grad(t, p, &mut g, ws).expect("valid input");
    (v, g)
}

fn unit_roundoff<T: Real>() -> f64 {
    T::epsilon().widen() / 2.0
}

fn max_abs<T: Real>(x: &[T]) -> f64 {
    x.iter().fold(0.0, |m, v| m.max(v.widen().abs()))
}

/// Identities of DESIGN section 1 for one float type.
fn identities<T: Real>(t: &[f64], p: &[f64], tau: f64) -> Result<(), TestCaseError> {
    let (t, p) = (cast::<T>(t), cast::<T>(p));
    let n = t.len();
    let mut ws: Workspace<T, CAP> = Workspace::new();
    let sp = SpearmanCorrelation::new(T::from_f64(tau)).unwrap();
    let (v, g) = eval(&sp, &t, &p, &mut ws);
    // Finite, rho in [-1, 1].
    prop_assert!(v.is_finite() && g.iter().all(|x| x.is_finite()));
    prop_assert!(v.widen() >= -1.0 && v.widen() <= 1.0, "value {v}");
    // Shift invariance: the gradient sums to 0 (up to rounding of its terms).
    let sum: f64 = g.iter().map(|x| x.widen()).sum();
    let abs: f64 = g.iter().map(|x| x.widen().abs()).sum();
    prop_assert!(
        sum.abs() <= 64.0 * n as f64 * unit_roundoff::<T>() * abs + 1e-300,
        "sum {sum} of {abs}"
    );
    // Swapping y_true and y_pred leaves rho unchanged.
    let (w, _) = eval(&sp, &p, &t, &mut ws);
    let tol = 64.0 * n as f64 * unit_roundoff::<T>();
    prop_assert!((v.widen() - w.widen()).abs() <= tol, "swap: {v} vs {w}");
    // A constant y_pred gives rho = 0 and a zero Spearman gradient only if
    // the targets are constant too (else the reference's explosion); n = 1
    // always gives 0 and a zero gradient.
    let c = vec![p[0]; n];
    let (vc, gc) = eval(&sp, &c, &c, &mut ws);
    prop_assert!(vc == T::zero() && gc.iter().all(|x| *x == T::zero()));
    let (v1, g1) = eval(&sp, &t[..1], &p[..1], &mut ws);
    prop_assert!(v1 == T::zero() && g1[0] == T::zero());
    // The combined loss is its two parts.
    let cb = CombinedLoss::new(T::from_f64(2.0), T::one(), T::from_f64(tau)).unwrap();
    let (vcb, gcb) = eval(&cb, &t, &p, &mut ws);
    let mse: f64 = t
        .iter()
        .zip(&p)
        .map(|(a, b)| (b.widen() - a.widen()).powi(2))
        .sum::<f64>()
        / n as f64;
    let expect = 2.0 * mse + v.widen();
    prop_assert!(
        (vcb.widen() - expect).abs() <= tol * (1.0 + expect.abs()),
        "{vcb} vs {expect}"
    );
    for k in 0..n {
        let e = g[k].widen() + 4.0 * (p[k].widen() - t[k].widen()) / n as f64;
        prop_assert!((gcb[k].widen() - e).abs() <= tol * (max_abs(&gcb) + 1.0));
    }
    Ok(())
}

/// The windowed kernel equals the pairwise kernel to rounding.
fn windowed_equals_pairwise<T: Real>(t: &[f64], p: &[f64], tau: f64) -> Result<f64, TestCaseError> {
    let (t, p) = (cast::<T>(t), cast::<T>(p));
    let n = t.len() as f64;
    let mut ws: Workspace<T, CAP> = Workspace::new();
    let base = SpearmanCorrelation::new(T::from_f64(tau))
        .unwrap()
        .with_simd(false);
    let (vp, gp) = eval(&base.with_kernel(Kernel::Pairwise), &t, &p, &mut ws);
    let (vw, gw) = eval(&base.with_kernel(Kernel::Windowed), &t, &p, &mut ws);
    let u = unit_roundoff::<T>();
    // Tolerance: a few ulps per term of the longest sums (n terms).
    let tol_v = 8.0 * n * u;
    prop_assert!(
        (vp.widen() - vw.widen()).abs() <= tol_v,
        "value {vp} vs {vw}"
    );
    // Saturated pairs are dropped by the windowed kernel: each contributes
    // below e^-c |G_k - G_j| / tau with e^-c < u / n, so the natural scale is
    // max|G| / tau (G = dL/db, from the textbook formulas).
    let big_g = common::max_abs(&common::rank_gradient(
        &t.iter().map(|x| x.widen()).collect::<Vec<_>>(),
        &p.iter().map(|x| x.widen()).collect::<Vec<_>>(),
        tau,
    ));
    let scale = max_abs(&gp).max(max_abs(&gw)) + big_g / T::from_f64(tau).widen();
    let mut worst: f64 = (vp.widen() - vw.widen()).abs() / tol_v;
    for (a, b) in gp.iter().zip(&gw) {
        let d = (a.widen() - b.widen()).abs();
        let tol_g = 8.0 * n * u * scale;
        prop_assert!(d <= tol_g, "gradient {a} vs {b} (scale {scale})");
        if tol_g > 0.0 {
            worst = worst.max(d / tol_g);
        }
    }
    Ok(worst)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn identities_hold((t, p, tau) in case()) {
        identities::<f32>(&t, &p, tau)?;
        identities::<f64>(&t, &p, tau)?;
    }

    #[test]
    fn windowed_kernel_equals_pairwise((t, p, tau) in case()) {
        windowed_equals_pairwise::<f32>(&t, &p, tau)?;
        windowed_equals_pairwise::<f64>(&t, &p, tau)?;
    }

    #[test]
    fn matches_the_textbook_double_loop_in_f64((t, p, tau) in case()) {
        let (v_ref, g_ref) = common::combined(&t, &p, 2.0, 1.0, tau);
        let mut ws: Workspace<f64, CAP> = Workspace::new();
        let (v, g) = eval(&CombinedLoss::new(2.0, 1.0, tau).unwrap(), &t, &p, &mut ws);
        // The textbook's sums of sigmoids minus n/2 cancel when the spread is
        // far below tau: it loses digits that the crate's centred sigmoid
        // keeps, hence the loose 1e-6 of the scale.
        prop_assert!((v - v_ref).abs() <= 1e-9 * (1.0 + v_ref.abs()), "{v} vs {v_ref}");
        let scale = common::max_abs(&g_ref);
        for (a, b) in g.iter().zip(&g_ref) {
            prop_assert!((a - b).abs() <= 1e-6 * scale + 1e-12, "{a} vs {b} (scale {scale})");
        }
    }

    #[test]
    fn no_nan_for_any_finite_input(
        t in prop::collection::vec(prop::num::f32::NORMAL | prop::num::f32::ZERO | prop::num::f32::SUBNORMAL, 1..40),
        seed in any::<u64>(),
        log_tau in -30.0f32..30.0,
    ) {
        let mut rng = common::Rng::new(seed);
        let p: Vec<f32> = t.iter().map(|x| if rng.uniform() < 0.5 { *x } else { -x * 0.5 }).collect();
        let tau = 10f32.powf(log_tau);
        let mut ws: Workspace<f32, CAP> = Workspace::new();
        let mut g = vec![0.0; t.len()];
        let sp = SpearmanCorrelation::new(tau).unwrap();
        // Spearman never overflows: a finite value in [-1, 1], or (only for a
        // gradient scaled by 1/tau past f32::MAX) Error::Overflow.
        match sp.loss_and_grad(&t, &p, &mut g, &mut ws) {
            Ok(v) => {
                prop_assert!((-1.0..=1.0).contains(&v));
                prop_assert!(g.iter().all(|x| x.is_finite()));
            }
            Err(e) => {
                prop_assert_eq!(e, Error::Overflow);
                prop_assert!(g.iter().all(|x| *x == 0.0));
            }
        }
        let cb = CombinedLoss::<f32>::default();
        match cb.loss_and_grad(&t, &p, &mut g, &mut ws) {
            Ok(v) => prop_assert!(v.is_finite() && v >= -1.0 && g.iter().all(|x| x.is_finite())),
            Err(e) => prop_assert_eq!(e, Error::Overflow),
        }
    }
}

#[test]
fn every_error_variant_is_returned() {
    let sp = SpearmanCorrelation::<f32>::default();
    let cb = CombinedLoss::<f32>::default();
    let mut ws: Workspace<f32, 4> = Workspace::new();
    let mut g = [0.0f32; 3];
    let t = [1.0f32, 2.0, 3.0];
    let mismatch = |arg, found| Error::LengthMismatch {
        arg,
        expected: 3,
        found,
    };
    assert_eq!(sp.loss(&t, &t[..2], &mut ws), Err(mismatch(Arg::YPred, 2)));
    assert_eq!(
        cb.loss_and_grad(&t, &t, &mut g[..2], &mut ws),
        Err(mismatch(Arg::Grad, 2))
    );
    assert_eq!(sp.loss(&[], &[], &mut ws), Err(Error::Empty));
    assert_eq!(
        sp.loss(&[0.0; 5], &[0.0; 5], &mut ws),
        Err(Error::CapacityExceeded {
            len: 5,
            capacity: 4
        })
    );
    assert_eq!(
        sp.loss(&[1.0, f32::INFINITY, 0.0], &t, &mut ws),
        Err(Error::NonFinite {
            arg: Arg::YTrue,
            index: 1
        })
    );
    assert_eq!(
        cb.loss_and_grad(&t, &[1.0, 2.0, f32::NAN], &mut g, &mut ws),
        Err(Error::NonFinite {
            arg: Arg::YPred,
            index: 2
        })
    );
    let invalid = |param| Some(Error::InvalidParameter { param });
    for tau in [0.0, -0.0, -1.0, f32::NAN, f32::INFINITY] {
        assert_eq!(
            SpearmanCorrelation::new(tau).err(),
            invalid(Param::RegularizationStrength)
        );
        assert_eq!(
            CombinedLoss::new(1.0, 1.0, tau).err(),
            invalid(Param::RegularizationStrength)
        );
    }
    for w in [-1.0, f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        assert_eq!(
            CombinedLoss::new(w, 1.0, 1e-3).err(),
            invalid(Param::MseWeight)
        );
        assert_eq!(
            CombinedLoss::new(1.0, w, 1e-3).err(),
            invalid(Param::SpearmanWeight)
        );
        assert_eq!(
            sp.with_degenerate_guard(w).err(),
            invalid(Param::DegenerateThreshold)
        );
    }
    let big = f32::MAX / 2.0;
    assert_eq!(
        cb.loss_and_grad(&[big, -big, 0.0], &[-big, big, 0.0], &mut g, &mut ws),
        Err(Error::Overflow)
    );
    let mut target: PreparedTarget<f32, 4> = PreparedTarget::new();
    assert_eq!(sp.loss_prepared(&target, &t, &mut ws), Err(Error::Empty));
    sp.prepare(&t, &mut target, &mut ws).unwrap();
    let other = SpearmanCorrelation::new(0.5f32).unwrap();
    assert_eq!(
        other.loss_prepared(&target, &t, &mut ws),
        Err(Error::PreparedTargetMismatch)
    );
    // Every error has a message.
    assert_eq!(Error::Empty.to_string(), "empty input");
    assert_eq!(
        Error::NonFinite {
            arg: Arg::YPred,
            index: 2
        }
        .to_string(),
        "y_pred[2] is not finite"
    );
}
