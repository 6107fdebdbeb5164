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
