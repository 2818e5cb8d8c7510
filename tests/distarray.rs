//! DistArray and NdArray driven as a user drives them: console scripts that create
//! arrays on the engines with `px`, compute, and check the gathered results against
//! NdArrays computed at the console, on every cluster (threads 1, 3, 7; MPI 2, 4, 8
//! ranks). Every error a user can reach is asserted by its message.

use crate::util::{clusters, mpi, run, script, On};

/// Runs `code` on every cluster and expects it to succeed and print "ok".
fn passes(code: &str) {
    for on in clusters() {
        let r = script(on, code).ok();
        assert!(r.stdout.contains("ok"), "{on:?}:\n{}", r.stdout);
    }
}

#[test]
fn nd_arrays_at_the_console_and_across_to_engines() {
    let code = r#"
        let x = nd::array([[1, 2, 3], [4, 5, 6]]);
        if x.dtype != "i64" || x.shape != [2, 3] { throw `${x.dtype} ${x.shape}` }
        let y = x.astype("f64") * 0.5 + 1;
        if y[[1, 2]] != 4.0 { throw `y = ${y}` }
        y[[0, 0]] = 10.0;
        if y.sum() != 25.0 { throw `sum ${y.sum()}` }
        if y.sum(0).to_array() != [13.0, 5.5, 6.5] { throw `axis sum ${y.sum(0)}` }
        if (x > 2).to_array() != [[false, false, true], [true, true, true]] { throw "comparison" }
        let text = nd::arange(2000).to_string();
        if !text.contains("...") || !text.contains("NdArray(shape [2000], i64)") { throw text }
        // NdArrays travel to the engines and back exactly, in every dtype.
        for d in ["f64", "f32", "i64", "i32", "bool", "c128"] {
            let a = nd::arange(6).astype(d);
            let back = px(`nd::arange(6).astype("${d}")`);
            for b in back { if b.dtype != d || (b.astype("f64") != a.astype("f64")).any() { throw `${d}: ${b}` } }
        }
        let back = px("let z = nd::zeros([2, 2]); z[[1, 1]] = -0.0; z");
        if back[0].shape != [2, 2] { throw "shape lost" }
        print("ok");
    "#;
    passes(code);
}

#[test]
fn nd_errors_name_the_problem() {
    let code = r#"
        let msgs = [];
        try { nd::array([[1, 2], [3]]) } catch (e) { msgs.push(e) }
        try { nd::zeros([2], "f16") } catch (e) { msgs.push(e) }
        try { nd::zeros([2, 2])[[2, 0]] } catch (e) { msgs.push(e) }
        try { nd::zeros([2]) + nd::zeros([3]) } catch (e) { msgs.push(e) }
        try { nd::arange(3) / nd::zeros([3], "i64") } catch (e) { msgs.push(e) }
        try { nd::zeros([2, -1]) } catch (e) { msgs.push(e) }
        try { nd::zeros([2]).sum(1) } catch (e) { msgs.push(e) }
        try { nd::array(["a"]) } catch (e) { msgs.push(e) }
        for m in msgs { print(m) }
    "#;
    let r = script(clusters()[0], code).ok();
    for expected in [
        "nd::array: ragged nesting: the array at [1] has 1 items where others have 2",
        "unknown dtype 'f16': use one of \"f64\", \"f32\", \"i64\", \"i32\", \"bool\", \"c128\"",
        "index [2, 0] is out of bounds for shape [2, 2]",
        "+: shapes [2] and [3] do not match (arrays must have the same shape)",
        "integer division by zero in a i64 array",
        "shape [2, -1] has a negative extent -1 on axis 1: extents must be 0 or more",
        "axis 1 is out of range for an array with 1 axes (valid: 0..1)",
        "nd::array: the element at [0] is a string, not a number or bool",
    ] {
        assert!(r.stdout.contains(expected), "missing {expected:?} in:\n{}", r.stdout);
    }
}

/// Every distribution the tests go through, 2-d.
const DISTS: &str = r#"[["b", "n"], ["n", "b"], ["c", "b"], ["bc:2", "c"], ["b", "b"], ["c", "c"]]"#;

