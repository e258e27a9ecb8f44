//! Measures `rca-site serve`'s time from saving an edited incident to the
//! reload event its open tabs receive, and the server's resident memory.
//!
//! ```sh
//! cargo run --release --example serve_latency -- --root DIR --port PORT --pid PID [--runs 7]
//! ```
//!
//! `bench/serve.sh` starts the server and runs this. Each run edits one
//! incident file (alternately its body and its title, so both the body-only
//! and the front-matter path are measured), takes the time just before the
//! write, and stops the clock when the server-sent `reload` event arrives.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// Waits until the server has used no more than 10 ms of CPU in 250 ms.
fn settle(pid: &str) {
    let end = Instant::now() + Duration::from_secs(60);
    let mut last = cpu_ms(pid);
    while Instant::now() < end {
        std::thread::sleep(Duration::from_millis(250));
        let now = cpu_ms(pid);
        if now - last <= 10.0 {
            return;
        }
        last = now;
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let root = PathBuf::from(arg("--root").expect("--root DIR"));
    let port: u16 = arg("--port").expect("--port PORT").parse().expect("port");
    let pid = arg("--pid");
    let runs: usize = arg("--runs").map_or(7, |r| r.parse().expect("runs"));
    // `--only body` or `--only title`: that kind of edit alone (for profiling).
    let only = arg("--only");

    let file = pick_incident(&root.join("content/incidents")).expect("an incident file");
    let original = std::fs::read_to_string(&file).expect("read incident");
    let events = connect(port);
    wait_for(&events, "hello", Duration::from_secs(30)).expect("hello from the server");

    let mut body = Vec::new();
    let mut title = Vec::new();
    let mut cpu = Vec::new();
    for run in 0..runs * 2 {
        let text = std::fs::read_to_string(&file).expect("read incident");
        let front = match only.as_deref() {
            Some("body") => false,
            Some("title") => true,
            _ => run % 2 == 1,
        };
        let edited = if front {
            text.replacen("title: \"", &format!("title: \"E{run} "), 1)
        } else {
            format!("{text}\nEdited paragraph {run}.\n")
        };
        // Let the server settle from the previous run (it may still be
        // building the search index after the reload).
        std::thread::sleep(Duration::from_millis(400));
        if let Some(p) = pid.as_deref() {
            settle(p);
        }
        let cpu0 = pid.as_deref().map(cpu_ms);
        let t0 = Instant::now();
        std::fs::write(&file, edited).expect("write incident");
        let took = wait_for(&events, "reload", Duration::from_secs(60))
            .map(|()| t0.elapsed())
            .expect("a reload event within 60 s");
        let ms = took.as_secs_f64() * 1000.0;
        let used = cpu0.map(|c| pid.as_deref().map_or(0.0, cpu_ms) - c);
        if let Some(u) = used {
            cpu.push(u);
        }
        println!(
            "run {:2} ({}): {ms:8.1} ms{}",
            run / 2 + 1,
            if front { "title" } else { "body " },
            used.map_or(String::new(), |u| format!("   server CPU {u:6.0} ms"))
        );
        if front {
            title.push(ms);
        } else {
            body.push(ms);
        }
    }
    std::fs::write(&file, original).expect("restore incident");
    let _ = wait_for(&events, "reload", Duration::from_secs(60));
    for (name, v) in [("body edit", &mut body), ("title edit", &mut title)] {
        if v.is_empty() {
            continue;
        }
        v.sort_by(f64::total_cmp);
        println!(
            "{name}: median {:.1} ms (min {:.1}, max {:.1}, {} runs)",
            v[v.len() / 2],
            v[0],
            v[v.len() - 1],
            v.len()
        );
    }
    if !cpu.is_empty() {
        cpu.sort_by(f64::total_cmp);
        println!(
            "server CPU time per rebuild (all threads): median {:.0} ms (min {:.0}, max {:.0})",
            cpu[cpu.len() / 2],
            cpu[0],
            cpu[cpu.len() - 1]
        );
    }
    if let Some(pid) = pid {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        for line in status.lines().filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM")) {
            println!("server {line}");
        }
    }
}

/// User + system CPU time of a process so far, in ms (from /proc; clock ticks of 10 ms).
fn cpu_ms(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime is the 12th, stime the 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) * 10.0
}

/// An incident in the middle of the archive.
fn pick_incident(dir: &Path) -> Option<PathBuf> {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).ok()?.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "md") {
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                let published = text.contains("\nstatus: published") || !text.contains("\nstatus:");
                if published && !text.contains("visibility: internal") {
                    files.push(p);
                }
            }
        }
    }
    files.sort();
    files.get(files.len() / 2).cloned()
}

fn connect(port: u16) -> Receiver<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to the server");
    s.write_all(b"GET /__rca/events HTTP/1.1\r\nHost: localhost\r\n\r\n").expect("request events");
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(s).lines() {
            let Ok(line) = line else { return };
            if let Some(e) = line.strip_prefix("event: ") {
                if tx.send(e.to_string()).is_err() {
                    return;
                }
            }
        }
    });
    rx
}

fn wait_for(rx: &Receiver<String>, kind: &str, timeout: Duration) -> Option<()> {
    let end = Instant::now() + timeout;
    loop {
        match rx.recv_timeout(end.saturating_duration_since(Instant::now())) {
            Ok(e) if e == kind => return Some(()),
            Ok(e) if e == "errors" => panic!("the edit failed to build"),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
}
