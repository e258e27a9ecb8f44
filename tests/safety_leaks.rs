//! Leaks (Step 7): nothing from outside the archive or from `.git/` is
//! read, through a symlink or otherwise; emails typed in incidents are
//! masked unless `show_emails = true`.

mod common;

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;

use common::*;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn build(root: &Path, out: &Path, flags: &[&str]) -> std::process::Output {
    let mut args = vec!["build", "--root", root.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend_from_slice(flags);
    rca(&args)
}

/// Every output file as text, keyed by its path.
fn outputs(out: &Path) -> Vec<(String, String)> {
    let mut v = Vec::new();
    for e in walkdir::WalkDir::new(out).sort_by_file_name() {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(out).unwrap().to_string_lossy().into_owned();
            v.push((rel, String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned()));
        }
    }
    v
}

fn nowhere(out: &Path, needle: &str) {
    for (path, text) in outputs(out) {
        assert!(!text.contains(needle), "{needle:?} leaked into {path}");
    }
}

const INCIDENT: &str = "---\ntitle: Inside\ndate: 2024-01-01\n---\nInside body.\n";

/// A git repository whose remote URL carries a token, with symlinks to
/// `.git/config` and `.git/` in the theme and in content.
#[test]
fn nothing_under_git_is_published_through_a_symlink() {
    let tmp = TempDir::new("leak-git");
    let root = tmp.path().join("archive");
    write(&root, "content/incidents/inside.md", INCIDENT);
    let git = |args: &[&str]| {
        let o = Command::new("git").arg("-C").arg(&root).args(args).env("GIT_CONFIG_GLOBAL", "/dev/null").output().unwrap();
        assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["remote", "add", "origin", "https://deploy:GITTOKEN-5521@git.example.org/acme/incidents.git"]);
    std::fs::create_dir_all(root.join("theme/static")).unwrap();
    symlink("../../.git/config", root.join("theme/static/gitconfig.txt")).unwrap();
    symlink("../../.git", root.join("theme/static/gitdir")).unwrap();
    symlink(root.join(".git/config"), root.join("theme/static/absolute-config.txt")).unwrap();
    // A link to the root, then down into .git: resolved, so still refused.
    symlink("../../content/../.git/HEAD", root.join("theme/static/head.txt")).unwrap();
    symlink("../../.git/config", root.join("content/incidents/config.md")).unwrap();
    symlink("../.git", root.join("content/pages")).unwrap();
    let out = tmp.path().join("public");
    let o = build(&root, &out, &[]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    nowhere(&out, "GITTOKEN-5521");
    nowhere(&out, "repositoryformatversion");
    nowhere(&out, "refs/heads/main");
    for link in ["theme/static/gitconfig.txt", "theme/static/gitdir", "theme/static/absolute-config.txt", "theme/static/head.txt", "content/incidents/config.md", "content/pages"] {
        assert!(err.contains(&format!("warning: {link}: skipped: a symlink that points into .git/")), "{link}:\n{err}");
    }
    for file in ["gitconfig.txt", "absolute-config.txt", "head.txt", "gitdir"] {
        assert!(!out.join(file).exists(), "{file}");
    }
    // check reads the same files.
    let o = rca(&["check", "--root", root.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("theme/static/gitconfig.txt: skipped"), "{}", stderr(&o));
}

/// Links out of the archive, as files or folders, anywhere (including
/// `theme/` and `content/` themselves), are refused; links inside it are
/// followed.
#[test]
fn symlinks_out_of_the_archive_are_refused_and_inside_ones_followed() {
    let tmp = TempDir::new("leak-out");
    let root = tmp.path().join("archive");
    let outside = tmp.path().join("outside");
    write(&outside, "secret.txt", "SECRET-OUTSIDE-7781");
    write(&outside, "static/secret.txt", "SECRET-OUTSIDE-7781");
    write(&outside, "incidents/leak.md", "---\ntitle: LEAKCANARY-OUTSIDE\ndate: 2024-01-01\n---\nLEAKCANARY-OUTSIDE-BODY\n");
    write(&root, "content/incidents/inside.md", INCIDENT);
    write(&root, "shared/logo.txt", "LOGO-INSIDE");
    write(&root, "rca-site.toml", "title = \"Links\"\n");
    std::fs::create_dir_all(root.join("theme/static")).unwrap();
    symlink(&outside, root.join("theme/static/outlink")).unwrap();
    symlink(outside.join("secret.txt"), root.join("theme/static/secret.txt")).unwrap();
    symlink("../../../outside/incidents", root.join("content/incidents/outlink")).unwrap();
    symlink(outside.join("incidents/leak.md"), root.join("content/incidents/leak2.md")).unwrap();
    symlink("..", root.join("content/incidents/again")).unwrap();
    // Inside the archive: followed, files and folders.
    symlink("../../shared", root.join("theme/static/shared")).unwrap();
    symlink("../../shared/logo.txt", root.join("theme/static/logo.txt")).unwrap();
    let out = tmp.path().join("public");
    let o = build(&root, &out, &[]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    nowhere(&out, "SECRET-OUTSIDE");
    nowhere(&out, "LEAKCANARY-OUTSIDE");
    for link in ["theme/static/outlink", "theme/static/secret.txt", "content/incidents/outlink", "content/incidents/leak2.md"] {
        assert!(err.contains(&format!("warning: {link}: skipped: a symlink that points outside the archive")), "{link}:\n{err}");
    }
    assert!(err.contains("warning: content/incidents/again: skipped: a symlink that points to a folder it is in"), "{err}");
    assert_eq!(std::fs::read_to_string(out.join("shared/logo.txt")).unwrap(), "LOGO-INSIDE");
    assert_eq!(std::fs::read_to_string(out.join("logo.txt")).unwrap(), "LOGO-INSIDE");

    // `theme/`, `content/` and rca-site.toml themselves as links out.
    let root2 = tmp.path().join("archive2");
    write(&root2, "content/incidents/inside.md", INCIDENT);
    symlink(&outside, root2.join("theme")).unwrap();
    write(&outside, "site.toml", "title = \"SECRET-OUTSIDE-TOML\"\n");
    symlink(outside.join("site.toml"), root2.join("rca-site.toml")).unwrap();
    let out2 = tmp.path().join("public2");
    let o = build(&root2, &out2, &[]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    nowhere(&out2, "SECRET-OUTSIDE");
    assert!(err.contains("warning: theme: skipped: a symlink that points outside the archive"), "{err}");
    assert!(err.contains("warning: rca-site.toml: skipped: a symlink that points outside the archive"), "{err}");

    let root3 = tmp.path().join("archive3");
    std::fs::create_dir_all(&root3).unwrap();
    symlink(&outside, root3.join("content")).unwrap();
    let out3 = tmp.path().join("public3");
    let o = build(&root3, &out3, &[]);
    assert!(stderr(&o).contains("warning: content: skipped: a symlink that points outside the archive"), "{}", stderr(&o));
    if out3.exists() {
        nowhere(&out3, "LEAKCANARY-OUTSIDE");
    }
}
