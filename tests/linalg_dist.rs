//! Distributed linear algebra (`da::matmul`, `A.dot(x)`, `da::eye`,
//! `da::linalg::{tsqr lstsq cg norm}`) driven from the console with `px`, on 1, 3 and 4
//! engine threads (or the MPI clusters), operands in several distributions and sizes
//! that the engine counts do not divide; every result is compared with the local
//! `nd` answer for the gathered operands (itself checked against NumPy in `linalg`).

use crate::util::{clusters, mpi, script, On};

fn engine_counts() -> Vec<On> {
    if mpi() {
        clusters()
    } else {
        vec![On::Threads(1), On::Threads(3), On::Threads(4)]
    }
}

fn passes(code: &str, marker: &str) {
    for on in engine_counts() {
        let r = script(on, code).ok();
        assert!(r.stdout.contains(marker), "{on:?}:\n{}\n{}", r.stdout, r.stderr);
    }
}

const REL: &str = r#"
    fn rel(got, want) {
        let w = (want.abs() ** 2.0).sum().sqrt();
        let d = ((got - want).abs() ** 2.0).sum().sqrt();
        if w == 0.0 { d } else { d / w }
    }
"#;

#[test]
fn matmul_and_matvec_match_the_local_product_in_every_layout() {
    let code = format!(
        r#"{REL}
        let dists = [["b", "n"], ["c", "b"], ["bc:3", "c"], ["n", "b"], ["b", "b"]];
        let cases = 0;
        for da in dists {{ for db in [dists[0], dists[2], dists[4]] {{
            px(`let a = da::random([37, 29], #{{dist: ${{da}}, seed: 1}});
                let b = da::random([29, 23], #{{dist: ${{db}}, seed: 2}});
                let x = da::random([29], #{{dist: ["c"], seed: 3}});
                let c = da::matmul(a, b);
                let d = a.dot(b);
                let y = a.dot(x);
                if c.dist != ["b", "b"] {{ throw "result layout " + c.dist; }}`);
            let want = nd::matmul(gather("a"), gather("b"));
            let e = [rel(gather("c"), want), rel(gather("d"), want), rel(gather("y"), nd::matmul(gather("a"), gather("x")))];
            for v in e {{ if v > 1e-13 {{ throw `${{da}} x ${{db}}: relative errors ${{e}}`; }} }}
            cases += 1;
        }} }}
        // Complex, f32, ints, tiny and empty shapes, and a big enough one for several panels.
        px(`let u = da::random([9, 6], #{{seed: 4}}); let v = da::random([9, 6], #{{seed: 5}});
            let ac = u.astype("c128") + v.astype("c128") * (v.astype("c128") * 0.0 - 1.0).sqrt();
            let bc = da::random([6, 5], #{{dist: ["c", "b"], seed: 6}});
            let cc = da::matmul(ac, bc);
            let f = da::matmul(u.astype("f32"), da::random([6, 2], #{{seed: 7}}).astype("f32"));
            let i = da::matmul(da::arange(6).astype("i64"), da::ones([6]));
            let t = da::matmul(da::ones([1, 1]), da::ones([1, 1]));
            let big = da::random([300, 1100], #{{seed: 8}}); let big2 = da::random([1100, 70], #{{dist: ["c", "n"], seed: 9}});
            let bigc = da::matmul(big, big2);
            let few = da::random([5, 600], #{{seed: 10}}); let few2 = da::random([600, 3], #{{seed: 11}});
            let fewc = da::matmul(few, few2); let none = da::matmul(da::ones([3, 0]), da::ones([0, 4]));`);
        if rel(gather("cc"), nd::matmul(gather("ac"), gather("bc"))) > 1e-13 {{ throw "complex"; }}
        if px("f.dtype")[0] != "f32" {{ throw "f32 product is " + px("f.dtype")[0]; }}
        if px("i")[0] != 15.0 {{ throw "1-D · 1-D of ints: " + px("i")[0]; }}
        if gather("t").to_array() != [[1.0]] {{ throw "1x1"; }}
        if rel(gather("bigc"), nd::matmul(gather("big"), gather("big2"))) > 1e-13 {{ throw "several panels"; }}
        // More engines than columns of the result (empty shards), and an empty inner axis.
        if rel(gather("fewc"), nd::matmul(gather("few"), gather("few2"))) > 1e-13 {{ throw "5 x 600 x 3"; }}
        if gather("none").shape != [3, 4] || gather("none").sum() != 0.0 {{ throw "empty inner axis"; }}
        print(`ok matmul, ${{cases}} layouts on ${{engines().len()}} engines`);
    "#
    );
    passes(&code, "ok matmul");
}

