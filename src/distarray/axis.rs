//! One axis: how its `n` indices are dealt out to the `p` processes along it.
//!
//! [`AxisDist`] is what the user writes per axis — `"b"` block, `"c"` cyclic, `"bc:K"`
//! block-cyclic with blocks of `K`, `"n"` not distributed — parsed and displayed back
//! in that same spelling. Its methods are the per-axis maps, pure functions of the
//! extent `n`, the number of processes `p` along the axis and a process coordinate:
//!
//! - [`AxisDist::local_len`]: how many indices coordinate `c` holds;
//! - [`AxisDist::to_local`]: global index → (owner coordinate, local index);
//! - [`AxisDist::to_global`]: (coordinate, local index) → global index;
//! - [`AxisDist::chunks`]: the axis cut, in global order, into the ranges that stay on
//!   one coordinate at consecutive local indices, found by stepping without any
//!   division — what redistribution plans are built from.
//!
//! The layouts:
//!
//! - **Block** splits like `numpy.array_split`: with `q = n / p` and `r = n % p`, the
//!   first `r` coordinates hold `q + 1` indices and the rest `q`, in order. When
//!   `p > n` the last `p - n` coordinates hold nothing (empty shards are allowed).
//! - **Block-cyclic `K`** cuts the axis into blocks of `K` (the last may be short) and
//!   deals them round-robin: block `b` goes to coordinate `b % p` and is that
//!   coordinate's `b / p`-th local block. **Cyclic** is block-cyclic with `K = 1`; it is
//!   kept as its own variant only so that it displays back as `"c"`.
//! - **Not distributed** keeps the whole axis on coordinate 0; a [`Distribution`]
//!   always gives such an axis exactly one process.
//!
//! Every map is O(1), allocation-free, and a bijection between `0..n` and the pairs
//! `(c, l)` with `c < p` and `l < local_len(c)`; local indices of one coordinate
//! increase with the global index. The caller guarantees `p >= 1`, `g < n`, `c < p`
//! and `l < local_len(c)`; the checked entry points live in `distribution`.
//!
//! [`Distribution`]: super::distribution::Distribution

use std::fmt;
use std::str::FromStr;

use super::error::DistError;

/// How one axis of a distributed array is spread over the processes along it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AxisDist {
    /// `"b"`: contiguous blocks, sizes differing by at most one (like `array_split`).
    Block,
    /// `"c"`: index `i` goes to coordinate `i % p` (block-cyclic with blocks of 1).
    Cyclic,
    /// `"bc:K"`: blocks of `K` indices dealt round-robin; `K >= 1`.
    BlockCyclic(usize),
    /// `"n"`: the whole axis on every shard; takes exactly one process.
    NotDistributed,
}

impl AxisDist {
    /// Parses `"b"`, `"c"`, `"bc:K"` or `"n"` (surrounding spaces ignored); `axis` is
    /// only used to say where a bad string was.
    pub fn parse(text: &str, axis: usize) -> Result<AxisDist, DistError> {
        parse_with(text, Some(axis))
    }

    /// Whether the axis is spread over its processes (everything but `"n"`).
    pub fn is_distributed(self) -> bool {
        self != AxisDist::NotDistributed
    }

    /// The block size of a cyclic layout (`Cyclic` is 1), `None` for block and `"n"`.
    #[inline]
    fn cycle(self) -> Option<usize> {
        match self {
            AxisDist::Cyclic => Some(1),
            AxisDist::BlockCyclic(k) => Some(k),
            AxisDist::Block | AxisDist::NotDistributed => None,
        }
    }

    /// Number of indices of an axis of extent `n` held by coordinate `c` of `p`.
    #[inline]
    pub fn local_len(self, n: usize, p: usize, c: usize) -> usize {
        match (self, self.cycle()) {
            (_, Some(k)) => {
                let blocks = n.div_ceil(k);
                if c >= blocks {
                    return 0;
                }
                let mine = (blocks - c - 1) / p + 1;
                if (blocks - 1) % p == c {
                    // Written so that no intermediate exceeds n, even for a huge K.
                    (mine - 1) * k + (n - (blocks - 1) * k)
                } else {
                    mine * k
                }
            }
            (AxisDist::Block, _) => n / p + usize::from(c < n % p),
            _ => {
                if c == 0 {
                    n
                } else {
                    0
                }
            }
        }
    }

    /// The largest [`local_len`](Self::local_len) over all coordinates; it is always
    /// the one of coordinate 0.
    #[inline]
    pub fn max_local_len(self, n: usize, p: usize) -> usize {
        self.local_len(n, p, 0)
    }

    /// How many coordinates hold at least one index.
    #[inline]
    pub fn busy_coords(self, n: usize, p: usize) -> usize {
        match (self, self.cycle()) {
            (_, Some(k)) => n.div_ceil(k).min(p),
            (AxisDist::Block, _) => n.min(p),
            _ => usize::from(n > 0),
        }
    }

