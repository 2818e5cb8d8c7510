//! Property tests of the whole layer, driven by a small deterministic PRNG.
//!
//! Cases are drawn for ranks 1..=5, engine counts 1..=17 and random extents that
//! include 0 and 1 and are often smaller than the process count; grids are sometimes
//! automatic and sometimes a random valid user grid. The properties:
//!
//! - per axis, for every layout: the maps are a bijection between `0..n` and the local
//!   positions, round trips hold, shard lengths sum to `n`, the chunks tile the axis
//!   in order and agree with the maps;
//! - per distribution: the grid multiplies to the engine count with 1 on `"n"` axes,
//!   every global index has exactly one owner and one local position, global → local →
//!   global round trips, shard sizes along each axis sum to the extent and all shard
//!   sizes sum to the global size, and the owner map agrees with `owner`;
//! - the automatic grid is never beaten on its first criterion (largest shard) by any
//!   valid grid;
//! - per plan: every source and every destination position is touched exactly once,
//!   packed offsets tile each transfer, and applying the plan (directly or through
//!   pack/unpack) gives the shards an element-by-element oracle computes.
//!
//! The oracle uses only the per-index maps of `Distribution`, never the plan code.

use super::axis::AxisDist::{self, Block, BlockCyclic, Cyclic, NotDistributed};
use super::distribution::Distribution;
use super::error::DistError;
use super::grid::ProcessGrid;
use super::plan::RedistributionPlan;
use super::shards::{apply_plan, for_each_segment, gather_global, pack, scatter_global, unpack};

/// SplitMix64: tiny, fast, and good enough to draw test cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn f64(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn random_dist(rng: &mut Rng) -> AxisDist {
    match rng.range(0, 4) {
        0 | 1 => Block,
        2 => Cyclic,
        3 => BlockCyclic(rng.range(1, 5)),
        _ => NotDistributed,
    }
}

fn random_shape(rng: &mut Rng, rank: usize) -> Vec<usize> {
    let max = [40, 12, 6, 4, 3][rank - 1];
    (0..rank).map(|_| if rng.chance(20) { rng.range(0, 1) } else { rng.range(0, max) }).collect()
}

/// A random valid distribution of `shape`: random dists, 1..=17 engines, and either
/// the automatic grid or a random user grid.
fn random_distribution(rng: &mut Rng, shape: &[usize]) -> Distribution {
    let engines = rng.range(1, 17);
    let mut dists: Vec<AxisDist> = shape.iter().map(|_| random_dist(rng)).collect();
    if engines > 1 && !dists.iter().any(|d| d.is_distributed()) {
        let a = rng.range(0, shape.len() - 1);
        dists[a] = Block;
    }
    if rng.chance(30) {
        let mut grid = vec![1i64; shape.len()];
        let mut left = engines;
        let axes: Vec<usize> = (0..shape.len()).filter(|&a| dists[a].is_distributed()).collect();
        for (i, &a) in axes.iter().enumerate() {
            let f = if i + 1 == axes.len() {
                left
            } else {
                let divs: Vec<usize> = (1..=left).filter(|&d| left.is_multiple_of(d)).collect();
                divs[rng.range(0, divs.len() - 1)]
            };
            grid[a] = f as i64;
            left /= f;
        }
        Distribution::with_grid(shape, &dists, &grid, engines).unwrap()
    } else {
        Distribution::new(shape, &dists, engines).unwrap()
    }
}

/// Calls `f` with every index of `shape` in row-major order and its flat position.
fn for_each_index(shape: &[usize], mut f: impl FnMut(&[usize], usize)) {
    if shape.contains(&0) {
        return;
    }
    let mut index = vec![0; shape.len()];
    let mut flat = 0;
    'outer: loop {
        f(&index, flat);
        flat += 1;
        for a in (0..shape.len()).rev() {
            index[a] += 1;
            if index[a] < shape[a] {
                continue 'outer;
            }
            index[a] = 0;
        }
        return;
    }
}

/// The shards of `dist` computed element by element from the per-index maps.
fn oracle_shards(dist: &Distribution, global: &[f64]) -> Vec<Vec<f64>> {
    let mut shards: Vec<Vec<f64>> = (0..dist.engines()).map(|r| vec![f64::NAN; dist.local_size(r).unwrap()]).collect();
    let mut local = vec![0; dist.ndim()];
    for_each_index(dist.shape(), |index, flat| {
        let rank = dist.to_local(index, &mut local).unwrap();
        let off = dist.local_offset(rank, &local).unwrap();
        shards[rank][off] = global[flat];
    });
    shards
}

