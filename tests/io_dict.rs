//! DistDict files (issue 16): `d.save(path)` and `dd::load(path [, name])` driven from
//! console scripts. A dict of every kind of value JSON can hold saves to exact lines
//! (Python's `json.dumps` bytes: `1.0`, `1e+300`, `NaN`, `-Infinity`), loads back equal
//! bit for bit on 1, 3 and 7 engines (more engines than keys, and an empty dict), and a
//! file written on 3 engines loads on 7; bad files (late bad lines, so an engine > 0
//! finds them; a repeated key; a missing file; a folder) and unsayable values are errors
//! naming the file and line, the same on every engine, leaving no dict and no temporary.

use crate::io::{leaves_no_temporaries, run_in};
use crate::util::{clusters, tempdir, On};

const CODE: &str = r#"
    px(`let d = dd::new("w");
        if rank() == 0 {
            d.set_many([[1, ()], [-5, true], [7, 1.0], [8, 0.1], [9, 1e300], [10, 1e-7], [11, -0.0],
                        [12, 9223372036854775807], [13, -9223372036854775807 - 1],
                        ["s", "quote \" back \\ nl \n é"], ["arr", [1, 2.5, "x", [()]]],
                        ["map", #{a: 1, b: #{c: [1.5, -2.0]}}], [true, "yes"], [false, []]]);
            d["nan"] = 0.0 / 0.0; d["inf"] = 1.0 / 0.0; d["ninf"] = -1.0 / 0.0;
        }
        let e = dd::new("empty");`);
    let w = dd::open("w");
    w.save("w.jsonl");
    let back = dd::load("w.jsonl", "back");
    if back.items().to_debug() != w.items().to_debug() { throw `round trip: ${back.items()} vs ${w.items()}` }
    if back.len() != 17 { throw `len ${back.len()}` }
    if dd::open("back").len() != 17 { throw "dd::open of the loaded dict" }
    // On the engines too, with the default name (the file's stem), and SPMD mode.
    px(`d.save("eng.jsonl"); let s = dd::load("eng.jsonl", #{name: "spmd", mode: "spmd"});
        if s.items().to_debug() != d.items().to_debug() { throw "spmd load differs" }
        let k = dd::load("eng.jsonl"); if k.name != "eng" || k.len() != 17 { throw "default name" }`);
    dd::open("empty").save("empty.jsonl");
    if dd::load("empty.jsonl", "empty2").len() != 0 { throw "empty" }
    // Errors: the same on every engine, no dict left under the name.
    fn fails(f, want) { let e = ""; try { f.call(); } catch(x) { e = `${x}`; } if !e.contains(want) { throw `"${e}" lacks ${want}` } }
    fails(|| dd::load("nope.jsonl", "n1"), "cannot open nope.jsonl: No such file or directory");
    fails(|| dd::load(".", "n2"), ".: is a folder; give a file name");
    fails(|| dd::load("w.jsonl", "back"), "a dict named 'back' already exists");
    fails(|| dd::load("bad1.jsonl", "n3"), "bad1.jsonl, line 40, column 8: not JSON: expected ',' or ']' in an array");
    fails(|| dd::load("bad2.jsonl", "n4"), "bad2.jsonl, line 39, column 2: a key must be an integer, a string or a boolean, not a float (1.5)");
    fails(|| dd::load("bad3.jsonl", "n5"), "bad3.jsonl, line 40, column 1: a line must be a [key, value] pair, not an array of 3 items");
    fails(|| dd::load("dup.jsonl", "n6"), "dup.jsonl, line 39: the key 3 is already on line 4");
    for n in ["n1", "n2", "n3", "n4", "n5", "n6"] {
        try { dd::open(n); throw `${n} exists` } catch(e) { if !e.contains("no dict named") { throw e } }
    }
    px(`d["blob"] = blob(2)`);
    fails(|| w.save("w.jsonl"), "dict 'w': cannot save key \"blob\" to w.jsonl: it is a blob");
    px(`d.remove("blob"); d["deep"] = [1, 'c']`);
    fails(|| w.save("w.jsonl"), "it holds a character ('c') at [1]");
    print("ok");
