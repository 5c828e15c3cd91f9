//! Decoding fuzzer bytes into loss parameters and input vectors.
//!
//! Generation is biased toward the values that break float code: a table of
//! specials (signed zeros, subnormals, `MAX`, `MAX / 2`, infinities, NaN,
//! `1 +- EPSILON`, ...) is picked from often, vectors come in shapes with
//! exact ties, spreads of a few ulps, permutations, near copies of the
//! targets, constants. When the bytes run out, a generator seeded from a
//! hash of the input continues, so that short inputs still reach long
//! vectors (up to 300 values).

use rankloss::Real;

/// Reads bytes from the fuzzer input, then from a seeded generator.
pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    state: u64,
}

impl<'a> Cursor<'a> {
    /// A cursor over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        // FNV-1a of the whole input seeds the continuation.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in data {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Cursor {
            data,
            pos: 0,
            state: h,
        }
    }

    fn next64(&mut self) -> u64 {
        // splitmix64
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// The next byte.
    pub fn u8(&mut self) -> u8 {
        match self.data.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                b
            }
            None => (self.next64() >> 56) as u8,
        }
    }

    /// Two bytes, little endian.
    pub fn u16(&mut self) -> u16 {
        u16::from(self.u8()) | (u16::from(self.u8()) << 8)
    }

    /// Four bytes, little endian.
    pub fn u32(&mut self) -> u32 {
        u32::from(self.u16()) | (u32::from(self.u16()) << 16)
    }

    /// Eight bytes, little endian.
    pub fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | (u64::from(self.u32()) << 32)
    }

    /// A boolean.
    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// A number in `0..n` (`n <= 65536`, `n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        usize::from(self.u16()) % n
    }

    /// A uniform `f64` in `[0, 1)` from the generator (not the input: used
    /// for bulk values, where input bytes would be spent too fast).
    pub fn unit(&mut self) -> f64 {
        (self.next64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `f32` and `f64` as the harness needs them.
pub trait Fl: Real {
    /// Values that break float code; indexed by a byte.
    const SPECIALS: &'static [Self];
    /// Smallest and largest binary exponent of a finite value (subnormals
    /// included).
    const EXP_RANGE: (i32, i32);
    /// Unit roundoff.
    const UNIT: f64;
    /// The bits, widened.
    fn bits(self) -> u64;
    /// A value from (the low) bits.
    fn of_bits(b: u64) -> Self;
    /// Any bit pattern (NaNs included) read from the cursor.
    fn raw(c: &mut Cursor) -> Self;
}

macro_rules! specials {
    ($t:ident, $sqrt_max:expr) => {
        &[
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -0.5,
            2.0,
            3.0,
            -3.0,
            1e-3,
            -1e-3,
            1e-7,
            1e-30,
            -1e-30,
            1e10,
            -1e10,
            1e30,
            -1e30,
            $t::MIN_POSITIVE,
            -$t::MIN_POSITIVE,
            $t::MIN_POSITIVE / 2.0,
            -$t::MIN_POSITIVE / 4.0,
            $t::from_bits(1),
            -$t::from_bits(1),
            $t::from_bits(3),
            $t::MAX,
            -$t::MAX,
            $t::MAX / 2.0,
            -$t::MAX / 2.0,
            $sqrt_max,
            -$sqrt_max,
            $t::EPSILON,
            -$t::EPSILON,
            1.0 + $t::EPSILON,
            1.0 - $t::EPSILON / 2.0,
            1.0 + 2.0 * $t::EPSILON,
            $t::INFINITY,
            $t::NEG_INFINITY,
            $t::NAN,
            -$t::NAN,
            0.1,
            -0.1,
            100.0,
            1e-3 + 1e-3 * $t::EPSILON,
        ]
    };
}

impl Fl for f32 {
    const SPECIALS: &'static [Self] = specials!(f32, 1.8446743e19);
    const EXP_RANGE: (i32, i32) = (-149, 127);
    const UNIT: f64 = f32::EPSILON as f64 / 2.0;
    fn bits(self) -> u64 {
        u64::from(self.to_bits())
    }
    fn of_bits(b: u64) -> Self {
        f32::from_bits(b as u32)
    }
    fn raw(c: &mut Cursor) -> Self {
        f32::from_bits(c.u32())
    }
}

impl Fl for f64 {
    const SPECIALS: &'static [Self] = specials!(f64, 1.3407807929942596e154);
    const EXP_RANGE: (i32, i32) = (-1074, 1023);
    const UNIT: f64 = f64::EPSILON / 2.0;
    fn bits(self) -> u64 {
        self.to_bits()
    }
    fn of_bits(b: u64) -> Self {
        f64::from_bits(b)
    }
    fn raw(c: &mut Cursor) -> Self {
        f64::from_bits(c.u64())
    }
}

/// A special value.
pub fn special<T: Fl>(c: &mut Cursor) -> T {
    T::SPECIALS[usize::from(c.u8()) % T::SPECIALS.len()]
}

/// `m * 2^e` for any finite exponent of `T`, either sign.
fn log_uniform<T: Fl>(c: &mut Cursor) -> T {
    let (lo, hi) = T::EXP_RANGE;
    let e = lo + c.below((hi - lo + 1) as usize) as i32;
    let m = 1.0 + f64::from(c.u16()) / 65536.0;
    let x = m * 2f64.powi(e.max(-1022)) * 2f64.powi((e + 1022).min(0));
    let x = T::from_f64(x);
    if c.bool() {
        -x
    } else {
        x
    }
}

/// One value, biased toward specials and small exact numbers (ties).
pub fn value<T: Fl>(c: &mut Cursor) -> T {
    match c.u8() {
        0..=109 => special(c),
        110..=169 => T::from_f64(f64::from(c.u8() as i8) / 8.0),
        170..=199 => T::raw(c),
        _ => log_uniform(c),
    }
}

/// A loss parameter (`tau`, a weight, a guard threshold): specials, typical
/// valid values, any value.
pub fn param<T: Fl>(c: &mut Cursor) -> T {
    match c.u8() % 8 {
        0..=2 => special(c),
        3..=5 => {
            let k = i32::from(c.u8() % 13);
            let m = f64::from(1 + c.u8() % 10);
            T::from_f64(m * 10f64.powi(-k))
        }
        6 => log_uniform(c),
        _ => T::raw(c),
    }
}

/// A length in `0..=300`, mostly small (the kernels are `O(n^2)`: long
/// vectors are kept rare so that they do not eat the execution rate).
pub fn len(c: &mut Cursor) -> usize {
    match c.u8() {
        b @ 0..=159 => usize::from(b % 10),
        b @ 160..=245 => usize::from(b % 65),
        _ => c.below(301),
    }
}

/// A length that is `n` most of the time.
pub fn len_like(c: &mut Cursor, n: usize) -> usize {
    match c.u8() {
        0..=231 => n,
        232..=243 => n + 1,
        244..=249 => n.saturating_sub(1),
        _ => len(c),
    }
}

/// A vector of `n` values in one of several shapes; `base` (the targets,
/// when generating predictions) enables shapes derived from it.
pub fn vector<T: Fl>(c: &mut Cursor, n: usize, base: Option<&[T]>) -> Vec<T> {
    let mut v = Vec::with_capacity(n);
    match c.u8() % 9 {
        // Every value from the biased generator.
        0 | 1 => (0..n).for_each(|_| v.push(value(c))),
        // Exact ties: a palette of 1 to 4 values.
        2 => {
            let k = 1 + c.below(4);
            let pal: Vec<T> = (0..k).map(|_| value(c)).collect();
            (0..n).for_each(|_| v.push(pal[c.below(k)]));
        }
        // A spread of a few ulps around one value (may step into inf/NaN).
        3 => {
            let x: T = value(c);
            let b = x.bits();
            (0..n).for_each(|_| {
                let d = i64::from(c.u8() as i8 >> 3);
                v.push(T::of_bits(b.wrapping_add(d as u64)));
            });
        }
        // base + k * delta, small integers k: tiny or huge spreads, ties.
        4 => {
            let (x, d): (T, T) = (value(c), param(c));
            (0..n).for_each(|_| v.push(x + d * T::from_f64(f64::from(c.u8() as i8 >> 2))));
        }
        // Generator values at a chosen scale, optionally rounded (ties).
        5 => {
            let scale: T = param(c);
            let round = c.bool();
            (0..n).for_each(|_| {
                let u = 2.0 * c.unit() - 1.0;
                let u = if round { (u * 8.0).round() / 8.0 } else { u };
                v.push(T::from_f64(u) * scale);
            });
        }
        // A permutation of 0..n, spaced and offset: distinct, exact ranks.
        6 => {
            let (x, s): (T, T) = (value(c), param(c));
            let mut perm: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                perm.swap(i, c.below(i + 1));
            }
            perm.iter().for_each(|&k| v.push(x + s * T::from_usize(k)));
        }
        // Derived from the targets: copies, negations, affine maps, swaps.
        7 if base.is_some_and(|b| !b.is_empty()) => {
            let b = base.unwrap_or(&[]);
            let at = |i: usize| b[i % b.len()];
            match c.u8() % 5 {
                0 => (0..n).for_each(|i| v.push(at(i))),
                1 => (0..n).for_each(|i| v.push(-at(i))),
                2 => {
                    let (a, d): (T, T) = (value(c), value(c));
                    (0..n).for_each(|i| v.push(a * at(i) + d));
                }
                3 => {
                    let d: T = param(c);
                    (0..n).for_each(|i| {
                        v.push(at(i) + d * T::from_f64(f64::from(c.u8() as i8 >> 4)))
                    });
                }
                _ => {
                    (0..n).for_each(|i| v.push(at(i)));
                    if n > 1 {
                        for _ in 0..1 + c.below(3) {
                            let (i, j) = (c.below(n), c.below(n));
                            v.swap(i, j);
                        }
                    }
                }
            }
        }
        // Constant.
        _ => {
            let x: T = value(c);
            v.resize(n, x);
        }
    }
    // Sometimes overwrite a few positions (a NaN at index 137, a MAX among
    // small values, ...).
    if n > 0 && c.u8() < 40 {
        for _ in 0..1 + c.below(3) {
            let i = c.below(n);
            v[i] = value(c);
        }
    }
    v
}
