//! `leanspec-mcp`: a Model Context Protocol server that lets AI agents list, read and
//! validate LeanSpec specs. It speaks newline-delimited JSON-RPC 2.0 on stdin/stdout.

mod jsonrpc;
mod server;
mod tools;

use std::io::{self, BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use leanspec_core::output::write_text;
use leanspec_core::text::{json_text, path_text};
use leanspec_core::{specs_dir_from_env, VERSION};

use crate::server::{log, Server};

#[derive(Parser)]
#[command(
    name = "leanspec-mcp",
    about = "MCP server (stdio) exposing LeanSpec's list, view and validate as tools",
    // clap prints "leanspec-mcp 0.3.0"; the npm launcher and users expect the bare version.
    disable_version_flag = true
)]
struct Args {
    /// Print the version and exit
    #[arg(short = 'V', long)]
    version: bool,

    /// Default specs folder for tool calls that give no `specs_dir`
    /// [default: $LEANSPEC_SPECS_DIR, else ./specs]
    #[arg(long, value_name = "DIR")]
    specs_dir: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(error) => return exit_with(&error.render().to_string(), error.use_stderr()),
    };
    if args.version {
        return exit_with(&format!("{VERSION}\n"), false);
    }
    let specs_dir = specs_dir_from_env(args.specs_dir.as_deref());
    // stdout carries protocol messages only: everything for people goes to stderr.
    log(&format!(
        "leanspec-mcp {VERSION}: serving specs from '{}' on stdio",
        path_text(&specs_dir)
    ));
    match serve(
        &Server::new(specs_dir),
        io::stdin().lock(),
        io::stdout().lock(),
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            log(&format!("leanspec-mcp: {error}"));
            ExitCode::FAILURE
        }
    }
}

/// Prints `--version`, `--help` or a usage error and returns the exit status. Unlike
/// `println!` (which panics, and so aborts) and `clap::Error::exit` (which ignores errors), a
/// failed write is reported on stderr and exits 1; except EPIPE (`leanspec-mcp --help | head
/// -1`): the reader chose to stop, so the status stays 0.
fn exit_with(text: &str, usage_error: bool) -> ExitCode {
    if usage_error {
        // If even stderr fails, the exit status is all that is left.
        let _ = io::stderr().write_all(text.as_bytes());
        return ExitCode::from(2);
    }
    match write_text(&mut io::stdout().lock(), text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            log(&format!("leanspec-mcp: cannot write output: {error}"));
            ExitCode::FAILURE
        }
    }
}

/// Answers one message per input line until end of input, which is how clients say goodbye.
fn serve(server: &Server, mut input: impl BufRead, mut output: impl Write) -> io::Result<()> {
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        if let Some(reply) = server.handle_message(&line) {
            // Compact JSON never contains a raw newline, so one message stays one line; and
            // `json_text` writes every control character as a `\u` escape.
            writeln!(output, "{}", json_text(&reply, false))?;
            output.flush()?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the server writes for `input`.
    fn serve_text(input: &str) -> String {
        let mut output = Vec::new();
        serve(
            &Server::new(PathBuf::from("specs")),
            input.as_bytes(),
            &mut output,
        )
        .unwrap();
        String::from_utf8(output).unwrap()
    }

    #[test]
    fn replies_to_a_batch_on_one_line() {
        let input = concat!(
            r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}"#,
            "\n",
            r#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":2,"method":"ping"}]"#,
            "\n",
        );
        let output = serve_text(input);
        let lines: Vec<&str> = output.lines().collect();
        assert_eq!(lines.len(), 2, "{output}");
        assert_eq!(
            lines[1],
            r#"[{"id":1,"jsonrpc":"2.0","result":{}},{"id":2,"jsonrpc":"2.0","result":{}}]"#
        );
    }

    #[test]
    fn serves_one_reply_line_per_request_and_stops_at_end_of_input() {
        let input = concat!(
            r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#,
            "\n",
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            "\n\n",
            r#"{"jsonrpc":"2.0","id":"two","method":"ping"}"#,
        );
        assert_eq!(
            serve_text(input),
            "{\"id\":1,\"jsonrpc\":\"2.0\",\"result\":{}}\n{\"id\":\"two\",\"jsonrpc\":\"2.0\",\"result\":{}}\n"
        );
    }
}
