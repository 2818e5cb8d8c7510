//! Plot functions driven the way a user does: scripts run by the `pshell` binary, at the
//! console and on engines, on every cluster. Each run happens in a fresh working
//! directory (so `plots/` lands there, not in the repository) with `FONTCONFIG_FILE`
//! pointing at an empty configuration and no font folders, which proves that rendering
//! needs no system fonts. The files are decoded and checked: size, not blank, title text
//! drawn (PNG) or present (SVG).

use crate::images::{check_svg, count_color, decode, variance};
use crate::util::{clusters, run_with, tempdir, On, Run, Setting};
use std::path::{Path, PathBuf};

/// A fresh directory, and the setting that runs pshell in it without system fonts.
fn no_fonts_dir() -> (PathBuf, Setting) {
    let dir = tempdir();
    let conf = dir.join("empty-fonts.conf");
    std::fs::write(&conf, "<?xml version=\"1.0\"?>\n<fontconfig></fontconfig>\n").expect("write fonts.conf");
    let none = dir.join("no-fonts");
    std::fs::create_dir_all(&none).expect("mkdir");
    let none = none.display().to_string();
    let env = vec![
        ("FONTCONFIG_FILE".to_string(), conf.display().to_string()),
        ("FONTCONFIG_PATH".to_string(), none.clone()),
        ("XDG_DATA_DIRS".to_string(), none.clone()),
        ("XDG_DATA_HOME".to_string(), none),
        // Previews are as wide as the terminal says; tests check 80 columns.
        ("COLUMNS".to_string(), "80".to_string()),
    ];
    (dir.clone(), Setting { dir: Some(dir), env })
}

/// Runs console script `code` in `dir` (see [`no_fonts_dir`]).
fn script_in(on: On, setting: &Setting, code: &str) -> Run {
    let dir = setting.dir.as_ref().expect("a directory");
    std::fs::write(dir.join("script.rhai"), code).expect("write script");
    run_with(on, &["script.rhai"], None, setting)
}

/// Checks a saved PNG: decodes, has this size, is not blank, and (`titled`: a title at
/// the top, as plots other than imshow have) has dark text pixels in the band above the
/// plot. Returns its pixels.
fn png_file(path: &Path, size: (u32, u32), titled: bool) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (w, h, rgb) = decode(&bytes);
    assert_eq!((w, h), size, "{}", path.display());
    let v = variance(&rgb);
    assert!(v > 100.0, "{} looks blank: grey variance {v}", path.display());
    if titled {
        let band = &rgb[..(w as usize * 3 * (h as usize / 20).max(12))];
        let dark = band.chunks(3).filter(|p| p.iter().all(|&c| c < 80)).count();
        assert!(dark > 20, "{}: no title text drawn ({dark} dark pixels)", path.display());
    }
    rgb
}

/// One line of the listing the scripts print from `plots()`.
struct Listed {
    path: PathBuf,
    engine: String,
    kind: String,
    title: String,
    size: (u32, u32),
}

const LIST: &str =
    "for p in plots() { print(`listed|${p.path}|${p.engine}|${p.kind}|${p.title}|${p.width}|${p.height}`) }";

fn listed(dir: &Path, stdout: &str) -> Vec<Listed> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("listed|"))
        .map(|l| {
            let f: Vec<&str> = l.split('|').collect();
            Listed {
                path: dir.join(f[0]),
                engine: f[1].to_string(),
                kind: f[2].to_string(),
                title: f[3].to_string(),
                size: (f[4].parse().unwrap(), f[5].parse().unwrap()),
            }
        })
        .collect()
}

