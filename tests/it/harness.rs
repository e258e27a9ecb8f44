//! Test helpers that read like the spec: build a fixture archive with the
//! real binary into a temp dir, then ask about the output.

#![allow(dead_code)]

pub mod golden;
pub mod html;
pub mod http;
pub mod pathological;

pub use html::Page;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A fresh temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("rca-test-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Copies a directory tree.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

pub fn rca(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rca-site")).args(args).output().expect("run rca-site")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A built site in a temp dir.
pub struct Site {
    pub tmp: TempDir,
    pub out: PathBuf,
    pub output: Output,
}

impl Site {
    /// Builds `tests/fixtures/<name>` with extra flags.
    pub fn build(name: &str, flags: &[&str]) -> Site {
        let tmp = TempDir::new(name.rsplit('/').next().unwrap());
        let out = tmp.path().join("public");
        let root = fixtures().join(name);
        let mut args = vec!["build", "--root", root.to_str().unwrap(), "--out", out.to_str().unwrap()];
        args.extend_from_slice(flags);
        let output = rca(&args);
        Site { tmp, out, output }
    }

    pub fn ok(self) -> Site {
        assert!(self.output.status.success(), "build failed:\n{}", stderr(&self.output));
        self
    }

    pub fn file(&self, path: &str) -> String {
        let p = self.out.join(path.trim_start_matches('/'));
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    /// The page at a URL path like `/incidents/x/`, parsed.
    pub fn page(&self, url: &str) -> Page {
        let rel = url.trim_start_matches('/');
        let html =
            if rel.is_empty() || rel.ends_with('/') { self.file(&format!("{rel}index.html")) } else { self.file(rel) };
        Page::parse(url, html)
    }

    pub fn exists(&self, path: &str) -> bool {
        self.out.join(path.trim_start_matches('/')).exists()
    }

    /// Every output file's path and contents.
    pub fn all_files(&self) -> Vec<(String, Vec<u8>)> {
        let mut v = Vec::new();
        for e in walkdir::WalkDir::new(&self.out).sort_by_file_name() {
            let e = e.unwrap();
            if e.file_type().is_file() {
                let rel = e.path().strip_prefix(&self.out).unwrap().to_string_lossy().into_owned();
                v.push((rel, std::fs::read(e.path()).unwrap()));
            }
        }
        v
    }

    /// Asserts that no output file contains `needle`.
    pub fn nowhere(&self, needle: &str) {
        for (path, bytes) in self.all_files() {
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains(needle), "{needle:?} leaked into {path}");
        }
    }
}

/// Headless Chromium for the browser tests: `None` (with a message) when
/// RCA_SKIP_BROWSER=1; a missing chromium fails the test (CI installs it).
#[allow(dead_code)]
pub fn chromium() -> Option<PathBuf> {
    if std::env::var("RCA_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!("RCA_SKIP_BROWSER=1: skipping the headless Chromium test");
        return None;
    }
    if let Ok(c) = std::env::var("CHROMIUM") {
        return Some(PathBuf::from(c));
    }
    for c in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"] {
        if Path::new(c).exists() {
            return Some(PathBuf::from(c));
        }
    }
    panic!("chromium is not installed (apt-get install chromium; .ci/run does it); set RCA_SKIP_BROWSER=1 to skip browser tests");
}

/// Flags for a quiet headless Chromium on a machine without internet
/// (without the background-networking ones it keeps trying to reach Google).
#[allow(dead_code)]
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
];

/// Runs git in `dir` with a fixed date and author and no user or system
/// configuration; panics with git's stderr on failure.
pub fn git_as(dir: &Path, date: &str, author: (&str, &str), args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("HOME", dir)
        .env("GIT_AUTHOR_NAME", author.0)
        .env("GIT_AUTHOR_EMAIL", author.1)
        .env("GIT_COMMITTER_NAME", author.0)
        .env("GIT_COMMITTER_EMAIL", author.1)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}
