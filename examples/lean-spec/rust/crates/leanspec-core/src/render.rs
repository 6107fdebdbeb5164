//! Text for people. The CLI prints these and the MCP server returns the same text,
//! so both front ends always agree. Everything from a spec is shown with its control
//! characters escaped (`text`): values on one line each, the body with its line breaks.

use std::fmt::Write;

use yaml_rust2::Yaml;

use crate::front_matter::scalar_text;
use crate::text::{one_line, path_line, terminal_text};
use crate::{Spec, ValidationReport};

/// Placeholder for a missing value in tables.
const NONE: &str = "-";

/// A table of specs: number, name, status, priority, tags. Specs without a readable README
/// are left out (validation reports them; see `validate::readme_failure`).
pub fn spec_table(specs: &[Spec]) -> String {
    let rows: Vec<[String; 5]> = specs
        .iter()
        .filter(|spec| spec.has_readme())
        .map(|spec| {
            [
                spec.number
                    .map_or_else(|| NONE.to_string(), |n| format!("{n:03}")),
                one_line(&spec.name).into_owned(),
                one_line(spec.status().unwrap_or(NONE)).into_owned(),
                one_line(spec.priority().unwrap_or(NONE)).into_owned(),
                one_line(&spec.tags().join(", ")).into_owned(),
            ]
        })
        .collect();
    if rows.is_empty() {
        return "No specs found.\n".to_string();
    }
    let header = ["NUMBER", "NAME", "STATUS", "PRIORITY", "TAGS"].map(String::from);
    let mut widths = header.clone().map(|cell| cell.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(widths) {
            let _ = write!(line, "{cell:<width$}  ");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A spec for reading: its path and front-matter fields as `key: value` lines, then the body.
pub fn spec_details(spec: &Spec) -> String {
    let mut lines: Vec<(String, String)> = vec![("path".into(), path_line(&spec.readme))];
    match &spec.front_matter {
        Ok(front_matter) => lines.extend(front_matter.fields().iter().map(|field| {
            (
                one_line(&field.key).into_owned(),
                one_line(&inline_value(&field.value)).into_owned(),
            )
        })),
        Err(error) => lines.push((
            "front matter".into(),
            one_line(&error.to_string()).into_owned(),
        )),
    }
    let width = lines
        .iter()
        .map(|(key, _)| key.chars().count())
        .max()
        .unwrap_or(0)
        + 1;
    let mut out = String::new();
    for (key, value) in lines {
        let _ = writeln!(out, "{:<width$} {value}", format!("{key}:"));
    }
    out.push('\n');
    out.push_str(&terminal_text(spec.body.trim_start_matches(['\r', '\n'])));
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// One `path:line: message` line per problem, then a one-line summary.
pub fn validation_report(report: &ValidationReport) -> String {
    problem_lines(report) + &validation_summary(report)
}

/// One `path:line: message` line per problem (`path: message` for a whole file or folder).
pub fn problem_lines(report: &ValidationReport) -> String {
    let mut out = String::new();
    for problem in &report.problems {
        let _ = writeln!(out, "{problem}");
    }
    out
}

/// One line: how many specs were checked and how many problems were found.
pub fn validation_summary(report: &ValidationReport) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if report.is_valid() {
        format!(
            "Checked {}: no problems found.\n",
            plural(report.checked, "spec")
        )
    } else {
        format!(
            "Found {} in {} of {}.\n",
            plural(report.problems.len(), "problem"),
            report.specs_with_problems(),
            plural(report.checked, "spec"),
        )
    }
}

/// A front-matter value on one line: lists joined with commas.
fn inline_value(value: &Yaml) -> String {
    match value {
        Yaml::Array(items) => items
            .iter()
            .map(inline_value)
            .collect::<Vec<_>>()
            .join(", "),
        Yaml::Hash(_) => "(mapping)".to_string(),
        other => scalar_text(other).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn spec(dir_name: &str, front_matter: &str) -> Spec {
        let text = format!("---\n{front_matter}---\n\n# Title\n\nBody text.");
        Spec::from_readme(
            dir_name,
            PathBuf::from("specs").join(dir_name).join("README.md"),
            &text,
        )
    }

    #[test]
    fn table_aligns_columns_and_marks_missing_values() {
        let specs = [
            spec(
                "001-first",
                "status: planned\npriority: high\ntags: [cli, mcp]\n",
            ),
            spec("notes", "status: complete\n"),
        ];
        assert_eq!(
            spec_table(&specs),
            "NUMBER  NAME   STATUS    PRIORITY  TAGS\n\
             001     first  planned   high      cli, mcp\n\
             -       notes  complete  -\n"
        );
    }

    #[test]
    fn details_show_fields_then_body() {
        let text = spec_details(&spec("007-x", "status: planned\ntags: [a, b]\n"));
        assert_eq!(
            text,
            "path:   specs/007-x/README.md\nstatus: planned\ntags:   a, b\n\n# Title\n\nBody text.\n"
        );
    }

    #[test]
    fn report_summarises() {
        let ok = crate::validate_specs(&[spec("001-a", "status: planned\n")]);
        assert_eq!(
            validation_report(&ok),
            "Checked 1 spec: no problems found.\n"
        );
        let bad = crate::validate_specs(&[spec("001-a", "status: nope\n"), spec("002-b", "")]);
        let text = validation_report(&bad);
        assert!(
            text.ends_with("Found 2 problems in 2 of 2 specs.\n"),
            "{text}"
        );
    }
}
