//! The interactive loop: numbered prompts, results as `Out[n]:`, errors that keep the
//! session going. Reads with rustyline on a terminal, line by line otherwise.

use super::Console;
use rustyline::error::ReadlineError;
use rustyline::DefaultEditor;

/// Runs the REPL until end of input or `%quit`.
pub fn run(console: &mut Console) {
    let mut editor = match DefaultEditor::new() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: cannot start the line editor: {e}");
            return;
        }
    };
    let (n, kind) = {
        let s = console.shared.borrow();
        (s.client.engines(), s.client.transport_kind())
    };
    println!(
        "pshell {}: {n} engines over {kind}. px(\"code\") runs code on every engine; %quit ends.",
        env!("CARGO_PKG_VERSION")
    );
    let mut count = 1;
    loop {
        let line = match editor.readline(&format!("In [{count}]: ")) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("error: {e}");
                break;
            }
        };
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let _ = editor.add_history_entry(&line);
        if trimmed == "%quit" || trimmed == "exit" {
            break;
        }
        match console.eval(&line, &format!("In [{count}]")) {
            Ok(v) if v.is_unit() => {}
            Ok(v) => println!("Out[{count}]: {}", super::display::value(&v)),
            Err(text) => eprintln!("error: {text}"),
        }
        count += 1;
    }
}
