//! Discovery: walk the inputs in a deterministic order and name each file as `source_file`
//! (schema.md §5.8: relative to a directory argument, the file name for a file argument,
//! `/`-separated, never absolute).

use std::io;
use std::path::{Path, PathBuf};

/// One input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// Where it is on disk.
    pub path: PathBuf,
    /// Its `source_file` name.
    pub source_file: String,
    /// Size in bytes when discovered.
    pub size: u64,
}

/// An input that could not be walked.
#[derive(Debug)]
pub struct DiscoverError {
    /// The path that failed.
    pub path: PathBuf,
    /// What the file system said.
    pub error: io::Error,
}

fn rel_name(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<InputFile>, errors: &mut Vec<DiscoverError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(error) => {
            errors.push(DiscoverError {
                path: dir.to_path_buf(),
                error,
            });
            return;
        }
    };
    let mut paths: Vec<PathBuf> = Vec::new();
    for e in entries {
        match e {
            Ok(e) => paths.push(e.path()),
            Err(error) => errors.push(DiscoverError {
                path: dir.to_path_buf(),
                error,
            }),
        }
    }
    // Byte order of the names, so every platform and run sees the same order.
    paths.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    for p in paths {
        // Symbolic links are not followed: a link loop cannot trap the walk, and evidence
        // outside the tree is not pulled in silently.
        let meta = match std::fs::symlink_metadata(&p) {
            Ok(m) => m,
            Err(error) => {
                errors.push(DiscoverError { path: p, error });
                continue;
            }
        };
        if meta.is_dir() {
            walk(root, &p, out, errors);
        } else if meta.is_file() {
            out.push(InputFile {
                source_file: rel_name(root, &p),
                size: meta.len(),
                path: p,
            });
        }
    }
}

/// Every file under the inputs, in a deterministic order (inputs in the order given,
/// directory entries sorted by name), plus the inputs that could not be read.
pub fn discover(inputs: &[PathBuf]) -> (Vec<InputFile>, Vec<DiscoverError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for input in inputs {
        match std::fs::metadata(input) {
            Ok(m) if m.is_dir() => walk(input, input, &mut files, &mut errors),
            Ok(m) => {
                let name = input.file_name().map_or_else(
                    || input.to_string_lossy().into_owned(),
                    |n| n.to_string_lossy().into_owned(),
                );
                files.push(InputFile {
                    path: input.clone(),
                    source_file: name,
                    size: m.len(),
                });
            }
            Err(error) => errors.push(DiscoverError {
                path: input.clone(),
                error,
            }),
        }
    }
    (files, errors)
}
