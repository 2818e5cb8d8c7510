//! `plot scatter hist imshow` (console and engines) and `plots()` (console).
//!
//! Thin: each call's arguments become a [`PlotSpec`] plus where to save it ([`Made`]);
//! rendering is [`crate::plot`]'s. What happens next is the one difference between the
//! two sides: the console saves the picture and shows it (`console::plots`) and returns
//! its path; an engine sends the encoded bytes to the console ([`Message::Plot`]), which
//! saves and shows them tagged with the engine, and returns `()`.
//!
//! Options: `title xlabel ylabel` (strings), `label` (a string, or one per series),
//! `bins` (hist), `width height` (pixels), `format` ("png" or "svg"; by default the
//! `file`'s extension, else "png"), `file` (a path on the console's side, also for plots
//! drawn on engines; its folder must exist), `preview` (true/false: draw the terminal
//! preview or not; by default only at an interactive console). Unknown options are
//! errors, so a typo does not pass silently.
//!
//! Data reaches the plot layer through one function, [`numbers`] (in `plot_numbers.rs`),
//! which turns a script value (Rhai arrays of numbers, NdArrays) into `f64`s: a 1-D
//! sequence or rows of them. Engines gather a DistArray's data before it gets there.
//!
//! ```rhai
//! plot([1, 4, 9, 16], #{title: "squares", xlabel: "n"});
//! plot(xs, [ys, zs], #{label: ["sin", "cos"]});
//! scatter(xs, ys);  hist(samples, #{bins: 30});  imshow(rows, #{file: "field.svg"});
//! ```

use crate::console::plots::{Picture, PlotLog};
use crate::distarray::{gather_global, DistArray};
use crate::engine::state::State;
use crate::nd::{DType, NdArray};
use crate::plot::{preview_text, render, Format, PlotSpec, RenderedPlot, Series};
use crate::protocol::{Buffer, Message, Peer, PlotImage, Value};
use rhai::{Array, Dynamic, Engine, EvalAltResult, Map, NativeCallContext};
use std::cell::RefCell;
use std::rc::Rc;

type Res<T> = Result<T, Box<EvalAltResult>>;

/// The options every plot function accepts.
const OPTIONS: &str = "title, xlabel, ylabel, label, bins, file, format, width, height, preview";

/// Preview size, in characters, of plots drawn on engines (their lines get an `[e] ` tag).
const ENGINE_PREVIEW: (usize, usize) = (76, 20);

// Script values as plot data.
#[path = "plot_numbers.rs"]
mod numbers;
pub use numbers::{numbers, Numbers};
use numbers::{takes, type_name, values};

/// A plot call, ready to render: the spec, and what the console is to do with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Made {
    pub spec: PlotSpec,
    /// The file to save to; `None`: the console's next `plots/NNN.ext`.
    pub file: Option<String>,
    /// `Some(true/false)`: show the preview or not; `None`: as the console sees fit.
    pub preview: Option<bool>,
}

/// Series from `x` (optional) and `y`: one, or one per row.
fn series(fname: &str, x: Option<Numbers>, y: Numbers) -> Result<Vec<Series>, String> {
    Ok(match (x, y) {
        (None, Numbers::Vector(y)) => vec![Series::new(y)],
        (None, Numbers::Rows(ys)) => ys.into_iter().map(Series::new).collect(),
        (Some(Numbers::Vector(x)), Numbers::Vector(y)) => vec![Series::xy(x, y)],
        (Some(Numbers::Vector(x)), Numbers::Rows(ys)) => ys.into_iter().map(|y| Series::xy(x.clone(), y)).collect(),
        (Some(Numbers::Rows(xs)), Numbers::Rows(ys)) if xs.len() == ys.len() => {
            xs.into_iter().zip(ys).map(|(x, y)| Series::xy(x, y)).collect()
        }
        (Some(Numbers::Rows(xs)), Numbers::Rows(ys)) => {
            return Err(format!("{fname}: {} x arrays but {} y arrays; give one x per series", xs.len(), ys.len()))
        }
        (Some(Numbers::Rows(_)), Numbers::Vector(_)) => {
            return Err(format!("{fname}: x is an array of arrays but y is one array of numbers"))
        }
    })
}

