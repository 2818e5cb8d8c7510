//! Bad input, row by row (issue 15 §5): each row is a line a person might type into the
//! REPL and a fragment its error message must contain. All rows run in one line-mode
//! session per cluster; after every row a variable set at the start still holds its
//! value on the console and on every engine, and the session goes on to the next row.

use crate::util::clusters;
use crate::util::run;

/// `(input line, fragment of its message)`.
const ROWS: &[(&str, &str)] = &[
    // The console's own functions called with arguments they do not take.
    ("push(42)", "push does not take (i64); use push(#{name: value} [, targets])"),
    ("pull(1, 2, 3)", "use pull(name [, targets]) or pull([names] [, targets])"),
    ("gather(5)", "gather does not take (i64); use gather(name [, targets])"),
    ("scatter(1)", "use scatter(name, array [, targets])"),
    ("px(1)", "px does not take (i64); use px(code [, targets])"),
    ("px_async()", "use px_async(code [, targets])"),
    ("map(1)", "use map(f, items)"),
    ("lb_map(1)", "use lb_map(f, items)"),
    ("submit()", "use submit(f, args...)"),
    ("wait_all(1, 2, 3)", "use wait_all(results [, seconds])"),
    ("interrupt(1, 2)", "use interrupt([targets])"),
    ("engines(1)", "use engines()"),
    // What lives on the engines, used at the console.
    ("da::zeros([3])", "module da lives on the engines: use it inside px("),
    ("rank()", "rank runs on the engines, not the console"),
    ("barrier()", "barrier runs on the engines"),
    ("allreduce(1)", "allreduce runs on the engines"),
    ("dd::new(\"w\")", "dd::new runs on the engines, all at once"),
    // Targets, names and data movement.
    ("push(#{a: 1}, [99])", "targets: engine 99 does not exist"),
    ("px(\"1\", [0, 0])", "targets: engine 0 is named twice"),
    ("pull(\"nope\")", "pull: 'nope' is not defined on this engine"),
    ("gather(\"nope\")", "gather: 'nope' is not defined on this engine"),
    ("map(|x| x / 0, [1])", "[item 0 on engine 0] ArithmeticError: Division by zero"),
    // Arrays: dtypes, distributions, shapes, sizes beyond memory, axes.
    ("nd::zeros([2], \"f16\")", "unknown dtype 'f16': use one of"),
    ("px(\"let q = da::zeros([4], #{dist: [\\\"q\\\"]})\")", "unknown distribution 'q' for axis 0"),
    (
        "px(\"let q = nd::zeros([3]).reshape([2, 2])\")",
        "cannot reshape an array of size 3 (shape [3]) into shape [2, 2]",
    ),
    ("px(\"let q = nd::zeros([100000000000])\")", "not enough memory: this needs"),
    ("nd::arange(5).sort(7)", "axis 7 is out of range"),
    ("nd::linalg::inv(nd::zeros([2, 3]))", "the matrix must be square, not of shape [2, 3]"),
    ("px(\"let m = da::matmul(da::zeros([3, 4]), da::zeros([3, 4]))\")", "do not fit"),
    // Files, plots, collectives, Rhai's own limits.
    ("nd::load(\"/nonexistent/a.npy\")", "/nonexistent/a.npy"),
    ("dd::load(\"/nonexistent/d.jsonl\")", "cannot open /nonexistent/d.jsonl: No such file or directory"),
    ("dd::load(\"x.jsonl\", 5)", "dd::load takes a name or a map like #{name: \"words\", mode: \"spmd\"}"),
    ("hist([])", "histogram data is empty"),
    ("plot([1, 2], [1])", "x has 2 values but y has 1"),
    ("px(\"bcast(1, 99)\")", "bcast: engine 99 does not exist"),
    ("px(\"fn deeper(n) { deeper(n + 1) } deeper(0)\")", "LimitError: Stack overflow"),
    ("[1, 2][5]", "Array index 5 out of bounds"),
    ("let broken = ;", "syntax error"),
    // Rhai's "not found", made to name what exists (console and engines alike).
    ("nd::zeors([3])", "Function not found: nd::zeors (array); did you mean nd::zeros?"),
    ("nd::arange(3).summ()", "did you mean sum?"),
    ("px(\"nd::arange(3).summ()\")", "FunctionNotFound: Function not found: summ (NdArray); did you mean sum?"),
    ("nd::save_npz(\"/tmp/x.npz\", 5)", "nd::save_npz does not take (string, i64); it takes (string, map)"),
    ("[1].push()", "the forms that exist: (array, any)"),
    ("push(42)", "push does not take (i64); use push(#{name: value} [, targets])"),
    ("let v = [1]; v.frobnicate()", "Function not found: frobnicate (array): no function of that name exists here"),
    ("nd::zeros([2]) + [1, 2]", "+ does not take (NdArray, array); with an NdArray it takes (NdArray, NdArray) or"),
    ("px(\"da::zeros([2]) * [1, 2]\")", "a Rhai array becomes an NdArray with nd::array([...])"),
    ("px(\"let q = da::random([3, 2]); da::matmul(q, q.T).shape[7]\")", "out of bounds"),
    (
        "px(\"let w = dd::new(\\\"bw1\\\"); w.get(1, 2, 3)\")",
        "get does not take (DistDict, i64, i64, i64); it takes (DistDict, any, any)",
    ),
    // DistArrays on the engines: indices, shapes, distributions, collectives.
    ("px(\"let q = da::arange(4); q[10]\")", "index [10] is out of bounds for shape [4]"),
    ("px(\"let q = da::zeros([2, 2]); q[1]\")", "index [1] has 1 entry but shape [2, 2] has 2 axes"),
    ("px(\"let q = da::zeros([4], #{grid: [3, 3]})\")", "grid [3, 3] has 2 entries but the array has 1 axis"),
    ("px(\"let q = da::zeros([4, 4], #{dist: [\\\"b\\\"]})\")", "dist [\"b\"] has 1 entry but the array has 2 axes"),
    ("px(\"let q = da::zeros([4]) + da::zeros([5])\")", "+: shapes [4] and [5] do not match"),
    ("px(\"let q = da::zeros([4]).sum(3)\")", "axis 3 is out of range for an array with 1 axes"),
    ("px(\"let q = da::zeros([2, 2]).transpose([0, 0])\")", "transpose: axes [0, 0]: axis 0 is repeated"),
    ("px(\"let q = da::fft2(da::zeros([4]))\")", "da::fft2 transforms the last two axes; this array has 1"),
    ("px(\"da::linalg::cg(da::zeros([3, 3]), da::zeros([4]))\")", "b must have shape [3]"),
    ("px(\"recv(99)\")", "recv: engine 99 does not exist"),
    ("px(\"send(1, 99)\")", "send: engine 99 does not exist"),
    ("px(\"allreduce(1, \\\"nope\\\")\")", "allreduce: unknown op 'nope'; use one of"),
    // DistDicts.
    ("px(\"dd::open(\\\"nope\\\")\")", "dd::open: there is no dict named 'nope'"),
    // NdArrays: shapes, indices, linear algebra.
    ("nd::arange(5).reshape([-1, -1])", "reshape: can only infer one axis"),
    ("nd::zeros([2, 2]) + nd::zeros([3])", "+: shapes [2, 2] and [3] do not match"),
    ("nd::arange(5)[9]", "index [9] is out of bounds for shape [5]"),
    ("nd::arange(5).take([7])", "index 7 is out of bounds for an array of size 5"),
    ("nd::concatenate([nd::zeros([2]), nd::zeros([2, 2])])", "array 0 has shape [2] and array 1 has shape [2, 2]"),
    ("nd::linalg::solve(nd::eye(2), nd::zeros([3]))", "shapes [2, 2] and [3] do not fit"),
    ("nd::linalg::cholesky(nd::zeros([2, 2]) - nd::eye(2))", "LinAlgError: matrix is not positive definite"),
    (
        "nd::matmul(nd::zeros([2, 3]), nd::zeros([2, 3]))",
        "nd::matmul: LinAlgError: shapes [2, 3] and [2, 3] do not fit",
    ),
    // Files.
    ("nd::load_npz(\"/nonexistent/z.npz\")", "cannot open /nonexistent/z.npz"),
    ("nd::save(\"/nonexistent/dir/a.npy\", nd::zeros([2]))", "cannot create /nonexistent/dir/a.npy"),
    ("nd::load(\"/etc/hostname\")", "/etc/hostname: not a .npy file"),
    ("nd::fromfile(\"/etc/hostname\", \"q8\", [1])", "unknown dtype 'q8'"),
    ("px(\"let z = da::load(\\\"/nonexistent/a.npy\\\")\")", "cannot open /nonexistent/a.npy"),
    // Plots, tasks, magics.
    ("imshow(nd::zeros([2]))", "imshow takes a 2-D array"),
    ("plot([1, 2], [1, 2], #{colour: \"x\"})", "plot: unknown option 'colour'; the options are"),
    ("plot([1, 2], [1, 2], 5)", "plot: options must be a map"),
    ("wait_all([1, 2])", "wait_all: item 0 is not an AsyncResult (it is i64)"),
    ("scatter(\"z\", 5)", "scatter needs an array to split, not a value of type i64"),
    ("%nosuchmagic", "unknown magic %nosuchmagic; %help lists them"),
    ("%targets 99", "targets: engine 99 does not exist"),
    ("%run /nonexistent.rhai", "%run: cannot read '/nonexistent.rhai'"),
    // Text files and the models of parallelism.
    ("nd::loadtxt(\"/nonexistent/t.csv\")", "cannot open /nonexistent/t.csv"),
    ("nd::savetxt(\"/tmp/q.txt\", nd::zeros([2]), #{fmt: 5})", "nd::savetxt: fmt must be a string, not i64"),
    ("px(\"let t = da::loadtxt(\\\"/nonexistent/t.csv\\\")\")", "cannot open /nonexistent/t.csv"),
    ("mr::run(1, 2, 3)", "mr::run: the mapper: expected a function"),
    ("mr::run(|x| 5, |k, v| v, [1])", "the mapper must return an array of [key, value]"),
    ("bsp::run(|s| s, 0)", "bsp::run: the step function (the closure) takes 1 parameter, but it is called as"),
    ("px(\"bsp::send(99, 1)\")", "bsp::send: engine 99 does not exist"),
];

