//! What DistArray needs from the engines: the [`Comm`] trait, and [`DaError`].
//!
//! A DistArray's operations are collective over the engines that created it (its
//! *group*); within the group an engine is known by its position, its *rank*. `Comm`
//! is a tagged point-to-point exchange among the group, implemented by the engine over
//! its transport (values are moved on threads, encoded as raw bytes over MPI) with every
//! wait interruptible. Everything else — allgather, broadcast — is built here on it.
//! Every member calls the same exchanges in the same order; `op` names the operation,
//! so members that disagree get an error instead of a wrong answer.

use crate::nd::NdError;
use crate::protocol::Value;
use std::fmt;

/// Why a DistArray operation failed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DaError {
    /// A refused array operation (shapes, dtypes, indices, memory...).
    Nd(NdError),
    /// A refused distribution (dist strings, grids, indices...).
    Dist(super::DistError),
    /// The request runs on other engines than the array's group.
    WrongEngines { array: String, request: String },
    /// The wait for other engines was interrupted.
    Interrupted,
    /// Communication failed; the message says with whom and why.
    Comm(String),
    /// Any other refusal, with its message.
    Invalid(String),
}

impl fmt::Display for DaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DaError::Nd(e) => write!(f, "{e}"),
            DaError::Dist(e) => write!(f, "{e}"),
            DaError::WrongEngines { array, request } => write!(
                f,
                "this DistArray is distributed over engines {array}; this request runs on {request} (run it on all of {array})"
            ),
            DaError::Interrupted => write!(f, "interrupted"),
            DaError::Comm(m) | DaError::Invalid(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for DaError {}

impl From<NdError> for DaError {
    fn from(e: NdError) -> DaError {
        DaError::Nd(e)
    }
}

impl From<crate::interrupt::Interrupted> for DaError {
    fn from(e: crate::interrupt::Interrupted) -> DaError {
        DaError::Nd(NdError::Interrupted(e))
    }
}

impl From<super::DistError> for DaError {
    fn from(e: super::DistError) -> DaError {
        DaError::Dist(e)
    }
}

/// The group of engines a DistArray lives on, as seen from one member.
pub trait Comm {
    /// This engine's position in the group.
    fn rank(&self) -> usize;
    /// The engine ids of the group, in rank order.
    fn group(&self) -> &[usize];
    /// Sends each `(rank, value)` of `sends` and returns one value from each rank of
    /// `from` (in the order of `from`). A value for this engine itself is handed back
    /// without travelling. Every member calls this at the same point of the operation.
    fn exchange(&mut self, op: &str, sends: Vec<(usize, Value)>, from: &[usize]) -> Result<Vec<Value>, DaError>;
    /// How many of the group's ranks share this engine's machine (and its memory).
    fn ranks_on_my_host(&mut self) -> Result<Vec<usize>, DaError>;

    /// Whether a native kernel may run on a helper thread (one that never communicates)
    /// while this engine's own thread exchanges: how SUMMA overlaps a panel's GEMM with
    /// the next panel's communication. No by default.
    fn compute_aside(&self) -> bool {
        false
    }

    /// The group's size.
    fn size(&self) -> usize {
        self.group().len()
    }

    /// Every member's `v`, in rank order.
    fn allgather(&mut self, op: &str, v: Value) -> Result<Vec<Value>, DaError> {
        let (me, n) = (self.rank(), self.size());
        let others: Vec<usize> = (0..n).filter(|&r| r != me).collect();
        let sends = others.iter().map(|&r| (r, v.clone())).collect();
        let mut got = self.exchange(op, sends, &others)?.into_iter();
        Ok((0..n).map(|r| if r == me { v.clone() } else { got.next().expect("one per rank") }).collect())
    }

    /// `root`'s `v` on every member (`v` is ignored elsewhere).
    fn broadcast(&mut self, op: &str, v: Value, root: usize) -> Result<Value, DaError> {
        let me = self.rank();
        if me == root {
            let sends = (0..self.size()).filter(|&r| r != me).map(|r| (r, v.clone())).collect();
            self.exchange(op, sends, &[])?;
            Ok(v)
        } else {
            Ok(self.exchange(op, vec![], &[root])?.pop().expect("one value"))
        }
    }
}

/// "0", "0,2" or "0-3": how groups of engines read in messages.
pub fn engine_list(ids: &[usize]) -> String {
    let contiguous = ids.windows(2).all(|w| w[1] == w[0] + 1);
    match ids {
        [] => "none".into(),
        [one] => one.to_string(),
        [first, .., last] if contiguous && ids.len() > 2 => format!("{first}-{last}"),
        _ => ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(","),
    }
}

/// A group of one engine, for tests and single-engine runs: exchanges with itself.
pub struct Solo {
    group: Vec<usize>,
}

impl Solo {
    pub fn new(engine: usize) -> Solo {
        Solo { group: vec![engine] }
    }
}

impl Comm for Solo {
    fn rank(&self) -> usize {
        0
    }
    fn group(&self) -> &[usize] {
        &self.group
    }
    fn exchange(&mut self, _op: &str, sends: Vec<(usize, Value)>, from: &[usize]) -> Result<Vec<Value>, DaError> {
        let mut mine: Vec<Value> = sends.into_iter().map(|(_, v)| v).collect();
        if mine.len() != from.len() {
            return Err(DaError::Comm("a one-engine group can only exchange with itself".into()));
        }
        mine.reverse();
        Ok(from.iter().map(|_| mine.pop().expect("counted")).collect())
    }
    fn ranks_on_my_host(&mut self) -> Result<Vec<usize>, DaError> {
        Ok(vec![0])
    }
}
