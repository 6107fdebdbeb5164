//! Runs the built `lean-spec` binary the way users do and checks output and exit codes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

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
    // stdout is exactly the problem lines, for tools; the summary is for people, on stderr.
    assert!(
        text.lines().all(|line| line.starts_with("broken-specs/")),
        "{text}"
    );
    assert_eq!(text.lines().count(), 9);
    assert_eq!(stderr(&output), "Found 9 problems in 6 of 7 specs.\n");
}

#[test]
fn validate_passes_valid_specs() {
    let output = run(&["validate", "--specs-dir", "valid-specs"], None);
    assert_eq!(stdout(&output), "");
    assert_eq!(stderr(&output), "Checked 2 specs: no problems found.\n");
    assert_eq!(output.status.code(), Some(0));
}

/// A specs folder in the system's temporary folder, removed when dropped.
struct TempSpecs(PathBuf);

impl TempSpecs {
    fn new(name: &str) -> TempSpecs {
        let dir = std::env::temp_dir().join(format!("leanspec-cli-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempSpecs(dir)
    }

    fn add(&self, file: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(file);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, bytes).unwrap();
        path
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_lean-spec"))
            .args(args)
            .arg("--specs-dir")
            .arg(".")
            .current_dir(&self.0)
            .env_remove("LEANSPEC_SPECS_DIR")
            .output()
            .expect("lean-spec runs")
    }
}

impl Drop for TempSpecs {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

const PLANNED: &[u8] = b"---\nstatus: planned\n---\n# Spec\n";

#[test]
fn an_alias_bomb_is_a_validation_problem_not_a_crash() {
    let specs = TempSpecs::new("bomb");
    let mut yaml = String::from("---\nstatus: planned\na: &a [x,x,x,x,x,x,x,x,x,x]\n");
    for (name, previous) in ["b", "c", "d", "e", "f", "g"]
        .into_iter()
        .zip(["a", "b", "c", "d", "e", "f"])
    {
        yaml.push_str(&format!(
            "{name}: &{name} [{}]\n",
            vec![format!("*{previous}"); 10].join(",")
        ));
    }
    yaml.push_str("---\n# Bomb\n");
    specs.add("001-bomb/README.md", yaml.as_bytes());
    let output = specs.run(&["validate"]);
    assert_eq!(
        stdout(&output),
        "./001-bomb/README.md:4: aliases (*a) are not supported in front matter\n"
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(specs.run(&["list"]).status.code(), Some(0));
}

#[test]
fn a_number_never_matches_as_part_of_another_number() {
    let specs = TempSpecs::new("view-number");
    specs.add("172-cli-npm/README.md", PLANNED);
    let output = specs.run(&["view", "2"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    assert_eq!(
        stderr(&output),
        "error: no spec matches '2'; run `lean-spec list` to see all specs\n"
    );
    assert_eq!(specs.run(&["view", "172"]).status.code(), Some(0));
}

#[test]
fn readmes_missing_unreadable_or_not_utf8_are_problems_and_do_not_stop_listing() {
    let specs = TempSpecs::new("readmes");
    specs.add("001-good/README.md", PLANNED);
    specs.add("002-lowercase/readme.md", PLANNED);
    fs::create_dir_all(specs.0.join("003-empty")).unwrap();
    fs::create_dir_all(specs.0.join("004-folder/README.md")).unwrap();
    specs.add(
        "005-latin1/README.md",
        b"---\nstatus: planned\n---\n# Caf\xe9\n",
    );
    // Not NNN-name and no README: shared files, not a spec.
    specs.add("assets/logo.txt", b"logo");

    let output = specs.run(&["validate"]);
    assert_eq!(
        stdout(&output),
        "./002-lowercase: no README.md (found 'readme.md'; rename it to README.md)\n\
         ./003-empty: no README.md\n\
         ./004-folder/README.md: cannot be read (is a directory)\n\
         ./005-latin1/README.md:4: not valid UTF-8 (byte offset 29); save the file as UTF-8\n"
    );
    assert_eq!(stderr(&output), "Found 4 problems in 4 of 5 specs.\n");
    assert_eq!(output.status.code(), Some(1));

    let output = specs.run(&["list"]);
    assert_eq!(output.status.code(), Some(0));
    let table = stdout(&output);
    let listed: Vec<&str> = table
        .lines()
        .skip(1)
        .map(|line| line.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(listed, ["good", "latin1"]);
    assert_eq!(
        stderr(&output),
        "warning: ./002-lowercase: no README.md (found 'readme.md'; rename it to README.md)\n\
         warning: ./003-empty: no README.md\n\
         warning: ./004-folder/README.md: cannot be read (is a directory)\n"
    );
    assert_eq!(
        stderr(&specs.run(&["view", "3"])),
        "error: ./003-empty: no README.md\n"
    );
}

#[cfg(unix)]
#[test]
fn a_readme_without_read_permission_is_a_problem_and_does_not_stop_listing() {
    use std::os::unix::fs::PermissionsExt;
    let specs = TempSpecs::new("chmod");
    specs.add("001-good/README.md", PLANNED);
    let locked = specs.add("002-locked/README.md", PLANNED);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&locked).is_ok() {
        // Running as root: permissions do not apply. The "is a directory" case of the test
        // above covers the same code path.
        eprintln!("skipped: {} is still readable", locked.display());
        return;
    }
    let list = specs.run(&["list"]);
    assert_eq!(list.status.code(), Some(0));
    assert!(stdout(&list).contains("001     good"), "{}", stdout(&list));
    assert_eq!(
        stderr(&list),
        "warning: ./002-locked/README.md: cannot be read (permission denied)\n"
    );
    let validate = specs.run(&["validate"]);
    assert_eq!(
        stdout(&validate),
        "./002-locked/README.md: cannot be read (permission denied)\n"
    );
    assert_eq!(validate.status.code(), Some(1));
}

/// Runs `lean-spec ARGS` with stdout a pipe whose reader has already gone, so every write
/// fails with EPIPE; returns the exit status. Deterministic: the writer loop first fills
/// and breaks the pipe with the shell's own `printf`, then starts `lean-spec`.
#[cfg(unix)]
fn exit_code_with_closed_stdout(args: &str, dir: &Path) -> String {
    let script = format!(
        r#"{{ trap '' PIPE; while printf x 2>/dev/null; do :; done; "$0" {args}; echo "$?" >&2; }} | true"#
    );
    let output = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_lean-spec"))
        .current_dir(dir)
        .env_remove("LEANSPEC_SPECS_DIR")
        .stdin(Stdio::null())
        .output()
        .expect("sh runs");
    stderr(&output)
}

#[cfg(unix)]
#[test]
fn a_closed_pipe_does_not_turn_a_failed_validation_into_success() {
    let status = exit_code_with_closed_stdout("validate --specs-dir broken-specs", &fixtures());
    assert!(status.ends_with("\n1\n"), "{status}");
    // Output cut short by its reader is not an error of ours.
    let status = exit_code_with_closed_stdout("list --specs-dir broken-specs", &fixtures());
    assert_eq!(status, "0\n");
}

#[cfg(target_os = "linux")]
#[test]
fn output_that_cannot_be_written_is_an_error() {
    for args in [
        &["--help"][..],
        &["--version"],
        &["list", "--specs-dir", "valid-specs"],
    ] {
        let full = fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_lean-spec"))
            .args(args)
            .current_dir(fixtures())
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&output).starts_with("error: cannot write output: "),
            "{args:?}: {}",
            stderr(&output)
        );
    }
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
