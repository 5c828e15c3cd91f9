//! A `no_std`, `no_main` binary with its own panic handler and no global
//! allocator that uses rankloss. It cannot link if any crate in rankloss's
//! dependency graph needs `std` (`duplicate lang item 'panic_impl'`) or
//! `alloc` (`no global memory allocator found`). Exit status 0 when the
//! losses also give the expected values.
#![no_std]
#![no_main]

use core::hint::black_box;
use rankloss::{CombinedLoss, Error, Loss, SpearmanCorrelation, Workspace};

// The C library only for its start-up code (which calls `main`) and memcpy/memset.
#[link(name = "c")]
extern "C" {}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

// The prebuilt x86_64 `core` is compiled for unwinding and refers to this
// symbol; with `panic = "abort"` it is never called.
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}

/// With the `defmt` feature: the public types implement `defmt::Format`.
#[cfg(feature = "defmt")]
fn formats() {
    fn is_format<T: defmt::Format>() {}
    is_format::<Error>();
    is_format::<SpearmanCorrelation<f32>>();
    is_format::<CombinedLoss<f64>>();
    is_format::<rankloss::Kernel>();
}
#[cfg(not(feature = "defmt"))]
fn formats() {}

fn run() -> Result<bool, Error> {
    let t = [0.3f32, -1.2, 2.5, 0.0, 1.1];
    let p = [0.2f32, -0.8, 1.9, 0.4, 0.7];
    let mut grad = [0.0f32; 5];
    let mut ws: Workspace<f32, 8> = Workspace::new();
    let sp = SpearmanCorrelation::new(1e-3f32)?;
    let v = sp.loss_and_grad(black_box(&t), black_box(&p), &mut grad, &mut ws)?;
    // One swapped pair: soft Spearman -0.9; the gradient sums to 0.
    let ok_sp = (v + 0.9).abs() < 1e-4 && grad.iter().sum::<f32>().abs() < 1e-5;

    let t64 = [0.5f64, -1.0, 2.0, 0.25];
    let p64 = [0.4f64, -0.9, 1.0, 0.3];
    let mut g64 = [0.0f64; 4];
    let mut ws64: Workspace<f64, 4> = Workspace::new();
    let c =
        CombinedLoss::<f64>::default().loss_and_grad(black_box(&t64), &p64, &mut g64, &mut ws64)?;
    let ok_cb = c.is_finite() && c > -1.0 && g64.iter().all(|g| g.is_finite());

    let ok_err = sp.loss(&t, &p[..4], &mut ws).is_err();
    Ok(ok_sp && ok_cb && ok_err)
}

#[no_mangle]
pub extern "C" fn main(_argc: core::ffi::c_int, _argv: *const *const u8) -> core::ffi::c_int {
    formats();
    match run() {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(_) => 2,
    }
}
