//! One-shot benchmark table: `SpearmanCorrelation::loss_and_grad` (SIMD and
//! scalar) against the `O(n^2)` textbook baseline and `rankit` 0.1.8, then
//! the cost growth with `n` for a narrow and a wide `tau`.
//!
//! ```text
//! cargo run --release --features std --example bench_table
//! ```
//!
//! Takes about a minute on a 2-core host. Without `--features std` it
//! builds and runs too, with the scalar `libm` rows (then "SIMD" is the
//! scalar path).
//!
//! Data: `y_true`, `y_pred` independent standard normals (fixed seeds).
//! Every figure is the median of repeated timings; in each round the
//! contenders of a row run one after the other (rotating the order), so
//! they share the machine's noise. Calls that take over 3 s run once
//! (marked `1 run`). Where the `O(n^2)` baseline would take minutes it is
//! timed on a fraction of its rows and scaled (marked `~ (est.)`; every
//! row costs the same `n` sigmoids); `tau = 10` beyond `n = 2^14` (exactly
//! quadratic) is scaled by `n^2` from `2^14`. See `benches/common/mod.rs`
//! for the baselines and their semantic differences.

#[path = "../benches/common/mod.rs"]
mod common;

use common::{boxed_workspace, data, rankit_loss_and_grad, Baseline};
use rankloss::{Loss, Real, SpearmanCorrelation, Workspace};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Largest `n` measured.
const N_MAX: usize = 1 << 18;
/// Calls slower than this run once (their warm-up run is the sample).
const SLOW: Duration = Duration::from_secs(3);

/// One contender of a row.
struct Contender<'a> {
    name: &'static str,
    run: Box<dyn FnMut() + 'a>,
}

/// A median and how many samples it is from.
#[derive(Clone, Copy)]
struct Timing {
    median: f64,
    samples: usize,
    /// Estimated from a fraction of the rows (see `Baseline::spearman_rows`).
    estimated: bool,
}

impl Timing {
    /// The timing of `rows` of `n` rows, scaled to all `n`.
    fn scaled(self, n: usize, rows: usize) -> Timing {
        if rows >= n {
            return self;
        }
        Timing {
            median: self.median * n as f64 / rows as f64,
            estimated: true,
            ..self
        }
    }
}

