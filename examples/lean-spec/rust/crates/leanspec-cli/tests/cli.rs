//! Runs the built `lean-spec` binary the way users do and checks output and exit codes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

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

    fn path(&self, relative: &str) -> PathBuf {
        self.0.join(relative)
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_lean-spec"));
        command
            .args(args)
            .arg("--specs-dir")
            .arg(".")
            .current_dir(&self.0)
            .env_remove("LEANSPEC_SPECS_DIR");
        output_within(&mut command, Duration::from_secs(20))
    }
}

/// Runs `command` to its end, or kills it after `limit` and fails: a command that blocks
/// (on a FIFO, say) fails its test instead of stalling the suite.
fn output_within(command: &mut Command, limit: Duration) -> Output {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    let capture = |stream: &str| {
        std::env::temp_dir().join(format!(
            "leanspec-cli-{}-{run}.{stream}",
            std::process::id()
        ))
    };
    let (out_path, err_path) = (capture("stdout"), capture("stderr"));
    let mut child = command
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out_path).unwrap())
        .stderr(fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("lean-spec runs");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let (stdout, stderr) = (fs::read(&out_path).unwrap(), fs::read(&err_path).unwrap());
    let _ = (fs::remove_file(&out_path), fs::remove_file(&err_path));
    let Some(status) = status else {
        panic!(
            "{command:?} still running after {limit:?}; output so far: {}",
            String::from_utf8_lossy(&stdout)
        )
    };
    Output {
        status,
        stdout,
        stderr,
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
         ./004-folder/README.md: not a regular file (a directory)\n\
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
         warning: ./004-folder/README.md: not a regular file (a directory)\n"
    );
    assert_eq!(
        stderr(&specs.run(&["view", "3"])),
        "error: ./003-empty: no README.md\n"
    );
}

/// Runs `lean-spec ARGS` in `specs` as a user whom file permissions stop: this user, or,
/// when the tests run as root, `nobody` through util-linux's `setpriv`. `None` (the test is
/// skipped) as root without `setpriv`.
#[cfg(unix)]
fn run_unprivileged(specs: &TempSpecs, args: &[&str], probe: &Path) -> Option<Output> {
    if fs::read(probe).is_err() {
        return Some(specs.run(args));
    }
    let mut command = Command::new("setpriv");
    command
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_lean-spec"))
        .args(args)
        .args(["--specs-dir", "."])
        .current_dir(&specs.0)
        .env_remove("LEANSPEC_SPECS_DIR");
    let output = output_within(&mut command, Duration::from_secs(20));
    if output.status.code() == Some(127) || stderr(&output).starts_with("setpriv:") {
        eprintln!("skipped: running as root, and setpriv cannot drop privileges");
        return None;
    }
    Some(output)
}

#[cfg(unix)]
#[test]
fn readmes_and_folders_without_permission_are_problems_and_do_not_stop_listing() {
    use std::os::unix::fs::PermissionsExt;
    let specs = TempSpecs::new("chmod");
    specs.add("001-good/README.md", PLANNED);
    let locked = specs.add("002-locked/README.md", PLANNED);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let closed = specs.add("003-closed/README.md", PLANNED);
    fs::set_permissions(closed.parent().unwrap(), fs::Permissions::from_mode(0o000)).unwrap();
    // A folder not named like a spec, which cannot be searched: nothing says it is a spec.
    let private = specs.add("private/notes.txt", b"");
    fs::set_permissions(private.parent().unwrap(), fs::Permissions::from_mode(0o000)).unwrap();

    let list = run_unprivileged(&specs, &["list"], &locked);
    let validate = run_unprivileged(&specs, &["validate"], &locked);
    for folder in [closed.parent().unwrap(), private.parent().unwrap()] {
        fs::set_permissions(folder, fs::Permissions::from_mode(0o755)).unwrap();
    }
    let (Some(list), Some(validate)) = (list, validate) else {
        return;
    };
    assert_eq!(list.status.code(), Some(0));
    assert!(stdout(&list).contains("001     good"), "{}", stdout(&list));
    assert_eq!(
        stderr(&list),
        "warning: ./002-locked/README.md: cannot be read (permission denied)\n\
         warning: ./003-closed: cannot be read (permission denied)\n"
    );
    assert_eq!(
        stdout(&validate),
        "./002-locked/README.md: cannot be read (permission denied)\n\
         ./003-closed: cannot be read (permission denied)\n"
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

/// Fails unless `text` is safe to print on a terminal: no control character (ESC, BEL, C1,
/// line separators...) except newlines, tabs and the CR of a CRLF.
fn assert_terminal_safe(text: &str) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let line_break = c == '\n' || c == '\t' || (c == '\r' && chars.peek() == Some(&'\n'));
        let control = c.is_control()
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        assert!(!control || line_break, "raw {c:?} in output:\n{text}");
    }
}

