//! Batch runs: a script file, a `-e` snippet or standard input, on the console or
//! (`--spmd`) on every engine at once.

use super::Console;
use std::process::ExitCode;

/// What to run without a person at the prompt.
pub enum Job {
    /// Code and the name it goes by in errors (a file name, "-e" or "<stdin>").
    Script { code: String, origin: String },
}

/// Runs `job`; prints errors on stderr. Exit status 0 on success, 1 on an error.
pub fn run(console: &mut Console, job: Job, spmd: bool, show_result: bool) -> ExitCode {
    let Job::Script { code, origin } = job;
    let outcome =
        if spmd { console.run_spmd(&code, &origin).map(|_| None) } else { console.eval(&code, &origin).map(Some) };
    match outcome {
        Ok(value) => {
            if let Some(v) = value.filter(|v| show_result && !v.is_unit()) {
                println!("{}", super::display::value(&v));
            }
            ExitCode::SUCCESS
        }
        Err(text) => {
            eprintln!("error: {text}");
            ExitCode::from(1)
        }
    }
}

/// The text of the script at `path`. A byte that is not UTF-8 or a NUL byte is an error
/// naming its line and column (Rhai would report a NUL as an unexpected space).
pub fn read_script(path: &std::path::Path) -> Result<String, String> {
    let name = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read '{name}': {e}"))?;
    let at = |offset: usize| {
        let before = &bytes[..offset];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let start = before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
        format!("{name} line {line}, column {column}")
    };
    let text = String::from_utf8(bytes.clone()).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        format!("{}: the byte 0x{:02x} is not valid UTF-8 (scripts are UTF-8 text)", at(offset), bytes[offset])
    })?;
    match text.find('\0') {
        Some(offset) => Err(format!("{}: a NUL byte (scripts are text)", at(offset))),
        None => Ok(text),
    }
}

#[cfg(test)]
mod tests {
    use super::read_script;

    #[test]
    fn bad_bytes_are_named_by_line_and_column() {
        let dir = std::env::temp_dir().join(format!("pshell-read-script-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let check = |bytes: &[u8], expected: &str| {
            let path = dir.join("s.rhai");
            std::fs::write(&path, bytes).unwrap();
            let got = read_script(&path);
            match expected {
                "" => assert_eq!(got.unwrap(), String::from_utf8(bytes.to_vec()).unwrap()),
                _ => assert!(got.as_ref().unwrap_err().contains(expected), "{got:?}"),
            }
        };
        check("let é = 1;\nprint(1);\n".as_bytes(), "");
        check(b"let a = 1;\nprint(\"\xff\");\n", "s.rhai line 2, column 8: the byte 0xff is not valid UTF-8");
        check("é\u{0}".as_bytes(), "s.rhai line 1, column 2: a NUL byte");
        check(b"", "");
        assert!(read_script(&dir.join("missing.rhai")).unwrap_err().contains("missing.rhai"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
