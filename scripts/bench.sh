#!/usr/bin/env bash
# Benchmarks of pshell (DESIGN.md "Performance rules"): builds in release with MPI,
# then prints one line per figure with its target and PASS or MISS (INFO: context,
# without a target of its own). Baselines are measured in the same run.
#
#   threads: round trip of px("1") with 2 and 4 engines, a stream of 10,000 px("1")
#            from the Rhai console, interrupt latency, bare crossbeam ping-pong
#   MPI:     the same under mpirun -n 3 (2 engines) and -n 5 (4 engines, round trip),
#            bare 16-byte MPI ping-pong
#   process: pshell -n 2 -e 'px("1")' and mpirun -n 3 pshell -e 'px("1")'
#
# Figures are wall-clock times on a shared machine: other work running at the same
# time (a build, tests) makes them slower and noisier; the load average is printed.
# Nothing here fails on a MISS; the script fails only if a benchmark cannot run.
set -euo pipefail
cd "$(dirname "$0")/.."

# Open MPI refuses root and more ranks than cores unless told; harmless otherwise.
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_rmaps_base_oversubscribe="${OMPI_MCA_rmaps_base_oversubscribe:-1}"

if ! command -v mpirun >/dev/null; then
  echo "bench.sh: mpirun not found; install Open MPI and libclang (scripts/test.sh does)" >&2
  exit 2
fi

echo "== building (release, --features mpi)" >&2
cargo build --release --features mpi --bin pshell >&2
# The bench executables, by name, from cargo's JSON messages (no jq needed).
artifacts=$(cargo bench --features mpi --no-run --message-format=json \
  --bench threads --bench mpi --bench startup |
  sed -n 's/.*"target":{[^}]*"name":"\([^"]*\)".*"executable":"\([^"]*\)".*/\1 \2/p')
exe() {
  local path
  path=$(awk -v n="$1" '$1 == n { print $2 }' <<<"$artifacts" | tail -n 1)
  if [ -z "$path" ] || [ ! -x "$path" ]; then
    echo "bench.sh: no executable for bench '$1'" >&2
    exit 1
  fi
  echo "$path"
}
threads_bench=$(exe threads)
mpi_bench=$(exe mpi)
startup_bench=$(exe startup)
pshell=target/release/pshell

echo "== pshell benchmarks, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"
"$threads_bench"
mpirun -n 3 "$mpi_bench" --full
mpirun -n 5 "$mpi_bench"
"$startup_bench" "$pshell" "$mpi_bench"
