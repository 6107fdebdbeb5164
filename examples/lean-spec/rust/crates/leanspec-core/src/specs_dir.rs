use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Environment variable naming the specs folder when no `--specs-dir` is given.
pub const SPECS_DIR_ENV: &str = "LEANSPEC_SPECS_DIR";
/// Specs folder used when neither the flag nor the environment names one.
pub const DEFAULT_SPECS_DIR: &str = "specs";

/// Picks the specs folder: the flag wins, then the environment value, then `./specs`.
/// An empty environment value counts as unset, as shells make `VAR= cmd` easy to type by accident.
pub fn resolve_specs_dir(flag: Option<&Path>, env_value: Option<OsString>) -> PathBuf {
    if let Some(dir) = flag {
        return dir.to_path_buf();
    }
    match env_value {
        Some(value) if !value.is_empty() => PathBuf::from(value),
        _ => PathBuf::from(DEFAULT_SPECS_DIR),
    }
}

/// [`resolve_specs_dir`] with the value of [`SPECS_DIR_ENV`] from this process's environment.
pub fn specs_dir_from_env(flag: Option<&Path>) -> PathBuf {
    resolve_specs_dir(flag, std::env::var_os(SPECS_DIR_ENV))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_wins_over_environment() {
        let dir = resolve_specs_dir(Some(Path::new("from-flag")), Some("from-env".into()));
        assert_eq!(dir, PathBuf::from("from-flag"));
    }

    #[test]
    fn environment_wins_over_default() {
        let dir = resolve_specs_dir(None, Some("from-env".into()));
        assert_eq!(dir, PathBuf::from("from-env"));
    }

    #[test]
    fn default_is_specs_in_the_working_directory() {
        assert_eq!(resolve_specs_dir(None, None), PathBuf::from("specs"));
    }

    #[test]
    fn empty_environment_value_is_ignored() {
        assert_eq!(
            resolve_specs_dir(None, Some("".into())),
            PathBuf::from("specs")
        );
    }
}
