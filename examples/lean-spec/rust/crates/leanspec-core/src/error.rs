use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::text::{one_line, path_line};
use crate::Problem;

/// Failures of the operations that the binaries report as one line on stderr.
#[derive(Debug)]
pub enum Error {
    SpecsDirNotFound(PathBuf),
    /// The specs folder is a file, a FIFO...: `kind` says which ("a FIFO").
    SpecsDirNotAFolder {
        path: PathBuf,
        kind: &'static str,
    },
    Io {
        path: PathBuf,
        source: io::Error,
    },
    SpecNotFound(String),
    AmbiguousSpec {
        query: String,
        matches: Vec<String>,
    },
    /// The spec asked for has a missing or unreadable README.
    SpecUnreadable(Problem),
}

/// Where the specs folder is set, for messages about it.
const SET_SPECS_DIR: &str = "set it with --specs-dir or LEANSPEC_SPECS_DIR";

/// Each message is one line: names, paths and queries come from outside and are shown with
/// their control characters escaped (`text::one_line`).
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::SpecsDirNotFound(dir) => write!(
                f,
                "specs folder '{}' not found ({SET_SPECS_DIR})",
                path_line(dir)
            ),
            Error::SpecsDirNotAFolder { path, kind } => write!(
                f,
                "specs folder '{}' is {kind}, not a folder ({SET_SPECS_DIR})",
                path_line(path)
            ),
            Error::Io { path, source } => write!(
                f,
                "cannot read '{}' ({})",
                path_line(path),
                io_reason(source)
            ),
            Error::SpecNotFound(query) => write!(f, "no spec matches '{}'", one_line(query)),
            Error::AmbiguousSpec { query, matches } => write!(
                f,
                "'{}' matches several specs ({}); give its number or full name",
                one_line(query),
                one_line(&matches.join(", "))
            ),
            Error::SpecUnreadable(problem) => write!(f, "{problem}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// An I/O error in words, without the OS error number: "permission denied".
pub(crate) fn io_reason(error: &io::Error) -> String {
    let text = error.to_string();
    let text = text.split(" (os error ").next().unwrap_or_default();
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn io_errors_read_as_words() {
        assert_eq!(
            io_reason(&io::Error::from_raw_os_error(13)),
            "permission denied"
        );
        assert_eq!(
            io_reason(&io::Error::from_raw_os_error(21)),
            "is a directory"
        );
    }
}
