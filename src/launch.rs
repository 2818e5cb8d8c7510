//! Start-up: read the command line's choices, pick the transport, start the engines and
//! hand the console its job.
//!
//! Without MPI, the console runs on the main thread and `-n N` engines on threads. When
//! pshell finds itself started by an MPI launcher (Open MPI or MPICH variables), world
//! rank 0 is the console and ranks 1..P-1 are the engines (feature `mpi`).
//!
//! Without a FILE or `-e`, [`terminal::mode`] picks the REPL on a terminal, the REPL in
//! line mode, or a batch script on stdin; under mpirun, rank 0 first relays mpirun's
//! terminal through a pseudo-terminal (`console::relay`) so that the same rule applies
//! and Ctrl-C reaches it.

use crate::client::{Client, Notice};
use crate::console::screen::{self, Screen, Style};
use crate::console::terminal::{self, Mode};
use crate::console::{batch, repl, Console};
use crate::runner::{self, EngineConfig};
use crate::transport::{threads, Transport};
use crate::watch;
use clap::Parser;
use std::collections::HashSet;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// pshell: an interactive shell for parallel computing.
#[derive(Parser, Debug)]
#[command(version, about)]
pub struct Args {
    /// Number of engine threads (default: one per core). Under mpirun the engines are
    /// ranks 1..P-1 instead.
    #[arg(short = 'n', long = "engines", value_name = "N")]
    pub engines: Option<usize>,
    /// Run FILE (or -e CODE) on every engine at once (SPMD), output tagged by engine.
    #[arg(long)]
    pub spmd: bool,
    /// Run one snippet and exit (prints its value unless it is ()).
    #[arg(short = 'e', value_name = "CODE", conflicts_with = "file")]
    pub code: Option<String>,
    /// Start the REPL even when stdin and stdout are not terminals (line by line). By
    /// default stdin is a script when neither is a terminal.
    #[arg(short = 'i', long, conflicts_with_all = ["file", "code", "spmd"])]
    pub interactive: bool,
    /// A Rhai script to run on the console (reaching engines with px); "-" reads stdin.
    pub file: Option<PathBuf>,
}

/// What the console will do.
enum Plan {
    /// The REPL, on a terminal or line by line.
    Repl(Mode),
    Batch {
        job: batch::Job,
        spmd: bool,
        show_result: bool,
    },
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("pshell: {msg}");
    ExitCode::from(2)
}

fn plan(args: &Args) -> Result<Plan, String> {
    if let Some(code) = &args.code {
        return Ok(Plan::Batch {
            job: batch::Job::Script { code: code.clone(), origin: "-e".into() },
            spmd: args.spmd,
            show_result: !args.spmd,
        });
    }
    match &args.file {
        Some(path) if path.as_os_str() == "-" => {}
        Some(path) => {
            let code = batch::read_script(path)?;
            let origin = path.display().to_string();
            return Ok(Plan::Batch { job: batch::Job::Script { code, origin }, spmd: args.spmd, show_result: false });
        }
        None => match terminal::current_mode(args.interactive) {
            Mode::Script => {}
            _ if args.spmd => return Err("--spmd needs a FILE or -e CODE to run on the engines".into()),
            mode => return Ok(Plan::Repl(mode)),
        },
    }
    let mut code = String::new();
    std::io::stdin().read_to_string(&mut code).map_err(|e| format!("cannot read standard input: {e}"))?;
    Ok(Plan::Batch { job: batch::Job::Script { code, origin: "<stdin>".into() }, spmd: args.spmd, show_result: false })
}

