//! The Rhai side of data files: `.npy` (`da::load`, `da::save`, `a.save`, `nd::load`,
//! `nd::save`, `x.save`), `.npz` (`nd::load_npz`, `nd::save_npz`, `da::load_npz`) and
//! raw binary (`da::fromfile`, `nd::fromfile`, `a.tofile`, `x.tofile`). Each function
//! converts its arguments and calls `crate::io`.
//!
//! ```rhai
//! let a = da::load("field.npy", #{dist: ["b", "c"]});   // each engine reads its shard
//! (a * 2.0).save("twice.npy");                          // each engine writes its part
//! let x = nd::load("small.npy");                        // console or one engine
//! let m = nd::load_npz("run.npz");                      // #{u: NdArray, v: NdArray}
//! nd::save_npz("out.npz", #{u: m.u, w: x}, #{compress: true});
//! let b = da::load_npz("run.npz", "u", #{dist: ["c"]}); // on the engines
//! let r = da::fromfile("grid.bin", "f32", [512, 512], #{offset: 16, order: "F"});
//! r.tofile("copy.bin");
//! ```
//!
//! A note (printed once: by the console, or by the array's first engine) says when a
//! file's elements were widened to a pshell dtype (`i2` → `i32`, `f2` → `f32`...).

use super::array_ops::{error, ints_of, Res};
use super::da::{strings_of, with};
use crate::distarray::{Comm, DistArray};
use crate::engine::state::State;
use crate::io::dist::{self, Layout};
use crate::io::raw::RawSpec;
use crate::io::{local, npz};
use crate::nd::NdArray;
use rhai::{Dynamic, Engine, Map, Module, NativeCallContext};
use std::cell::RefCell;
use std::rc::Rc;

type St = Rc<RefCell<State>>;

/// Prints `note` through the script's `print` (tagged like any engine output).
fn say(ctx: &NativeCallContext, note: Option<String>) -> Res<()> {
    if let Some(n) = note {
        ctx.call_native_fn::<()>("print", (n,))?;
    }
    Ok(())
}

/// A layout from the options map of `da::load` and friends, allowing `extra` keys too.
pub(super) struct Opts {
    pub dist: Option<Vec<String>>,
    pub grid: Option<Vec<i64>>,
    /// The whole map, for the callers' own keys.
    pub map: Map,
}

impl Opts {
    pub fn read(ctx: &NativeCallContext, what: &str, o: Option<&Dynamic>, extra: &[&str]) -> Res<Opts> {
        let mut allowed = vec!["dist", "grid"];
        allowed.extend_from_slice(extra);
        let map = option_map(ctx, what, o, "dist: [\"b\"]", &allowed)?;
        let dist = map.get("dist").map(|d| strings_of(ctx, d)).transpose()?;
        let grid = map.get("grid").map(|g| ints_of(ctx, "grid", g)).transpose()?;
        Ok(Opts { dist, grid, map })
    }

    pub fn layout(&self) -> Layout<'_> {
        Layout { dist: self.dist.as_deref(), grid: self.grid.as_deref() }
    }
}

/// The `offset` and `order` options of `fromfile` (in `map`), with the positional
/// arguments, as a [`RawSpec`].
fn raw_spec(ctx: &NativeCallContext, path: &str, dtype: &str, shape: &Dynamic, map: &Map) -> Res<RawSpec> {
    let shape = ints_of(ctx, "fromfile: the shape", shape)?;
    let offset = match map.get("offset") {
        None => 0,
        Some(v) => v
            .as_int()
            .map_err(|_| error(ctx, format!("fromfile: offset must be an integer (bytes), not {}", v.type_name())))?,
    };
    let order = match map.get("order") {
        None => "C".to_string(),
        Some(v) => {
            v.clone().into_string().map_err(|_| error(ctx, "fromfile: order must be \"C\" or \"F\"".to_string()))?
        }
    };
    RawSpec::parse(path, dtype, &shape, offset, &order).map_err(|e| error(ctx, e))
}