#[test]
fn every_row_names_what_was_wrong_and_nothing_is_lost() {
    for on in clusters() {
        let mut input = String::from("let keep = 41;\npx(\"let kept = rank() + 100\");\n");
        for (i, (line, _)) in ROWS.iter().enumerate() {
            input += &format!("print(\"ROW {i}\");\n{line}\n");
            input += "if keep != 41 { print(\"LOST keep\") }\npx(\"if kept != rank() + 100 { throw `LOST kept` }\");\n";
        }
        input += "print(\"END\");\nprint(px(\"kept\"));\n";
        let r = run(on, &["-i"], Some(&input));
        let out = format!("{}{}", r.stdout, r.stderr);
        assert!(!out.contains("LOST"), "a variable was lost on {on:?}:\n{out}");
        for (i, (line, fragment)) in ROWS.iter().enumerate() {
            let start =
                out.find(&format!("ROW {i}\n")).unwrap_or_else(|| panic!("row {i} never ran on {on:?}:\n{out}"));
            let end = out.find(&format!("ROW {}\n", i + 1)).or_else(|| out.find("END\n")).expect("the next row");
            let part = &out[start..end];
            assert!(part.contains(fragment), "{line} on {on:?}: expected '{fragment}' in\n{part}");
        }
        let kept: Vec<String> = (0..on.engines()).map(|e| (e + 100).to_string()).collect();
        assert!(out.contains(&format!("[{}]", kept.join(", "))), "engines' variables on {on:?}:\n{out}");
    }
}

