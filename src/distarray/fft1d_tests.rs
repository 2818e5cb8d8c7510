//! Tests of the distributed 1-d FFT without Rhai: `P` engines are `P` threads joined
//! by a [`Mesh`], a [`Comm`] over crossbeam channels (values are moved, as on the
//! threads transport), and every result is compared with serial rustfft of the whole
//! vector.

use super::*;
use crate::protocol::Value;
use crossbeam::channel::{unbounded, Receiver, Sender};
use rustfft::FftPlanner;
use std::collections::HashMap;
use std::time::Duration;

type Mail = (usize, u64, String, Value);

/// One member of an in-process group of engines.
struct Mesh {
    rank: usize,
    group: Vec<usize>,
    to: Vec<Sender<Mail>>,
    inbox: Receiver<Mail>,
    seq: u64,
    early: HashMap<(usize, u64), (String, Value)>,
}

impl Comm for Mesh {
    fn rank(&self) -> usize {
        self.rank
    }
    fn group(&self) -> &[usize] {
        &self.group
    }
    fn exchange(&mut self, op: &str, sends: Vec<(usize, Value)>, from: &[usize]) -> Result<Vec<Value>, DaError> {
        self.seq += 1;
        let mut own = None;
        for (r, v) in sends {
            if r == self.rank {
                own = Some(v);
            } else {
                self.to[r].send((self.rank, self.seq, op.to_string(), v)).expect("peer alive");
            }
        }
        let mut out = Vec::new();
        for &r in from {
            if r == self.rank {
                out.push(own.take().expect("own value"));
                continue;
            }
            let (their, v) = loop {
                if let Some(got) = self.early.remove(&(r, self.seq)) {
                    break got;
                }
                let (src, seq, o, v) =
                    self.inbox.recv_timeout(Duration::from_secs(60)).map_err(|e| DaError::Comm(e.to_string()))?;
                self.early.insert((src, seq), (o, v));
            };
            assert_eq!(their, op, "rank {} ran {op}, rank {r} ran {their}", self.rank);
            out.push(v);
        }
        Ok(out)
    }
    fn ranks_on_my_host(&mut self) -> Result<Vec<usize>, DaError> {
        Ok((0..self.group.len()).collect())
    }
}