/// The options map of `what` (empty when none was given), refusing keys not in
/// `allowed`; `example` shows a map in the message for a value that is not one.
fn option_map(ctx: &NativeCallContext, what: &str, o: Option<&Dynamic>, example: &str, allowed: &[&str]) -> Res<Map> {
    let map = match o {
        None => return Ok(Map::new()),
        Some(v) => v.read_lock::<Map>().map(|m| m.clone()).ok_or_else(|| {
            error(ctx, format!("{what}: options must be a map like #{{{example}}}, not {}", v.type_name()))
        })?,
    };
    if let Some(key) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(error(ctx, format!("{what}: unknown option '{key}': use {}", allowed.join(", "))));
    }
    Ok(map)
}

/// The options of a function with no layout: `allowed` keys only.
fn plain_opts(ctx: &NativeCallContext, what: &str, o: Option<&Dynamic>, allowed: &[&str]) -> Res<Map> {
    option_map(ctx, what, o, &format!("{}: ...", allowed[0]), allowed)
}

fn da_fromfile(
    st: &St,
    ctx: &NativeCallContext,
    path: &str,
    dtype: &str,
    shape: &Dynamic,
    o: Option<&Dynamic>,
) -> Res<DistArray> {
    let opts = Opts::read(ctx, "da::fromfile", o, &["offset", "order"])?;
    let spec = raw_spec(ctx, path, dtype, shape, &opts.map)?;
    with(st, ctx.call_position(), |c| dist::fromfile(c, path, &spec, &opts.layout()))
}

fn nd_fromfile(ctx: &NativeCallContext, path: &str, dtype: &str, shape: &Dynamic, o: Option<&Dynamic>) -> Res<NdArray> {
    let map = plain_opts(ctx, "nd::fromfile", o, &["offset", "order"])?;
    let spec = raw_spec(ctx, path, dtype, shape, &map)?;
    local::fromfile(path, &spec).map_err(|e| error(ctx, e))
}

fn da_load_npz(st: &St, ctx: &NativeCallContext, path: &str, name: &str, o: Option<&Dynamic>) -> Res<DistArray> {
    let opts = Opts::read(ctx, "da::load_npz", o, &[])?;
    let (a, note) = with(st, ctx.call_position(), |c| {
        let (a, note) = dist::load_npz(c, path, name, &opts.layout())?;
        Ok((a, note.filter(|_| c.rank() == 0)))
    })?;
    say(ctx, note)?;
    Ok(a)
}

fn nd_load_npz(ctx: &NativeCallContext, path: &str) -> Res<Map> {
    let (members, notes) = npz::load_all(path).map_err(|e| error(ctx, e))?;
    for n in notes {
        say(ctx, Some(n))?;
    }
    Ok(members.into_iter().map(|(name, a)| (name.into(), Dynamic::from(a))).collect())
}

fn nd_save_npz(ctx: &NativeCallContext, path: &str, members: &Map, o: Option<&Dynamic>) -> Res<()> {
    let opts = plain_opts(ctx, "nd::save_npz", o, &["compress"])?;
    let compress = match opts.get("compress") {
        None => false,
        Some(v) => v
            .as_bool()
            .map_err(|_| error(ctx, format!("nd::save_npz: compress must be true or false, not {}", v.type_name())))?,
    };
    let mut arrays = Vec::with_capacity(members.len());
    for (name, v) in members {
        let a = v.read_lock::<NdArray>().ok_or_else(|| {
            error(
                ctx,
                format!(
                    "nd::save_npz: member '{name}' is a {}, not an NdArray (gather a DistArray first)",
                    v.type_name()
                ),
            )
        })?;
        arrays.push((name.to_string(), a.clone()));
    }
    npz::save(path, &arrays, compress).map_err(|e| error(ctx, e))
}

fn da_load(st: &St, ctx: &NativeCallContext, path: &str, o: Option<&Dynamic>) -> Res<DistArray> {
    let opts = Opts::read(ctx, "da::load", o, &[])?;
    let (a, note) = with(st, ctx.call_position(), |c| {
        let (a, note) = dist::load(c, path, &opts.layout())?;
        Ok((a, note.filter(|_| c.rank() == 0)))
    })?;
    say(ctx, note)?;
    Ok(a)
}

fn da_save(st: &St, ctx: &NativeCallContext, path: &str, a: &DistArray) -> Res<()> {
    with(st, ctx.call_position(), |c| dist::save(c, path, a))
}

