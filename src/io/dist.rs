//! The collective file operations of a DistArray, over its group's [`Comm`].
//!
//! - **load**: rank 0 opens the file and checks the header (magic, version, dtype,
//!   length); the verdict — the header, or the error — is broadcast, so every engine
//!   fails alike. Then each engine opens the file itself and reads only its shard's
//!   runs with positioned reads; the engines agree on success (the first failing
//!   rank's message goes to all).
//! - **save**: a layout whose shards are not whole rows (or cyclic rows too short to
//!   write one by one) is first redistributed to blocks of rows, so every engine
//!   writes few large pieces. Rank 0 creates the temporary beside the target, writes
//!   the header and sets the length; every engine writes its shard at its offsets; once
//!   all have written (agreed by an allgather), rank 0 renames the temporary over the
//!   target, or removes it if anyone failed.
//! - **fromfile / tofile**: the same, for raw binary: rank 0 checks the file's size
//!   against the dtype and shape asked for, and `tofile` writes no header.
//! - **load_npz**: rank 0 opens the archive and finds the member. A stored member is
//!   read like a `.npy` file, at its offset inside the archive: each engine its shard.
//!   A deflated member cannot be read from the middle, so rank 0 inflates it whole
//!   and the array is then redistributed from rank 0 to the layout asked for.

use super::elems::FileType;
use super::error::IoError;
use super::file::{self, Atomic};
use super::local::{open_npy, read_shard, widening_note, write_shard};
use super::npy::Header;
use super::npz::{Archive, Member};
use super::raw::RawSpec;
use super::shard::{Source, Target};
use crate::distarray::{exchange, AxisDist, Comm, DaError, DistArray, Distribution};
use crate::nd::NdArray;
use crate::protocol::Value;

/// Every member's `mine` error, agreed: the first failing rank's message for all.
pub fn agree(comm: &mut dyn Comm, op: &str, mine: Result<(), String>) -> Result<(), DaError> {
    let all = comm.allgather(op, Value::Str(mine.err().unwrap_or_default()))?;
    for v in all {
        if let Value::Str(m) = v {
            if !m.is_empty() {
                return Err(DaError::Invalid(m));
            }
        }
    }
    Ok(())
}

/// Rank 0's `f()` on every member: its value, or its error as every member's.
pub fn on_root<T>(
    comm: &mut dyn Comm,
    op: &str,
    f: impl FnOnce() -> Result<T, IoError>,
    to: impl FnOnce(&T) -> Value,
    from: impl FnOnce(Value) -> Option<T>,
) -> Result<Option<T>, DaError> {
    if comm.rank() == 0 {
        let r = f();
        let v = match &r {
            Ok(t) => Value::Array(vec![Value::Bool(true), to(t)]),
            Err(e) => Value::Array(vec![Value::Bool(false), Value::Str(e.to_string())]),
        };
        comm.broadcast(op, v, 0)?;
        return r.map(Some).map_err(DaError::from);
    }
    match comm.broadcast(op, Value::Unit, 0)? {
        Value::Array(mut v) if v.len() == 2 => match (v.remove(0), v.remove(0)) {
            (Value::Bool(true), t) => Ok(from(t)),
            (_, Value::Str(m)) => Err(DaError::Invalid(m)),
            _ => Err(DaError::Comm(format!("{op}: engine 0 sent an unexpected reply"))),
        },
        other => Err(DaError::Comm(format!("{op}: engine 0 sent {}", other.type_name()))),
    }
}

fn header_value(h: &Header) -> Value {
    Value::Array(vec![
        Value::Str(h.ftype.descr()),
        Value::Bool(h.fortran),
        Value::Int(h.data_offset as i64),
        Value::Array(h.shape.iter().map(|&n| Value::Int(n as i64)).collect()),
    ])
}

fn header_of(v: Value) -> Option<Header> {
    let Value::Array(v) = v else { return None };
    match v.as_slice() {
        [Value::Str(d), Value::Bool(fortran), Value::Int(offset), Value::Array(shape)] => Some(Header {
            ftype: FileType::parse(d).ok()?,
            fortran: *fortran,
            data_offset: *offset as u64,
            shape: shape.iter().map(|n| if let Value::Int(n) = n { *n as usize } else { 0 }).collect(),
        }),
        _ => None,
    }
}

/// How to lay out the array read: the user's `dist` and `grid`, else the default.
pub struct Layout<'a> {
    pub dist: Option<&'a [String]>,
    pub grid: Option<&'a [i64]>,
}

