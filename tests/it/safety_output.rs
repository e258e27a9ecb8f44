//! Safety of the output folder, the swap, and a few smaller breaks found
//! by the Step 7 attack: rca-site deletes or replaces only what it wrote,
//! never leaves a moment without a site, cleans up after a killed build,
//! rejects unsafe URLs and titles, and serves kept-alive requests without
//! Nagle's delay. Every test here failed on the code before Step 7.

use crate::harness as common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{copy_tree, fixtures, rca, stderr, stdout, TempDir};

/// A copy of the `good` fixture at `<tmp>/archive`, as a git repository
/// when `git` is true (so that `.git/` exists and must survive).
fn archive(label: &str, git: bool) -> (TempDir, PathBuf) {
    let tmp = TempDir::new(label);
    let root = tmp.path().join("archive");
    copy_tree(&fixtures().join("good"), &root);
    if git {
        let run = |args: &[&str]| {
            let o = Command::new("git")
                .args(args)
                .current_dir(&root)
                .env("GIT_AUTHOR_NAME", "T")
                .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
                .env("GIT_COMMITTER_NAME", "T")
                .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .output()
                .expect("run git");
            assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        };
        run(&["init", "-q"]);
        run(&["add", "."]);
        run(&["commit", "-q", "-m", "archive"]);
    }
    (tmp, root)
}

/// Every file under `dir` with its bytes (following no links).
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut v = Vec::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.unwrap();
        let bytes = if e.file_type().is_file() { std::fs::read(e.path()).unwrap() } else { Vec::new() };
        v.push((e.path().strip_prefix(dir).unwrap().to_path_buf(), bytes));
    }
    v
}

fn build(root: &Path, out: Option<&Path>, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["build", "-q", "--root", root.to_str().unwrap()];
    if let Some(out) = out {
        args.extend(["--out", out.to_str().unwrap()]);
    }
    args.extend_from_slice(extra);
    rca(&args)
}

fn is_link(p: &Path) -> bool {
    std::fs::symlink_metadata(p).map(|m| m.file_type().is_symlink()).unwrap_or(false)
}

