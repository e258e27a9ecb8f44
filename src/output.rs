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

/// One file of the built site, path relative to the output root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

impl OutputFile {
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        OutputFile { path: path.into(), bytes: bytes.into() }
    }
}

/// Where rendered files go as soon as they are rendered: a staging
/// directory ([`Staging`], for `build`) or nowhere ([`Discard`], for
/// `check`). Rendering streams into the sink from many threads, so a large
/// site is never held in memory as a whole.
pub trait Sink: Sync {
    fn put(&self, file: OutputFile) -> io::Result<()>;
}

/// Puts `files` into `sink` in parallel; a file that cannot be written is
/// an error in `diags`. Returns the paths, written or not, for the sitemap
/// and for serve's list of what this build produced.
pub fn put_all(files: Vec<OutputFile>, sink: &dyn Sink, diags: &mut crate::diagnostics::Diagnostics) -> Vec<String> {
    let paths: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
    let errors: Vec<String> = files
        .into_par_iter()
        .filter_map(|f| {
            let path = f.path.clone();
            sink.put(f).err().map(|e| format!("writing {path}: {e}"))
        })
        .collect();
    for e in errors {
        diags.error("", crate::diagnostics::Pos::UNKNOWN, e);
    }
    paths
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
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("refusing to write outside the output: {}", file.path),
            ));
        }
        self.files.lock().unwrap_or_else(|e| e.into_inner()).insert(file.path, file.bytes);
        Ok(())
    }
}

/// The name of rca-site's marker file, written at the top of every staging
/// folder and every output it builds. A folder that carries it is one
/// rca-site wrote, and so one it may replace or clean up.
pub const MARKER: &str = ".rca-site";
/// The first line of a marker file.
const MARKER_LINE: &str = "rca-site build output";

/// Whether `dir` carries rca-site's marker (a regular file, not a link).
fn has_marker(dir: &Path) -> bool {
    let path = dir.join(MARKER);
    let regular = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_file());
    regular && std::fs::read(&path).is_ok_and(|b| b.split(|&c| c == b'\n').next() == Some(MARKER_LINE.as_bytes()))
}

/// An output folder that is safe to replace: where it was asked for, and
/// the real folder behind it once symlinks are resolved (a link is kept; its
/// target is replaced).
#[derive(Debug, Clone)]
pub struct OutputDir {
    pub real: PathBuf,
}

/// Why an output folder may not be replaced.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// The archive root, a folder that contains it, a folder inside
    /// content/, theme/ or .git/, or a file: never, even with `--force`.
    Protected(String),
    /// A non-empty folder without rca-site's marker: only with `--force`.
    Foreign(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Protected(m) | Refusal::Foreign(m) => f.write_str(m),
        }
    }
}

/// Decides whether `out` (absolute, or relative to the current directory)
/// may become the output of the archive at `root`. rca-site replaces only
/// what it wrote: an absent or empty folder, or one with its marker; any
/// other folder only with `force`. The archive itself, any folder that
/// contains it, and anything inside content/, theme/ or .git/ are refused
/// however they are spelt (`.`, `..`, symlinks, absolute paths).
pub fn output_dir(root: &Path, out: &Path, force: bool) -> Result<OutputDir, Refusal> {
    let io = |e: io::Error| Refusal::Protected(format!("cannot resolve it: {e}"));
    let root = resolve(root).map_err(io)?;
    let real = resolve(out).map_err(io)?;
    // Where the name itself lives (a link in content/ is refused too).
    let lexical = absolute(out).map_err(io)?;
    let place = match (lexical.parent(), lexical.file_name()) {
        (Some(parent), Some(name)) => resolve(parent).map_err(io)?.join(name),
        _ => real.clone(),
    };
    for at in [&real, &place] {
        if root.starts_with(at) {
            return Err(Refusal::Protected(if *at == root {
                "is the archive itself; choose a folder for the site, e.g. public".into()
            } else {
                format!("is {}, which contains the archive; choose a folder for the site, e.g. public", at.display())
            }));
        }
        for protected in ["content", "theme", ".git"] {
            let lexical = root.join(protected);
            let resolved = resolve(&lexical).unwrap_or_else(|_| lexical.clone());
            if at.starts_with(&lexical) || at.starts_with(&resolved) || resolved.starts_with(at) {
                return Err(Refusal::Protected(format!(
                    "is inside {protected}/ of the archive; choose another folder, e.g. public"
                )));
            }
        }
    }
    let shown = if real == place { String::new() } else { format!("(a link to {}) ", real.display()) };
    match std::fs::symlink_metadata(&real) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
        Ok(m) if !m.is_dir() => {
            return Err(Refusal::Protected(format!(
                "{shown}is a file, not a folder; remove it or choose another folder"
            )));
        }
        Ok(_) => {
            let empty = std::fs::read_dir(&real).map_err(io)?.next().is_none();
            if !empty && !has_marker(&real) && !force {
                return Err(Refusal::Foreign(format!(
                    "{shown}is a folder rca-site did not write (it has files and no {MARKER} marker from an earlier build); \
                     refusing to replace it: empty it, choose another folder, or build with --force to replace it anyway"
                )));
            }
        }
    }
    Ok(OutputDir { real })
}

