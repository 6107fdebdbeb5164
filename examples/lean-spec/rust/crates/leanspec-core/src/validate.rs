//! Checks each spec's folder name and front matter, and reports problems as
//! `path/README.md:LINE: message`, the form editors and CI logs turn into links.

use std::fmt;
use std::path::PathBuf;

use serde_json::{json, Value};
use yaml_rust2::Yaml;

use crate::front_matter::{scalar_text, Field, OPENING_LINE};
use crate::spec::split_dir_name;
use crate::text::{one_line, path_line, path_text};
use crate::{ReadmeProblem, Spec};

pub const STATUSES: [&str; 4] = ["planned", "in-progress", "complete", "archived"];
pub const PRIORITIES: [&str; 4] = ["low", "medium", "high", "critical"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The README, or the spec folder when it has no README.
    pub path: PathBuf,
    /// `None` for problems of the whole file or folder (missing, unreadable).
    pub line: Option<usize>,
    pub message: String,
}

/// One line, whatever the path and message hold: their control characters, newlines
/// included, are escaped (`text::one_line`), so a value can neither forge a problem line nor
/// act on the terminal.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = path_line(&self.path);
        let message = one_line(&self.message);
        match self.line {
            Some(line) => write!(f, "{path}:{line}: {message}"),
            None => write!(f, "{path}: {message}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationReport {
    /// How many specs were checked.
    pub checked: usize,
    pub problems: Vec<Problem>,
}

impl ValidationReport {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }

    /// Number of specs with at least one problem.
    pub fn specs_with_problems(&self) -> usize {
        let mut paths: Vec<&PathBuf> = self.problems.iter().map(|p| &p.path).collect();
        paths.dedup();
        paths.len()
    }

    pub fn to_json(&self) -> Value {
        let problems: Vec<Value> = self
            .problems
            .iter()
            .map(|p| json!({"path": path_text(&p.path), "line": p.line, "message": p.message}))
            .collect();
        json!({"valid": self.is_valid(), "checked": self.checked, "problems": problems})
    }
}

/// A problem before it is tied to a file: its line and message.
type Finding = (usize, String);

/// Checks one front-matter field.
type FieldCheck = fn(&Field) -> Option<Finding>;

/// Fields that may be left out, and the check each must pass when present.
const OPTIONAL_FIELDS: [(&str, FieldCheck); 4] = [
    ("priority", check_priority),
    ("tags", check_string_list),
    ("depends_on", check_string_list),
    ("created", check_date),
];

pub fn validate_specs(specs: &[Spec]) -> ValidationReport {
    ValidationReport {
        checked: specs.len(),
        problems: specs.iter().flat_map(validate_spec).collect(),
    }
}

/// The problem that keeps a spec out of listings and views: a README that could not be read.
pub fn readme_failure(spec: &Spec) -> Option<Problem> {
    if spec.has_readme() {
        return None;
    }
    let message = spec.readme_problem.as_ref()?.to_string();
    Some(Problem {
        path: problem_path(spec),
        line: None,
        message,
    })
}

/// Where a spec's problems are reported: its README, or its folder when there is none.
fn problem_path(spec: &Spec) -> PathBuf {
    match (&spec.readme_problem, spec.readme.parent()) {
        (Some(problem), Some(folder)) if problem.is_about_folder() => folder.to_path_buf(),
        _ => spec.readme.clone(),
    }
}

/// All problems of one spec, in line order.
pub fn validate_spec(spec: &Spec) -> Vec<Problem> {
    let path = problem_path(spec);
    let mut problems: Vec<Problem> = readme_failure(spec).into_iter().collect();
    let mut found: Vec<Finding> = Vec::new();
    if let Some(problem @ ReadmeProblem::NotUtf8 { line, .. }) = &spec.readme_problem {
        found.push((*line, problem.to_string()));
    }
    if spec.number.is_none() {
        let message = if !spec.dir_name_is_utf8 {
            format!(
                "folder name '{}' is not valid UTF-8; rename it (e.g. 001-my-spec)",
                spec.dir_name
            )
        } else if let Some((digits, _)) = split_dir_name(&spec.dir_name) {
            format!(
                "folder number {digits} is too large (the largest is {})",
                u32::MAX
            )
        } else {
            format!(
                "folder name '{}' is not NNN-name (e.g. 001-my-spec)",
                spec.dir_name
            )
        };
        // A property of the folder: at the README's first line when there is a README to
        // open, else of the folder as a whole.
        if spec.has_readme() {
            found.push((OPENING_LINE, message));
        } else {
            problems.push(Problem {
                path: path.clone(),
                line: None,
                message,
            });
        }
    }
    match &spec.front_matter {
        // Without a README there is nothing more to check.
        _ if !spec.has_readme() => {}
        Err(error) => found.push((error.line(), error.to_string())),
        Ok(front_matter) => {
            match front_matter.get("status") {
                None => found.push((OPENING_LINE, "missing required field 'status'".to_string())),
                Some(field) => found.extend(check_one_of(field, &STATUSES)),
            }
            for (key, check) in OPTIONAL_FIELDS {
                found.extend(front_matter.get(key).and_then(check));
            }
        }
    }
    found.sort_by_key(|(line, _)| *line);
    problems.extend(found.into_iter().map(|(line, message)| Problem {
        path: path.clone(),
        line: Some(line),
        message,
    }));
    problems
}

