#!/usr/bin/env bash
# What pshell's tests need beyond Rust, found the way the tools that use it look for it,
# and installed when it is missing.
#
#   scripts/deps.sh [--check] [--root DIR]
#
# Needs, one line each:
#   libclang  what mpi-sys's bindgen loads (clang-sys's rules): LIBCLANG_PATH, or a file
#             named libclang.so, libclang-N.so, libclang.so.N or libclang-N.so.M in the
#             library folders; libclang-cpp.so.N is a different library and does not count.
#   mpi       mpicc and mpirun on PATH (or in ROOT/usr/bin) and the MPI header mpi.h.
#   tmux      the REPL tests type into a terminal through it.
#   python    python3 with the venv module, for the Jupyter tests' virtual environment.
#
# --check   report only: one line per need ("ok NAME" or "missing NAME: PACKAGES"),
#           exit 0 when nothing is missing, 1 otherwise.
# --root    look under DIR instead of / (PSHELL_DEPS_ROOT does the same): commands are
#           looked for in DIR/usr/bin and DIR/bin only, not on PATH. For the tests.
# Without --check: on Debian/Ubuntu, apt-get installs what is missing (apt-get update
# first; sudo when not root); elsewhere it prints the command for that system (dnf,
# pacman, brew) and exits 2, before anything is built.
set -euo pipefail

root="${PSHELL_DEPS_ROOT:-/}"
check=0
while [ $# -gt 0 ]; do
  case "$1" in
    --check) check=1 ;;
    --root) root="$2"; shift ;;
    --root=*) root="${1#--root=}" ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "deps.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done
root="${root%/}"
on_host=0
[ -z "$root" ] && on_host=1

shopt -s nullglob

# A libclang file by clang-sys's names: libclang.so, libclang-N.so, libclang.so.N,
# libclang-N.so.M (N a version such as 14 or 14.0.6). Not libclang-cpp.
is_libclang() {
  local base
  base="$(basename "$1")"
  [[ "$base" =~ ^libclang(-[0-9][0-9.]*)?\.so(\.[0-9][0-9.]*)?$ ]]
}

libclang_dirs() {
  if [ -n "${LIBCLANG_PATH:-}" ]; then
    if [ $on_host -eq 1 ]; then echo "$LIBCLANG_PATH"; else echo "$root$LIBCLANG_PATH"; fi
  fi
  local d
  for d in "$root"/usr/lib/llvm-*/lib "$root"/usr/lib "$root"/usr/lib/* "$root"/usr/lib64 \
    "$root"/usr/local/lib "$root"/usr/local/lib64 "$root"/lib "$root"/lib/* "$root"/lib64 \
    "$root"/usr/local/opt/llvm/lib "$root"/opt/homebrew/opt/llvm/lib; do
    [ -d "$d" ] && echo "$d"
  done
  return 0
}

have_libclang() {
  local d f
  while IFS= read -r d; do
    if [ -f "$d" ] && is_libclang "$d"; then return 0; fi
    for f in "$d"/libclang.so* "$d"/libclang-[0-9]*.so*; do
      is_libclang "$f" && return 0
    done
  done < <(libclang_dirs)
  return 1
}

have_command() {
  local c="$1"
  if [ $on_host -eq 1 ]; then
    command -v "$c" >/dev/null 2>&1 && return 0
  fi
  [ -x "$root/usr/bin/$c" ] || [ -x "$root/bin/$c" ] || [ -x "$root/usr/local/bin/$c" ]
}

have_mpi_header() {
  local f
  for f in "$root"/usr/include/mpi.h "$root"/usr/include/*/mpi.h "$root"/usr/lib/*/openmpi/include/mpi.h \
    "$root"/usr/lib/*/mpich/include/mpi.h "$root"/usr/local/include/mpi.h "$root"/usr/include/openmpi*/mpi.h \
    "$root"/usr/lib64/openmpi/include/mpi.h "$root"/opt/homebrew/include/mpi.h; do
    [ -f "$f" ] && return 0
  done
  # The header may sit where only the MPI compiler wrapper knows (on the host).
  if [ $on_host -eq 1 ] && command -v mpicc >/dev/null 2>&1; then
    local flags inc
    flags="$(mpicc -showme:compile 2>/dev/null || mpicc -show 2>/dev/null || true)"
    for inc in $flags; do
      case "$inc" in -I*) [ -f "${inc#-I}/mpi.h" ] && return 0 ;; esac
    done
  fi
  return 1
}

