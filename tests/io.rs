//! Data files driven as a user drives them (issue 16): console scripts that load
//! NumPy's own files (`tests/fixtures/io`, written by `tests/fixtures/gen_io.py`) with
//! `nd::load` and `da::load` on every distribution and compare with values computed in
//! the script; saves compared byte for byte with the files NumPy wrote; round trips
//! between layouts; and every bad input a user can reach, by its message, with the
//! session going on and no file left half-written. Each test works in its own folder.

use crate::util::{clusters, run_with, tempdir, On, Setting};
use std::path::{Path, PathBuf};

/// The NumPy fixtures.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/io")
}

/// Runs console script `code` on `on` in `dir`, with `FIX` set to the fixture folder.
pub fn run_in(on: On, dir: &Path, code: &str) -> crate::util::Run {
    let code = format!("const FIX = \"{}\";\n{code}", fixtures().display());
    std::fs::write(dir.join("script.rhai"), code).expect("write script");
    run_with(on, &["script.rhai"], None, &Setting { dir: Some(dir.to_path_buf()), env: vec![] })
}

/// Runs `code` on `on` in a fresh folder and expects "ok"; returns the folder.
pub fn passes_on(on: On, code: &str) -> PathBuf {
    let dir = tempdir();
    let r = run_in(on, &dir, code).ok();
    assert!(r.stdout.contains("ok"), "{on:?}:\n{}\n{}", r.stdout, r.stderr);
    dir
}

/// Rhai: the fixture value of `kind` at flat index `i`, and a check of a whole array.
pub const WANT: &str = r#"
    fn want(kind, i) {
        switch kind {
            "f8" => i * 0.5 - 3.0,
            "f4" => i * 0.25 - 1.0,
            "i8" => i * 1000000007 - 5,
            "i4" => i * 3 - 7,
            "b1" => i % 3 == 0,
            "c16" => [i - 2.0, 0.5 * i],
        }
    }
    fn dtype_of(kind) {
        switch kind { "f8" => "f64", "f4" => "f32", "i8" => "i64", "i4" => "i32", "b1" => "bool", "c16" => "c128" }
    }
    fn check(x, kind, shape, what) {
        if x.shape != shape { throw `${what}: shape ${x.shape}, not ${shape}` }
        if x.dtype != dtype_of(kind) { throw `${what}: dtype ${x.dtype}` }
        let n = 1;
        for s in shape { n *= s; }
        let flat = if kind == "c16" { [x.re, x.im] } else { [x] };
        for i in 0..n {
            let idx = [];
            let rest = i;
            for a in 0..shape.len() {
                let stride = 1;
                for b in (a + 1)..shape.len() { stride *= shape[b]; }
                idx.push(rest / stride);
                rest %= stride;
            }
            let w = want(kind, i);
            let got = if kind == "c16" { [flat[0][idx], flat[1][idx]] } else { flat[0][idx] };
            if got != w { throw `${what}: element ${idx} is ${got}, not ${w}` }
        }
    }
"#;

pub const KINDS: [&str; 6] = ["f8", "f4", "i8", "i4", "b1", "c16"];

#[test]
fn numpy_files_load_exactly_at_the_console() {
    let code = format!(
        r#"{WANT}
        for kind in {KINDS:?} {{
            let names = [`${{kind}}_c`, `${{kind}}_f`];
            if kind != "b1" {{ names += [`${{kind}}_c_be`, `${{kind}}_f_be`]; }}
            for name in names {{ check(nd::load(`${{FIX}}/${{name}}.npy`), kind, [5, 4], name); }}
            check(nd::load(`${{FIX}}/${{kind}}_1d.npy`), kind, [37], `${{kind}}_1d`);
        }}
        check(nd::load(`${{FIX}}/f8_c_v2.npy`), "f8", [5, 4], "v2");
        check(nd::load(`${{FIX}}/i4_f_v3.npy`), "i4", [5, 4], "v3");
        check(nd::load(`${{FIX}}/f8_3d_f_be.npy`), "f8", [3, 4, 5], "3d");
        let s = nd::load(`${{FIX}}/scalar.npy`);
        if s.shape != [] || s.sum() != 2.5 {{ throw `scalar ${{s}}` }}
        let e = nd::load(`${{FIX}}/empty.npy`);
        if e.shape != [0, 3] {{ throw `empty ${{e.shape}}` }}
        print("ok");
    "#
    );
    passes_on(On::Threads(1), &code);
}

