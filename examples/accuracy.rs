//! f32 accuracy at scale: the loss and gradient of `SpearmanCorrelation` in
//! f32 against an f64 evaluation of the same (f32) inputs, N(0,1)-correlated
//! data, n = 4096 and 65,536.
//!
//!     cargo run --release --features std --example accuracy

use rankloss::{Loss, SpearmanCorrelation, Workspace};

const N: usize = 65_536;

/// SplitMix64 + Box-Muller, fixed seed.
struct Rng(u64);
impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u1, u2) = (1.0 - self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

fn main() -> Result<(), rankloss::Error> {
    let mut ws32: Box<Workspace<f32, N>> = Box::default();
    let mut ws64: Box<Workspace<f64, N>> = Box::default();
    let mut rng = Rng(65_536);
    println!(
        "{:>7} {:>7} {:>12} {:>18}",
        "n", "tau", "|v32 - v64|", "max|dg| / max|g|"
    );
    for n in [4096, N] {
        for tau in [1e-3, 1e-1, 10.0] {
            let t: Vec<f32> = (0..n).map(|_| rng.normal() as f32).collect();
            let p: Vec<f32> = t
                .iter()
                .map(|&x| 0.6 * x + 0.8 * rng.normal() as f32)
                .collect();
            let t64: Vec<f64> = t.iter().map(|&x| x.into()).collect();
            let p64: Vec<f64> = p.iter().map(|&x| x.into()).collect();
            let (mut g32, mut g64) = (vec![0.0f32; n], vec![0.0f64; n]);
            let v32 =
                SpearmanCorrelation::new(tau as f32)?.loss_and_grad(&t, &p, &mut g32, &mut ws32)?;
            let v64 =
                SpearmanCorrelation::new(tau)?.loss_and_grad(&t64, &p64, &mut g64, &mut ws64)?;
            let gmax = g64.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            let dg = g32
                .iter()
                .zip(&g64)
                .map(|(a, b)| (f64::from(*a) - b).abs())
                .fold(0.0, f64::max);
            println!(
                "{n:>7} {tau:>7} {:>12.2e} {:>18.2e}",
                (f64::from(v32) - v64).abs(),
                dg / gmax
            );
        }
    }
    Ok(())
}
