use std::fmt;
use std::path::PathBuf;

use serde_json::{json, Value};

use crate::front_matter::{self, FrontMatter, FrontMatterError};
use crate::text::path_text;

/// One spec: the folder `<specs>/<NNN-name>/` and its `README.md`.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Folder name, e.g. `173-rust-binaries-ci-cd-pipeline`; bytes that are not UTF-8 are
    /// written `\xE9` (see `text::os_text`).
    pub dir_name: String,
    /// False when the folder's name is not UTF-8: `dir_name` then only stands for it.
    pub dir_name_is_utf8: bool,
    /// The `NNN` of the folder name; `None` when the name is not `NNN-name`.
    pub number: Option<u32>,
    /// The `name` of the folder name, or the whole folder name when it is not `NNN-name`.
    pub name: String,
    /// Path of the README, as reached from the specs folder given by the user.
    pub readme: PathBuf,
    /// Text of the first `# ` heading of the body.
    pub title: Option<String>,
    pub front_matter: Result<FrontMatter, FrontMatterError>,
    pub body: String,
    /// Why the README could not be taken as it is; validation reports it.
    pub readme_problem: Option<ReadmeProblem>,
}

/// A README that is missing, unreadable, not a file, too large or not UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadmeProblem {
    /// An `NNN-name` folder without `README.md`; `found` is a name differing only in case.
    Missing { found: Option<String> },
    /// The spec's folder cannot be searched (no permission) or is a link that cannot be
    /// followed (dangling, a loop): the reason in words.
    FolderUnreadable { reason: String },
    /// `README.md` is there but reading it failed: the reason in words, e.g. "permission denied".
    Unreadable { reason: String },
    /// `README.md` is a FIFO, a device, a folder...: `kind` says which ("a FIFO").
    NotAFile { kind: &'static str },
    /// Larger than [`MAX_README_BYTES`]: `bytes` long when last looked at.
    TooLarge { bytes: u64 },
    /// Not UTF-8 from byte `offset` (on `line`). The text is decoded lossily (U+FFFD) so
    /// that listing and viewing still work; validation fails.
    NotUtf8 { offset: usize, line: usize },
}

impl fmt::Display for ReadmeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadmeProblem::Missing { found: None } => f.write_str("no README.md"),
            ReadmeProblem::Missing { found: Some(name) } => {
                write!(f, "no README.md (found '{name}'; rename it to README.md)")
            }
            ReadmeProblem::FolderUnreadable { reason } | ReadmeProblem::Unreadable { reason } => {
                write!(f, "cannot be read ({reason})")
            }
            ReadmeProblem::NotAFile { kind } => write!(f, "not a regular file ({kind})"),
            ReadmeProblem::TooLarge { bytes } => write!(
                f,
                "too large ({bytes} bytes, over the limit of {} MiB); keep specs short and link large files",
                MAX_README_BYTES >> 20
            ),
            ReadmeProblem::NotUtf8 { offset, .. } => write!(
                f,
                "not valid UTF-8 (byte offset {offset}); save the file as UTF-8"
            ),
        }
    }
}

/// The largest README read. Specs are short texts (LeanSpec's own are under 20 KB); the
/// limit keeps a huge or endless file from exhausting memory.
pub const MAX_README_BYTES: u64 = 16 << 20;

impl ReadmeProblem {
    /// True for problems of the spec's folder rather than of its README, reported at the folder.
    pub fn is_about_folder(&self) -> bool {
        matches!(
            self,
            ReadmeProblem::Missing { .. } | ReadmeProblem::FolderUnreadable { .. }
        )
    }
}

impl Spec {
    /// Builds a spec from its folder name, README path and README text.
    pub fn from_readme(dir_name: &str, readme: PathBuf, text: &str) -> Spec {
        let (front_matter, body) = front_matter::parse(text);
        let (number, name) = match parse_dir_name(dir_name) {
            Some((number, name)) => (Some(number), name),
            None => (None, dir_name),
        };
        Spec {
            dir_name: dir_name.to_string(),
            dir_name_is_utf8: true,
            number,
            name: name.to_string(),
            readme,
            title: first_heading(body),
            front_matter,
            body: body.to_string(),
            readme_problem: None,
        }
    }

    /// Builds a spec from the raw bytes of its README. Bytes that are not UTF-8 are shown as
    /// U+FFFD and recorded as a [`ReadmeProblem::NotUtf8`].
    pub fn from_bytes(dir_name: &str, readme: PathBuf, bytes: &[u8]) -> Spec {
        match std::str::from_utf8(bytes) {
            Ok(text) => Spec::from_readme(dir_name, readme, text),
            Err(error) => {
                let offset = error.valid_up_to();
                let line = 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
                let text = String::from_utf8_lossy(bytes);
                let mut spec = Spec::from_readme(dir_name, readme, &text);
                spec.readme_problem = Some(ReadmeProblem::NotUtf8 { offset, line });
                spec
            }
        }
    }

    /// A spec whose README is missing or cannot be read: no front matter, no body.
    pub fn without_readme(dir_name: &str, readme: PathBuf, problem: ReadmeProblem) -> Spec {
        let mut spec = Spec::from_readme(dir_name, readme, "");
        spec.readme_problem = Some(problem);
        spec
    }

