//! The Rhai side of data files: `da::load`, `da::save`, `a.save`, `nd::load`,
//! `nd::save`, `x.save`. Each function converts its arguments and calls `crate::io`.
//!
//! ```rhai
//! let a = da::load("field.npy", #{dist: ["b", "c"]});   // each engine reads its shard
//! (a * 2.0).save("twice.npy");                          // each engine writes its part
//! let x = nd::load("small.npy");                        // console or one engine
//! ```
//!
//! A note (printed once: by the console, or by the array's first engine) says when a
//! file's elements were widened to a pshell dtype (`i2` → `i32`, `f2` → `f32`...).

use super::array_ops::{error, ints_of, Res};
use super::da::{strings_of, with};
use crate::distarray::{Comm, DistArray};
use crate::engine::state::State;
use crate::io::dist::{self, Layout};
use crate::io::local;
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
    #[allow(dead_code)] // read by fromfile and loadtxt (next commits)
    pub map: Map,
}

impl Opts {
    pub fn read(ctx: &NativeCallContext, what: &str, o: Option<&Dynamic>, extra: &[&str]) -> Res<Opts> {
        let map = match o {
            None => Map::new(),
            Some(v) => v.read_lock::<Map>().map(|m| m.clone()).ok_or_else(|| {
                error(ctx, format!("{what}: options must be a map like #{{dist: [\"b\"]}}, not {}", v.type_name()))
            })?,
        };
        for key in map.keys() {
            if !(["dist", "grid"].contains(&key.as_str()) || extra.contains(&key.as_str())) {
                let mut allowed = vec!["dist", "grid"];
                allowed.extend_from_slice(extra);
                return Err(error(ctx, format!("{what}: unknown option '{key}': use {}", allowed.join(", "))));
            }
        }
        let dist = map.get("dist").map(|d| strings_of(ctx, d)).transpose()?;
        let grid = map.get("grid").map(|g| ints_of(ctx, "grid", g)).transpose()?;
        Ok(Opts { dist, grid, map })
    }

    pub fn layout(&self) -> Layout<'_> {
        Layout { dist: self.dist.as_deref(), grid: self.grid.as_deref() }
    }
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
}

/// Registers the file methods of DistArray (engines).
pub fn register_da(engine: &mut Engine, state: &St) {
    let st = state.clone();
    engine
        .register_fn("save", move |ctx: NativeCallContext, a: &mut DistArray, path: &str| da_save(&st, &ctx, path, a));
}

/// Adds the file functions of module `nd` (console and engines).
pub fn add_nd(m: &mut Module) {
    m.set_native_fn("load", |ctx: NativeCallContext, path: &str| nd_load(&ctx, path));
    m.set_native_fn("save", |ctx: NativeCallContext, path: &str, a: NdArray| nd_save(&ctx, path, &a));
}

/// Registers the file methods of NdArray (console and engines).
pub fn register_nd(engine: &mut Engine) {
    engine.register_fn("save", |ctx: NativeCallContext, a: &mut NdArray, path: &str| nd_save(&ctx, path, a));
}