/// Interleaved medians (seconds per call) of `cs`, within about `budget`.
fn measure(cs: &mut [Contender<'_>], budget: Duration) -> Vec<Timing> {
    // Warm-up: one call each, also the estimate of its cost.
    let first: Vec<f64> = cs
        .iter_mut()
        .map(|c| {
            let t = Instant::now();
            (c.run)();
            t.elapsed().as_secs_f64()
        })
        .collect();
    let slow: Vec<bool> = first.iter().map(|&t| t > SLOW.as_secs_f64()).collect();
    // Calls per sample: at least ~2 ms per sample.
    let iters: Vec<u32> = first
        .iter()
        .map(|&t| ((2e-3 / t.max(1e-9)).ceil() as u32).clamp(1, 1 << 16))
        .collect();
    let round: f64 = (0..cs.len())
        .filter(|&i| !slow[i])
        .map(|i| first[i] * f64::from(iters[i]))
        .sum();
    let rounds = ((budget.as_secs_f64() / round.max(1e-9)) as usize).clamp(3, 21);
    let mut samples = vec![Vec::new(); cs.len()];
    for (i, &t) in first.iter().enumerate() {
        if slow[i] {
            samples[i].push(t);
        }
    }
    for r in 0..rounds {
        for k in 0..cs.len() {
            let i = (k + r) % cs.len();
            if slow[i] {
                continue;
            }
            let t = Instant::now();
            for _ in 0..iters[i] {
                (cs[i].run)();
            }
            samples[i].push(t.elapsed().as_secs_f64() / f64::from(iters[i]));
        }
    }
    samples
        .into_iter()
        .map(|mut s| {
            s.sort_by(f64::total_cmp);
            Timing {
                median: s[s.len() / 2],
                samples: s.len(),
                estimated: false,
            }
        })
        .collect()
}

fn fmt_time(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

fn fmt_timing(t: Option<Timing>) -> String {
    match t {
        Some(t) if t.estimated => format!("~{} (est.)", fmt_time(t.median)),
        Some(t) if t.samples == 1 => format!("{} (1 run)", fmt_time(t.median)),
        Some(t) => fmt_time(t.median),
        None => "—".into(),
    }
}

fn ratio(num: Option<Timing>, den: Option<Timing>) -> String {
    match (num, den) {
        (Some(a), Some(b)) => format!("{:.1}x", a.median / b.median),
        _ => "—".into(),
    }
}

/// Max `|x - y| / max|y|`.
fn rel_diff<T: Real>(x: &[T], y: &[T]) -> f64 {
    let scale = y.iter().fold(0.0f64, |m, v| m.max(v.widen().abs()));
    let d = x
        .iter()
        .zip(y)
        .fold(0.0f64, |m, (a, b)| m.max((a.widen() - b.widen()).abs()));
    d / scale.max(f64::MIN_POSITIVE)
}

/// One row of the summary: our SIMD and scalar paths, the baseline on its
/// first `baseline_rows` rows (all of them if `>= n`, none if 0), `rankit`
/// (if `with_rankit`, `f64` only).
struct Row {
    label: String,
    simd: Option<Timing>,
    scalar: Option<Timing>,
    baseline: Option<Timing>,
    rankit: Option<Timing>,
    check: String,
}

fn summary_row<T: Real, const N: usize>(
    ws: &mut Workspace<T, N>,
    n: usize,
    tau: f64,
    baseline_rows: usize,
    with_rankit: bool,
    budget: Duration,
) -> Row {
    let (t, p) = data::<T>(n);
    let tau_t = T::from_f64(tau);
    let sp = SpearmanCorrelation::new(tau_t).expect("tau");
    let (simd, scalar) = (sp.with_simd(true), sp.with_simd(false));
    let mut g_ours = vec![T::zero(); n];
    let mut g_scalar = vec![T::zero(); n];
    let mut g_base = vec![T::zero(); n];
    let mut g_rankit = Vec::new();
    let mut base = Baseline::<T>::new(n);
    let (t64, p64): (Vec<f64>, Vec<f64>) = (
        t.iter().map(|x| x.widen()).collect(),
        p.iter().map(|x| x.widen()).collect(),
    );
    let ws = std::cell::RefCell::new(ws);
    let mut cs = vec![
        Contender {
            name: "simd",
            run: Box::new(|| {
                let v = simd.loss_and_grad(&t, &p, &mut g_ours, &mut **ws.borrow_mut());
                black_box(v.expect("loss"));
            }),
        },
        Contender {
            name: "scalar",
            run: Box::new(|| {
                let v = scalar.loss_and_grad(&t, &p, &mut g_scalar, &mut **ws.borrow_mut());
                black_box(v.expect("loss"));
            }),
        },
    ];
    if baseline_rows > 0 {
        cs.push(Contender {
            name: "baseline",
            run: Box::new(|| {
                black_box(base.spearman_rows(&t, &p, tau_t, &mut g_base, baseline_rows));
            }),
        });
    }
    if with_rankit {
        cs.push(Contender {
            name: "rankit",
            run: Box::new(|| {
                g_rankit = black_box(rankit_loss_and_grad(&t64, &p64, tau)).1;
            }),
        });
    }
    let timings = measure(&mut cs, budget);
    let get = |name: &str| cs.iter().position(|c| c.name == name).map(|i| timings[i]);
    let row = Row {
        label: format!("{}, tau = {tau:e}, n = {n}", core::any::type_name::<T>()),
        simd: get("simd"),
        scalar: get("scalar"),
        baseline: get("baseline").map(|b| b.scaled(n, baseline_rows)),
        rankit: get("rankit"),
        check: String::new(),
    };
    drop(cs);
    // Same numbers? (gradient, relative to its max)
    let mut check = format!("scalar {:.0e}", rel_diff(&g_scalar, &g_ours));
    if baseline_rows >= n {
        check += &format!(", baseline {:.0e}", rel_diff(&g_base, &g_ours));
    }
    if with_rankit {
        let ours: Vec<f64> = g_ours.iter().map(|x| x.widen()).collect();
        check += &format!(", rankit {:.0e}", rel_diff(&g_rankit, &ours));
    }
    Row { check, ..row }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |c| c.get());
    format!(
        "{cpu}, {cores} cores, {} {}",
        std::env::consts::ARCH,
        if cfg!(feature = "std") {
            "(`std`: wide SIMD kernels)"
        } else {
            "(no `std`: SIMD = scalar, libm)"
        }
    )
}

fn main() {
    let started = Instant::now();
    println!("rankloss benchmark table: {}", machine());
    println!("SpearmanCorrelation::loss_and_grad, y_true and y_pred ~ N(0, 1), medians.\n");

    let mut ws32 = boxed_workspace::<f32, N_MAX>();
    let mut ws64 = boxed_workspace::<f64, 4096>();
    let b = Duration::from_millis(2500);
    // The baseline at n = 65536 would take minutes: timed on 1/64 of its
    // rows and scaled.
    let rows = [
        summary_row::<f32, N_MAX>(&mut ws32, 4096, 1e-3, 4096, false, b),
        summary_row::<f32, N_MAX>(&mut ws32, 65536, 1e-3, 1024, false, b),
        summary_row::<f32, N_MAX>(&mut ws32, 4096, 10.0, 4096, false, b),
        summary_row::<f64, 4096>(&mut ws64, 4096, 1e-3, 4096, true, b),
        summary_row::<f64, 4096>(&mut ws64, 4096, 10.0, 4096, true, b),
    ];
    println!("| case | ours (SIMD) | ours (scalar) | O(n²) baseline | rankit | baseline / ours | rankit / ours | scalar / SIMD |");
    println!("|---|---|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            r.label,
            fmt_timing(r.simd),
            fmt_timing(r.scalar),
            fmt_timing(r.baseline),
            fmt_timing(r.rankit),
            ratio(r.baseline, r.simd),
            ratio(r.rankit, r.simd),
            ratio(r.scalar, r.simd),
        );
    }
    println!("\nGradient agreement with ours (max |difference| / max |ours|):");
    for r in &rows {
        println!("- {}: {}", r.label, r.check);
    }

    println!("\nCost growth, f32, ours (SIMD):\n");
    println!("| n | tau = 1e-3 | per element | tau = 10 | per element | O(n²) baseline |");
    println!("|---|---|---|---|---|---|");
    let mut last_wide: Option<(usize, f64)> = None;
    for k in 10..=18 {
        let n = 1usize << k;
        let (t, p) = data::<f32>(n);
        let mut g = vec![0.0f32; n];
        let mut cells = Vec::new();
        for tau in [1e-3f32, 10.0] {
            // tau = 10 covers every pair (exactly quadratic): timed up to
            // 2^14, scaled by n^2 beyond.
            let tm = match last_wide {
                Some((m, s)) if tau > 1.0 && n > 1 << 14 => Timing {
                    median: s * (n as f64 / m as f64).powi(2),
                    samples: 0,
                    estimated: true,
                },
                _ => {
                    let sp = SpearmanCorrelation::new(tau).expect("tau");
                    let ws = &mut *ws32;
                    let mut cs = vec![Contender {
                        name: "simd",
                        run: Box::new(|| {
                            black_box(sp.loss_and_grad(&t, &p, &mut g, ws).expect("loss"));
                        }),
                    }];
                    measure(&mut cs, Duration::from_millis(1000))[0]
                }
            };
            if tau > 1.0 && !tm.estimated {
                last_wide = Some((n, tm.median));
            }
            cells.push(fmt_timing(Some(tm)));
            cells.push(format!("{:.1} ns", tm.median * 1e9 / n as f64));
        }
        // The baseline (its cost does not depend on tau) on at most 2^22 / n
        // rows, scaled.
        let rows = n.min((1 << 22) / n);
        let mut bl = Baseline::<f32>::new(n);
        let mut gb = vec![0.0f32; n];
        let mut cs = vec![Contender {
            name: "baseline",
            run: Box::new(|| {
                black_box(bl.spearman_rows(&t, &p, 1e-3, &mut gb, rows));
            }),
        }];
        let base = measure(&mut cs, Duration::from_millis(600))[0].scaled(n, rows);
        println!(
            "| {n} | {} | {} | {} | {} | {} |",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            fmt_timing(Some(base))
        );
    }
    println!(
        "\n(1 run): a single call (over {} s); ~ (est.): the baseline timed on a \
         fraction of its rows, or tau = 10 beyond 2^14 scaled by n², then scaled up.",
        SLOW.as_secs()
    );
    println!("Total time: {:.0} s", started.elapsed().as_secs_f64());
}
