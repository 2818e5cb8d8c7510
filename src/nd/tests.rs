//! Tests of the kernels through NdArray: elementwise dtype rules and values across
//! block boundaries, errors, and reductions against plain serial references.

use super::reduce::Reduction;
use super::*;

fn f64s(shape: &[usize], f: impl Fn(usize) -> f64) -> NdArray {
    let n = shape.iter().product();
    NdArray::from_vec(shape, (0..n).map(f).collect())
}

#[test]
fn fused_expression_matches_a_plain_loop_across_blocks() {
    let n = 3 * expr::BLOCK + 17;
    let a = f64s(&[n], |i| i as f64 * 0.5);
    let b = f64s(&[n], |i| 1.0 - i as f64);
    let lazy = Lazy::leaf(a.clone()).binary(BinOp::Mul, Lazy::leaf(b.clone())).unwrap();
    let c = lazy.binary(BinOp::Add, Lazy::leaf(a.clone())).unwrap().eval().unwrap();
    let (x, y, z) = (a.as_slice::<f64>().unwrap(), b.as_slice::<f64>().unwrap(), c.as_slice::<f64>().unwrap());
    for i in 0..n {
        assert_eq!(z[i].to_bits(), (x[i] * y[i] + x[i]).to_bits(), "at {i}");
    }
}

#[test]
fn dtypes_promote_like_numpy() {
    let i = NdArray::from_vec(&[3], vec![1i64, 2, 3]);
    let i32s = NdArray::from_vec(&[3], vec![1i32, 2, 3]);
    let f = NdArray::from_vec(&[3], vec![0.5f64, 1.5, 2.5]);
    let f32s = NdArray::from_vec(&[3], vec![0.5f32, 1.5, 2.5]);
    assert_eq!(i.binary(BinOp::Add, &f).unwrap().dtype(), DType::F64);
    assert_eq!(i32s.binary(BinOp::Add, &f32s).unwrap().dtype(), DType::F64);
    assert_eq!(i32s.binary_scalar(BinOp::Mul, Scalar::I64(2), false).unwrap().dtype(), DType::I32);
    assert_eq!(f32s.binary_scalar(BinOp::Mul, Scalar::F64(2.0), false).unwrap().dtype(), DType::F32);
    assert_eq!(
        i.binary_scalar(BinOp::Div, Scalar::F64(2.0), false).unwrap().as_slice::<f64>().unwrap(),
        [0.5, 1.0, 1.5]
    );
    let cmp = i.binary(BinOp::Gt, &f).unwrap();
    assert_eq!(cmp.as_slice::<bool>().unwrap(), [true, true, true]);
    assert_eq!(i.binary_scalar(BinOp::Sub, Scalar::I64(10), true).unwrap().as_slice::<i64>().unwrap(), [9, 8, 7]);
    assert_eq!(i.unary(UnOp::Sqrt).unwrap().dtype(), DType::F64);
    assert_eq!(f32s.unary(UnOp::Sin).unwrap().dtype(), DType::F32);
    let bools = cmp.binary(BinOp::And, &cmp).unwrap();
    assert_eq!(bools.dtype(), DType::Bool);
    assert_eq!(bools.binary(BinOp::Add, &bools).unwrap().as_slice::<i64>().unwrap(), [2, 2, 2]);
    let c = i.astype(DType::C128).unwrap();
    let c2 = c.binary(BinOp::Mul, &c).unwrap();
    assert_eq!(c2.unary(UnOp::Abs).unwrap().as_slice::<f64>().unwrap(), [1.0, 4.0, 9.0]);
    let w = NdArray::select(&cmp, &i, &f).unwrap();
    assert_eq!(w.dtype(), DType::F64);
    assert_eq!(i.astype(DType::I32).unwrap().astype(DType::F32).unwrap().as_slice::<f32>().unwrap(), [1.0, 2.0, 3.0]);
}

