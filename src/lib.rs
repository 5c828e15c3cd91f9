//! Soft Spearman rank-correlation losses, value **and** analytic gradient,
//! for training on microcontrollers and hosts alike: `#![no_std]`, no
//! allocation, `f32` and `f64`.
//!
//! A port of `centimators.losses` (Keras 3): [`SpearmanCorrelation`] and
//! [`CombinedLoss`] give the same numbers as the reference (checked against
//! golden vectors from the real package) and their gradients with respect to
//! `y_pred`, in `O(n)` memory held in a fixed-capacity [`Workspace`].
//!
//! ```
//! use rankloss::{CombinedLoss, Loss, SpearmanCorrelation, Workspace};
//!
//! let y_true = [0.3_f32, -1.2, 2.5, 0.0, 1.1];
//! let y_pred = [0.2_f32, -0.8, 1.9, 0.4, 0.7];
//! let mut grad = [0.0_f32; 5];
//! let mut ws: Workspace<f32, 64> = Workspace::new(); // inputs of up to 64 values
//!
//! let sp = SpearmanCorrelation::new(1e-3_f32)?;
//! let v = sp.loss_and_grad(&y_true, &y_pred, &mut grad, &mut ws)?;
//! assert!((v + 0.9).abs() < 1e-4); // soft Spearman of one swapped pair: -0.9
//! assert!(grad.iter().sum::<f32>().abs() < 1e-6); // shift invariant
//!
//! let combined = CombinedLoss::<f32>::default(); // 2 * MSE + Spearman, tau = 1e-3
//! let c = combined.loss(&y_true, &y_pred, &mut ws)?;
//! assert!(c > v);
//!
//! // Bad input is a typed error, never a panic or a NaN.
//! assert!(sp.loss(&y_true, &[f32::NAN; 5], &mut ws).is_err());
//! # Ok::<(), rankloss::Error>(())
//! ```
//!
//! # Features
//! - none (default): `no_std`, scalar kernels, `libm` float functions;
//! - `std`: `std`'s float functions and `wide` SIMD inner loops;
//! - `defmt`: `defmt::Format` for the public types.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod check;
mod combined;
mod error;
mod loss;
mod pearson;
mod real;
#[cfg(feature = "std")]
mod simd;
mod soft_rank;
mod spearman;
mod workspace;

pub use combined::CombinedLoss;
pub use error::{Arg, Error, Param};
pub use loss::{Loss, PreparedTarget};
pub use real::Real;
pub use soft_rank::Kernel;
pub use spearman::SpearmanCorrelation;
pub use workspace::Workspace;

/// The README's examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