#[test]
fn control_characters_from_specs_are_shown_escaped_and_json_keeps_them() {
    let specs = TempSpecs::new("controls");
    // ESC ] 0 ; ... BEL sets the window title, ESC [ 2 J clears the screen, U+009B is CSI as
    // one character, U+2028 breaks lines in some viewers, and a newline in a value would
    // forge a problem line of its own.
    specs.add(
        "001-title/README.md",
        b"---\nstatus: \"done\\e]0;PWNED\\a\"\n\
          priority: \"x\\n./002-fake/README.md:1: forged\"\n\
          tags: [\"\\e[2J\", \"\\u009b31m\", \"a\\u2028b\\u202e\"]\n---\n\
          # Title \x1b[2J\n\nBody \x1b]0;owned\x07 text\r\nline two\x7f\n",
    );

    let validate = specs.run(&["validate"]);
    assert_eq!(
        stdout(&validate),
        "./001-title/README.md:2: invalid status 'done\\u{1b}]0;PWNED\\u{7}': expected one of planned, in-progress, complete, archived\n\
         ./001-title/README.md:3: invalid priority 'x\\u{a}./002-fake/README.md:1: forged': expected one of low, medium, high, critical\n"
    );
    assert_eq!(validate.status.code(), Some(1));

    let list = specs.run(&["list"]);
    assert_terminal_safe(&stdout(&list));
    assert!(
        stdout(&list).contains("\\u{1b}[2J, \\u{9b}31m, a\\u{2028}b\\u{202e}\n"),
        "{}",
        stdout(&list)
    );

    let view = specs.run(&["view", "1"]);
    let text = stdout(&view);
    assert_terminal_safe(&text);
    assert!(
        text.contains("status:   done\\u{1b}]0;PWNED\\u{7}\n"),
        "{text}"
    );
    assert!(
        text.ends_with(
            "# Title \\u{1b}[2J\n\nBody \\u{1b}]0;owned\\u{7} text\r\nline two\\u{7f}\n"
        ),
        "{text}"
    );

    // JSON keeps the exact data, with every control character written as a `\u` escape.
    let json = specs.run(&["list", "--json"]);
    let text = stdout(&json);
    assert_terminal_safe(&text);
    assert!(text.contains(r#""\u009b31m""#), "{text}");
    let listed: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        listed[0]["tags"],
        serde_json::json!(["\x1b[2J", "\u{9b}31m", "a\u{2028}b\u{202e}"])
    );
    assert_eq!(listed[0]["title"], "Title \x1b[2J");
}

#[cfg(unix)]
#[test]
fn control_characters_in_folder_names_and_queries_are_shown_escaped() {
    let specs = TempSpecs::new("control-names");
    // A newline in a name would start a problem line of its own.
    specs.add("\x1b]0;title\x07\nx.md:1: forged/README.md", PLANNED);
    let validate = specs.run(&["validate"]);
    assert_eq!(
        stdout(&validate),
        "./\\u{1b}]0;title\\u{7}\\u{a}x.md:1: forged/README.md:1: \
         folder name '\\u{1b}]0;title\\u{7}\\u{a}x.md:1: forged' is not NNN-name (e.g. 001-my-spec)\n"
    );
    let view = specs.run(&["view", "\x1b[2Jnope"]);
    assert_eq!(
        stderr(&view),
        "error: no spec matches '\\u{1b}[2Jnope'; run `lean-spec list` to see all specs\n"
    );
    // clap's own messages quote what was typed, too.
    let usage = specs.run(&["\x1b[2J"]);
    assert_eq!(usage.status.code(), Some(2));
    assert_terminal_safe(&stderr(&usage));
    assert!(
        stderr(&usage).contains("'\\u{1b}[2J'"),
        "{}",
        stderr(&usage)
    );
}

#[cfg(unix)]
#[test]
fn a_folder_whose_name_is_not_utf8_is_reported_not_skipped() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let specs = TempSpecs::new("not-utf8-name");
    specs.add("001-good/README.md", PLANNED);
    let latin1 = specs.0.join(OsStr::from_bytes(b"002-caf\xe9"));
    fs::create_dir(&latin1).unwrap();
    // A README that would fail validation on its own: it must not go unnoticed either.
    fs::write(latin1.join("README.md"), b"---\nstatus: done\n---\n").unwrap();
    // Without a README: a folder we cannot even name is reported, whatever it holds.
    fs::create_dir(specs.0.join(OsStr::from_bytes(b"\xff-notes"))).unwrap();

    let validate = specs.run(&["validate"]);
    assert_eq!(
        stdout(&validate),
        "./002-caf\\xE9/README.md:1: folder name '002-caf\\xE9' is not valid UTF-8; rename it (e.g. 001-my-spec)\n\
         ./002-caf\\xE9/README.md:2: invalid status 'done': expected one of planned, in-progress, complete, archived\n\
         ./\\xFF-notes: no README.md\n\
         ./\\xFF-notes: folder name '\\xFF-notes' is not valid UTF-8; rename it (e.g. 001-my-spec)\n"
    );
    assert_eq!(stderr(&validate), "Found 4 problems in 2 of 3 specs.\n");
    assert_eq!(validate.status.code(), Some(1));

    let json = specs.run(&["list", "--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(listed[1]["dir"], "002-caf\\xE9");
    assert_eq!(listed[1]["path"], "./002-caf\\xE9/README.md");
    assert_eq!(stderr(&json), "warning: ./\\xFF-notes: no README.md\n");
}

/// Makes a FIFO (named pipe) at `path`.
#[cfg(unix)]
fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo {}", path.display());
}

#[cfg(unix)]
#[test]
fn readmes_that_are_not_regular_files_are_problems_and_never_block() {
    use std::os::unix::fs::symlink;
    let specs = TempSpecs::new("fifo");
    specs.add("001-good/README.md", PLANNED);
    fs::create_dir(specs.path("002-fifo")).unwrap();
    mkfifo(&specs.path("002-fifo/README.md"));
    fs::create_dir(specs.path("003-link")).unwrap();
    symlink("../002-fifo/README.md", specs.path("003-link/README.md")).unwrap();
    // A device reads as an empty file (/dev/null) or as an endless one (/dev/zero).
    fs::create_dir(specs.path("004-device")).unwrap();
    symlink("/dev/null", specs.path("004-device/README.md")).unwrap();

    let validate = specs.run(&["validate"]);
    assert_eq!(
        stdout(&validate),
        "./002-fifo/README.md: not a regular file (a FIFO)\n\
         ./003-link/README.md: not a regular file (a FIFO)\n\
         ./004-device/README.md: not a regular file (a character device)\n"
    );
    assert_eq!(validate.status.code(), Some(1));

    let list = specs.run(&["list"]);
    assert_eq!(list.status.code(), Some(0));
    assert!(stdout(&list).contains("001     good"), "{}", stdout(&list));
    assert_eq!(
        stderr(&list),
        "warning: ./002-fifo/README.md: not a regular file (a FIFO)\n\
         warning: ./003-link/README.md: not a regular file (a FIFO)\n\
         warning: ./004-device/README.md: not a regular file (a character device)\n"
    );
    assert_eq!(
        stderr(&specs.run(&["view", "2"])),
        "error: ./002-fifo/README.md: not a regular file (a FIFO)\n"
    );
}

#[cfg(unix)]
#[test]
fn spec_folders_that_cannot_be_followed_are_problems() {
    use std::os::unix::fs::symlink;
    let specs = TempSpecs::new("links");
    specs.add("001-good/README.md", PLANNED);
    symlink("002-loop", specs.path("002-loop")).unwrap();
    symlink("nowhere", specs.path("003-dangling")).unwrap();
    // Named like no spec: not a spec, as a file would not be.
    symlink("nowhere", specs.path("notes")).unwrap();
    let validate = specs.run(&["validate"]);
    assert_eq!(
        stdout(&validate),
        "./002-loop: cannot be read (too many levels of symbolic links)\n\
         ./003-dangling: cannot be read (no such file or directory)\n"
    );
    assert_eq!(stderr(&validate), "Found 2 problems in 2 of 3 specs.\n");
}

#[cfg(unix)]
#[test]
fn a_specs_folder_that_is_a_fifo_or_a_file_is_named_as_such() {
    let specs = TempSpecs::new("specs-fifo");
    mkfifo(&specs.path("fifo"));
    specs.add("file", b"");
    for (dir, kind) in [("fifo", "a FIFO"), ("file", "a file")] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_lean-spec"));
        command
            .args(["list", "--specs-dir", dir])
            .current_dir(&specs.0);
        let output = output_within(&mut command, Duration::from_secs(20));
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(
            stderr(&output),
            format!("error: specs folder '{dir}' is {kind}, not a folder (set it with --specs-dir or LEANSPEC_SPECS_DIR)\n")
        );
    }
}

#[test]
fn a_readme_beyond_the_size_limit_is_a_problem_and_is_not_read() {
    let specs = TempSpecs::new("huge");
    specs.add("001-good/README.md", PLANNED);
    // Sparse: 17 MiB on paper, nothing on disk.
    let huge = specs.add("002-huge/README.md", b"");
    fs::File::options()
        .write(true)
        .open(&huge)
        .unwrap()
        .set_len(17 << 20)
        .unwrap();
    let validate = specs.run(&["validate"]);
    assert_eq!(
        stdout(&validate),
        "./002-huge/README.md: too large (17825792 bytes, over the limit of 16 MiB); keep specs short and link large files\n"
    );
    assert_eq!(validate.status.code(), Some(1));
}
