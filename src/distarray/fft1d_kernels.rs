//! The local halves of the distributed 1-d FFT ([`super`]): the passes each engine
//! runs on its own shard between two global transposes, and the tables of roots of
//! unity they multiply by. No communication here.
//!
//! - Step 2, [`columns_pass`]: FFTs down the columns of an `[n1, w]` shard, fused with
//!   the twiddle multiply, 16 columns at a time through a contiguous scratch.
//! - Step 4, [`rows_pass_transposed`]: FFTs along the rows, written out transposed,
//!   16 rows at a time while they are in cache.
//! - [`Roots`] and [`Chirp`]: `exp(2πi·m/n)` and `exp(iπ·g²/n)` from exact integer
//!   phases and two tables of `~√n` entries each, so the error does not grow with `n`.
//! - Plans come from `nd::fft::plan`: one rustfft planner per engine thread for every FFT.

use crate::nd::{NdArray, Store, C64};
use rustfft::num_complex::Complex;
use std::f64::consts::PI;
use std::mem::MaybeUninit;

/// The shard's elements as rustfft complex numbers, for writing.
pub(super) fn complex_mut(a: &mut NdArray) -> &mut [Complex<f64>] {
    let Store::C128(arr) = a.make_mut() else { unreachable!("the FFT works on c128") };
    let s: &mut [C64] = arr.as_slice_mut().expect("standard layout");
    const _: () = assert!(std::mem::size_of::<C64>() == std::mem::size_of::<Complex<f64>>());
    const _: () = assert!(std::mem::align_of::<C64>() == std::mem::align_of::<Complex<f64>>());
    // SAFETY: C64 and Complex<f64> are both #[repr(C)] structs of two f64, `re` then
    // `im` (same size and alignment, checked above); the slice is borrowed mutably for
    // the lifetime of the result, so nothing else sees it meanwhile.
    unsafe { std::slice::from_raw_parts_mut(s.as_mut_ptr().cast::<Complex<f64>>(), s.len()) }
}

/// The room of a buffer of c128 elements, as rustfft complex numbers to write.
pub(super) fn uninit_complex(s: &mut [MaybeUninit<C64>]) -> &mut [MaybeUninit<Complex<f64>>] {
    // SAFETY: MaybeUninit<T> has T's layout, and C64 and Complex<f64> have the same
    // layout (see `complex_mut`); the slice is borrowed mutably for the result's lifetime.
    unsafe { std::slice::from_raw_parts_mut(s.as_mut_ptr().cast(), s.len()) }
}

/// `exp(sign·2πi·m/n)` for any `m < n`, as the product of two table entries computed
/// directly (no recurrence, so no error growth).
struct Roots {
    bits: u32,
    lo: Vec<Complex<f64>>,
    hi: Vec<Complex<f64>>,
}

impl Roots {
    fn new(n: usize, sign: f64) -> Roots {
        let bits = (usize::BITS - (n - 1).leading_zeros()).div_ceil(2);
        let root = |m: usize| {
            let (s, c) = (sign * 2.0 * PI * m as f64 / n as f64).sin_cos();
            Complex::new(c, s)
        };
        let lo = (0..1usize << bits).map(root).collect();
        let hi = (0..n.div_ceil(1 << bits)).map(|j| root(j << bits)).collect();
        Roots { bits, lo, hi }
    }

    #[inline(always)]
    fn at(&self, m: usize) -> Complex<f64> {
        self.hi[m >> self.bits] * self.lo[m & ((1 << self.bits) - 1)]
    }
}

use crate::nd::fft::plan;

/// Columns and rows are moved through cache this many at a time.
const LANES: usize = 16;

