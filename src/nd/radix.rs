//! Stable LSD radix sorts in NumPy's order, for `f64 f32 i64 i32 bool`: argsorts of
//! NdArrays and DistArray shards, and sorts of floats whose ties can show (`-0.0` with
//! `0.0`, NaNs of several bit patterns), go through [`sort_by_key`]; other sorts use
//! [`RadixKey::key`] with the standard unstable sort, which measured faster on 2^25
//! doubles on this machine (8 counting passes over 256 MB each cost more than pdqsort).
//!
//! Each element maps to an unsigned key whose integer order is NumPy's order
//! ([`super::sort::Order::np_cmp`]): integers with the sign bit flipped; floats by the
//! sign-flip trick (negative: every bit inverted; positive: the sign bit set), with `-0.0`
//! given the key of `+0.0` and every NaN the one key above `+inf`. Elements NumPy takes as
//! equal have equal keys, and the sort — one stable counting pass per key byte, least
//! significant first — keeps them in input order: NumPy's `kind="stable"` exactly. The
//! elements themselves move (argsort moves `(value, index)` pairs), so their bits (the
//! sign of a zero, a NaN's payload) are kept; the key is recomputed from them in each
//! pass, which is cheaper than storing it. One pass counts every byte; bytes in which all
//! keys agree are skipped (uniform `[0, 1)` doubles share their top byte). Runs shorter
//! than [`SMALL`] use the standard library's stable sort by the same key.
//!
//! Every sort here can be interrupted ([`crate::interrupt::check`] every [`CHECK`]
//! elements of a pass). A long unstable sort ([`sort_unstable_by_key`]) is split first:
//! one pass puts the elements into buckets between sampled splitters (and one bucket per
//! splitter for the keys equal to it), and each bucket, at most [`PIECE`] elements or
//! split again, is sorted in one call of a few milliseconds. A long comparison sort
//! ([`sort_stable_by`], complex values) sorts runs of [`PIECE`] and merges them. An
//! interrupted sort leaves its slice permuted: callers sort copies.

use crate::interrupt::{self, Interrupted};
use std::cmp::Ordering;

/// What an interrupted sort reports.
const WHAT: &str = "a sort";

/// Elements between two interrupt checks in a pass (as a [`interrupt::Meter`]'s).
const CHECK: usize = interrupt::Meter::PER;

/// The longest run sorted in one call (a few milliseconds of work).
pub const PIECE: usize = 1 << 18;

/// Below this length a comparison sort is faster than counting passes.
pub const SMALL: usize = 64;

/// An element type with an order-preserving key of `BYTES` bytes.
pub trait RadixKey: Copy {
    /// How many low bytes of [`RadixKey::key`] can differ.
    const BYTES: usize;
    /// The key: `a.key() < b.key()` exactly when NumPy's order puts `a` before `b`.
    fn key(self) -> u64;
}

/// The key of every NaN: one above `+inf`'s.
const NAN64: u64 = 0xFFF0_0000_0000_0001;
const NAN32: u64 = 0xFF80_0001;

impl RadixKey for f64 {
    const BYTES: usize = 8;
    #[inline(always)]
    fn key(self) -> u64 {
        // `-0.0 + 0.0` is `+0.0`; every other value is unchanged.
        let b = (self + 0.0).to_bits();
        let k = b ^ (((b as i64 >> 63) as u64) | 1 << 63);
        if self.is_nan() {
            NAN64
        } else {
            k
        }
    }
}

impl RadixKey for f32 {
    const BYTES: usize = 4;
    #[inline(always)]
    fn key(self) -> u64 {
        let b = (self + 0.0).to_bits();
        let k = b ^ (((b as i32 >> 31) as u32) | 1 << 31);
        if self.is_nan() {
            NAN32
        } else {
            k as u64
        }
    }
}

impl RadixKey for i64 {
    const BYTES: usize = 8;
    #[inline(always)]
    fn key(self) -> u64 {
        self as u64 ^ 1 << 63
    }
}

impl RadixKey for i32 {
    const BYTES: usize = 4;
    #[inline(always)]
    fn key(self) -> u64 {
        (self as u32 ^ 1 << 31) as u64
    }
}

