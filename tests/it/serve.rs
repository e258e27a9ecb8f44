//! `rca-site serve` over real HTTP: a running server process on a free
//! port, a copy of an archive it watches, and raw TCP requests.

use crate::harness as common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{chromium, copy_tree, fixtures, rca, stderr, TempDir, CHROMIUM_FLAGS};

const START_TIMEOUT: Duration = Duration::from_secs(60);
const EVENT_TIMEOUT: Duration = Duration::from_secs(20);

/// A running `rca-site serve`, stopped on drop.
struct Server {
    child: Child,
    port: u16,
    log: Arc<Mutex<String>>,
}

impl Server {
    fn start(root: &Path, flags: &[&str]) -> Server {
        Server::start_on(root, 0, flags)
    }

    fn start_on(root: &Path, port: u16, flags: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rca-site"))
            .args(["serve", "--root", root.to_str().unwrap(), "--port", &port.to_string()])
            .args(flags)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start rca-site serve");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = channel();
        let err = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                let port = line
                    .split("http://127.0.0.1:")
                    .nth(1)
                    .and_then(|r| r.split('/').next())
                    .and_then(|p| p.parse::<u16>().ok());
                // The line is in the log before the test learns the port.
                sink.lock().unwrap().push_str(&format!("{line}\n"));
                if let Some(port) = port {
                    let _ = tx.send(port);
                }
            }
        });
        match rx.recv_timeout(START_TIMEOUT) {
            Ok(port) => Server { child, port, log },
            Err(_) => {
                let _ = child.kill();
                panic!("serve did not start:\n{}", log.lock().unwrap());
            }
        }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits (at most [`EVENT_TIMEOUT`]) until the log satisfies `pred`.
    fn wait_log(&self, what: &str, pred: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + EVENT_TIMEOUT;
        while !pred(&self.log()) {
            assert!(Instant::now() < deadline, "log never showed {what}:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn get(&self, path: &str) -> Reply {
        request(self.port, &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
    }

    fn events(&self) -> Events {
        Events::connect(self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
}

/// Sends raw bytes and reads the whole answer (the server closes).
fn request(port: u16, raw: &str) -> Reply {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(raw.as_bytes()).unwrap();
    // Read until the reply is complete (by Content-Length, the last chunk,
    // or the server closing), since not every server closes when asked.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..i]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            if length.is_some_and(|n| buf.len() >= i + 4 + n)
                || (head.contains("transfer-encoding: chunked") && buf.ends_with(b"0\r\n\r\n"))
            {
                break;
            }
        }
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => panic!("read reply: {e}"),
        }
    }
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").map_or(buf.len(), |i| i + 4);
    let head = String::from_utf8_lossy(&buf[..split]).trim_end().to_string();
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or_else(|| panic!("no status in {head:?}"));
    let mut reply = Reply { status, head, body: String::new() };
    let body = if reply.header("Transfer-Encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        dechunk(&buf[split..])
    } else {
        buf[split..].to_vec()
    };
    reply.body = String::from_utf8_lossy(&body).into_owned();
    reply
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else { return out };
        let size = usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().split(';').next().unwrap().trim(), 16)
            .unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 2 + size + 2..];
    }
}

/// A server-sent events connection: (event, data) pairs as they arrive.
struct Events {
    rx: Receiver<(String, String)>,
}

impl Events {
    fn connect(port: u16) -> Events {
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.write_all(b"GET /__rca/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n").unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(s).lines();
            let (mut event, mut data) = (String::new(), Vec::new());
            while let Some(Ok(line)) = lines.next() {
                if let Some(e) = line.strip_prefix("event: ") {
                    event = e.to_string();
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data.push(d.to_string());
                } else if line.is_empty() && !event.is_empty() {
                    if tx.send((std::mem::take(&mut event), data.join("\n"))).is_err() {
                        return;
                    }
                    data.clear();
                }
            }
        });
        Events { rx }
    }

    /// The next event of this kind (others are skipped); panics after the timeout.
    fn next(&self, kind: &str) -> String {
        let deadline = Instant::now() + EVENT_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok((e, d)) if e == kind => return d,
                Ok(_) => {}
                Err(_) => panic!("no {kind:?} event within {EVENT_TIMEOUT:?}"),
            }
        }
    }

    /// The events of one change: waits up to [`EVENT_TIMEOUT`] for the
    /// first (a loaded machine may take seconds to rebuild), then collects
    /// until none came for `quiet`.
    fn settle(&self, quiet: Duration) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Ok(ev) = self.rx.recv_timeout(EVENT_TIMEOUT) {
            out.push(ev);
            out.extend(self.drain_quiet(quiet));
        }
        out
    }

    /// Events until none came for `quiet`.
    fn drain_quiet(&self, quiet: Duration) -> Vec<(String, String)> {
        let mut out = Vec::new();
        while let Ok(ev) = self.rx.recv_timeout(quiet) {
            out.push(ev);
        }
        out
    }

    /// Every event that arrives within `window`.
    fn drain(&self, window: Duration) -> Vec<(String, String)> {
        let end = Instant::now() + window;
        let mut out = Vec::new();
        while let Ok(ev) = self.rx.recv_timeout(end.saturating_duration_since(Instant::now())) {
            out.push(ev);
        }
        out
    }
}

/// The spells of a burst of writes: serve rebuilds once per spell, a spell
/// ending when the writer paused for longer than serve's quiet window
/// (`rca_site::serve::watch::BURST_QUIET`). On a quiet machine a burst is one
/// spell; on a loaded one (a slow temp disk, two test binaries on two cores)
/// a write can stall for longer, and the burst honestly is two.
struct Spells {
    last: Instant,
    spells: usize,
    /// Set when the writes are timed only as a whole (a `git checkout`).
    whole: Option<Duration>,
}

impl Spells {
    fn new() -> Spells {
        Spells { last: Instant::now(), spells: 1, whole: None }
    }

    /// After each write.
    fn tick(&mut self) {
        let now = Instant::now();
        if now - self.last > QUIET_SPELL {
            self.spells += 1;
        }
        self.last = now;
    }

    /// Writes made by another program, timed as a whole: if it took less
    /// than the quiet window, it cannot have paused for longer than that.
    fn around(f: impl FnOnce()) -> Spells {
        let start = Instant::now();
        f();
        let took = start.elapsed();
        let spells = 1 + (took.as_millis() / QUIET_SPELL.as_millis()) as usize;
        Spells { last: Instant::now(), spells, whole: Some(took) }
    }

    fn assert_rebuilds(&self, reloads: usize, why: &str) {
        assert!(reloads >= 1, "no rebuild: {why}");
        assert!(
            reloads <= self.spells,
            "{reloads} rebuilds for {} spell(s) of writes (took {:?}): {why}",
            self.spells,
            self.whole
        );
    }
}

/// A little under serve's quiet window, so a pause that serve counted as
/// the end of a burst is counted here too.
const QUIET_SPELL: Duration = Duration::from_millis(rca_site::serve::watch::BURST_QUIET.as_millis() as u64 * 4 / 5);

/// A copy of the example archive (or a fixture) to edit.
fn archive(from: &Path) -> (TempDir, PathBuf) {
    let tmp = TempDir::new("serve");
    let root = tmp.path().join("archive");
    std::fs::create_dir_all(&root).unwrap();
    copy_tree(&from.join("content"), &root.join("content"));
    if from.join("rca-site.toml").exists() {
        std::fs::copy(from.join("rca-site.toml"), root.join("rca-site.toml")).unwrap();
    }
    (tmp, root)
}

