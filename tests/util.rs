//! Running the `pshell` binary the way a user does, on either transport.
//!
//! `PSHELL_TEST_TRANSPORT=mpi` (with a binary built `--features mpi`) runs every
//! cluster under `mpirun` with `PSHELL_MPI_RANKS` ranks (default "2 4 8": 1, 3 and 7
//! engines); otherwise clusters are engine threads with the same engine counts.
//! `PSHELL_MPI_ARGS` adds arguments to every `mpirun` (e.g. `--hostfile FILE`).
//! Every `mpirun` a test starts gets [`mpi_env`].

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// A cluster to run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    Threads(usize),
    /// Engines; mpirun gets one more rank for the console.
    Mpi(usize),
}

impl On {
    pub fn engines(self) -> usize {
        match self {
            On::Threads(n) | On::Mpi(n) => n,
        }
    }
}

/// The environment for a command that starts `mpirun` (directly or through a shell):
/// allowed as root, more ranks than cores, and a session directory of its own. Open MPI
/// keeps every job's session files under one `/tmp/ompi.HOST.UID`, which a finishing
/// `mpirun` removes when it looks empty: a second `mpirun` starting at that moment fails
/// in `orte_init` ("unable to create the desired directory"). Tests run in parallel, so
/// each `mpirun` gets its own base directory.
pub fn mpi_env(cmd: &mut Command) -> &mut Command {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    // Short, under /tmp: Open MPI puts Unix sockets in it (108-byte path limit).
    let base = std::env::temp_dir()
        .join(format!("pshell-mpi-{}", std::process::id()))
        .join(N.fetch_add(1, Ordering::SeqCst).to_string());
    std::fs::create_dir_all(&base).expect("mpirun session base directory");
    cmd.env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("OMPI_MCA_rmaps_base_oversubscribe", "1")
        .env("OMPI_MCA_orte_tmpdir_base", base)
}

/// Whether this test run is over MPI.
pub fn mpi() -> bool {
    std::env::var("PSHELL_TEST_TRANSPORT").is_ok_and(|t| t == "mpi")
}

/// The clusters every behaviour test runs on.
pub fn clusters() -> Vec<On> {
    if mpi() {
        let ranks = std::env::var("PSHELL_MPI_RANKS").unwrap_or_else(|_| "2 4 8".into());
        ranks.split_whitespace().map(|r| On::Mpi(r.parse::<usize>().expect("a rank count") - 1)).collect()
    } else {
        vec![On::Threads(1), On::Threads(3), On::Threads(7)]
    }
}

/// The clusters with at least `n` engines.
pub fn clusters_with(n: usize) -> Vec<On> {
    let mut c: Vec<On> = clusters().into_iter().filter(|c| c.engines() >= n).collect();
    if c.is_empty() {
        c.push(if mpi() { On::Mpi(n) } else { On::Threads(n) });
    }
    c
}

/// What a run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics with everything printed unless the run succeeded.
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "pshell failed:\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    /// Panics unless the run failed with `code`.
    pub fn fails(self, code: i32) -> Run {
        assert_eq!(self.code, code, "expected exit {code}:\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    /// Stdout lines, sorted (engine output interleaves in any order).
    pub fn sorted_lines(&self) -> Vec<String> {
        let mut l: Vec<String> = self.stdout.lines().map(String::from).collect();
        l.sort();
        l
    }
}

pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pshell"))
}

/// Runs `pshell ARGS` on `on`, feeding `stdin` (none: an empty, closed stdin).
pub fn run(on: On, args: &[&str], stdin: Option<&str>) -> Run {
    run_with(on, args, stdin, &Setting::default())
}

/// Where and with what environment a run happens, beyond the defaults.
#[derive(Debug, Clone, Default)]
pub struct Setting {
    /// The working directory (default: the test's).
    pub dir: Option<PathBuf>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
}

/// [`run`] in a given working directory and environment.
pub fn run_with(on: On, args: &[&str], stdin: Option<&str>, setting: &Setting) -> Run {
    let mut cmd = match on {
        On::Threads(n) => {
            let mut c = Command::new(binary());
            c.arg("-n").arg(n.to_string());
            c
        }
        On::Mpi(n) => {
            let mut c = Command::new("mpirun");
            c.args(["--oversubscribe", "-n", &(n + 1).to_string()]);
            c.args(std::env::var("PSHELL_MPI_ARGS").unwrap_or_default().split_whitespace());
            c.arg(binary());
            mpi_env(&mut c);
            c
        }
    };
    cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.env("NO_COLOR", "1");
    if let Some(dir) = &setting.dir {
        cmd.current_dir(dir);
    }
    cmd.envs(setting.env.iter().map(|(k, v)| (k, v)));
    let mut child = cmd.spawn().expect("start pshell");
    {
        let mut input = child.stdin.take().expect("stdin");
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).expect("write stdin");
        }
    }
    let out = child.wait_with_output().expect("pshell runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs a console script (given as a file) on `on`.
pub fn script(on: On, code: &str) -> Run {
    let dir = tempdir();
    let path = dir.join("script.rhai");
    std::fs::write(&path, code).expect("write script");
    let r = run(on, &[path.to_str().expect("utf-8 path")], None);
    let _ = std::fs::remove_dir_all(&dir);
    r
}

/// Runs a console script with extra environment variables.
pub fn script_env(on: On, code: &str, env: &[(&str, &str)]) -> Run {
    let dir = tempdir();
    let path = dir.join("script.rhai");
    std::fs::write(&path, code).expect("write script");
    let setting =
        Setting { env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), ..Setting::default() };
    let r = run_with(on, &[path.to_str().expect("utf-8 path")], None, &setting);
    let _ = std::fs::remove_dir_all(&dir);
    r
}

/// Runs a script on every engine at once (`--spmd`).
pub fn spmd(on: On, code: &str) -> Run {
    let dir = tempdir();
    let path = dir.join("spmd.rhai");
    std::fs::write(&path, code).expect("write script");
    let r = run(on, &["--spmd", path.to_str().expect("utf-8 path")], None);
    let _ = std::fs::remove_dir_all(&dir);
    r
}

/// A fresh directory under the target dir.
pub fn tempdir() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "t{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
