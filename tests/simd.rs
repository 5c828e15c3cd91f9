//! SIMD rows (`with_simd(true)`, the `wide` kernels under `std`) against the
//! scalar rows (`with_simd(false)`): same values and gradients to rounding,
//! for both losses, both float types, every kernel.
//!
//! # Tolerance
//!
//! With `u` the unit roundoff (`2^-24`, `2^-53`): the SIMD `h` and
//! `sigmoid'` of one pair are within 4 ulps of the scalar rows' values and
//! the row sums are rounded in another order, so each soft rank differs by
//! `O(n u)` relative to the size of its terms, and so does every quantity
//! computed from the ranks. The bounds used:
//!
//! - value: `|v_simd - v_scalar| <= 4 n u (1 + |v|)`;
//! - gradient, per element: `|g_simd - g_scalar| <= 8 n u S_k + 4 u |g_k|`,
//!   where `S_k = (w / tau) sum_j s'((p_k - p_j)/tau) (Gm_k + Gm_j)`
//!   (`w` the Spearman weight) is the size of the terms of `g_k`, with
//!   `Gm_i = |A_i| / D + |Sab Saa B_i| / D^3` the size of the two terms of
//!   `dL/dB_i`, all computed here in `f64` by the textbook double loop. The
//!   scale is per element and built from term sizes, so cancellations (in
//!   `sum_j`, or between the two terms of `dL/dB` when `y_pred` is nearly
//!   constant) do not make the check fail spuriously; plus
//!   `2 n w max(Gm) m / tau` with `m` the smallest normal number: the SIMD
//!   exponential returns exactly 0 where `std` returns a subnormal, so each
//!   `s'` term may differ by up to `m`.
//!
//! Over 4000 proptest cases per float type the largest differences seen
//! were `0.43 n u (1 + |v|)` for values and `1.42 n u S_k` for gradients:
//! the bounds leave a margin of 5 or more.
//!
//! Without the `std` feature `with_simd` changes nothing: the results must
//! then be bit-identical, and that is what is checked.

mod common;

use common::{centred_ranks, sigmoid_prime};
use proptest::prelude::*;
use rankloss::{CombinedLoss, Kernel, Loss, Real, SpearmanCorrelation, Workspace};

/// Capacity of the test workspaces (cases have `n <= 300`).
const CAP: usize = 320;

/// The per-element gradient scale `S_k` of the module docs.
fn grad_scale(t: &[f64], p: &[f64], tau: f64, weight: f64, min_normal: f64) -> Vec<f64> {
    let n = t.len();
    let (a, b) = (centred_ranks(t, tau), centred_ranks(p, tau));
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(u, v)| u * v).sum::<f64>();
    let (saa, sbb, sab) = (dot(&a, &a), dot(&b, &b), dot(&a, &b));
    let d = (saa * sbb + 1e-7).sqrt();
    let gm: Vec<f64> = (0..n)
        .map(|i| a[i].abs() / d + (sab * saa).abs() * b[i].abs() / (d * d * d))
        .collect();
    let gmax = gm.iter().fold(0.0f64, |m, &g| m.max(g));
    (0..n)
        .map(|k| {
            let s: f64 = (0..n)
                .map(|j| sigmoid_prime((p[k] - p[j]) / tau) * (gm[k] + gm[j]))
                .sum();
            weight * (s + 2.0 * n as f64 * gmax * min_normal) / tau
        })
        .collect()
}

/// One comparison: which loss, its inputs and kernel.
#[derive(Debug, Clone)]
struct Case {
    t: Vec<f64>,
    p: Vec<f64>,
    tau: f64,
    kernel: Kernel,
    combined: bool,
}

/// Runs `case` in `T` with and without SIMD and checks the tolerance.
fn check<T: Real>(case: &Case) -> Result<(), TestCaseError> {
    let n = case.t.len();
    let t: Vec<T> = case.t.iter().map(|&x| T::from_f64(x)).collect();
    let p: Vec<T> = case.p.iter().map(|&x| T::from_f64(x)).collect();
    let tau = T::from_f64(case.tau);
    let mut ws: Box<Workspace<T, CAP>> = Box::new(Workspace::new());
    let (mut g_simd, mut g_scalar) = (vec![T::zero(); n], vec![T::zero(); n]);
    // Both losses' Spearman weight is 1.
    let weight = 1.0;
    let (r_simd, r_scalar) = if case.combined {
        let loss = CombinedLoss::new(T::from_f64(2.0), T::one(), tau)
            .expect("valid parameters")
            .with_kernel(case.kernel);
        (
            loss.with_simd(true)
                .loss_and_grad(&t, &p, &mut g_simd, &mut *ws),
            loss.with_simd(false)
                .loss_and_grad(&t, &p, &mut g_scalar, &mut *ws),
        )
    } else {
        let loss = SpearmanCorrelation::new(tau)
            .expect("valid tau")
            .with_kernel(case.kernel);
        (
            loss.with_simd(true)
                .loss_and_grad(&t, &p, &mut g_simd, &mut *ws),
            loss.with_simd(false)
                .loss_and_grad(&t, &p, &mut g_scalar, &mut *ws),
        )
    };
    let (v_simd, v_scalar) = match (r_simd, r_scalar) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            // An overflowing result is an error on both paths or neither.
            prop_assert_eq!(a, b);
            return Ok(());
        }
    };
    prop_assert!(v_simd.is_finite() && g_simd.iter().all(|g| g.is_finite()));
    if cfg!(not(feature = "std")) {
        // No SIMD kernels: the very same computation.
        prop_assert_eq!(v_simd, v_scalar);
        prop_assert_eq!(&g_simd, &g_scalar);
        return Ok(());
    }
    let u = T::epsilon().widen() / 2.0;
    let nu = n as f64 * u;
    let (vs, vc) = (v_simd.widen(), v_scalar.widen());
    prop_assert!(
        (vs - vc).abs() <= 4.0 * nu * (1.0 + vc.abs()),
        "value: simd {} scalar {} (n = {})",
        vs,
        vc,
        n
    );
    let t64: Vec<f64> = t.iter().map(|x| x.widen()).collect();
    let p64: Vec<f64> = p.iter().map(|x| x.widen()).collect();
    let scale = grad_scale(
        &t64,
        &p64,
        tau.widen(),
        weight,
        T::min_positive_value().widen(),
    );
    for k in 0..n {
        let (a, b) = (g_simd[k].widen(), g_scalar[k].widen());
        let tol = 8.0 * nu * scale[k] + 4.0 * u * b.abs();
        prop_assert!(
            (a - b).abs() <= tol,
            "grad[{}]: simd {:e} scalar {:e} diff {:e} tol {:e}",
            k,
            a,
            b,
            (a - b).abs(),
            tol
        );
    }
    Ok(())
}