    /// Global index `g` → (owner coordinate, local index).
    #[inline]
    pub fn to_local(self, n: usize, p: usize, g: usize) -> (usize, usize) {
        match (self, self.cycle()) {
            (_, Some(k)) => {
                let b = g / k;
                (b % p, (b / p) * k + g % k)
            }
            (AxisDist::Block, _) => {
                let (q, r) = (n / p, n % p);
                let big = r * (q + 1);
                if g < big {
                    (g / (q + 1), g % (q + 1))
                } else {
                    // g >= r * (q + 1) and g < n imply q >= 1.
                    let c = r + (g - big) / q;
                    (c, g - block_start(q, r, c))
                }
            }
            _ => (0, g),
        }
    }

    /// (coordinate `c`, local index `l`) → global index.
    #[inline]
    pub fn to_global(self, n: usize, p: usize, c: usize, l: usize) -> usize {
        match (self, self.cycle()) {
            (_, Some(k)) => ((l / k) * p + c) * k + l % k,
            (AxisDist::Block, _) => block_start(n / p, n % p, c) + l,
            _ => l,
        }
    }

    /// The axis of extent `n` over `p` processes as consecutive [`AxisChunk`]s: block
    /// gives one chunk per non-empty coordinate, block-cyclic one per block, and a
    /// single process one chunk for the whole axis.
    pub fn chunks(self, n: usize, p: usize) -> AxisChunks {
        AxisChunks { dist: self, n, p, start: 0, coord: 0, local: 0 }
    }
}

/// Global indices `start..end` are held by `coord` at local indices `local..`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AxisChunk {
    /// First global index.
    pub start: usize,
    /// One past the last global index.
    pub end: usize,
    /// The coordinate that holds them.
    pub coord: usize,
    /// The local index of `start` on that coordinate.
    pub local: usize,
}

/// Iterator over the chunks of an axis, from [`AxisDist::chunks`].
#[derive(Debug, Clone)]
pub struct AxisChunks {
    dist: AxisDist,
    n: usize,
    p: usize,
    start: usize,
    coord: usize,
    local: usize,
}

impl Iterator for AxisChunks {
    type Item = AxisChunk;

    #[inline]
    fn next(&mut self) -> Option<AxisChunk> {
        let (n, p, start) = (self.n, self.p, self.start);
        if start >= n {
            return None;
        }
        let chunk = |end| AxisChunk { start, end, coord: self.coord, local: self.local };
        let out = match (self.dist, self.dist.cycle()) {
            (_, Some(k)) if p > 1 => {
                let out = chunk(start.saturating_add(k).min(n));
                self.coord += 1;
                if self.coord == p {
                    (self.coord, self.local) = (0, self.local + k);
                }
                out
            }
            (AxisDist::Block, _) if p > 1 => {
                let out = chunk(start + self.dist.local_len(n, p, self.coord));
                self.coord += 1;
                out
            }
            _ => chunk(n),
        };
        self.start = out.end;
        Some(out)
    }
}

/// First global index of coordinate `c` in a block layout with `q = n / p`, `r = n % p`.
#[inline]
fn block_start(q: usize, r: usize, c: usize) -> usize {
    c * q + c.min(r)
}

fn parse_with(text: &str, axis: Option<usize>) -> Result<AxisDist, DistError> {
    let t = text.trim();
    match t {
        "b" => Ok(AxisDist::Block),
        "c" => Ok(AxisDist::Cyclic),
        "n" => Ok(AxisDist::NotDistributed),
        _ => match t.strip_prefix("bc:") {
            Some(k) => match k.trim().parse::<usize>() {
                Ok(k) if k >= 1 => Ok(AxisDist::BlockCyclic(k)),
                _ => Err(DistError::BadBlockSize { text: text.to_string(), axis }),
            },
            None => Err(DistError::UnknownDist { text: text.to_string(), axis }),
        },
    }
}

impl FromStr for AxisDist {
    type Err = DistError;

    /// Like [`AxisDist::parse`] without an axis number in the error.
    fn from_str(text: &str) -> Result<AxisDist, DistError> {
        parse_with(text, None)
    }
}

impl fmt::Display for AxisDist {
    /// The user's spelling: `b`, `c`, `bc:K`, `n`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AxisDist::Block => f.write_str("b"),
            AxisDist::Cyclic => f.write_str("c"),
            AxisDist::BlockCyclic(k) => write!(f, "bc:{k}"),
            AxisDist::NotDistributed => f.write_str("n"),
        }
    }
}

/// Parses one dist string per axis of an `ndim`-axis array, checking the count first.
pub fn parse_dists<S: AsRef<str>>(texts: &[S], ndim: usize) -> Result<Vec<AxisDist>, DistError> {
    if texts.len() != ndim {
        return Err(DistError::DistLength { dist: texts.iter().map(|t| t.as_ref().to_string()).collect(), ndim });
    }
    texts.iter().enumerate().map(|(axis, t)| AxisDist::parse(t.as_ref(), axis)).collect()
}

