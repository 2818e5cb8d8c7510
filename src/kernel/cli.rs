//! `pshell kernel …`: the command line of the Jupyter kernel and its kernelspecs.

use super::spec::{self, Place};
use crate::runner::EngineConfig;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// pshell kernel: serve Jupyter front ends (notebooks, JupyterLab, jupyter console).
#[derive(Parser, Debug)]
#[command(name = "pshell kernel", version, about, args_conflicts_with_subcommands = true)]
pub struct KernelArgs {
    /// The connection file Jupyter wrote (ports, key).
    #[arg(short = 'f', value_name = "CONNECTION_FILE")]
    pub connection_file: Option<PathBuf>,
    /// Number of engine threads (default: one per core). Under mpirun the engines are
    /// ranks 1..P-1 instead.
    #[arg(short = 'n', long = "engines", value_name = "N")]
    pub engines: Option<usize>,
    #[command(subcommand)]
    pub action: Option<Action>,
}

#[derive(Subcommand, Debug)]
pub enum Action {
    /// Install a kernelspec so that Jupyter can start pshell.
    Install {
        /// Into the user's Jupyter data directory.
        #[arg(long, conflicts_with_all = ["prefix", "sys_prefix"])]
        user: bool,
        /// Into PREFIX/share/jupyter.
        #[arg(long, value_name = "PREFIX")]
        prefix: Option<PathBuf>,
        /// Into the active virtual environment's share/jupyter.
        #[arg(long, conflicts_with = "prefix")]
        sys_prefix: bool,
        /// The kernel's name (jupyter console --kernel NAME).
        #[arg(long, default_value = "pshell")]
        name: String,
        /// Number of engine threads the kernel starts.
        #[arg(short = 'n', value_name = "N")]
        engines: Option<usize>,
        /// Start the kernel under an MPI launcher, e.g. --mpi "mpirun -n 8" (rank 0 is
        /// the kernel, the others the engines).
        #[arg(long, value_name = "COMMAND")]
        mpi: Option<String>,
    },
    /// List the installed pshell kernelspecs.
    List,
    /// Remove an installed pshell kernelspec.
    Remove { name: String },
}

/// `pshell kernel ARGS` (the arguments after `kernel`).
pub fn main(args: KernelArgs) -> ExitCode {
    match args.action {
        Some(Action::Install { user, prefix, sys_prefix, name, engines, mpi }) => {
            if engines == Some(0) {
                return fail(2, "-n must be at least 1 (the number of engines)");
            }
            let place = match (user, prefix, sys_prefix) {
                (_, Some(p), _) => Place::Prefix(p),
                (_, _, true) => Place::SysPrefix,
                (true, _, _) => Place::User,
                _ => Place::System,
            };
            match spec::install(&place, &name, engines, mpi.as_deref()) {
                Ok(dir) => {
                    println!("installed kernelspec {name} in {}", dir.display());
                    ExitCode::SUCCESS
                }
                Err(e) => fail(1, &e),
            }
        }
        Some(Action::List) => {
            let found = spec::list();
            if found.is_empty() {
                println!("no pshell kernelspecs installed (pshell kernel install --user installs one)");
            }
            for (name, dir) in found {
                println!("{name}  {}", dir.display());
            }
            ExitCode::SUCCESS
        }
        Some(Action::Remove { name }) => match spec::remove(&name) {
            Ok(dir) => {
                println!("removed kernelspec {name} from {}", dir.display());
                ExitCode::SUCCESS
            }
            Err(e) => fail(1, &e),
        },
        None => match &args.connection_file {
            None => fail(2, "kernel needs -f CONNECTION_FILE (Jupyter passes it), or install | list | remove"),
            Some(path) => match super::read_connection(path) {
                Err(e) => fail(1, &e),
                Ok(conn) => run(conn, args.engines),
            },
        },
    }
}

fn fail(code: u8, msg: &str) -> ExitCode {
    eprintln!("pshell kernel: {msg}");
    ExitCode::from(code)
}

fn run(conn: super::wire::Connection, engines: Option<usize>) -> ExitCode {
    if crate::launch::mpi_launch_size().is_some() {
        return run_mpi(conn, engines);
    }
    let n = match engines {
        Some(0) => return fail(2, "-n must be at least 1 (the number of engines)"),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(2, |n| n.get()),
    };
    let (console_end, handles) = match crate::launch::start_engine_threads(n, EngineConfig::default()) {
        Ok(started) => started,
        Err(e) => return fail(1, &format!("cannot start the engine threads: {e}")),
    };
    let status = super::serve(Box::new(console_end), conn);
    let deadline = Instant::now() + Duration::from_secs(2);
    while handles.iter().any(|h| !h.is_finished()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    status
}

#[cfg(not(feature = "mpi"))]
fn run_mpi(_conn: super::wire::Connection, _engines: Option<usize>) -> ExitCode {
    fail(2, "started by an MPI launcher, but this pshell was built without MPI; build it with `cargo build --release --features mpi`")
}

#[cfg(feature = "mpi")]
fn run_mpi(conn: super::wire::Connection, engines: Option<usize>) -> ExitCode {
    use crate::transport::mpi::{self as mpi_transport, Role};
    let (role, transport) = match mpi_transport::start() {
        Ok(started) => started,
        Err(msg) => return fail(2, &msg),
    };
    match role {
        Role::Engine => {
            crate::runner::run(Box::new(transport), EngineConfig::default());
            ExitCode::SUCCESS
        }
        Role::Console => {
            if engines.is_some() {
                eprintln!("pshell kernel: ignoring -n: under MPI the engines are ranks 1..P-1");
            }
            super::serve(Box::new(transport), conn)
        }
    }
}
