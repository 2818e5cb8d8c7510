//! The session's plots at the console: where each picture is saved, what is shown, and
//! the list that `plots()` and `%plots` read.
//!
//! Every picture, drawn at the console or sent by an engine as bytes, ends in
//! [`PlotLog::save`]: it is written to the file the user named, or by default to
//! `plots/NNN.png` (or `.svg`) in the working directory, numbered in the order made. The
//! first default save of a session looks at `plots/` and continues after the highest
//! number there, so a new session never overwrites an earlier session's pictures. The
//! console then prints `saved PATH` (tagged `[e]` for engine `e`), the terminal preview
//! when the console is interactive (stdin and stdout are terminals) or the user asked
//! for it, or else a note about skipped values (the preview carries it too). Rendering
//! is left to [`crate::plot`]; turning script calls into pictures, to `bindings::plot`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The default folder of saved plots, relative to the working directory.
pub const DEFAULT_DIR: &str = "plots";

/// One picture to save and show.
#[derive(Debug, Clone)]
pub struct Picture<'a> {
    /// The engine that drew it; `None`: the console.
    pub engine: Option<usize>,
    /// "plot", "scatter", "hist" or "imshow".
    pub kind: &'a str,
    pub title: &'a str,
    /// "png" or "svg": the default file's extension.
    pub format: &'a str,
    pub width: u32,
    pub height: u32,
    /// The file the user asked for; `None`: the next `plots/NNN.ext`.
    pub file: Option<&'a str>,
    pub note: Option<&'a str>,
    /// The terminal preview ("" if none was made).
    pub preview: &'a str,
    /// Show the preview even when the console is not interactive.
    pub force_preview: bool,
    pub bytes: &'a [u8],
}

/// A picture saved in this session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub path: PathBuf,
    pub engine: Option<usize>,
    pub kind: String,
    pub title: String,
    pub format: String,
    pub width: u32,
    pub height: u32,
    /// The size of the file written.
    pub bytes: usize,
}

/// The session's plots.
#[derive(Debug)]
pub struct PlotLog {
    dir: PathBuf,
    /// The number of the next default file; found on the first default save.
    next: Option<usize>,
    saved: Vec<Saved>,
    /// Whether previews are shown without being asked for (an interactive console).
    interactive: bool,
}

impl PlotLog {
    /// A log saving default files under `dir`; `interactive` shows previews unasked.
    pub fn new(dir: impl Into<PathBuf>, interactive: bool) -> PlotLog {
        PlotLog { dir: dir.into(), next: None, saved: Vec::new(), interactive }
    }

    /// Whether a preview is shown when the user did not say (`preview` option absent).
    pub fn interactive(&self) -> bool {
        self.interactive
    }

    /// The pictures saved so far, oldest first.
    pub fn saved(&self) -> &[Saved] {
        &self.saved
    }

    /// Writes `pic` to its file and returns the path and the text to show.
    pub fn save(&mut self, pic: &Picture) -> Result<(PathBuf, String), String> {
        let path = match pic.file {
            Some(f) => PathBuf::from(f),
            None => self.next_default(pic.format)?,
        };
        std::fs::write(&path, pic.bytes)
            .map_err(|e| format!("{}: cannot write '{}': {e}", pic.kind, path.display()))?;
        if pic.file.is_none() {
            self.next = self.next.map(|n| n + 1);
        }
        self.saved.push(Saved {
            path: path.clone(),
            engine: pic.engine,
            kind: pic.kind.to_string(),
            title: pic.title.to_string(),
            format: pic.format.to_string(),
            width: pic.width,
            height: pic.height,
            bytes: pic.bytes.len(),
        });
        let mut text = format!("saved {}\n", path.display());
        if !pic.preview.is_empty() && (pic.force_preview || self.interactive) {
            // The preview's last line already carries the note.
            text.push_str(pic.preview.trim_end_matches('\n'));
            text.push('\n');
        } else if let Some(note) = pic.note {
            let _ = writeln!(text, "note: {note}");
        }
        if let Some(e) = pic.engine {
            text = text.lines().map(|l| format!("[{e}] {l}\n")).collect();
        }
        Ok((path, text))
    }