#[test]
fn random_arrays_are_the_same_bits_on_any_engine_count_and_distribution() {
    let code = format!(
        r#"
        let texts = [];
        for dist in {DISTS} {{
            px(`let a = da::random([7, 5], #{{dist: ${{dist}}, seed: 42}});
                let n = da::normal([7, 5], #{{dist: ${{dist}}, seed: 42, mean: 1.0, std: 2.0}});
                let k = da::randint(-5, 5, [7, 5], #{{dist: ${{dist}}, seed: 42}});`);
            texts.push([gather("a").to_array(), gather("n").to_array(), gather("k").to_array()].to_string());
        }}
        for t in texts {{ if t != texts[0] {{ throw "distributions disagree" }} }}
        print(texts[0]);
        // Without a seed: a fresh one each call, agreed by every engine.
        let r = px("let u = da::random([4]); let v = da::random([4]); [u.sum(), v.sum()]");
        if r[0][0] == r[0][1] {{ throw "two unseeded arrays are equal" }}
        for x in r {{ if x != r[0] {{ throw `engines disagree on unseeded arrays: ${{r}}` }} }}
        "#
    );
    let mut outputs = Vec::new();
    for on in clusters() {
        outputs.push(script(on, &code).ok().stdout);
    }
    if !mpi() {
        outputs.push(script(On::Threads(2), &code).ok().stdout);
    }
    for o in &outputs {
        assert_eq!(o, &outputs[0], "engine counts disagree");
    }
}

#[test]
fn elementwise_operations_match_nd_for_every_pair_of_distributions() {
    let code = format!(
        r#"
        let dists = {DISTS};
        let ga = nd::array([0.0]);
        for i in 0..dists.len() {{
            let da_ = dists[i];
            let db = dists[(i + 1) % dists.len()];
            px(`let a = da::random([9, 6], #{{dist: ${{da_}}, seed: 1}});
                let b = da::random([9, 6], #{{dist: ${{db}}, seed: 2}}) + 0.5;
                let c = a * b + a;
                let d = sin(a) / b - a ** 2.0;
                let e = -a + 3;
                let f = da::where(a > 0.5, a, 0.0);
                let m = (a > b) | (a < 0.1);
                let i = da::arange(54, #{{dist: ["c"]}}) % 7;`);
            let a = gather("a");
            let b = gather("b");
            let close = |x, y| (x - y).abs().max() < 1e-12;
            if !close.call(gather("c"), a * b + a) {{ throw `a * b + a with ${{da_}} and ${{db}}` }}
            if !close.call(gather("d"), sin(a) / b - a ** 2.0) {{ throw "sin(a) / b - a ** 2" }}
            if !close.call(gather("e"), -a + 3) {{ throw "-a + 3" }}
            if !close.call(gather("f"), nd::where(a > 0.5, a, 0.0)) {{ throw "where" }}
            if (gather("m") != ((a > b) | (a < 0.1))).any() {{ throw "bool ops" }}
            if gather("i").to_array() != (nd::arange(54) % 7).to_array() {{ throw "integer %" }}
            if px("c.dist")[0] != da_ {{ throw "the result keeps the left operand's distribution" }}
        }}
        let t = px(`let p = da::arange(6, #{{dtype: "i32"}}); let q = p * 2.5; [p.dtype, q.dtype, (p > 2).dtype, p.astype("c128").dtype]`);
        if t[0] != ["i32", "f64", "bool", "c128"] {{ throw `dtypes ${{t[0]}}` }}
        print("ok");
        "#
    );
    passes(&code);
}

