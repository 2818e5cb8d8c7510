//! The Jupyter kernel driven by the real `jupyter_client` (tests/jupyter/drive.py): a
//! kernelspec installed into a temporary JUPYTER_DATA_DIR, the kernel started by
//! KernelManager on threads (or under mpirun with 3 ranks when the suite runs over MPI),
//! then execute, engine output, errors, plots, completion, a badly signed message, a
//! second client, interrupt, restart and shutdown; and examples/notebook.ipynb executed by
//! nbclient (tests/jupyter/notebook.py). The Python environment is the one
//! scripts/test.sh creates (target/jupyter-venv); without it the test fails saying so.

use crate::util;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The venv's python: `$PSHELL_JUPYTER_PYTHON`, else target/jupyter-venv/bin/python.
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("PSHELL_JUPYTER_PYTHON") {
        return PathBuf::from(p);
    }
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("target dir").to_path_buf();
    let py = target.join("jupyter-venv").join("bin").join("python");
    assert!(
        py.exists(),
        "the Jupyter test environment {} is missing: scripts/test.sh creates it \
         (python3 -m venv target/jupyter-venv && target/jupyter-venv/bin/pip install jupyter_client nbclient nbformat)",
        py.display()
    );
    py
}

#[test]
fn jupyter_client_drives_the_kernel() {
    let py = python();
    let dir = util::tempdir();
    let (data, work) = (dir.join("data"), dir.join("work"));
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/jupyter/drive.py");
    let (transport, size) = if util::mpi() { ("mpi", "mpirun --oversubscribe -n 3") } else { ("threads", "3") };
    let out = util::mpi_env(&mut Command::new(py))
        .arg(&driver)
        .arg(util::binary())
        .arg(&data)
        .arg(&work)
        .args([transport, size])
        .output()
        .expect("run the Jupyter driver");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the driver failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
    for check in [
        "kernel_info",
        "execute",
        "engines",
        "errors",
        "plots",
        "completion",
        "signature",
        "second client",
        "interrupt",
        "restart",
        "shutdown",
    ] {
        assert!(stdout.contains(&format!("ok {check}\n")), "check '{check}' did not pass:\n{stdout}\n{stderr}");
    }
    assert!(stderr.contains("dropped a message on the shell socket: the signature does not match"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn kernelspecs_install_list_and_remove() {
    let dir = util::tempdir();
    let kernel = |args: &[&str]| {
        let out = Command::new(util::binary())
            .arg("kernel")
            .args(args)
            .env("JUPYTER_DATA_DIR", &dir)
            .output()
            .expect("run pshell kernel");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, _, err) = kernel(&["install", "--user", "--name", "ps4", "-n", "4"]);
    assert_eq!(code, Some(0), "{err}");
    let spec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("kernels/ps4/kernel.json")).unwrap()).unwrap();
    assert_eq!(spec["language"], "rhai");
    assert_eq!(spec["interrupt_mode"], "message");
    let argv: Vec<&str> = spec["argv"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(&argv[1..], ["kernel", "-n", "4", "-f", "{connection_file}"]);
    assert!(std::fs::read(dir.join("kernels/ps4/logo-64x64.png")).unwrap().starts_with(b"\x89PNG"));
    let (_, list, _) = kernel(&["list"]);
    assert!(list.contains("ps4"), "{list}");
    let (code, _, _) = kernel(&["remove", "ps4"]);
    assert_eq!(code, Some(0));
    assert!(!dir.join("kernels/ps4").exists());
    let (code, _, err) = kernel(&["remove", "ps4"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("no pshell kernelspec named 'ps4'"), "{err}");
    let (code, _, err) = kernel(&["-f", "/nonexistent/conn.json"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("cannot read the connection file '/nonexistent/conn.json'"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn examples_notebook_runs_under_nbclient() {
    let py = python();
    let dir = util::tempdir();
    let (data, work) = (dir.join("data"), dir.join("work"));
    std::fs::create_dir_all(&work).unwrap();
    let mut install = Command::new(util::binary());
    install.args(["kernel", "install", "--name", "pshell-nb"]).env("JUPYTER_DATA_DIR", &data);
    if util::mpi() {
        install.args(["--mpi", "mpirun --oversubscribe -n 3"]);
    } else {
        install.args(["-n", "2"]);
    }
    assert!(install.status().expect("install the kernelspec").success());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = util::mpi_env(&mut Command::new(py))
        .arg(root.join("tests/jupyter/notebook.py"))
        .arg(root.join("examples/notebook.ipynb"))
        .args(["pshell-nb", work.to_str().unwrap(), "2"])
        .env("JUPYTER_DATA_DIR", &data)
        .output()
        .expect("run nbclient");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("ok notebook"),
        "the notebook failed\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(work.join("plots/001.png").exists(), "the notebook's plot is saved");
    let _ = std::fs::remove_dir_all(&dir);
}
