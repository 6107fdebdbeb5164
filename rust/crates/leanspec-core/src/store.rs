//! Finding specs on disk and picking one by what a user types.

use std::fs;
use std::path::Path;

use crate::{Error, Spec};

const README: &str = "README.md";

/// Loads every spec under `specs_dir`: each non-hidden folder holding a `README.md`, sorted
/// by number (unnumbered folders last). Folders without a README, such as shared assets, are
/// not specs and are skipped.
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
        let readme = specs_dir.join(&dir_name).join(README);
        if dir_name.starts_with('.') || !readme.is_file() {
            continue;
        }
        // Lossy decoding: one stray byte should not hide a spec from listing and validation.
        let bytes = fs::read(&readme).map_err(io_error(&readme))?;
        specs.push(Spec::from_readme(
            &dir_name,
            readme,
            &String::from_utf8_lossy(&bytes),
        ));
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

/// Finds the spec `query` names, trying in order: the full folder name, the number
/// (`173`, `0173`), the name part (`rust-ci`), then a unique part of the folder name.
pub fn find_spec<'a>(specs: &'a [Spec], query: &str) -> Result<&'a Spec, Error> {
    let query = query.trim();
    let number = query
        .parse::<u32>()
        .ok()
        .filter(|_| query.bytes().all(|b| b.is_ascii_digit()));
    let lowercase = query.to_lowercase();
    let matchers: [&dyn Fn(&Spec) -> bool; 4] = [
        &|spec| spec.dir_name == query,
        &|spec| number.is_some() && spec.number == number,
        &|spec| spec.name == query,
        &|spec| !query.is_empty() && spec.dir_name.to_lowercase().contains(&lowercase),
    ];
    for matches in matchers {
        let found: Vec<&Spec> = specs.iter().filter(|spec| matches(spec)).collect();
        match found.as_slice() {
            [] => continue,
            [spec] => return Ok(spec),
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
        assert_eq!(find(""), Err("no spec matches ''".into()));
    }

    #[test]
    fn missing_specs_folder_is_an_error() {
        let error = load_specs(Path::new("/nonexistent/leanspec/specs")).unwrap_err();
        assert!(matches!(error, Error::SpecsDirNotFound(_)));
    }
}
