//! The Rhai side of numeric text files: `nd::loadtxt`, `nd::savetxt` (console and
//! engines) and `da::loadtxt` (engines: the parse in parallel, the rows
//! block-distributed). Each function reads its options map with NumPy's names and
//! calls `crate::io::text`.
//!
//! ```rhai
//! let x = nd::loadtxt("data.csv", #{delimiter: ",", skiprows: 1, usecols: [0, 2]});
//! nd::savetxt("out.txt", x, #{fmt: "%.6e", header: "a c"});
//! let a = da::loadtxt("big.csv", #{delimiter: ","});   // each engine parses a part
//! ```
//!
//! Values are read as `f64`; one column (or one row) gives a 1-d array, as NumPy's
//! `loadtxt` does (`ndmin: 2` keeps both axes). `savetxt` writes any real NdArray of 1
//! or 2 dimensions (its values as `f64`, so integers beyond 2^53 round).

use super::array_ops::{error, ints_of, Res};
use super::da::with;
use super::io::option_map;
use crate::distarray::DistArray;
use crate::engine::state::State;
use crate::io::text::{self, Fmt, ReadOpts, WriteOpts};
use crate::nd::{DType, NdArray};
use rhai::{Dynamic, Map, Module, NativeCallContext};
use std::cell::RefCell;
use std::rc::Rc;

type St = Rc<RefCell<State>>;

const READ_KEYS: [&str; 5] = ["delimiter", "skiprows", "usecols", "comments", "ndmin"];
const WRITE_KEYS: [&str; 6] = ["fmt", "delimiter", "newline", "header", "footer", "comments"];

/// Option `key` of `what` as a string.
fn string(ctx: &NativeCallContext, what: &str, key: &str, v: &Dynamic) -> Res<String> {
    v.clone().into_string().map_err(|_| error(ctx, format!("{what}: {key} must be a string, not {}", v.type_name())))
}

/// Option `key` as a count (an integer ≥ 0).
fn count(ctx: &NativeCallContext, what: &str, key: &str, v: &Dynamic) -> Res<usize> {
    match v.as_int() {
        Ok(n) if n >= 0 => Ok(n as usize),
        _ => Err(error(ctx, format!("{what}: {key} must be an integer >= 0, not {v}"))),
    }
}

/// A string or an array of strings (`()`: none).
fn strings(ctx: &NativeCallContext, what: &str, key: &str, v: &Dynamic) -> Res<Vec<String>> {
    if v.is_unit() {
        return Ok(Vec::new());
    }
    if let Some(a) = v.read_lock::<rhai::Array>() {
        return a.iter().map(|s| string(ctx, what, key, s)).collect();
    }
    string(ctx, what, key, v).map(|s| vec![s])
}

/// `np.loadtxt`'s options from `o` (`extra`: keys only this function takes).
fn read_opts(ctx: &NativeCallContext, what: &str, o: Option<&Dynamic>, extra: &[&str]) -> Res<(ReadOpts, Map)> {
    let mut keys = READ_KEYS.to_vec();
    keys.extend_from_slice(extra);
    let map = option_map(ctx, what, o, "delimiter: \",\", skiprows: 1", &keys)?;
    let mut r = ReadOpts::default();
    if let Some(v) = map.get("delimiter") {
        if !v.is_unit() {
            let d = string(ctx, what, "delimiter", v)?;
            match d.as_bytes() {
                [b] if *b != b'\n' && *b != b'\r' && b.is_ascii() => r.delimiter = Some(*b),
                _ => {
                    return Err(error(
                        ctx,
                        format!("{what}: delimiter must be one character like \",\" or \"\\t\", not {d:?}"),
                    ))
                }
            }
        }
    }
    if let Some(v) = map.get("skiprows") {
        r.skiprows = count(ctx, what, "skiprows", v)?;
    }
    if let Some(v) = map.get("usecols") {
        if !v.is_unit() {
            let cols = ints_of(ctx, &format!("{what}: usecols"), v)?;
            if cols.is_empty() {
                return Err(error(ctx, format!("{what}: usecols is empty: give the columns to keep, like [0, 2]")));
            }
            r.usecols = Some(cols);
        }
    }
    if let Some(v) = map.get("comments") {
        let c = strings(ctx, what, "comments", v)?;
        r.comments = c.into_iter().filter(|s| !s.is_empty()).map(String::into_bytes).collect();
    }
    if let Some(v) = map.get("ndmin") {
        r.ndmin = count(ctx, what, "ndmin", v)?;
        if r.ndmin > 2 {
            return Err(error(ctx, format!("{what}: ndmin must be 0, 1 or 2, not {}", r.ndmin)));
        }
    }
    Ok((r, map))
}

