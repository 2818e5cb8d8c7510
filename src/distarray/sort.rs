//! Sorting and searching of DistArrays: `sort`/`argsort` (a sample sort for 1-d arrays,
//! lane by lane along an axis for n-d ones), `unique` and `searchsorted`.
//!
//! The 1-d sort is a sample sort: each engine sorts its shard, sends `SAMPLES` evenly
//! spaced elements per engine to all (one allgather), every engine picks the same
//! `P - 1` splitters from the sorted samples, the sorted shard is cut at the splitters
//! and the pieces exchanged (one all-to-all), and each engine merges what it received.
//! A final rebalance ([`block_from_pieces`]) moves the engines' pieces, which are in
//! global order, to a block layout whose shards differ in size by at most one.
//!
//! The order is total on the bits ([`Order::total_cmp`]: `-0.0` before `0.0`, NaNs last
//! ordered by payload) for `sort`, and NumPy's order with ties broken by global index
//! for `argsort` (NumPy's stable argsort): either way each element has one place, so the
//! result is the same on any number of engines and any distribution.

use super::array::DistArray;
use super::comm::{Comm, DaError};
use super::exchange::{elems_of, redistribute, value_of};
use super::{AxisDist, Distribution};
use crate::dispatch_dtype;
use crate::interrupt::Interrupted;
use crate::nd::radix::merge_runs;
use crate::nd::sort::{search_left, ties_show, unique_sorted, Order};
use crate::nd::{DType, NdArray, Stored};
use crate::protocol::Value;
use std::cmp::Ordering;

/// Samples each engine contributes per engine of the group.
const SAMPLES: usize = 64;

/// Rank `r`'s block of `n` elements over `p` engines: `[start, end)`.
pub fn block_range(n: usize, p: usize, r: usize) -> (usize, usize) {
    let start: usize = (0..r).map(|c| AxisDist::Block.local_len(n, p, c)).sum();
    (start, start + AxisDist::Block.local_len(n, p, r))
}

/// The engines' `piece`s, which follow each other in rank order, as one block-distributed
/// 1-d array over `like`'s group (shards within one element of each other in size).
pub fn block_from_pieces<T: Stored>(
    comm: &mut dyn Comm,
    like: &DistArray,
    op: &str,
    piece: Vec<T>,
) -> Result<DistArray, DaError> {
    block_rows_from_pieces(comm, like.group().to_vec(), op, piece, &[])
}

