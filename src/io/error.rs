//! [`IoError`]: why reading or writing a data file failed, naming the file.

use std::fmt;

/// Why a file could not be read or written. Every message names the file.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum IoError {
    /// The operating system refused `action` ("open", "read", "write", "create",
    /// "rename") on `path`; `reason` is its message (no such file, permission denied,
    /// no space left on device, file too large...).
    Os { path: String, action: &'static str, reason: String },
    /// The file is not in the expected format (`reason` says how).
    Format { path: String, reason: String },
    /// The file ends before its data does.
    Truncated { path: String, expected: u64, found: u64 },
    /// An element type pshell does not read; `advice` says what to convert it to.
    Unsupported { path: String, dtype: String, advice: String },
    /// A text file's line `line` (1-based), field `column` (1-based; 0: the whole line).
    Text { path: String, line: usize, column: usize, reason: String },
    /// Arguments that do not fit the file (shapes, sizes, options).
    Invalid { path: String, reason: String },
    /// The request was interrupted between two pieces of a read or write.
    Interrupted(crate::interrupt::Interrupted),
}

impl IoError {
    /// The operating system's refusal of `action` on `path`.
    pub fn os(path: &str, action: &'static str, e: &std::io::Error) -> IoError {
        // The message without Rust's " (os error N)" suffix.
        let reason = e.to_string();
        let reason = match reason.find(" (os error") {
            Some(i) => reason[..i].to_string(),
            None => reason,
        };
        IoError::Os { path: path.to_string(), action, reason }
    }

    pub fn format(path: &str, reason: impl Into<String>) -> IoError {
        IoError::Format { path: path.to_string(), reason: reason.into() }
    }

    pub fn invalid(path: &str, reason: impl Into<String>) -> IoError {
        IoError::Invalid { path: path.to_string(), reason: reason.into() }
    }
}

impl From<crate::interrupt::Interrupted> for IoError {
    fn from(e: crate::interrupt::Interrupted) -> IoError {
        IoError::Interrupted(e)
    }
}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IoError::Os { path, action, reason } => write!(f, "cannot {action} {path}: {reason}"),
            IoError::Format { path, reason } => write!(f, "{path}: {reason}"),
            IoError::Truncated { path, expected, found } => {
                write!(f, "{path} is truncated: its header expects {expected} bytes of data, found {found}")
            }
            IoError::Unsupported { path, dtype, advice } => {
                write!(f, "{path} holds elements of dtype '{dtype}', which pshell does not read: {advice}")
            }
            IoError::Text { path, line, column: 0, reason } => write!(f, "{path}, line {line}: {reason}"),
            IoError::Text { path, line, column, reason } => write!(f, "{path}, line {line}, column {column}: {reason}"),
            IoError::Invalid { path, reason } => write!(f, "{path}: {reason}"),
            IoError::Interrupted(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for IoError {}

impl From<IoError> for crate::distarray::DaError {
    fn from(e: IoError) -> Self {
        crate::distarray::DaError::Invalid(e.to_string())
    }
}
