//! Rhai's "Function not found: foo (array)" made to say what exists, on the console and
//! on every engine.
//!
//! When functions of the name exist, the message lists the argument types they take
//! (`nd::zeros does not take (string); it takes (array) or (array, string)`); when none
//! does, it adds the registered names closest to the one typed (`did you mean
//! nd::zeros?`), or says that no function of the name exists. An operator with an
//! NdArray or DistArray operand lists the operand types it takes with that type (other
//! operators keep Rhai's text, which names both operand types). Both are read from the engine's own function table, so
//! every function added later is covered without a list to keep up to date.

use crate::distarray::DistArray;
use crate::nd::NdArray;
use rhai::{Array, Blob, Dynamic, Engine, EvalAltResult, FnPtr, ImmutableString, Map, FLOAT, INT};
use std::any::{type_name, TypeId};

/// How Rhai's "not found" message writes a string argument.
const RHAI_STRING: &str = "&str | ImmutableString | String";

/// The most forms listed before "and N more".
const MAX_FORMS: usize = 6;

/// A better message for a function that was not found, or `None` to keep Rhai's.
pub fn explain(engine: &Engine, err: &EvalAltResult) -> Option<String> {
    let EvalAltResult::ErrorFunctionNotFound(sig, _) = err else { return None };
    let (name, args) = split_signature(sig);
    if !name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        return operator(engine, name, &args);
    }
    let table = functions(engine);
    if let Some(forms) = forms_in(&table, name) {
        return Some(format!("{name} does not take {args}; it takes {forms}"));
    }
    let near = closest(name, table.iter().map(|(n, _)| n.as_str()));
    Some(match near.is_empty() {
        true => format!("Function not found: {name} {args}: no function of that name exists here"),
        false => format!("Function not found: {name} {args}; did you mean {}?", near.join(" or ")),
    })
}

/// The types an array operand of pshell's is named by in messages.
const ARRAY_TYPES: [&str; 2] = ["NdArray", "DistArray"];

/// For an operator with an NdArray or DistArray operand, the operand types it takes with
/// that type (Rhai's text names only the ones given); `None` keeps Rhai's text.
fn operator(engine: &Engine, op: &str, args: &str) -> Option<String> {
    let given: Vec<&str> = args.trim_start_matches('(').trim_end_matches(')').split(", ").collect();
    let ours = *given.iter().find(|t| ARRAY_TYPES.contains(t))?;
    let mut forms: Vec<String> = table(engine, true)
        .into_iter()
        .filter(|(n, f)| n == op && f.trim_start_matches('(').trim_end_matches(')').split(", ").any(|t| t == ours))
        .map(|(_, f)| f)
        .collect();
    forms.sort_unstable();
    forms.dedup();
    if forms.is_empty() {
        return None;
    }
    let forms: Vec<&str> = forms.iter().map(|f| f.as_str()).collect();
    let advice = match given.contains(&"array") {
        true => "; a Rhai array becomes an NdArray with nd::array([...])",
        false => "",
    };
    let article = if ours == "NdArray" { "an" } else { "a" };
    Some(format!("{op} does not take {args}; with {article} {ours} it takes {}{advice}", list(&forms)))
}

/// `"push (i64, array)"` → `("push", "(i64, array)")`, a string argument written as
/// `string` (as the forms are).
pub fn split_signature(sig: &str) -> (&str, String) {
    let (name, args) = match sig.find([' ', '(']) {
        Some(at) => (&sig[..at], sig[at..].trim_start()),
        None => (sig, "()"),
    };
    (name, args.replace(RHAI_STRING, "string"))
}

/// The argument types `name` takes in `engine`, as `"(array) or (array, string)"`, or
/// `None` when no function has that name.
pub fn forms(engine: &Engine, name: &str) -> Option<String> {
    forms_in(&functions(engine), name)
}

fn forms_in(table: &[(String, String)], name: &str) -> Option<String> {
    let mut forms: Vec<&str> = table.iter().filter(|(n, _)| n == name).map(|(_, f)| f.as_str()).collect();
    forms.sort_unstable();
    forms.dedup();
    (!forms.is_empty()).then(|| list(&forms))
}

/// `"(array) or (array, string)"`, cut after [`MAX_FORMS`].
fn list(forms: &[&str]) -> String {
    let shown = forms[..forms.len().min(MAX_FORMS)].join(" or ");
    match forms.len().saturating_sub(MAX_FORMS) {
        0 => shown,
        more => format!("{shown} (and {more} more)"),
    }
}

