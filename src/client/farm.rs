//! `map` and `lb_map`: one function over many items, spread over the engines.
//!
//! [`map`] splits the items statically: one contiguous block per live engine, all sent
//! as one request. [`lb_map`] balances dynamically: each engine that has room takes the
//! next chunk of items, and [`Chunker`] sizes chunks from what replies tell about the cost
//! of an item, so that 10^5 trivial items travel in chunks of thousands while expensive
//! items go one at a time (and two per engine are in flight only while items are cheap,
//! so the round trip is hidden without holding back slow work at the tail). Results come
//! back in item order. Items are converted to travelling values lazily, chunk by chunk,
//! by a `source` the caller provides (so the bindings convert straight from the Rhai
//! array); a chunk whose engine is lost is taken again from the source and re-run on
//! another engine. A failing item does not stop the others: once everything has run,
//! the error names each failed item, its engine and what went wrong ([`FarmError`]).

use super::data::blocks;
use super::progress::{ProgressHook, Ticker};
use super::Client;
use crate::engine::collectives::engine_list;
use crate::protocol::{RemoteError, RequestKind, Value};
use std::collections::VecDeque;
use std::ops::Range;
use std::time::Duration;

/// Gives the travelling form of items `range` (an error names what cannot travel).
pub type Source<'a> = dyn FnMut(Range<usize>) -> Result<Vec<Value>, String> + 'a;

/// Items that failed together, and why; `error.engine` is where they ran.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemFailure {
    pub items: Range<usize>,
    pub error: RemoteError,
}

