//! Finding specs on disk and picking one by what a user types.

use std::fs::{self, File, FileType, Metadata};
use std::io::{self, Read};
use std::path::Path;

use crate::error::io_reason;
use crate::spec::split_dir_name;
use crate::text::os_text;
use crate::validate::readme_failure;
use crate::{Error, ReadmeProblem, Spec, MAX_README_BYTES};

const README: &str = "README.md";

/// Loads every spec under `specs_dir`, sorted by number (unnumbered folders last). A spec is
/// a non-hidden folder holding a `README.md`, or a folder named like one (`NNN-name`, or a
/// name that is not UTF-8 and so cannot be told apart) whatever it holds: a missing README,
/// one that cannot be read, is not a regular file, is too large or is not UTF-8 is then a
/// [`ReadmeProblem`] of that spec, so that validation reports it and one bad file never
/// hides the others. Other folders without a README, such as shared assets, and files are
/// not specs and are skipped.
pub fn load_specs(specs_dir: &Path) -> Result<Vec<Spec>, Error> {
    let not_readable = |source| Error::Io {
        path: specs_dir.to_path_buf(),
        source,
    };
    match fs::metadata(specs_dir) {
        Ok(metadata) if metadata.is_dir() => {}
        Ok(metadata) => {
            return Err(Error::SpecsDirNotAFolder {
                path: specs_dir.to_path_buf(),
                kind: file_kind(metadata.file_type()),
            })
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Err(Error::SpecsDirNotFound(specs_dir.to_path_buf()))
        }
        Err(error) => return Err(not_readable(error)),
    }
    let mut specs = Vec::new();
    for entry in fs::read_dir(specs_dir).map_err(not_readable)? {
        let entry = entry.map_err(not_readable)?;
        let file_name = entry.file_name();
        let dir_name = os_text(&file_name);
        if dir_name.starts_with('.') {
            continue;
        }
        let is_utf8 = file_name.to_str().is_some();
        let named_like_a_spec = !is_utf8 || split_dir_name(&dir_name).is_some();
        let folder = entry.path();
        // `fs::metadata` follows links: a link to a spec folder is a spec folder.
        let spec = match fs::metadata(&folder) {
            Ok(metadata) if metadata.is_dir() => load_spec(&dir_name, &folder, named_like_a_spec),
            Ok(_) => None,
            Err(error) if named_like_a_spec => Some(Spec::without_readme(
                &dir_name,
                folder.join(README),
                ReadmeProblem::FolderUnreadable {
                    reason: io_reason(&error),
                },
            )),
            Err(_) => None,
        };
        specs.extend(spec.map(|spec| Spec {
            dir_name_is_utf8: is_utf8,
            ..spec
        }));
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
fn load_spec(dir_name: &str, folder: &Path, named_like_a_spec: bool) -> Option<Spec> {
    let readme = folder.join(README);
    // `symlink_metadata`, not `metadata`: a README that is a broken link is reported as
    // unreadable rather than taken for no README.
    let problem = match fs::symlink_metadata(&readme) {
        Ok(_) => match read_readme(&readme) {
            Ok(bytes) => return Some(Spec::from_bytes(dir_name, readme, &bytes)),
            Err(problem) => problem,
        },
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            let found = readme_in_other_case(folder);
            if found.is_none() && !named_like_a_spec {
                return None;
            }
            ReadmeProblem::Missing { found }
        }
        // The folder cannot be searched (no permission): a spec only if named like one.
        Err(_) if !named_like_a_spec => return None,
        Err(error) => ReadmeProblem::FolderUnreadable {
            reason: io_reason(&error),
        },
    };
    Some(Spec::without_readme(dir_name, readme, problem))
}

/// The bytes of the README at `path`, never blocking and never reading more than
/// [`MAX_README_BYTES`]. Only a regular file is read: opening a FIFO waits for a writer
/// (forever, in the MCP server, for every later request too), and a device may never end
/// (`/dev/zero`) or act on being opened. The type is checked before opening, and again on
/// what was opened, which is opened without blocking, as the path may have changed between.
fn read_readme(path: &Path) -> Result<Vec<u8>, ReadmeProblem> {
    let unreadable = |error: io::Error| ReadmeProblem::Unreadable {
        reason: io_reason(&error),
    };
    check_regular_file(&fs::metadata(path).map_err(unreadable)?)?;
    let file = open_without_blocking(path).map_err(unreadable)?;
    let metadata = file.metadata().map_err(unreadable)?;
    check_regular_file(&metadata)?;
    // `check_regular_file` bounds the length: at most MAX_README_BYTES, plus one to see growth.
    let mut bytes = Vec::with_capacity(metadata.len() as usize + 1);
    file.take(MAX_README_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_README_BYTES {
        // It grew while being read: its size now is the best answer.
        let bytes = fs::metadata(path).map_or(metadata.len(), |now| now.len());
        return Err(ReadmeProblem::TooLarge { bytes });
    }
    Ok(bytes)
}

fn check_regular_file(metadata: &Metadata) -> Result<(), ReadmeProblem> {
    if !metadata.is_file() {
        return Err(ReadmeProblem::NotAFile {
            kind: file_kind(metadata.file_type()),
        });
    }
    if metadata.len() > MAX_README_BYTES {
        return Err(ReadmeProblem::TooLarge {
            bytes: metadata.len(),
        });
    }
    Ok(())
}

/// Opens `path` for reading. On Unix, with `O_NONBLOCK`, so that a FIFO put in place of a
/// checked file is opened at once (and then refused) instead of waiting for a writer, and
/// `O_NOCTTY`, so that a terminal device never becomes our controlling terminal. Neither
/// changes how a regular file reads.
fn open_without_blocking(path: &Path) -> io::Result<File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    options.open(path)
}

/// What a file that is not a regular file is, for messages: "a FIFO", "a directory".
fn file_kind(file_type: FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_file() {
        "a file"
    } else {
        "a special file"
    }
}

/// A file in `folder` named `README.md` in another case, such as `readme.md`.
fn readme_in_other_case(folder: &Path) -> Option<String> {
    fs::read_dir(folder)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| os_text(&entry.file_name()).into_owned())
        .find(|name| name.eq_ignore_ascii_case(README))
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

    /// The check after opening, for a FIFO put where a file was checked: opening must not
    /// wait for a writer (a hang fails after 10 s), and what was opened is refused.
    #[cfg(unix)]
    #[test]
    fn a_fifo_opens_at_once_and_is_refused() {
        use std::sync::mpsc;
        use std::time::Duration;
        let dir = std::env::temp_dir().join(format!("leanspec-core-fifo-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join(README);
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        let (sender, receiver) = mpsc::channel();
        let path = fifo.clone();
        std::thread::spawn(move || {
            let _ = sender.send(open_without_blocking(&path).and_then(|file| file.metadata()));
        });
        let opened = receiver.recv_timeout(Duration::from_secs(10));
        let _ = fs::remove_dir_all(&dir);
        let metadata = opened.expect("open waited for a writer").unwrap();
        assert_eq!(
            check_regular_file(&metadata),
            Err(ReadmeProblem::NotAFile { kind: "a FIFO" })
        );
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
