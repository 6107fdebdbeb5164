use std::path::PathBuf;

use serde_json::{json, Value};

use crate::front_matter::{self, FrontMatter, FrontMatterError};

/// One spec: the folder `<specs>/<NNN-name>/` and its `README.md`.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Folder name, e.g. `173-rust-binaries-ci-cd-pipeline`.
    pub dir_name: String,
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
            number,
            name: name.to_string(),
            readme,
            title: first_heading(body),
            front_matter,
            body: body.to_string(),
        }
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
            "path": self.readme.display().to_string(),
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
    Some((digits.parse().ok()?, name))
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
