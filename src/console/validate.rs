//! When a cell is complete: the REPL keeps reading while brackets, blocks, backtick
//! strings or block comments are open, or while the code stops mid-statement.
//!
//! [`scan`] follows brackets and strings in one pass (`${...}` inside backtick strings
//! nests code); it is cheap, so a 10,000-line paste is not parsed 10,000 times. When the
//! brackets balance, Rhai's parser decides: an error at the very end of the input means
//! the statement goes on (`let x = 1 +`, `if x > 1`), any other error is the user's to
//! see. Two Enters (a blank last line) always submit, and an unterminated `"` string is
//! an error, not a trap. The same rules serve rustyline's `Validator` on a terminal and
//! line mode. Magic lines are judged by the code they carry (`%px CODE`, `%time CODE`).

use rhai::Engine;

/// What [`scan`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scan {
    /// Something is still open: a bracket, a backtick string, a block comment, or a
    /// `"` string continued with a backslash at the end of the line.
    Open,
    /// Everything opened was closed.
    Balanced,
    /// A mismatched closing bracket or an unterminated `"` string: the parser will say.
    Broken,
}

/// Follows brackets, strings and comments through `code`.
pub fn scan(code: &str) -> Scan {
    // Open brackets; 'I' marks a `${` interpolation inside a backtick string.
    let mut stack: Vec<char> = Vec::new();
    let mut chars = code.chars().peekable();
    let mut in_backtick = false;
    while let Some(c) = chars.next() {
        if in_backtick {
            match c {
                '\\' => {
                    chars.next();
                }
                '`' => in_backtick = false,
                '$' if chars.peek() == Some(&'{') => {
                    chars.next();
                    stack.push('I');
                    in_backtick = false;
                }
                _ => {}
            }
            continue;
        }
        match c {
            '(' | '[' | '{' => stack.push(c),
            ')' | ']' | '}' => match (stack.pop(), c) {
                (Some('('), ')') | (Some('['), ']') | (Some('{'), '}') => {}
                (Some('I'), '}') => in_backtick = true,
                _ => return Scan::Broken,
            },
            '`' => in_backtick = true,
            '"' | '\'' => {
                let mut closed = false;
                while let Some(s) = chars.next() {
                    match s {
                        '\\' => match chars.next() {
                            Some('\n') | Some('\r') if c == '"' => {}
                            None => return Scan::Open,
                            _ => {}
                        },
                        '\n' => return Scan::Broken,
                        s if s == c => {
                            closed = true;
                            break;
                        }
                        _ => {}
                    }
                }
                if !closed {
                    return Scan::Broken;
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                for s in chars.by_ref() {
                    if s == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut depth = 1;
                let mut prev = ' ';
                while depth > 0 {
                    let Some(s) = chars.next() else { return Scan::Open };
                    match (prev, s) {
                        ('/', '*') => {
                            depth += 1;
                            prev = ' ';
                            continue;
                        }
                        ('*', '/') => {
                            depth -= 1;
                            prev = ' ';
                            continue;
                        }
                        _ => prev = s,
                    }
                }
            }
            _ => {}
        }
    }
    if in_backtick || !stack.is_empty() {
        Scan::Open
    } else {
        Scan::Balanced
    }
}

/// Whether Rhai code `code` needs more lines before it can run.
pub fn code_needs_more(parser: &Engine, code: &str) -> bool {
    if code.trim().is_empty() {
        return false;
    }
    match scan(code) {
        Scan::Open => true,
        Scan::Broken => false,
        Scan::Balanced => match parser.compile(code) {
            Ok(_) => false,
            Err(e) => {
                let lines = code.split('\n').count();
                let last = code.rsplit('\n').next().unwrap_or("").chars().count();
                let end = (lines, last + 1);
                let pos = e.position();
                matches!((pos.line(), pos.position()), (Some(l), Some(c)) if (l, c) >= end)
                    || matches!(e.err_type(), rhai::ParseErrorType::UnexpectedEOF)
            }
        },
    }
}

/// The code a magic line carries, if it is one that carries code.
pub fn magic_code(cell: &str) -> Option<&str> {
    let rest = cell.trim_start().strip_prefix('%')?;
    let (name, code) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    matches!(name, "px" | "time").then_some(code)
}

/// Whether a cell needs more lines. `autopx`: plain lines are engine code (the same
/// rules). Shell (`!`) lines and magics without code are always complete; a blank last
/// line (two Enters) submits whatever there is.
pub fn needs_more(parser: &Engine, cell: &str) -> bool {
    if let Some((_, last)) = cell.rsplit_once('\n') {
        if last.trim().is_empty() {
            return false;
        }
    }
    let trimmed = cell.trim_start();
    if trimmed.starts_with('!') {
        return false;
    }
    if trimmed.starts_with('%') {
        return magic_code(cell).is_some_and(|code| code_needs_more(parser, code));
    }
    code_needs_more(parser, cell)
}

/// A parser for [`needs_more`]: syntax only, no functions registered.
pub fn parser() -> Engine {
    Engine::new_raw()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_strings_and_comments_are_followed() {
        assert_eq!(scan("let a = [1, (2"), Scan::Open);
        assert_eq!(scan("fn f(x) {\n  x + 1\n}"), Scan::Balanced);
        assert_eq!(scan("let m = #{a: 1"), Scan::Open);
        assert_eq!(scan("`abc\ndef"), Scan::Open);
        assert_eq!(scan("`a ${ [1, 2"), Scan::Open);
        assert_eq!(scan("`a ${ x } b`"), Scan::Balanced);
        assert_eq!(scan("`a ${ `nested ${y}` } b`"), Scan::Balanced);
        assert_eq!(scan("let s = \"(\";"), Scan::Balanced);
        assert_eq!(scan("let c = '{';"), Scan::Balanced);
        assert_eq!(scan("let s = \"abc"), Scan::Broken);
        assert_eq!(scan("let s = \"abc\nx\""), Scan::Broken);
        assert_eq!(scan("let s = \"abc\\\ndef\""), Scan::Balanced);
        assert_eq!(scan("let s = \"abc\\"), Scan::Open);
        assert_eq!(scan("x) + 1"), Scan::Broken);
        assert_eq!(scan("[1, 2)"), Scan::Broken);
        assert_eq!(scan("// (\n1"), Scan::Balanced);
        assert_eq!(scan("/* ( /* */ [ */ 1"), Scan::Balanced);
        assert_eq!(scan("/* open"), Scan::Open);
    }

    #[test]
    fn statements_that_stop_midway_ask_for_more() {
        let p = parser();
        for more in ["let x = 1 +", "if x > 1", "fn f(x)", "for i in", "x.", "let", "while true", "`abc", "{"] {
            assert!(needs_more(&p, more), "{more:?} needs more");
        }
        for done in ["1 + 2", "let = 3;", "let s = \"abc", "x)", "", "   ", "fn f(x) { x }", "%who", "!ls ("] {
            assert!(!needs_more(&p, done), "{done:?} is complete");
        }
    }

    #[test]
    fn a_blank_line_forces_a_submit() {
        let p = parser();
        assert!(needs_more(&p, "fn f(x) {\n  x"));
        assert!(!needs_more(&p, "fn f(x) {\n  x\n"));
        assert!(!needs_more(&p, "let a = [1,\n   "));
    }

    #[test]
    fn magics_are_judged_by_their_code() {
        let p = parser();
        assert!(needs_more(&p, "%px for i in 0..3 {"));
        assert!(!needs_more(&p, "%px for i in 0..3 { i }"));
        assert!(needs_more(&p, "%time let a = ["));
        assert!(!needs_more(&p, "%targets 0,"));
        assert_eq!(magic_code("%px 1 + 1"), Some("1 + 1"));
        assert_eq!(magic_code("%who"), None);
    }
}
