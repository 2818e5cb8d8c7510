//! Interrupts end loops, receives and barriers; engines keep their namespaces.

use crate::util::{clusters_with, script};

#[test]
fn interrupt_ends_loops_receives_and_barriers_and_keeps_namespaces() {
    for on in clusters_with(2) {
        let code = r#"
px("let kept = rank() + 100;");
for snippet in ["loop {}", "if rank() == 0 { recv(1) } else { loop {} }", "if rank() == 0 { barrier() } else { sleep(1000) }", "sleep(1000)"] {
    let r = px_async(snippet);
    sleep(0.2);
    if r.ready() { throw `${snippet} ended by itself` }
    interrupt();
    if !r.wait(20.0) { throw `${snippet} was not interrupted` }
    try { r.get(); throw "no error"; } catch (e) {
        if !e.contains("Interrupted: interrupted") { throw `${snippet}: ${e}` }
    }
    print(px("kept").len() == size_of_cluster);
}
print(px("kept"));
"#;
        let n = on.engines();
        let code = code.replace("size_of_cluster", &n.to_string());
        let r = script(on, &code).ok();
        let kept: Vec<String> = (0..n).map(|e| (e + 100).to_string()).collect();
        assert_eq!(r.stdout, format!("true\ntrue\ntrue\ntrue\n[{}]\n", kept.join(", ")), "{on:?}");
    }
}

#[test]
fn interrupting_some_engines_leaves_the_others_running() {
    for on in clusters_with(2) {
        let code = r#"
let r = px_async("if rank() == 0 { loop {} } else { sleep(0.5); rank() }");
sleep(0.1);
interrupt([0]);
r.wait(20.0);
try { r.get(); } catch (e) { print(e.split("\n")[0]); }
print(r.progress());
"#;
        let n = on.engines();
        let r = script(on, code).ok();
        assert_eq!(r.stdout, format!("[0] Interrupted: interrupted\n[{n}, {n}]\n"));
    }
}

#[test]
fn bad_waits_are_errors() {
    let on = clusters_with(1)[0];
    let r =
        script(on, "let r = px_async(\"1\");\ntry { r.wait(-1); } catch (e) { print(e) }\nprint(r.get().len() > 0);")
            .ok();
    assert_eq!(r.stdout, "wait: the timeout must be a number of seconds >= 0, not -1\ntrue\n");
}

#[test]
fn interrupt_stops_engines_inside_native_kernels() {
    // Each loop would run for minutes; the interrupt must stop the kernel it lands in.
    // An engine waiting in an exchange (a DistArray FFT, sort, matmul or scan has some)
    // may be interrupted there, without naming a kernel: only the purely local kernels
    // (NdArrays, or a DistArray's own elementwise work) must be caught inside (k[1] names
    // them). Every engine reports the request interrupted, and those inside a kernel name
    // it; variables survive.
    let on = clusters_with(2)[0];
    let code = r#"
px("let a = da::random([2000000]); a.save(\"NPY\"); let c = da::random([600, 2048]) * 1.0; let b = 0; let kept = rank();");
px("let x = a.local(); let m = nd::random([1500, 1500]);");
let kernels = [["(a * 2.0 + 1.0).local()", "an elementwise expression"], ["da::fft(c, 1)", ""], ["nd::load(\"NPY\")", "a file read"],
    ["x.sort()", "a sort"], ["x.argsort()", "a sort"], ["x.cumsum()", "a scan"], ["x.diff()", "a scan"], ["nd::matmul(m, m)", "a matrix product"],
    ["nd::loadtxt(\"CSV\", #{delimiter: \",\"})", "a text file's parse"], ["a.sort()", ""], ["da::matmul(c, c.T)", ""], ["a.cumsum()", ""]];
for k in kernels {
    let r = px_async(`for i in 0..1000000 { b = ${k[0]}; }`);
    sleep(0.3);
    if r.ready() { throw `${k[0]} ended by itself` }
    interrupt();
    if !r.wait(20.0) { throw `${k[0]} was not interrupted` }
    try { r.get(); throw "no error"; } catch (e) {
        let lines = e.split("\n").filter(|l| l.starts_with("["));
        if lines.len() == 0 || !lines.all(|l| l.contains("Interrupted: interrupted")) { throw `${k[0]}: ${e}` }
        if k[1] != "" && !e.contains(`interrupted in ${k[1]}`) { throw `${k[0]} did not stop inside its kernel: ${e}` }
    }
}
print(px("kept"));
"#;
    let dir = crate::util::tempdir();
    let npy = dir.join("interrupt.npy");
    // A text file that takes a debug build a few seconds to parse.
    let csv = dir.join("interrupt.csv");
    let rows: String = (0..300_000).map(|i| format!("{i},{}.25,-{i}e-3,7\n", i % 97)).collect();
    std::fs::write(&csv, rows).expect("write the csv");
    let code = code.replace("NPY", npy.to_str().expect("utf-8 path")).replace("CSV", csv.to_str().expect("utf-8 path"));
    let r = script(on, &code).ok();
    let _ = std::fs::remove_dir_all(&dir);
    let kept: Vec<String> = (0..on.engines()).map(|e| e.to_string()).collect();
    assert_eq!(r.stdout, format!("[{}]\n", kept.join(", ")), "{on:?}");
}
