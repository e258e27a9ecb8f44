//! Source: the files of an archive, read into memory from the working tree
//! (or, with `build --rev`, from a commit's tree: `git::tree`).
//!
//! Every later stage sees only a [`Snapshot`] — paths relative to the
//! archive root, `/`-separated — so building a commit's tree or the working
//! tree is the same pipeline.
//!
//! What may be read is decided in one place, [`ArchiveRoot`]: content and
//! assets come only from inside the archive and never from `.git/` (or any
//! other hidden file), through a symlink or otherwise. `build`, `check` and
//! `serve` (at start and on every watch event) all read through it.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::CONFIG_FILE;
use crate::select::Selection;

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
    /// only where [`ArchiveRoot::check_link`] allows, and each one refused is
    /// reported on stderr as a warning naming the link.
    pub fn from_dir(root: &Path) -> std::io::Result<Snapshot> {
        let archive = ArchiveRoot::new(root)?;
        let mut paths: Vec<String> = Vec::new();
        let mut refused = Vec::new();
        for top in [CONFIG_FILE, "content", "theme"] {
            paths.extend(archive.files_under(top, &mut refused)?);
        }
        paths.extend(incidents_outside_content(&archive, &mut refused));
        for r in &refused {
            eprintln!("warning: {r}");
        }
        let files: std::io::Result<Vec<(String, Arc<Vec<u8>>)>> =
            paths.into_par_iter().map(|p| std::fs::read(root.join(&p)).map(|b| (p, Arc::new(b)))).collect();
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

pub use crate::select::is_ignored;

/// The archive root, resolved once, that every path read is checked against.
#[derive(Debug, Clone)]
pub struct ArchiveRoot {
    root: PathBuf,
    canonical: PathBuf,
}

/// A symlink that was not followed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The link, relative to the archive root (`theme/static/outlink`).
    pub link: String,
    /// Where it resolves to.
    pub target: PathBuf,
    pub reason: Reason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The target is outside the archive root.
    Outside,
    /// The target is in `.git/` (or another hidden file or folder, which
    /// the archive's own files never are).
    Hidden,
    /// Following it would walk a folder inside itself.
    Loop,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let target = self.target.display();
        match self.reason {
            Reason::Outside => write!(
                f,
                "{}: skipped: a symlink that points outside the archive (to {target}); content and assets are read only from inside it",
                self.link
            ),
            Reason::Hidden => write!(
                f,
                "{}: skipped: a symlink that points into .git/ or another hidden path (to {target}), which is never published",
                self.link
            ),
            Reason::Loop => write!(f, "{}: skipped: a symlink that points to a folder it is in (to {target})", self.link),
        }
    }
}

impl ArchiveRoot {
    pub fn new(root: &Path) -> std::io::Result<ArchiveRoot> {
        Ok(ArchiveRoot { root: root.to_path_buf(), canonical: root.canonicalize()? })
    }

    /// The root as given.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The rule, for one symlink at `rel`: it may be followed only if it
    /// resolves inside the archive root, and not into `.git/` or any other
    /// hidden path the walk itself would skip (`.env`, `.ssh/`). A dangling
    /// link gives `Ok(None)`: there is nothing to read.
    pub fn check_link(&self, rel: &str) -> Result<Option<PathBuf>, Refused> {
        let Ok(target) = self.root.join(rel).canonicalize() else { return Ok(None) };
        let refuse = |reason| Refused { link: rel.to_string(), target: target.clone(), reason };
        let Ok(inside) = target.strip_prefix(&self.canonical) else { return Err(refuse(Reason::Outside)) };
        if inside.components().any(|c| matches!(c, Component::Normal(n) if is_ignored(n))) {
            return Err(refuse(Reason::Hidden));
        }
        // A link to a folder it is in (`content/all -> ..`) would read the
        // archive again under its own name, output folder included.
        let parent = self.root.join(rel).parent().and_then(|p| p.canonicalize().ok());
        if target.is_dir() && parent.is_some_and(|p| p.starts_with(&target)) {
            return Err(refuse(Reason::Loop));
        }
        Ok(Some(target))
    }

