//! The Rhai modules shipped with pshell (the top-level `stdlib/` folder, embedded in the
//! binary with `include_str!`), made available on the console and on every engine.
//!
//! Each module is compiled by the engine that uses it and registered twice: as a static
//! module under its name, so `poly::mul(a, b)` works anywhere, including inside functions
//! defined at the console and called on the engines by `map` (which runs them outside
//! the script that imported anything); and through a module resolver, so
//! `import "poly" as p;` works too. Other `import` paths still load files, as Rhai's
//! default resolver does.
//!
//! [`register`] also fixes Rhai's nesting limits at the values of its release builds
//! ([`MAX_EXPR_DEPTH`], [`MAX_FUNCTION_EXPR_DEPTH`], [`MAX_CALL_LEVELS`]): Rhai's debug
//! defaults are half as deep (a function body could not nest a loop, an `if` and a call
//! to a module), and a script must not work in a release build and fail in a test build.
//! pshell compiles Rhai optimized in every profile, and engines' threads have 16 MiB of
//! stack, so the release depths are safe.

use rhai::module_resolvers::{FileModuleResolver, ModuleResolversCollection, StaticModuleResolver};
use rhai::{Engine, Module, Scope, Shared};

/// (name, source) of every shipped module.
pub const MODULES: &[(&str, &str)] = &[("poly", include_str!("../../stdlib/poly.rhai"))];

/// Deepest expression nesting at the top level of a script (Rhai release default).
pub const MAX_EXPR_DEPTH: usize = 64;
/// Deepest expression nesting inside a function (Rhai release default).
pub const MAX_FUNCTION_EXPR_DEPTH: usize = 32;
/// Deepest function calls (Rhai release default).
pub const MAX_CALL_LEVELS: usize = 64;

/// Sets the nesting limits, compiles the shipped modules with `engine` and makes them
/// available in it.
pub fn register(engine: &mut Engine) {
    super::compare::register(engine); // exact float comparisons, also inside the modules
    engine.set_max_expr_depths(MAX_EXPR_DEPTH, MAX_FUNCTION_EXPR_DEPTH);
    engine.set_max_call_levels(MAX_CALL_LEVELS);
    let mut resolver = StaticModuleResolver::new();
    for (name, source) in MODULES {
        let module = compile(engine, name, source);
        engine.register_static_module(*name, module.clone());
        resolver.insert(*name, (*module).clone());
    }
    let mut resolvers = ModuleResolversCollection::new();
    resolvers.push(resolver);
    resolvers.push(FileModuleResolver::new());
    engine.set_module_resolver(resolvers);
}

fn compile(engine: &Engine, name: &str, source: &str) -> Shared<Module> {
    // The sources are part of pshell and tested; a failure here is a bug in pshell.
    let ast = engine.compile(source).unwrap_or_else(|e| panic!("stdlib module '{name}' does not compile: {e}"));
    let module = Module::eval_ast_as_new(Scope::new(), &ast, engine)
        .unwrap_or_else(|e| panic!("stdlib module '{name}' does not load: {e}"));
    module.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Engine {
        let mut e = Engine::new();
        register(&mut e);
        e
    }

    #[test]
    fn poly_arithmetic_and_format() {
        let e = engine();
        let s: String = e.eval("poly::format(poly::mul([-1, 1], [1, 1, 1, 1, 1]))").unwrap();
        assert_eq!(s, "x^5 - 1");
        let s: String = e.eval("poly::format(poly::div_exact(poly::x_pow_minus_one(6), [-1, 1]))").unwrap();
        assert_eq!(s, "x^5 + x^4 + x^3 + x^2 + x + 1");
        let s: String = e.eval("poly::format([1, -2, 0, -1])").unwrap();
        assert_eq!(s, "-x^3 - 2x + 1");
        let d: rhai::Array = e.eval("poly::divisors(36)").unwrap();
        let d: Vec<i64> = d.into_iter().map(|x| x.as_int().unwrap()).collect();
        assert_eq!(d, vec![1, 2, 3, 4, 6, 9, 12, 18, 36]);
        let v: i64 = e.eval("poly::value_at([1, 2, 3], 2)").unwrap();
        assert_eq!(v, 17);
    }

    #[test]
    fn inexact_division_is_an_error_naming_the_polynomials() {
        let e = engine();
        let err = e.eval::<rhai::Dynamic>("poly::div_exact([1, 0, 1], [-1, 1])").unwrap_err().to_string();
        assert!(err.contains("poly::div_exact: x^2 + 1 is not a multiple of x - 1"), "{err}");
    }

    #[test]
    fn import_works_and_functions_see_the_module_when_called_alone() {
        let e = engine();
        let v: i64 = e.eval("import \"poly\" as p; p::degree([1, 2, 0])").unwrap();
        assert_eq!(v, 1);
        // As on an engine: a function called through a pointer, outside any script run.
        let ast = e.compile("fn sq(p) { poly::mul(p, p) }").unwrap();
        let f = rhai::FnPtr::new("sq").unwrap();
        let r: rhai::Array = f.call(&e, &ast, (rhai::Array::from([1.into(), 1.into()]),)).unwrap();
        assert_eq!(r.len(), 3);
    }
}
