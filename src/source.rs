//! Source: the files of an archive, read from the working tree (or, later,
//! from a git tree) into memory.
//!
//! Every later stage sees only a [`Snapshot`] — paths relative to the
//! archive root, `/`-separated — so building a commit's tree or the working
//! tree is the same pipeline.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::CONFIG_FILE;

/// The archive's files that matter to the build: `rca-site.toml`,
/// `content/**`, `theme/**` and the incident files the `incidents` globs
/// select elsewhere.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub files: BTreeMap<String, Arc<Vec<u8>>>,
}

impl Snapshot {
    /// Reads the working tree under `root`. Hidden files and editor
    /// leftovers (`.#x`, `x~`, `.x.swp`) are skipped; symlinks are followed
    /// only inside the archive.
    pub fn from_dir(root: &Path) -> std::io::Result<Snapshot> {
        let mut paths: Vec<String> = Vec::new();
        let canonical_root = root.canonicalize()?;
        if root.join(CONFIG_FILE).is_file() {
            paths.push(CONFIG_FILE.to_string());
        }
        for top in ["content", "theme"] {
            let dir = root.join(top);
            if !dir.is_dir() {
                continue;
            }
            let walker = walkdir::WalkDir::new(&dir).follow_links(false).sort_by_file_name();
            for entry in walker.into_iter().filter_entry(|e| e.depth() == 0 || !is_ignored(e.file_name())) {
                let entry = entry.map_err(std::io::Error::other)?;
                if entry.path_is_symlink() && !resolves_inside(&canonical_root, entry.path()) {
                    eprintln!("warning: {}: skipped: a symlink that points outside the archive", entry.path().display());
                    continue;
                }
                if !(entry.file_type().is_file() || (entry.path_is_symlink() && entry.path().is_file())) {
                    continue;
                }
                if let Ok(rel) = entry.path().strip_prefix(root) {
                    let rel: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                    paths.push(rel.join("/"));
                }
            }
        }
        paths.extend(incidents_outside_content(root, &canonical_root));
        let files: std::io::Result<Vec<(String, Arc<Vec<u8>>)>> = paths
            .into_par_iter()
            .map(|p| std::fs::read(root.join(&p)).map(|b| (p, Arc::new(b))))
            .collect();
        Ok(Snapshot { files: files?.into_iter().collect() })
    }

    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(|b| b.as_slice())
    }

    /// Files whose path starts with `prefix` (e.g. `"content/incidents/"`).
    pub fn under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a [u8])> + 'a {
        self.files
            .range(prefix.to_string()..)
            .take_while(move |(p, _)| p.starts_with(prefix))
            .map(|(p, b)| (p.as_str(), b.as_slice()))
    }
}

pub fn is_ignored(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.') || name.starts_with('#') || name.ends_with('~') || name.ends_with(".swp") || name.ends_with(".tmp")
}

/// Whether `path` (a symlink, or a path through one) resolves to a file
/// inside the archive: a link out of it (`theme/static/x -> /etc/passwd`)
/// must never be published or served.
pub fn resolves_inside(canonical_root: &Path, path: &Path) -> bool {
    path.canonicalize().is_ok_and(|p| p.starts_with(canonical_root))
}

impl Snapshot {
    /// A snapshot from files read elsewhere (a commit's tree for
    /// `build --rev`), keeping only what [`Snapshot::from_dir`] would read.
    pub fn from_files(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> Snapshot {
        let files: Vec<(String, Vec<u8>)> = files.into_iter().collect();
        let config = files.iter().find(|(p, _)| p == CONFIG_FILE).map(|(_, b)| b.as_slice());
        let (_, selection) = crate::select::of_config_text(config);
        let keep = |path: &str| {
            let mut parts = path.split('/');
            let top = parts.next().unwrap_or("");
            ((path == CONFIG_FILE || top == "content" || top == "theme") && !parts.any(|p| is_ignored(std::ffi::OsStr::new(p))))
                || selection.is_incident(path)
        };
        Snapshot { files: files.into_iter().filter(|(p, _)| keep(p)).map(|(p, b)| (p, Arc::new(b))).collect() }
    }
}

/// The incident files the `incidents` globs of `root`'s rca-site.toml
/// select outside `content/` (an archive adopted in place); none for
/// today's layout.
fn incidents_outside_content(root: &Path, canonical_root: &Path) -> Vec<String> {
    let text = std::fs::read(root.join(CONFIG_FILE)).ok();
    let (config, selection) = crate::select::of_config_text(text.as_deref());
    if selection.inside_content() {
        return Vec::new();
    }
    selection.files_outside_content(root, canonical_root, &config.output)
}