#[test]
fn scripts_with_bytes_that_are_not_text_are_refused_by_line_and_column() {
    let on = clusters()[0];
    let dir = crate::util::tempdir();
    let bad_utf8 = dir.join("bad_utf8.rhai");
    std::fs::write(&bad_utf8, b"let a = 1;\nprint(\"caf\xe9\");\n").unwrap();
    let nul = dir.join("nul.rhai");
    std::fs::write(&nul, "let é = 1;\u{0}\nprint(é);\n").unwrap();
    for (path, fragment) in [
        (&bad_utf8, "bad_utf8.rhai line 2, column 11: the byte 0xe9 is not valid UTF-8"),
        (&nul, "nul.rhai line 1, column 11: a NUL byte"),
    ] {
        let path = path.to_str().unwrap();
        let r = run(on, &[path], None);
        assert_ne!(r.code, 0, "{path} ran");
        assert!(r.stderr.contains(fragment), "{path}: expected '{fragment}' in\n{}", r.stderr);
        // The same file through %run and %pxrun: refused, and the session goes on.
        let input = format!("let keep = 5;\n%run {path}\n%pxrun {path}\nprint(`keep ${{keep}}`);\n");
        let r = run(on, &["-i"], Some(&input));
        let out = format!("{}{}", r.stdout, r.stderr);
        assert!(out.contains(&format!("%run: {path}")) && out.contains(&format!("%pxrun: {path}")), "{out}");
        assert!(out.contains(fragment) && out.contains("keep 5"), "{out}");
    }
}