/// `n`: the awkward small sizes (not multiples of 4 or 8) often, any size
/// up to 300 otherwise.
fn length() -> impl Strategy<Value = usize> {
    prop_oneof![
        prop::sample::select(vec![1usize, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33]),
        1usize..=300,
    ]
}

/// Values: continuous, with ties (integers), or constant; spread `10^-6`
/// to `10^3`; `tau` from `10^-6` to `10^3`; any kernel; either loss.
fn cases() -> impl Strategy<Value = Case> {
    (
        length(),
        0u8..3,
        -6.0f64..3.0,
        -6.0f64..3.0,
        0usize..3,
        any::<bool>(),
    )
        .prop_flat_map(|(n, kind, log_spread, log_tau, kernel, combined)| {
            let values = prop::collection::vec(-3.0f64..3.0, n);
            (values.clone(), values).prop_map(move |(t, p)| {
                let spread = 10f64.powf(log_spread);
                let shape = |x: Vec<f64>| -> Vec<f64> {
                    match kind {
                        0 => x.iter().map(|v| v * spread).collect(),
                        1 => x.iter().map(|v| v.round() * spread).collect(),
                        _ => vec![x[0] * spread; x.len()],
                    }
                };
                Case {
                    t: shape(t),
                    p: shape(p),
                    tau: 10f64.powf(log_tau),
                    kernel: [Kernel::Auto, Kernel::Pairwise, Kernel::Windowed][kernel],
                    combined,
                }
            })
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    #[test]
    fn simd_matches_scalar_f32(case in cases()) {
        check::<f32>(&case)?;
    }

    #[test]
    fn simd_matches_scalar_f64(case in cases()) {
        check::<f64>(&case)?;
    }
}

/// Every kernel, both losses, both types, on one fixed case.
fn check_all(t: &[f64], p: &[f64], tau: f64) {
    for kernel in [Kernel::Auto, Kernel::Pairwise, Kernel::Windowed] {
        for combined in [false, true] {
            let case = Case {
                t: t.to_vec(),
                p: p.to_vec(),
                tau,
                kernel,
                combined,
            };
            check::<f32>(&case).expect("f32");
            check::<f64>(&case).expect("f64");
        }
    }
}

#[test]
fn every_row_length_and_lane_tail() {
    // Pairwise rows of every length 0..n-1, windowed rows of many lengths.
    for n in 1..=40 {
        let t: Vec<f64> = (0..n).map(|i| ((i * 7919) % 41) as f64 * 0.1).collect();
        let p: Vec<f64> = (0..n).map(|i| ((i * 104_729) % 43) as f64 * 0.07).collect();
        for tau in [1e-6, 1e-3, 0.05, 1.0, 1e3] {
            check_all(&t, &p, tau);
        }
    }
}

#[test]
fn saturated_and_overflowing_pairs_stay_finite() {
    // Far-apart values and a tiny tau: z = |d| / tau is huge (pairwise
    // kernel: every pair is evaluated) or overflows to infinity (f32:
    // 3e38 - (-3e38)); sigmoid' must be 0 and h = -+1/2, never NaN.
    let t = [-3.0e38, 3.0e38, 0.0, 1.0, -1.0, 2.0, 5.0, -7.0, 1e30];
    let p = [3.0e38, -3.0e38, 1.0, 0.0, 2.0, -1.0, 4.0, 9.0, -1e30];
    for tau in [1e-6, 1e-3, 1.0] {
        check_all(&t, &p, tau);
    }
    // Subnormal tau: every nonzero difference saturates (ties in y_pred
    // would make the gradient overflow: a typed error, not tested here).
    let (t32, p32) = ([0.0f32, 1.0, 2.0, 2.0, 3.0], [2.0f32, 1.0, 0.0, 5.0, 6.0]);
    let mut results = Vec::new();
    for simd in [false, true] {
        let sp = SpearmanCorrelation::new(1e-40_f32)
            .expect("subnormal tau is valid")
            .with_kernel(Kernel::Pairwise)
            .with_simd(simd);
        let mut ws: Workspace<f32, 8> = Workspace::new();
        let mut g = [0.0f32; 5];
        let v = sp
            .loss_and_grad(&t32, &p32, &mut g, &mut ws)
            .expect("finite");
        assert!(v.is_finite() && g.iter().all(|x| x.is_finite()));
        results.push((v, g));
    }
    assert_eq!(results[0], results[1]);
}

#[test]
fn constant_and_single_inputs() {
    for n in [1, 2, 8, 9, 17] {
        let t: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let p = vec![0.25; n];
        for tau in [1e-3, 1.0] {
            check_all(&t, &p, tau);
        }
    }
}
