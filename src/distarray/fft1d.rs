//! The distributed 1-d FFT: a vector spread over several engines, longer than any
//! shard, transformed without ever being whole on one engine.
//!
//! **Four-step** (used whenever `N = N1·N2` has a split that keeps every engine near
//! its share): the vector is viewed as the row-major `N1×N2` matrix
//! `A[n1][n2] = x[N2·n1 + n2]`, and
//!
//! 1.–3. the columns (length `N1`) are transformed and multiplied by the twiddles
//!    `exp(∓2πi·n2·k1/N)` (from two small tables), ending with whole rows
//!    (`["bc:⌈N1/P⌉", "n"]`). A vector in those row blocks (a block input with
//!    `P | N1`; others get there by one 1-d redistribution) goes through
//!    [`fft_pass::fused_then`]: the pieces of the transpose to column blocks are
//!    transformed and twiddled where they arrive and sent back (two exchanges, no
//!    transposed shard). A cyclic or block-cyclic input whose cycle divides `N2`
//!    already deals whole columns (a cyclic vector is a matrix with cyclic columns):
//!    they are transformed where they are, and one transpose makes the rows whole.
//! 4. each engine transforms its rows (length `N2`), giving `C[k1][k2] = X[k1 + N1·k2]`,
//!    written transposed: the `N2×N1` matrix of `X` with its columns split, which for
//!    `P | N1` *is* the 1-d layout `"bc:N1/P"` of `X`. For a block result (`P | N1`,
//!    `P | N2`) the rows are written straight into the pieces each engine gets and the
//!    result is assembled from them in the parked shard: one exchange.
//!
//! The other global transposes are DistArray's [`redistribute`], 1-d where the layout
//! is a 1-d one (the reshape between 1-d and 2-d moves the shard). For a block input
//! and output with `P | N1`, `P | N2` that is three exchanges in all (two with
//! `keep_layout: false`); `N1` and `N2` are chosen from `N`'s divisors to balance the
//! shards of both passes, preferring `P | N1` and then `N1 ≈ N2`.
//!
//! **Bluestein** (`N` prime, or no split keeps the shards within twice their share,
//! e.g. `N = 2·p` on more than 2 engines): with the chirp `c[n] = exp(∓iπn²/N)`,
//! `X[k] = c[k]·Σ_n x[n]c[n]·c̄[k−n]`, a cyclic convolution of length
//! `M = 2^⌈log2(2N−1)⌉` done with three distributed four-step FFTs of length `M`. The
//! zero padding to `M` and the cut back to `N` are local (both vectors block-cyclic
//! with blocks of `⌈N/P⌉`, so `x`'s shard is the start of the padded one), and so are
//! the chirp multiplies, on the global indices each engine holds. Each engine then
//! holds a few shards of `M/P ≤ 4N/P` elements.
//!
//! - **Layout of the result**: the input's layout by default. With
//!   `keep_layout: false`, a four-step result stays block-cyclic as it was computed,
//!   `"bc:N1/P"` when `P | N1` (`"c"` when `N1 = P`; else `"bc:N1·⌈N2/P⌉"`, rows of
//!   the transposed matrix in blocks) — read `.dist`; a Bluestein result is in the
//!   input's layout either way.
//! - **Numbers**: the twiddles and chirps are computed from exact integer phases
//!   (`n2·k1 mod N`, `n² mod 2N`), so the error does not grow with `N` beyond the FFTs'
//!   own; the inverse divides by `N` (the local passes scale by `1/N1` and `1/N2`).
//! - **Memory**: every intermediate shard is within twice the engine's share `⌈N/P⌉`
//!   (Bluestein: of `⌈M/P⌉`). Besides input and output an engine holds the current
//!   shard and its packed pieces or transpose. Inside the call (a [`store::recycling`]
//!   scope, see [`super::fft`]) every shard and piece left behind is parked for reuse.