/// Builds the spec of `fname` called with `data` (`[y]`, `[x, y]` or `[a]`) and options.
pub fn make(fname: &str, data: &[&Dynamic], opts: Option<&Map>) -> Result<Made, String> {
    let spec = match (fname, data) {
        ("plot", [y]) => PlotSpec::line(series(fname, None, numbers(fname, "y", y)?)?),
        ("plot", [x, y]) => PlotSpec::line(series(fname, Some(numbers(fname, "x", x)?), numbers(fname, "y", y)?)?),
        ("scatter", [x, y]) => {
            PlotSpec::scatter(series(fname, Some(numbers(fname, "x", x)?), numbers(fname, "y", y)?)?)
        }
        ("hist", [d]) => match numbers(fname, "data", d)? {
            Numbers::Vector(v) => PlotSpec::hist(v, None),
            Numbers::Rows(rows) => PlotSpec::hist(rows.concat(), None),
        },
        ("imshow", [a]) => match numbers(fname, "the image", a)? {
            Numbers::Vector(_) => {
                return Err(format!("imshow: the image is a 1-D array; imshow takes {}", takes(fname)))
            }
            Numbers::Rows(rows) => {
                let cols = rows[0].len();
                if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.len() != cols) {
                    return Err(format!("imshow: row {i} has {} but row 0 has {}", values(r.len()), values(cols)));
                }
                PlotSpec::image(rows.len(), cols, rows.concat())
            }
        },
        _ => unreachable!("plot functions are registered with their arities"),
    };
    let mut made = Made { spec, file: None, preview: None };
    if let Some(opts) = opts {
        apply_options(fname, &mut made, opts)?;
    }
    Ok(made)
}

fn string_opt(fname: &str, key: &str, v: &Dynamic) -> Result<String, String> {
    v.read_lock::<rhai::ImmutableString>()
        .map(|s| s.to_string())
        .ok_or_else(|| format!("{fname}: option '{key}' must be a string, not {}", type_name(v)))
}

fn count_opt(fname: &str, key: &str, v: &Dynamic) -> Result<i64, String> {
    v.as_int().map_err(|_| format!("{fname}: option '{key}' must be an integer, not {}", type_name(v)))
}

fn pixels(fname: &str, key: &str, v: &Dynamic) -> Result<u32, String> {
    let n = count_opt(fname, key, v)?;
    u32::try_from(n).map_err(|_| format!("{fname}: option '{key}' must be a number of pixels, not {n}"))
}

fn apply_options(fname: &str, made: &mut Made, opts: &Map) -> Result<(), String> {
    use crate::plot::PlotKind;
    let mut format = None;
    for (key, v) in opts {
        let spec = &mut made.spec;
        match key.as_str() {
            "title" => spec.title = Some(string_opt(fname, key, v)?),
            "xlabel" => spec.xlabel = Some(string_opt(fname, key, v)?),
            "ylabel" => spec.ylabel = Some(string_opt(fname, key, v)?),
            "width" => spec.width = pixels(fname, key, v)?,
            "height" => spec.height = pixels(fname, key, v)?,
            "file" => made.file = Some(string_opt(fname, key, v)?),
            "format" => format = Some(string_opt(fname, key, v)?.parse::<Format>().map_err(|e| e.to_string())?),
            "preview" => {
                made.preview =
                    Some(v.as_bool().map_err(|_| format!("{fname}: option 'preview' must be true or false"))?)
            }
            "bins" => match &mut spec.kind {
                PlotKind::Hist { bins, .. } => {
                    let n = count_opt(fname, key, v)?;
                    *bins =
                        Some(usize::try_from(n).map_err(|_| {
                            format!("hist: bins must be between 1 and {}, got {n}", crate::plot::MAX_BINS)
                        })?);
                }
                _ => return Err(format!("{fname}: option 'bins' is for hist")),
            },
            "label" => {
                let labels: Vec<String> = match v.read_lock::<Array>() {
                    Some(a) => a.iter().map(|l| string_opt(fname, key, l)).collect::<Result<_, _>>()?,
                    None => vec![string_opt(fname, key, v)?],
                };
                let series = match &mut spec.kind {
                    PlotKind::Line { series } | PlotKind::Scatter { series } => series,
                    _ => return Err(format!("{fname}: option 'label' is for plot and scatter (it names series)")),
                };
                if labels.len() != series.len() {
                    let n = labels.len();
                    return Err(format!(
                        "{fname}: {n} label{} for {} series",
                        if n == 1 { "" } else { "s" },
                        series.len()
                    ));
                }
                series.iter_mut().zip(labels).for_each(|(s, l)| s.label = Some(l));
            }
            other => return Err(format!("{fname}: unknown option '{other}'; the options are {OPTIONS}")),
        }
    }
    made.spec.format = match (format, made.file.as_deref().and_then(extension)) {
        (Some(f), Some(Ok(e))) if f != e => {
            let file = made.file.as_deref().unwrap_or_default();
            return Err(format!(
                "{fname}: file '{file}' does not end in .{} (format is \"{}\")",
                f.extension(),
                f.extension()
            ));
        }
        (Some(f), _) => f,
        (None, Some(e)) => e.map_err(|e| e.to_string())?,
        (None, None) => Format::Png,
    };
    Ok(())
}