/// Reads a file of the whole array (`ftype` elements of `shape` at `offset`) into a
/// DistArray: each engine reads its own shard.
pub fn read_into(comm: &mut dyn Comm, path: &str, h: &Header, layout: &Layout) -> Result<DistArray, DaError> {
    if h.shape.is_empty() {
        return Err(IoError::invalid(
            path,
            "holds a single value (a 0-d array), which is not distributed: read it with nd::load",
        )
        .into());
    }
    let shape: Vec<i64> = h.shape.iter().map(|&n| n as i64).collect();
    let dist = Distribution::from_user(&shape, layout.dist, layout.grid, comm.size())?;
    crate::distarray::array::check_memory(comm, &dist, h.ftype.dtype())?;
    let rank = comm.rank();
    let mine = file::open(path).and_then(|f| {
        let src = Source { path, file: &f, offset: h.data_offset, ftype: h.ftype, fortran: h.fortran };
        read_shard(&src, &dist, rank)
    });
    let (shard, mine) = match mine {
        Ok(a) => (Some(a), Ok(())),
        Err(e) => (None, Err(e.to_string())),
    };
    agree(comm, "load: read", mine)?;
    Ok(DistArray::from_shard(dist, comm.group().to_vec(), rank, shard.expect("agreed")))
}

/// `da::load`: a `.npy` file into a DistArray; the note says when elements were widened.
pub fn load(comm: &mut dyn Comm, path: &str, layout: &Layout) -> Result<(DistArray, Option<String>), DaError> {
    let h = on_root(comm, "load: header", || open_npy(path).map(|(_, h)| h), header_value, header_of)?
        .ok_or_else(|| DaError::Comm("load: engine 0 sent a header that does not parse".into()))?;
    let a = read_into(comm, path, &h, layout)?;
    Ok((a, widening_note(path, h.ftype)))
}

/// `da::fromfile`: a raw binary file as `spec` says it is.
pub fn fromfile(comm: &mut dyn Comm, path: &str, spec: &RawSpec, layout: &Layout) -> Result<DistArray, DaError> {
    let h = on_root(comm, "fromfile: size", || spec.check(path).map(|(_, h)| h), header_value, header_of)?
        .ok_or_else(|| DaError::Comm("fromfile: engine 0 sent a header that does not parse".into()))?;
    read_into(comm, path, &h, layout)
}

/// `a.tofile(path)`: the elements alone, C order, little-endian.
pub fn tofile(comm: &mut dyn Comm, path: &str, a: &DistArray) -> Result<(), DaError> {
    write_from(comm, path, &[], a)
}

/// `da::load_npz`: member `name` of a `.npz` archive; the note says when widened.
pub fn load_npz(
    comm: &mut dyn Comm,
    path: &str,
    name: &str,
    layout: &Layout,
) -> Result<(DistArray, Option<String>), DaError> {
    // Rank 0: the member's header (stored: with its offset in the archive), and for a
    // deflated member its inflated bytes, kept here.
    let mut inflated = None;
    let find = || -> Result<(bool, Header, String), IoError> {
        let mut archive = Archive::open(path)?;
        let i = archive.index(name)?;
        let label = archive.label(i);
        match archive.member(i)? {
            Member::Stored(h) => Ok((true, h, label)),
            Member::Deflated(i) => {
                let (h, bytes) = archive.inflate(i)?;
                inflated = Some(bytes);
                Ok((false, h, label))
            }
        }
    };
    let to = |(stored, h, label): &(bool, Header, String)| {
        Value::Array(vec![Value::Bool(*stored), header_value(h), Value::Str(label.clone())])
    };
    let from = |v: Value| match v {
        Value::Array(v) => match <[Value; 3]>::try_from(v) {
            Ok([Value::Bool(s), h, Value::Str(l)]) => Some((s, header_of(h)?, l)),
            _ => None,
        },
        _ => None,
    };
    let (stored, h, label) = on_root(comm, "load_npz: member", find, to, from)?
        .ok_or_else(|| DaError::Comm("load_npz: engine 0 sent a member that does not parse".into()))?;
    let note = widening_note(&label, h.ftype);
    if h.shape.is_empty() {
        return Err(IoError::invalid(
            &label,
            "holds a single value (a 0-d array), which is not distributed: read it with nd::load_npz",
        )
        .into());
    }
    if stored {
        return Ok((read_into(comm, path, &h, layout)?, note));
    }
    let shape: Vec<i64> = h.shape.iter().map(|&n| n as i64).collect();
    let target = Distribution::from_user(&shape, layout.dist, layout.grid, comm.size())?;
    crate::distarray::array::check_memory(comm, &target, h.ftype.dtype())?;
    // All rows on rank 0 (one block of a block-cyclic axis), none elsewhere.
    let mut dists = vec![AxisDist::NotDistributed; h.shape.len()];
    dists[0] = AxisDist::BlockCyclic(h.shape[0].max(1));
    let whole = Distribution::new(&h.shape, &dists, comm.size())?;
    let rank = comm.rank();
    let mine = match inflated.take() {
        Some(bytes) => super::local::from_bytes(&label, &bytes, &h),
        None => NdArray::zeros(h.ftype.dtype(), &whole.local_shape(rank)?)
            .map_err(|e| IoError::invalid(&label, e.to_string())),
    };
    let (shard, mine) = match mine {
        Ok(a) => (Some(a), Ok(())),
        Err(e) => (None, Err(e.to_string())),
    };
    agree(comm, "load_npz: inflate", mine)?;
    let on_0 = DistArray::from_shard(whole, comm.group().to_vec(), rank, shard.expect("agreed"));
    Ok((exchange::redistribute(comm, &on_0, target)?, note))
}

