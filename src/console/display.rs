//! How results and errors read at the console.
//!
//! Errors point at the code: the offending line of the snippet with a caret under the
//! column, prefixed by the engine id. Several failing engines make one composite error
//! in which identical failures collapse into one entry naming the engines (`[0-3]`); the
//! first few distinct failures are shown in full and the rest are counted.

use crate::client::CompositeError;
use crate::engine::collectives::engine_list;
use crate::protocol::RemoteError;

/// Distinct failures shown in full before the rest are counted.
const SHOWN: usize = 3;

/// The line `line` (1-based) of `code` with a caret under column `col` (1-based).
pub fn caret(code: &str, line: u32, col: u32) -> Option<String> {
    // `split`, not `lines`: an error at the end of input may sit on an empty last line.
    let text = code.split('\n').nth(line.checked_sub(1)? as usize)?;
    let text = text.strip_suffix('\r').unwrap_or(text);
    let pad: String =
        text.chars().take(col.saturating_sub(1) as usize).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
    let gutter = format!("{line}");
    let blank = " ".repeat(gutter.len());
    Some(format!("  {gutter} | {text}\n  {blank} | {pad}^"))
}

/// One engine's (or a group of engines') failure.
fn entry(engines: &[usize], e: &RemoteError, origin: &str, code: Option<&str>) -> String {
    let mut s = format!("[{}] {}: {}", engine_list(engines), e.kind, e.message);
    if let Some((line, col)) = e.position {
        s.push_str(&format!("\n  at {origin} line {line}, column {col}"));
        if let Some(c) = code.and_then(|code| caret(code, line, col)) {
            s.push('\n');
            s.push_str(&c);
        }
    }
    if !e.call_chain.is_empty() {
        s.push_str(&format!("\n  in {}", e.call_chain.join(" > ")));
    }
    s
}

/// The text of a composite error.
pub fn composite(err: &CompositeError) -> String {
    let mut groups: Vec<(Vec<usize>, &RemoteError)> = Vec::new();
    for e in &err.errors {
        match groups.iter_mut().find(|(_, g)| {
            g.kind == e.kind && g.message == e.message && g.position == e.position && g.call_chain == e.call_chain
        }) {
            Some((engines, _)) => engines.push(e.engine),
            None => groups.push((vec![e.engine], e)),
        }
    }
    let failed = err.errors.len();
    let mut out = if failed == 1 {
        String::new()
    } else {
        format!("{failed} of {} engines failed in {}:\n", err.engines, err.origin)
    };
    let code = err.code.as_deref();
    let shown: Vec<String> =
        groups.iter().take(SHOWN).map(|(engines, e)| entry(engines, e, &err.origin, code)).collect();
    out.push_str(&shown.join("\n"));
    let rest: usize = groups.iter().skip(SHOWN).map(|(engines, _)| engines.len()).sum();
    if rest > 0 {
        out.push_str(&format!("\n... and {rest} more engines failed"));
    }
    out
}

/// A script value as the console shows it: like Rhai's own display, except that
/// NdArrays (alone or inside arrays) show their shape, dtype and values.
pub fn value(v: &rhai::Dynamic) -> String {
    if let Some(a) = v.read_lock::<crate::nd::NdArray>() {
        return a.to_string();
    }
    if let Some(items) = v.read_lock::<rhai::Array>() {
        if items.iter().any(|x| x.is::<crate::nd::NdArray>() || x.is_array()) {
            let inner: Vec<String> = items.iter().map(value).collect();
            return format!("[{}]", inner.join(", "));
        }
    }
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn err(engine: usize, message: &str) -> RemoteError {
        RemoteError {
            engine,
            kind: "RuntimeError".into(),
            message: message.into(),
            position: Some((2, 9)),
            call_chain: vec![],
        }
    }

    #[test]
    fn caret_sits_under_the_column() {
        assert_eq!(caret("a\nlet y = x;", 2, 9).unwrap(), "  2 | let y = x;\n    |         ^");
        assert_eq!(caret("\tx", 1, 2).unwrap(), "  1 | \tx\n    | \t^");
        assert_eq!(caret("a", 5, 1), None);
        assert_eq!(caret("f(\n", 2, 1).unwrap(), "  2 | \n    | ^");
    }

    #[test]
    fn identical_failures_collapse_and_the_rest_are_counted() {
        let code: Arc<str> = Arc::from("let a = 1;\nlet y = x;");
        let mut errors: Vec<RemoteError> = (0..4).map(|e| err(e, "same")).collect();
        errors.extend((4..9).map(|e| err(e, &format!("different {e}"))));
        let c = CompositeError { origin: "px".into(), code: Some(code), engines: 10, errors };
        let text = composite(&c);
        assert!(text.starts_with("9 of 10 engines failed in px:\n[0-3] RuntimeError: same\n  at px line 2, column 9\n  2 | let y = x;\n    |         ^\n[4] RuntimeError: different 4"), "{text}");
        assert!(text.ends_with("... and 3 more engines failed"), "{text}");
    }
}
