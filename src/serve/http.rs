//! HTTP: serves the site from memory, as a static host would.
//!
//! Only paths of the built site can be answered, so nothing outside it is
//! ever read; requests with `.` or `..` segments (also percent-encoded),
//! backslashes or NUL are refused with 400 all the same.

use super::incremental::HashMap;
use std::sync::{Arc, RwLock};

use tiny_http::{Header, Method, Request, Response};

use super::reload::{self, Hub, EVENTS_PATH};

/// The files being served, by output path.
pub type Files = HashMap<Arc<str>, Arc<Vec<u8>>>;

/// The site being served: the last good build, and the errors of the last
/// rebuild if it failed.
pub struct State {
    /// Output path → bytes. The paths are shared (`Arc<str>`): each rebuild
    /// makes a new map of ~34,000 at 10,000 incidents, whose kept paths
    /// are then counted references, not copies.
    pub files: Files,
    /// Changes with every successful rebuild; tabs showing another reload.
    pub build: String,
    /// JSON for the overlay when the last rebuild failed.
    pub errors: Option<String>,
    /// Served for every path while no build has succeeded yet.
    pub error_page: Option<Vec<u8>>,
    /// The path of `base_url` ("" or "/archive"): the site is served under
    /// it, where its pages link (`/archive/style.css`), as its host serves it.
    pub base: String,
    /// The last build's warnings and errors as `build` prints them, served
    /// at [`DIAGNOSTICS_PATH`] (scripts and tests compare them with `build`'s).
    pub report: String,
}

/// Where serve answers with the last build's diagnostics (plain text).
pub const DIAGNOSTICS_PATH: &str = "/__rca/diagnostics";

pub type Shared = Arc<RwLock<Arc<State>>>;

/// Turns off Nagle's algorithm for every connection `listener` accepts
/// (Linux copies TCP_NODELAY from the listening socket to accepted ones;
/// tiny_http accepts them itself and offers no hook). tiny_http writes a
/// response's head and body separately, so with Nagle every answer after
/// the first on a kept-alive connection waited for the client's delayed
/// ACK, about 40 ms.
pub fn no_delay(listener: &std::net::TcpListener) {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let on: libc::c_int = 1;
        // SAFETY: a valid socket descriptor and a c_int option value of the given size.
        let _ = unsafe {
            libc::setsockopt(
                listener.as_raw_fd(),
                libc::IPPROTO_TCP,
                libc::TCP_NODELAY,
                (&on as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
    }
    #[cfg(not(unix))]
    let _ = listener;
}

/// Answers one request.
pub fn handle(req: Request, state: &Shared, hub: &Hub) {
    let current = state.read().unwrap_or_else(|e| e.into_inner()).clone();
    if !matches!(req.method(), Method::Get | Method::Head) {
        let _ = req.respond(text(405, "method not allowed\n").with_header(header("Allow", "GET, HEAD")));
        return;
    }
    let raw = req.url().to_string();
    let path = raw.split(['?', '#']).next().unwrap_or("");
    if path == EVENTS_PATH {
        let rx = hub.subscribe();
        let out = req.into_writer();
        reload::stream(out, rx, current.build.clone(), current.errors.clone());
        return;
    }
    if path == DIAGNOSTICS_PATH {
        let _ = req.respond(text(200, &current.report));
        return;
    }
    let Some(segments) = clean_path(path) else {
        let _ = req.respond(text(400, "bad request: the path must be a plain path inside the site\n"));
        return;
    };
    let head = req.method() == &Method::Head;
    let base = &current.base;
    let Some(segments) = under_base(&segments, base) else {
        // Outside the base path: the root leads to the site, anything else is not there.
        if segments.is_empty() && current.error_page.is_none() {
            let _ = req.respond(Response::empty(302).with_header(header("Location", &format!("{base}/"))));
        } else {
            let _ = req.respond(text(404, &format!("404 not found: the site is served under {base}/\n")));
        }
        return;
    };
    if let Some(page) = &current.error_page {
        let body = reload::inject(page, &current.build);
        let _ = req.respond(bytes(500, "text/html; charset=utf-8", body, head));
        return;
    }
    match lookup(&current.files, &segments, path.ends_with('/')) {
        Found::File(key, data) => {
            let kind = content_type(&key);
            let body = if kind.starts_with("text/html") { reload::inject(data, &current.build) } else { data.to_vec() };
            let _ = req.respond(bytes(200, kind, body, head));
        }
        Found::Directory => {
            let query = &raw[path.len()..];
            let to = format!("{base}/{}/{query}", segments.join("/"));
            let _ = req.respond(Response::empty(301).with_header(header("Location", &to)));
        }
        Found::Nothing => {
            let body = match current.files.get("404.html") {
                Some(page) => reload::inject(page, &current.build),
                None => b"404 not found\n".to_vec(),
            };
            let _ = req.respond(bytes(404, "text/html; charset=utf-8", body, head));
        }
    }
}

/// The segments of a request path below the base path (`None`: not below it).
fn under_base(segments: &[String], base: &str) -> Option<Vec<String>> {
    let base: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
    if segments.len() < base.len() || segments.iter().zip(&base).any(|(s, b)| s != b) {
        return None;
    }
    Some(segments[base.len()..].to_vec())
}

enum Found<'a> {
    File(String, &'a [u8]),
    /// A directory with an index.html, asked for without the trailing slash.
    Directory,
    Nothing,
}

fn lookup<'a>(files: &'a Files, segments: &[String], slash: bool) -> Found<'a> {
    let joined = segments.join("/");
    let index = if joined.is_empty() { "index.html".to_string() } else { format!("{joined}/index.html") };
    if slash || joined.is_empty() {
        return files.get(index.as_str()).map_or(Found::Nothing, |d| Found::File(index, d));
    }
    if let Some(d) = files.get(joined.as_str()) {
        return Found::File(joined, d);
    }
    if files.contains_key(index.as_str()) {
        return Found::Directory;
    }
    Found::Nothing
}

