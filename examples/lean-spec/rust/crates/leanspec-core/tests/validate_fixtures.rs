//! Validation of the fixture folders, end to end through `load_specs`.

use std::path::{Path, PathBuf};

use leanspec_core::{find_spec, load_specs, validate_specs, Problem};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn valid_fixture_specs_pass() {
    let specs = load_specs(&fixture("valid-specs")).unwrap();
    let report = validate_specs(&specs);
    assert_eq!(report.checked, 2);
    assert!(report.is_valid(), "{:?}", report.problems);
    let spec = find_spec(&specs, "2").unwrap();
    assert_eq!(spec.title.as_deref(), Some("Validate Command"));
    assert_eq!(spec.list("depends_on"), ["001-spec-format"]);
}

#[test]
fn broken_fixture_specs_are_reported_with_lines() {
    let dir = fixture("broken-specs");
    let specs = load_specs(&dir).unwrap();
    let report = validate_specs(&specs);
    // `assets/` has no README, so it is not a spec; `006-valid` is checked but clean.
    assert_eq!(report.checked, 7);
    let lines: Vec<String> = report
        .problems
        .iter()
        .map(|problem| {
            let relative = problem.path.strip_prefix(&dir).unwrap().to_path_buf();
            Problem {
                path: relative,
                ..problem.clone()
            }
            .to_string()
        })
        .collect();
    assert_eq!(
        lines,
        [
            "001-no-front-matter/README.md:1: missing front matter (the file must start with a '---' line)",
            "002-invalid-yaml/README.md:4: invalid YAML in front matter: illegal placement of ':' indicator",
            "003-bad-fields/README.md:3: invalid status 'done': expected one of planned, in-progress, complete, archived",
            "003-bad-fields/README.md:4: invalid priority 'urgent': expected one of low, medium, high, critical",
            "003-bad-fields/README.md:5: tags must be a list (e.g. [a, b]), got 'cli'",
            "003-bad-fields/README.md:6: created must be a YYYY-MM-DD date, got '18-12-2025'",
            "004-missing-status/README.md:1: missing required field 'status'",
            "005-unclosed/README.md:1: front matter is not closed (no '---' line after the opening one)",
            "draft-notes/README.md:1: folder name 'draft-notes' is not NNN-name (e.g. 001-my-spec)",
        ]
    );
}