"#;

fn lines(dir: &std::path::Path, name: &str) -> Vec<String> {
    let mut l: Vec<String> = std::fs::read_to_string(dir.join(name)).unwrap().lines().map(String::from).collect();
    l.sort();
    l
}

fn bad_files(dir: &std::path::Path) {
    let good: String = (0..38).map(|i| format!("[{i}, {i}]\n")).collect();
    std::fs::write(dir.join("bad1.jsonl"), format!("{good}\n[\"x\", 1\n[1, 2]\n")).unwrap();
    std::fs::write(dir.join("bad2.jsonl"), format!("{good}[1.5, 2]\n")).unwrap();
    std::fs::write(dir.join("bad3.jsonl"), format!("{good}\r\n[1, 2, 3]\r\n")).unwrap();
    std::fs::write(dir.join("dup.jsonl"), format!("{good}[3, \"again\"]\n")).unwrap();
}

#[test]
fn dicts_save_to_exact_lines_and_load_back_equal() {
    let want = [
        r#"[-5, true]"#,
        r#"[1, null]"#,
        r#"[10, 1e-07]"#,
        r#"[11, -0.0]"#,
        r#"[12, 9223372036854775807]"#,
        r#"[13, -9223372036854775808]"#,
        r#"[7, 1.0]"#,
        r#"[8, 0.1]"#,
        r#"[9, 1e+300]"#,
        r#"["arr", [1, 2.5, "x", [null]]]"#,
        r#"["inf", Infinity]"#,
        r#"["map", {"a": 1, "b": {"c": [1.5, -2.0]}}]"#,
        r#"["nan", NaN]"#,
        r#"["ninf", -Infinity]"#,
        r#"["s", "quote \" back \\ nl \n é"]"#,
        r#"[false, []]"#,
        r#"[true, "yes"]"#,
    ];
    let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
    want.sort();
    for on in clusters() {
        let dir = tempdir();
        bad_files(&dir);
        let r = run_in(on, &dir, CODE).ok();
        assert!(r.stdout.contains("ok"), "{on:?}:\n{}\n{}", r.stdout, r.stderr);
        assert_eq!(lines(&dir, "w.jsonl"), want, "{on:?}");
        assert_eq!(lines(&dir, "eng.jsonl"), want, "{on:?}");
        assert_eq!(std::fs::read(dir.join("empty.jsonl")).unwrap(), b"", "{on:?}");
        leaves_no_temporaries(&dir);
        if on.engines() == 1 {
            // One engine: the file is in key order (booleans, integers, strings).
            let text = std::fs::read_to_string(dir.join("w.jsonl")).unwrap();
            assert!(text.starts_with("[false, []]\n[true, \"yes\"]\n[-5, true]\n[1, null]\n[7, 1.0]\n"), "{text}");
        }
    }
}

#[test]
fn a_file_saved_on_three_engines_loads_on_seven() {
    let n = |on: On| if crate::util::mpi() { On::Mpi(on.engines()) } else { On::Threads(on.engines()) };
    let dir = tempdir();
    let save = r#"px(`let d = dd::new("w"); for i in 0..200 { if i % 3 == rank() { d[i] = [i, i.to_string(), i * 0.5] } }`);
        dd::open("w").save("three.jsonl"); print("ok");"#;
    let r = run_in(n(On::Threads(3)), &dir, save).ok();
    assert!(r.stdout.contains("ok"), "{}\n{}", r.stdout, r.stderr);
    let load = r#"let d = dd::load("three.jsonl");
        if d.len() != 200 { throw `len ${d.len()}` }
        for i in [0, 1, 99, 199] { if d[i].to_debug() != [i, i.to_string(), i * 0.5].to_debug() { throw `${i}: ${d[i]}` } }
        px(`if dd::open("three").local_keys().len() == 0 { throw "an engine holds no keys" }`);
        print("ok");"#;
    let r = run_in(n(On::Threads(7)), &dir, load).ok();
    assert!(r.stdout.contains("ok"), "{}\n{}", r.stdout, r.stderr);
}