/// The request path as site-relative segments; `None` when it is not a
/// plain path (not starting with `/`, invalid percent-encoding or UTF-8,
/// `.`/`..` segments, backslashes, NUL). Empty segments (`//`) are dropped.
pub fn clean_path(path: &str) -> Option<Vec<String>> {
    if !path.starts_with('/') {
        return None;
    }
    let mut out = Vec::new();
    for raw in path.split('/') {
        let seg = String::from_utf8(percent_decode(raw)?).ok()?;
        if seg == "." || seg == ".." || seg.contains(['\\', '\0', '/']) {
            return None;
        }
        if !seg.is_empty() {
            out.push(seg);
        }
    }
    Some(out)
}

fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

/// The Content-Type of a site file, by extension.
pub fn content_type(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name == "_redirects" {
        return "text/plain; charset=utf-8";
    }
    match name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("xml") if name == "feed.xml" => "application/atom+xml",
        Some("xml") => "application/xml",
        Some("txt") => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("pdf") => "application/pdf",
        Some("wasm") => "application/wasm",
        _ => "application/octet-stream",
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes())
        .unwrap_or_else(|_| Header::from_bytes(&b"X-Invalid"[..], &b"1"[..]).expect("valid header"))
}

fn bytes(status: u16, kind: &str, body: Vec<u8>, head: bool) -> Response<std::io::Cursor<Vec<u8>>> {
    let len = body.len();
    let body = if head { Vec::new() } else { body };
    let mut r = Response::from_data(body)
        .with_status_code(status)
        .with_header(header("Content-Type", kind))
        .with_header(header("Cache-Control", "no-store"));
    if head {
        r = r.with_header(header("Content-Length", &len.to_string()));
    }
    r
}

fn text(status: u16, body: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    bytes(status, "text/plain; charset=utf-8", body.as_bytes().to_vec(), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_plain_or_refused() {
        assert_eq!(clean_path("/incidents/x/"), Some(vec!["incidents".to_string(), "x".to_string()]));
        assert_eq!(clean_path("//etc/passwd"), Some(vec!["etc".to_string(), "passwd".to_string()]));
        assert_eq!(clean_path("/a%20b"), Some(vec!["a b".to_string()]));
        for bad in [
            "/../etc/passwd",
            "/a/..",
            "/%2e%2e/x",
            "/%2E%2e%2fetc",
            "/a/./b",
            "/a%5c..",
            "/a%00",
            "etc/passwd",
            "http://x/",
            "/%zz",
            "/%c3",
        ] {
            assert_eq!(clean_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn pretty_urls() {
        let mut files = HashMap::default();
        files.insert("incidents/x/index.html".into(), Arc::new(b"x".to_vec()));
        files.insert("index.html".into(), Arc::new(b"home".to_vec()));
        files.insert("style.css".into(), Arc::new(b"css".to_vec()));
        let seg = |p: &str| clean_path(p).unwrap();
        assert!(matches!(lookup(&files, &seg("/"), true), Found::File(k, _) if k == "index.html"));
        assert!(
            matches!(lookup(&files, &seg("/incidents/x/"), true), Found::File(k, _) if k == "incidents/x/index.html")
        );
        assert!(matches!(lookup(&files, &seg("/incidents/x"), false), Found::Directory));
        assert!(matches!(lookup(&files, &seg("/style.css"), false), Found::File(..)));
        assert!(matches!(lookup(&files, &seg("/style.css/"), true), Found::Nothing));
        assert!(matches!(lookup(&files, &seg("/nope"), false), Found::Nothing));
        assert_eq!(content_type("feed.xml"), "application/atom+xml");
        assert_eq!(content_type("a/b.SVG"), "image/svg+xml");
    }
}
