//! Finding specs on disk and picking one by what a user types.

use std::fs;
use std::io;
use std::path::Path;

use crate::validate::readme_failure;
use crate::{parse_dir_name, Error, ReadmeProblem, Spec};

const README: &str = "README.md";

/// Loads every spec under `specs_dir`, sorted by number (unnumbered folders last). A spec is
/// a non-hidden folder holding a `README.md`, or an `NNN-name` folder without one: that is
/// a spec with a [`ReadmeProblem`], as is a README that cannot be read or is not UTF-8, so
/// that validation reports it and one bad file never hides the others. Other folders
/// without a README, such as shared assets, are not specs and are skipped.
pub fn load_specs(specs_dir: &Path) -> Result<Vec<Spec>, Error> {
    if !specs_dir.is_dir() {
        return Err(Error::SpecsDirNotFound(specs_dir.to_path_buf()));
    }
    let io_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    let mut specs = Vec::new();
    for entry in fs::read_dir(specs_dir).map_err(io_error(specs_dir))? {
        let entry = entry.map_err(io_error(specs_dir))?;
        let dir_name = entry.file_name().to_string_lossy().into_owned();
        let folder = specs_dir.join(&dir_name);
        if dir_name.starts_with('.') || !folder.is_dir() {
            continue;
        }
        if let Some(spec) = load_spec(&dir_name, &folder) {
            specs.push(spec);
        }
    }
    specs.sort_by(|a, b| {
        (a.number.is_none(), a.number, &a.dir_name).cmp(&(
            b.number.is_none(),
            b.number,
            &b.dir_name,
        ))
    });
    Ok(specs)
}

/// The spec in `folder`, or `None` when the folder is not a spec.
fn load_spec(dir_name: &str, folder: &Path) -> Option<Spec> {
    let readme = folder.join(README);
    let is_numbered = parse_dir_name(dir_name).is_some();
    let unreadable = |error: io::Error| ReadmeProblem::Unreadable {
        reason: reason(&error),
    };
    // `symlink_metadata`, not `is_file`: a README that is a broken link or a folder is
    // reported as unreadable rather than taken for no README.
    let problem = match fs::symlink_metadata(&readme) {
        Ok(_) => match fs::read(&readme) {
            Ok(bytes) => return Some(Spec::from_bytes(dir_name, readme, &bytes)),
            Err(error) => unreadable(error),
        },
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            let found = readme_in_other_case(folder);
            if found.is_none() && !is_numbered {
                return None;
            }
            ReadmeProblem::Missing { found }
        }
        // The folder cannot be searched (no permission): a spec only if named like one.
        Err(_) if !is_numbered => return None,
        Err(error) => unreadable(error),
    };
    Some(Spec::without_readme(dir_name, readme, problem))
}

/// A file in `folder` named `README.md` in another case, such as `readme.md`.
fn readme_in_other_case(folder: &Path) -> Option<String> {
    fs::read_dir(folder)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .find(|name| name.eq_ignore_ascii_case(README))
}

