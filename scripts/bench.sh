#!/usr/bin/env bash
# Benchmarks of pshell (DESIGN.md "Performance rules"): builds in release with MPI,
# then prints one line per figure with its target and PASS or MISS (INFO: context,
# without a target of its own). Baselines are measured in the same run.
#
#   threads: round trip of px("1") with 2 and 4 engines, a stream of 10,000 px("1")
#            from the Rhai console, interrupt latency, bare crossbeam ping-pong
#   MPI:     the same under mpirun -n 3 (2 engines), round trip under -n 5 (4 engines),
#            bare 16-byte MPI ping-pong; both again with Open MPI's yield-when-idle on
#            (for context)
#   process: pshell -n 2 -e 'px("1")' and mpirun -n 3 pshell -e 'px("1")', with an
#            MPI program doing only MPI_Init + MPI_Finalize as the floor
#
# Figures are wall-clock times on a shared machine: other work running at the same
# time (a build, tests) makes them slower and noisier; the load average is printed.
# Nothing here fails on a MISS; the script fails only if a benchmark cannot run.
#   fft:     benches/fft.rs, then examples/fft_scaling.rhai on threads and under MPI (INFO)
#   wave 2:  arrays (cumsum), sort (2^26 f64), io (.npy/.npz/raw 1 GiB, loadtxt),
#            linalg (GEMM 4096^2, solve, svd, CG; the GEMM rows again under mpirun -n 3),
#            interrupt (interrupt -> control inside native kernels, against loop {})
# About 15 s for the first part once built, 3-4 minutes with the wave 2 benches (a cold
# release build adds several minutes on 2 cores). `scripts/bench.sh NAME...` runs only
# the named benches (threads mpi startup plots tasks distarray distdict fft arrays sort
# io linalg interrupt).
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

all="threads mpi startup plots tasks distarray distdict fft arrays sort io linalg interrupt"
wanted="${*:-$all}"
for name in $wanted; do
  case " $all " in *" $name "*) ;; *) echo "bench.sh: no bench '$name' (have: $all)" >&2; exit 2 ;; esac
done
want() { case " $wanted " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

echo "== building (release, --features mpi)" >&2
cargo build --release --features mpi --bin pshell >&2
# The bench executables, by name, from cargo's JSON messages (no jq needed).
artifacts=$(cargo bench --features mpi --no-run --message-format=json-render-diagnostics \
  $(printf -- '--bench %s ' $all) |
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
pshell=target/release/pshell

# A benchmark that hangs (a lost reply, an interrupt that never lands) fails the run.
limit() { timeout --kill-after=10 120 "$@"; }
# The wave 2 benches move gigabytes and build their inputs first: minutes, not seconds.
limit_long() { timeout --kill-after=10 600 "$@"; }

echo "== pshell benchmarks, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"
if want threads; then limit "$(exe threads)"; fi
if want mpi; then
  mpi_bench=$(exe mpi)
  limit mpirun -n 3 "$mpi_bench" --full
  limit mpirun -n 5 "$mpi_bench"
  # pshell itself turns Open MPI's yield-when-idle off (transport/mpi.rs); for context,
  # the round trip with Open MPI's default when ranks outnumber cores:
  for n in 3 5; do
    OMPI_MCA_mpi_yield_when_idle=1 limit mpirun -n "$n" "$mpi_bench" --variant=OMPI_MCA_mpi_yield_when_idle=1
  done
fi
if want startup; then limit "$(exe startup)" "$pshell" "$(exe mpi)"; fi
if want plots; then limit "$(exe plots)"; fi
if want tasks; then
  limit "$(exe tasks)"
  limit mpirun -n 3 "$(exe tasks)"
fi
if want distarray; then limit "$(exe distarray)"; fi
if want distdict; then
  limit "$(exe distdict)"
  limit mpirun -n 3 "$(exe distdict)"
fi
if want fft; then
  limit "$(exe fft)"
  # For context, the seed's scaling example on both transports (2 engines; no target).
  for launch in "$pshell -n 2" "mpirun -n 3 $pshell"; do
    kind=$([ "${launch#mpirun}" = "$launch" ] && echo threads || echo MPI)
    limit $launch examples/fft_scaling.rhai | sed -n "s/^fft2/$kind fft2/p" | sed 's/$/ INFO/'
  done
fi
if want arrays; then limit_long "$(exe arrays)"; fi
if want sort; then limit_long "$(exe sort)"; fi
if want io; then limit_long "$(exe io)"; fi
if want linalg; then
  limit_long "$(exe linalg)"
  limit_long mpirun -n 3 "$(exe linalg)" --gemm
fi
if want interrupt; then limit_long "$(exe interrupt)"; fi
