//! `scripts/deps.sh`, the detection of what the tests need beyond Rust, run against
//! fake roots: what a bare Debian image holds must read as missing.

use std::path::Path;
use std::process::Command;

fn check(root: &Path) -> (i32, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/deps.sh");
    let out = Command::new("bash")
        .arg(script)
        .args(["--check", "--root"])
        .arg(root)
        .env_remove("LIBCLANG_PATH")
        .output()
        .expect("bash runs scripts/deps.sh");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

fn touch(root: &Path, path: &str) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, b"").unwrap();
}

/// A fake root under the temp directory, removed when the test ends.
struct FakeRoot(std::path::PathBuf);

impl std::ops::Deref for FakeRoot {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for FakeRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fake_root(name: &str) -> FakeRoot {
    let d = std::env::temp_dir().join(format!("pshell-deps-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    FakeRoot(d)
}

#[test]
fn libclang_cpp_alone_is_not_libclang() {
    let root = fake_root("cpp");
    touch(&root, "usr/lib/llvm-14/lib/libclang-cpp.so.14");
    touch(&root, "usr/lib/x86_64-linux-gnu/libclang-cpp.so.14");
    let (code, out) = check(&root);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("missing libclang"), "{out}");
}

#[test]
fn every_name_clang_sys_loads_counts() {
    for (i, lib) in [
        "usr/lib/x86_64-linux-gnu/libclang.so.1",
        "usr/lib/llvm-16/lib/libclang.so",
        "usr/lib/libclang-14.so",
        "usr/lib/llvm-14/lib/libclang-14.0.6.so.1",
    ]
    .iter()
    .enumerate()
    {
        let root = fake_root(&format!("lib{i}"));
        touch(&root, lib);
        let (_, out) = check(&root);
        assert!(out.lines().any(|l| l == "ok libclang"), "{lib}: {out}");
    }
}

#[test]
fn a_full_root_has_everything() {
    let root = fake_root("full");
    touch(&root, "usr/lib/x86_64-linux-gnu/libclang.so.1");
    touch(&root, "usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h");
    for c in ["mpicc", "mpirun", "tmux", "python3"] {
        touch(&root, &format!("usr/bin/{c}"));
        let p = root.join("usr/bin").join(c);
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    }
    touch(&root, "usr/lib/python3.11/venv/__init__.py");
    touch(&root, "usr/lib/python3.11/ensurepip/__init__.py");
    let (code, out) = check(&root);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn mpi_needs_its_header_and_both_commands() {
    let root = fake_root("mpi");
    touch(&root, "usr/bin/mpirun");
    std::fs::set_permissions(root.join("usr/bin/mpirun"), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let (_, out) = check(&root);
    assert!(out.contains("missing mpi"), "{out}");
}

#[test]
fn elsewhere_it_names_the_packages_and_exits_2() {
    let root = fake_root("fedora");
    touch(&root, "etc/os-release");
    std::fs::write(root.join("etc/os-release"), "ID=fedora\n").unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/deps.sh");
    let out = Command::new("bash").arg(script).arg("--root").arg(&*root).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("sudo dnf install") && err.contains("clang-devel") && err.contains("openmpi-devel"), "{err}");
}
