//! Files by path, with the path in every error: opening, positioned reads and writes,
//! and [`Atomic`], a file written under a temporary name beside its target and renamed
//! over it only when complete.
//!
//! The temporary is `.NAME.pshell-PID-N.tmp` in the target's folder (the same file
//! system, so the rename is atomic). Its creator removes it when the write fails or is
//! abandoned, so a failed save leaves no new file and an older file under the name as
//! it was. Other processes (MPI engines) open the same temporary by name to write their
//! parts at their offsets.

use super::error::IoError;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Opens `path` for reading.
pub fn open(path: &str) -> Result<File, IoError> {
    File::open(path).map_err(|e| IoError::os(path, "open", &e))
}

/// The file's length in bytes.
pub fn len(path: &str, f: &File) -> Result<u64, IoError> {
    f.metadata().map(|m| m.len()).map_err(|e| IoError::os(path, "read", &e))
}

/// Reads `buf.len()` bytes at `offset`, or says how much of the file there was.
pub fn read_exact_at(path: &str, f: &File, buf: &mut [u8], offset: u64) -> Result<(), IoError> {
    let mut done = 0;
    while done < buf.len() {
        crate::interrupt::check("a file read")?;
        let end = buf.len().min(done + PIECE);
        match f.read_at(&mut buf[done..end], offset + done as u64) {
            Ok(0) => {
                let have = len(path, f)?;
                return Err(IoError::format(
                    path,
                    format!(
                        "the file ends at byte {have}, before byte {} that was to be read",
                        offset + buf.len() as u64
                    ),
                ));
            }
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(IoError::os(path, "read", &e)),
        }
    }
    Ok(())
}

/// Writes all of `buf` at `offset`.
pub fn write_all_at(path: &str, f: &File, buf: &[u8], offset: u64) -> Result<(), IoError> {
    for (i, piece) in buf.chunks(PIECE).enumerate() {
        crate::interrupt::check("a file write")?;
        f.write_all_at(piece, offset + (i * PIECE) as u64).map_err(|e| IoError::os(path, "write", &e))?;
    }
    Ok(())
}

/// The most bytes read or written between two checks for an interrupt (about 10 ms
/// from the page cache).
const PIECE: usize = 16 << 20;

/// The temporary name beside `target` that a new version of it is written under.
pub fn temp_name(target: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let p = Path::new(target);
    let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into());
    let tmp = format!(".{name}.pshell-{}-{}.tmp", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    match p.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(tmp),
        _ => PathBuf::from(tmp),
    }
}

/// A new file being written under a temporary name, renamed to its target by
/// [`Atomic::commit`] and removed if dropped before.
pub struct Atomic {
    target: String,
    temp: PathBuf,
    file: Option<File>,
}

impl Atomic {
    /// Creates the temporary beside `target` (refusing a target that is a folder).
    pub fn create(target: &str) -> Result<Atomic, IoError> {
        ignore_file_size_signal();
        if Path::new(target).is_dir() {
            return Err(IoError::invalid(target, "is a folder; give a file name"));
        }
        let temp = temp_name(target);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| IoError::os(target, "create", &e))?;
        Ok(Atomic { target: target.to_string(), temp, file: Some(file) })
    }

    pub fn file(&self) -> &File {
        self.file.as_ref().expect("open until committed")
    }

    /// The temporary's path, for other processes to open with [`open_part`].
    pub fn temp(&self) -> &Path {
        &self.temp
    }

    pub fn target(&self) -> &str {
        &self.target
    }

    /// Writes `buf` at `offset` of the temporary.
    pub fn write_at(&self, buf: &[u8], offset: u64) -> Result<(), IoError> {
        write_all_at(&self.target, self.file(), buf, offset)
    }

    /// Sets the temporary's length (its parts are then written by offset).
    pub fn set_len(&self, len: u64) -> Result<(), IoError> {
        self.file().set_len(len).map_err(|e| IoError::os(&self.target, "write", &e))
    }

    /// Renames the complete temporary over the target.
    pub fn commit(mut self) -> Result<(), IoError> {
        drop(self.file.take());
        std::fs::rename(&self.temp, &self.target).map_err(|e| IoError::os(&self.target, "write", &e))?;
        self.temp = PathBuf::new();
        Ok(())
    }
}

impl Drop for Atomic {
    fn drop(&mut self) {
        if !self.temp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Makes a write past the process's file-size limit (`ulimit -f`) fail with "File too
/// large" instead of killing the process with `SIGXFSZ`, so the session goes on.
fn ignore_file_size_signal() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use nix::sys::signal::{signal, SigHandler, Signal};
        // SAFETY: installs the "ignore" disposition, no handler code runs.
        let _ = unsafe { signal(Signal::SIGXFSZ, SigHandler::SigIgn) };
    });
}

/// Opens another process's [`Atomic`] temporary to write its part.
pub fn open_part(target: &str, temp: &Path) -> Result<File, IoError> {
    ignore_file_size_signal();
    OpenOptions::new().write(true).open(temp).map_err(|e| IoError::os(target, "write", &e))
}

/// Writes `bytes` as the whole new content of `path`, atomically.
pub fn write_whole(path: &str, bytes: &[&[u8]]) -> Result<(), IoError> {
    let a = Atomic::create(path)?;
    let mut at = 0;
    for b in bytes {
        a.write_at(b, at)?;
        at += b.len() as u64;
    }
    a.commit()
}