/// The format a file name's extension asks for, if it has one.
fn extension(file: &str) -> Option<Result<Format, crate::plot::PlotError>> {
    let ext = std::path::Path::new(file).extension()?.to_str()?;
    Some(ext.parse::<Format>())
}

fn rendered(made: &Made) -> Result<RenderedPlot, String> {
    render(&made.spec).map_err(|e| e.to_string())
}

/// Before a plot is made: DistArray arguments replaced by whole arrays (index, value), or
/// `None` when this engine does not draw (another member of the array's group does).
type Prepare = Rc<dyn Fn(&[&Dynamic]) -> Result<Option<Vec<(usize, Dynamic)>>, String>>;

/// What a side does around a plot call: `prepare` its data, then `finish` the made plot
/// (the script's return value).
#[derive(Clone)]
struct Deliver {
    prepare: Prepare,
    finish: Rc<dyn Fn(Made) -> Result<Dynamic, String>>,
}

impl Deliver {
    /// A side whose data needs no preparing (the console has no DistArrays).
    fn direct(finish: impl Fn(Made) -> Result<Dynamic, String> + 'static) -> Deliver {
        Deliver { prepare: Rc::new(|_| Ok(Some(Vec::new()))), finish: Rc::new(finish) }
    }
}

fn register_kinds(engine: &mut Engine, deliver: Deliver) {
    fn call(
        deliver: &Deliver,
        ctx: &NativeCallContext,
        fname: &str,
        data: &[&Dynamic],
        opts: Option<&Map>,
    ) -> Res<Dynamic> {
        let outcome = (deliver.prepare)(data).and_then(|swaps| {
            let Some(swaps) = swaps else {
                return Ok(Dynamic::UNIT); // another engine of the group draws it
            };
            let data: Vec<&Dynamic> = data
                .iter()
                .enumerate()
                .map(|(i, d)| swaps.iter().find(|(j, _)| *j == i).map_or(*d, |(_, whole)| whole))
                .collect();
            make(fname, &data, opts).and_then(|made| (deliver.finish)(made))
        });
        outcome.map_err(|m| EvalAltResult::ErrorRuntime(m.into(), ctx.call_position()).into())
    }
    fn opts_of(ctx: &NativeCallContext, fname: &str, o: &Dynamic) -> Res<Map> {
        o.read_lock::<Map>().map(|m| m.clone()).ok_or_else(|| {
            let msg = format!("{fname}: options must be a map like #{{title: \"...\"}}, not {}", type_name(o));
            EvalAltResult::ErrorRuntime(msg.into(), ctx.call_position()).into()
        })
    }
    // `plot(y)`: a line through y against 0, 1, 2, ...; `[y1, y2]` draws several.
    let d = deliver.clone();
    engine.register_fn("plot", move |ctx: NativeCallContext, y: Dynamic| call(&d, &ctx, "plot", &[&y], None));
    // `plot(y, options)` or `plot(x, y)`.
    let d = deliver.clone();
    engine.register_fn("plot", move |ctx: NativeCallContext, a: Dynamic, b: Dynamic| {
        if b.is_map() {
            let o = opts_of(&ctx, "plot", &b)?;
            call(&d, &ctx, "plot", &[&a], Some(&o))
        } else {
            call(&d, &ctx, "plot", &[&a, &b], None)
        }
    });
    // `plot(x, y, options)`.
    let d = deliver.clone();
    engine.register_fn("plot", move |ctx: NativeCallContext, x: Dynamic, y: Dynamic, o: Dynamic| {
        let o = opts_of(&ctx, "plot", &o)?;
        call(&d, &ctx, "plot", &[&x, &y], Some(&o))
    });
    // `scatter(x, y [, options])`: markers at (x[i], y[i]).
    let d = deliver.clone();
    engine.register_fn("scatter", move |ctx: NativeCallContext, x: Dynamic, y: Dynamic| {
        call(&d, &ctx, "scatter", &[&x, &y], None)
    });
    let d = deliver.clone();
    engine.register_fn("scatter", move |ctx: NativeCallContext, x: Dynamic, y: Dynamic, o: Dynamic| {
        let o = opts_of(&ctx, "scatter", &o)?;
        call(&d, &ctx, "scatter", &[&x, &y], Some(&o))
    });
    // `hist(data [, options])`: a histogram (`bins` option; default: the square-root rule).
    let d = deliver.clone();
    engine.register_fn("hist", move |ctx: NativeCallContext, a: Dynamic| call(&d, &ctx, "hist", &[&a], None));
    let d = deliver.clone();
    engine.register_fn("hist", move |ctx: NativeCallContext, a: Dynamic, o: Dynamic| {
        let o = opts_of(&ctx, "hist", &o)?;
        call(&d, &ctx, "hist", &[&a], Some(&o))
    });
    // `imshow(rows [, options])`: a heat map of a 2-D array, row 0 at the top, with a colour bar.
    let d = deliver.clone();
    engine.register_fn("imshow", move |ctx: NativeCallContext, a: Dynamic| call(&d, &ctx, "imshow", &[&a], None));
    let d = deliver;
    engine.register_fn("imshow", move |ctx: NativeCallContext, a: Dynamic, o: Dynamic| {
        let o = opts_of(&ctx, "imshow", &o)?;
        call(&d, &ctx, "imshow", &[&a], Some(&o))
    });
}

