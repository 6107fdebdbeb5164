//! Runs the built `leanspec-mcp` binary: its flags, and a session over stdin/stdout.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str], stdout: Stdio, input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leanspec-mcp"))
        .args(args)
        .env_remove("LEANSPEC_SPECS_DIR")
        .stdin(Stdio::piped())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("leanspec-mcp runs");
    // The server may exit before reading everything: that is not the test's concern.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn version_is_the_bare_workspace_version() {
    let output = run(&["--version"], Stdio::piped(), "");
    assert_eq!(
        text(&output.stdout),
        format!("{}\n", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(output.status.code(), Some(0));
}

#[cfg(target_os = "linux")]
#[test]
fn flags_whose_output_cannot_be_written_fail_without_panicking() {
    for flag in ["--version", "--help"] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let output = run(&[flag], full.into(), "");
        assert_eq!(output.status.code(), Some(1), "{flag}");
        assert_eq!(
            text(&output.stderr),
            "leanspec-mcp: cannot write output: No space left on device (os error 28)\n",
            "{flag}"
        );
    }
}

#[test]
fn stdout_carries_only_replies_including_batches() {
    let input = concat!(
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}"#,
        "\n",
        r#"{"jsonrpc":"2.0","method":"notifications/unknown"}"#,
        "\n",
        r#"[{"jsonrpc":"2.0","id":2,"method":"ping"},{"jsonrpc":"2.0","id":null,"method":"ping"}]"#,
        "\n",
    );
    let output = run(&[], Stdio::piped(), input);
    assert_eq!(output.status.code(), Some(0));
    let replies: Vec<serde_json::Value> = text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("every stdout line is JSON"))
        .collect();
    assert_eq!(replies.len(), 2);
    assert_eq!(replies[0]["result"]["protocolVersion"], "2025-03-26");
    assert_eq!(
        replies[1][0],
        serde_json::json!({"jsonrpc": "2.0", "id": 2, "result": {}})
    );
    assert_eq!(replies[1][1]["error"]["code"], -32600);
    assert_eq!(replies[1][1]["id"], serde_json::Value::Null);
    let log = text(&output.stderr);
    assert!(log.contains("serving specs from"), "{log}");
    assert!(
        log.contains("ignoring notification 'notifications/unknown'"),
        "{log}"
    );
}

/// Runs a session of `input` lines against a server for `specs_dir`, killing it after 20 s:
/// a server that blocks fails the test instead of stalling it. Returns stdout and stderr.
#[cfg(unix)]
fn session_within_deadline(specs_dir: &std::path::Path, input: &str) -> (String, String) {
    use std::io::Read;
    use std::time::{Duration, Instant};
    let mut child = Command::new(env!("CARGO_BIN_EXE_leanspec-mcp"))
        .arg("--specs-dir")
        .arg(specs_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("leanspec-mcp runs");
    let reader = |mut stream: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = stream.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = reader(Box::new(child.stdout.take().unwrap()));
    let stderr = reader(Box::new(child.stderr.take().unwrap()));
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("leanspec-mcp still running after 20 s: a request blocked the server");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    (
        String::from_utf8_lossy(&stdout.join().unwrap()).into_owned(),
        String::from_utf8_lossy(&stderr.join().unwrap()).into_owned(),
    )
}

#[cfg(unix)]
#[test]
fn hostile_spec_folders_are_reported_and_block_no_request() {
    use std::ffi::OsStr;
    use std::fs;
    use std::os::unix::ffi::OsStrExt;
    let dir = std::env::temp_dir().join(format!("leanspec-mcp-hostile-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    for folder in ["001-good", "002-fifo", "004-escapes"] {
        fs::create_dir_all(dir.join(folder)).unwrap();
    }
    fs::write(
        dir.join("001-good/README.md"),
        "---\nstatus: planned\n---\n",
    )
    .unwrap();
    let fifo = dir.join("002-fifo/README.md");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let latin1 = dir.join(OsStr::from_bytes(b"003-caf\xe9"));
    fs::create_dir(&latin1).unwrap();
    fs::write(latin1.join("README.md"), "---\nstatus: planned\n---\n").unwrap();
    fs::write(
        dir.join("004-escapes/README.md"),
        "---\nstatus: planned\ntags: [\"\\e]0;PWNED\\a\", \"\\u009b2J\", \"\\u2028\"]\n---\n# T\x1b[2J\n",
    )
    .unwrap();

    let call = |id: u32, tool: &str| {
        format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"{tool}","arguments":{{}}}}}}"#
        )
    };
    let input = [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}"#.to_string(),
        call(2, "validate"),
        call(3, "list"),
        r#"{"jsonrpc":"2.0","id":4,"method":"ping"}"#.to_string(),
    ]
    .join("\n");
    let (stdout, stderr) = session_within_deadline(&dir, &input);
    let _ = fs::remove_dir_all(&dir);
    // The wire carries the data with `\u` escapes, never a raw control character.
    assert!(
        !stdout
            .chars()
            .any(|c| c.is_control() && c != '\n' || c == '\u{2028}'),
        "{stdout}"
    );
    let replies: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(replies.len(), 4, "{stdout}\n{stderr}");
    assert_eq!(replies[3]["id"], 4);

    let validate = &replies[1]["result"];
    let root = dir.display().to_string();
    let problems = &validate["structuredContent"]["problems"];
    assert_eq!(
        problems[0],
        serde_json::json!({"path": format!("{root}/002-fifo/README.md"), "line": null, "message": "not a regular file (a FIFO)"})
    );
    assert_eq!(
        problems[1],
        serde_json::json!({"path": format!("{root}/003-caf\\xE9/README.md"), "line": 1,
            "message": "folder name '003-caf\\xE9' is not valid UTF-8; rename it (e.g. 001-my-spec)"})
    );
    assert_eq!(problems.as_array().unwrap().len(), 2, "{validate}");

    // Text is for people: escaped. Structured content is data: exact.
    let list = &replies[2]["result"];
    let text = list["content"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("\\u{1b}]0;PWNED\\u{7}, \\u{9b}2J, \\u{2028}\n"),
        "{text}"
    );
    let escapes = list["structuredContent"]["specs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|spec| spec["dir"] == "004-escapes")
        .unwrap();
    assert_eq!(
        escapes["tags"],
        serde_json::json!(["\x1b]0;PWNED\x07", "\u{9b}2J", "\u{2028}"])
    );
    assert_eq!(escapes["title"], "T\x1b[2J");
}
