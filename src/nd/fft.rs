//! Fast Fourier transforms of a whole in-memory array along any of its axes, with
//! rustfft: the local half of `da::fft*`, and what the distributed half runs on each
//! shard once the axes it transforms are whole on the engine.
//!
//! - **Dtypes**: the result is always `c128`. Real, integer and bool inputs are
//!   promoted to complex first (as NumPy does: `fft` of `[1, 0, 0]` is `[1, 1, 1]`);
//!   nothing is refused.
//! - **Normalization**: the forward transform is unscaled, the inverse divides by the
//!   length of each transformed axis, so `ifft(fft(a)) == a` up to rounding.
//! - **Batching**: along the last axis the lanes are contiguous and the whole buffer is
//!   handed to rustfft at once; along another axis 16 lanes at a time are gathered
//!   into contiguous rows (`n + 8` apart, so that they do not share cache sets),
//!   transformed, and put back (a scratch of 16 lanes, not of the shard). One
//!   [`FftPlanner`] per thread (an engine is one thread) keeps the plans, so repeated
//!   transforms of the same length plan once.
//! - **Copies**: [`fft_axes_owned`] transforms a `c128` array that nothing shares in its
//!   own storage (`C64` is layout-identical to rustfft's `Complex<f64>` and is seen as
//!   it, no conversion); otherwise the input is copied once into the result.

use super::{store, DType, NdArray, NdError, Store, C64};
use crate::interrupt::Interrupted;
use rustfft::num_complex::Complex;
use rustfft::{FftDirection, FftPlanner};
use std::cell::RefCell;

thread_local! {
    static PLANNER: RefCell<FftPlanner<f64>> = RefCell::new(FftPlanner::new());
}

/// This thread's plan for transforms of length `n` (planned once per length and
/// direction; a cached plan costs ~2 µs to fetch). Shared by every FFT in pshell, so an
/// engine keeps one planner.
pub fn plan(n: usize, inverse: bool) -> std::sync::Arc<dyn rustfft::Fft<f64>> {
    let direction = if inverse { FftDirection::Inverse } else { FftDirection::Forward };
    PLANNER.with(|p| p.borrow_mut().plan_fft(n, direction))
}

// `C64` and rustfft's `Complex<f64>` are both `#[repr(C)] { re: f64, im: f64 }`; the
// transforms run on a shard's own `C64` storage seen as `Complex<f64>`.
const _: () = assert!(
    std::mem::size_of::<C64>() == std::mem::size_of::<Complex<f64>>()
        && std::mem::align_of::<C64>() == std::mem::align_of::<Complex<f64>>()
);

/// `x` seen as rustfft's complex type (no copy).
fn as_complex(x: &mut [C64]) -> &mut [Complex<f64>] {
    // SAFETY: both types are `#[repr(C)]` pairs of f64 (re, im) of equal size and
    // alignment (checked above), every bit pattern is valid for both, and the new
    // slice borrows `x` mutably for its whole life.
    unsafe { std::slice::from_raw_parts_mut(x.as_mut_ptr().cast::<Complex<f64>>(), x.len()) }
}

/// Bytes of input copied and transformed at a time when the first transform runs
/// along the last axis: small enough to stay in the L2 cache between the two.
const CHUNK_BYTES: usize = 512 << 10;

/// The (inverse if `inverse`) FFT of `a` along each of `axes` in turn, as a `c128` array
/// of the same shape. Axes must be in range (the callers check them).
pub fn fft_axes(a: &NdArray, axes: &[usize], inverse: bool) -> Result<NdArray, NdError> {
    fft_axes_owned(a.clone(), axes, inverse)
}

/// [`fft_axes`] taking the array: a `c128` array that nothing else shares is
/// transformed in its own storage, with no copy. Otherwise the result is one new
/// buffer; when the first axis is the last one, the input is copied into it a few rows
/// at a time, each transformed while it is still in cache.
pub fn fft_axes_owned(a: NdArray, axes: &[usize], inverse: bool) -> Result<NdArray, NdError> {
    crate::interrupt::check("fft")?;
    let shape = a.shape().to_vec();
    let a = if a.dtype() == DType::C128 { a } else { a.astype(DType::C128)? };
    let mut rest = axes;
    let mut data: Vec<C64> = if a.is_unique() {
        let Store::C128(x) = a.into_store() else { unreachable!("promoted to c128 above") };
        store::into_vec(x)
    } else {
        let src = a.as_slice::<C64>().expect("c128 in standard layout");
        let mut out = store::uninit::<C64>(src.len());
        match axes.first() {
            Some(&first) if first + 1 == shape.len() && shape[first] > 0 => {
                let n = shape[first];
                let rows = (CHUNK_BYTES / (16 * n)).max(1);
                for chunk in src.chunks(rows * n) {
                    let at = out.len();
                    out.extend_from_slice(chunk);
                    transform(as_complex(&mut out[at..]), &shape, first, inverse)?;
                }
                rest = &axes[1..];
            }
            _ => out.extend_from_slice(src),
        }
        out
    };
    for &axis in rest {
        transform(as_complex(&mut data), &shape, axis, inverse)?;
    }
    Ok(NdArray::from_vec(&shape, data))
}

