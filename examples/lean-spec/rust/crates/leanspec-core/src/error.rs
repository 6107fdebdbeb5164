use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::Problem;

/// Failures of the operations that the binaries report as one line on stderr.
#[derive(Debug)]
pub enum Error {
    SpecsDirNotFound(PathBuf),
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

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::SpecsDirNotFound(dir) => write!(
                f,
                "specs folder '{}' not found (set it with --specs-dir or LEANSPEC_SPECS_DIR)",
                dir.display()
            ),
            Error::Io { path, source } => write!(f, "cannot read '{}': {source}", path.display()),
            Error::SpecNotFound(query) => write!(f, "no spec matches '{query}'"),
            Error::AmbiguousSpec { query, matches } => write!(
                f,
                "'{query}' matches several specs ({}); give its number or full name",
                matches.join(", ")
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
