//! Leaks (Step 7): nothing from outside the archive or from `.git/` is
//! read, through a symlink or otherwise; emails typed in incidents are
//! masked unless `show_emails = true`.

use crate::harness as common;

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
        let o =
            Command::new("git").arg("-C").arg(&root).args(args).env("GIT_CONFIG_GLOBAL", "/dev/null").output().unwrap();
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
    for link in [
        "theme/static/gitconfig.txt",
        "theme/static/gitdir",
        "theme/static/absolute-config.txt",
        "theme/static/head.txt",
        "content/incidents/config.md",
        "content/pages",
    ] {
        assert!(err.contains(&format!("warning: {link}: skipped: a symlink that points into .git/")), "{link}:\n{err}");
    }
    for file in ["gitconfig.txt", "absolute-config.txt", "head.txt", "gitdir"] {
        assert!(!out.join(file).exists(), "{file}");
    }
    // check reads the same files.
    let o = rca(&["check", "--root", root.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("theme/static/gitconfig.txt: skipped"), "{}", stderr(&o));

    // Committed, the links are symlinks in the tree: `--rev` skips them.
    let git_as = |args: &[&str]| {
        let o = Command::new("git")
            .arg("-C")
            .arg(&root)
            .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .unwrap();
        assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    git_as(&["add", "-A"]);
    git_as(&["commit", "-q", "-m", "links"]);
    let out = tmp.path().join("public-rev");
    let o = build(&root, &out, &["--rev", "HEAD"]);
    assert!(o.status.success(), "{}", stderr(&o));
    nowhere(&out, "GITTOKEN-5521");
    nowhere(&out, "repositoryformatversion");
    assert!(out.join("incidents/inside/index.html").exists());
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
    write(
        &outside,
        "incidents/leak.md",
        "---\ntitle: LEAKCANARY-OUTSIDE\ndate: 2024-01-01\n---\nLEAKCANARY-OUTSIDE-BODY\n",
    );
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
    for link in
        ["theme/static/outlink", "theme/static/secret.txt", "content/incidents/outlink", "content/incidents/leak2.md"]
    {
        assert!(
            err.contains(&format!("warning: {link}: skipped: a symlink that points outside the archive")),
            "{link}:\n{err}"
        );
    }
    assert!(
        err.contains("warning: content/incidents/again: skipped: a symlink that points to a folder it is in"),
        "{err}"
    );
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
    assert!(
        stderr(&o).contains("warning: content: skipped: a symlink that points outside the archive"),
        "{}",
        stderr(&o)
    );
    if out3.exists() {
        nowhere(&out3, "LEAKCANARY-OUTSIDE");
    }
}

/// An archive with an email typed in every field and body, each with its
/// own local part (`m-<field>`) on the host `leakhost.example`.
fn email_archive(root: &Path, show_emails: bool) {
    write(
        root,
        "rca-site.toml",
        &format!("title = \"Masking\"\nbase_url = \"https://incidents.example.org\"\nshow_emails = {show_emails}\n\n[extra]\nreporter = \"Reported by\"\nsource = \"Source\"\n"),
    );
    write(
        root,
        "content/incidents/2024/mail-outage.md",
        r#"---
title: "Mail from m-title@leakhost.example bounced"
date: 2024-03-01
summary: "Reported by m-summary@leakhost.example, see <m-sumauto@leakhost.example> or [her](mailto:m-summailto@leakhost.example)"
severity: SEV2
services: [m-service@leakhost.example, mail]
tags: [m-tag@leakhost.example, smtp]
causes: [m-cause@leakhost.example, no-monitoring]
impact: "Users like m-impact@leakhost.example got nothing"
trigger: "A rule for M-Trigger@LeakHost.Example"
detection: "m-detection@leakhost.example noticed"
started: 2024-03-01T09:00:00Z
resolved: 2024-03-01T12:00:00Z
aliases: [/old/mail-outage/]
reporter: [m-extra@leakhost.example, "Jane <m-extra2@leakhost.example>"]
source: https://tracker.example.org/?by=m-extraurl@leakhost.example
action_items:
  - title: "Tell [Jane](mailto:m-aititle@leakhost.example) about m-aititle2@leakhost.example"
    owner: m-owner@leakhost.example
    status: open
    due: 2024-04-01
    link: https://tracker.example.org/?reporter=m-ailink@leakhost.example
  - title: Second
    owner: "Jane Doe <m-owner2@leakhost.example>"
    status: done
---
Written back to back: m-first@leakhost.example_m-second@leakhost.example.

Body by m-body@leakhost.example, autolink <m-autolink@leakhost.example>, <mailto:m-mailauto@leakhost.example>,
[mail me](mailto:m-mailto@leakhost.example) and [a ref][r].

## Timeline

- 2024-03-01 09:00 m-timeline@leakhost.example reported it
- 2024-03-01 12:00 fixed

| Who | Role |
| --- | --- |
| m-table@leakhost.example | on call |

`m-code@leakhost.example` and a page: <https://tracker.example.org/u/m-urlauto@leakhost.example>

```
From: m-block@leakhost.example
```

Raw: <a href="mailto:m-html@leakhost.example">m-htmltext@leakhost.example</a>

[r]: mailto:m-ref@leakhost.example
"#,
    );
    write(
        root,
        "content/incidents/2024/second.md",
        "---\ntitle: Second incident\ndate: 2024-03-05\nseverity: SEV3\ncauses: [no-monitoring]\nsummary: Quiet.\n---\nNothing to see (but [[mail-outage]]).\n",
    );
    write(
        root,
        "content/causes/no-monitoring.md",
        "---\ntitle: \"No monitoring (ask m-causetitle@leakhost.example)\"\naliases: [m-causealias@leakhost.example]\n---\nWrite to m-causebody@leakhost.example.\n",
    );
    write(
        root,
        "content/pages/about.md",
        "---\ntitle: \"About m-pagetitle@leakhost.example\"\ndescription: \"By m-pagedesc@leakhost.example\"\nnav_title: \"m-pagenav@leakhost.example\"\n---\nContact <m-pagebody@leakhost.example>.\n",
    );
    write(
        root,
        "content/_index.md",
        "---\ntitle: \"Home of m-hometitle@leakhost.example\"\ndescription: \"m-homedesc@leakhost.example\"\n---\nAsk [us](mailto:m-homebody@leakhost.example) or m-hometext@leakhost.example.\n",
    );
}

/// Every `@`-shaped string (`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+`) in `text`.
fn addresses(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let local = |c: u8| c.is_ascii_alphanumeric() || b"._%+-".contains(&c);
    let label = |c: u8| c.is_ascii_alphanumeric() || c == b'-';
    let mut found = Vec::new();
    for (at, _) in text.match_indices('@') {
        let mut s = at;
        while s > 0 && local(b[s - 1]) {
            s -= 1;
        }
        let mut e = at + 1;
        while e < b.len() && label(b[e]) {
            e += 1;
        }
        if s == at
            || e == at + 1
            || e + 1 >= b.len()
            || b[e] != b'.'
            || !(b[e + 1].is_ascii_alphanumeric() || b".-".contains(&b[e + 1]))
        {
            continue;
        }
        e += 1;
        while e < b.len() && (label(b[e]) || b[e] == b'.') {
            e += 1;
        }
        found.push(text[s..e].to_string());
    }
    found
}

/// Every output file as text, with JSON decoded (every string and key,
/// the search shards and fragments included) and HTML's `&#64;` read as `@`.
fn readable_outputs(out: &Path) -> Vec<(String, String)> {
    fn strings(v: &serde_json::Value, into: &mut String) {
        match v {
            serde_json::Value::String(s) => {
                into.push_str(s);
                into.push('\n');
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| strings(v, into)),
            serde_json::Value::Object(o) => {
                for (k, v) in o {
                    into.push_str(k);
                    into.push('\n');
                    strings(v, into);
                }
            }
            _ => {}
        }
    }
    outputs(out)
        .into_iter()
        .map(|(path, mut text)| {
            if path.ends_with(".json") {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
                strings(&v, &mut text);
            }
            let text = text.replace("&#64;", "@").replace("&#x40;", "@").replace("%40", "@");
            (path, text)
        })
        .collect()
}

#[test]
fn emails_typed_anywhere_are_masked_in_every_output() {
    let tmp = TempDir::new("mask");
    let root = tmp.path().join("archive");
    email_archive(&root, false);
    let out = tmp.path().join("public");
    let o = build(&root, &out, &["--build-date", "2024-05-01"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let files = readable_outputs(&out);
    assert!(files.iter().any(|(p, _)| p.starts_with("search/") && p.contains("/s/")), "the search shards are checked");
    for (path, text) in &files {
        assert!(!path.contains("leakhost"), "an address became the path {path}");
        let found = addresses(text);
        assert!(found.is_empty(), "{path} has {found:?}");
        assert!(!text.to_lowercase().contains("leakhost"), "{path} has a piece of an address");
        assert!(!text.contains("mailto:"), "{path} has a mailto: link");
    }
    let page = std::fs::read_to_string(out.join("incidents/mail-outage/index.html")).unwrap();
    assert!(page.contains("Mail from [email] bounced"), "{page}");
    // A mailto link keeps its text, without the link.
    assert!(page.contains("mail me"), "{page}");
    // Owners are shown by their name or their address's local part, and
    // their board pages are named after that.
    assert!(out.join("action-items/owner/m-owner/index.html").exists());
    assert!(out.join("action-items/owner/jane-doe/index.html").exists());
    let board = std::fs::read_to_string(out.join("action-items/index.html")).unwrap();
    assert!(board.contains("m-owner") && board.contains("Jane Doe"), "{board}");
}

#[test]
fn show_emails_true_publishes_them() {
    let tmp = TempDir::new("mask-show");
    let root = tmp.path().join("archive");
    email_archive(&root, true);
    let out = tmp.path().join("public");
    let o = build(&root, &out, &["--build-date", "2024-05-01"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let all: String = readable_outputs(&out).into_iter().map(|(_, t)| t).collect();
    for field in [
        "title",
        "summary",
        "impact",
        "detection",
        "body",
        "timeline",
        "table",
        "code",
        "block",
        "causebody",
        "pagebody",
        "hometext",
        "htmltext",
        "extra",
        "extra2",
        "extraurl",
        "first",
        "second",
    ] {
        assert!(all.contains(&format!("m-{field}@leakhost.example")), "m-{field}");
    }
    assert!(all.contains("mailto:m-mailto@leakhost.example"));
    assert!(out.join("action-items/owner/m-owner-leakhost-example/index.html").exists());
}

/// An alias is a URL path: an address in one is refused at its position
/// (the alias rules allow no '@'), so it can never reach _redirects.
#[test]
fn an_email_in_an_alias_is_an_error_at_its_position() {
    let tmp = TempDir::new("leak-alias");
    let root = tmp.path().join("archive");
    write(
        &root,
        "content/incidents/a.md",
        "---\ntitle: A\ndate: 2024-01-02\naliases: [/old/jane@corp.example/]\n---\nBody.\n",
    );
    let o = rca(&["check", "--root", root.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("content/incidents/a.md:4:"), "{}", stderr(&o));
}