    /// False when the README could not be read (missing, unreadable, not a file, too large):
    /// such a spec is only a validation problem, left out of listings and not viewable.
    pub fn has_readme(&self) -> bool {
        matches!(
            self.readme_problem,
            None | Some(ReadmeProblem::NotUtf8 { .. })
        )
    }

    /// A string field of the front matter; `None` if absent, not a string, or unparsable.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.front_matter.as_ref().ok()?.text(key)
    }

    /// The string items of a list field of the front matter.
    pub fn list(&self, key: &str) -> Vec<&str> {
        self.front_matter
            .as_ref()
            .map(|fm| fm.list(key))
            .unwrap_or_default()
    }

    pub fn status(&self) -> Option<&str> {
        self.text("status")
    }

    pub fn priority(&self) -> Option<&str> {
        self.text("priority")
    }

    pub fn tags(&self) -> Vec<&str> {
        self.list("tags")
    }

    /// JSON for programs: the common fields at the top, every front-matter field under
    /// `frontMatter`, and the Markdown body only when asked (listings stay small).
    pub fn to_json(&self, with_body: bool) -> Value {
        let mut value = json!({
            "number": self.number,
            "name": self.name,
            "dir": self.dir_name,
            "path": path_text(&self.readme),
            "title": self.title,
            "status": self.status(),
            "priority": self.priority(),
            "tags": self.tags(),
            "created": self.text("created"),
            "frontMatter": self.front_matter.as_ref().map(FrontMatter::to_json).unwrap_or(Value::Null),
        });
        if with_body {
            value["body"] = Value::String(self.body.clone());
        }
        value
    }
}

/// Splits a folder name of the form `NNN-name`: three or more digits, a dash, then a
/// lowercase kebab-case name. Returns `None` for anything else.
pub fn parse_dir_name(dir_name: &str) -> Option<(u32, &str)> {
    let (digits, name) = split_dir_name(dir_name)?;
    Some((digits.parse().ok()?, name))
}

/// The digits and the name of a folder name shaped `NNN-name`, whether or not the number
/// fits in a `u32`.
pub(crate) fn split_dir_name(dir_name: &str) -> Option<(&str, &str)> {
    let (digits, name) = dir_name.split_once('-')?;
    let is_kebab = !name.is_empty()
        && name.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if digits.len() < 3 || !digits.bytes().all(|b| b.is_ascii_digit()) || !is_kebab {
        return None;
    }
    Some((digits, name))
}

/// The first level-one ATX heading outside fenced code blocks (shell comments look alike).
fn first_heading(markdown: &str) -> Option<String> {
    let mut in_fence = false;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
        } else if !in_fence {
            if let Some(title) = line.strip_prefix("# ") {
                return Some(title.trim().to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numbered_kebab_case_names() {
        assert_eq!(parse_dir_name("173-rust-ci"), Some((173, "rust-ci")));
        assert_eq!(parse_dir_name("001-a"), Some((1, "a")));
        assert_eq!(parse_dir_name("1234-v2-plan"), Some((1234, "v2-plan")));
    }

    #[test]
    fn rejects_other_names() {
        for name in [
            "rust-ci",
            "17-short",
            "173-",
            "173-Upper",
            "173-two--dashes",
            "abc-x",
            "173_x",
        ] {
            assert_eq!(parse_dir_name(name), None, "{name}");
        }
    }

    #[test]
    fn title_is_the_first_heading_outside_code() {
        let body = "Intro\n```sh\n# not a title\n```\n## Sub\n# Real Title \n# Second\n";
        assert_eq!(first_heading(body), Some("Real Title".to_string()));
    }

    #[test]
    fn bytes_that_are_not_utf8_are_shown_lossily_and_recorded() {
        let bytes = b"---\nstatus: planned\n---\n# T \xff\xfe\n";
        let spec = Spec::from_bytes("001-x", PathBuf::from("001-x/README.md"), bytes);
        assert_eq!(
            spec.readme_problem,
            Some(ReadmeProblem::NotUtf8 {
                offset: 28,
                line: 4
            })
        );
        assert_eq!(spec.title.as_deref(), Some("T \u{fffd}\u{fffd}"));
        assert_eq!(spec.status(), Some("planned"));
        assert!(spec.has_readme());
        let clean = Spec::from_bytes("001-x", PathBuf::from("001-x/README.md"), b"# T\n");
        assert_eq!(clean.readme_problem, None);
    }

    #[test]
    fn builds_a_spec_from_its_readme() {
        let text = "---\nstatus: planned\npriority: high\ntags: [cli]\n---\n# CLI\n";
        let spec = Spec::from_readme("042-cli", PathBuf::from("specs/042-cli/README.md"), text);
        assert_eq!((spec.number, spec.name.as_str()), (Some(42), "cli"));
        assert_eq!(spec.title.as_deref(), Some("CLI"));
        assert_eq!(
            (spec.status(), spec.priority()),
            (Some("planned"), Some("high"))
        );
        assert_eq!(spec.tags(), ["cli"]);
        let json = spec.to_json(true);
        assert_eq!(json["number"], 42);
        assert_eq!(json["frontMatter"]["tags"][0], "cli");
        assert_eq!(json["body"], "# CLI\n");
    }
}
