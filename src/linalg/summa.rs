//! Distributed matrix products: `da::matmul(a, b)` of 2-D DistArrays by SUMMA on a 2-D
//! process grid, and the matrix–vector product `A.dot(x)` with a 1-D DistArray.
//!
//! - **Layout.** Both operands are redistributed (when they are not already) to a
//!   block × block layout on a `pr × pc` grid (`pr` the largest divisor of the engine
//!   count not above its square root), and the product comes out in that layout: `c`'s
//!   shard on engine `(i, j)` is rows block `i` × columns block `j`.
//! - **SUMMA.** The inner axis is cut into panels at every boundary of `a`'s column
//!   blocks and `b`'s row blocks (and at most [`PANEL`] wide), so each panel of `a`
//!   lives on one grid column and each panel of `b` on one grid row. Per panel, the
//!   owner of `a`'s piece sends it along its grid row, the owner of `b`'s piece along
//!   its grid column (one exchange: the two senders to an engine are never the same
//!   one), and every engine adds `a_panel · b_panel` into its shard with faer's GEMM
//!   (an owner reads its own piece in place, strided; only what travels is copied).
//!   Each exchange waits through the engine's progress loop, so Ctrl-C ends the
//!   product between panels.
//! - **Overlap.** With more than one engine, a helper thread does the GEMM of panel
//!   `t` while the engine's own thread exchanges panel `t + 1` (double buffering: two
//!   panels in memory). The helper never communicates: the engine thread alone calls
//!   the transport, which is what MPI's `MPI_THREAD_FUNNELED` allows (the MPI
//!   transport asks for it; [`Comm::compute_aside`] says no if the library refused,
//!   and then panels are fetched and multiplied in turn). On MPI this hides the copy
//!   of each panel through shared memory or the network behind the previous GEMM;
//!   on threads, where panels move without a copy, it hides the wait for the slowest
//!   engine's send. Issuing the next panel's sends before the GEMM on one thread
//!   would not overlap under MPI: a large send completes only when the receiver's
//!   thread reaches its progress loop, which it would not do during its GEMM.
//! - **Dtypes.** f64 and f32 run as they are; bool and integers as f64; c128 as four
//!   real products of the real and imaginary parts.
//! - **Matrix–vector.** `A.dot(x)`: `A` by rows (`["b", "n"]`), `x` gathered whole on
//!   every engine, one local GEMM; `y` is block-distributed like `A`'s rows.

use crate::distarray::ops;
use crate::distarray::{exchange, AxisDist, Comm, DaError, DistArray, Distribution};
use crate::interrupt::{self, Interrupted};
use crate::linalg::product::{gemm, gemm_pieces, product_dtype, WHAT};
use crate::linalg::LinAlgError;
use crate::nd::{BinOp, DType, NdArray, Scalar, Stored, UnOp, C64};
use crate::protocol::Value;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::mpsc::RecvTimeoutError;

/// The widest panel of the inner axis SUMMA multiplies at once.
pub const PANEL: usize = 512;

/// The 2-D grid `(pr, pc)` for `p` engines: `pr` the largest divisor with `pr² ≤ p`.
pub fn grid2(p: usize) -> (usize, usize) {
    let pr = (1..=p).filter(|&d| p.is_multiple_of(d) && d * d <= p).max().unwrap_or(1);
    (pr, p / pr)
}

/// `(start, len)` of block `c` of `n` items over `p` blocks.
fn block(n: usize, p: usize, c: usize) -> (usize, usize) {
    let len = AxisDist::Block.local_len(n, p, c);
    let start = if len > 0 { AxisDist::Block.to_global(n, p, c, 0) } else { n };
    (start, len)
}

/// The block of `n` items over `p` that holds item `g`.
fn owner(n: usize, p: usize, g: usize) -> usize {
    (0..p)
        .find(|&c| {
            let (s, l) = block(n, p, c);
            g >= s && g < s + l
        })
        .expect("every item has a block")
}

fn value_of<T: Stored>(v: Vec<T>) -> Value {
    Value::NdArray { shape: vec![v.len()], data: T::into_buffer(v) }
}

fn elems_of<T: Stored>(v: Value, op: &str) -> Result<Vec<T>, DaError> {
    match v {
        Value::NdArray { data, .. } => T::from_buffer(data).map_err(|b| {
            DaError::Comm(format!("{op}: received {} elements where {} were expected", b.type_name(), T::DTYPE))
        }),
        other => Err(DaError::Comm(format!("{op}: received a {} instead of a panel", other.type_name()))),
    }
}

pub(crate) fn mismatch(op: &str, a: &[usize], b: &[usize], why: String) -> DaError {
    DaError::Invalid(LinAlgError::ShapeMismatch { op: op.into(), left: a.to_vec(), right: b.to_vec(), why }.to_string())
}

