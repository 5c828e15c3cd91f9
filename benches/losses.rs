//! Criterion benchmarks of `loss_and_grad` for both losses.
//!
//! ```text
//! cargo bench --features std --bench losses                  # everything (~10 min)
//! cargo bench --features std --bench losses -- 'spearman/f32/tau=1e-3'
//! ```
//!
//! Groups `loss_and_grad/{spearman,combined}/{f32,f64}/tau={1e-3,1e-1,1e1}`,
//! each with `n = 32, 256, 4096, 65536` (throughput in elements) and the
//! contenders:
//!
//! - `simd`: ours, `with_simd(true)` (the `wide` rows under `std`; the
//!   scalar rows without it);
//! - `scalar`: ours, `with_simd(false)`;
//! - `baseline`: the `O(n^2)` textbook implementation of
//!   `benches/common/mod.rs` (every ordered pair, `3 n^2` exponentials);
//! - `rankit`: `rankit` 0.1.8's sigmoid soft rank and Spearman gradient,
//!   `f64` and `SpearmanCorrelation` only (semantic differences in
//!   `benches/common/mod.rs`).
//!
//! Data: `y_true`, `y_pred` independent standard normals, fixed seeds.
//!
//! Skipped because one call takes seconds to minutes:
//! - `baseline` and `rankit` at `n = 65536` (`1.3e10` exponentials, about
//!   4 minutes per call here; `rankit` would also need a 34 GB Jacobian);
//! - `baseline` and `rankit` at `n = 4096` for `tau = 1e-1` (their cost does
//!   not depend on `tau`: see the `1e-3` and `1e1` groups);
//! - ours at `n = 65536` for `tau = 1e-1` and `1e1`: the windows then cover
//!   (almost) every pair, `3 n^2 / 2` sigmoids, about 20 s per call with
//!   SIMD `f32` here. `examples/bench_table.rs` gives the cost growth with `n`.
//!
//! Short default timings (0.3 s warm-up, 1 s measurement, 10 samples) keep
//! a full run near ten minutes; pass criterion's `--measurement-time` for
//! tighter intervals.

#[path = "common/mod.rs"]
mod common;

use common::{boxed_workspace, data, rankit_loss_and_grad, Baseline};
use criterion::{
    black_box, criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use rankloss::{CombinedLoss, Loss, Real, SpearmanCorrelation, Workspace};
use std::time::Duration;

/// Largest `n` (the workspace capacity).
const N: usize = 65536;
const SIZES: [usize; 4] = [32, 256, 4096, 65536];
const TAUS: [f64; 3] = [1e-3, 1e-1, 10.0];

#[derive(Clone, Copy, PartialEq)]
enum Which {
    Spearman,
    Combined,
}

impl Which {
    fn name(self) -> &'static str {
        match self {
            Which::Spearman => "spearman",
            Which::Combined => "combined",
        }
    }
}

/// Ours, with or without SIMD.
fn ours<T: Real>(
    which: Which,
    tau: T,
    simd: bool,
    t: &[T],
    p: &[T],
    g: &mut [T],
    ws: &mut Workspace<T, N>,
) -> T {
    let r = match which {
        Which::Spearman => SpearmanCorrelation::new(tau)
            .expect("tau")
            .with_simd(simd)
            .loss_and_grad(t, p, g, ws),
        Which::Combined => CombinedLoss::new(T::from_f64(2.0), T::one(), tau)
            .expect("tau")
            .with_simd(simd)
            .loss_and_grad(t, p, g, ws),
    };
    r.expect("loss")
}

fn bench_type<T: Real>(c: &mut Criterion, ty: &str) {
    let mut ws = boxed_workspace::<T, N>();
    for which in [Which::Spearman, Which::Combined] {
        for tau64 in TAUS {
            let tau = T::from_f64(tau64);
            let mut group =
                c.benchmark_group(format!("loss_and_grad/{}/{ty}/tau={tau64:e}", which.name()));
            group.sampling_mode(SamplingMode::Flat);
            for n in SIZES {
                if n > 4096 && tau64 > 1e-2 {
                    continue;
                }
                let (t, p) = data::<T>(n);
                let mut g = vec![T::zero(); n];
                group.throughput(Throughput::Elements(n as u64));
                for (name, simd) in [("simd", true), ("scalar", false)] {
                    group.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                        b.iter(|| black_box(ours(which, tau, simd, &t, &p, &mut g, &mut ws)))
                    });
                }
                let slow_ok = n < 4096 || tau64 != 1e-1;
                if n <= 4096 && slow_ok {
                    let mut base = Baseline::<T>::new(n);
                    group.bench_with_input(BenchmarkId::new("baseline", n), &n, |b, _| {
                        b.iter(|| {
                            black_box(match which {
                                Which::Spearman => base.spearman(&t, &p, tau, &mut g),
                                Which::Combined => {
                                    base.combined(&t, &p, T::from_f64(2.0), T::one(), tau, &mut g)
                                }
                            })
                        })
                    });
                }
                if ty == "f64" && which == Which::Spearman && n <= 4096 && slow_ok {
                    let t64: Vec<f64> = t.iter().map(|x| x.widen()).collect();
                    let p64: Vec<f64> = p.iter().map(|x| x.widen()).collect();
                    group.bench_with_input(BenchmarkId::new("rankit", n), &n, |b, _| {
                        b.iter(|| black_box(rankit_loss_and_grad(&t64, &p64, tau64)))
                    });
                }
            }
            group.finish();
        }
    }
}

fn benches(c: &mut Criterion) {
    bench_type::<f32>(c, "f32");
    bench_type::<f64>(c, "f64");
}

criterion_group! {
    name = losses;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(10);
    targets = benches
}
criterion_main!(losses);
