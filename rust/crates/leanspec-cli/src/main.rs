//! `lean-spec`: list, view and validate the specs of a LeanSpec project.

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use leanspec_core::{
    find_spec, load_specs, render, specs_dir_from_env, validate_specs, Error, VERSION,
};

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
    let outcome = match (cli.version, cli.command) {
        (true, _) => print(&format!("{VERSION}\n")).map(|()| ExitCode::SUCCESS),
        (false, Some(command)) => run(command, &specs_dir_from_env(cli.specs_dir.as_deref())),
        (false, None) => Cli::command()
            .error(
                clap::error::ErrorKind::MissingSubcommand,
                "a command is required",
            )
            .exit(),
    };
    match outcome {
        Ok(code) => code,
        // `lean-spec list | head` closes the pipe early: that is the reader's choice, not an error.
        Err(Failure::Output(error)) if error.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command, specs_dir: &Path) -> Result<ExitCode, Failure> {
    let specs = load_specs(specs_dir)?;
    match command {
        Command::List { json: false } => print(&render::spec_table(&specs))?,
        Command::List { json: true } => {
            let list: Vec<_> = specs.iter().map(|spec| spec.to_json(false)).collect();
            let json = serde_json::to_string_pretty(&list).expect("JSON values always serialize");
            print(&format!("{json}\n"))?;
        }
        Command::View { spec } => print(&render::spec_details(find_spec(&specs, &spec)?))?,
        Command::Validate => {
            let report = validate_specs(&specs);
            print(&render::validation_report(&report))?;
            if !report.is_valid() {
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

enum Failure {
    Spec(Error),
    Output(io::Error),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure::Spec(error)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Spec(error @ Error::SpecNotFound(_)) => {
                write!(f, "{error}; run `lean-spec list` to see all specs")
            }
            Failure::Spec(error) => write!(f, "{error}"),
            Failure::Output(error) => write!(f, "cannot write output: {error}"),
        }
    }
}

/// Writes to stdout without panicking, unlike `print!`, when the reader has gone away.
fn print(text: &str) -> Result<(), Failure> {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(Failure::Output)
}
