//! Local linear algebra (`nd::matmul`, `x.dot`, `nd::outer`, `nd::eye`, `nd::linalg::*`)
//! driven as a user drives it, on the console and on every engine (`--spmd`), on both
//! transports.
//!
//! NumPy's answers come from `tests/fixtures/gen_linalg.py`, written as a Rhai script of
//! checks (`tests/data/linalg_numpy.rhai`) that runs after the check functions of
//! `tests/linalg_prelude.rhai`. Each check compares with NumPy to a relative 1e-10
//! (Frobenius norm; ill-conditioned cases `cond · 1e-13`, products 1e-12) after fixing
//! the signs/phases that decompositions leave free, and checks residuals that need no
//! NumPy (backward error of solve, ‖QR − A‖, ‖QᴴQ − I‖, ‖UΣVᴴ − A‖, ‖AV − VΛ‖, ‖LLᴴ − A‖).

use crate::util::{clusters, script, spmd};

const PRELUDE: &str = include_str!("linalg_prelude.rhai");
const NUMPY: &str = include_str!("data/linalg_numpy.rhai");

fn numpy_script() -> String {
    format!("{PRELUDE}\n{NUMPY}\nprint(`ok, worst relative error ${{worst}}`);\n")
}

#[test]
fn numpy_answers_on_the_console() {
    let on = clusters()[0];
    let r = script(on, &numpy_script()).ok();
    assert!(r.stdout.contains("ok, worst relative error"), "{on:?}:\n{}\n{}", r.stdout, r.stderr);
}

#[test]
fn numpy_answers_on_every_engine() {
    for on in clusters().into_iter().filter(|c| c.engines() <= 3) {
        let r = spmd(on, &numpy_script()).ok();
        assert_eq!(
            r.stdout.matches("ok, worst relative error").count(),
            on.engines(),
            "{on:?}:\n{}\n{}",
            r.stdout,
            r.stderr
        );
    }
}

#[test]
fn dtypes_shapes_and_views() {
    let code = r#"
        let a = nd::array([[1.0, 2.0], [3.0, 4.0]]);
        let f = a.astype("f32");
        if nd::matmul(f, f).dtype != "f32" { throw "f32 matmul gave " + nd::matmul(f, f).dtype; }
        if nd::linalg::inv(f).dtype != "f32" { throw "f32 inv"; }
        if nd::linalg::svd(f)[1].dtype != "f32" { throw "f32 svd"; }
        let i = nd::array([[2, 0], [0, 4]]);
        if nd::matmul(i, i).dtype != "f64" || nd::linalg::solve(i, [2, 4]).to_array() != [1.0, 1.0] { throw "ints"; }
        if nd::linalg::det(i) != 8.0 { throw "det of ints " + nd::linalg::det(i); }
        let e = nd::matmul(nd::zeros([3, 0]), nd::zeros([0, 2]));
        if e.shape != [3, 2] || e.sum() != 0.0 { throw "empty inner axis"; }
        if a.T.to_array() != [[1.0, 3.0], [2.0, 4.0]] { throw "x.T"; }
        if nd::matmul([1, 2], [3, 4]) != 11.0 { throw "1-D · 1-D of script arrays"; }
        if nd::eye(2, "c128").dtype != "c128" || nd::eye(3).sum() != 3.0 { throw "eye"; }
        if nd::linalg::det(nd::zeros([0, 0])) != 1.0 { throw "det of 0x0"; }
        if nd::linalg::norm(nd::array([3.0, 4.0])) != 5.0 { throw "norm"; }
        let c = nd::linalg::eig(nd::array([[0.0, -1.0], [1.0, 0.0]]));
        if c[0].dtype != "c128" { throw "eig of a rotation must be complex"; }
        print("ok");
    "#;
    for on in clusters().into_iter().take(2) {
        let r = script(on, code).ok();
        assert!(r.stdout.contains("ok"), "{on:?}:\n{}\n{}", r.stdout, r.stderr);
        let r = spmd(on, code).ok();
        assert_eq!(r.stdout.matches("ok").count(), on.engines(), "{on:?}:\n{}\n{}", r.stdout, r.stderr);
    }
}