/// An I/O error in words, without the OS error number: "permission denied".
fn reason(error: &io::Error) -> String {
    let text = error.to_string();
    let text = text.split(" (os error ").next().unwrap_or_default();
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

/// Finds the spec `query` names, trying in order: the full folder name, the number
/// (`173`, `0173`), the name part (`rust-ci`), then a unique part of the folder name.
/// A query of digits only is a number: it matches the full folder name or the number and
/// nothing else, so `2` never picks `172-x` when there is no spec 2.
pub fn find_spec<'a>(specs: &'a [Spec], query: &str) -> Result<&'a Spec, Error> {
    let query = query.trim();
    let is_number = !query.is_empty() && query.bytes().all(|b| b.is_ascii_digit());
    // `None` for digits beyond u32: no spec has that number.
    let number = query.parse::<u32>().ok().filter(|_| is_number);
    let lowercase = query.to_lowercase();
    let matchers: [&dyn Fn(&Spec) -> bool; 4] = [
        &|spec| spec.dir_name == query,
        &|spec| number.is_some() && spec.number == number,
        &|spec| !is_number && spec.name == query,
        &|spec| {
            !is_number && !query.is_empty() && spec.dir_name.to_lowercase().contains(&lowercase)
        },
    ];
    for matches in matchers {
        let found: Vec<&Spec> = specs.iter().filter(|spec| matches(spec)).collect();
        match found.as_slice() {
            [] => continue,
            [spec] => {
                return match readme_failure(spec) {
                    Some(problem) => Err(Error::SpecUnreadable(problem)),
                    None => Ok(spec),
                }
            }
            several => {
                return Err(Error::AmbiguousSpec {
                    query: query.to_string(),
                    matches: several.iter().map(|spec| spec.dir_name.clone()).collect(),
                })
            }
        }
    }
    Err(Error::SpecNotFound(query.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn spec(dir_name: &str) -> Spec {
        let readme = PathBuf::from(dir_name).join(README);
        Spec::from_readme(dir_name, readme, "---\nstatus: planned\n---\n")
    }

    fn specs() -> Vec<Spec> {
        ["171-cli-core", "172-cli-npm", "173-ci-pipeline"]
            .map(spec)
            .to_vec()
    }

    fn find(query: &str) -> Result<String, String> {
        let specs = specs();
        find_spec(&specs, query)
            .map(|s| s.dir_name.clone())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn finds_by_number_full_name_name_part_and_unique_fragment() {
        assert_eq!(find("173"), Ok("173-ci-pipeline".into()));
        assert_eq!(find("0172"), Ok("172-cli-npm".into()));
        assert_eq!(find("171-cli-core"), Ok("171-cli-core".into()));
        assert_eq!(find("cli-npm"), Ok("172-cli-npm".into()));
        assert_eq!(find("PIPE"), Ok("173-ci-pipeline".into()));
    }

    #[test]
    fn reports_ambiguous_and_unknown_queries() {
        assert_eq!(
            find("cli"),
            Err("'cli' matches several specs (171-cli-core, 172-cli-npm); give its number or full name".into())
        );
        assert_eq!(find("999"), Err("no spec matches '999'".into()));
        assert_eq!(
            find("99999999999"),
            Err("no spec matches '99999999999'".into())
        );
        assert_eq!(find(""), Err("no spec matches ''".into()));
    }

    #[test]
    fn a_number_matches_only_by_number_never_as_a_fragment() {
        // `2` is a fragment of `172-cli-npm`, `17` of all three: neither is a spec number.
        assert_eq!(find("2"), Err("no spec matches '2'".into()));
        assert_eq!(find("17"), Err("no spec matches '17'".into()));
        assert_eq!(find("172"), Ok("172-cli-npm".into()));
        // A folder named only with digits is still found by its full name.
        let specs = [spec("2024"), spec("172-cli-npm")];
        assert_eq!(find_spec(&specs, "2024").unwrap().dir_name, "2024");
        assert!(find_spec(&specs, "202").is_err());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn io_errors_read_as_words() {
        assert_eq!(
            reason(&io::Error::from_raw_os_error(13)),
            "permission denied"
        );
        assert_eq!(reason(&io::Error::from_raw_os_error(21)), "is a directory");
    }

    #[test]
    fn a_spec_without_readme_cannot_be_viewed() {
        let specs = [Spec::without_readme(
            "003-x",
            PathBuf::from("specs/003-x/README.md"),
            ReadmeProblem::Missing { found: None },
        )];
        assert_eq!(
            find_spec(&specs, "3").unwrap_err().to_string(),
            "specs/003-x: no README.md"
        );
    }

    #[test]
    fn missing_specs_folder_is_an_error() {
        let error = load_specs(Path::new("/nonexistent/leanspec/specs")).unwrap_err();
        assert!(matches!(error, Error::SpecsDirNotFound(_)));
    }
}