/// The engines' `piece`s of whole rows of shape `row` (row-major; none: 1-d), which
/// follow each other in rank order, as one array over `group` block-distributed by rows
/// (shards within one row of each other in size).
pub fn block_rows_from_pieces<T: Stored>(
    comm: &mut dyn Comm,
    group: Vec<usize>,
    op: &str,
    piece: Vec<T>,
    row: &[usize],
) -> Result<DistArray, DaError> {
    let (me, p) = (comm.rank(), comm.size());
    let w: usize = row.iter().product();
    let rows_of = |n: usize| n.checked_div(w).unwrap_or(0);
    let lens = gather_ints(comm, op, &[rows_of(piece.len()) as i64])?;
    let lens: Vec<usize> = lens.iter().map(|l| l[0] as usize).collect();
    let total: usize = lens.iter().sum();
    let starts: Vec<usize> = lens.iter().scan(0, |s, &l| Some(std::mem::replace(s, *s + l))).collect();
    let overlap = |r: usize, d: usize| {
        let (bs, be) = block_range(total, p, d);
        let (s, e) = (starts[r].max(bs), (starts[r] + lens[r]).min(be));
        (s < e).then(|| (s - starts[r], e - starts[r]))
    };
    let mut sends = Vec::new();
    let mut own = None;
    for d in 0..p {
        if let Some((s, e)) = overlap(me, d) {
            if d == me {
                own = Some((s * w, e * w));
            } else {
                sends.push((d, value_of(piece[s * w..e * w].to_vec())));
            }
        }
    }
    let from: Vec<usize> = (0..p).filter(|&r| r != me && overlap(r, me).is_some()).collect();
    let mut got = comm.exchange(op, sends, &from)?.into_iter();
    let (bs, be) = block_range(total, p, me);
    let want = (be - bs) * w;
    let mut out: Vec<T> = Vec::new();
    let mut piece = Some(piece);
    for r in (0..p).filter(|&r| overlap(r, me).is_some()) {
        if r == me {
            let (s, e) = own.expect("own overlap");
            let mut whole = piece.take().expect("once");
            if out.is_empty() && s == 0 {
                // A prefix (or all) of the piece: moved, not copied.
                whole.truncate(e);
                out = whole;
                out.reserve(want - e);
            } else {
                out.reserve(want - out.len());
                out.extend_from_slice(&whole[s..e]);
            }
        } else {
            let v = elems_of::<T>(got.next().expect("one per sender"), r, op)?;
            if out.is_empty() {
                out = v;
                out.reserve(want - out.len());
            } else {
                out.extend_from_slice(&v);
            }
        }
    }
    let mut shape = vec![total];
    shape.extend_from_slice(row);
    let mut dists = vec![AxisDist::NotDistributed; shape.len()];
    dists[0] = AxisDist::Block;
    let dist = Distribution::new(&shape, &dists, p)?;
    let mut local = shape.clone();
    local[0] = be - bs;
    Ok(DistArray::from_shard(dist, group, me, NdArray::from_vec(&local, out)))
}

/// Every engine's `v` (small integers), in rank order.
pub fn gather_ints(comm: &mut dyn Comm, op: &str, v: &[i64]) -> Result<Vec<Vec<i64>>, DaError> {
    let all = comm.allgather(op, value_of(v.to_vec()))?;
    all.into_iter().enumerate().map(|(r, x)| elems_of::<i64>(x, r, op)).collect()
}

/// A sorted piece of the whole, in a form that travels.
trait Items: Sized {
    fn encode(self) -> Value;
    fn decode(v: Value, from: usize, op: &str) -> Result<Self, DaError>;
}

impl<T: Stored> Items for Vec<T> {
    fn encode(self) -> Value {
        value_of(self)
    }
    fn decode(v: Value, from: usize, op: &str) -> Result<Self, DaError> {
        elems_of(v, from, op)
    }
}

/// Values with their global indices (argsort's items).
struct Indexed<T>(Vec<(T, i64)>);

impl<T: Stored> Items for Indexed<T> {
    fn encode(self) -> Value {
        let (v, i): (Vec<T>, Vec<i64>) = self.0.into_iter().unzip();
        Value::Array(vec![value_of(v), value_of(i)])
    }
    fn decode(v: Value, from: usize, op: &str) -> Result<Self, DaError> {
        match v {
            Value::Array(mut parts) if parts.len() == 2 => {
                let i = elems_of::<i64>(parts.pop().expect("two"), from, op)?;
                let v = elems_of::<T>(parts.pop().expect("two"), from, op)?;
                Ok(Indexed(v.into_iter().zip(i).collect()))
            }
            other => Err(DaError::Comm(format!("{op}: engine rank {from} sent a {}", other.type_name()))),
        }
    }
}

