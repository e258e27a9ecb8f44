//! Output: writes the built site atomically.
//!
//! Files go to a fresh directory next to the output (same file system, so
//! the final step is a rename); only a complete site replaces the previous
//! one. A build that fails, at any point, leaves the previous output
//! byte-identical.

use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::render::OutputFile;

/// Writes `files` as the new contents of `out`.
pub fn write_site(out: &Path, files: &[OutputFile]) -> io::Result<()> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)?;
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
    let staging = parent.join(format!(".{name}.rca-new-{}", std::process::id()));
    let result = write_tree(&staging, files).and_then(|()| swap(&staging, out, &parent, &name));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}

fn write_tree(dir: &Path, files: &[OutputFile]) -> io::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    // Create directories first (sequentially, each once), then write files in parallel.
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| Path::new(&f.path).parent().map(Path::to_path_buf))
        .filter(|p| !p.as_os_str().is_empty())
        .collect();
    dirs.sort();
    dirs.dedup();
    for d in &dirs {
        std::fs::create_dir_all(dir.join(d))?;
    }
    files.par_iter().try_for_each(|f| {
        if !is_safe_relative(&f.path) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("refusing to write outside the output: {}", f.path)));
        }
        std::fs::write(dir.join(&f.path), &f.bytes)
    })
}

/// Replaces `out` by `staging`: rename the old output aside, rename the
/// new one in, then delete the old one.
fn swap(staging: &Path, out: &Path, parent: &Path, name: &str) -> io::Result<()> {
    if out.exists() {
        let old = parent.join(format!(".{name}.rca-old-{}", std::process::id()));
        if old.exists() {
            std::fs::remove_dir_all(&old)?;
        }
        std::fs::rename(out, &old)?;
        if let Err(e) = std::fs::rename(staging, out) {
            // Put the previous site back before reporting.
            let _ = std::fs::rename(&old, out);
            return Err(e);
        }
        std::fs::remove_dir_all(&old)?;
    } else {
        std::fs::rename(staging, out)?;
    }
    Ok(())
}

/// A relative path without `..`, absolute parts or empty segments.
pub fn is_safe_relative(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && path.split('/').all(|seg| !seg.is_empty() && seg != ".." && seg != ".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_output() {
        let tmp = std::env::temp_dir().join(format!("rca-output-test-{}", std::process::id()));
        let out = tmp.join("public");
        write_site(&out, &[OutputFile::new("a/index.html", "1"), OutputFile::new("old.txt", "x")]).unwrap();
        write_site(&out, &[OutputFile::new("a/index.html", "2")]).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a/index.html")).unwrap(), "2");
        assert!(!out.join("old.txt").exists());
        // A failing write leaves the previous output as it was.
        let bad = write_site(&out, &[OutputFile::new("b.html", "3"), OutputFile::new("../escape", "!")]);
        assert!(bad.is_err());
        assert_eq!(std::fs::read_to_string(out.join("a/index.html")).unwrap(), "2");
        assert!(!out.join("b.html").exists());
        let leftovers: Vec<_> = std::fs::read_dir(&tmp).unwrap().filter_map(Result::ok).map(|e| e.file_name()).collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