/// `a · b` for 2-D `a`, and 2-D or 1-D `b`.
pub fn matmul(comm: &mut dyn Comm, a: &DistArray, b: &DistArray) -> Result<DistArray, DaError> {
    let op = "da::matmul";
    a.check_group(comm)?;
    b.check_group(comm)?;
    let (sa, sb) = (a.shape().to_vec(), b.shape().to_vec());
    if sa.len() != 2 || !(sb.len() == 1 || sb.len() == 2) {
        return Err(DaError::Invalid(format!(
            "{op}: the first operand must be 2-D and the second 2-D or 1-D, not of shapes {:?} and {:?}",
            sa, sb
        )));
    }
    if sa[1] != sb[0] {
        return Err(mismatch(op, &sa, &sb, format!("the first has {} columns, the second {} rows", sa[1], sb[0])));
    }
    let dtype = product_dtype(a.dtype(), b.dtype());
    if dtype == DType::C128 {
        return complex(comm, a, b);
    }
    let (a, b) = (ops::astype(comm, a, dtype)?, ops::astype(comm, b, dtype)?);
    if sb.len() == 1 {
        let rows = by_rows(comm, &a)?;
        return match dtype {
            DType::F32 => matvec::<f32>(comm, &rows, &b),
            _ => matvec::<f64>(comm, &rows, &b),
        };
    }
    match dtype {
        DType::F32 => summa::<f32>(comm, &a, &b),
        _ => summa::<f64>(comm, &a, &b),
    }
}

/// `(ar + i·ai)(br + i·bi)` from four real products.
fn complex(comm: &mut dyn Comm, a: &DistArray, b: &DistArray) -> Result<DistArray, DaError> {
    let parts = |comm: &mut dyn Comm, x: &DistArray| -> Result<(DistArray, DistArray), DaError> {
        let x = ops::astype(comm, x, DType::C128)?;
        Ok((ops::unary(comm, &x, UnOp::Re)?, ops::unary(comm, &x, UnOp::Im)?))
    };
    let (ar, ai) = parts(comm, a)?;
    let (br, bi) = parts(comm, b)?;
    let (rr, ii) = (matmul(comm, &ar, &br)?, matmul(comm, &ai, &bi)?);
    let re = ops::binary(comm, &rr, BinOp::Sub, &ii)?;
    let (ri, ir) = (matmul(comm, &ar, &bi)?, matmul(comm, &ai, &br)?);
    let im = ops::binary(comm, &ri, BinOp::Add, &ir)?;
    let i_im = ops::binary_scalar(comm, &im, BinOp::Mul, Scalar::C128(C64::new(0.0, 1.0)), false)?;
    let re = ops::astype(comm, &re, DType::C128)?;
    let c = ops::binary(comm, &re, BinOp::Add, &i_im)?;
    c.local()?;
    Ok(c)
}

/// `a` laid out by rows: `["b", "n"]` over every engine.
pub fn by_rows(comm: &mut dyn Comm, a: &DistArray) -> Result<DistArray, DaError> {
    let d = a.distribution();
    let target = Distribution::with_grid(
        d.shape(),
        &[AxisDist::Block, AxisDist::NotDistributed],
        &[d.engines() as i64, 1],
        d.engines(),
    )?;
    exchange::redistribute(comm, a, target)
}

/// A 1-D array's elements, whole, on every engine (in global order).
pub fn whole<T: Stored>(comm: &mut dyn Comm, x: &DistArray, op: &str) -> Result<Vec<T>, DaError> {
    let p = x.distribution().engines();
    let xb = exchange::redistribute(comm, x, Distribution::new(x.shape(), &[AxisDist::Block], p)?)?;
    let mine = xb.local()?.as_slice::<T>().expect("dtype").to_vec();
    let mut out = Vec::with_capacity(x.shape()[0]);
    for v in comm.allgather(op, value_of(mine))? {
        out.extend(elems_of::<T>(v, op)?);
    }
    Ok(out)
}

/// `rows · x` with `rows` laid out by [`by_rows`]: `y` block-distributed like its rows.
pub fn matvec<T: Stored + faer::traits::ComplexField>(
    comm: &mut dyn Comm,
    rows: &DistArray,
    x: &DistArray,
) -> Result<DistArray, DaError> {
    let xw = whole::<T>(comm, x, "da::matmul (vector)")?;
    let local = rows.local()?;
    let (mi, k) = (local.shape()[0], local.shape()[1]);
    let mut y = vec![faer::traits::math_utils::zero::<T>(); mi];
    gemm(&mut y, local.as_slice::<T>().expect("dtype"), &xw, (mi, k, 1), false);
    let d = Distribution::new(&[rows.shape()[0]], &[AxisDist::Block], rows.distribution().engines())?;
    Ok(DistArray::from_shard(d, rows.group().to_vec(), rows.rank(), NdArray::from_vec(&[mi], y)))
}

