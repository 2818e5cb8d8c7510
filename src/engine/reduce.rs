//! The reduction operators of `allreduce`, on travelled values, as plain functions.
//!
//! `sum min max prod` apply to ints and floats and, elementwise, to arrays of them
//! (nested arrays too; a typed list, `Value::List`, is the same array as its items). An
//! int meets a float as a float. Integer overflow is an error,
//! not a wrap. A NaN wins `min` and `max`, as in NumPy. Callers combine contributions in
//! rank order, so results are the same bits run after run.

use crate::protocol::{list_item, Buffer, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReduceOp {
    Sum,
    Min,
    Max,
    Prod,
}

impl ReduceOp {
    /// Parses `"sum" "min" "max" "prod"`.
    pub fn parse(name: &str) -> Result<ReduceOp, String> {
        match name {
            "sum" => Ok(ReduceOp::Sum),
            "min" => Ok(ReduceOp::Min),
            "max" => Ok(ReduceOp::Max),
            "prod" => Ok(ReduceOp::Prod),
            other => Err(format!("allreduce: unknown op '{other}'; use one of \"sum\", \"min\", \"max\", \"prod\"")),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ReduceOp::Sum => "sum",
            ReduceOp::Min => "min",
            ReduceOp::Max => "max",
            ReduceOp::Prod => "prod",
        }
    }
}

/// Combines `a` (the running result) with `b` (the next engine's contribution).
pub fn combine(op: ReduceOp, a: &Value, b: &Value) -> Result<Value, String> {
    match (a, b) {
        // Two lists of one length and element type combine as typed buffers; any other
        // meeting with a list combines its items one by one.
        (Value::List(Buffer::F64(xs)), Value::List(Buffer::F64(ys))) if xs.len() == ys.len() => {
            Ok(Value::List(Buffer::F64(xs.iter().zip(ys).map(|(x, y)| floats(op, *x, *y)).collect())))
        }
        (Value::List(Buffer::I64(xs)), Value::List(Buffer::I64(ys))) if xs.len() == ys.len() => xs
            .iter()
            .zip(ys)
            .map(|(x, y)| ints(op, *x, *y))
            .collect::<Result<_, _>>()
            .map(|v| Value::List(Buffer::I64(v))),
        (Value::List(_), _) | (_, Value::List(_)) => {
            let items = |v: &Value| match v {
                Value::List(_) => v.clone().into_items().map(Value::Array).expect("a list has items"),
                other => other.clone(),
            };
            combine(op, &items(a), &items(b))
        }
        (Value::Int(x), Value::Int(y)) => ints(op, *x, *y).map(Value::Int),
        (Value::Float(x), Value::Float(y)) => Ok(Value::Float(floats(op, *x, *y))),
        (Value::Int(x), Value::Float(y)) => Ok(Value::Float(floats(op, *x as f64, *y))),
        (Value::Float(x), Value::Int(y)) => Ok(Value::Float(floats(op, *x, *y as f64))),
        (Value::Array(xs), Value::Array(ys)) => {
            if xs.len() != ys.len() {
                return Err(format!(
                    "allreduce({}): arrays of different lengths ({} and {})",
                    op.name(),
                    xs.len(),
                    ys.len()
                ));
            }
            xs.iter().zip(ys).map(|(x, y)| combine(op, x, y)).collect::<Result<_, _>>().map(Value::Array)
        }
        _ => Err(format!(
            "allreduce({}): cannot combine {} with {}; it takes ints, floats and arrays of them of one shape",
            op.name(),
            describe(a),
            describe(b)
        )),
    }
}

/// Checks that a value can take part in a reduction at all.
pub fn check_reducible(op: ReduceOp, v: &Value) -> Result<(), String> {
    match v {
        Value::Int(_) | Value::Float(_) => Ok(()),
        Value::Array(items) => items.iter().try_for_each(|x| check_reducible(op, x)),
        Value::List(Buffer::F64(_) | Buffer::I64(_)) => Ok(()),
        Value::List(b) => (0..b.len()).try_for_each(|i| check_reducible(op, &list_item(b, i))),
        other => Err(format!(
            "allreduce({}): cannot reduce {}; it takes ints, floats and arrays of them",
            op.name(),
            describe(other)
        )),
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Array(items) => format!("an array of {} elements", items.len()),
        Value::List(items) => format!("an array of {} elements", items.len()),
        other => format!("a {} ({})", other.type_name(), other.brief()),
    }
}

fn ints(op: ReduceOp, x: i64, y: i64) -> Result<i64, String> {
    let r = match op {
        ReduceOp::Sum => x.checked_add(y),
        ReduceOp::Prod => x.checked_mul(y),
        ReduceOp::Min => Some(x.min(y)),
        ReduceOp::Max => Some(x.max(y)),
    };
    r.ok_or_else(|| format!("allreduce({}): integer overflow combining {x} and {y}", op.name()))
}

fn floats(op: ReduceOp, x: f64, y: f64) -> f64 {
    match op {
        ReduceOp::Sum => x + y,
        ReduceOp::Prod => x * y,
        ReduceOp::Min | ReduceOp::Max if x.is_nan() || y.is_nan() => f64::NAN,
        ReduceOp::Min => x.min(y),
        ReduceOp::Max => x.max(y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Value::{Array, Float, Int};

    #[test]
    fn scalars_and_promotion() {
        assert_eq!(combine(ReduceOp::Sum, &Int(2), &Int(3)), Ok(Int(5)));
        assert_eq!(combine(ReduceOp::Prod, &Int(2), &Float(1.5)), Ok(Float(3.0)));
        assert_eq!(combine(ReduceOp::Min, &Float(2.0), &Int(-1)), Ok(Float(-1.0)));
        assert_eq!(combine(ReduceOp::Max, &Int(2), &Int(9)), Ok(Int(9)));
        let nan = combine(ReduceOp::Max, &Float(f64::NAN), &Float(1.0)).unwrap();
        assert!(matches!(nan, Float(x) if x.is_nan()));
    }

    #[test]
    fn arrays_elementwise_and_nested() {
        let a = Array(vec![Int(1), Array(vec![Float(0.5)])]);
        let b = Array(vec![Int(2), Array(vec![Float(0.25)])]);
        assert_eq!(combine(ReduceOp::Sum, &a, &b), Ok(Array(vec![Int(3), Array(vec![Float(0.75)])])));
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(
            combine(ReduceOp::Sum, &Array(vec![Int(1)]), &Array(vec![Int(1), Int(2)])).unwrap_err(),
            "allreduce(sum): arrays of different lengths (1 and 2)"
        );
        assert_eq!(
            combine(ReduceOp::Sum, &Int(1), &Value::Str("x".into())).unwrap_err(),
            "allreduce(sum): cannot combine a i64 (1) with a string (\"x\"); it takes ints, floats and arrays of them of one shape"
        );
        assert_eq!(
            combine(ReduceOp::Sum, &Int(i64::MAX), &Int(1)).unwrap_err(),
            format!("allreduce(sum): integer overflow combining {} and 1", i64::MAX)
        );
        assert_eq!(
            ReduceOp::parse("avg").unwrap_err(),
            "allreduce: unknown op 'avg'; use one of \"sum\", \"min\", \"max\", \"prod\""
        );
        assert!(check_reducible(ReduceOp::Min, &Array(vec![Int(1), Value::Bool(true)])).is_err());
    }

    #[test]
    fn typed_lists_reduce_like_the_arrays_they_stand_for() {
        use Value::List;
        let (f, g) = (List(Buffer::F64(vec![1.0, -0.5, f64::NAN])), List(Buffer::F64(vec![2.0, 0.25, 1.0])));
        let r = combine(ReduceOp::Max, &f, &g).unwrap();
        assert!(matches!(&r, List(Buffer::F64(v)) if v[..2] == [2.0, 0.25] && v[2].is_nan()), "{r:?}");
        let (i, j) = (List(Buffer::I64(vec![3, -4])), List(Buffer::I64(vec![5, 6])));
        assert_eq!(combine(ReduceOp::Prod, &i, &j), Ok(List(Buffer::I64(vec![15, -24]))));
        // Ints meeting floats, and lists meeting general arrays, combine item by item.
        assert_eq!(
            combine(ReduceOp::Sum, &i, &g.clone()).map(|v| v.to_string()),
            Err("allreduce(sum): arrays of different lengths (2 and 3)".into())
        );
        let k = List(Buffer::I64(vec![1, 2, 3]));
        assert_eq!(combine(ReduceOp::Sum, &k, &g), Ok(Array(vec![Float(3.0), Float(2.25), Float(4.0)])));
        let mixed = Array(vec![Int(1), Float(1.0), Int(1)]);
        assert_eq!(combine(ReduceOp::Sum, &k, &mixed), Ok(Array(vec![Int(2), Float(3.0), Int(4)])));
        assert_eq!(
            combine(ReduceOp::Sum, &List(Buffer::I64(vec![i64::MAX])), &List(Buffer::I64(vec![1]))).unwrap_err(),
            format!("allreduce(sum): integer overflow combining {} and 1", i64::MAX)
        );
        assert!(check_reducible(ReduceOp::Sum, &f).is_ok());
        assert_eq!(
            check_reducible(ReduceOp::Sum, &List(Buffer::Bool(vec![true, false]))).unwrap_err(),
            check_reducible(ReduceOp::Sum, &Array(vec![Value::Bool(true), Value::Bool(false)])).unwrap_err()
        );
    }
}
