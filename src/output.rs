//! Output: writes the built site atomically.
//!
//! Files go to a fresh directory next to the output (same file system, so
//! the final step is a rename); only a complete site replaces the previous
//! one. A build that fails, at any point, leaves the previous output
//! byte-identical.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::render::OutputFile;

/// Where rendered files go as soon as they are rendered: a staging
/// directory ([`Staging`], for `build`) or nowhere ([`Discard`], for
/// `check`). Rendering streams into the sink from many threads, so a large
/// site is never held in memory as a whole.
pub trait Sink: Sync {
    fn put(&self, file: OutputFile) -> io::Result<()>;
}

/// Drops every file (`check`).
pub struct Discard;

impl Sink for Discard {
    fn put(&self, _: OutputFile) -> io::Result<()> {
        Ok(())
    }
}

/// Keeps every file in memory, path → bytes (`serve`). A build puts only
/// the pages it rendered; [`Memory::take`] hands them over so the server
/// can merge them into the site it serves.
#[derive(Default)]
pub struct Memory {
    files: Mutex<std::collections::HashMap<String, Vec<u8>>>,
}

impl Memory {
    pub fn take(&self) -> std::collections::HashMap<String, Vec<u8>> {
        std::mem::take(&mut *self.files.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Sink for Memory {
    fn put(&self, file: OutputFile) -> io::Result<()> {
        if !is_safe_relative(&file.path) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("refusing to write outside the output: {}", file.path)));
        }
        self.files.lock().unwrap_or_else(|e| e.into_inner()).insert(file.path, file.bytes);
        Ok(())
    }
}

/// A fresh directory next to the output that becomes the output only when
/// [`Staging::commit`] is called; dropped uncommitted, it is removed.
pub struct Staging {
    dir: PathBuf,
    out: PathBuf,
    /// Where the previous output is moved during the swap.
    old: PathBuf,
    made: Mutex<HashSet<PathBuf>>,
    committed: bool,
}

impl Staging {
    pub fn new(out: &Path) -> io::Result<Staging> {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)?;
        let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
        let dir = parent.join(format!(".{name}.rca-new-{}", std::process::id()));
        let old = parent.join(format!(".{name}.rca-old-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        Ok(Staging { dir, out: out.to_path_buf(), old, made: Mutex::new(HashSet::new()), committed: false })
    }

    /// Swaps the staged site in place of the output: move the old output
    /// aside, move the new one in, then delete the old one.
    pub fn commit(mut self) -> io::Result<()> {
        self.committed = true;
        let result = self.swap();
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        result
    }

    fn swap(&self) -> io::Result<()> {
        if !self.out.exists() {
            return std::fs::rename(&self.dir, &self.out);
        }
        if self.old.exists() {
            std::fs::remove_dir_all(&self.old)?;
        }
        std::fs::rename(&self.out, &self.old)?;
        if let Err(e) = std::fs::rename(&self.dir, &self.out) {
            // Put the previous site back before reporting.
            let _ = std::fs::rename(&self.old, &self.out);
            return Err(e);
        }
        remove_tree(&self.old)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl Sink for Staging {
    fn put(&self, file: OutputFile) -> io::Result<()> {
        if !is_safe_relative(&file.path) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("refusing to write outside the output: {}", file.path)));
        }
        let path = self.dir.join(&file.path);
        if let Some(parent) = path.parent() {
            let known = self.made.lock().unwrap_or_else(|e| e.into_inner()).contains(parent);
            if !known {
                std::fs::create_dir_all(parent)?;
                self.made.lock().unwrap_or_else(|e| e.into_inner()).insert(parent.to_path_buf());
            }
        }
        std::fs::write(path, &file.bytes)
    }
}

/// Removes a directory tree, the first two levels in parallel: deleting
/// thousands of page directories one by one is a large part of a rebuild.
fn remove_tree(dir: &Path) -> io::Result<()> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            for inner in std::fs::read_dir(entry.path())? {
                let inner = inner?;
                entries.push((inner.path(), inner.file_type()?.is_dir()));
            }
        }
    }
    entries.par_iter().try_for_each(|(p, is_dir)| if *is_dir { std::fs::remove_dir_all(p) } else { std::fs::remove_file(p) })?;
    std::fs::remove_dir_all(dir)
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

    /// Writes `files` as the new contents of `out` (all or nothing), as `build` does.
    fn write_site(out: &Path, files: &[OutputFile]) -> io::Result<()> {
        let staging = Staging::new(out)?;
        files.par_iter().try_for_each(|f| staging.put(f.clone()))?;
        staging.commit()
    }

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
