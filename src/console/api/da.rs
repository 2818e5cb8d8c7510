//! `gather("a")` and `scatter("a", nd_array)` at the console, for DistArrays.
//!
//! - [`gather_distarray`] asks each target engine for its shard of the DistArray named
//!   `a` (with the distribution, so the console can place it) and joins the shards into
//!   one NdArray with the distribution layer's `gather_global`. It answers `None` when
//!   `a` is not a DistArray on any target, so a general `gather` can fall back to plain
//!   values.
//! - [`scatter_ndarray`] cuts an NdArray into block shards along axis 0 (the default
//!   distribution over the targets), sends each engine only its own shard (one `Push`
//!   request, a different shard per engine, all in flight at once), then makes them one DistArray with a collective request.
//!
//! Shards travel as raw typed buffers (moved on threads, raw bytes over MPI), never as
//! Rhai arrays or JSON. `register` binds `gather(name [, targets])` and
//! `scatter(name, nd_array [, targets])`.

use crate::bindings::array_ops::{error, Res};
use crate::client::parse_targets;
use crate::console::{display, Shared};
use crate::dispatch_dtype;
use crate::distarray::{default_dists, engine_list, gather_global, parse_dists, scatter_global, Distribution};
use crate::nd::{NdArray, Stored};
use crate::protocol::{RequestKind, Value};
use rhai::{Dynamic, Engine, NativeCallContext};
use std::cell::RefCell;
use std::rc::Rc;

fn field<'a>(m: &'a [(String, Value)], key: &str) -> Option<&'a Value> {
    m.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn ints(v: Option<&Value>) -> Vec<usize> {
    match v {
        Some(Value::Array(items)) => {
            items.iter().filter_map(|x| if let Value::Int(i) = x { Some(*i as usize) } else { None }).collect()
        }
        // A long array of ints (a group of many engines) travels as a typed list.
        Some(Value::List(crate::protocol::Buffer::I64(items))) => items.iter().map(|&i| i as usize).collect(),
        _ => vec![],
    }
}

/// The DistArray `name` from `targets`, joined into one NdArray; `None` if `name` is not
/// a DistArray on any of them.
pub fn gather_distarray(
    ctx: &NativeCallContext,
    shared: &RefCell<Shared>,
    name: &str,
    targets: &[usize],
) -> Res<Option<NdArray>> {
    super::data::check_name(ctx, "gather", name)?;
    // `type_of` reads the variable in place; a call with it as an argument would copy it
    // (ten million items of a Rhai array cost ~100 ms), so only a DistArray is passed.
    let code =
        format!("if is_def_var(\"{name}\") && type_of({name}) == \"DistArray\" {{ da::__part({name}) }} else {{ () }}");
    let values =
        shared.borrow_mut().client.execute(&code, targets, "gather").map_err(|e| error(ctx, display::composite(&e)))?;
    if values.iter().all(|v| matches!(v, Value::Unit)) {
        return Ok(None);
    }
    let mut parts = Vec::new();
    for (&e, v) in targets.iter().zip(values) {
        match v {
            Value::Map(m) => parts.push((e, m)),
            _ => {
                return Err(error(
                    ctx,
                    format!("gather: '{name}' is a DistArray on some engines but not on engine {e}"),
                ))
            }
        }
    }
    let first = &parts[0].1;
    let group = ints(field(first, "group"));
    let mut answered: Vec<usize> = targets.to_vec();
    answered.sort_unstable();
    if group != answered {
        return Err(error(
            ctx,
            format!(
                "gather: '{name}' is distributed over engines {}; gather it from exactly those engines",
                engine_list(&group)
            ),
        ));
    }
    let shape = ints(field(first, "shape"));
    let dist_names: Vec<String> = match field(first, "dist") {
        Some(Value::Array(d)) => {
            d.iter().map(|x| if let Value::Str(s) = x { s.clone() } else { String::new() }).collect()
        }
        _ => vec![],
    };
    let grid: Vec<i64> = ints(field(first, "grid")).into_iter().map(|g| g as i64).collect();
    let dists = parse_dists(&dist_names, shape.len()).map_err(|e| error(ctx, e))?;
    let dist = Distribution::with_grid(&shape, &dists, &grid, group.len()).map_err(|e| error(ctx, e))?;
    // Shards in group rank order.
    parts.sort_by_key(|(e, _)| group.iter().position(|g| g == e));
    let mut buffers = Vec::with_capacity(parts.len());
    for (e, mut m) in parts {
        let i = m
            .iter()
            .position(|(k, _)| k == "shard")
            .ok_or_else(|| error(ctx, format!("gather: engine {e} sent no shard")))?;
        match m.swap_remove(i).1 {
            // Shards shared from the engines (threads) are read in place, not copied.
            Value::NdArray { shape, data } => {
                buffers.push(NdArray::from_buffer(&shape, data).map_err(|err| error(ctx, err.to_string()))?)
            }
            _ => return Err(error(ctx, format!("gather: engine {e} sent no shard"))),
        }
    }
    let dtype = buffers[0].dtype();
    let whole = dispatch_dtype!(dtype, T => {
        let shards = buffers
            .iter()
            .map(|b| b.as_slice::<T>().ok_or_else(|| error(ctx, "gather: the shards have different dtypes")))
            .collect::<Res<Vec<&[T]>>>()?;
        NdArray::from_vec(&shape, gather_global(&dist, &shards).map_err(|e| error(ctx, e))?)
    });
    Ok(Some(whole))
}