impl RadixKey for bool {
    const BYTES: usize = 1;
    #[inline(always)]
    fn key(self) -> u64 {
        self as u64
    }
}

/// Sorts `v` stably by `key` (of which the low `B` bytes can differ); `scratch` is a
/// buffer of `v`'s element type that the sort grows as it needs and can be reused.
pub fn sort_by_key<E: Copy, const B: usize>(
    v: &mut [E],
    scratch: &mut Vec<E>,
    key: impl Fn(&E) -> u64,
) -> Result<(), Interrupted> {
    let n = v.len();
    if n < SMALL {
        v.sort_by_key(&key);
        return Ok(());
    }
    let mut counts = [[0usize; 256]; B];
    for xs in v.chunks(CHECK) {
        interrupt::check(WHAT)?;
        for x in xs {
            let k = key(x);
            for (b, c) in counts.iter_mut().enumerate() {
                c[(k >> (8 * b)) as usize & 255] += 1;
            }
        }
    }
    let passes: Vec<usize> = (0..B).filter(|&b| !counts[b].contains(&n)).collect();
    if passes.is_empty() {
        return Ok(());
    }
    if scratch.len() < n {
        scratch.resize(n, v[0]);
    }
    let (mut src, mut dst) = (v, &mut scratch[..n]);
    for &b in &passes {
        let mut at = [0usize; 256];
        let mut sum = 0;
        for (a, &c) in at.iter_mut().zip(&counts[b]) {
            *a = sum;
            sum += c;
        }
        let shift = 8 * b;
        for xs in src.chunks(CHECK) {
            interrupt::check(WHAT)?;
            for x in xs {
                let d = (key(x) >> shift) as usize & 255;
                dst[at[d]] = *x;
                at[d] += 1;
            }
        }
        std::mem::swap(&mut src, &mut dst);
    }
    if passes.len() % 2 == 1 {
        // The sorted elements are in the scratch buffer (now `src`); `dst` is `v`.
        dst.copy_from_slice(src);
    }
    Ok(())
}

/// Sorts `v` stably in NumPy's order.
pub fn sort<T: RadixKey, const B: usize>(v: &mut [T], scratch: &mut Vec<T>) -> Result<(), Interrupted> {
    sort_by_key::<T, B>(v, scratch, |x| x.key())
}

/// Sorts `(value, index)` pairs stably by value in NumPy's order.
pub fn sort_pairs<T: RadixKey, const B: usize>(
    v: &mut [(T, i64)],
    scratch: &mut Vec<(T, i64)>,
) -> Result<(), Interrupted> {
    sort_by_key::<(T, i64), B>(v, scratch, |x| x.0.key())
}

/// Splitters a long unstable sort buckets by (at most; equal ones are merged).
const SPLITTERS: usize = 63;
/// Samples per splitter.
const OVERSAMPLE: usize = 16;
/// Bucketing rounds before a bucket is sorted in one call whatever its length (keys
/// crowded in a few values that the samples keep missing).
const ROUNDS: usize = 4;

/// Sorts `v` by `key`, not stably: for elements whose equal keys are the same bits.
/// As fast as the standard unstable sort, and interruptible every few milliseconds.
pub fn sort_unstable_by_key<E: Copy>(
    v: &mut [E],
    scratch: &mut Vec<E>,
    key: impl Fn(&E) -> u64 + Copy,
) -> Result<(), Interrupted> {
    bucketed(v, scratch, key, ROUNDS)
}