/// Console preview size: the terminal's width when `COLUMNS` says it, else 80.
fn console_preview_size() -> (usize, usize) {
    let cols = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(80usize);
    (cols.clamp(40, 160), 20)
}

/// Registers the plot functions and `plots()` at the console: pictures are saved and
/// shown by `log`; a plot call returns the saved file's path.
pub fn register_console(engine: &mut Engine, log: &Rc<RefCell<PlotLog>>) {
    let lg = log.clone();
    register_kinds(
        engine,
        Deliver::direct(move |made: Made| {
            let out = rendered(&made)?;
            let show = made.preview.unwrap_or_else(|| lg.borrow().interactive());
            let preview = if show {
                let (cols, rows) = console_preview_size();
                preview_text(&made.spec, cols, rows)
            } else {
                String::new()
            };
            let pic = Picture {
                engine: None,
                kind: made.spec.kind.name(),
                title: made.spec.title.as_deref().unwrap_or_default(),
                format: out.format.extension(),
                width: out.width,
                height: out.height,
                file: made.file.as_deref(),
                note: out.note.as_deref(),
                preview: &preview,
                force_preview: show,
                bytes: &out.bytes,
            };
            let (path, text) = lg.borrow_mut().save(&pic)?;
            print_now(&text);
            Ok(path.display().to_string().into())
        }),
    );
    // `plots()`: this session's plots, oldest first: maps with path, engine (() for
    // the console), kind, title, format, width, height.
    let lg = log.clone();
    engine.register_fn("plots", move || -> Array {
        lg.borrow()
            .saved()
            .iter()
            .map(|s| {
                let mut m = Map::new();
                m.insert("path".into(), s.path.display().to_string().into());
                m.insert("engine".into(), s.engine.map_or(Dynamic::UNIT, |e| (e as i64).into()));
                m.insert("kind".into(), s.kind.clone().into());
                m.insert("title".into(), s.title.clone().into());
                m.insert("format".into(), s.format.clone().into());
                m.insert("width".into(), (s.width as i64).into());
                m.insert("height".into(), (s.height as i64).into());
                m.insert("bytes".into(), (s.bytes as i64).into());
                m.into()
            })
            .collect()
    });
}