/// Makes `nd` the block-distributed DistArray `name` on `targets` (axis 0 split).
pub fn scatter_ndarray(
    ctx: &NativeCallContext,
    shared: &RefCell<Shared>,
    name: &str,
    nd: &NdArray,
    targets: &[usize],
) -> Res<()> {
    super::data::check_name(ctx, "scatter", name)?;
    if nd.ndim() == 0 {
        return Err(error(ctx, "scatter: a 0-d array cannot be distributed; give it at least one axis"));
    }
    let mut group = targets.to_vec();
    group.sort_unstable();
    group.dedup();
    let dist = Distribution::new(nd.shape(), &default_dists(nd.ndim()), group.len()).map_err(|e| error(ctx, e))?;
    let pieces: Vec<Value> = dispatch_dtype!(nd.dtype(), T => {
        let shards = scatter_global::<T>(&dist, nd.as_slice::<T>().expect("dtype")).map_err(|e| error(ctx, e))?;
        shards
            .into_iter()
            .enumerate()
            .map(|(r, s)| Value::NdArray { shape: dist.local_shape(r).expect("rank"), data: T::into_buffer(s) })
            .collect()
    });
    let mut s = shared.borrow_mut();
    let kinds = pieces.into_iter().map(|piece| RequestKind::Push { vars: vec![(name.to_string(), piece)] }).collect();
    let id = s.client.submit_each(&group, kinds);
    let replies = s.client.wait(id, None).expect("no deadline");
    crate::client::collect(replies, "scatter", None).map_err(|err| error(ctx, display::composite(&err)))?;
    let shape: Vec<String> = nd.shape().iter().map(|n| n.to_string()).collect();
    let code = format!("{name} = da::__from_block({name}, [{}]);", shape.join(", "));
    s.client.execute(&code, &group, "scatter").map_err(|e| error(ctx, display::composite(&e)))?;
    Ok(())
}

fn targets_of(ctx: &NativeCallContext, shared: &RefCell<Shared>, t: Option<Dynamic>) -> Res<Vec<usize>> {
    let n = shared.borrow().client.engines();
    let ids: Option<Vec<i64>> = match t {
        None => None,
        Some(d) if d.is_int() => Some(vec![d.as_int().expect("int")]),
        Some(d) => Some(
            d.into_array()
                .map_err(|t| error(ctx, format!("targets: expected an engine id or an array of them, not {t}")))?
                .into_iter()
                .map(|x| x.as_int().map_err(|_| error(ctx, format!("targets: '{x}' is not an engine id"))))
                .collect::<Res<_>>()?,
        ),
    };
    parse_targets(ids.as_deref(), n).map_err(|m| error(ctx, m))
}

/// Registers `scatter(name, nd_array [, targets])`; `gather` (in `data_api`) asks
/// [`gather_distarray`] first.
pub fn register(engine: &mut Engine, shared: &Rc<RefCell<Shared>>) {
    let sh = shared.clone();
    engine.register_fn("scatter", move |ctx: NativeCallContext, name: &str, nd: NdArray| {
        let targets = targets_of(&ctx, &sh, None)?;
        scatter_ndarray(&ctx, &sh, name, &nd, &targets)
    });
    let sh = shared.clone();
    engine.register_fn("scatter", move |ctx: NativeCallContext, name: &str, nd: NdArray, t: Dynamic| {
        let targets = targets_of(&ctx, &sh, Some(t))?;
        scatter_ndarray(&ctx, &sh, name, &nd, &targets)
    });
}
