//! Registration of pshell's functions into Rhai, and value conversion.
//!
//! These modules are thin: each registered function checks and converts its arguments
//! and calls plain Rust in `engine` or the data-structure modules. The console's own
//! functions (`px`, `push`, `map`...) are in `console::api`.
//! - [`convert`]: `Dynamic` ↔ protocol `Value`.
//! - [`spmd`]: `rank size barrier bcast allreduce allgather send recv` on engines.
//! - [`plot`]: `plot scatter hist imshow` on console and engines, `plots()` at the console.
//! - [`compare`]: exact float comparisons (`== != < <= > >=`) and `isclose`.
//! - [`stdlib`]: the Rhai modules shipped with pshell (`poly`), on console and engines.
//! - [`da`]: the DistArray type and the module `da` (engines).
//! - [`nd`]: the NdArray type and the module `nd` (console and engines).
//! - [`array_ops`]: operators, math functions and reductions shared by NdArray and DistArray.
//! - [`sort_select`]: sort, argsort, searchsorted, unique, select, take, put, clip, nonzero,
//!   count_nonzero, histogram (NdArray and DistArray).
//! - [`shape_api`]: reshape and the other shape operations, scans, `isclose`/`allclose`,
//!   `nd::random` and `da::array` (NdArray and DistArray).
//! - [`linalg`]: `nd::matmul outer eye`, `x.dot(y)`, `x.T` and the module `nd::linalg`.
//! - [`da_linalg`]: `da::matmul`, `A.dot(x)`, `da::eye`, `da::linalg::{tsqr lstsq cg norm}` (engines).
//! - [`distdict`]: the `dd` module and `DistDict` handles (engines and console).
//! - [`io`]: data files (`load`, `save`, ... in `da` and `nd`).

pub mod array_ops;
pub mod bsp;
pub mod compare;
pub mod convert;
pub mod da;
pub mod da_linalg;
pub mod distdict;
pub mod fft;
pub mod io;
pub mod linalg;
pub mod mr;
pub mod nd;
pub mod plot;
pub mod shape_api;
pub mod signatures;
pub mod sort_select;
pub mod spmd;
pub mod stdlib;
pub mod text;

/// Makes the words Rhai reserves (for no feature of its own) that the API uses as names
/// ordinary identifiers: `new` (`dd::new(..)`) and `var` (the variance, `a.var()`).
/// Rhai allows one token mapper per engine, so every such word is mapped here.
pub fn allow_reserved_api_names(engine: &mut rhai::Engine) {
    #[allow(deprecated)] // Rhai marks the token mapper "volatile", not deprecated.
    engine.on_parse_token(|token, _, _| match token {
        rhai::Token::Reserved(s) if matches!(s.as_str(), "new" | "var") => rhai::Token::Identifier(s),
        other => other,
    });
}

/// The functions `engine` can call, with their module path (`da::zeros`) and number of
/// parameters; property getters appear as their property name. `standard`: include
/// Rhai's standard library. Used for completion and `%help`.
pub fn function_names(engine: &rhai::Engine, standard: bool) -> Vec<(String, usize)> {
    let mut names = engine.collect_fn_metadata(
        None,
        |info| {
            let name = info.metadata.name.as_str();
            let name = name.strip_prefix("get$").unwrap_or(name);
            if name.contains('$') || !name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
                return None; // setters, indexers and operators
            }
            let path = if info.namespace.is_empty() { name.to_string() } else { format!("{}::{name}", info.namespace) };
            Some((path, info.metadata.num_params))
        },
        standard,
    );
    names.sort();
    names.dedup();
    names
}

/// Whether `name` can be a script variable (`push`, `pull`, `scatter`, `gather` names).
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_') && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// Drops the variables of `scope` that a later `let` of the same name hides. Rhai keeps
/// a shadowed variable alive until its scope ends, and the console's and the engines'
/// scopes never end: without this, running `let a = ...` again (a cell re-run) would
/// keep every earlier `a`, shards and all. The value kept is moved, never walked
/// (pushing a value makes Rhai visit every item of an array to set its access mode:
/// 25 ms for 10^7 items); it moves to the end of the scope, constants stay constants.
pub fn forget_shadowed(scope: &mut rhai::Scope<'static>) {
    let mut seen = std::collections::HashSet::new();
    let mut shadowed: Vec<String> =
        scope.iter_raw().filter(|(name, _, _)| !seen.insert(*name)).map(|(name, _, _)| name.to_string()).collect();
    shadowed.sort_unstable();
    shadowed.dedup();
    for name in shadowed {
        // The latest entry (the one a lookup finds): moved out, or removed if constant.
        let latest = match scope.get_mut(&name) {
            Some(v) => Ok(std::mem::take(v)),
            None => Err(scope.remove::<rhai::Dynamic>(&name).unwrap_or_default()),
        };
        while scope.contains(&name) {
            drop(scope.remove::<rhai::Dynamic>(&name));
        }
        match latest {
            Ok(value) => {
                scope.push_dynamic(name.as_str(), rhai::Dynamic::UNIT);
                *scope.get_mut(&name).expect("just pushed, not constant") = value;
            }
            Err(constant) => {
                scope.push_constant_dynamic(name, constant);
            }
        }
    }
}

#[cfg(test)]
mod scope_tests {
    use super::forget_shadowed;
    use rhai::{Engine, Scope};

    #[test]
    fn shadowed_variables_are_dropped_and_the_rest_kept() {
        let engine = Engine::new();
        let mut scope = Scope::new();
        engine.run_with_scope(&mut scope, "let a = [1, 2]; let b = 5; const C = 7; const D = 1;").unwrap();
        engine.run_with_scope(&mut scope, "let a = [3]; let b = b + 1; const D = 2; let a = [a[0]];").unwrap();
        assert!(scope.len() > 4, "shadowed entries before: {}", scope.len());
        forget_shadowed(&mut scope);
        let mut names: Vec<&str> = scope.iter_raw().map(|(n, _, _)| n).collect();
        names.sort_unstable();
        assert_eq!(names, ["C", "D", "a", "b"]);
        assert_eq!(engine.eval_with_scope::<i64>(&mut scope, "a[0] * 1000 + b * 100 + C * 10 + D").unwrap(), 3672);
        assert!(engine.run_with_scope(&mut scope, "C = 1;").is_err(), "a constant stays constant");
        assert!(engine.run_with_scope(&mut scope, "D = 1;").is_err(), "a constant stays constant");
        assert!(engine.run_with_scope(&mut scope, "a.push(4); b = 0;").is_ok(), "variables stay variables");
        forget_shadowed(&mut scope);
        assert_eq!(scope.len(), 4);
    }
}
