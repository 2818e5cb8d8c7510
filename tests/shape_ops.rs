//! Shape operations and scans as a user meets them beyond the NumPy table: constructor
//! parity between `nd::` and `da::`, a DistArray reshape that keeps the element order
//! from any layout, scans that give the same integers on every engine count, and a
//! session that goes on after refused input.

use crate::util::{clusters, script};

#[test]
fn nd_constructors_give_what_da_gives() {
    let code = r#"
        px(`let r = da::random([7, 5], #{seed: 7, dist: ["c", "b"]});
            let n = da::normal([11], #{seed: 3, mean: 2.0, std: 0.5, dist: ["bc:2"]});
            let k = da::randint(-4, 9, [6, 2], #{seed: 5});
            let arr = da::array([[1, 2, 3], [4, 5, 6]], #{dist: ["c", "n"], dtype: "f32"});`);
        let checks = [
            gather("r") == nd::random([7, 5], #{seed: 7}),
            gather("n") == nd::normal([11], #{seed: 3, mean: 2.0, std: 0.5}),
            gather("k") == nd::randint(-4, 9, [6, 2], #{seed: 5}),
            gather("arr") == nd::array([[1, 2, 3], [4, 5, 6]], "f32"),
        ];
        for (c, i) in checks { if !c.all() { throw `constructor ${i} differs` } }
        if gather("arr").dtype != "f32" { throw "da::array lost the dtype" }
        let a = nd::random([3], #{seed: 1}); let b = nd::random([3], #{seed: 1});
        if !(a == b).all() || (a == nd::random([3], #{seed: 2})).all() { throw "seeds" }
        print("ok");
    "#;
    for on in clusters() {
        let r = script(on, code).ok();
        assert!(r.stdout.contains("ok"), "{on:?}:\n{}", r.stdout);
    }
}

#[test]
fn reshape_keeps_order_and_scans_are_exact_for_integers() {
    let code = r#"
        let want = nd::arange(60).reshape([4, 15]);
        for d in [["b", "n", "n"], ["c", "bc:2", "n"], ["n", "n", "c"]] {
            px(`let a = da::arange(60).reshape([3, 4, 5]).redistribute(${d});
                let b = a.reshape([4, -1]); let f = a.ravel(); let s = a.cumsum(1); let t = a.cumsum();`);
            if !(gather("b") == want).all() || gather("b").shape != [4, 15] { throw `reshape from ${d}` }
            if !(gather("f") == nd::arange(60)).all() { throw `ravel from ${d}` }
            if !(gather("s") == nd::arange(60).reshape([3, 4, 5]).cumsum(1)).all() { throw `cumsum(1) from ${d}` }
            if !(gather("t") == nd::arange(60).cumsum()).all() { throw `cumsum() from ${d}` }
        }
        // A reshape within the row layout moves nothing between engines: shards stay put.
        let before = px("let m = da::arange(240).reshape([12, 20]); m.local_shape");
        let after = px("let m2 = m.reshape([12, 4, 5]); m2.local_shape");
        for (s, i) in before { if after[i][0] != s[0] { throw `rows moved: ${before} ${after}` } }
        print("ok");
    "#;
    for on in clusters() {
        let r = script(on, code).ok();
        assert!(r.stdout.contains("ok"), "{on:?}:\n{}", r.stdout);
    }
}

#[test]
fn refused_shape_operations_keep_the_session() {
    let code = r#"
        let x = nd::arange(6);
        try { x.reshape([4, 2]) } catch (e) { print(e) }
        print(x.shape);
        let m = px(`let a = da::arange(6); let msg = ""; try { a.reshape([4, 2]); } catch (e) { msg = e.to_string() } msg`);
        print(m[0]);
        try { px("a.flip(3)") } catch (e) { print(e) }
        print(px("a.shape")[0]);
    "#;
    let r = script(clusters()[0], code).ok();
    for want in [
        "reshape: cannot reshape an array of size 6 (shape [6]) into shape [4, 2]",
        "axis 3 is out of range for an array with 1 axes",
        "[6]",
    ] {
        assert!(r.stdout.contains(want), "missing {want:?} in\n{}", r.stdout);
    }
}
