//! `leanspec-mcp`: a Model Context Protocol server that lets AI agents list, read and
//! validate LeanSpec specs. It speaks newline-delimited JSON-RPC 2.0 on stdin/stdout.

mod jsonrpc;
mod server;
mod tools;

use std::io::{self, BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use leanspec_core::{specs_dir_from_env, VERSION};

use crate::server::Server;

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
    let args = Args::parse();
    if args.version {
        println!("{VERSION}");
        return ExitCode::SUCCESS;
    }
    let specs_dir = specs_dir_from_env(args.specs_dir.as_deref());
    // stdout carries protocol messages only: everything for people goes to stderr.
    eprintln!(
        "leanspec-mcp {VERSION}: serving specs from '{}' on stdio",
        specs_dir.display()
    );
    match serve(
        &Server::new(specs_dir),
        io::stdin().lock(),
        io::stdout().lock(),
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("leanspec-mcp: {error}");
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
            // Compact JSON never contains a raw newline, so one message stays one line.
            writeln!(output, "{reply}")?;
            output.flush()?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_one_reply_line_per_request_and_stops_at_end_of_input() {
        let input = concat!(
            r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#,
            "\n",
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            "\n\n",
            r#"{"jsonrpc":"2.0","id":"two","method":"ping"}"#,
        );
        let mut output = Vec::new();
        serve(
            &Server::new(PathBuf::from("specs")),
            input.as_bytes(),
            &mut output,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(output).unwrap(),
            "{\"id\":1,\"jsonrpc\":\"2.0\",\"result\":{}}\n{\"id\":\"two\",\"jsonrpc\":\"2.0\",\"result\":{}}\n"
        );
    }
}
