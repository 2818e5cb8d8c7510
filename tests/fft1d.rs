//! The distributed 1-d FFT (`da::fft`/`da::ifft`/`da::fftn` of a 1-d array on several
//! engines) driven as a user drives it: console scripts that transform vectors on every
//! engine with `px` and compare the gathered results with a serial reference computed
//! on one engine alone (one rustfft call). Also `nd::fftfreq` at the console.

use crate::fft::{passes_on, MAKE};
use crate::util::clusters;

/// Relative L2 error of `got` against `want` (NdArrays at the console).
const REL: &str = r#"
    fn rel(got, want) {
        let d = ((got - want).abs() ** 2.0).sum().sqrt();
        let w = (want.abs() ** 2.0).sum().sqrt();
        if w == 0.0 { d } else { d / w }
    }
"#;

#[test]
fn matches_a_serial_reference_for_every_size_and_layout() {
    for on in clusters() {
        let code = format!(
            r#"{REL}
            let worst = 0.0;
            let cases = 0;
            for n in [1, 2, 3, 7, 64, 1000, 1024, 4096, 4099, 8198] {{
                let refs = px(`{MAKE}
                    let x = make([${{n}}], ["b"], ${{n}});
                    [da::fft(x).local(), da::ifft(x).local(), x.local()]`, [0])[0];
                for d in ["b", "c", "bc:3"] {{
                    px(`{MAKE}
                        let x = make([${{n}}], ["${{d}}"], ${{n}});
                        let f = da::fft(x);
                        let g = da::ifft(x);
                        let h = da::fftn(x);
                        let back = da::ifft(f);
                        let fl = da::fft(x, #{{keep_layout: false}});
                        let trip = ((back - x).abs() ** 2.0).sum().sqrt() / (x.abs() ** 2.0).sum().sqrt();
                        let parseval = (f.abs() ** 2.0).sum() / ${{n}} / (x.abs() ** 2.0).sum() - 1.0;
                        if f.dist != x.dist || g.dist != x.dist || back.dist != x.dist {{ throw "layout not kept: " + f.dist }}
                        if f.dtype != "c128" {{ throw f.dtype }}
                        if trip > 1e-13 {{ throw "round trip " + trip }}
                        if parseval.abs() > 1e-12 {{ throw "Parseval " + parseval }}
                        if fl.dist != x.dist && !fl.dist[0].starts_with("bc:") {{ throw "keep_layout: false left " + fl.dist }}`);
                    if (gather("x") != refs[2]).any() {{ throw "the input depends on the layout" }}
                    let errs = [rel(gather("f"), refs[0]), rel(gather("g"), refs[1]), rel(gather("h"), refs[0]),
                                rel(gather("fl"), refs[0])];
                    for e in errs {{
                        if e > 1e-12 {{ throw `n ${{n}} dist ${{d}}: relative errors ${{errs}}` }}
                        if e > worst {{ worst = e; }}
                    }}
                    cases += 1;
                }}
            }}
            print(`worst relative error ${{worst}} over ${{cases}} cases`);
            if cases != 30 {{ throw "cases" }}
            print("ok");
            "#
        );
        passes_on(on, &code);
    }
}

#[test]
fn a_longer_vector_and_promoted_dtypes() {
    let on = *clusters().last().expect("a cluster");
    let code = format!(
        r#"{REL}
        // 3·2^18: a composite length that is not a power of two.
        let n = 786432;
        let want = px(`{MAKE} let x = make([${{n}}], ["b"], 3); da::fft(x).local()`, [0])[0];
        px(`{MAKE}
            let x = make([${{n}}], ["b"], 3);
            let f = da::fft(x);
            let i = da::fft(da::ones([12], #{{dtype: "i64", dist: ["c"]}}));
            let t = da::ifft(da::zeros([10], #{{dist: ["bc:2"]}}) < 1);`);
        let e = rel(gather("f"), want);
        if e > 1e-12 {{ throw `n ${{n}}: relative error ${{e}}` }}
        let i = gather("i");
        if i.dtype != "c128" || i[0].re != 12.0 || (i.abs().sum() - 12.0).abs() > 1e-12 {{ throw `ints ${{i}}` }}
        let t = gather("t");
        if (t[0].re - 1.0).abs() > 1e-15 || (t.abs().sum() - 1.0).abs() > 1e-12 {{ throw `bools ${{t}}` }}
        print("ok");
        "#
    );
    passes_on(on, &code);
}

#[test]
fn requests_on_part_of_the_group_fail_and_the_session_goes_on() {
    for on in clusters().into_iter().filter(|c| c.engines() > 1) {
        let code = r#"
            px("let v = da::random([1000], #{dist: [\"c\"], seed: 4});");
            try { px("da::fft(v)", [0]); throw "a request on a subset did not fail"; } catch (err) {
                if !`${err}`.contains("this DistArray is distributed over engines 0-") { throw `${err}` }
            }
            try { px("da::fft(v, 1)"); throw "axis 1 accepted"; } catch (err) {
                if !`${err}`.contains("da::fft: axis 1 is out of range for an array with 1 axes") { throw `${err}` }
            }
            if px("da::fft(v).dtype")[0] != "c128" { throw "after errors" }
            print("ok");
        "#;
        passes_on(on, code);
    }
}

#[test]
fn fftfreq_at_the_console_and_on_engines() {
    for on in clusters() {
        let code = r#"
            let k = nd::fftfreq(8, 0.5);
            if k.to_array() != [0.0, 0.25, 0.5, 0.75, -1.0, -0.75, -0.5, -0.25] { throw `fftfreq ${k}` }
            if nd::fftfreq(5).to_array() != [0.0, 0.2, 0.4, -0.4, -0.2] { throw "fftfreq(5)" }
            if (px("nd::fftfreq(6, 2.0) == da::fftfreq(6, 2.0)")[0]).all() != true { throw "nd and da differ" }
            try { nd::fftfreq(0, 1.0); throw "n = 0 accepted"; } catch (err) {
                if !`${err}`.contains("nd::fftfreq: n must be at least 1, not 0") { throw `${err}` }
            }
            try { nd::fftfreq(4, 0.0); throw "d = 0 accepted"; } catch (err) {
                if !`${err}`.contains("nd::fftfreq: the sample spacing d must be finite and non-zero") { throw `${err}` }
            }
            print("ok");
        "#;
        passes_on(on, code);
    }
}