fn nd_load(ctx: &NativeCallContext, path: &str) -> Res<NdArray> {
    let (a, note) = local::load_npy(path).map_err(|e| error(ctx, e))?;
    say(ctx, note)?;
    Ok(a)
}

fn nd_save(ctx: &NativeCallContext, path: &str, a: &NdArray) -> Res<()> {
    local::save_npy(path, a).map_err(|e| error(ctx, e))
}

/// Adds the file functions of module `da` (engines).
pub fn add_da(m: &mut Module, state: &St) {
    let st = state.clone();
    m.set_native_fn("load", move |ctx: NativeCallContext, path: &str| da_load(&st, &ctx, path, None));
    let st = state.clone();
    m.set_native_fn("load", move |ctx: NativeCallContext, path: &str, o: Dynamic| da_load(&st, &ctx, path, Some(&o)));
    let st = state.clone();
    m.set_native_fn("save", move |ctx: NativeCallContext, path: &str, a: DistArray| da_save(&st, &ctx, path, &a));
    let st = state.clone();
    m.set_native_fn("fromfile", move |ctx: NativeCallContext, path: &str, dtype: &str, shape: Dynamic| {
        da_fromfile(&st, &ctx, path, dtype, &shape, None)
    });
    let st = state.clone();
    m.set_native_fn("fromfile", move |ctx: NativeCallContext, path: &str, dtype: &str, shape: Dynamic, o: Dynamic| {
        da_fromfile(&st, &ctx, path, dtype, &shape, Some(&o))
    });
    let st = state.clone();
    m.set_native_fn("load_npz", move |ctx: NativeCallContext, path: &str, name: &str| {
        da_load_npz(&st, &ctx, path, name, None)
    });
    let st = state.clone();
    m.set_native_fn("load_npz", move |ctx: NativeCallContext, path: &str, name: &str, o: Dynamic| {
        da_load_npz(&st, &ctx, path, name, Some(&o))
    });
}

/// Registers the file methods of DistArray (engines).
pub fn register_da(engine: &mut Engine, state: &St) {
    let st = state.clone();
    engine
        .register_fn("save", move |ctx: NativeCallContext, a: &mut DistArray, path: &str| da_save(&st, &ctx, path, a));
    let st = state.clone();
    engine.register_fn("tofile", move |ctx: NativeCallContext, a: &mut DistArray, path: &str| {
        with(&st, ctx.call_position(), |c| dist::tofile(c, path, a))
    });
}

/// Adds the file functions of module `nd` (console and engines).
pub fn add_nd(m: &mut Module) {
    m.set_native_fn("load", |ctx: NativeCallContext, path: &str| nd_load(&ctx, path));
    m.set_native_fn("save", |ctx: NativeCallContext, path: &str, a: NdArray| nd_save(&ctx, path, &a));
    m.set_native_fn("fromfile", |ctx: NativeCallContext, path: &str, dtype: &str, shape: Dynamic| {
        nd_fromfile(&ctx, path, dtype, &shape, None)
    });
    m.set_native_fn("fromfile", |ctx: NativeCallContext, path: &str, dtype: &str, shape: Dynamic, o: Dynamic| {
        nd_fromfile(&ctx, path, dtype, &shape, Some(&o))
    });
    m.set_native_fn("load_npz", |ctx: NativeCallContext, path: &str| nd_load_npz(&ctx, path));
    m.set_native_fn("save_npz", |ctx: NativeCallContext, path: &str, x: Map| nd_save_npz(&ctx, path, &x, None));
    m.set_native_fn("save_npz", |ctx: NativeCallContext, path: &str, x: Map, o: Dynamic| {
        nd_save_npz(&ctx, path, &x, Some(&o))
    });
}

/// Registers the file methods of NdArray (console and engines).
pub fn register_nd(engine: &mut Engine) {
    engine.register_fn("save", |ctx: NativeCallContext, a: &mut NdArray, path: &str| nd_save(&ctx, path, a));
    engine.register_fn("tofile", |ctx: NativeCallContext, a: &mut NdArray, path: &str| {
        local::tofile(path, a).map_err(|e| error(&ctx, e))
    });
}