fn example() -> (TempDir, PathBuf) {
    archive(Path::new(env!("CARGO_MANIFEST_DIR")))
}

const FORUMS: &str = "content/incidents/2024/forums-v2-staging-outage.md";

fn edit(root: &Path, rel: &str, f: impl FnOnce(String) -> String) {
    let path = root.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, f(text)).unwrap();
}

#[test]
fn serves_pages_with_pretty_urls_404_and_content_types() {
    let (_tmp, root) = example();
    let srv = Server::start(&root, &[]);

    let home = srv.get("/");
    assert_eq!(home.status, 200);
    assert_eq!(home.header("Content-Type").as_deref(), Some("text/html; charset=utf-8"));
    assert!(home.body.contains("data-rca-serve"), "the reload script is injected");
    assert!(home.body.trim_end().ends_with("</html>"));

    let page = srv.get("/incidents/forums-v2-staging-outage/");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Forums v2 merge broke"));

    let redirect = srv.get("/incidents/forums-v2-staging-outage?x=1");
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.header("Location").as_deref(), Some("/incidents/forums-v2-staging-outage/?x=1"));

    let css = srv.get("/style.css");
    assert_eq!((css.status, css.header("Content-Type").as_deref()), (200, Some("text/css; charset=utf-8")));
    assert!(!css.body.contains("data-rca-serve"));
    assert_eq!(srv.get("/feed.xml").header("Content-Type").as_deref(), Some("application/atom+xml"));
    assert_eq!(srv.get("/incidents.json").header("Content-Type").as_deref(), Some("application/json"));
    assert_eq!(srv.get("/favicon.svg").header("Content-Type").as_deref(), Some("image/svg+xml"));

    let missing = srv.get("/no/such/page/");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Page not found"), "the site's own 404 page: {}", missing.body);
    assert!(missing.body.contains("data-rca-serve"));

    let head = request(srv.port, "HEAD /incidents/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    let post = request(srv.port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    assert_eq!(post.status, 405);

    // Left out of the build: never served.
    assert!(!srv.get("/incidents/").body.contains("CANARY-DRAFT-4410"));
}