    /// `plots/NNN.ext` for the next number, creating the folder if needed.
    fn next_default(&mut self, ext: &str) -> Result<PathBuf, String> {
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| format!("plot: cannot create the folder '{}': {e}", self.dir.display()))?;
        let n = *self.next.get_or_insert_with(|| highest_number(&self.dir) + 1);
        Ok(self.dir.join(format!("{n:03}.{ext}")))
    }

    /// The table `%plots` shows: number, path, who drew it, kind, title and size.
    pub fn listing(&self) -> String {
        if self.saved.is_empty() {
            return "no plots yet in this session\n".into();
        }
        let width = self.saved.iter().map(|s| s.path.display().to_string().chars().count()).max().unwrap_or(0);
        let mut out = String::new();
        for (i, s) in self.saved.iter().enumerate() {
            let who = s.engine.map_or_else(|| "console".to_string(), |e| format!("[{e}]"));
            let title = if s.title.is_empty() { String::new() } else { format!(" {:?}", s.title) };
            let path = s.path.display().to_string();
            let _ = writeln!(out, "{:>3}  {path:<width$}  {who:<7}  {} {}x{}{title}", i + 1, s.kind, s.width, s.height);
        }
        out
    }
}

/// The highest `NNN` of the files named `NNN.ext` in `dir` (0 if none).
fn highest_number(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            let (stem, _ext) = name.split_once('.')?;
            stem.bytes().all(|b| b.is_ascii_digit()).then(|| stem.parse::<usize>().ok())?
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture<'a>(engine: Option<usize>, file: Option<&'a str>) -> Picture<'a> {
        Picture {
            engine,
            kind: "plot",
            title: "t",
            format: "png",
            width: 640,
            height: 480,
            file,
            note: None,
            preview: "⣿\n",
            force_preview: false,
            bytes: b"bytes",
        }
    }

    fn fresh_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pshell-plots-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn default_files_are_numbered_after_the_ones_already_there() {
        let dir = fresh_dir("numbers");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("007.svg"), "").unwrap();
        std::fs::write(dir.join("notes.txt"), "").unwrap();
        let mut log = PlotLog::new(&dir, false);
        let (a, text) = log.save(&picture(None, None)).unwrap();
        assert_eq!(a, dir.join("008.png"));
        assert_eq!(text, format!("saved {}\n", a.display()));
        let (b, text) = log.save(&picture(Some(2), None)).unwrap();
        assert_eq!(b, dir.join("009.png"));
        assert_eq!(text, format!("[2] saved {}\n", b.display()));
        assert_eq!(std::fs::read(&b).unwrap(), b"bytes");
        assert_eq!(log.saved().len(), 2);
        assert!(log.listing().contains("  2  "), "{}", log.listing());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn previews_show_when_interactive_or_forced_and_notes_always() {
        let dir = fresh_dir("preview");
        let mut log = PlotLog::new(&dir, true);
        let mut pic = picture(Some(1), None);
        pic.note = Some("skipped 1 non-finite value");
        let (_, text) = log.save(&pic).unwrap();
        assert!(text.ends_with("[1] ⣿\n"), "{text}");
        let mut log = PlotLog::new(&dir, false);
        let (_, text) = log.save(&pic).unwrap();
        assert!(text.ends_with("[1] note: skipped 1 non-finite value\n") && !text.contains('⣿'), "{text}");
        pic.force_preview = true;
        assert!(log.save(&pic).unwrap().1.contains('⣿'));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_unwritable_file_is_an_error_and_nothing_is_listed() {
        let dir = fresh_dir("unwritable");
        let mut log = PlotLog::new(&dir, false);
        let missing = dir.join("no/such/dir/x.png");
        let err = log.save(&picture(None, missing.to_str())).unwrap_err();
        assert!(err.starts_with(&format!("plot: cannot write '{}': ", missing.display())), "{err}");
        assert!(log.saved().is_empty());
        assert_eq!(log.listing(), "no plots yet in this session\n");
    }
}