#[test]
fn tsqr_lstsq_cg_norm_and_eye_match_the_local_answers() {
    let code = format!(
        r#"{REL}
        for d in [["b", "n"], ["c", "n"], ["bc:5", "b"], ["n", "b"]] {{
            px(`let t = da::random([203, 7], #{{dist: ${{d}}, seed: 3}});
                let qr = da::linalg::tsqr(t); let q = qr[0]; let r = qr[1];
                let bt = da::random([203], #{{seed: 4}}); let bt2 = da::random([203, 2], #{{dist: ${{d}}, seed: 5}});
                let x1 = da::linalg::lstsq(t, bt); let x2 = da::linalg::lstsq(t, bt2);`);
            let t = gather("t");
            let q = gather("q");
            let r = pull("r")[0];
            if rel(q.dot(r), t) > 1e-13 {{ throw `${{d}}: ||QR - A|| / ||A||`; }}
            if rel(q.T.dot(q), nd::eye(7)) > 1e-13 {{ throw `${{d}}: QᵀQ`; }}
            let local = nd::linalg::qr(t);
            let sign = nd::eye(7);
            for i in 0..7 {{
                if r[[i, i]] < 0.0 {{ throw "R must have a non-negative diagonal"; }}
                if local[1][[i, i]] < 0.0 {{ sign[[i, i]] = -1.0; }}
            }}
            if rel(r, sign.dot(local[1])) > 1e-12 {{ throw `${{d}}: R differs from the local QR's`; }}
            if rel(pull("x1")[0], nd::linalg::lstsq(t, gather("bt"))[0]) > 1e-12 {{ throw `${{d}}: lstsq`; }}
            if rel(pull("x2")[0], nd::linalg::lstsq(t, gather("bt2"))[0]) > 1e-12 {{ throw `${{d}}: lstsq with 2 columns`; }}
        }}
        // A tall array with fewer rows than engines × columns, and a complex one.
        px(`let s = da::random([9, 4], #{{seed: 6}}); let sq = da::linalg::tsqr(s); let sq0 = sq[0]; let sr = sq[1];
            let u = da::random([50, 3], #{{seed: 7}}); let v = da::random([50, 3], #{{seed: 8}});
            let z = u.astype("c128") + v.astype("c128") * (v.astype("c128") * 0.0 - 1.0).sqrt();
            let zq = da::linalg::tsqr(z); let zq0 = zq[0]; let zr = zq[1];`);
        if rel(gather("sq0").dot(pull("sr")[0]), gather("s")) > 1e-13 {{ throw "9 x 4"; }}
        if rel(gather("zq0").dot(pull("zr")[0]), gather("z")) > 1e-13 {{ throw "complex tsqr"; }}
        // CG on a dense SPD matrix and on a matrix-free operator.
        px(`let n = 41; let s = da::random([n, n], #{{dist: ["c", "b"], seed: 9}});
            let M = da::matmul(s.transpose(), s) + da::eye(n, #{{dist: ["b", "c"]}}) * 10.0;
            let b = da::random([n], #{{dist: ["c"], seed: 11}});
            let sol = da::linalg::cg(M, b, #{{tol: 1e-12}}); let x = sol[0]; let its = sol[1]; let res = sol[2];
            let x0 = da::linalg::cg(M, b, #{{tol: 1e-12, x0: x, maxiter: 5}});
            let again = x0[1];
            let op = |v| v * 2.5 - da::roll(v, 1, 0) - da::roll(v, -1, 0);
            let f = da::linalg::cg(op, b, #{{tol: 1e-11}}); let fx = f[0];
            let fres = ((op.call(fx) - b).abs() ** 2.0).sum().sqrt() / (b.abs() ** 2.0).sum().sqrt();
            let few = da::linalg::cg(M, b, #{{maxiter: 2}}); let few_it = few[1]; let few_res = few[2];`);
        if rel(gather("x"), nd::linalg::solve(gather("M"), gather("b"))) > 1e-10 {{ throw "cg vs solve"; }}
        if px("res")[0] > 1e-12 || px("its")[0] > 41 {{ throw `cg: ${{px("its")[0]}} iterations, residual ${{px("res")[0]}}`; }}
        if px("again")[0] > 1 {{ throw "cg from the solution should stop at once"; }}
        if px("fres")[0] > 1e-10 {{ throw "matrix-free cg residual " + px("fres")[0]; }}
        if px("few_it")[0] != 2 || px("few_res")[0] < 1e-6 {{ throw "maxiter"; }}
        // Norms and eye.
        px(`let a = da::random([13, 11], #{{dist: ["c", "bc:2"], seed: 12}}) - 0.5; let v = da::random([17], #{{dist: ["c"], seed: 13}}) - 0.5;
            let at = a.transpose();
            let na = [da::linalg::norm(a), da::linalg::norm(a, "fro"), da::linalg::norm(a, 1), da::linalg::norm(a, -1), da::linalg::norm(a, "inf"), da::linalg::norm(a, "-inf"),
                      da::linalg::norm(a, "nuc"), da::linalg::norm(a, 2), da::linalg::norm(a, -2), da::linalg::norm(at, "nuc"), da::linalg::norm(at, 2), da::linalg::norm(at, -2.0),
                      da::linalg::norm(z, "nuc"), da::linalg::norm(z, 2), da::linalg::norm(z, -2), da::linalg::norm(da::zeros([0, 3]), 2)];
            let nv = [da::linalg::norm(v), da::linalg::norm(v, 1), da::linalg::norm(v, "inf"), da::linalg::norm(v, "-inf"), da::linalg::norm(v, 0), da::linalg::norm(v, 3)];
            let e = da::eye(5, #{{m: 7, k: -1, dist: ["c", "b"]}}); let ec = da::eye(4, #{{dtype: "c128"}});`);
        let a = gather("a");
        let v = gather("v");
        let at = a.T;
        let z = gather("z");
        let wa = [nd::linalg::norm(a), nd::linalg::norm(a, "fro"), nd::linalg::norm(a, 1), nd::linalg::norm(a, -1), nd::linalg::norm(a, "inf"), nd::linalg::norm(a, "-inf"),
                  nd::linalg::norm(a, "nuc"), nd::linalg::norm(a, 2), nd::linalg::norm(a, -2), nd::linalg::norm(at, "nuc"), nd::linalg::norm(at, 2), nd::linalg::norm(at, -2),
                  nd::linalg::norm(z, "nuc"), nd::linalg::norm(z, 2), nd::linalg::norm(z, -2), 0.0];
        let wv = [nd::linalg::norm(v), nd::linalg::norm(v, 1), nd::linalg::norm(v, "inf"), nd::linalg::norm(v, "-inf"), nd::linalg::norm(v, 0), nd::linalg::norm(v, 3)];
        let na = pull("na")[0];
        let nv = pull("nv")[0];
        for i in 0..na.len() {{
            if (na[i] - wa[i]).abs() > 1e-12 * wa[i] {{ throw `matrix norm ${{i}}: ${{na[i]}} vs ${{wa[i]}}`; }}
        }}
        for i in 0..nv.len() {{
            if (nv[i] - wv[i]).abs() > 1e-12 * wv[i] {{ throw `vector norm ${{i}}: ${{nv[i]}} vs ${{wv[i]}}`; }}
        }}
        let same = px("na");
        for x in same {{ if x != same[0] {{ throw "engines disagree on the norms"; }} }}
        if (gather("e") != nd::eye(5, #{{m: 7, k: -1}})).any() {{ throw "eye"; }}
        if (gather("ec") != nd::eye(4, "c128")).any() || gather("ec").dtype != "c128" {{ throw "complex eye"; }}
        print("ok tsqr lstsq cg norm eye");
    "#
    );
    passes(&code, "ok tsqr lstsq cg norm eye");
}

#[test]
fn distributed_bad_input_is_refused_on_every_engine() {
    let code = r#"
        let r = px(`
            fn msg(f) { let m = "no error"; try { f.call(); } catch (e) { m = "" + e; } m }
            let a = da::random([6, 4], #{seed: 1});
            let cases = [
                [|| da::matmul(a, a), "da::matmul: LinAlgError: shapes [6, 4] and [6, 4] do not fit: the first has 4 columns, the second 6 rows"],
                [|| a.dot(da::ones([5])), "shapes [6, 4] and [5] do not fit"],
                [|| da::matmul(da::ones([2, 2, 2]), a), "the first operand must be 2-D"],
                [|| da::matmul(da::ones([3]), da::ones([4])), "shapes [3] and [4] do not fit"],
                [|| da::linalg::tsqr(a.transpose()), "da::linalg::tsqr: TSQR is for tall-skinny arrays"],
                [|| da::linalg::lstsq(a, da::ones([5])), "da::linalg::lstsq: LinAlgError: shapes [6, 4] and [5] do not fit"],
                [|| da::linalg::lstsq(da::zeros([6, 2]), da::ones([6])), "a is rank deficient"],
                [|| da::linalg::cg(a, da::ones([6])), "da::linalg::cg: LinAlgError: the matrix must be square, not of shape [6, 4]"],
                [|| da::linalg::cg(da::eye(3) * -1.0, da::ones([3])), "the operator is not positive definite"],
                [|| da::linalg::cg(da::eye(3), da::ones([4])), "shapes [3, 3] and [4] do not fit"],
                [|| da::linalg::cg(da::eye(3), da::ones([3]), #{tolerance: 1}), "unknown option 'tolerance'"],
                [|| da::linalg::cg(|v| v.sum(), da::ones([3])), "the operator must return a DistArray"],
                [|| da::linalg::cg(|v| da::ones([4]), da::ones([3])), "the operator returned shape [4] for a vector of shape [3]"],
                [|| da::linalg::norm(a, 3), "da::linalg::norm: norm order 3 is not a matrix norm"],
                [|| da::linalg::norm(da::ones([5]), "nuc"), "norm order \"nuc\" is for matrices, not vectors"],
                [|| da::linalg::norm(da::ones([2, 2, 2]), 2), "a norm order needs a 1-D or 2-D array"],
                [|| da::linalg::norm(a, "bad"), "unknown norm order \"bad\""],
                [|| da::eye(-2), "da::eye: sizes must be 0 or more"],
            ];
            let bad = [];
            for c in cases { let m = msg(c[0]); if !m.contains(c[1]) { bad.push("expected \"" + c[1] + "\", got \"" + m + "\""); } }
            if a.sum() <= 0.0 { bad.push("a was lost"); }
            bad`);
        for x in r { if x.len() != 0 { throw x; } }
        print("ok, refused everywhere");
    "#;
    passes(code, "ok, refused everywhere");
}

#[test]
fn long_solves_and_products_stop_at_an_interrupt_and_keep_the_namespace() {
    let code = r#"
        // Shifted 1-D Laplacians (condition number ~4e4): CG needs many thousands of
        // iterations to reach a tolerance of 1e-300.
        px(`let kept = 7; let n = 1500; let m = da::eye(n) * 2.0001 - da::eye(n, #{k: 1}) - da::eye(n, #{k: -1});
            let b = da::ones([n]); let bf = da::ones([100000]);
            let big = da::random([1500, 1500], #{seed: 1});`);
        for snippet in [
            "da::linalg::cg(m, b, #{tol: 1e-300, maxiter: 100000000})",
            "da::linalg::cg(|v| v * 2.0001 - da::roll(v, 1, 0) - da::roll(v, -1, 0), bf, #{tol: 1e-300, maxiter: 100000000})",
            "for i in 0..1000 { da::matmul(big, big); }",
        ] {
            let r = px_async(snippet);
            sleep(0.3);
            if r.ready() { throw `${snippet} ended by itself` }
            interrupt();
            if !r.wait(30.0) { throw `${snippet} was not interrupted` }
            try { r.get(); throw "no error"; } catch (e) {
                if !e.contains("Interrupted: interrupted") { throw `${snippet}: ${e}` }
            }
        }
        if px("kept").len() != engines().len() { throw "the namespace was lost"; }
        print("ok interrupted");
    "#;
    passes(code, "ok interrupted");
}