use super::array::{check_memory, global_parts, DistArray};
use super::comm::{Comm, DaError};
use super::exchange::{elems_of, redistribute, value_of};
use super::fft::FftOptions;
use super::fft_pass;
use super::{AxisDist, Distribution};
use crate::dispatch_store;
use crate::nd::{store, DType, NdArray, Store, Stored, C64};
use crate::protocol::Value;
use kernels::{columns_pass, complex_mut, rows_pass_transposed, uninit_complex, Chirp, Twiddles};
use ndarray::IxDyn;
use rustfft::num_complex::Complex;
use std::cell::Cell;

/// How a length is transformed over `P` engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The four-step algorithm on the `n1 × n2` matrix view.
    FourStep { n1: usize, n2: usize },
    /// Bluestein's chirp-z convolution, with four-step FFTs of this power-of-two length.
    Bluestein { m: usize },
}

/// The largest shard (in elements) of the matrix views of an `n1 × n2` split over
/// `p` engines: columns whole, then rows whole.
fn split_cost(n1: usize, n2: usize, p: usize) -> usize {
    (n1.div_ceil(p) * n2).max(n1 * n2.div_ceil(p))
}

/// The splits `n = n1·n2` (both > 1) with their cost on `p` engines, best first:
/// `p | n1` first (it saves an all-to-all), then the smallest shards, then `n1`
/// closest to `n2`. Empty when `n` is prime (or < 4).
fn splits(n: usize, p: usize) -> Vec<(usize, usize, usize)> {
    let mut all = Vec::new();
    let mut d = 2;
    while d * d <= n {
        if n.is_multiple_of(d) {
            all.push((d, n / d, split_cost(d, n / d, p)));
            if d * d != n {
                all.push((n / d, d, split_cost(n / d, d, p)));
            }
        }
        d += 1;
    }
    all.sort_by_key(|&(n1, n2, cost)| (!n1.is_multiple_of(p), cost, n1.abs_diff(n2), n1));
    all
}

/// How a 1-d FFT of length `n >= 2` runs on `p >= 2` engines: four-step with the best
/// split that keeps every shard within twice its share `⌈n/p⌉`, Bluestein when none does.
pub fn method(n: usize, p: usize) -> Method {
    let fair = n.div_ceil(p);
    match splits(n, p).into_iter().find(|&(_, _, cost)| cost <= 2 * fair) {
        Some((n1, n2, _)) => Method::FourStep { n1, n2 },
        None => Method::Bluestein { m: (2 * n - 1).next_power_of_two() },
    }
}

/// The split of a power of two `m >= 4` used inside Bluestein (always four-step).
fn pow2_split(m: usize, p: usize) -> (usize, usize) {
    splits(m, p).first().map(|&(n1, n2, _)| (n1, n2)).expect("a power of two >= 4 has a split")
}

