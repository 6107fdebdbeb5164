//! Shared core of LeanSpec: finding specs on disk, reading their front matter,
//! validating it, and rendering the results for people (text) and programs (JSON).
//! Both binaries, `lean-spec` and `leanspec-mcp`, are thin shells around this crate.

mod error;
pub mod front_matter;
pub mod output;
pub mod render;
mod spec;
mod specs_dir;
mod store;
pub mod text;
pub mod validate;

pub use error::Error;
pub use spec::{parse_dir_name, ReadmeProblem, Spec, MAX_README_BYTES};
pub use specs_dir::{resolve_specs_dir, specs_dir_from_env, DEFAULT_SPECS_DIR, SPECS_DIR_ENV};
pub use store::{find_spec, load_specs};
pub use validate::{validate_specs, Problem, ValidationReport};

/// The workspace version, shared by every crate through `version.workspace = true`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