#[test]
fn reductions_whole_and_along_axes_match_nd() {
    let code = format!(
        r#"
        for dist in {DISTS} {{
            px(`let a = da::normal([8, 5], #{{dist: ${{dist}}, seed: 5}});`);
            let g = gather("a");
            let whole = px("[a.sum(), a.mean(), a.std(), a.var(), a.min(), a.max(), a.prod(), a.argmin(), a.argmax(), (a > 0).all(), (a > 0).any()]");
            let expected = [g.sum(), g.mean(), g.std(), g.variance(), g.min(), g.max(), g.prod(), g.argmin(), g.argmax(), (g > 0).all(), (g > 0).any()];
            for w in whole {{
                if w != whole[0] {{ throw `engines disagree: ${{whole}}` }}
                for k in 0..w.len() {{
                    let x = w[k];
                    let y = expected[k];
                    let bad = if type_of(x) == "f64" {{ (x - y).abs() > 1e-12 * (1.0 + y.abs()) }} else {{ x != y }};
                    if bad {{ throw `${{dist}} reduction ${{k}}: ${{x}} vs ${{y}}` }}
                }}
            }}
            for axis in [0, 1, -1] {{
                px(`let s = a.sum(${{axis}}); let m = a.max(${{axis}}); let i = a.argmin(${{axis}});`);
                if (gather("s") - g.sum(axis)).abs().max() > 1e-12 {{ throw `sum(${{axis}}) with ${{dist}}` }}
                if (gather("m") != g.max(axis)).any() {{ throw `max(${{axis}})` }}
                if (gather("i") != g.argmin(axis)).any() {{ throw `argmin(${{axis}})` }}
            }}
        }}
        let one_d = px("da::arange(10).sum(0)");
        if one_d[0] != 45 {{ throw `1-d axis sum ${{one_d}}` }}
        print("ok");
        "#
    );
    passes(&code);
}

#[test]
fn redistribute_transpose_roll_slice_copy_and_elements() {
    let code = format!(
        r#"
        for dist in {DISTS} {{
            px(`let b = da::random([6, 7], #{{dist: ${{dist}}, seed: 9}});`);
            let g = gather("b");
            for to in {DISTS} {{
                px(`let r = b.redistribute(${{to}});`);
                if (gather("r") != g).any() {{ throw `redistribute ${{dist}} -> ${{to}}` }}
                if px("r.dist")[0] != to {{ throw "dist" }}
            }}
            px("let t = b.transpose(); let t2 = b.T;");
            if (gather("t") != g.transpose()).any() {{ throw `transpose ${{dist}}` }}
            if (gather("t2") != g.T).any() {{ throw `.T ${{dist}}` }}
            px("let r0 = da::roll(b, 2, 0); let r1 = da::roll(b, -3, 1);");
            let r0 = gather("r0");
            let r1 = gather("r1");
            for i in 0..6 {{ for j in 0..7 {{
                if r0[[(i + 2) % 6, j]] != g[[i, j]] {{ throw `roll axis 0 at ${{i}},${{j}}` }}
                if r1[[i, (j + 4) % 7]] != g[[i, j]] {{ throw `roll axis 1 at ${{i}},${{j}}` }}
            }} }}
            px("let s = b.slice([[1, 6, 2], [-4, 7]]);");
            if (gather("s") != g.slice([[1, 6, 2], [-4, 7]])).any() {{ throw `slice ${{dist}}` }}
            let v = px("let c = b.copy(); c[[2, 3]] = 100.0; [c[[2, 3]], b[[2, 3]], b.owner([2, 3])]");
            for x in v {{ if x[0] != 100.0 || x[1] != g[[2, 3]] {{ throw `element access: ${{x}}` }} }}
            let om = px("b.owner_map()")[0];
            if om[[2, 3]] != v[0][2] {{ throw "owner map and owner disagree" }}
        }}
        // A 1-D array takes a plain integer index, as a[[i]].
        for dist in ["b", "c", "bc:2"] {{
            let w = px(`let e = da::arange(9, #{{dist: ["${{dist}}"]}}); e[4] = -1; [e[4], e[[4]], e[8]]`);
            for x in w {{ if x != [-1, -1, 8] {{ throw `1-d element access (${{dist}}): ${{x}}` }} }}
        }}
        print("ok");
        "#
    );
    passes(&code);
}