fn absolute(p: &Path) -> io::Result<PathBuf> {
    Ok(if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir()?.join(p) })
}

/// The real path of `p`, resolving every symlink and `.`/`..` like
/// `realpath -m`: the part that does not exist yet is taken as spelt, so
/// a dangling link resolves to where its target would be.
pub fn resolve(p: &Path) -> io::Result<PathBuf> {
    use std::path::Component;
    let mut todo: Vec<std::ffi::OsString> = Vec::new();
    let push_all = |todo: &mut Vec<std::ffi::OsString>, p: &Path| {
        for c in p.components().rev() {
            todo.push(c.as_os_str().to_os_string());
        }
    };
    let start = absolute(p)?;
    push_all(&mut todo, &start);
    let mut cur = PathBuf::new();
    let mut missing = false;
    let mut hops = 0;
    while let Some(part) = todo.pop() {
        let part = PathBuf::from(part);
        match part.components().next() {
            Some(Component::RootDir) | Some(Component::Prefix(_)) => cur = part,
            Some(Component::CurDir) | None => {}
            Some(Component::ParentDir) => {
                cur.pop();
            }
            Some(Component::Normal(name)) => {
                let next = cur.join(name);
                if missing {
                    cur = next;
                    continue;
                }
                match std::fs::symlink_metadata(&next) {
                    Ok(m) if m.file_type().is_symlink() => {
                        hops += 1;
                        if hops > 40 {
                            return Err(io::Error::other(format!(
                                "too many levels of symbolic links at {}",
                                next.display()
                            )));
                        }
                        let target = std::fs::read_link(&next)?;
                        if target.is_absolute() {
                            cur = PathBuf::new();
                        }
                        push_all(&mut todo, &target);
                    }
                    Ok(_) => cur = next,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        missing = true;
                        cur = next;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Ok(cur)
}

/// Prefixes of rca-site's staging folders, next to the output `name`:
/// `.<name>.rca-new-<pid>` (the site being written) and
/// `.<name>.rca-old-<pid>` (the previous site, while it is removed).
fn staging_prefixes(name: &str) -> [String; 2] {
    [format!(".{name}.rca-new-"), format!(".{name}.rca-old-")]
}

/// Whether process `pid` is running (a staging folder of a running build
/// is not stale).
fn alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
        // SAFETY: kill with signal 0 only checks that the process exists.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Removes the staging folders a killed build left next to the output:
/// only folders named like rca-site's staging folders whose build is no
/// longer running, and only if they are empty or carry rca-site's marker.
/// Returns how many were removed.
fn remove_stale(parent: &Path, name: &str) -> usize {
    let Ok(entries) = std::fs::read_dir(parent) else { return 0 };
    let prefixes = staging_prefixes(name);
    let mut removed = 0;
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else { continue };
        let Some(pid) = prefixes.iter().find_map(|p| file_name.strip_prefix(p.as_str())) else { continue };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if pid == std::process::id() || alive(pid) {
            continue;
        }
        let path = entry.path();
        let is_dir = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        let ours = is_dir && (has_marker(&path) || std::fs::read_dir(&path).is_ok_and(|mut d| d.next().is_none()));
        if ours && remove_tree(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// A fresh directory next to the output that becomes the output only when
/// [`Staging::commit`] is called; dropped uncommitted, it is removed.
pub struct Staging {
    dir: PathBuf,
    out: PathBuf,
    /// Where the previous output is moved during the swap when the file
    /// system cannot exchange two folders.
    old: PathBuf,
    made: Mutex<HashSet<PathBuf>>,
    committed: bool,
    /// Staging folders of killed builds removed when this one started.
    pub stale_removed: usize,
}

impl Staging {
    /// Starts a build into `out`, which [`output_dir`] has approved (its
    /// real path: staging happens next to the link's target, not the link).
    pub fn new(out: &Path) -> io::Result<Staging> {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)?;
        let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
        let stale_removed = remove_stale(&parent, &name);
        let [new_prefix, old_prefix] = staging_prefixes(&name);
        let dir = parent.join(format!("{new_prefix}{}", std::process::id()));
        let old = parent.join(format!("{old_prefix}{}", std::process::id()));
        if dir.exists() {
            remove_tree(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(MARKER), format!("{MARKER_LINE}\nstate = \"staging\"\n"))?;
        Ok(Staging {
            dir,
            out: out.to_path_buf(),
            old,
            made: Mutex::new(HashSet::new()),
            committed: false,
            stale_removed,
        })
    }

    /// Swaps the staged site in place of the output; `about` is written
    /// into the marker (what was built). Readers of the output never find
    /// it missing: the two folders are exchanged in one rename where the
    /// file system can (Linux `renameat2(RENAME_EXCHANGE)`), and the old
    /// site is removed only after the new one is in place.
    pub fn commit_with(mut self, about: &str) -> io::Result<()> {
        self.committed = true;
        let result =
            std::fs::write(self.dir.join(MARKER), format!("{MARKER_LINE}\n{about}")).and_then(|()| self.swap());
        if result.is_err() {
            let _ = remove_tree(&self.dir);
        }
        result
    }

    /// [`Staging::commit_with`] with nothing more in the marker.
    pub fn commit(self) -> io::Result<()> {
        self.commit_with("")
    }

    fn swap(&self) -> io::Result<()> {
        if std::fs::symlink_metadata(&self.out).is_err() {
            return std::fs::rename(&self.dir, &self.out);
        }
        match exchange(&self.dir, &self.out) {
            // The previous site is now at the staging path.
            Ok(()) => return remove_tree(&self.dir),
            Err(e) if !exchange_unsupported(&e) => return Err(e),
            Err(_) => {}
        }
        self.swap_by_renames()
    }

    /// Where folders cannot be exchanged: two renames, with a moment
    /// (between them) without an output folder.
    fn swap_by_renames(&self) -> io::Result<()> {
        if self.old.exists() {
            remove_tree(&self.old)?;
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

/// Atomically exchanges two paths (both must exist).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes()).map_err(io::Error::other)?;
    let b = CString::new(b.as_os_str().as_bytes()).map_err(io::Error::other)?;
    // SAFETY: both pointers are valid NUL-terminated strings for the call.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Errors that mean "this kernel or file system cannot exchange".
fn exchange_unsupported(e: &io::Error) -> bool {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::EOPNOTSUPP)) {
        return true;
    }
    e.kind() == io::ErrorKind::Unsupported
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = remove_tree(&self.dir);
        }
    }
}

impl Sink for Staging {
    fn put(&self, file: OutputFile) -> io::Result<()> {
        if !is_safe_relative(&file.path) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("refusing to write outside the output: {}", file.path),
            ));
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
/// Never follows a symlink: a link is removed, not what it points to.
/// rca-site's marker file goes last ([`removal_plan`]).
fn remove_tree(dir: &Path) -> io::Result<()> {
    if !std::fs::symlink_metadata(dir)?.is_dir() {
        return std::fs::remove_file(dir);
    }
    let (inner, top, marker) = removal_plan(dir)?;
    let remove =
        |(p, is_dir): &(PathBuf, bool)| if *is_dir { std::fs::remove_dir_all(p) } else { std::fs::remove_file(p) };
    inner.par_iter().try_for_each(remove)?;
    top.par_iter().try_for_each(remove)?;
    if let Some(marker) = marker {
        std::fs::remove_file(marker)?;
    }
    std::fs::remove_dir_all(dir)
}

/// A path to remove, and whether it is a directory (not a link to one).
type Entry = (PathBuf, bool);

/// What [`remove_tree`] removes, in its order: the entries two levels
/// down, then those of `dir` but the marker file, then the marker (a
/// regular file or link named [`MARKER`]). A removal killed part way
/// (kill -9) leaves a folder that still carries the marker, which the next
/// build recognises as its own and removes; without the marker it is left
/// for good.
fn removal_plan(dir: &Path) -> io::Result<(Vec<Entry>, Vec<Entry>, Option<PathBuf>)> {
    let (mut inner, mut top, mut marker) = (Vec::new(), Vec::new(), None);
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let is_dir = entry.file_type()?.is_dir();
        if is_dir {
            for e in std::fs::read_dir(entry.path())? {
                let e = e?;
                inner.push((e.path(), e.file_type()?.is_dir()));
            }
        }
        if !is_dir && entry.file_name() == MARKER {
            marker = Some(entry.path());
        } else {
            top.push((entry.path(), is_dir));
        }
    }
    Ok((inner, top, marker))
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
        let leftovers: Vec<_> =
            std::fs::read_dir(&tmp).unwrap().filter_map(Result::ok).map(|e| e.file_name()).collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn the_fallback_swap_replaces_the_output_too() {
        let tmp = std::env::temp_dir().join(format!("rca-output-fallback-{}", std::process::id()));
        let out = tmp.join("public");
        write_site(&out, &[OutputFile::new("index.html", "1")]).unwrap();
        let staging = Staging::new(&out).unwrap();
        staging.put(OutputFile::new("index.html", "2")).unwrap();
        staging.swap_by_renames().unwrap();
        assert_eq!(std::fs::read_to_string(out.join("index.html")).unwrap(), "2");
        assert!(!staging.old.exists() && !staging.dir.exists());
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    /// A staging folder whose removal is killed part way must still carry
    /// the marker (the next build removes only folders that do): the
    /// marker is removed after everything else, and the tree is gone.
    #[test]
    fn removing_a_tree_removes_its_marker_last() {
        let tmp = std::env::temp_dir().join(format!("rca-output-marker-last-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let site = tmp.join(".public.rca-new-1");
        std::fs::create_dir_all(site.join("incidents/a")).unwrap();
        std::fs::create_dir_all(site.join(".rca-site-not-the-marker")).unwrap();
        std::fs::write(site.join(MARKER), format!("{MARKER_LINE}\n")).unwrap();
        std::fs::write(site.join("index.html"), "home").unwrap();
        std::fs::write(site.join("incidents/a/index.html"), "a").unwrap();
        let (inner, top, marker) = removal_plan(&site).unwrap();
        assert_eq!(marker, Some(site.join(MARKER)));
        assert!(inner.iter().chain(&top).all(|(p, _)| p != &site.join(MARKER)));
        assert!(top.iter().any(|(p, _)| p == &site.join("index.html")));
        assert!(inner.iter().any(|(p, _)| p == &site.join("incidents/a")));
        remove_tree(&site).unwrap();
        assert!(!site.exists());
        // A folder named like the marker is removed as any other.
        std::fs::create_dir_all(site.join(MARKER).join("x")).unwrap();
        assert_eq!(removal_plan(&site).unwrap().2, None);
        remove_tree(&site).unwrap();
        assert!(!site.exists());
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn resolve_follows_links_like_realpath() {
        use std::os::unix::fs::symlink;
        let tmp = std::env::temp_dir().join(format!("rca-output-resolve-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(tmp.join("a/b")).unwrap();
        let tmp = tmp.canonicalize().unwrap();
        symlink(tmp.join("a/b"), tmp.join("l")).unwrap();
        symlink("a/b/../b", tmp.join("rel")).unwrap();
        symlink(tmp.join("nowhere/yet"), tmp.join("dangling")).unwrap();
        assert_eq!(resolve(&tmp.join("l")).unwrap(), tmp.join("a/b"));
        // `..` after a link goes up from the link's target, as the kernel does.
        assert_eq!(resolve(&tmp.join("l/..")).unwrap(), tmp.join("a"));
        assert_eq!(resolve(&tmp.join("rel/./x")).unwrap(), tmp.join("a/b/x"));
        assert_eq!(resolve(&tmp.join("dangling")).unwrap(), tmp.join("nowhere/yet"));
        symlink(tmp.join("loop2"), tmp.join("loop1")).unwrap();
        symlink(tmp.join("loop1"), tmp.join("loop2")).unwrap();
        assert!(resolve(&tmp.join("loop1")).is_err());
        // Removing a link to a tree removes the link only.
        remove_tree(&tmp.join("l")).unwrap();
        assert!(tmp.join("a/b").is_dir());
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