thread_local! {
    /// The largest shard (elements) of any intermediate array since [`reset_largest`].
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

/// Forgets the largest intermediate shard seen on this engine (thread).
pub fn reset_largest() {
    LARGEST.with(|c| c.set(0));
}

/// The largest intermediate shard (elements) this engine held since [`reset_largest`].
pub fn largest() -> usize {
    LARGEST.with(|c| c.get())
}

fn held(a: &DistArray) {
    let n = a.local_shape().iter().product();
    LARGEST.with(|c| c.set(c.get().max(n)));
}

/// The FFT (inverse if `opts.inverse`) of the 1-d array `a`, collective over its group.
pub fn fft1d(comm: &mut dyn Comm, a: &DistArray, opts: FftOptions) -> Result<DistArray, DaError> {
    a.check_group(comm)?;
    let n = a.shape()[0];
    let p = comm.size();
    let x = if a.dtype() == DType::C128 {
        a.clone()
    } else {
        a.sibling(a.distribution().clone(), a.local()?.astype(DType::C128)?)
    };
    if n <= 1 || p == 1 {
        let shard = x.local()?;
        let out = crate::nd::fft::fft_axes(&shard, &[0], opts.inverse)?;
        return Ok(x.sibling(x.distribution().clone(), out));
    }
    let back = opts.keep_layout.then(|| a.distribution().clone());
    match method(n, p) {
        Method::FourStep { n1, n2 } => four_step(comm, x, n1, n2, opts.inverse, back),
        Method::Bluestein { m } => {
            bluestein(comm, x, m, opts.inverse, back.unwrap_or_else(|| a.distribution().clone()))
        }
    }
}

/// The 1-d layout `d` of `n` elements (`"bc:1"` spelled `"c"`, as users write it).
fn dist1(n: usize, d: AxisDist, p: usize) -> Result<Distribution, DaError> {
    let d = if d == AxisDist::BlockCyclic(1) { AxisDist::Cyclic } else { d };
    Ok(Distribution::new(&[n], &[d], p)?)
}

/// `[r, c]` with whole columns: column blocks of `⌈c/p⌉`, at most one per engine.
fn cols_layout(r: usize, c: usize, p: usize) -> Result<Distribution, DaError> {
    cols_dealt(r, c, p, AxisDist::BlockCyclic(c.div_ceil(p)))
}

/// `[r, c]` with whole columns dealt by `d`.
fn cols_dealt(r: usize, c: usize, p: usize, d: AxisDist) -> Result<Distribution, DaError> {
    Ok(Distribution::with_grid(&[r, c], &[AxisDist::NotDistributed, d], &[1, p as i64], p)?)
}

/// The layout with whole columns for the four-step's first pass over a vector laid out
/// by `input`: the input's own cyclic or block-cyclic dealing when its cycle divides
/// the row length (then the vector already is in it, and the first transpose is
/// skipped), else column blocks.
fn first_pass_layout(input: AxisDist, r: usize, c: usize, p: usize) -> Result<Distribution, DaError> {
    match input {
        AxisDist::Cyclic => cols_dealt(r, c, p, AxisDist::Cyclic),
        AxisDist::BlockCyclic(k) if c.is_multiple_of(k * p) => cols_dealt(r, c, p, input),
        _ => cols_layout(r, c, p),
    }
}

/// `[r, c]` with whole rows: row blocks of `⌈r/p⌉`, at most one per engine.
fn rows_layout(r: usize, c: usize, p: usize) -> Result<Distribution, DaError> {
    let k = r.div_ceil(p);
    Ok(Distribution::with_grid(&[r, c], &[AxisDist::BlockCyclic(k), AxisDist::NotDistributed], &[p as i64, 1], p)?)
}

/// The 1-d layout of the flattened `[r, c]` array that puts every element on the same
/// engine at the same local position as the 2-d layout `d`, if there is one.
fn flat(d: &Distribution) -> Option<AxisDist> {
    let c = d.shape()[1];
    let k = |a: AxisDist| match a {
        AxisDist::Cyclic => Some(1),
        AxisDist::BlockCyclic(k) => Some(k),
        _ => None,
    };
    match (d.dists()[0], d.dists()[1], d.grid().dims()) {
        (rows, AxisDist::NotDistributed, _) if k(rows).is_some() => Some(AxisDist::BlockCyclic(k(rows)? * c)),
        (AxisDist::NotDistributed, cols, [1, q]) if k(cols).is_some_and(|k| c.is_multiple_of(k * q)) => {
            Some(AxisDist::BlockCyclic(k(cols)?))
        }
        _ => None,
    }
}

/// `a`'s shard under the layout `d` of another shape with the same elements on each
/// engine in the same order; the shard is moved when nothing else holds it (else a
/// c128 shard is copied into a recycled or huge-page-advised buffer).
fn reshaped(a: DistArray, d: Distribution) -> Result<DistArray, DaError> {
    let (group, rank) = (a.group().to_vec(), a.rank());
    let shard = a.into_local()?;
    let shape = d.local_shape(rank)?;
    let shard = match shard.as_slice::<C64>().filter(|_| !shard.is_unique()) {
        Some(src) => {
            let mut v = store::uninit(src.len());
            v.extend_from_slice(src);
            NdArray::from_vec(&shape, v)
        }
        None => dispatch_store!(shard.into_store(), s => {
            NdArray::from_store(Stored::wrap(s.into_shape_with_order(IxDyn(&shape)).expect("same elements, standard layout")))
        }),
    };
    let out = DistArray::from_shard(d, group, rank, shard);
    held(&out);
    Ok(out)
}

/// `a` redistributed to `target`; the shard it leaves behind is parked for reuse.
fn moved(comm: &mut dyn Comm, a: DistArray, target: Distribution) -> Result<DistArray, DaError> {
    if *a.distribution() == target {
        return Ok(a);
    }
    let out = redistribute(comm, &a, target)?;
    store::park_array(a.into_local()?);
    held(&out);
    Ok(out)
}

/// The `[r, c]` matrix `y` as a 1-d array, in `target`'s layout or, without one, in
/// the 1-d layout nearest to `y`'s.
fn to_1d(comm: &mut dyn Comm, y: DistArray, target: Option<Distribution>) -> Result<DistArray, DaError> {
    let d = y.distribution().clone();
    let (r, c, p) = (d.shape()[0], d.shape()[1], d.engines());
    let y = if flat(&d).is_some() { y } else { moved(comm, y, rows_layout(r, c, p)?)? };
    let f = flat(y.distribution()).expect("a flat layout");
    let line = reshaped(y, dist1(r * c, f, p)?)?;
    match target {
        Some(t) => moved(comm, line, t),
        None => Ok(line),
    }
}

/// Steps 1–3 of the four-step FFT of the c128 1-d array `x` (length `n1·n2`): the
/// `n1 × n2` matrix with its columns transformed and twiddled (scaled by `scale`), in
/// [`rows_layout`].
///
/// When the input's own layout already deals whole columns (cyclic inputs), the
/// columns are transformed there and one transpose makes the rows whole. Otherwise the
/// vector goes to row blocks (a 1-d redistribution, none for a block input with
/// `P | n1`) and the column pass is [`fft_pass::fused_then`]: the pieces of the
/// transpose to column blocks are transformed and twiddled where they arrive and sent
/// back, so no transposed shard is assembled.
fn columns_done(
    comm: &mut dyn Comm,
    x: DistArray,
    n1: usize,
    n2: usize,
    inverse: bool,
    scale: f64,
) -> Result<DistArray, DaError> {
    let (n, p, me) = (n1 * n2, comm.size(), comm.rank());
    let rows = rows_layout(n1, n2, p)?;
    let first = first_pass_layout(x.distribution().dists()[0], n1, n2, p)?;
    let pass = |a: &mut DistArray| -> Result<(), DaError> {
        let parts = global_parts(a.distribution(), me);
        let cols: Vec<usize> = (0..a.local_shape()[1]).map(|j| parts[1].at(j) as usize).collect();
        columns_pass(complex_mut(&mut *a.local_mut()?), n1, &cols, n, inverse, scale);
        Ok(())
    };
    if flat(&first).is_some_and(|f| dist1(n, f, p).is_ok_and(|d| d == *x.distribution())) {
        let mut a = reshaped(x, first)?;
        pass(&mut a)?;
        return moved(comm, a, rows);
    }
    let line = moved(comm, x, dist1(n, flat(&rows).expect("row blocks are flat"), p)?)?;
    let a = reshaped(line, rows.clone())?;
    let target = cols_layout(n1, n2, p)?;
    let cols = global_parts(&target, me);
    // The inverse: the fused pass scales by 1/n1, the twiddles by the rest.
    let twiddles = Twiddles::new(n, inverse, scale * if inverse { n1 as f64 } else { 1.0 });
    let then = |_: usize, j: usize, lane: &mut [Complex<f64>]| twiddles.apply(lane, cols[1].at(j) as usize);
    match fft_pass::fused_then(comm, a, &target, 0, inverse, &then)? {
        Ok(done) => Ok(done),
        Err(a) => {
            let mut c = moved(comm, a, target)?;
            pass(&mut c)?;
            moved(comm, c, rows)
        }
    }
}

/// The four-step FFT of the c128 1-d array `x` of length `n1·n2`, in `out`'s layout
/// or (without one) in the block-cyclic layout it is computed in.
fn four_step(
    comm: &mut dyn Comm,
    x: DistArray,
    n1: usize,
    n2: usize,
    inverse: bool,
    out: Option<Distribution>,
) -> Result<DistArray, DaError> {
    let (n, p, me) = (n1 * n2, comm.size(), comm.rank());
    let scale = if inverse { 1.0 / n as f64 } else { 1.0 };
    let b = columns_done(comm, x, n1, n2, inverse, scale)?;
    held(&b);
    let h = b.local_shape()[0];
    let mut shard = b.into_local()?;
    if let Some(d) =
        out.as_ref().filter(|d| d.dists()[0] == AxisDist::Block && n1.is_multiple_of(p) && n2.is_multiple_of(p))
    {
        return block_out(comm, shard, d.clone(), n1, n2, inverse);
    }
    let mut t: Vec<C64> = store::uninit(h * n2);
    rows_pass_transposed(
        complex_mut(&mut shard),
        &mut [uninit_complex(&mut t.spare_capacity_mut()[..h * n2])],
        h,
        n2,
        inverse,
    );
    // SAFETY: `rows_pass_transposed` wrote all `h·n2` elements of the transpose.
    unsafe { t.set_len(h * n2) };
    store::park_array(shard);
    let d = Distribution::with_grid(
        &[n2, n1],
        &[AxisDist::NotDistributed, AxisDist::BlockCyclic(n1.div_ceil(p))],
        &[1, p as i64],
        p,
    )?;
    let y = DistArray::from_shard(d, comm.group().to_vec(), me, NdArray::from_vec(&[n2, h], t));
    held(&y);
    to_1d(comm, y, out)
}

/// Step 4 and the last transpose when the result goes to the block layout `d` and
/// `P` divides `n1` and `n2`: the rows of this engine's `[n1/P, n2]` shard are
/// transformed and written transposed straight into the `P` pieces the exchange
/// sends (engine `e` gets the `k2` of its block: `X[k1 + n1·k2]` is `C[k1][k2]`), the
/// shard is parked, and the result is assembled in its buffer from the pieces.
fn block_out(
    comm: &mut dyn Comm,
    mut shard: NdArray,
    d: Distribution,
    n1: usize,
    n2: usize,
    inverse: bool,
) -> Result<DistArray, DaError> {
    let (p, me) = (comm.size(), comm.rank());
    let (h, m) = (n1 / p, n2 / p);
    let mut pieces: Vec<Vec<C64>> = (0..p).map(|_| store::uninit(m * h)).collect();
    {
        let mut dst: Vec<_> = pieces.iter_mut().map(|v| uninit_complex(&mut v.spare_capacity_mut()[..m * h])).collect();
        rows_pass_transposed(complex_mut(&mut shard), &mut dst, h, n2, inverse);
    }
    for v in &mut pieces {
        // SAFETY: `rows_pass_transposed` wrote every element of every piece.
        unsafe { v.set_len(m * h) };
    }
    store::park_array(shard);
    let own = std::mem::take(&mut pieces[me]);
    let sends: Vec<(usize, Value)> =
        pieces.into_iter().enumerate().filter(|&(e, _)| e != me).map(|(e, v)| (e, value_of(v))).collect();
    let from: Vec<usize> = (0..p).filter(|&e| e != me).collect();
    let got = comm.exchange("fft transpose", sends, &from)?;
    let mut y: Vec<C64> = store::uninit(m * n1);
    {
        let room = &mut y.spare_capacity_mut()[..m * n1];
        let mut place = |s: usize, piece: &[C64]| {
            for (row, src) in room.chunks_exact_mut(n1).zip(piece.chunks_exact(h)) {
                for (o, &z) in row[s * h..(s + 1) * h].iter_mut().zip(src) {
                    o.write(z);
                }
            }
        };
        place(me, &own);
        store::park(own);
        for (&s, v) in from.iter().zip(got) {
            let piece = elems_of::<C64>(v, s, "fft transpose")?;
            if piece.len() != m * h {
                return Err(DaError::Comm(format!(
                    "fft transpose: engine rank {s} sent {} elements where {} were expected",
                    piece.len(),
                    m * h
                )));
            }
            place(s, &piece);
            store::park(piece);
        }
    }
    // SAFETY: every engine's piece filled its `h` columns of every row above.
    unsafe { y.set_len(m * n1) };
    let y = DistArray::from_shard(d, comm.group().to_vec(), me, NdArray::from_vec(&[m * n1], y));
    held(&y);
    Ok(y)
}

/// Applies `f(global index, element)` to every element of the 1-d array's shard.
fn for_each_global(a: &mut DistArray, f: impl Fn(usize, &mut Complex<f64>)) -> Result<(), DaError> {
    let parts = global_parts(a.distribution(), a.rank());
    let mut shard = a.local_mut()?;
    for (l, z) in complex_mut(&mut shard).iter_mut().enumerate() {
        f(parts[0].at(l) as usize, z);
    }
    Ok(())
}

/// Bluestein's FFT of the c128 1-d array `x` of length `n`, through three four-step
/// FFTs of length `m >= 2n - 1`, returned in `out`'s layout.
///
/// Padding and cutting are local: in the layout `"bc:K"` with `K = ⌈n/P⌉`, each
/// engine's shard of the `n` elements (one block at most) is the start of its first
/// block of the `m` elements, and its later blocks lie past `n` (zeros).
fn bluestein(
    comm: &mut dyn Comm,
    x: DistArray,
    m: usize,
    inverse: bool,
    out: Distribution,
) -> Result<DistArray, DaError> {
    let (n, p, me) = (x.shape()[0], comm.size(), comm.rank());
    let chirp = Chirp::new(n, if inverse { 1.0 } else { -1.0 });
    let (m1, m2) = pow2_split(m, p);
    let k = n.div_ceil(p);
    let (short, long) = (dist1(n, AxisDist::BlockCyclic(k), p)?, dist1(m, AxisDist::BlockCyclic(k), p)?);
    // The padded vector and its kernel, before anything is allocated.
    check_memory(comm, &dist1(2 * m, AxisDist::Block, p)?, DType::C128)?;
    let xs = redistribute(comm, &x, short.clone())?;
    drop(x);
    let mine = xs.local()?;
    drop(xs);
    let mut padded = store::zeroed::<C64>(long.local_size(me)?);
    padded[..mine.size()].copy_from_slice(mine.as_slice::<C64>().expect("c128"));
    drop(mine);
    let group = comm.group().to_vec();
    let mut a = DistArray::from_shard(long.clone(), group.clone(), me, NdArray::from_vec(&[padded.len()], padded));
    held(&a);
    for_each_global(&mut a, |g, z| {
        if g < n {
            *z *= chirp.at(g);
        }
    })?;
    let kernel = store::zeroed::<C64>(long.local_size(me)?);
    let mut b = DistArray::from_shard(long.clone(), group.clone(), me, NdArray::from_vec(&[kernel.len()], kernel));
    for_each_global(&mut b, |g, z| {
        let j = if g < n {
            g
        } else if g > m - n {
            m - g
        } else {
            return;
        };
        *z = chirp.at(j).conj();
    })?;
    let fa = four_step(comm, a, m1, m2, false, None)?;
    let fb = four_step(comm, b, m1, m2, false, None)?;
    debug_assert!(fa.same_layout(&fb));
    let mut prod = fa;
    {
        let other = fb.local()?;
        drop(fb);
        let mut shard = prod.local_mut()?;
        let Store::C128(o) = other.store() else { unreachable!("c128") };
        for (z, w) in complex_mut(&mut shard).iter_mut().zip(o.iter()) {
            *z *= Complex::new(w.re, w.im);
        }
    }
    let conv = four_step(comm, prod, m1, m2, true, Some(long))?;
    let keep = short.local_size(me)?;
    let cut = conv.local()?.as_slice::<C64>().expect("c128")[..keep].to_vec();
    drop(conv);
    let mut y = DistArray::from_shard(short, group, me, NdArray::from_vec(&[keep], cut));
    let scale = if inverse { 1.0 / n as f64 } else { 1.0 };
    for_each_global(&mut y, |g, z| *z *= chirp.at(g) * scale)?;
    let y = redistribute(comm, &y, out)?;
    held(&y);
    Ok(y)
}

#[path = "fft1d_kernels.rs"]
mod kernels;

#[cfg(test)]
#[path = "fft1d_tests.rs"]
mod tests;
