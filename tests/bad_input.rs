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
    ("hist([])", "histogram data is empty"),
    ("plot([1, 2], [1])", "x has 2 values but y has 1"),
    ("px(\"bcast(1, 99)\")", "bcast: engine 99 does not exist"),
    ("px(\"fn deeper(n) { deeper(n + 1) } deeper(0)\")", "LimitError: Stack overflow"),
    ("[1, 2][5]", "Array index 5 out of bounds"),
    ("let broken = ;", "syntax error"),
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