#[test]
fn axis_maps_are_bijections() {
    let mut layouts = vec![Block, Cyclic];
    layouts.extend((1..=5).map(BlockCyclic));
    for n in 0..=40 {
        for p in 1..=17 {
            for &d in &layouts {
                check_axis(d, n, p);
            }
        }
        check_axis(NotDistributed, n, 1);
    }
}

fn check_axis(d: AxisDist, n: usize, p: usize) {
    let lens: Vec<usize> = (0..p).map(|c| d.local_len(n, p, c)).collect();
    assert_eq!(lens.iter().sum::<usize>(), n, "{d} n={n} p={p}");
    assert_eq!(d.max_local_len(n, p), *lens.iter().max().unwrap());
    assert_eq!(d.busy_coords(n, p), lens.iter().filter(|&&l| l > 0).count());
    if d == Block {
        // array_split: non-increasing, differing by at most one.
        assert!(lens.windows(2).all(|w| w[0] >= w[1] && w[0] - w[1] <= 1));
    }
    let starts: Vec<usize> = lens
        .iter()
        .scan(0, |s, &l| {
            *s += l;
            Some(*s - l)
        })
        .collect();
    let mut seen = vec![false; n];
    let mut last_local = vec![None; p];
    for g in 0..n {
        let (c, l) = d.to_local(n, p, g);
        assert!(c < p && l < lens[c], "{d} n={n} p={p} g={g} -> ({c}, {l})");
        assert!(!seen[starts[c] + l], "{d} n={n} p={p}: two indices at ({c}, {l})");
        seen[starts[c] + l] = true;
        assert_eq!(d.to_global(n, p, c, l), g);
        assert!(last_local[c].is_none_or(|prev| prev < l), "local order follows global");
        last_local[c] = Some(l);
    }
    let mut next = 0;
    for ch in d.chunks(n, p) {
        assert!(ch.start == next && ch.end > ch.start, "{d} n={n} p={p}: {ch:?}");
        for h in ch.start..ch.end {
            let want = (ch.coord, ch.local + h - ch.start);
            assert_eq!(d.to_local(n, p, h), want, "{d} n={n} p={p}: {ch:?}");
        }
        next = ch.end;
    }
    assert_eq!(next, n, "{d} n={n} p={p}: chunks cover the axis");
    for (c, &len) in lens.iter().enumerate() {
        for l in 0..len {
            assert_eq!(d.to_local(n, p, d.to_global(n, p, c, l)), (c, l));
        }
    }
}

#[test]
fn distributions_place_every_element_once() {
    let mut rng = Rng(0x5EED_0001);
    for case in 0..3000 {
        let rank = 1 + case % 5;
        let shape = random_shape(&mut rng, rank);
        let dist = random_distribution(&mut rng, &shape);
        check_distribution(&dist);
    }
}

fn check_distribution(dist: &Distribution) {
    let what = dist.to_string();
    let dims = dist.grid().dims();
    assert_eq!(dims.iter().product::<usize>(), dist.engines(), "{what}");
    for (a, &d) in dist.dists().iter().enumerate() {
        if !d.is_distributed() {
            assert_eq!(dims[a], 1, "{what}");
        }
        let along: usize = (0..dims[a]).map(|c| dist.axis_local_len(a, c)).sum();
        assert_eq!(along, dist.shape()[a], "{what}: shard lengths along axis {a}");
    }
    let mut marks: Vec<Vec<bool>> = Vec::new();
    let mut total = 0;
    let mut coords = vec![0; dist.ndim()];
    for r in 0..dist.engines() {
        let ls = dist.local_shape(r).unwrap();
        let size = dist.local_size(r).unwrap();
        assert_eq!(ls.iter().product::<usize>(), size, "{what}");
        dist.grid().coords(r, &mut coords);
        assert_eq!(dist.grid().rank(&coords), r);
        total += size;
        marks.push(vec![false; size]);
    }
    assert_eq!(total, dist.size(), "{what}: shard sizes sum to the size");

    let owner_map = dist.owner_map();
    assert_eq!(owner_map.len(), dist.size());
    let mut local = vec![0; dist.ndim()];
    let mut back = vec![0; dist.ndim()];
    let mut checked = vec![0; dist.ndim()];
    for_each_index(dist.shape(), |index, flat| {
        let rank = dist.to_local(index, &mut local).unwrap();
        assert_eq!(dist.owner(index).unwrap(), rank);
        assert_eq!(owner_map[flat], rank, "{what}: owner map at {index:?}");
        let off = dist.local_offset(rank, &local).unwrap();
        assert!(!marks[rank][off], "{what}: two elements at engine {rank} offset {off}");
        marks[rank][off] = true;
        dist.to_global(rank, &local, &mut back).unwrap();
        assert_eq!(back, index, "{what}: round trip");
        let negative: Vec<i64> = index.iter().zip(dist.shape()).map(|(&i, &n)| i as i64 - n as i64).collect();
        dist.checked_index(&negative, &mut checked).unwrap();
        assert_eq!(checked, index);
    });
    assert!(marks.iter().flatten().all(|&m| m), "{what}: a local position is unused");
    let past: Vec<usize> = dist.shape().to_vec();
    assert!(matches!(dist.owner(&past), Err(DistError::IndexOutOfBounds { .. })));
}