#[test]
fn every_kind_at_the_console_and_on_engines_without_system_fonts() {
    for on in clusters() {
        let n = on.engines();
        let (dir, setting) = no_fonts_dir();
        let code = format!(
            r#"let ys = []; for i in 0..50 {{ ys.push(i * i) }}
print(plot(ys, #{{title: "Line", width: 400, height: 300}}));
print(scatter(ys, ys, #{{title: "Scatter", xlabel: "x", ylabel: "y"}}));
print(hist(ys, #{{title: "Hist", bins: 7, width: 300, height: 200}}));
print(imshow([[1, 2], [3, 4]], #{{title: "Image", format: "svg"}}));
let r = px("plot([1, 3, 2], #{{title: `Line ${{rank()}}`}}); scatter([1, 2], [2, 1], #{{title: `Scatter ${{rank()}}`}});
hist([1, 2, 2, 3], #{{title: `Hist ${{rank()}}`, height: 250}}); imshow([[1, 2], [3, 4]], #{{title: `Image ${{rank()}}`, file: `e${{rank()}}.svg`}})");
if r.len() != {n} {{ throw "one value per engine" }}
{LIST}"#
        )
        .replace("});\nhist", "}); hist");
        let r = script_in(on, &setting, &code).ok();
        assert!(
            r.stdout.starts_with(
                "saved plots/001.png\nplots/001.png\nsaved plots/002.png\nplots/002.png\n\
                 saved plots/003.png\nplots/003.png\nsaved plots/004.svg\nplots/004.svg\n"
            ),
            "{on:?}\n{}",
            r.stdout
        );
        for e in 0..n {
            let mine: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with(&format!("[{e}] saved "))).collect();
            assert_eq!(mine.len(), 4, "{on:?} engine {e}:\n{}", r.stdout);
            assert!(mine.contains(&format!("[{e}] saved e{e}.svg").as_str()), "{}", r.stdout);
        }
        let list = listed(&dir, &r.stdout);
        assert_eq!(list.len(), 4 + 4 * n, "{}", r.stdout);
        for item in &list {
            let who = if item.engine.is_empty() { String::new() } else { format!(" {}", item.engine) };
            let kind_title = match item.kind.as_str() {
                "plot" => "Line",
                "scatter" => "Scatter",
                "hist" => "Hist",
                _ => "Image",
            };
            assert_eq!(item.title, format!("{kind_title}{who}"));
            if item.path.extension().is_some_and(|x| x == "svg") {
                let text = std::fs::read_to_string(&item.path).expect("read SVG");
                check_svg(&text, Some(&item.title));
            } else {
                png_file(&item.path, item.size, item.kind != "imshow");
            }
        }
        let sizes: Vec<(u32, u32)> = list[..4].iter().map(|l| l.size).collect();
        assert_eq!(sizes, [(400, 300), (640, 480), (300, 200), (640, 480)]);
        assert!(list[4..].iter().filter(|l| l.kind == "hist").all(|l| l.size == (640, 250)));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn several_series_get_their_own_colours_and_labels() {
    // The palette's first two colours: blue and orange.
    let (blue, orange) = ([0, 114, 178], [230, 159, 0]);
    for on in clusters() {
        let (dir, setting) = no_fonts_dir();
        let code = r#"let a = []; let b = []; let x = [];
for i in 0..100 { x.push(i / 10.0); a.push((i / 10.0).sin()); b.push((i / 7.0).cos()) }
plot([a, b], #{label: ["a", "b"], file: "rows.png"});
plot(x, [a, b], #{label: ["sin", "cos"], file: "shared_x.svg"});
px("let a = []; let b = []; for i in 0..100 { a.push((i / 10.0).sin()); b.push((i / 7.0).cos()) } scatter([a, b], [b, a], #{label: [`one`, `two`], file: `engine.png`})", 0);"#;
        let r = script_in(on, &setting, code).ok();
        assert_eq!(r.stdout, "saved rows.png\nsaved shared_x.svg\n[0] saved engine.png\n", "{on:?}");
        for f in ["rows.png", "engine.png"] {
            let rgb = png_file(&dir.join(f), (640, 480), false);
            assert!(count_color(&rgb, blue) > 100 && count_color(&rgb, orange) > 100, "{f}: two series");
        }
        let svg = std::fs::read_to_string(dir.join("shared_x.svg")).unwrap();
        check_svg(&svg, None);
        assert!(svg.contains("sin") && svg.contains("cos"), "legend labels in the SVG");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Bad input: each case raises this message at the console and on an engine, and the
/// session goes on.
#[test]
fn bad_input_is_a_clear_error_at_the_console_and_on_engines() {
    let cases: &[(&str, &str)] = &[
        ("plot([])", "plot: y is empty, nothing to plot"),
        ("hist([])", "plot: histogram data is empty, nothing to plot"),
        ("plot([1, 2, 3], [1, 2])", "plot: series 0: x has 3 values but y has 2"),
        ("scatter([[1], [2]], [[1], [2], [3]])", "scatter: 2 x arrays but 3 y arrays; give one x per series"),
        (
            "imshow([[[1, 2]], [[3, 4]]])",
            "imshow: the image is a 3-D array; imshow takes a 2-D array (an array of rows)",
        ),
        ("imshow([1, 2])", "imshow: the image is a 1-D array; imshow takes a 2-D array (an array of rows)"),
        ("imshow([[1, 2], [3]])", "imshow: row 1 has 1 value but row 0 has 2 values"),
        ("plot([1, 2], #{format: `gif`})", "plot: unknown format \"gif\", expected \"png\" or \"svg\""),
        ("plot([1, 2], #{file: `x.jpg`})", "plot: unknown format \"jpg\", expected \"png\" or \"svg\""),
        (
            "plot([1, 2], #{file: `x.png`, format: `svg`})",
            "plot: file 'x.png' does not end in .svg (format is \"svg\")",
        ),
        ("plot([1, `a`])", "plot: y[1] is not a number (string)"),
        ("plot([1, 2], #{colour: `red`})", "plot: unknown option 'colour'; the options are title, xlabel, ylabel"),
        ("plot([1, 2], #{title: 5})", "plot: option 'title' must be a string, not i64"),
        ("plot([[1, 2], [3, 4]], #{label: [`a`]})", "plot: 1 label for 2 series"),
        ("hist([1, 2], #{bins: 0})", "hist: bins must be between 1 and 100000, got 0"),
        ("hist([1, 2], #{bins: -4})", "hist: bins must be between 1 and 100000, got -4"),
        ("plot([1, 2], #{bins: 3})", "plot: option 'bins' is for hist"),
        ("plot([1, 2], #{width: 20})", "plot: size 20x480 is out of range"),
        ("plot([1, 2], 5, 6)", "plot: options must be a map like #{title: \"...\"}, not i64"),
        ("plot([0.0 / 0.0])", "plot: all 1 values are NaN or infinite, nothing to plot"),
        (
            "plot([1, 2], #{file: `no/such/folder/x.png`})",
            "plot: cannot write 'no/such/folder/x.png': No such file or directory",
        ),
    ];
    let mut code = String::new();
    for (snippet, _) in cases {
        code.push_str(&format!("try {{ {snippet}; print(\"no error\") }} catch (e) {{ print(`console| ${{e}}`) }}\n"));
        code.push_str(&format!(
            "try {{ px({:?}, 0); print(\"no error\") }} catch (e) {{ print(`engine| ${{e}}`) }}\n",
            snippet
        ));
    }
    code.push_str("print(`still here ${px(\"1\").len()} ${plots().len()}`);\n");
    for on in clusters() {
        let (dir, setting) = no_fonts_dir();
        let r = script_in(on, &setting, &code).ok();
        let lines: Vec<&str> = r.stdout.lines().collect();
        let console: Vec<&str> = lines.iter().filter_map(|l| l.strip_prefix("console| ")).collect();
        let engine: Vec<&&str> = lines.iter().filter(|l| l.starts_with("engine| ")).collect();
        assert_eq!((console.len(), engine.len()), (cases.len(), cases.len()), "{on:?}:\n{}", r.stdout);
        for (i, (snippet, message)) in cases.iter().enumerate() {
            assert!(console[i].starts_with(message), "console, {snippet}: expected {message:?}, got {:?}", console[i]);
            let kind = if message.contains("cannot write") { "PlotError" } else { "RuntimeError" };
            let want = format!("engine| [0] {kind}: {message}");
            assert!(engine[i].starts_with(&want), "engine, {snippet}: expected {want:?}, got {:?}", engine[i]);
        }
        assert!(r.stdout.ends_with(&format!("still here {} 0\n", on.engines())), "{}", r.stdout);
        assert!(!dir.join("plots").exists(), "nothing was saved");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn nan_and_inf_are_skipped_and_counted_in_a_note() {
    for on in clusters() {
        let (dir, setting) = no_fonts_dir();
        let code = "plot([1, 0.0 / 0.0, 3, 1.0 / 0.0, 2]);\npx(\"hist([1.0, -1.0 / 0.0, 2.0])\", 0);";
        let r = script_in(on, &setting, code).ok();
        assert_eq!(
            r.stdout,
            "saved plots/001.png\nnote: skipped 2 non-finite values\n[0] saved plots/002.png\n[0] note: skipped 1 non-finite value\n"
        );
        png_file(&dir.join("plots/001.png"), (640, 480), false);
        png_file(&dir.join("plots/002.png"), (640, 480), false);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn previews_are_text_drawn_when_asked_and_left_out_of_pipes() {
    let braille = |s: &str| s.chars().filter(|c| ('\u{2801}'..='\u{28ff}').contains(c)).count();
    for on in clusters() {
        let (dir, setting) = no_fonts_dir();
        let code = r#"let y = []; for i in 0..300 { y.push((i / 20.0).sin()) } plot(y, #{title: "wave"});
plot(y, #{title: "wave", preview: true});
px("let y = []; for i in 0..300 { y.push((i / 20.0).sin()) } plot(y, #{title: `engine wave`, preview: true}); imshow([[1, 2], [3, 4]], #{preview: true}); plot(y)", 0);"#;
        let r = script_in(on, &setting, code).ok();
        let (first, rest) = r.stdout.split_once("saved plots/002.png\n").expect("second plot");
        assert_eq!(first, "saved plots/001.png\n", "no preview unasked when not at a terminal");
        let (console, engine) = rest.split_once("[0] saved plots/003.png\n").expect("engine plot");
        assert!(console.lines().next().unwrap().trim() == "wave" && braille(console) > 50, "{console}");
        assert!(console.lines().all(|l| l.chars().count() <= 80), "{console}");
        let (line, image) = engine.split_once("[0] saved plots/004.png\n").expect("engine image");
        assert!(line.lines().all(|l| l.starts_with("[0] ")) && braille(line) > 50, "{line}");
        assert!(line.lines().next().unwrap().contains("engine wave"), "{line}");
        assert!(image.contains('█') && image.contains("2x2, values 1 to 4"), "{image}");
        assert!(image.ends_with("[0] saved plots/005.png\n"), "{image}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn numbering_continues_after_pictures_already_saved() {
    let on = clusters()[0];
    let (dir, setting) = no_fonts_dir();
    std::fs::create_dir_all(dir.join("plots")).unwrap();
    std::fs::write(dir.join("plots/041.png"), b"from an earlier session").unwrap();
    let r = script_in(on, &setting, "plot([1, 2]);\nprint(hist([1, 2], #{format: \"svg\"}));").ok();
    assert_eq!(r.stdout, "saved plots/042.png\nsaved plots/043.svg\nplots/043.svg\n");
    assert_eq!(std::fs::read(dir.join("plots/041.png")).unwrap(), b"from an earlier session");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_gallery_saves_good_pictures_from_console_and_engines() {
    let gallery = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/plot_gallery.rhai");
    for on in clusters() {
        let (dir, setting) = no_fonts_dir();
        let code = std::fs::read_to_string(&gallery).unwrap() + "\n" + LIST;
        let r = script_in(on, &setting, &code).ok();
        let saved = r.stdout.lines().filter(|l| l.contains("saved plots/")).count();
        let list = listed(&dir, &r.stdout);
        assert_eq!((saved, list.len()), (8 + on.engines(), 8 + on.engines()), "{}", r.stdout);
        for item in list {
            if item.path.extension().is_some_and(|x| x == "svg") {
                check_svg(&std::fs::read_to_string(&item.path).unwrap(), Some(&item.title));
            } else {
                png_file(&item.path, item.size, item.kind != "imshow");
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn spmd_scripts_plot_on_every_engine() {
    for on in clusters() {
        let (dir, setting) = no_fonts_dir();
        std::fs::write(dir.join("spmd.rhai"), "plot([rank(), 1, rank() * 2], #{title: `rank ${rank()}`});").unwrap();
        let r = run_with(on, &["--spmd", "spmd.rhai"], None, &setting).ok();
        let n = on.engines();
        let mut saved: Vec<&str> = r.stdout.lines().filter_map(|l| l.split("saved ").nth(1)).collect();
        saved.sort();
        let expected: Vec<String> = (1..=n).map(|i| format!("plots/{i:03}.png")).collect();
        assert_eq!(saved, expected, "{}", r.stdout);
        for e in 0..n {
            assert_eq!(r.stdout.matches(&format!("[{e}] saved plots/")).count(), 1, "{}", r.stdout);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The client side of engine pictures, without the console: they reach the plot sink
/// with their engine and request; a sink's failure becomes that engine's `PlotError`.
#[test]
fn the_client_hands_engine_pictures_to_its_plot_sink() {
    use pshell::client::Client;
    use pshell::protocol::PlotImage;
    use pshell::runner::{self, EngineConfig};
    use pshell::transport::threads;
    use std::cell::RefCell;
    use std::rc::Rc;

    let (console, ends) = threads::cluster(2);
    let handles: Vec<_> = ends
        .into_iter()
        .map(|end| std::thread::spawn(move || runner::run(Box::new(end), EngineConfig::default())))
        .collect();
    let mut client = Client::connect(Box::new(console), Box::new(|_| {})).unwrap();
    let err = client.execute("plot([1, 2])", &[0], "test").unwrap_err();
    assert_eq!((err.errors[0].kind.as_str(), err.errors[0].engine), ("PlotError", 0));
    assert!(err.errors[0].message.contains("this console cannot take pictures from engines"));

    let got: Rc<RefCell<Vec<PlotImage>>> = Rc::default();
    let g = got.clone();
    client.set_plot_sink(Box::new(move |img| {
        g.borrow_mut().push(img.clone());
        Ok(())
    }));
    client.execute("hist([1, 2, 2, 3], #{title: `h`, width: 320, height: 240})", &[0, 1], "test").unwrap();
    let images = got.borrow().clone();
    assert_eq!(images.len(), 2);
    for img in &images {
        assert_eq!((img.kind.as_str(), img.title.as_str(), img.format.as_str()), ("hist", "h", "png"));
        assert_eq!(decode(&img.bytes).0, 320);
        assert!(!img.preview.is_empty() && !img.force_preview && img.file.is_none());
    }
    let mut engines: Vec<usize> = images.iter().map(|i| i.engine).collect();
    engines.sort();
    assert_eq!(engines, [0, 1]);

    client.set_plot_sink(Box::new(|img| if img.engine == 1 { Err("disk full".into()) } else { Ok(()) }));
    let err = client.execute("plot([1, 2]); rank()", &[0, 1], "test").unwrap_err();
    assert_eq!(err.errors.len(), 1);
    assert_eq!(
        (err.errors[0].engine, err.errors[0].kind.as_str(), err.errors[0].message.as_str()),
        (1, "PlotError", "disk full")
    );
    assert_eq!(client.execute("rank()", &[0, 1], "test").unwrap().len(), 2, "the session goes on");
    client.shutdown();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn a_distarray_plotted_on_the_engines_is_drawn_once_whole() {
    for on in crate::util::clusters() {
        let dir = crate::util::tempdir();
        let (line, image) = (dir.join("line.png"), dir.join("image.png"));
        let code = format!(
            "px(`let a = da::linspace(0.0, 1.0, 101, #{{dist: [\"c\"]}});\nplot(a * a, #{{file: \"{}\"}});\nlet m = da::random([40, 30], #{{dist: [\"b\", \"c\"], seed: 3}});\nimshow(m, #{{file: \"{}\", width: 300, height: 200}});`);\nlet p = plots();\nprint(p.len());\nprint(p.map(|x| x.engine));\ntry {{ px(`plot(da::zeros([4], #{{dtype: \"c128\"}}))`); }} catch (e) {{ print(e); }}",
            line.display(),
            image.display()
        );
        let r = crate::util::script(on, &code).ok();
        let saved: Vec<&str> = r.stdout.lines().filter(|l| l.contains("saved")).collect();
        assert_eq!(saved.len(), 2, "one picture per plot call, not one per engine:\n{}", r.stdout);
        assert!(saved.iter().all(|l| l.starts_with("[0] saved")), "{}", r.stdout);
        assert!(r.stdout.contains("\n2\n[0, 0]\n"), "{}", r.stdout);
        assert!(
            r.stdout.contains("a complex DistArray cannot be plotted; plot its .re, .im or .abs()"),
            "{}",
            r.stdout
        );
        for (path, (w, h)) in [(&line, (640, 480)), (&image, (300, 200))] {
            let bytes = std::fs::read(path).expect("the picture was saved");
            let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
            let info = decoder.read_info().expect("a PNG").info().clone();
            assert_eq!((info.width, info.height), (w, h), "{}", path.display());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