/// Runs `f` on `p` engines at once and returns their results in rank order.
fn on_engines<R: Send>(p: usize, f: impl Fn(&mut Mesh) -> R + Sync) -> Vec<R> {
    let (to, inboxes): (Vec<_>, Vec<_>) = (0..p).map(|_| unbounded()).unzip();
    std::thread::scope(|s| {
        let handles: Vec<_> = inboxes
            .into_iter()
            .enumerate()
            .map(|(rank, inbox)| {
                let mut mesh =
                    Mesh { rank, group: (0..p).collect(), to: to.clone(), inbox, seq: 0, early: HashMap::new() };
                let f = &f;
                s.spawn(move || f(&mut mesh))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("engine thread")).collect()
    })
}

fn value(g: usize) -> Complex<f64> {
    let h = (g as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    Complex::new(
        (h >> 40) as f64 / (1u64 << 24) as f64 - 0.5,
        ((h >> 16) & 0xFF_FFFF) as f64 / (1u64 << 24) as f64 - 0.5,
    )
}

/// This engine's shard of the test vector of length `n` laid out by `dist`.
fn shard_of(comm: &Mesh, n: usize, dist: &str) -> DistArray {
    let d = Distribution::from_user(&[n as i64], Some(&[dist]), None, comm.size()).unwrap();
    let parts = global_parts(&d, comm.rank());
    let data: Vec<C64> = (0..parts[0].len())
        .map(|l| {
            let z = value(parts[0].at(l) as usize);
            C64::new(z.re, z.im)
        })
        .collect();
    let shape = d.local_shape(comm.rank()).unwrap();
    DistArray::from_shard(d, comm.group().to_vec(), comm.rank(), NdArray::from_vec(&shape, data))
}

/// The whole vector from every engine's `(global index, value)` pairs.
fn whole(parts: Vec<Vec<(usize, Complex<f64>)>>, n: usize) -> Vec<Complex<f64>> {
    let mut out = vec![Complex::new(f64::NAN, 0.0); n];
    for (g, z) in parts.into_iter().flatten() {
        out[g] = z;
    }
    out
}

fn pairs(a: &DistArray) -> Vec<(usize, Complex<f64>)> {
    let parts = global_parts(a.distribution(), a.rank());
    let shard = a.local().unwrap();
    shard
        .as_slice::<C64>()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(l, z)| (parts[0].at(l) as usize, Complex::new(z.re, z.im)))
        .collect()
}

fn rel_err(got: &[Complex<f64>], want: &[Complex<f64>]) -> f64 {
    let d: f64 = got.iter().zip(want).map(|(a, b)| (a - b).norm_sqr()).sum();
    let w: f64 = want.iter().map(|b| b.norm_sqr()).sum();
    (d / w).sqrt()
}

fn reference(n: usize, inverse: bool) -> Vec<Complex<f64>> {
    let mut x: Vec<Complex<f64>> = (0..n).map(value).collect();
    let mut planner = FftPlanner::new();
    let plan = if inverse { planner.plan_fft_inverse(n) } else { planner.plan_fft_forward(n) };
    plan.process(&mut x);
    if inverse {
        x.iter_mut().for_each(|z| *z /= n as f64);
    }
    x
}

/// The FFT on `p` engines: the whole result, its dist, and each engine's largest shard.
fn run(n: usize, p: usize, dist: &str, opts: FftOptions) -> (Vec<Complex<f64>>, Vec<String>, Vec<usize>) {
    let got = on_engines(p, |comm| {
        let a = shard_of(comm, n, dist);
        reset_largest();
        let f = fft1d(comm, &a, opts).unwrap();
        assert_eq!(f.dtype(), DType::C128);
        (pairs(&f), f.distribution().dists()[0].to_string(), largest())
    });
    let dists = got.iter().map(|g| g.1.clone()).collect();
    let largest = got.iter().map(|g| g.2).collect();
    (whole(got.into_iter().map(|g| g.0).collect(), n), dists, largest)
}

#[test]
fn matches_serial_rustfft_for_every_size_layout_and_engine_count() {
    let mut worst: f64 = 0.0;
    for p in [2, 3, 4, 7] {
        for n in [1, 2, 3, 7, 12, 64, 1000, 1024, 4099, 2 * 4099] {
            for dist in ["b", "c", "bc:3"] {
                for inverse in [false, true] {
                    let (got, dists, _) = run(n, p, dist, FftOptions { inverse, keep_layout: true });
                    let e = rel_err(&got, &reference(n, inverse));
                    assert!(e <= 1e-12, "n {n} on {p} engines, {dist}, inverse {inverse}: error {e}");
                    assert!(dists.iter().all(|d| d == dist), "layout not kept: {dists:?}");
                    worst = worst.max(e);
                }
            }
        }
    }
    eprintln!("worst relative error {worst:e}");
}

#[test]
fn keep_layout_false_leaves_the_documented_block_cyclic_layout() {
    // 4096 = 64·64 on 2 engines: 2 | 64, so the result is "bc:32" (N1/P).
    assert_eq!(method(4096, 2), Method::FourStep { n1: 64, n2: 64 });
    let (got, dists, _) = run(4096, 2, "b", FftOptions { inverse: false, keep_layout: false });
    assert!(rel_err(&got, &reference(4096, false)) < 1e-12);
    assert_eq!(dists, ["bc:32", "bc:32"]);
    // 1000 on 3 engines: no split with 3 | N1; rows of the transposed matrix in blocks.
    let Method::FourStep { n1, n2 } = method(1000, 3) else { panic!("1000 splits") };
    let (got, dists, _) = run(1000, 3, "c", FftOptions { inverse: true, keep_layout: false });
    assert!(rel_err(&got, &reference(1000, true)) < 1e-12);
    assert_eq!(dists[0], format!("bc:{}", n1 * n2.div_ceil(3)));
    // 12 = 3·4 on 3 engines: "bc:1", which is cyclic and says so.
    let (got, dists, _) = run(12, 3, "b", FftOptions { inverse: false, keep_layout: false });
    assert!(rel_err(&got, &reference(12, false)) < 1e-12);
    assert_eq!(dists, ["c", "c", "c"]);
}

#[test]
fn the_method_follows_the_factors() {
    assert_eq!(method(1 << 24, 2), Method::FourStep { n1: 4096, n2: 4096 });
    assert_eq!(method(4099, 2), Method::Bluestein { m: 16384 });
    // 2·4099 splits well on 2 and 3 engines, not on 7 (a row of 4099 is > 2⌈8198/7⌉).
    assert_eq!(method(2 * 4099, 2), Method::FourStep { n1: 2, n2: 4099 });
    assert!(matches!(method(2 * 4099, 3), Method::FourStep { .. }));
    assert_eq!(method(2 * 4099, 7), Method::Bluestein { m: 32768 });
    assert_eq!(method(1000, 2), Method::FourStep { n1: 20, n2: 50 });
    assert_eq!(method(2, 3), Method::Bluestein { m: 4 });
}

#[test]
fn no_engine_holds_much_more_than_its_share() {
    for (n, p) in [(1usize << 16, 2usize), (1 << 16, 3), (1 << 16, 7), (1000, 3), (2 * 4099, 3)] {
        let fair = n.div_ceil(p);
        let (got, _, largest) = run(n, p, "b", FftOptions { inverse: false, keep_layout: true });
        assert!(rel_err(&got, &reference(n, false)) < 1e-12);
        for (r, &l) in largest.iter().enumerate() {
            assert!(l <= 2 * fair, "n {n} on {p}: engine {r} held {l} elements, its share is {fair}");
        }
    }
    // Bluestein works on padded vectors of m = 2^⌈log2(2n-1)⌉ <= 4n elements.
    let (n, p) = (4099, 4);
    let (_, _, largest) = run(n, p, "b", FftOptions { inverse: false, keep_layout: true });
    let m = 16384;
    assert!(largest.iter().all(|&l| l <= 2 * m / p), "{largest:?}");
}

#[test]
fn round_trip_and_parseval() {
    for (n, p) in [(4096, 3), (4099, 2), (1000, 7)] {
        let back = on_engines(p, |comm| {
            let a = shard_of(comm, n, "bc:3");
            let f = fft1d(comm, &a, FftOptions { inverse: false, keep_layout: false }).unwrap();
            let energy: f64 = pairs(&f).iter().map(|(_, z)| z.norm_sqr()).sum();
            let b = fft1d(comm, &f, FftOptions { inverse: true, keep_layout: false }).unwrap();
            let b = redistribute(comm, &b, a.distribution().clone()).unwrap();
            (pairs(&b), energy)
        });
        let energy: f64 = back.iter().map(|b| b.1).sum();
        let got = whole(back.into_iter().map(|b| b.0).collect(), n);
        let x: Vec<Complex<f64>> = (0..n).map(value).collect();
        assert!(rel_err(&got, &x) <= 1e-13, "round trip n {n} on {p}: {}", rel_err(&got, &x));
        let e0: f64 = x.iter().map(|z| z.norm_sqr()).sum();
        assert!((energy / n as f64 / e0 - 1.0).abs() < 1e-12, "Parseval n {n} on {p}");
    }
}

#[test]
fn all_to_alls_block_in_and_out_three_cyclic_with_dividing_cycle_fewer() {
    // 4096 = 64·64 on 2 engines: every layout below is a 1-d one, so each global
    // transpose is one exchange; a cyclic input already deals whole columns.
    let count = |dist: &str, keep_layout: bool| {
        let got = on_engines(2, |comm| {
            let a = shard_of(comm, 4096, dist);
            let f = fft1d(comm, &a, FftOptions { inverse: false, keep_layout }).unwrap();
            (pairs(&f), comm.seq)
        });
        let seqs: Vec<u64> = got.iter().map(|g| g.1).collect();
        let all = whole(got.into_iter().map(|g| g.0).collect(), 4096);
        assert!(rel_err(&all, &reference(4096, false)) < 1e-12, "{dist}");
        seqs[0]
    };
    assert_eq!(count("b", true), 3);
    assert_eq!(count("b", false), 2);
    assert_eq!(count("c", false), 1);
    assert_eq!(count("c", true), 2);
    assert_eq!(count("bc:16", false), 1);
}