#[test]
fn narrow_types_widen_and_say_so_once() {
    let code = r#"
        for t in ["i1", "i2", "u1", "u2", "u4", "f2", "i2_be"] {
            let x = nd::load(`${FIX}/narrow_${t}.npy`);
            let want = if t.starts_with("u") || t == "f2" { 0 } else { -10 };
            let dtype = switch t { "u4" => "i64", "f2" => "f32", _ => "i32" };
            if x.dtype != dtype || x[[0, 0]] != want || x[[4, 3]] != want + 19 { throw `${t}: ${x}` }
        }
        px(`let y = da::load("${FIX}/narrow_i2.npy", #{dist: ["c", "n"]});`);
        let y = gather("y");
        if y.dtype != "i32" || y[[4, 3]] != 9 { throw `engines: ${y}` }
        print("ok");
    "#;
    for on in clusters() {
        let dir = tempdir();
        let r = run_in(on, &dir, code).ok();
        assert!(r.stdout.contains("ok"), "{on:?}:\n{}\n{}", r.stdout, r.stderr);
        let notes: Vec<&str> =
            r.stdout.lines().filter(|l| l.contains("narrow_i2.npy holds '<i2' elements, read as i32")).collect();
        // Once at the console, once from the engines' load (by its first engine).
        assert_eq!(notes.len(), 2, "{on:?}:\n{}", r.stdout);
        assert!(r.stdout.contains("narrow_f2.npy holds '<f2' elements, read as f32"), "{}", r.stdout);
    }
}

#[test]
fn numpy_files_load_into_every_distribution() {
    let code = format!(
        r#"{WANT}
        let engines = px("1").len();
        let layouts = [[["b", "n"], ()], [["c", "n"], ()], [["bc:2", "n"], ()], [["n", "b"], ()], [["n", "c"], ()],
                       [["b", "c"], ()], [["c", "bc:3"], ()]];
        if engines >= 3 {{ layouts.push([["b", "b"], [engines, 1]]); }}
        if engines == 4 || engines == 6 {{ layouts.push([["c", "b"], [2, engines / 2]]); }}
        for kind in {KINDS:?} {{
            for name in [`${{kind}}_c`, `${{kind}}_f`] + (if kind != "b1" {{ [`${{kind}}_f_be`] }} else {{ [] }}) {{
                for l in layouts {{
                    let opts = if l[1] == () {{ `#{{dist: ${{l[0]}}}}` }} else {{ `#{{dist: ${{l[0]}}, grid: ${{l[1]}}}}` }};
                    px(`let a = da::load("${{FIX}}/${{name}}.npy", ${{opts}});`);
                    check(gather("a"), kind, [5, 4], `${{name}} as ${{opts}}`);
                }}
            }}
        }}
        for d in [["b", "c", "n"], ["c", "n", "bc:2"], ["n", "n", "c"]] {{
            px(`let a = da::load("${{FIX}}/f8_3d_f_be.npy", #{{dist: ${{d}}}});`);
            check(gather("a"), "f8", [3, 4, 5], `3d as ${{d}}`);
        }}
        px(`let a = da::load("${{FIX}}/f8_1d.npy", #{{dist: "c"}});`);
        check(gather("a"), "f8", [37], "1d cyclic");
        print("ok");
    "#
    );
    for on in clusters() {
        passes_on(on, &code);
    }
}

/// What pshell writes is what NumPy writes: the same header bytes and data.
#[test]
fn saves_are_the_bytes_numpy_writes() {
    let code = format!(
        r#"
        let kinds = {KINDS:?};
        for kind in kinds {{
            // At the console, from a Fortran-order big-endian file and from a C-order one.
            let x = nd::load(`${{FIX}}/${{kind}}_f.npy`);
            x.save(`${{kind}}_nd.npy`);
            nd::save(`${{kind}}_nd2.npy`, nd::load(`${{FIX}}/${{kind}}_c.npy`));
            // On the engines, from every layout.
            for d in [["b", "n"], ["c", "n"], ["n", "c"], ["bc:2", "b"], ["c", "c"]] {{
                px(`let a = da::load("${{FIX}}/${{kind}}_f.npy", #{{dist: ${{d}}}}); a.save("${{kind}}_${{d[0]}}${{d[1]}}.npy");`);
            }}
            px(`da::save("${{kind}}_1d_c.npy", da::load("${{FIX}}/${{kind}}_1d.npy", #{{dist: "c"}}));`);
        }}
        // A 1-d array made on the engines, saved from each layout.
        for d in ["b", "c", "bc:3"] {{
            px(`(da::arange(37, #{{dist: "${{d}}", dtype: "f64"}}) * 0.5 - 3.0).save("made_${{d}}.npy")`);
        }}
        print("ok");
    "#
    );
    for on in clusters() {
        let dir = passes_on(on, &code);
        let fix = fixtures();
        let same = |ours: &str, theirs: &str| {
            let a = std::fs::read(dir.join(ours)).unwrap_or_else(|e| panic!("{ours}: {e}"));
            let b = std::fs::read(fix.join(theirs)).expect("fixture");
            assert!(a == b, "{on:?}: {ours} differs from NumPy's {theirs} ({} vs {} bytes)", a.len(), b.len());
        };
        for kind in KINDS {
            let c = format!("{kind}_c.npy");
            same(&format!("{kind}_nd.npy"), &c);
            same(&format!("{kind}_nd2.npy"), &c);
            for d in ["bn", "cn", "nc", "bc:2b", "cc"] {
                same(&format!("{kind}_{d}.npy"), &c);
            }
            same(&format!("{kind}_1d_c.npy"), &format!("{kind}_1d.npy"));
        }
        for d in ["b", "c", "bc:3"] {
            same(&format!("made_{d}.npy"), "f8_1d.npy");
        }
        let leftovers: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "temporaries left: {leftovers:?}");
    }
}

