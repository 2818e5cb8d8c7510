//! More data files (issue 16): `.npz` archives (`nd::load_npz`, `nd::save_npz`,
//! `da::load_npz`), raw binary (`fromfile`, `tofile`) and DistDicts as JSON Lines
//! (`d.save`, `dd::load`). NumPy's own files (`tests/fixtures/io`, written by
//! `tests/fixtures/gen_npz.py`) load to the values the script computes; round trips
//! between layouts are exact; saved archives hold the bytes NumPy writes; every bad
//! input is an error by its message, with the session going on; a save cut short by a
//! file-size limit leaves the old file and no temporary.

use crate::io::{across_layouts, fixtures, leaves_no_temporaries, passes_on, run_in, run_limited, WANT};
use crate::util::{clusters, tempdir, On};
use std::io::Read;
use std::path::Path;

/// Rhai: layouts to try, by the number of axes.
const LAYOUTS: &str = r##"
    fn layouts(ndim, engines) {
        if ndim == 1 { return [[["b"], ()], [["c"], ()], [["bc:3"], ()]]; }
        let l = [[["b", "n"], ()], [["c", "b"], ()], [["bc:2", "c"], ()], [["n", "bc:3"], ()]];
        if engines >= 3 { l.push([["b", "b"], [engines, 1]]); }
        if engines == 4 || engines == 6 { l.push([["c", "b"], [2, engines / 2]]); }
        l
    }
    fn opts(l) { if l[1] == () { `#{dist: ${l[0]}}` } else { `#{dist: ${l[0]}, grid: ${l[1]}}` } }
"##;

#[test]
fn numpy_archives_and_raw_files_load_exactly() {
    let code = format!(
        r##"{WANT}{LAYOUTS}
        let engines = px("1").len();
        let members = [["f8", "f8", [5, 4]], ["i4", "i4", [5, 4]], ["c16", "c16", [37]], ["b1", "b1", [5, 4]],
                       ["f4_be", "f4", [5, 4]]];
        for file in ["stored", "deflated"] {{
            let path = `${{FIX}}/${{file}}.npz`;
            let m = nd::load_npz(path);
            if m.keys() != ["b1", "c16", "f4_be", "f8", "i2", "i4", "s"] {{ throw `${{file}}: ${{m.keys()}}` }}
            for x in members {{
                check(m[x[0]], x[1], x[2], `${{file}} ${{x[0]}}`);
                for l in layouts(x[2].len(), engines) {{
                    px(`let a = da::load_npz("${{path}}", "${{x[0]}}", ${{opts(l)}});`);
                    check(gather("a"), x[1], x[2], `${{file}} ${{x[0]}} as ${{opts(l)}}`);
                }}
            }}
            let i2 = m["i2"];
            if i2.dtype != "i32" || i2[[0, 0]] != -10 || i2[[4, 3]] != 9 {{ throw `${{file}} i2: ${{i2}}` }}
            if m.s.shape != [] || m.s.sum() != 2.5 {{ throw `${{file}} s: ${{m.s}}` }}
            px(`let w = da::load_npz("${{path}}", "i2", #{{dist: ["c", "n"]}});`);
            let w = gather("w");
            if w.dtype != "i32" || w[[4, 3]] != 9 {{ throw `${{file}} i2 engines: ${{w}}` }}
        }}
        let raws = [["f8_c.bin", "f64", [5, 4], "#{{}}", "f8"], ["f8_f_off16.bin", "f64", [5, 4], "#{{offset: 16, order: \"F\"}}", "f8"],
                    ["i4_c.bin", "i32", [5, 4], "#{{order: \"C\"}}", "i4"], ["c16_1d.bin", "c128", [37], "#{{}}", "c16"]];
        for r in raws {{
            let o = eval(r[3]);
            check(nd::fromfile(`${{FIX}}/${{r[0]}}`, r[1], r[2], o), r[4], r[2], r[0]);
            for l in layouts(r[2].len(), engines) {{
                let o = r[3].sub_string(0, r[3].len() - 1) + (if r[3] == "#{{}}" {{ "" }} else {{ ", " }})
                    + `dist: ${{l[0]}}` + (if l[1] == () {{ "" }} else {{ `, grid: ${{l[1]}}` }}) + "}}";
                px(`let a = da::fromfile("${{FIX}}/${{r[0]}}", "${{r[1]}}", ${{r[2]}}, ${{o}});`);
                check(gather("a"), r[4], r[2], `${{r[0]}} as ${{o}}`);
            }}
        }}
        // One extent is enough for a 1-d shape.
        check(nd::fromfile(`${{FIX}}/c16_1d.bin`, "c128", 37), "c16", [37], "1-d shape as an integer");
        print("ok");
    "##
    );
    for on in clusters() {
        passes_on(on, &code);
    }
}

