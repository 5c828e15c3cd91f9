//! `std` only: `wide` SIMD inner rows of the soft-rank kernels.
//!
//! One module per float type (`f32` on `f32x8`, `f64` on `f64x4`) with the
//! two rows `row_forward` and `row_grad`: same contract as
//! `row_forward_scalar` / `row_grad_scalar` in `real.rs`, same results up
//! to rounding. Needs `wide` 1.6 or later (`to_bits` / `from_bits`).
//!
//! - The exponential is `exp_pair`, a branch-free `e^x` *and* `e^x - 1`
//!   for `x <= 0`: Cody-Waite reduction `x = r ln 2 + f`,
//!   `|f| <= ln(2)/2`, a Taylor polynomial for `expm1(f)` (degree 7 in
//!   `f32`, 13 in `f64`), then `e^x = 2^r (1 + expm1(f))` and
//!   `e^x - 1 = (2^r - 1) + 2^r expm1(f)`. For `r = 0` (`|x| <= ln(2)/2`)
//!   the second is `expm1(f)` itself, so small arguments keep their full
//!   relative accuracy with no blend. Against `std` over `x` in `[-87, 0]`
//!   (`f32`) and `[-708, 0]` (`f64`): at most 1 ulp for both.
//! - `x` is clamped to `-88` (`f32`) / `-709` (`f64`), where `2^r` is built
//!   with a zero exponent field, i.e. is exactly 0: every larger `|x|`,
//!   `-inf` included (in [`Kernel::Pairwise`](crate::Kernel::Pairwise)
//!   every pair is evaluated and `|d| / tau` may overflow), gives `e^x = 0`
//!   and `e^x - 1 = -1`, so `sigmoid' = 0` and `h = -1/2` exactly, never
//!   NaN. (`std` returns subnormals below `1.2e-38` / `2.3e-308` there; the
//!   tests' tolerance accounts for that.)
//! - `|d|` is divided by `tau`, as in the scalar rows (no reciprocal: `tau`
//!   may be subnormal).
//! - Lanes accumulate their own sums, reduced at the end of the row: the
//!   row sum is rounded differently from the scalar left-to-right sum.
//!   `tests/simd.rs` bounds the resulting differences of the losses and
//!   gradients (`O(n u)` relative to the size of the terms).
//! - Rows of at most `SCALAR_TAIL` elements (most rows of a narrow window)
//!   and tails of that length use the scalar row; a longer tail runs as one
//!   more SIMD chunk on a copy padded with neutral lanes (`v_j = v_i`,
//!   `g_j = g_i`: `h = 0`, `q = 0`). On the development host a padded
//!   chunk costs about as much as 4 scalar elements in `f32` and 3 in
//!   `f64`, hence `SCALAR_TAIL` = 3 and 2.
//!
//! # Why SIMD here (measured)
//!
//! Development host: AMD EPYC, 2 shared cores, default `x86_64` target
//! (SSE2, no FMA). Per element, best of 7 runs over 2^16 arguments:
//!
//! | evaluation                         | `f32`  | `f64`   |
//! |------------------------------------|--------|---------|
//! | `std` `exp` (scalar)               | 3.5 ns | 8.0 ns  |
//! | `libm` `exp` (scalar, no `std`)    | 9.9 ns | 10.8 ns |
//! | `wide` `exp` (`f32x8` / `f64x4`)   | 2.3 ns | 5.6 ns  |
//! | `exp_pair` (`e^x` and `e^x - 1`)   | 1.1 ns | 4.1 ns  |
//!
//! Under `std`, `num-traits` uses `std`'s functions, which beat `libm`.
//! `wide`'s `exp` spends extra passes on overflow, NaN and subnormal
//! handling that these arguments (`<= 0`, never NaN) do not need. Whole
//! rows of 4096 elements (forward / gradient, scalar rows with `std`):
//! `f32` about 3.3 ns per element with SIMD against 10-11 ns scalar, `f64`
//! about 8 ns against 14 ns. SIMD wins for both types once a row has more
//! than a few elements, so both use it (end-to-end ratios:
//! `examples/bench_table.rs`). With `-C target-cpu=native` (AVX2, FMA) the
//! SIMD rows run about twice as fast again.