/// Step 2 on the `[n1, w]` shard holding the columns `cols` (global indices, `w` of
/// them) of the `n1 × n2` matrix (`n = n1·n2`): FFTs down the columns, then each
/// element `(k1, col)` times
/// `exp(∓2πi·k1·col/n)` and `scale`, `LANES` columns at a time (gathered into
/// contiguous lanes, transformed, multiplied and put back while in cache).
pub(super) fn columns_pass(data: &mut [Complex<f64>], n1: usize, cols: &[usize], n: usize, inverse: bool, scale: f64) {
    let w = cols.len();
    if w == 0 {
        return;
    }
    let fft = plan(n1, inverse);
    let twiddles = Twiddles::new(n, inverse, scale);
    let mut lanes = vec![Complex::default(); n1 * LANES.min(w)];
    let mut scratch = vec![Complex::default(); fft.get_inplace_scratch_len()];
    for c0 in (0..w).step_by(LANES) {
        let cw = LANES.min(w - c0);
        for k in 0..n1 {
            for (j, &z) in data[k * w + c0..k * w + c0 + cw].iter().enumerate() {
                lanes[j * n1 + k] = z;
            }
        }
        fft.process_with_scratch(&mut lanes[..cw * n1], &mut scratch);
        for (j, lane) in lanes[..cw * n1].chunks_exact_mut(n1).enumerate() {
            twiddles.apply(lane, cols[c0 + j]);
        }
        for k in 0..n1 {
            for (j, z) in data[k * w + c0..k * w + c0 + cw].iter_mut().enumerate() {
                *z = lanes[j * n1 + k];
            }
        }
    }
}

/// The twiddles of step 2 (applied by [`columns_pass`], or by the fused column pass
/// [`super::super::fft_pass`] where the columns arrive): element `k1` of column `col` times
/// `exp(∓2πi·k1·col/n)` and `scale`.
pub(super) struct Twiddles {
    n: usize,
    /// With `scale` folded into its `lo` table.
    roots: Roots,
}

impl Twiddles {
    pub(super) fn new(n: usize, inverse: bool, scale: f64) -> Twiddles {
        let mut roots = Roots::new(n, if inverse { 1.0 } else { -1.0 });
        roots.lo.iter_mut().for_each(|z| *z *= scale);
        Twiddles { n, roots }
    }

    /// Multiplies the transformed column `col` (`lane[k1]`) by its twiddles. The
    /// phases `k1·col` stay below `n` (`k1 < n1`, `col < n2`): no reduction needed.
    pub(super) fn apply(&self, lane: &mut [Complex<f64>], col: usize) {
        assert!(lane.is_empty() || (lane.len() - 1) * col < self.n, "a column of the n1 × n2 matrix");
        for (k1, z) in lane.iter_mut().enumerate() {
            *z *= self.roots.at(k1 * col);
        }
    }
}

/// Step 4 on the `[h, n2]` shard `src`: FFTs along the rows, written transposed into
/// `dst` (`[n2, h]`, every element written), `LANES` rows at a time (transformed in
/// place, then copied out while in cache). `dst` may come in chunks of whole rows of
/// the transpose (each a multiple of `h` long, together `n2·h`): the pieces an
/// exchange sends, one per destination.
pub(super) fn rows_pass_transposed(
    src: &mut [Complex<f64>],
    dst: &mut [&mut [MaybeUninit<Complex<f64>>]],
    h: usize,
    n2: usize,
    inverse: bool,
) {
    let total: usize = dst.iter().map(|d| d.len()).sum();
    assert_eq!((src.len(), total), (h * n2, h * n2), "an [h, n2] shard and its transpose");
    assert!(h == 0 || dst.iter().all(|d| d.len() % h == 0), "chunks of whole rows");
    if h == 0 {
        return;
    }
    let fft = plan(n2, inverse);
    let mut scratch = vec![Complex::default(); fft.get_inplace_scratch_len()];
    for i0 in (0..h).step_by(LANES) {
        let r = LANES.min(h - i0);
        let block = &mut src[i0 * n2..(i0 + r) * n2];
        fft.process_with_scratch(block, &mut scratch);
        let mut j = 0;
        for chunk in dst.iter_mut() {
            for row in chunk.chunks_exact_mut(h) {
                for (i, o) in row[i0..i0 + r].iter_mut().enumerate() {
                    o.write(block[i * n2 + j]);
                }
                j += 1;
            }
        }
    }
}

/// The chirp `exp(sign·iπ·g²/n)` for `g < n`, from the exact phase `g² mod 2n` and a
/// table of the `2n`-th roots of unity.
pub(super) struct Chirp {
    n: usize,
    roots: Roots,
}

impl Chirp {
    pub(super) fn new(n: usize, sign: f64) -> Chirp {
        Chirp { n, roots: Roots::new(2 * n, sign) }
    }

    #[inline]
    pub(super) fn at(&self, g: usize) -> Complex<f64> {
        let r = if self.n <= u32::MAX as usize {
            (g as u64 * g as u64) % (2 * self.n as u64)
        } else {
            (g as u128 * g as u128 % (2 * self.n as u128)) as u64
        };
        self.roots.at(r as usize)
    }
}