fn bucketed<E: Copy>(
    v: &mut [E],
    scratch: &mut Vec<E>,
    key: impl Fn(&E) -> u64 + Copy,
    rounds: usize,
) -> Result<(), Interrupted> {
    interrupt::check(WHAT)?;
    let n = v.len();
    if n <= PIECE || rounds == 0 {
        v.sort_unstable_by_key(key);
        return Ok(());
    }
    // Splitters evenly spaced among sorted samples taken at evenly spaced places.
    let ns = (SPLITTERS + 1) * OVERSAMPLE;
    let mut samples: Vec<u64> = (0..ns).map(|i| key(&v[(2 * i + 1) * n / (2 * ns)])).collect();
    samples.sort_unstable();
    let mut split: Vec<u64> = (1..=SPLITTERS).map(|j| samples[j * OVERSAMPLE]).collect();
    split.dedup();
    let m = split.len();
    let mut tree = [u64::MAX; SPLITTERS + 1];
    tree[..m].copy_from_slice(&split);
    // Bucket 2j holds the keys between splitters j - 1 and j, bucket 2j + 1 the keys
    // equal to splitter j (already in order). `j`, how many splitters are below the
    // key, by a binary search without branches (the padding is never below a key).
    let bucket = |k: u64| -> usize {
        let mut j = 0;
        for step in [32, 16, 8, 4, 2, 1] {
            j += step * (tree[j + step - 1] < k) as usize;
        }
        2 * j + (j < m && tree[j] == k) as usize
    };
    let mut of = vec![0u8; n];
    let mut counts = [0usize; 2 * SPLITTERS + 1];
    for (bs, xs) in of.chunks_mut(CHECK).zip(v.chunks(CHECK)) {
        interrupt::check(WHAT)?;
        for (b, x) in bs.iter_mut().zip(xs) {
            let k = bucket(key(x));
            *b = k as u8;
            counts[k] += 1;
        }
    }
    let mut starts = [0usize; 2 * SPLITTERS + 2];
    for k in 0..counts.len() {
        starts[k + 1] = starts[k] + counts[k];
    }
    if scratch.len() < n {
        scratch.resize(n, v[0]);
    }
    let out = &mut scratch[..n];
    let mut at = starts;
    for (bs, xs) in of.chunks(CHECK).zip(v.chunks(CHECK)) {
        interrupt::check(WHAT)?;
        for (&b, x) in bs.iter().zip(xs) {
            out[at[b as usize]] = *x;
            at[b as usize] += 1;
        }
    }
    drop(of);
    for (to, from) in v.chunks_mut(CHECK).zip(out.chunks(CHECK)) {
        interrupt::check(WHAT)?;
        to.copy_from_slice(from);
    }
    for k in (0..counts.len()).step_by(2) {
        bucketed(&mut v[starts[k]..starts[k + 1]], scratch, key, rounds - 1)?;
    }
    Ok(())
}

/// Sorts `v` stably by `cmp` (for elements without a radix key): runs of [`PIECE`]
/// sorted one by one, then merged.
pub fn sort_stable_by<E: Copy>(v: &mut [E], cmp: impl Fn(&E, &E) -> Ordering + Copy) -> Result<(), Interrupted> {
    interrupt::check(WHAT)?;
    if v.len() <= PIECE {
        v.sort_by(cmp);
        return Ok(());
    }
    for run in v.chunks_mut(PIECE) {
        interrupt::check(WHAT)?;
        run.sort_by(cmp);
    }
    let runs: Vec<&[E]> = v.chunks(PIECE).collect();
    let merged = merge_runs(&runs, |a, b| cmp(a, b) == Ordering::Less)?;
    v.copy_from_slice(&merged);
    Ok(())
}

/// Merges runs sorted by `less` into one sorted vector; of equal elements those of an
/// earlier run come first (a stable merge).
pub fn merge_runs<E: Copy>(runs: &[&[E]], less: impl Fn(&E, &E) -> bool + Copy) -> Result<Vec<E>, Interrupted> {
    let runs: Vec<&[E]> = runs.iter().copied().filter(|r| !r.is_empty()).collect();
    match runs.len() {
        0 => return Ok(Vec::new()),
        1 => return Ok(runs[0].to_vec()),
        _ => {}
    }
    let mut level = Vec::with_capacity(runs.len().div_ceil(2));
    for p in runs.chunks(2) {
        level.push(merge_two(p[0], p.get(1).copied().unwrap_or(&[]), less)?);
    }
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        let mut it = level.into_iter();
        while let Some(a) = it.next() {
            next.push(match it.next() {
                Some(b) => merge_two(&a, &b, less)?,
                None => a,
            });
        }
        level = next;
    }
    Ok(level.pop().expect("one run"))
}