/// Whether `dist`'s shards are whole rows long enough to write as they are.
fn writes_well(dist: &Distribution, dtype_size: usize) -> bool {
    let dims = dist.grid().dims();
    if dims[1..].iter().any(|&p| p > 1) {
        return false;
    }
    let row: usize = dist.shape()[1..].iter().product::<usize>() * dtype_size;
    match dist.dists()[0] {
        _ if dims[0] == 1 => true,
        AxisDist::Block | AxisDist::NotDistributed => true,
        AxisDist::Cyclic => row >= 64 << 10,
        AxisDist::BlockCyclic(k) => row * k >= 64 << 10,
    }
}

/// Writes `a` after `head` as a C-order file of the whole array: each engine its part,
/// under a temporary name renamed over `path` once all have written.
pub fn write_from(comm: &mut dyn Comm, path: &str, head: &[u8], a: &DistArray) -> Result<(), DaError> {
    a.check_group(comm)?;
    let dtype = a.dtype();
    let moved;
    let a = if writes_well(a.distribution(), dtype.size()) {
        a
    } else {
        let d = a.distribution();
        let mut dists = vec![AxisDist::NotDistributed; d.ndim()];
        dists[0] = AxisDist::Block;
        moved = exchange::redistribute(comm, a, Distribution::new(d.shape(), &dists, d.engines())?)?;
        &moved
    };
    let shard: NdArray = a.local()?;
    let total = head.len() as u64 + a.distribution().size() as u64 * dtype.size() as u64;
    let created = if comm.rank() == 0 {
        Atomic::create(path).and_then(|t| {
            t.write_at(head, 0)?;
            t.set_len(total)?;
            Ok(t)
        })
    } else {
        Err(IoError::invalid(path, "not the creator"))
    };
    let (atomic, temp) = match created {
        Ok(t) => {
            let temp = t.temp().to_string_lossy().into_owned();
            (Some(t), Ok(temp))
        }
        Err(e) => (None, Err(e)),
    };
    let as_str = |v: Value| if let Value::Str(s) = v { Some(s) } else { None };
    let temp = on_root(comm, "save: create", || temp, |t| Value::Str(t.clone()), as_str)?
        .ok_or_else(|| DaError::Comm("save: engine 0 sent no file name".into()))?;
    let rank = comm.rank();
    let mine = match &atomic {
        Some(t) => {
            write_shard(&Target { path, file: t.file(), offset: head.len() as u64 }, a.distribution(), rank, &shard)
        }
        None => file::open_part(path, std::path::Path::new(&temp)).and_then(|f| {
            write_shard(&Target { path, file: &f, offset: head.len() as u64 }, a.distribution(), rank, &shard)
        }),
    };
    agree(comm, "save: write", mine.map_err(|e| e.to_string()))?;
    // Everyone has written: rank 0 renames (or, dropping `atomic` on error, removes).
    let done = on_root(comm, "save: rename", || atomic.map_or(Ok(()), Atomic::commit), |_| Value::Unit, |_| Some(()))?;
    done.ok_or_else(|| DaError::Comm("save: no answer from engine 0".into()))
}

/// `a.save(path)`: a `.npy` file that NumPy reads.
pub fn save(comm: &mut dyn Comm, path: &str, a: &DistArray) -> Result<(), DaError> {
    let head = Header::to_bytes(FileType::of(a.dtype()), a.shape());
    write_from(comm, path, &head, a)
}
