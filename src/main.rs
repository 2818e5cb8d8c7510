//! The `pshell` binary: parse the command line and hand off to [`pshell::launch`].

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    pshell::launch::main(pshell::launch::Args::parse())
}
