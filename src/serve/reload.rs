//! Browser reload: the events endpoint, the script `serve` injects into
//! HTML responses, and the error overlay.
//!
//! Each open tab holds a server-sent events connection to [`EVENTS_PATH`].
//! On connecting it gets `hello` with the id of the site being served; a tab
//! showing an older build (the server restarted, or rebuilt while it was
//! disconnected) reloads. After a successful rebuild every tab gets
//! `reload`; after a failed one, `errors` (JSON), which the script shows as
//! an overlay over the last good page. `build` never contains the script:
//! it is added to responses only, in [`inject`].

use std::io::Write;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;

use crate::diagnostics::{Diagnostic, Severity};

/// The one path `serve` reserves for itself.
pub const EVENTS_PATH: &str = "/__rca/events";

/// A message for the open tabs.
#[derive(Debug, Clone)]
pub enum Event {
    /// A new good site, with its id.
    Reload(String),
    /// The last rebuild failed: every error, as JSON.
    Errors(String),
}

/// The open event connections.
#[derive(Default)]
pub struct Hub {
    clients: Mutex<Vec<Sender<Event>>>,
}

impl Hub {
    pub fn subscribe(&self) -> Receiver<Event> {
        let (tx, rx) = channel();
        self.clients.lock().unwrap_or_else(|e| e.into_inner()).push(tx);
        rx
    }

    /// Sends to every open connection, forgetting closed ones.
    pub fn send(&self, event: &Event) {
        self.clients.lock().unwrap_or_else(|e| e.into_inner()).retain(|c| c.send(event.clone()).is_ok());
    }
}

#[derive(Serialize)]
struct ErrorView<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    message: &'a str,
    /// `file:line:col: message`, as `check` prints it.
    text: String,
}

/// The errors of a failed rebuild as the JSON the overlay reads.
pub fn errors_json(diags: &[Diagnostic]) -> String {
    let views: Vec<ErrorView> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| ErrorView { file: &d.file, line: d.line, column: d.column, message: &d.message, text: d.to_string() })
        .collect();
    serde_json::to_string(&views).unwrap_or_else(|_| "[]".into())
}