/// The default distribution: block on axis 0, the other axes not distributed.
pub fn default_dists(ndim: usize) -> Vec<AxisDist> {
    (0..ndim).map(|a| if a == 0 { AxisDist::Block } else { AxisDist::NotDistributed }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owners(d: AxisDist, n: usize, p: usize) -> Vec<(usize, usize)> {
        (0..n).map(|g| d.to_local(n, p, g)).collect()
    }

    #[test]
    fn parse_and_display_round_trip() {
        for s in ["b", "c", "n", "bc:1", "bc:3", "bc:128"] {
            let d: AxisDist = s.parse().unwrap();
            assert_eq!(d.to_string(), s);
        }
        assert_eq!(AxisDist::parse(" bc:4 ", 0), Ok(AxisDist::BlockCyclic(4)));
    }

    #[test]
    fn parse_errors_name_the_value_and_axis() {
        let e = AxisDist::parse("x", 1).unwrap_err();
        assert_eq!(e.to_string(), "unknown distribution 'x' for axis 1: use \"b\", \"c\", \"bc:K\" or \"n\"");
        let e = "bc:0".parse::<AxisDist>().unwrap_err();
        assert_eq!(e.to_string(), "bad block size in 'bc:0': K in \"bc:K\" must be a positive integer, e.g. \"bc:4\"");
        for bad in ["bc:", "bc:-2", "bc:x", "bc:99999999999999999999999"] {
            assert!(matches!(AxisDist::parse(bad, 0), Err(DistError::BadBlockSize { .. })));
        }
        let e = parse_dists(&["b"], 2).unwrap_err();
        assert_eq!(
            e.to_string(),
            "dist [\"b\"] has 1 entry but the array has 2 axes: give one of \"b\", \"c\", \"bc:K\", \"n\" per axis"
        );
        let e = parse_dists(&["b", "q"], 2).unwrap_err();
        assert!(e.to_string().contains("'q' for axis 1"));
    }

    #[test]
    fn block_is_array_split() {
        // numpy.array_split(range(10), 4) -> sizes 3, 3, 2, 2
        let sizes: Vec<_> = (0..4).map(|c| AxisDist::Block.local_len(10, 4, c)).collect();
        assert_eq!(sizes, [3, 3, 2, 2]);
        let o = owners(AxisDist::Block, 10, 4);
        assert_eq!(o[2], (0, 2));
        assert_eq!(o[3], (1, 0));
        assert_eq!(o[6], (2, 0));
        assert_eq!(o[9], (3, 1));
        // More processes than indices: the last ones are empty.
        let sizes: Vec<_> = (0..5).map(|c| AxisDist::Block.local_len(3, 5, c)).collect();
        assert_eq!(sizes, [1, 1, 1, 0, 0]);
        assert_eq!(AxisDist::Block.busy_coords(3, 5), 3);
    }

    #[test]
    fn cyclic_and_block_cyclic() {
        let o = owners(AxisDist::Cyclic, 7, 3);
        assert_eq!(o, [(0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (2, 1), (0, 2)]);
        // bc:2 over 2: blocks [0,1] [2,3] [4,5] [6] -> coords 0 1 0 1
        let d = AxisDist::BlockCyclic(2);
        let o = owners(d, 7, 2);
        assert_eq!(o, [(0, 0), (0, 1), (1, 0), (1, 1), (0, 2), (0, 3), (1, 2)]);
        assert_eq!(d.local_len(7, 2, 0), 4);
        assert_eq!(d.local_len(7, 2, 1), 3);
        assert_eq!(d.to_global(7, 2, 1, 2), 6);
        let chunks: Vec<_> = d.chunks(7, 2).map(|c| (c.start, c.end, c.coord, c.local)).collect();
        assert_eq!(chunks, [(0, 2, 0, 0), (2, 4, 1, 0), (4, 6, 0, 2), (6, 7, 1, 2)]);
        assert_eq!(d.busy_coords(3, 4), 2);
        // A block size far beyond the extent is one block on coordinate 0.
        let d = AxisDist::BlockCyclic(usize::MAX);
        assert_eq!((d.local_len(10, 3, 0), d.local_len(10, 3, 1)), (10, 0));
        assert_eq!(d.to_local(10, 3, 9), (0, 9));
        assert_eq!(d.chunks(10, 3).map(|c| (c.start, c.end)).collect::<Vec<_>>(), [(0, 10)]);
    }

    #[test]
    fn not_distributed_keeps_everything_on_coordinate_zero() {
        let d = AxisDist::NotDistributed;
        assert_eq!(d.local_len(5, 1, 0), 5);
        assert_eq!(d.to_local(5, 1, 3), (0, 3));
        assert_eq!(d.to_global(5, 1, 0, 3), 3);
        assert_eq!(d.chunks(5, 1).count(), 1);
        assert!(!d.is_distributed());
        assert_eq!(default_dists(3), [AxisDist::Block, AxisDist::NotDistributed, AxisDist::NotDistributed]);
    }
}
