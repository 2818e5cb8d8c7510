#!/usr/bin/env bash
# Every check pshell must pass: formatting, clippy, the tests on the threads transport,
# and the tests under mpirun with 2, 4 and 8 ranks. scripts/deps.sh first installs
# what is missing (Open MPI and libclang for the MPI transport, tmux for the REPL tests,
# python3's venv for the Jupyter tests), or stops with exit 2 saying what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

# Open MPI refuses to run as root, and more ranks than cores, unless told otherwise.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

step() { printf '\n==> [%4ds] %s\n' "$SECONDS" "$*"; }

step "what the tests need beyond Rust (scripts/deps.sh)"
bash scripts/deps.sh

step "the Jupyter test environment (target/jupyter-venv, from the package index, once)"
if ! target/jupyter-venv/bin/python -c "import jupyter_client, nbclient, nbformat" 2>/dev/null; then
    rm -rf target/jupyter-venv
    python3 -m venv target/jupyter-venv
    target/jupyter-venv/bin/pip install --quiet jupyter_client nbclient nbformat
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (threads, and with the mpi feature)"
cargo clippy --all-targets -- -D warnings
cargo clippy --all-targets --features mpi -- -D warnings

# One build serves both transports: a binary built with the mpi feature runs on engine
# threads unless an MPI launcher started it (clippy above checks the build without it).
step "tests on the threads transport"
cargo test --features mpi

step "tests under mpirun with 2, 4 and 8 ranks"
PSHELL_TEST_TRANSPORT=mpi PSHELL_MPI_RANKS="2 4 8" cargo test --features mpi -- --test-threads 2

# As a cluster runs it: the TCP byte transfer layer (the one that crosses nodes; shared
# memory hides ordering and buffering bugs), and ranks placed through a hostfile. A
# representative part of the suite: collectives, bulk data, DistArray exchanges, FFTs,
# DistDict, interrupts and the example batch job.
CLUSTER_TESTS=(spmd:: data:: distarray:: fft:: distdict:: interrupt:: cluster::)
step "part of the MPI suite over TCP (OMPI_MCA_btl=tcp,self), 4 ranks"
OMPI_MCA_btl=tcp,self PSHELL_TEST_TRANSPORT=mpi PSHELL_MPI_RANKS="4" \
    cargo test --features mpi -- --test-threads 2 "${CLUSTER_TESTS[@]}"

step "part of the MPI suite through a hostfile (localhost slots=8), 8 ranks"
mkdir -p target
echo "localhost slots=8" > target/hosts
PSHELL_MPI_ARGS="--hostfile $PWD/target/hosts" PSHELL_TEST_TRANSPORT=mpi PSHELL_MPI_RANKS="8" \
    cargo test --features mpi -- --test-threads 2 "${CLUSTER_TESTS[@]}"

step "all checks passed"