#[test]
fn scatter_and_gather_move_whole_arrays() {
    let code = r#"
        for d in ["f64", "i32", "bool", "c128"] {
            let x = nd::arange(23 * 3).astype(d);
            scatter("x", x);
            let back = gather("x");
            if back.dtype != d || (back.astype("f64") != x.astype("f64")).any() { throw `${d}: ${back}` }
            let info = px("[x.dist, x.shape, x.local_shape[0]]");
            if info[0][0] != ["b"] || info[0][1] != [69] { throw `${info}` }
        }
        let m = nd::zeros([5, 4]) + 2.0;
        scatter("m", m);
        if px("m.sum()")[0] != 40.0 { throw "sum after scatter" }
        print("ok");
    "#;
    passes(code);
}

#[test]
fn bad_input_gives_clear_errors_and_the_session_goes_on() {
    let code = r#"
        let msgs = [];
        for snippet in [
            `da::zeros([4, 4], #{dist: ["x", "b"]})`,
            `da::zeros([4, 4], #{dist: ["b"]})`,
            `da::zeros([4, 4], #{dist: ["b", "b"], grid: [3, 5]})`,
            `da::zeros([4, -4])`,
            `da::zeros([4]) + da::zeros([5])`,
            `da::zeros([4, 4]).sum(2)`,
            `da::zeros([4, 4])[[4, 0]]`,
            `da::zeros([4], #{dtype: "f16"})`,
            `da::zeros([1 << 40])`,
            `da::arange(8) / da::arange(8)`,
            `da::zeros([4], #{colour: 1})`,
        ] {
            try { px(snippet) } catch (e) { msgs.push(e) }
        }
        for m in msgs { print(m) }
        // The engines are still there, with their namespaces.
        px("let ok = da::ones([3]).sum();");
        if px("ok")[0] != 3.0 { throw "engines lost" }
        print("still ok");
    "#;
    for on in clusters() {
        let r = script(on, code).ok();
        let engines = match on.engines() {
            1 => "[0]".to_string(),
            2 => "[0,1]".to_string(),
            n => format!("[0-{}]", n - 1),
        };
        for expected in [
            "unknown distribution 'x' for axis 0: use \"b\", \"c\", \"bc:K\" or \"n\"",
            "dist [\"b\"] has 1 entry but the array has 2 axes",
            "grid [3, 5] multiplies to 15 but there",
            "shape [4, -4] has a negative extent -4 on axis 1",
            "+: shapes [4] and [5] do not match",
            "axis 2 is out of range for an array with 2 axes",
            "index [4, 0] is out of bounds for shape [4, 4]",
            "unknown dtype 'f16'",
            "not enough memory: this needs 8192.00 GiB but only",
            "integer division by zero in a i64 array",
            "unknown option 'colour': use dist, grid, dtype, seed, mean, std",
        ] {
            assert!(r.stdout.contains(expected), "{on:?}: missing {expected:?} in:\n{}", r.stdout);
        }
        // Division by zero fails on every engine, even those whose shard has no zero.
        assert!(
            r.stdout.contains(&format!("{engines} RuntimeError: integer division by zero")),
            "{on:?}:\n{}",
            r.stdout
        );
        assert!(r.stdout.contains("still ok"));
    }
}

#[test]
fn a_request_on_part_of_the_group_fails_at_once() {
    for on in clusters().into_iter().filter(|c| c.engines() >= 3) {
        let code = r#"
            px("let a = da::ones([10]);");
            try { px("a.sum()", [0, 2]) } catch (e) { print(e) }
            try { px("a + a", [1]) } catch (e) { print(e) }
            if px("a.sum()")[0] != 10.0 { throw "the array was damaged" }
            print("ok");
        "#;
        let r = script(on, code).ok();
        let all = format!("0-{}", on.engines() - 1);
        assert!(
            r.stdout.contains(&format!(
                "this DistArray is distributed over engines {all}; this request runs on 0,2 (run it on all of {all})"
            )),
            "{on:?}:\n{}",
            r.stdout
        );
        assert!(r.stdout.contains("this request runs on 1 "), "{}", r.stdout);
        assert!(r.stdout.contains("ok"));
    }
}