#[test]
fn automatic_grid_has_the_smallest_largest_shard() {
    let mut rng = Rng(0x5EED_0002);
    for case in 0..600 {
        let rank = 1 + case % 4;
        let shape: Vec<usize> = (0..rank).map(|_| rng.range(0, 30)).collect();
        let dist = random_distribution(&mut rng, &shape);
        let (dists, engines) = (dist.dists(), dist.engines());
        let auto = ProcessGrid::auto(&shape, dists, engines).unwrap();
        let largest =
            |dims: &[usize]| -> usize { (0..rank).map(|a| dists[a].max_local_len(shape[a], dims[a])).product() };
        let best = largest(auto.dims());
        let mut grid = vec![1usize; rank];
        every_grid(dists, engines, 0, &mut grid, &mut |g| {
            assert!(best <= largest(g), "{shape:?} {dists:?} over {engines}: auto {auto} loses to {g:?}");
            let user: Vec<i64> = g.iter().map(|&x| x as i64).collect();
            assert!(ProcessGrid::user(&user, dists, engines).is_ok());
        });
    }
}

/// Calls `f` with every valid grid for `dists` over `left` engines (axes from `a` on).
fn every_grid(dists: &[AxisDist], left: usize, a: usize, grid: &mut [usize], f: &mut dyn FnMut(&[usize])) {
    if a == dists.len() {
        if left == 1 {
            f(grid);
        }
        return;
    }
    let choices: Vec<usize> =
        if dists[a].is_distributed() { (1..=left).filter(|&d| left.is_multiple_of(d)).collect() } else { vec![1] };
    for d in choices {
        grid[a] = d;
        every_grid(dists, left / d, a + 1, grid, f);
    }
    grid[a] = 1;
}

#[test]
fn plans_move_every_element_exactly_once() {
    let mut rng = Rng(0x5EED_0003);
    for case in 0..1500 {
        let rank = 1 + case % 5;
        let shape = random_shape(&mut rng, rank);
        let from = random_distribution(&mut rng, &shape);
        let to = random_distribution(&mut rng, &shape);
        check_plan(&mut rng, &from, &to);
    }
}

