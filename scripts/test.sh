#!/usr/bin/env bash
# Every check pshell must pass: formatting, clippy, the tests on the threads transport,
# and the tests under mpirun with 2, 4 and 8 ranks. Installs Open MPI and libclang
# (needed to build and run the MPI transport) and tmux (the REPL tests type into it)
# when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Open MPI refuses to run as root, and more ranks than cores, unless told otherwise.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

step() { printf '\n==> %s\n' "$*"; }

missing=()
command -v mpirun >/dev/null 2>&1 || missing+=(openmpi-bin)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
dpkg -s libopenmpi-dev >/dev/null 2>&1 || missing+=(libopenmpi-dev)
compgen -G "/usr/lib/llvm-*/lib/libclang*.so*" >/dev/null || compgen -G "/usr/lib/*/libclang*.so*" >/dev/null \
  || missing+=(libclang-dev)
if [ ${#missing[@]} -gt 0 ]; then
  step "installing what the tests need: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (threads, and with the mpi feature)"
cargo clippy --all-targets -- -D warnings
cargo clippy --all-targets --features mpi -- -D warnings

step "tests on the threads transport"
cargo test

step "tests under mpirun with 2, 4 and 8 ranks"
PSHELL_TEST_TRANSPORT=mpi PSHELL_MPI_RANKS="2 4 8" cargo test --features mpi -- --test-threads 2

step "all checks passed"