/// Lanes gathered at a time along a non-last axis.
const LANES: usize = 16;
/// Extra elements between gathered lanes (see [`transform`]).
const PAD: usize = 8;

/// Transforms `data` (row-major, `shape`) in place along `axis`, checking for an
/// interrupt every [`CHUNK_BYTES`] or so (then `data` is partly transformed: callers
/// own it and drop it).
pub fn transform(data: &mut [Complex<f64>], shape: &[usize], axis: usize, inverse: bool) -> Result<(), Interrupted> {
    let n = shape[axis];
    if n <= 1 || data.is_empty() {
        return Ok(());
    }
    let inner: usize = shape[axis + 1..].iter().product();
    let fft = plan(n, inverse);
    let mut scratch = vec![Complex::default(); fft.get_inplace_scratch_len()];
    let scale = if inverse { 1.0 / n as f64 } else { 1.0 };
    if inner == 1 {
        let rows = (CHUNK_BYTES / (16 * n)).max(1);
        for chunk in data.chunks_mut(rows * n) {
            crate::interrupt::check("fft")?;
            fft.process_with_scratch(chunk, &mut scratch);
            if inverse {
                chunk.iter_mut().for_each(|z| *z *= scale);
            }
        }
        return Ok(());
    }
    // A few lanes at a time: gathered into contiguous rows, transformed, put back
    // (scaled on the way for the inverse). The lanes lie `n + PAD` apart: at exactly
    // `n` (a power of two) the same element of the 16 lanes would fall in one cache
    // set, and each gathered row would evict the lines the previous ones filled.
    let stride = n + PAD;
    let mut lanes = vec![Complex::default(); stride * LANES.min(inner)];
    for chunk in data.chunks_exact_mut(n * inner) {
        for c0 in (0..inner).step_by(LANES) {
            crate::interrupt::check("fft")?;
            let w = LANES.min(inner - c0);
            for k in 0..n {
                let row = &chunk[k * inner + c0..k * inner + c0 + w];
                for (j, &z) in row.iter().enumerate() {
                    lanes[j * stride + k] = z;
                }
            }
            for lane in lanes.chunks_exact_mut(stride).take(w) {
                fft.process_with_scratch(&mut lane[..n], &mut scratch);
            }
            for k in 0..n {
                let row = &mut chunk[k * inner + c0..k * inner + c0 + w];
                for (j, z) in row.iter_mut().enumerate() {
                    *z = lanes[j * stride + k] * scale;
                }
            }
        }
    }
    Ok(())
}

/// One piece of a stack for [`transform_pieces`]: its row `r` (of `len`) at outer
/// index `o` is `data[offset + (o * len + r) * row_stride..][..inner]`.
pub struct Piece<'a> {
    pub data: &'a mut [C64],
    pub offset: usize,
    pub len: usize,
    pub row_stride: usize,
}

/// Transforms along the middle axis of an array of shape `[outer, Σ len, inner]` held
/// as `pieces` stacked along that axis, in order. The lanes are gathered from the
/// pieces as from one array.
pub fn transform_pieces(pieces: &mut [Piece], outer: usize, inner: usize, inverse: bool) -> Result<(), Interrupted> {
    transform_pieces_then(pieces, outer, inner, inverse, &|_, _, _| {})
}

/// What [`transform_pieces_then`] calls on each transformed lane: `(o, i, lane)`.
pub type LaneFn<'a> = dyn Fn(usize, usize, &mut [Complex<f64>]) + 'a;

/// [`transform_pieces`], calling `then(o, i, lane)` on each transformed lane (outer
/// index `o`, inner index `i`) while it is in cache, before the inverse's scaling and
/// before it is written back: e.g. the twiddles of a four-step FFT.
pub fn transform_pieces_then(
    pieces: &mut [Piece],
    outer: usize,
    inner: usize,
    inverse: bool,
    then: &LaneFn,
) -> Result<(), Interrupted> {
    let n: usize = pieces.iter().map(|p| p.len).sum();
    if n <= 1 || outer * inner == 0 {
        return Ok(());
    }
    let fft = plan(n, inverse);
    let mut scratch = vec![Complex::default(); fft.get_inplace_scratch_len()];
    let scale = if inverse { 1.0 / n as f64 } else { 1.0 };
    let stride = n + PAD;
    let mut lanes = vec![Complex::default(); stride * LANES.min(inner)];
    for o in 0..outer {
        for c0 in (0..inner).step_by(LANES) {
            crate::interrupt::check("fft")?;
            let w = LANES.min(inner - c0);
            let mut k = 0;
            for p in pieces.iter() {
                for r in 0..p.len {
                    let at = p.offset + (o * p.len + r) * p.row_stride + c0;
                    for (j, z) in p.data[at..at + w].iter().enumerate() {
                        lanes[j * stride + k] = Complex::new(z.re, z.im);
                    }
                    k += 1;
                }
            }
            for (j, lane) in lanes.chunks_exact_mut(stride).take(w).enumerate() {
                fft.process_with_scratch(&mut lane[..n], &mut scratch);
                then(o, c0 + j, &mut lane[..n]);
            }
            let mut k = 0;
            for p in pieces.iter_mut() {
                for r in 0..p.len {
                    let at = p.offset + (o * p.len + r) * p.row_stride + c0;
                    for (j, z) in p.data[at..at + w].iter_mut().enumerate() {
                        let v = lanes[j * stride + k] * scale;
                        *z = C64::new(v.re, v.im);
                    }
                    k += 1;
                }
            }
        }
    }
    Ok(())
}