/// `a` and `b` merged; ties take `a`'s element first.
fn merge_two<E: Copy>(a: &[E], b: &[E], less: impl Fn(&E, &E) -> bool) -> Result<Vec<E>, Interrupted> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        interrupt::check(WHAT)?;
        let end = out.len() + CHECK;
        while i < a.len() && j < b.len() && out.len() < end {
            if less(&b[j], &a[i]) {
                out.push(b[j]);
                j += 1;
            } else {
                out.push(a[i]);
                i += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nd::sort::Order;
    use proptest::prelude::*;

    /// Values full of ties in NumPy's order: zeros of both signs, NaNs of several
    /// payloads and signs, infinities, repeats.
    fn f64s() -> impl Strategy<Value = Vec<f64>> {
        let special = prop_oneof![
            Just(0.0),
            Just(-0.0),
            Just(f64::NAN),
            Just(-f64::NAN),
            Just(f64::from_bits(0x7FF0_0000_0000_0123)),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(1.5),
            Just(-1.5),
            Just(f64::MIN_POSITIVE),
            Just(-f64::MAX),
        ];
        proptest::collection::vec(prop_oneof![special, any::<f64>(), (-4i32..4).prop_map(f64::from)], 0..400)
    }

    fn f32s() -> impl Strategy<Value = Vec<f32>> {
        f64s().prop_map(|v| v.into_iter().map(|x| x as f32).collect())
    }

    /// The radix sort against the standard stable sort by `np_cmp`, bit for bit, and
    /// the pair sort (argsort) against the same on indices.
    fn agrees<T: RadixKey + Order, const B: usize>(v: &[T], bits: impl Fn(&T) -> u64) -> Result<(), TestCaseError> {
        let mut want = v.to_vec();
        want.sort_by(T::np_cmp);
        let mut got = v.to_vec();
        sort::<T, B>(&mut got, &mut Vec::new()).unwrap();
        prop_assert_eq!(got.iter().map(&bits).collect::<Vec<_>>(), want.iter().map(&bits).collect::<Vec<_>>());
        // The local sort of NdArrays and shards (unstable by key when ties cannot show).
        let mut got = v.to_vec();
        T::sort_stable(&mut got, &mut Vec::new()).unwrap();
        prop_assert_eq!(got.iter().map(&bits).collect::<Vec<_>>(), want.iter().map(&bits).collect::<Vec<_>>());
        let mut want_idx: Vec<usize> = (0..v.len()).collect();
        want_idx.sort_by(|&i, &j| v[i].np_cmp(&v[j]));
        let mut pairs: Vec<(T, i64)> = v.iter().copied().zip(0..).collect();
        sort_pairs::<T, B>(&mut pairs, &mut Vec::new()).unwrap();
        prop_assert_eq!(pairs.iter().map(|p| p.1 as usize).collect::<Vec<_>>(), want_idx);
        Ok(())
    }

    proptest! {
        #[test]
        fn radix_is_the_stable_sort_f64(v in f64s()) {
            agrees::<f64, 8>(&v, |x| x.to_bits())?;
        }

        #[test]
        fn radix_is_the_stable_sort_f64_without_mixed_ties(v in proptest::collection::vec(prop_oneof![any::<f64>().prop_filter("one NaN, one zero", |x| !x.is_nan() && *x != 0.0), Just(f64::NAN), Just(0.0), Just(2.0)], 0..400)) {
            agrees::<f64, 8>(&v, |x| x.to_bits())?;
        }

        #[test]
        fn radix_is_the_stable_sort_f32(v in f32s()) {
            agrees::<f32, 4>(&v, |x| x.to_bits() as u64)?;
        }

        #[test]
        fn radix_is_the_stable_sort_i64(v in proptest::collection::vec(prop_oneof![any::<i64>(), -3i64..3], 0..400)) {
            agrees::<i64, 8>(&v, |x| *x as u64)?;
        }

        #[test]
        fn radix_is_the_stable_sort_i32(v in proptest::collection::vec(prop_oneof![any::<i32>(), -3i32..3], 0..400)) {
            agrees::<i32, 4>(&v, |x| *x as u64)?;
        }

        #[test]
        fn radix_is_the_stable_sort_bool(v in proptest::collection::vec(any::<bool>(), 0..400)) {
            agrees::<bool, 1>(&v, |x| *x as u64)?;
        }

        #[test]
        fn merged_runs_are_the_stable_sort(v in f64s(), cuts in proptest::collection::vec(0usize..400, 0..6)) {
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(v.len())).collect();
            cuts.push(0);
            cuts.push(v.len());
            cuts.sort();
            let mut runs: Vec<Vec<(f64, i64)>> = cuts.windows(2).map(|w| v[w[0]..w[1]].iter().copied().zip(w[0] as i64..).collect()).collect();
            runs.iter_mut().for_each(|r| sort_pairs::<f64, 8>(r, &mut Vec::new()).unwrap());
            let slices: Vec<&[(f64, i64)]> = runs.iter().map(|r| &r[..]).collect();
            let got: Vec<i64> = merge_runs(&slices, |a, b| a.0.key() < b.0.key()).unwrap().iter().map(|p| p.1).collect();
            let mut want: Vec<i64> = (0..v.len() as i64).collect();
            want.sort_by(|&i, &j| v[i as usize].np_cmp(&v[j as usize]));
            prop_assert_eq!(got, want);
        }
    }

    /// Long inputs, past [`PIECE`], so that they are bucketed: distinct values, a few
    /// values repeated (the equal buckets), all equal, and keys crowded into a narrow
    /// range with one outlier (buckets split again).
    #[test]
    fn long_unstable_sorts_are_the_sort() {
        let n = 3 * PIECE + 17;
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let inputs: Vec<Vec<i64>> = vec![
            (0..n).map(|_| next() as i64).collect(),
            (0..n).map(|_| (next() % 5) as i64 - 2).collect(),
            vec![7; n],
            (0..n).map(|i| if i == n / 2 { i64::MAX } else { (next() % 1000) as i64 }).collect(),
            (0..n as i64).rev().collect(),
        ];
        for v in inputs {
            let mut want = v.clone();
            want.sort_unstable();
            let mut got = v.clone();
            sort_unstable_by_key(&mut got, &mut Vec::new(), |x| x.key()).unwrap();
            assert!(got == want, "bucketed sort differs");
        }
        let c: Vec<(f64, f64)> = (0..n).map(|_| ((next() % 100) as f64, (next() % 7) as f64)).collect();
        let cmp = |a: &(f64, f64), b: &(f64, f64)| a.0.total_cmp(&b.0);
        let mut want = c.clone();
        want.sort_by(cmp);
        let mut got = c;
        sort_stable_by(&mut got, cmp).unwrap();
        assert!(got == want, "run-and-merge sort is not the stable sort");
    }

    #[test]
    fn an_interrupt_stops_every_long_sort() {
        let _watch = interrupt::watch(1, std::rc::Rc::new(|| u64::MAX));
        let mut v: Vec<i64> = (0..2 * PIECE as i64).rev().collect();
        let what = Err(Interrupted { what: WHAT });
        assert_eq!(sort_unstable_by_key(&mut v, &mut Vec::new(), |x| x.key()), what);
        assert_eq!(sort::<i64, 8>(&mut v, &mut Vec::new()), what);
        assert_eq!(sort_stable_by(&mut v, i64::cmp), what);
        assert_eq!(merge_runs(&[&v[..PIECE], &v[PIECE..]], |a, b| a < b).map(|m| m.len()), what.map(|()| 0));
    }

    #[test]
    fn keys_follow_numpys_order() {
        let order = [f64::NEG_INFINITY, -1.0, -f64::MIN_POSITIVE, -5e-324, 0.0, 5e-324, 1.0, f64::INFINITY, f64::NAN];
        for w in order.windows(2) {
            assert!(w[0].key() < w[1].key(), "{} before {}", w[0], w[1]);
        }
        assert_eq!((-0.0f64).key(), 0.0f64.key());
        assert_eq!((-f64::NAN).key(), f64::NAN.key());
        assert_eq!((-0.0f32).key(), 0.0f32.key());
        assert!(f32::INFINITY.key() < f32::NAN.key());
        assert!(i64::MIN.key() < (-1i64).key() && (-1i64).key() < 0i64.key() && 0i64.key() < i64::MAX.key());
        assert!(i32::MIN.key() < 0i32.key() && 0i32.key() < i32::MAX.key());
    }
}
