//! Runs the built `lean-spec` binary the way users do and checks output and exit codes.

use std::path::PathBuf;
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../leanspec-core/tests/fixtures"
    ))
}

/// Runs `lean-spec` in the fixtures folder with `LEANSPEC_SPECS_DIR` unset unless given.
fn run(args: &[&str], specs_dir_env: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lean-spec"));
    command
        .args(args)
        .current_dir(fixtures())
        .env_remove("LEANSPEC_SPECS_DIR");
    if let Some(value) = specs_dir_env {
        command.env("LEANSPEC_SPECS_DIR", value);
    }
    command.output().expect("lean-spec runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn version_is_the_bare_workspace_version() {
    for flag in ["--version", "-V"] {
        let output = run(&[flag], None);
        assert_eq!(stdout(&output), format!("{}\n", env!("CARGO_PKG_VERSION")));
        assert_eq!(output.status.code(), Some(0));
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&[], None).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"], None).status.code(), Some(2));
    assert_eq!(run(&["view"], None).status.code(), Some(2));
}

#[test]
fn validate_reports_broken_specs_with_lines_and_exits_1() {
    let output = run(&["validate", "--specs-dir", "broken-specs"], None);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("broken-specs/003-bad-fields/README.md:5: tags must be a list (e.g. [a, b]), got 'cli'\n"), "{text}");
    assert!(
        text.contains(
            "broken-specs/004-missing-status/README.md:1: missing required field 'status'\n"
        ),
        "{text}"
    );
    assert!(
        text.ends_with("Found 9 problems in 6 of 7 specs.\n"),
        "{text}"
    );
}

#[test]
fn validate_passes_valid_specs() {
    let output = run(&["validate", "--specs-dir", "valid-specs"], None);
    assert_eq!(stdout(&output), "Checked 2 specs: no problems found.\n");
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn specs_dir_flag_beats_environment_which_beats_default() {
    let names = |output: &Output| stdout(output).lines().skip(1).count();
    // Flag given: the environment value is ignored.
    assert_eq!(
        names(&run(
            &["list", "--specs-dir", "valid-specs"],
            Some("broken-specs")
        )),
        2
    );
    // No flag: the environment decides.
    assert_eq!(names(&run(&["list"], Some("broken-specs"))), 7);
    // Neither: ./specs, which the fixtures folder does not have.
    let output = run(&["list"], None);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "error: specs folder 'specs' not found (set it with --specs-dir or LEANSPEC_SPECS_DIR)\n"
    );
}

#[test]
fn list_json_is_an_array_of_specs() {
    let output = run(&["list", "--json"], Some("valid-specs"));
    let specs: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(specs[0]["dir"], "001-spec-format");
    assert_eq!(specs[1]["tags"], serde_json::json!(["cli", "validation"]));
    assert_eq!(specs.as_array().unwrap().len(), 2);
}

#[test]
fn view_by_number_shows_metadata_and_body() {
    let output = run(&["view", "002"], Some("valid-specs"));
    let text = stdout(&output);
    assert!(text.contains("status:     in-progress\n"), "{text}");
    assert!(text.contains("depends_on: 001-spec-format\n"), "{text}");
    assert!(text.contains("\n# Validate Command\n"), "{text}");
}

#[test]
fn unknown_spec_is_one_line_on_stderr_and_exit_1() {
    let output = run(&["view", "999"], Some("valid-specs"));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    assert_eq!(
        stderr(&output),
        "error: no spec matches '999'; run `lean-spec list` to see all specs\n"
    );
}