fn nd_loadtxt(ctx: &NativeCallContext, path: &str, o: Option<&Dynamic>) -> Res<NdArray> {
    let (mut r, map) = read_opts(ctx, "nd::loadtxt", o, &["max_rows"])?;
    if let Some(v) = map.get("max_rows") {
        r.max_rows = Some(count(ctx, "nd::loadtxt", "max_rows", v)?);
    }
    let (shape, values) = text::load(path, &r).map_err(|e| error(ctx, e))?;
    Ok(NdArray::from_vec(&shape, values))
}

fn da_loadtxt(st: &St, ctx: &NativeCallContext, path: &str, o: Option<&Dynamic>) -> Res<DistArray> {
    let (r, _) = read_opts(ctx, "da::loadtxt", o, &[])?;
    with(st, ctx.call_position(), |c| text::dist::loadtxt(c, path, &r))
}

fn write_opts(ctx: &NativeCallContext, o: Option<&Dynamic>) -> Res<WriteOpts> {
    let what = "nd::savetxt";
    let map = option_map(ctx, what, o, "fmt: \"%.6e\", delimiter: \",\"", &WRITE_KEYS)?;
    let mut w = WriteOpts::default();
    if let Some(v) = map.get("fmt") {
        let fs = strings(ctx, what, "fmt", v)?;
        if fs.is_empty() {
            return Err(error(ctx, format!("{what}: fmt is empty: give a format like \"%.6e\"")));
        }
        w.fmt = fs
            .iter()
            .map(|f| Fmt::parse(f))
            .collect::<Result<_, _>>()
            .map_err(|e| error(ctx, format!("{what}: {e}")))?;
    }
    let text = |key: &str, into: &mut String| -> Res<()> {
        if let Some(v) = map.get(key) {
            *into = string(ctx, what, key, v)?;
        }
        Ok(())
    };
    text("delimiter", &mut w.delimiter)?;
    text("newline", &mut w.newline)?;
    text("header", &mut w.header)?;
    text("footer", &mut w.footer)?;
    text("comments", &mut w.comments)?;
    Ok(w)
}

fn nd_savetxt(ctx: &NativeCallContext, path: &str, x: &NdArray, o: Option<&Dynamic>) -> Res<()> {
    let w = write_opts(ctx, o)?;
    if x.dtype() == DType::C128 {
        return Err(error(ctx, "nd::savetxt: the array is complex; write x.re and x.im (or x.abs()) instead"));
    }
    let f = x.astype(DType::F64).map_err(|e| error(ctx, e))?;
    let values = f.as_slice::<f64>().expect("an f64 array");
    text::save(path, x.shape(), values, &w).map_err(|e| error(ctx, e))
}

/// Adds `nd::loadtxt` and `nd::savetxt` (console and engines).
pub fn add_nd(m: &mut Module) {
    m.set_native_fn("loadtxt", |ctx: NativeCallContext, path: &str| nd_loadtxt(&ctx, path, None));
    m.set_native_fn("loadtxt", |ctx: NativeCallContext, path: &str, o: Dynamic| nd_loadtxt(&ctx, path, Some(&o)));
    m.set_native_fn("savetxt", |ctx: NativeCallContext, path: &str, x: NdArray| nd_savetxt(&ctx, path, &x, None));
    m.set_native_fn("savetxt", |ctx: NativeCallContext, path: &str, x: NdArray, o: Dynamic| {
        nd_savetxt(&ctx, path, &x, Some(&o))
    });
}

/// Adds `da::loadtxt` (engines).
pub fn add_da(m: &mut Module, state: &St) {
    let st = state.clone();
    m.set_native_fn("loadtxt", move |ctx: NativeCallContext, path: &str| da_loadtxt(&st, &ctx, path, None));
    let st = state.clone();
    m.set_native_fn("loadtxt", move |ctx: NativeCallContext, path: &str, o: Dynamic| {
        da_loadtxt(&st, &ctx, path, Some(&o))
    });
}
