//! `lean-spec`: list, view and validate the specs of a LeanSpec project.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use leanspec_core::{find_spec, load_specs, render, specs_dir_from_env, validate_specs, Error, VERSION};

#[derive(Parser)]
#[command(
    name = "lean-spec",
    about = "List, view and validate LeanSpec specs",
    // clap prints "lean-spec 0.3.0"; the npm launcher and users expect the bare version.
    disable_version_flag = true,
    arg_required_else_help = true
)]
struct Cli {
    /// Print the version and exit
    #[arg(short = 'V', long)]
    version: bool,

    /// Specs folder [default: $LEANSPEC_SPECS_DIR, else ./specs]
    #[arg(long, global = true, value_name = "DIR")]
    specs_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// List all specs
    List {
        /// Print a JSON array instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Show one spec's metadata and body
    View {
        /// Spec number (173), folder name (173-rust-ci) or part of its name (rust-ci)
        spec: String,
    },
    /// Check every spec's folder name and front matter; exits 1 if any problem is found
    Validate,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.version {
        return finish(print(&format!("{VERSION}\n")).map(|()| ExitCode::SUCCESS));
    }
    let Some(command) = cli.command else {
        Cli::command()
            .error(clap::error::ErrorKind::MissingSubcommand, "a command is required")
            .exit();
    };
    let specs_dir = specs_dir_from_env(cli.specs_dir.as_deref());
    let outcome = load_specs(&specs_dir).map_err(Failure::Spec).and_then(|specs| match command {
        Command::List { json: false } => print(&render::spec_table(&specs)).map(|()| ExitCode::SUCCESS),
        Command::List { json: true } => {
            let list: Vec<_> = specs.iter().map(|spec| spec.to_json(false)).collect();
            let json = serde_json::to_string_pretty(&list).expect("JSON values always serialize");
            print(&format!("{json}\n")).map(|()| ExitCode::SUCCESS)
        }
        Command::View { spec } => {
            let spec = find_spec(&specs, &spec).map_err(Failure::Spec)?;
            print(&render::spec_details(spec)).map(|()| ExitCode::SUCCESS)
        }
        Command::Validate => {
            let report = validate_specs(&specs);
            let code = if report.is_valid() { ExitCode::SUCCESS } else { ExitCode::FAILURE };
            print(&render::validation_report(&report)).map(|()| code)
        }
    });
    finish(outcome)
}

enum Failure {
    Spec(Error),
    Output(io::Error),
}

/// Writes to stdout without panicking, unlike `print!`, when the reader has gone away.
fn print(text: &str) -> Result<(), Failure> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).map_err(Failure::Output)
}

fn finish(outcome: Result<ExitCode, Failure>) -> ExitCode {
    match outcome {
        Ok(code) => code,
        // `lean-spec list | head` closes the pipe early: that is the reader's choice, not an error.
        Err(Failure::Output(error)) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Output(error)) => {
            eprintln!("error: cannot write output: {error}");
            ExitCode::FAILURE
        }
        Err(Failure::Spec(error)) => {
            let hint = match error {
                Error::SpecNotFound(_) => "; run `lean-spec list` to see all specs",
                _ => "",
            };
            eprintln!("error: {error}{hint}");
            ExitCode::FAILURE
        }
    }
}