fn check_one_of(field: &Field, allowed: &[&str]) -> Option<Finding> {
    match &field.value {
        Yaml::String(value) if allowed.contains(&value.as_str()) => None,
        Yaml::Null | Yaml::BadValue => Some((
            field.line,
            format!("{} is empty; use one of {}", field.key, allowed.join(", ")),
        )),
        _ => Some((
            field.line,
            format!(
                "invalid {} {}: expected one of {}",
                field.key,
                describe(&field.value),
                allowed.join(", ")
            ),
        )),
    }
}

fn check_priority(field: &Field) -> Option<Finding> {
    check_one_of(field, &PRIORITIES)
}

fn check_string_list(field: &Field) -> Option<Finding> {
    match &field.value {
        Yaml::Array(items) if items.iter().all(|item| item.as_str().is_some()) => None,
        Yaml::Array(_) => Some((
            field.line,
            format!("{} must be a list of strings", field.key),
        )),
        other => Some((
            field.line,
            format!(
                "{} must be a list (e.g. [a, b]), got {}",
                field.key,
                describe(other)
            ),
        )),
    }
}

fn check_date(field: &Field) -> Option<Finding> {
    match field.value.as_str() {
        Some(text) if is_iso_date(text) => None,
        _ => Some((
            field.line,
            format!(
                "{} must be a YYYY-MM-DD date, got {}",
                field.key,
                describe(&field.value)
            ),
        )),
    }
}

/// True for a real calendar date written `YYYY-MM-DD` (so `2025-02-30` is refused).
pub fn is_iso_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits_at = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    if !(digits_at(0..4) && digits_at(5..7) && digits_at(8..10)) {
        return false;
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days_in_month).contains(&day)
}

