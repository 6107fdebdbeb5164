//! `lean-spec`: list, view and validate the specs of a LeanSpec project.

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use leanspec_core::output::write_text;
use leanspec_core::text::{json_text, terminal_text};
use leanspec_core::validate::readme_failure;
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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            return ExitCode::from(clap_exit(&error, &mut io::stdout(), &mut io::stderr()))
        }
    };
    let outcome = match (cli.version, cli.command) {
        (true, _) => Ok(Output::stdout(format!("{VERSION}\n"))),
        (false, Some(command)) => run(command, &specs_dir_from_env(cli.specs_dir.as_deref())),
        (false, None) => Cli::command()
            .error(
                clap::error::ErrorKind::MissingSubcommand,
                "a command is required",
            )
            .exit(),
    };
    let code = match outcome {
        Ok(output) => emit(&output, &mut io::stdout().lock(), &mut io::stderr()),
        Err(error) => {
            report(&mut io::stderr(), &Failure(error).to_string());
            FAILURE
        }
    };
    ExitCode::from(code)
}

const SUCCESS: u8 = 0;
const FAILURE: u8 = 1;
const USAGE: u8 = 2;

/// What a command prints and the exit status it has decided on, before anything is written.
struct Output {
    stdout: String,
    /// For people: warnings and the validation summary, so stdout stays parseable.
    stderr: String,
    code: u8,
}

impl Output {
    fn stdout(text: String) -> Output {
        Output {
            stdout: text,
            stderr: String::new(),
            code: SUCCESS,
        }
    }
}

fn run(command: Command, specs_dir: &Path) -> Result<Output, Error> {
    let specs = load_specs(specs_dir)?;
    Ok(match command {
        Command::List { json } => {
            let text = if json {
                let list: Vec<_> = specs
                    .iter()
                    .filter(|spec| spec.has_readme())
                    .map(|spec| spec.to_json(false))
                    .collect();
                format!("{}\n", json_text(&serde_json::Value::from(list), true))
            } else {
                render::spec_table(&specs)
            };
            // Specs without a readable README are not listed; say why, without stopping.
            let warnings: String = specs
                .iter()
                .filter_map(readme_failure)
                .map(|problem| format!("warning: {problem}\n"))
                .collect();
            Output {
                stdout: text,
                stderr: warnings,
                code: SUCCESS,
            }
        }
        Command::View { spec } => Output::stdout(render::spec_details(find_spec(&specs, &spec)?)),
        Command::Validate => {
            let report = validate_specs(&specs);
            // stdout is exactly one `path:line: message` line per problem, for tools to parse.
            Output {
                stdout: render::problem_lines(&report),
                stderr: render::validation_summary(&report),
                code: if report.is_valid() { SUCCESS } else { FAILURE },
            }
        }
    })
}

/// Writes `output` and returns the exit status. Like everything this binary prints, it goes
/// through `terminal_text`: whatever a spec or an argument holds, no control character
/// reaches the terminal (values are already escaped where they are put into lines).
/// A failed write to stdout never turns a
/// failing command into a success, and only a closed pipe is forgiven:
/// - EPIPE: the reader left early (`lean-spec list | head -1`, `validate | grep -q x`). That
///   is its choice, so the status stays the one the command decided on: 0 for `list`, 1 for a
///   `validate` that found problems (and `set -o pipefail` still sees the failure).
/// - Anything else (disk full, I/O error): the output is lost, so report it and exit 1.
fn emit(output: &Output, stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8 {
    if let Err(error) = write_text(stdout, &terminal_text(&output.stdout)) {
        report(stderr, &format!("error: cannot write output: {error}"));
        return FAILURE;
    }
    // After stdout, so that the summary ends a terminal's view of a validation.
    if !output.stderr.is_empty() {
        let _ = write_text(stderr, &terminal_text(&output.stderr));
    }
    output.code
}

/// Prints clap's help or usage error and returns the exit status. Unlike `clap::Error::exit`,
/// which ignores write errors, a `--help` that cannot be written is reported and exits 1;
/// EPIPE (`lean-spec --help | head -1`) still exits 0, as for any other output.
fn clap_exit(error: &clap::Error, stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8 {
    if error.use_stderr() {
        // A usage error: if even stderr fails, the exit status 2 is all that is left.
        let _ = write_text(stderr, &terminal_text(&error.render().to_string()));
        return USAGE;
    }
    emit(&Output::stdout(error.render().to_string()), stdout, stderr)
}

/// One line on stderr; unlike `eprintln!`, it does not panic when stderr fails.
fn report(stderr: &mut dyn Write, line: &str) {
    let _ = writeln!(stderr, "{}", terminal_text(line));
}

/// An error of the spec store, worded for the command line.
struct Failure(Error);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            error @ Error::SpecNotFound(_) => {
                write!(f, "error: {error}; run `lean-spec list` to see all specs")
            }
            error => write!(f, "error: {error}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stdout that fails every write with `kind`.
    struct Failing(io::ErrorKind);

    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::new(self.0, "write failed"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn failed_validation() -> Output {
        Output {
            stdout: "specs/001-x/README.md:2: status is empty\n".into(),
            stderr: "Found 1 problem in 1 of 1 spec.\n".into(),
            code: FAILURE,
        }
    }

    #[test]
    fn a_closed_pipe_keeps_the_commands_own_exit_status() {
        let mut stderr = Vec::new();
        let closed = &mut Failing(io::ErrorKind::BrokenPipe);
        assert_eq!(emit(&failed_validation(), closed, &mut stderr), FAILURE);
        assert_eq!(
            emit(&Output::stdout("table\n".into()), closed, &mut stderr),
            SUCCESS
        );
    }

    #[test]
    fn other_write_errors_are_reported_and_fail() {
        let mut stderr = Vec::new();
        let full = &mut Failing(io::ErrorKind::StorageFull);
        assert_eq!(
            emit(&Output::stdout("1.0\n".into()), full, &mut stderr),
            FAILURE
        );
        assert_eq!(
            String::from_utf8(stderr).unwrap(),
            "error: cannot write output: write failed\n"
        );
    }

    #[test]
    fn help_that_cannot_be_written_fails_but_a_closed_pipe_does_not() {
        let help = Cli::try_parse_from(["lean-spec", "--help"])
            .err()
            .expect("--help stops parsing");
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        assert_eq!(clap_exit(&help, &mut stdout, &mut stderr), SUCCESS);
        assert!(String::from_utf8(stdout)
            .unwrap()
            .contains("Usage: lean-spec"));
        let full = &mut Failing(io::ErrorKind::StorageFull);
        assert_eq!(clap_exit(&help, full, &mut stderr), FAILURE);
        let closed = &mut Failing(io::ErrorKind::BrokenPipe);
        assert_eq!(clap_exit(&help, closed, &mut stderr), SUCCESS);
    }

    #[test]
    fn validate_output_splits_problems_from_the_summary() {
        let dir = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../leanspec-core/tests/fixtures/valid-specs"
        ));
        let output = run(Command::Validate, dir).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(output.stdout, "");
        assert_eq!(output.stderr, "Checked 2 specs: no problems found.\n");
        assert_eq!(output.code, SUCCESS);
    }
}