/// The sample sort of every engine's `items` (sorted here stably by `local_sort`, which
/// must agree with `cmp`): this engine's bucket of the whole, sorted; buckets follow each
/// other in rank order. Of elements `cmp` takes as equal, a lower rank's come first.
fn sample_sort<E: Copy + Send>(
    comm: &mut dyn Comm,
    op: &str,
    mut items: Vec<E>,
    local_sort: impl FnOnce(&mut Vec<E>) -> Result<(), Interrupted>,
    cmp: impl Fn(&E, &E) -> Ordering + Copy,
    pack: impl Fn(Vec<E>) -> Value,
    unpack: impl Fn(Value, usize) -> Result<Vec<E>, DaError>,
) -> Result<Vec<E>, DaError> {
    local_sort(&mut items)?;
    let (me, p) = (comm.rank(), comm.size());
    if p == 1 {
        return Ok(items);
    }
    let k = (SAMPLES * p).min(items.len());
    let samples: Vec<E> = (0..k).map(|i| items[(2 * i + 1) * items.len() / (2 * k)]).collect();
    let mut all = Vec::new();
    for (r, v) in comm.allgather(op, pack(samples))?.into_iter().enumerate() {
        all.extend(unpack(v, r)?);
    }
    all.sort_by(cmp);
    let splitters: Vec<E> = (1..p).map(|j| all[j * all.len() / p]).filter(|_| !all.is_empty()).collect();
    let mut cuts = vec![0];
    cuts.extend(splitters.iter().map(|s| items.partition_point(|x| cmp(x, s) == Ordering::Less)));
    while cuts.len() < p {
        cuts.push(items.len());
    }
    cuts.push(items.len());
    let mut sends = Vec::new();
    for d in (0..p).filter(|&d| d != me) {
        sends.push((d, pack(items[cuts[d]..cuts[d + 1]].to_vec())));
    }
    let from: Vec<usize> = (0..p).filter(|&r| r != me).collect();
    let got = comm.exchange(op, sends, &from)?;
    let mut received = Vec::with_capacity(p - 1);
    for (r, v) in from.into_iter().zip(got) {
        received.push(unpack(v, r)?);
    }
    // The pieces are sorted runs, one per engine in rank order: merged, not re-sorted.
    let mut runs: Vec<&[E]> = received.iter().map(|v| &v[..]).collect();
    runs.insert(me, &items[cuts[me]..cuts[me + 1]]);
    Ok(merge_runs(&runs, |a, b| cmp(a, b) == Ordering::Less)?)
}

/// This engine's bucket of `shard`'s values in NumPy's stable order over the whole
/// array (ties in global index order; `a` is the 1-d array `shard` belongs to).
///
/// Elements NumPy's order takes as equal are usually the same bits (integers always),
/// and then their order cannot show: the values are sorted alone. Only when the array
/// has zeros of both signs, or NaNs of several bit patterns, do they travel with their
/// global indices, so that `-0.0` and `0.0` stay in input order across engines.
fn sorted_values<T: Order>(comm: &mut dyn Comm, op: &str, a: &DistArray, shard: &NdArray) -> Result<Vec<T>, DaError> {
    let values = shard.as_slice::<T>().expect("dtype");
    let summaries = gather_ints(comm, op, &T::tie_summary(values))?;
    if !ties_show(summaries.iter().map(|s| &s[..])) {
        let cmp = |x: &T, y: &T| x.np_cmp(y);
        return sample_sort(
            comm,
            op,
            values.to_vec(),
            |v| T::sort_stable(v, &mut Vec::new()),
            cmp,
            |v| v.encode(),
            |v, r| <Vec<T>>::decode(v, r, op),
        );
    }
    let items: Vec<(T, i64)> = values.iter().copied().zip(global_indices(a)).collect();
    Ok(sorted_pairs(comm, op, items)?.into_iter().map(|(v, _)| v).collect())
}

/// The sample sort of `(value, global index)` pairs by value in NumPy's order, ties by
/// index (NumPy's stable order); the pairs must be in increasing index order.
fn sorted_pairs<T: Order>(comm: &mut dyn Comm, op: &str, items: Vec<(T, i64)>) -> Result<Vec<(T, i64)>, DaError> {
    let cmp = |x: &(T, i64), y: &(T, i64)| x.0.np_cmp(&y.0).then(x.1.cmp(&y.1));
    // A stable sort by value keeps the increasing indices of ties: the order of `cmp`.
    let local = |v: &mut Vec<(T, i64)>| T::sort_pairs_stable(v, &mut Vec::new());
    sample_sort(
        comm,
        op,
        items,
        local,
        cmp,
        |v| Indexed(v).encode(),
        |v, r| Indexed::<T>::decode(v, r, op).map(|x| x.0),
    )
}

