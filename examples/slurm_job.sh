#!/usr/bin/env bash
# pshell as a Slurm batch job: 64 ranks, rank 0 the console, 63 engines.
#
# Build once (on a login node, in the clone on the shared file system):
#     cargo build --release --features mpi
# Submit from the clone:
#     sbatch examples/slurm_job.sh
# With Slurm's own launcher instead of mpirun (Open MPI built with PMIx):
#     srun --mpi=pmix -n 64 target/release/pshell examples/hello.rhai
#
# The console reads its script, not stdin (a batch job has no terminal); plots and
# files it writes land in its working directory, the directory the job was submitted
# from. Engines on other nodes read and write files there only through a shared file
# system. tests/cluster.rs runs this file through its mpirun line, so it cannot rot.
#SBATCH --job-name=pshell
#SBATCH --ntasks=64
#SBATCH --time=00:10:00
#SBATCH --output=pshell-%j.out
set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-$(dirname "$0")/..}"
PSHELL=${PSHELL:-target/release/pshell}
NTASKS=${SLURM_NTASKS:-64}
mpirun -n "$NTASKS" "$PSHELL" examples/hello.rhai </dev/null