    /// Checks every symlink on the way from the root to `rel` (a path from
    /// a watch event may pass through a linked folder). `Ok` also when the
    /// path does not exist.
    pub fn admit(&self, rel: &str) -> Result<(), Refused> {
        let mut prefix = String::new();
        for part in rel.split('/') {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            match std::fs::symlink_metadata(self.root.join(&prefix)) {
                Ok(m) if m.file_type().is_symlink() => {
                    self.check_link(&prefix)?;
                }
                Ok(_) => {}
                Err(_) => return Ok(()),
            }
        }
        Ok(())
    }

    /// The readable files at `rel` (a file, or every file in a folder),
    /// as archive-relative `/` paths, sorted. Symlinks are followed where
    /// [`ArchiveRoot::check_link`] allows; the others are added to
    /// `refused` and skipped, as are hidden files and editor leftovers.
    pub fn files_under(&self, rel: &str, refused: &mut Vec<Refused>) -> std::io::Result<Vec<String>> {
        if let Err(r) = self.admit(rel) {
            refused.push(r);
            return Ok(Vec::new());
        }
        let start = self.root.join(rel);
        if !start.exists() {
            return Ok(Vec::new());
        }
        let mut found = Vec::new();
        let relative = |p: &Path| -> Option<String> {
            let r = p.strip_prefix(&self.root).ok()?;
            Some(r.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/"))
        };
        let mut walker = walkdir::WalkDir::new(&start).follow_links(true).sort_by_file_name().into_iter();
        while let Some(entry) = walker.next() {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let path = e.path().map(Path::to_path_buf);
                    let rel = path.as_deref().and_then(relative).unwrap_or_default();
                    let ignored = path.as_deref().and_then(Path::file_name).is_some_and(is_ignored);
                    if let Some(ancestor) = e.loop_ancestor() {
                        refused.push(Refused { link: rel, target: ancestor.to_path_buf(), reason: Reason::Loop });
                    } else if !(ignored || e.io_error().is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound)) {
                        // A dangling link or an editor's lock link is nothing to read.
                        return Err(std::io::Error::other(e));
                    }
                    continue;
                }
            };
            if entry.depth() > 0 && is_ignored(entry.file_name()) {
                if entry.file_type().is_dir() {
                    walker.skip_current_dir();
                }
                continue;
            }
            let Some(rel) = relative(entry.path()) else { continue };
            if entry.depth() > 0 && entry.path_is_symlink() {
                if let Err(r) = self.check_link(&rel) {
                    refused.push(r);
                    if entry.file_type().is_dir() {
                        walker.skip_current_dir();
                    }
                    continue;
                }
            }
            if entry.file_type().is_file() {
                found.push(rel);
            }
        }
        Ok(found)
    }
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
            ((path == CONFIG_FILE || top == "content" || top == "theme")
                && !parts.any(|p| is_ignored(std::ffi::OsStr::new(p))))
                || selection.is_incident(path)
        };
        Snapshot { files: files.into_iter().filter(|(p, _)| keep(p)).map(|(p, b)| (p, Arc::new(b))).collect() }
    }
}

/// The incident files the `incidents` globs of `root`'s rca-site.toml
/// select outside `content/` (an archive adopted in place); none for
/// today's layout.
fn incidents_outside_content(archive: &ArchiveRoot, refused: &mut Vec<Refused>) -> Vec<String> {
    let text = std::fs::read(archive.path().join(CONFIG_FILE)).ok();
    let (config, selection) = crate::select::of_config_text(text.as_deref());
    if selection.inside_content() {
        return Vec::new();
    }
    files_outside_content(&selection, archive, &config.output, refused)
}