#[test]
fn sums_of_ten_million_values_agree_with_the_gathered_pairwise_sum() {
    let code = r#"
        let r = px(`let a = da::random([10_000_000], #{seed: 3}) * 2.0 - 0.5; [a.sum(), a.mean(), a.std()]`);
        let g = gather("a");
        let expected = [g.sum(), g.mean(), g.std()];
        for k in 0..3 {
            let rel = ((r[0][k] - expected[k]) / expected[k]).abs();
            if rel > 1e-12 { throw `${k}: ${r[0][k]} vs ${expected[k]} (relative ${rel})` }
        }
        for x in r { if x != r[0] { throw "engines disagree" } }
        print("ok");
    "#;
    passes(code);
}

#[test]
fn decomposition_example_over_sixteen_engines() {
    let on = if mpi() { On::Mpi(16) } else { On::Threads(16) };
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/distarray_decomposition.rhai");
    let r = run(on, &[path], None).ok();
    assert!(r.stdout.contains("dist [\"b\", \"c\"] over 16 engines: grid [4, 4]"), "{}", r.stdout);
    assert!(r.stdout.contains(&"0123".repeat(16)), "{}", r.stdout);
    assert!(r.stdout.contains(&"f".repeat(64)), "{}", r.stdout);
}

#[test]
fn constructors_and_properties() {
    let code = r#"
        let r = px(`
            let f = da::full([3, 4], 2.5, #{dist: ["n", "c"]});
            let l = da::linspace(0.0, 1.0, 11);
            let o = da::ones([6], #{dtype: "i32"});
            let g = da::zeros([6, 6], #{dist: ["b", "b"], grid: [1, size()]});
            let e = da::zeros([2, 3]);      // more engines than rows: empty shards are fine
            [f.sum(), f.dtype, f.ndim, f.size, l[[10]], l[[5]], o.dtype, o.sum(), g.grid, e.sum(), e.shape, f.dist]
        `);
        let n = engines().len();
        for x in r {
            if x != r[0] { throw `engines disagree: ${r}` }
        }
        let x = r[0];
        if x[0] != 30.0 || x[1] != "f64" || x[2] != 2 || x[3] != 12 { throw `full: ${x}` }
        if x[4] != 1.0 || (x[5] - 0.5).abs() > 1e-15 { throw `linspace: ${x}` }
        if x[6] != "i32" || x[7] != 6 { throw `ones: ${x}` }
        if x[8] != [1, n] { throw `user grid: ${x[8]}` }
        if x[9] != 0.0 || x[10] != [2, 3] || x[11] != ["n", "c"] { throw `${x}` }
        let ls = px("da::zeros([2, 3]).local_shape");
        let rows = 0;
        for s in ls { rows += s[0]; }
        if rows != 2 { throw `local shapes ${ls}` }
        let c = px(`let z = da::ones([4]).astype("c128") * 2.0; [z.re.sum(), z.im.sum(), z.abs().sum()]`);
        if c[0] != [8.0, 0.0, 8.0] { throw `complex parts ${c[0]}` }
        print("ok");
    "#;
    passes(code);
}

#[test]
fn waits_inside_array_operations_end_on_interrupt_and_disagreements_are_errors() {
    let code = r#"
        px("let a = da::ones([10]);");
        let r = px_async("if rank() == 0 { sleep(60) } a.sum()");
        sleep(0.3);
        interrupt();
        try { r.get(); throw "not interrupted" } catch (e) { print(e) }
        if engines().len() > 1 {
            try { px("if rank() == 0 { a.sum() } else { a.max() }") } catch (e) { print(e) }
        }
        if px("a.sum()")[0] != 10.0 { throw "the engines lost their arrays" }
        print("ok");
    "#;
    for on in clusters() {
        let r = script(on, code).ok();
        assert!(r.stdout.contains("Interrupted: interrupted"), "{on:?}:\n{}", r.stdout);
        if on.engines() > 1 {
            assert!(r.stdout.contains("engines disagree: engine"), "{on:?}:\n{}", r.stdout);
        }
        assert!(r.stdout.contains("ok"), "{on:?}:\n{}", r.stdout);
    }
}
