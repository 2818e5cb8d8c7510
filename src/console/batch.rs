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