/// The whole program, after argument parsing.
pub fn main(args: Args) -> ExitCode {
    if let Some(size) = mpi_launch_size() {
        return mpi_main(args, size);
    }
    let n = match args.engines {
        Some(0) => return usage("-n must be at least 1 (the number of engines)"),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(2, |n| n.get()),
    };
    let plan = match plan(&args) {
        Ok(p) => p,
        Err(msg) => return usage(&msg),
    };
    let (console_end, handles) = match start_engine_threads(n, EngineConfig::default()) {
        Ok(started) => started,
        Err(err) => {
            eprintln!("pshell: cannot start the engine threads: {err}");
            return ExitCode::from(1);
        }
    };
    let status = run_console(Box::new(console_end), plan);
    // Engines end on Shutdown; one stuck in native code is not waited for forever.
    let deadline = Instant::now() + Duration::from_secs(2);
    while handles.iter().any(|h| !h.is_finished()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    status
}

/// Starts `n` engine threads set up with `config`; returns the console's end of the
/// cluster and the threads, which end when the console sends `Shutdown` (an engine whose
/// loop panics tells the console first: see `runner::run`).
pub fn start_engine_threads(
    n: usize,
    config: EngineConfig,
) -> std::io::Result<(threads::ThreadEndpoint, Vec<std::thread::JoinHandle<()>>)> {
    let (console_end, engine_ends) = threads::cluster(n);
    let handles = engine_ends
        .into_iter()
        .enumerate()
        .map(|(e, end)| {
            std::thread::Builder::new()
                .name(format!("pshell-engine-{e}"))
                .stack_size(16 << 20)
                .spawn(move || runner::run(Box::new(end), config))
        })
        .collect::<std::io::Result<Vec<_>>>()?;
    Ok((console_end, handles))
}

fn run_console(transport: Box<dyn Transport>, plan: Plan) -> ExitCode {
    let style = if matches!(plan, Plan::Repl(_)) { Style::detect() } else { Style::plain() };
    let screen = Screen::new(style, false);
    let mut client = match Client::connect(transport, screen::sink(&screen)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("pshell: {e}");
            return ExitCode::from(1);
        }
    };
    // Engines that are gone are reported once; the console goes on with the others.
    let gone: Arc<Mutex<HashSet<usize>>> = Arc::default();
    let g = gone.clone();
    client.set_notice_sink(Box::new(move |notice| {
        eprintln!("pshell: {notice}; going on with the other engines");
        if let (Notice::EngineLost { engine, .. }, Ok(mut g)) = (notice, g.lock()) {
            g.insert(*engine);
        }
    }));
    let closing = Arc::new(AtomicBool::new(false));
    if client.transport_kind() == "mpi" {
        let here = crate::engine::host_name();
        let local: Vec<watch::Watched> =
            client.info().iter().enumerate().filter(|(_, i)| i.host == here).map(|(e, i)| (e, i.pid)).collect();
        watch::start(local, closing.clone(), gone);
    }
    let mut console = Console::new(client);
    let status = match plan {
        Plan::Repl(mode) => {
            repl::run(&mut console, mode, screen);
            ExitCode::SUCCESS
        }
        Plan::Batch { job, spmd, show_result } => batch::run(&mut console, job, spmd, show_result),
    };
    closing.store(true, Ordering::SeqCst);
    console.shared.borrow_mut().client.shutdown();
    status
}

/// The world size if an MPI launcher started this process.
pub fn mpi_launch_size() -> Option<usize> {
    ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"]
        .iter()
        .find_map(|v| std::env::var(v).ok()?.parse().ok())
        .or_else(|| std::env::var("PMIX_RANK").ok().map(|_| 0))
}

#[cfg(not(feature = "mpi"))]
fn mpi_main(_args: Args, _size: usize) -> ExitCode {
    usage("started by an MPI launcher, but this pshell was built without MPI; build it with `cargo build --release --features mpi`")
}

#[cfg(feature = "mpi")]
fn mpi_main(args: Args, _size: usize) -> ExitCode {
    use crate::transport::mpi::{self as mpi_transport, Role};
    let (role, transport) = match mpi_transport::start() {
        Ok(started) => started,
        Err(msg) => return usage(&msg),
    };
    match role {
        Role::Engine => {
            runner::run(Box::new(transport), EngineConfig::default());
            ExitCode::SUCCESS
        }
        Role::Console => {
            if args.engines.is_some() {
                eprintln!("pshell: ignoring -n: under MPI the engines are ranks 1..P-1");
            }
            terminal::note_launcher();
            // Kept until the console ends: gives the terminal its settings back when dropped.
            let _relay = if args.file.is_none() && args.code.is_none() { crate::console::relay::start() } else { None };
            let plan = match plan(&args) {
                Ok(p) => p,
                Err(msg) => {
                    drop(transport.shutdown_engines());
                    return usage(&msg);
                }
            };
            run_console(Box::new(transport), plan)
        }
    }
}