#[test]
fn errors_name_the_problem() {
    let i = NdArray::from_vec(&[3], vec![1i64, 0, 3]);
    let e = i.binary(BinOp::Div, &i).unwrap_err();
    assert_eq!(e.to_string(), "integer division by zero in a i64 array");
    let e = i.binary_scalar(BinOp::Rem, Scalar::I64(0), false).unwrap_err();
    assert_eq!(e.to_string(), "integer remainder by zero in a i64 array");
    let e = i.binary_scalar(BinOp::Pow, Scalar::I64(-1), false).unwrap_err();
    assert!(e.to_string().contains("negative integer power"), "{e}");
    let f = NdArray::from_vec(&[2], vec![1.0, 2.0]);
    let e = i.binary(BinOp::Add, &f).unwrap_err();
    assert_eq!(e.to_string(), "+: shapes [3] and [2] do not match (arrays must have the same shape)");
    let c = f.astype(DType::C128).unwrap();
    assert_eq!(c.binary(BinOp::Lt, &c).unwrap_err().to_string(), "ordering (<) is not defined for c128 arrays");
    assert_eq!(c.reduce(Reduction::Max).unwrap_err().to_string(), "max is not defined for c128 arrays");
    assert_eq!(f.binary(BinOp::And, &f).unwrap_err().to_string(), "& is not defined for f64 arrays");
    let empty = NdArray::from_vec::<f64>(&[0], vec![]);
    assert_eq!(empty.reduce(Reduction::Min).unwrap_err().to_string(), "min of an empty array has no value");
    assert_eq!(empty.reduce(Reduction::Sum).unwrap(), Scalar::F64(0.0));
    assert_eq!(
        f.reduce_axis(Reduction::Sum, 1).unwrap_err().to_string(),
        "axis 1 is out of range for an array with 1 axes (valid: 0..1)"
    );
}

#[test]
fn reductions_match_serial_references() {
    let a = f64s(&[4, 5], |i| ((i * 7) % 11) as f64 - 3.0);
    let x = a.as_slice::<f64>().unwrap().to_vec();
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    assert_eq!(a.reduce(Reduction::Sum).unwrap(), Scalar::F64(x.iter().sum()));
    assert_eq!(a.reduce(Reduction::Mean).unwrap(), Scalar::F64(mean));
    assert!((a.reduce(Reduction::Var).unwrap().as_f64() - var).abs() < 1e-12);
    assert!((a.reduce(Reduction::Std).unwrap().as_f64() - var.sqrt()).abs() < 1e-12);
    assert_eq!(a.reduce(Reduction::Min).unwrap(), Scalar::F64(-3.0));
    assert_eq!(a.reduce(Reduction::Max).unwrap(), Scalar::F64(7.0));
    let first_min = x.iter().position(|&v| v == -3.0).unwrap() as i64;
    assert_eq!(a.reduce(Reduction::Argmin).unwrap(), Scalar::I64(first_min));
    assert_eq!(a.reduce(Reduction::Any).unwrap(), Scalar::Bool(true));
    assert_eq!(a.reduce(Reduction::All).unwrap(), Scalar::Bool(!x.contains(&0.0)));
    let rows = a.reduce_axis(Reduction::Sum, 1).unwrap();
    assert_eq!(rows.shape(), [4]);
    for r in 0..4 {
        assert_eq!(rows.get(&[r]).unwrap().as_f64(), x[r as usize * 5..r as usize * 5 + 5].iter().sum::<f64>());
    }
    let cols = a.reduce_axis(Reduction::Argmax, 0).unwrap();
    assert_eq!((cols.shape(), cols.dtype()), (&[5][..], DType::I64));
    let ints = NdArray::from_vec(&[4], vec![2i32, 3, 4, 5]);
    assert_eq!(ints.reduce(Reduction::Prod).unwrap(), Scalar::I64(120));
    assert_eq!(ints.reduce(Reduction::Sum).unwrap(), Scalar::I64(14));
    let nan = NdArray::from_vec(&[3], vec![1.0, f64::NAN, 0.0]);
    assert!(nan.reduce(Reduction::Max).unwrap().as_f64().is_nan());
    assert_eq!(nan.reduce(Reduction::Argmin).unwrap(), Scalar::I64(1));
}

#[test]
fn pairwise_sum_is_within_1e12_of_a_compensated_reference_on_1e7_values() {
    let key = random::key(42);
    let n = 10_000_000;
    let a = f64s(&[n], |i| random::uniform(key, i as u64) * 2.0 - 0.5);
    let x = a.as_slice::<f64>().unwrap();
    // Serial Neumaier sum as the reference.
    let (mut s, mut c) = (0.0f64, 0.0f64);
    for &v in x {
        let t = s + v;
        c += if s.abs() >= v.abs() { (s - t) + v } else { (v - t) + s };
        s = t;
    }
    let reference = s + c;
    let sum = a.reduce(Reduction::Sum).unwrap().as_f64();
    assert!(((sum - reference) / reference).abs() < 1e-12, "{sum} vs {reference}");
    let mean = a.reduce(Reduction::Mean).unwrap().as_f64();
    assert!(((mean - reference / n as f64) / mean).abs() < 1e-12);
}
