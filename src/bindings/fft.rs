//! The FFT functions of the module `da`: `fft`, `ifft`, `fft2`, `ifft2`, `fftn`, `ifftn`
//! and `fftfreq`, over [`crate::distarray::fft`]; and `nd::fftfreq` (console and engines).
//!
//! ```rhai
//! let a = da::random([512, 512], #{dist: ["b", "n"]});
//! let f = da::fft2(a);                          // c128, a's layout
//! let g = da::fft(a, 0, #{keep_layout: false}); // left in the layout it was computed in
//! let back = da::ifft2(f);                      // == a up to rounding
//! let k = da::fftfreq(512, 0.1);                // NdArray of f64
//! ```
//!
//! Every transform takes an optional last argument `#{keep_layout: bool}` (default true).
//! Bool and integer arrays are promoted to c128 like real ones.

use super::array_ops::{error, ints_of, Res};
use super::da::{fail, with};
use crate::distarray::fft::{checked_axes, fftn, FftOptions};
use crate::distarray::DistArray;
use crate::engine::state::State;
use crate::nd::{fft, NdArray};
use rhai::{Dynamic, Map, Module, NativeCallContext};
use std::cell::RefCell;
use std::rc::Rc;

type St = Rc<RefCell<State>>;

/// Which axes a call names: all of them, the last two, or the ones given.
enum Axes {
    All,
    LastTwo,
    Given(Vec<i64>),
}

fn keep_layout(ctx: &NativeCallContext, op: &str, o: &Dynamic) -> Res<bool> {
    let map = o.read_lock::<Map>().map(|m| m.clone()).ok_or_else(|| {
        error(ctx, format!("da::{op}: options must be a map like #{{keep_layout: false}}, not {}", o.type_name()))
    })?;
    let mut keep = true;
    for (k, v) in map {
        if k.as_str() != "keep_layout" {
            return Err(error(ctx, format!("da::{op}: unknown option '{k}': the only option is keep_layout")));
        }
        keep = v.as_bool().map_err(|t| error(ctx, format!("da::{op}: keep_layout must be true or false, not {t}")))?;
    }
    Ok(keep)
}

fn run(st: &St, ctx: &NativeCallContext, op: &str, a: DistArray, axes: Axes, o: Option<&Dynamic>) -> Res<DistArray> {
    let keep_layout = o.map(|o| keep_layout(ctx, op, o)).transpose()?.unwrap_or(true);
    let ndim = a.shape().len();
    let axes = match axes {
        Axes::All => (0..ndim as i64).collect(),
        Axes::LastTwo if ndim < 2 => {
            return Err(error(ctx, format!("da::{op} transforms the last two axes; this array has {ndim}")))
        }
        Axes::LastTwo => vec![-2, -1],
        Axes::Given(v) => v,
    };
    let axes = checked_axes(op, &axes, ndim).map_err(|e| fail(ctx.call_position(), e))?;
    let opts = FftOptions { inverse: op.starts_with('i'), keep_layout };
    with(st, ctx.call_position(), |c| fftn(c, op, a, &axes, opts))
}

/// Adds the FFT functions to the module `da`.
pub fn add(m: &mut Module, state: &St) {
    for op in ["fft", "ifft"] {
        let st = state.clone();
        m.set_native_fn(op, move |ctx: NativeCallContext, a: DistArray| {
            run(&st, &ctx, op, a, Axes::Given(vec![-1]), None)
        });
        let st = state.clone();
        m.set_native_fn(op, move |ctx: NativeCallContext, a: DistArray, x: Dynamic| {
            if x.is_map() {
                return run(&st, &ctx, op, a, Axes::Given(vec![-1]), Some(&x));
            }
            let axis =
                x.as_int().map_err(|t| error(&ctx, format!("da::{op}: the axis must be an integer, not {t}")))?;
            run(&st, &ctx, op, a, Axes::Given(vec![axis]), None)
        });
        let st = state.clone();
        m.set_native_fn(op, move |ctx: NativeCallContext, a: DistArray, axis: i64, o: Dynamic| {
            run(&st, &ctx, op, a, Axes::Given(vec![axis]), Some(&o))
        });
    }
    for op in ["fft2", "ifft2"] {
        let st = state.clone();
        m.set_native_fn(op, move |ctx: NativeCallContext, a: DistArray| run(&st, &ctx, op, a, Axes::LastTwo, None));
        let st = state.clone();
        m.set_native_fn(op, move |ctx: NativeCallContext, a: DistArray, o: Dynamic| {
            run(&st, &ctx, op, a, Axes::LastTwo, Some(&o))
        });
    }
    for op in ["fftn", "ifftn"] {
        let st = state.clone();
        m.set_native_fn(op, move |ctx: NativeCallContext, a: DistArray| run(&st, &ctx, op, a, Axes::All, None));
        let st = state.clone();
        m.set_native_fn(op, move |ctx: NativeCallContext, a: DistArray, x: Dynamic| {
            if x.is_map() {
                return run(&st, &ctx, op, a, Axes::All, Some(&x));
            }
            let axes = ints_of(&ctx, "axes", &x)?;
            run(&st, &ctx, op, a, Axes::Given(axes), None)
        });
        let st = state.clone();
        m.set_native_fn(op, move |ctx: NativeCallContext, a: DistArray, x: Dynamic, o: Dynamic| {
            let axes = ints_of(&ctx, "axes", &x)?;
            run(&st, &ctx, op, a, Axes::Given(axes), Some(&o))
        });
    }
    add_fftfreq(m, "da");
}

/// Adds `fftfreq(n [, d])` (an NdArray of f64) to the module `module`: `da` on the
/// engines, and `nd` on the console and the engines, where no DistArray is involved.
///
/// ```rhai
/// let k = nd::fftfreq(8, 0.5);   // [0.0, 0.25, 0.5, 0.75, -1.0, -0.75, -0.5, -0.25]
/// ```
pub fn add_fftfreq(m: &mut Module, module: &'static str) {
    let fftfreq = move |ctx: &NativeCallContext, n: i64, d: f64| -> Res<NdArray> {
        if n < 1 {
            return Err(error(ctx, format!("{module}::fftfreq: n must be at least 1, not {n}")));
        }
        if d == 0.0 || !d.is_finite() {
            return Err(error(
                ctx,
                format!("{module}::fftfreq: the sample spacing d must be finite and non-zero, not {d}"),
            ));
        }
        Ok(NdArray::from_vec(&[n as usize], fft::fftfreq(n as usize, d)))
    };
    m.set_native_fn("fftfreq", move |ctx: NativeCallContext, n: i64| fftfreq(&ctx, n, 1.0));
    m.set_native_fn("fftfreq", move |ctx: NativeCallContext, n: i64, d: f64| fftfreq(&ctx, n, d));
}