/// Rhai: for every dtype and each pair of layouts `from[k]` → `to[k]`, the engines make
/// a 37×23 array `a` of that dtype in layout `from[k]` and run `body`, which writes it
/// and reads it back (it may use `${dtype}`, `${from[k]}`, `${to[k]}`) and returns
/// `[b.dtype, b.dist, checks...]`: the dtype and layout read, then booleans.
pub fn across_layouts(body: &str) -> String {
    const LOOP: &str = r#"
        let from = [["b", "n"], ["c", "b"], ["bc:3", "c"], ["n", "bc:4"]];
        let to = [["c", "n"], ["b", "b"], ["n", "c"], ["bc:2", "bc:5"]];
        for dtype in ["f64", "f32", "i64", "i32", "bool", "c128"] {
            for k in 0..from.len() {
                let r = px(`
                    let a = da::random([37, 23], #{dist: ${from[k]}, seed: 7});
                    let a = if "${dtype}" == "bool" { a > 0.5 } else if "${dtype}" == "c128" {
                        a.astype("c128") * (a + 1.0) } else { (a * 1000.0 - 500.0).astype("${dtype}") };
                    BODY
                `);
                for x in r {
                    if x[0] != dtype || x[1] != to[k] || !x.extract(2).all(|c| c) { throw `${dtype} ${from[k]} -> ${to[k]}: ${x}` }
                }
            }
        }
    "#;
    LOOP.replace("BODY", body)
}