/// Streams events to one tab until it goes away. `state` gives the
/// current site id and, if the last rebuild failed, its errors.
pub fn stream(mut out: Box<dyn Write + Send>, rx: Receiver<Event>, hello: String, errors: Option<String>) {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: keep-alive\r\n\r\n";
    let mut first = format!("{head}retry: 500\nevent: hello\ndata: {hello}\n\n");
    if let Some(e) = errors {
        first.push_str(&sse("errors", &e));
    }
    if out.write_all(first.as_bytes()).and_then(|()| out.flush()).is_err() {
        return;
    }
    loop {
        let msg = match rx.recv_timeout(Duration::from_secs(15)) {
            Ok(Event::Reload(id)) => sse("reload", &id),
            Ok(Event::Errors(json)) => sse("errors", &json),
            // A comment keeps proxies from closing the connection and finds dead tabs.
            Err(RecvTimeoutError::Timeout) => ": ping\n\n".to_string(),
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if out.write_all(msg.as_bytes()).and_then(|()| out.flush()).is_err() {
            return;
        }
    }
}

fn sse(event: &str, data: &str) -> String {
    let mut s = format!("event: {event}\n");
    for line in data.lines() {
        s.push_str("data: ");
        s.push_str(line);
        s.push('\n');
    }
    s.push('\n');
    s
}

/// The script added to every HTML response of `serve`.
const SCRIPT: &str = r#"<script data-rca-serve>
(function () {
  "use strict";
  var build = "__BUILD__";
  var source = null;
  var mark = "\u2717 ";
  function clear() {
    var old = document.getElementById("rca-serve-overlay");
    if (old) old.remove();
    if (document.title.indexOf(mark) === 0) document.title = document.title.slice(mark.length);
  }
  function show(errors) {
    clear();
    var box = document.createElement("div");
    box.id = "rca-serve-overlay";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;inset:0 0 auto 0;max-height:70vh;overflow:auto;z-index:2147483647;margin:0;padding:1rem 1.25rem;background:#2b0b0b;color:#fde8e8;border-bottom:4px solid #e5484d;font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;box-shadow:0 4px 24px rgba(0,0,0,.4)";
    var title = document.createElement("p");
    title.style.cssText = "margin:0 0 .5rem;font-weight:bold;font-size:15px";
    title.textContent = "rca-site: the last change has " + errors.length + " error" + (errors.length === 1 ? "" : "s") + "; showing the last good version of the site.";
    box.appendChild(title);
    var list = document.createElement("ul");
    list.style.cssText = "margin:0;padding-left:1.25rem";
    errors.forEach(function (e) {
      var item = document.createElement("li");
      item.className = "rca-serve-error";
      item.textContent = e.text;
      list.appendChild(item);
    });
    box.appendChild(list);
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "Hide";
    close.style.cssText = "position:absolute;top:.75rem;right:1rem;font:inherit;padding:.125rem .5rem";
    close.onclick = clear;
    box.appendChild(close);
    document.body.appendChild(box);
    // A tab in the background shows the failure in its title too.
    document.title = mark + document.title;
  }
  function connect() {
    source = new EventSource("__EVENTS__");
    source.addEventListener("hello", function (e) {
      if (e.data !== build) location.reload();
    });
    source.addEventListener("reload", function (e) {
      if (e.data !== build) location.reload();
    });
    source.addEventListener("errors", function (e) {
      show(JSON.parse(e.data));
    });
    source.onerror = function () {
      if (source.readyState === 2) {
        source.close();
        setTimeout(connect, 1000);
      }
    };
  }
  connect();
})();
</script>
"#;

/// Adds the reload script before `</body>` (or at the end) of an HTML page.
pub fn inject(html: &[u8], build: &str) -> Vec<u8> {
    let script = SCRIPT.replace("__BUILD__", build).replace("__EVENTS__", EVENTS_PATH);
    let at = rfind_ci(html, b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + script.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(script.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn rfind_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    (0..=hay.len().checked_sub(needle.len())?).rev().find(|&i| hay[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

/// The page served while there is no good site yet (the first build
/// failed): the errors, escaped, and the script that reloads once fixed.
pub fn error_page(diags: &[Diagnostic]) -> Vec<u8> {
    let mut items = String::new();
    for d in diags.iter().filter(|d| d.severity == Severity::Error) {
        items.push_str("<li>");
        items.push_str(&crate::feeds::xml_escape(&d.to_string()));
        items.push_str("</li>\n");
    }
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Build failed</title></head>\n<body>\n<h1>The site could not be built</h1>\n<p>Fix these errors; this page reloads by itself.</p>\n<ul class=\"rca-serve-errors\">\n{items}</ul>\n</body></html>\n"
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Pos;

    #[test]
    fn script_goes_before_the_last_body_end() {
        let out = String::from_utf8(inject(b"<html><body><p>x</p></BODY></html>", "b1")).unwrap();
        assert!(out.ends_with("</script>\n</BODY></html>"), "{out}");
        assert!(out.contains("var build = \"b1\""));
        let out = String::from_utf8(inject(b"<p>no body</p>", "b1")).unwrap();
        assert!(out.starts_with("<p>no body</p><script"));
    }

    #[test]
    fn errors_are_escaped_and_positioned() {
        let d = vec![Diagnostic::error(
            "content/incidents/x.md",
            Pos::new(4, 11),
            "severity \"<img src=x onerror=alert(1)>\" is not one of SEV1",
        )];
        let page = String::from_utf8(error_page(&d)).unwrap();
        assert!(
            page.contains("content/incidents/x.md:4:11: severity &quot;&lt;img src=x onerror=alert(1)&gt;&quot;"),
            "{page}"
        );
        assert!(!page.contains("<img"));
        let json: serde_json::Value = serde_json::from_str(&errors_json(&d)).unwrap();
        assert_eq!(json[0]["line"], 4);
        assert_eq!(json[0]["column"], 11);
        assert!(json[0]["text"].as_str().unwrap().starts_with("content/incidents/x.md:4:11: severity"));
    }

    #[test]
    fn multi_line_data_is_one_event() {
        assert_eq!(sse("errors", "a\nb"), "event: errors\ndata: a\ndata: b\n\n");
    }
}