/// The incident files `selection` picks in the working tree under `root` that lie outside
/// `content/` and `theme/` (those two are read whole by the source
/// stage). Never anything under `.git/`, `target/`, `node_modules/`, a
/// hidden folder, the `output` folder or any other folder that holds a
/// site rca-site built (`incidents.json` beside `sitemap.xml`).
fn files_outside_content(
    selection: &Selection,
    archive: &ArchiveRoot,
    output: &str,
    refused: &mut Vec<Refused>,
) -> Vec<String> {
    let root = archive.path();
    let output = root.join(output.trim_start_matches("./"));
    let mut out = Vec::new();
    for base in selection.bases() {
        if base == "content" || base.starts_with("content/") || base == "theme" || base.starts_with("theme/") {
            continue;
        }
        let dir = if base.is_empty() { root.to_path_buf() } else { root.join(&base) };
        if !dir.is_dir() {
            continue;
        }
        let walker = walkdir::WalkDir::new(&dir).follow_links(false).sort_by_file_name();
        let skip = |e: &walkdir::DirEntry| {
            if e.depth() == 0 {
                return false;
            }
            let name = e.file_name().to_string_lossy();
            if crate::source::is_ignored(e.file_name()) {
                return true;
            }
            let top_level = e.path().parent() == Some(root);
            e.file_type().is_dir()
                && (name == "target"
                    || name == "node_modules"
                    || (top_level && (name == "content" || name == "theme"))
                    || e.path() == output
                    || (e.path().join("incidents.json").is_file() && e.path().join("sitemap.xml").is_file()))
        };
        for entry in walker.into_iter().filter_entry(|e| !skip(e)).flatten() {
            let Ok(rel) = entry.path().strip_prefix(root) else { continue };
            let rel: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            let rel = rel.join("/");
            if entry.path_is_symlink() {
                match archive.check_link(&rel) {
                    Ok(Some(_)) => {}
                    Ok(None) => continue,
                    Err(r) => {
                        refused.push(r);
                        continue;
                    }
                }
            }
            if !entry.path().is_file() {
                continue;
            }
            if selection.is_incident(&rel) {
                out.push(rel);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// A path named by a watch event may lead through a linked folder: the
    /// link is found and named, whichever file below it changed.
    #[test]
    fn a_path_through_a_link_out_is_refused_naming_the_link() {
        let base = std::env::temp_dir().join(format!("rca-source-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let root = base.join("archive");
        std::fs::create_dir_all(root.join("theme/static")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::create_dir_all(base.join("outside/deep")).unwrap();
        std::fs::write(base.join("outside/deep/secret.txt"), "x").unwrap();
        std::fs::write(root.join(".git/config"), "x").unwrap();
        std::fs::write(root.join("theme/static/ok.txt"), "x").unwrap();
        symlink(base.join("outside"), root.join("theme/static/outlink")).unwrap();
        symlink("../../.git", root.join("theme/static/git")).unwrap();
        symlink("ok.txt", root.join("theme/static/alias.txt")).unwrap();
        let archive = ArchiveRoot::new(&root).unwrap();

        let mut refused = Vec::new();
        let found = archive.files_under("theme/static/outlink/deep/secret.txt", &mut refused).unwrap();
        assert!(found.is_empty());
        assert_eq!(
            refused.iter().map(|r| (r.link.as_str(), r.reason)).collect::<Vec<_>>(),
            [("theme/static/outlink", Reason::Outside)]
        );
        assert_eq!(archive.admit("theme/static/git/config").unwrap_err().reason, Reason::Hidden);
        assert!(archive.admit("theme/static/missing/x.txt").is_ok());

        let mut refused = Vec::new();
        let found = archive.files_under("theme", &mut refused).unwrap();
        assert_eq!(found, ["theme/static/alias.txt", "theme/static/ok.txt"]);
        assert_eq!(refused.len(), 2, "{refused:?}");
        let _ = std::fs::remove_dir_all(&base);
    }
}