#[test]
fn round_trips_between_distributions_are_exact() {
    let code = across_layouts(
        r#"a.save("t.npy");
                    let b = da::load("t.npy", #{dist: ${to[k]}});
                    [b.dtype, b.dist, (b == a).all()]"#,
    ) + r#"
        // The same file at the console.
        px(`let big = da::random([1000, 7], #{dist: ["c", "n"], seed: 3}); big.save("big.npy");`);
        if (nd::load("big.npy") != gather("big")).any() { throw "console differs" }
        print("ok");
    "#;
    for on in clusters() {
        passes_on(on, &code);
    }
}

#[test]
fn bad_files_are_clear_errors_and_the_session_goes_on() {
    let code = r#"
        let keep = 41;
        fn caught(f) { let r = "no error"; try { f.call(); } catch (e) { r = `${e}`; } r }
        let cases = [
            ["nope.npy", "cannot open nope.npy: No such file or directory"],
            ["script.rhai", "script.rhai: not a .npy file"],
            [`${FIX}/bad_u8.npy`, "dtype '<u8', which pshell does not read: convert it with .astype(np.int64)"],
            [`${FIX}/bad_c8.npy`, "dtype '<c8', which pshell does not read: convert it with .astype(np.complex128)"],
            [`${FIX}/bad_str.npy`, "dtype '<U2', which pshell does not read: strings are not numbers"],
            [`${FIX}/bad_object.npy`, "dtype '|O', which pshell does not read: object arrays"],
            [`${FIX}/bad_struct.npy`, "dtype 'structured', which pshell does not read"],
        ];
        for c in cases {
            let e = caught(|| nd::load(c[0]));
            if !e.contains(c[1]) { throw `console ${c[0]}: ${e}` }
            let e = caught(|| px(`da::load("${c[0]}")`));
            if !e.contains(c[1]) { throw `engines ${c[0]}: ${e}` }
        }
        let e = caught(|| px(`da::load("${FIX}/scalar.npy")`));
        if !e.contains("a 0-d array") { throw e }
        let e = caught(|| px(`da::load("${FIX}/f8_c.npy", #{dist: ["b"]})`));
        if !e.contains("dist") { throw e }
        let e = caught(|| px(`da::load("${FIX}/f8_c.npy", #{order: "C"})`));
        if !e.contains("unknown option 'order'") { throw e }
        let e = caught(|| nd::save("/sys/x.npy", nd::zeros([3])));
        if !e.contains("cannot create /sys/x.npy: Permission denied") { throw e }
        let e = caught(|| px(`da::zeros([10]).save("/sys/x.npy")`));
        if !e.contains("cannot create /sys/x.npy: Permission denied") { throw e }
        let e = caught(|| px(`da::zeros([10]).save("no/such/folder/x.npy")`));
        if !e.contains("cannot create no/such/folder/x.npy: No such file or directory") { throw e }
        px("let v = 5;");
        if px("v")[0] != 5 || keep != 41 { throw "variables lost" }
        // For the truncation check below.
        px(`da::zeros([1000000]).save("big.npy")`);
        print("ok");
    "#;
    for on in clusters() {
        let dir = passes_on(on, code);
        // Cut the file after 4096 bytes of data.
        let big = dir.join("big.npy");
        let f = std::fs::OpenOptions::new().write(true).open(&big).unwrap();
        f.set_len(128 + 4096).unwrap();
        let code = r#"
            let want = "big.npy is truncated: its header expects 8000000 bytes of data, found 4096";
            try { px(`da::load("big.npy")`); throw "loaded" } catch (e) {
                let n = 0;
                for l in `${e}`.split("\n") { if l.contains(want) { n += 1; } }
                if n == 0 { throw `${e}` }
                print(`engines: ${e}`);
            }
            try { nd::load("big.npy"); throw "loaded" } catch (e) { if !`${e}`.contains(want) { throw e } }
            print("ok");
        "#;
        let r = run_in(on, &dir, code).ok();
        assert!(r.stdout.contains("ok"), "{on:?}: {}", r.stdout);
        // Every engine reports the same error (a composite error names them all).
        if on.engines() > 1 {
            assert!(r.stdout.contains(&format!("[0-{}]", on.engines() - 1)), "{on:?}: {}", r.stdout);
        }
    }
}

/// A save that fails part way (a file-size limit, as on a full disk) leaves the old
/// file as it was and no temporary; the session goes on.
#[test]
fn a_failed_save_leaves_the_old_file_intact() {
    for on in clusters() {
        let dir = tempdir();
        let code = r#"
            px(`da::arange(10).save("keep.npy")`);
            nd::arange(3).save("keep_nd.npy");
            for code in [`da::zeros([1000000]).save("keep.npy")`, `da::zeros([1000, 1000], #{dist: ["c", "c"]}).save("keep.npy")`] {
                try { px(code); throw "saved" } catch (e) { if !`${e}`.contains("cannot write keep.npy: File too large") { throw e } }
            }
            try { nd::zeros([1000000]).save("keep_nd.npy"); throw "saved" } catch (e) {
                if !`${e}`.contains("cannot write keep_nd.npy: File too large") { throw e }
            }
            if (nd::load("keep.npy") != nd::arange(10)).any() || (nd::load("keep_nd.npy") != nd::arange(3)).any() { throw "changed" }
            print("ok");
        "#;
        run_limited(on, &dir, code);
    }
}

/// Runs console script `code` in `dir` on `on` with pshell's processes limited to
/// 256 KiB files (`ulimit -f 256`), as on a nearly full disk; the script must print
/// "ok", and no temporary file may be left in `dir`.
pub fn run_limited(on: On, dir: &Path, code: &str) {
    let code = format!("const FIX = \"{}\";\n{code}", fixtures().display());
    std::fs::write(dir.join("script.rhai"), code).unwrap();
    let bin = crate::util::binary();
    // The limit on pshell's processes only (mpirun's own files are not limited).
    let limited = format!("sh -c 'ulimit -f 256; exec {} \"$@\"' pshell", bin.display());
    let launch = match on {
        On::Threads(n) => format!("{limited} -n {n} script.rhai"),
        On::Mpi(n) => format!("mpirun --oversubscribe -n {} {limited} script.rhai", n + 1),
    };
    let out = crate::util::mpi_env(&mut std::process::Command::new("sh"))
        .arg("-c")
        .arg(&launch)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        // Open MPI's shared-memory transport backs its segments with files, which
        // the limit would cut: the ranks talk over TCP for this test.
        .env("OMPI_MCA_btl", "self,tcp")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stdout.contains("ok"), "{on:?}:\n{stdout}\n{stderr}");
    leaves_no_temporaries(dir);
}

/// No `*.tmp*` file of an atomic save is left in `dir`.
pub fn leaves_no_temporaries(dir: &Path) {
    let names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.contains(".tmp")), "temporaries left: {names:?}");
}
