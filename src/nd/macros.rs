//! Dispatch over the six dtypes, so generic code is written once.

/// `dispatch_dtype!(dtype, T => expr)`: evaluates `expr` with `T` the element type of `dtype`.
#[macro_export]
macro_rules! dispatch_dtype {
    ($dtype:expr, $t:ident => $body:expr) => {
        match $dtype {
            $crate::nd::DType::F64 => {
                type $t = f64;
                $body
            }
            $crate::nd::DType::F32 => {
                type $t = f32;
                $body
            }
            $crate::nd::DType::I64 => {
                type $t = i64;
                $body
            }
            $crate::nd::DType::I32 => {
                type $t = i32;
                $body
            }
            $crate::nd::DType::Bool => {
                type $t = bool;
                $body
            }
            $crate::nd::DType::C128 => {
                type $t = $crate::nd::C64;
                $body
            }
        }
    };
}

/// `dispatch_store!(store, a => expr)`: evaluates `expr` with `a` the typed array inside.
#[macro_export]
macro_rules! dispatch_store {
    ($store:expr, $a:ident => $body:expr) => {
        match $store {
            $crate::nd::Store::F64($a) => $body,
            $crate::nd::Store::F32($a) => $body,
            $crate::nd::Store::I64($a) => $body,
            $crate::nd::Store::I32($a) => $body,
            $crate::nd::Store::Bool($a) => $body,
            $crate::nd::Store::C128($a) => $body,
        }
    };
}