/// How a value reads in a message: scalars quoted as written, other kinds by name.
fn describe(value: &Yaml) -> String {
    match value {
        Yaml::Array(_) => "a list".to_string(),
        Yaml::Hash(_) => "a mapping".to_string(),
        Yaml::Null | Yaml::BadValue => "an empty value".to_string(),
        other => {
            scalar_text(other).map_or_else(|| "an alias".to_string(), |text| format!("'{text}'"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(dir_name: &str, readme_text: &str) -> Vec<String> {
        let readme = PathBuf::from(dir_name).join("README.md");
        let spec = Spec::from_readme(dir_name, readme, readme_text);
        validate_spec(&spec)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_complete_spec_has_no_problems() {
        let text =
            "---\nstatus: in-progress\npriority: critical\ntags: [a]\ncreated: '2024-02-29'\n\
                    depends_on:\n  - 001-x\n---\n# T\n";
        assert!(problems("002-ok", text).is_empty());
    }

    #[test]
    fn each_bad_field_is_reported_at_its_key() {
        let text = "---\ncreated: 18-12-2025\nstatus: done\ntags: cli\npriority: urgent\n---\n";
        assert_eq!(
            problems("003-bad", text),
            [
                "003-bad/README.md:2: created must be a YYYY-MM-DD date, got '18-12-2025'",
                "003-bad/README.md:3: invalid status 'done': expected one of planned, in-progress, complete, archived",
                "003-bad/README.md:4: tags must be a list (e.g. [a, b]), got 'cli'",
                "003-bad/README.md:5: invalid priority 'urgent': expected one of low, medium, high, critical",
            ]
        );
    }

    #[test]
    fn missing_status_points_at_the_front_matter() {
        assert_eq!(
            problems("004-x", "---\npriority: low\n---\n"),
            ["004-x/README.md:1: missing required field 'status'"]
        );
    }

    #[test]
    fn non_scalar_and_empty_values_are_described() {
        let text = "---\nstatus: [planned]\npriority:\ntags: [a, [b]]\n---\n";
        assert_eq!(
            problems("005-x", text),
            [
                "005-x/README.md:2: invalid status a list: expected one of planned, in-progress, complete, archived",
                "005-x/README.md:3: priority is empty; use one of low, medium, high, critical",
                "005-x/README.md:4: tags must be a list of strings",
            ]
        );
    }

    #[test]
    fn empty_status_says_so_and_lists_the_choices() {
        for text in ["---\nstatus:\n---\n", "---\nstatus: ~\n---\n"] {
            assert_eq!(
                problems("006-x", text),
                ["006-x/README.md:2: status is empty; use one of planned, in-progress, complete, archived"],
                "{text}"
            );
        }
    }

    #[test]
    fn duplicate_keys_are_named_plainly() {
        assert_eq!(
            problems("007-x", "---\nstatus: planned\nstatus: complete\n---\n"),
            ["007-x/README.md:3: duplicate key \"status\" (first on line 2)"]
        );
    }

    #[test]
    fn a_folder_number_beyond_u32_is_called_too_large() {
        assert_eq!(
            problems("4294967296-big", "---\nstatus: planned\n---\n"),
            ["4294967296-big/README.md:1: folder number 4294967296 is too large (the largest is 4294967295)"]
        );
    }

    #[test]
    fn folder_name_and_front_matter_errors_are_both_reported() {
        assert_eq!(
            problems("notes", "# Notes\n"),
            [
                "notes/README.md:1: folder name 'notes' is not NNN-name (e.g. 001-my-spec)",
                "notes/README.md:1: missing front matter (the file must start with a '---' line)",
            ]
        );
    }

    #[test]
    fn readme_problems_are_reported_without_a_line_or_at_the_bad_byte() {
        let missing = Spec::without_readme(
            "003-x",
            PathBuf::from("specs/003-x/README.md"),
            ReadmeProblem::Missing { found: None },
        );
        let unreadable = Spec::without_readme(
            "notes",
            PathBuf::from("specs/notes/README.md"),
            ReadmeProblem::Unreadable {
                reason: "permission denied".into(),
            },
        );
        let latin1 = Spec::from_bytes(
            "004-x",
            PathBuf::from("specs/004-x/README.md"),
            b"---\nstatus: caf\xe9\n---\n",
        );
        let report = validate_specs(&[missing, unreadable, latin1]);
        let lines: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "specs/003-x: no README.md",
                "specs/notes/README.md: cannot be read (permission denied)",
                "specs/notes/README.md: folder name 'notes' is not NNN-name (e.g. 001-my-spec)",
                "specs/004-x/README.md:2: not valid UTF-8 (byte offset 15); save the file as UTF-8",
                "specs/004-x/README.md:2: invalid status 'caf\u{fffd}': expected one of planned, in-progress, complete, archived",
            ]
        );
        assert_eq!(report.specs_with_problems(), 3);
        assert_eq!(report.to_json()["problems"][0]["line"], Value::Null);
        assert_eq!(report.to_json()["problems"][0]["path"], "specs/003-x");
    }

    #[test]
    fn dates_must_exist_on_the_calendar() {
        for good in ["2025-12-18", "2024-02-29", "2000-02-29"] {
            assert!(is_iso_date(good), "{good}");
        }
        for bad in [
            "2025-02-29",
            "1900-02-29",
            "2025-13-01",
            "2025-04-31",
            "2025-1-01",
            "2025/01/01",
            "２025-01-01",
        ] {
            assert!(!is_iso_date(bad), "{bad}");
        }
    }

    #[test]
    fn report_counts_specs_with_problems() {
        let bad = Spec::from_readme("x", PathBuf::from("x/README.md"), "---\nstatus: no\n---\n");
        let good = Spec::from_readme(
            "001-y",
            PathBuf::from("001-y/README.md"),
            "---\nstatus: planned\n---\n",
        );
        let report = validate_specs(&[bad, good]);
        assert_eq!(
            (
                report.checked,
                report.problems.len(),
                report.specs_with_problems()
            ),
            (2, 2, 1)
        );
        assert_eq!(report.to_json()["problems"][0]["line"], 1);
        assert_eq!(report.to_json()["valid"], false);
    }
}
