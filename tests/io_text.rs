//! Numeric text files (issue 16): `nd::loadtxt`, `nd::savetxt`, `da::loadtxt` driven
//! from console scripts. NumPy's own files (`tests/fixtures/text`, written by
//! `tests/fixtures/gen_text.py`) load to what `np.loadtxt` read from them; `savetxt`
//! writes NumPy's bytes for every `fmt` kind; round trips through `da::loadtxt` are exact
//! on clusters with more engines than rows, lines longer than an engine's byte range,
//! CRLF line ends and no newline at the end; every bad input is an error naming the
//! file, the line in the file and the column, the same on every engine, and the session
//! goes on.

use crate::io::leaves_no_temporaries;
use crate::io::run_in;
use crate::util::{clusters, tempdir, On};
use std::path::{Path, PathBuf};

/// The NumPy text fixtures.
fn text_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/text")
}

/// Runs `code` (with `TXT` set to the text fixtures) on `on` in `dir`; expects "ok".
fn passes_in(on: On, dir: &Path, code: &str) {
    let code = format!("const TXT = \"{}\";\n{code}", text_fixtures().display());
    let r = run_in(on, dir, &code).ok();
    assert!(r.stdout.contains("ok"), "{on:?}:\n{}\n{}", r.stdout, r.stderr);
}

/// Rhai: `x` is NumPy's `y` (shape, dtype, every value).
const SAME: &str = r#"
    fn same(x, y, what) {
        if x.shape != y.shape { throw `${what}: shape ${x.shape}, NumPy's ${y.shape}` }
        if x.dtype != "f64" { throw `${what}: dtype ${x.dtype}` }
        if x.shape.len() > 0 && (x != y).any() { throw `${what}: ${x} is not NumPy's ${y}` }
        if x.shape.len() == 0 && x.sum() != y.sum() { throw `${what}: ${x} is not NumPy's ${y}` }
    }
"#;