/// Every callable function as `(path, "(types)")`; a method appears with its receiver
/// as the first type, as Rhai's own message writes it.
fn functions(engine: &Engine) -> Vec<(String, String)> {
    table(engine, false)
}

/// [`functions`], or with `operators` the operators alone.
fn table(engine: &Engine, operators: bool) -> Vec<(String, String)> {
    let names = type_names(engine);
    engine.collect_fn_metadata(
        None,
        |info| {
            let name = info.metadata.name.as_str();
            let is_operator = !name.starts_with(|c: char| c.is_alphabetic() || c == '_');
            if name.contains('$') || is_operator != operators {
                return None; // getters, setters and indexers; operators or the rest
            }
            let path = if info.namespace.is_empty() { name.to_string() } else { format!("{}::{name}", info.namespace) };
            let types: Vec<&str> = info
                .metadata
                .param_types
                .iter()
                .map(|t| names.iter().find(|(id, _)| id == t).map_or("value", |(_, n)| n.as_str()))
                .collect();
            Some((path, format!("({})", types.join(", "))))
        },
        true,
    )
}

/// The types a parameter can have, named as Rhai names them in its messages.
fn type_names(engine: &Engine) -> Vec<(TypeId, String)> {
    fn entry<T: 'static>(engine: &Engine) -> (TypeId, String) {
        (TypeId::of::<T>(), engine.map_type_name(type_name::<T>()).to_string())
    }
    vec![
        entry::<INT>(engine),
        entry::<FLOAT>(engine),
        entry::<bool>(engine),
        entry::<char>(engine),
        entry::<ImmutableString>(engine),
        entry::<Array>(engine),
        entry::<Map>(engine),
        entry::<Blob>(engine),
        entry::<FnPtr>(engine),
        entry::<()>(engine),
        entry::<NdArray>(engine),
        entry::<DistArray>(engine),
        entry::<crate::bindings::distdict::DistDict>(engine),
        (TypeId::of::<Dynamic>(), "any".to_string()),
    ]
}

/// Up to three names within a small edit distance of `name`, nearest first.
fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<String> {
    let limit = if name.chars().count() <= 4 { 1 } else { 2 };
    let mut near: Vec<(usize, &str)> =
        candidates.filter(|c| *c != name).map(|c| (distance(name, c), c)).filter(|(d, _)| *d <= limit).collect();
    near.sort_unstable();
    near.dedup();
    near.into_iter().take(3).map(|(_, c)| c.to_string()).collect()
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rhai::Position;

    fn engine() -> Engine {
        let mut e = Engine::new();
        e.register_fn("scale", |x: FLOAT, by: INT| x * by as FLOAT);
        e.register_fn("scale", |x: Array| x);
        e.register_type_with_name::<NdArray>("NdArray");
        e.register_fn("+", |x: NdArray, _y: FLOAT| x);
        e
    }

    fn missing(engine: &Engine, sig: &str) -> Option<String> {
        explain(engine, &EvalAltResult::ErrorFunctionNotFound(sig.into(), Position::NONE))
    }

    #[test]
    fn existing_names_list_their_forms() {
        let m = missing(&engine(), "scale (string)").unwrap();
        assert_eq!(m, "scale does not take (string); it takes (array) or (f64, i64)");
    }

    #[test]
    fn unknown_names_get_the_nearest_ones() {
        let m = missing(&engine(), "scal (f64)").unwrap();
        assert!(m.starts_with("Function not found: scal (f64); did you mean scale"), "{m}");
        let m = missing(&engine(), "completely_unknown_thing ()").unwrap();
        assert_eq!(m, "Function not found: completely_unknown_thing (): no function of that name exists here");
        assert!(missing(&engine(), "- (string, i64)").is_none(), "operators of Rhai's types keep Rhai's message");
        let m = missing(&engine(), "+ (NdArray, array)").unwrap();
        assert_eq!(
            m,
            "+ does not take (NdArray, array); with an NdArray it takes (NdArray, f64); \
             a Rhai array becomes an NdArray with nd::array([...])"
        );
        let m = missing(&engine(), "scale (&str | ImmutableString | String, i64)").unwrap();
        assert!(m.starts_with("scale does not take (string, i64);"), "{m}");
    }

    #[test]
    fn the_distance_counts_edits() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("zeros", "zeros"), 0);
        assert_eq!(distance("zeors", "zeros"), 2);
    }

    #[test]
    fn long_lists_are_cut() {
        let forms = ["(a)", "(b)", "(c)", "(d)", "(e)", "(f)", "(g)", "(h)"];
        assert_eq!(list(&forms), "(a) or (b) or (c) or (d) or (e) or (f) (and 2 more)");
    }
}