have_python_venv() {
  if [ $on_host -eq 1 ]; then
    command -v python3 >/dev/null 2>&1 && python3 -c 'import venv, ensurepip' >/dev/null 2>&1
  else
    have_command python3 && compgen -G "$root/usr/lib/python3*/venv/__init__.py" >/dev/null \
      && compgen -G "$root/usr/lib/python3*/ensurepip/__init__.py" >/dev/null
  fi
}

# The system's package manager and the package names of each need.
os_id=""
if [ -r "$root/etc/os-release" ]; then
  os_id="$(. "$root/etc/os-release"; echo "${ID:-} ${ID_LIKE:-}")"
fi
[ $on_host -eq 1 ] && [ "$(uname -s)" = Darwin ] && os_id="macos"
case " $os_id " in
  *" debian "* | *" ubuntu "*) pm=apt ;;
  *" fedora "* | *" rhel "* | *" centos "*) pm=dnf ;;
  *" arch "*) pm=pacman ;;
  *" macos "*) pm=brew ;;
  *) if [ $on_host -eq 1 ] && command -v apt-get >/dev/null 2>&1; then pm=apt; else pm=unknown; fi ;;
esac

packages() { # need -> packages on this system
  case "$pm:$1" in
    apt:libclang) echo libclang-dev ;;
    apt:mpi) echo libopenmpi-dev openmpi-bin ;;
    apt:tmux) echo tmux ;;
    apt:python) echo python3 python3-venv ;;
    dnf:libclang) echo clang-devel ;;
    dnf:mpi) echo openmpi-devel ;;
    dnf:tmux) echo tmux ;;
    dnf:python) echo python3 ;;
    pacman:libclang) echo clang ;;
    pacman:mpi) echo openmpi ;;
    pacman:tmux) echo tmux ;;
    pacman:python) echo python ;;
    brew:libclang) echo llvm ;;
    brew:mpi) echo open-mpi ;;
    brew:tmux) echo tmux ;;
    brew:python) echo python ;;
    *:libclang) echo "libclang (the clang development library)" ;;
    *:mpi) echo "Open MPI (development files, mpicc, mpirun)" ;;
    *:tmux) echo tmux ;;
    *:python) echo "python3 with venv" ;;
  esac
}

missing=()
report() { # need present?
  if [ "$2" = yes ]; then
    echo "ok $1"
  else
    echo "missing $1: $(packages "$1")"
    missing+=("$1")
  fi
}
yn() { if "$@"; then echo yes; else echo no; fi; }

report libclang "$(yn have_libclang)"
mpi_ok=no
if have_command mpicc && have_command mpirun && have_mpi_header; then mpi_ok=yes; fi
report mpi "$mpi_ok"
report tmux "$(yn have_command tmux)"
report python "$(yn have_python_venv)"

[ ${#missing[@]} -eq 0 ] && exit 0
[ $check -eq 1 ] && exit 1

pkgs=()
for need in "${missing[@]}"; do
  read -r -a p <<<"$(packages "$need")"
  pkgs+=("${p[@]}")
done

case "$pm" in
  apt)
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "deps.sh: installing ${pkgs[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${pkgs[@]}" >/dev/null
    # Checked again: a package that installed but left the need unmet is an error here,
    # not a panic later inside a build script.
    if ! bash "$0" --check --root "${root:-/}" >/dev/null; then
      echo "deps.sh: still missing after apt-get install:" >&2
      bash "$0" --check --root "${root:-/}" | grep '^missing' >&2 || true
      exit 2
    fi
    ;;
  dnf) echo "deps.sh: install what the tests need with: sudo dnf install ${pkgs[*]}" >&2; exit 2 ;;
  pacman) echo "deps.sh: install what the tests need with: sudo pacman -S ${pkgs[*]}" >&2; exit 2 ;;
  brew) echo "deps.sh: install what the tests need with: brew install ${pkgs[*]}" >&2; exit 2 ;;
  *) echo "deps.sh: install these with your system's package manager: ${pkgs[*]}" >&2; exit 2 ;;
esac
