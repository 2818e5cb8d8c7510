//! Syntax colours for the line being edited: keywords, strings (also backtick strings,
//! across lines), numbers, comments, and a magic or `!` at the start of the cell.
//!
//! A small scanner of its own rather than Rhai's tokenizer: it must colour incomplete
//! input (an open string, half a comment) and keep every character in place, since the
//! coloured line must have the width of the plain one.

/// Words shown as keywords.
const KEYWORDS: &[&str] = &[
    "let", "const", "fn", "if", "else", "while", "loop", "for", "in", "do", "until", "break", "continue", "return",
    "throw", "try", "catch", "switch", "import", "export", "as", "private", "true", "false", "this", "global", "is",
    "Fn",
];

const KEYWORD: &str = "35";
const STRING: &str = "32";
const NUMBER: &str = "33";
const COMMENT: &str = "2";
const MAGIC: &str = "36";

fn paint(out: &mut String, code: &str, text: &str) {
    out.push_str("\x1b[");
    out.push_str(code);
    out.push('m');
    out.push_str(text);
    out.push_str("\x1b[0m");
}

/// `line` with ANSI colours.
pub fn highlight(line: &str) -> String {
    let mut out = String::with_capacity(line.len() * 2);
    let start = line.len() - line.trim_start().len();
    out.push_str(&line[..start]);
    let rest = &line[start..];
    if rest.starts_with('%') || rest.starts_with('!') {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        paint(&mut out, MAGIC, &rest[..end]);
        if rest.starts_with('!') {
            out.push_str(&rest[end..]);
            return out;
        }
        code(&mut out, &rest[end..]);
    } else {
        code(&mut out, rest);
    }
    out
}

fn code(out: &mut String, s: &str) {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let j = match c {
            b'"' | b'\'' | b'`' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != c {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                    if c != b'`' && j <= b.len() && b.get(j - 1) == Some(&b'\n') {
                        break;
                    }
                }
                let j = (j + 1).min(b.len());
                paint(out, STRING, &s[i..j]);
                j
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let j = s[i..].find('\n').map_or(b.len(), |k| i + k);
                paint(out, COMMENT, &s[i..j]);
                j
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let j = s[i + 2..].find("*/").map_or(b.len(), |k| i + 2 + k + 2);
                paint(out, COMMENT, &s[i..j]);
                j
            }
            b'0'..=b'9' => {
                let mut j = i;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'.') {
                    // `1..5` is a range, not a number with two dots.
                    if b[j] == b'.' && b.get(j + 1) == Some(&b'.') {
                        break;
                    }
                    j += 1;
                }
                paint(out, NUMBER, &s[i..j]);
                j
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let mut j = i;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                let word = &s[i..j];
                let after_dot = i > 0 && b[i - 1] == b'.';
                if !after_dot && KEYWORDS.contains(&word) {
                    paint(out, KEYWORD, word);
                } else {
                    out.push_str(word);
                }
                j
            }
            _ => {
                // Copy one whole UTF-8 character.
                let len = s[i..].chars().next().map_or(1, char::len_utf8);
                out.push_str(&s[i..i + len]);
                i + len
            }
        };
        i = j.max(i + 1);
    }
}

/// The text without its colours (what the width is measured on).
#[cfg(test)]
fn strip(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_strings_numbers_and_comments_are_coloured() {
        let h = highlight("let x = 42; // note");
        assert_eq!(h, "\x1b[35mlet\x1b[0m x = \x1b[33m42\x1b[0m; \x1b[2m// note\x1b[0m");
        assert_eq!(highlight("\"a\\\"b\" + `c`"), "\x1b[32m\"a\\\"b\"\x1b[0m + \x1b[32m`c`\x1b[0m");
        assert_eq!(highlight("%px let"), "\x1b[36m%px\x1b[0m \x1b[35mlet\x1b[0m");
        assert_eq!(highlight("x.len"), "x.len");
        assert_eq!(
            highlight("for i in 0..3"),
            "\x1b[35mfor\x1b[0m i \x1b[35min\x1b[0m \x1b[33m0\x1b[0m..\x1b[33m3\x1b[0m"
        );
    }

    #[test]
    fn every_character_stays_in_place() {
        for line in
            ["let s = \"open", "`multi\nline ${x}` + 1.5e3", "/* open comment", "é ☃ 'c' \\", "!ls -l", "x = 1_000"]
        {
            assert_eq!(strip(&highlight(line)), line);
        }
    }
}
