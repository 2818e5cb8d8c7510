//! Script values as plot data: [`numbers`] turns Rhai arrays and NdArrays into `f64`s
//! (one sequence, or rows of them), with messages naming what a plot function takes.

use rhai::{Array, Dynamic};

/// Numbers from a script value: one sequence, or rows of them (of any lengths).
#[derive(Debug, Clone, PartialEq)]
pub enum Numbers {
    Vector(Vec<f64>),
    Rows(Vec<Vec<f64>>),
}

/// The one conversion of plot data into `f64`s (see the module docs). `what` names the
/// argument in errors; an array nested three or more deep is refused, naming its depth.
pub fn numbers(fname: &str, what: &str, d: &Dynamic) -> Result<Numbers, String> {
    if let Some(a) = d.read_lock::<crate::nd::NdArray>() {
        return nd_numbers(fname, what, &a);
    }
    let Some(items) = d.read_lock::<Array>() else {
        return Err(format!("{fname}: {what} must be an array of numbers, not {}", type_name(d)));
    };
    if items.first().is_some_and(|v| v.is_array()) {
        let depth = depth(d);
        if depth > 2 {
            return Err(format!("{fname}: {what} is a {depth}-D array; {fname} takes {}", takes(fname)));
        }
        let rows = items
            .iter()
            .enumerate()
            .map(|(i, row)| match row.read_lock::<Array>() {
                Some(row) => vector(fname, &format!("{what}[{i}]"), &row),
                None => Err(format!("{fname}: {what} mixes arrays and numbers ({what}[{i}] is {})", type_name(row))),
            })
            .collect::<Result<_, _>>()?;
        return Ok(Numbers::Rows(rows));
    }
    vector(fname, what, &items).map(Numbers::Vector)
}

/// An NdArray's values as f64: 1-D is a vector, 2-D rows (complex arrays are refused).
pub(super) fn nd_numbers(fname: &str, what: &str, a: &crate::nd::NdArray) -> Result<Numbers, String> {
    use crate::nd::DType;
    if a.dtype() == DType::C128 {
        return Err(format!("{fname}: {what} is a complex array; plot its .re, .im or .abs()"));
    }
    let f = a.astype(DType::F64).map_err(|e| format!("{fname}: {e}"))?;
    let values = f.as_slice::<f64>().ok_or_else(|| format!("{fname}: {what} could not be read as f64"))?;
    match *a.shape() {
        [_] => Ok(Numbers::Vector(values.to_vec())),
        [_, cols] if cols > 0 => Ok(Numbers::Rows(values.chunks(cols).map(<[f64]>::to_vec).collect())),
        [rows, 0] => Ok(Numbers::Rows(vec![Vec::new(); rows])),
        ref shape => Err(format!("{fname}: {what} is a {}-D array; {fname} takes {}", shape.len(), takes(fname))),
    }
}

pub(super) fn vector(fname: &str, what: &str, items: &[Dynamic]) -> Result<Vec<f64>, String> {
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_float()
                .or_else(|_| v.as_int().map(|n| n as f64))
                .map_err(|_| format!("{fname}: {what}[{i}] is not a number ({})", type_name(v)))
        })
        .collect()
}

/// How deeply arrays nest, following first elements: `[[1]]` is 2.
pub(super) fn depth(d: &Dynamic) -> usize {
    match d.read_lock::<Array>() {
        Some(a) => 1 + a.first().map_or(0, depth),
        None => 0,
    }
}

/// "1 value", "3 values".
pub(super) fn values(n: usize) -> String {
    if n == 1 {
        "1 value".into()
    } else {
        format!("{n} values")
    }
}

pub(super) fn type_name(d: &Dynamic) -> String {
    crate::bindings::convert::friendly_type_name(d)
}

pub(super) fn takes(fname: &str) -> &'static str {
    match fname {
        "imshow" => "a 2-D array (an array of rows)",
        "hist" => "an array of numbers, or an array of such arrays",
        _ => "an array of numbers, or an array of such arrays (one per series)",
    }
}