/// The global C-order (flat) indices of `a`'s shard elements, in the shard's order.
/// They increase: each axis maps local to global indices in increasing order, so the
/// shard's C order is the global one restricted to it.
fn global_indices(a: &DistArray) -> Vec<i64> {
    let d = a.distribution();
    let mut coords = vec![0; d.ndim()];
    d.grid().coords(a.rank(), &mut coords);
    let mut flat = vec![0i64];
    for (ax, &c) in coords.iter().enumerate() {
        let (n, p, dist) = (d.shape()[ax], d.grid().dims()[ax], d.dists()[ax]);
        let g: Vec<i64> = (0..d.axis_local_len(ax, c)).map(|l| dist.to_global(n, p, c, l) as i64).collect();
        flat = flat.iter().flat_map(|&f| g.iter().map(move |&x| f * n as i64 + x)).collect();
    }
    flat
}

fn check_1d(a: &DistArray, op: &str) -> Result<(), DaError> {
    if a.shape().len() != 1 {
        return Err(DaError::Invalid(format!(
            "{op} of a DistArray with {} axes needs an axis: {op}(axis)",
            a.shape().len()
        )));
    }
    Ok(())
}

/// `a` sorted (1-d), block-distributed over its group.
pub fn sort_1d(comm: &mut dyn Comm, a: &DistArray) -> Result<DistArray, DaError> {
    a.check_group(comm)?;
    check_1d(a, "sort")?;
    let shard = a.local()?;
    dispatch_dtype!(a.dtype(), T => {
        let mine = sorted_values::<T>(comm, "sort", a, &shard)?;
        block_from_pieces(comm, a, "sort", mine)
    })
}

/// The global indices (i64) that sort `a` (1-d) stably, block-distributed.
pub fn argsort_1d(comm: &mut dyn Comm, a: &DistArray) -> Result<DistArray, DaError> {
    a.check_group(comm)?;
    check_1d(a, "argsort")?;
    let shard = a.local()?;
    let idx = global_indices(a);
    dispatch_dtype!(a.dtype(), T => {
        let items: Vec<(T, i64)> = shard.as_slice::<T>().expect("dtype").iter().copied().zip(idx).collect();
        let mine = sorted_pairs(comm, "argsort", items)?;
        block_from_pieces(comm, a, "argsort", mine.into_iter().map(|(_, i)| i).collect::<Vec<i64>>())
    })
}

/// A layout of `a`'s shape in which `axis` is whole on every engine, the engines
/// spread over the other axes.
fn axis_whole(d: &Distribution, axis: usize) -> Result<Distribution, DaError> {
    let mut dists = d.dists().to_vec();
    dists[axis] = AxisDist::NotDistributed;
    if dists.iter().all(|x| !x.is_distributed()) {
        let other = (0..dists.len()).filter(|&i| i != axis).max_by_key(|&i| d.shape()[i]).expect("n-d");
        dists[other] = AxisDist::Block;
    }
    Ok(Distribution::new(d.shape(), &dists, d.engines())?)
}

/// `sort` or `argsort` of an n-d array along `axis`: shard by shard where the axis is
/// whole; otherwise redistributed so that it is, sorted, and brought back.
pub fn sort_axis(comm: &mut dyn Comm, a: &DistArray, axis: i64, arg: bool) -> Result<DistArray, DaError> {
    a.check_group(comm)?;
    let ax = crate::nd::checked_axis(axis, a.shape().len())?;
    if a.shape().len() == 1 {
        return if arg { argsort_1d(comm, a) } else { sort_1d(comm, a) };
    }
    let d = a.distribution().clone();
    let local = |x: &DistArray| -> Result<DistArray, DaError> {
        let s = x.local()?;
        let s = if arg { s.argsort(ax as i64)? } else { s.sort(ax as i64)? };
        Ok(DistArray::from_shard(x.distribution().clone(), x.group().to_vec(), x.rank(), s))
    };
    if d.grid().dims()[ax] == 1 {
        return local(a);
    }
    let whole = redistribute(comm, a, axis_whole(&d, ax)?)?;
    redistribute(comm, &local(&whole)?, d)
}

