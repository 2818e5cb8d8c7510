//! The example Slurm batch job (examples/slurm_job.sh): its settings agree with each
//! other, and under MPI it runs through its own `mpirun` line, so the README's cluster
//! instructions cannot rot.

use crate::util;
use std::path::Path;
use std::process::Command;

fn job() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/slurm_job.sh");
    std::fs::read_to_string(path).expect("examples/slurm_job.sh")
}

#[test]
fn the_batch_job_asks_slurm_for_the_ranks_it_starts() {
    let job = job();
    let sbatch: Vec<&str> = job.lines().filter_map(|l| l.strip_prefix("#SBATCH ")).collect();
    let ntasks = sbatch.iter().find_map(|o| o.strip_prefix("--ntasks=")).expect("#SBATCH --ntasks=N");
    assert!(job.contains(&format!("NTASKS=${{SLURM_NTASKS:-{ntasks}}}")), "the default rank count is not {ntasks}");
    let launch: Vec<&str> = job.lines().filter(|l| l.starts_with("mpirun ")).collect();
    assert_eq!(launch.len(), 1, "one mpirun line: {launch:?}");
    assert!(launch[0].contains("-n \"$NTASKS\" \"$PSHELL\""), "{}", launch[0]);
    let script = launch[0].split_whitespace().find(|w| w.ends_with(".rhai")).expect("a script");
    assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join(script).is_file(), "{script} is missing");
}

#[test]
fn the_batch_job_runs_through_its_mpirun_line() {
    if !util::mpi() {
        return; // needs mpirun and a binary built with the mpi feature
    }
    let out = util::mpi_env(&mut Command::new("bash"))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/slurm_job.sh"))
        .env("PSHELL", util::binary())
        .env("SLURM_NTASKS", "3")
        .env("SLURM_SUBMIT_DIR", env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("bash runs the job");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the job failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("pshell has 2 engines"), "{stdout}\n{stderr}");
}
