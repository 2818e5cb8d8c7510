//! The `pshell` binary: parse the command line and hand off to [`pshell::launch`]
//! (or, for `pshell kernel …`, to the Jupyter kernel).

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv.get(1).is_some_and(|a| a == "kernel") {
        argv.remove(1);
        return pshell::kernel::cli::main(pshell::kernel::cli::KernelArgs::parse_from(argv));
    }
    pshell::launch::main(pshell::launch::Args::parse_from(argv))
}