/// One side of a panel: this engine's own elements read in place, or what arrived.
enum Piece<'s, T> {
    Mine(&'s [T]),
    Got(Vec<T>),
}

impl<T> std::ops::Deref for Piece<'_, T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match self {
            Piece::Mine(s) => s,
            Piece::Got(v) => v,
        }
    }
}

/// The operands of one panel's GEMM: `a`'s `mi × w` piece (rows `a_stride` apart) and
/// `b`'s `w × nj` piece.
struct Job<'s, T> {
    a: Piece<'s, T>,
    a_stride: usize,
    b: Piece<'s, T>,
    w: usize,
}

/// What SUMMA knows on one engine: the grid, its coordinates and its local blocks.
struct Summa<'s, T> {
    grid: &'s crate::distarray::ProcessGrid,
    k: usize,
    pr: usize,
    pc: usize,
    i: usize,
    j: usize,
    mi: usize,
    nj: usize,
    a_start: usize,
    a_cols: usize,
    b_start: usize,
    ae: &'s [T],
    be: &'s [T],
}

impl<'s, T: Stored> Summa<'s, T> {
    /// Panel `k0..k1`'s operands: the owners send their pieces along the grid row (`a`)
    /// and column (`b`), everyone receives what it lacks. One exchange.
    fn fetch(&self, comm: &mut dyn Comm, (k0, k1): (usize, usize)) -> Result<Job<'s, T>, DaError> {
        let op = "da::matmul";
        let (i, j, mi, nj, w) = (self.i, self.j, self.mi, self.nj, k1 - k0);
        let (ca, rb) = (owner(self.k, self.pc, k0), owner(self.k, self.pr, k0));
        let rank_at = |r: usize, q: usize| self.grid.rank(&[r, q]);
        let mut sends = Vec::new();
        let own_a = (j == ca).then(|| if mi == 0 { &self.ae[..0] } else { &self.ae[k0 - self.a_start..] });
        if let Some(mine) = own_a.filter(|_| self.pc > 1) {
            let mut v = Vec::with_capacity(mi * w);
            for r in 0..mi {
                v.extend_from_slice(&mine[r * self.a_cols..][..w]);
            }
            push_all(&mut sends, (0..self.pc).filter(|&q| q != j).map(|q| rank_at(i, q)), v);
        }
        let own_b = (i == rb).then(|| &self.be[(k0 - self.b_start) * nj..(k1 - self.b_start) * nj]);
        if let Some(mine) = own_b.filter(|_| self.pr > 1) {
            push_all(&mut sends, (0..self.pr).filter(|&r| r != i).map(|r| rank_at(r, j)), mine.to_vec());
        }
        let mut from = Vec::new();
        if j != ca {
            from.push(rank_at(i, ca));
        }
        if i != rb {
            from.push(rank_at(rb, j));
        }
        let mut got = comm.exchange(op, sends, &from)?.into_iter();
        let (a, a_stride) = match own_a {
            Some(s) => (Piece::Mine(s), self.a_cols),
            None => (Piece::Got(elems_of::<T>(got.next().expect("an a panel"), op)?), w),
        };
        let b = match own_b {
            Some(s) => Piece::Mine(s),
            None => Piece::Got(elems_of::<T>(got.next().expect("a b panel"), op)?),
        };
        let a_ok = matches!(a, Piece::Mine(_)) || a.len() == mi * w;
        if !a_ok || b.len() != w * nj {
            return Err(DaError::Comm(format!("{op}: a panel of the wrong size arrived")));
        }
        Ok(Job { a, a_stride, b, w })
    }
}

/// `v` to each of `ranks`: clones to all but the last, which gets `v` itself.
fn push_all<T: Stored>(sends: &mut Vec<(usize, Value)>, ranks: impl Iterator<Item = usize>, v: Vec<T>) {
    let ranks: Vec<usize> = ranks.collect();
    if let Some((&last, rest)) = ranks.split_last() {
        sends.extend(rest.iter().map(|&r| (r, value_of(v.clone()))));
        sends.push((last, value_of(v)));
    }
}

/// The panels of the inner axis: cut at every block start of `a`'s columns and `b`'s
/// rows, at most [`PANEL`] wide.
fn panels(k: usize, pr: usize, pc: usize) -> Vec<(usize, usize)> {
    let mut cuts: Vec<usize> =
        (0..pc).map(|q| block(k, pc, q).0).chain((0..pr).map(|q| block(k, pr, q).0)).chain([0, k]).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = Vec::new();
    for w in cuts.windows(2) {
        let mut s = w[0];
        while s < w[1] {
            let e = (s + PANEL).min(w[1]);
            out.push((s, e));
            s = e;
        }
    }
    out
}