/// The sample frequencies of an `n`-point FFT with sample spacing `d`, in FFT order:
/// `[0, 1, .., ceil(n/2) - 1, -floor(n/2), .., -1] / (d n)` (NumPy's `fftfreq`).
pub fn fftfreq(n: usize, d: f64) -> Vec<f64> {
    let scale = 1.0 / (d * n as f64);
    let half = n.div_ceil(2);
    (0..n).map(|i| if i < half { i as f64 } else { i as f64 - n as f64 } * scale).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The DFT by its definition, O(n²).
    fn dft(x: &[Complex<f64>], inverse: bool) -> Vec<Complex<f64>> {
        let n = x.len();
        let sign = if inverse { 1.0 } else { -1.0 };
        (0..n)
            .map(|k| {
                let s: Complex<f64> = (0..n)
                    .map(|j| {
                        let t = sign * 2.0 * std::f64::consts::PI * ((j * k) % n) as f64 / n as f64;
                        x[j] * Complex::new(t.cos(), t.sin())
                    })
                    .sum();
                if inverse {
                    s / n as f64
                } else {
                    s
                }
            })
            .collect()
    }

    fn elems(a: &NdArray) -> Vec<Complex<f64>> {
        let c = a.astype(DType::C128).unwrap();
        c.as_slice::<C64>().unwrap().iter().map(|z| Complex::new(z.re, z.im)).collect()
    }

    #[test]
    fn matches_the_definition_along_every_axis() {
        let shape = [3, 5, 4];
        let vals: Vec<C64> = (0..60).map(|i| C64::new((i * 7 % 11) as f64, (i % 3) as f64 - 1.0)).collect();
        let a = NdArray::from_vec(&shape, vals.clone());
        for axis in 0..3 {
            let got = elems(&fft_axes(&a, &[axis], false).unwrap());
            let strides = [20, 4, 1];
            let mut idx = [0usize; 3];
            for o in 0..60 {
                idx[0] = o / 20;
                idx[1] = o / 4 % 5;
                idx[2] = o % 4;
                if idx[axis] != 0 {
                    continue;
                }
                let lane: Vec<Complex<f64>> = (0..shape[axis])
                    .map(|k| {
                        let v = vals[o + k * strides[axis]];
                        Complex::new(v.re, v.im)
                    })
                    .collect();
                for (k, want) in dft(&lane, false).into_iter().enumerate() {
                    assert!((got[o + k * strides[axis]] - want).norm() < 1e-9, "axis {axis}");
                }
            }
        }
    }

    #[test]
    fn inverse_undoes_forward_and_ints_are_promoted() {
        let a = NdArray::from_vec(&[4, 6], (0..24).map(|i| i as i64).collect::<Vec<_>>());
        let f = fft_axes(&a, &[0, 1], false).unwrap();
        assert_eq!(f.dtype(), DType::C128);
        let back = elems(&fft_axes(&f, &[1, 0], true).unwrap());
        for (i, z) in back.iter().enumerate() {
            assert!((z - Complex::new(i as f64, 0.0)).norm() < 1e-12);
        }
        let b = NdArray::from_vec(&[3], vec![true, false, false]);
        let fb = elems(&fft_axes(&b, &[0], false).unwrap());
        assert!(fb.iter().all(|z| (z - Complex::new(1.0, 0.0)).norm() < 1e-15));
    }

    #[test]
    fn a_unique_c128_array_is_transformed_in_its_own_storage() {
        // 1500 rows of 64 are copied and transformed in several chunks when shared.
        let vals: Vec<C64> = (0..1500 * 64).map(|i| C64::new((i % 29) as f64, (i % 5) as f64)).collect();
        for inverse in [false, true] {
            let a = NdArray::from_vec(&[1500, 64], vals.clone());
            let copied = fft_axes(&a, &[1, 0], inverse).unwrap();
            let ptr = a.as_slice::<C64>().unwrap().as_ptr();
            let in_place = fft_axes_owned(a, &[1, 0], inverse).unwrap();
            assert_eq!(in_place.as_slice::<C64>().unwrap().as_ptr(), ptr, "no copy");
            assert_eq!(in_place.as_slice::<C64>(), copied.as_slice::<C64>());
        }
    }

    #[test]
    fn fftfreq_is_numpys() {
        assert_eq!(fftfreq(4, 1.0), vec![0.0, 0.25, -0.5, -0.25]);
        assert_eq!(fftfreq(5, 0.1), vec![0.0, 2.0, 4.0, -4.0, -2.0]);
        assert_eq!(fftfreq(1, 1.0), vec![0.0]);
    }
}