#[test]
fn numpy_text_files_load_and_save_as_numpy_does() {
    let code = format!(
        r##"{SAME}
        let cases = [
            ["header.csv", `#{{delimiter: ",", skiprows: 1}}`, "header"],
            ["header.csv", `#{{delimiter: ",", skiprows: 1, usecols: [2, 0]}}`, "header_cols"],
            ["header.csv", `#{{delimiter: ",", skiprows: 1, usecols: -1}}`, "header_last"],
            ["tabs.tsv", `#{{delimiter: "\t"}}`, "tabs"],
            ["spaces.txt", `#{{comments: "%"}}`, "spaces"],
            ["column.txt", `#{{}}`, "column"],
        ];
        for c in cases {{
            let want = nd::load(`${{TXT}}/${{c[2]}}.npy`);
            same(nd::loadtxt(`${{TXT}}/${{c[0]}}`, eval(c[1])), want, `nd::loadtxt ${{c[0]}} ${{c[1]}}`);
            px(`let a = da::loadtxt("${{TXT}}/${{c[0]}}", ${{c[1]}});`);
            same(gather("a"), want, `da::loadtxt ${{c[0]}} ${{c[1]}}`);
        }}
        same(nd::loadtxt(`${{TXT}}/column.txt`, #{{ndmin: 2}}), nd::load(`${{TXT}}/column.npy`).reshape([5, 1]), "ndmin 2");
        same(nd::loadtxt(`${{TXT}}/column.txt`, #{{max_rows: 2}}), nd::load(`${{TXT}}/column.npy`).slice([[0, 2]]), "max_rows");
        let src = nd::load(`${{TXT}}/src.npy`);
        nd::savetxt("save_default.txt", src);
        nd::savetxt("save_e.txt", src, #{{fmt: "%.6e", delimiter: ","}});
        nd::savetxt("save_f.txt", src, #{{fmt: "%10.3f", header: "x y z\nunits: m", footer: "end\nof data"}});
        nd::savetxt("save_d.txt", src, #{{fmt: "%d"}});
        nd::savetxt("save_cols.txt", src, #{{fmt: ["%d", "%.2f", "%g"], delimiter: ";"}});
        nd::savetxt("save_row.txt", src, #{{fmt: "%+.3e | %-8g| %05.1f"}});
        nd::savetxt("save_1d.txt", src.slice([[0, 1], [0, 3]]).ravel(), #{{fmt: "%g"}});
        // On an engine too.
        px(`if rank() == 0 {{ nd::savetxt("engine_e.txt", nd::load("${{TXT}}/src.npy"), #{{fmt: "%.6e", delimiter: ","}}) }}`);
        // NumPy's default format round-trips f64 exactly.
        same(nd::loadtxt("save_default.txt"), src, "default fmt");
        print("ok");
    "##
    );
    for on in clusters() {
        let dir = tempdir();
        passes_in(on, &dir, &code);
        for name in ["save_default", "save_e", "save_f", "save_d", "save_cols", "save_row", "save_1d"] {
            let ours = std::fs::read_to_string(dir.join(format!("{name}.txt"))).unwrap();
            let numpy = std::fs::read_to_string(text_fixtures().join(format!("{name}.txt"))).unwrap();
            assert_eq!(ours, numpy, "{on:?}: {name}.txt differs from NumPy's");
        }
        let numpy = std::fs::read(text_fixtures().join("save_e.txt")).unwrap();
        assert_eq!(std::fs::read(dir.join("engine_e.txt")).unwrap(), numpy, "{on:?}: engine_e.txt");
        leaves_no_temporaries(&dir);
    }
}

#[test]
fn text_round_trips_through_every_cluster_are_exact() {
    let code = format!(
        r##"{SAME}
        let engines = px("1").len();
        // [saved shape, NumPy's loaded shape]: more engines than rows, one row, one
        // column, a 1-d array, and rows of 75 kB (longer than an engine's byte range).
        let shapes = [[[5, 3], [5, 3]], [[1, 4], [4]], [[6, 1], [6]], [[2000, 4], [2000, 4]], [[13], [13]],
                      [[10, 3000], [10, 3000]], [[2, 2], [2, 2]]];
        for s in shapes {{
            let x = (nd::random(s[0], #{{seed: 5}}) * 1000.0 - 500.0).reshape(s[1]);
            for v in [["r.txt", `#{{}}`, `#{{}}`], ["r.csv", `#{{delimiter: ",", newline: "\r\n"}}`, `#{{delimiter: ","}}`],
                      ["h.csv", `#{{delimiter: ",", header: "a\nb\nc", footer: "done"}}`, `#{{delimiter: ",", skiprows: 2}}`]] {{
                nd::savetxt(v[0], x, eval(v[1]));
                let what = `${{s[0]}} as ${{v[0]}}`;
                same(nd::loadtxt(v[0], eval(v[2])), x, `nd ${{what}}`);
                let r = px(`let a = da::loadtxt("${{v[0]}}", ${{v[2]}}); [a.local().shape[0], a.shape]`);
                same(gather("a"), x, `da ${{what}}`);
                let rows = r.map(|q| q[0]);
                let total = 0;
                for q in rows {{ total += q; }}
                rows.sort();
                if rows[-1] - rows[0] > 1 || total != x.shape[0] {{ throw `${{what}}: rows per engine ${{rows}}` }}
            }}
            if s[1].len() == 2 {{
                nd::savetxt("u.csv", x, #{{delimiter: ";", fmt: "%.17g"}});
                let o = `#{{delimiter: ";", usecols: [-1, 0]}}`;
                let want = nd::loadtxt("u.csv", eval(o));
                if want.shape != [s[1][0], 2] && !(s[1][0] == 1 && want.shape == [2]) {{ throw `usecols ${{want.shape}}` }}
                px(`let u = da::loadtxt("u.csv", ${{o}});`);
                same(gather("u"), want, `usecols ${{s[0]}}`);
            }}
        }}
        // A single value needs #{{ndmin: 1}} to be distributed.
        nd::savetxt("one.txt", nd::ones([1]));
        px(`let o = da::loadtxt("one.txt", #{{ndmin: 1}});`);
        same(gather("o"), nd::ones([1]), "one value");
        print("ok");
    "##
    );
    for on in clusters() {
        let dir = tempdir();
        passes_in(on, &dir, &code);
    }
}

/// A file of `n` lines of `a,b,c` after `head`, with line `at` (1-based in the file)
/// replaced by `bad`.
fn lines_with(head: &str, n: usize, at: usize, bad: &str) -> String {
    let mut s = head.to_string();
    let first = head.lines().count() + 1;
    for i in first..first + n {
        if i == at {
            s.push_str(bad);
        } else {
            s.push_str(&format!("{i},{}.5,-{i}", i * 2));
        }
        s.push('\n');
    }
    s
}

#[test]
fn bad_text_input_names_file_line_and_column_on_every_engine() {
    let code = r##"
        let keep = 41;
        fn caught(f) { let r = "no error"; try { f.call(); } catch (e) { r = `${e}`; } r }
        let both = [
            [`loadtxt("nope.txt")`, "cannot open nope.txt: No such file or directory"],
            [`loadtxt("empty.txt")`, "empty.txt: the file is empty: no rows to read"],
            [`loadtxt("comments.txt")`, "comments.txt: holds no data rows (only comments, blank or skipped lines)"],
            [`loadtxt("fields.csv", #{delimiter: ","})`, "fields.csv, line 241: 2 fields where the rows before have 3"],
            [`loadtxt("number.csv", #{delimiter: ",", skiprows: 2})`,
             "number.csv, line 290, column 2: could not convert 'abc' to float"],
            [`loadtxt("half.csv", #{delimiter: ","})`, "half.csv, line 151: 2 fields where the rows before have 3"],
            [`loadtxt("number.csv", #{delimiter: ",", skiprows: 2, usecols: [0, 5]})`,
             "number.csv, line 3: usecols asks for column 5, and this row has 3 fields"],
            [`loadtxt("spaces.txt")`, "spaces.txt, line 3, column 3: could not convert '3;' to float"],
            [`loadtxt("number.csv", #{delimiter: ",,"})`, "delimiter must be one character like \",\" or \"\\t\", not \",,\""],
            [`loadtxt("number.csv", #{skiprows: -1})`, "skiprows must be an integer >= 0, not -1"],
            [`loadtxt("number.csv", #{usecols: []})`, "usecols is empty"],
            [`loadtxt("number.csv", #{usecols: ["a"]})`, "usecols must be an array of integers"],
            [`loadtxt("number.csv", #{ndmin: 3})`, "ndmin must be 0, 1 or 2, not 3"],
            [`loadtxt("number.csv", #{comments: 1})`, "comments must be a string, not i64"],
            [`loadtxt("number.csv", #{sep: ","})`, "unknown option 'sep': use delimiter, skiprows, usecols, comments, ndmin"],
            [`loadtxt("number.csv", ",")`, "options must be a map like #{delimiter: \",\", skiprows: 1}, not string"],
        ];
        for c in both {
            let e = caught(|| eval("nd::" + c[0]));
            if !e.contains(c[1]) { throw `console nd::${c[0]}: ${e}` }
            let e = caught(|| px("da::" + c[0]));
            if !e.contains(c[1]) { throw `engines da::${c[0]}: ${e}` }
            // Every engine failed, with the same message (one line for all of them).
            let n = px("1").len();
            let all = if n == 1 { ["[0] RuntimeError"] } else { [`${n} of ${n} engines failed in px`, `[0-${n - 1}] RuntimeError`] };
            if !all.all(|s| e.contains(s)) { throw `not on every engine alike: ${e}` }
        }
        let console = [
            [`nd::loadtxt("one.txt", #{max_rows: -2})`, "max_rows must be an integer >= 0"],
            [`nd::savetxt("x.txt", nd::zeros([2, 3]), #{fmt: "%s"})`,
             "fmt '%s': '%s' is not a conversion pshell writes (use %e, %f, %g or %d, as in \"%.6e\")"],
            [`nd::savetxt("x.txt", nd::zeros([2, 3]), #{fmt: "%d %d"})`, "x.txt: fmt has 2 conversions for 3 columns"],
            [`nd::savetxt("x.txt", nd::zeros([2, 3]), #{fmt: ["%d", "%d"]})`, "x.txt: fmt is a list of 2 formats for 3 columns"],
            [`nd::savetxt("x.txt", nd::zeros([2, 3]), #{fmt: []})`, "fmt is empty"],
            [`nd::savetxt("x.txt", nd::zeros([2, 3]), #{fmt: "%d"} + #{header: 3})`, "header must be a string, not i64"],
            [`nd::savetxt("x.txt", nd::zeros([2, 2, 2]))`, "x.txt: savetxt writes 1-d or 2-d arrays, and this one is 3-d"],
            [`nd::savetxt("x.txt", nd::ones([2]) / 0.0 - nd::ones([2]) / 0.0, #{fmt: "%d"})`, "cannot write NaN with %d: it is not an integer"],
            [`nd::savetxt("x.txt", nd::zeros([2]), #{order: "C"})`, "unknown option 'order': use fmt, delimiter, newline, header, footer, comments"],
            [`nd::savetxt("/sys/x.txt", nd::zeros([2]))`, "cannot create /sys/x.txt: Permission denied"],
        ];
        for c in console {
            let e = caught(|| eval(c[0]));
            if !e.contains(c[1]) { throw `console ${c[0]}: ${e}` }
        }
        let e = caught(|| px(`da::loadtxt("one.txt")`));
        if !e.contains("one.txt: holds a single value, which is not distributed: read it with nd::loadtxt, or give #{ndmin: 1}") { throw e }
        px("let v = 5;");
        if px("v")[0] != 5 || keep != 41 { throw "variables lost" }
        print("ok");
    "##;
    for on in clusters() {
        let dir = tempdir();
        let w = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
        w("empty.txt", "");
        w("comments.txt", "# only\n\n   # comments\n");
        w("one.txt", "2.5\n");
        w("fields.csv", &lines_with("", 300, 241, "1,2"));
        w("number.csv", &lines_with("skipped\nskipped too\n", 300, 290, "7,abc,8"));
        let mut half = lines_with("", 150, 0, "");
        half.push_str(&"1,2\n".repeat(150));
        w("half.csv", &half);
        w("spaces.txt", "1 2 3\n4 5 6\n7 8 3;\n");
        passes_in(on, &dir, code);
        assert!(!dir.join("x.txt").exists(), "{on:?}: a failed savetxt left x.txt");
        leaves_no_temporaries(&dir);
    }
}