/// Why a map did not give every result.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FarmError {
    /// Some items failed; every other item ran.
    Failed { op: &'static str, total: usize, failures: Vec<ItemFailure> },
    /// The items or the function could not be made to travel.
    Source { op: &'static str, message: String },
    /// The map was interrupted after `done` of `total` items.
    Interrupted { op: &'static str, done: usize, total: usize },
    /// No engine is left to run anything.
    NoEngines { op: &'static str },
}

/// How long a chunk of cheap items should take on an engine.
const CHUNK_TIME: f64 = 2e-3;
/// How much a chunk may grow from one to the next.
const GROWTH: usize = 8;

/// Sizes `lb_map`'s chunks from the cost per item that replies report.
#[derive(Debug, Default)]
pub struct Chunker {
    /// Seconds per item: a running maximum that decays, so one slow item keeps chunks
    /// small for a while, and a hiccup does not keep them small for ever.
    per_item: Option<f64>,
    last: usize,
}

impl Chunker {
    /// The next chunk's size, with `remaining` items left for `engines` engines.
    pub fn next(&mut self, remaining: usize, engines: usize) -> usize {
        let size = match self.per_item {
            None => 1,
            Some(t) => {
                let by_time = if t > 0.0 { (CHUNK_TIME / t).round() as usize } else { usize::MAX };
                // The tail is split evenly, so no engine is left with a long last chunk.
                let guided = remaining.div_ceil(2 * engines.max(1));
                by_time.min(self.last.max(1) * GROWTH).min(guided)
            }
        };
        self.last = size.clamp(1, remaining.max(1));
        self.last
    }

    /// Chunks one engine may have in flight: two while items are cheap (the next is
    /// waiting when one ends), one when an item alone is worth a round trip.
    pub fn depth(&self) -> usize {
        match self.per_item {
            Some(t) if t < CHUNK_TIME => 2,
            _ => 1,
        }
    }

    /// Takes in a finished chunk: `items` took `seconds` on their engine.
    pub fn observe(&mut self, items: usize, seconds: f64) {
        let t = seconds / items.max(1) as f64;
        self.per_item = Some(match self.per_item {
            None => t,
            Some(old) => t.max(old * 0.7),
        });
    }
}

/// What is left to do, as ranges of items.
struct Work {
    retry: VecDeque<Range<usize>>,
    next: usize,
    total: usize,
}

impl Work {
    fn remaining(&self) -> usize {
        self.total - self.next + self.retry.iter().map(|r| r.len()).sum::<usize>()
    }

    fn take(&mut self, size: usize) -> Option<Range<usize>> {
        if let Some(r) = self.retry.pop_front() {
            return Some(r);
        }
        (self.next < self.total).then(|| {
            let r = self.next..(self.next + size).min(self.total);
            self.next = r.end;
            r
        })
    }
}

struct Chunk {
    items: Range<usize>,
    engine: usize,
    request: u64,
}

/// `[f(x) for x in items]`, the items split statically over the live engines.
pub fn map(
    client: &mut Client,
    func: Value,
    total: usize,
    source: &mut Source,
    mut hook: Option<&mut ProgressHook>,
) -> Result<Vec<Value>, FarmError> {
    let op = "map";
    if total == 0 {
        return Ok(vec![]);
    }
    let engines = client.live_engines();
    if engines.is_empty() {
        return Err(FarmError::NoEngines { op });
    }
    let mut chunks = Vec::new();
    let mut kinds = Vec::new();
    for (engine, items) in engines.into_iter().zip(blocks(total, client.live_engines().len())) {
        if items.is_empty() {
            continue;
        }
        let values = source(items.clone()).map_err(|message| FarmError::Source { op, message })?;
        kinds.push(RequestKind::Map { func: func.clone(), items: values, first: items.start as u64 });
        chunks.push(Chunk { items, engine, request: 0 });
    }
    let targets: Vec<usize> = chunks.iter().map(|c| c.engine).collect();
    let interrupts = client.interrupts();
    let id = client.submit_each(&targets, kinds);
    let mut ticker = Ticker::new(op);
    let replies = loop {
        if let Some(replies) = client.wait(id, Some(super::progress::EVERY)) {
            break replies;
        }
        let done = chunks.iter().take(client.replies_so_far(id)).map(|c| c.items.len()).sum();
        ticker.tick(hook.as_deref_mut(), done, total);
    };
    ticker.finish(hook, total, total);
    let mut item_errors = client.take_item_errors(id);
    let mut results = Vec::with_capacity(total);
    let mut failures = Vec::new();
    for (chunk, reply) in chunks.iter().zip(replies) {
        match reply.outcome {
            Ok(Value::Array(values)) if values.len() == chunk.items.len() => results.extend(values),
            Ok(other) => failures.push(wrong_reply(chunk, other)),
            Err(e) => failures.extend(chunk_failures(chunk, e, &mut item_errors)),
        }
    }
    finish(op, total, results, failures, client.interrupts() != interrupts)
}

/// `[f(x) for x in items]`, load-balanced: each engine with room takes the next chunk.
pub fn lb_map(
    client: &mut Client,
    func: Value,
    total: usize,
    source: &mut Source,
    mut hook: Option<&mut ProgressHook>,
) -> Result<Vec<Value>, FarmError> {
    let op = "lb_map";
    let mut results: Vec<Option<Value>> = (0..total).map(|_| None).collect();
    let mut done = 0;
    let mut failures = Vec::new();
    let mut work = Work { retry: VecDeque::new(), next: 0, total };
    let mut chunker = Chunker::default();
    let mut flying: Vec<Chunk> = Vec::new();
    let interrupts = client.interrupts();
    let mut ticker = Ticker::new(op);
    loop {
        // Collect what has come back.
        let mut i = 0;
        while i < flying.len() {
            let request = flying[i].request;
            if !client.is_done(request) {
                i += 1;
                continue;
            }
            let chunk = flying.swap_remove(i);
            let reply = client.wait(request, None).and_then(|mut r| r.pop()).expect("a finished request has its reply");
            let mut item_errors = client.take_item_errors(chunk.request);
            match reply.outcome {
                Ok(Value::Array(values)) if values.len() == chunk.items.len() => {
                    chunker.observe(values.len(), reply.elapsed);
                    done += values.len();
                    for (slot, v) in results[chunk.items.clone()].iter_mut().zip(values) {
                        *slot = Some(v);
                    }
                }
                Ok(other) => failures.push(wrong_reply(&chunk, other)),
                Err(e) if e.kind == "EngineLost" && !client.live_engines().is_empty() => {
                    work.retry.push_back(chunk.items);
                }
                Err(e) => {
                    done += chunk.items.len();
                    failures.extend(chunk_failures(&chunk, e, &mut item_errors));
                }
            }
        }
        let interrupted = client.interrupts() != interrupts;
        // Hand out more.
        let live = client.live_engines();
        if live.is_empty() && flying.is_empty() && work.remaining() > 0 {
            return Err(FarmError::NoEngines { op });
        }
        if !interrupted {
            for &engine in &live {
                let depth = chunker.depth();
                while flying.iter().filter(|c| c.engine == engine).count() < depth {
                    let size = chunker.next(work.remaining(), live.len());
                    let Some(items) = work.take(size) else { break };
                    let values = source(items.clone()).map_err(|message| FarmError::Source { op, message })?;
                    let kind = RequestKind::Map { func: func.clone(), items: values, first: items.start as u64 };
                    let request = client.submit(&[engine], kind);
                    flying.push(Chunk { items, engine, request });
                }
            }
        }
        if flying.is_empty() && (interrupted || work.remaining() == 0) {
            break;
        }
        ticker.tick(hook.as_deref_mut(), done, total);
        client.pump(Duration::from_millis(5));
    }
    ticker.finish(hook, done, total);
    if client.interrupts() != interrupts {
        let done = results.iter().filter(|r| r.is_some()).count();
        return Err(FarmError::Interrupted { op, done, total });
    }
    finish(op, total, results.into_iter().flatten().collect(), failures, false)
}

fn wrong_reply(chunk: &Chunk, got: Value) -> ItemFailure {
    let message = format!("the engine answered a {} instead of {} results", got.type_name(), chunk.items.len());
    let error =
        RemoteError { engine: chunk.engine, kind: "ProtocolError".into(), message, position: None, call_chain: vec![] };
    ItemFailure { items: chunk.items.clone(), error }
}

/// The failures of a chunk whose reply is `e`: its failed items one by one, or the whole
/// chunk when it failed as a whole.
fn chunk_failures(chunk: &Chunk, e: RemoteError, item_errors: &mut Vec<(u64, RemoteError)>) -> Vec<ItemFailure> {
    if e.kind != "ItemsFailed" {
        return vec![ItemFailure { items: chunk.items.clone(), error: e }];
    }
    let mine: Vec<ItemFailure> = item_errors
        .iter()
        .filter(|(item, err)| err.engine == chunk.engine && chunk.items.contains(&(*item as usize)))
        .map(|(item, err)| ItemFailure { items: *item as usize..*item as usize + 1, error: err.clone() })
        .collect();
    item_errors.retain(|(item, err)| !(err.engine == chunk.engine && chunk.items.contains(&(*item as usize))));
    if mine.is_empty() {
        vec![ItemFailure { items: chunk.items.clone(), error: e }]
    } else {
        mine
    }
}

fn finish(
    op: &'static str,
    total: usize,
    results: Vec<Value>,
    mut failures: Vec<ItemFailure>,
    interrupted: bool,
) -> Result<Vec<Value>, FarmError> {
    if interrupted || failures.iter().any(|f| f.error.kind == "Interrupted") {
        let failed: usize = failures.iter().map(|f| f.items.len()).sum();
        return Err(FarmError::Interrupted { op, done: total - failed, total });
    }
    if failures.is_empty() {
        return Ok(results);
    }
    failures.sort_by_key(|f| f.items.start);
    Err(FarmError::Failed { op, total, failures })
}

/// Distinct failures shown in full before the rest are counted.
const SHOWN: usize = 3;
/// Item ranges listed for one failure before the rest are counted.
const RANGES_SHOWN: usize = 6;

/// Failures with the same error: their items, their engines, the error.
type Group<'a> = (Vec<Range<usize>>, Vec<usize>, &'a RemoteError);

/// "item 3", "items 0-4, 9": `ranges` sorted and merged where they touch.
fn ranges_text(ranges: &[Range<usize>]) -> String {
    let mut sorted = ranges.to_vec();
    sorted.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in sorted {
        match merged.last_mut() {
            Some(last) if last.end >= r.start => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    let ranges = &merged[..];
    let n: usize = ranges.iter().map(|r| r.len()).sum();
    let mut parts: Vec<String> = ranges
        .iter()
        .take(RANGES_SHOWN)
        .map(|r| if r.len() == 1 { r.start.to_string() } else { format!("{}-{}", r.start, r.end - 1) })
        .collect();
    if ranges.len() > RANGES_SHOWN {
        let rest: usize = ranges[RANGES_SHOWN..].iter().map(|r| r.len()).sum();
        parts.push(format!("and {rest} more"));
    }
    format!("{} {}", if n == 1 { "item" } else { "items" }, parts.join(", "))
}

impl std::fmt::Display for FarmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FarmError::Source { op, message } => write!(f, "{op}: {message}"),
            FarmError::Interrupted { op, done, total } => {
                write!(f, "{op}: interrupted after {done} of {total} items")
            }
            FarmError::NoEngines { op } => write!(f, "{op}: every engine is gone"),
            FarmError::Failed { op, total, failures } => {
                let failed: usize = failures.iter().map(|x| x.items.len()).sum();
                let s = if *total == 1 { "" } else { "s" };
                write!(f, "{op}: {failed} of {total} item{s} failed:")?;
                // Identical errors (apart from the engine) collapse into one entry.
                let mut groups: Vec<Group> = Vec::new();
                for x in failures {
                    let e = &x.error;
                    match groups.iter_mut().find(|(_, _, g)| {
                        g.kind == e.kind
                            && g.message == e.message
                            && g.position == e.position
                            && g.call_chain == e.call_chain
                    }) {
                        Some((ranges, engines, _)) => {
                            ranges.push(x.items.clone());
                            engines.push(e.engine);
                        }
                        None => groups.push((vec![x.items.clone()], vec![e.engine], e)),
                    }
                }
                for (ranges, engines, e) in groups.iter_mut().take(SHOWN) {
                    engines.sort_unstable();
                    engines.dedup();
                    let on = if engines.len() == 1 { "engine" } else { "engines" };
                    write!(
                        f,
                        "\n[{} on {on} {}] {}: {}",
                        ranges_text(ranges),
                        engine_list(engines),
                        e.kind,
                        e.message
                    )?;
                    if let Some((line, col)) = e.position {
                        write!(f, "\n  at line {line}, column {col}")?;
                    }
                    if !e.call_chain.is_empty() {
                        write!(f, "\n  in {}", e.call_chain.join(" > "))?;
                    }
                }
                let rest: usize = groups.iter().skip(SHOWN).flat_map(|(r, _, _)| r.iter()).map(|r| r.len()).sum();
                if rest > 0 {
                    write!(f, "\n... and {rest} more items failed")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for FarmError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_start_at_one_grow_for_cheap_items_and_stay_at_one_for_dear_ones() {
        let mut c = Chunker::default();
        assert_eq!((c.next(100_000, 2), c.depth()), (1, 1));
        c.observe(1, 2e-6);
        let sizes: Vec<usize> = (0..5)
            .map(|_| {
                let s = c.next(100_000, 2);
                c.observe(s, s as f64 * 2e-6);
                s
            })
            .collect();
        assert_eq!(sizes, vec![8, 64, 512, 1000, 1000]);
        assert_eq!(c.depth(), 2);
        // The tail is split evenly between the engines.
        assert_eq!(c.next(100, 2), 25);
        let mut dear = Chunker::default();
        dear.next(20, 2);
        dear.observe(1, 0.05);
        assert_eq!((dear.next(19, 2), dear.depth()), (1, 1));
        // A cheap item after a dear one does not make chunks large at once.
        dear.observe(1, 1e-4);
        assert_eq!(dear.next(18, 2), 1);
    }

    #[test]
    fn failures_collapse_and_name_items_and_engines() {
        let err = |engine, message: &str| RemoteError {
            engine,
            kind: "RuntimeError".into(),
            message: message.into(),
            position: None,
            call_chain: vec!["f (line 2, column 5)".into()],
        };
        let failures = vec![
            ItemFailure { items: 3..4, error: err(1, "odd") },
            ItemFailure { items: 5..6, error: err(0, "odd") },
            ItemFailure { items: 8..12, error: err(2, "even") },
        ];
        let e = FarmError::Failed { op: "lb_map", total: 20, failures };
        assert_eq!(
            e.to_string(),
            "lb_map: 6 of 20 items failed:\n[items 3, 5 on engines 0,1] RuntimeError: odd\n  in f (line 2, column 5)\n[items 8-11 on engine 2] RuntimeError: even\n  in f (line 2, column 5)"
        );
    }
}
