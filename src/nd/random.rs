//! Counter-based random numbers: the value at a global flat index depends only on the
//! seed and that index, never on who computes it or in which order.
//!
//! Each value comes from SplitMix64's finaliser applied to `key + index · γ` (γ the
//! golden-ratio increment), where `key` is the seed passed through the same finaliser
//! so that nearby seeds give unrelated streams. A uniform float takes the top 53 bits;
//! a normal value takes two draws (indices `2i` and `2i + 1` of the stream) through
//! Box–Muller; an integer in `[lo, hi)` takes the high half of a 64×64-bit product
//! (Lemire's multiply-shift, bias below 2^-64 · range). The same seed therefore gives
//! bit-identical arrays on any number of engines and under any distribution.
//!
//! [`fill`] walks a shard's elements in row-major local order, given per axis the
//! global-offset contribution of each local index, so it needs no division per element,
//! and looks for an interrupt every [`BLOCK`] elements.

use crate::interrupt::{self, Interrupted};

/// Elements written between two interrupt checks.
const BLOCK: usize = 1 << 16;

/// What to draw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Draw {
    /// Uniform in [0, 1).
    Uniform,
    /// Normal with this mean and standard deviation.
    Normal { mean: f64, std: f64 },
    /// Uniform integers in [lo, hi).
    Int { lo: i64, hi: i64 },
}

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline(always)]
fn finalise(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream key of `seed`.
pub fn key(seed: u64) -> u64 {
    finalise(seed ^ 0x5851_F42D_4C95_7F2D)
}

/// The `i`-th 64-bit value of stream `key`.
#[inline(always)]
pub fn bits(key: u64, i: u64) -> u64 {
    finalise(key.wrapping_add(i.wrapping_add(1).wrapping_mul(GAMMA)))
}

/// Uniform in [0, 1) at index `i`.
#[inline(always)]
pub fn uniform(key: u64, i: u64) -> f64 {
    (bits(key, i) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Standard normal at index `i` (Box–Muller on draws `2i`, `2i + 1`).
#[inline(always)]
pub fn normal(key: u64, i: u64) -> f64 {
    let u1 = 1.0 - uniform(key, 2 * i); // (0, 1]: the log is finite
    let u2 = uniform(key, 2 * i + 1);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Uniform integer in [lo, hi) at index `i` (`hi > lo`).
#[inline(always)]
pub fn int(key: u64, i: u64, lo: i64, hi: i64) -> i64 {
    let range = hi.wrapping_sub(lo) as u64;
    let r = ((bits(key, i) as u128 * range as u128) >> 64) as u64;
    lo.wrapping_add(r as i64)
}

/// The global flat offsets contributed by the local indices of one axis of a shard.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Local index `l` contributes `start + l * step` (block, cyclic, not distributed).
    Affine { start: u64, step: u64, len: usize },
    /// Local index `l` contributes `table[l]` (block-cyclic).
    Table(Vec<u64>),
}

impl Part {
    pub fn len(&self) -> usize {
        match self {
            Part::Affine { len, .. } => *len,
            Part::Table(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline(always)]
    pub fn at(&self, l: usize) -> u64 {
        match self {
            Part::Affine { start, step, .. } => start + l as u64 * step,
            Part::Table(t) => t[l],
        }
    }
}

/// The `n` elements of a shard in row-major local order: `parts[a]` gives the global
/// flat offset contributed by each local index along axis `a`; the element's value is
/// `f(sum of its parts)`. Each element is written once, into a buffer advised for huge
/// pages (no zero pass first).
pub fn filled<T>(parts: &[Part], f: impl Fn(u64) -> T) -> Result<Vec<T>, Interrupted> {
    let n: usize = parts.iter().map(Part::len).product();
    let mut v = super::store::uninit::<T>(n);
    fill(&mut v.spare_capacity_mut()[..n], parts, f)?;
    // SAFETY: `fill` wrote every one of the `n` elements (its rows tile `out` exactly).
    unsafe { v.set_len(n) };
    Ok(v)
}

fn fill<T>(out: &mut [std::mem::MaybeUninit<T>], parts: &[Part], f: impl Fn(u64) -> T) -> Result<(), Interrupted> {
    let Some((last, outer)) = parts.split_last() else {
        if let Some(o) = out.first_mut() {
            o.write(f(0)); // a 0-d array: one element
        }
        return Ok(());
    };
    if out.is_empty() {
        return Ok(());
    }
    let mut index = vec![0usize; outer.len()];
    let mut unchecked = 0;
    for row in out.chunks_mut(last.len()) {
        let base: u64 = index.iter().zip(outer).map(|(&i, p)| p.at(i)).sum();
        for (c, piece) in row.chunks_mut(BLOCK).enumerate() {
            unchecked += piece.len();
            if unchecked >= BLOCK {
                interrupt::check("random numbers")?;
                unchecked = 0;
            }
            let k0 = c * BLOCK;
            match last {
                // The common case (a row of consecutive indices), kept apart so that it
                // vectorises: no multiply per element.
                Part::Affine { start, step: 1, .. } => {
                    let first = base + start + k0 as u64;
                    for (k, o) in piece.iter_mut().enumerate() {
                        o.write(f(first + k as u64));
                    }
                }
                Part::Affine { start, step, .. } => {
                    let first = base + start + k0 as u64 * step;
                    for (k, o) in piece.iter_mut().enumerate() {
                        o.write(f(first + k as u64 * step));
                    }
                }
                Part::Table(t) => {
                    for (o, &g) in piece.iter_mut().zip(&t[k0..]) {
                        o.write(f(base + g));
                    }
                }
            }
        }
        for a in (0..outer.len()).rev() {
            index[a] += 1;
            if index[a] < outer[a].len() {
                break;
            }
            index[a] = 0;
        }
    }
    Ok(())
}

/// The parts of a whole (not distributed) array of `shape`, for [`fill`].
pub fn whole_parts(shape: &[usize]) -> Vec<Part> {
    let mut stride = 1u64;
    let mut parts = vec![Part::Table(Vec::new()); shape.len()];
    for a in (0..shape.len()).rev() {
        parts[a] = Part::Affine { start: 0, step: stride, len: shape[a] };
        stride *= shape[a] as u64;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_depend_on_seed_and_index_only() {
        let k = key(7);
        let parts = whole_parts(&[4, 4]);
        let a = filled(&parts, |i| uniform(k, i)).unwrap();
        assert_eq!(a.len(), 16);
        for (i, &x) in a.iter().enumerate() {
            assert_eq!(x.to_bits(), uniform(k, i as u64).to_bits());
            assert!((0.0..1.0).contains(&x));
        }
        assert_ne!(uniform(key(8), 0), uniform(k, 0));
        // A cyclic shard of 2 engines on axis 0 (rows 1 and 3) sees the same values.
        let shard_parts = vec![Part::Affine { start: 4, step: 8, len: 2 }, Part::Table((0..4).collect())];
        let b = filled(&shard_parts, |i| uniform(k, i)).unwrap();
        assert_eq!(&b[..4], &a[4..8]);
        assert_eq!(&b[4..], &a[12..]);
    }

    #[test]
    fn distributions_look_right() {
        let k = key(1);
        let n = 200_000u64;
        let m: f64 = (0..n).map(|i| normal(k, i)).sum::<f64>() / n as f64;
        let v: f64 = (0..n).map(|i| normal(k, i).powi(2)).sum::<f64>() / n as f64;
        assert!(m.abs() < 0.01 && (v - 1.0).abs() < 0.01, "{m} {v}");
        let u: f64 = (0..n).map(|i| uniform(k, i)).sum::<f64>() / n as f64;
        assert!((u - 0.5).abs() < 0.005);
        let ints: Vec<i64> = (0..1000).map(|i| int(k, i, -3, 4)).collect();
        assert!(ints.iter().all(|&x| (-3..4).contains(&x)));
        assert!((-3..4).all(|v| ints.contains(&v)));
        assert!(int(k, 5, i64::MIN, i64::MAX) < i64::MAX);
    }
}