fn summa<T: Stored + faer::traits::ComplexField + Send + Sync>(
    comm: &mut dyn Comm,
    a: &DistArray,
    b: &DistArray,
) -> Result<DistArray, DaError> {
    let p = a.distribution().engines();
    let (pr, pc) = grid2(p);
    let (m, k, n) = (a.shape()[0], a.shape()[1], b.shape()[1]);
    let bb = [AxisDist::Block, AxisDist::Block];
    let grid = [pr as i64, pc as i64];
    let da = Distribution::with_grid(&[m, k], &bb, &grid, p)?;
    let db = Distribution::with_grid(&[k, n], &bb, &grid, p)?;
    let dc = Distribution::with_grid(&[m, n], &bb, &grid, p)?;
    crate::distarray::array::check_memory(comm, &dc, T::DTYPE)?;
    let (a, b) = (exchange::redistribute(comm, a, da.clone())?, exchange::redistribute(comm, b, db)?);
    let me = comm.rank();
    let mut c = [0usize; 2];
    da.grid().coords(me, &mut c);
    let (i, j) = (c[0], c[1]);
    let (mi, nj) = (block(m, pr, i).1, block(n, pc, j).1);
    let (a_start, a_cols) = block(k, pc, j);
    let b_start = block(k, pr, i).0;
    let (al, bl) = (a.local()?, b.local()?);
    let (ae, be) = (al.as_slice::<T>().expect("dtype"), bl.as_slice::<T>().expect("dtype"));
    let s = Summa { grid: da.grid(), k, pr, pc, i, j, mi, nj, a_start, a_cols, b_start, ae, be };
    let mut out = vec![faer::traits::math_utils::zero::<T>(); mi * nj];
    let panels = panels(k, pr, pc);
    let multiply = |out: &mut [T], job: &Job<'_, T>, first: bool, stop: &mut dyn FnMut() -> Result<(), Interrupted>| {
        gemm_pieces(out, &job.a, job.a_stride, &job.b, (mi, job.w, nj), !first, stop)
    };
    if p == 1 || !comm.compute_aside() {
        for (t, &panel) in panels.iter().enumerate() {
            let job = s.fetch(comm, panel)?;
            multiply(&mut out, &job, t == 0, &mut || interrupt::check(WHAT))?;
        }
    } else {
        // A helper thread multiplies panel t while this thread fetches panel t + 1. The
        // helper never communicates; used panels come back here to be dropped. Waiting
        // for it, this thread watches for an interrupt, and on one tells the helper to
        // stop at its next piece of GEMM (`cancel`).
        let cancel = AtomicBool::new(false);
        std::thread::scope(|scope| -> Result<(), DaError> {
            let (to_helper, jobs) = std::sync::mpsc::channel::<(Job<'_, T>, bool)>();
            let (done_tx, done) = std::sync::mpsc::channel::<Job<'_, T>>();
            let out = &mut out;
            let cancel = &cancel;
            scope.spawn(move || {
                let mut stop = || match cancel.load(AtomicOrdering::Relaxed) {
                    true => Err(Interrupted { what: WHAT }),
                    false => Ok(()),
                };
                for (job, first) in jobs {
                    if multiply(out, &job, first, &mut stop).is_err() || done_tx.send(job).is_err() {
                        return;
                    }
                }
            });
            let wait = |done: &std::sync::mpsc::Receiver<Job<'_, T>>| -> Result<bool, DaError> {
                loop {
                    match done.recv_timeout(std::time::Duration::from_millis(1)) {
                        Ok(_) => return Ok(true),
                        Err(RecvTimeoutError::Disconnected) => return Ok(false),
                        Err(RecvTimeoutError::Timeout) => {
                            if let Err(e) = interrupt::check(WHAT) {
                                cancel.store(true, AtomicOrdering::Relaxed);
                                return Err(e.into());
                            }
                        }
                    }
                }
            };
            let mut next = match panels.first() {
                Some(&panel) => Some(s.fetch(comm, panel)?),
                None => None,
            };
            for t in 0..panels.len() {
                let job = next.take().expect("fetched before its turn");
                if to_helper.send((job, t == 0)).is_err() {
                    break;
                }
                if let Some(&panel) = panels.get(t + 1) {
                    match s.fetch(comm, panel) {
                        Ok(job) => next = Some(job),
                        Err(e) => {
                            cancel.store(true, AtomicOrdering::Relaxed);
                            return Err(e);
                        }
                    }
                }
                if !wait(&done)? {
                    break;
                }
            }
            // A helper that stopped early panicked: the scope's join passes the panic on.
            Ok(())
        })?;
    }
    Ok(DistArray::from_shard(dc, a.group().to_vec(), me, NdArray::from_vec(&[mi, nj], out)))
}
