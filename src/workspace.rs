//! `Workspace<T, N>`: the fixed-capacity scratch memory of a loss call.

use heapless::Vec;

/// Scratch memory for inputs of up to `N` elements.
///
/// A loss call borrows it mutably and leaves nothing in it that a later call
/// depends on: every call overwrites what it reads, so a workspace can be
/// reused across calls, losses and input lengths (`n <= N`), with
/// bit-identical results.
///
/// It holds four buffers of `N` floats and one of `N` `u32` indices, each
/// with a `usize` length, and no heap memory:
/// `size_of::<Workspace<T, N>>() = N * (4 * size_of::<T>() + 4) + 5 * size_of::<usize>()`
/// (up to alignment padding). For example `Workspace<f32, 64>` is 1,300 bytes
/// on a 32-bit microcontroller and `Workspace<f64, 4096>` 147,496 bytes on
/// a 64-bit host. [`Workspace::BYTES`] gives the exact number.
///
/// `Workspace::new` is `const` and does not touch the buffers, so a large
/// workspace can be a `static` at no start-up cost. (`Box::new(Workspace::new())`
/// may build the value on the stack first in unoptimised builds: for a large
/// `N` on a host prefer a `static` or a thread with a larger stack.)
pub struct Workspace<T, const N: usize> {
    /// Sorted (or copied) values of the vector being ranked.
    pub(crate) vs: Vec<T, N>,
    /// Permutation: `vs[k] = x[idx[k]]`.
    pub(crate) idx: Vec<u32, N>,
    /// Centred soft ranks, then the rank gradient `G`, in `vs` order.
    pub(crate) b: Vec<T, N>,
    /// Kernel accumulator in `vs` order.
    pub(crate) acc: Vec<T, N>,
    /// Centred soft ranks of the targets, in input order.
    pub(crate) a: Vec<T, N>,
}

impl<T, const N: usize> Workspace<T, N> {
    /// The capacity `N`: the largest input length this workspace accepts.
    pub const CAPACITY: usize = N;
    /// `size_of::<Self>()` in bytes.
    pub const BYTES: usize = core::mem::size_of::<Self>();

    /// An empty workspace (no initialisation of the buffers).
    pub const fn new() -> Self {
        Self {
            vs: Vec::new(),
            idx: Vec::new(),
            b: Vec::new(),
            acc: Vec::new(),
            a: Vec::new(),
        }
    }
}

impl<T, const N: usize> Default for Workspace<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize> core::fmt::Debug for Workspace<T, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Workspace")
            .field("capacity", &N)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::Workspace;
    use core::mem::size_of;

    #[test]
    fn size_is_the_documented_formula() {
        let word = size_of::<usize>();
        // Four float buffers and one u32 buffer, each with a usize length;
        // the u32 buffer is padded to the alignment of usize.
        let u32_buf = |n: usize| (word + 4 * n).next_multiple_of(word);
        assert_eq!(
            Workspace::<f32, 64>::BYTES,
            4 * (word + 4 * 64).next_multiple_of(word) + u32_buf(64)
        );
        assert_eq!(
            Workspace::<f64, 4096>::BYTES,
            4 * (word + 8 * 4096) + u32_buf(4096)
        );
        if word == 8 {
            assert_eq!(Workspace::<f64, 4096>::BYTES, 147_496);
            assert_eq!(Workspace::<f32, 4096>::BYTES, 81_960);
        }
        // At most 6 machine words per element, whatever the float.
        assert!(Workspace::<f64, 4096>::BYTES <= 6 * word * 4096 + 64);
    }
}
