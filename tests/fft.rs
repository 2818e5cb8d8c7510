//! Distributed FFTs (`da::fft`, `ifft`, `fft2`, `ifft2`, `fftn`, `ifftn`, `fftfreq`)
//! driven as a user drives them: console scripts that transform arrays on the engines
//! with `px` and compare the gathered results with a serial reference computed on one
//! engine alone (where every axis is whole, so it is one rustfft call per lane).
//! Errors a user can reach are asserted by their messages.

use crate::util::{clusters, script, On};

/// Runs `code` on `on` and expects it to succeed and print "ok".
pub fn passes_on(on: On, code: &str) {
    let r = script(on, code).ok();
    assert!(r.stdout.contains("ok"), "{on:?}:\n{}\n{}", r.stdout, r.stderr);
}

/// Builds complex test data `x` of `shape` laid out by `dist` (a Rhai expression each).
pub const MAKE: &str = r#"
    fn make(shape, dist, seed) {
        let u = da::random(shape, #{dist: dist, seed: seed});
        let v = da::random(shape, #{dist: dist, seed: seed + 1});
        let i1 = (u.astype("c128") * 0.0 - 1.0).sqrt();
        u - 0.5 + (v - 0.5) * i1
    }
"#;

#[test]
fn matches_a_serial_reference_on_every_layout_and_engine_count() {
    let on = *clusters().last().expect("a cluster");
    let code = format!(
        r#"
        let engines = px("1").len();
        let worst = 0.0;
        let cases = 0;
        fn rel(got, want) {{
            let d = ((got - want).abs() ** 2.0).sum().sqrt();
            let w = (want.abs() ** 2.0).sum().sqrt();
            if w == 0.0 {{ d }} else {{ d / w }}
        }}
        for k in 1..=(if engines < 4 {{ engines }} else {{ 4 }}) {{
            let targets = [];
            for e in 0..k {{ targets.push(e); }}
            for n in [1, 2, 3, 7, 64, 1000, 1024, 4096] {{
                let m = if n > 1000 {{ 3 }} else {{ 6 }};
                let refs = px(`{MAKE}
                    let a = make([${{n}}, ${{m}}], ["n", "n"], ${{n}});
                    let b = make([${{m}}, ${{n}}], ["n", "n"], ${{n}} + 7);
                    [da::fft(a, 0).local(), da::fft(b).local(), da::fft2(a).local(), a.local(), b.local()]`, [0])[0];
                for d in ["b", "c", "bc:3", "n"] {{
                    let other = if d == "n" || k == 1 {{ "b" }} else {{ "c" }};
                    px(`{MAKE}
                        let a = make([${{n}}, ${{m}}], ["${{d}}", "${{other}}"], ${{n}});
                        let b = make([${{m}}, ${{n}}], ["${{other}}", "${{d}}"], ${{n}} + 7);
                        let f0 = da::fft(a, 0);
                        let f1 = da::fft(b, -1);
                        let f1t = da::fft(b, 1, #{{keep_layout: false}});
                        let f2 = da::fft2(a);
                        let r2 = da::ifftn(da::fftn(a));
                        let r1 = da::ifft(f1);
                        let trip = [((r2 - a).abs() ** 2.0).sum().sqrt() / ((a.abs() ** 2.0).sum().sqrt()),
                                    ((r1 - b).abs() ** 2.0).sum().sqrt() / ((b.abs() ** 2.0).sum().sqrt())];
                        let parseval = (f2.abs() ** 2.0).sum() / (${{n}} * ${{m}}) / (a.abs() ** 2.0).sum() - 1.0;
                        if f0.dist != a.dist || f2.dist != a.dist || f1.dist != b.dist {{ throw "layout not kept" }}
                        if f1t.grid[1] != 1 {{ throw "keep_layout: false left the grid " + f1t.grid }}
                        if f0.dtype != "c128" {{ throw f0.dtype }}
                        if trip[0] > 1e-13 || trip[1] > 1e-13 {{ throw "round trip " + trip }}
                        if parseval.abs() > 1e-12 {{ throw "Parseval " + parseval }}`, targets);
                    if (gather("a", targets) != refs[3]).any() {{ throw "the input depends on the layout" }}
                    if (gather("b", targets) != refs[4]).any() {{ throw "the input depends on the layout" }}
                    let errs = [rel(gather("f0", targets), refs[0]), rel(gather("f1", targets), refs[1]),
                                rel(gather("f1t", targets), refs[1]), rel(gather("f2", targets), refs[2])];
                    for e in errs {{
                        if e > 1e-12 {{ throw `n ${{n}} dist ${{d}} on ${{k}} engines: relative error ${{errs}}` }}
                        if e > worst {{ worst = e; }}
                    }}
                    cases += 1;
                }}
            }}
        }}
        print(`worst relative error ${{worst}} over ${{cases}} cases`);
        if cases < 32 {{ throw "too few cases" }}
        print("ok");
        "#
    );
    passes_on(on, &code);
}

#[test]
fn fftn_of_a_3d_array_on_a_2d_grid_and_promoted_dtypes() {
    for on in clusters() {
        let code = format!(
            r#"
            let r = px(`{MAKE}
                let a = make([6, 10, 4], ["n", "n", "n"], 5);
                [da::fftn(a).local(), da::fftn(a, [2, 0]).local()]`, [0])[0];
            px(`{MAKE}
                let a = make([6, 10, 4], ["b", "bc:2", "c"], 5);
                let f = da::fftn(a);
                let g = da::fftn(a, [2, 0], #{{keep_layout: false}});
                let i = da::fft(da::ones([3, 4], #{{dtype: "i32", dist: ["b", "c"]}}), 0);
                let t = da::fft2(da::zeros([3, 4], #{{dist: ["c", "n"]}}) < 1);
            `);
            if (gather("f") - r[0]).abs().max() > 1e-12 {{ throw "fftn" }}
            if (gather("g") - r[1]).abs().max() > 1e-12 {{ throw "fftn over axes [2, 0]" }}
            // Ints and bools are promoted to c128: fft of ones along 3 is [3, 0, 0] per lane.
            let t = px("[i.dtype, t.dtype, i[[0, 2]].re, i.abs().sum(), t[[0, 0]].re, t.abs().sum()]")[0];
            if t[0] != "c128" || t[1] != "c128" || t[2] != 3.0 || (t[3] - 12.0).abs() > 1e-12
                || t[4] != 12.0 || (t[5] - 12.0).abs() > 1e-12 {{ throw `promotions ${{t}}` }}
            // The complex accessors on a transform: |f|² = (f f*).re, .re/.im/.angle() agree.
            let c = px(`let q = (f * f.conj()).re - f.abs() ** 2.0;
                        let w = f.abs() * (f.angle().cos()) - f.re;
                        [q.abs().max(), w.abs().max(), (f.im - f.abs() * f.angle().sin()).abs().max()]`)[0];
            if c[0] > 1e-9 || c[1] > 1e-9 || c[2] > 1e-9 {{ throw `complex accessors ${{c}}` }}
            let k = px("da::fftfreq(8, 0.5)")[0];
            if k.to_array() != [0.0, 0.25, 0.5, 0.75, -1.0, -0.75, -0.5, -0.25] {{ throw `fftfreq ${{k}}` }}
            print("ok");
            "#
        );
        passes_on(on, &code);
    }
}

#[test]
fn pencils_on_a_2d_process_grid_match_the_serial_reference() {
    for on in clusters() {
        let code = format!(
            r#"
            let engines = px("1").len();
            let k = if engines >= 4 {{ 4 }} else {{ engines }};
            let targets = [];
            for e in 0..k {{ targets.push(e); }}
            let grid = if k == 4 {{ [2, 2, 1] }} else {{ [k, 1, 1] }};
            let r = px(`{MAKE}
                let a = make([12, 10, 8], ["n", "n", "n"], 3);
                [da::fftn(a).local(), da::fftn(a, [0, 1]).local()]`, [0])[0];
            px(`
                fn make(shape, dist, grid, seed) {{
                    let u = da::random(shape, #{{dist: dist, grid: grid, seed: seed}});
                    let v = da::random(shape, #{{dist: dist, grid: grid, seed: seed + 1}});
                    u - 0.5 + (v - 0.5) * (u.astype("c128") * 0.0 - 1.0).sqrt()
                }}
                let a = make([12, 10, 8], ["b", "b", "n"], ${{grid}}, 3);
                let f = da::fftn(a);
                let g = da::fftn(a, [0, 1], #{{keep_layout: false}});
                let back = da::ifftn(f);
                let trip = ((back - a).abs() ** 2.0).sum().sqrt() / ((a.abs() ** 2.0).sum().sqrt());
                if f.dist != a.dist || f.grid != a.grid {{ throw "layout not kept" }}
                if trip > 1e-13 {{ throw "round trip " + trip }}`, targets);
            if (gather("f", targets) - r[0]).abs().max() > 1e-12 {{ throw "fftn on pencils" }}
            if (gather("g", targets) - r[1]).abs().max() > 1e-12 {{ throw "fftn over [0, 1] on pencils" }}
            // The pencils keep a 2-D grid: the result of the last step is still on one.
            let g = px("g.grid", targets)[0];
            if k == 4 && g != [1, 2, 2] {{ throw `keep_layout: false left the grid ${{g}}` }}
            print("ok");
            "#
        );
        passes_on(on, &code);
    }
}

#[test]
fn bad_input_is_refused_with_clear_messages_and_the_session_goes_on() {
    for on in clusters() {
        let code = r#"
            px("let z = da::random([4, 6], #{dist: [\"b\", \"c\"]}); let e = da::zeros([0, 6]); let v = da::zeros([8]);");
            fn fails(code, want) {
                try { px(code); } catch (err) {
                    if !`${err}`.contains(want) { throw `${code}: ${err}` }
                    return;
                }
                throw `${code} did not fail`;
            }
            fails("da::fft(z, 2)", "da::fft: axis 2 is out of range for an array with 2 axes");
            fails("da::ifft(z, -3)", "da::ifft: axis -3 is out of range");
            fails("da::fftn(z, [1, -1])", "da::fftn: axis 1 is repeated in the axes [1, -1]");
            fails("da::ifftn(z, [0, 0])", "da::ifftn: axis 0 is repeated");
            fails("da::fft2(e)", "da::fft2: the array of shape [0, 6] is empty");
            fails("da::fft(z, 0, #{keep: true})", "da::fft: unknown option 'keep': the only option is keep_layout");
            fails("da::fft2(z, #{keep_layout: 1})", "da::fft2: keep_layout must be true or false");
            fails("da::fftfreq(0, 1.0)", "da::fftfreq: n must be at least 1, not 0");
            fails("da::fftfreq(4, 0.0)", "da::fftfreq: the sample spacing d must be finite and non-zero");
            if px("1").len() > 1 {
                fails("da::fft2(v)", "da::fft2 transforms the last two axes; this array has 1");
                try { px("da::fft2(z)", [0]); throw "a request on a subset did not fail"; } catch (err) {
                    if !`${err}`.contains("this DistArray is distributed over engines 0-") { throw `${err}` }
                }
            }
            // The session goes on: the same arrays still transform.
            if px("da::fft2(z).dtype")[0] != "c128" { throw "after errors" }
            print("ok");
        "#;
        passes_on(on, code);
    }
}