#[test]
fn never_serves_anything_outside_the_site() {
    let (tmp, root) = example();
    // A secret outside the archive, and symlinks pointing at it.
    let secret = tmp.path().join("secret.txt");
    std::fs::write(&secret, "SECRET-OUTSIDE-9931").unwrap();
    std::fs::create_dir_all(root.join("theme/static")).unwrap();
    std::os::unix::fs::symlink(&secret, root.join("theme/static/leak.txt")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", root.join("theme/static/passwd")).unwrap();
    std::fs::write(root.join("theme/static/inside.txt"), "inside").unwrap();
    std::os::unix::fs::symlink(root.join("theme/static/inside.txt"), root.join("theme/static/alias.txt")).unwrap();
    let srv = Server::start(&root, &[]);

    let raw = |line: &str| request(srv.port, &format!("{line}\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
    for attempt in [
        "GET /../../../../etc/passwd HTTP/1.1",
        "GET /incidents/../../secret.txt HTTP/1.1",
        "GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1",
        "GET /%2E%2E%2F%2E%2E%2Fetc%2Fpasswd HTTP/1.1",
        "GET /..%5c..%5cetc%5cpasswd HTTP/1.1",
        "GET /./style.css HTTP/1.1",
        "GET http://localhost/../etc/passwd HTTP/1.1",
    ] {
        let r = raw(attempt);
        assert_eq!(r.status, 400, "{attempt}: {r:?}");
        assert!(!r.body.contains("root:"), "{attempt}");
    }
    for attempt in
        ["GET //etc/passwd HTTP/1.1", "GET /etc/passwd HTTP/1.1", "GET /leak.txt HTTP/1.1", "GET /passwd HTTP/1.1"]
    {
        let r = raw(attempt);
        assert_eq!(r.status, 404, "{attempt}: {r:?}");
        assert!(!r.body.contains("root:") && !r.body.contains("SECRET-OUTSIDE"), "{attempt}");
    }
    // A symlink inside the archive is fine.
    assert_eq!(srv.get("/alias.txt").body, "inside");
    srv.wait_log("a warning naming the skipped symlink", |log| {
        log.contains("theme/static/leak.txt: skipped: a symlink that points outside the archive")
    });

    // `build` publishes neither.
    let out = tmp.path().join("public");
    let o = rca(&["build", "--root", root.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!out.join("leak.txt").exists() && !out.join("passwd").exists());
    assert!(out.join("alias.txt").exists());
    assert!(
        stderr(&o).contains("theme/static/leak.txt: skipped: a symlink that points outside the archive"),
        "{}",
        stderr(&o)
    );
}

/// A symlinked folder pointing outside the archive is skipped at start,
/// and stays skipped however serve hears of it: a change inside its target,
/// the link re-pointed, a new link made while serving.
#[test]
fn a_symlink_out_of_the_archive_stays_unread_while_serving() {
    let (tmp, root) = example();
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "SECRET-OUT-1").unwrap();
    std::fs::write(
        outside.join("leak.md"),
        "---\ntitle: LEAKCANARY-OUT-TITLE\ndate: 2024-01-01\n---\nLEAKCANARY-OUT-BODY\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("theme/static")).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("theme/static/outlink")).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("content/incidents/outlink")).unwrap();
    let srv = Server::start(&root, &[]);
    let events = srv.events();
    events.next("hello");
    srv.wait_log("the skipped links", |log| {
        log.contains("theme/static/outlink: skipped: a symlink that points outside the archive")
            && log.contains("content/incidents/outlink: skipped: a symlink that points outside the archive")
    });
    assert_eq!(srv.get("/outlink/secret.txt").status, 404);

    let unread = |paths: &[&str]| {
        for path in paths {
            let r = srv.get(path);
            assert_eq!(r.status, 404, "{path}: {r:?}");
            assert!(!r.body.contains("SECRET-OUT") && !r.body.contains("LEAKCANARY-OUT"), "{path}");
        }
        for path in ["/incidents/", "/search/", "/incidents.json"] {
            assert!(!srv.get(path).body.contains("LEAKCANARY-OUT"), "{path}");
        }
    };

    // The target changes and a file is added to it; then an edit inside
    // the archive, and after its rebuild nothing from outside is served.
    std::fs::write(outside.join("secret.txt"), "SECRET-OUT-2").unwrap();
    std::fs::write(outside.join("new.txt"), "SECRET-OUT-3").unwrap();
    std::fs::write(
        outside.join("leak.md"),
        "---\ntitle: LEAKCANARY-OUT-TITLE2\ndate: 2024-01-01\n---\nLEAKCANARY-OUT-BODY\n",
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(600));
    edit(&root, FORUMS, |t| t + "\nA later addition.\n");
    events.next("reload");
    unread(&["/outlink/secret.txt", "/outlink/new.txt", "/incidents/leak/"]);

    // The link is re-pointed, and new links to it are made while serving.
    let other = tmp.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("secret.txt"), "SECRET-OUT-4").unwrap();
    std::fs::remove_file(root.join("theme/static/outlink")).unwrap();
    std::os::unix::fs::symlink(&other, root.join("theme/static/outlink")).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("theme/static/later")).unwrap();
    std::os::unix::fs::symlink(outside.join("secret.txt"), root.join("theme/static/later.txt")).unwrap();
    srv.wait_log("the new links refused", |log| {
        log.contains("theme/static/later: skipped: a symlink that points outside")
            && log.contains("theme/static/later.txt: skipped: a symlink that points outside")
    });
    edit(&root, FORUMS, |t| t + "\nAnother addition.\n");
    events.next("reload");
    unread(&["/outlink/secret.txt", "/outlink/new.txt", "/later/secret.txt", "/later.txt", "/incidents/leak/"]);
    assert!(srv.get("/incidents/forums-v2-staging-outage/").body.contains("Another addition."));
}

/// `theme/` itself a link out of the archive: neither read nor watched.
#[test]
fn a_theme_folder_linked_out_of_the_archive_is_neither_read_nor_watched() {
    let (tmp, root) = example();
    let outside = tmp.path().join("outside-theme");
    std::fs::create_dir_all(outside.join("static")).unwrap();
    std::fs::write(outside.join("static/secret.txt"), "SECRET-THEME-1").unwrap();
    let _ = std::fs::remove_dir_all(root.join("theme"));
    std::os::unix::fs::symlink(&outside, root.join("theme")).unwrap();
    let srv = Server::start(&root, &[]);
    let events = srv.events();
    events.next("hello");
    srv.wait_log("the skipped theme link", |log| {
        log.contains("theme: skipped: a symlink that points outside the archive")
    });
    std::fs::write(outside.join("static/secret.txt"), "SECRET-THEME-2").unwrap();
    std::thread::sleep(Duration::from_millis(600));
    edit(&root, FORUMS, |t| t + "\nA later addition.\n");
    events.next("reload");
    let r = srv.get("/secret.txt");
    assert_eq!(r.status, 404, "{r:?}");
    assert!(srv.get("/style.css").status == 200, "the built-in theme is used");
}

#[test]
fn an_edit_reloads_a_broken_edit_shows_errors_and_keeps_the_last_good_site() {
    let (_tmp, root) = example();
    let srv = Server::start(&root, &[]);
    let events = srv.events();
    let first = events.next("hello");

    edit(&root, FORUMS, |t| {
        t.replacen("title: \"Forums v2 merge broke", "title: \"EDITED-7731 Forums v2 merge broke", 1)
    });
    let second = events.next("reload");
    assert_ne!(first, second, "a reload names the new build");
    let page = srv.get("/incidents/forums-v2-staging-outage/");
    assert!(page.body.contains("EDITED-7731 Forums"), "the page changed");
    // Pages that show it: the lists, and the incident it is related to.
    assert!(srv.get("/incidents/").body.contains("EDITED-7731"));
    assert!(srv.get("/").body.contains("EDITED-7731"));
    assert!(srv.get("/incidents/koa2-install/").body.contains("EDITED-7731"), "related neighbour re-rendered");
    assert!(srv.get("/services/forums/").body.contains("EDITED-7731"));

    // Broken: a bad severity and an unclosed link target.
    edit(&root, FORUMS, |t| t.replacen("severity: SEV3", "severity: \"<b>SEV9</b>\"", 1));
    let errors: serde_json::Value = serde_json::from_str(&events.next("errors")).unwrap();
    let texts: Vec<&str> = errors.as_array().unwrap().iter().map(|e| e["text"].as_str().unwrap()).collect();
    assert!(
        texts.iter().any(|t| t.starts_with(&format!("{FORUMS}:6:11: severity")) && t.contains("<b>SEV9</b>")),
        "{texts:?}"
    );
    let page = srv.get("/incidents/forums-v2-staging-outage/");
    assert_eq!(page.status, 200, "the last good page is still served");
    assert!(page.body.contains("EDITED-7731 Forums"));
    // A tab opened now learns about the errors at once.
    let late = srv.events();
    late.next("hello");
    assert!(late.next("errors").contains("SEV9"));

    // Fixed: errors clear (a reload), the page shows the fix.
    edit(&root, FORUMS, |t| t.replacen("severity: \"<b>SEV9</b>\"", "severity: SEV1", 1));
    events.next("reload");
    let page = srv.get("/incidents/forums-v2-staging-outage/");
    assert!(page.body.contains("severity-sev1") || page.body.contains("SEV1"));
    let fresh = srv.events();
    fresh.next("hello");
    assert!(fresh.drain(Duration::from_millis(300)).iter().all(|(e, _)| e != "errors"), "no errors once fixed");
}

/// After any sequence of edits, the served site equals a fresh `build`.
#[test]
fn incremental_rebuilds_equal_a_full_build() {
    incremental_rebuilds(None);
}

/// The same edits with two entries a page: page n of a list changes with its list.
#[test]
fn incremental_rebuilds_of_paginated_lists_equal_a_full_build() {
    incremental_rebuilds(Some(2));
}

/// serve's oracle: a serve of a copy of the example archive, and after each
/// edit the site it serves must equal a fresh `build` of the same files.
struct ServeOracle {
    tmp: TempDir,
    root: PathBuf,
    srv: Server,
    events: Events,
    builds: std::cell::Cell<usize>,
}

impl ServeOracle {
    fn start(per_page: Option<usize>) -> ServeOracle {
        let (tmp, root) = example();
        if let Some(n) = per_page {
            edit(&root, "rca-site.toml", |t| format!("{t}\n[pagination]\nper_page = {n}\n"));
        }
        // Served under the path of base_url, with dates and revisions from git.
        with_base_path_and_history(&root);
        let srv = Server::start(&root, &[]);
        let events = srv.events();
        events.next("hello");
        ServeOracle { tmp, root, srv, events, builds: std::cell::Cell::new(1) }
    }

    /// Makes `edit` to the archive, waits for serve's reload and its log
    /// line, then compares every served file with a fresh build's.
    fn assert_serve_matches_build(&self, what: &str, edit: impl FnOnce(&Path)) {
        edit(&self.root);
        let (kind, data) = self
            .events
            .rx
            .recv_timeout(EVENT_TIMEOUT)
            .unwrap_or_else(|_| panic!("{what}: no event\n{}", self.srv.log()));
        assert_eq!(kind, "reload", "{what}: {data}");
        self.builds.set(self.builds.get() + 1);
        self.srv.wait_log("the rebuild's log line", |log| {
            log.lines().filter(|l| l.starts_with("Built")).count() >= self.builds.get()
        });
        let out = self.tmp.path().join(format!("out-{}", what.replace(' ', "-")));
        assert_same_as_build(&self.srv, &self.root, &out, what);
    }

    /// The warnings and errors serve reports for its last rebuild.
    fn last_warnings(&self) -> Vec<String> {
        self.srv.get("/__rca/diagnostics").body.lines().map(str::to_string).collect()
    }

    /// serve's last "Built …" line (what it parsed and rendered).
    fn last_build(&self) -> String {
        self.srv.log().lines().rfind(|l| l.starts_with("Built")).unwrap_or_default().to_string()
    }
}

fn incremental_rebuilds(per_page: Option<usize>) {
    let oracle = ServeOracle::start(per_page);
    let (root, events) = (oracle.root.clone(), &oracle.events);
    let step = |what: &str, f: &dyn Fn()| oracle.assert_serve_matches_build(what, |_| f());
    step("body edit", &|| edit(&root, FORUMS, |t| t.replacen("## ", "Extra paragraph.\n\n## ", 1)));
    let last = || oracle.last_build();
    // A body edit: one file parsed, one body rendered, no card (the lists stay).
    assert!(
        last().contains("; 1 parsed, 1 bodies, 0 cards,") && !last().contains("full render"),
        "only the edited body: {}",
        last()
    );
    // Backlinks follow the links of the one changed body, both ways.
    step("body edit adding a link", &|| {
        edit(&root, FORUMS, |t| t.replacen("## ", "Like [[wiki-cache-purge-storm]].\n\n## ", 1))
    });
    step("body edit removing it", &|| {
        edit(&root, FORUMS, |t| t.replacen("Like [[wiki-cache-purge-storm]].\n\n", "", 1))
    });
    step("title and terms", &|| {
        edit(&root, FORUMS, |t| {
            t.replacen("title: \"Forums", "title: \"Renamed Forums", 1).replacen(
                "tags: [migration,",
                "tags: [brand-new-tag, migration,",
                1,
            )
        })
    });
    assert!(
        last().contains("; 1 parsed, 1 bodies, 1 cards,") && !last().contains("full render"),
        "a front-matter edit: {}",
        last()
    );
    step("related and severity", &|| {
        edit(&root, "content/incidents/2015/search-event-logging-gap.md", |t| {
            t.replacen(
                "related: [course-migration-table-lock]",
                "related: [course-migration-table-lock, forums-v2-staging-outage]",
                1,
            )
            .replacen("severity: SEV3", "severity: SEV1", 1)
        })
    });
    step("new incident linking another", &|| {
        std::fs::write(
            root.join("content/incidents/2026/brand-new.md"),
            "---\ntitle: \"Brand new\"\ndate: 2026-01-02\nseverity: SEV4\nservices: [forums]\ncauses: [config-drift]\n---\nSee [[forums-v2-staging-outage]].\n",
        )
        .unwrap()
    });
    step("title change of a linked incident", &|| {
        edit(&root, FORUMS, |t| t.replacen("title: \"Renamed Forums", "title: \"Twice renamed Forums", 1))
    });
    step("visibility change of a linked incident", &|| {
        edit(&root, "content/incidents/2024/forums-v2-staging-outage.md", |t| {
            t.replacen("severity: SEV3", "severity: SEV3\nvisibility: internal", 1)
        })
    });
    // A broken edit, then its fix.
    edit(&root, FORUMS, |t| t.replacen("visibility: internal", "visibility: secret", 1));
    assert!(events.next("errors").contains("visibility"));
    assert_diagnostics_as_build(&oracle.srv, &root, &oracle.tmp.path().join("out-broken"), "broken edit");
    step("fix after a broken edit", &|| {
        edit(&root, FORUMS, |t| t.replacen("visibility: secret", "visibility: public", 1))
    });
    step("deleted incident", &|| std::fs::remove_file(root.join("content/incidents/2026/brand-new.md")).unwrap());
    step("template edit", &|| {
        std::fs::create_dir_all(root.join("theme/templates")).unwrap();
        let base =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("theme/templates/404.html")).unwrap();
        std::fs::write(root.join("theme/templates/404.html"), base.replacen("</", "<!-- custom 404 --></", 1)).unwrap()
    });
    assert!(
        last().contains("; 0 parsed, 0 bodies,") && last().contains("full render"),
        "a template edit renders all, parses nothing: {}",
        last()
    );
    // The board's rows are kept while their items are the same: not
    // across an edit of the template that renders them.
    step("template edit of the board's rows", &|| {
        std::fs::create_dir_all(root.join("theme/templates/partials")).unwrap();
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("theme/templates/partials/action_items.html");
        let rows = std::fs::read_to_string(path).unwrap();
        let owner_cell = "<td><a{% if not a.owner %}";
        assert!(rows.contains(owner_cell), "the board row template has changed: update this step");
        let rows = rows.replacen(owner_cell, "<td class=\"custom-owner\"><a{% if not a.owner %}", 1);
        std::fs::write(root.join("theme/templates/partials/action_items.html"), rows).unwrap()
    });
    step("cause file", &|| {
        edit(&root, "content/causes/missing-monitoring.md", |t| t.replacen("title: ", "title: Renamed ", 1))
    });
    step("config edit", &|| edit(&root, "rca-site.toml", |t| t.replacen("title = \"", "title = \"Renamed ", 1)));
    // Which files are incidents follows the globs of the configuration.
    step("a Markdown file no glob selects", &|| {
        std::fs::create_dir_all(root.join("content/notes")).unwrap();
        std::fs::write(
            root.join("content/notes/2020-01-02-notes-outage.md"),
            "---\ntitle: \"Notes outage\"\ndate: 2020-01-02\nseverity: SEV4\nservices: [forums]\n---\nNotes were down.\n",
        )
        .unwrap()
    });
    let globs = |extra: &str| {
        let extra = extra.to_string();
        move |t: String| t.replacen("severities = [", &format!("{extra}\nseverities = ["), 1)
    };
    step("incidents glob that selects it", &|| {
        edit(&root, "rca-site.toml", globs("incidents = [\"content/incidents/**/*.md\", \"content/notes/*.md\"]"))
    });
    assert!(oracle.srv.get("/archive/incidents/2020-01-02-notes-outage/").status == 200, "{}", last());
    step("exclude glob that leaves it out", &|| {
        edit(&root, "rca-site.toml", globs("exclude = [\"content/notes/**\"]"))
    });
    assert!(oracle.srv.get("/archive/incidents/2020-01-02-notes-outage/").status == 404, "{}", last());
    step("body edits of two incidents, one adding a link", &|| {
        edit(&root, FORUMS, |t| t + "\nOne more paragraph.\n");
        edit(&root, "content/incidents/2021/koa2-install.md", |t| t + "\nSee also [[search-event-logging-gap]].\n");
    });
    assert!(last().contains("; 2 parsed, 2 bodies, 0 cards,"), "{}", last());
    // Cross-links, the board and the minis are kept across rebuilds: cover
    // the edits that must change them.
    const KOA2: &str = "content/incidents/2021/koa2-install.md";
    step("action item edit", &|| edit(&root, KOA2, |t| t.replacen("    status: done", "    status: open", 1)));
    step("body edit after a front-matter edit", &|| edit(&root, KOA2, |t| t + "\nSearchable-word zyxwvu.\n"));
    assert!(last().contains("; 1 parsed, 1 bodies, 0 cards,"), "{}", last());
    // koa2-install shares causes with five other incidents: its title is in
    // their "has this happened before?" and similar-incidents lists.
    step("title edit of an incident other pages cross-link", &|| {
        edit(&root, KOA2, |t| t.replacen("title: \"Release tag koa.2", "title: \"Renamed release tag koa.2", 1))
    });
    step("date edit moving an incident in its causes' history", &|| {
        edit(&root, KOA2, |t| t.replacen("date: 2021-", "date: 2019-", 1))
    });
    // Pages that show more than one incident's card: each must see the edit.
    step("free page edit", &|| edit(&root, "content/pages/about.md", |t| t + "\nOne more line about us.\n"));
    step("home intro edit", &|| edit(&root, "content/_index.md", |t| t + "\nAnd a new intro line.\n"));
    step("cause description edit", &|| {
        edit(&root, "content/causes/config-drift.md", |t| t + "\nA new paragraph of the description.\n")
    });
    // An incident years before every other: every cause page's sparkline
    // spans more years, also those of causes it does not have.
    step("an incident in a year before all others", &|| {
        std::fs::write(
            root.join("content/incidents/2014/long-ago.md"),
            "---\ntitle: \"Long ago\"\ndate: 2009-03-04\nseverity: SEV2\nservices: [forums]\ncauses: [config-drift]\n---\nOld.\n",
        )
        .unwrap()
    });
    step("summary edit of an incident with similar ones", &|| {
        edit(&root, KOA2, |t| t.replacen("summary: ", "summary: Release tags were mislabelled again. ", 1))
    });
    step("term rename through a cause file's title", &|| {
        edit(&root, "content/causes/config-drift.md", |t| {
            t.replacen("title: Configuration drift", "title: Drifting configuration", 1)
        })
    });
    // Bodies are read beyond their own page: similar incidents compare the
    // start of each body, and the link stage's timeline check reads its
    // rows (a body edit that changes what it reports is one serve may not
    // answer from its last archive).
    step("body edit that makes an incident read like another", &|| {
        let koa2 = std::fs::read_to_string(root.join(KOA2)).unwrap();
        let koa2_body = koa2.splitn(3, "---\n").nth(2).unwrap().to_string();
        edit(&root, FORUMS, |t| {
            let mut parts = t.splitn(3, "---\n");
            let (_, front, _) = (parts.next(), parts.next().unwrap(), parts.next());
            format!("---\n{front}---\n{koa2_body}")
        })
    });
    step("body edit that leaves a timeline row without a time", &|| {
        edit(&root, KOA2, |t| {
            t.replacen("- 2021-02-10 11:30 UTC — Cause confirmed", "- Shortly after — Cause confirmed", 1)
        })
    });
    assert!(oracle.last_warnings().iter().any(|w| w.contains("timeline row")), "{:?}", oracle.last_warnings());
    // A front-matter edit relinks the archive, which reads the body
    // warnings of the files that did not change from its last link: not
    // those of the file that did.
    step("front-matter edit that also fixes the timeline row", &|| {
        edit(&root, KOA2, |t| {
            t.replacen("- Shortly after — Cause confirmed", "- 2021-02-10 11:30 UTC — Cause confirmed", 1).replacen(
                "title: \"Renamed release tag",
                "title: \"Twice renamed release tag",
                1,
            )
        })
    });
    assert!(last().contains("; 1 parsed, ") && last().contains(" bodies, 1 cards,"), "{}", last());
    assert!(!oracle.last_warnings().iter().any(|w| w.contains("timeline row")), "{:?}", oracle.last_warnings());
}

/// The pages serve kept as they were in its last rebuild ("N pages kept").
fn pages_kept(log_line: &str) -> usize {
    let before = log_line.split(" pages kept").next().unwrap_or_default();
    before.rsplit(' ').next().and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// A body edit renders the edited incident's page and the pages that show
/// its body's links, and keeps the others; a title edit renders the pages
/// that show the title (lists, cross-links), and keeps the others.
#[test]
fn an_edit_renders_only_the_pages_whose_inputs_changed() {
    let oracle = ServeOracle::start(None);
    let root = oracle.root.clone();
    let files = walkdir::WalkDir::new(root.join("content/incidents")).into_iter().filter(|e| e.is_ok()).count();
    oracle.assert_serve_matches_build("body edit", |_| {
        edit(&root, FORUMS, |t| t.replacen("## ", "Extra paragraph.\n\n## ", 1))
    });
    let body = pages_kept(&oracle.last_build());
    assert!(body > files, "a body edit keeps most pages: {}", oracle.last_build());
    oracle.assert_serve_matches_build("title edit", |_| {
        edit(&root, FORUMS, |t| t.replacen("title: \"Forums", "title: \"Renamed Forums", 1))
    });
    let title = pages_kept(&oracle.last_build());
    assert!(title > 0 && title < body, "a title edit keeps fewer pages than a body edit: {}", oracle.last_build());
    oracle.assert_serve_matches_build("static file", |_| {
        std::fs::create_dir_all(root.join("theme/static")).unwrap();
        std::fs::write(root.join("theme/static/extra.txt"), "hello").unwrap();
    });
    assert!(pages_kept(&oracle.last_build()) > body, "a static file keeps every page: {}", oracle.last_build());
}

/// Fetches every file a fresh `build` writes and compares it with what the
/// server serves under [`BASE_PATH`] (minus the reload script; feeds differ
/// only in their build time), and the warnings of both.
fn assert_same_as_build(srv: &Server, root: &Path, out: &Path, what: &str) {
    let o = rca(&["build", "--root", root.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(srv.get("/__rca/diagnostics").body, stderr(&o), "{what}: serve's warnings differ from build's");
    let strip_time = |s: &str| -> String {
        s.lines().filter(|l| !l.contains("<updated>") && !l.contains("\"generated\"")).collect::<Vec<_>>().join("\n")
    };
    let mut count = 0;
    for e in walkdir::WalkDir::new(out) {
        let e = e.unwrap();
        if !e.file_type().is_file() {
            continue;
        }
        let rel = e.path().strip_prefix(out).unwrap().to_string_lossy().into_owned();
        if rel == ".rca-site" {
            continue; // build's marker of its own output, not a page of the site
        }
        // Lossy like the reply's body, so that binary files (favicon.ico) compare too.
        let want = String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned();
        let got = srv.get(&format!("{BASE_PATH}/{rel}"));
        assert_eq!(got.status, 200, "{what}: /{rel}");
        let body = match got.body.find("<script data-rca-serve>") {
            Some(start) => {
                let end = got.body[start..].find("</script>\n").unwrap() + start + "</script>\n".len();
                format!("{}{}", &got.body[..start], &got.body[end..])
            }
            None => got.body.clone(),
        };
        assert!(strip_time(&body) == strip_time(&want), "{what}: /{rel} differs from a full build");
        count += 1;
    }
    assert!(count > 50, "{count} files");
    // Nothing served that the build does not have.
    let gone = srv.get(&format!("{BASE_PATH}/incidents/forums-v2-staging-outage/"));
    assert_eq!(gone.status == 200, out.join("incidents/forums-v2-staging-outage/index.html").exists(), "{what}");
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn a_burst_of_changes_is_one_rebuild() {
    let (_tmp, root) = example();
    let srv = Server::start(&root, &[]);
    let events = srv.events();
    events.next("hello");
    // As a `git checkout` does: hundreds of files written in a row, plus editor leftovers.
    let dir = root.join("content/incidents/burst");
    let mut spells = Spells::new();
    std::fs::create_dir_all(&dir).unwrap();
    for n in 0..300 {
        std::fs::write(
            dir.join(format!("b{n:03}.md")),
            format!("---\ntitle: \"Burst {n}\"\ndate: 2020-01-01\n---\nBody {n}.\n"),
        )
        .unwrap();
        spells.tick();
        std::fs::write(dir.join(format!(".b{n:03}.md.swp")), "x").unwrap();
        spells.tick();
    }
    let got = events.settle(Duration::from_secs(3));
    let reloads = got.iter().filter(|(e, _)| e == "reload").count();
    spells.assert_rebuilds(reloads, &format!("{got:?}\n{}", srv.log()));
    assert_eq!(srv.get("/incidents/b299/").status, 200);
    // Editor leftovers alone change nothing: no rebuild.
    std::fs::write(root.join("content/incidents/.x.md.swp"), "x").unwrap();
    std::fs::write(root.join("content/incidents/x.md~"), "x").unwrap();
    assert!(events.drain(Duration::from_millis(500)).is_empty());
}

#[test]
fn an_editor_save_through_a_temp_file_is_one_rebuild() {
    let (_tmp, root) = example();
    let srv = Server::start(&root, &[]);
    let events = srv.events();
    events.next("hello");
    // As vim and many editors save: a swap file, a backup, a probe file, a
    // new file written beside the target and renamed over it.
    let dir = root.join("content/incidents/2024");
    let target = root.join(FORUMS);
    std::fs::write(dir.join(".forums-v2-staging-outage.md.swp"), "swap").unwrap();
    std::fs::copy(&target, dir.join("forums-v2-staging-outage.md~")).unwrap();
    std::fs::write(dir.join("4913"), "").unwrap();
    std::fs::remove_file(dir.join("4913")).unwrap();
    let text = std::fs::read_to_string(&target).unwrap().replacen("title: \"Forums", "title: \"RENAMED-SAVE Forums", 1);
    std::fs::write(dir.join(".forums-v2-staging-outage.md.tmp"), text).unwrap();
    std::fs::rename(dir.join(".forums-v2-staging-outage.md.tmp"), &target).unwrap();
    std::fs::remove_file(dir.join("forums-v2-staging-outage.md~")).unwrap();
    let got = events.settle(Duration::from_secs(3));
    assert_eq!(got.iter().filter(|(e, _)| e == "reload").count(), 1, "{got:?}\n{}", srv.log());
    assert!(srv.get("/incidents/forums-v2-staging-outage/").body.contains("RENAMED-SAVE Forums"));
}

#[test]
fn the_output_directory_is_not_watched() {
    let (_tmp, root) = example();
    let srv = Server::start(&root, &[]);
    let events = srv.events();
    events.next("hello");
    // A `build` beside the server writes the whole site into public/.
    let o = rca(&["build", "--root", root.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(root.join("public/index.html").exists());
    let got = events.drain(Duration::from_secs(1));
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn new_commits_refresh_the_history() {
    let (_tmp, root) = example();
    let git = |args: &[&str]| {
        let o = Command::new("git").arg("-C").arg(&root).args(args).output().expect("git");
        assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["-c", "user.name=T", "-c", "user.email=t@example.com", "add", "."]);
    git(&["-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-q", "-m", "first"]);
    let srv = Server::start(&root, &[]);
    let events = srv.events();
    events.next("hello");
    let page = "/incidents/forums-v2-staging-outage/";
    // The first commit also added the example's draft and internal incidents, but its subject names none.
    assert!(
        srv.get(page).body.contains("<span class=\"history-subject\">first<"),
        "the first commit is in the revision list"
    );
    assert!(!srv.get(page).body.contains("Revise the forums postmortem"));
    // An edit is rebuilt as an uncommitted change; committing it moves the refs.
    edit(&root, FORUMS, |t| t + "\nA later addition.\n");
    events.next("reload");
    git(&[
        "-c",
        "user.name=T",
        "-c",
        "user.email=t@example.com",
        "commit",
        "-q",
        "-am",
        "Revise the forums postmortem",
    ]);
    events.next("reload");
    srv.wait_log("a second full render", |log| log.lines().filter(|l| l.contains("full render")).count() >= 2);
    let body = srv.get(page).body;
    assert!(
        body.contains("Revise the forums postmortem"),
        "the new commit is in the revision list after the refs moved"
    );
}

#[test]
fn a_git_checkout_of_another_branch_is_one_rebuild() {
    let (_tmp, root) = example();
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .arg("-C")
            .arg(&root)
            .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
            .args(args)
            .output()
            .expect("git");
        assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "main"]);
    git(&["checkout", "-q", "-b", "many"]);
    let dir = root.join("content/incidents/many");
    std::fs::create_dir_all(&dir).unwrap();
    for n in 0..250 {
        std::fs::write(
            dir.join(format!("m{n:03}.md")),
            format!("---\ntitle: \"Many {n}\"\ndate: 2019-05-06\ntags: [many]\n---\nBody {n}.\n"),
        )
        .unwrap();
    }
    edit(&root, FORUMS, |t| t.replacen("title: \"Forums", "title: \"BRANCH Forums", 1));
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "many"]);
    git(&["checkout", "-q", "main"]);

    let srv = Server::start(&root, &[]);
    let events = srv.events();
    events.next("hello");
    let spells = Spells::around(|| git(&["checkout", "-q", "many"]));
    let got = events.settle(Duration::from_secs(3));
    spells.assert_rebuilds(got.iter().filter(|(e, _)| e == "reload").count(), &format!("{got:?}\n{}", srv.log()));
    assert_eq!(srv.get("/tags/many/").status, 200);
    assert!(srv.get("/incidents/forums-v2-staging-outage/").body.contains("BRANCH Forums"));
    let spells = Spells::around(|| git(&["checkout", "-q", "main"]));
    let got = events.settle(Duration::from_secs(3));
    spells.assert_rebuilds(got.iter().filter(|(e, _)| e == "reload").count(), &format!("{got:?}\n{}", srv.log()));
    assert_eq!(srv.get("/tags/many/").status, 404);
    assert_eq!(srv.get("/incidents/m042/").status, 404);
}

#[test]
fn drafts_and_internal_only_with_their_flags() {
    let good = fixtures().join("good");
    let plain = Server::start(&good, &[]);
    assert_eq!(plain.get("/incidents/draft-one/").status, 404);
    assert_eq!(plain.get("/incidents/internal-leak/").status, 404);
    assert!(!plain.get("/incidents/").body.contains("LEAKCANARY"));
    drop(plain);

    let drafts = Server::start(&good, &["--drafts"]);
    let page = drafts.get("/incidents/draft-one/");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<strong>Draft.</strong>"), "the draft banner");
    assert!(drafts.get("/incidents/in-review/").body.contains("<strong>In review.</strong>"));
    assert_eq!(drafts.get("/incidents/internal-leak/").status, 404);
    drop(drafts);

    let internal = Server::start(&good, &["--internal"]);
    let page = internal.get("/incidents/internal-leak/");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<strong>Internal.</strong>"));
    assert_eq!(internal.get("/incidents/draft-one/").status, 404);
}

#[test]
fn a_port_in_use_is_a_clear_usage_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (_tmp, root) = example();
    let o = rca(&["serve", "--root", root.to_str().unwrap(), "--port", &port]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains(&format!("cannot listen on 127.0.0.1:{port}: the port is already in use")), "{err}");
}

#[test]
fn sigterm_and_sigint_stop_it_cleanly() {
    let (_tmp, root) = example();
    for signal in ["TERM", "INT"] {
        let mut srv = Server::start(&root, &[]);
        assert_eq!(srv.get("/").status, 200);
        let _events = srv.events();
        let kill = Command::new("kill").args([&format!("-{signal}"), &srv.child.id().to_string()]).status().unwrap();
        assert!(kill.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(s) = srv.child.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < deadline, "still running 10 s after SIG{signal}");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(status.code(), Some(0), "SIG{signal}: {}", srv.log());
        assert!(TcpStream::connect(("127.0.0.1", srv.port)).is_err(), "the port is free again");
    }
}

#[test]
fn build_never_contains_the_reload_script() {
    let (tmp, root) = example();
    let out = tmp.path().join("public");
    let o = rca(&["build", "--root", root.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for e in walkdir::WalkDir::new(&out) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let text = String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned();
            assert!(
                !text.contains("__rca") && !text.contains("data-rca-serve") && !text.contains("EventSource"),
                "{}",
                e.path().display()
            );
        }
    }
}

#[test]
fn a_first_build_that_fails_shows_the_errors_until_fixed() {
    let (_tmp, root) = example();
    edit(&root, FORUMS, |t| t.replacen("date: 2024-12-10", "date: 2024-13-45", 1));
    let srv = Server::start(&root, &[]);
    let page = srv.get("/");
    assert_eq!(page.status, 500);
    assert!(page.body.contains(&format!("{FORUMS}:3:")), "{}", page.body);
    assert!(page.body.contains("data-rca-serve"));
    let events = srv.events();
    events.next("hello");
    edit(&root, FORUMS, |t| t.replacen("date: 2024-13-45", "date: 2024-12-10", 1));
    events.next("reload");
    assert_eq!(srv.get("/").status, 200);
}

/// Headless Chromium, driven only through its DevTools HTTP endpoint
/// (`/json/list` gives each tab's title): no WebSocket client needed.
struct Browser {
    child: Child,
    devtools: u16,
    _profile: TempDir,
}

impl Browser {
    /// `None` (with a message) when RCA_SKIP_BROWSER=1; otherwise a missing
    /// chromium fails the test.
    fn open(url: &str) -> Option<Browser> {
        let bin = chromium()?;
        let profile = TempDir::new("chromium");
        let child = Command::new(&bin)
            .args(CHROMIUM_FLAGS)
            .arg("--remote-debugging-port=0")
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        // Chromium writes the port it chose into the profile.
        let port_file = profile.path().join("DevToolsActivePort");
        let deadline = Instant::now() + START_TIMEOUT;
        let devtools = loop {
            if let Some(p) =
                std::fs::read_to_string(&port_file).ok().and_then(|t| t.lines().next()?.trim().parse().ok())
            {
                break p;
            }
            assert!(Instant::now() < deadline, "chromium did not open its DevTools port");
            std::thread::sleep(Duration::from_millis(50));
        };
        Some(Browser { child, devtools, _profile: profile })
    }

    /// The titles of the open pages.
    fn titles(&self) -> Vec<String> {
        if TcpStream::connect(("127.0.0.1", self.devtools)).is_err() {
            return Vec::new();
        }
        let reply = request(self.devtools, "GET /json/list HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        let list: Vec<serde_json::Value> = serde_json::from_str(&reply.body).unwrap_or_default();
        list.iter().filter(|t| t["type"] == "page").filter_map(|t| t["title"].as_str().map(str::to_string)).collect()
    }

    /// Waits until a page's title contains `text` but not `not`.
    fn wait_title_without(&self, not: &str, text: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let titles = self.titles();
            if titles.iter().any(|t| t.contains(text) && !t.contains(not)) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no tab titled {text:?} without {not:?} within {timeout:?}; tabs: {titles:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until a page's title contains `text`.
    fn wait_title(&self, text: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let titles = self.titles();
            if titles.iter().any(|t| t.contains(text)) {
                return;
            }
            assert!(Instant::now() < deadline, "no tab titled {text:?} within {timeout:?}; tabs: {titles:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn an_open_tab_reloads_by_itself_after_an_edit_and_after_a_restart() {
    let (_tmp, root) = example();
    let srv = Server::start(&root, &[]);
    let port = srv.port;
    let Some(browser) = Browser::open(&format!("http://127.0.0.1:{port}/incidents/forums-v2-staging-outage/")) else {
        return;
    };
    browser.wait_title("Forums v2 merge broke", START_TIMEOUT);

    // Saved in the editor: the tab reloads and shows the new title.
    edit(&root, FORUMS, |t| {
        t.replacen("title: \"Forums v2 merge broke", "title: \"RELOADED-1 Forums v2 merge broke", 1)
    });
    browser.wait_title("RELOADED-1", Duration::from_secs(30));

    // A broken edit: the overlay (and a mark in the title) over the last good page.
    edit(&root, FORUMS, |t| t.replacen("severity: SEV3", "severity: SEV9", 1));
    browser.wait_title("\u{2717} RELOADED-1", Duration::from_secs(30));
    edit(&root, FORUMS, |t| t.replacen("severity: SEV9", "severity: SEV3", 1));
    browser.wait_title_without("\u{2717}", "RELOADED-1", Duration::from_secs(30));

    // The server stops; the file changes meanwhile; a new server starts on
    // the same port: the tab reconnects by itself and reloads.
    drop(srv);
    edit(&root, FORUMS, |t| t.replacen("RELOADED-1", "RELOADED-2", 1));
    let _again = Server::start_on(&root, port, &[]);
    browser.wait_title("RELOADED-2", Duration::from_secs(30));
}

#[test]
fn polling_sees_changes_too() {
    let (_tmp, root) = example();
    let srv = Server::start(&root, &["--poll"]);
    let events = srv.events();
    events.next("hello");
    edit(&root, FORUMS, |t| t.replacen("title: \"Forums v2", "title: \"POLLED Forums v2", 1));
    srv.wait_log("a rebuild", |log| log.lines().filter(|l| l.starts_with("Built")).count() >= 2);
    events.next("reload");
    assert!(srv.get("/incidents/forums-v2-staging-outage/").body.contains("POLLED Forums v2"));
}

/// The search index is served from memory too, and follows edits: a word
/// added to an incident is in one of the new index's shards.
#[test]
fn search_works_in_serve_and_follows_edits() {
    let (_tmp, root) = example();
    let srv = Server::start(&root, &[]);
    let events = srv.events();
    events.next("hello");
    let shards_text = || -> String {
        let page = srv.get("/search/");
        assert_eq!(page.status, 200);
        let at = page.body.find("data-index=\"").expect("search page names its index") + "data-index=\"".len();
        let manifest_url = &page.body[at..at + page.body[at..].find('"').unwrap()];
        let manifest = srv.get(manifest_url);
        assert_eq!(manifest.status, 200, "{manifest_url}");
        let json: serde_json::Value = serde_json::from_str(&manifest.body).unwrap();
        let dir = manifest_url.trim_end_matches("manifest.json");
        let count = json["shards"].as_array().unwrap().len();
        assert!(count > 0);
        (0..count)
            .map(|n| {
                let shard = srv.get(&format!("{dir}s/{n}.json"));
                assert_eq!(shard.status, 200);
                shard.body
            })
            .collect()
    };
    assert!(shards_text().contains("monitoring"));
    assert!(!shards_text().contains("zyxwvutq"));
    edit(&root, FORUMS, |t| t + "\nThe zyxwvutq probe caught it.\n");
    events.next("reload");
    srv.wait_log("the rebuild", |log| log.lines().filter(|l| l.starts_with("Built")).count() >= 2);
    assert!(shards_text().contains("zyxwvutq"), "the edited incident's new word is indexed");
}

/// The path of the base_url the oracle archives are built and served with.
const BASE_PATH: &str = "/archive";

/// Gives an archive copy a base_url with a path ([`BASE_PATH`]) and a git
/// history of one commit.
fn with_base_path_and_history(root: &Path) {
    edit(root, "rca-site.toml", |t| {
        let t = t.replacen(
            "base_url = \"https://rca-site-example.netlify.app\"",
            "base_url = \"https://x.github.io/archive\"",
            1,
        );
        assert!(t.contains("x.github.io/archive"), "the example's base_url moved");
        t
    });
    let git =
        |args: &[&str]| common::git_as(root, "2024-05-01 12:00:00 +0000", ("Robin Oncall", "robin@mail.invalid"), args);
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "The archive"]);
}

/// serve's last diagnostics (`/__rca/diagnostics`) equal those of a fresh
/// `build` of the same files, also when the build fails.
fn assert_diagnostics_as_build(srv: &Server, root: &Path, out: &Path, what: &str) {
    let o = rca(&["build", "--root", root.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]);
    let mut want = stderr(&o);
    if !o.status.success() {
        // build's last line says the build failed; serve says it differently.
        let body = want.trim_end_matches('\n');
        want = match body.rfind('\n') {
            Some(end) => body[..=end].to_string(),
            None => String::new(),
        };
    }
    assert_eq!(srv.get("/__rca/diagnostics").body, want, "{what}: serve's diagnostics differ from build's");
    let _ = std::fs::remove_dir_all(out);
}

/// Waits for the rebuild after an edit: its reload (or errors) event and its log line.
fn await_rebuild(srv: &Server, events: &Events, kind: &str, builds: usize) {
    events.next(kind);
    srv.wait_log("the rebuild's log line", |log| {
        log.lines().filter(|l| l.starts_with("Built") || l.starts_with("error: ")).count() >= builds
    });
}

/// A build whose search stage fails after its pages were published early
/// leaves the site from before it, as serve says it does.
#[test]
fn a_failure_in_the_search_stage_keeps_the_site_from_before_the_build() {
    let (_tmp, root) = example();
    let srv = Server::start(&root, &[]);
    let events = srv.events();
    events.next("hello");
    let before = srv.get("/incidents/").body;
    // One template edit: every page changes, and the search page cannot render.
    let base =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("theme/templates/base.html")).unwrap();
    let body = "<body class=\"section-{{ page.section }}\">";
    assert!(base.contains(body), "the base template's <body> moved");
    let broken = base.replacen(
        body,
        &format!(
            "{body}<p>MARK-7731</p>{{% if page.section == \"search\" %}}{{{{ no_such_variable_7731 }}}}{{% endif %}}"
        ),
        1,
    );
    std::fs::create_dir_all(root.join("theme/templates")).unwrap();
    std::fs::write(root.join("theme/templates/base.html"), broken).unwrap();
    let errors = events.next("errors");
    assert!(errors.contains("search.html"), "{errors}");
    srv.wait_log("the failure", |log| log.contains("still serving the last good site"));
    let after = srv.get("/incidents/");
    assert_eq!(after.status, 200);
    assert!(!after.body.contains("MARK-7731"), "a page of the failed build is served");
    assert_eq!(strip_reload(&after.body), strip_reload(&before), "the page from before the build");
}

/// The page without serve's reload script (whose build id changes).
fn strip_reload(page: &str) -> String {
    match page.find("<script data-rca-serve>") {
        Some(start) => {
            let end = page[start..].find("</script>\n").map_or(page.len(), |e| e + start + "</script>\n".len());
            format!("{}{}", &page[..start], &page[end..])
        }
        None => page.to_string(),
    }
}

/// With base_url = "https://x.github.io/archive" every page links
/// /archive/…: serve answers there, as the host will.
#[test]
fn a_base_url_with_a_path_is_served_under_that_path() {
    let (_tmp, root) = example();
    edit(&root, "rca-site.toml", |t| {
        t.replacen(
            "base_url = \"https://rca-site-example.netlify.app\"",
            "base_url = \"https://x.github.io/archive\"",
            1,
        )
    });
    let srv = Server::start(&root, &[]);
    // The address is logged by serve's stderr reader thread: it can come a
    // moment after the port answers.
    let address = format!("127.0.0.1:{}/archive/", srv.port);
    srv.wait_log("the address under the base path", |log| log.contains(&address));
    let home = srv.get("/archive/");
    assert_eq!(home.status, 200);
    let css = home.body.split("href=\"").filter_map(|r| r.split('"').next()).find(|h| h.ends_with(".css")).unwrap();
    assert!(css.starts_with("/archive/"), "{css}");
    assert_eq!(srv.get(css).status, 200, "{css}");
    assert_eq!(srv.get("/archive/incidents/forums-v2-staging-outage/").status, 200);
    let dir = srv.get("/archive/incidents");
    assert_eq!((dir.status, dir.header("Location").as_deref()), (301, Some("/archive/incidents/")));
    let root_page = srv.get("/");
    assert_eq!((root_page.status, root_page.header("Location").as_deref()), (302, Some("/archive/")));
    assert_eq!(srv.get(&css["/archive".len()..]).status, 404, "nothing outside the base path");
}

/// A warning of linking (a cause spelled like another) stays after a
/// body-only edit reuses the archive, as build still reports it.
#[test]
fn warnings_stay_after_a_body_only_edit() {
    let (tmp, root) = example();
    const TYPO: &str = "content/incidents/2026/typo-cause.md";
    std::fs::create_dir_all(root.join("content/incidents/2026")).unwrap();
    std::fs::write(
        root.join(TYPO),
        "---\ntitle: \"A cause spelled wrong\"\ndate: 2026-01-03\nseverity: SEV4\nservices: [forums]\ncauses: [missing-monitorin]\n---\nThe body.\n",
    )
    .unwrap();
    let srv = Server::start(&root, &[]);
    let events = srv.events();
    events.next("hello");
    assert!(srv.get("/__rca/diagnostics").body.contains("did you mean"), "{}", srv.get("/__rca/diagnostics").body);
    edit(&root, TYPO, |t| t + "\nAnother paragraph.\n");
    await_rebuild(&srv, &events, "reload", 2);
    assert!(srv.log().lines().rfind(|l| l.starts_with("Built")).unwrap().contains("; 1 parsed, 1 bodies, 0 cards,"));
    assert_diagnostics_as_build(&srv, &root, &tmp.path().join("out"), "body-only edit");
    assert!(srv.get("/__rca/diagnostics").body.contains("did you mean"));
}

/// A repository that cannot be read is reported with git's error on every
/// build, as build reports it, never as "not in a git repository".
#[test]
fn a_git_read_error_is_reported_as_build_reports_it() {
    let (tmp, root) = example();
    let git = |args: &[&str]| {
        common::git_as(&root, "2024-05-01 12:00:00 +0000", ("Robin Oncall", "robin@mail.invalid"), args)
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "The archive"]);
    // The commit's tree goes missing: the repository opens, its history cannot be read.
    let tree = git(&["rev-parse", "HEAD^{tree}"]).trim().to_string();
    std::fs::remove_file(root.join(".git/objects").join(&tree[..2]).join(&tree[2..])).unwrap();
    let srv = Server::start(&root, &[]);
    let events = srv.events();
    events.next("hello");
    let report = srv.get("/__rca/diagnostics").body;
    assert!(report.contains("warning: git") && !report.contains("not in a git repository"), "{report}");
    assert_diagnostics_as_build(&srv, &root, &tmp.path().join("out-1"), "first build");
    edit(&root, FORUMS, |t| t + "\nA new paragraph.\n");
    await_rebuild(&srv, &events, "reload", 2);
    assert_diagnostics_as_build(&srv, &root, &tmp.path().join("out-2"), "rebuild");
}