fn set_config_output(root: &Path, output: &str) {
    let path = root.join("rca-site.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("output = {output:?}\n{text}")).unwrap();
}

/// `line:col` of the value of `output` in the fixture's rca-site.toml after
/// [`set_config_output`] put it first.
fn output_value_pos(root: &Path) -> String {
    let text = std::fs::read_to_string(root.join("rca-site.toml")).unwrap();
    let line = text.lines().position(|l| l.starts_with("output = ")).unwrap() + 1;
    format!("rca-site.toml:{line}:10:")
}

#[test]
fn a_symlinked_out_to_content_never_deletes_content() {
    let (tmp, root) = archive("link-content", false);
    let before = tree(&root.join("content"));
    let link = tmp.path().join("linkc");
    symlink(root.join("content"), &link).unwrap();
    for flags in [&[][..], &["--force"][..]] {
        let o = build(&root, Some(&link), flags);
        assert!(!o.status.success(), "a build into content/ through a link succeeded");
        assert!(stderr(&o).contains("inside content/"), "{}", stderr(&o));
        assert_eq!(before, tree(&root.join("content")), "content/ changed ({flags:?})");
        assert!(is_link(&link), "the link was replaced");
    }
    // A link inside content/ to an outside folder is refused as well.
    let inside = root.join("content/site");
    symlink(tmp.path().join("elsewhere"), &inside).unwrap();
    assert!(!build(&root, Some(&inside), &["--force"]).status.success());
}

#[test]
fn a_symlinked_out_to_the_archive_root_never_deletes_it() {
    let (tmp, root) = archive("link-root", true);
    let content = tree(&root.join("content"));
    let git = tree(&root.join(".git"));
    let link = tmp.path().join("linkroot");
    symlink(&root, &link).unwrap();
    let up = tmp.path().join("linkup");
    symlink(tmp.path(), &up).unwrap();
    for out in [&link, &up, &link.join("content/.."), &root.join("content/incidents/../..")] {
        for flags in [&[][..], &["--force"][..]] {
            let o = build(&root, Some(out), flags);
            assert_eq!(o.status.code(), Some(2), "{}: {}", out.display(), stderr(&o));
            assert!(stderr(&o).contains("archive"), "{}", stderr(&o));
        }
    }
    assert_eq!(content, tree(&root.join("content")));
    assert_eq!(git, tree(&root.join(".git")));
    assert!(is_link(&link));
}

#[test]
fn dot_dotdot_and_git_are_refused_even_with_force() {
    let (_tmp, root) = archive("dots", true);
    let git = tree(&root.join(".git"));
    for out in [
        root.join("."),
        root.join(".."),
        root.join(".git"),
        root.join(".git/site"),
        root.join("theme/x"),
        PathBuf::from("/"),
    ] {
        let o = build(&root, Some(&out), &["--force"]);
        assert_eq!(o.status.code(), Some(2), "{}: {}", out.display(), stderr(&o));
    }
    // The same values from rca-site.toml: errors at the value, exit 1.
    for value in [".", "..", ".git/site", "content/../content", "./theme"] {
        let (_tmp, root) = archive("dots-config", false);
        set_config_output(&root, value);
        let o = build(&root, None, &["--force"]);
        assert_eq!(o.status.code(), Some(1), "{value}: {}", stderr(&o));
        assert!(stderr(&o).contains(&output_value_pos(&root)), "{value}: {}", stderr(&o));
        assert!(root.join("content/incidents").is_dir());
    }
    assert_eq!(git, tree(&root.join(".git")));
}

#[test]
fn a_foreign_folder_is_refused_force_replaces_it_and_a_marked_folder_is_replaced() {
    let (tmp, root) = archive("foreign", false);
    let out = tmp.path().join("site");
    std::fs::create_dir_all(out.join("keep")).unwrap();
    std::fs::write(out.join("keep/notes.txt"), "mine").unwrap();
    let o = build(&root, Some(&out), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("rca-site did not write") && stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(out.join("keep/notes.txt")).unwrap(), "mine");
    assert!(!out.join("index.html").exists());
    // --force replaces it, and leaves the marker.
    let o = build(&root, Some(&out), &["--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!out.join("keep").exists());
    let marker = std::fs::read_to_string(out.join(".rca-site")).unwrap();
    assert!(marker.starts_with("rca-site build output\n"), "{marker}");
    // From now on it is rca-site's: rebuilt without --force.
    std::fs::write(out.join("stale.html"), "old").unwrap();
    let o = build(&root, Some(&out), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!out.join("stale.html").exists() && out.join("index.html").exists());
    // An empty folder is fine; a file is never replaced.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert!(build(&root, Some(&empty), &[]).status.success());
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    assert!(!build(&root, Some(&file), &["--force"]).status.success());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
    // A marker that is a link, or says something else, is not a marker.
    let fake = tmp.path().join("fake");
    std::fs::create_dir(&fake).unwrap();
    std::fs::write(fake.join("data.txt"), "keep").unwrap();
    symlink(out.join(".rca-site"), fake.join(".rca-site")).unwrap();
    assert_eq!(build(&root, Some(&fake), &[]).status.code(), Some(1));
    assert!(fake.join("data.txt").exists());
}

#[test]
fn a_public_link_to_a_web_root_is_kept_and_its_target_follows_the_same_rule() {
    let (tmp, root) = archive("webroot", false);
    let www = tmp.path().join("www");
    std::fs::create_dir_all(www.join("other-site")).unwrap();
    std::fs::write(www.join("other-site/index.html"), "other").unwrap();
    let public = root.join("public");
    symlink(&www, &public).unwrap();
    // Foreign files behind the link: refused, nothing touched.
    let o = build(&root, None, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("(a link to "), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(www.join("other-site/index.html")).unwrap(), "other");
    assert!(is_link(&public));
    // An empty target: built into, and the link stays a link, build after build.
    let target = tmp.path().join("srv/site");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::remove_file(&public).unwrap();
    symlink(&target, &public).unwrap();
    for _ in 0..2 {
        let o = build(&root, None, &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(is_link(&public), "public was replaced by a folder");
        assert!(target.join("index.html").exists() && target.join(".rca-site").exists());
    }
    // With --force the foreign target is replaced, and the link still kept.
    std::fs::remove_file(&public).unwrap();
    symlink(&www, &public).unwrap();
    let o = build(&root, None, &["--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(is_link(&public) && www.join("index.html").exists() && www.join(".rca-site").exists());
    // A dangling link: its target is created, the link kept.
    let later = tmp.path().join("later");
    let out = tmp.path().join("out-link");
    symlink(&later, &out).unwrap();
    assert!(build(&root, Some(&out), &[]).status.success());
    assert!(is_link(&out) && later.join("index.html").exists());
}

#[test]
fn output_outside_the_archive_in_config_follows_the_marker_rule() {
    for absolute in [false, true] {
        let (tmp, root) = archive("config-out", false);
        let x = tmp.path().join("x");
        std::fs::create_dir_all(&x).unwrap();
        std::fs::write(x.join("precious.txt"), "keep").unwrap();
        let value = if absolute { x.to_str().unwrap().to_string() } else { "../x".to_string() };
        set_config_output(&root, &value);
        let o = build(&root, None, &[]);
        assert_eq!(o.status.code(), Some(1), "{value}: {}", stderr(&o));
        assert!(
            stderr(&o)
                .contains(&format!("{} output {value:?} is a folder rca-site did not write", output_value_pos(&root))),
            "{}",
            stderr(&o)
        );
        assert_eq!(std::fs::read_to_string(x.join("precious.txt")).unwrap(), "keep");
        // check says so too, at the same place.
        let c = rca(&["check", "--root", root.to_str().unwrap()]);
        assert_eq!(c.status.code(), Some(1));
        assert!(stderr(&c).contains(&output_value_pos(&root)), "{}", stderr(&c));
        // Once emptied, it is built into; then it carries the marker.
        std::fs::remove_file(x.join("precious.txt")).unwrap();
        assert!(build(&root, None, &[]).status.success());
        assert!(x.join(".rca-site").exists());
        let c = rca(&["check", "--root", root.to_str().unwrap()]);
        assert!(c.status.success(), "{}", stderr(&c));
    }
}

#[test]
fn check_reports_an_unsafe_output_at_its_value() {
    let (_tmp, root) = archive("check-out", false);
    set_config_output(&root, "content/site");
    let c = rca(&["check", "--root", root.to_str().unwrap()]);
    assert_eq!(c.status.code(), Some(1));
    assert!(
        stderr(&c).contains(&format!("{} output \"content/site\" is inside content/", output_value_pos(&root))),
        "{}",
        stderr(&c)
    );
    let c = rca(&["check", "--root", root.to_str().unwrap(), "--format", "github"]);
    let line = output_value_pos(&root).split(':').nth(1).unwrap().to_string();
    assert!(stdout(&c).contains(&format!("file=rca-site.toml,line={line},col=10")), "{}", stdout(&c));
}

/// Staging folders a build killed with SIGKILL leaves behind are removed
/// by the next build; folders that only look like them are not.
#[test]
fn staging_folders_of_a_killed_build_are_removed_by_the_next() {
    let (tmp, root) = archive("stale", false);
    let out = tmp.path().join("public");
    assert!(build(&root, Some(&out), &[]).status.success());
    // Process ids that are surely not running any more (ids are handed out
    // in turn, so one is not soon reused).
    let dead_pid = || {
        let mut gone = Command::new("true").spawn().unwrap();
        gone.wait().unwrap();
        gone.id()
    };
    let dead = dead_pid();
    let staged = tmp.path().join(format!(".public.rca-new-{dead}"));
    std::fs::create_dir_all(staged.join("incidents/x")).unwrap();
    std::fs::write(staged.join(".rca-site"), "rca-site build output\nstate = \"staging\"\n").unwrap();
    std::fs::write(staged.join("incidents/x/index.html"), "half").unwrap();
    let old = tmp.path().join(format!(".public.rca-old-{dead}"));
    copy_tree(&out, &old);
    let empty = tmp.path().join(format!(".public.rca-new-{}", dead_pid()));
    std::fs::create_dir(&empty).unwrap();
    // Not rca-site's: no marker, or not named like a staging folder.
    let lookalike = tmp.path().join(format!(".public.rca-new-{}", dead_pid()));
    std::fs::create_dir(&lookalike).unwrap();
    std::fs::write(lookalike.join("mine.txt"), "keep").unwrap();
    let named = tmp.path().join(".public.rca-new-notes");
    std::fs::create_dir(&named).unwrap();
    std::fs::write(named.join(".rca-site"), "rca-site build output\n").unwrap();
    let o = rca(&["build", "--root", root.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("Removed 3 staging folders"), "{}", stderr(&o));
    assert!(!staged.exists() && !old.exists() && !empty.exists());
    assert!(lookalike.join("mine.txt").exists() && named.exists());

    // A real kill -9, at whatever point of the build it lands.
    std::fs::remove_dir_all(&lookalike).unwrap();
    std::fs::remove_dir_all(&named).unwrap();
    let example = env!("CARGO_MANIFEST_DIR");
    let big = tmp.path().join("example-out");
    for delay in [30, 120, 300] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rca-site"))
            .args(["build", "-q", "--root", example, "--out", big.to_str().unwrap()])
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
    }
    let o = rca(&["build", "-q", "--root", example, "--out", big.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let left: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".rca-"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// Files put into an empty output folder while the site is being built
/// make it foreign: the build then refuses to replace it.
#[test]
fn an_output_that_becomes_foreign_during_the_build_is_not_replaced() {
    let tmp = TempDir::new("late-foreign");
    let out = tmp.path().join("site");
    std::fs::create_dir(&out).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_rca-site"))
        .args(["build", "-q", "--root", env!("CARGO_MANIFEST_DIR"), "--out", out.to_str().unwrap()])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The staging folder appears once the output was approved.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !std::fs::read_dir(tmp.path())
        .unwrap()
        .any(|e| e.unwrap().file_name().to_string_lossy().starts_with(".site.rca-new-"))
    {
        assert!(Instant::now() < deadline, "no staging folder appeared");
        std::thread::sleep(Duration::from_millis(1));
    }
    std::fs::write(out.join("report.pdf"), "someone else's").unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("changed during the build"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(out.join("report.pdf")).unwrap(), "someone else's");
    assert!(!out.join("index.html").exists());
}

/// A reader polling public/index.html during repeated builds never finds
/// it missing.
#[test]
fn the_swap_never_leaves_the_site_without_an_index() {
    let (tmp, root) = archive("poller", false);
    let out = tmp.path().join("public");
    assert!(build(&root, Some(&out), &[]).status.success());
    let stop = Arc::new(AtomicBool::new(false));
    let (missing, reads) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let poller = {
        let (stop, missing, reads, index) = (stop.clone(), missing.clone(), reads.clone(), out.join("index.html"));
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if std::fs::metadata(&index).is_err() {
                    missing.fetch_add(1, Ordering::Relaxed);
                }
                reads.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    for _ in 0..15 {
        let o = build(&root, Some(&out), &[]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    stop.store(true, Ordering::Relaxed);
    poller.join().unwrap();
    assert!(reads.load(Ordering::Relaxed) > 1000);
    assert_eq!(missing.load(Ordering::Relaxed), 0, "index.html was missing during a swap");
}

#[test]
fn repo_url_must_be_http_and_url_errors_point_at_the_value() {
    let (_tmp, root) = archive("repo-url", false);
    let config = root.join("rca-site.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text
        .replace(
            "repo_url = \"https://github.com/example/incidents\"",
            "repo_url = \"javascript:alert(document.domain)\"",
        )
        .replace("base_url = \"https://incidents.example.com\"", "base_url =   \"incidents.example.com\"");
    std::fs::write(&config, &text).unwrap();
    let line = |key: &str| text.lines().position(|l| l.starts_with(key)).unwrap() + 1;
    for cmd in ["check", "build"] {
        let o = rca(&[cmd, "--root", root.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{cmd}");
        let err = stderr(&o);
        assert!(
            err.contains(&format!(
                "rca-site.toml:{}:12: repo_url \"javascript:alert(document.domain)\" must be an absolute http(s) URL",
                line("repo_url")
            )),
            "{cmd}: {err}"
        );
        assert!(
            err.contains(&format!("rca-site.toml:{}:14: base_url \"incidents.example.com\"", line("base_url"))),
            "{cmd}: {err}"
        );
    }
    assert!(!root.join("public").exists());
}

#[test]
fn new_refuses_a_title_with_control_characters_and_writes_files_check_accepts() {
    let (_tmp, root) = archive("new-title", false);
    let r = root.to_str().unwrap();
    for bad in ["Two\nlines", "Tab\there", "Bell\u{7}", "Carriage\rreturn", "Del\u{7f}"] {
        let o = rca(&["new", bad, "--root", r, "--date", "2024-05-06"]);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("control character"), "{}", stderr(&o));
    }
    assert!(!root.join("content/incidents/2024/two-lines.md").exists());
    for good in [
        r#"Quotes "and" \backslashes\ : # colons"#,
        "Émoji 🚀 and 'single' quotes",
        "Colon: [brackets] {braces} - dash",
    ] {
        let o = rca(&["new", good, "--root", r, "--date", "2024-05-06"]);
        assert!(o.status.success(), "{good}: {}", stderr(&o));
    }
    let c = rca(&["check", "--root", r]);
    assert!(c.status.success(), "{}", stderr(&c));
}

/// serve: 20 requests on one kept-alive connection, each answered without
/// Nagle's ~40 ms delayed-ACK stall; and the first failed build says there
/// is no last good site.
#[test]
fn serve_answers_kept_alive_requests_promptly() {
    let (_tmp, root) = archive("keepalive", false);
    let mut child = Command::new(env!("CARGO_BIN_EXE_rca-site"))
        .args(["serve", "--root", root.to_str().unwrap(), "--port", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let port: u16 = loop {
        let line = lines.next().expect("serve exited").unwrap();
        if let Some(p) =
            line.split("http://127.0.0.1:").nth(1).and_then(|r| r.split('/').next()).and_then(|p| p.parse().ok())
        {
            break p;
        }
    };
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut reader = BufReader::new(s.try_clone().unwrap());
    let mut times = Vec::new();
    for i in 0..20 {
        let path = if i % 2 == 0 { "/" } else { "/incidents/" };
        let t = Instant::now();
        // One write: a request in pieces would meet the client's own Nagle.
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes()).unwrap();
        let mut len = 0;
        loop {
            let mut h = String::new();
            reader.read_line(&mut h).unwrap();
            if h == "\r\n" {
                break;
            }
            if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; len];
        reader.read_exact(&mut body).unwrap();
        times.push(t.elapsed());
    }
    let _ = child.kill();
    let _ = child.wait();
    let after_first: Duration = times[1..].iter().sum();
    eprintln!("19 kept-alive requests: {after_first:?} ({times:?})");
    // With the delay each took ~44 ms (over 800 ms in all).
    assert!(after_first < Duration::from_millis(400), "{times:?}");
}

#[test]
fn serve_says_there_is_no_last_good_site_when_the_first_build_fails() {
    let (_tmp, root) = archive("first-fail", false);
    std::fs::write(root.join("content/incidents/2024/forums-staging.md"), "---\ntitle: broken\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rca-site"))
        .args(["serve", "--root", root.to_str().unwrap(), "--port", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = String::new();
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        log.push_str(&line);
        log.push('\n');
        if line.contains("Serving ") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(log.contains("no last good site"), "{log}");
    assert!(!log.contains("still serving the last good site"), "{log}");
}
