//! Every examples/*.rhai runs and checks itself, on every cluster. An example whose
//! first line is `// pshell --spmd` runs on every engine at once.

use crate::util::{clusters, run_with, tempdir, Setting};
use std::path::Path;

#[test]
fn every_example_runs_and_checks_itself() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut examples: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "rhai"))
        .collect();
    examples.sort();
    assert!(examples.len() >= 2, "examples are missing");
    for path in examples {
        let first = std::fs::read_to_string(&path).expect("read example").lines().next().unwrap_or("").to_string();
        let spmd = first.trim() == "// pshell --spmd";
        for on in clusters() {
            let mut args = vec![];
            if spmd {
                args.push("--spmd");
            }
            args.push(path.to_str().expect("utf-8 path"));
            // In a fresh working directory: examples may write files (plots/).
            let dir = tempdir();
            let r = run_with(on, &args, None, &Setting { dir: Some(dir.clone()), env: vec![] });
            let _ = std::fs::remove_dir_all(&dir);
            assert_eq!(r.code, 0, "{} on {on:?} failed:\n{}\n{}", path.display(), r.stdout, r.stderr);
        }
    }
}