/// The client's plot sink: saves and shows a picture sent by an engine.
pub fn engine_picture_sink(log: Rc<RefCell<PlotLog>>) -> crate::client::PlotSink {
    Box::new(move |img: &PlotImage| {
        let pic = Picture {
            engine: Some(img.engine),
            kind: &img.kind,
            title: &img.title,
            format: &img.format,
            width: img.width,
            height: img.height,
            file: img.file.as_deref(),
            note: img.note.as_deref(),
            preview: &img.preview,
            force_preview: img.force_preview,
            bytes: &img.bytes,
        };
        let (_, text) = log.borrow_mut().save(&pic)?;
        print_now(&text);
        Ok(())
    })
}

fn print_now(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Registers the plot functions on an engine: each renders here and sends the bytes to
/// the console, which saves and shows them; the call returns `()`.
pub fn register_engine(engine: &mut Engine, state: &Rc<RefCell<State>>) {
    let st = state.clone();
    let prepare: Prepare = Rc::new(move |data: &[&Dynamic]| {
        let mut swaps = Vec::new();
        for (i, d) in data.iter().enumerate() {
            if let Some(a) = d.read_lock::<DistArray>() {
                match whole_on_first(&st, &a)? {
                    Some(whole) => swaps.push((i, Dynamic::from(whole))),
                    None => return Ok(None),
                }
            }
        }
        Ok(Some(swaps))
    });
    let st = state.clone();
    register_kinds(
        engine,
        Deliver {
            prepare,
            finish: Rc::new(move |made: Made| {
                let out = rendered(&made)?;
                // Unless told not to, make the preview: only the console knows whether it shows it.
                let preview = match made.preview {
                    Some(false) => String::new(),
                    _ => preview_text(&made.spec, ENGINE_PREVIEW.0, ENGINE_PREVIEW.1),
                };
                let s = st.borrow_mut();
                let image = PlotImage {
                    request: s.current.as_ref().map_or(0, |c| c.id),
                    engine: s.id,
                    kind: made.spec.kind.name().to_string(),
                    title: made.spec.title.clone().unwrap_or_default(),
                    format: out.format.extension().to_string(),
                    width: out.width,
                    height: out.height,
                    file: made.file,
                    note: out.note,
                    preview,
                    force_preview: made.preview == Some(true),
                    bytes: out.bytes,
                };
                s.transport
                    .send(Peer::Console, Message::Plot(image))
                    .map_err(|e| format!("{}: cannot send the picture to the console: {e}", made.spec.kind.name()))?;
                Ok(Dynamic::UNIT)
            }),
        },
    );
}

/// A DistArray plotted on the engines is drawn once, whole: every member of its group
/// sends its shard (as f64) to the first member, which gets the whole array; the others
/// get `None` and draw nothing. Collective over the array's engines.
fn whole_on_first(st: &Rc<RefCell<State>>, a: &DistArray) -> Result<Option<NdArray>, String> {
    use crate::distarray::Comm;
    let mut s = st.borrow_mut();
    let mut comm = s.group_comm().map_err(|e| e.to_string())?;
    a.check_group(&comm).map_err(|e| e.to_string())?;
    let local = a.local().map_err(|e| e.to_string())?;
    if local.dtype() == DType::C128 {
        return Err("a complex DistArray cannot be plotted; plot its .re, .im or .abs()".into());
    }
    let shard = local.astype(DType::F64).map_err(|e| e.to_string())?;
    let values = shard.as_slice::<f64>().expect("an f64 array").to_vec();
    if comm.rank() != 0 {
        let v = Value::NdArray { shape: shard.shape().to_vec(), data: Buffer::F64(values) };
        comm.exchange("plot", vec![(0, v)], &[]).map_err(|e| e.to_string())?;
        return Ok(None);
    }
    let others: Vec<usize> = (1..comm.size()).collect();
    let got = comm.exchange("plot", vec![], &others).map_err(|e| e.to_string())?;
    let mut shards = vec![values];
    for (rank, v) in others.iter().zip(got) {
        match v {
            Value::NdArray { data: Buffer::F64(d), .. } => shards.push(d),
            other => {
                return Err(format!(
                    "plot: engine {} sent {} instead of its shard",
                    comm.group()[*rank],
                    other.type_name()
                ))
            }
        }
    }
    let dist = a.distribution();
    let whole = gather_global(dist, &shards).map_err(|e| e.to_string())?;
    Ok(Some(NdArray::from_vec(dist.shape(), whole)))
}