fn check_plan(rng: &mut Rng, from: &Distribution, to: &Distribution) {
    let what = format!("{from} -> {to}");
    let plan = RedistributionPlan::new(from, to).unwrap();
    for a in 0..from.ndim() {
        for piece in plan.axis_pieces(a) {
            let count: usize = piece.runs.iter().map(|r| r.count()).sum();
            assert!(piece.runs.iter().all(|r| r.reps >= 1 && r.len >= 1));
            assert_eq!(count, piece.len, "{what}: runs of axis {a}");
        }
    }
    let mut src_marks: Vec<Vec<bool>> = (0..from.engines()).map(|r| vec![false; from.local_size(r).unwrap()]).collect();
    let mut dst_marks: Vec<Vec<bool>> = (0..to.engines()).map(|r| vec![false; to.local_size(r).unwrap()]).collect();
    let mut total = 0;
    for t in plan.transfers() {
        assert!(t.len > 0, "{what}: empty transfer");
        let mut packed = 0;
        for_each_segment(&plan, t, |s| {
            assert_eq!(s.packed, packed, "{what}: packed offsets tile the transfer");
            packed += s.len;
            for i in 0..s.len {
                assert!(!src_marks[t.src_rank][s.src + i], "{what}: source element sent twice");
                src_marks[t.src_rank][s.src + i] = true;
                assert!(!dst_marks[t.dst_rank][s.dst + i], "{what}: destination written twice");
                dst_marks[t.dst_rank][s.dst + i] = true;
            }
        })
        .unwrap();
        assert_eq!(packed, t.len, "{what}");
        total += t.len;
    }
    assert_eq!(total, from.size(), "{what}");
    assert!(src_marks.iter().flatten().all(|&m| m), "{what}: an element stayed behind");
    assert!(dst_marks.iter().flatten().all(|&m| m), "{what}: a position was not filled");
    let sends: usize = (0..from.engines()).map(|r| plan.sends(r).len()).sum();
    let receives: usize = (0..to.engines()).map(|r| plan.receives(r).count()).sum();
    assert_eq!((sends, receives), (plan.transfers().len(), plan.transfers().len()));

    let global: Vec<f64> = (0..from.size()).map(|_| rng.f64()).collect();
    let src = oracle_shards(from, &global);
    let want = oracle_shards(to, &global);
    assert_eq!(apply_plan(&plan, &src).unwrap(), want, "{what}: apply_plan");
    assert_eq!(scatter_global(to, &global).unwrap(), want, "{what}: scatter");
    assert_eq!(gather_global(from, &src).unwrap(), global, "{what}: gather");

    // The way a transport does it: pack on the sender, unpack on the receiver.
    let mut got: Vec<Vec<f64>> = (0..to.engines()).map(|r| vec![f64::NAN; to.local_size(r).unwrap()]).collect();
    for (r, shard) in src.iter().enumerate() {
        for t in plan.sends(r) {
            let mut buf = Vec::new();
            pack(&plan, t, shard, &mut buf).unwrap();
            assert_eq!(buf.len(), t.len);
            unpack(&plan, t, &buf, &mut got[t.dst_rank]).unwrap();
        }
    }
    assert_eq!(got, want, "{what}: pack/unpack");
    if plan.is_noop() {
        assert_eq!(src, want, "{what}: a no-op plan must leave shards as they are");
    }
}

/// A distribution from a compact spec: `spec("12x10", "b,c/4")` puts a 12×10 array with
/// dists `["b", "c"]` on 4 engines (automatic grid); `"b,c@2x2"` gives the grid instead.
fn spec(shape: &str, dists: &str) -> Distribution {
    let nums = |s: &str| -> Vec<i64> { s.split('x').map(|n| n.parse().unwrap()).collect() };
    let shape = nums(shape);
    let (names, grid, engines) = match dists.split_once('@') {
        Some((names, grid)) => (names, Some(nums(grid)), nums(grid).iter().product::<i64>()),
        None => {
            let (names, engines) = dists.split_once('/').unwrap();
            (names, None, engines.parse().unwrap())
        }
    };
    let names: Vec<&str> = names.split(',').collect();
    Distribution::from_user(&shape, Some(&names), grid.as_deref(), engines as usize).unwrap()
}

#[test]
fn named_redistributions_match_the_global_array() {
    let mut rng = Rng(0x5EED_0004);
    let cases = [
        "37: b/4 -> c/4",
        "37: c/4 -> bc:3/4",
        "9x14: b,n/3 -> n,b/3",
        "12x10: b,b@4x1 -> b,b@2x2",
        "12x10: b,b@2x2 -> c,bc:2@1x4",
        "5x6x7: bc:2,c,b/6 -> b,bc:3,n/6",
        "23: b/3 -> b/5",
        "3x4: b,n/7 -> c,c/12",
        "0x4: b,n/2 -> n,c/2",
        "2x3x1x2x3: c,b,b,n,bc:2/5 -> n,c,b,b,c/17",
    ];
    for case in cases {
        let (shape, dists) = case.split_once(": ").unwrap();
        let (a, b) = dists.split_once(" -> ").unwrap();
        let (from, to) = (spec(shape, a), spec(shape, b));
        check_plan(&mut rng, &from, &to);
        check_plan(&mut rng, &to, &from);
    }
}

#[test]
fn an_array_with_no_distributed_axis_needs_one_engine() {
    let mut rng = Rng(0x5EED_0005);
    for _ in 0..100 {
        let rank = rng.range(1, 5);
        let shape = random_shape(&mut rng, rank);
        let dists = vec![NotDistributed; rank];
        let engines = rng.range(1, 17);
        let r = Distribution::new(&shape, &dists, engines);
        if engines == 1 {
            check_distribution(&r.unwrap());
        } else {
            assert!(matches!(r, Err(DistError::NothingDistributed { .. })));
        }
    }
}