#[test]
fn raw_and_npz_round_trips_between_layouts_are_exact() {
    let code = across_layouts(
        r##"a.tofile("t.bin");
                    let b = da::fromfile("t.bin", "${dtype}", [37, 23], #{dist: ${to[k]}});
                    let f = da::fromfile("t.bin", "${dtype}", [23, 37], #{order: "F", dist: ${from[k]}});
                    [b.dtype, b.dist, (b == a).all(), (f == a.transpose()).all()]"##,
    ) + r##"
        let engines = px("1").len();
        if engines >= 3 {
            let r = px(`let a = da::arange(60, #{dtype: "f64"}).reshape([6, 10]); a.tofile("g.bin");
                        let g = da::fromfile("g.bin", "f64", [6, 10], #{dist: ["b", "b"], grid: [1, ${engines}]}); (g == a).all()`);
            if !r.all(|x| x) { throw "grid" }
        }
        // The console reads and writes the same files.
        px(`let big = da::random([1000, 7], #{dist: ["c", "n"], seed: 3}); big.tofile("big.bin");`);
        let big = gather("big");
        if (nd::fromfile("big.bin", "f64", [1000, 7]) != big).any() { throw "console differs" }
        big.tofile("big2.bin");
        // Archives written at the console (stored and deflated), read by shard or inflated.
        let y = (big * 100.0).astype("i32");
        nd::save_npz("s.npz", #{x: big, y: y});
        nd::save_npz("z.npz", #{x: big, y: y}, #{compress: true});
        big.save("x.npy");
        y.save("y.npy");
        for f in ["s.npz", "z.npz"] {
            let m = nd::load_npz(f);
            if m.keys() != ["x", "y"] || (m.x != big).any() || (m.y != y).any() { throw `${f} at the console` }
            for d in [["b", "n"], ["c", "c"], ["bc:3", "n"], ["n", "b"]] {
                let r = px(`let b = da::load_npz("${f}", "x", #{dist: ${d}}); let c = da::load_npz("${f}", "y.npy");
                            [(b == big).all(), b.dist, (c == (big * 100.0).astype("i32")).all()]`);
                for x in r { if !x[0] || x[1] != d || !x[2] { throw `${f} as ${d}: ${x}` } }
            }
        }
        // Archives written on the engines, of NdArrays.
        px("nd::save_npz(`e${rank()}.npz`, #{v: nd::arange(5) * rank()})");
        for e in 0..engines { if nd::load_npz(`e${e}.npz`).v.sum() != 10 * e { throw `e${e}` } }
        print("ok");
    "##;
    for on in clusters() {
        let dir = passes_on(on, &code);
        let same = |a: &str, b: &str| {
            let (x, y) = (std::fs::read(dir.join(a)).unwrap(), std::fs::read(dir.join(b)).unwrap());
            assert!(x == y, "{on:?}: {a} differs from {b}");
        };
        // The last array written was the c128 one: its elements alone, no header.
        assert_eq!(std::fs::metadata(dir.join("t.bin")).unwrap().len(), 37 * 23 * 16);
        same("big.bin", "big2.bin");
        // The stored archive's members are the .npy files x.save wrote, byte for byte.
        assert_eq!(member(&dir.join("s.npz"), "x.npy"), std::fs::read(dir.join("x.npy")).unwrap());
        assert_eq!(member(&dir.join("z.npz"), "y.npy"), std::fs::read(dir.join("y.npy")).unwrap());
        assert_eq!(method(&dir.join("s.npz"), "x.npy"), zip::CompressionMethod::Stored);
        assert_eq!(method(&dir.join("z.npz"), "x.npy"), zip::CompressionMethod::Deflated);
        assert!(
            std::fs::metadata(dir.join("z.npz")).unwrap().len() < std::fs::metadata(dir.join("s.npz")).unwrap().len()
        );
        leaves_no_temporaries(&dir);
    }
}

/// A `.npz` whose stored member `x.npy` (20 bytes) claims a header of 65 KiB.
fn long_header_archive(path: &Path) {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("x.npy", opts).unwrap();
    zip.write_all(b"\x93NUMPY\x01\x00\xff\xff0123456789").unwrap();
    zip.finish().unwrap();
}

/// The bytes of member `name` of the archive at `path`.
pub fn member(path: &Path, name: &str) -> Vec<u8> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = Vec::new();
    z.by_name(name).unwrap().read_to_end(&mut out).unwrap();
    out
}

fn method(path: &Path, name: &str) -> zip::CompressionMethod {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let m = z.by_name(name).unwrap().compression();
    m
}

/// What pshell's `nd::save_npz` writes is what `np.savez` writes, member by member.
#[test]
fn saved_archives_hold_the_bytes_numpy_writes() {
    let code = r##"
        let m = nd::load_npz(`${FIX}/stored.npz`);
        nd::save_npz("again.npz", #{f8: m.f8, c16: m.c16, b1: m.b1, s: m.s});
        nd::save_npz("again_z.npz", #{f8: m.f8, c16: m.c16, b1: m.b1, s: m.s}, #{compress: true});
        let z = nd::load_npz("again_z.npz");
        if (z.f8 != m.f8).any() || (z.c16 != m.c16).any() || (z.b1 != m.b1).any() || z.s.sum() != 2.5 { throw "z" }
        print("ok");
    "##;
    let dir = passes_on(On::Threads(1), code);
    let theirs = fixtures().join("stored.npz");
    for name in ["f8.npy", "c16.npy", "b1.npy", "s.npy"] {
        assert!(member(&dir.join("again.npz"), name) == member(&theirs, name), "{name} differs from NumPy's");
        assert!(member(&dir.join("again_z.npz"), name) == member(&theirs, name), "{name} (deflated) differs");
    }
}

#[test]
fn bad_raw_and_npz_input_is_a_clear_error_and_the_session_goes_on() {
    let code = r##"
        let keep = 41;
        fn caught(f) { let r = "no error"; try { f.call(); } catch (e) { r = `${e}`; } r }
        let cases = [
            [`nd::fromfile("nope.bin", "f64", [3])`, "cannot open nope.bin: No such file or directory"],
            [`nd::fromfile("${FIX}/f8_c.bin", "f64", [1000, 1000], #{offset: 16})`,
             "f8_c.bin: the shape [1000, 1000] of f64 expects 8000000 bytes from offset 16, the file holds 160"],
            [`nd::fromfile("${FIX}/f8_c.bin", "f64", [5, 3])`, "expects 120 bytes from offset 0, the file holds 160"],
            [`nd::fromfile("${FIX}/f8_c.bin", "f16", [5, 4])`,
             "f8_c.bin: unknown dtype 'f16': use one of \"f64\", \"f32\", \"i64\", \"i32\", \"bool\", \"c128\""],
            [`nd::fromfile("${FIX}/f8_c.bin", "f64", [5, 4], #{order: "K"})`, "order \"K\": use \"C\" or \"F\""],
            [`nd::fromfile("${FIX}/f8_c.bin", "f64", [5, 4], #{offset: -1})`, "the offset -1 is negative"],
            [`nd::fromfile("${FIX}/f8_c.bin", "f64", [-5, 4])`, "has a negative extent"],
            [`nd::fromfile("${FIX}/f8_c.bin", "f64", [5, 4], #{dist: ["b"]})`, "nd::fromfile: unknown option 'dist': use offset, order"],
            [`nd::fromfile("${FIX}/f8_c.bin", "f64", "x")`, "the shape must be an array of integers"],
            [`nd::fromfile("${FIX}/f8_c.bin", "f64", [5, 4], #{offset: 1.5})`,
             "fromfile: offset must be an integer (bytes), not f64"],
            [`nd::fromfile("${FIX}/f8_c.bin", "f64", [5, 4], #{order: 1})`, "fromfile: order must be \"C\" or \"F\""],
            [`nd::fromfile("${FIX}/f8_c.bin", "f64", [5, 4], 16)`,
             "nd::fromfile: options must be a map like #{offset: ...}, not i64"],
            [`nd::load_npz("long_header.npz")`, "long_header.npz, member x.npy: a .npy header of"],
            [`nd::zeros([3]).tofile("/sys/x.bin")`, "cannot create /sys/x.bin: Permission denied"],
            [`nd::load_npz("nope.npz")`, "cannot open nope.npz: No such file or directory"],
            [`nd::load_npz("script.rhai")`, "script.rhai: not a .npz archive"],
            [`nd::load_npz("${FIX}/f8_c.npy")`, "f8_c.npy: not a .npz archive"],
            [`nd::save_npz("/sys/x.npz", #{a: nd::zeros([3])})`, "cannot create /sys/x.npz: Permission denied"],
            [`nd::save_npz("x.npz", #{a: [1, 2]})`, "nd::save_npz: member 'a' is a array, not an NdArray"],
            [`nd::save_npz("x.npz", #{a: nd::zeros([3])}, #{compress: 1})`, "compress must be true or false"],
            [`nd::save_npz("x.npz", #{a: nd::zeros([3])}, #{level: 1})`, "unknown option 'level': use compress"],
            [`nd::save_npz("x.npz", #{a: nd::zeros([3])}, true)`,
             "nd::save_npz: options must be a map like #{compress: ...}, not bool"],
        ];
        for c in cases {
            let e = caught(|| eval(c[0]));
            if !e.contains(c[1]) { throw `console ${c[0]}: ${e}` }
        }
        let engines = [
            [`da::fromfile("nope.bin", "f64", [3])`, "cannot open nope.bin: No such file or directory"],
            [`da::fromfile("${FIX}/f8_c.bin", "f64", [1000, 1000], #{offset: 16})`,
             "f8_c.bin: the shape [1000, 1000] of f64 expects 8000000 bytes from offset 16, the file holds 160"],
            [`da::fromfile("${FIX}/f8_c.bin", "c64", [5, 4])`, "unknown dtype 'c64': use one of"],
            [`da::fromfile("${FIX}/f8_c.bin", "f64", [5, 4], #{dist: ["b"]})`, "dist"],
            [`da::fromfile("${FIX}/f8_c.bin", "f64", [5, 4], #{skip: 1})`, "unknown option 'skip': use dist, grid, offset, order"],
            [`da::fromfile("${FIX}/f8_c.bin", "f64", [])`, "the shape [] of f64 expects 8 bytes from offset 0"],
            [`da::fromfile("${FIX}/f8_c.bin", "f64", [], #{offset: 152})`, "f8_c.bin: holds a single value (a 0-d array)"],
            [`da::zeros([10]).tofile("/sys/x.bin")`, "cannot create /sys/x.bin: Permission denied"],
            [`da::zeros([10]).tofile("no/such/folder/x.bin")`, "cannot create no/such/folder/x.bin: No such file or directory"],
            [`da::load_npz("nope.npz", "a")`, "cannot open nope.npz: No such file or directory"],
            [`da::load_npz("${FIX}/stored.npz", "zz")`,
             "stored.npz: no member named 'zz': the archive holds f8, i4, c16, b1, f4_be, i2, s"],
            [`da::load_npz("${FIX}/deflated.npz", "zz")`, "no member named 'zz': the archive holds f8, i4"],
            [`da::load_npz("${FIX}/stored.npz", "s")`, "member s.npy: holds a single value (a 0-d array)"],
            [`da::load_npz("${FIX}/deflated.npz", "s")`, "member s.npy: holds a single value (a 0-d array)"],
            [`da::load_npz("script.rhai", "a")`, "script.rhai: not a .npz archive"],
            [`da::load_npz("${FIX}/stored.npz", "f8", #{order: "C"})`, "unknown option 'order'"],
            [`da::load_npz("${FIX}/stored.npz", "f8", ["b"])`,
             "da::load_npz: options must be a map like #{dist: [\"b\"]}, not array"],
            [`da::load_npz("long_header.npz", "x")`, "a .npy header of 65545 bytes in a member of 20 bytes"],
        ];
        for c in engines {
            let e = caught(|| px(c[0]));
            if !e.contains(c[1]) { throw `engines ${c[0]}: ${e}` }
        }
        px("let v = 5;");
        if px("v")[0] != 5 || keep != 41 { throw "variables lost" }
        print("ok");
    "##;
    for on in clusters() {
        let dir = tempdir();
        long_header_archive(&dir.join("long_header.npz"));
        let r = run_in(on, &dir, code).ok();
        assert!(r.stdout.contains("ok"), "{on:?}:\n{}\n{}", r.stdout, r.stderr);
        leaves_no_temporaries(&dir);
        assert!(!dir.join("x.npz").exists());
    }
}

/// Saves cut short by a file-size limit (as on a full disk) fail with the reason, leave
/// the older file under the name as it was and no temporary; the session goes on.
#[test]
fn a_failed_raw_npz_or_dict_save_leaves_the_old_file_intact() {
    let code = r##"
        fn fails(code, want) {
            try { px(code); throw `saved: ${code}` } catch (e) { if !`${e}`.contains(want) { throw e } }
        }
        px(`da::arange(10).tofile("keep.bin")`);
        nd::save_npz("keep.npz", #{a: nd::arange(3)});
        nd::save_npz("keep_z.npz", #{a: nd::arange(3)}, #{compress: true});
        fails(`da::zeros([1000000]).tofile("keep.bin")`, "cannot write keep.bin: File too large");
        fails(`da::zeros([1000, 1000], #{dist: ["c", "c"]}).tofile("keep.bin")`, "cannot write keep.bin: File too large");
        try { nd::save_npz("keep.npz", #{a: nd::zeros([1000000])}); throw "saved" } catch (e) {
            if !`${e}`.contains("cannot write keep.npz: File too large") { throw e }
        }
        try { nd::save_npz("keep_z.npz", #{a: nd::random([1000000])}, #{compress: true}); throw "saved" } catch (e) {
            if !`${e}`.contains("cannot write keep_z.npz: File too large") { throw e }
        }
        try { nd::zeros([1000000]).tofile("keep_nd.bin"); throw "saved" } catch (e) {
            if !`${e}`.contains("cannot write keep_nd.bin: File too large") { throw e }
        }
        if (nd::fromfile("keep.bin", "i64", [10]) != nd::arange(10)).any() { throw "keep.bin changed" }
        if (nd::load_npz("keep.npz").a != nd::arange(3)).any() { throw "keep.npz changed" }
        if (nd::load_npz("keep_z.npz").a != nd::arange(3)).any() { throw "keep_z.npz changed" }
        print("ok");
    "##;
    for on in clusters() {
        let dir = tempdir();
        run_limited(on, &dir, code);
        assert!(!dir.join("keep_nd.bin").exists());
    }
}