/// Every refusal a user can reach, with its message; the session and its variables go on.
pub const BAD_INPUT: &str = r#"
    let kept = nd::array([[2.0, 1.0], [1.0, 2.0]]);
    fn msg(f) { let m = "no error"; try { f.call(); } catch (e) { m = `${e}`; } m }
    let cases = [
        [|| nd::linalg::solve([[1.0, 2.0], [2.0, 4.0]], [1.0, 2.0]), "nd::linalg::solve: LinAlgError: singular matrix"],
        [|| nd::linalg::inv(nd::zeros([3, 3])), "nd::linalg::inv: LinAlgError: singular matrix"],
        [|| nd::linalg::cholesky([[1.0, 2.0], [2.0, 1.0]]), "nd::linalg::cholesky: LinAlgError: matrix is not positive definite"],
        [|| nd::linalg::det(nd::zeros([2, 3])), "nd::linalg::det: LinAlgError: the matrix must be square, not of shape [2, 3]"],
        [|| nd::linalg::inv(nd::zeros([2, 2, 2])), "expected a 2-D matrix, got an array of shape [2, 2, 2]"],
        [|| nd::matmul(nd::zeros([2, 3]), nd::zeros([2, 3])), "nd::matmul: LinAlgError: shapes [2, 3] and [2, 3] do not fit: the first's last axis has 3 elements, the second's second-to-last axis has 2"],
        [|| nd::matmul(nd::zeros([2, 2, 3]), nd::zeros([3, 3, 1])), "the stack axes [2] and [3] do not broadcast"],
        [|| nd::zeros([4]).dot(nd::zeros([5])), "dot: LinAlgError: shapes [4] and [5] do not fit"],
        [|| nd::linalg::solve(nd::eye(2), nd::zeros([3])), "nd::linalg::solve: LinAlgError: shapes [2, 2] and [3] do not fit"],
        [|| nd::linalg::lstsq(nd::zeros([4, 2]), nd::zeros([3])), "nd::linalg::lstsq: LinAlgError: shapes [4, 2] and [3] do not fit"],
        [|| nd::linalg::norm(nd::zeros([3]), "abc"), "unknown norm order \"abc\""],
        [|| nd::linalg::norm(nd::zeros([3]), "fro"), "norm order \"fro\" is for matrices, not vectors"],
        [|| nd::linalg::norm(nd::zeros([3, 3]), 3), "norm order 3 is not a matrix norm"],
        [|| nd::linalg::norm(nd::zeros([2, 2, 2]), 1), "expected a 1-D or 2-D array for norm order 1"],
        [|| nd::linalg::qr(nd::eye(2), "full"), "nd::linalg::qr: unknown mode 'full'"],
        [|| nd::linalg::eigh(nd::eye(2), "X"), "UPLO must be \"L\" or \"U\""],
        [|| nd::linalg::svd(nd::eye(2), #{full: true}), "nd::linalg::svd: unknown option 'full'"],
        [|| nd::matmul(2.0, nd::eye(2)), "nd::matmul: expected an NdArray or an array of numbers, not f64"],
        [|| nd::eye(-1), "nd::eye: sizes must be 0 or more"],
    ];
    for c in cases {
        let m = msg(c[0]);
        if !m.contains(c[1]) { throw `expected "${c[1]}", got "${m}"`; }
    }
    if kept.sum() != 6.0 { throw "a variable was lost"; }
    print("ok, all refused");
"#;

#[test]
fn bad_input_is_refused_with_numpy_like_messages() {
    for on in clusters().into_iter().take(2) {
        let r = script(on, BAD_INPUT).ok();
        assert!(r.stdout.contains("ok, all refused"), "{on:?}:\n{}\n{}", r.stdout, r.stderr);
        let r = spmd(on, BAD_INPUT).ok();
        assert_eq!(r.stdout.matches("ok, all refused").count(), on.engines(), "{on:?}:\n{}\n{}", r.stdout, r.stderr);
    }
}