/// The distinct values of `a` (any shape), sorted, block-distributed; with their counts
/// (i64, same layout) when `counts`.
pub fn unique(comm: &mut dyn Comm, a: &DistArray) -> Result<(DistArray, DistArray), DaError> {
    a.check_group(comm)?;
    let shard = a.local()?;
    dispatch_dtype!(a.dtype(), T => unique_typed::<T>(comm, a, &shard))
}

fn unique_typed<T: Order>(
    comm: &mut dyn Comm,
    a: &DistArray,
    shard: &NdArray,
) -> Result<(DistArray, DistArray), DaError> {
    let mine = sorted_values::<T>(comm, "unique", a, shard)?;
    let (mut values, mut counts) = unique_sorted(&mine);
    drop(mine);
    // Runs of one value may continue on the next engines (e.g. -0.0 here, 0.0 there).
    let ends: Vec<T> = match (values.first(), values.last()) {
        (Some(f), Some(l)) => vec![*f, *l],
        _ => vec![],
    };
    let info = [counts.first().copied().unwrap_or(0), values.len() as i64];
    let all_ends: Vec<Vec<T>> = comm
        .allgather("unique", value_of(ends))?
        .into_iter()
        .enumerate()
        .map(|(r, v)| elems_of::<T>(v, r, "unique"))
        .collect::<Result<_, _>>()?;
    let infos = gather_ints(comm, "unique", &info)?;
    let me = comm.rank();
    if let Some(&first) = values.first() {
        // Dropped here if the last value of the previous non-empty engine is the same.
        let prev = (0..me).rev().find(|&r| !all_ends[r].is_empty());
        let continues = prev.is_some_and(|r| all_ends[r][1].same(&first));
        let last = *values.last().expect("non-empty");
        let mut extra = 0;
        for r in me + 1..comm.size() {
            if all_ends[r].is_empty() {
                continue;
            }
            if !all_ends[r][0].same(&last) {
                break;
            }
            extra += infos[r][0];
            if infos[r][1] > 1 {
                break;
            }
        }
        if !(continues && values.len() == 1) {
            *counts.last_mut().expect("non-empty") += extra;
        }
        if continues {
            values.remove(0);
            counts.remove(0);
        }
    }
    let v = block_from_pieces(comm, a, "unique", values)?;
    let c = block_from_pieces(comm, a, "unique", counts)?;
    Ok((v, c))
}

/// Where `v`'s elements go in the sorted 1-d `a` (leftmost places, as NumPy): the count
/// of `a`'s elements before each, summed over the engines (any layout).
pub fn searchsorted(comm: &mut dyn Comm, a: &DistArray, v: &NdArray) -> Result<NdArray, DaError> {
    a.check_group(comm)?;
    check_1d(a, "searchsorted")?;
    let dtype = DType::promote(a.dtype(), v.dtype());
    let (shard, v2) = (a.local()?.astype(dtype)?, v.astype(dtype)?);
    let mine: Vec<i64> = dispatch_dtype!(dtype, T => {
        let s = shard.as_slice::<T>().expect("dtype");
        v2.as_slice::<T>().expect("dtype").iter().map(|x| search_left(s, x) as i64).collect()
    });
    let all = gather_ints(comm, "searchsorted", &mine)?;
    let total: Vec<i64> = (0..mine.len()).map(|i| all.iter().map(|x| x[i]).sum()).collect();
    Ok(NdArray::from_vec(v.shape(), total))
}