macro_rules! simd_rows {
    (
        $(#[$doc:meta])*
        $m:ident, $t:ident, $v:ident, $lanes:literal,
        scalar_tail = $scalar_tail:literal,
        clamp = $clamp:expr,
        magic = $magic:expr,
        mantissa_bits = $mbits:literal,
        ln2 = ($ln2_hi:expr, $ln2_lo:expr),
        taylor = [$($c:expr),+ $(,)?]
    ) => {
        $(#[$doc])*
        pub(crate) mod $m {
            use crate::real::{row_forward_scalar, row_grad_scalar};
            use wide::$v;

            /// Lanes per vector.
            const L: usize = $lanes;
            /// Tails up to this long run in the scalar row (see the module
            /// docs).
            const SCALAR_TAIL: usize = $scalar_tail;

            /// `(e^x, e^x - 1)` for every lane, for `x <= 0` (any such
            /// value, `-inf` included; not NaN). See the module docs.
            #[inline(always)]
            pub(crate) fn exp_pair(x: $v) -> ($v, $v) {
                let x = x.fast_max($v::splat($clamp));
                // t = x log2(e) + 1.5 * 2^p + bias: the addition rounds
                // x log2(e) to the nearest integer r and leaves `bias + r`
                // in the low bits of t's significand.
                let magic = $v::splat($magic);
                let t = x * $v::splat(core::$t::consts::LOG2_E) + magic;
                let r = t - magic;
                // 2^r: `bias + r` shifted into the exponent field (the
                // higher bits of t's significand fall off the top). At the
                // clamp `bias + r = 0`: exactly 0.
                let scale = $v::from_bits(t.to_bits() << $mbits);
                // Cody-Waite: r * ln2_hi is exact.
                let f = x - r * $v::splat($ln2_hi) - r * $v::splat($ln2_lo);
                // expm1(f) = f + f^2 (1/2! + f/3! + ...), Horner.
                let mut p = $v::ZERO;
                $( p = p * f + $v::splat(1.0 / $c); )+
                let p = p * (f * f) + f;
                let e = scale * p + scale;
                let m = (scale - $v::ONE) + scale * p;
                (e, m)
            }

            /// `h(d) = sigmoid(-d / tau) - 1/2` per lane, for `d = v_j - v_i`
            /// (as `centred_sigmoid`).
            #[inline(always)]
            fn centred_sigmoid(d: $v, tau: $v) -> $v {
                let two = $v::splat(2.0);
                let (_, m) = exp_pair(-(d.abs() / tau));
                let h = m / (two * (two + m)); // <= 0
                // Negative for d > 0, flipped for d < 0: xor the sign of d.
                h ^ (d & $v::splat(-0.0))
            }

            /// `sigmoid'(d / tau)` per lane (as `sigmoid_prime`).
            #[inline(always)]
            fn sigmoid_prime(d: $v, tau: $v) -> $v {
                let (e, _) = exp_pair(-(d.abs() / tau));
                let one_e = $v::ONE + e;
                e / (one_e * one_e)
            }

            /// One lane-chunk of the forward row: `acc -= h`, returns `h`.
            #[inline(always)]
            fn forward_chunk(vi: $v, tau: $v, vs: &[$t; L], acc: &mut [$t; L]) -> $v {
                let h = centred_sigmoid($v::from(*vs) - vi, tau);
                *acc = ($v::from(*acc) - h).into();
                h
            }

            /// One lane-chunk of the gradient row: `acc -= q`, returns `q`.
            #[inline(always)]
            fn grad_chunk(
                vi: $v,
                gi: $v,
                tau: $v,
                vs: &[$t; L],
                gs: &[$t; L],
                acc: &mut [$t; L],
            ) -> $v {
                let q = sigmoid_prime($v::from(*vs) - vi, tau) * (gi - $v::from(*gs));
                *acc = ($v::from(*acc) - q).into();
                q
            }

            /// SIMD forward row, same contract as `row_forward_scalar`.
            #[inline]
            pub(crate) fn row_forward(vi: $t, tau: $t, vs: &[$t], acc: &mut [$t]) -> $t {
                // Short rows (most rows of narrow windows): scalar. The
                // length check also keeps the scalar contract if the
                // lengths differ (not reached from the kernels).
                if vs.len() <= SCALAR_TAIL || vs.len() != acc.len() {
                    return row_forward_scalar(vi, tau, vs, acc);
                }
                let (viv, tauv) = ($v::splat(vi), $v::splat(tau));
                let (vc, vt) = vs.as_chunks::<L>();
                let (ac, at) = acc.as_chunks_mut::<L>();
                let mut sum = $v::ZERO;
                for (v, a) in vc.iter().zip(ac.iter_mut()) {
                    sum += forward_chunk(viv, tauv, v, a);
                }
                if vt.len() <= SCALAR_TAIL {
                    return sum.reduce_add() + row_forward_scalar(vi, tau, vt, at);
                }
                // Padding v_j = v_i gives h = 0: no effect on the sum.
                let v = core::array::from_fn(|k| vt.get(k).copied().unwrap_or(vi));
                let mut a = core::array::from_fn(|k| at.get(k).copied().unwrap_or(0.0));
                sum += forward_chunk(viv, tauv, &v, &mut a);
                at.iter_mut().zip(a).for_each(|(x, y)| *x = y);
                sum.reduce_add()
            }

            /// SIMD gradient row, same contract as `row_grad_scalar`.
            #[inline]
            pub(crate) fn row_grad(
                vi: $t,
                gi: $t,
                tau: $t,
                vs: &[$t],
                gs: &[$t],
                acc: &mut [$t],
            ) -> $t {
                if vs.len() <= SCALAR_TAIL || vs.len() != acc.len() || gs.len() != acc.len() {
                    return row_grad_scalar(vi, gi, tau, vs, gs, acc);
                }
                let (viv, giv, tauv) = ($v::splat(vi), $v::splat(gi), $v::splat(tau));
                let (vc, vt) = vs.as_chunks::<L>();
                let (gc, gt) = gs.as_chunks::<L>();
                let (ac, at) = acc.as_chunks_mut::<L>();
                let mut sum = $v::ZERO;
                for ((v, g), a) in vc.iter().zip(gc).zip(ac.iter_mut()) {
                    sum += grad_chunk(viv, giv, tauv, v, g, a);
                }
                if vt.len() <= SCALAR_TAIL {
                    return sum.reduce_add() + row_grad_scalar(vi, gi, tau, vt, gt, at);
                }
                // Padding g_j = g_i gives q = 0: no effect on the sum.
                let v = core::array::from_fn(|k| vt.get(k).copied().unwrap_or(vi));
                let g = core::array::from_fn(|k| gt.get(k).copied().unwrap_or(gi));
                let mut a = core::array::from_fn(|k| at.get(k).copied().unwrap_or(0.0));
                sum += grad_chunk(viv, giv, tauv, &v, &g, &mut a);
                at.iter_mut().zip(a).for_each(|(x, y)| *x = y);
                sum.reduce_add()
            }
        }
    };
}

simd_rows!(
    /// `f32` rows on `f32x8`.
    f32, f32, f32x8, 8,
    scalar_tail = 3,
    clamp = -88.0,
    magic = 12_582_912.0 + 127.0, // 1.5 * 2^23 + exponent bias
    mantissa_bits = 23,
    // ln 2 = hi + lo, hi with 9 significant bits (r * hi exact for |r| < 2^15).
    ln2 = (355.0 / 512.0, -2.121_944_4e-4),
    // 1/k! for k = 7 down to 2 (truncation error below 2e-8 relative).
    taylor = [5040.0, 720.0, 120.0, 24.0, 6.0, 2.0]
);

simd_rows!(
    /// `f64` rows on `f64x4`.
    f64, f64, f64x4, 4,
    scalar_tail = 2,
    clamp = -709.0,
    magic = 6_755_399_441_055_744.0 + 1023.0, // 1.5 * 2^52 + exponent bias
    mantissa_bits = 52,
    // fdlibm's split of ln 2 (r * hi exact for |r| <= 1024).
    ln2 = (
        core::primitive::f64::from_bits(0x3FE6_2E42_FEE0_0000),
        core::primitive::f64::from_bits(0x3DEA_39EF_3579_3C76)
    ),
    // 1/k! for k = 13 down to 2 (truncation error below 2e-17 relative).
    taylor = [
        6_227_020_800.0,
        479_001_600.0,
        39_916_800.0,
        3_628_800.0,
        362_880.0,
        40_320.0,
        5_040.0,
        720.0,
        120.0,
        24.0,
        6.0,
        2.0
    ]
);
